// The Redis store's rate window (layout 2: one-second buckets in a hash per scope) against a real
// redis-server, on an injected clock (every admission carries its own now_ms): no 60 s window
// ever holds rpm + 1 admissions or tpm + 1 tokens, a refusal comes at most 1 s earlier than an
// exact sliding log's, Retry-After is exact to the millisecond, tokens are reconciled at
// settlement while their bucket counts (once, however often the settlement is replayed), and
// the hash keeps about a minute of buckets.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "redis_fixture.h"
#include "store/redis.h"

namespace llmctl::store {
namespace {

using testing::RedisServer;

constexpr std::int64_t kT0 = 1'800'000'000'000;  // a whole second

Scope scope(std::string name, RateLimits l, BudgetLimit b = {}) {
  Scope s;
  s.kind = ScopeKind::kKey;
  s.name = std::move(name);
  s.limits = l;
  s.budget = b;
  return s;
}

Admission admission(std::string id, std::int64_t now, const Scope& s, std::int64_t tokens = 0,
                    Nanos reserve = 0) {
  Admission a;
  a.request_id = std::move(id);
  a.now_ms = now;
  a.tokens = tokens;
  a.reserve = reserve;
  a.scopes = {s};
  return a;
}

Settlement settlement(const Admission& a, std::int64_t now, std::int64_t tokens, Nanos cost = 0) {
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

// An admitted request as an exact sliding log sees it: its time and (current) tokens.
struct Entry {
  std::int64_t at = 0;
  std::int64_t tokens = 0;
};

// Sum of `Entry::tokens` (or the count, when count is set) with at in (now - span, now].
std::int64_t in_window(const std::deque<Entry>& log, std::int64_t now, std::int64_t span,
                       bool count) {
  std::int64_t sum = 0;
  for (const Entry& e : log)
    if (e.at > now - span && e.at <= now) sum += count ? 1 : e.tokens;
  return sum;
}

// The same sum as the buckets see it: entries of the seconds still counting at `now` (a second's
// bucket counts until its last millisecond has left the 60 s window).
std::int64_t in_buckets(const std::deque<Entry>& log, std::int64_t now, bool count) {
  const std::int64_t live = (now - 59999) / 1000;
  std::int64_t sum = 0;
  for (const Entry& e : log)
    if (e.at / 1000 >= live && e.at <= now) sum += count ? 1 : e.tokens;
  return sum;
}

class RedisWindow : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    ASSERT_TRUE(server_.start(why)) << why;
    auto c = RedisClient::connect(server_.options("win:"));
    ASSERT_TRUE(c) << c.error().message;
    c_ = std::move(*c);
  }
  AdmitResult admit(const Admission& a) {
    auto r = c_->admit(a);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : AdmitResult{};
  }
  std::string field(const std::string& key, const std::string& name) {
    auto r = c_->command({"HGET", key, name});
    if (!r || (*r)->type != REDIS_REPLY_STRING) return "";
    return std::string((*r)->str, (*r)->len);
  }
  RedisServer server_;
  std::unique_ptr<RedisClient> c_;
};

// Five minutes of bursty arrivals on rpm 40: after every admission the exact sliding log holds at
// most 40 in the last 60 s; every refusal would also have been one with a 61 s log (at most 1 s
// early); after a refusal the clock jumps to its Retry-After: 1 ms before it the request is still
// refused, at it admitted.
TEST_F(RedisWindow, RequestsNeverPassTheLimitInAnyWindow) {
  const std::int64_t limit = 40;
  const Scope k = scope("rpm", {.rpm = limit});
  std::mt19937_64 rng(7);
  std::exponential_distribution<double> gap(1.0 / 900);  // ~67 a minute: refusals every minute
  std::deque<Entry> log;
  std::int64_t now = kT0, admitted = 0, refused = 0, probes = 0;
  int id = 0;
  while (now < kT0 + 5 * 60000) {
    now += static_cast<std::int64_t>(gap(rng)) + (rng() % 8 == 0 ? 0 : 1);
    const std::int64_t counted = in_buckets(log, now, true);
    AdmitResult r = admit(admission("r" + std::to_string(id++), now, k));
    ASSERT_EQ(r.decision == Decision::kAdmitted, counted < limit) << "at +" << now - kT0 << " ms";
    if (r.decision == Decision::kAdmitted) {
      log.push_back({now, 1});
      ++admitted;
      ASSERT_LE(in_window(log, now, 60000, true), limit) << "at +" << now - kT0 << " ms";
      EXPECT_EQ(r.requests.remaining, limit - counted - 1);
      continue;
    }
    ASSERT_EQ(r.decision, Decision::kRateLimited);
    ASSERT_EQ(r.limit, LimitKind::kRequests);
    ++refused;
    // An exact sliding log over 61 s would have refused it too.
    EXPECT_GE(in_window(log, now, 61000, true), limit) << "at +" << now - kT0 << " ms";
    ASSERT_GT(r.retry_after_ms, 0);
    ASSERT_LE(r.retry_after_ms, 61000);
    if (rng() % 3 == 0) {
      ++probes;
      const std::int64_t at = now + r.retry_after_ms;
      EXPECT_EQ(admit(admission("p" + std::to_string(id++), at - 1, k)).decision,
                Decision::kRateLimited)
          << "1 ms before Retry-After";
      AdmitResult ok = admit(admission("p" + std::to_string(id++), at, k));
      EXPECT_EQ(ok.decision, Decision::kAdmitted) << "at Retry-After";
      now = at;
      if (ok.decision == Decision::kAdmitted) {
        log.push_back({now, 1});
        ++admitted;
        ASSERT_LE(in_window(log, now, 60000, true), limit);
      }
    }
  }
  // The buckets waste at most a second of each minute: close to the limit per minute.
  EXPECT_GE(admitted, 5 * limit - limit / 10) << refused << " refused";
  EXPECT_GT(refused, 0);
  EXPECT_GT(probes, 0);
}

// Tokens on tpm 5,000 with estimates replaced by real counts at settlement (settled 0-3 s later,
// each settlement sent twice, as a replay after a lost reply would): after every admission the
// tokens of the last 60 s — real counts where settled, estimates otherwise — plus nothing more
// stay within the limit, counted once.
TEST_F(RedisWindow, TokensReconciledOnceAndNeverPastTheLimit) {
  const std::int64_t limit = 5000;
  // A concurrency limit far above the load: its slot tells a replay from the first settlement.
  const Scope with_slot = scope("tpm", {.tpm = limit, .max_parallel = 1000});
  // No slot and no reservation: a marker tells it.
  const Scope bare = scope("bare", {.tpm = limit});
  for (const Scope& k : {with_slot, bare}) {
    SCOPED_TRACE(k.name);
    std::mt19937_64 rng(11);
    std::uniform_int_distribution<std::int64_t> est(50, 400), real(0, 600), later(0, 3000);
    std::deque<Entry> log;
    struct Open {
      Admission a;
      std::size_t entry;
      std::int64_t due;
    };
    std::vector<Open> open;
    std::int64_t now = kT0, admitted = 0, refused = 0;
    int id = 0;
    std::size_t base = 0;  // log entries dropped from the front
    while (now < kT0 + 4 * 60000) {
      now += 1 + static_cast<std::int64_t>(rng() % 400);
      // Settle what is due, twice.
      for (auto it = open.begin(); it != open.end();) {
        if (it->due > now) {
          ++it;
          continue;
        }
        const std::int64_t tokens = real(rng);
        ASSERT_TRUE(c_->settle(settlement(it->a, now, tokens)));
        ASSERT_TRUE(c_->settle(settlement(it->a, now, tokens)));
        if (it->entry >= base) log[it->entry - base].tokens = tokens;
        it = open.erase(it);
      }
      while (!log.empty() && log.front().at <= now - 70000) {
        log.pop_front();
        ++base;
      }
      Admission a = admission(k.name + std::to_string(id++), now, k, est(rng));
      AdmitResult r = admit(a);
      if (r.decision == Decision::kAdmitted) {
        ++admitted;
        log.push_back({now, a.tokens});
        open.push_back({a, base + log.size() - 1, now + later(rng)});
        ASSERT_LE(in_window(log, now, 60000, false), limit) << "at +" << now - kT0 << " ms";
        EXPECT_EQ(r.tokens.limit, limit);
        EXPECT_GE(r.tokens.remaining, 0);
        continue;
      }
      ASSERT_EQ(r.limit, LimitKind::kTokens);
      ++refused;
      // Refused only when a 61 s exact log would not fit it either.
      EXPECT_GT(in_window(log, now, 61000, false) + a.tokens, limit)
          << "at +" << now - kT0 << " ms";
    }
    EXPECT_GT(admitted, 0);
    EXPECT_GT(refused, 0);
  }
}

TEST_F(RedisWindow, TokenRetryAfterAndReconcileOnlyWhileTheBucketCounts) {
  const Scope k = scope("k", {.tpm = 1000});
  const Admission a = admission("a", kT0 + 100, k, 600);   // bucket kT0
  const Admission b = admission("b", kT0 + 2500, k, 300);  // bucket kT0 + 2 s
  ASSERT_EQ(admit(a).decision, Decision::kAdmitted);
  ASSERT_EQ(admit(b).decision, Decision::kAdmitted);
  // 200 more do not fit (900 + 200): a's bucket must leave, at kT0 + 60999.
  AdmitResult r = admit(admission("c", kT0 + 3000, k, 200));
  ASSERT_EQ(r.limit, LimitKind::kTokens);
  EXPECT_EQ(r.retry_after_ms, 60999 - 3000);
  EXPECT_EQ(r.tokens.remaining, 100);
  // 800 need both buckets gone: b's leaves at kT0 + 62999.
  EXPECT_EQ(admit(admission("d", kT0 + 3000, k, 800)).retry_after_ms, 62999 - 3000);
  // More than the whole limit: a full window.
  EXPECT_EQ(admit(admission("e", kT0 + 3000, k, 1001)).retry_after_ms, 60000);
  // a used 100 tokens, not 600: 500 come back at once.
  ASSERT_TRUE(c_->settle(settlement(a, kT0 + 4000, 100)));
  EXPECT_EQ(admit(admission("f", kT0 + 4000, k, 600)).decision, Decision::kAdmitted);
  EXPECT_EQ(field("win:w:key:k", "_t"), "1000");
  // b settles after its bucket left the window: nothing changes (it no longer counts).
  ASSERT_TRUE(c_->settle(settlement(b, kT0 + 63000, 0)));
  EXPECT_EQ(field("win:w:key:k", "_t"), "1000");
  // The next admission drops the buckets that left: f's 600 remain.
  ASSERT_EQ(admit(admission("g", kT0 + 63000, k, 0)).decision, Decision::kAdmitted);
  EXPECT_EQ(field("win:w:key:k", "_t"), "600");
}

TEST_F(RedisWindow, HashKeepsAMinuteAndExpires) {
  const Scope k = scope("k", {.rpm = 100000, .tpm = 100000000});
  for (std::int64_t t = 0; t < 5 * 60000; t += 250)
    ASSERT_EQ(admit(admission("x" + std::to_string(t), kT0 + t, k, 10)).decision,
              Decision::kAdmitted);
  auto len = c_->command({"HLEN", "win:w:key:k"});
  ASSERT_TRUE(len);
  // 61 seconds of request and token buckets, and five fields of its own.
  EXPECT_LE((*len)->integer, 2 * 61 + 5);
  EXPECT_EQ(field("win:w:key:k", "_r"), "244");  // 61 seconds of 4 each
  auto ttl = c_->command({"PTTL", "win:w:key:k"});
  ASSERT_TRUE(ttl);
  EXPECT_GT((*ttl)->integer, 0);
  EXPECT_LE((*ttl)->integer, 62000);
}

// A replica whose clock is behind the others' counts in the oldest bucket kept (later, so
// conservative), and its admission still counts toward the limit.
TEST_F(RedisWindow, ClockBehindCountsInTheOldestBucketKept) {
  const Scope k = scope("k", {.rpm = 2});
  ASSERT_EQ(admit(admission("ahead", kT0 + 70000, k)).decision, Decision::kAdmitted);
  ASSERT_EQ(admit(admission("behind", kT0 + 1000, k)).decision, Decision::kAdmitted);
  EXPECT_EQ(admit(admission("third", kT0 + 70000, k)).decision, Decision::kRateLimited);
  EXPECT_EQ(field("win:w:key:k", "r" + std::to_string(kT0 / 1000 + 10)), "1");
}

// Layout 1 (a sorted set per scope) left by an older llmctl: budgets share its hash, so the
// spend carries over, and its reservations are charged when their lease passes.
TEST_F(RedisWindow, Layout1BudgetsCarryOver) {
  const Scope k = scope("k", {}, {.hard = 1000, .period = Period::kTotal});
  ASSERT_TRUE(c_->command({"HSET", "win:b:key:k:0", "spent", "300", "reserved", "200"}));
  ASSERT_TRUE(c_->command({"ZADD", "win:bz:key:k:0", std::to_string(kT0 + 500), "old-1"}));
  ASSERT_TRUE(c_->command({"HSET", "win:bh:key:k:0", "old-1", "200"}));
  // 300 spent + 200 reserved by the old replica + 600 > 1000: busy while its lease runs.
  EXPECT_EQ(admit(admission("a", kT0, k, 0, 600)).limit, LimitKind::kBudget);
  // The lease passed: charged in full (500 spent), and 600 more no longer fit at all.
  AdmitResult r = admit(admission("b", kT0 + 1000, k, 0, 600));
  EXPECT_EQ(r.decision, Decision::kOverBudget);
  auto st = c_->budget_states({k}, kT0);
  ASSERT_TRUE(st);
  EXPECT_EQ((*st)[0].spent, 500);
  EXPECT_EQ((*st)[0].reserved, 0);
  ASSERT_EQ(admit(admission("c", kT0 + 1000, k, 0, 500)).decision, Decision::kAdmitted);
}

}  // namespace
}  // namespace llmctl::store
