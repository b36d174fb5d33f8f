#include "plan/trace.h"

#include <gtest/gtest.h>

namespace llmctl::plan {
namespace {

// Five requests in the first minute, two in the second, one at 2:30 (the 1-minute windows start
// at the first arrival).
const char* kTrace = R"(TIMESTAMP,ContextTokens,GeneratedTokens
2023-11-16 23:59:00.0000000,100,10
2023-11-16 23:59:10.5000000,200,20
2023-11-16 23:59:20,300,30
2023-11-16 23:59:30.25,400,40
2023-11-16 23:59:59.9,500,50
2023-11-17 00:00:05,600,60
2023-11-17 00:00:50,700,70
2023-11-17 00:01:30.0000000,800,80
)";

TEST(plan_trace, SummarisesRatesAndLengths) {
  auto s = summarize_trace(kTrace, "t.csv");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->requests, 8);
  EXPECT_DOUBLE_EQ(s->duration_s, 150);  // across midnight
  EXPECT_DOUBLE_EQ(s->mean_qps, 8.0 / 150);
  EXPECT_DOUBLE_EQ(s->peak_qps, 5.0 / 60);
  EXPECT_DOUBLE_EQ(s->input_tokens.mean, 450);
  EXPECT_DOUBLE_EQ(*s->input_tokens.p50, 400);  // nearest rank: ceil(0.5 x 8) = 4th
  EXPECT_DOUBLE_EQ(*s->input_tokens.p95, 800);  // ceil(0.95 x 8) = 8th
  EXPECT_DOUBLE_EQ(s->output_tokens.mean, 45);
}

TEST(plan_trace, AppliesScaleToRatesOnly) {
  auto s = summarize_trace(kTrace, "t.csv");
  ASSERT_TRUE(s.ok());
  Traffic t;
  t.trace = TraceRef{{"t.csv", 3, 10}, 3.0};
  apply_trace(t, *s, "t.csv");
  EXPECT_DOUBLE_EQ(t.peak_qps, 3 * 5.0 / 60);
  EXPECT_DOUBLE_EQ(t.average_qps, 3 * 8.0 / 150);
  EXPECT_DOUBLE_EQ(t.input_tokens.mean, 450);
  EXPECT_NE(t.source.find("trace t.csv: 8 requests over 2.5 min"), std::string::npos) << t.source;
  EXPECT_NE(t.source.find("scaled x3"), std::string::npos) << t.source;
}

TEST(plan_trace, ColumnsAreFoundByName) {
  auto s = summarize_trace(
      "GeneratedTokens,TIMESTAMP,ContextTokens\n1,2023-01-01 00:00:00,5\n3,2023-01-01 00:02:00,7\n",
      "t.csv");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_DOUBLE_EQ(s->input_tokens.mean, 6);
  EXPECT_DOUBLE_EQ(s->output_tokens.mean, 2);
}

TEST(plan_trace, BadRowNamesTheLine) {
  std::string bad = kTrace;
  bad.replace(bad.find("23:59:20,300"), 12, "23:59:20,3x0");
  auto s = summarize_trace(bad, "t.csv");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("t.csv:4: ContextTokens: expected an integer"),
            std::string::npos)
      << s.error().message;
}

TEST(plan_trace, BadTimestampNamesTheLine) {
  std::string bad = kTrace;
  bad.replace(bad.find("2023-11-16 23:59:20"), 19, "16/11/2023 23:59:20");
  auto s = summarize_trace(bad, "t.csv");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("t.csv:4: TIMESTAMP: expected YYYY-MM-DD"), std::string::npos)
      << s.error().message;
}

TEST(plan_trace, MissingColumnIsAnError) {
  auto s = summarize_trace("TIMESTAMP,ContextTokens\n", "t.csv");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("t.csv:1: expected a CSV header"), std::string::npos);
}

TEST(plan_trace, UnderAMinuteIsAnError) {
  auto s = summarize_trace(
      "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-01-01 00:00:00,1,1\n2023-01-01 00:00:30,1,1\n",
      "t.csv");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("at least one minute"), std::string::npos);
}

}  // namespace
}  // namespace llmctl::plan
