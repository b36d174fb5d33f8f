// Memory arithmetic: bytes per parameter, weights, KV cache per token and per sequence.
#include <algorithm>
#include <cmath>

#include "perf/internals.h"

namespace llmctl::perf {

double bytes_per_param(const std::string& dtype) {
  if (dtype == "bf16" || dtype == "fp16") return 2.0;
  if (dtype == "fp8" || dtype == "int8") return 1.0;
  // 4-bit formats carry block scales: AWQ/GPTQ int4 group 128 with fp16 scale and zero point
  // (+4 bytes per 128 weights); NVFP4 an fp8 scale per 16; MXFP4 an 8-bit scale per 32.
  if (dtype == "int4") return 0.5 + 4.0 / 128;
  if (dtype == "fp4") return 0.5 + 1.0 / 16;
  if (dtype == "mxfp4") return 0.5 + 1.0 / 32;
  return 2.0;
}

bool experts_alone_in(const catalog::Model& model, const std::string& dtype) {
  const auto native = model.weight_dtypes.find("experts");
  return model.moe && native != model.weight_dtypes.end() && native->second == dtype;
}

double weight_bytes(const catalog::Model& model, const std::string& dtype) {
  const double total = model.params_total_b * 1e9;
  // Embeddings and the LM head stay in 16 bits under weight quantisation (vLLM, TRT-LLM and
  // llm-compressor recipes all skip them), which matters for small models with large vocabularies.
  const double embed = 2.0 * model.vocab_size * static_cast<double>(model.hidden_size);
  const double body = std::max(0.0, total - embed);
  if (experts_alone_in(model, dtype)) {
    // Natively quantised experts (gpt-oss MXFP4): only the routed experts use `dtype`.
    const double experts = model.moe->params_experts_b * 1e9;
    return experts * bytes_per_param(dtype) + (total - experts) * 2.0;
  }
  return body * bytes_per_param(dtype) + embed * 2.0;
}

double kv_bytes_per_token(const catalog::Model& model, const std::string& kv_dtype) {
  const double b = bytes_per_param(kv_dtype == "fp8" ? "fp8" : "bf16");
  if (model.mla) {
    // MLA caches one latent vector plus the decoupled RoPE key per layer, shared by all heads.
    return model.layers *
           static_cast<double>(model.mla->kv_lora_rank + model.mla->qk_rope_head_dim) * b;
  }
  return 2.0 * model.layers * model.kv_heads * static_cast<double>(model.head_dim) * b;
}

double kv_bytes_for_sequence(const catalog::Model& model, const std::string& kv_dtype,
                             long long tokens) {
  const double per_layer = kv_bytes_per_token(model, kv_dtype) / model.layers;
  if (!model.sliding_window) return per_layer * model.layers * static_cast<double>(tokens);
  const int sw_layers = model.sliding_window->layers;
  const long long windowed = std::min<long long>(tokens, model.sliding_window->window);
  return per_layer * ((model.layers - sw_layers) * static_cast<double>(tokens) +
                      sw_layers * static_cast<double>(windowed));
}

// ---- Memory budget: weights, overheads, engine fraction -> KV capacity ----

double activation_bytes(const catalog::Model& model, int tp, int max_num_tokens) {
  // AIConfigurator's fit of profiled peaks: 2 bytes x tokens x (heads x head_dim) x coeff[TP],
  // coefficients for Llama-style dense models and for MoE, floored at 70 MiB.
  static constexpr double kDense[] = {11, 6.5, 5, 5};
  static constexpr double kMoe[] = {22, 13, 10, 10};
  const int slot = tp <= 1 ? 0 : tp <= 2 ? 1 : tp <= 4 ? 2 : 3;
  const double coeff = model.moe ? kMoe[slot] : kDense[slot];
  const double bytes =
      2.0 * max_num_tokens * static_cast<double>(model.attention_heads) * model.head_dim * coeff;
  return std::max(bytes, 70.0 * (1 << 20));
}

double nccl_bytes(int gpus_per_replica) {
  // AIConfigurator nccl_mem: 0 alone, 342 MiB for 2 GPUs, 392 MiB for 4 or more.
  if (gpus_per_replica <= 1) return 0;
  return (gpus_per_replica <= 2 ? 342.0 : 392.0) * (1 << 20);
}

Budget budget_for(const catalog::Model& model, const catalog::Gpu& gpu, const catalog::Engine& e,
                  const Deployment& d, const EngineTraits& traits, const std::string& kv_dtype) {
  constexpr double kGiB = 1ull << 30;
  Budget b;
  const double total = gpu.memory_gib * kGiB;
  const double weights = weight_bytes(model, d.dtype) / (d.tp * d.pp);
  const double act =
      activation_bytes(model, d.tp, traits.max_num_tokens) * traits.activation_factor;
  const double overhead = nccl_bytes(d.tp * d.pp) + kOtherBytes * traits.other_factor;
  const double fraction = d.gpu_memory_fraction.value_or(e.gpu_memory_fraction);
  const double after_fixed = total - weights - act - overhead;
  double kv = 0;
  if (e.memory_fraction_of == "free") {
    // TRT-LLM: the fraction applies to what is free once weights and buffers are resident.
    kv = fraction * after_fixed;
    b.usable_gib = total / kGiB;
  } else if (traits.fraction_caps_weights_and_kv_only) {
    kv = std::min(fraction * total - weights, after_fixed);
    b.usable_gib = fraction * total / kGiB;
  } else {
    kv = fraction * total - weights - act - overhead;
    b.usable_gib = fraction * total / kGiB;
  }
  // Per GPU, a token's KV covers the stage's layers and the GPU's share of KV heads: GQA heads
  // split across TP ranks but never below one head; the MLA latent is replicated on every rank.
  const double layers_per_stage = std::ceil(static_cast<double>(model.layers) / d.pp);
  double head_share = 1;
  if (!model.mla)
    head_share = std::ceil(static_cast<double>(model.kv_heads) / d.tp) / model.kv_heads;
  b.memory.kv_bytes_per_token = kv_bytes_per_token(model, kv_dtype);
  b.kv_bytes_per_token_per_gpu =
      b.memory.kv_bytes_per_token * head_share * layers_per_stage / model.layers;
  b.memory.weights_gib_per_gpu = weights / kGiB;
  b.memory.activation_gib_per_gpu = act / kGiB;
  b.memory.overhead_gib_per_gpu = overhead / kGiB;
  b.memory.kv_budget_gib_per_gpu = std::max(0.0, kv) / kGiB;
  b.fits_weights = kv > 0;
  b.memory.kv_cache_tokens =
      kv > 0 ? static_cast<long long>(std::floor(kv / b.kv_bytes_per_token_per_gpu)) : 0;
  return b;
}

}  // namespace llmctl::perf
