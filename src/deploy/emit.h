// Emitters: documents are built as Boost.JSON values (typed: a string stays a string, an integer
// an integer) and rendered here, so no manifest is ever assembled from text templates.
//
// YAML output keeps the values' key order (insertion order), quotes every string a YAML 1.1 or
// 1.2 reader would take for a number, boolean or null ("8000", "on", "1e3"), writes multi-line
// strings as literal blocks, and never uses exponents for numbers. The same value always gives
// the same bytes. Pure functions; thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace llmctl::deploy {

// One YAML document (no leading "---").
std::string to_yaml(const boost::json::value& doc);

// Several documents separated by "---" lines.
std::string to_yaml_documents(const std::vector<boost::json::value>& docs);

// Comment lines ("# ..." each) for the top of a YAML body; `text` may hold several lines.
std::string yaml_comment(std::string_view text);

// Two-space pretty JSON, keys in insertion order, numbers without exponents; ends with "\n".
std::string to_json_text(const boost::json::value& doc);

// True when a YAML reader would not read `s`, written plain, back as the same string.
bool yaml_needs_quotes(std::string_view s);

// A number as emitted: integers without a fraction, others with up to 6 decimals, no exponent.
std::string format_number(double v);

}  // namespace llmctl::deploy
