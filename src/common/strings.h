// Small string helpers shared by every subsystem. No locale, ASCII only.
#pragma once

#include <string.h>  // memmem (GNU)

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace llmctl {

// The first `needle` in `hay` at or after `from`, npos when none: glibc's memmem. For scanners
// that run over every streamed event: string_view::find stops at each occurrence of the needle's
// first byte for a memcmp, and for a quoted key ('"') that is every key and string of the event.
inline std::size_t find_bytes(std::string_view hay, std::string_view needle, std::size_t from = 0) {
  if (from > hay.size()) return std::string_view::npos;
  const void* hit = memmem(hay.data() + from, hay.size() - from, needle.data(), needle.size());
  return hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - hay.data())
             : std::string_view::npos;
}

// Lower-case hex, two digits a byte (ids, digests, fingerprints); append_hex adds it to `out`
// without a string of its own (the trace exporter's writer).
std::string to_hex(std::span<const std::uint8_t> bytes);
void append_hex(std::string& out, std::span<const std::uint8_t> bytes);
// The 16 hex digits of `v` as one big-endian number ("{:016x}").
std::string to_hex(std::uint64_t v);

std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool starts_with(std::string_view s, std::string_view prefix);
std::string trim(std::string_view s);
// s with & < > " written as HTML entities, for text and attribute values in generated reports.
std::string html_escape(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);

// True for YYYY-MM-DD with a plausible month and day.
bool is_iso_date(std::string_view s);

// True for catalog ids: a letter or digit, then letters, digits and . _ / : @ + -
bool is_catalog_id(std::string_view s);

// "12,345" style thousands grouping for integers in human output.
std::string group_thousands(long long n);

// Levenshtein distance (single-byte edits), for "did you mean" hints on unknown keys.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The closest of `candidates` to `key` for a "did you mean" hint: the one candidate the key is a
// prefix of (keys of 3+ characters), else edit distance at most 2, or 3 for keys of 8+
// characters; empty when none is close.
std::string closest(std::string_view key, const std::vector<std::string>& candidates);

// "did you mean 'x'? " for the closest candidate, or "" when none is close; it reads before an
// "expected one of ..." list.
std::string did_you_mean(std::string_view key, const std::vector<std::string>& candidates);

// Formats a number with `digits` significant digits, no exponent for usual magnitudes.
std::string format_sig(double v, int digits = 3);

}  // namespace llmctl
