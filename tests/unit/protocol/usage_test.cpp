#include "protocol/usage.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "test_catalog.h"

namespace llmctl::protocol {
namespace {

TEST(Usage, FromBodyReadsCachedAndReasoning) {
  auto u = usage_from_body(
      R"({"choices":[],"usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,)"
      R"("prompt_tokens_details":{"cached_tokens":1024},"completion_tokens_details":{"reasoning_tokens":100}}})");
  ASSERT_TRUE(u.present);
  EXPECT_EQ(u.prompt_tokens, 1200);
  EXPECT_EQ(u.completion_tokens, 300);
  EXPECT_EQ(u.cached_tokens, 1024);
  EXPECT_EQ(u.reasoning_tokens, 100);
  EXPECT_FALSE(usage_from_body(R"({"choices":[]})").present);
  EXPECT_FALSE(usage_from_body("not json").present);
  // Embeddings report prompt tokens only.
  auto e = usage_from_body(R"({"data":[],"usage":{"prompt_tokens":7,"total_tokens":7}})");
  EXPECT_TRUE(e.present);
  EXPECT_EQ(e.prompt_tokens, 7);
  EXPECT_EQ(e.completion_tokens, 0);
}

// Only the top-level member counts: "usage" inside the model's text, a nested object, or a
// string with escaped quotes and braces must not be taken for it.
TEST(Usage, FromBodyReadsOnlyTheTopLevelMember) {
  const std::string decoy =
      R"({"id":"x","choices":[{"message":{"content":"the "usage": {"prompt_tokens": 99} }{",)"
      R"("usage":{"prompt_tokens":55}}}],"meta":{"usage":{"prompt_tokens":77}},"note":"usage",)"
      R"( "usage" : {"prompt_tokens":12,"completion_tokens":3}, "system_fingerprint":"fp"})";
  auto u = usage_from_body(decoy);
  ASSERT_TRUE(u.present);
  EXPECT_EQ(u.prompt_tokens, 12);
  EXPECT_EQ(u.completion_tokens, 3);
  // Only decoys: no usage.
  EXPECT_FALSE(usage_from_body(R"({"choices":[{"message":{"content":""usage":{}"}}],)"
                               R"("meta":{"usage":{"prompt_tokens":1}}})")
                   .present);
  // usage last, first, null, or in a truncated body.
  EXPECT_EQ(usage_from_body(R"({"usage":{"prompt_tokens":4},"choices":[]})").prompt_tokens, 4);
  EXPECT_FALSE(usage_from_body(R"({"choices":[],"usage":null})").present);
  EXPECT_FALSE(usage_from_body(R"({"choices":[],"usage":{"prompt_tokens":4)").present);
  EXPECT_FALSE(usage_from_body(R"(["usage",{"prompt_tokens":4}])").present);
}

TEST(Usage, NonsenseIsClampedNotTrusted) {
  auto u = usage_from_body(
      R"({"usage":{"prompt_tokens":10,"completion_tokens":-5,"prompt_tokens_details":{"cached_tokens":50}}})");
  EXPECT_EQ(u.completion_tokens, 0);
  EXPECT_EQ(u.cached_tokens, 10);
}

TEST(Usage, StreamChunkScanners) {
  const std::string role =
      R"({"id":"x","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null})";
  const std::string token =
      R"({"id":"x","choices":[{"index":0,"delta":{"content":"Hi \"there\"\n"}}],"usage":null})";
  const std::string spaced = R"({"choices": [{"delta": {"content": "ok"}}]})";
  const std::string tool =
      R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":"}}]}}]})";
  const std::string usage_only =
      R"({"id":"x","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}})";
  const std::string usage_in_content = R"({"choices":[{"delta":{"content":"\"usage\": {"}}]})";

  EXPECT_FALSE(chunk_has_output(role));
  EXPECT_TRUE(chunk_has_output(token));
  EXPECT_TRUE(chunk_has_output(spaced));
  EXPECT_TRUE(chunk_has_output(tool));
  EXPECT_FALSE(chunk_has_output(usage_only));
  EXPECT_EQ(chunk_output_chars(token), 11u);  // Hi "there"\n: an escape counts once
  EXPECT_EQ(chunk_output_chars(role), 0u);

  EXPECT_FALSE(usage_from_chunk(role).has_value());  // "usage":null
  EXPECT_FALSE(usage_from_chunk(token).has_value());
  EXPECT_FALSE(usage_from_chunk(usage_in_content).has_value());
  auto u = usage_from_chunk(usage_only);
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->prompt_tokens, 3);
  EXPECT_EQ(u->completion_tokens, 2);
  EXPECT_TRUE(chunk_is_usage_only(usage_only));
  EXPECT_FALSE(chunk_is_usage_only(token));
  // Some servers put usage on the last content chunk: that one is not usage-only.
  EXPECT_FALSE(chunk_is_usage_only(
      R"({"choices":[{"delta":{"content":"x"}}],"usage":{"prompt_tokens":1,"completion_tokens":1}})"));
}

