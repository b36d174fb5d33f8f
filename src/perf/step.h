// Per-iteration step costs of one replica, for callers that schedule their own batches (the fleet
// simulator). The same calibrated arithmetic estimate() uses (iteration_s over the replica's
// Shape and EfficiencyParams), so `perf` and `simulate` agree by construction.
//
// Pure: no I/O, no clocks. A StepModel is an immutable value, cheap to copy, safe to share.
#pragma once

#include <string>

#include "catalog/catalog.h"
#include "common/result.h"
#include "perf/internals.h"
#include "perf/model.h"

namespace llmctl::perf {

// What one engine iteration processes. Sums, not means: the step's KV bytes and attention FLOPs
// are linear in them, so a batch of sequences with different contexts costs exactly what
// iteration_s() charges at their mean.
struct StepLoad {
  double decode_seqs = 0;            // sequences generating one token each
  double decode_context_tokens = 0;  // sum over those sequences of the tokens they attend to
  double prefill_tokens = 0;         // prompt tokens computed this step (chunks of prompts)
  double prefill_pairs = 0;          // sum over those tokens of the positions each attends to
};

// Attention pairs of a prompt chunk: tokens [start, start + n) of a sequence, each attending to
// itself and every earlier position (causal).
inline double prefill_pairs(double start, double n) { return n * start + n * (n + 1) / 2; }

class StepModel {
 public:
  // Validates like estimate() (same messages, same field names) and resolves the replica: its
  // Shape, KV capacity, scheduler traits and efficiency parameters (from the catalog).
  static Result<StepModel> make(const catalog::Catalog& catalog, const Deployment& deployment);
  // The same with explicit efficiency parameters (calibration fits).
  static Result<StepModel> make(const Deployment& deployment, const EfficiencyParams& efficiency);

  // Seconds of one engine iteration over the whole replica (fixed overhead included).
  double step_s(const StepLoad& load) const;
  // One prompt of `tokens` alone, in chunks of the engine's token budget (perf's prefill_ms).
  double prefill_alone_s(double tokens) const;

  // False when weights and overheads alone exceed the memory (reason() says why).
  bool fits() const { return fits_; }
  const std::string& reason() const { return reason_; }

  const EngineTraits& traits() const { return traits_; }
  const EfficiencyParams& efficiency() const { return eff_; }
  const Shape& shape() const { return shape_; }
  const Memory& memory() const { return memory_; }
  // KV-cache capacity of the replica, in tokens.
  long long kv_cache_tokens() const { return memory_.kv_cache_tokens; }
  // The scheduler's cap on sequences in flight (Deployment::max_num_seqs or the engine's).
  int max_num_seqs() const { return max_num_seqs_; }
  // Tokens one iteration may process (chunked-prefill budget).
  int max_num_tokens() const { return shape_.max_num_tokens; }
  // Per request, outside the engine: HTTP, tokenisation, detokenisation.
  double ttft_overhead_s() const { return eff_.ttft_overhead_ms * 1e-3; }
  // Weight bytes one GPU of the replica loads at start.
  double weight_bytes_per_gpu() const { return memory_.weights_gib_per_gpu * (1ull << 30); }
  int gpus_per_replica() const { return gpus_per_replica_; }
  const std::string& kv_dtype() const { return kv_dtype_; }

 private:
  StepModel() = default;
  Shape shape_;
  EfficiencyParams eff_;
  EngineTraits traits_;
  Memory memory_;
  std::string kv_dtype_;
  std::string reason_;
  int max_num_seqs_ = 0;
  int gpus_per_replica_ = 1;
  bool fits_ = true;
};

}  // namespace llmctl::perf
