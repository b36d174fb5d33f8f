// Hashing for affinity: a bounded FNV-1a hasher for request keys and the consistent-hash ring
// of a pool. Pure and deterministic across runs and machines (no std::hash, no seeds), so a
// key maps to the same member after a restart, a reload or in the simulator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "route/route.h"

namespace llmctl::route {

// splitmix64's finaliser: spreads the bits of a 64-bit value.
std::uint64_t mix64(std::uint64_t x);

// FNV-1a over at most `limit` bytes in all, fed in pieces; key() mixes the result. Callers build
// a request's affinity key from its leading text (the gateway: prefix_hash in affinity.h).
class BoundedHasher {
 public:
  explicit BoundedHasher(std::size_t limit) : left_(limit) {}
  void feed(std::string_view s);
  std::size_t left() const { return left_; }  // bytes that may still be fed
  std::uint64_t key() const { return mix64(h_); }
  std::uint64_t raw() const { return h_; }  // the FNV-1a state before mixing

 private:
  std::uint64_t h_ = 1469598103934665603ULL;
  std::size_t left_;
};

// A consistent-hash ring: `points_per_weight` x (weight / max weight) points per member (weight
// 0: none), at positions from the member's name, sorted.
class HashRing {
 public:
  HashRing() = default;
  HashRing(const std::vector<Member>& members, int points_per_weight);
  // Member ids in ring order from the first point at or after `key`, each once (members
  // without points are not on the ring). Clears `out` first.
  void walk(std::uint64_t key, std::vector<int>& out) const;
  std::size_t size() const { return points_.size(); }
  bool empty() const { return points_.empty(); }

 private:
  std::vector<std::pair<std::uint64_t, int>> points_;  // (position, member id)
  std::size_t members_on_ring_ = 0;
};

}  // namespace llmctl::route
