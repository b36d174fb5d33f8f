#include "plan/managed.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "plan/capacity.h"

namespace llmctl::plan {
namespace {

// Azure's worked example (determine-ptu-requirements.md): 1,000 RPM, 200 input and 20 output
// tokens, gpt-5.2 (3,400 input TPM per PTU, output ratio 8): 360,000 normalized TPM, 105.88 PTUs,
// 110 in steps of 5; with half the input cached, 260,000 and 76.47 -> 80.
TEST(plan_managed, UnitsFollowAzuresWorkedExample) {
  UnitRule rule{3400, 8, 0, 15, 5};
  UnitSizing z = size_units(rule, {200, 20, 0}, 1000.0 / 60);
  EXPECT_NEAR(z.peak_normalized_tpm, 360000, 1e-6);
  EXPECT_NEAR(z.units_needed, 105.88, 0.01);
  EXPECT_EQ(z.units, 110);
  z = size_units(rule, {200, 20, 0.5}, 1000.0 / 60);
  EXPECT_NEAR(z.peak_normalized_tpm, 260000, 1e-6);
  EXPECT_EQ(z.units, 80);
}

TEST(plan_managed, UnitsNeverBelowTheMinimum) {
  UnitRule rule{3000, 4, 0, 15, 5};
  EXPECT_EQ(size_units(rule, {100, 10, 0}, 0.01).units, 15);
  // A cached token that counts fully (weight 1) is not deducted.
  UnitRule full{3000, 4, 1, 1, 1};
  EXPECT_NEAR(size_units(full, {1000, 0, 0.5}, 1).normalized_tokens_per_request, 1000, 1e-9);
}

TEST(plan_managed, ProvisionedBreakEvenByHand) {
  // 1,000 normalized tokens per request, 6,000 TPM per unit, flat traffic: one unit carries
  // 6000 / (60 x 1000) = 0.1 req/s. Per-token $2,000 a month per req/s -> $200 of traffic per
  // unit; a $150 unit breaks even on the minimum step: 10 x 150 / 2000 = 0.75 req/s.
  UnitRule rule{6000, 1, 1, 10, 5};
  TokenShape shape{500, 500, 0};
  ProvisionedBreakEven b = provisioned_break_even(rule, shape, 1, 150, 2000);
  ASSERT_TRUE(b.found);
  EXPECT_NEAR(b.average_qps, 0.75, 1e-12);
  EXPECT_EQ(b.units, 10);
  EXPECT_NEAR(b.monthly_usd, 1500, 1e-9);
  // At a peak twice the average a unit carries 0.05 req/s of average traffic ($100 < $150).
  EXPECT_FALSE(provisioned_break_even(rule, shape, 2, 150, 2000).found);
}

TEST(plan_managed, DiurnalProfileHasThePeakAndTheAverage) {
  std::vector<double> q = diurnal_profile(12, 8);
  ASSERT_EQ(q.size(), static_cast<size_t>(kProfileHours));
  EXPECT_NEAR(*std::max_element(q.begin(), q.end()), 12, 1e-12);
  EXPECT_NEAR(std::accumulate(q.begin(), q.end(), 0.0) / q.size(), 8, 1e-9);
  EXPECT_NEAR(*std::min_element(q.begin(), q.end()), 4, 1e-9);  // 2 x 8 - 12
  // Peak over twice the average: clipped at zero, mean still the average.
  q = diurnal_profile(10, 2);
  EXPECT_NEAR(*std::max_element(q.begin(), q.end()), 10, 1e-9);
  EXPECT_NEAR(std::accumulate(q.begin(), q.end(), 0.0) / q.size(), 2, 1e-6);
  EXPECT_DOUBLE_EQ(*std::min_element(q.begin(), q.end()), 0);
  q = diurnal_profile(3, 3);
  EXPECT_DOUBLE_EQ(q.front(), 3);
  EXPECT_DOUBLE_EQ(q.back(), 3);
}

ServerlessInput flat(double qps) {
  ServerlessInput in;
  in.hourly_qps.assign(kProfileHours, qps);
  in.worker_capacity_qps = 2;
  in.request_seconds = 4;
  in.gpus_per_worker = 1;
  in.usd_per_gpu_second = 0.001;
  in.warm_usd_per_gpu_second = 0.0008;
  in.idle_timeout_s = 5;
  in.cold_start_s = 60;
  in.ttft_slo_ms = 2000;
  in.warm_ttft_p95_ms = 500;
  return in;
}

TEST(plan_managed, BusyWorkersBillAllHourAtTheCheaperAlwaysOnRate) {
  // 5 req/s on 2 req/s workers: 3 workers every hour. Always-on is cheaper than flex here, so
  // the planner keeps all three warm.
  ServerlessCost c = serverless_cost(flat(5));
  ASSERT_TRUE(c.feasible);
  EXPECT_EQ(c.peak_workers, 3);
  EXPECT_EQ(c.warm_minimum, 3);
  EXPECT_EQ(c.warm_reason, "cheaper");
  EXPECT_NEAR(c.monthly_usd, 3 * 3600 * 24 * 0.0008 * kHoursPerMonth / 24, 1e-6);
  EXPECT_DOUBLE_EQ(c.cold_starts_per_day, 0);
}

TEST(plan_managed, ScaleToZeroBillsUpTimeAndStarts) {
  // 0.01 req/s, hold 9 s: away e^-0.09 of each hour; starts 36 x e^-0.09 per hour. Equal rates,
  // and the starts fit no SLO (60 s), and 91% of requests wait: over the 1% budget.
  ServerlessInput in = flat(0.01);
  in.warm_usd_per_gpu_second = in.usd_per_gpu_second;
  ServerlessCost c = serverless_cost(in);
  ASSERT_TRUE(c.feasible);
  const double away = std::exp(-0.01 * 9);
  EXPECT_NEAR(c.scale_to_zero_cold_share, away, 1e-12);
  EXPECT_EQ(c.warm_minimum, 1);
  EXPECT_EQ(c.warm_reason, "budget");
  const double day_zero = 24 * (3600 * (1 - away) + 36 * away * 60);
  EXPECT_NEAR(c.scale_to_zero_monthly_usd, day_zero * 0.001 * kHoursPerMonth / 24, 1e-6);
  EXPECT_NEAR(c.monthly_usd, 24 * 3600 * 0.001 * kHoursPerMonth / 24, 1e-6);
  // Without a TTFT SLO the starts do not matter: scale to zero, the cheaper bill.
  in.ttft_slo_ms.reset();
  c = serverless_cost(in);
  EXPECT_EQ(c.warm_minimum, 0);
  EXPECT_NEAR(c.cold_starts_per_day, 24 * 36 * away, 1e-9);
  EXPECT_NEAR(c.hours_at_zero_per_day, 24 * away, 1e-9);
  // A cold start that fits the SLO is allowed too.
  in.ttft_slo_ms = 70000;
  EXPECT_EQ(serverless_cost(in).warm_minimum, 0);
}

TEST(plan_managed, UnmeasuredColdStartKeepsAWarmWorker) {
  ServerlessInput in = flat(0.01);
  in.cold_start_s.reset();
  ServerlessCost c = serverless_cost(in);
  EXPECT_EQ(c.warm_minimum, 1);
  EXPECT_EQ(c.warm_reason, "unmeasured");
  in.scale_to_zero = false;
  in.cold_start_s = 1;
  EXPECT_EQ(serverless_cost(in).warm_reason, "no-scale-to-zero");
}

TEST(plan_managed, ColdStartsWithinTheTailBudgetScaleToZero) {
  // 1 req/s with a 5 s idle timeout: e^-9 = 0.012% of requests wait, under 1%.
  ServerlessInput in = flat(1);
  in.warm_usd_per_gpu_second = 1.5 * in.usd_per_gpu_second;
  ServerlessCost c = serverless_cost(in);
  EXPECT_EQ(c.warm_minimum, 0);
  EXPECT_NEAR(c.cold_share, std::exp(-9.0), 1e-12);
  EXPECT_LT(c.cold_share, kColdStartTailBudget);
}

}  // namespace
}  // namespace llmctl::plan
