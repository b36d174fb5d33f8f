// Private to src/monitor: what every diagnosis family shares (the targets found in a snapshot,
// series lookup by signal, PromQL text for evidence) and the families' entry points.
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

#include "monitor/diagnose.h"
#include "monitor/signals.h"

namespace llmctl::monitor::detail {

// A serving engine seen in the snapshot: one `instance`.
struct EngineTarget {
  std::string instance;
  std::string engine;  // catalog engine id
  std::string model;   // the model_name label (vLLM, SGLang) when exported
  std::string display;
};

// One GPU seen through a GPU exporter.
struct GpuTarget {
  Labels id;               // the labels that identify it (instance, gpu, UUID)
  std::string model_name;  // DCGM modelName, e.g. "NVIDIA H100 80GB HBM3"
  std::string host;        // Hostname label, else the instance
  std::string display;
};

// An llmctl gateway: one instance, its public models.
struct GatewayTarget {
  std::string instance;
  std::vector<std::string> models;
};

class Ctx {
 public:
  Ctx(const Snapshot& s, const LogSummary* l, const catalog::Catalog& c, const DiagnoseOptions& o);

  const Snapshot& snap;
  const LogSummary* log;
  const catalog::Catalog& cat;
  const DiagnoseOptions& opt;
  const Thresholds& th;
  MetricCatalog mc;
  std::vector<EngineTarget> engines;
  std::vector<GpuTarget> gpus;
  std::vector<GatewayTarget> gateways;
  std::vector<Finding> findings;
  std::vector<std::string> notes;

  double window() const { return snap.window_s; }
  double from() const { return snap.now_s - snap.window_s; }
  // True when the snapshot's series span (most of) the window: rates and slopes mean something.
  bool has_window() const { return window_covered_; }

  // The engine's series for `signal`: those of the first catalog name (current, then older)
  // that the target exports. `used` receives that name.
  std::vector<const Series*> engine_series(const EngineTarget& t, std::string_view signal,
                                           std::string* used = nullptr) const;
  // The GPU's series for a DCGM signal (current name first, then older).
  const Series* gpu_series(const GpuTarget& g, std::string_view signal,
                           std::string* used = nullptr) const;
  // `name{instance="x"}` for evidence.
  std::string sel(std::string_view name, const Labels& match) const;
  std::string window_text() const { return duration_text(snap.window_s); }

  void add(Finding f) { findings.push_back(std::move(f)); }
  void note(std::string n);

 private:
  bool window_covered_ = false;
};

// The measured load of an engine target over the window, for the planner command of a fix.
struct EngineLoad {
  std::optional<double> requests_per_s, prompt_tokens_per_request, output_tokens_per_request;
};
EngineLoad engine_load(const Ctx& c, const EngineTarget& t);
// The llmctl command that sizes an engine fix: `llmctl perf ...` with the measured load when the
// model and GPU are known, else the `llmctl plan` spec fields to fill.
Fix sizing_fix(const Ctx& c, const EngineTarget& t, const std::string& action);

// The price of one GPU-hour: --gpu-hour-usd, else the catalog's cheapest on-demand price of the
// GPU named by DCGM's modelName (or --gpu); nullopt when neither is known.
struct GpuHourPrice {
  double usd_per_hour = 0;
  std::string what;  // "h100-sxm on demand at aws (catalog, 2026-11-01)" / "--gpu-hour-usd"
};
std::optional<GpuHourPrice> gpu_price(const Ctx& c, const std::string& model_name);

// Families (one file each).
void diagnose_engines(Ctx& c);  // kv_saturation, preemption, queue_growth, prefix_cache_low,
                                // length_truncation (engine side)
void diagnose_gpus(Ctx& c);     // gpu_idle, gpu_memory, gpu_xid, gpu_throttle
void diagnose_slos(Ctx& c);     // slo_burn_ttft, slo_burn_tpot, error_rate
void diagnose_traffic(Ctx& c);  // rate_limited, cost_budget, token_anomaly, length_truncation
                                // (log side), output_drift
void diagnose_stale(Ctx& c);    // stale_metrics
void diagnose_quality(Ctx& c);  // empty_answers, refusals, invalid_output, input_drift,
                                // output_drift and length_truncation (gateway side),
                                // feedback_drop

// Formats a number for messages: 3 significant digits, no exponent for usual magnitudes.
std::string num(double v);
std::string pct(double share);  // 0.123 -> "12.3%"
std::string plain(double v);    // for commands: 2 -> "2", 12.34 -> "12.3", 1234.5 -> "1235"

}  // namespace llmctl::monitor::detail
