// The sizing arithmetic of the planner, apart from enumeration so each piece can be checked by
// hand: mean -> p95 latency, the QPS one replica sustains under the SLOs, replica counts, the
// break-even traffic between an API and a self-hosted fleet, and dominance filtering.
//
// Pure functions; the performance model comes in as an Estimator so tests can pass a closed form.
#pragma once

#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "perf/model.h"
#include "plan/spec.h"

namespace llmctl::plan {

// The performance model as the planner calls it. The CLI binds perf::estimate to the catalog;
// tests bind a closed form. Must be deterministic (the capacity search and the goldens rely on it).
using Estimator =
    std::function<Result<perf::Estimate>(const perf::Deployment&, const perf::Workload&)>;

inline constexpr double kHoursPerMonth = 730;  // 8,760 h / 12
inline constexpr double kSecondsPerMonth = kHoursPerMonth * 3600;
// p95 of an exponential distribution over its mean: ln(20).
inline constexpr double kExponentialP95OverMean = 2.995732273553991;
// One-sided 95% point of the standard normal.
inline constexpr double kNormalZ95 = 1.6448536269514722;

struct SloTargets {
  std::optional<double> ttft_p95_ms;
  std::optional<double> tpot_p95_ms;
};

// Timings of one replica serving one request alone, measured once per configuration; the p95
// conversion needs them as the "no contention" baseline.
struct ReplicaReference {
  double prefill_ms_p95_input = 0;  // prefill of one p95-length prompt
  double decode_ms_batch1 = 0;      // one decode step with one sequence in the batch
};

struct LatencyP95 {
  double ttft_ms = 0;
  double tpot_ms = 0;
};

// p95 latencies from the performance model's means (docs/PLAN.md, "mean -> p95"):
//  TTFT: the p95 prompt's own prefill plus the queueing part of the mean TTFT (mean TTFT - the
//        mean prompt's isolated prefill) stretched to its p95 as an exponential tail (x ln 20).
//  TPOT: decode-step time is affine in the batch size; the batch under Poisson arrivals has
//        standard deviation sqrt(mean concurrency), so p95 = mean TPOT + slope x 1.645 sqrt(C),
//        with slope from the batch-1 step to the step at the mean batch.
LatencyP95 p95_from_means(const perf::Estimate& at_load, const ReplicaReference& reference);

// The tightest SLO's spare fraction, min over the SLOs of 1 - p95/target (1 when there is no
// latency SLO; negative when one is missed).
double slo_headroom(const LatencyP95& p95, const SloTargets& slo);

// One replica at one offered load. `mean_shape` gives the mean lengths and whether perf should
// write its explanation; its mode and value are replaced by kQps and `qps`.
struct LoadCheck {
  bool ok = false;
  double qps = 0;
  std::string error;  // the estimator's error, if it failed
  perf::Estimate estimate;
  LatencyP95 p95;
  // slo_headroom(p95); -infinity when the load has no latency numbers (overload, no fit).
  double headroom = -std::numeric_limits<double>::infinity();
};

LoadCheck check_load(const Estimator& estimator, const perf::Deployment& replica,
                     const perf::Workload& mean_shape, double qps,
                     const ReplicaReference& reference, const SloTargets& slo);

// What failed and by how much ("p95 TTFT 1,234 ms > 1,000 ms at 3.2 req/s"); empty when ok.
// Formatted on demand: the capacity search makes thousands of checks and reports a few.
std::string failure_text(const LoadCheck& check, const SloTargets& slo);

struct Capacity {
  bool feasible = false;
  std::string category;      // when infeasible: "fit", "slo" or "unsupported"
  std::string reason;        // when infeasible, with the numbers
  double qps = 0;            // the most requests/s one replica sustains within the SLOs
  double saturated_qps = 0;  // offline (saturated) throughput: the search's ceiling
  ReplicaReference reference;
  perf::Estimate at_capacity;
  LatencyP95 p95_at_capacity;
  int estimate_calls = 0;
};

// The share of prompts longer than `tokens` when the lengths are the lognormal with the
// distribution's mean and p95 (the simulator's verification draws the same; a p95/mean beyond
// a lognormal's is taken at the largest it can have, as there). 0 or 1 without a tail.
double share_longer_than(const LengthDistribution& lengths, double tokens);

// An engine that does not chunk prefill refuses a prompt longer than its token budget
// (max_num_tokens). A replica whose share of such prompts is at least this is infeasible ("fit"):
// one request in a thousand, which the verification's simulation (thousands of requests, any
// drop a miss) would also catch.
inline constexpr double kMaxRefusedPromptShare = 1e-3;

// Width of the bracket, relative to the search's ceiling, at which the capacity search stops.
inline constexpr double kCapacityTolerance = 0.005;
// The search's ceiling as a share of the saturated throughput: an open-loop queue at 100%
// utilisation grows without bound, so without a latency SLO a replica is sized at 95%.
inline constexpr double kMaxUtilisation = 0.95;

// Finds the per-replica capacity: the QPS (perf's open-loop mode) at which the tightest SLO's
// headroom reaches 0, searched between no load (a p95 request alone) and kMaxUtilisation of the
// saturated throughput by false position (Illinois), to kCapacityTolerance. `replica` must
// describe one replica (gpus = tp * pp). Assumes latency grows with load.
Capacity replica_capacity(const Estimator& estimator, const perf::Deployment& replica,
                          const LengthDistribution& input_tokens,
                          const LengthDistribution& output_tokens, const SloTargets& slo);

// 1 spare replica (N+1) at availability >= 99.9%, none below: one replica down for a driver
// reset or a node drain (tens of minutes a month) would alone spend a 99.9% error budget.
int spare_replicas(double availability);

struct ReplicaCount {
  int peak = 0;     // ceil(peak QPS / capacity), at least 1
  int average = 0;  // ceil(average QPS / capacity), at least 1
  int spare = 0;
  int billed = 0;  // (autoscaling ? average : peak) + spare
};

ReplicaCount count_replicas(double peak_qps, double average_qps, double capacity_qps,
                            double availability, bool autoscaling);

struct BreakEven {
  bool found = false;
  double average_qps = 0;       // average traffic at which both cost the same per month
  double tokens_per_month = 0;  // the same, in tokens (input + output)
  double monthly_usd = 0;
  int billed_replicas = 0;  // self-hosted replicas billed at that traffic
};

// The least average traffic at which the API's monthly bill reaches the self-hosted fleet's when
// traffic scales with its shape unchanged. The API bill is linear:
//   api_usd_per_mtok x tokens_per_request x q x kSecondsPerMonth / 1e6;
// the fleet's is a staircase: (max(1, ceil(q x billed_per_average / capacity)) + spare) x
// replica_usd_per_month, where billed_per_average = peak/average without autoscaling and 1 with.
// Not found when each added replica costs more than the API traffic it carries.
BreakEven break_even(double api_usd_per_mtok, double tokens_per_request,
                     double replica_usd_per_month, double capacity_qps, double billed_per_average,
                     int spare);

// One option as dominance sees it. Unknown quality is -1; an API's unknown headroom counts as 0
// (just meeting the SLO).
struct Merit {
  double monthly_usd = 0;
  double headroom = 0;
  int quality = -1;
};

// For each option, the index of the cheapest option that dominates it (costs no more, has no
// less headroom and quality, and is strictly better in one), or -1 when none does.
std::vector<int> find_dominated(const std::vector<Merit>& options);

}  // namespace llmctl::plan
