// Which replica takes a request: the fleet's view of a routing policy.
//
// The fleet keeps the ready replicas as members (rebuilt when one becomes ready or leaves) and
// asks for one member per request, with live replica signals behind ReplicaSignals.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "sim/workload.h"

namespace llmctl::sim {

struct RouteMember {
  int id = 0;  // fleet replica id
  double weight = 1;
  std::string name;  // stable: pool/index
};

// Live replica state a router may read.
class ReplicaSignals {
 public:
  virtual ~ReplicaSignals() = default;
  virtual int outstanding(int id) const = 0;  // running + waiting
  virtual double kv_usage(int id) const = 0;  // 0..1
  // Leading segments of `hashes` the replica's prefix cache holds.
  virtual int cached_prefix(int id, std::span<const std::uint64_t> hashes) const = 0;
  // TTFT EWMA of the replica in ms; negative before its first sample.
  virtual double ttft_ewma_ms(int id) const = 0;
};

class Router {
 public:
  virtual ~Router() = default;
  virtual void set_members(std::vector<RouteMember> members) = 0;
  // The member id to take the request, or -1 when there are no members.
  virtual int pick(const Request& r, std::span<const std::uint64_t> hashes,
                   const ReplicaSignals& signals, std::uint64_t random) = 0;
};

// The router called `name` (router_names() lists them). Errors say what is known.
Result<std::unique_ptr<Router>> make_router(const std::string& name);
const std::vector<std::string>& router_names();

}  // namespace llmctl::sim
