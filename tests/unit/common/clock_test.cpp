// The injected time and randomness of common/: the fake clock moves only when told, and both
// of its times move together; SplitMix64 is reproducible and unit() stays in [0, 1).
#include "common/clock.h"

#include <gtest/gtest.h>

#include <set>

#include "common/random.h"

namespace llmctl {
namespace {

using namespace std::chrono_literals;

TEST(FakeClock, MovesOnlyWhenAdvancedAndBothTimesTogether) {
  FakeClock clock(5s, std::chrono::seconds(1735689600));
  EXPECT_EQ(clock.now_ms(), 5000);
  EXPECT_EQ(clock.unix_ms(), 1735689600000);
  EXPECT_EQ(clock.now(), clock.now());
  clock.advance(1500ms);
  EXPECT_EQ(clock.now_ms(), 6500);
  EXPECT_EQ(clock.unix_ms(), 1735689601500);
  const Clock& c = clock;  // used through the interface like every consumer
  EXPECT_EQ(c.now_ms(), 6500);
}

TEST(RealClock, IsMonotonicAndNearTheSystemTime) {
  const Clock& c = real_clock();
  const auto a = c.now();
  const auto b = c.now();
  EXPECT_LE(a, b);
  const auto sys = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  EXPECT_LT(std::abs(c.unix_ms() - sys), 1000);
}

TEST(SplitMix64, ReproducibleAndUniformInTheUnitInterval) {
  SplitMix64 a(42), b(42), other(43);
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t x = a.next();
    EXPECT_EQ(x, b.next());
    seen.insert(x);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_NE(SplitMix64(42).next(), other.next());
  // The reference sequence (Vigna's splitmix64.c, seed 0) starts with this value.
  EXPECT_EQ(SplitMix64(0).next(), 0xe220a8397b1dcdafULL);
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    const double u = a.unit();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / 10000, 0.5, 0.02);
}

}  // namespace
}  // namespace llmctl
