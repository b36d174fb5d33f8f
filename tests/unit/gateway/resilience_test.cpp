#include "gateway/resilience.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace llmctl::gateway {
namespace {

BreakerPolicy policy(int consecutive, double rate, int min_requests, int cooldown_ms) {
  BreakerPolicy p;
  p.consecutive_failures = consecutive;
  p.failure_rate = rate;
  p.min_requests = min_requests;
  p.window_ms = 10000;
  p.cooldown_ms = cooldown_ms;
  p.half_open_probes = 1;
  return p;
}

TEST(WindowCounter, SumsInsideTheWindowOnly) {
  WindowCounter w(1000, 10);  // 100 ms buckets
  w.add(0, 1, 0);
  w.add(50, 1, 1);
  w.add(950, 2, 1);
  EXPECT_EQ(w.sum(990), (std::pair<std::uint64_t, std::uint64_t>{4, 2}));
  // At 1050 the first bucket (0..99) has left the window.
  EXPECT_EQ(w.sum(1050), (std::pair<std::uint64_t, std::uint64_t>{2, 1}));
  EXPECT_EQ(w.sum(5000), (std::pair<std::uint64_t, std::uint64_t>{0, 0}));
  // A bucket reused a window later starts from zero.
  w.add(1001, 1, 0);
  EXPECT_EQ(w.sum(1001), (std::pair<std::uint64_t, std::uint64_t>{3, 1}));
}

TEST(WindowCounter, ConcurrentAddsAreNotLost) {
  WindowCounter w(100000, 10);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) w.add(500, 1, 1);
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(w.sum(500), (std::pair<std::uint64_t, std::uint64_t>{80000, 80000}));
}

TEST(CircuitBreaker, OpensOnConsecutiveFailuresThenHalfOpensAndCloses) {
  CircuitBreaker b(policy(3, 0, 1000, 1000));
  std::int64_t t = 10000;
  for (int i = 0; i < 2; ++i) b.record(t, false, b.admit(t));
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  b.record(t, true, b.admit(t));  // a success resets the run
  for (int i = 0; i < 2; ++i) b.record(t, false, b.admit(t));
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  b.record(t, false, b.admit(t));
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  EXPECT_EQ(b.transitions(BreakerState::kOpen), 1u);
  // Open: nothing passes until the cool-down is over.
  EXPECT_FALSE(b.available(t + 999));
  EXPECT_EQ(b.admit(t + 999), Admission::kReject);
  EXPECT_TRUE(b.available(t + 1000));
  // Half-open: one probe at a time.
  Admission probe = b.admit(t + 1000);
  EXPECT_EQ(probe, Admission::kProbe);
  EXPECT_EQ(b.state(), BreakerState::kHalfOpen);
  EXPECT_FALSE(b.available(t + 1001));
  EXPECT_EQ(b.admit(t + 1001), Admission::kReject);
  // The probe fails: open again, with a fresh cool-down.
  b.record(t + 1100, false, probe);
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  EXPECT_EQ(b.admit(t + 2000), Admission::kReject);
  probe = b.admit(t + 2100);
  ASSERT_EQ(probe, Admission::kProbe);
  b.record(t + 2150, true, probe);
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  EXPECT_EQ(b.transitions(BreakerState::kOpen), 2u);
  EXPECT_EQ(b.transitions(BreakerState::kHalfOpen), 2u);
  EXPECT_EQ(b.transitions(BreakerState::kClosed), 1u);
  EXPECT_EQ(b.admit(t + 2200), Admission::kAllow);
  EXPECT_EQ(b.consecutive_failures(), 0);
}

TEST(CircuitBreaker, OpensOnErrorRateOnlyWithMinimumRequests) {
  CircuitBreaker b(policy(0, 0.5, 10, 1000));
  std::int64_t t = 50000;
  // Alternating success/failure: 50% but fewer than 10 requests -> stays closed.
  for (int i = 0; i < 9; ++i) b.record(t, i % 2 == 0, b.admit(t));
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  b.record(t, false, b.admit(t));  // 10 requests, 5 failures
  EXPECT_EQ(b.state(), BreakerState::kOpen);
}

TEST(CircuitBreaker, ErrorRateBelowThresholdStaysClosed) {
  CircuitBreaker b(policy(0, 0.5, 10, 1000));
  std::int64_t t = 50000;
  for (int i = 0; i < 100; ++i) b.record(t, i % 3 != 0, b.admit(t));  // 34% failures
  EXPECT_EQ(b.state(), BreakerState::kClosed);
}

TEST(CircuitBreaker, DisabledAlwaysAllows) {
  BreakerPolicy p = policy(1, 0, 1, 1000);
  p.enabled = false;
  CircuitBreaker b(p);
  for (int i = 0; i < 10; ++i) b.record(0, false, b.admit(0));
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  EXPECT_EQ(b.admit(0), Admission::kAllow);
}

