// The engine-side routers of the field, which read the replicas' own state:
//   round_robin:    members in turn (vLLM production-stack's and SGLang's default-free router);
//   random:         a uniform draw;
//   least_kv_usage: the lowest KV-cache usage, then the fewest in flight;
//   cache_aware:    SGLang's and vLLM's router (see Options: balance, then the longest cached
//                   prefix above a threshold, else the least loaded);
//   kv_scorer:      llm-d's scheduling profile, a weighted sum of prefix, queue and KV scores.
// Signals a source does not have (the gateway knows no KV usage) count alike for every member,
// so these policies then fall back to the fewest in flight.
#include <atomic>
#include <limits>
#include <utility>

#include "route/policies.h"

namespace llmctl::route::detail {

namespace {

// The available weighted members, starting at `start` in pool order, each once.
void rotation(const std::vector<Member>& members, std::size_t start, const Signals& signals,
              std::vector<int>& out) {
  out.clear();
  const std::size_t n = members.size();
  for (std::size_t k = 0; k < n; ++k) {
    const Member& m = members[(start + k) % n];
    if (m.weight > 0 && signals.available(m.id)) out.push_back(m.id);
  }
}

double known_kv(const Signals& s, int id) { return std::max(0.0, s.kv_usage(id)); }

// Share of the request's blocks the member holds, in [0, 1]; 0 when either is unknown.
double cached_share(const Signals& s, int id, const Request& req) {
  if (req.prefix_blocks.empty()) return 0;
  const int n = s.cached_prefix_blocks(id, req.prefix_blocks);
  return n <= 0 ? 0 : static_cast<double>(n) / static_cast<double>(req.prefix_blocks.size());
}

class RoundRobin final : public Policy {
 public:
  explicit RoundRobin(std::vector<Member> members) : Policy(std::move(members)) {}
  Strategy strategy() const override { return Strategy::kRoundRobin; }
  Reason order(const Request&, const Signals& signals, std::vector<int>& out) const override {
    const std::size_t n = members_.size();
    const std::uint64_t turn = turn_.fetch_add(1, std::memory_order_relaxed);
    rotation(members_, n ? static_cast<std::size_t>(turn % n) : 0, signals, out);
    append_zero_weight(members_, signals, out);
    return out.empty() ? Reason::kNoneAvailable : Reason::kRoundRobin;
  }

 private:
  mutable std::atomic<std::uint64_t> turn_{0};
};

class Random final : public Policy {
 public:
  explicit Random(std::vector<Member> members) : Policy(std::move(members)) {}
  Strategy strategy() const override { return Strategy::kRandom; }
  Reason order(const Request& req, const Signals& signals, std::vector<int>& out) const override {
    rotation(members_, 0, signals, out);
    if (out.size() > 1) std::swap(out[0], out[static_cast<std::size_t>(req.random % out.size())]);
    append_zero_weight(members_, signals, out);
    return out.empty() ? Reason::kNoneAvailable : Reason::kRandom;
  }
};

class LeastKvUsage final : public Policy {
 public:
  explicit LeastKvUsage(std::vector<Member> members) : Policy(std::move(members)) {}
  Strategy strategy() const override { return Strategy::kLeastKvUsage; }
  Reason order(const Request& req, const Signals& signals, std::vector<int>& out) const override {
    by_score(members_, req, signals, out, [&](int id) {
      return std::pair{known_kv(signals, id), signals.outstanding(id)};
    });
    return out.empty() ? Reason::kNoneAvailable : Reason::kLeastKvUsage;
  }
};

class CacheAware final : public Policy {
 public:
  CacheAware(std::vector<Member> members, const Options& o) : Policy(std::move(members)), o_(o) {}
  Strategy strategy() const override { return Strategy::kCacheAware; }
  Reason order(const Request& req, const Signals& signals, std::vector<int>& out) const override {
    const std::size_t n = members_.size();
    rotation(members_, n ? static_cast<std::size_t>(req.random % n) : 0, signals, out);
    Reason reason = Reason::kNoneAvailable;
    if (!out.empty()) reason = choose(req, signals, out);
    append_zero_weight(members_, signals, out);
    return out.empty() ? Reason::kNoneAvailable : reason;
  }

 private:
  // Orders the available weighted members in `out` (not empty).
  Reason choose(const Request& req, const Signals& signals, std::vector<int>& out) const {
    // Fewest in flight first: the order behind the chosen member in every case.
    std::stable_sort(out.begin(), out.end(),
                     [&](int a, int b) { return signals.outstanding(a) < signals.outstanding(b); });
    const int lo = signals.outstanding(out.front()), hi = signals.outstanding(out.back());
    if (hi - lo > o_.balance_abs && hi > o_.balance_rel * lo) return Reason::kCacheBalance;
    std::size_t best = 0;
    double best_share = 0;
    for (std::size_t k = 0; k < out.size(); ++k) {
      const double share = cached_share(signals, out[k], req);
      if (share > best_share) best = k, best_share = share;  // ties: the less loaded (first)
    }
    if (best_share > 0 && best_share >= o_.cache_threshold) {
      std::rotate(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(best),
                  out.begin() + static_cast<std::ptrdiff_t>(best) + 1);
      return Reason::kCacheMatch;
    }
    // No member holds enough: the least loaded. The routers pick the smallest radix tree, which
    // grows as requests are routed to it, so requests in flight are its nearest signal here;
    // the most free KV cache breaks ties.
    std::stable_sort(out.begin(), out.end(), [&](int a, int b) {
      const int la = signals.outstanding(a), lb = signals.outstanding(b);
      return la != lb ? la < lb : known_kv(signals, a) < known_kv(signals, b);
    });
    return Reason::kCacheMiss;
  }

  Options o_;
};

class KvScorer final : public Policy {
 public:
  KvScorer(std::vector<Member> members, const Options& o) : Policy(std::move(members)), o_(o) {}
  Strategy strategy() const override { return Strategy::kKvScorer; }
  Reason order(const Request& req, const Signals& signals, std::vector<int>& out) const override {
    int lo = std::numeric_limits<int>::max(), hi = 0;
    for (const auto& m : members_)
      if (m.weight > 0 && signals.available(m.id)) {
        lo = std::min(lo, signals.outstanding(m.id));
        hi = std::max(hi, signals.outstanding(m.id));
      }
    by_score(members_, req, signals, out, [&](int id) {
      const double queue =
          hi > lo ? static_cast<double>(hi - signals.outstanding(id)) / (hi - lo) : 1.0;
      return -(o_.prefix_weight * cached_share(signals, id, req) + o_.queue_weight * queue +
               o_.kv_weight * (1 - known_kv(signals, id)));
    });
    return out.empty() ? Reason::kNoneAvailable : Reason::kScored;
  }

 private:
  Options o_;
};

}  // namespace

std::unique_ptr<const Policy> make_round_robin(std::vector<Member> members) {
  return std::make_unique<RoundRobin>(std::move(members));
}
std::unique_ptr<const Policy> make_random(std::vector<Member> members) {
  return std::make_unique<Random>(std::move(members));
}
std::unique_ptr<const Policy> make_least_kv_usage(std::vector<Member> members) {
  return std::make_unique<LeastKvUsage>(std::move(members));
}
std::unique_ptr<const Policy> make_cache_aware(std::vector<Member> members, const Options& o) {
  return std::make_unique<CacheAware>(std::move(members), o);
}
std::unique_ptr<const Policy> make_kv_scorer(std::vector<Member> members, const Options& o) {
  return std::make_unique<KvScorer>(std::move(members), o);
}

}  // namespace llmctl::route::detail
