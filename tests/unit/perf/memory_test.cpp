// Memory formulas against hand-computed values (the arithmetic is in the comments).
#include <gtest/gtest.h>

#include <stdexcept>

#include "catalog/loader.h"
#include "perf/internals.h"
#include "perf/model.h"

namespace llmctl::perf {
namespace {

catalog::Model llama(int layers, int hidden, int heads, int kv_heads, int vocab, double params_b) {
  catalog::Model m;
  m.id = "test-llama";
  m.layers = layers;
  m.hidden_size = hidden;
  m.attention_heads = heads;
  m.kv_heads = kv_heads;
  m.head_dim = hidden / heads;
  m.intermediate_size = 4 * hidden;
  m.vocab_size = vocab;
  m.params_total_b = params_b;
  m.params_active_b = params_b;
  m.max_context = 131072;
  return m;
}

catalog::Model deepseek_v3() {
  catalog::Model m = llama(61, 7168, 128, 128, 129280, 671);
  m.params_active_b = 37;
  m.head_dim = 192;
  m.attention_kind = "mla";
  m.mla = catalog::MlaAttention{512, 1536, 64, 128, 128};
  m.moe = catalog::Moe{256, 8, 1, 2048, 3, 653.91};
  return m;
}

catalog::Gpu h100() {
  catalog::Gpu g;
  g.id = "test-h100";
  g.arch = "hopper";
  g.memory_gib = 80;
  g.memory_bandwidth_gbps = 3350;
  g.tflops = {{"bf16", 989}, {"fp16", 989}, {"fp8", 1978}};
  g.interconnect_kind = "nvlink";
  g.interconnect_gbps = 450;
  return g;
}

Deployment on(const catalog::Model& m, const catalog::Gpu& g, const catalog::Engine& e) {
  Deployment d;
  d.model = &m;
  d.gpu = &g;
  d.engine = &e;
  return d;
}

// The shipped catalog's scheduler defaults for `id` (data/engines.yaml), the rest by hand.
catalog::Engine engine(const std::string& id, double fraction, const std::string& of) {
  static const catalog::Catalog shipped = [] {
    catalog::LoadOptions o;
    o.default_overlays = false;
    auto r = catalog::load_catalog(o);
    if (!r.ok()) throw std::runtime_error(r.error().message);
    return *r;
  }();
  const catalog::Engine* known = shipped.find_engine(id);
  if (known == nullptr) throw std::runtime_error("no engine " + id + " in the shipped catalog");
  catalog::Engine e;
  e.id = id;
  e.scheduler = known->scheduler;
  e.dtypes = {"bf16", "fp16", "fp8", "int4", "fp4", "mxfp4"};
  e.gpu_memory_fraction = fraction;
  e.memory_fraction_of = of;
  return e;
}

TEST(PerfMemory, BytesPerParam) {
  EXPECT_DOUBLE_EQ(bytes_per_param("bf16"), 2);
  EXPECT_DOUBLE_EQ(bytes_per_param("fp16"), 2);
  EXPECT_DOUBLE_EQ(bytes_per_param("fp8"), 1);
  EXPECT_DOUBLE_EQ(bytes_per_param("int4"), 0.5 + 4.0 / 128);  // group-128 fp16 scale + zero
  EXPECT_DOUBLE_EQ(bytes_per_param("fp4"), 0.5 + 1.0 / 16);    // NVFP4: fp8 scale per 16
  EXPECT_DOUBLE_EQ(bytes_per_param("mxfp4"), 0.5 + 1.0 / 32);  // MXFP4: 8-bit scale per 32
}

TEST(PerfMemory, KvBytesPerTokenGqa) {
  // 2 (K and V) x 80 layers x 8 KV heads x 128 dims x 2 bytes.
  const auto m70 = llama(80, 8192, 64, 8, 128256, 70.55);
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(m70, "bf16"), 327680);
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(m70, "fp8"), 163840);
  // Llama-3.1-8B: 2 x 32 x 8 x 128 x 2 = 131,072.
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(llama(32, 4096, 32, 8, 128256, 8.03), "bf16"), 131072);
}

TEST(PerfMemory, KvBytesPerTokenMla) {
  // DeepSeek-V3 caches the 512-wide latent plus the 64-wide RoPE key: 61 x 576 x 2 = 70,272.
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(deepseek_v3(), "bf16"), 70272);
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(deepseek_v3(), "fp8"), 35136);
}

