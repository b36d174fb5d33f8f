// Private to src/route: the factories make_policy() dispatches to, one per policy file, and
// helpers every policy shares. Callers use route.h.
#pragma once

#include <memory>
#include <vector>

#include "route/route.h"

namespace llmctl::route::detail {

std::unique_ptr<const Policy> make_weighted(std::vector<Member> members);
std::unique_ptr<const Policy> make_least_outstanding(std::vector<Member> members);
std::unique_ptr<const Policy> make_latency(std::vector<Member> members, const Options& options);
std::unique_ptr<const Policy> make_prefix(std::vector<Member> members, const Options& options);

// Appends the available weight-0 members in pool order: every policy's fallbacks.
void append_zero_weight(const std::vector<Member>& members, const Signals& signals,
                        std::vector<int>& out);

// Member weights indexed by id (0 for ids not in the pool).
std::vector<double> weights_by_id(const std::vector<Member>& members);

// A uniform double in [0, 1) from the top 53 bits of a draw.
inline double unit_interval(std::uint64_t random) {
  return static_cast<double>(random >> 11) * (1.0 / 9007199254740992.0);
}

}  // namespace llmctl::route::detail
