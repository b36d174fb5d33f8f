// Routing: which deployments of a model group to try, in which order.
//
// A Router is a strategy object owned by a worker and called once per request; it must not
// block, allocate when `out` already has capacity, or keep per-request state.
//
// route() is the per-group strategy (ModelGroup::routing): weighted, least outstanding requests,
// latency EWMA, or prefix affinity (consistent hashing with bounded load). It reads live signals
// through RouteSignals (shared atomics in the gateway, a fake in tests) and says why it chose
// the first deployment (RouteReason, recorded in the request log as route_reason).
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/config.h"
#include "gateway/protocol.h"

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

// Live per-deployment signals, indexed like Config::deployments.
class RouteSignals {
 public:
  virtual ~RouteSignals() = default;
  // Healthy and not held out by its circuit breaker.
  virtual bool available(int deployment) const = 0;
  // Attempts in flight on it, all workers.
  virtual int outstanding(int deployment) const = 0;
  // Time-to-first-token EWMA in ms; negative when there is no sample yet.
  virtual double ttft_ewma_ms(int deployment) const = 0;
};

struct RouteInput {
  std::uint64_t random = 0;               // uniform 64-bit draw
  std::uint64_t prefix_hash = 0;          // prefix strategy: prefix_hash() of the request
  const RouteSignals* signals = nullptr;  // null: all available and idle
};

enum class RouteReason {
  kWeighted,           // weighted random draw
  kLeastOutstanding,   // fewest requests in flight per unit of weight
  kLatency,            // lowest TTFT EWMA x (in flight + 1)
  kLatencyExplore,     // a small share goes to a random replica so every EWMA stays fresh
  kPrefixHome,         // the prefix's home replica on the hash ring
  kPrefixSpill,        // the home replica was over its bounded load; the next one on the ring
  kPrefixUnavailable,  // the home replica is unavailable; the next one on the ring
  kNoneAvailable,      // every deployment is unhealthy or held out by its breaker
};
std::string_view route_reason_name(RouteReason r);

// Fills `out` with the group's available deployments (indices into config.deployments), first
// choice first, weight-0 deployments last; unavailable ones are left out. Returns why the
// first was chosen (kNoneAvailable with `out` empty when none is available).
RouteReason route(const Config& config, const ModelGroup& group, const RouteInput& in,
                  std::vector<int>& out);

// The affinity key of a request: a 64-bit hash of the leading part of its prompt, at most
// `prefix_chars` characters — for chat the leading system/developer messages and then
// `messages` more (role and text: 0 keys on the system prompt alone, 1 on the conversation's
// opening, so every later turn of a conversation shares it); `prompt` for completions, `input`
// for embeddings. Requests that share that leading text share the key, and so the replica
// whose prefix cache holds it.
std::uint64_t prefix_hash(const boost::json::value& body, Endpoint endpoint, int prefix_chars,
                          int messages = 1);

// The consistent-hash ring of a group: 160 points per unit of relative weight for each
// deployment (weight 0: none), sorted by point. Deterministic (hash of the deployment name).
std::vector<std::pair<std::uint64_t, int>> build_ring(const Config& config,
                                                      const ModelGroup& group);

}  // namespace llmctl::gateway