TEST(PerfMemory, SlidingWindowLayersKeepOnlyTheWindow) {
  // gpt-oss-20b-like: 24 layers, 12 of them sliding over 128 tokens; 2 x 8 x 64 x 2 = 2,048 B
  // per layer and token. 1,000 tokens: 12 x 1,000 x 2,048 + 12 x 128 x 2,048 = 27,721,728.
  auto m = llama(24, 2880, 64, 8, 201088, 20.91);
  m.head_dim = 64;
  m.sliding_window = catalog::SlidingWindow{128, 12};
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(m, "bf16"), 24 * 2048);
  EXPECT_DOUBLE_EQ(kv_bytes_for_sequence(m, "bf16", 1000), 27721728);
  EXPECT_DOUBLE_EQ(kv_bytes_for_sequence(m, "bf16", 100), 24 * 100 * 2048);
}

TEST(PerfMemory, WeightsKeepEmbeddingsIn16Bits) {
  const auto m70 = llama(80, 8192, 64, 8, 128256, 70.55);
  EXPECT_DOUBLE_EQ(weight_bytes(m70, "bf16"), 70.55e9 * 2);
  // fp8: embedding + LM head (2 x 128,256 x 8,192 params) stay bf16, the rest 1 byte:
  // (70.55e9 - 2,101,346,304) x 1 + 2,101,346,304 x 2 = 72,651,346,304 B = 67.66 GiB.
  EXPECT_DOUBLE_EQ(weight_bytes(m70, "fp8"), 72651346304.0);
}

TEST(PerfMemory, NativeMxfp4ExpertsOnly) {
  auto m = llama(36, 2880, 64, 8, 201088, 116.83);
  m.moe = catalog::Moe{128, 4, 0, 2880, 0, 114.70};
  m.weight_dtypes = {{"experts", "mxfp4"}};
  EXPECT_DOUBLE_EQ(weight_bytes(m, "mxfp4"),
                   114.70e9 * (0.5 + 1.0 / 32) + (116.83e9 - 114.70e9) * 2);
}

