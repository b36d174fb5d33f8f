// The simulator's engine metrics: what it renders is exposition text that monitor's parser reads
// without a skipped line, under names the catalog knows for vLLM and dcgm-exporter, and the
// numbers follow the load and the injected conditions.
#include "gateway/mock_engine_metrics.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "catalog/loader.h"
#include "monitor/exposition.h"
#include "monitor/signals.h"

namespace llmctl::gateway {
namespace {

const catalog::Catalog& cat() {
  static const catalog::Catalog c = *catalog::embedded_catalog();
  return c;
}

monitor::Exposition parse(const std::string& text) {
  monitor::Exposition e = monitor::parse_exposition(text, "mock");
  EXPECT_EQ(e.skipped_lines, 0) << e.first_error;
  return e;
}

double value(const monitor::Exposition& e, std::string_view name,
             std::string_view finished_reason = "") {
  for (const auto& s : e.samples)
    if (s.name == name && monitor::label(s.labels, "finished_reason") == finished_reason)
      return s.value;
  ADD_FAILURE() << "no sample " << name;
  return -1;
}

std::vector<std::string> names(const monitor::Exposition& e) {
  std::vector<std::string> out;
  for (const auto& s : e.samples) out.push_back(s.name);
  return out;
}

TEST(MockEngineMetrics, SpeaksVllmAndDcgmNamesTheCatalogKnows) {
  EngineMetrics m;
  monitor::MetricCatalog mc(cat());
  monitor::Exposition vllm = parse(m.render_vllm(1000));
  const auto* set = mc.detect(names(vllm));
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->id, "vllm");
  for (const auto& s : vllm.samples) {
    if (s.name == "vllm:cache_config_info") continue;  // an info gauge, no signal
    std::string current;
    EXPECT_EQ(mc.owner(s.name, &current), set) << s.name;
    EXPECT_EQ(current, monitor::family_of(s.name)) << s.name << " is not vLLM's current name";
  }
  monitor::Exposition dcgm = parse(m.render_dcgm(1000));
  const auto* gpu = mc.detect(names(dcgm));
  ASSERT_NE(gpu, nullptr);
  EXPECT_EQ(gpu->id, "dcgm-exporter");
  for (const auto& s : dcgm.samples) EXPECT_EQ(mc.owner(s.name), gpu) << s.name;
}

TEST(MockEngineMetrics, CountsTheLoad) {
  EngineMetrics m;
  m.started(1000, 100);
  m.started(3000, 100);
  monitor::Exposition busy = parse(m.render_vllm(100.5));
  EXPECT_EQ(value(busy, "vllm:num_requests_running"), 2);
  EXPECT_DOUBLE_EQ(value(busy, "vllm:kv_cache_usage_perc"), 4000.0 / 200000);
  EXPECT_EQ(value(parse(m.render_dcgm(100.5)), "DCGM_FI_DEV_GPU_UTIL"), 55);

  m.finished(1000, 11, 250, 0.05, 0.55, "stop", 101);
  m.finished(3000, 64, 0, 0.2, 1.5, "length", 101);
  monitor::Exposition done = parse(m.render_vllm(101));
  EXPECT_EQ(value(done, "vllm:num_requests_running"), 0);
  EXPECT_EQ(value(done, "vllm:kv_cache_usage_perc"), 0);
  EXPECT_EQ(value(done, "vllm:prompt_tokens_total"), 4000);
  EXPECT_EQ(value(done, "vllm:generation_tokens_total"), 75);
  EXPECT_EQ(value(done, "vllm:prefix_cache_queries_total"), 4000);
  EXPECT_EQ(value(done, "vllm:prefix_cache_hits_total"), 250);
  EXPECT_EQ(value(done, "vllm:request_success_total", "stop"), 1);
  EXPECT_EQ(value(done, "vllm:request_success_total", "length"), 1);
  EXPECT_EQ(value(done, "vllm:request_success_total", "abort"), 0);
  EXPECT_EQ(value(done, "vllm:time_to_first_token_seconds_count"), 2);
  EXPECT_DOUBLE_EQ(value(done, "vllm:time_to_first_token_seconds_sum"), 0.25);
  // 10 gaps of 50 ms and 63 of (1.3 s / 63): every output token after the first is one ITL.
  EXPECT_EQ(value(done, "vllm:inter_token_latency_seconds_count"), 73);
  // The GPU stays busy for a few seconds after the last request, then reads idle.
  EXPECT_GT(value(parse(m.render_dcgm(103)), "DCGM_FI_DEV_GPU_UTIL"), 0);
  EXPECT_EQ(value(parse(m.render_dcgm(110)), "DCGM_FI_DEV_GPU_UTIL"), 0);
}

TEST(MockEngineMetrics, InjectedConditionsCountFromWhenTheyWereSet) {
  EngineMetrics m;
  ASSERT_TRUE(
      m.update(R"({"kv_usage":0.98,"preemptions_per_s":2,"queue_growth_per_s":0.5})", 100).ok());
  monitor::Exposition e = parse(m.render_vllm(110));
  EXPECT_DOUBLE_EQ(value(e, "vllm:kv_cache_usage_perc"), 0.98);
  EXPECT_EQ(value(e, "vllm:num_preemptions_total"), 20);
  EXPECT_EQ(value(e, "vllm:num_requests_waiting"), 5);
  // A new rate keeps what the old one counted; a counter never goes down.
  ASSERT_TRUE(m.update(R"({"preemptions_per_s":0,"kv_usage":null})", 110).ok());
  e = parse(m.render_vllm(200));
  EXPECT_EQ(value(e, "vllm:num_preemptions_total"), 20);
  EXPECT_EQ(value(e, "vllm:kv_cache_usage_perc"), 0);

  m.started(500, 200);
  ASSERT_TRUE(m.update(R"({"gpu_idle":true})", 200).ok());
  EXPECT_EQ(value(parse(m.render_vllm(200)), "vllm:num_requests_running"), 0);
  EXPECT_EQ(value(parse(m.render_dcgm(200)), "DCGM_FI_DEV_GPU_UTIL"), 0);
}

TEST(MockEngineMetrics, BadConditionsNameTheField) {
  EngineMetrics m;
  auto st = m.update(R"({"kv_usage":1.5})", 0);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("kv_usage: expected a number in [0, 1] or null"),
            std::string::npos)
      << st.error().message;
  st = m.update(R"({"kv_usag":0.5})", 0);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("unknown field 'kv_usag' (did you mean 'kv_usage'?)"),
            std::string::npos);
  EXPECT_FALSE(m.update("[1]", 0).ok());
  // A rejected update changes nothing.
  ASSERT_FALSE(m.update(R"({"kv_usage":0.5,"gpu_idle":1})", 0).ok());
  EXPECT_EQ(value(parse(m.render_vllm(1)), "vllm:kv_cache_usage_perc"), 0);
}

}  // namespace
}  // namespace llmctl::gateway
