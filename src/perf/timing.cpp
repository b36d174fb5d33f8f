// Time of one engine iteration: a roofline over HBM bytes and tensor FLOPs, plus TP all-reduces
// and a fixed per-iteration overhead, with fitted efficiencies (docs/PERF.md, "Step time").
#include <algorithm>
#include <cmath>

#include "perf/internals.h"

namespace llmctl::perf {

// The tensor-core rate the GEMMs run at: fp8/fp4 only where the chip has those units (W8A8,
// W4A4); weight-only formats (int4 AWQ/GPTQ, mxfp4 on pre-Blackwell, fp8 Marlin on Ampere)
// dequantise to 16 bits and run at the bf16 rate. MXFP4 on Blackwell runs W4A8: the engines
// quantise activations to MXFP8, not MXFP4 (vLLM's FlashInfer MXFP4 x MXFP8 MoE, which
// SemiAnalysisAI/InferenceX benchmarks/single_node/gptoss_fp4_b200.sh sets with
// VLLM_USE_FLASHINFER_MOE_MXFP4_MXFP8=1; TensorRT-LLM's gpt-oss deployment guide, MoE backend
// matrix: MXFP8 activations on B200/B300, BF16 on H200), so at the fp8 rate.
GemmKernel gemm_kernel(const catalog::Gpu& gpu, const std::string& dtype) {
  auto has = [&](const char* d) { return gpu.tflops.count(d) > 0; };
  auto rate = [&](const char* d) { return gpu.tflops.at(d); };
  const double bf16 = gpu.tflops_for("bf16");
  if (dtype == "fp8") return has("fp8") ? GemmKernel{rate("fp8"), false} : GemmKernel{bf16, true};
  if (dtype == "fp4") return has("fp4") ? GemmKernel{rate("fp4"), false} : GemmKernel{bf16, true};
  if (dtype == "mxfp4")
    return has("fp4") && has("fp8") ? GemmKernel{rate("fp8"), false} : GemmKernel{bf16, true};
  if (dtype == "int4") return {bf16, true};
  if (dtype == "fp16" && has("fp16")) return {rate("fp16"), false};
  return {bf16, false};
}

Shape shape_for(const catalog::Model& model, const catalog::Gpu& gpu, const Deployment& d,
                const EngineTraits& traits, const std::string& kv_dtype) {
  Shape s;
  s.tp = d.tp;
  s.pp = d.pp;
  const double shards = static_cast<double>(d.tp) * d.pp;
  const double embed_params = static_cast<double>(model.vocab_size) * model.hidden_size;
  // A step reads every weight except the input embedding table (a gather of a few rows).
  const double read_bytes = weight_bytes(model, d.dtype) - embed_params * 2.0;
  double expert_bytes = 0;
  double active_params = model.params_active_b * 1e9 - embed_params;
  if (model.moe) {
    expert_bytes = model.moe->params_experts_b * 1e9 * bytes_per_param(d.dtype);
    s.expert_fraction_per_token = static_cast<double>(model.moe->top_k) / model.moe->experts;
    const double routed_active = model.moe->params_experts_b * 1e9 * s.expert_fraction_per_token;
    s.expert_flops_share = std::clamp(routed_active / active_params, 0.0, 1.0);
  }
  s.weight_bytes_experts = expert_bytes / shards;
  s.weight_bytes_dense = std::max(0.0, read_bytes - expert_bytes) / shards;
  s.flops_per_token = 2.0 * active_params / shards;

  const double layers_per_stage = std::ceil(static_cast<double>(model.layers) / d.pp);
  double head_share = 1;
  if (!model.mla)
    head_share = std::ceil(static_cast<double>(model.kv_heads) / d.tp) / model.kv_heads;
  const double kv_layer = kv_bytes_per_token(model, kv_dtype) / model.layers * head_share;
  const int window_layers = model.sliding_window ? model.sliding_window->layers : 0;
  const double stage_share = layers_per_stage / model.layers;
  s.kv_full_bytes_per_token = kv_layer * (model.layers - window_layers) * stage_share;
  s.kv_window_bytes_per_token = kv_layer * window_layers * stage_share;
  s.window_tokens = model.sliding_window ? model.sliding_window->window : 0;
  s.window_attn_share = static_cast<double>(window_layers) / model.layers;

  // Attention FLOPs per (query, context token) pair and layer: QK^T and AV, 2 x 2 x dim per
  // head. MLA in its absorbed form attends over the latent (kv_lora_rank) plus the RoPE key.
  double per_layer = 4.0 * model.attention_heads * model.head_dim;
  if (model.mla)
    per_layer =
        2.0 * model.attention_heads * (2.0 * model.mla->kv_lora_rank + model.mla->qk_rope_head_dim);
  s.attn_flops_per_pair = per_layer * model.layers / shards;

  // A checkpoint whose experts alone are quantised (gpt-oss: MXFP4 experts, bf16 attention,
  // router and embeddings) runs its other GEMMs and attention on 16-bit weights.
  const bool native_experts = experts_alone_in(model, d.dtype);
  const GemmKernel kernel = gemm_kernel(gpu, d.dtype);
  s.peak_flops_experts = kernel.tflops * 1e12;
  s.peak_flops = native_experts ? gpu.tflops_for("bf16") * 1e12 : s.peak_flops_experts;
  s.experts_dequantise = kernel.dequantises;
  s.dense_dequantise = !native_experts && kernel.dequantises;
  s.bandwidth_bytes_per_s = gpu.memory_bandwidth_gbps * 1e9;
  s.link_bytes_per_s = gpu.interconnect_gbps * 1e9;
  s.pcie = gpu.interconnect_kind == "pcie";
  s.one_shot_allreduce = traits.one_shot_allreduce && !s.pcie;
  s.allreduces_per_step = d.tp > 1 ? 2.0 * layers_per_stage : 0.0;
  s.allreduce_bytes_per_token = 2.0 * model.hidden_size;
  s.max_num_tokens = std::max(1, traits.max_num_tokens);
  return s;
}

StageTime stage_time(const Shape& s, const EfficiencyParams& e, double n_dec, double ctx_dec,
                     double n_pre, double ctx_pre) {
  StageTime t;
  const double tokens = n_dec + n_pre;
  // Expected share of routed experts a step touches when `tokens` tokens each pick top_k of E:
  // 1 - (1 - k/E)^tokens (independent routing).
  double expert_share = 0;
  if (s.expert_fraction_per_token > 0 && tokens > 0)
    expert_share = -std::expm1(tokens * std::log1p(-s.expert_fraction_per_token));
  auto windowed = [&](double ctx) {
    return s.window_tokens > 0 ? std::min(ctx, s.window_tokens) : ctx;
  };
  const double kv_read = n_dec * (s.kv_full_bytes_per_token * ctx_dec +
                                  s.kv_window_bytes_per_token * windowed(ctx_dec));
  const double bytes = s.weight_bytes_dense + s.weight_bytes_experts * expert_share + kv_read;
  auto attn_ctx = [&](double ctx) {
    return (1 - s.window_attn_share) * ctx + s.window_attn_share * windowed(ctx);
  };
  const double dense = tokens * s.flops_per_token * (1 - s.expert_flops_share) *
                       (s.dense_dequantise ? e.dequant_flop_factor : 1);
  const double experts = tokens * s.flops_per_token * s.expert_flops_share * e.moe_flop_factor *
                         (s.experts_dequantise ? e.dequant_flop_factor : 1);
  const double attention =
      s.attn_flops_per_pair * (n_dec * attn_ctx(ctx_dec) + n_pre * attn_ctx(ctx_pre));
  t.flops = dense + experts + attention;
  t.mem_s = bytes / (e.eta_mem * s.bandwidth_bytes_per_s);
  t.flop_s = ((dense + attention) / s.peak_flops + experts / s.peak_flops_experts) / e.eta_flop;
  if (s.tp > 1) {
    // Latency: one hop for an engine's one-shot kernel, tp-1 for NCCL's ring; either way
    // 2(tp-1)/tp of the message crosses each link.
    const double hops = (s.one_shot_allreduce ? 1 : s.tp - 1) * e.allreduce_hop_us * 1e-6;
    const double wire = 2.0 * (s.tp - 1) / s.tp * tokens * s.allreduce_bytes_per_token /
                        ((s.pcie ? e.eta_comm_pcie : e.eta_comm) * s.link_bytes_per_s);
    t.comm_s = s.allreduces_per_step * (hops + wire);
  }
  // Memory traffic and math overlap imperfectly: the roofline's max, plus a share of the smaller
  // term that grows as the two approach parity (a small side term hides entirely; two equal
  // terms cost (1 + overlap_loss) x either). overlap_loss is fitted.
  const double hi = std::max(t.mem_s, t.flop_s);
  const double lo = std::min(t.mem_s, t.flop_s);
  const double compute = hi > 0 ? hi + e.overlap_loss * lo * (lo / hi) : 0;
  t.total_s = compute + t.comm_s;
  return t;
}

double iteration_s(const Shape& s, const EfficiencyParams& e, double n_dec, double ctx_dec,
                   double n_pre, double ctx_pre) {
  const double m = s.pp;
  const StageTime st = stage_time(s, e, n_dec / m, ctx_dec, n_pre / m, ctx_pre);
  // pp micro-batches each pass every stage once per iteration; stage hand-offs add a hop each.
  const double handoffs = (s.pp - 1) * e.allreduce_hop_us * 1e-6;
  return e.step_overhead_ms * 1e-3 + m * st.total_s + handoffs;
}

double prefill_alone_s(const Shape& s, const EfficiencyParams& e, double tokens) {
  // A lone prompt is one micro-batch: it crosses the pp stages in turn, in chunks of at most
  // max_num_tokens; each query attends on average to half the prompt.
  const double chunks = std::ceil(tokens / s.max_num_tokens);
  const StageTime st = stage_time(s, e, 0, 0, tokens / chunks, (tokens + 1) / 2);
  const double handoffs = (s.pp - 1) * e.allreduce_hop_us * 1e-6;
  return chunks * (e.step_overhead_ms * 1e-3 + s.pp * st.total_s + handoffs);
}

}  // namespace llmctl::perf
