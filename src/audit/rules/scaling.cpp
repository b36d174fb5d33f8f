// Scaling and project-level serving rules: K8S013 (a Service named vllm breaks vLLM pods),
// K8S014 (CPU/memory autoscaling of GPU inference), K8S015 (KEDA metricName), K8S016 (scale to
// zero without a cold-start budget), K8S017 (one replica, no disruption budget). The joins
// across files run in join_project(): objects of one named namespace join wherever they sit;
// unnamespaced (or `default`) ones within one project root (the nearest folder with a
// kustomization, Chart.yaml, helmfile or skaffold file; else the file's own folder).
#include <fmt/format.h>

#include <algorithm>

#include "audit/facts/manifests.h"
#include "audit/rules/rules.h"
#include "common/strings.h"

namespace llmctl::audit::detail {
namespace {

using S = Severity;

constexpr std::string_view kColdStartAnnotation = "llmctl.io/cold-start-budget";

bool is_gpu_engine(const Workload& w) {
  for (const auto& c : w.containers)
    if (c.engine && !c.cpu_only) return true;
  return false;
}

std::string dir_of(std::string_view file) {
  size_t slash = file.find_last_of('/');
  return slash == std::string_view::npos ? std::string() : std::string(file.substr(0, slash));
}

// The project root of a file: the nearest folder above it (or its own) holding a marker.
std::string root_of(std::string_view file, const std::vector<std::string>& marker_dirs) {
  std::string dir = dir_of(file);
  std::string best;
  bool found = false;
  for (const auto& m : marker_dirs) {
    bool above = m.empty() || dir == m || starts_with(dir, m + "/");
    if (above && (!found || m.size() > best.size())) best = m, found = true;
  }
  return found ? best : dir;
}

}  // namespace

void add_scaling_rule_docs(std::vector<RuleInfo>& out) {
  out.push_back(
      {"K8S013", "serving", S::kError, "Service named like the engine with service links on",
       "Project-level: a Service named `vllm` and, in the same namespace and project root, a "
       "vLLM pod without enableServiceLinks: false.",
       "Kubernetes injects docker-link env vars for every Service; a Service named vllm yields "
       "VLLM_PORT=tcp://<ip>:<port>, which vLLM reads as its own VLLM_PORT setting and crashes "
       "(CrashLoopBackOff), as the GIE deployment's comment explains. Research: "
       "agents-and-deploy.md §2.1, §4.2 item 27.",
       "Set enableServiceLinks: false in the pod spec (or rename the Service).",
       "kind: Service\nmetadata: {name: vllm}"});
  out.push_back(
      {"K8S014", "serving", S::kWarning, "CPU/memory autoscaling of GPU inference",
       "A HorizontalPodAutoscaler (Resource/ContainerResource cpu or memory, or v1 "
       "targetCPUUtilizationPercentage) or a KEDA cpu/memory trigger whose target is a GPU "
       "engine workload in the same project (or, when the target is not among the audited "
       "files, a name like vllm/sglang/tgi/llama/inference).",
       "A GPU-bound engine queues requests at flat CPU, so CPU utilisation never triggers "
       "scale-out; production-stack scales on vllm:num_requests_waiting with KEDA or "
       "prometheus-adapter (tutorials/assets/values-20-keda.yaml, hpa-10.yaml); vLLM's metrics "
       "design discusses the saturation signal. Research: agents-and-deploy.md §2.6, §4.2 item "
       "28.",
       "Scale on queue depth (vllm:num_requests_waiting) or latency via KEDA/prometheus-adapter.",
       "metrics: [{type: Resource, resource: {name: cpu}}]"});
  out.push_back(
      {"K8S015", "serving", S::kWarning, "KEDA trigger using deprecated metricName",
       "A KEDA trigger (ScaledObject or production-stack keda.triggers) with "
       "metadata.metricName.",
       "metricName was deprecated in KEDA 2.10 and removed in 2.12 (keda.sh/docs/2.10/scalers/"
       "prometheus, keda.sh/docs/2.13/scalers/prometheus); newer KEDA rejects the object. "
       "production-stack examples still use it. Research: agents-and-deploy.md §2.6, §4.2 "
       "item 29.",
       "Delete metricName (KEDA names the metric itself).",
       "triggers: [{type: prometheus, metadata: {metricName: vllm_waiting, ...}}]"});
  out.push_back(
      {"K8S016", "serving", S::kWarning, "Scale to zero without a cold-start budget",
       "A ScaledObject with minReplicaCount 0 (KEDA's default when unset) or idleReplicaCount "
       "0, a KServe predictor or KubeAI Model with minReplicas 0, or production-stack keda with "
       "min/idle 0, without the annotation llmctl.io/cold-start-budget acknowledging the cold "
       "start. A benchmark's or a demo's objects (by folder or namespace, as K8S017) are not "
       "reported: no user waits on their cold start.",
       "Waking from zero costs a node, an image pull and a multi-minute model load; SkyServe's "
       "default readiness initial delay is 1200 s for this reason (skypilot-org/skypilot:docs/"
       "source/serving/service-yaml-spec.rst). Research: agents-and-deploy.md §4.2 item 30.",
       "Keep one warm replica, or annotate llmctl.io/cold-start-budget: \"<seconds>\" after "
       "measuring.",
       "spec: {minReplicaCount: 0}"});
  out.push_back(
      {"K8S017", "serving", S::kNote, "Single serving replica without a PodDisruptionBudget",
       "Project-level: a GPU engine Deployment/StatefulSet with one replica (replicas: 1, or "
       "unset) that "
       "no PodDisruptionBudget in the same project and namespace selects and no HPA/KEDA keeps "
       "at 2 or more. A note: whether one replica is acceptable is an availability choice. A "
       "benchmark's or a demo's server (a folder named demo(s), bench, benchmark(s) or "
       "loadtest, or a namespace named for a test, a benchmark or a demo) is the target of a "
       "measurement or a show, not a service, and is not reported; nor is a worker fed by a "
       "queue (an env var naming a subscription or queue: Pub/Sub, SQS, Kafka, RabbitMQ, NATS; "
       "or a folder whose name has the word async or batch: async-inference/, batch/), whose "
       "requests wait while it is drained. A workload written at replicas: 0 is scaled to zero "
       "on purpose (kept ready to be scaled up, or left to an autoscaler that K8S016 judges): "
       "a budget protects nothing while no pod runs, so it is not reported.",
       "A drain or rollout takes the only replica down for the whole model reload; kube-score's "
       "PDB check and kube-linter's no-anti-affinity flag the same. Research: "
       "agents-and-deploy.md §4.2 item 31.",
       "Run two replicas with a PodDisruptionBudget (maxUnavailable: 1), or accept the downtime "
       "explicitly.",
       "replicas: 1"});
}

bool judged_as_service(const FileCtx& f, std::string_view ns) {
  if (f.benchmark_or_demo()) return false;
  std::string n = to_lower(ns);
  for (char& c : n)
    if (c == '-' || c == '_' || c == '.') c = ' ';
  for (const auto& word : split(n, ' '))
    for (std::string_view w : {"test", "tests", "testing", "e2e", "bench", "benchmark",
                               "benchmarks", "benchmarking", "loadtest", "demo", "demos"})
      if (word == w) return false;
  return true;
}

// An asynchronous worker: requests wait in a queue or subscription while it is down, so one
// replica going through a drain delays work instead of taking the model offline. The file shows
// it by an env var of a container naming a queue (Pub/Sub subscription, SQS, Kafka, RabbitMQ,
// NATS, Redis stream) or by a folder of its path named for asynchronous or batch inference
// (`async-inference-gpu/`, `batch/`). An online server fed by a queue for something else (logs)
// would be missed; none was seen in the corpus.
namespace {
bool queue_fed(const FileCtx& f, const Workload& w) {
  for (const auto& c : w.containers)
    for (const auto& e : c.env) {
      std::string n = upper(e.name);
      for (std::string_view q : {"SUBSCRIPTION", "PUBSUB", "SQS", "KAFKA", "RABBITMQ", "AMQP",
                                 "NATS_", "QUEUE_URL", "QUEUE_NAME", "INPUT_QUEUE", "REDIS_STREAM"})
        if (contains(n, q)) return true;
      std::string v = to_lower(e.value);
      if (contains(v, "/subscriptions/") || contains(v, "sqs.") || starts_with(v, "kafka://"))
        return true;
    }
  return f.in_folder_named({"async", "batch"});
}
}  // namespace

void workload_candidates(FileCtx& f, const Workload& w) {
  bool gpu_engine = is_gpu_engine(w);
  f.facts.workloads.push_back({w.ns, w.kind, w.name, std::string(f.rel), gpu_engine});
  if (w.platform != Platform::kKubernetes || !gpu_engine || w.role == Role::kWorker) return;
  // K8S013: candidate until a Service named `vllm` shows up in the same namespace and project.
  if (w.service_links.value_or(true)) {
    for (const auto& c : w.containers) {
      if (!c.engine || c.engine->id != "vllm") continue;
      if (auto fd = f.make("K8S013", c.pos,
                           fmt::format("pod of {} '{}' keeps enableServiceLinks (default true) "
                                       "while a Service named 'vllm' exists: Kubernetes injects "
                                       "VLLM_PORT=tcp://<ip>:<port>, which vLLM reads as its "
                                       "own port setting and crashes",
                                       w.kind, w.name))) {
        ProjectFacts::Candidate cand;
        cand.finding = std::move(*fd);
        cand.ns = w.ns;
        f.facts.service_links.push_back(std::move(cand));
      }
      break;
    }
  }
  // K8S017: candidate until a PodDisruptionBudget or an autoscaler with min >= 2 covers it. A
  // replicas field that is not an integer (an unexpanded ${VAR}) is unknown, not 1; replicas: 0
  // is a workload scaled to zero on purpose, which no budget protects (round 19).
  if ((w.kind == "Deployment" || w.kind == "StatefulSet") && !w.replicas_unknown &&
      w.replicas.value_or(1) == 1 && judged_as_service(f, w.ns) && !queue_fed(f, w)) {
    if (auto fd = f.make("K8S017", w.replicas ? w.replicas_pos : w.pos,
                         fmt::format("{} '{}' serves with {} replica and no PodDisruptionBudget "
                                     "selects it: a node drain or rollout takes the model offline "
                                     "for the whole reload",
                                     w.kind, w.name, w.replicas.value_or(1)))) {
      ProjectFacts::Candidate cand;
      cand.finding = std::move(*fd);
      cand.ns = w.ns;
      cand.name = w.name;
      cand.labels = w.labels;
      f.facts.single_replica.push_back(std::move(cand));
    }
  }
}

void check_scaler(FileCtx& f, const ScalerFact& s) {
  long long min = s.min_replicas.value_or(s.min_default);
  f.facts.scalers.push_back(
      {s.ns, s.kind, s.target, std::string(f.rel), false, static_cast<int>(min)});
  // K8S014: cpu/memory metrics (judged in join_project against the target).
  for (const auto& m : s.resource_metrics) {
    if (m.name != "cpu" && m.name != "memory") continue;
    if (auto fd = f.make("K8S014", m.pos,
                         fmt::format("{} '{}' scales '{}' on {} utilisation, which does not track "
                                     "GPU inference load (the engine is GPU-bound and queues "
                                     "requests at flat CPU)",
                                     s.kind, s.name, s.target, m.name))) {
      ProjectFacts::Candidate cand;
      cand.finding = std::move(*fd);
      cand.ns = s.ns;
      cand.target_kind = s.target_kind;
      cand.target_name = s.target;
      f.facts.hpa_resource.push_back(std::move(cand));
    }
  }
  // K8S015: metricName in KEDA triggers.
  for (const auto& mn : s.metric_name_fields)
    f.emit("K8S015", mn.pos,
           fmt::format("KEDA {} trigger sets metricName '{}': deprecated in KEDA 2.10 and "
                       "removed in 2.12, where the ScaledObject is rejected",
                       mn.trigger, mn.value));
  // Autoscaler queries are PromQL: the observability rules read them.
  for (const auto& q : s.queries) check_promql(f, q.expr, q.pos, q.where);
  // K8S016: scale to zero without an acknowledged cold start.
  bool idle_zero = s.idle_replicas && *s.idle_replicas == 0;
  bool to_zero = min == 0 || idle_zero;
  bool serving = s.kind == "ScaledObject" || s.kind == "modelSpec keda" || s.scales_gpu_engine;
  if (to_zero && serving && !s.annotations.count(std::string(kColdStartAnnotation)) &&
      judged_as_service(f, s.ns)) {
    Pos at = idle_zero ? s.idle_pos : (s.min_replicas ? s.min_pos : s.pos);
    std::string how = idle_zero        ? "idleReplicaCount: 0"
                      : s.min_replicas ? (s.kind == "ScaledObject" || s.kind == "modelSpec keda"
                                              ? "minReplicaCount: 0"
                                              : "minReplicas: 0")
                                       : "minReplicaCount unset, KEDA's default is 0";
    f.emit("K8S016", at,
           fmt::format("{} '{}' scales '{}' to zero ({}): the first request after idle waits for "
                       "a node, an image pull and the whole model load",
                       s.kind, s.name, s.target, how),
           fmt::format("keep one warm replica, or accept the cold start explicitly with the "
                       "annotation {}: \"<seconds>\" after measuring it",
                       kColdStartAnnotation));
  }
}

void join_project(const ProjectFacts& facts, std::vector<Finding>& out) {
  std::vector<std::string> marker_dirs;
  for (const auto& m : facts.markers) marker_dirs.push_back(dir_of(m));
  auto same = [&](const std::string& ns_a, std::string_view file_a, const std::string& ns_b,
                  std::string_view file_b) {
    if (ns_a != ns_b) return false;
    // A namespace of its own names one deployment target wherever its files sit (a bundle's
    // k8s/ and ci/ folders); unnamespaced or `default` objects join only within a project root,
    // so a repository's unrelated examples do not vouch for each other.
    if (!ns_a.empty() && ns_a != "default") return true;
    return root_of(file_a, marker_dirs) == root_of(file_b, marker_dirs);
  };
  // K8S013: a Service named `vllm` injects VLLM_PORT=tcp://... into every pod of its namespace.
  for (const auto& c : facts.service_links)
    for (const auto& s : facts.services)
      if (s.name == "vllm" && same(s.ns, s.file, c.ns, c.finding.file)) {
        out.push_back(c.finding);
        break;
      }
  // K8S014: cpu/memory autoscaling of a GPU inference workload.
  auto engine_like = [](const std::string& name) {
    std::string l = to_lower(name);
    for (std::string_view k :
         {"vllm", "sglang", "tgi", "text-generation", "trtllm", "llama", "inference", "llm-serv"})
      if (contains(l, k)) return true;
    return false;
  };
  for (const auto& c : facts.hpa_resource) {
    bool known = false, gpu = false;
    for (const auto& w : facts.workloads) {
      if (w.name != c.target_name || !same(w.ns, w.file, c.ns, c.finding.file)) continue;
      if (!c.target_kind.empty() && w.kind != c.target_kind) continue;
      known = true;
      gpu = gpu || w.gpu_engine;
    }
    if (known ? gpu : engine_like(c.target_name)) out.push_back(c.finding);
  }
  // K8S009: idle GPUs, unless the project (or the cluster config in the tree) shares its GPUs.
  for (const auto& c : facts.idle_gpus) {
    bool shared = facts.gpu_sharing_cluster;
    for (const auto& file : facts.gpu_sharing)
      shared = shared || root_of(file, marker_dirs) == root_of(c.name, marker_dirs);
    if (!shared) out.push_back(c.finding);
  }
  // K8S017: one serving replica and no PodDisruptionBudget selecting it.
  for (const auto& c : facts.single_replica) {
    bool covered = false;
    for (const auto& p : facts.pdbs) {
      if (!same(p.ns, p.file, c.ns, c.finding.file) || p.match_labels.empty()) continue;
      bool all = true;
      for (const auto& [k, v] : p.match_labels) {
        auto it = c.labels.find(k);
        if (it == c.labels.end() || it->second != v) all = false;
      }
      covered = covered || all;
    }
    for (const auto& s : facts.scalers)
      if (s.name == c.name && same(s.ns, s.file, c.ns, c.finding.file) && s.min_replicas >= 2)
        covered = true;
    if (!covered) out.push_back(c.finding);
  }
}

}  // namespace llmctl::audit::detail
