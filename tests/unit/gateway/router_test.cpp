#include "gateway/router.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace llmctl::gateway {
namespace {

Config three(double w0, double w1, double w2, int max_attempts) {
  Config c;
  for (double w : {w0, w1, w2}) {
    Deployment d;
    d.weight = w;
    c.deployments.push_back(d);
  }
  ModelGroup g;
  g.name = "m";
  g.deployments = {0, 1, 2};
  g.max_attempts = max_attempts;
  c.models.push_back(g);
  c.index();
  return c;
}

TEST(WeightedRouter, FirstChoiceFollowsWeights) {
  Config c = three(1, 3, 0, 3);
  WeightedRouter r;
  std::mt19937_64 rng(7);
  std::map<int, int> first;
  std::vector<int> out;
  const int n = 40000;
  for (int i = 0; i < n; ++i) {
    r.order(c, c.models[0], rng(), out);
    ASSERT_EQ(out.size(), 3u);
    first[out[0]]++;
  }
  EXPECT_NEAR(first[0] / double(n), 0.25, 0.01);
  EXPECT_NEAR(first[1] / double(n), 0.75, 0.01);
  EXPECT_EQ(first[2], 0);  // weight 0: fallback only
}

TEST(WeightedRouter, FallbacksInConfigOrderUpToMaxAttempts) {
  Config c = three(1, 1, 1, 2);
  WeightedRouter r;
  std::vector<int> out;
  r.order(c, c.models[0], ~0ULL, out);  // the top of the range picks the last
  EXPECT_EQ(out, (std::vector<int>{2, 0}));
  r.order(c, c.models[0], 0, out);
  EXPECT_EQ(out, (std::vector<int>{0, 1}));
}

}  // namespace
}  // namespace llmctl::gateway
