#include "plan/format.h"

#include <cmath>

#include "common/strings.h"

namespace llmctl::plan {

std::string num(double v, int digits) {
  std::string s = format_sig(v, digits);
  if (s.find('.') != std::string::npos && std::isfinite(v)) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return s;
}

std::string money(double usd) {
  // Appending (not "$" + s) sidesteps a GCC 12 -Wrestrict false positive.
  std::string out = "$";
  out += std::fabs(usd) >= 100 ? group_thousands(std::llround(usd)) : num(usd, 3);
  return out;
}

}  // namespace llmctl::plan
