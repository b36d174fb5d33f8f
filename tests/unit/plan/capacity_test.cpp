#include "plan/capacity.h"

#include <gtest/gtest.h>

#include <cmath>

namespace llmctl::plan {
namespace {

TEST(plan_capacity, P95FromMeansByHand) {
  perf::Estimate at;
  at.ttft_ms = 300;
  at.prefill_ms = 100;  // 200 ms of the mean TTFT is queueing
  at.concurrency = 5;
  at.decode_ms_per_token = 12;
  at.tpot_ms = 14;
  ReplicaReference ref{250, 10};
  LatencyP95 p = p95_from_means(at, ref);
  // 250 + ln(20) x 200
  EXPECT_NEAR(p.ttft_ms, 250 + 2.995732 * 200, 1e-3);
  // slope (12 - 10) / (5 - 1) = 0.5 ms per sequence; 14 + 0.5 x 1.6449 x sqrt(5)
  EXPECT_NEAR(p.tpot_ms, 14 + 0.5 * 1.6448536 * std::sqrt(5.0), 1e-6);
}

TEST(plan_capacity, P95AtBatchOneIsTheMean) {
  perf::Estimate at;
  at.ttft_ms = 80;
  at.prefill_ms = 80;
  at.concurrency = 0.5;
  at.decode_ms_per_token = 9;
  at.tpot_ms = 9;
  LatencyP95 p = p95_from_means(at, {80, 9});
  EXPECT_DOUBLE_EQ(p.ttft_ms, 80);
  EXPECT_DOUBLE_EQ(p.tpot_ms, 9);
}

TEST(plan_capacity, HeadroomIsTheTightestSlo) {
  LatencyP95 p{300, 45};
  EXPECT_NEAR(slo_headroom(p, {600, 50}), 0.1, 1e-12);  // TPOT: 1 - 45/50
  EXPECT_NEAR(slo_headroom(p, {400, std::nullopt}), 0.25, 1e-12);
  EXPECT_DOUBLE_EQ(slo_headroom(p, {}), 1);
  EXPECT_LT(slo_headroom(p, {200, std::nullopt}), 0);
}

TEST(plan_capacity, ReplicaMathByHand) {
  // 10 req/s peak over 3 req/s replicas: ceil(3.33) = 4; average 4 -> 2; N+1 at 99.9%.
  ReplicaCount r = count_replicas(10, 4, 3, 0.999, false);
  EXPECT_EQ(r.peak, 4);
  EXPECT_EQ(r.average, 2);
  EXPECT_EQ(r.spare, 1);
  EXPECT_EQ(r.billed, 5);
  EXPECT_EQ(count_replicas(10, 4, 3, 0.999, true).billed, 3);  // autoscaled: average + spare
  EXPECT_EQ(count_replicas(10, 4, 3, 0.99, false).billed, 4);  // no spare below 99.9%
  // Exact multiples do not round up; any load needs one replica.
  EXPECT_EQ(count_replicas(9, 9, 3, 0.9, false).peak, 3);
  EXPECT_EQ(count_replicas(0.01, 0.01, 3, 0.9, false).peak, 1);
  EXPECT_EQ(spare_replicas(0.9999), 1);
  EXPECT_EQ(spare_replicas(0.995), 0);
}

TEST(plan_capacity, BreakEvenByHand) {
  // API: $1/M tokens x 1,000 tokens/request x 2,628,000 s/month = $2,628/month per req/s.
  // A replica: 1 GPU x $2/h x 730 h = $1,460/month, 2 req/s, peak = 2 x average, one spare.
  // Each replica carries 1 req/s of average traffic ($2,628 of API spend) for $1,460, so the
  // bills meet where (m + 1) x 1,460 = 2,628 q with q <= m: m = ceil(1,460 / 1,168) = 2,
  // 3 replicas, $4,380/month, q = 4,380 / 2,628 = 1.667 req/s.
  BreakEven b = break_even(1.0, 1000, 1460, 2.0, 2.0, 1);
  ASSERT_TRUE(b.found);
  EXPECT_EQ(b.billed_replicas, 3);
  EXPECT_NEAR(b.monthly_usd, 4380, 1e-9);
  EXPECT_NEAR(b.average_qps, 4380.0 / 2628.0, 1e-9);
  EXPECT_NEAR(b.tokens_per_month, b.average_qps * 1000 * 2628000, 1e-3);
  // Check it against the staircase directly: at that traffic 2 replicas carry the peak.
  ReplicaCount r = count_replicas(2 * b.average_qps, b.average_qps, 2.0, 0.999, false);
  EXPECT_EQ(r.billed, 3);

  // Without a spare the first replica already pays off at q = 1,460 / 2,628.
  BreakEven no_spare = break_even(1.0, 1000, 1460, 2.0, 2.0, 0);
  ASSERT_TRUE(no_spare.found);
  EXPECT_EQ(no_spare.billed_replicas, 1);
  EXPECT_NEAR(no_spare.average_qps, 1460.0 / 2628.0, 1e-9);
}

TEST(plan_capacity, NoBreakEvenWhenAReplicaCostsMoreThanItsTraffic) {
  // 1 req/s replicas carry 0.5 req/s of average traffic = $1,314 of API spend < $1,460.
  BreakEven b = break_even(1.0, 1000, 1460, 1.0, 2.0, 1);
  EXPECT_FALSE(b.found);
}

TEST(plan_capacity, DominanceKeepsTheParetoFront) {
  std::vector<Merit> m = {
      {100, 0.20, 2},  // 0: A
      {150, 0.10, 2},  // 1: worse than A and G on cost and headroom
      {200, 0.50, 2},  // 2: more headroom: kept
      {300, 0.00, 3},  // 3: better quality: kept
      {100, 0.20, 2},  // 4: identical to A: neither dominates
      {120, 0.20, 2},  // 5: A is cheaper with the same headroom
      {90, 0.30, 2},   // 6: G, dominates A and 4 too
  };
  std::vector<int> by = find_dominated(m);
  EXPECT_EQ(by[0], 6);
  EXPECT_EQ(by[1], 6);  // the cheapest dominator is named
  EXPECT_EQ(by[2], -1);
  EXPECT_EQ(by[3], -1);
  EXPECT_EQ(by[4], 6);
  EXPECT_EQ(by[5], 6);
  EXPECT_EQ(by[6], -1);
}

// A closed-form replica: saturates at 10 req/s; mean TTFT = 100 ms / (1 - load/10); no batch
// effects on TPOT.
Result<perf::Estimate> queue_model(const perf::Deployment&, const perf::Workload& w) {
  perf::Estimate e;
  e.fits = true;
  e.prefill_ms = 100;
  e.decode_ms_per_token = 20;
  e.tpot_ms = 20;
  e.concurrency = 1;
  e.bottleneck = "queueing";
  if (w.mode == perf::LoadMode::kOffline) {
    e.requests_per_s = 10;
  } else if (w.mode == perf::LoadMode::kQps) {
    double rho = w.value / 10;
    e.requests_per_s = std::min(w.value, 10.0);
    e.ttft_ms = rho < 1 ? 100 / (1 - rho) : 1e9;
  } else {
    e.ttft_ms = 100;
  }
  return e;
}

TEST(plan_capacity, BisectionFindsTheLoadWhereP95MeetsTheSlo) {
  // p95 TTFT = 100 + ln(20) x 100 rho / (1 - rho) <= 400  <=>  rho <= 0.500356.
  const double exact = 10 * (300 / 299.5732273553991) / (1 + 300 / 299.5732273553991);
  LengthDistribution in{500, std::nullopt, 500};
  LengthDistribution out{100, std::nullopt, 100};
  Capacity c = replica_capacity(queue_model, perf::Deployment{}, in, out, {400, 50});
  ASSERT_TRUE(c.feasible) << c.reason;
  EXPECT_LE(c.qps, exact);
  EXPECT_GE(c.qps, exact * (1 - 2 * kCapacityTolerance));
  EXPECT_DOUBLE_EQ(c.saturated_qps, 10);
  EXPECT_LE(c.p95_at_capacity.ttft_ms, 400);
  EXPECT_LT(c.estimate_calls, 20);
  // 12 req/s at peak on 5.00 req/s replicas -> 3, plus a spare at 99.9%.
  EXPECT_EQ(count_replicas(12, 6, c.qps, 0.999, false).billed, 4);
}

TEST(plan_capacity, SloMissedWithNoLoadIsRejectedWithNumbers) {
  LengthDistribution in{500, std::nullopt, 500};
  LengthDistribution out{100, std::nullopt, 100};
  Capacity c = replica_capacity(queue_model, perf::Deployment{}, in, out, {50, std::nullopt});
  EXPECT_FALSE(c.feasible);
  EXPECT_EQ(c.category, "slo");
  EXPECT_NE(c.reason.find("TTFT 100 ms > the p95 target 50 ms"), std::string::npos) << c.reason;
}

TEST(plan_capacity, NoSloMeansTheUtilisationCeiling) {
  LengthDistribution in{500, std::nullopt, 500};
  LengthDistribution out{100, std::nullopt, 100};
  Capacity c = replica_capacity(queue_model, perf::Deployment{}, in, out, {});
  ASSERT_TRUE(c.feasible);
  EXPECT_DOUBLE_EQ(c.qps, kMaxUtilisation * 10);
}

TEST(plan_capacity, ShareLongerThanIsTheLognormalTail) {
  // At the p95 itself, 5% are longer; at the mean, a lognormal has more than half below.
  const LengthDistribution in{3000, std::nullopt, 8000};
  EXPECT_NEAR(share_longer_than(in, 8000), 0.05, 1e-9);
  EXPECT_LT(share_longer_than(in, 3000), 0.5);
  EXPECT_GT(share_longer_than(in, 3000), 0.2);
  EXPECT_LT(share_longer_than(in, 100000), 1e-6);
  // No tail: every prompt is the mean.
  EXPECT_EQ(share_longer_than({500, std::nullopt, 500}, 400), 1);
  EXPECT_EQ(share_longer_than({500, std::nullopt, 500}, 600), 0);
}

// An engine that does not chunk prefill refuses prompts over its token budget: a replica that
// would refuse one in a thousand is infeasible, named with the share; below that it is sized.
TEST(plan_capacity, PromptsOverANonChunkingBudgetMakeTheReplicaInfeasible) {
  catalog::Gpu gpu;
  gpu.id = "test-gpu";
  catalog::Engine engine;
  engine.id = "stepper";
  engine.name = "Stepper";
  engine.scheduler.traits.chunked_prefill = false;
  engine.scheduler.traits.max_num_tokens = 8192;
  perf::Deployment d;
  d.gpu = &gpu;
  d.engine = &engine;
  const LengthDistribution out{100, std::nullopt, 100};
  Capacity c = replica_capacity(queue_model, d, {3000, std::nullopt, 8000}, out, {400, 50});
  EXPECT_FALSE(c.feasible);
  EXPECT_EQ(c.category, "fit");
  EXPECT_NE(c.reason.find("% of prompts (input mean 3000, p95 8000 tokens) are longer than the "
                          "8192-token step budget of Stepper"),
            std::string::npos)
      << c.reason;
  EXPECT_TRUE(replica_capacity(queue_model, d, {500, std::nullopt, 1500}, out, {400, 50}).feasible);
  engine.scheduler.traits.chunked_prefill = true;  // chunks: every length is served
  EXPECT_TRUE(
      replica_capacity(queue_model, d, {3000, std::nullopt, 8000}, out, {400, 50}).feasible);
}

}  // namespace
}  // namespace llmctl::plan
