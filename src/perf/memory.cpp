// Memory arithmetic: bytes per parameter, weights, KV cache per token and per sequence.
#include <algorithm>

#include "perf/model.h"

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

double weight_bytes(const catalog::Model& model, const std::string& dtype) {
  const double total = model.params_total_b * 1e9;
  // Embeddings and the LM head stay in 16 bits under weight quantisation (vLLM, TRT-LLM and
  // llm-compressor recipes all skip them), which matters for small models with large vocabularies.
  const double embed = 2.0 * model.vocab_size * static_cast<double>(model.hidden_size);
  const double body = std::max(0.0, total - embed);
  auto native = model.weight_dtypes.find("experts");
  if (model.moe && native != model.weight_dtypes.end() && native->second == dtype) {
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
    return model.layers * static_cast<double>(model.mla->kv_lora_rank + model.mla->qk_rope_head_dim) * b;
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

}  // namespace llmctl::perf
