// session: sticky sessions. A request with a session key (a conversation, an agent run) goes
// to the key's home member on the consistent-hash ring, so every turn of a conversation finds
// the KV cache of the turns before it; when the home member is unavailable, the next one on the
// ring (only that session moves). Requests without a key go to the member with the fewest in
// flight. Unlike `prefix`, no load bound: stickiness is the point (llm-d's session-affinity
// scorer, SGLang's consistent_hashing policy).
#include "route/hash.h"
#include "route/policies.h"

namespace llmctl::route::detail {

namespace {

class Session final : public Policy {
 public:
  Session(std::vector<Member> members, const Options& o)
      : Policy(std::move(members)), ring_(members_, o.ring_points) {}
  Strategy strategy() const override { return Strategy::kSession; }
  Reason order(const Request& req, const Signals& signals, std::vector<int>& out) const override {
    if (req.session == 0) {
      by_score(members_, req, signals, out, [&](int id) { return signals.outstanding(id); });
      return out.empty() ? Reason::kNoneAvailable : Reason::kLeastOutstanding;
    }
    ring_.walk(mix64(req.session), out);
    const bool home_up = !out.empty() && signals.available(out.front());
    std::erase_if(out, [&](int id) { return !signals.available(id); });
    append_zero_weight(members_, signals, out);
    if (out.empty()) return Reason::kNoneAvailable;
    return home_up ? Reason::kSessionHome : Reason::kSessionUnavailable;
  }

 private:
  HashRing ring_;
};

}  // namespace

std::unique_ptr<const Policy> make_session(std::vector<Member> members, const Options& o) {
  return std::make_unique<Session>(std::move(members), o);
}

}  // namespace llmctl::route::detail
