// `llmctl costs` as a library: a priced usage table and options in, one Report out. Every
// renderer (text, JSON, HTML, FOCUS, the gateway config) reads this one result, and the MCP tool
// calls analyze() the same way the CLI does.
//
// Pure: no files, clocks or environment. "Now" for the month-end forecast is the end of the
// analysed period (the last row, or --until), so the same input always gives the same report.
// docs/COSTS.md describes every method and its limits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "common/result.h"
#include "finops/ingest.h"
#include "finops/pricing.h"
#include "finops/table.h"

namespace llmctl::finops {

// What-if knobs; the defaults are the ones docs/COSTS.md argues for.
struct WhatIfOptions {
  std::int64_t response_cache_ttl_s = 3600;   // exact response cache entry lifetime
  std::int64_t tier_max_input_tokens = 1000;  // "short prompt" for model tiering
  std::int64_t tier_max_output_tokens = 256;  // "short answer"
  // Batch API: rows matching any selector ("tag:latency=batch", "key=nightly-eval", "agent=x").
  std::vector<std::string> batch_selectors;
  double max_tokens_quantile = 0.99;  // cap = this quantile of the outputs, +10%
  bool self_hosting = true;           // run the planner
  double idle_utilization = 0.05;     // GPU samples below this are idle
};

struct AnalyzeOptions {
  std::vector<std::string> by = {"model"};  // group keys (see group_fields())
  bool what_if = true;
  bool anomalies = true;
  double sensitivity = 3.5;  // robust z-score threshold (median/MAD)
  int runaway_calls = 20;    // near-identical calls in one session within the window...
  std::int64_t runaway_window_s = 600;
  std::int64_t period_start_ms = 0, period_end_ms = 0;  // 0: from the data
  int top_groups = 0;                                   // 0: all groups in the report
  WhatIfOptions what_ifs;
};

// Fields --by accepts, for help and errors.
std::string group_fields();
// Checks a --by list ("model,team", "tag:feature", "day").
Status check_group_fields(const std::vector<std::string>& by);

struct Totals {
  long long rows = 0;
  long long requests = 0;
  long long input_tokens = 0, cache_read_tokens = 0, cache_write_tokens = 0, output_tokens = 0;
  long long errors = 0;  // requests that failed or were interrupted
  double cost_usd = 0;
};

struct Group {
  std::vector<std::string> key;  // one value per --by field ("" shown as "(none)")
  Totals totals;
  double share = 0;                         // of total spend
  std::optional<double> usd_per_request;    // nullopt when the source has no request counts
  std::optional<double> usd_per_1k_output;  // nullopt without output tokens
  double cache_read_share = 0;              // of input tokens
  std::optional<double> trend_pct;          // daily spend, last 7 days vs the 7 before (or halves)
};

struct DailyPoint {
  std::string date;  // YYYY-MM-DD
  double cost_usd = 0;
  long long requests = 0;
  std::vector<double> by_series;  // cost per Report::series entry (the top groups + "other")
};

struct Anomaly {
  std::string kind;   // spend_spike | token_spike | runaway_session | error_spend
  std::string group;  // the group, session or scope it concerns
  std::string when;   // day/hour or time range
  std::string evidence;
  double usd = 0;    // the money involved (excess over baseline, burst cost, error spend)
  double score = 0;  // robust z, calls in window, or share of spend
};

struct WhatIf {
  std::string name;  // response_cache | prompt_caching | model_tiering | batch_api | max_tokens |
                     // self_hosting | idle_gpu
  bool computed = false;          // false: `missing` says what the input lacks
  double saving_usd = 0;          // over the analysed period
  double saving_pct = 0;          // of the period's total spend
  double monthly_saving_usd = 0;  // scaled to 30 days
  // The saving is a ceiling, not an estimate (batch_api when nothing marks which requests may
  // wait: every non-streaming one is counted). Headlines prefer a saving that is not.
  bool upper_bound = false;
  std::string assumption;
  std::string risk;
  std::string missing;
  std::vector<std::string> evidence;  // the numbers behind it
  // For --emit-gateway-config: concrete changes ("from -> to" model pairs for tiering, the
  // proposed max_tokens per model, ...), as key/value lines.
  std::vector<std::pair<std::string, std::string>> changes;
};

struct Period {
  std::int64_t start_ms = 0, end_ms = 0;  // [start, end)
  double days = 0;
};

struct GpuSample {  // one utilisation sample of a self-hosted deployment (gpu_metrics.h)
  std::int64_t ts_ms = 0;
  std::string deployment;
  std::string gpu;  // catalog GPU id or alias (DCGM modelName)
  int gpus = 1;
  double utilization = 0;    // 0..1
  double usd_per_hour = -1;  // per GPU; -1: the catalog's cheapest on-demand price
};

struct Report {
  std::string source;
  Period period;
  Totals totals;
  std::vector<std::string> by;
  std::vector<Group> groups;        // by spend, descending
  std::vector<std::string> series;  // names of the daily chart's series
  std::vector<DailyPoint> daily;
  std::vector<Anomaly> anomalies;
  std::vector<WhatIf> what_if;
  double forecast_usd = 0;     // month-end spend for the month the period ends in
  std::string forecast_month;  // YYYY-MM
  std::string forecast_method;
  // Input quality: nothing is dropped silently.
  long long records_read = 0, rows_rejected = 0, rows_outside_period = 0, rows_skipped = 0;
  std::vector<std::string> errors;
  PricingSummary pricing;
  std::vector<std::string> notes;
};

// Runs the analysis. `gpu` may be empty (no idle-GPU what-if). Errors: a bad --by field.
Result<Report> analyze(const Ingest& input, const PricingSummary& pricing,
                       const catalog::Catalog& catalog, const AnalyzeOptions& options,
                       const std::vector<GpuSample>& gpu = {});

// ---- pieces, exposed for tests and the benchmark ----------------------------------------

// Groups rows [0, n) by `by` and sums them; groups sorted by spend, descending. `threads` > 1
// splits the rows between threads (pure computation, no shared writes).
Result<std::vector<Group>> group_rows(const UsageTable& t, const std::vector<std::string>& by,
                                      int threads = 1);

}  // namespace llmctl::finops
