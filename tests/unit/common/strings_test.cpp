// find_bytes: the substring search the stream scanners run over every event (common/strings.h).
#include "common/strings.h"

#include <gtest/gtest.h>

#include <string>

namespace llmctl {
namespace {

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

}  // namespace
}  // namespace llmctl
