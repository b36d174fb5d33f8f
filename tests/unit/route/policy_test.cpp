// The routing policies of src/route, driven by fake live signals.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>

#include "route/hash.h"
#include "route/route.h"

namespace llmctl::route {
namespace {

struct FakeSignals : Signals {
  std::vector<bool> up;
  std::vector<int> load;
  std::vector<double> ewma;
  explicit FakeSignals(std::size_t n) : up(n, true), load(n, 0), ewma(n, -1) {}
  bool available(int d) const override { return up[static_cast<std::size_t>(d)]; }
  int outstanding(int d) const override { return load[static_cast<std::size_t>(d)]; }
  double ttft_ewma_ms(int d) const override { return ewma[static_cast<std::size_t>(d)]; }
};

std::vector<Member> pool_of(int n, std::vector<double> weights = {}) {
  std::vector<Member> members;
  for (int i = 0; i < n; ++i)
    members.push_back({.id = i,
                       .weight = weights.empty() ? 1 : weights[static_cast<std::size_t>(i)],
                       .name = "replica-" + std::to_string(i)});
  return members;
}

std::uint64_t key_of(const std::string& text) {
  BoundedHasher h(2048);
  h.feed(text);
  return h.key();
}

TEST(Strategy, NamesRoundTrip) {
  for (Strategy s : all_strategies()) EXPECT_EQ(parse_strategy(strategy_name(s)), s);
  EXPECT_FALSE(parse_strategy("round_robin_typo"));
  EXPECT_EQ(reason_name(Reason::kPrefixUnavailable), "prefix_home_unavailable");
}

TEST(Weighted, FirstChoiceFollowsWeights) {
  auto p = make_policy(Strategy::kWeighted, pool_of(3, {1, 3, 0}));
  IdleSignals idle;
  std::mt19937_64 rng(7);
  std::map<int, int> first;
  std::vector<int> out;
  const int n = 40000;
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(p->order({.random = rng()}, idle, out), Reason::kWeighted);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[2], 2);  // weight 0: the fallback, last
    first[out[0]]++;
  }
  EXPECT_NEAR(first[0] / double(n), 0.25, 0.01);
  EXPECT_NEAR(first[1] / double(n), 0.75, 0.01);
  EXPECT_EQ(first[2], 0);
}

TEST(Weighted, SkipsUnavailableAndRedrawsAmongTheRest) {
  auto p = make_policy(Strategy::kWeighted, pool_of(3, {1, 1, 0}));
  FakeSignals s(3);
  s.up[0] = false;
  std::vector<int> out;
  std::mt19937_64 rng(1);
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(p->order({.random = rng()}, s, out), Reason::kWeighted);
    EXPECT_EQ(out, (std::vector<int>{1, 2}));  // weight 0 only as the fallback
  }
  s.up[1] = false;
  s.up[2] = false;
  EXPECT_EQ(p->order({.random = 5}, s, out), Reason::kNoneAvailable);
  EXPECT_TRUE(out.empty());
  // The panic view calls everyone available again.
  PanicSignals panic(s);
  EXPECT_EQ(p->order({.random = 5}, panic, out), Reason::kWeighted);
  EXPECT_EQ(out.size(), 3u);
}

TEST(Weighted, IdsAreTheCallersHandles) {
  // A pool whose ids are not 0..n-1 (a gateway group of deployments 4 and 7).
  auto p = make_policy(Strategy::kWeighted,
                       {{.id = 7, .weight = 1, .name = "a"}, {.id = 4, .weight = 0, .name = "b"}});
  IdleSignals idle;
  std::vector<int> out;
  p->order({.random = 99}, idle, out);
  EXPECT_EQ(out, (std::vector<int>{7, 4}));
}

TEST(LeastOutstanding, PicksTheLeastLoadedPerWeight) {
  auto p = make_policy(Strategy::kLeastOutstanding, pool_of(3, {1, 2, 1}));
  FakeSignals s(3);
  s.load = {2, 3, 1};  // per weight: (2+1)/1=3, (3+1)/2=2, (1+1)/1=2 -> tie 1 and 2
  std::vector<int> out;
  std::map<int, int> first;
  for (std::uint64_t r = 0; r < 30; ++r) {
    EXPECT_EQ(p->order({.random = r}, s, out), Reason::kLeastOutstanding);
    ASSERT_EQ(out.size(), 3u);
    first[out[0]]++;
    EXPECT_EQ(out[2], 0);
  }
  EXPECT_EQ(first[0], 0);
  EXPECT_GT(first[1], 0);  // ties are shared
  EXPECT_GT(first[2], 0);
}

