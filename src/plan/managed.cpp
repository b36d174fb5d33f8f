#include "plan/managed.h"

#include <algorithm>
#include <cmath>

#include "plan/capacity.h"

namespace llmctl::plan {

namespace {

constexpr double kSecondsPerHour = 3600;
constexpr double kPi = 3.14159265358979323846;

double normalized_tokens(const UnitRule& rule, const TokenShape& shape) {
  const double input =
      shape.input_tokens * (1 - shape.cached_share * (1 - rule.cached_input_weight));
  return input + rule.output_token_weight * shape.output_tokens;
}

}  // namespace

UnitSizing size_units(const UnitRule& rule, const TokenShape& shape, double peak_qps) {
  UnitSizing u;
  u.normalized_tokens_per_request = normalized_tokens(rule, shape);
  u.peak_normalized_tpm = peak_qps * 60 * u.normalized_tokens_per_request;
  u.units_needed =
      rule.input_tpm_per_unit > 0 ? u.peak_normalized_tpm / rule.input_tpm_per_unit : 0;
  const int step = std::max(1, rule.unit_increment);
  const int rounded = static_cast<int>(std::ceil(u.units_needed / step - 1e-9)) * step;
  u.units = std::max(rule.min_units, rounded);
  return u;
}

ProvisionedBreakEven provisioned_break_even(const UnitRule& rule, const TokenShape& shape,
                                            double peak_per_average, double unit_usd_per_month,
                                            double api_usd_per_qps_month) {
  ProvisionedBreakEven b;
  const double per_request = normalized_tokens(rule, shape);
  if (per_request <= 0 || peak_per_average <= 0 || api_usd_per_qps_month <= 0 ||
      unit_usd_per_month <= 0 || rule.input_tpm_per_unit <= 0)
    return b;
  // Average req/s one unit carries when the peak is peak_per_average times the average.
  const double k = rule.input_tpm_per_unit / (60 * per_request * peak_per_average);
  if (unit_usd_per_month > api_usd_per_qps_month * k) return b;
  b.found = true;
  b.units = rule.min_units;
  b.monthly_usd = rule.min_units * unit_usd_per_month;
  b.average_qps = b.monthly_usd / api_usd_per_qps_month;
  return b;
}

std::vector<double> diurnal_profile(double peak_qps, double average_qps) {
  std::vector<double> cosines(kProfileHours);
  for (int h = 0; h < kProfileHours; ++h) cosines[h] = std::cos(2 * kPi * h / kProfileHours);
  auto profile = [&](double offset) {
    std::vector<double> q(kProfileHours);
    for (int h = 0; h < kProfileHours; ++h)
      q[h] = std::max(0.0, offset + (peak_qps - offset) * cosines[h]);
    return q;
  };
  auto mean = [](const std::vector<double>& q) {
    double s = 0;
    for (double v : q) s += v;
    return s / static_cast<double>(q.size());
  };
  if (peak_qps <= average_qps) return std::vector<double>(kProfileHours, average_qps);
  // The mean grows with the offset; at offset = average it is the average unless clipping at zero
  // raised it, in which case a lower offset is found by bisection.
  std::vector<double> q = profile(average_qps);
  if (mean(q) <= average_qps * (1 + 1e-12)) return q;
  // A very negative offset leaves only the peak hour above zero (mean peak / 24 < average).
  double lo = -1000 * peak_qps, hi = average_qps;
  for (int i = 0; i < 100; ++i) {
    const double mid = 0.5 * (lo + hi);
    (mean(profile(mid)) > average_qps ? hi : lo) = mid;
  }
  return profile(0.5 * (lo + hi));
}

namespace {

// One day under warm minimum m (see serverless_cost). Cold starts on the request path only
// happen with m = 0 in hours one worker serves: then every request that finds the worker gone
// waits for a start.
struct Day {
  double warm_seconds = 0;  // worker-seconds at the warm rate
  double flex_seconds = 0;  // worker-seconds at the scale-to-zero rate
  double zero_hours = 0;
  double path_cold_starts = 0;
  double requests = 0;
  int peak_workers = 0;
};

Day bill_day(const ServerlessInput& in, int m) {
  Day d;
  const double hold = in.idle_timeout_s + in.request_seconds;  // a worker lingers this long
  const double start = in.cold_start_s.value_or(0);
  for (double rate : in.hourly_qps) {
    d.requests += rate * kSecondsPerHour;
    d.warm_seconds += m * kSecondsPerHour;
    const int n = rate > 0 ? static_cast<int>(std::ceil(rate / in.worker_capacity_qps - 1e-9)) : 0;
    d.peak_workers = std::max(d.peak_workers, std::max(n, m));
    if (n <= m) continue;
    // Workers m+1 .. n-1 stay up all hour; the last carries what is left and comes and goes.
    const double last_rate = rate - (n - 1) * in.worker_capacity_qps;
    const double away = std::exp(-last_rate * hold);  // share of the hour it is stopped
    const double starts = last_rate * kSecondsPerHour * away;
    d.flex_seconds += (n - m - 1) * kSecondsPerHour + kSecondsPerHour * (1 - away) + starts * start;
    if (m == 0 && n == 1) {
      d.zero_hours += away;
      d.path_cold_starts += starts;
    }
  }
  return d;
}

}  // namespace

ServerlessCost serverless_cost(const ServerlessInput& in) {
  ServerlessCost best;
  if (in.worker_capacity_qps <= 0 || in.hourly_qps.empty()) return best;
  const double days_per_month = kHoursPerMonth / 24;
  const double gpus = std::max(1, in.gpus_per_worker);
  auto monthly = [&](const Day& d) {
    return days_per_month * gpus *
           (d.warm_seconds * in.warm_usd_per_gpu_second + d.flex_seconds * in.usd_per_gpu_second);
  };
  int max_workers = 1;
  for (double rate : in.hourly_qps)
    max_workers =
        std::max(max_workers, static_cast<int>(std::ceil(rate / in.worker_capacity_qps - 1e-9)));

  // Scale to zero, m = 0: allowed when no request waits for a start, the start fits the TTFT
  // SLO, or the requests that wait stay within the tail budget.
  const Day zero = bill_day(in, 0);
  const double zero_share = zero.requests > 0 ? zero.path_cold_starts / zero.requests : 0;
  std::string zero_refusal;
  if (!in.scale_to_zero) {
    zero_refusal = "no-scale-to-zero";
  } else if (zero.path_cold_starts > 0 && in.ttft_slo_ms) {
    if (!in.cold_start_s)
      zero_refusal = "unmeasured";
    else if (*in.cold_start_s * 1000 + in.warm_ttft_p95_ms > *in.ttft_slo_ms &&
             zero_share > kColdStartTailBudget)
      zero_refusal = "budget";
  }
  best.scale_to_zero_monthly_usd = monthly(zero);
  best.scale_to_zero_cold_share = zero_share;

  for (int m = 0; m <= max_workers; ++m) {
    if (m == 0 && !zero_refusal.empty()) continue;
    const Day d = m == 0 ? zero : bill_day(in, m);
    const double usd = monthly(d);
    if (best.feasible && usd >= best.monthly_usd) continue;
    best.feasible = true;
    best.warm_minimum = m;
    best.monthly_usd = usd;
    best.flex_gpu_hours_per_day = d.flex_seconds * gpus / kSecondsPerHour;
    best.warm_gpu_hours_per_day = d.warm_seconds * gpus / kSecondsPerHour;
    best.peak_workers = d.peak_workers;
    best.hours_at_zero_per_day = d.zero_hours;
    best.cold_starts_per_day = d.path_cold_starts;
    best.requests_per_day = d.requests;
    best.cold_share = d.requests > 0 ? d.path_cold_starts / d.requests : 0;
  }
  if (best.warm_minimum > 0) best.warm_reason = zero_refusal.empty() ? "cheaper" : zero_refusal;
  return best;
}

}  // namespace llmctl::plan
