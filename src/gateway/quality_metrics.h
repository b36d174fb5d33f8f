// The quality and drift metrics of /metrics: per-worker shards written without locks (one
// writer, relaxed atomics, like metrics.h), summed at scrape time.
//
//   llmctl_gateway_finish_reasons_total{model,reason}       stop, length, tool_calls,
//                                                           content_filter, error, interrupted
//   llmctl_gateway_answer_checks_total{model,check,result}  check = empty | refusal | json |
//                                                           tool_args; result = pass | fail
//   llmctl_gateway_input_tokens, _output_tokens{model}      histograms, log2 bins (common/psi.h)
//   llmctl_gateway_length_psi{model,direction}              PSI of the last complete window
//                                                           against the windows before it
//   llmctl_gateway_length_drift_samples{model,direction,window}  the counts behind it
//
// Drift windows (DriftWindows): time is cut into windows of `window_ms` (5 minutes); the gauge
// compares the last complete window with the `baseline_windows` (12: the hour) before it, and is
// left out until each side has `min_samples` (50) requests. "Now" is passed in (tests use a fake
// clock).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/psi.h"
#include "gateway/config.h"
#include "gateway/request_log.h"

namespace llmctl::gateway {

struct DriftOptions {
  std::int64_t window_ms = 300000;
  int baseline_windows = 12;
  double min_samples = 50;
};

// One worker's ring of length counts per window (one writer).
class DriftWindows {
 public:
  explicit DriftWindows(const DriftOptions& o);
  void add(std::int64_t tokens, std::int64_t now_ms);
  // Sums this ring's counts of the windows [first, last] (window numbers) into `out`.
  void sum(std::int64_t first, std::int64_t last, std::span<double> out) const;
  std::int64_t window_of(std::int64_t now_ms) const { return now_ms / opt_.window_ms; }
  const DriftOptions& options() const { return opt_; }

 private:
  struct Slot {
    std::atomic<std::int64_t> window{-1};
    std::array<std::atomic<std::uint64_t>, kLengthBins> bins{};
  };
  DriftOptions opt_;
  std::unique_ptr<Slot[]> slots_;
  std::size_t size_;
};

// The drift reading of a set of rings (every worker's) at `now_ms`.
struct DriftReading {
  double psi = 0;
  double current = 0, baseline = 0;  // samples on each side
  bool ready = false;                // both sides have min_samples
};
DriftReading read_drift(std::span<const DriftWindows* const> rings, std::int64_t now_ms);

inline constexpr std::array<std::string_view, 6> kFinishReasons = {
    "stop", "length", "tool_calls", "content_filter", "error", "interrupted"};
inline constexpr std::array<std::string_view, 4> kChecks = {"empty", "refusal", "json",
                                                            "tool_args"};

class QualityShard {
 public:
  QualityShard(std::size_t models, const DriftOptions& drift = {});
  // One finished request of model index `model` (-1: unknown, not counted).
  void record(int model, const RequestRecord& rec, std::int64_t now_ms);

  std::size_t models() const { return models_; }
  std::uint64_t finish(std::size_t m, std::size_t reason) const;
  std::uint64_t check(std::size_t m, std::size_t check, bool fail) const;
  std::uint64_t length_bucket(std::size_t m, bool output, int bin) const;
  double length_sum(std::size_t m, bool output) const;
  const DriftWindows& drift(std::size_t m, bool output) const {
    return *drift_[m * 2 + (output ? 1 : 0)];
  }

 private:
  static void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::size_t models_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> finish_;   // [model][reason]
  std::unique_ptr<std::atomic<std::uint64_t>[]> checks_;   // [model][check][pass, fail]
  std::unique_ptr<std::atomic<std::uint64_t>[]> lengths_;  // [model][in, out][bin]
  std::unique_ptr<std::atomic<double>[]> length_sums_;     // [model][in, out]
  std::vector<std::unique_ptr<DriftWindows>> drift_;       // [model][in, out]
};

// The families above for every model of `config`, summed over the shards.
std::string render_quality_metrics(const Config& config,
                                   std::span<const std::shared_ptr<QualityShard>> shards,
                                   std::int64_t now_ms);

}  // namespace llmctl::gateway
