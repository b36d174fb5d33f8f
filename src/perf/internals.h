// The model's inner pieces, shared by the perf/*.cpp files and exposed to the unit tests: what
// each engine does differently, the per-GPU shape of a deployment, the memory budget and the
// time of one engine iteration. Pure functions over plain values, like model.h.
#pragma once

#include <string>

#include "perf/model.h"

namespace llmctl::perf {

// How an engine's scheduler and memory manager behave, where that changes the arithmetic: the
// catalog's scheduler defaults (data/engines.yaml `scheduler:`, each with its source), resolved
// for the GPU (vLLM and SGLang raise their batch limits on large GPUs).
using EngineTraits = catalog::EngineTraits;
inline EngineTraits traits_for(const catalog::Engine& engine, const catalog::Gpu& gpu) {
  return engine.scheduler.on(gpu);
}

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
  double peak_flops = 0;                 // per GPU, FLOP/s of attention and the non-expert GEMMs
  double peak_flops_experts = 0;         // per GPU, FLOP/s of the routed experts' GEMMs
  bool dense_dequantise = false;         // the non-expert GEMMs dequantise weights in the kernel
  bool experts_dequantise = false;       // the routed experts' GEMMs do
  double bandwidth_bytes_per_s = 0;      // per GPU HBM
  double link_bytes_per_s = 0;           // GPU-GPU, per direction
  bool pcie = false;                     // the link is PCIe (eta_comm_pcie applies)
  bool one_shot_allreduce = false;       // EngineTraits::one_shot_allreduce, and not over PCIe
  double allreduces_per_step = 0;        // per stage: 2 per layer under TP
  double allreduce_bytes_per_token = 0;  // hidden x 2 bytes (activations stay 16-bit)
  int max_num_tokens = 8192;
};

// How GEMMs on `dtype` weights run on `gpu` (timing.cpp says which kernels): their tensor-core
// rate, and whether they dequantise the weights to 16 bits inside the kernel (weight-only).
struct GemmKernel {
  double tflops = 0;
  bool dequantises = false;
};
GemmKernel gemm_kernel(const catalog::Gpu& gpu, const std::string& dtype);

// True when `dtype` is the checkpoint's own format for its routed experts alone (gpt-oss:
// `weight_dtypes: {experts: mxfp4}`): the rest of the model stays in 16 bits.
bool experts_alone_in(const catalog::Model& model, const std::string& dtype);

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
  double flops = 0;  // per GPU, grouped expert GEMMs counted at moe_flop_factor
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
