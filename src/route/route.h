// Routing policies: which members of a pool take a request, in which order, and why.
//
// A pool is the set of places a request may go: the deployments of a gateway model group, or
// the replicas of a simulated fleet. A Policy orders the pool's members for one request from
// plain data — the members (id, weight, name), live signals behind the small Signals interface,
// and the request's key and random draw — and says why it chose the first (Reason, the
// gateway's `route_reason`).
//
// Pure: no I/O, no clock, no threads, no global state; randomness comes in as Request::random.
// The gateway (shared atomics behind Signals) and `llmctl simulate` (replica state behind
// Signals) run the same policies.
//
// Adding a policy: a Strategy value, its name in strategy_name(), a Reason or two, one file
// with a factory declared in policies.h, and one case in make_policy() (policy.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace llmctl::route {

// One member of a pool.
struct Member {
  int id = 0;         // the caller's handle, passed back in `out` and to Signals (gateway: an index
                      // into Config::deployments; simulator: a replica index). Unique in a pool and
                      // >= 0; policies keep small tables indexed by id, so ids should be indices.
  double weight = 1;  // relative share of first choices; 0: fallback only (ordered after every
                      // weighted member, never first while a weighted one is available)
  std::string name = {};  // stable identity: places the member on a hash ring, so a ring does not
                          // move when members are reordered or the pool is rebuilt
};

// Live state of the members, read while ordering. Implementations: the gateway's shared
// per-deployment atomics, the simulator's replica state, fakes in tests.
//
// Contract: every method takes a member id of the pool; calls are cheap and may happen several
// times per order(); values may change between two calls (other threads are routing too) and
// a policy stays correct if they do (it may be less balanced, never wrong). A signal a source
// does not have is reported as unknown (negative), and policies that read it then treat every
// member alike on that signal.
class Signals {
 public:
  virtual ~Signals() = default;
  // May take a request now: healthy, not held out by a circuit breaker or a cool-down.
  virtual bool available(int id) const = 0;
  // Requests in flight on it, across every router that shares it.
  virtual int outstanding(int id) const = 0;
  // Time-to-first-token EWMA in ms; negative: no sample yet.
  virtual double ttft_ewma_ms(int /*id*/) const { return -1; }
  // Engine-side signals, for the simulator's policies (least KV usage, cache-aware,
  // llm-d-style prefix/KV scoring); the gateway does not know them yet.
  // Fraction of the member's KV-cache blocks in use, in [0, 1]; negative: unknown.
  virtual double kv_usage(int /*id*/) const { return -1; }
  // How many leading blocks of `blocks` (Request::prefix_blocks) the member's prefix cache
  // holds now; negative: unknown.
  virtual int cached_prefix_blocks(int /*id*/, std::span<const std::uint64_t> /*blocks*/) const {
    return -1;
  }
};

// Every member available and idle, no samples: routing with no live state.
class IdleSignals final : public Signals {
 public:
  bool available(int) const override { return true; }
  int outstanding(int) const override { return 0; }
};

// Forwards to `base` but calls every member available: the panic path, when every member is
// out and trying them anyway beats failing every request (Envoy's panic threshold).
class PanicSignals final : public Signals {
 public:
  explicit PanicSignals(const Signals& base) : base_(base) {}
  bool available(int) const override { return true; }
  int outstanding(int id) const override { return base_.outstanding(id); }
  double ttft_ewma_ms(int id) const override { return base_.ttft_ewma_ms(id); }
  double kv_usage(int id) const override { return base_.kv_usage(id); }
  int cached_prefix_blocks(int id, std::span<const std::uint64_t> blocks) const override {
    return base_.cached_prefix_blocks(id, blocks);
  }

 private:
  const Signals& base_;
};

// What a policy knows about one request.
struct Request {
  std::uint64_t random = 0;        // one uniform 64-bit draw; every random choice comes from it
  std::uint64_t affinity_key = 0;  // prefix policy: a hash of the prompt's leading part
  // Cache-aware policies: hashes of the prompt's KV blocks, in order (e.g. Mooncake's
  // hash_ids); empty when unknown.
  std::span<const std::uint64_t> prefix_blocks = {};
  std::uint64_t session = 0;  // session-affinity key; 0: none
};

