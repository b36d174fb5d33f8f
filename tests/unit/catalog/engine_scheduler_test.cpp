// Engine scheduler defaults (data/engines.yaml `scheduler:`) and GPU node labels (data/gpus.yaml
// cloud_names, kind node-label): knowledge read from the catalog rather than tables in code.
#include <gtest/gtest.h>

#include <string>

#include "catalog/loader.h"

namespace llmctl::catalog {
namespace {

const char* kEngine = R"(engines:
  - id: test-engine
    name: Test Engine
    dtypes: [bf16]
    gpu_vendors: [nvidia]
    image: example/engine:1.0
    port: 8000
    health_path: /health
    metrics_path: /metrics
    flags: {model: --model}
    scheduler:
      max_num_seqs: 256
      max_num_tokens: 2048
      large_gpu:
        min_memory_gib: 70
        except_names: [a100]
        max_num_seqs: 1024
        max_num_tokens: 8192
      block_size: 32
      preempts: false
      new_token_ratio: 0.5
      new_token_ratio_min: 0.1
      source: "engine.example/defaults"
      as_of: 2026-02-03
    metrics:
      - {name: test:queue, type: gauge, meaning: waiting requests}
    source: "engine.example"
    as_of: 2026-01-01
)";

Result<Catalog> load_engine(const std::string& text) {
  return load_from_sources({{"engines.yaml", text}});
}

std::string with(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

Gpu gpu(const std::string& name, double memory_gib) {
  Gpu g;
  g.id = "g";
  g.name = name;
  g.memory_gib = memory_gib;
  return g;
}

TEST(EngineScheduler, ReadsTheBlockWithItsOwnSource) {
  auto cat = load_engine(kEngine);
  ASSERT_TRUE(cat.ok()) << cat.error().message;
  const EngineScheduler& s = cat->engines.at(0).scheduler;
  EXPECT_EQ(s.traits.max_num_seqs, 256);
  EXPECT_EQ(s.traits.max_num_tokens, 2048);
  EXPECT_EQ(s.traits.block_size, 32);
  EXPECT_FALSE(s.traits.preempts);
  EXPECT_DOUBLE_EQ(s.traits.new_token_ratio, 0.5);
  EXPECT_DOUBLE_EQ(s.traits.new_token_ratio_min, 0.1);
  EXPECT_TRUE(s.traits.mixed_batches);  // absent: the EngineTraits default
  EXPECT_EQ(s.source, "engine.example/defaults");
  EXPECT_EQ(s.as_of, "2026-02-03");
  ASSERT_TRUE(s.large_gpu.has_value());
  EXPECT_EQ(s.large_gpu->except_names, std::vector<std::string>{"a100"});
}

TEST(EngineScheduler, LargeGpuLimitsApplyByMemoryAndName) {
  auto cat = load_engine(kEngine);
  ASSERT_TRUE(cat.ok()) << cat.error().message;
  const EngineScheduler& s = cat->engines.at(0).scheduler;
  const EngineTraits big = s.on(gpu("NVIDIA H100 80GB SXM5", 80));
  EXPECT_EQ(big.max_num_seqs, 1024);
  EXPECT_EQ(big.max_num_tokens, 8192);
  EXPECT_EQ(big.block_size, 32);  // the rest stays
  const EngineTraits small = s.on(gpu("NVIDIA L40S", 44.99));
  EXPECT_EQ(small.max_num_seqs, 256);
  EXPECT_EQ(small.max_num_tokens, 2048);
  const EngineTraits excepted = s.on(gpu("NVIDIA A100 80GB SXM4", 80));  // case-insensitive
  EXPECT_EQ(excepted.max_num_seqs, 256);
  EXPECT_EQ(excepted.max_num_tokens, 2048);
  EXPECT_EQ(s.on(gpu("x", 70)).max_num_seqs, 1024);  // the bound is inclusive
}

TEST(EngineScheduler, AbsentBlockGivesTheDefaults) {
  const std::string text = kEngine;
  const std::size_t from = text.find("    scheduler:");
  const std::size_t to = text.find("    metrics:");
  auto cat = load_engine(text.substr(0, from) + text.substr(to));
  ASSERT_TRUE(cat.ok()) << cat.error().message;
  const EngineScheduler& s = cat->engines.at(0).scheduler;
  const EngineTraits d;
  EXPECT_EQ(s.traits.max_num_seqs, d.max_num_seqs);
  EXPECT_EQ(s.traits.block_size, d.block_size);
  EXPECT_FALSE(s.large_gpu.has_value());
  EXPECT_TRUE(s.source.empty());
  EXPECT_EQ(s.on(gpu("big", 192)).max_num_seqs, d.max_num_seqs);
}

TEST(EngineScheduler, ErrorsNameFileLineAndField) {
  auto typo = load_engine(with(kEngine, "max_num_seqs: 256", "max_num_seq: 256"));
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error().message.rfind(
                "engines.yaml:12:7: engines[test-engine].scheduler.max_num_seq: unknown field; "
                "did you mean 'max_num_seqs'?",
                0),
            0u)
      << typo.error().message;

  auto zero = load_engine(with(kEngine, "block_size: 32", "block_size: 0"));
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().message,
            "engines.yaml:19:19: engines[test-engine].scheduler.block_size: must be between 1 "
            "and 2147483647, found 0");

  auto flag = load_engine(with(kEngine, "preempts: false", "preempts: sometimes"));
  ASSERT_FALSE(flag.ok());
  EXPECT_EQ(flag.error().message,
            "engines.yaml:20:17: engines[test-engine].scheduler.preempts: expected true or false, "
            "found \"sometimes\"");

