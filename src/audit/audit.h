// The AI-ops linter's core: file text in, findings out. Pure — no files, clocks or environment;
// the CLI walks the tree, reads each file and hands its text here (see docs/AUDIT.md).
//
// Usage: one Auditor per run. audit_file() is const and thread-safe, so callers may analyse
// files on several threads and keep only each FileResult (findings plus a few small facts);
// file contents are never retained. finish() then runs the project-level rules (those that
// join facts across files, e.g. a Service in one file colliding with a Deployment in another)
// over the merged facts.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "audit/finding.h"
#include "catalog/catalog.h"

namespace llmctl::audit {

namespace detail {
struct MetricFacts;
}

// What a file was recognised as, by content (the file name only narrows what is tried).
enum class InputKind {
  kUnknown,
  kKubernetes,       // multi-document manifests, incl. KServe, KEDA, PrometheusRule objects
  kHelmValues,       // vllm-project/production-stack values (servingEngineSpec.modelSpec[])
  kCompose,          // docker compose
  kSkyPilot,         // SkyPilot task/service YAML
  kDstack,           // dstack service/task configuration (type: service | task)
  kPrometheusRules,  // plain rule files (groups[].rules[])
  kGrafana,          // dashboard JSON
  kGithubWorkflow,   // .github/workflows/*.yml
  kLiteLLM,          // LiteLLM proxy config.yaml
  kGatewayConfig,    // llmctl gateway config (models[].deployments[] / model_groups)
  kPython,
  kJavaScript,  // .js .mjs .cjs .jsx .ts .tsx
  kGo,
};
std::string_view input_kind_name(InputKind k);

struct Options {
  std::set<std::string> rules;  // only these rule ids (upper case); empty: every rule
};

// Facts one file contributes to the project-level rules. Callers treat them as opaque and
// merge() the facts of every file before finish(); merging is order-independent.
//
// Joins stay inside one project: objects match only when they are in the same namespace (an
// object without one is in the default namespace of its project) and the same project root. A
// file's project root is the nearest folder above it holding a kustomization, Chart.yaml,
// helmfile or skaffold file (a project marker among the audited files), else its own folder.
struct ProjectFacts {
  struct Candidate {  // a finding that holds only if a cross-file condition holds
    Finding finding;
    std::string ns;                             // namespace ("" = default)
    std::string target_kind, target_name;       // K8S014: the autoscaler's target
    std::map<std::string, std::string> labels;  // K8S017: the pod template's labels
    std::string name;                           // K8S017: the workload's name
  };
  struct Named {  // a Service, workload or autoscaler target in one file
    std::string ns, kind, name, file;
    bool gpu_engine = false;
    int min_replicas = 1;  // autoscalers
  };
  struct Selector {
    std::string ns;
    std::map<std::string, std::string> match_labels;
    std::string file;
  };
  std::vector<Named> services;
  std::vector<Named> workloads;
  std::vector<Selector> pdbs;
  std::vector<Named> scalers;             // name = the target
  std::vector<std::string> markers;       // files that mark a project root
  std::vector<Candidate> service_links;   // K8S013: vLLM pods without enableServiceLinks: false
  std::vector<Candidate> hpa_resource;    // K8S014: autoscalers on cpu/memory
  std::vector<Candidate> single_replica;  // K8S017: serving workloads with one replica
  // K8S009's idle-GPU warning holds unless the project says its GPUs are shared: a file whose
  // text shows time-slicing or MPS (gpu_sharing: its path). A device-plugin sharing config
  // (sharing.timeSlicing / sharing.mps) configures the cluster's nodes and counts for the whole
  // audited tree (gpu_sharing_cluster).
  std::vector<Candidate> idle_gpus;
  std::vector<std::string> gpu_sharing;
  bool gpu_sharing_cluster = false;
  // LLM005: the first call site of each file with the providers its calls reach.
  std::vector<std::pair<Finding, std::set<std::string>>> llm_calls;
  bool gateway_or_override = false;  // a gateway config, LiteLLM, a base_url override, ...
  // OBS001: a query on a renamed or removed engine metric holds only for an engine release at
  // or after `since` (the version that deprecated or removed the name). The engine versions
  // the audited tree deploys (image tags, Helm repository/tag, a chart's appVersion) decide it:
  // when every one is older, the name is current in what this project runs and is not reported.
  struct OldMetric {
    Finding finding;
    std::string engine, since;  // engine name (catalog), version
  };
  struct EnginePin {
    std::string engine, version;  // engine name (catalog), version as written (v0.6.3 -> 0.6.3)
  };
  std::vector<OldMetric> old_metrics;
  std::vector<EnginePin> engine_pins;

  void merge(ProjectFacts&& other);
};

struct FileResult {
  InputKind kind = InputKind::kUnknown;
  std::vector<Finding> findings;  // inline suppressions already applied
  int suppressed = 0;             // findings dropped by `llmctl-ignore` comments
  std::string skipped;            // why the file was not analysed (parse error), or empty
  ProjectFacts facts;
};

class Auditor {
 public:
  // `catalog` must outlive the Auditor (engine metric names, models, GPUs, flags come from it).
  Auditor(const catalog::Catalog& catalog, Options options);

  // Analyses one file. `path` is what findings name; `rel_path` is the path relative to the
  // audited root, used to tell production code from tests and examples. Thread-safe.
  FileResult audit_file(std::string_view path, std::string_view rel_path,
                        std::string_view text) const;

  // Project-level findings over the merged facts of every file.
  std::vector<Finding> finish(const ProjectFacts& facts) const;

  bool enabled(std::string_view rule) const;
  const catalog::Catalog& catalog() const { return *catalog_; }
  // The catalog's engine metrics indexed for the observability rules.
  const detail::MetricFacts& metrics() const { return *metrics_; }

 private:
  const catalog::Catalog* catalog_;
  Options options_;
  std::shared_ptr<const detail::MetricFacts> metrics_;
};

// True when the extension is one audit_file() may recognise (.yaml .yml .json .py .js .mjs .cjs
// .jsx .ts .tsx .go); the CLI skips everything else without reading it.
bool is_candidate_file(std::string_view path);

// Sorts findings by file, line, column, rule (the order every renderer prints).
void sort_findings(std::vector<Finding>& findings);

}  // namespace llmctl::audit
