// The population stability index and the token-length bins the gateway and monitor compare
// distributions with (one definition for both: the gateway's drift gauges, monitor's
// output_drift/input_drift).
#pragma once

#include <cstdint>
#include <span>

namespace llmctl {

// Length bins: [0,1), [1,2), [2,4), ..., [2^(k-1), 2^k), the last (2^14 and up) open-ended.
inline constexpr int kLengthBins = 16;
int length_bin(std::int64_t tokens);
// The largest length in bin i (integers), for Prometheus `le` bounds; -1 for the open last bin.
std::int64_t length_bin_upper(int bin);

// PSI = sum over bins of (a - e) ln(a / e), with e and a each bin's share of the expected
// (baseline) and actual (current) counts, each share floored at 1e-4 so an empty bin does not
// make it infinite. 0 when either side is empty. Reading (the usual one): < 0.1 stable, 0.1-0.25
// a moderate shift, > 0.25 a significant one.
double population_stability_index(std::span<const double> expected, std::span<const double> actual);

}  // namespace llmctl