// The one-pass scan counts every text key's string at any depth, skips keys quoted inside
// texts, and treats a key followed by spaces like a compact one.
TEST(Usage, ChunkOutputInOnePass) {
  struct Case {
    const char* data;
    std::size_t chars;
    bool any;
  };
  const Case cases[] = {
      {R"({"choices":[{"delta":{"reasoning_content":"ab","content":"cd"}}]})", 4, true},
      {R"({"choices":[{"delta":{"content":"say \"content\": \"xyz\""}}]})", 20, true},
      {R"({"choices":[{"delta":{"refusal":"no"}}]})", 2, true},
      {R"({"choices":[{"text":"é€"}]})", 2, true},  // code points, not bytes
      {R"({"choices":[{"delta":{"tool_calls":[{"function":{"name":"f","arguments":""}}]}}]})", 0,
       true},
      {R"({"choices":[{"delta":{"tool_calls":null,"content":null}}]})", 0, false},
      {R"({"choices" : [ { "delta" : { "content" : "a\u00e9b" } } ]})", 3, true},
      {R"({"type":"content_block_delta","delta":{"type":"text_delta","text":"hey"}})", 3, true},
      {R"({"content":["not","a","string"],"text":{"nested":"x"}})", 0, false},
      {R"({"unterminated":"abc)", 0, false},
      {"", 0, false},
  };
  for (const Case& c : cases) {
    const ChunkOutput o = chunk_output(c.data);
    EXPECT_EQ(o.chars, c.chars) << c.data;
    EXPECT_EQ(o.any, c.any) << c.data;
    EXPECT_EQ(chunk_output_chars(c.data), c.chars) << c.data;
    EXPECT_EQ(chunk_has_output(c.data), c.any) << c.data;
  }
}

TEST(Usage, PromptChars) {
  auto chat = boost::json::parse(
      R"({"messages":[{"role":"system","content":"abcd"},{"role":"user","content":[{"type":"text","text":"efgh"},{"type":"image_url","image_url":{"url":"x"}}]}]})");
  EXPECT_EQ(request_prompt_chars(chat.as_object(), Endpoint::kChat), 8u);
  auto comp = boost::json::parse(R"({"prompt":["ab","cd"]})");
  EXPECT_EQ(request_prompt_chars(comp.as_object(), Endpoint::kCompletions), 4u);
  auto emb = boost::json::parse(R"({"input":"hello"})");
  EXPECT_EQ(request_prompt_chars(emb.as_object(), Endpoint::kEmbeddings), 5u);
  EXPECT_EQ(estimate_tokens(0), 0);
  EXPECT_EQ(estimate_tokens(1), 1);
  EXPECT_EQ(estimate_tokens(8), 2);
  EXPECT_EQ(estimate_tokens(9), 3);
}

TEST(Usage, AccountPricesThroughTheCatalog) {
  auto cat = testing::embedded_catalog();
  const catalog::Price* price = cat->find_price("openai/gpt-4o-mini");
  ASSERT_NE(price, nullptr);
  ReportedUsage r;
  r.present = true;
  r.prompt_tokens = 2000;
  r.cached_tokens = 1000;
  r.completion_tokens = 500;
  Accounting a = account(r, 0, 0, price);
  EXPECT_FALSE(a.estimated);
  EXPECT_EQ(a.price_id, "openai/gpt-4o-mini");
  EXPECT_EQ(a.usage.input_tokens, 2000);  // OpenAI semantics: cached tokens are inside
  EXPECT_EQ(a.usage.cache_read_tokens, 1000);
  auto want = catalog::cost_of(*price, a.usage);
  ASSERT_TRUE(want.ok());
  EXPECT_DOUBLE_EQ(a.cost_usd, want->total_usd);
  EXPECT_GT(a.cost_usd, 0);
  // The cached half is cheaper than full-price input.
  ReportedUsage uncached = r;
  uncached.cached_tokens = 0;
  EXPECT_LT(a.cost_usd, account(uncached, 0, 0, price).cost_usd);
}

TEST(Usage, EstimatedOnlyWhenAbsent) {
  Accounting a = account(ReportedUsage{}, 400, 41, nullptr);
  EXPECT_TRUE(a.estimated);
  EXPECT_EQ(a.usage.input_tokens, 100);
  EXPECT_EQ(a.usage.output_tokens, 11);
  EXPECT_EQ(a.cost_usd, 0);
  EXPECT_TRUE(a.price_id.empty());
}

}  // namespace
}  // namespace llmctl::protocol