TEST(RetryBudget, CapsRetriesAtRatioPlusMinimum) {
  RetryPolicy p;
  p.budget_ratio = 0.1;
  p.budget_min_per_s = 1;
  p.budget_window_ms = 10000;
  RetryBudget b(p);
  const std::int64_t t = 100000;
  // 1000 requests in the window: 0.1 * 1000 + 1/s * 10 s = 110 retries.
  int granted = 0;
  for (int i = 0; i < 1000; ++i) {
    b.on_request(t);
    if (b.try_retry(t)) ++granted;
  }
  EXPECT_EQ(granted, 110);
  EXPECT_FALSE(b.try_retry(t));
  // The window moves on: the budget comes back.
  EXPECT_TRUE(b.try_retry(t + 11000));
}

TEST(RetryBudget, MinimumAllowsRetriesWithLittleTraffic) {
  RetryPolicy p;
  p.budget_ratio = 0.2;
  p.budget_min_per_s = 10;
  p.budget_window_ms = 1000;
  RetryBudget b(p);
  int granted = 0;
  for (int i = 0; i < 50; ++i)
    if (b.try_retry(5000)) ++granted;
  EXPECT_EQ(granted, 10);
}

TEST(Backoff, FullJitterIsBoundedByExponentialCap) {
  RetryPolicy p;
  p.backoff_base_ms = 100;
  p.backoff_max_ms = 1000;
  EXPECT_DOUBLE_EQ(backoff_ms(p, 0, 0.999999), 100 * 0.999999);
  EXPECT_DOUBLE_EQ(backoff_ms(p, 2, 0.5), 200);   // cap 400
  EXPECT_DOUBLE_EQ(backoff_ms(p, 10, 0.5), 500);  // capped at 1000
  EXPECT_DOUBLE_EQ(backoff_ms(p, 3, 0), 0);
}

TEST(RetryAfter, SecondsAndHttpDate) {
  EXPECT_EQ(parse_retry_after("2", 0), 2000);
  EXPECT_EQ(parse_retry_after(" 0 ", 0), 0);
  EXPECT_EQ(parse_retry_after("1.5", 0), 1500);
  // 1445412480 is Wed, 21 Oct 2015 07:28:00 GMT.
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480 - 3), 3000);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480 + 60), 0);  // past
  EXPECT_EQ(parse_retry_after("soon", 0), std::nullopt);
  EXPECT_EQ(parse_retry_after("-1", 0), std::nullopt);
  EXPECT_EQ(parse_retry_after("", 0), std::nullopt);
  EXPECT_EQ(parse_retry_after("Wed, 21 Foo 2015 07:28:00 GMT", 0), std::nullopt);
}

TEST(ContextLength, RecognisesProviderWordings) {
  EXPECT_TRUE(is_context_length_error(
      400,
      R"({"error":{"message":"This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}})"));
  // vLLM (v0 and v1 engine wordings), SGLang, Anthropic.
  EXPECT_TRUE(is_context_length_error(
      400,
      R"({"object":"error","message":"This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4000 in the messages, 1000 in the completion).","type":"BadRequestError","param":null,"code":400})"));
  EXPECT_TRUE(is_context_length_error(
      400,
      R"({"error":{"message":"The decoder prompt (length 5000) is longer than the maximum model length of 4096.","type":"BadRequestError","code":400}})"));
  EXPECT_TRUE(is_context_length_error(
      400,
      R"({"error":{"message":"The input (5000 tokens) is longer than the model's context length (4096 tokens)."}})"));
  EXPECT_TRUE(is_context_length_error(
      400,
      R"({"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210000 tokens > 200000 maximum"}})"));
  // Other client errors, and a 5xx mentioning context, are not.
  EXPECT_FALSE(is_context_length_error(
      400,
      R"({"error":{"message":"Your request was rejected by our content policy.","code":"content_policy_violation"}})"));
  EXPECT_FALSE(is_context_length_error(500, "maximum context length"));
  EXPECT_FALSE(is_context_length_error(401, "context_length_exceeded"));
}

TEST(TimeoutHeader, ClampedWithinBounds) {
  EXPECT_EQ(clamp_timeout_ms("", 5000, 100), 5000);
  EXPECT_EQ(clamp_timeout_ms("abc", 5000, 100), 5000);
  EXPECT_EQ(clamp_timeout_ms("1500", 5000, 100), 1500);
  EXPECT_EQ(clamp_timeout_ms("99999", 5000, 100), 5000);  // never longer than configured
  EXPECT_EQ(clamp_timeout_ms("5", 5000, 100), 100);       // never below the floor
  EXPECT_EQ(clamp_timeout_ms("5", 50, 100), 50);          // a floor above the bound: the bound
}

TEST(Ewma, FirstSampleThenSmoothing) {
  Ewma e;
  EXPECT_LT(e.get(), 0);
  e.observe(100);
  EXPECT_DOUBLE_EQ(e.get(), 100);
  e.observe(200, 0.5);
  EXPECT_DOUBLE_EQ(e.get(), 150);
}

TEST(DeploymentRuntime, KeepsTheLastTenErrors) {
  DeploymentRuntime rt("a\nhttp://x", BreakerPolicy{});
  for (int i = 0; i < 15; ++i) rt.note_error(i, "timeout", std::to_string(i));
  auto errors = rt.recent_errors();
  ASSERT_EQ(errors.size(), 10u);
  EXPECT_EQ(errors.front().message, "5");
  EXPECT_EQ(errors.back().message, "14");
}

}  // namespace
}  // namespace llmctl::gateway
