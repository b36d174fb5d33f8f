#include "protocol/sse.h"

#include <gtest/gtest.h>

#include <vector>

namespace llmctl::protocol {
namespace {

std::vector<SseEvent> drain(SseParser& p) {
  std::vector<SseEvent> out;
  SseEvent ev;
  while (p.next(ev)) {
    SseEvent copy;
    copy.data = ev.data;
    copy.event = ev.event;
    out.push_back(copy);
  }
  return out;
}

TEST(SseParser, EventsSplitAtEveryByte) {
  const std::string stream =
      "data: {\"a\":1}\n\n: keep-alive\n\nevent: ping\ndata: x\n\ndata: line1\ndata: line2\n\n"
      "data: [DONE]\n\n";
  SseParser p;
  std::vector<SseEvent> got;
  for (char c : stream) {
    p.feed(std::string_view(&c, 1));
    for (auto& e : drain(p)) got.push_back(e);
  }
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0].data, "{\"a\":1}");
  EXPECT_EQ(got[1].data, "");  // comment-only event
  EXPECT_EQ(got[2].event, "ping");
  EXPECT_EQ(got[2].data, "x");
  EXPECT_EQ(got[3].data, "line1\nline2");
  EXPECT_EQ(got[4].data, "[DONE]");
  EXPECT_EQ(p.pending_bytes(), 0u);
}

TEST(SseParser, CrLfAndBareCr) {
  SseParser p;
  p.feed("data: a\r\n\r\ndata: b\r\r");
  auto got = drain(p);
  ASSERT_EQ(got.size(), 1u);  // the last \r may still be followed by \n
  p.feed("data: c\n\n");
  auto more = drain(p);
  ASSERT_EQ(more.size(), 2u);
  EXPECT_EQ(got[0].data, "a");
  EXPECT_EQ(more[0].data, "b");
  EXPECT_EQ(more[1].data, "c");
}

TEST(SseParser, RawCoversTheWholeEvent) {
  SseParser p;
  p.feed("data: one\n\ndata: tw");
  SseEvent ev;
  ASSERT_TRUE(p.next(ev));
  EXPECT_EQ(ev.raw, "data: one\n\n");
  EXPECT_FALSE(p.next(ev));
  EXPECT_EQ(p.pending_bytes(), 8u);  // "data: tw"
  p.feed("o\n\n");
  ASSERT_TRUE(p.next(ev));
  EXPECT_EQ(ev.raw, "data: two\n\n");
  EXPECT_EQ(ev.data, "two");
}

TEST(SseParser, FieldWithoutSpaceAndNoValue) {
  SseParser p;
  p.feed("data:x\ndata\n\n");
  SseEvent ev;
  ASSERT_TRUE(p.next(ev));
  EXPECT_EQ(ev.data, "x\n");
}

}  // namespace
}  // namespace llmctl::protocol
