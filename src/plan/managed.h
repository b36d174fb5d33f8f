// The arithmetic of the two managed kinds of option, apart from enumeration so each piece can be
// checked by hand (docs/PLAN.md, "Provisioned throughput" and "Serverless GPUs"):
//  - provisioned throughput: the units a traffic's peak minute needs, and the average traffic at
//    which they cost the same as per-token billing;
//  - serverless GPUs: the day's traffic as an hourly profile, the worker-seconds a platform bills
//    for it (scale to zero, idle timeout, cold starts), the share of requests that wait for a
//    scale-from-zero start, and the cheapest warm minimum that keeps that share within the SLO.
//
// Pure functions: no I/O, no clocks, no randomness.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace llmctl::plan {

// ---- Provisioned throughput ----

// A request shape as a platform's sizing rule sees it.
struct TokenShape {
  double input_tokens = 0;   // mean per request
  double output_tokens = 0;  // mean per request
  double cached_share = 0;   // of input tokens, served from the prompt cache
};

// A model's rule for one unit: normalized tokens per minute = input x (1 - cached share x
// (1 - cached_input_weight)) + output_token_weight x output, per request.
struct UnitRule {
  double input_tpm_per_unit = 0;
  double output_token_weight = 1;
  double cached_input_weight = 1;
  int min_units = 1;
  int unit_increment = 1;
};

struct UnitSizing {
  double normalized_tokens_per_request = 0;
  double peak_normalized_tpm = 0;
  double units_needed = 0;  // unrounded
  int units = 0;            // max(min_units, units_needed rounded up to the increment)
};

UnitSizing size_units(const UnitRule& rule, const TokenShape& shape, double peak_qps);

struct ProvisionedBreakEven {
  bool found = false;
  double average_qps = 0;  // least average traffic where per-token billing costs as much
  double monthly_usd = 0;
  int units = 0;
};

// The least average traffic, scaling the spec's traffic with its peak/average ratio unchanged,
// at which per-token billing (`api_usd_per_qps_month` $ a month per req/s of average traffic)
// costs at least the units the peak needs (`unit_usd_per_month` each). The units' bill is a
// staircase whose steps are proportional to the traffic one unit carries at the peak (k req/s of
// average traffic per unit), so it meets the API's line on the first step, at min_units x U / a,
// when one unit costs no more than the API traffic it carries (U <= a k), and never otherwise.
ProvisionedBreakEven provisioned_break_even(const UnitRule& rule, const TokenShape& shape,
                                            double peak_per_average, double unit_usd_per_month,
                                            double api_usd_per_qps_month);

// ---- Serverless GPUs ----

inline constexpr int kProfileHours = 24;

// The day's request rate, hour by hour: a raised cosine with its maximum at `peak_qps` and its
// mean at `average_qps` (the offset is lowered, and the curve clipped at zero, when the peak is
// more than twice the average). Flat when they are equal.
std::vector<double> diurnal_profile(double peak_qps, double average_qps);

// Share of a p95 TTFT SLO's 5% tail that scale-from-zero cold starts may use: the other 4% is
// left to queueing at the peak, which the replica sizing already spends.
inline constexpr double kColdStartTailBudget = 0.01;

struct ServerlessInput {
  std::vector<double> hourly_qps;  // diurnal_profile()
  double worker_capacity_qps = 0;  // one worker within the SLO (the self-hosted sizing)
  double request_seconds = 0;      // how long a worker is busy with one request alone
  int gpus_per_worker = 1;
  double usd_per_gpu_second = 0;
  double warm_usd_per_gpu_second = 0;  // always-on workers
  bool scale_to_zero = true;
  double idle_timeout_s = 0;
  std::optional<double> cold_start_s;  // unset: not measured
  std::optional<double> ttft_slo_ms;
  double warm_ttft_p95_ms = 0;  // TTFT of a request that finds a warm worker
};

struct ServerlessCost {
  bool feasible = false;
  int warm_minimum = 0;  // always-on workers billed at the warm rate
  double monthly_usd = 0;
  double flex_gpu_hours_per_day = 0;  // scale-to-zero workers' billed GPU-hours, cold starts in
  double warm_gpu_hours_per_day = 0;
  int peak_workers = 0;
  double hours_at_zero_per_day = 0;  // expected hours with no worker running
  double cold_starts_per_day = 0;    // scale-from-zero starts a request waits for
  double cold_share = 0;             // of requests
  double requests_per_day = 0;
  // Why the warm minimum: "" (none needed), "budget" (cold starts over the tail budget),
  // "unmeasured" (no cold-start figure), "no-scale-to-zero", or "cheaper" (warm rate pays off).
  std::string warm_reason;
  // Scale to zero without a warm minimum, for the reasons.
  double scale_to_zero_monthly_usd = 0;
  double scale_to_zero_cold_share = 0;
};

// Bills one day of the profile and scales it to a month (docs/PLAN.md, "Serverless GPUs"):
// an hour needing n >= 2 workers bills n workers all hour; an hour needing one bills its up time,
// 1 - e^(-rate x (idle timeout + request time)) of the hour, plus a cold start for each request
// that finds no worker (rate x e^(-rate x (idle + request)) per second). Warm minimum m: m workers
// always on at the warm rate, the rest as above over the traffic above them. Picks the cheapest m
// whose cold-start share is within kColdStartTailBudget, or whose cold start fits the TTFT SLO.
ServerlessCost serverless_cost(const ServerlessInput& in);

}  // namespace llmctl::plan
