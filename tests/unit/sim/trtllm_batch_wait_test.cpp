// TensorRT-LLM's batch waiting (LLM API batch_wait_timeout_iters, batch_wait_max_tokens_ratio;
// PyExecutor._schedule and _waiting_requests) in the engine model, iteration by iteration:
//  - with no request generating, a prompt is scheduled at once (no "dead waiting");
//  - while requests generate, new prompts are held until the iteration would carry
//    ratio x max_num_tokens tokens (prompts and generated tokens), or they have been held for
//    timeout_iters iterations; the count restarts when prompts go in.
#include <gtest/gtest.h>

#include "engine_driver.h"
#include "sim/report.h"
#include "sim/scenario.h"

namespace llmctl::sim {
namespace {

using test::request;

// One TensorRT-LLM replica (max_num_tokens 16384, no chunked prefill) with batch waiting.
class Driver : public test::EngineDriver {
 public:
  Driver(int timeout_iters, double ratio)
      : EngineDriver("trtllm", [&](EngineConfig& c) {
          c.max_num_tokens = 16384;
          c.batch_wait_timeout_iters = timeout_iters;
          c.batch_wait_max_tokens_ratio = ratio;
        }) {}
};

TEST(TrtllmBatchWait, NothingGeneratingMeansNoWait) {
  Driver e(20, 0.9);
  e.enqueue(request(1, 1000, 50, 0));
  const double first = e.iterate();
  EXPECT_DOUBLE_EQ(e.obs().admitted_at.at(1), 0) << "an idle engine schedules the prompt at once";
  EXPECT_DOUBLE_EQ(e.obs().first_token.at(1), first);
}

// A generates; B (1,000 tokens: 1,001 with A's token, far below 0.9 x 16384) is held for
// exactly `timeout` iterations, then goes in with the next one; the count starts again for C.
void check_timeout(int timeout) {
  Driver e(timeout, 0.9);
  e.enqueue(request(1, 1000, 400, 0));
  e.iterate();  // A's prefill
  e.enqueue(request(2, 1000, 50, e.now()));
  const double b_arrival = e.now();
  double last_hold = b_arrival;
  for (int k = 1; k <= timeout; ++k) {
    last_hold = e.iterate();
    EXPECT_EQ(e.obs().admitted_at.count(2), 0U) << "B scheduled in held iteration " << k;
    EXPECT_EQ(e.engine().running(), 1);
  }
  const double b_in = e.iterate();
  ASSERT_EQ(e.obs().admitted_at.count(2), 1U) << "B still held after " << timeout << " iterations";
  EXPECT_DOUBLE_EQ(e.obs().admitted_at.at(2), last_hold);
  EXPECT_DOUBLE_EQ(e.obs().first_token.at(2), b_in);
  // The count restarted: C waits the whole timeout again.
  e.enqueue(request(3, 1000, 50, e.now()));
  for (int k = 1; k <= timeout; ++k) {
    e.iterate();
    EXPECT_EQ(e.obs().admitted_at.count(3), 0U) << "C scheduled in held iteration " << k;
  }
  e.iterate();
  EXPECT_EQ(e.obs().admitted_at.count(3), 1U);
}

TEST(TrtllmBatchWait, OffByDefault) { check_timeout(0); }
TEST(TrtllmBatchWait, HoldsPromptsForTheTimeout) { check_timeout(20); }
TEST(TrtllmBatchWait, TimeoutOfThree) { check_timeout(3); }

// Enough prompt tokens waiting: the iteration goes ahead at once. 15 prompts of 1,000 tokens and
// A's generated token: 15,001 >= 0.9 x 16384 = 14,745.6; 14 prompts (14,001) are held.
TEST(TrtllmBatchWait, EnoughTokensStopTheWait) {
  for (const int prompts : {14, 15}) {
    Driver e(20, 0.9);
    e.enqueue(request(1, 1000, 400, 0));
    e.iterate();
    for (int i = 0; i < prompts; ++i) e.enqueue(request(10 + i, 1000, 50, e.now()));
    const double before = e.now();
    e.iterate();
    const bool admitted = e.obs().admitted_at.count(10) == 1;
    EXPECT_EQ(admitted, prompts == 15) << prompts << " prompts";
    if (admitted) {
      EXPECT_DOUBLE_EQ(e.obs().admitted_at.at(10), before);
      EXPECT_EQ(e.engine().running(), 1 + prompts);
    }
  }
}

// A ratio with no timeout never holds anything (PyExecutor: iters_count >= 0 always stops the
// wait), as in TensorRT-LLM.
TEST(TrtllmBatchWait, RatioAloneHoldsNothing) {
  Driver e(0, 0.9);
  e.enqueue(request(1, 1000, 400, 0));
  e.iterate();
  e.enqueue(request(2, 1000, 50, e.now()));
  const double before = e.now();
  e.iterate();
  ASSERT_EQ(e.obs().admitted_at.count(2), 1U);
  EXPECT_DOUBLE_EQ(e.obs().admitted_at.at(2), before);
}

// The options are TensorRT-LLM's: every other engine rejects them, naming the field.
TEST(TrtllmBatchWait, OtherEnginesRejectThem) {
  for (const char* engine : {"vllm", "sglang", "tgi"}) {
    Scenario sc;
    sc.pools.push_back(test::pool("llama-3.1-8b", "h100-sxm", engine));
    sc.workload = test::poisson(1, 10);
    sc.pools[0].batch_wait_timeout_iters = 20;
    auto st = validate_scenario(sc);
    ASSERT_FALSE(st.ok()) << engine;
    EXPECT_NE(st.error().message.find("is a TensorRT-LLM option"), std::string::npos)
        << st.error().message;
  }
  Scenario sc;
  sc.pools.push_back(test::pool("llama-3.1-8b", "h100-sxm", "trtllm"));
  sc.workload = test::poisson(1, 10);
  sc.pools[0].batch_wait_timeout_iters = 20;
  sc.pools[0].batch_wait_max_tokens_ratio = 0.9;
  EXPECT_TRUE(validate_scenario(sc).ok());
  sc.pools[0].batch_wait_max_tokens_ratio = 1.5;
  auto st = validate_scenario(sc);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("pools[0].batch_wait_max_tokens_ratio: expected 0 to 1"),
            std::string::npos)
      << st.error().message;
}

// Through the whole simulator: a closed loop of 8 clients with short prompts waits (TTFT grows
// by about the timeout's iterations), and the throughput barely moves.
TEST(TrtllmBatchWait, FleetTtftGrowsWithTheWait) {
  auto run = [](int timeout) {
    Scenario sc;
    sc.pools.push_back(test::pool("llama-3.1-8b", "h100-sxm", "trtllm"));
    sc.pools[0].max_num_batched_tokens = 16384;
    sc.pools[0].batch_wait_timeout_iters = timeout;
    sc.pools[0].batch_wait_max_tokens_ratio = timeout > 0 ? 0.9 : 0;
    sc.workload.arrival = WorkloadSpec::Arrival::kClosedLoop;
    sc.workload.concurrency = 8;
    sc.workload.requests = 160;
    sc.workload.input = LengthDist{LengthDist::Kind::kFixed, 1000};
    sc.workload.output = LengthDist{LengthDist::Kind::kUniform, 250, 200, 300};
    return test::run(sc);
  };
  const SimResult base = run(0), wait = run(20);
  EXPECT_GT(wait.ttft.mean, base.ttft.mean + 10 * wait.tpot.mean);
  EXPECT_LT(wait.ttft.mean, base.ttft.mean + 25 * wait.tpot.mean);
  EXPECT_NEAR(wait.output_tokens_per_s, base.output_tokens_per_s, 0.15 * base.output_tokens_per_s);
}

// The report names the engine settings a run sets, and only those.
TEST(TrtllmBatchWait, ReportNamesTheSettingsTheRunSets) {
  Scenario sc;
  sc.pools.push_back(test::pool("llama-3.1-8b", "h100-sxm", "trtllm"));
  EXPECT_EQ(describe_pools(sc), "1 x llama-3.1-8b on h100-sxm (trtllm, bf16, TP 1)");
  sc.pools[0].max_num_batched_tokens = 16384;
  sc.pools[0].prefix_caching = false;
  sc.pools[0].batch_wait_timeout_iters = 20;
  sc.pools[0].batch_wait_max_tokens_ratio = 0.9;
  EXPECT_EQ(describe_pools(sc),
            "1 x llama-3.1-8b on h100-sxm (trtllm, bf16, TP 1; 16384 tokens a step, prefix cache "
            "off, batch wait 20 steps or 0.9 of the token budget)");
}

}  // namespace
}  // namespace llmctl::sim