// Why the first member was chosen.
enum class Reason {
  kWeighted,            // weighted random draw
  kLeastOutstanding,    // fewest requests in flight per unit of weight
  kLatency,             // lowest TTFT EWMA x (in flight + 1)
  kLatencyExplore,      // a small share goes to a random member so every EWMA stays fresh
  kPrefixHome,          // the key's home member on the hash ring
  kPrefixSpill,         // the home member was over its bounded load; the next one on the ring
  kPrefixUnavailable,   // the home member is unavailable; the next one on the ring
  kRoundRobin,          // the next member in turn
  kRandom,              // a uniform random draw
  kLeastKvUsage,        // the lowest KV-cache usage (then fewest in flight)
  kCacheMatch,          // cache_aware: the longest cached prefix, at or above cache_threshold
  kCacheMiss,           // cache_aware: no member holds enough of it; the least loaded
  kCacheBalance,        // cache_aware: the load is imbalanced; the fewest in flight
  kScored,              // kv_scorer: the highest weighted prefix + queue + KV score
  kSessionHome,         // the session's home member on the hash ring
  kSessionUnavailable,  // the session's home member is unavailable; the next one on the ring
  kNoneAvailable,       // no member is available (`out` is empty)
};
std::string_view reason_name(Reason r);

// The gateway's strategies, then the engine-side routers of the field (engine.cpp, session.cpp):
// round_robin, random, least_kv_usage, cache_aware (SGLang's and vLLM's router), kv_scorer
// (llm-d's inference scheduler) and session (sticky sessions by a session key).
enum class Strategy {
  kWeighted,
  kLeastOutstanding,
  kLatency,
  kPrefix,
  kRoundRobin,
  kRandom,
  kLeastKvUsage,
  kCacheAware,
  kKvScorer,
  kSession,
};
std::string_view strategy_name(Strategy s);
std::optional<Strategy> parse_strategy(std::string_view name);
// Every strategy, in the order of the enum (for help texts and "expected one of").
std::span<const Strategy> all_strategies();

struct Options {
  // prefix: consistent hashing with bounded load (Mirrokni, Thorup, Zadimoghaddam 2018). With
  // the request counted, a member may hold at most ceil(load_factor x in flight x its weight
  // share) + slack requests; the slack keeps a handful of requests at low concurrency from
  // breaking affinity (SGLang's router has balance_abs_threshold for this).
  double load_factor = 1.25;
  int slack = 2;
  int ring_points = 160;  // ring points per unit of relative weight (~8% spread of shares)
  // latency: 1 request in this many goes to a random other member (0: never).
  int explore_one_in = 20;
  // cache_aware, as the SGLang and vLLM routers (sgl-router / vllm-router defaults, their
  // --cache-threshold, --balance-abs-threshold, --balance-rel-threshold): the load counts as
  // imbalanced when the busiest member has more than balance_abs requests over the idlest and
  // more than balance_rel times as many; then the idlest takes it. Otherwise the member with the
  // longest cached prefix takes it when that covers at least cache_threshold of the prompt's
  // blocks, else the least loaded (fewest in flight, then the most free KV cache: the routers'
  // smallest radix tree, which grows as requests are routed to it).
  double cache_threshold = 0.3;
  int balance_abs = 64;
  double balance_rel = 1.5;
  // kv_scorer, as llm-d's default scheduling profile: the highest weighted sum of the
  // prefix-cache score (share of the prompt's blocks cached), the queue score (1 for the
  // shortest queue, 0 for the longest) and the KV-utilisation score (1 - usage).
  double prefix_weight = 3;
  double queue_weight = 2;
  double kv_weight = 2;
};

class Policy {
 public:
  virtual ~Policy() = default;
  virtual Strategy strategy() const = 0;

  // Fills `out` (cleared first) with the ids of the pool's available members, first choice
  // first, each id once: weighted members, then available weight-0 members in pool order.
  // Unavailable members are left out. Returns why out[0] was chosen; kNoneAvailable exactly
  // when `out` is empty. Deterministic given (req, signals) — except round_robin, which is
  // deterministic given the sequence of calls (its turn is an atomic counter). Allocates nothing
  // when `out` has capacity for the pool. Const and thread-safe: workers share one policy per
  // pool.
  virtual Reason order(const Request& req, const Signals& signals, std::vector<int>& out) const = 0;

  const std::vector<Member>& members() const { return members_; }

 protected:
  explicit Policy(std::vector<Member> members) : members_(std::move(members)) {}
  std::vector<Member> members_;
};

// The policy of `strategy` over `members` (ids unique; weights >= 0).
std::unique_ptr<const Policy> make_policy(Strategy strategy, std::vector<Member> members,
                                          const Options& options = {});

}  // namespace llmctl::route
