#include "gateway/quality_metrics.h"

#include <fmt/format.h>

namespace llmctl::gateway {

namespace {

std::string esc(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

DriftWindows::DriftWindows(const DriftOptions& o)
    : opt_(o),
      slots_(new Slot[static_cast<std::size_t>(std::max(1, o.baseline_windows)) + 2]),
      size_(static_cast<std::size_t>(std::max(1, o.baseline_windows)) + 2) {}

void DriftWindows::add(std::int64_t tokens, std::int64_t now_ms) {
  const std::int64_t w = window_of(now_ms);
  Slot& s = slots_[static_cast<std::size_t>(w) % size_];
  if (s.window.load(std::memory_order_relaxed) != w) {
    // A new window takes the slot of the oldest: cleared first, then claimed (a scrape in
    // between reads a partial window: counts are approximate for a moment, never wrong-windowed
    // for long).
    for (auto& b : s.bins) b.store(0, std::memory_order_relaxed);
    s.window.store(w, std::memory_order_release);
  }
  auto& b = s.bins[static_cast<std::size_t>(length_bin(tokens))];
  b.store(b.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

void DriftWindows::sum(std::int64_t first, std::int64_t last, std::span<double> out) const {
  for (std::size_t i = 0; i < size_; ++i) {
    const std::int64_t w = slots_[i].window.load(std::memory_order_acquire);
    if (w < first || w > last) continue;
    for (int b = 0; b < kLengthBins; ++b)
      out[static_cast<std::size_t>(b)] += static_cast<double>(
          slots_[i].bins[static_cast<std::size_t>(b)].load(std::memory_order_relaxed));
  }
}

DriftReading read_drift(std::span<const DriftWindows* const> rings, std::int64_t now_ms) {
  DriftReading r;
  if (rings.empty()) return r;
  const DriftOptions& o = rings.front()->options();
  const std::int64_t current = rings.front()->window_of(now_ms) - 1;  // the last complete one
  std::array<double, kLengthBins> cur{}, base{};
  for (const DriftWindows* ring : rings) {
    ring->sum(current, current, cur);
    ring->sum(current - o.baseline_windows, current - 1, base);
  }
  for (double x : cur) r.current += x;
  for (double x : base) r.baseline += x;
  r.ready = r.current >= o.min_samples && r.baseline >= o.min_samples;
  if (r.ready) r.psi = population_stability_index(base, cur);
  return r;
}

QualityShard::QualityShard(std::size_t models, const DriftOptions& drift)
    : models_(models),
      finish_(new std::atomic<std::uint64_t>[models * kFinishReasons.size()]()),
      checks_(new std::atomic<std::uint64_t>[models * kChecks.size() * 2]()),
      lengths_(new std::atomic<std::uint64_t>[models * 2 * kLengthBins]()),
      length_sums_(new std::atomic<double>[models * 2]()) {
  for (std::size_t i = 0; i < models * 2; ++i)
    drift_.push_back(std::make_unique<DriftWindows>(drift));
}

void QualityShard::record(int model, const RequestRecord& rec, std::int64_t now_ms) {
  if (model < 0 || static_cast<std::size_t>(model) >= models_) return;
  const auto m = static_cast<std::size_t>(model);
  for (std::size_t r = 0; r < kFinishReasons.size(); ++r)
    if (rec.finish_reason == kFinishReasons[r]) bump(finish_[m * kFinishReasons.size() + r]);
  const int flags[] = {rec.empty_answer, rec.refusal, rec.invalid_json, rec.invalid_tool_args};
  for (std::size_t c = 0; c < kChecks.size(); ++c)
    if (flags[c] >= 0) bump(checks_[(m * kChecks.size() + c) * 2 + (flags[c] ? 1 : 0)]);
  // Lengths of answered generations only (a failed request says nothing of the distribution).
  if (rec.status >= 200 && rec.status < 300 && rec.endpoint != "embeddings") {
    const std::int64_t len[2] = {rec.input_tokens, rec.output_tokens};
    for (int io = 0; io < 2; ++io) {
      bump(lengths_[(m * 2 + static_cast<std::size_t>(io)) * kLengthBins +
                    static_cast<std::size_t>(length_bin(len[io]))]);
      auto& sum = length_sums_[m * 2 + static_cast<std::size_t>(io)];
      sum.store(sum.load(std::memory_order_relaxed) + static_cast<double>(len[io]),
                std::memory_order_relaxed);
      drift_[m * 2 + static_cast<std::size_t>(io)]->add(len[io], now_ms);
    }
  }
}

std::uint64_t QualityShard::finish(std::size_t m, std::size_t reason) const {
  return finish_[m * kFinishReasons.size() + reason].load(std::memory_order_relaxed);
}
std::uint64_t QualityShard::check(std::size_t m, std::size_t check, bool fail) const {
  return checks_[(m * kChecks.size() + check) * 2 + (fail ? 1 : 0)].load(std::memory_order_relaxed);
}
std::uint64_t QualityShard::length_bucket(std::size_t m, bool output, int bin) const {
  return lengths_[(m * 2 + (output ? 1 : 0)) * kLengthBins + static_cast<std::size_t>(bin)].load(
      std::memory_order_relaxed);
}
double QualityShard::length_sum(std::size_t m, bool output) const {
  return length_sums_[m * 2 + (output ? 1 : 0)].load(std::memory_order_relaxed);
}

std::string render_quality_metrics(const Config& config,
                                   std::span<const std::shared_ptr<QualityShard>> shards,
                                   std::int64_t now_ms) {
  std::string out;
  const std::size_t models = config.models.size();
  auto usable = [&](std::size_t m) {
    for (const auto& s : shards)
      if (!s || s->models() <= m) return false;
    return true;
  };
  out +=
      "# HELP llmctl_gateway_finish_reasons_total Finished requests by normalised finish reason "
      "(length: cut at max_tokens).\n# TYPE llmctl_gateway_finish_reasons_total counter\n";
  for (std::size_t m = 0; m < models; ++m) {
    if (!usable(m)) continue;
    for (std::size_t r = 0; r < kFinishReasons.size(); ++r) {
      std::uint64_t n = 0;
      for (const auto& s : shards) n += s->finish(m, r);
      out += fmt::format("llmctl_gateway_finish_reasons_total{{model=\"{}\",reason=\"{}\"}} {}\n",
                         esc(config.models[m].name), kFinishReasons[r], n);
    }
  }
  out +=
      "# HELP llmctl_gateway_answer_checks_total Quality checks of answers (empty: no text and no "
      "tool call; refusal; json: parses under JSON mode or structured outputs; tool_args: tool "
      "call arguments parse) by result.\n# TYPE llmctl_gateway_answer_checks_total counter\n";
  for (std::size_t m = 0; m < models; ++m) {
    if (!usable(m)) continue;
    for (std::size_t c = 0; c < kChecks.size(); ++c)
      for (bool fail : {false, true}) {
        std::uint64_t n = 0;
        for (const auto& s : shards) n += s->check(m, c, fail);
        out += fmt::format(
            "llmctl_gateway_answer_checks_total{{model=\"{}\",check=\"{}\",result=\"{}\"}} {}\n",
            esc(config.models[m].name), kChecks[c], fail ? "fail" : "pass", n);
      }
  }
  for (bool output : {false, true}) {
    const std::string name =
        output ? "llmctl_gateway_output_tokens" : "llmctl_gateway_input_tokens";
    out += fmt::format(
        "# HELP {0} {1} tokens per answered request (log2 bins).\n# TYPE {0} histogram\n", name,
        output ? "Output" : "Input");
    for (std::size_t m = 0; m < models; ++m) {
      if (!usable(m)) continue;
      std::uint64_t cum = 0;
      double sum = 0;
      for (const auto& s : shards) sum += s->length_sum(m, output);
      std::uint64_t total = 0;
      for (int b = 0; b < kLengthBins; ++b)
        for (const auto& s : shards) total += s->length_bucket(m, output, b);
      if (total == 0) continue;  // as the other histograms: no observation, no series
      for (int b = 0; b < kLengthBins; ++b) {
        for (const auto& s : shards) cum += s->length_bucket(m, output, b);
        const std::int64_t upper = length_bin_upper(b);
        out += fmt::format("{}_bucket{{model=\"{}\",le=\"{}\"}} {}\n", name,
                           esc(config.models[m].name),
                           upper < 0 ? std::string("+Inf") : std::to_string(upper), cum);
      }
      out += fmt::format("{}_sum{{model=\"{}\"}} {}\n", name, esc(config.models[m].name), sum);
      out += fmt::format("{}_count{{model=\"{}\"}} {}\n", name, esc(config.models[m].name), total);
    }
  }
  out +=
      "# HELP llmctl_gateway_length_psi Population stability index of token lengths: the last "
      "complete window against the windows before it (present once both have enough "
      "requests).\n# TYPE llmctl_gateway_length_psi gauge\n";
  std::string samples =
      "# HELP llmctl_gateway_length_drift_samples Requests in the drift windows.\n"
      "# TYPE llmctl_gateway_length_drift_samples gauge\n";
  for (std::size_t m = 0; m < models; ++m) {
    if (!usable(m)) continue;
    for (bool output : {false, true}) {
      std::vector<const DriftWindows*> rings;
      for (const auto& s : shards) rings.push_back(&s->drift(m, output));
      const DriftReading r = read_drift(rings, now_ms);
      const std::string labels = fmt::format(
          "model=\"{}\",direction=\"{}\"", esc(config.models[m].name), output ? "output" : "input");
      if (r.ready) out += fmt::format("llmctl_gateway_length_psi{{{}}} {}\n", labels, r.psi);
      samples += fmt::format("llmctl_gateway_length_drift_samples{{{},window=\"current\"}} {}\n",
                             labels, r.current);
      samples += fmt::format("llmctl_gateway_length_drift_samples{{{},window=\"baseline\"}} {}\n",
                             labels, r.baseline);
    }
  }
  return out + samples;
}

}  // namespace llmctl::gateway
