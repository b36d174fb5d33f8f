#include "store/governance.h"

#include <gtest/gtest.h>

namespace llmctl::store {
namespace {

// 2026-03-18T15:04:05.123Z is a Wednesday.
constexpr std::int64_t kWed = 1773846245123;

TEST(Period, StartsAndEndsInUtc) {
  EXPECT_EQ(period_start_ms(Period::kDay, kWed), 1773792000000);    // 2026-03-18T00:00Z
  EXPECT_EQ(period_end_ms(Period::kDay, kWed), 1773878400000);      // 2026-03-19T00:00Z
  EXPECT_EQ(period_start_ms(Period::kWeek, kWed), 1773619200000);   // Monday 2026-03-16
  EXPECT_EQ(period_end_ms(Period::kWeek, kWed), 1774224000000);     // Monday 2026-03-23
  EXPECT_EQ(period_start_ms(Period::kMonth, kWed), 1772323200000);  // 2026-03-01
  EXPECT_EQ(period_end_ms(Period::kMonth, kWed), 1775001600000);    // 2026-04-01
  EXPECT_EQ(period_start_ms(Period::kTotal, kWed), 0);
  // December rolls into the next year; a Monday starts its own week.
  const std::int64_t dec31 = 1798675200000;                        // 2026-12-31T00:00Z
  EXPECT_EQ(period_end_ms(Period::kMonth, dec31), 1798761600000);  // 2027-01-01
  const std::int64_t monday = 1773619200000;
  EXPECT_EQ(period_start_ms(Period::kWeek, monday), monday);
  EXPECT_EQ(period_start_ms(Period::kWeek, monday - 1), monday - 7 * 86400000LL);
}

TEST(Period, NamesRoundTrip) {
  for (Period p : {Period::kTotal, Period::kDay, Period::kWeek, Period::kMonth})
    EXPECT_EQ(parse_period(period_name(p)), p);
  EXPECT_FALSE(parse_period("monthly"));
}

TEST(Money, NanosAreExact) {
  EXPECT_EQ(usd_to_nanos(1.5), 1'500'000'000);
  EXPECT_EQ(usd_to_nanos(0.000001), 1000);
  EXPECT_EQ(usd_to_nanos(-3), 0);
  EXPECT_DOUBLE_EQ(nanos_to_usd(2'250'000'000), 2.25);
}

TEST(Headers, ResetInOpenAIStyle) {
  EXPECT_EQ(format_reset(12), "12ms");
  EXPECT_EQ(format_reset(1000), "1s");
  EXPECT_EQ(format_reset(1500), "1.5s");
  EXPECT_EQ(format_reset(360000), "6m0s");
  EXPECT_EQ(format_reset(3723000), "1h2m3s");
  EXPECT_EQ(format_reset(-5), "0ms");
}

TEST(Headers, TightestWindowWins) {
  Window w;
  merge_window(w, {0, 0, 0});  // no limit: ignored
  EXPECT_EQ(w.limit, 0);
  merge_window(w, {100, 40, 1000});
  merge_window(w, {10, 9, 500});
  EXPECT_EQ(w.limit, 10);
  merge_window(w, {1000, 9, 900});  // same remaining, later reset
  EXPECT_EQ(w.limit, 1000);
}

TEST(Scope, IdNamesKindAndName) {
  Scope s;
  s.kind = ScopeKind::kTeam;
  s.name = "search";
  EXPECT_EQ(s.id(), "team:search");
  EXPECT_FALSE(s.active());
  s.limits.rpm = 1;
  EXPECT_TRUE(s.active());
}

}  // namespace
}  // namespace llmctl::store
