// The serving dispatcher: every model-server container of a workload is judged once, with the
// catalog's view of its model and GPU; workers of a multi-node group get only the per-pod rules.
// Also K8S020, the note that says what the audit could not check.
#include <fmt/format.h>

#include "audit/facts/manifests.h"
#include "audit/rules/rules.h"
#include "common/strings.h"

namespace llmctl::audit::detail {

void add_coverage_rule_docs(std::vector<RuleInfo>& out) {
  out.push_back(
      {"K8S020", "serving", Severity::kNote, "Model server the audit cannot check",
       "An object that runs a model server the audit does not understand: a Kubernetes kind "
       "outside the ones it reads whose containers run an inference engine, or a serving "
       "operator's kind that builds its pods itself (KAITO Workspace, InferenceSet and "
       "RAGEngine; llmaz Playground, Service and BackendRuntime; NVIDIA NIMService; Dynamo "
       "graphs; aibrix StormService; llm-d ModelService); a Ray Serve application given as "
       "code; a pod template or compose service running a server outside the catalog (NVIDIA "
       "NIM, JetStream/MaxEngine, Triton, Ollama, LMDeploy); the values file of a Helm chart "
       "other than production-stack's that names a model-server image. One note per object, "
       "saying what it is and what was not checked, so a file is never silently passed.",
       "A linter that is silent on what it cannot read looks like a clean bill of health. "
       "kube-linter and checkov likewise report skipped checks rather than pass them.",
       "Nothing to fix in the file; check the serving settings by hand, or render the operator's "
       "output (kubectl get -o yaml) and audit that.",
       "kind: NIMService"});
}

void note_not_understood(FileCtx& f, Pos at, const std::string& message) {
  f.emit("K8S020", at, message);
}

void check_serving(FileCtx& f, const Workload& w) {
  if (w.runtime_template) {
    // A KServe runtime: probes, images and env are its own; the rest comes from each
    // InferenceService that uses it.
    for (const auto& c : w.containers) {
      check_secrets(f, w, c);
      if (!c.engine) continue;
      Server s{w, c};
      s.k8s = true;
      check_probes(f, s);
      check_config(f, s);
    }
    return;
  }
  const bool k8s_pod = w.platform == Platform::kKubernetes || w.platform == Platform::kKServe ||
                       w.platform == Platform::kRay;
  bool other_noted = false;
  for (const auto& c : w.containers) {
    if (!c.engine) {
      check_secrets(f, w, c);  // a gateway or app next to the engine must not hold keys either
      // A model server outside the catalog (NIM, JetStream, Triton, Ollama): one note per
      // workload that it was not checked, and the readiness gate any server needs.
      // Only where the file shows the pod itself (a pod template, a compose service): an
      // operator's containers (Ray's ray-llm image, KServe runtimes) are judged through what
      // the operator runs on them, which its reader reads.
      const bool whole_pod =
          w.platform == Platform::kKubernetes || w.platform == Platform::kCompose;
      if (auto other = other_model_server(c.image); whole_pod && !other.empty() && !other_noted) {
        other_noted = true;
        note_not_understood(f, c.image_pos.line ? c.image_pos : c.pos,
                            outside_catalog_message(fmt::format("{} '{}'", w.kind, w.name),
                                                    fmt::format("{} (image {})", other, c.image)));
        check_other_server_probes(f, w, c, other);
      }
      continue;
    }
    Server s{w, c};
    s.model = resolve_model(f.cat, c.model);
    s.gpu = resolve_gpu(f.cat, w);
    if (s.model) {
      WeightFormat wf = weight_format(c, *s.model);
      s.dtype = wf.dtype;
      s.dtype_known = wf.known;
      s.quant_setting = wf.setting;
    }
    s.par = parallelism_of(c);
    s.serves = w.role != Role::kWorker;
    s.k8s = k8s_pod;
    check_resources(f, s);
    check_probes(f, s);
    check_config(f, s);
    check_secrets(f, w, c);
    if (s.serves) check_capacity(f, s);
  }
}

void check_manifests(FileCtx& f, const ManifestFacts& m) {
  if (f.test_fixture()) {
    // A test's own manifests: only a committed secret matters (FileCtx::test_fixture).
    for (const auto& w : m.workloads)
      for (const auto& c : w.containers) check_secrets(f, w, c);
    return;
  }
  for (const auto& w : m.workloads) {
    check_serving(f, w);
    workload_candidates(f, w);
  }
  for (const auto& s : m.scalers) check_scaler(f, s);
  for (const auto& n : m.not_understood) note_not_understood(f, n.pos, n.message);
  for (const Node* groups : m.rule_groups)
    if (groups) check_prometheus_groups(f, *groups);
  for (const Node* cm : m.dashboard_maps) check_dashboard_configmap(f, *cm);
}

}  // namespace llmctl::audit::detail
