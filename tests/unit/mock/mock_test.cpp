#include "mock/mock.h"

#include <gtest/gtest.h>

#include <cmath>

namespace llmctl::mock {
namespace {

TEST(MockContent, EmbeddingsAreDeterministicUnitVectors) {
  auto a = mock_embedding("hello", 16);
  auto b = mock_embedding("hello", 16);
  auto c = mock_embedding("hellp", 16);
  ASSERT_EQ(a.size(), 16u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  double norm = 0;
  for (float x : a) norm += static_cast<double>(x) * x;
  EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-5);
}

TEST(MockContent, Base64OfLittleEndianFloats) {
  // 1.0f = 00 00 80 3f; 2.0f = 00 00 00 40.
  EXPECT_EQ(base64_floats({1.0f}), "AACAPw==");
  EXPECT_EQ(base64_floats({1.0f, 2.0f}), "AACAPwAAAEA=");
  EXPECT_EQ(base64_floats({}), "");
}

TEST(MockContent, TokenCount) {
  EXPECT_EQ(mock_token_count(0), 1);
  EXPECT_EQ(mock_token_count(4), 1);
  EXPECT_EQ(mock_token_count(5), 2);
  EXPECT_FALSE(mock_token(0).empty());
}

TEST(MockScenario, FieldsOverTheBaseAndErrorsWithLines) {
  auto s = parse_scenario(
      "ttft_ms: 50\ntpot_ms: 5\nfail_rate: 0.25\nfail_status: 503\nmodels: [a, b]\n", "s.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->ttft_ms, 50);
  EXPECT_EQ(s->tpot_ms, 5);
  EXPECT_EQ(s->fail_rate, 0.25);
  EXPECT_EQ(s->fail_status, 503);
  EXPECT_EQ(s->models, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(s->output_tokens, MockOptions{}.output_tokens);

  auto bad = parse_scenario("ttft_ms: 5\nfail_status: 200\n", "s.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("s.yaml:2:14: fail_status: must be between 400 and 599"),
            std::string::npos)
      << bad.error().message;
  auto typo = parse_scenario("ttft: 5\n", "s.yaml");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message.find("s.yaml:1:1: ttft: unknown field"), std::string::npos)
      << typo.error().message;
  EXPECT_TRUE(parse_scenario("", "empty.yaml").ok());
}

}  // namespace
}  // namespace llmctl::mock
