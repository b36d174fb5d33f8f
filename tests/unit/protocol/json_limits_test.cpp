#include "protocol/json_limits.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

namespace llmctl::protocol {
namespace {

// A parse on a request's arena, checked against the same text parsed on the default resource.
void expect_same_parse(const std::string& text) {
  boost::system::error_code ec;
  boost::json::value on_arena = parse_request_json(text, ec, json_arena(text.size()));
  ASSERT_FALSE(ec) << ec.message();
  const boost::json::value plain = boost::json::parse(text);
  EXPECT_EQ(on_arena, plain);
  // The arena's deallocation is a no-op, so Boost.JSON's containers may skip it.
  EXPECT_TRUE(on_arena.storage().is_deallocate_trivial());
  // The value keeps its arena alive after the storage_ptr the parse was given is gone.
  boost::json::value moved = std::move(on_arena);
  EXPECT_EQ(moved, plain);
}

TEST(JsonArena, SmallTextStartsInsideTheResource) {
  // 2 x the text fits the inline part: InlineArena.
  const std::string text = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";
  ASSERT_LE(2 * text.size(), InlineArena::kInlineBytes);
  expect_same_parse(text);
}

TEST(JsonArena, SmallTextWhoseNodesOutgrowTheInlinePartTakesMoreBlocks) {
  // Under 440 bytes of text, but many members: its nodes need more than the inline 880 bytes.
  std::string text = "{";
  for (int i = 0; i < 40; ++i) text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  text.back() = '}';
  ASSERT_LE(2 * text.size(), InlineArena::kInlineBytes);
  expect_same_parse(text);
}

TEST(JsonArena, LargeTextUsesAMonotonicResourceSizedByTheText) {
  std::string text = R"({"model":"m","messages":[{"role":"user","content":")";
  text += std::string(5000, 'x');
  text += R"("}]})";
  expect_same_parse(text);
}

}  // namespace
}  // namespace llmctl::protocol
