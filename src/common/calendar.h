#pragma once
// Calendar arithmetic shared by every reader of timestamps (plan and sim traces, finops exports).

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

}  // namespace llmctl
