// A byte-string search for the scanners that run over every answer and every streamed event
// (usage, quality, finish reason). glibc's memmem was 20% of a stream's instructions
// (bench/gateway instructions.sh, 149k of 378k a stream); this one compares 16 positions in ~10
// instructions with the needle's first and last byte (SSE2) and checks the rest only where both
// match. Pure, header-only; memmem where SSE2 is absent.
#pragma once

#include <string.h>  // memmem (GNU)

#include <cstddef>
#include <cstring>
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

}  // namespace llmctl::protocol
