#include "gateway/mock_engine_metrics.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "common/strings.h"

namespace llmctl::gateway {

namespace {

namespace json = boost::json;

// vLLM's histogram boundaries (vllm/v1/metrics/loggers.py): TTFT, inter-token latency, the
// request-lifetime set, and build_1_2_5_buckets for token counts (here up to a 32K context).
const std::vector<double> kTtftBounds = {0.001, 0.005, 0.01, 0.02,  0.04,  0.06,  0.08, 0.1,
                                         0.25,  0.5,   0.75, 1.0,   2.5,   5.0,   7.5,  10.0,
                                         20.0,  40.0,  80.0, 160.0, 640.0, 2560.0};
const std::vector<double> kItlBounds = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2,  0.3,  0.4, 0.5,
                                        0.75, 1.0,   2.5,  5.0,   7.5, 10.0, 20.0, 40.0, 80.0};
const std::vector<double> kLatencyBounds = {0.3,  0.5,   0.8,   1.0,   1.5,   2.0,    2.5,
                                            5.0,  10.0,  15.0,  20.0,  30.0,  40.0,   50.0,
                                            60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};
const std::vector<double> kTokenBounds = {1,   2,   5,    10,   20,   50,    100,
                                          200, 500, 1000, 2000, 5000, 10000, 20000};

void add(std::atomic<double>& a, double v) {
  double cur = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

std::string num(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::abs(v) < 1e15) return fmt::format("{:.1f}", v);
  return fmt::format("{}", v);
}

std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
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

EngineMetrics::Histogram::Histogram(std::vector<double> b)
    : bounds(std::move(b)), counts(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
  for (std::size_t i = 0; i <= bounds.size(); ++i) counts[i] = 0;
}

void EngineMetrics::Histogram::observe(double v) {
  std::size_t i = 0;
  while (i < bounds.size() && v > bounds[i]) ++i;
  counts[i].fetch_add(1, std::memory_order_relaxed);
  count.fetch_add(1, std::memory_order_relaxed);
  add(sum, v);
}

EngineMetrics::EngineMetrics()
    : ttft_(kTtftBounds),
      itl_(kItlBounds),
      e2e_(kLatencyBounds),
      prompt_len_(kTokenBounds),
      generation_len_(kTokenBounds) {}

void EngineMetrics::started(std::int64_t prompt_tokens, double now_s) {
  running_.fetch_add(1, std::memory_order_relaxed);
  running_tokens_.fetch_add(prompt_tokens, std::memory_order_relaxed);
  last_activity_s_.store(now_s, std::memory_order_relaxed);
}

void EngineMetrics::finished(std::int64_t prompt_tokens, std::int64_t output_tokens,
                             std::int64_t cached_tokens, double ttft_s, double e2e_s,
                             std::string_view finish_reason, double now_s) {
  running_.fetch_sub(1, std::memory_order_relaxed);
  running_tokens_.fetch_sub(prompt_tokens, std::memory_order_relaxed);
  last_activity_s_.store(now_s, std::memory_order_relaxed);
  prompt_tokens_.fetch_add(static_cast<std::uint64_t>(prompt_tokens), std::memory_order_relaxed);
  generation_tokens_.fetch_add(static_cast<std::uint64_t>(output_tokens),
                               std::memory_order_relaxed);
  prefix_queries_.fetch_add(static_cast<std::uint64_t>(prompt_tokens), std::memory_order_relaxed);
  prefix_hits_.fetch_add(static_cast<std::uint64_t>(cached_tokens), std::memory_order_relaxed);
  auto& reason = finish_reason == "length"  ? finished_length_
                 : finish_reason == "abort" ? finished_abort_
                                            : finished_stop_;
  reason.fetch_add(1, std::memory_order_relaxed);
  ttft_.observe(ttft_s);
  if (output_tokens > 1) {
    const double itl = std::max(0.0, e2e_s - ttft_s) / static_cast<double>(output_tokens - 1);
    for (std::int64_t i = 1; i < output_tokens; ++i) itl_.observe(itl);
  }
  e2e_.observe(e2e_s);
  prompt_len_.observe(static_cast<double>(prompt_tokens));
  generation_len_.observe(static_cast<double>(output_tokens));
}

Status apply_engine_update(std::string_view body, EngineConditions& c) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object())
    return Error{"/mock/engine: expected a JSON object of engine conditions"};
  for (const auto& [key, val] : v.as_object()) {
    auto number = [&](double lo, double hi) -> std::optional<double> {
      if (!val.is_number()) return std::nullopt;
      double x = val.to_number<double>();
      if (x < lo || x > hi) return std::nullopt;
      return x;
    };
    auto bad = [&](const char* expected) {
      return Error{fmt::format("/mock/engine: {}: expected {}", std::string(key), expected)};
    };
    if (key == "kv_usage") {
      if (val.is_null()) {
        c.kv_usage.reset();
      } else if (auto x = number(0, 1)) {
        c.kv_usage = *x;
      } else {
        return bad("a number in [0, 1] or null");
      }
    } else if (key == "preemptions_per_s") {
      auto x = number(0, 1e6);
      if (!x) return bad("a number >= 0");
      c.preemptions_per_s = *x;
    } else if (key == "queue_growth_per_s") {
      auto x = number(0, 1e6);
      if (!x) return bad("a number >= 0");
      c.queue_growth_per_s = *x;
    } else if (key == "gpu_idle") {
      if (!val.is_bool()) return bad("true or false");
      c.gpu_idle = val.as_bool();
    } else if (key == "model_name" || key == "gpu_name") {
      if (!val.is_string() || val.as_string().empty()) return bad("a non-empty string");
      (key == "model_name" ? c.model_name : c.gpu_name) = std::string(val.as_string());
    } else if (key == "kv_capacity_tokens") {
      auto x = number(1, 1e12);
      if (!x) return bad("a number >= 1");
      c.kv_capacity_tokens = *x;
    } else if (key == "gpu_memory_mib") {
      auto x = number(1, 1e9);
      if (!x) return bad("a number >= 1");
      c.gpu_memory_mib = *x;
    } else {
      static constexpr std::string_view kFields[] = {
          "kv_usage",   "preemptions_per_s", "queue_growth_per_s", "gpu_idle",
          "model_name", "gpu_name",          "kv_capacity_tokens", "gpu_memory_mib"};
      std::string_view near;
      std::size_t best = 3;  // at most two edits away
      for (std::string_view f : kFields)
        if (std::size_t d = edit_distance(key, f); d < best) best = d, near = f;
      return Error{fmt::format("/mock/engine: unknown field '{}'{}; expected one of {}",
                               std::string(key),
                               near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near),
                               fmt::join(kFields, ", "))};
    }
  }
  return {};
}

