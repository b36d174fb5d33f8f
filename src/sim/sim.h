// `llmctl simulate`: a discrete-event simulation of a serving fleet. A Scenario (pools of
// replicas, a workload, a router, an autoscaler, failures, SLOs) in, a SimResult out.
//
// Pure: no I/O, no clocks, no threads. Randomness comes from Scenario::seed, so the same
// scenario gives the same result, bit for bit. A caller that wants progress passes a callback.
// See docs/SIM.md for the model, its assumptions and what it leaves out.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "common/result.h"
#include "perf/model.h"
#include "sim/workload.h"

namespace llmctl::sim {

// KEDA/HPA-style autoscaling of one pool.
struct Autoscaler {
  bool enabled = false;
  // Per-replica metric the target applies to: concurrency (running + waiting), waiting,
  // running, kv_usage (0..1) or qps (requests routed per second).
  std::string metric = "concurrency";
  double target = 16;
  double polling_interval_s = 30;           // KEDA pollingInterval
  double scale_up_stabilization_s = 0;      // HPA behavior.scaleUp stabilizationWindowSeconds
  double scale_down_stabilization_s = 300;  // HPA behavior.scaleDown stabilizationWindowSeconds
  double tolerance = 0.1;                   // HPA: no change while |metric/target - 1| <= this
  int min_replicas = 1;                     // 0: scale to zero
  int max_replicas = 10;
  double cooldown_s = 300;  // KEDA cooldownPeriod: idle this long before scaling to zero
};

// A pool of identical replicas (one model on one GPU type). Several pools of the same model
// make a heterogeneous fleet.
// The largest scheduler_recv_interval / stream_interval a pool takes.
inline constexpr int kMaxEngineInterval = 1000000;

struct Pool {
  std::string name;
  perf::Deployment deployment;  // gpus = tp x pp (one replica)
  int replicas = 1;
  std::optional<int> max_num_batched_tokens;
  std::optional<bool> prefix_caching;  // default: the engine's
  bool unlimited_kv = false;           // an unbounded KV cache (tests and what-ifs)
  double weight = 1;                   // routing weight of each of its replicas
  Autoscaler autoscaler;
  std::optional<double> usd_per_gpu_hour;  // default: the catalog's cheapest on-demand price
  std::optional<double> startup_s;         // cold start beyond the weight load (engine default)
  std::optional<double> load_gb_per_s;     // weight-load bandwidth (engine default)
  // SGLang only (sglang.launch_server flags; 1 = every iteration / every token, its default):
  // the scheduler receives arrived requests only every N decode steps (a prefill or an idle loop
  // triggers a receive at once), and streams each request's tokens in chunks of N after the
  // first (docs/SIM.md, section 2).
  int scheduler_recv_interval = 1;
  int stream_interval = 1;
  // TensorRT-LLM only (LLM API options batch_wait_timeout_iters, batch_wait_max_tokens_ratio;
  // 0: off, its default): new prompts wait while requests generate, until the iteration would
  // carry ratio x max_num_tokens tokens or they have waited that many iterations.
  int batch_wait_timeout_iters = 0;
  double batch_wait_max_tokens_ratio = 0;
};

// A replica of `pool` (index among its replicas, in creation order) fails at `at_s`; with
// recover_after_s > 0 a replacement starts (cold) that long after.
struct Failure {
  double at_s = 0;
  std::string pool;
  int replica = 0;
  double recover_after_s = 0;
};

struct Slo {
  std::optional<double> ttft_ms;
  std::optional<double> tpot_ms;
  std::optional<double> e2e_ms;
  bool any() const { return ttft_ms || tpot_ms || e2e_ms; }
};

struct Scenario {
  std::string name;
  std::vector<Pool> pools;
  WorkloadSpec workload;
  std::string router = "round_robin";  // a route::Strategy name (sim/router.h)
  Slo slo;
  std::vector<Failure> failures;
  std::uint64_t seed = 1;
  double timeseries_interval_s = 0;  // 0: about 200 points over the run
  // A request that finds no ready replica (all starting, scaled to zero, failed) waits at the
  // gateway this long at most, then is dropped.
  double queue_timeout_s = 600;
  // Each engine iteration takes its modelled time x (1 + cv x N(0, 1)), clamped to [0.5, 1.5];
  // 0: exactly the modelled time. Real iterations vary (CUDA-graph padding, the scheduler,
  // sampling; bare forward passes on an H200 spread up to +-5% p10-p90,
  // bench/sim_accuracy/h200_steps.json), and that variance is what desynchronises closed-loop
  // clients that start together with equal lengths: with exact steps they stay in lockstep waves.
  double step_jitter_cv = 0;
  // The engine's API server as one serial CPU thread per replica, in front of its scheduler
  // (tokenisation and hand-off, as vLLM's single API server process, SGLang's tokenizer manager
  // and trtllm-serve run it): a request that reaches a replica waits for the requests before it,
  // then takes per_request_ms + per_prompt_token_us x its prompt tokens, before the engine sees
  // it (perf's constant ttft_overhead_ms comes on top). Off by default: fitted on the calibration
  // rows both costs are 0, and no published per-request cost was found (docs/SIM.md, section 6).
  struct FrontEnd {
    double per_request_ms = 0;
    double per_prompt_token_us = 0;
    bool any() const { return per_request_ms > 0 || per_prompt_token_us > 0; }
  };
  FrontEnd front_end;
  // A scenario file's `workload.trace`: read by the caller into a Trace (WorkloadSpec::trace).
  std::string trace_file;
  std::string trace_format;
};

struct Latency {
  double mean = 0, p50 = 0, p90 = 0, p95 = 0, p99 = 0;  // milliseconds
};

struct TimePoint {
  double t_s = 0;
  int replicas_ready = 0;
  int replicas_starting = 0;
  int running = 0;
  int waiting = 0;  // in engines and at the gateway
  double kv_usage = 0;
  long long arrivals = 0;      // in the interval ending at t_s
  long long completed = 0;     // in the interval
  long long first_tokens = 0;  // in the interval: with none, the two TTFTs are 0 and mean nothing
  double ttft_mean_ms = 0;     // of first tokens in the interval
  double ttft_p99_ms = 0;
  // Output tokens of the requests that completed in the interval, over its length: what a
  // benchmark client counts (a long answer lands in one interval).
  double output_tokens_per_s = 0;
  // Output tokens the engines generated in the interval, over its length, whatever became of
  // their requests: the fleet's decode rate as the engines' own metrics show it.
  double generated_tokens_per_s = 0;
};

struct ReplicaStats {
  std::string pool;
  int index = 0;
  std::string gpu;
  long long requests = 0;  // routed to it
  long long preemptions = 0;
  double busy_fraction = 0;  // of its ready time
  double kv_usage_mean = 0;  // time-weighted, over its ready time
  double prefix_cache_hit_rate = 0;
  double up_s = 0;  // provisioned time (cold start included)
};

struct SimResult {
  long long requests = 0;
  long long completed = 0;
  long long dropped = 0;
  std::map<std::string, long long> dropped_by_reason;
  double duration_s = 0;  // first arrival to last completion
  Latency ttft, tpot, itl, e2e, queue;
  double requests_per_s = 0;
  double output_tokens_per_s = 0;
  double input_tokens_per_s = 0;
  std::optional<double> slo_attainment;  // share of requests meeting every SLO (drops miss)
  std::optional<double> goodput_rps;     // requests per second meeting every SLO
  double prefix_cache_hit_rate = 0;      // prompt tokens found cached at first admission
  double in_flight_mean = 0;             // requests in the system (arrived, not done), time average
  long long preemptions = 0;
  double kv_usage_mean = 0;
  double gpu_hours = 0;
  std::optional<double> cost_usd;
  int replicas_min = 0, replicas_max = 0, replicas_final = 0;
  double replicas_mean = 0;  // time-weighted, ready replicas
  std::vector<ReplicaStats> per_replica;
  std::vector<TimePoint> timeseries;
  std::vector<std::string> notes;  // assumptions worth reading
  long long events = 0;            // simulator work, for the speed bench
};

struct RunHooks {
  // Called now and then with the share of requests done (0..1). Optional.
  std::function<void(double)> progress;
  // Asked as often as progress is reported; true stops the run, which then returns an error
  // whose message is `cancelled_message`. Optional.
  std::function<bool()> cancelled;
  std::string cancelled_message = "cancelled";
};

// A closed loop's steady rate by Little's law: `clients` always in flight, each for the mean
// end-to-end time (requests/s; 0 when nothing completed). A run's own rate (requests_per_s)
// includes its start and its drain, which a benchmark's measurement windows leave out.
inline double closed_loop_requests_per_s(const SimResult& r, double clients) {
  return r.e2e.mean > 0 ? clients / (r.e2e.mean / 1e3) : 0.0;
}

// Runs the scenario. Errors name the field at fault ("pools[0].tp: ...").
Result<SimResult> simulate(const catalog::Catalog& catalog, const Scenario& scenario,
                           const RunHooks& hooks = {});

// perf's question, simulated: one deployment (gpus / (tp x pp) replicas behind
// least_outstanding) under one load — Poisson arrivals at Workload::value requests/s over the
// deployment, or Workload::value closed-loop clients that all start at once, as serving
// benchmarks run — with the workload's fixed lengths. `requests` 0: a minute of traffic for
// a rate (500..20,000 requests), ten per client for a concurrency (200 at least). Seed 1.
// `llmctl perf --qps/--concurrency` and bench/sim_accuracy report it.
// Its step_jitter_cv is kLoadStepJitterCv (the H200 measurement's spread).
inline constexpr double kLoadStepJitterCv = 0.05;
Scenario load_scenario(const perf::Deployment& deployment, const perf::Workload& workload,
                       long long requests = 0);
Result<SimResult> simulate_load(const catalog::Catalog& catalog, const perf::Deployment& deployment,
                                const perf::Workload& workload, long long requests = 0);

}  // namespace llmctl::sim
