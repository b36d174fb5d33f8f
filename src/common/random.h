// Randomness as an interface, so logic that draws (routing, jitter, exploration, simulated
// arrivals) is reproducible in tests: seed a SplitMix64, or script the draws.
#pragma once

#include <cstdint>

namespace llmctl {

class Random {
 public:
  virtual ~Random() = default;
  // A uniformly distributed 64-bit value.
  virtual std::uint64_t next() = 0;
  // Uniform in [0, 1), from the top 53 bits of next().
  double unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
};

// SplitMix64 (Steele, Lea and Flood, 2014): small, fast, passes BigCrush; one per thread.
class SplitMix64 final : public Random {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() override {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

}  // namespace llmctl
