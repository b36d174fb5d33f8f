// How deep a request's JSON may nest: one limit for the gateway's parse and the simulator's.
// Boost.JSON's default (32) refused real requests (eight nested nullable zod objects already
// reach it); 256 leaves room for any schema a client sends while bounding the parser's stack.
#pragma once

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <string_view>

namespace llmctl::protocol {

inline constexpr int kMaxJsonDepth = 256;

// boost::json::parse with the limit above; `ec` is boost::json::error::too_deep beyond it.
inline boost::json::value parse_request_json(std::string_view text, boost::system::error_code& ec) {
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  return boost::json::parse(text, ec, {}, options);
}

}  // namespace llmctl::protocol
