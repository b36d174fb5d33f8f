// Routing: which deployments of a model group to try, in which order.
//
// A Router is a strategy object owned by a worker and called once per request; it must not
// block, allocate when `out` already has capacity, or keep per-request state. Later strategies
// (least-busy, latency, prefix-aware) implement the same interface.
#pragma once

#include <cstdint>
#include <vector>

#include "gateway/config.h"

namespace llmctl::gateway {

class Router {
 public:
  virtual ~Router() = default;
  // Fills `out` with indices into config.deployments, first choice first; at most
  // group.max_attempts entries. `random` is a uniformly distributed 64-bit value.
  virtual void order(const Config& config, const ModelGroup& group, std::uint64_t random,
                     std::vector<int>& out) const = 0;
};

// Weighted random first choice (probability weight / sum of weights; weight 0 never first),
// then the other deployments in config order as fallbacks.
class WeightedRouter final : public Router {
 public:
  void order(const Config& config, const ModelGroup& group, std::uint64_t random,
             std::vector<int>& out) const override;
};

}  // namespace llmctl::gateway
