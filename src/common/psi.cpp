#include "common/psi.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace llmctl {

int length_bin(std::int64_t tokens) {
  if (tokens <= 0) return 0;
  const int width = std::bit_width(static_cast<std::uint64_t>(tokens));  // floor(log2) + 1
  return std::min(width, kLengthBins - 1);
}

std::int64_t length_bin_upper(int bin) {
  if (bin <= 0) return 0;
  if (bin >= kLengthBins - 1) return -1;
  return (std::int64_t{1} << bin) - 1;
}

double population_stability_index(std::span<const double> expected,
                                  std::span<const double> actual) {
  double te = 0, ta = 0;
  for (double x : expected) te += x;
  for (double x : actual) ta += x;
  if (te <= 0 || ta <= 0) return 0;
  double out = 0;
  const std::size_t n = std::min(expected.size(), actual.size());
  for (std::size_t i = 0; i < n; ++i) {
    const double e = std::max(expected[i] / te, 1e-4), a = std::max(actual[i] / ta, 1e-4);
    out += (a - e) * std::log(a / e);
  }
  return out;
}

}  // namespace llmctl
