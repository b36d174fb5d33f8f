#include "common/calendar.h"

#include <gtest/gtest.h>

namespace llmctl {
namespace {

TEST(Calendar, ParsesTraceTimesWithTheirFraction) {
  double s = 0;
  // The Azure LLM inference traces: a space and seven fraction digits.
  ASSERT_TRUE(parse_datetime("2023-11-16 18:15:46.6805900", s));
  EXPECT_DOUBLE_EQ(s, 1700158546.68059);
  ASSERT_TRUE(parse_datetime("2024-02-29T23:59:59", s));
  EXPECT_DOUBLE_EQ(s, 1709251199);
  // Across a month end: ordered, 1 s apart.
  double before = 0, after = 0;
  ASSERT_TRUE(parse_datetime("2026-01-31 23:59:59", before));
  ASSERT_TRUE(parse_datetime("2026-02-01 00:00:00", after));
  EXPECT_DOUBLE_EQ(after - before, 1);
}

TEST(Calendar, RejectsWhatIsNotATime) {
  double s = 0;
  EXPECT_FALSE(parse_datetime("2026-13-01 00:00:00", s));
  EXPECT_FALSE(parse_datetime("2026-01-01 24:00:00", s));
  EXPECT_FALSE(parse_datetime("2026-01-01", s));
  EXPECT_FALSE(parse_datetime("2026-01-01 00:00:00.", s));
  EXPECT_FALSE(parse_datetime("2026-01-01 00:00:00Z", s));  // a zone is the caller's to read
  EXPECT_EQ(parse_datetime_prefix("2026-01-01T00:00:00.5Z", s), 21u);
  EXPECT_DOUBLE_EQ(s, 1767225600.5);
  EXPECT_EQ(parse_datetime_prefix("yesterday", s), 0u);
}

}  // namespace
}  // namespace llmctl
