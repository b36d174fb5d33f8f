// find_bytes (the substring search the stream scanners run over every event) and to_hex.
#include "common/strings.h"

#include <gtest/gtest.h>

#include <string>

namespace llmctl {
namespace {

TEST(Closest, PrefixOfOneCandidateOrANearMiss) {
  const std::vector<std::string> c = {"timeout_ms", "retries", "gpt-oss-20b", "gpt-oss-120b"};
  EXPECT_EQ(closest("timeout", c), "timeout_ms");  // cut short: the one it begins
  EXPECT_EQ(closest("retires", c), "retries");     // two edits
  EXPECT_EQ(closest("gpt-oss", c), "");            // begins two: no guess by prefix
  EXPECT_EQ(closest("ti", c), "");                 // too short to guess from
  EXPECT_EQ(did_you_mean("timeout", c), "did you mean 'timeout_ms'? ");
}

TEST(FindBytes, AgreesWithStringViewFind) {
  const std::string_view hay = R"({"a":"\"usage\"","usage":{"n":1},"usage")";
  for (std::string_view needle : {"\"usage\"", "usage", "{", "\"n\":1", "missing", "\"usage\":{"})
    for (std::size_t from = 0; from <= hay.size(); ++from)
      EXPECT_EQ(find_bytes(hay, needle, from), hay.find(needle, from)) << needle << " " << from;
}

TEST(FindBytes, EdgesAreNpos) {
  EXPECT_EQ(find_bytes("abc", "abcd"), std::string_view::npos);
  EXPECT_EQ(find_bytes("abc", "c", 4), std::string_view::npos);
  EXPECT_EQ(find_bytes("", "a"), std::string_view::npos);
  EXPECT_EQ(find_bytes("abc", "c", 3), std::string_view::npos);
  EXPECT_EQ(find_bytes("abc", "c", 2), 2u);
}

TEST(ToHex, BytesAndNumbers) {
  const std::uint8_t bytes[] = {0x00, 0x0f, 0xa0, 0xff};
  EXPECT_EQ(to_hex(std::span<const std::uint8_t>(bytes)), "000fa0ff");
  std::string out = "x";
  append_hex(out, bytes);
  EXPECT_EQ(out, "x000fa0ff");
  EXPECT_EQ(to_hex(std::uint64_t{1}), "0000000000000001");
  EXPECT_EQ(to_hex(std::uint64_t{0x0123456789abcdef}), "0123456789abcdef");
}

}  // namespace
}  // namespace llmctl
