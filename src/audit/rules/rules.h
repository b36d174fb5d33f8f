// The rule families. Each file in rules/ owns some rule ids: their documentation (the RuleInfo
// entries `--explain`, `--list-rules` and SARIF read) and their checks, nothing else, so a rule is
// found by its id in exactly one file. Checks read facts (facts/) and emit findings through
// FileCtx; they never parse text themselves. Internal to llmctl_audit.
#pragma once

#include <vector>

#include "audit/facts/code.h"
#include "audit/facts/serving.h"
#include "audit/internal.h"
#include "audit/rules.h"

namespace llmctl::audit::detail {

// ---- Rule documentation: each family file appends its entries; all_rules() sorts them ----
void add_llm_call_rule_docs(std::vector<RuleInfo>& out);  // LLM001-LLM005, LLM008
void add_llm_code_rule_docs(std::vector<RuleInfo>& out);  // LLM004, LLM006, LLM007, LLM009
void add_capacity_rule_docs(std::vector<RuleInfo>& out);  // CAP001-CAP005
void add_obs_rule_docs(std::vector<RuleInfo>& out);       // OBS001-OBS004
void add_ci_rule_docs(std::vector<RuleInfo>& out);        // CICD001-CICD004
void add_gateway_rule_docs(std::vector<RuleInfo>& out);   // GW001-GW004
void add_resource_rule_docs(std::vector<RuleInfo>& out);  // K8S001 K8S002 K8S009 K8S018
void add_probe_rule_docs(std::vector<RuleInfo>& out);     // K8S003 K8S004 K8S019
void add_config_rule_docs(std::vector<RuleInfo>& out);    // K8S005-K8S008 K8S010-K8S012
void add_scaling_rule_docs(std::vector<RuleInfo>& out);   // K8S013-K8S017
void add_coverage_rule_docs(std::vector<RuleInfo>& out);  // K8S020

// ---- Serving workloads ----
// One model-server container judged in its workload, with what the catalog knows of it.
struct Server {
  Server(const Workload& workload, const Container& container) : w(workload), c(container) {}
  const Workload& w;
  const Container& c;
  const catalog::Model* model = nullptr;  // nullptr: not in the catalog
  const catalog::Gpu* gpu = nullptr;      // nullptr: GPU type not given
  std::string dtype = "bf16";
  bool dtype_known = true;    // false: a quantisation whose width the file does not fix
  std::string quant_setting;  // what set the dtype (QUANTIZE=bitsandbytes-nf4), or empty
  Parallelism par;
  bool serves = true;  // leader or single pod (workers are judged through their leader)
  bool k8s = false;    // a Kubernetes pod template we see whole (not an operator's object)
};

// Every serving, capacity and coverage rule on one workload (rules/serving.cpp).
void check_serving(FileCtx& f, const Workload& w);

void check_resources(FileCtx& f, const Server& s);  // K8S001 K8S002 K8S009 K8S018
// Whether a file's text shows its GPUs are shared (time-slicing or MPS): `any` for a device-plugin
// sharing config, a shared-GPU resource or label, or text naming time-slicing / MPS beside the
// GPU; `cluster_config` for the device plugin's sharing config itself (it configures nodes).
struct GpuSharing {
  bool any = false;
  bool cluster_config = false;
};
GpuSharing gpu_sharing_evidence(std::string_view text);
// Records the file as K8S009 evidence that its project's GPUs are shared (ProjectFacts).
void collect_gpu_sharing(FileCtx& f);
void check_probes(FileCtx& f, const Server& s);  // K8S003 K8S004 K8S019
// K8S019 for a container running a model server outside the catalog (`what`: "NVIDIA NIM").
void check_other_server_probes(FileCtx& f, const Workload& w, const Container& c,
                               std::string_view what);
void check_config(FileCtx& f, const Server& s);  // K8S005-K8S008 K8S010-K8S012
void check_secrets(FileCtx& f, const Workload& w, const Container& c);  // K8S006 (any container)
void check_capacity(FileCtx& f, const Server& s);                       // CAP001-CAP005
// A value that is a placeholder literal for something a later step fills in, not a value:
// `replaced-by-kustomize`, `PLACEHOLDER`, `<image>`, `changeme`, `REPLACE_ME`. A Kustomize base
// carries them for what its overlays set (images:, patches); an image so named is no image.
bool placeholder_literal(std::string_view value);
// A Kubernetes workload that is a Kustomize base (or another template) rather than the deployed
// object: its image, namespace, service account or a pod label is a placeholder literal. Fields
// such a base leaves to its overlays (an empty `resources: {}`) are not judged.
bool template_base(const Workload& w);
// The container's image is one unexpanded variable with no default (`${VLLM_IMAGE}`) and the
// file's own comment on it (its line, or the comment lines right above) says it may be a
// simulator, emulator, mock or fake: the command may show the engine's API, but not that the
// real engine runs, so the claims that need it (a GPU limit, a weights volume) abstain.
bool maybe_simulator_image(const FileCtx& f, const Container& c);
// A value that is a reference nothing in the file resolves (${X}, $(X), {{ .Values.x }}).
bool unresolved_reference(std::string_view value);

// K8S020: a model server the audit cannot check (an unknown kind, an engine outside the
// catalog); `what` names it, `where` says where it was found.
void note_not_understood(FileCtx& f, Pos at, const std::string& message);

// Project-level candidates of one workload (K8S013, K8S017) and the scaling rules of one
// autoscaler (K8S014-K8S016); the joins across files run in join_project() (rules/scaling.cpp),
// called by Auditor::finish, which also runs LLM005.
struct ScalerFact;
struct ManifestFacts;
void workload_candidates(FileCtx& f, const Workload& w);
// Whether the rules that weigh a service's users and running cost (K8S012 drain, K8S016 scale
// to zero, K8S017 disruption budget, CAP004 oversized GPU) should judge an object: not when the
// file says it is no service, being a benchmark's or a demo's (FileCtx::benchmark_or_demo) or
// living in a namespace named for a test, a benchmark or a demo (`test-ns`, `bench`,
// `llm-demo`). A measurement target or a show has no users to lose, and its hardware is what it
// measures or shows.
bool judged_as_service(const FileCtx& f, std::string_view ns);
void check_scaler(FileCtx& f, const ScalerFact& s);
void join_project(const ProjectFacts& facts, std::vector<Finding>& out);
// OBS001: the queries on renamed or removed engine metrics whose engine this project deploys at
// a release where the name is still current are dropped; the rest are reported
// (rules/observability.cpp).
void join_old_metrics(const ProjectFacts& facts, std::vector<Finding>& out);
// The engine versions a YAML file pins (image tags of an engine's own build, Helm
// repository/tag pairs, a Chart.yaml's appVersion for an engine chart), for OBS001.
void collect_engine_pins(FileCtx& f);
// Every rule on the facts of one manifest file (workloads, autoscalers, alert rules in
// PrometheusRule objects, dashboards in ConfigMaps, K8S020 notes).
void check_manifests(FileCtx& f, const ManifestFacts& m);

// ---- Observability (rules/observability.cpp) ----
// PromQL used by an alert, a recording rule, a dashboard or an autoscaler (OBS001-OBS003).
void check_promql(FileCtx& f, std::string_view expr, Pos pos, std::string_view where);
void check_prometheus_groups(FileCtx& f, const Node& groups);  // + OBS004
void check_grafana(FileCtx& f, const Node& doc);
void check_dashboard_configmap(FileCtx& f, const Node& obj);

// ---- CI, gateways, code ----
void check_workflow(FileCtx& f, const Node& doc);                    // rules/ci.cpp
void check_litellm(FileCtx& f, const Node& doc);                     // rules/gateway.cpp
void check_gateway_config(FileCtx& f, const Node& doc);              // rules/gateway.cpp
void check_llm_calls(FileCtx& f, const CodeFacts& code, Lang lang);  // rules/llm_calls.cpp
void check_llm_code(FileCtx& f, const CodeFacts& code);              // rules/llm_code.cpp

}  // namespace llmctl::audit::detail
