// What the generator needs beyond the plan: names, the Hugging Face repository, cluster
// conventions (storage class, node selector, Prometheus address), the gateway image and replica
// count, the evaluation gate for CI, and scale-to-zero with its cold-start budget.
//
// They come from an optional top-level `deploy:` section of the plan spec (docs/DEPLOY.md lists
// the fields) and from command-line flags, which win. The planner's own spec parser does not know
// `deploy:`; hide_deploy_section() blanks it (keeping line numbers) before the spec goes there.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace llmctl::deploy {

struct Settings {
  std::optional<std::string> name;        // resource name prefix (default: the spec's name)
  std::optional<std::string> ns;          // Kubernetes namespace (default: the name)
  std::optional<std::string> model_repo;  // Hugging Face repository (default: from the catalog)
  std::optional<std::string> revision;    // pinned model revision (commit hash)
  std::optional<std::string> storage_class;
  std::map<std::string, std::string> node_selector;  // replaces the GPU product selector
  std::optional<double> load_bandwidth_mb_s;         // assumed download + load bandwidth, MB/s
  std::optional<std::string> prometheus_url;
  std::map<std::string, std::string> monitoring_labels;  // on PrometheusRule and ServiceMonitors
  std::optional<std::string> gateway_image;
  std::optional<int> gateway_replicas;
  std::optional<bool> scale_to_zero;
  std::optional<int> cold_start_budget_s;
  std::optional<std::string> eval_command;
  std::optional<double> eval_threshold;
  // A managed platform's option (`platform:`): the endpoint (Azure OpenAI resource URL), the
  // region (Bedrock) and the deployment name (Azure; default the model's name).
  std::optional<std::string> platform_endpoint;
  std::optional<std::string> platform_region;
  std::optional<std::string> platform_deployment;

  // Fields set in `over` replace those here (maps are replaced whole when non-empty).
  void merge(const Settings& over);
};

// Reads the `deploy:` section of a spec's YAML text (absent: empty Settings). Unknown fields,
// wrong types and out-of-range values are errors naming file:line:column and the field.
Result<Settings> parse_deploy_section(std::string_view spec_yaml, const std::string& file);

// The spec text with a top-level `deploy:` block replaced by comment lines, so the planner's
// strict parser accepts it and its line numbers still point into the user's file.
std::string hide_deploy_section(std::string_view spec_yaml);

// A Kubernetes name (DNS-1123 label) from free text: lower-cased, runs of other characters turned
// into '-', trimmed to `max_len`; empty input gives "llm".
std::string dns_label(std::string_view text, std::size_t max_len = 40);

}  // namespace llmctl::deploy
