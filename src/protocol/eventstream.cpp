#include "protocol/eventstream.h"

#include <fmt/format.h>

#include <boost/crc.hpp>

namespace llmctl::protocol::eventstream {

namespace {

std::uint32_t crc32(std::string_view bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

std::uint32_t read_u32(std::string_view s, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) << 24 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 3]));
}

void put_u32(std::string& out, std::uint32_t v) {
  out += static_cast<char>(v >> 24);
  out += static_cast<char>(v >> 16 & 0xff);
  out += static_cast<char>(v >> 8 & 0xff);
  out += static_cast<char>(v & 0xff);
}

// Bytes of a header value after its type byte, or 0 with `variable` for types with a u16
// length; -1 for an unknown type.
int fixed_size(unsigned type, bool& variable) {
  variable = false;
  switch (type) {
    case 0:  // true
    case 1:  // false
      return 0;
    case 2:
      return 1;
    case 3:
      return 2;
    case 4:
      return 4;
    case 5:  // int64
    case 8:  // timestamp (ms)
      return 8;
    case 6:  // bytes
    case 7:  // string
      variable = true;
      return 0;
    case 9:  // uuid
      return 16;
    default:
      return -1;
  }
}

}  // namespace

std::string_view Message::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

void Decoder::feed(std::string_view bytes) {
  if (!error_.empty()) return;
  // Drop consumed bytes before growing, so the buffer holds at most one partial message.
  if (pos_ > 0 && (pos_ == buf_.size() || pos_ > 64 * 1024)) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(bytes);
}

Decoder::Status Decoder::fail(std::string message) {
  error_ = std::move(message);
  return Status::kError;
}

Decoder::Status Decoder::next(Message& out) {
  if (!error_.empty()) return Status::kError;
  std::string_view avail = std::string_view(buf_).substr(pos_);
  if (avail.size() < 12) return Status::kNeedMore;
  const std::uint32_t total = read_u32(avail, 0);
  const std::uint32_t header_len = read_u32(avail, 4);
  if (crc32(avail.substr(0, 8)) != read_u32(avail, 8))
    return fail("event stream: prelude checksum mismatch");
  if (total < 16 || total > kMaxMessageBytes)
    return fail(
        fmt::format("event stream: message length {} outside 16..{}", total, kMaxMessageBytes));
  if (header_len > kMaxHeaderBytes || header_len > total - 16)
    return fail(fmt::format("event stream: headers length {} does not fit a {}-byte message",
                            header_len, total));
  if (avail.size() < total) return Status::kNeedMore;
  std::string_view msg = avail.substr(0, total);
  if (crc32(msg.substr(0, total - 4)) != read_u32(msg, total - 4))
    return fail("event stream: message checksum mismatch");

  out.headers.clear();
  std::string_view h = msg.substr(12, header_len);
  while (!h.empty()) {
    const std::size_t name_len = static_cast<unsigned char>(h[0]);
    if (name_len == 0 || h.size() < 1 + name_len + 1)
      return fail("event stream: truncated header name");
    std::string name(h.substr(1, name_len));
    const unsigned type = static_cast<unsigned char>(h[1 + name_len]);
    h.remove_prefix(2 + name_len);
    bool variable = false;
    const int size = fixed_size(type, variable);
    if (size < 0)
      return fail(fmt::format("event stream: header {} has unknown type {}", name, type));
    if (variable) {
      if (h.size() < 2) return fail("event stream: truncated header value length");
      const std::size_t len = static_cast<std::size_t>(static_cast<unsigned char>(h[0])) << 8 |
                              static_cast<unsigned char>(h[1]);
      if (h.size() < 2 + len) return fail(fmt::format("event stream: header {} truncated", name));
      if (type == 7) out.headers.emplace_back(std::move(name), std::string(h.substr(2, len)));
      h.remove_prefix(2 + len);
    } else {
      if (h.size() < static_cast<std::size_t>(size))
        return fail(fmt::format("event stream: header {} truncated", name));
      h.remove_prefix(static_cast<std::size_t>(size));
    }
  }
  out.payload.assign(msg.substr(12 + header_len, total - 16 - header_len));
  pos_ += total;
  return Status::kMessage;
}

std::string encode(const std::vector<std::pair<std::string, std::string>>& headers,
                   std::string_view payload) {
  std::string h;
  for (const auto& [name, value] : headers) {
    h += static_cast<char>(name.size());
    h += name;
    h += static_cast<char>(7);
    h += static_cast<char>(value.size() >> 8 & 0xff);
    h += static_cast<char>(value.size() & 0xff);
    h += value;
  }
  const auto total = static_cast<std::uint32_t>(16 + h.size() + payload.size());
  std::string out;
  out.reserve(total);
  put_u32(out, total);
  put_u32(out, static_cast<std::uint32_t>(h.size()));
  put_u32(out, crc32(out));
  out += h;
  out += payload;
  put_u32(out, crc32(out));
  return out;
}

}  // namespace llmctl::protocol::eventstream