  auto floor = load_engine(with(kEngine, "new_token_ratio_min: 0.1", "new_token_ratio_min: 0.6"));
  ASSERT_FALSE(floor.ok());
  EXPECT_EQ(floor.error().message,
            "engines.yaml:22:28: engines[test-engine].scheduler.new_token_ratio_min: expected at "
            "most new_token_ratio (0.5), found 0.6");

  auto unsourced = load_engine(with(kEngine, "      source: \"engine.example/defaults\"\n", ""));
  ASSERT_FALSE(unsourced.ok());
  EXPECT_NE(unsourced.error().message.find("engines[test-engine].scheduler.source"),
            std::string::npos)
      << unsourced.error().message;

  auto nothing = load_engine(with(with(kEngine, "        max_num_seqs: 1024\n", ""),
                                  "        max_num_tokens: 8192\n", ""));
  ASSERT_FALSE(nothing.ok());
  EXPECT_NE(nothing.error().message.find(
                "engines[test-engine].scheduler.large_gpu.max_num_seqs: expected max_num_seqs or "
                "max_num_tokens"),
            std::string::npos)
      << nothing.error().message;
}

// The shipped catalog: every engine states its scheduler defaults with a source, and vLLM keeps
// the A100 on its small batch limits (vLLM PR #17885) while raising them on the H100.
TEST(EngineScheduler, ShippedEnginesCarryTheirDefaults) {
  auto cat = load_from_sources(embedded_sources());
  ASSERT_TRUE(cat.ok()) << cat.error().message;
  ASSERT_FALSE(cat->engines.empty());
  for (const Engine& e : cat->engines) {
    EXPECT_FALSE(e.scheduler.source.empty()) << e.id;
    EXPECT_FALSE(e.scheduler.as_of.empty()) << e.id;
    EXPECT_FALSE(e.command.empty()) << e.id << ": deploy needs the server command";
  }
  const Engine* vllm = cat->find_engine("vllm");
  ASSERT_NE(vllm, nullptr);
  const EngineTraits on_a100 = vllm->scheduler.on(*cat->find_gpu("a100-80gb"));
  const EngineTraits on_h100 = vllm->scheduler.on(*cat->find_gpu("h100-sxm"));
  EXPECT_EQ(on_a100.max_num_seqs, 256);
  EXPECT_EQ(on_a100.max_num_tokens, 2048);
  EXPECT_EQ(on_h100.max_num_seqs, 1024);
  EXPECT_EQ(on_h100.max_num_tokens, 8192);
  const Engine* trtllm = cat->find_engine("trtllm");
  ASSERT_NE(trtllm, nullptr);
  EXPECT_TRUE(trtllm->scheduler.traits.reserves_full_sequence);
  EXPECT_EQ(trtllm->scheduler.traits.block_size, 32);
}

// nvidia.com/gpu.product values deploy selects nodes by: one node-label name per NVIDIA GPU the
// catalog ships with a GPU Feature Discovery product name; none for the MI300X.
TEST(GpuNodeLabel, ShippedGpusNameTheirProductLabel) {
  auto cat = load_from_sources(embedded_sources());
  ASSERT_TRUE(cat.ok()) << cat.error().message;
  EXPECT_EQ(cat->find_gpu("h100-sxm")->cloud_name("node-label"), "NVIDIA-H100-80GB-HBM3");
  EXPECT_EQ(cat->find_gpu("a100-40gb")->cloud_name("node-label"), "NVIDIA-A100-SXM4-40GB");
  EXPECT_EQ(cat->find_gpu("l4")->cloud_name("node-label"), "NVIDIA-L4");
  EXPECT_EQ(cat->find_gpu("mi300x")->cloud_name("node-label"), "");
  for (const Gpu& g : cat->gpus)
    for (const CloudName& c : g.cloud_names)
      if (c.kind == "node-label") {
        EXPECT_FALSE(c.prefix) << g.id;
        EXPECT_EQ(c.name.find(' '), std::string::npos) << g.id << ": " << c.name;
        EXPECT_FALSE(c.source.empty()) << g.id;
      }
}

TEST(GpuNodeLabel, AValueKubernetesWouldRejectIsAnError) {
  const std::string gpus = R"(gpus:
  - id: test-gpu
    name: Test GPU
    vendor: nvidia
    arch: hopper
    memory_gib: 80
    memory_bandwidth_gbps: 3350
    tflops: {bf16: 989}
    interconnect: {kind: nvlink, gbps: 450}
    cloud_names:
      - {name: NVIDIA-Test-GPU, kind: node-label, source: "gfd.example", as_of: 2026-01-01}
    source: "datasheet"
    as_of: 2026-01-01
)";
  auto ok = load_from_sources({{"gpus.yaml", gpus}});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->gpus.at(0).cloud_name("node-label"), "NVIDIA-Test-GPU");
  EXPECT_EQ(ok->gpus.at(0).cloud_name("skypilot"), "");

  auto spaced =
      load_from_sources({{"gpus.yaml", with(gpus, "NVIDIA-Test-GPU", "NVIDIA Test GPU")}});
  ASSERT_FALSE(spaced.ok());
  EXPECT_EQ(spaced.error().message,
            "gpus.yaml:11:16: gpus[test-gpu].cloud_names[0].name: expected a Kubernetes label "
            "value (letters, digits, '-', '_', '.'; at most 63), found \"NVIDIA Test GPU\"");
}

}  // namespace
}  // namespace llmctl::catalog
