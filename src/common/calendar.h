#pragma once
// Calendar arithmetic shared by every reader of timestamps (plan and sim traces, finops exports).

#include <cstddef>
#include <string_view>

namespace llmctl {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil), so a
// trace that crosses midnight or a month end still orders correctly. m in 1..12, d in 1..31.
constexpr long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);

// "YYYY-MM-DD HH:MM:SS[.fraction]" or with a 'T' (any number of fraction digits: the Azure
// traces carry seven) as seconds since 1970, UTC assumed, with the fraction kept. Returns the
// number of characters read (19 and up) or 0 when the text does not start with such a time, so
// a caller decides what may follow (nothing for a trace cell, a 'Z' for RFC 3339).
std::size_t parse_datetime_prefix(std::string_view s, double& seconds);

// The whole text is such a time, nothing after it.
inline bool parse_datetime(std::string_view s, double& seconds) {
  const std::size_t n = parse_datetime_prefix(s, seconds);
  return n != 0 && n == s.size();
}

}  // namespace llmctl