// Compute rates (timing.cpp): fp8 and NVFP4 run on their own tensor cores; MXFP4 runs W4A8 on
// Blackwell (the fp8 rate) and weight-only at the bf16 rate before it; a checkpoint whose
// experts alone are MXFP4 (gpt-oss) runs attention and its other GEMMs at the bf16 rate.
TEST(PerfTiming, ComputeRatesFollowTheKernelsNotTheCheckpointName) {
  catalog::Gpu b200 = h100();
  b200.arch = "blackwell";
  b200.tflops = {{"bf16", 2250}, {"fp16", 2250}, {"fp8", 4500}, {"fp4", 9000}};
  auto is = [](GemmKernel k, double tflops, bool dequantises) {
    return k.tflops == tflops && k.dequantises == dequantises;
  };
  EXPECT_TRUE(is(gemm_kernel(b200, "fp4"), 9000, false));
  EXPECT_TRUE(is(gemm_kernel(b200, "mxfp4"), 4500, false));
  EXPECT_TRUE(is(gemm_kernel(b200, "fp8"), 4500, false));
  EXPECT_TRUE(is(gemm_kernel(b200, "bf16"), 2250, false));
  EXPECT_TRUE(is(gemm_kernel(h100(), "mxfp4"), 989, true));
  EXPECT_TRUE(is(gemm_kernel(h100(), "fp4"), 989, true));
  EXPECT_TRUE(is(gemm_kernel(h100(), "int4"), 989, true));
  EXPECT_TRUE(is(gemm_kernel(h100(), "fp8"), 1978, false));

  auto oss = llama(36, 2880, 64, 8, 201088, 116.83);
  oss.params_active_b = 5.13;
  oss.moe = catalog::Moe{128, 4, 0, 2880, 0, 114.70};
  oss.weight_dtypes = {{"experts", "mxfp4"}};
  const auto vllm = engine("vllm", 0.9, "total");
  Deployment d = on(oss, b200, vllm);
  d.dtype = "mxfp4";
  const Shape native = shape_for(oss, b200, d, traits_for(vllm, b200), "bf16");
  EXPECT_DOUBLE_EQ(native.peak_flops, 2250e12);
  EXPECT_DOUBLE_EQ(native.peak_flops_experts, 4500e12);
  // 1,000 prefill tokens attending to nothing (attention FLOPs 0): the expert share of the linear
  // FLOPs at the fp8 rate (times moe_flop_factor), the rest at bf16's.
  EfficiencyParams e;
  e.moe_flop_factor = 1.5;
  const StageTime t = stage_time(native, e, 0, 0, 1000, 0);
  const double linear = 1000 * native.flops_per_token;
  const double s_exp = native.expert_flops_share;
  EXPECT_NEAR(
      t.flop_s,
      linear * (1 - s_exp) / (e.eta_flop * 2250e12) + linear * s_exp * 1.5 / (e.eta_flop * 4500e12),
      1e-12);

  // Before Blackwell the MXFP4 experts dequantise in the kernel (Marlin): dequant_flop_factor
  // scales their FLOPs, not the bf16 attention and dense GEMMs'.
  Deployment dh = on(oss, h100(), vllm);
  dh.dtype = "mxfp4";
  const Shape hopper = shape_for(oss, h100(), dh, traits_for(vllm, h100()), "bf16");
  EXPECT_TRUE(hopper.experts_dequantise);
  EXPECT_FALSE(hopper.dense_dequantise);
  EXPECT_FALSE(native.experts_dequantise);  // W4A8 on Blackwell
  e.dequant_flop_factor = 2;
  const double h_linear = 1000 * hopper.flops_per_token;
  EXPECT_NEAR(stage_time(hopper, e, 0, 0, 1000, 0).flop_s,
              (h_linear * (1 - s_exp) + h_linear * s_exp * 1.5 * 2) / (e.eta_flop * 989e12), 1e-12);

  // A dense fp8 model: one rate for everything, as before the split.
  const auto m70 = llama(80, 8192, 64, 8, 128256, 70.55);
  Deployment d70 = on(m70, b200, vllm);
  d70.dtype = "fp8";
  const Shape dense = shape_for(m70, b200, d70, traits_for(vllm, b200), "fp8");
  EXPECT_DOUBLE_EQ(dense.peak_flops, 4500e12);
  EXPECT_DOUBLE_EQ(dense.peak_flops_experts, 4500e12);
  EXPECT_FALSE(dense.dense_dequantise);
  Deployment d4 = on(m70, h100(), vllm);
  d4.dtype = "int4";
  EXPECT_TRUE(shape_for(m70, h100(), d4, traits_for(vllm, h100()), "bf16").dense_dequantise);
}

// Llama-3.1-8B bf16 on one 80 GiB H100 under vLLM (0.9 of total memory):
//   0.9 x 85,899,345,920                      = 77,309,411,328
//   - weights 8.03e9 x 2                      = 16,060,000,000
//   - activations 2 x 8,192 x 4,096 x 11      =    738,197,504
//   - other 3.5 GiB                           =  3,758,096,384
//   = 56,753,117,440 B / 131,072 B per token  = 432,991 tokens.
TEST(PerfMemory, KvCapacityHandWorkedVllm) {
  const auto m = llama(32, 4096, 32, 8, 128256, 8.03);
  const auto g = h100();
  const auto e = engine("vllm", 0.9, "total");
  Deployment d = on(m, g, e);
  d.dtype = "bf16";
  Workload w{1000, 1000};
  auto est = estimate(d, w, EfficiencyParams{});
  ASSERT_TRUE(est.ok()) << est.error().message;
  EXPECT_TRUE(est->fits);
  EXPECT_EQ(est->memory.kv_cache_tokens, 432991);
  EXPECT_NEAR(est->memory.kv_budget_gib_per_gpu, 56753117440.0 / (1ull << 30), 1e-9);
  // vLLM allocates pages as tokens arrive: a sequence holds 1,000 + 500 tokens on average.
  EXPECT_EQ(est->memory.max_concurrency, 288);  // floor(432,991.4 / 1,500)
}

