// The engine-side routers of src/route (round_robin, random, least_kv_usage, cache_aware,
// kv_scorer, session), driven by fake replica signals.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "route/route.h"

namespace llmctl::route {
namespace {

struct Replicas : Signals {
  std::vector<bool> up;
  std::vector<int> load;
  std::vector<double> kv;
  std::vector<int> cached;  // leading blocks of any request each member holds
  explicit Replicas(std::size_t n) : up(n, true), load(n, 0), kv(n, 0), cached(n, 0) {}
  bool available(int d) const override { return up[static_cast<std::size_t>(d)]; }
  int outstanding(int d) const override { return load[static_cast<std::size_t>(d)]; }
  double kv_usage(int d) const override { return kv[static_cast<std::size_t>(d)]; }
  int cached_prefix_blocks(int d, std::span<const std::uint64_t> blocks) const override {
    return std::min<int>(cached[static_cast<std::size_t>(d)], static_cast<int>(blocks.size()));
  }
};

std::vector<Member> pool_of(int n) {
  std::vector<Member> members;
  for (int i = 0; i < n; ++i) members.push_back({.id = i, .name = "r" + std::to_string(i)});
  return members;
}

TEST(EngineRouters, NamesRoundTrip) {
  for (const char* name :
       {"round_robin", "random", "least_kv_usage", "cache_aware", "kv_scorer", "session"}) {
    auto s = parse_strategy(name);
    ASSERT_TRUE(s) << name;
    EXPECT_EQ(strategy_name(*s), name);
  }
}

TEST(RoundRobin, TakesMembersInTurnAndSkipsTheUnavailable) {
  auto p = make_policy(Strategy::kRoundRobin, pool_of(3));
  Replicas s(3);
  std::vector<int> out, firsts;
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(p->order({}, s, out), Reason::kRoundRobin);
    EXPECT_EQ(out.size(), 3u);
    firsts.push_back(out[0]);
  }
  EXPECT_EQ(firsts, (std::vector<int>{0, 1, 2, 0, 1, 2}));
  s.up[1] = false;
  firsts.clear();
  for (int i = 0; i < 3; ++i) {
    p->order({}, s, out);
    EXPECT_EQ(out.size(), 2u);
    firsts.push_back(out[0]);
  }
  EXPECT_EQ(firsts, (std::vector<int>{0, 2, 2}));  // turns 6, 7, 8: 0, (1 down) 2, 2
}

TEST(Random, UniformFirstChoice) {
  auto p = make_policy(Strategy::kRandom, pool_of(4));
  Replicas s(4);
  std::mt19937_64 rng(3);
  std::map<int, int> first;
  std::vector<int> out;
  const int n = 40000;
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(p->order({.random = rng()}, s, out), Reason::kRandom);
    ASSERT_EQ(out.size(), 4u);
    first[out[0]]++;
  }
  for (int id = 0; id < 4; ++id) EXPECT_NEAR(first[id] / double(n), 0.25, 0.01) << id;
}

TEST(LeastKvUsage, LowestUsageThenFewestInFlight) {
  auto p = make_policy(Strategy::kLeastKvUsage, pool_of(3));
  Replicas s(3);
  s.kv = {0.7, 0.2, 0.2};
  s.load = {0, 5, 3};
  std::vector<int> out;
  EXPECT_EQ(p->order({.random = 1}, s, out), Reason::kLeastKvUsage);
  EXPECT_EQ(out, (std::vector<int>{2, 1, 0}));
}

TEST(CacheAware, LongestCachedPrefixAboveTheThreshold) {
  auto p = make_policy(Strategy::kCacheAware, pool_of(3));
  Replicas s(3);
  const std::vector<std::uint64_t> blocks = {11, 12, 13, 14};
  s.cached = {1, 3, 0};  // shares 0.25, 0.75, 0
  s.load = {0, 4, 0};
  std::vector<int> out;
  EXPECT_EQ(p->order({.prefix_blocks = blocks}, s, out), Reason::kCacheMatch);
  EXPECT_EQ(out[0], 1);
  // Below the threshold (0.3): the least loaded, ties to the most free KV cache.
  s.cached = {1, 0, 0};
  s.kv = {0.5, 0.9, 0.1};
  EXPECT_EQ(p->order({.prefix_blocks = blocks}, s, out), Reason::kCacheMiss);
  EXPECT_EQ(out, (std::vector<int>{2, 0, 1}));  // loads 0, 4, 0: r2 and r0 by KV, then r1
  s.load = {0, 0, 3};
  EXPECT_EQ(p->order({.prefix_blocks = blocks}, s, out), Reason::kCacheMiss);
  EXPECT_EQ(out, (std::vector<int>{0, 1, 2}));
}

