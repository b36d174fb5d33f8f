// Policies that order the available weighted members by a score, lowest first, ties shared
// by a random rotation so equal members split the load:
//   least_outstanding: (in flight + 1) / weight;
//   latency: TTFT EWMA x (in flight + 1) — a member with no sample scores 0, so it gets one —
//            and 1 request in `explore_one_in` goes to a random other member so every EWMA
//            stays fresh.
#include <algorithm>

#include "route/policies.h"

namespace llmctl::route::detail {

namespace {

class LeastOutstanding final : public Policy {
 public:
  explicit LeastOutstanding(std::vector<Member> members)
      : Policy(std::move(members)), weight_(weights_by_id(members_)) {}
  Strategy strategy() const override { return Strategy::kLeastOutstanding; }
  Reason order(const Request& req, const Signals& signals, std::vector<int>& out) const override {
    by_score(members_, req, signals, out, [&](int id) {
      return (signals.outstanding(id) + 1) / weight_[static_cast<std::size_t>(id)];
    });
    return out.empty() ? Reason::kNoneAvailable : Reason::kLeastOutstanding;
  }

 private:
  std::vector<double> weight_;  // by member id
};

class Latency final : public Policy {
 public:
  Latency(std::vector<Member> members, int explore_one_in)
      : Policy(std::move(members)), explore_one_in_(explore_one_in) {}
  Strategy strategy() const override { return Strategy::kLatency; }
  Reason order(const Request& req, const Signals& signals, std::vector<int>& out) const override {
    by_score(members_, req, signals, out, [&](int id) {
      return std::max(0.0, signals.ttft_ewma_ms(id)) * (signals.outstanding(id) + 1);
    });
    if (out.empty()) return Reason::kNoneAvailable;
    // The bits above 32 decide exploration; the low bits already chose the rotation.
    if (out.size() > 1 && explore_one_in_ > 0 &&
        (req.random >> 32) % static_cast<std::uint64_t>(explore_one_in_) == 0) {
      const std::size_t pick = 1 + static_cast<std::size_t>((req.random >> 40) % (out.size() - 1));
      std::swap(out[0], out[pick]);
      return Reason::kLatencyExplore;
    }
    return Reason::kLatency;
  }

 private:
  int explore_one_in_;
};

}  // namespace

std::unique_ptr<const Policy> make_least_outstanding(std::vector<Member> members) {
  return std::make_unique<LeastOutstanding>(std::move(members));
}

std::unique_ptr<const Policy> make_latency(std::vector<Member> members, const Options& options) {
  return std::make_unique<Latency>(std::move(members), options.explore_one_in);
}

}  // namespace llmctl::route::detail
