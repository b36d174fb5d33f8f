#include "monitor/request_log.h"

#include <algorithm>
#include <cmath>

namespace llmctl::monitor {

void LogBucket::add(const LogBucket& o) {
  requests += o.requests;
  server_errors += o.server_errors;
  client_429 += o.client_429;
  rate_limited += o.rate_limited;
  retried += o.retried;
  ttft_measured += o.ttft_measured;
  ttft_slow += o.ttft_slow;
  tpot_measured += o.tpot_measured;
  tpot_slow += o.tpot_slow;
  input_tokens += o.input_tokens;
  cached_tokens += o.cached_tokens;
  output_tokens += o.output_tokens;
  cost_usd += o.cost_usd;
  finish_known += o.finish_known;
  finish_length += o.finish_length;
  for (int i = 0; i < kLengthBins; ++i) output_lengths[i] += o.output_lengths[i];
  for (int i = 0; i < kLengthBins; ++i) input_lengths[i] += o.input_lengths[i];
  for (std::size_t i = 0; i < checked.size(); ++i)
    checked[i] += o.checked[i], failed[i] += o.failed[i];
  feedback_n += o.feedback_n;
  feedback_sum += o.feedback_sum;
  feedback_sq += o.feedback_sq;
}

LogBucket LogSummary::sum(const std::string& model, double window_s, double offset_s) const {
  LogBucket out;
  const auto first = static_cast<std::int64_t>(std::llround(offset_s / 60));
  const auto end = first + std::max<std::int64_t>(1, std::llround(window_s / 60));
  for (const auto& [m, minutes] : by_model) {
    if (!model.empty() && m != model) continue;
    for (auto it = minutes.lower_bound(first); it != minutes.end() && it->first < end; ++it)
      out.add(it->second);
  }
  return out;
}

std::vector<std::string> LogSummary::models() const {
  std::vector<std::string> out;
  for (const auto& [m, minutes] : by_model) out.push_back(m);
  return out;
}

LogAggregator::LogAggregator(std::string path, std::set<std::string> columns, const Slo& slo,
                             double now_s, double window_s)
    : slo_(slo), now_s_(now_s), window_s_(window_s) {
  s_.path = std::move(path);
  s_.now_s = now_s;
  s_.columns = std::move(columns);
}

void LogAggregator::add(const LogRow& r) {
  if (s_.rows == 0 || r.ts_ms < s_.first_ms) s_.first_ms = r.ts_ms;
  if (s_.rows == 0 || r.ts_ms > s_.last_ms) s_.last_ms = r.ts_ms;
  ++s_.rows;
  // Buckets count minutes back from now, so a window [now - W, now) is a whole number of them.
  const double t = static_cast<double>(r.ts_ms) / 1000.0;
  const auto age = static_cast<std::int64_t>(std::floor(std::max(0.0, now_s_ - t) / 60));
  LogBucket& b = s_.by_model[r.model][age];
  b.requests += 1;
  if (r.status >= 500) b.server_errors += 1;
  if (r.status == 429) b.client_429 += 1;
  if (r.status == 429 || r.error_class == "rate_limited") b.rate_limited += 1;
  if (r.attempts > 1) b.retried += 1;
  const bool ok = r.status >= 200 && r.status < 300 && r.error_class.empty();
  if (r.ttft_ms && *r.ttft_ms >= 0 && ok) {
    b.ttft_measured += 1;
    if (slo_.ttft_p95_ms && *r.ttft_ms > *slo_.ttft_p95_ms) b.ttft_slow += 1;
    if (r.output_tokens >= 2 && r.duration_ms > *r.ttft_ms) {
      const double tpot = (r.duration_ms - *r.ttft_ms) / static_cast<double>(r.output_tokens - 1);
      b.tpot_measured += 1;
      if (slo_.tpot_p95_ms && tpot > *slo_.tpot_p95_ms) b.tpot_slow += 1;
    }
  }
  b.input_tokens += static_cast<double>(r.input_tokens);
  b.cached_tokens += static_cast<double>(r.cached_tokens);
  b.output_tokens += static_cast<double>(r.output_tokens);
  b.cost_usd += r.cost_usd;
  if (r.finish_reason && !r.finish_reason->empty()) {
    b.finish_known += 1;
    if (*r.finish_reason == "length") b.finish_length += 1;
  }
  if (ok) b.output_lengths[length_bin(r.output_tokens)] += 1;
  if (ok) b.input_lengths[length_bin(r.input_tokens)] += 1;
  const std::optional<int>* checks[] = {&r.empty_answer, &r.refusal, &r.invalid_json,
                                        &r.invalid_tool_args};
  for (std::size_t i = 0; i < b.checked.size(); ++i)
    if (*checks[i]) {
      b.checked[i] += 1;
      if (**checks[i]) b.failed[i] += 1;
    }
  if (r.feedback_score) {
    b.feedback_n += 1;
    b.feedback_sum += *r.feedback_score;
    b.feedback_sq += *r.feedback_score * *r.feedback_score;
  }
  if (t >= now_s_ - window_s_ && t <= now_s_ && r.prefix_fingerprint && r.prefix_tokens) {
    s_.window_prefix_input_tokens += static_cast<double>(r.input_tokens);
    if (prefixes_seen_[*r.prefix_fingerprint]++ > 0)
      s_.window_prefix_tokens_repeated += static_cast<double>(*r.prefix_tokens);
  }
}

LogSummary LogAggregator::finish() && { return std::move(s_); }

}  // namespace llmctl::monitor
