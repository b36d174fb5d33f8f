// The benchmark client's habits the simulator reproduces (WorkloadSpec::prompt_pool and
// warmup_requests): a fixed pool of prompts reused for the whole run, and a warm-up phase that
// drains before the measured requests start together, as aiperf runs them.
#include <gtest/gtest.h>

#include <algorithm>

#include "sim/scenario.h"
#include "sim_test_util.h"

namespace llmctl::sim {
namespace {

using test::pool;

WorkloadSpec closed_loop(int clients, long long requests, int in, int out) {
  WorkloadSpec w;
  w.arrival = WorkloadSpec::Arrival::kClosedLoop;
  w.concurrency = clients;
  w.requests = requests;
  w.input = LengthDist{LengthDist::Kind::kFixed, static_cast<double>(in)};
  w.output = LengthDist{LengthDist::Kind::kFixed, static_cast<double>(out)};
  return w;
}

TEST(SimBenchmarkClient, PromptPoolMakesRepeatedPromptsCacheHits) {
  Scenario sc;
  sc.pools.push_back(pool("llama-3.1-8b", "h100-sxm", "vllm"));
  sc.workload = closed_loop(8, 400, 1000, 50);
  const SimResult fresh = test::run(sc);
  EXPECT_EQ(fresh.prefix_cache_hit_rate, 0);

  sc.workload.prompt_pool = 10;
  const SimResult pooled = test::run(sc);
  ASSERT_EQ(pooled.completed, 400);
  // Every prompt is one of ten: at most the first sending of each misses (a prompt sent twice in
  // the same iteration before its blocks are scheduled may miss too).
  EXPECT_GT(pooled.prefix_cache_hit_rate, 0.95);
  EXPECT_LT(pooled.prefix_cache_hit_rate, 1.0);
  // A hit skips the prompt's prefill: first tokens come sooner and decoding is interrupted less.
  EXPECT_LT(pooled.ttft.mean, 0.5 * fresh.ttft.mean);
  EXPECT_LT(pooled.tpot.mean, fresh.tpot.mean);

  // With prefix caching off the pool changes nothing the engine sees.
  sc.pools.front().prefix_caching = false;
  const SimResult off = test::run(sc);
  EXPECT_EQ(off.prefix_cache_hit_rate, 0);
  EXPECT_NEAR(off.ttft.mean, fresh.ttft.mean, 0.02 * fresh.ttft.mean);
}

TEST(SimBenchmarkClient, WarmupIsLeftOutOfEveryMetric) {
  Scenario sc;
  sc.pools.push_back(pool("llama-3.1-8b", "h100-sxm", "vllm"));
  sc.workload = closed_loop(16, 160, 1000, 40);
  sc.workload.prompt_pool = 4;
  sc.workload.warmup_requests = 32;  // two per client: every one of the four prompts is cached
  const SimResult r = test::run(sc);
  EXPECT_EQ(r.requests, 160);  // the measured requests only
  EXPECT_EQ(r.completed + r.dropped, 160);
  // The warm-up filled the cache: every measured prompt is a hit.
  EXPECT_DOUBLE_EQ(r.prefix_cache_hit_rate, 1.0);
  EXPECT_TRUE(std::any_of(r.notes.begin(), r.notes.end(), [](const std::string& n) {
    return n.find("32 warm-up requests") != std::string::npos;
  }));

  // Without the warm-up the first sending of each prompt misses, and the run is longer by the
  // warm-up's share of requests neither way.
  sc.workload.warmup_requests = 0;
  const SimResult cold = test::run(sc);
  EXPECT_EQ(cold.requests, 160);
  EXPECT_LT(cold.prefix_cache_hit_rate, 1.0);
}

TEST(SimBenchmarkClient, MeasuredPhaseStartsWithEveryClientAtOnce) {
  // aiperf waits for the warm-up to drain, then sends C requests together: with one client per
  // prompt and fresh prompts, the measured phase's first requests all queue together, so its
  // worst TTFT is that of the last of C prompts prefilled back to back (well above one prefill).
  Scenario sc;
  sc.pools.push_back(pool("llama-3.1-8b", "h100-sxm", "vllm"));
  sc.workload = closed_loop(32, 32, 2000, 20);
  sc.workload.warmup_requests = 5;  // fewer than the clients: the rest wait for the phase
  const SimResult burst = test::run(sc);
  ASSERT_EQ(burst.completed, 32);
  sc.workload.concurrency = 1;
  sc.workload.requests = 1;
  sc.workload.warmup_requests = 0;
  const SimResult alone = test::run(sc);
  EXPECT_GT(burst.ttft.p99, 4 * alone.ttft.mean);
}

TEST(SimBenchmarkClient, SameSeedSameRunWithWarmupAndPool) {
  Scenario sc;
  sc.pools.push_back(pool("llama-3.1-8b", "h100-sxm", "vllm"));
  sc.workload = closed_loop(12, 200, 1500, 60);
  sc.workload.prompt_pool = 7;
  sc.workload.warmup_requests = 24;
  sc.step_jitter_cv = 0.05;
  const SimResult a = test::run(sc);
  const SimResult b = test::run(sc);
  EXPECT_EQ(a.ttft.mean, b.ttft.mean);
  EXPECT_EQ(a.tpot.p99, b.tpot.p99);
  EXPECT_EQ(a.duration_s, b.duration_s);
}

TEST(SimBenchmarkClient, PromptPoolExcludesSharedPrefixesAndTraces) {
  Scenario sc;
  sc.pools.push_back(pool("llama-3.1-8b", "h100-sxm", "vllm"));
  sc.workload = closed_loop(4, 10, 100, 10);
  sc.workload.prompt_pool = 5;
  sc.workload.shared_prefix_tokens = 50;
  sc.workload.prefix_groups = 2;
  auto st = validate_scenario(sc);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("workload.prompt_pool"), std::string::npos);
  auto r = simulate(test::cat(), sc);
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace llmctl::sim
