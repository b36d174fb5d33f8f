#include "route/hash.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace llmctl::route {

std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void BoundedHasher::feed(std::string_view s) {
  const std::size_t n = std::min(left_, s.size());
  for (std::size_t i = 0; i < n; ++i) {
    h_ ^= static_cast<unsigned char>(s[i]);
    h_ *= 1099511628211ULL;
  }
  left_ -= n;
}

HashRing::HashRing(const std::vector<Member>& members, int points_per_weight) {
  double max_w = 0;
  for (const auto& m : members) max_w = std::max(max_w, m.weight);
  if (max_w <= 0) return;
  for (const auto& m : members) {
    const int points = static_cast<int>(std::lround(points_per_weight * m.weight / max_w));
    if (points <= 0) continue;
    ++members_on_ring_;
    BoundedHasher base(1 << 20);
    base.feed(m.name);
    // Seeded with the raw FNV state: the positions the gateway's ring has always had, so an
    // upgrade does not move every prefix's home replica.
    for (int p = 0; p < points; ++p)
      points_.emplace_back(mix64(base.raw() ^ mix64(static_cast<std::uint64_t>(p) + 1)), m.id);
  }
  std::sort(points_.begin(), points_.end());
}

void HashRing::walk(std::uint64_t key, std::vector<int>& out) const {
  out.clear();
  if (points_.empty()) return;
  auto it = std::lower_bound(points_.begin(), points_.end(),
                             std::make_pair(key, std::numeric_limits<int>::min()));
  for (std::size_t k = 0; k < points_.size() && out.size() < members_on_ring_; ++k, ++it) {
    if (it == points_.end()) it = points_.begin();
    if (std::find(out.begin(), out.end(), it->second) == out.end()) out.push_back(it->second);
  }
}

}  // namespace llmctl::route
