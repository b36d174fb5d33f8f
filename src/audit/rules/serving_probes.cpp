// Probes of a model server: K8S003 (a startup budget for the model load), K8S004 (liveness
// that restarts too eagerly), K8S019 (no readiness gate at all).
#include <fmt/format.h>

#include <cmath>

#include "audit/rules/rules.h"
#include "common/strings.h"
#include "perf/model.h"

namespace llmctl::audit::detail {
namespace {

using S = Severity;

// Seconds an engine needs before /health answers: weights read at ~1 GiB/s (PVC or image
// cache; a first download from the Hub is slower) plus ~60 s of engine start (CUDA graphs,
// torch.compile, KV allocation). Deliberately optimistic, so a finding means the probe is short
// even in the good case.
constexpr double kLoadGiBPerS = 1.0;
constexpr double kEngineInitS = 60;
constexpr double kUnknownModelLoadS = 120;
// Liveness gets at least this many seconds of failures before it restarts a model server.
constexpr long long kMinLivenessToleranceS = 60;
// Without a startupProbe, liveness must outlast the load with this margin: a kill restarts the
// whole download and load, so the optimistic estimate alone is not enough.
constexpr double kLivenessMargin = 1.5;

double load_seconds(const Server& s) {
  if (!s.model) return kUnknownModelLoadS;
  return kEngineInitS +
         perf::weight_bytes(*s.model, s.dtype) / (1024.0 * 1024 * 1024) / kLoadGiBPerS;
}

std::string load_text(const Server& s) {
  double load_s = load_seconds(s);
  if (!s.model)
    return fmt::format("~{} s assumed load time (model not in the catalog)", format_sig(load_s, 3));
  return fmt::format("~{} s to load {} ({} GiB in {} at {} GiB/s + {} s engine start)",
                     format_sig(load_s, 3), s.model->id,
                     format_sig(perf::weight_bytes(*s.model, s.dtype) / (1024.0 * 1024 * 1024), 3),
                     s.dtype, format_sig(kLoadGiBPerS, 3), format_sig(kEngineInitS, 3));
}

// Workloads that a rollout replaces: they need a readiness gate so traffic and the rollout wait
// for the model. A bare Pod or a Job has no rollout.
bool rolled_out(const Workload& w) {
  return w.kind == "Deployment" || w.kind == "StatefulSet" || w.kind == "LeaderWorkerSet" ||
         w.kind == "DaemonSet" || w.kind == "ReplicaSet";
}

}  // namespace

void add_probe_rule_docs(std::vector<RuleInfo>& out) {
  out.push_back(
      {"K8S003", "serving", S::kWarning, "No startup budget for the model load",
       "A model server whose startupProbe gives up (initialDelaySeconds + failureThreshold x "
       "periodSeconds) before the estimated load time, or which has no startupProbe while its "
       "livenessProbe starts killing it before 1.5 x the load time (a kill restarts the whole "
       "load, so liveness needs the margin). The estimate is 60 s engine start "
       "+ the model's weights (catalog model from the args, in its dtype) at 1 GiB/s; 120 s "
       "when the model is not in the catalog. Without a liveness probe nothing kills a loading "
       "pod, so a missing startupProbe alone is not reported. KServe, KubeAI and the "
       "production-stack chart own their probes (a values override is still checked); workers "
       "of a multi-node group are judged through their leader.",
       "Loading weights takes minutes; vLLM's guide lists containers killed during load "
       "(\"KeyboardInterrupt: terminated\") when startup/readiness thresholds are too low "
       "(vllm-project/vllm:docs/deployment/k8s.md). The Gateway API Inference Extension's "
       "vLLM deployment uses a startupProbe with failureThreshold 600 x periodSeconds 1 "
       "\"until the model is loaded\" (kubernetes-sigs/gateway-api-inference-extension:config/"
       "manifests/vllm/gpu-deployment.yaml). Research: agents-and-deploy.md §2.1, §4.2 item "
       "16.",
       "Add a startupProbe on the health path with failureThreshold x periodSeconds above the "
       "load time (with margin).",
       "livenessProbe: {httpGet: {path: /health, port: 8000}}  # no startupProbe"});
  out.push_back(
      {"K8S004", "serving", S::kWarning, "Aggressive liveness probe",
       "On a model-server container: a livenessProbe that restarts after less than 60 s of "
       "failures (failureThreshold x periodSeconds, defaults 3 x 10 s).",
       "A liveness restart reloads the whole model (minutes of capacity lost), so the GIE "
       "reference deployment biases liveness towards \"definitely unhealthy\" and lets "
       "readiness take pods out of rotation (gateway-api-inference-extension "
       "gpu-deployment.yaml comments). Research: agents-and-deploy.md §4.2 item 17.",
       "Give liveness at least 60 s of failures and let readiness take the pod out of rotation "
       "first.",
       "livenessProbe: {httpGet: {path: /health, port: 8000}, periodSeconds: 10}"});
  out.push_back(
      {"K8S019", "serving", S::kWarning, "Model server without a readiness gate",
       "A Deployment, StatefulSet, LeaderWorkerSet, DaemonSet or ReplicaSet whose model-server "
       "container has neither a readinessProbe nor a startupProbe (workers of a multi-node "
       "group are judged through their leader; operators that own the probes are skipped). "
       "Model servers outside the catalog (NVIDIA NIM, JetStream/MaxEngine, Triton, Ollama, "
       "...) are judged by their image, once per pod, when no container of the pod has a "
       "readiness or startup probe.",
       "Without a readiness gate a pod counts as ready the moment its container starts: a "
       "rolling update deletes the old replicas while the new ones are still loading weights "
       "(minutes of downtime), and the Service sends requests to a port that is not open yet. "
       "vLLM's Kubernetes guide and the GIE reference deployment both gate on /health. "
       "Research: agents-and-deploy.md §2.1.",
       "Add a readinessProbe on the engine's health path (vLLM and SGLang: /health) and a "
       "startupProbe sized for the load.",
       "containers: [{image: vllm/vllm-openai:v0.11.0}]  # no probes"});
}

void check_other_server_probes(FileCtx& f, const Workload& w, const Container& c,
                               std::string_view what) {
  // K8S019 for a model server outside the catalog (NIM, JetStream, Triton, ...): the readiness
  // gate matters whatever the engine; its load time is unknown, so only the missing gate counts.
  if (w.platform != Platform::kKubernetes || w.probes_managed || !rolled_out(w)) return;
  for (const auto& other : w.containers)
    if (other.readiness.present || other.startup.present) return;
  f.emit("K8S019", c.pos,
         fmt::format("{} container '{}' has no readinessProbe or startupProbe (nor has any "
                     "container of the pod): a rollout counts the new pod ready at once and "
                     "removes old replicas while it still loads the model, and the Service "
                     "sends it requests before the port is open",
                     what, c.name),
         "add a readinessProbe on the server's health endpoint (and a startupProbe sized for "
         "the model load)");
}

void check_probes(FileCtx& f, const Server& s) {
  const Workload& w = s.w;
  const Container& c = s.c;
  const Probe& l = c.liveness;
  // What an operator or chart owns is only judged where the file overrides it.
  const bool own_probes = s.k8s && !w.probes_managed;
  // K8S003: the startup budget against the load time.
  if (s.serves) {
    double load_s = load_seconds(s);
    if (c.startup.present && static_cast<double>(c.startup.budget()) < load_s) {
      f.emit("K8S003", c.startup.pos,
             fmt::format("startupProbe gives up after {} s (initialDelay {} + {} x {} s) but the "
                         "engine needs {}",
                         c.startup.budget(), c.startup.initial_delay, c.startup.failure,
                         c.startup.period, load_text(s)),
             fmt::format("raise failureThreshold so the budget is >= {} s",
                         format_sig(std::ceil(load_s * 1.5), 3)));
    } else if (own_probes && !c.startup.present && l.present &&
               static_cast<double>(l.budget()) < kLivenessMargin * load_s) {
      f.emit("K8S003", c.pos,
             fmt::format("no startupProbe, and liveness kills the pod {} s after start "
                         "(initialDelay {} + {} x {} s), before the engine is up ({})",
                         l.budget(), l.initial_delay, l.failure, l.period, load_text(s)),
             fmt::format("add a startupProbe on {} with failureThreshold x periodSeconds >= {} s "
                         "(liveness only starts after it succeeds)",
                         c.engine->health_path, format_sig(std::ceil(load_s * 1.5), 3)));
    }
  }
  // K8S004: liveness tolerance.
  if (l.present && l.tolerance() < kMinLivenessToleranceS)
    f.emit("K8S004", l.pos,
           fmt::format("livenessProbe restarts the engine after {} s of failures ({} x {} s); a "
                       "restart reloads the whole model ({})",
                       l.tolerance(), l.failure, l.period, load_text(s)),
           "give liveness at least 60 s of failures (e.g. periodSeconds: 10, "
           "failureThreshold: 6) and let readiness take the pod out of rotation first");
  // K8S019: no readiness gate.
  if (s.serves && own_probes && rolled_out(w) && !c.readiness.present && !c.startup.present)
    f.emit("K8S019", c.pos,
           fmt::format("{} container '{}' has no readinessProbe or startupProbe: a rollout "
                       "counts the new pod ready at once and removes old replicas while it "
                       "still loads ({}), and the Service sends it requests before the port "
                       "is open",
                       c.engine->name, c.name, load_text(s)),
           fmt::format("add a readinessProbe on {} (and a startupProbe sized for the load)",
                       c.engine->ready_path));
}

}  // namespace llmctl::audit::detail
