#include "plan/capacity.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/strings.h"
#include "plan/format.h"
#include "sim/workload.h"

namespace llmctl::plan {
namespace {

// Replica counts come from divisions of measured rates; a count that is within this of an
// integer is that integer, so 10.0000001 replicas do not become 11.
int ceil_count(double x) { return std::max(1, static_cast<int>(std::ceil(x - 1e-9))); }

int rounded_tokens(double tokens) { return std::max(1, static_cast<int>(std::lround(tokens))); }

}  // namespace

LatencyP95 p95_from_means(const perf::Estimate& at_load, const ReplicaReference& reference) {
  LatencyP95 p;
  const double queueing_ms = std::max(0.0, at_load.ttft_ms - at_load.prefill_ms);
  p.ttft_ms = std::max(reference.prefill_ms_p95_input, at_load.prefill_ms) +
              kExponentialP95OverMean * queueing_ms;
  const double batch = at_load.concurrency;
  double slope_ms = 0;
  if (batch > 1)
    slope_ms =
        std::max(0.0, (at_load.decode_ms_per_token - reference.decode_ms_batch1) / (batch - 1));
  p.tpot_ms = at_load.tpot_ms + slope_ms * kNormalZ95 * std::sqrt(std::max(batch, 0.0));
  return p;
}

double slo_headroom(const LatencyP95& p95, const SloTargets& slo) {
  double headroom = 1;
  if (slo.ttft_p95_ms) headroom = std::min(headroom, 1 - p95.ttft_ms / *slo.ttft_p95_ms);
  if (slo.tpot_p95_ms) headroom = std::min(headroom, 1 - p95.tpot_ms / *slo.tpot_p95_ms);
  return headroom;
}

LoadCheck check_load(const Estimator& estimator, const perf::Deployment& replica,
                     const perf::Workload& mean_shape, double qps,
                     const ReplicaReference& reference, const SloTargets& slo) {
  LoadCheck c;
  c.qps = qps;
  perf::Workload w = mean_shape;
  w.mode = perf::LoadMode::kQps;
  w.value = qps;
  auto est = estimator(replica, w);
  if (!est) {
    c.error = est.error().message;
    return c;
  }
  c.estimate = std::move(*est);
  const perf::Estimate& e = c.estimate;
  if (!e.fits || !std::isfinite(e.ttft_ms) || !std::isfinite(e.tpot_ms) ||
      e.requests_per_s < 0.99 * qps)
    return c;
  c.p95 = p95_from_means(e, reference);
  c.headroom = slo_headroom(c.p95, slo);
  c.ok = (!slo.ttft_p95_ms || c.p95.ttft_ms <= *slo.ttft_p95_ms) &&
         (!slo.tpot_p95_ms || c.p95.tpot_ms <= *slo.tpot_p95_ms);
  return c;
}

std::string failure_text(const LoadCheck& c, const SloTargets& slo) {
  if (c.ok) return "";
  if (!c.error.empty()) return c.error;
  const perf::Estimate& e = c.estimate;
  if (!e.fits) return fmt::format("does not fit at {} req/s: {}", num(c.qps), e.reason);
  if (!std::isfinite(e.ttft_ms) || !std::isfinite(e.tpot_ms) || e.requests_per_s < 0.99 * c.qps)
    return fmt::format("overloaded at {} req/s (sustains {} req/s)", num(c.qps),
                       num(e.requests_per_s));
  std::vector<std::string> missed;
  if (slo.ttft_p95_ms && c.p95.ttft_ms > *slo.ttft_p95_ms)
    missed.push_back(
        fmt::format("p95 TTFT {} ms > {} ms", num(c.p95.ttft_ms), num(*slo.ttft_p95_ms)));
  if (slo.tpot_p95_ms && c.p95.tpot_ms > *slo.tpot_p95_ms)
    missed.push_back(
        fmt::format("p95 TPOT {} ms > {} ms", num(c.p95.tpot_ms), num(*slo.tpot_p95_ms)));
  return fmt::format("{} at {} req/s", join(missed, ", "), num(c.qps));
}

double share_longer_than(const LengthDistribution& lengths, double tokens) {
  const double mean = std::max(1.0, lengths.mean);
  const double ratio = lengths.p95_or_default() / mean;
  if (ratio <= 1.0001) return mean > tokens ? 1 : 0;
  // The simulator's lognormal (sim::lognormal_from), its p95/mean capped as verify_sim caps it.
  const auto d =
      sim::lognormal_from(mean, mean * std::min(ratio, sim::kLognormalMaxP95OverMean * 0.999));
  return d ? sim::share_longer_than(*d, tokens) : (mean > tokens ? 1 : 0);
}

Capacity replica_capacity(const Estimator& estimator, const perf::Deployment& replica,
                          const LengthDistribution& input_tokens,
                          const LengthDistribution& output_tokens, const SloTargets& slo) {
  Capacity cap;
  if (replica.engine && replica.gpu) {
    const catalog::EngineTraits traits = replica.engine->scheduler.on(*replica.gpu);
    const double refused = share_longer_than(input_tokens, traits.max_num_tokens);
    if (!traits.chunked_prefill && refused >= kMaxRefusedPromptShare) {
      cap.category = "fit";
      cap.reason = fmt::format(
          "{}% of prompts (input mean {}, p95 {} tokens) are longer than the {}-token step "
          "budget of {}, which does not chunk prefill by default: it refuses them",
          num(100 * refused, 2), num(input_tokens.mean), num(input_tokens.p95_or_default()),
          traits.max_num_tokens, replica.engine->name);
      return cap;
    }
  }
  perf::Workload shape{rounded_tokens(input_tokens.mean), rounded_tokens(output_tokens.mean),
                       perf::LoadMode::kOffline, 0};
  shape.explain = false;  // only numbers are needed inside the search

  // The long-prompt reference: a p95 prompt alone, which must also fit in memory.
  perf::Workload one = shape;
  one.input_tokens = rounded_tokens(input_tokens.p95_or_default());
  one.mode = perf::LoadMode::kBatch;
  one.value = 1;
  auto ref = estimator(replica, one);
  ++cap.estimate_calls;
  if (!ref) {
    cap.category = "unsupported";
    cap.reason = ref.error().message;
    return cap;
  }
  if (!ref->fits) {
    cap.category = "fit";
    cap.reason = ref->reason;
    return cap;
  }
  cap.reference = {ref->prefill_ms, ref->decode_ms_per_token};

  auto sat = estimator(replica, shape);
  ++cap.estimate_calls;
  if (!sat) {
    cap.category = "unsupported";
    cap.reason = sat.error().message;
    return cap;
  }
  if (!sat->fits || sat->requests_per_s <= 0) {
    cap.category = "fit";
    cap.reason = sat->fits ? "sustains no load" : sat->reason;
    return cap;
  }
  cap.saturated_qps = sat->requests_per_s;

  // Zero load: the p95 prompt alone. Missing the SLO here means no load level can meet it.
  const LatencyP95 alone{ref->ttft_ms, ref->tpot_ms};
  double h_lo = slo_headroom(alone, slo);
  if (h_lo < 0) {
    std::vector<std::string> missed;
    if (slo.ttft_p95_ms && alone.ttft_ms > *slo.ttft_p95_ms)
      missed.push_back(fmt::format("TTFT {} ms > the p95 target {} ms", num(alone.ttft_ms),
                                   num(*slo.ttft_p95_ms)));
    if (slo.tpot_p95_ms && alone.tpot_ms > *slo.tpot_p95_ms)
      missed.push_back(fmt::format("TPOT {} ms > the p95 target {} ms", num(alone.tpot_ms),
                                   num(*slo.tpot_p95_ms)));
    cap.category = "slo";
    cap.reason = fmt::format("misses the SLO with no other load: a p95-length request alone has {}",
                             join(missed, ", "));
    cap.at_capacity = *ref;
    cap.p95_at_capacity = alone;
    return cap;
  }

  // Illinois false position on f = slo/p95 - 1 = h / (1 - h) of the headroom h: it falls with
  // load, crosses 0 at the capacity, and stays above -1 as queueing explodes (h itself does not),
  // so the secant is close to linear in the load. The bracket starts at no load (the lone p95
  // request) and the ceiling, probed first because loose SLOs end there. Overload and no-fit
  // probes count as -1. lo always met the SLO, so the answer does.
  auto f = [](double headroom) {
    return headroom >= 0.999 ? 999.0 : headroom <= -1e6 ? -1.0 : headroom / (1 - headroom);
  };
  double lo = 0, f_lo = f(h_lo);
  const double ceiling = kMaxUtilisation * cap.saturated_qps;
  double hi = ceiling;
  LoadCheck best;
  LoadCheck first_miss = check_load(estimator, replica, shape, hi, cap.reference, slo);
  ++cap.estimate_calls;
  if (first_miss.ok) {
    lo = hi;
    best = std::move(first_miss);
    first_miss = LoadCheck{};
  }
  double f_hi = f(first_miss.headroom);
  int kept = 0;  // +1: hi was kept on the last step, -1: lo was
  // The width is measured against the ceiling, so a search whose every probe misses also ends.
  while (lo < hi && hi - lo > kCapacityTolerance * ceiling) {
    double q = f_lo - f_hi > 0 ? lo + (hi - lo) * f_lo / (f_lo - f_hi) : 0.5 * (lo + hi);
    const double margin = 0.01 * (hi - lo);
    if (!(q > lo + margin && q < hi - margin)) q = 0.5 * (lo + hi);
    LoadCheck c = check_load(estimator, replica, shape, q, cap.reference, slo);
    ++cap.estimate_calls;
    if (c.ok) {
      lo = q;
      f_lo = f(c.headroom);
      best = std::move(c);
      if (kept == 1) f_hi *= 0.5;  // hi kept twice in a row: pull the secant toward it
      kept = 1;
    } else {
      hi = q;
      f_hi = f(c.headroom);
      if (kept == -1) f_lo *= 0.5;
      kept = -1;
    }
  }
  if (lo <= 0) {
    // Every probe missed: the SLO holds only at vanishing load.
    cap.category = "slo";
    cap.reason =
        fmt::format("misses the SLO at any useful load: {}", failure_text(first_miss, slo));
    cap.at_capacity = first_miss.estimate;
    cap.p95_at_capacity = first_miss.p95;
    return cap;
  }
  cap.feasible = true;
  cap.qps = lo;
  cap.at_capacity = best.estimate;
  cap.p95_at_capacity = best.p95;
  return cap;
}

int spare_replicas(double availability) { return availability >= 0.999 - 1e-12 ? 1 : 0; }

ReplicaCount count_replicas(double peak_qps, double average_qps, double capacity_qps,
                            double availability, bool autoscaling) {
  ReplicaCount r;
  r.peak = ceil_count(peak_qps / capacity_qps);
  r.average = ceil_count(average_qps / capacity_qps);
  r.spare = spare_replicas(availability);
  r.billed = (autoscaling ? r.average : r.peak) + r.spare;
  return r;
}

BreakEven break_even(double api_usd_per_mtok, double tokens_per_request,
                     double replica_usd_per_month, double capacity_qps, double billed_per_average,
                     int spare) {
  BreakEven b;
  // $ per month that one request/s of average traffic costs through the API, and the average
  // traffic one billed replica carries.
  const double api_usd_per_qps = api_usd_per_mtok * tokens_per_request * kSecondsPerMonth / 1e6;
  const double qps_per_replica = capacity_qps / billed_per_average;
  if (api_usd_per_qps <= 0 || qps_per_replica <= 0 || replica_usd_per_month <= 0) return b;
  // With m replicas carrying traffic (q in ((m-1) c', m c']), the bills meet at
  // q = (m + spare) R / a, inside that interval iff (m + spare) R <= a m c'. The smallest such m
  // is the first crossing; below it every q has the API cheaper (the staircase starts above the
  // line and the line only catches up).
  const double per_replica_margin = api_usd_per_qps * qps_per_replica - replica_usd_per_month;
  if (per_replica_margin <= 0) return b;
  const double m_needed = spare * replica_usd_per_month / per_replica_margin;
  const int m = std::max(1, static_cast<int>(std::ceil(m_needed - 1e-9)));
  b.found = true;
  b.billed_replicas = m + spare;
  b.monthly_usd = b.billed_replicas * replica_usd_per_month;
  b.average_qps = b.monthly_usd / api_usd_per_qps;
  b.tokens_per_month = b.average_qps * tokens_per_request * kSecondsPerMonth;
  return b;
}

std::vector<int> find_dominated(const std::vector<Merit>& options) {
  // Sweep from cheapest (then most headroom, then best quality), so every option's dominators
  // come before it, keeping the front of options nothing so far dominates. Checking the front
  // suffices: whatever dominates an option is itself on the front or dominated by a member of it
  // that is no more expensive, and dominance is transitive. O(n x front) instead of O(n^2).
  std::vector<size_t> order(options.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Merit& x = options[a];
    const Merit& y = options[b];
    if (x.monthly_usd != y.monthly_usd) return x.monthly_usd < y.monthly_usd;
    if (x.headroom != y.headroom) return x.headroom > y.headroom;
    return x.quality > y.quality;
  });
  std::vector<int> by(options.size(), -1);
  std::vector<size_t> front;
  for (size_t i : order) {
    const Merit& b = options[i];
    for (size_t j : front) {
      const Merit& a = options[j];
      const bool no_worse =
          a.monthly_usd <= b.monthly_usd && a.headroom >= b.headroom && a.quality >= b.quality;
      const bool better =
          a.monthly_usd < b.monthly_usd || a.headroom > b.headroom || a.quality > b.quality;
      if (no_worse && better) {
        by[i] = static_cast<int>(j);  // the front is in cost order: the first is the cheapest
        break;
      }
    }
    if (by[i] < 0) front.push_back(i);
  }
  return by;
}

}  // namespace llmctl::plan
