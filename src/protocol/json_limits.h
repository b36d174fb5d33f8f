// How deep a request's JSON may nest: one limit for the gateway's parse and the simulator's.
// Boost.JSON's default (32) refused real requests (eight nested nullable zod objects already
// reach it); 256 leaves room for any schema a client sends while bounding the parser's stack.
#pragma once

#include <algorithm>
#include <boost/json/memory_resource.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/storage_ptr.hpp>
#include <cstddef>
#include <memory>
#include <string_view>

namespace llmctl::protocol {

inline constexpr int kMaxJsonDepth = 256;

// boost::json::parse with the limit above; `ec` is boost::json::error::too_deep beyond it. The
// value's memory comes from `sp` (the default resource when empty).
inline boost::json::value parse_request_json(std::string_view text, boost::system::error_code& ec,
                                             boost::json::storage_ptr sp = {}) {
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  return boost::json::parse(text, ec, std::move(sp), options);
}

// A monotonic resource whose first block is inside it: one allocation of under 1 KiB instead of
// the resource plus a first block of 1,056 bytes (Boost.JSON's minimum block, 1,024, plus its
// header), which glibc serves outside tcache and which made it consolidate its fastbins first.
class InlineArena final : public boost::json::memory_resource {
 public:
  static constexpr std::size_t kInlineBytes = 880;  // with the shared resource's own: < 1 KiB
  InlineArena() = default;

 private:
  void* do_allocate(std::size_t n, std::size_t align) override { return arena_.allocate(n, align); }
  void do_deallocate(void*, std::size_t, std::size_t) override {}
  bool do_is_equal(const boost::json::memory_resource& other) const noexcept override {
    return this == &other;
  }
  alignas(std::max_align_t) unsigned char inline_[kInlineBytes];
  boost::json::monotonic_resource arena_{inline_, sizeof inline_};
};

// A memory resource for the JSON of one request or one answer: every node of the parse comes
// from a few blocks that are freed together when the last value using them goes, instead of one
// malloc and one free per object, array and long string (the gateway parses every request and
// every whole answer; malloc and free were ~15% of its instructions). Containers that outlive
// the request copy what they keep into their own resource (Boost.JSON inserts with the
// container's storage), so only values moved as a whole keep the arena alive. A small text's
// arena starts inside the resource (InlineArena); a larger one's first block is twice the text.
inline boost::json::storage_ptr json_arena(std::size_t text_bytes) {
  if (2 * text_bytes <= InlineArena::kInlineBytes)
    return boost::json::make_shared_resource<InlineArena>();
  return boost::json::make_shared_resource<boost::json::monotonic_resource>(
      std::max<std::size_t>(1024, 2 * text_bytes));
}

// Puts `v` into `slot` with v's own memory resource. (json::value's move assignment copies into
// the slot's resource when the two differ, which would undo an arena.)
inline void adopt(boost::json::value& slot, boost::json::value&& v) noexcept {
  std::destroy_at(&slot);
  std::construct_at(&slot, std::move(v));
}

}  // namespace llmctl::protocol

// Deallocation does nothing (a monotonic arena): Boost.JSON's containers skip it.
template <>
struct boost::json::is_deallocate_trivial<llmctl::protocol::InlineArena> {
  static constexpr bool value = true;
};