Status EngineMetrics::update(std::string_view body, double now_s) {
  std::lock_guard lock(mu_);
  EngineConditions next = c_;
  if (auto st = apply_engine_update(body, next); !st.ok()) return st;
  // Counted conditions: what the old rate counted so far is kept; the new rate counts from now.
  if (next.preemptions_per_s != c_.preemptions_per_s) {
    if (preempt_since_s_ > 0) preempt_base_ += c_.preemptions_per_s * (now_s - preempt_since_s_);
    preempt_since_s_ = now_s;
  }
  if (next.queue_growth_per_s != c_.queue_growth_per_s) queue_since_s_ = now_s;
  c_ = std::move(next);
  return {};
}

void EngineMetrics::render_histogram(std::string& out, const char* name, const char* help,
                                     const Histogram& h, const std::string& labels) const {
  out += fmt::format("# HELP {0} {1}\n# TYPE {0} histogram\n", name, help);
  std::uint64_t cum = 0;
  for (std::size_t i = 0; i <= h.bounds.size(); ++i) {
    cum += h.counts[i].load(std::memory_order_relaxed);
    const std::string le = i < h.bounds.size() ? num(h.bounds[i]) : "+Inf";
    out += fmt::format("{}_bucket{{{},le=\"{}\"}} {}\n", name, labels, le, num(double(cum)));
  }
  out += fmt::format("{}_count{{{}}} {}\n", name, labels, num(double(h.count.load())));
  out += fmt::format("{}_sum{{{}}} {}\n", name, labels, num(h.sum.load()));
}