// The same model in fp8 under TRT-LLM (0.9 of the memory free after weights and buffers, KV in
// fp8 with fp8 weights, whole sequences reserved):
//   0.9 x (85,899,345,920 - 9,080,673,152 - 738,197,504 - 3,758,096,384) = 65,090,140,992 B
//   / 65,536 B per token = 993,196 tokens; / (2,000 x 65,536) = 496 sequences of 2,000 tokens.
TEST(PerfMemory, KvCapacityHandWorkedTrtllmFreeFraction) {
  const auto m = llama(32, 4096, 32, 8, 128256, 8.03);
  const auto g = h100();
  const auto e = engine("trtllm", 0.9, "free");
  Deployment d = on(m, g, e);
  d.dtype = "fp8";
  Workload w{1000, 1000};
  auto est = estimate(d, w, EfficiencyParams{});
  ASSERT_TRUE(est.ok()) << est.error().message;
  EXPECT_EQ(est->memory.kv_cache_tokens, 993196);
  EXPECT_EQ(est->memory.max_concurrency, 496);
  EXPECT_DOUBLE_EQ(est->memory.kv_bytes_per_token, 65536);
}

TEST(PerfMemory, TensorParallelSplitsWeightsAndKvHeads) {
  const auto m = llama(80, 8192, 64, 8, 128256, 70.55);
  const auto g = h100();
  const auto e = engine("vllm", 0.9, "total");
  Deployment d = on(m, g, e);
  d.dtype = "bf16";
  d.gpus = d.tp = 4;
  const EngineTraits t = traits_for(e, g);
  const Budget b = budget_for(m, g, e, d, t, "bf16");
  EXPECT_NEAR(b.memory.weights_gib_per_gpu, 70.55e9 * 2 / 4 / (1ull << 30), 1e-9);
  EXPECT_DOUBLE_EQ(b.kv_bytes_per_token_per_gpu, 327680.0 / 4);
  EXPECT_NEAR(b.memory.overhead_gib_per_gpu,
              (392.0 * (1 << 20) + 3.5 * (1ull << 30)) / (1ull << 30), 1e-12);
  // TP beyond the 8 KV heads replicates them: never less than one head per GPU.
  d.gpus = d.tp = 16;
  EXPECT_DOUBLE_EQ(budget_for(m, g, e, d, t, "bf16").kv_bytes_per_token_per_gpu, 327680.0 / 8);
}

TEST(PerfMemory, MlaLatentIsReplicatedAcrossTensorParallelRanks) {
  const auto m = deepseek_v3();
  const auto g = h100();
  const auto e = engine("sglang", 0.88, "total");
  Deployment d = on(m, g, e);
  d.dtype = "fp8";
  d.gpus = d.tp = 8;
  const Budget b = budget_for(m, g, e, d, traits_for(e, g), "bf16");
  EXPECT_DOUBLE_EQ(b.kv_bytes_per_token_per_gpu, 70272);
}

TEST(PerfMemory, AiconfiguratorConstants) {
  EXPECT_DOUBLE_EQ(nccl_bytes(1), 0);
  EXPECT_DOUBLE_EQ(nccl_bytes(2), 342.0 * (1 << 20));
  EXPECT_DOUBLE_EQ(nccl_bytes(8), 392.0 * (1 << 20));
  const auto m = llama(32, 4096, 32, 8, 128256, 8.03);
  EXPECT_DOUBLE_EQ(activation_bytes(m, 1, 8192), 2.0 * 8192 * 4096 * 11);
  EXPECT_DOUBLE_EQ(activation_bytes(m, 4, 8192), 2.0 * 8192 * 4096 * 5);
  EXPECT_DOUBLE_EQ(activation_bytes(m, 1, 1), 70.0 * (1 << 20));  // floor
}

TEST(PerfMemory, WeightsThatDoNotFitAreNotAnError) {
  const auto m = llama(126, 16384, 128, 8, 128256, 405.85);
  const auto g = h100();
  const auto e = engine("vllm", 0.9, "total");
  Deployment d = on(m, g, e);
  d.dtype = "bf16";
  auto est = estimate(d, Workload{1000, 1000}, EfficiencyParams{});
  ASSERT_TRUE(est.ok());
  EXPECT_FALSE(est->fits);
  EXPECT_NE(est->reason.find("does not fit"), std::string::npos) << est->reason;
  EXPECT_EQ(est->memory.kv_cache_tokens, 0);
}

}  // namespace
}  // namespace llmctl::perf
