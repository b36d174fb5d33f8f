// The embedded limiter's semantics, and its exactness under many threads. The Redis store runs
// the same cases against a real redis-server (redis_test.cpp).
#include "store/memory.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

namespace llmctl::store {
namespace {

constexpr std::int64_t kT0 = 1'800'000'000'000;

Scope scope(ScopeKind kind, std::string name, RateLimits l = {}, BudgetLimit b = {}) {
  Scope s;
  s.kind = kind;
  s.name = std::move(name);
  s.limits = l;
  s.budget = b;
  return s;
}

Admission admission(std::string id, std::int64_t now, std::vector<Scope> scopes,
                    std::int64_t tokens = 0, Nanos reserve = 0) {
  Admission a;
  a.request_id = std::move(id);
  a.now_ms = now;
  a.tokens = tokens;
  a.reserve = reserve;
  a.scopes = std::move(scopes);
  return a;
}

Settlement settlement(const Admission& a, std::int64_t now, std::int64_t tokens, Nanos cost) {
  Settlement s;
  s.request_id = a.request_id;
  s.admitted_ms = a.now_ms;
  s.now_ms = now;
  s.estimated_tokens = a.tokens;
  s.actual_tokens = tokens;
  s.reserved = a.reserve;
  s.cost = cost;
  s.scopes = a.scopes;
  return s;
}

TEST(EmbeddedLimiter, RequestsPerMinuteIsASlidingWindow) {
  EmbeddedLimiter l;
  const Scope k = scope(ScopeKind::kKey, "k", {.rpm = 3});
  for (int i = 0; i < 3; ++i) {
    auto r = l.admit_now(admission("r" + std::to_string(i), kT0 + i * 1000, {k}));
    ASSERT_EQ(r.decision, Decision::kAdmitted);
    EXPECT_EQ(r.requests.limit, 3);
    EXPECT_EQ(r.requests.remaining, 2 - i);
  }
  auto refused = l.admit_now(admission("r3", kT0 + 30000, {k}));
  EXPECT_EQ(refused.decision, Decision::kRateLimited);
  EXPECT_EQ(refused.limit, LimitKind::kRequests);
  EXPECT_EQ(refused.scope, 0);
  EXPECT_EQ(refused.retry_after_ms, 30000);  // the first admission leaves the window at T0+60s
  // Still refused 1 ms before, admitted right at the boundary; never 4 in any 60 s.
  EXPECT_EQ(l.admit_now(admission("r4", kT0 + 59999, {k})).decision, Decision::kRateLimited);
  EXPECT_EQ(l.admit_now(admission("r5", kT0 + 60000, {k})).decision, Decision::kAdmitted);
  EXPECT_EQ(l.admit_now(admission("r6", kT0 + 60500, {k})).decision, Decision::kRateLimited);
}

TEST(EmbeddedLimiter, AllScopesOrNone) {
  EmbeddedLimiter l;
  const Scope key = scope(ScopeKind::kKey, "k", {.rpm = 10});
  const Scope team = scope(ScopeKind::kTeam, "t", {.rpm = 1});
  ASSERT_EQ(l.admit_now(admission("a", kT0, {key, team})).decision, Decision::kAdmitted);
  auto r = l.admit_now(admission("b", kT0, {key, team}));
  ASSERT_EQ(r.decision, Decision::kRateLimited);
  EXPECT_EQ(r.scope, 1);  // the team refused ...
  // ... and the key's count was not spent on the refused request: 9 more pass.
  for (int i = 0; i < 9; ++i)
    EXPECT_EQ(l.admit_now(admission("c" + std::to_string(i), kT0, {key})).decision,
              Decision::kAdmitted);
  EXPECT_EQ(l.admit_now(admission("d", kT0, {key})).decision, Decision::kRateLimited);
}

TEST(EmbeddedLimiter, TokensAreEstimatedThenReconciled) {
  EmbeddedLimiter l;
  const Scope k = scope(ScopeKind::kKey, "k", {.tpm = 1000});
  auto a = admission("a", kT0, {k}, 800);
  ASSERT_EQ(l.admit_now(a).decision, Decision::kAdmitted);
  auto b = admission("b", kT0 + 10, {k}, 300);
  auto refused = l.admit_now(b);
  EXPECT_EQ(refused.decision, Decision::kRateLimited);
  EXPECT_EQ(refused.limit, LimitKind::kTokens);
  EXPECT_EQ(refused.retry_after_ms, 60000 - 10);
  // The real usage was 200 tokens: room for b now.
  l.settle_now(settlement(a, kT0 + 20, 200, 0));
  EXPECT_EQ(l.admit_now(b).decision, Decision::kAdmitted);
  // A request larger than the whole limit never passes.
  auto huge = l.admit_now(admission("h", kT0 + 30, {k}, 5000));
  EXPECT_EQ(huge.decision, Decision::kRateLimited);
  EXPECT_EQ(huge.retry_after_ms, kRateWindowMs);
}

TEST(EmbeddedLimiter, ParallelSlotsFreeAtSettlement) {
  EmbeddedLimiter l;
  const Scope k = scope(ScopeKind::kKey, "k", {.max_parallel = 2});
  auto a = admission("a", kT0, {k}), b = admission("b", kT0, {k});
  ASSERT_EQ(l.admit_now(a).decision, Decision::kAdmitted);
  ASSERT_EQ(l.admit_now(b).decision, Decision::kAdmitted);
  auto c = admission("c", kT0, {k});
  EXPECT_EQ(l.admit_now(c).limit, LimitKind::kParallel);
  l.settle_now(settlement(a, kT0 + 5, 0, 0));
  EXPECT_EQ(l.admit_now(c).decision, Decision::kAdmitted);
}

TEST(EmbeddedLimiter, BudgetReservesTheWorstCaseThenCharges) {
  EmbeddedLimiter l;
  const Scope k =
      scope(ScopeKind::kKey, "k", {}, {.hard = 1000, .soft = 600, .period = Period::kMonth});
  auto a = admission("a", kT0, {k}, 0, 700);
  ASSERT_EQ(l.admit_now(a).decision, Decision::kAdmitted);
  // 700 reserved: a second worst case of 400 does not fit while the first is in flight — busy
  // (retry soon), not spent.
  auto b = admission("b", kT0, {k}, 0, 400);
  auto refused = l.admit_now(b);
  EXPECT_EQ(refused.decision, Decision::kRateLimited);
  EXPECT_EQ(refused.limit, LimitKind::kBudget);
  EXPECT_EQ(refused.retry_after_ms, 1000);
  auto crossings = l.settle_now(settlement(a, kT0 + 1, 0, 650));
  ASSERT_EQ(crossings.size(), 1u);
  EXPECT_EQ(crossings[0].spent, 650);
  EXPECT_TRUE(crossings[0].soft_crossed);
  EXPECT_FALSE(crossings[0].hard_reached);
  EXPECT_EQ(l.admit_now(admission("c", kT0, {k}, 0, 350)).decision, Decision::kAdmitted);
  EXPECT_EQ(l.admit_now(admission("d", kT0, {k}, 0, 1)).decision, Decision::kRateLimited);
  BudgetState st = l.budget_state(k, kT0);
  EXPECT_EQ(st.spent, 650);
  EXPECT_EQ(st.reserved, 350);
  // Spent in full: now no worst case fits even with nothing in flight.
  l.settle_now(settlement(admission("c", kT0, {k}, 0, 350), kT0 + 2, 0, 350));
  auto spent = l.admit_now(admission("f", kT0, {k}, 0, 1));
  EXPECT_EQ(spent.decision, Decision::kOverBudget);
  EXPECT_EQ(spent.limit, LimitKind::kBudget);
  // A new month starts from zero.
  EXPECT_EQ(l.admit_now(admission("e", kT0 + 40LL * 86400000, {k}, 0, 900)).decision,
            Decision::kAdmitted);
}

TEST(EmbeddedLimiter, OfflineSettlementsCountWhatHappened) {
  EmbeddedLimiter l;
  const Scope k = scope(ScopeKind::kKey, "k", {.rpm = 2, .tpm = 100}, {.hard = 100});
  Settlement s;
  s.request_id = "x";
  s.admitted_ms = kT0;
  s.now_ms = kT0 + 100;
  s.actual_tokens = 90;
  s.cost = 80;
  s.offline = true;
  s.scopes = {k};
  l.settle_now(s);
  EXPECT_EQ(l.budget_state(k, kT0).spent, 80);
  // The request and its tokens count in the window they happened in.
  auto r = l.admit_now(admission("y", kT0 + 200, {k}, 20, 10));
  EXPECT_EQ(r.limit, LimitKind::kTokens);
  EXPECT_EQ(l.admit_now(admission("z", kT0 + 200, {k}, 10, 30)).limit, LimitKind::kBudget);
}

TEST(EmbeddedLimiter, SpendSurvivesThroughDirtyRows) {
  EmbeddedLimiter a;
  const Scope k = scope(ScopeKind::kTeam, "t", {}, {.hard = 500, .period = Period::kDay});
  auto ad = admission("a", kT0, {k}, 0, 100);
  ASSERT_EQ(a.admit_now(ad).decision, Decision::kAdmitted);
  a.settle_now(settlement(ad, kT0, 0, 450));
  auto rows = a.take_dirty();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].scope, "team:t");
  EXPECT_EQ(rows[0].spent, 450);
  EXPECT_TRUE(a.take_dirty().empty());
  EmbeddedLimiter b;
  b.load(rows);
  EXPECT_EQ(b.admit_now(admission("b", kT0, {k}, 0, 51)).decision, Decision::kOverBudget);
  EXPECT_EQ(b.admit_now(admission("c", kT0, {k}, 0, 50)).decision, Decision::kAdmitted);
}

