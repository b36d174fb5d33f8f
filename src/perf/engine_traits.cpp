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
    // tokens_per_block 32; trtllm-serve runs without chunked prefill unless
    // --enable_chunked_prefill; context and generation requests share an iteration (in-flight
    // batching); KvCacheConfig.enable_block_reuse defaults to true; GUARANTEED_NO_EVICT never
    // preempts.
    t.block_size = 32;
    t.chunked_prefill = false;
    t.preempts = false;
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
    // page_size 1 (radix tree per token); enable_mixed_chunk false: a prefill batch runs alone;
    // schedule_policy fcfs; retract on OOM; new_token_ratio 0.7 x conservativeness 1.0, floor
    // 0.7 x 0.14, decayed over 600 steps (global_config).
    t.block_size = 1;
    t.mixed_batches = false;
    t.max_prefill_tokens = 16384;  // max_prefill_tokens
    t.new_token_ratio = 0.7;
    t.new_token_ratio_min = 0.7 * 0.14;
    t.new_token_ratio_decay_steps = 600;
  } else if (id == "tgi") {
    // Router defaults: --max-concurrent-requests 128, --max-batch-prefill-tokens 4096.
    t.max_num_seqs = 128;
    t.max_num_tokens = 4096;
    // Prefill batches pause decoding; --waiting-served-ratio 0.3, --max-waiting-tokens 20; the
    // router admits a request only when its input + max_new_tokens fit the block budget.
    t.mixed_batches = false;
    t.preempts = false;
    t.waiting_served_ratio = 0.3;
    t.max_waiting_steps = 20;
  } else if (id == "llamacpp") {
    // llama-server: 4 parallel slots by default, batch 2048 tokens.
    t.max_num_seqs = 4;
    t.max_num_tokens = 2048;
    // Each slot owns its context (no preemption); prompt batches run beside other slots' decode.
    t.block_size = 1;
    t.preempts = false;
  }
  return t;
}

}  // namespace llmctl::perf
