// The analytic performance model: model x GPU x engine x dtype x parallelism x workload ->
// memory fit, KV capacity, latency and throughput, with the reasons in plain sentences.
//
// Pure: no I/O, no clocks, no globals. Every function is thread-safe and takes only catalog
// entries (which outlive the call) and plain values. Fast enough to be called ~10^5 times by the
// planner (no simulation loops: closed forms and a few fixed-point iterations).
//
// Units live in names: *_bytes, *_gib (2^30 bytes), *_ms, *_per_s.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "common/result.h"

namespace llmctl::perf {

// How load arrives (see issue #3 and the calibration file's `load.mode`).
enum class LoadMode {
  kOffline,      // saturated: as many requests as the engine admits
  kConcurrency,  // closed loop: N requests always in flight
  kQps,          // open loop: Poisson arrivals at X requests/s (over the whole deployment)
  kBatch,        // isolated timings of one batch of N identical requests
};

struct Workload {
  int input_tokens = 0;
  int output_tokens = 0;
  LoadMode mode = LoadMode::kOffline;
  double value = 0;  // concurrency N, QPS X or batch N; unused for offline
  // Offline only: the benchmark submits this many requests at once (a finite burst, like
  // trtllm-bench's dataset or the "INF" rate rows of a serving benchmark) and TTFT/TPOT are means
  // over all of them. 0: a long run in steady state.
  int requests = 0;
  // false skips building Estimate::explain (the planner's inner loop needs only the numbers;
  // formatting the sentences costs more than the arithmetic).
  bool explain = true;
};

struct Deployment {
  const catalog::Model* model = nullptr;
  const catalog::Gpu* gpu = nullptr;
  const catalog::Engine* engine = nullptr;
  std::string engine_version;  // optional; informational unless efficiency depends on it
  std::string dtype = "bf16";  // weight dtype: bf16 fp16 fp8 fp4 mxfp4 int4
  std::string kv_dtype;  // empty: fp8 when dtype is fp8/fp4/mxfp4 on engines that do so, else bf16
  int gpus = 1;          // total; gpus / (tp * pp) data-parallel replicas
  int tp = 1;
  int pp = 1;
  std::optional<double> gpu_memory_fraction;  // default: the engine's
  std::optional<int> max_num_seqs;            // default: the engine's scheduler cap
};

struct Memory {
  double weights_gib_per_gpu = 0;
  double kv_bytes_per_token = 0;  // whole model, all layers (sliding-window layers counted in full)
  double activation_gib_per_gpu = 0;
  double overhead_gib_per_gpu = 0;  // CUDA context, graphs, communication buffers
  double kv_budget_gib_per_gpu = 0;
  long long kv_cache_tokens = 0;  // per replica
  int max_concurrency = 0;        // per replica, for this workload's lengths
};

struct Estimate {
  bool fits = false;
  std::string reason;  // why it does not fit (empty when it fits)
  Memory memory;
  int replicas = 1;
  double ttft_ms = 0;              // mean time to first token
  double tpot_ms = 0;              // mean inter-token latency
  double output_tokens_per_s = 0;  // summed over all GPUs
  double requests_per_s = 0;       // summed over all replicas
  double prefill_ms = 0;           // one request's prefill in isolation (batch: the batch's)
  double decode_ms_per_token = 0;  // one decode step at the achieved batch size
  double concurrency = 0;          // mean in-flight requests per replica
  std::string bottleneck;          // memory-bandwidth | compute | kv-capacity | queueing
  std::vector<std::string> explain;
};

// Fitted efficiency parameters (docs/PERF.md explains each; data/efficiency.yaml stores them).
// The defaults are the published priors the fit starts from (planners.md §2.4), so a catalog
// without efficiency entries still gives sane numbers.
struct EfficiencyParams {
  double eta_mem = 0.8;          // achieved / peak HBM bandwidth when streaming weights and KV
  double eta_flop = 0.5;         // achieved / peak dense tensor FLOPS on large GEMMs
  double eta_comm = 0.8;         // achieved / peak NVLink (or Infinity Fabric) all-reduce bandwidth
  double eta_comm_pcie = 0.5;    // the same over PCIe (no NVLink: through switches/host)
  double allreduce_hop_us = 10;  // latency per ring hop of one all-reduce
  double step_overhead_ms = 2;   // fixed cost of one engine iteration (scheduling, sampling)
  double ttft_overhead_ms = 5;   // per request: HTTP, tokenisation, detokenisation
  double overlap_loss = 0.5;     // share of the smaller of memory/math time not hidden (at parity)
  double moe_flop_factor = 1;    // extra compute cost of grouped expert GEMMs (>= 1 is slower)
  // Extra compute cost of GEMMs that dequantise their weights inside the kernel (weight-only
  // int4, MXFP4 before Blackwell, fp8 on Ampere: Marlin and its kin; >= 1 is slower).
  double dequant_flop_factor = 1;

  // Names as stored in data/efficiency.yaml `params`, in a fixed order (the fitter's vector).
  static const std::vector<std::string>& names();
  double* field(std::string_view name);  // nullptr for an unknown name
  const double* field(std::string_view name) const;
};

// The parameters for an engine version on an arch: the defaults, overridden by any/any,
// any/arch, engine/any, engine/arch, then the engine's entries bounded by a min_engine_version
// the version meets (an empty version, the current release, meets every bound), oldest bound
// first. Each entry may carry only some parameters; unknown parameter names are ignored.
EfficiencyParams efficiency_for(const catalog::Catalog& catalog, std::string_view engine,
                                std::string_view arch, std::string_view engine_version = {});

// Validates the deployment (ids resolved, dtype supported, tp*pp divides gpus, tp divides heads)
// and estimates it. Errors are input errors; each message starts with the offending field name
// ("tp: ...", "dtype: ...", "input_tokens: ...") so a CLI can name its flag. "Does not fit" is
// not an error: fits is false and reason says why.
Result<Estimate> estimate(const catalog::Catalog& catalog, const Deployment& deployment,
                          const Workload& workload);
// The same with explicit efficiency parameters (the fitter's entry point; the catalog's
// efficiency entries are not consulted). The engine need not be a catalog entry.
Result<Estimate> estimate(const Deployment& deployment, const Workload& workload,
                          const EfficiencyParams& efficiency);

// Building blocks, exposed for tests and for the planner/audit.
double bytes_per_param(const std::string& dtype);
double weight_bytes(const catalog::Model& model, const std::string& dtype);
// KV bytes one token adds across all layers, as if every layer kept the full context.
double kv_bytes_per_token(const catalog::Model& model, const std::string& kv_dtype);
// KV bytes one sequence of `tokens` holds: sliding-window layers keep at most `window` tokens.
double kv_bytes_for_sequence(const catalog::Model& model, const std::string& kv_dtype,
                             long long tokens);

}  // namespace llmctl::perf
