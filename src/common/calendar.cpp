#include "common/calendar.h"

#include <charconv>

namespace llmctl {
namespace {

bool parse_int(std::string_view s, long long& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::size_t parse_datetime_prefix(std::string_view s, double& seconds) {
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' ||
      (s[10] != ' ' && s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
    return 0;
  long long y, mo, d, h, mi, sec;
  if (!parse_int(s.substr(0, 4), y) || !parse_int(s.substr(5, 2), mo) ||
      !parse_int(s.substr(8, 2), d) || !parse_int(s.substr(11, 2), h) ||
      !parse_int(s.substr(14, 2), mi) || !parse_int(s.substr(17, 2), sec))
    return 0;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return 0;
  std::size_t end = 19;
  double fraction = 0;
  if (end < s.size() && s[end] == '.') {
    double scale = 0.1;
    for (++end; end < s.size() && s[end] >= '0' && s[end] <= '9'; ++end) {
      fraction += (s[end] - '0') * scale;
      scale /= 10;
    }
    if (end == 20) return 0;  // a '.' with no digits
  }
  seconds = static_cast<double>(
                days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
                h * 3600 + mi * 60 + sec) +
            fraction;
  return end;
}

}  // namespace llmctl
