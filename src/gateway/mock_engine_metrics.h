// The simulator's engine side: what a vLLM replica serving the simulator's load would show on
// /metrics (vLLM's exposition: names, labels, histogram buckets), and a GPU as dcgm-exporter would
// show it, so `llmctl monitor` and a real Prometheus can be tested against `llmctl mock`.
//
// Driven by the load (requests running, tokens, the timings the simulator produced, finish
// reasons, prefix-cache hits) and by injected conditions (KV cache near full, preemptions, a
// queue that grows, an idle GPU; 429 bursts are the simulator's rate_limit_rate fault).
//
// Thread rules: request hooks and rendering may run on any worker at once (relaxed atomics; a
// scrape sees each value whole, not a cross-metric snapshot). Time is passed in (`now_s`, unix
// seconds), so the rendering is deterministic for a given history.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace llmctl::gateway {

// Injected through POST /mock/engine (a JSON object; fields absent keep their value).
struct EngineConditions {
  std::optional<double> kv_usage;         // fixed KV-cache usage 0..1 (null: derived from the load)
  double preemptions_per_s = 0;           // preemptions counted per second from when it was set
  double queue_growth_per_s = 0;          // waiting requests added per second (a queue that grows)
  bool gpu_idle = false;                  // no work: engine gauges at 0, GPU utilisation 0%
  std::string model_name = "llmctl-sim";  // vLLM's model_name label (the served model)
  std::string gpu_name = "NVIDIA H100 80GB HBM3";  // dcgm-exporter's modelName label
  double kv_capacity_tokens = 200000;  // KV tokens of the simulated replica (load -> usage)
  double gpu_memory_mib = 81559;       // framebuffer size of the simulated GPU
};
// Applies a JSON body to `c`. The error names the field.
Status apply_engine_update(std::string_view json_body, EngineConditions& c);

class EngineMetrics {
 public:
  EngineMetrics();

  // One request entering the engine (after the simulator's faults), and leaving it.
  void started(std::int64_t prompt_tokens, double now_s);
  void finished(std::int64_t prompt_tokens, std::int64_t output_tokens, std::int64_t cached_tokens,
                double ttft_s, double e2e_s, std::string_view finish_reason, double now_s);

  // Replaces the conditions at `now_s` (counted conditions count from then).
  Status update(std::string_view json_body, double now_s);

  std::string render_vllm(double now_s) const;
  std::string render_dcgm(double now_s) const;

 private:
  struct Histogram {
    explicit Histogram(std::vector<double> b);
    void observe(double v);
    std::vector<double> bounds;
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts;  // per bucket, +Inf last
    std::atomic<std::uint64_t> count{0};
    std::atomic<double> sum{0};
  };
  void render_histogram(std::string& out, const char* name, const char* help, const Histogram& h,
                        const std::string& labels) const;

  std::atomic<std::int64_t> running_{0};
  std::atomic<std::int64_t> running_tokens_{0};  // prompt tokens of running requests
  std::atomic<std::uint64_t> prompt_tokens_{0}, generation_tokens_{0};
  std::atomic<std::uint64_t> finished_stop_{0}, finished_length_{0}, finished_abort_{0};
  std::atomic<std::uint64_t> prefix_queries_{0}, prefix_hits_{0};
  std::atomic<double> last_activity_s_{0};
  Histogram ttft_, itl_, e2e_, prompt_len_, generation_len_;

  mutable std::mutex mu_;  // guards the conditions below
  EngineConditions c_;
  double preempt_since_s_ = 0, queue_since_s_ = 0;
  double preempt_base_ = 0;  // preemptions counted before the current rate was set
};

}  // namespace llmctl::gateway
