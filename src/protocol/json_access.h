// Null-safe reads of parsed JSON shared by the protocol translators (anthropic, responses,
// bedrock, gemini): a missing member or a value of another type reads as absent, so a
// translator checks what it requires and ignores what it does not.
#pragma once

#include <boost/json/value.hpp>
#include <string_view>

namespace llmctl::protocol {

// The member `key` of an object, or null when `v` is not an object or has no such member.
inline const boost::json::value* member(const boost::json::value& v, std::string_view key) {
  return v.is_object() ? v.as_object().if_contains(key) : nullptr;
}

// The string `v` points at, or "" when it is null or not a string.
inline std::string_view str_of(const boost::json::value* v) {
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view{};
}

}  // namespace llmctl::protocol
