// The replica's serial front end (Scenario::front_end): one API-server thread that tokenises and
// hands each request to the scheduler in turn, in front of the engine.
#include <gtest/gtest.h>

#include "sim/scenario.h"
#include "sim_test_util.h"

namespace llmctl::sim {
namespace {

using test::pool;

TEST(SimFrontEnd, AloneARequestPaysItsOwnCostOnly) {
  // One request every 20 s on average: the front end is idle when each arrives, so every TTFT
  // grows by exactly per_request_ms + per_prompt_token_us x prompt tokens.
  Scenario sc;
  sc.pools.push_back(pool("llama-3.1-8b", "h100-sxm", "vllm"));
  sc.workload = test::poisson(0.05, 200, 1000, 20);
  const SimResult base = test::run(sc);
  sc.front_end.per_request_ms = 3;
  sc.front_end.per_prompt_token_us = 4;  // 1000 tokens: 4 ms
  const SimResult fe = test::run(sc);
  ASSERT_EQ(fe.completed, 200);
  EXPECT_NEAR(fe.ttft.mean - base.ttft.mean, 7.0, 0.05);
  EXPECT_NEAR(fe.tpot.mean, base.tpot.mean, 1e-9);
}

TEST(SimFrontEnd, ABurstQueuesBehindOneThread) {
  // Eight clients send at once, one request each: the k-th reaches the engine k x 25 ms later,
  // so the last first token comes no sooner than 8 x 25 ms and the mean TTFT is at least
  // (8 + 1) / 2 x 25 ms; then each prefills nearly alone (at most one other prompt's step
  // ahead of it), which costs less than the burst's shared step did without a front end.
  Scenario sc;
  sc.pools.push_back(pool("llama-3.1-8b", "h100-sxm", "vllm"));
  sc.workload.arrival = WorkloadSpec::Arrival::kClosedLoop;
  sc.workload.concurrency = 8;
  sc.workload.requests = 8;
  sc.workload.input = LengthDist{LengthDist::Kind::kFixed, 200};
  sc.workload.output = LengthDist{LengthDist::Kind::kFixed, 4};
  const SimResult base = test::run(sc);
  sc.front_end.per_request_ms = 25;
  const SimResult fe = test::run(sc);
  ASSERT_EQ(fe.completed, 8);
  EXPECT_GE(fe.ttft.p99, 8 * 25.0);
  EXPECT_GE(fe.ttft.mean, 4.5 * 25);
  EXPECT_LT(fe.ttft.mean, 4.5 * 25 + 2 * base.ttft.mean);
}

TEST(SimFrontEnd, ScenarioFileReadsItAndNamesTypos) {
  const std::string head = R"(pools:
  - {name: a, model: llama-3.1-8b, gpu: h100-sxm, engine: vllm}
workload: {arrival: poisson, qps: 1, requests: 10, input_tokens: 100, output_tokens: 10}
)";
  auto ok = parse_scenario(head + "front_end: {per_request_ms: 2, per_prompt_token_us: 0.5}\n",
                           "s.yaml", test::cat());
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->front_end.per_request_ms, 2);
  EXPECT_EQ(ok->front_end.per_prompt_token_us, 0.5);
  auto typo = parse_scenario(head + "front_end: {per_request_s: 2}\n", "s.yaml", test::cat());
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message.find("s.yaml:4"), std::string::npos) << typo.error().message;
  EXPECT_NE(typo.error().message.find("per_request_ms"), std::string::npos) << typo.error().message;
  auto negative = parse_scenario(head + "front_end: {per_request_ms: -1}\n", "s.yaml", test::cat());
  ASSERT_FALSE(negative.ok());
}

}  // namespace
}  // namespace llmctl::sim