TEST(CacheAware, ImbalanceOverridesTheCache) {
  auto p = make_policy(Strategy::kCacheAware, pool_of(2));
  Replicas s(2);
  const std::vector<std::uint64_t> blocks = {1, 2};
  s.cached = {2, 0};
  s.load = {100, 30};  // 70 over the idlest (> 64) and 3.3x (> 1.5x)
  std::vector<int> out;
  EXPECT_EQ(p->order({.prefix_blocks = blocks}, s, out), Reason::kCacheBalance);
  EXPECT_EQ(out[0], 1);
  s.load = {60, 30};  // 30 over: balanced enough, the cache wins
  EXPECT_EQ(p->order({.prefix_blocks = blocks}, s, out), Reason::kCacheMatch);
  EXPECT_EQ(out[0], 0);
}

TEST(KvScorer, WeighsPrefixQueueAndKv) {
  auto p = make_policy(Strategy::kKvScorer, pool_of(3));
  Replicas s(3);
  const std::vector<std::uint64_t> blocks = {1, 2, 3, 4};
  // Weights 3 (prefix share), 2 (queue), 2 (free KV):
  // r0: all cached 3 + longest queue 0 + kv 0.5 -> 1   = 4.0;
  // r1: none cached 0 + shortest queue 2 + kv 0.1 -> 1.8 = 3.8;
  // r2: half cached 1.5 + middle queue 1 + kv 0.5 -> 1  = 3.5.
  s.cached = {4, 0, 2};
  s.load = {10, 0, 5};
  s.kv = {0.5, 0.1, 0.5};
  std::vector<int> out;
  EXPECT_EQ(p->order({.prefix_blocks = blocks}, s, out), Reason::kScored);
  EXPECT_EQ(out, (std::vector<int>{0, 1, 2}));
  s.cached = {0, 0, 0};  // no cache anywhere: the short queue and free KV win
  p->order({.prefix_blocks = blocks}, s, out);
  EXPECT_EQ(out[0], 1);
}

TEST(Session, StickyPerSessionAndMovesOnlyWhenHomeIsDown) {
  auto p = make_policy(Strategy::kSession, pool_of(4));
  Replicas s(4);
  std::vector<int> out;
  std::map<std::uint64_t, int> home;
  std::map<int, int> spread;
  for (std::uint64_t session = 1; session <= 400; ++session) {
    EXPECT_EQ(p->order({.random = session * 7, .session = session}, s, out), Reason::kSessionHome);
    home[session] = out[0];
    spread[out[0]]++;
    p->order({.random = session * 13, .session = session}, s, out);  // other draws: same home
    EXPECT_EQ(out[0], home[session]);
  }
  for (int id = 0; id < 4; ++id) EXPECT_GT(spread[id], 50) << id;
  s.up[2] = false;
  for (std::uint64_t session = 1; session <= 400; ++session) {
    const Reason why = p->order({.session = session}, s, out);
    if (home[session] == 2) {
      EXPECT_EQ(why, Reason::kSessionUnavailable);
      EXPECT_NE(out[0], 2);
    } else {
      EXPECT_EQ(out[0], home[session]);  // the others stay put
    }
  }
  // No session key: the fewest in flight.
  s.load = {3, 1, 0, 2};
  EXPECT_EQ(p->order({.random = 9}, s, out), Reason::kLeastOutstanding);
  EXPECT_EQ(out[0], 1);
}

TEST(EngineRouters, GatewaySignalsWithoutKvFallBackToLoad) {
  // The gateway knows no KV usage or cache contents (-1): least_kv_usage and kv_scorer then
  // route by the fewest in flight.
  struct GatewayLike : Signals {
    std::vector<int> load = {4, 1, 3};
    bool available(int) const override { return true; }
    int outstanding(int d) const override { return load[static_cast<std::size_t>(d)]; }
  } g;
  std::vector<int> out;
  for (Strategy st : {Strategy::kLeastKvUsage, Strategy::kKvScorer, Strategy::kCacheAware}) {
    auto p = make_policy(st, pool_of(3));
    p->order({.random = 5}, g, out);
    EXPECT_EQ(out[0], 1) << strategy_name(st);
  }
}

}  // namespace
}  // namespace llmctl::route
