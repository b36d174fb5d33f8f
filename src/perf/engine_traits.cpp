// What each serving engine does differently, where it changes the arithmetic. The catalog holds
// what users configure (memory fraction, dtypes, flags); these are the scheduler defaults behind
// them, kept in one table so a reader can check each against the engine's source.
#include "perf/internals.h"

namespace llmctl::perf {

EngineTraits traits_for(const catalog::Engine& engine, const catalog::Gpu& gpu) {
  EngineTraits t;
  const std::string& id = engine.id;
  if (id == "trtllm") {
    // BuildConfig / LLM API defaults: max_batch_size 2048, max_num_tokens 8192; the capacity
    // scheduler's default policy GUARANTEED_NO_EVICT reserves input+output per request. NVIDIA's
    // FP8 recipes (perf-overview.md) quantise the KV cache too. No fp8 kernels on Ampere.
    t.fp8_kv_with_quantized_weights = true;
    t.reserves_full_sequence = true;
    t.max_num_seqs = 2048;
    t.max_num_tokens = 8192;
    t.fp8_weight_only_fallback = false;
  } else if (id == "vllm") {
    // V1 EngineArgs defaults for the OpenAI server: max_num_seqs 1024 and
    // max_num_batched_tokens 8192 on GPUs with >= 70 GiB other than A100, else 256 and 2048.
    const bool large = gpu.memory_gib >= 70 && gpu.arch != "ampere";
    t.max_num_seqs = large ? 1024 : 256;
    t.max_num_tokens = large ? 8192 : 2048;
  } else if (id == "sglang") {
    // mem_fraction_static covers weights + KV; max_running_requests follows the KV pool;
    // chunked_prefill_size 8192 on large GPUs. AIConfigurator adds 15% activations, 20% other.
    t.fraction_caps_weights_and_kv_only = true;
    t.activation_factor = 1.15;
    t.other_factor = 1.2;
    t.max_num_seqs = 4096;
    t.max_num_tokens = gpu.memory_gib >= 70 ? 8192 : 4096;
  } else if (id == "tgi") {
    // Router defaults: --max-concurrent-requests 128, --max-batch-prefill-tokens 4096.
    t.max_num_seqs = 128;
    t.max_num_tokens = 4096;
  } else if (id == "llamacpp") {
    // llama-server: 4 parallel slots by default, batch 2048 tokens.
    t.max_num_seqs = 4;
    t.max_num_tokens = 2048;
  }
  return t;
}

}  // namespace llmctl::perf
