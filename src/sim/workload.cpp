#include "sim/workload.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace llmctl::sim {

namespace {

constexpr double kZ95 = 1.6448536269514722;  // standard normal 95th percentile

std::uint64_t tagged_hash(std::uint64_t tag, int index) {
  // splitmix64 of a tag and the index: stable across runs, distinct from trace hashes in
  // practice (traces bring their own ids).
  std::uint64_t z = tag + static_cast<std::uint64_t>(index);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::string LengthDist::describe() const {
  switch (kind) {
    case Kind::kFixed:
      return fmt::format("{:g}", mean);
    case Kind::kUniform:
      return fmt::format("uniform {:g}..{:g}", min, max);
    case Kind::kLognormal:
      return fmt::format("lognormal mean {:g}, p95 {:g}", mean, p95);
  }
  return "";
}

Result<LengthDist> lognormal_from(double mean, double p95) {
  if (!(mean > 0)) return Error{fmt::format("expected a mean above 0, found {:g}", mean)};
  if (!(p95 > mean))
    return Error{fmt::format("expected a p95 above the mean {:g}, found {:g}", mean, p95)};
  // mean = exp(mu + s^2/2), p95 = exp(mu + z s)  =>  s^2/2 - z s + ln(p95/mean) = 0.
  const double r = std::log(p95 / mean);
  if (r > kZ95 * kZ95 / 2)
    return Error{
        fmt::format("a lognormal cannot have p95/mean = {:.2f}; the largest possible is {:.2f}",
                    p95 / mean, std::exp(kZ95 * kZ95 / 2))};
  LengthDist d;
  d.kind = LengthDist::Kind::kLognormal;
  d.mean = mean;
  d.p95 = p95;
  return d;
}

namespace {

// A lognormal LengthDist's log-scale parameters: mean = exp(mu + s^2/2), p95 = exp(mu + z s).
struct LogParams {
  double mu, s;
};
LogParams log_params(const LengthDist& d) {
  const double r = std::log(d.p95 / d.mean);
  const double s = kZ95 - std::sqrt(kZ95 * kZ95 - 2 * r);
  return {std::log(d.mean) - s * s / 2, s};
}

}  // namespace

double share_longer_than(const LengthDist& d, double tokens) {
  switch (d.kind) {
    case LengthDist::Kind::kFixed:
      return d.mean > tokens ? 1 : 0;
    case LengthDist::Kind::kUniform: {
      const double n = d.max - d.min + 1;  // integers min..max, equally likely
      return std::clamp((d.max - std::floor(tokens)) / n, 0.0, 1.0);
    }
    case LengthDist::Kind::kLognormal: {
      const LogParams p = log_params(d);
      return 0.5 * std::erfc((std::log(tokens) - p.mu) / (p.s * std::sqrt(2.0)));
    }
  }
  return 0;
}

int sample_length(const LengthDist& d, Rng& rng) {
  double v = d.mean;
  switch (d.kind) {
    case LengthDist::Kind::kFixed:
      break;
    case LengthDist::Kind::kUniform:
      v = d.min + std::floor(rng.uniform() * (d.max - d.min + 1));
      break;
    case LengthDist::Kind::kLognormal: {
      const LogParams p = log_params(d);
      v = std::exp(p.mu + p.s * rng.normal());
      break;
    }
  }
  return static_cast<int>(std::clamp(std::llround(v), 1LL, 1LL << 30));
}

Generator::Generator(const WorkloadSpec& spec, std::uint64_t seed) : spec_(spec), rng_(seed) {
  if (spec_.trace) {
    pool_ = spec_.trace->segments;
  } else if (spec_.shared_prefix_tokens > 0 && spec_.prefix_groups > 0) {
    for (int g = 0; g < spec_.prefix_groups; ++g)
      group_segment_.push_back(
          pool_.add(tagged_hash(0x5eed5eed00000000ULL, g), spec_.shared_prefix_tokens));
  } else if (spec_.prompt_pool > 0) {
    // The benchmark's prompts, generated once: each a whole cacheable prompt of its own length.
    // Their own generator, so the pool does not shift the per-request draws.
    Rng pool_rng(seed ^ 0x706f6f6cULL);
    for (int i = 0; i < spec_.prompt_pool; ++i)
      prompt_segment_.push_back(
          pool_.add(tagged_hash(0x9f0a9f0a00000000ULL, i), sample_length(spec_.input, pool_rng)));
  }
}

bool Generator::exhausted(double t) const {
  if (spec_.requests > 0 && issued_ >= spec_.requests + spec_.warmup_requests) return true;
  if (spec_.duration_s > 0 && t >= spec_.duration_s) return true;
  return false;
}

void Generator::fill_lengths(Request& r) {
  r.warmup = issued_ <= spec_.warmup_requests;  // issued_ already counts r
  if (!prompt_segment_.empty()) {
    const auto k = static_cast<std::size_t>(rng_.below(prompt_segment_.size()));
    r.segments_begin = prompt_segment_[k];
    r.segments_count = 1;
    r.input_tokens = pool_.tokens[prompt_segment_[k]];
    r.output_tokens = sample_length(spec_.output, rng_);
    return;
  }
  r.input_tokens = sample_length(spec_.input, rng_);
  r.output_tokens = sample_length(spec_.output, rng_);
  if (!group_segment_.empty()) {
    const auto g = static_cast<std::size_t>(rng_.below(group_segment_.size()));
    r.segments_begin = group_segment_[g];
    r.segments_count = 1;
    r.input_tokens += spec_.shared_prefix_tokens;
  }
}

bool Generator::next(Request& out) {
  using A = WorkloadSpec::Arrival;
  if (spec_.arrival == A::kClosedLoop) return false;
  if (spec_.arrival == A::kTrace) {
    const auto& recs = spec_.trace->records;
    while (trace_pos_ < recs.size()) {
      const TraceRecord& tr = recs[trace_pos_++];
      if (tr.t_s < spec_.window_start_s) continue;
      if (spec_.window_end_s > 0 && tr.t_s >= spec_.window_end_s) return false;
      if (trace_origin_ < 0) trace_origin_ = tr.t_s;
      const double t = (tr.t_s - trace_origin_) * spec_.time_scale;
      if (exhausted(t)) return false;
      out = Request{};
      out.id = static_cast<std::uint64_t>(issued_++);
      out.warmup = issued_ <= spec_.warmup_requests;
      out.arrival_s = t;
      out.input_tokens = std::max(1, tr.input_tokens);
      out.output_tokens = std::max(1, tr.output_tokens);
      out.max_tokens = tr.max_tokens;
      out.session = tr.session;
      out.segments_begin = tr.segments_begin;
      out.segments_count = tr.segments_count;
      return true;
    }
    return false;
  }
  double gap = 0;
  const double mean_gap = 1.0 / spec_.qps;
  switch (spec_.arrival) {
    case A::kPoisson:
      gap = rng_.exponential(mean_gap);
      break;
    case A::kConstant:
      gap = mean_gap;
      break;
    case A::kGamma: {
      const double k = 1.0 / (spec_.burstiness_cv * spec_.burstiness_cv);
      gap = rng_.gamma(k, mean_gap / k);
      break;
    }
    default:
      break;
  }
  // The first request arrives at 0 for constant arrivals, after one gap otherwise (a Poisson
  // process observed from time 0).
  const double t = (issued_ == 0 && spec_.arrival == A::kConstant) ? 0.0 : clock_ + gap;
  if (exhausted(t)) return false;
  clock_ = t;
  out = Request{};
  out.id = static_cast<std::uint64_t>(issued_++);
  out.arrival_s = t;
  fill_lengths(out);
  return true;
}

bool Generator::next_for_client(int client, double now, Request& out) {
  const double t = now + spec_.think_time_s;
  if (exhausted(t)) return false;
  out = Request{};
  out.id = static_cast<std::uint64_t>(issued_++);
  out.arrival_s = t;
  out.client = client;
  fill_lengths(out);
  return true;
}

}  // namespace llmctl::sim
