// The model's inner pieces, shared by the perf/*.cpp files and exposed to the unit tests: what
// each engine does differently, the per-GPU shape of a deployment, the memory budget and the
// time of one engine iteration. Pure functions over plain values, like model.h.
#pragma once

#include <string>

#include "perf/model.h"

namespace llmctl::perf {

// How an engine's scheduler and memory manager behave, where that changes the arithmetic.
// Values are the engines' documented defaults (docs/PERF.md lists the source of each).
struct EngineTraits {
  // KV cache dtype when the weights are fp8/fp4/mxfp4 and kv_dtype is unset: TRT-LLM's published
  // recipes quantise the KV cache with the weights; vLLM, SGLang and TGI default to the model
  // dtype ("auto").
  bool fp8_kv_with_quantized_weights = false;
  // The scheduler reserves a sequence's whole input+output before admitting it (TRT-LLM's
  // GUARANTEED_NO_EVICT); otherwise blocks are allocated as tokens arrive and a sequence holds,
  // on average over its life, input + output/2 tokens (vLLM, SGLang, TGI paged attention).
  bool reserves_full_sequence = false;
  // gpu_memory_fraction of total caps only weights + KV (SGLang mem_fraction_static), rather than
  // everything the engine allocates (vLLM gpu_memory_utilization).
  bool fraction_caps_weights_and_kv_only = false;
  double activation_factor = 1;  // AIConfigurator: SGLang +15% activations
  double other_factor = 1;       // AIConfigurator: SGLang +20% "other" memory
  int max_num_seqs = 256;        // scheduler cap on sequences in flight
  int max_num_tokens = 8192;     // tokens one iteration may process (chunked-prefill budget)
  // Serves fp8 weights on GPUs without fp8 tensor cores (weight-only Marlin kernels, Ampere).
  bool fp8_weight_only_fallback = true;

  // ---- Scheduler policy: how iterations are formed (the fleet simulator, src/sim) ----
  int block_size = 16;          // KV-cache page, tokens (prefix reuse and allocation unit)
  bool chunked_prefill = true;  // a prompt may span iterations under max_num_tokens
  bool mixed_batches = true;    // prefill and decode share an iteration; false: prefill batches
                                // run alone and pause decoding (SGLang default, TGI)
  bool prefix_caching = true;   // prefix (KV block) reuse on by default
  bool preempts = true;         // out of KV: preempt the newest sequence and recompute it later;
                                // false: admission reserves a sequence's whole length
  // SGLang admission: running sequences keep (remaining output x ratio) tokens in reserve; the
  // ratio starts at new_token_ratio, decays linearly to new_token_ratio_min over
  // new_token_ratio_decay_steps iterations, and resets when a sequence is retracted. 0: unused.
  double new_token_ratio = 0;
  int max_prefill_tokens = 0;  // tokens one prefill batch may hold in all (0: max_num_tokens);
                               // each prompt is still chunked to max_num_tokens
  double new_token_ratio_min = 0;
  double new_token_ratio_decay_steps = 0;
  // TGI: a prefill batch interrupts decoding when waiting / running > waiting_served_ratio or
  // after max_waiting_steps decode steps with requests waiting. 0: prefill whenever possible.
  double waiting_served_ratio = 0;
  int max_waiting_steps = 0;
  // Cold start: process start to ready, beyond loading the weights (CUDA context, compile, CUDA
  // graph capture, KV allocation), and the bandwidth weights load at.
  double startup_s = 60;
  double weight_load_gb_per_s = 2;
};

EngineTraits traits_for(const catalog::Engine& engine, const catalog::Gpu& gpu);

// Validates a deployment (ids resolved, dtype supported, tp*pp divides gpus, tp divides heads);
// each message starts with the offending field name ("tp: ...").
Status validate_deployment(const Deployment& d, const EngineTraits& traits);
// The KV-cache dtype the engine uses: Deployment::kv_dtype, else fp8 when the weights are
// quantised and the engine quantises its cache with them, else bf16.
std::string default_kv_dtype(const Deployment& d, const EngineTraits& traits);

// Everything the step-time formulas need, per GPU of the busiest pipeline stage, resolved once
// per estimate so the inner loops are plain arithmetic.
struct Shape {
  int tp = 1;
  int pp = 1;
  double weight_bytes_dense = 0;    // per GPU: weights every token reads (attention, shared, dense)
  double weight_bytes_experts = 0;  // per GPU: routed expert weights
  double expert_fraction_per_token = 0;  // top_k / experts (0 for dense models)
  double kv_full_bytes_per_token = 0;    // per GPU: KV of full-attention layers, per context token
  double kv_window_bytes_per_token = 0;  // per GPU: KV of sliding-window layers, per token
  double window_tokens = 0;              // sliding window (0: none)
  double flops_per_token = 0;            // per GPU: linear layers, 2 x active params / (tp pp)
  double expert_flops_share = 0;         // share of flops_per_token spent in routed experts
  double attn_flops_per_pair = 0;        // per GPU: FLOPs per (query token, context token) pair
  double window_attn_share = 0;          // share of attention layers that are sliding-window
  double peak_flops = 0;                 // per GPU, FLOP/s at the compute dtype
  double bandwidth_bytes_per_s = 0;      // per GPU HBM
  double link_bytes_per_s = 0;           // GPU-GPU, per direction
  bool pcie = false;                     // the link is PCIe (eta_comm_pcie applies)
  double allreduces_per_step = 0;        // per stage: 2 per layer under TP
  double allreduce_bytes_per_token = 0;  // hidden x 2 bytes (activations stay 16-bit)
  int max_num_tokens = 8192;
};

Shape shape_for(const catalog::Model& model, const catalog::Gpu& gpu, const Deployment& d,
                const EngineTraits& traits, const std::string& kv_dtype);

// The memory budget of one GPU and what it leaves for the KV cache (Memory minus the
// workload-dependent max_concurrency). `fits_weights` is false when weights and overheads alone
// exceed the memory the engine may use.
struct Budget {
  Memory memory;
  double usable_gib = 0;  // what the engine may use under its memory fraction
  double kv_bytes_per_token_per_gpu = 0;
  bool fits_weights = true;
};
Budget budget_for(const catalog::Model& model, const catalog::Gpu& gpu, const catalog::Engine& e,
                  const Deployment& d, const EngineTraits& traits, const std::string& kv_dtype);

// AIConfigurator's memory constants (planners.md §1.2).
double activation_bytes(const catalog::Model& model, int tp, int max_num_tokens);
double nccl_bytes(int gpus_per_replica);
inline constexpr double kOtherBytes = 3.5 * (1ull << 30);

// Time of one pipeline stage processing `n_dec` decode tokens whose sequences hold `ctx_dec`
// tokens each, plus `n_pre` prefill tokens attending to `ctx_pre` tokens on average. Seconds.
struct StageTime {
  double mem_s = 0;
  double flop_s = 0;
  double comm_s = 0;
  double total_s = 0;
};
StageTime stage_time(const Shape& s, const EfficiencyParams& e, double n_dec, double ctx_dec,
                     double n_pre, double ctx_pre);

// One engine iteration over the whole replica: the fixed step overhead plus every pipeline stage
// (with pp stages the batch is split into pp micro-batches that take turns on each stage).
double iteration_s(const Shape& s, const EfficiencyParams& e, double n_dec, double ctx_dec,
                   double n_pre, double ctx_pre);

// One request's prefill of `tokens` on an otherwise idle replica (chunked by max_num_tokens).
double prefill_alone_s(const Shape& s, const EfficiencyParams& e, double tokens);

}  // namespace llmctl::perf
