// Private to src/route: the factories make_policy() dispatches to, one per policy file, and
// helpers every policy shares. Callers use route.h.
#pragma once

#include <algorithm>
#include <memory>
#include <vector>

#include "route/route.h"

namespace llmctl::route::detail {

std::unique_ptr<const Policy> make_weighted(std::vector<Member> members);
std::unique_ptr<const Policy> make_least_outstanding(std::vector<Member> members);
std::unique_ptr<const Policy> make_latency(std::vector<Member> members, const Options& options);
std::unique_ptr<const Policy> make_prefix(std::vector<Member> members, const Options& options);
std::unique_ptr<const Policy> make_round_robin(std::vector<Member> members);
std::unique_ptr<const Policy> make_random(std::vector<Member> members);
std::unique_ptr<const Policy> make_least_kv_usage(std::vector<Member> members);
std::unique_ptr<const Policy> make_cache_aware(std::vector<Member> members, const Options& options);
std::unique_ptr<const Policy> make_kv_scorer(std::vector<Member> members, const Options& options);
std::unique_ptr<const Policy> make_session(std::vector<Member> members, const Options& options);

// Appends the available weight-0 members in pool order: every policy's fallbacks.
void append_zero_weight(const std::vector<Member>& members, const Signals& signals,
                        std::vector<int>& out);

// The available weighted members from a random rotation (ties among equal scores are shared),
// stably sorted by `score` (lowest first), then the weight-0 fallbacks.
template <typename Score>
void by_score(const std::vector<Member>& members, const Request& req, const Signals& signals,
              std::vector<int>& out, Score score) {
  out.clear();
  const std::size_t n = members.size();
  const std::size_t start = n ? static_cast<std::size_t>(req.random % n) : 0;
  for (std::size_t k = 0; k < n; ++k) {
    const Member& m = members[(start + k) % n];
    if (m.weight > 0 && signals.available(m.id)) out.push_back(m.id);
  }
  std::stable_sort(out.begin(), out.end(), [&](int a, int b) { return score(a) < score(b); });
  append_zero_weight(members, signals, out);
}

// Member weights indexed by id (0 for ids not in the pool).
std::vector<double> weights_by_id(const std::vector<Member>& members);

// A uniform double in [0, 1) from the top 53 bits of a draw.
inline double unit_interval(std::uint64_t random) {
  return static_cast<double>(random >> 11) * (1.0 / 9007199254740992.0);
}

}  // namespace llmctl::route::detail
