// A byte-string search for the scanners that run over every answer and every streamed event
// (usage, quality, finish reason). glibc's memmem was 20% of a stream's instructions
// (bench/gateway instructions.sh, 149k of 378k a stream); this one compares 16 positions in ~10
// instructions with the needle's first and last byte (SSE2) and checks the rest only where both
// match. Pure, header-only; memmem where SSE2 is absent.
#pragma once

#include <string.h>  // memmem (GNU)

#include <cstddef>
#include <cstring>
#include <optional>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace llmctl::protocol {

// The first `needle` in `hay` at or after `from`; npos when none (or `from` is past the end).
// An empty needle is found at `from`.
inline std::size_t find_text(std::string_view hay, std::string_view needle, std::size_t from = 0) {
  constexpr std::size_t npos = std::string_view::npos;
  if (from > hay.size()) return npos;
  const std::size_t k = needle.size();
  if (k == 0) return from;
  if (hay.size() - from < k) return npos;
  const char* s = hay.data();
  const std::size_t end = hay.size() - k + 1;  // a match starts before `end`
  std::size_t i = from;
#if defined(__SSE2__)
  if (k >= 2) {
    const __m128i first = _mm_set1_epi8(needle[0]);
    const __m128i last = _mm_set1_epi8(needle[k - 1]);
    // Both loads stay inside `hay`: s[i + k - 1 + 15] is s[end + k - 2] at most, its last byte.
    for (; i + 16 <= end; i += 16) {
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + k - 1));
      auto mask = static_cast<unsigned>(
          _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last))));
      while (mask) {
        const auto bit = static_cast<std::size_t>(__builtin_ctz(mask));
        if (std::memcmp(s + i + bit + 1, needle.data() + 1, k - 2) == 0) return i + bit;
        mask &= mask - 1;
      }
    }
    for (; i < end; ++i)
      if (s[i] == needle[0] && s[i + k - 1] == needle[k - 1] &&
          std::memcmp(s + i + 1, needle.data() + 1, k - 2) == 0)
        return i;
    return npos;
  }
#endif
  const void* hit = memmem(s + i, hay.size() - i, needle.data(), k);
  return hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - s) : npos;
}

// The first '"' at or after `from`; hay.size() when none. The first 32 bytes inline (SSE2), the
// rest by memchr: the stream scanners look for the next quote ~15 times an event, a few bytes
// away each, where memchr's call and set-up cost more than the search; a long string (an
// answer's content) is memchr's (32 bytes a step).
inline std::size_t find_quote(std::string_view hay, std::size_t from) {
  if (from >= hay.size()) return hay.size();
  std::size_t i = from;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  for (int step = 0; step < 2 && i + 16 <= hay.size(); ++step, i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(hay.data() + i));
    if (const int mask = _mm_movemask_epi8(_mm_cmpeq_epi8(x, quote)))
      return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
  if (i + 16 > hay.size()) {  // under 16 bytes left
    for (; i < hay.size(); ++i)
      if (hay[i] == '"') return i;
    return hay.size();
  }
#endif
  const void* q = std::memchr(hay.data() + i, '"', hay.size() - i);
  return q ? static_cast<std::size_t>(static_cast<const char*>(q) - hay.data()) : hay.size();
}

// The first byte at or after `from` that ends a run of plain JSON string text: '"' or '\\', and
// with `controls` also a control character (below 0x20, which a serializer escapes); hay.size()
// when none. 16 bytes a step (SSE2): prompts are most of what the request's splice and its
// fingerprints walk.
inline std::size_t find_string_special(std::string_view hay, std::size_t from, bool controls) {
  std::size_t i = from;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x20), zero = _mm_setzero_si128();
  for (; i + 16 <= hay.size(); i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(hay.data() + i));
    __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash));
    // Signed compares: a byte >= 0x80 (UTF-8) is below 0 as well as below 0x20, and is no
    // control character.
    if (controls)
      hit = _mm_or_si128(hit, _mm_andnot_si128(_mm_cmplt_epi8(x, zero), _mm_cmplt_epi8(x, space)));
    if (const int mask = _mm_movemask_epi8(hit))
      return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  for (; i < hay.size(); ++i) {
    const auto c = static_cast<unsigned char>(hay[i]);
    if (c == '"' || c == '\\' || (controls && c < 0x20)) return i;
  }
  return hay.size();
}

// The string value of a key that ends at `after` (one past its closing quote): after any ' ' and
// ':' a '"' opens it and the next '"' closes it, escapes not read (the finish reason's rule:
// its values are plain words); nullopt when no '"' comes first or none closes it.
inline std::optional<std::string_view> plain_string_after(std::string_view text,
                                                          std::size_t after) {
  std::size_t i = after;
  while (i < text.size() && (text[i] == ' ' || text[i] == ':')) ++i;
  if (i >= text.size() || text[i] != '"') return std::nullopt;
  const std::size_t end = text.find('"', i + 1);
  if (end == std::string_view::npos) return std::nullopt;
  return text.substr(i + 1, end - i - 1);
}

}  // namespace llmctl::protocol
