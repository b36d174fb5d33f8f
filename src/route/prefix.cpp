// prefix: consistent hashing with bounded load (Mirrokni, Thorup and Zadimoghaddam, 2018).
// The request's affinity key picks its home member on a hash ring; the home member is skipped
// when it holds more than ceil(load_factor x in flight x its weight share) + slack requests
// (this request counted), and the next member on the ring takes it. Requests that share a
// prompt prefix therefore share a member — and its KV prefix cache — while no member takes
// much more than its share.
#include <algorithm>
#include <cmath>

#include "route/hash.h"
#include "route/policies.h"

namespace llmctl::route::detail {

namespace {

class Prefix final : public Policy {
 public:
  Prefix(std::vector<Member> members, const Options& o)
      : Policy(std::move(members)),
        ring_(members_, o.ring_points),
        weight_(weights_by_id(members_)),
        load_factor_(o.load_factor),
        slack_(o.slack) {}
  Strategy strategy() const override { return Strategy::kPrefix; }

  Reason order(const Request& req, const Signals& signals, std::vector<int>& out) const override {
    out.clear();
    double total_weight = 0;
    long long in_flight = 1;  // this request
    for (const auto& m : members_)
      if (m.weight > 0 && signals.available(m.id)) {
        total_weight += m.weight;
        in_flight += signals.outstanding(m.id);
      }
    // `out` first holds the ring walk from the key: every weighted member once, home first.
    ring_.walk(req.affinity_key, out);
    Reason reason = Reason::kPrefixHome;
    int chosen = -1;
    for (std::size_t k = 0; k < out.size(); ++k) {
      const int id = out[k];
      if (!signals.available(id)) {
        if (k == 0) reason = Reason::kPrefixUnavailable;
        continue;
      }
      const double cap = std::ceil(load_factor_ * static_cast<double>(in_flight) *
                                   weight_[static_cast<std::size_t>(id)] / total_weight) +
                         slack_;
      if (static_cast<double>(signals.outstanding(id) + 1) <= cap) {
        chosen = id;
        break;
      }
      if (reason == Reason::kPrefixHome) reason = Reason::kPrefixSpill;
    }
    std::erase_if(out, [&](int id) { return !signals.available(id); });
    if (chosen < 0) {
      if (out.empty()) {
        append_zero_weight(members_, signals, out);
        return out.empty() ? Reason::kNoneAvailable : Reason::kWeighted;
      }
      // Every member over the bound (possible only with load_factor near 1): the least loaded.
      chosen = *std::min_element(out.begin(), out.end(), [&](int a, int b) {
        return signals.outstanding(a) < signals.outstanding(b);
      });
      reason = Reason::kPrefixSpill;
    }
    std::erase(out, chosen);
    out.insert(out.begin(), chosen);
    append_zero_weight(members_, signals, out);
    return reason;
  }

 private:
  HashRing ring_;
  std::vector<double> weight_;  // by member id
  double load_factor_;
  int slack_;
};

}  // namespace

std::unique_ptr<const Policy> make_prefix(std::vector<Member> members, const Options& options) {
  return std::make_unique<Prefix>(std::move(members), options);
}

}  // namespace llmctl::route::detail
