// Metric names from the catalog: which names carry a signal (KV usage, queue, TTFT, ...) for each
// engine and exporter, including names older versions used, and which kind of target a set of
// exported names belongs to. The gateway's own names are llmctl's (src/gateway/metrics.cpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"

namespace llmctl::monitor {

// One exporter of metrics llmctl knows: a catalog engine, a catalog exporter, or the gateway.
struct MetricFamilySet {
  std::string id;    // vllm, sglang, trtllm, tgi, llamacpp, dcgm-exporter, llmctl-gateway
  std::string kind;  // engine | exporter | gateway
  std::vector<catalog::EngineMetric> metrics;
};

// What the catalog knows, indexed for monitor.
class MetricCatalog {
 public:
  explicit MetricCatalog(const catalog::Catalog& cat);

  const std::vector<MetricFamilySet>& sets() const { return sets_; }
  const MetricFamilySet* find(std::string_view id) const;

  // Names that carry `signal` for the set: the current name first, then the names it replaced
  // (what older versions export). Empty when the set has none.
  std::vector<std::string> names(std::string_view set_id, std::string_view signal) const;
  // The same over every engine (the order of the catalog, current names before old ones).
  std::vector<std::string> engine_names(std::string_view signal) const;
  // Every name monitor may need, for collection: each set's current and replaced names, with
  // the `_bucket`/`_sum`/`_count` series of histograms.
  std::vector<std::string> all_series_names() const;

  // The set whose names best cover `exported` (metric family names or sample names); nullptr
  // when none shares a name.
  const MetricFamilySet* detect(const std::vector<std::string>& exported) const;
  // The set a metric name belongs to (by its exact name, an old name, or a histogram series);
  // nullptr when none. `current` receives the name it should be called now (itself when current).
  const MetricFamilySet* owner(std::string_view name, std::string* current = nullptr,
                               const catalog::EngineMetric** fact = nullptr) const;

 private:
  std::vector<MetricFamilySet> sets_;
};

// The prefix every name of a set shares, cut after its last ':' or '_' ("vllm:", "tgi_",
// "DCGM_FI_", "llmctl_gateway_"); "" when shorter than 3 characters.
std::string name_prefix(const MetricFamilySet& s);

// Sample name -> family name: strips `_bucket`, `_sum`, `_count`, `_created` of histograms and
// counters' `_created`.
std::string family_of(std::string_view sample_name);

// The llmctl gateway's metric names (src/gateway/metrics.cpp renders them).
namespace gw {
inline constexpr std::string_view kRequests = "llmctl_gateway_requests_total";
inline constexpr std::string_view kErrors = "llmctl_gateway_errors_total";
inline constexpr std::string_view kTokens = "llmctl_gateway_tokens_total";
inline constexpr std::string_view kCost = "llmctl_gateway_cost_usd_total";
inline constexpr std::string_view kDuration = "llmctl_gateway_request_duration_seconds";
inline constexpr std::string_view kTtft = "llmctl_gateway_time_to_first_token_seconds";
inline constexpr std::string_view kTpot = "llmctl_gateway_time_per_output_token_seconds";
inline constexpr std::string_view kRetries = "llmctl_gateway_retries_total";
inline constexpr std::string_view kFallbacks = "llmctl_gateway_fallbacks_total";
inline constexpr std::string_view kUpstreamDuration = "llmctl_gateway_upstream_duration_seconds";
// Quality, drift and feedback (src/gateway/quality_metrics.h, feedback.h).
inline constexpr std::string_view kFinishReasons = "llmctl_gateway_finish_reasons_total";
inline constexpr std::string_view kAnswerChecks = "llmctl_gateway_answer_checks_total";
inline constexpr std::string_view kLengthPsi = "llmctl_gateway_length_psi";
inline constexpr std::string_view kInputTokens = "llmctl_gateway_input_tokens";
inline constexpr std::string_view kOutputTokens = "llmctl_gateway_output_tokens";
inline constexpr std::string_view kFeedback = "llmctl_gateway_feedback_score_count";
inline constexpr std::string_view kFeedbackSum = "llmctl_gateway_feedback_score_sum";
}  // namespace gw

}  // namespace llmctl::monitor
