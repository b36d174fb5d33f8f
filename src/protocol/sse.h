// Incremental parser for Server-Sent Events (the WHATWG event-stream format), for relaying an
// upstream stream event by event without holding the whole stream.
//
// Feed bytes as they arrive; next() hands out each complete event (ended by a blank line) with
// its raw bytes, so a relay can forward exactly what the upstream sent, and its parsed `data`
// and `event` fields. Line ends may be \n, \r\n or \r, even split across reads. One parser per
// stream; not thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace llmctl::protocol {

struct EventScan;  // usage.h

struct SseEvent {
  std::string_view raw;  // the event's bytes including its blank line; valid until feed()
  std::string data;      // data lines joined with '\n'
  std::string event;     // the `event:` field, empty when absent
  // scan_event(data), where the relay has scanned it already (its transforms read it instead
  // of scanning again); null from the parser, and where nobody has.
  const EventScan* scan = nullptr;
};

class SseParser {
 public:
  // Appends bytes. Invalidates the `raw` views of events handed out before.
  void feed(std::string_view bytes);
  // Takes the next complete event; false when none is complete yet. Events made only of
  // comments (":keep-alive") are returned too, with empty data, so a relay can forward them.
  bool next(SseEvent& out);
  // Bytes received that do not yet form a complete event.
  std::size_t pending_bytes() const { return buf_.size() - event_start_; }

 private:
  std::string buf_;
  std::size_t event_start_ = 0;  // start of the event being parsed
  std::size_t scan_ = 0;         // next byte to look at
  std::string data_, event_;     // fields of the event being parsed
  bool has_data_ = false;
  bool has_fields_ = false;
};

}  // namespace llmctl::protocol
