// Properties the model must keep whatever the fitted parameters, on the real catalog, and the
// KV-cache cliff of issue #3 (calibration rows c10 vs c11).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "catalog/loader.h"
#include "perf/model.h"

namespace llmctl::perf {
namespace {

const catalog::Catalog& cat() {
  static const catalog::Catalog c = [] {
    catalog::LoadOptions o;
    o.default_overlays = false;  // the embedded catalog only: hermetic
    auto r = catalog::load_catalog(o);
    if (!r) ADD_FAILURE() << r.error().message;
    return r ? *r : catalog::Catalog{};
  }();
  return c;
}

Deployment deploy(const std::string& model, const std::string& gpu, const std::string& engine,
                  const std::string& dtype, int tp = 1, int gpus = 0) {
  Deployment d;
  d.model = cat().find_model(model);
  d.gpu = cat().find_gpu(gpu);
  d.engine = cat().find_engine(engine);
  EXPECT_TRUE(d.model && d.gpu && d.engine) << model << " " << gpu << " " << engine;
  d.dtype = dtype;
  d.tp = tp;
  d.gpus = gpus ? gpus : tp;
  return d;
}

Estimate run(const Deployment& d, const Workload& w) {
  auto e = estimate(cat(), d, w);
  EXPECT_TRUE(e.ok()) << e.error().message;
  return e.ok() ? *e : Estimate{};
}

Workload load(LoadMode mode, double value, int in = 1000, int out = 1000) {
  Workload w{in, out, mode, value};
  w.explain = false;
  return w;
}

TEST(PerfProperties, KvCliffH200HoldsMoreThanTwoAndAHalfTimesH100Throughput) {
  // Llama-3.1-70B FP8 on one GPU: 67.7 GiB of weights leave an 80 GiB H100 a few GiB of KV
  // cache, a 141 GiB H200 ten times more (published: 839.97 vs 2,823.45 tokens/s).
  const Workload w = load(LoadMode::kOffline, 0);
  const Estimate h100 = run(deploy("llama-3.1-70b", "h100-sxm", "trtllm", "fp8"), w);
  const Estimate h200 = run(deploy("llama-3.1-70b", "h200", "trtllm", "fp8"), w);
  ASSERT_TRUE(h100.fits && h200.fits);
  EXPECT_GE(h200.output_tokens_per_s, 2.5 * h100.output_tokens_per_s)
      << h200.output_tokens_per_s << " vs " << h100.output_tokens_per_s;
  EXPECT_EQ(h100.bottleneck, "kv-capacity");
  EXPECT_LT(h100.memory.max_concurrency, 40);
  EXPECT_GT(h200.memory.max_concurrency, 5 * h100.memory.max_concurrency);
}

TEST(PerfProperties, ClosedLoopBeyondTheKvCacheQueues) {
  const Deployment d = deploy("llama-3.1-70b", "h100-sxm", "trtllm", "fp8");
  Workload few = load(LoadMode::kConcurrency, 8, 1024, 1024);
  Workload many = load(LoadMode::kConcurrency, 256, 1024, 1024);
  many.explain = true;
  const Estimate a = run(d, few);
  const Estimate b = run(d, many);
  ASSERT_LT(b.memory.max_concurrency, 256);
  EXPECT_EQ(b.bottleneck, "kv-capacity");
  EXPECT_GT(b.ttft_ms, 10 * a.ttft_ms);
  bool says_queue = false;
  for (const auto& s : b.explain) says_queue |= s.find("so requests queue") != std::string::npos;
  EXPECT_TRUE(says_queue);
}

TEST(PerfProperties, MoreTensorParallelGpusNeverLowerKvCapacityPerReplica) {
  struct Case {
    const char* model;
    const char* gpu;
    const char* engine;
    const char* dtype;
  };
  for (const Case& c :
       {Case{"llama-3.1-8b", "h100-sxm", "vllm", "bf16"},
        Case{"llama-3.1-70b", "h100-sxm", "trtllm", "fp8"},
        Case{"llama-3.1-70b", "a100-80gb", "sglang", "bf16"},
        Case{"mixtral-8x7b", "h200", "vllm", "bf16"}, Case{"deepseek-v3", "h200", "sglang", "fp8"},
        Case{"qwen2.5-72b", "l40s", "vllm", "int4"}}) {
    long long previous = -1;
    for (int tp : {1, 2, 4, 8}) {
      const Estimate e =
          run(deploy(c.model, c.gpu, c.engine, c.dtype, tp), load(LoadMode::kOffline, 0));
      EXPECT_GE(e.memory.kv_cache_tokens, previous) << c.model << " on " << c.gpu << " tp " << tp;
      previous = e.memory.kv_cache_tokens;
    }
  }
}

TEST(PerfProperties, HigherQpsNeverLowersTtft) {
  for (const auto& d : {deploy("llama-3.1-8b", "h100-sxm", "vllm", "bf16"),
                        deploy("llama-3.1-70b", "h100-sxm", "trtllm", "fp8", 4, 8),
                        deploy("mixtral-8x7b", "a100-80gb", "tgi", "bf16", 2),
                        deploy("llama-3.1-70b", "h100-sxm", "trtllm", "fp8")}) {
    const double capacity = run(d, load(LoadMode::kOffline, 0)).requests_per_s;
    double previous = 0;
    for (int i = 1; i <= 80; ++i) {
      const double qps = capacity * 2 * i / 80;  // up to twice what it can serve
      const Estimate e = run(d, load(LoadMode::kQps, qps));
      EXPECT_GE(e.ttft_ms, previous * (1 - 1e-9))
          << d.model->id << " on " << d.gpu->id << " at " << qps;
      previous = e.ttft_ms;
    }
  }
}

TEST(PerfProperties, MoreConcurrencyNeverLowersTtftOrThroughput) {
  const Deployment d = deploy("llama-3.1-8b", "l40s", "vllm", "fp8");
  Estimate previous;
  for (int n = 1; n <= 600; n += 7) {
    const Estimate e = run(d, load(LoadMode::kConcurrency, n, 2000, 500));
    EXPECT_GE(e.ttft_ms, previous.ttft_ms * (1 - 1e-9)) << n;
    EXPECT_GE(e.output_tokens_per_s, previous.output_tokens_per_s * (1 - 1e-6)) << n;
    previous = e;
  }
}

TEST(PerfProperties, Fp8NeverNeedsMoreMemoryThanBf16) {
  for (const char* engine : {"vllm", "sglang", "trtllm", "tgi"}) {
    for (const char* model : {"llama-3.1-8b", "llama-3.1-70b", "mixtral-8x7b", "qwen3-32b"}) {
      const Deployment bf = deploy(model, "h100-sxm", engine, "bf16", 4);
      const Deployment f8 = deploy(model, "h100-sxm", engine, "fp8", 4);
      const Estimate a = run(bf, load(LoadMode::kOffline, 0));
      const Estimate b = run(f8, load(LoadMode::kOffline, 0));
      EXPECT_LE(b.memory.weights_gib_per_gpu, a.memory.weights_gib_per_gpu)
          << engine << " " << model;
      EXPECT_GE(b.memory.kv_cache_tokens, a.memory.kv_cache_tokens) << engine << " " << model;
    }
  }
}

TEST(PerfProperties, LongerOutputNeverRaisesTokensPerSecondPerRequest) {
  // Per request, decode speed is 1000 / TPOT; longer outputs hold longer contexts (more KV to
  // read each step) and, at the same arrival rate or batch, more sequences in flight. (Not so in
  // a closed loop: there short outputs recycle requests fast, and the prompts of the new ones
  // slow every decode step.)
  const Deployment d = deploy("llama-3.1-70b", "h100-sxm", "vllm", "fp8", 4);
  for (const Workload& base : {load(LoadMode::kQps, 0.5), load(LoadMode::kQps, 3),
                               load(LoadMode::kBatch, 8), load(LoadMode::kBatch, 64)}) {
    double previous = 1e300;
    for (int out = 16; out <= 4096; out *= 2) {
      Workload w = base;
      w.output_tokens = out;
      const Estimate e = run(d, w);
      const double per_request = 1000 / e.tpot_ms;
      EXPECT_LE(per_request, previous * (1 + 1e-9))
          << "output " << out << " mode " << static_cast<int>(w.mode) << " " << w.value;
      previous = per_request;
    }
  }
}

TEST(PerfProperties, DataParallelReplicasScaleThroughput) {
  const Estimate one =
      run(deploy("llama-3.1-8b", "h100-sxm", "vllm", "bf16", 1, 1), load(LoadMode::kOffline, 0));
  const Estimate four =
      run(deploy("llama-3.1-8b", "h100-sxm", "vllm", "bf16", 1, 4), load(LoadMode::kOffline, 0));
  EXPECT_EQ(four.replicas, 4);
  EXPECT_NEAR(four.output_tokens_per_s, 4 * one.output_tokens_per_s,
              1e-6 * four.output_tokens_per_s);
  EXPECT_EQ(four.memory.kv_cache_tokens, one.memory.kv_cache_tokens);  // per replica
}

TEST(PerfProperties, BatchModeReportsIsolatedTimings) {
  const Deployment d = deploy("llama-2-70b", "h100-sxm", "vllm", "fp16", 4);
  const Estimate one = run(d, load(LoadMode::kBatch, 1, 2048, 128));
  const Estimate many = run(d, load(LoadMode::kBatch, 16, 2048, 128));
  EXPECT_GT(many.prefill_ms, 8 * one.prefill_ms);                    // 16 prompts are compute-bound
  EXPECT_LT(many.decode_ms_per_token, 2 * one.decode_ms_per_token);  // decode reads weights once
  EXPECT_GT(many.output_tokens_per_s, 4 * one.output_tokens_per_s);
}

TEST(PerfProperties, ExplainGivesTheNumbers) {
  Workload w = load(LoadMode::kOffline, 0);
  w.explain = true;
  const Estimate e = run(deploy("llama-3.1-70b", "h100-sxm", "trtllm", "fp8"), w);
  ASSERT_GE(e.explain.size(), 4u);
  const std::string kv = e.explain[1];
  EXPECT_NE(kv.find("KV cache holds"), std::string::npos) << kv;
  EXPECT_NE(kv.find("sequences of 2,000 tokens"), std::string::npos) << kv;
}

TEST(PerfInput, ErrorsNameTheField) {
  auto expect_error = [](Deployment d, Workload w, const std::string& prefix) {
    auto e = estimate(cat(), d, w);
    ASSERT_FALSE(e.ok()) << prefix;
    EXPECT_EQ(e.error().message.rfind(prefix, 0), 0u) << e.error().message;
  };
  const Workload w = load(LoadMode::kOffline, 0);
  expect_error(deploy("llama-3.1-70b", "h100-sxm", "vllm", "bf16", 3), w, "tp: 3 does not divide");
  Deployment d = deploy("llama-3.1-70b", "h100-sxm", "vllm", "bf16", 4, 6);
  expect_error(d, w, "gpus: 6 is not a multiple");
  expect_error(deploy("llama-3.1-8b", "a100-80gb", "trtllm", "fp8"), w, "dtype:");
  expect_error(deploy("llama-3.1-8b", "h100-sxm", "vllm", "fp4"), w, "dtype:");
  expect_error(deploy("llama-3.1-8b", "h100-sxm", "tgi", "mxfp4"), w, "dtype:");
  expect_error(deploy("llama-3.1-8b", "h100-sxm", "vllm", "bf16"),
               load(LoadMode::kOffline, 0, 0, 10), "input_tokens:");
  expect_error(deploy("llama-3.1-8b", "h100-sxm", "vllm", "bf16"), load(LoadMode::kQps, 0), "qps:");
  expect_error(deploy("llama-3.1-8b", "h100-sxm", "vllm", "bf16"), load(LoadMode::kConcurrency, -1),
               "concurrency:");
}

TEST(PerfInput, DoesNotFitIsAnAnswerNotAnError) {
  const Estimate e =
      run(deploy("llama-3.1-405b", "h100-sxm", "vllm", "bf16", 4), load(LoadMode::kOffline, 0));
  EXPECT_FALSE(e.fits);
  EXPECT_NE(e.reason.find("does not fit"), std::string::npos);
  const Estimate ctx = run(deploy("llama-2-70b", "h100-sxm", "vllm", "fp8", 4),
                           load(LoadMode::kOffline, 0, 4000, 1000));
  EXPECT_FALSE(ctx.fits);
  EXPECT_NE(ctx.reason.find("context"), std::string::npos) << ctx.reason;
}

}  // namespace
}  // namespace llmctl::perf
