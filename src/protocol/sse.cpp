#include "protocol/sse.h"

#include <cstring>

namespace llmctl::protocol {

void SseParser::feed(std::string_view bytes) {
  // Drop what earlier events used; keep the partial event.
  if (event_start_ > 0) {
    buf_.erase(0, event_start_);
    scan_ -= event_start_;
    event_start_ = 0;
  }
  buf_.append(bytes);
}

bool SseParser::next(SseEvent& out) {
  while (scan_ < buf_.size()) {
    // Find the end of the line starting at scan_: a '\n', or a '\r' before it. (By memchr: not
    // find_first_of("\r\n"), which libstdc++ runs as a memchr over the set for every byte.)
    const char* line_start = buf_.data() + scan_;
    const std::size_t rest = buf_.size() - scan_;
    const void* nl = memchr(line_start, '\n', rest);
    const std::size_t until =
        nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - line_start) : rest;
    const void* cr = memchr(line_start, '\r', until);
    if (!nl && !cr) return false;
    const std::size_t eol =
        scan_ + (cr ? static_cast<std::size_t>(static_cast<const char*>(cr) - line_start) : until);
    std::size_t after = eol + 1;
    if (buf_[eol] == '\r') {
      if (after == buf_.size()) return false;  // a \n may follow in the next read
      if (buf_[after] == '\n') ++after;
    }
    std::string_view line(buf_.data() + scan_, eol - scan_);
    scan_ = after;
    if (line.empty()) {
      if (!has_fields_) {  // blank line with nothing before it: skip
        event_start_ = scan_;
        continue;
      }
      out.raw = std::string_view(buf_.data() + event_start_, scan_ - event_start_);
      out.data = std::move(data_);
      out.event = std::move(event_);
      out.scan = nullptr;
      data_.clear();
      event_.clear();
      has_data_ = false;
      has_fields_ = false;
      event_start_ = scan_;
      return true;
    }
    has_fields_ = true;
    if (line.front() == ':') continue;  // comment
    std::size_t colon = line.find(':');
    std::string_view field = line.substr(0, colon);
    std::string_view value;
    if (colon != std::string_view::npos) {
      value = line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    if (field == "data") {
      if (has_data_) data_ += '\n';
      data_.append(value);
      has_data_ = true;
    } else if (field == "event") {
      event_.assign(value);
    }
    // id and retry are not needed by a relay.
  }
  return false;
}

}  // namespace llmctl::protocol