TEST(Latency, PrefersLowTtftAndExploresUnsampledFirst) {
  auto p = make_policy(Strategy::kLatency, pool_of(3));
  FakeSignals s(3);
  s.ewma = {50, 20, 80};
  std::vector<int> out;
  int fastest = 0, explore = 0;
  const int n = 2000;
  std::mt19937_64 rng(3);
  for (int i = 0; i < n; ++i) {
    Reason why = p->order({.random = rng()}, s, out);
    if (why == Reason::kLatencyExplore) ++explore;
    if (why == Reason::kLatency) {
      EXPECT_EQ(out, (std::vector<int>{1, 0, 2}));
      ++fastest;
    }
  }
  EXPECT_NEAR(explore / double(n), 0.05, 0.02);
  EXPECT_EQ(fastest + explore, n);
  // Load counts: the fast one with 4 in flight (20 * 5 = 100) loses to 50 * 1.
  s.load = {0, 4, 0};
  const Request no_explore{.random = (1ULL << 32) | 1};  // high bits: no exploration
  p->order(no_explore, s, out);
  EXPECT_EQ(out[0], 0);
  // A member with no sample yet scores 0 and is tried first.
  s.ewma[2] = -1;
  p->order(no_explore, s, out);
  EXPECT_EQ(out[0], 2);
  // Exploration off.
  auto never = make_policy(Strategy::kLatency, pool_of(3), {.explore_one_in = 0});
  for (int i = 0; i < 200; ++i)
    EXPECT_EQ(never->order({.random = rng()}, s, out), Reason::kLatency);
}

TEST(HashRing, PointsPerWeightAndStableUnderReordering) {
  HashRing ring(pool_of(4, {1, 1, 0.5, 0}), 160);
  EXPECT_EQ(ring.size(), 160u * 2 + 80);  // weight 0: not on the ring
  std::vector<Member> reversed = pool_of(4, {1, 1, 0.5, 0});
  std::reverse(reversed.begin(), reversed.end());
  HashRing other(reversed, 160);
  std::vector<int> a, b;
  for (std::uint64_t k = 0; k < 1000; ++k) {
    ring.walk(k * 0x9e3779b97f4a7c15ULL, a);
    other.walk(k * 0x9e3779b97f4a7c15ULL, b);
    ASSERT_EQ(a, b);
    ASSERT_EQ(a.size(), 3u);  // every member with points, once
  }
}

// The gateway issue's acceptance numbers, on the pure policy: >= 95% of one prefix's requests
// on one member, and max/mean load <= 1.25 over many prefixes under uniform traffic.
TEST(Prefix, AffinityAndBalanceUnderUniformTraffic) {
  auto p = make_policy(Strategy::kPrefix, pool_of(4));
  FakeSignals s(4);
  std::vector<int> out;
  // Same key, sequential (nothing in flight): always the home member.
  std::map<int, int> same;
  for (int i = 0; i < 100; ++i) {
    Request req{.random = static_cast<std::uint64_t>(i), .affinity_key = key_of("system: bot")};
    EXPECT_EQ(p->order(req, s, out), Reason::kPrefixHome);
    same[out[0]]++;
  }
  EXPECT_EQ(same.size(), 1u);
  // Uniform traffic: 2000 distinct prefixes, each request holding its member for 8 steps.
  std::vector<int> count(4, 0);
  std::vector<std::pair<int, int>> releases;  // (step, member)
  std::map<std::uint64_t, std::map<int, int>> per_prefix;
  std::mt19937_64 rng(11);
  for (int step = 0; step < 8000; ++step) {
    std::erase_if(releases, [&](auto& r) {
      if (r.first > step) return false;
      s.load[static_cast<std::size_t>(r.second)]--;
      return true;
    });
    const std::uint64_t key = key_of("tenant " + std::to_string(rng() % 2000));
    p->order({.random = rng(), .affinity_key = key}, s, out);
    const int d = out[0];
    count[static_cast<std::size_t>(d)]++;
    per_prefix[key][d]++;
    s.load[static_cast<std::size_t>(d)]++;
    releases.push_back({step + 8, d});
    // Bounded load: never more than ceil(1.25 * in flight / 4) + slack on one member.
    int total = 0;
    for (int l : s.load) total += l;
    EXPECT_LE(s.load[static_cast<std::size_t>(d)], std::ceil(1.25 * total / 4.0) + 2);
  }
  const double mean = 8000 / 4.0;
  const int max = *std::max_element(count.begin(), count.end());
  EXPECT_LE(max / mean, 1.25);
  int on_top = 0;  // each prefix's requests on its most-used member, over all requests
  for (auto& [k, m] : per_prefix) {
    int top = 0;
    for (auto& [d, n] : m) top = std::max(top, n);
    on_top += top;
  }
  EXPECT_GE(on_top / 8000.0, 0.95);
}