// Many threads hammer one scope: exactly `limit` admissions.
TEST(EmbeddedLimiter, RequestLimitExactUnderManyThreads) {
  EmbeddedLimiter l;
  const Scope key = scope(ScopeKind::kKey, "k", {.rpm = 250});
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i)
        if (l.admit_now(admission(std::to_string(t) + "-" + std::to_string(i), kT0 + i, {key}))
                .decision == Decision::kAdmitted)
          ++admitted;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(admitted.load(), 250);
}

// Concurrent reserve/settle cycles until the budget is used up: never overspent, nothing lost.
TEST(EmbeddedLimiter, BudgetNeverOverspentUnderManyThreads) {
  EmbeddedLimiter l;
  const Nanos hard = 1'000'000, worst = 10'000;
  const Scope team = scope(ScopeKind::kTeam, "t", {}, {.hard = hard});
  std::atomic<Nanos> charged{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      std::uniform_int_distribution<Nanos> cost(1000, worst);
      for (int i = 0; i < 100; ++i) {
        auto a = admission(std::to_string(t) + "-" + std::to_string(i), kT0, {team}, 0, worst);
        if (l.admit_now(a).decision != Decision::kAdmitted) continue;
        const Nanos c = cost(rng);
        charged += c;
        l.settle_now(settlement(a, kT0, 0, c));
      }
    });
  for (auto& th : threads) th.join();
  // Use up what is left, one request at a time.
  for (int i = 0;; ++i) {
    auto a = admission("tail-" + std::to_string(i), kT0, {team}, 0, worst);
    if (l.admit_now(a).decision != Decision::kAdmitted) break;
    charged += worst;
    l.settle_now(settlement(a, kT0, 0, worst));
  }
  const BudgetState b = l.budget_state(team, kT0);
  EXPECT_EQ(b.spent, charged.load());
  EXPECT_LE(b.spent, hard);
  EXPECT_GT(b.spent, hard - worst);
  EXPECT_EQ(b.reserved, 0);
}

}  // namespace
}  // namespace llmctl::store
