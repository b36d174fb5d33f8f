// Readers of serving manifests: Kubernetes objects (core workloads, LeaderWorkerSet, KServe,
// KubeAI, KubeRay, autoscalers), production-stack Helm values, docker compose and SkyPilot.
// Each turns a document into facts (workloads, autoscalers, what it could not read); the rules
// judge them. Services and PodDisruptionBudgets go straight into the file's ProjectFacts.
// Internal to llmctl_audit.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "audit/facts/serving.h"

namespace llmctl::audit::detail {

// An autoscaler of a serving workload: a HorizontalPodAutoscaler, a KEDA ScaledObject, the
// production-stack chart's keda block, KServe predictor or KubeAI minReplicas.
struct ScalerFact {
  std::string
      kind;  // HorizontalPodAutoscaler | ScaledObject | modelSpec keda | InferenceService | Model
  std::string name, ns, target, target_kind;
  Pos pos;
  std::map<std::string, std::string> annotations;
  bool scales_gpu_engine = false;         // the object itself serves a model (KServe, KubeAI)
  std::optional<long long> min_replicas;  // nullopt: unset
  Pos min_pos;
  long long min_default = 1;  // what an unset minimum means (KEDA: 0)
  std::optional<long long> idle_replicas;
  Pos idle_pos;
  struct Metric {
    std::string name;  // cpu | memory (resource metrics), or a trigger type
    Pos pos;
  };
  std::vector<Metric> resource_metrics;  // HPA cpu/memory, KEDA cpu/memory triggers
  struct Query {
    std::string expr;
    Pos pos;
    std::string where;  // "KEDA trigger", "HPA metric"
  };
  std::vector<Query> queries;
  struct MetricName {
    std::string value, trigger;
    Pos pos;
  };
  std::vector<MetricName> metric_name_fields;  // KEDA metadata.metricName
};

// Something that runs a model server the audit cannot check (K8S020). The message says what
// the object is and what was not checked, in one sentence (unread_kind_message and friends).
struct NotUnderstood {
  Pos pos;
  std::string message;
};

// "DynamoGraphDeployment 'x' (nvidia.com/v1alpha1) is a kind the audit does not read; its pods
// run vLLM, ...": a kind outside the readers whose containers run `engine`, or a serving
// operator's kind (`what`: "an NVIDIA Dynamo inference graph") whose pods the operator builds.
std::string unread_kind_message(std::string_view kind, std::string_view name, std::string_view api,
                                std::string_view engine, std::string_view operator_what);
// "Deployment 'x' runs NVIDIA NIM (image ...), a model server outside the catalog; ...".
std::string outside_catalog_message(std::string_view object, std::string_view server);

struct ManifestFacts {
  std::vector<Workload> workloads;
  std::vector<ScalerFact> scalers;
  std::vector<NotUnderstood> not_understood;
  std::vector<const Node*> rule_groups;     // PrometheusRule spec.groups
  std::vector<const Node*> dashboard_maps;  // ConfigMaps whose data holds dashboards
};

// One Kubernetes object (kind dispatch; unknown kinds that run an engine become not_understood).
void read_kubernetes_object(FileCtx& f, const Node& obj, ManifestFacts& out);
// Operators' kinds (facts/operators.cpp); true when `kind` was one of theirs.
bool read_operator_object(FileCtx& f, const Node& obj, const std::string& kind,
                          const std::string& api, ManifestFacts& out);
// A pod template of a workload-like object: containers, volumes, engines resolved with `env`.
Workload read_pod_workload(const FileCtx& f, const Node& obj, const std::string& kind,
                           const Node& spec, const Node* tmpl_meta,
                           const std::map<std::string, std::string>& env = {});
// Sums GPUs over a group's pods and marks leader and workers.
void form_group(Workload& leader, Workload* worker, int pods, std::string how);
// GPUs of one pod: the sum of its containers' GPU limits (0 when none is given).
long long pod_gpus(const Workload& w);

void read_helm_values(FileCtx& f, const Node& doc, ManifestFacts& out);
void read_compose(FileCtx& f, const Node& doc, ManifestFacts& out);
void read_skypilot(FileCtx& f, const Node& doc, ManifestFacts& out);
void read_dstack(FileCtx& f, const Node& doc, ManifestFacts& out);
// A Helm values file (values*.yaml, *values.yaml) of a chart other than production-stack's that
// names a model-server image: one K8S020 note, since the chart's templates decide what runs.
void read_unknown_values(FileCtx& f, const Node& doc, ManifestFacts& out);

}  // namespace llmctl::audit::detail