TEST(Prefix, SpillsWhenHomeIsOverloadedAndSkipsUnavailableHome) {
  auto p = make_policy(Strategy::kPrefix, pool_of(3));
  FakeSignals s(3);
  std::vector<int> out;
  const Request req{.random = 0, .affinity_key = 42};
  p->order(req, s, out);
  const int home = out[0];
  s.load[static_cast<std::size_t>(home)] = 10;  // cap = ceil(1.25 * 11 / 3) + 2 = 7
  EXPECT_EQ(p->order(req, s, out), Reason::kPrefixSpill);
  EXPECT_NE(out[0], home);
  EXPECT_EQ(out.size(), 3u);
  s.load[static_cast<std::size_t>(home)] = 0;
  s.up[static_cast<std::size_t>(home)] = false;
  EXPECT_EQ(p->order(req, s, out), Reason::kPrefixUnavailable);
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(std::count(out.begin(), out.end(), home), 0);
  // A looser bound keeps the overloaded home.
  auto loose = make_policy(Strategy::kPrefix, pool_of(3), {.load_factor = 1.25, .slack = 20});
  s.up[static_cast<std::size_t>(home)] = true;
  s.load[static_cast<std::size_t>(home)] = 10;
  EXPECT_EQ(loose->order(req, s, out), Reason::kPrefixHome);
  EXPECT_EQ(out[0], home);
}

TEST(Prefix, WeightZeroMembersAreFallbacksOnly) {
  auto p = make_policy(Strategy::kPrefix, pool_of(3, {1, 1, 0}));
  FakeSignals s(3);
  std::vector<int> out;
  for (std::uint64_t k = 0; k < 100; ++k) {
    p->order({.affinity_key = k * 7919}, s, out);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[2], 2);
  }
  s.up[0] = s.up[1] = false;
  EXPECT_EQ(p->order({.affinity_key = 1}, s, out), Reason::kWeighted);
  EXPECT_EQ(out, (std::vector<int>{2}));
}

TEST(Policies, NeverRepeatAnIdAndAllocateNothingWithCapacity) {
  std::mt19937_64 rng(5);
  for (Strategy st : all_strategies()) {
    auto p = make_policy(st, pool_of(5, {1, 2, 0, 1, 3}));
    FakeSignals s(5);
    std::vector<int> out;
    out.reserve(5);
    const int* data = out.data();
    for (int i = 0; i < 500; ++i) {
      for (std::size_t d = 0; d < 5; ++d) {
        s.up[d] = rng() % 4 != 0;
        s.load[d] = static_cast<int>(rng() % 6);
        s.ewma[d] = static_cast<double>(rng() % 100) - 10;
      }
      Reason r = p->order({.random = rng(), .affinity_key = rng()}, s, out);
      std::vector<int> sorted = out;
      std::sort(sorted.begin(), sorted.end());
      EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end());
      for (int d : out) EXPECT_TRUE(s.up[static_cast<std::size_t>(d)]) << strategy_name(st);
      EXPECT_EQ(out.empty(), r == Reason::kNoneAvailable) << strategy_name(st);
      std::size_t available = 0;
      for (bool u : s.up) available += u;
      EXPECT_EQ(out.size(), available) << strategy_name(st);
      EXPECT_EQ(out.data(), data);  // no reallocation
    }
  }
}

}  // namespace
}  // namespace llmctl::route
