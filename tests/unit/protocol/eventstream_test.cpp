// The AWS event-stream framing against bytes made by other implementations: a frame encoded by
// the AWS JavaScript SDK's codec (@smithy/eventstream-codec 4.5.2) and a header-less frame from
// the format's documentation examples; then incremental feeding and corruption.
#include "protocol/eventstream.h"

#include <gtest/gtest.h>

namespace llmctl::protocol::eventstream {
namespace {

std::string unhex(std::string_view h) {
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16));
  return out;
}

// contentBlockDelta {"contentBlockIndex":0,"delta":{"text":"Hi"}} with :event-type,
// :message-type and :content-type, as @smithy/eventstream-codec encodes it.
const std::string kSmithyFrame = unhex(
    "0000009400000057b4ab9aee0b3a6576656e742d74797065070011636f6e74656e74426c6f636b44656c74610d"
    "3a6d6573736167652d747970650700056576656e740d3a636f6e74656e742d747970650700106170706c696361"
    "74696f6e2f6a736f6e7b22636f6e74656e74426c6f636b496e646578223a302c2264656c7461223a7b227465"
    "7874223a224869227d7d49db900c");

TEST(EventStream, DecodesAFrameOfTheAwsSdkCodec) {
  Decoder d;
  d.feed(kSmithyFrame);
  Message m;
  ASSERT_EQ(d.next(m), Decoder::Status::kMessage) << d.error();
  EXPECT_EQ(m.header(":event-type"), "contentBlockDelta");
  EXPECT_EQ(m.header(":message-type"), "event");
  EXPECT_EQ(m.header(":content-type"), "application/json");
  EXPECT_EQ(m.payload, R"({"contentBlockIndex":0,"delta":{"text":"Hi"}})");
  EXPECT_EQ(d.next(m), Decoder::Status::kNeedMore);
  EXPECT_EQ(d.pending_bytes(), 0u);
}

TEST(EventStream, EncodesWhatTheAwsSdkCodecEncodes) {
  EXPECT_EQ(encode({{":event-type", "contentBlockDelta"},
                    {":message-type", "event"},
                    {":content-type", "application/json"}},
                   R"({"contentBlockIndex":0,"delta":{"text":"Hi"}})"),
            kSmithyFrame);
  // No headers: the documented 30-byte example (prelude CRC 0xbaf2f68a, message CRC 0xae7258e4).
  EXPECT_EQ(encode({}, R"({"foo": "bar"})"),
            unhex("0000001e00000000baf2f68a") + R"({"foo": "bar"})" + unhex("ae7258e4"));
}

TEST(EventStream, ByteByByteFeedingYieldsEveryMessageOnce) {
  std::string stream;
  for (int i = 0; i < 50; ++i)
    stream += encode({{":event-type", "e"}}, std::string(static_cast<std::size_t>(i), 'x'));
  Decoder d;
  Message m;
  int got = 0;
  for (char c : stream) {
    d.feed(std::string_view(&c, 1));
    while (d.next(m) == Decoder::Status::kMessage) {
      EXPECT_EQ(m.payload.size(), static_cast<std::size_t>(got));
      ++got;
    }
  }
  EXPECT_EQ(got, 50);
  EXPECT_EQ(d.pending_bytes(), 0u);
}

TEST(EventStream, CorruptionIsAnErrorThatSticks) {
  std::string bad = kSmithyFrame;
  bad[bad.size() - 10] ^= 1;  // payload byte: the message CRC no longer matches
  Decoder d;
  d.feed(bad);
  Message m;
  EXPECT_EQ(d.next(m), Decoder::Status::kError);
  EXPECT_EQ(d.error(), "event stream: message checksum mismatch");
  d.feed(kSmithyFrame);
  EXPECT_EQ(d.next(m), Decoder::Status::kError);

  Decoder p;
  std::string prelude = kSmithyFrame;
  prelude[1] = 1;  // the length changes under its CRC
  p.feed(prelude);
  EXPECT_EQ(p.next(m), Decoder::Status::kError);
  EXPECT_EQ(p.error(), "event stream: prelude checksum mismatch");
}

}  // namespace
}  // namespace llmctl::protocol::eventstream