std::string EngineMetrics::render_vllm(double now_s) const {
  EngineConditions c;
  double preemptions = 0, waiting = 0;
  {
    std::lock_guard lock(mu_);
    c = c_;
    preemptions =
        preempt_base_ +
        (preempt_since_s_ > 0 ? c_.preemptions_per_s * std::max(0.0, now_s - preempt_since_s_) : 0);
    if (c_.queue_growth_per_s > 0)
      waiting = std::floor(c_.queue_growth_per_s * std::max(0.0, now_s - queue_since_s_));
  }
  const std::string labels = fmt::format("engine=\"0\",model_name=\"{}\"", escape(c.model_name));
  const double running = c.gpu_idle ? 0 : std::max<std::int64_t>(0, running_.load());
  double kv = c.kv_usage.value_or(
      std::min(1.0, static_cast<double>(std::max<std::int64_t>(0, running_tokens_.load())) /
                        c.kv_capacity_tokens));
  if (c.gpu_idle && !c.kv_usage) kv = 0;
  std::string out;
  auto gauge = [&](const char* name, const char* help, double v) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} gauge\n{0}{{{2}}} {3}\n", name, help, labels,
                       num(v));
  };
  auto counter = [&](const char* name, const char* help, double v) {
    out += fmt::format("# HELP {0}_total {1}\n# TYPE {0}_total counter\n{0}_total{{{2}}} {3}\n",
                       name, help, labels, num(v));
  };
  gauge("vllm:num_requests_running", "Number of requests in model execution batches.", running);
  gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", waiting);
  gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", kv);
  counter("vllm:num_preemptions", "Cumulative number of preemption from the engine.",
          std::floor(preemptions));
  counter("vllm:prompt_tokens", "Number of prefill tokens processed.",
          double(prompt_tokens_.load()));
  counter("vllm:generation_tokens", "Number of generation tokens processed.",
          double(generation_tokens_.load()));
  counter("vllm:prefix_cache_queries",
          "Prefix cache queries, in terms of number of queried tokens.",
          double(prefix_queries_.load()));
  counter("vllm:prefix_cache_hits", "Prefix cache hits, in terms of number of cached tokens.",
          double(prefix_hits_.load()));
  out +=
      "# HELP vllm:request_success_total Count of successfully processed requests.\n"
      "# TYPE vllm:request_success_total counter\n";
  for (auto [reason, n] : {std::pair<const char*, double>{"stop", double(finished_stop_.load())},
                           {"length", double(finished_length_.load())},
                           {"abort", double(finished_abort_.load())}})
    out += fmt::format("vllm:request_success_total{{{},finished_reason=\"{}\"}} {}\n", labels,
                       reason, num(n));
  render_histogram(out, "vllm:time_to_first_token_seconds",
                   "Histogram of time to first token in seconds.", ttft_, labels);
  render_histogram(out, "vllm:inter_token_latency_seconds",
                   "Histogram of inter-token latency in seconds.", itl_, labels);
  render_histogram(out, "vllm:e2e_request_latency_seconds",
                   "Histogram of e2e request latency in seconds.", e2e_, labels);
  render_histogram(out, "vllm:request_prompt_tokens", "Number of prefill tokens processed.",
                   prompt_len_, labels);
  render_histogram(out, "vllm:request_generation_tokens", "Number of generation tokens processed.",
                   generation_len_, labels);
  out += fmt::format(
      "# HELP vllm:cache_config_info Information of the LLMEngine CacheConfig\n"
      "# TYPE vllm:cache_config_info gauge\n"
      "vllm:cache_config_info{{block_size=\"16\",cache_dtype=\"auto\",engine=\"0\","
      "gpu_memory_utilization=\"0.9\",num_gpu_blocks=\"{}\",prefix_caching=\"True\"}} 1.0\n",
      std::llround(c.kv_capacity_tokens / 16));
  return out;
}

std::string EngineMetrics::render_dcgm(double now_s) const {
  EngineConditions c;
  {
    std::lock_guard lock(mu_);
    c = c_;
  }
  // Busy while requests run or ran in the last 5 s (the utilisation sample period of a GPU is
  // about a second; a load of short requests keeps it busy between them).
  const bool busy = !c.gpu_idle && (running_.load() > 0 || now_s - last_activity_s_.load() < 5);
  const double util = busy ? std::min(98.0, 45.0 + 5.0 * static_cast<double>(running_.load())) : 0;
  // The engine preallocates its memory fraction of the GPU at start, busy or not.
  const double used = std::floor(c.gpu_memory_mib * 0.9);
  const std::string labels = fmt::format(
      "gpu=\"0\",UUID=\"GPU-5f3c8a52-4c1e-7d0b-2a9e-3e1f00c0ffee\",device=\"nvidia0\","
      "modelName=\"{}\",Hostname=\"llmctl-mock\"",
      escape(c.gpu_name));
  std::string out;
  auto gauge = [&](const char* name, const char* help, double v) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} gauge\n{0}{{{2}}} {3}\n", name, help, labels,
                       std::llround(v));
  };
  gauge("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", util);
  gauge("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", used);
  gauge("DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB).", c.gpu_memory_mib - used);
  gauge("DCGM_FI_DEV_XID_ERRORS", "Value of the last XID error encountered.", 0);
  gauge("DCGM_FI_DEV_CLOCKS_EVENT_REASONS", "Current clock event reasons.", busy ? 0 : 1);
  gauge("DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", busy ? 450 : 70);
  gauge("DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", busy ? 62 : 34);
  return out;
}

}  // namespace llmctl::gateway
