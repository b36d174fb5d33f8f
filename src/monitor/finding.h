// What `llmctl monitor` reports: findings (kind, severity, target, message, evidence, fix) and
// the options and thresholds that decide them. Plain data.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmctl::monitor {

enum class Severity { kInfo, kWarning, kCritical };
std::string_view severity_name(Severity s);
std::optional<Severity> parse_severity(std::string_view s);

// One number behind a finding, and where it came from: the PromQL that gives the same number on
// a Prometheus server (whatever the source was), or the request-log SQL.
struct Evidence {
  std::string name;  // "kv_cache_usage_avg"
  double value = 0;
  std::string unit;   // "ratio", "req/s", "usd/h", ...
  std::string query;  // PromQL or SQL
};

// What to do, and the llmctl command that sizes it (plan, perf, deploy --option, ...).
struct Fix {
  std::string action;
  std::string command;
};

struct Finding {
  std::string kind;  // one of kKinds
  Severity severity = Severity::kWarning;
  std::string target;  // "vllm 10.0.0.5:8000", "model gpt-4o-mini", "gpu 0 on node-7"
  std::string message;
  std::vector<Evidence> evidence;
  Fix fix;
};

// Every kind a finding can have, in report order.
inline constexpr std::string_view kKinds[] = {
    "slo_burn_ttft", "slo_burn_tpot",    "error_rate",    "kv_saturation", "preemption",
    "queue_growth",  "prefix_cache_low", "rate_limited",  "gpu_idle",      "gpu_memory",
    "gpu_xid",       "gpu_throttle",     "cost_budget",   "token_anomaly", "length_truncation",
    "output_drift",  "input_drift",      "empty_answers", "refusals",      "invalid_output",
    "feedback_drop", "stale_metrics"};

// Thresholds, each with where it comes from (docs/MONITOR.md repeats the table). Defaults are
// the published or planned values named beside them; tests override them.
struct Thresholds {
  // Multiwindow multi-burn-rate alerting, Google SRE Workbook ch. 5, table 5-8 (also the rules
  // `llmctl deploy` writes): burn rate, long window, short window (1/12), severity.
  struct Burn {
    double rate;
    double long_s;
    double short_s;
    Severity severity;
  };
  std::vector<Burn> burns = {{14.4, 3600, 300, Severity::kCritical},
                             {6, 6 * 3600, 1800, Severity::kCritical},
                             {1, 3 * 86400, 6 * 3600, Severity::kWarning}};
  // Latency SLOs are p95s: 5% of requests may be slower (the planner's and deploy's reading).
  double latency_budget = 0.05;
  // KV cache: vLLM preempts once its blocks run out; `llmctl deploy` alerts above 95% for 10 m.
  double kv_usage = 0.95;
  double kv_window_share = 0.5;  // ...for at least half of the window's samples
  // Queue growth: the waiting queue grew by at least this many requests over the window and its
  // least-squares slope is positive (arrivals outpace service; Little's law).
  double queue_growth_min = 5;
  // Prefix cache: the window's hit rate fell below half of the engine's lifetime hit rate, or
  // below half of what the request log's repeated prefixes allow (deploy: half the spec's share).
  double prefix_drop_ratio = 0.5;
  double prefix_min_lifetime = 0.2;  // lifetime hit rate worth comparing against
  // Rate limits: share of upstream attempts answered 429.
  double rate_limited_share = 0.01;
  // GPU idle: average utilisation under 10% (deploy's ServingGpuUnderused, DCGM_FI_DEV_GPU_UTIL).
  double gpu_idle_util_pct = 10;
  // GPU memory: framebuffer use above the engine's memory fraction + 5% (deploy's rule), and
  // critical at 99% (the next allocation fails).
  double gpu_memory_margin = 0.05;
  double gpu_memory_critical = 0.99;
  // Throttling: a harmful clock-event reason active in at least half of the window's samples.
  double throttle_window_share = 0.5;
  // Anomalies: modified z-score (Iglewicz & Hoaglin) at least 3.5 and at least 2x the baseline
  // median, over at least 6 baseline windows.
  double anomaly_z = 3.5;
  double anomaly_ratio = 2;
  int anomaly_min_baseline = 6;
  // Truncation: share of finished requests that stopped at their token limit.
  double truncation_share = 0.05;
  double truncation_critical_share = 0.25;
  // Drift: population stability index of output lengths, 0.1 moderate, 0.25 significant.
  double psi_moderate = 0.1;
  double psi_significant = 0.25;
  double drift_min_requests = 50;
  // Error rate needs this many requests in the short window before a burn rate means anything.
  double min_requests = 20;
  // Answer quality (the gateway's checks, issue 15), shares of the checked answers in the window
  // with at least min_requests checked. Planned values: 2% empty answers is 1 user in 50 seeing
  // nothing; 5% refusals is a change of model or policy, not a few odd prompts; structured
  // outputs and JSON mode promise valid JSON, so 1% invalid is already a broken integration
  // (5%: critical).
  double empty_share = 0.02;
  double refusal_share = 0.05;
  double invalid_output_share = 0.01;
  double invalid_output_critical_share = 0.05;
  // Feedback: the window's mean score below the baseline's by at least 10% of the baseline (and,
  // from the request log, by 3 standard errors: Welch's z), with 20 scores on each side.
  double feedback_drop_ratio = 0.1;
  double feedback_drop_z = 3;
  double feedback_min_scores = 20;
};

struct Slo {
  std::optional<double> ttft_p95_ms;
  std::optional<double> tpot_p95_ms;
  double availability = 0.99;  // the planner's default (docs/PLAN.md)
};

struct DiagnoseOptions {
  Slo slo;
  std::optional<double> budget_monthly_usd;
  std::optional<double> gpu_hour_usd;  // overrides the catalog price of idle GPUs
  std::string gpu;                     // catalog GPU id when the metrics do not name the GPU
  Thresholds thresholds;
};

}  // namespace llmctl::monitor
