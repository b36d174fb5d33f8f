// weighted: a weighted random first choice among the available weighted members, the others
// after it in pool order, then the weight-0 ones.
#include "route/policies.h"

namespace llmctl::route::detail {

namespace {

class Weighted final : public Policy {
 public:
  explicit Weighted(std::vector<Member> members) : Policy(std::move(members)) {}
  Strategy strategy() const override { return Strategy::kWeighted; }

  Reason order(const Request& req, const Signals& signals, std::vector<int>& out) const override {
    out.clear();
    double total = 0;
    for (const auto& m : members_)
      if (m.weight > 0 && signals.available(m.id)) total += m.weight;
    if (total > 0) {
      double x = unit_interval(req.random) * total;
      int first = -1;
      for (const auto& m : members_) {
        if (m.weight <= 0 || !signals.available(m.id)) continue;
        first = m.id;
        if (x < m.weight) break;
        x -= m.weight;
      }
      out.push_back(first);
      for (const auto& m : members_)
        if (m.id != first && m.weight > 0 && signals.available(m.id)) out.push_back(m.id);
    }
    append_zero_weight(members_, signals, out);
    return out.empty() ? Reason::kNoneAvailable : Reason::kWeighted;
  }
};

}  // namespace

std::unique_ptr<const Policy> make_weighted(std::vector<Member> members) {
  return std::make_unique<Weighted>(std::move(members));
}

}  // namespace llmctl::route::detail
