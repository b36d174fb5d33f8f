// AWS's binary event-stream framing (application/vnd.amazon.eventstream), as Bedrock's
// ConverseStream sends it: each message is
//   total length (u32 BE) | headers length (u32 BE) | prelude CRC32 | headers | payload | CRC32
// where the prelude CRC covers the first 8 bytes and the message CRC everything before it
// (CRC-32/ISO-HDLC, as zlib). A header is name length (u8), name, value type (u8), value.
//
// The decoder is incremental: feed bytes as they arrive, take each complete message; a
// message is never held twice and at most one partial message is buffered. One decoder per
// stream; not thread-safe. Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmctl::protocol::eventstream {

inline constexpr std::string_view kContentType = "application/vnd.amazon.eventstream";
// The format's own limits: 16 MiB per message, 128 KiB of headers.
inline constexpr std::uint32_t kMaxMessageBytes = 16 * 1024 * 1024;
inline constexpr std::uint32_t kMaxHeaderBytes = 128 * 1024;

struct Message {
  // String-typed headers (:event-type, :message-type, :content-type, :exception-type, ...).
  // Headers of other types are checked and skipped: Bedrock sends none the gateway needs.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload;
  std::string_view header(std::string_view name) const;
};

class Decoder {
 public:
  enum class Status { kMessage, kNeedMore, kError };
  void feed(std::string_view bytes);
  // kMessage: `out` holds the next message. kError: the stream is corrupt (error() says how)
  // and stays in error.
  Status next(Message& out);
  const std::string& error() const { return error_; }
  std::size_t pending_bytes() const { return buf_.size() - pos_; }

 private:
  Status fail(std::string message);
  std::string buf_;
  std::size_t pos_ = 0;
  std::string error_;
};

// One message with string headers (what the upstream fakes and the tests send).
std::string encode(const std::vector<std::pair<std::string, std::string>>& headers,
                   std::string_view payload);

}  // namespace llmctl::protocol::eventstream
