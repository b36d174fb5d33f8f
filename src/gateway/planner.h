// The attempt planner: which deployment a request tries next, when, and when it stops.
//
// One AttemptPlanner per request. The request coroutine only asks next() and reports each
// attempt's result with record(); everything else is decided here, with an injected Clock and
// Random, so it is unit-tested with a fake clock instead of real sleeps:
//   - groups in order: the requested one, then (after a context-length error) its
//     context_window_fallbacks, else its fallbacks, each group's own fallbacks after it, each
//     group once; every group routed by route_group() (routing.h) when the request enters it —
//     one function for all;
//   - within a group, max_attempts attempts take the routed candidates in turn; coming back to
//     one already tried waits a full-jitter backoff, or its Retry-After when longer;
//   - breaker admission (a half-open breaker lets `half_open_probes` through), health, and the
//     max_concurrency slot (queued up to queue_timeout_ms, then class overloaded);
//   - every attempt after the request's first spends the requested group's retry budget;
//   - 429 cool-down: a Retry-After (capped at retry_after_max_ms) cools the deployment down for
//     every worker (shared, lock-free): routing leaves it out and a request moves on at once
//     when another candidate or a later group can serve it. When none can, the request waits
//     only for a Retry-After it got itself (going back to the deployment that sent it);
//     otherwise it tries the cooling deployment, whose answer decides. A Retry-After over
//     retry_after_max_ms is not waited for: the 429 is the answer;
//   - panic: when every deployment of the last group to try is out (breaker open, unhealthy),
//     they are tried anyway — a breaker must never turn a partial outage into a total one; the
//     retry budget and half-open probing still protect the upstream (Envoy's panic threshold);
//   - the request's deadline (x-llmctl-timeout-ms) stops it.
//
// Thread rules: a planner lives on one worker's thread; the runtime objects it reads and
// updates (breakers, budgets, cool-downs, slots, counters) are the shared lock-free atomics of
// resilience.h.
#pragma once

#include <boost/container/small_vector.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "gateway/config.h"
#include "gateway/pipeline.h"
#include "gateway/protocol.h"
#include "gateway/resilience.h"

namespace llmctl::gateway {

// The shared state a planner works on: one config generation and its runtime objects.
struct PlannerWorld {
  const Config* config = nullptr;
  std::span<const std::shared_ptr<DeploymentRuntime>> deployments;  // by deployment index
  std::span<const std::shared_ptr<GroupRuntime>> groups;            // by model-group index
};

struct Step {
  enum Kind {
    kAttempt,     // send the request to `deployment`, then record() the result
    kWait,        // sleep `wait`, then call next() again
    kOverloaded,  // `deployment` had no max_concurrency slot within queue_timeout_ms: a failed
                  // attempt the planner already booked (class overloaded); call next() again
    kStop,        // nothing more to try: answer with the last attempt's failure, or with
                  // `error` and `message` when no attempt was made
  };
  Kind kind = kStop;
  int deployment = -1;  // kAttempt, kOverloaded
  int group = -1;       // kAttempt, kOverloaded: the model group it was routed in
  std::chrono::milliseconds wait{0};
  ErrorClass error = ErrorClass::kNone;  // kStop, kOverloaded
  std::string message = {};              // kStop, kOverloaded
};

// How one attempt ended, as the request coroutine saw it.
struct AttemptReport {
  // kNone: the deployment answered 2xx. kBadRequest (its API cannot express the request) and
  // kLimitExceeded (its governance limits refused the attempt): no I/O was made, the candidate
  // is skipped for this request.
  ErrorClass error = ErrorClass::kNone;
  std::string_view retry_after = {};  // its Retry-After (seconds, HTTP date), if any
  std::string_view message = {};      // for the deployment's recent errors
  bool client_answered = false;       // the client already has (part of) its answer: a stream
};

enum class Disposition {
  kAnswer,    // this attempt's result is the client's answer (success, or an error no other
              // candidate can fix); call next() no more
  kContinue,  // keep the result as the latest failure and call next()
};

class AttemptPlanner {
 public:
  // `ctx`: after the pipeline (model_index set, body parsed); it must outlive the planner.
  // `deadline`: the whole request's deadline on clock.now() (time_point::max() for none).
  // Counts the request in its group's retry budget.
  AttemptPlanner(const PlannerWorld& world, const RequestContext& ctx,
                 Clock::Steady::time_point deadline, const Clock& clock, Random& random);
  ~AttemptPlanner();  // an attempt still pending gives back its slot and probe
  AttemptPlanner(const AttemptPlanner&) = delete;
  AttemptPlanner& operator=(const AttemptPlanner&) = delete;

  Step next();
  // The result of the attempt the last kAttempt step started.
  Disposition record(const AttemptReport& report);

  // Why the deployments were chosen: the first group's reason (route::reason_name), then
  // ">fallback:GROUP" or ">context_window:GROUP" per group moved to, ">panic" after a group
  // routed with every deployment out.
  const std::string& route_reason() const { return route_reason_; }
  // Attempts started or booked (kOverloaded), refusals before any I/O excluded.
  int attempts() const { return attempts_; }

 private:
  struct Candidate {
    int deployment = -1;
    std::int64_t retry_after_ms = -1;  // this request's last Retry-After from it
    bool refused = false;              // cannot express the request (asked again: same refusal)
  };
  enum class Pending { kNone, kReady, kQueued };

  // Routes queue_[qi_]; moves on (routed_ stays false) when it has nothing available and a
  // later group can serve.
  void enter_group(std::int64_t now_ms);
  // Queues the current group's fallbacks (or context-window groups) and moves to the next.
  void leave_group();
  Step stop(ErrorClass error, std::string message);
  bool can_serve(int group, std::int64_t now_ms) const;
  // Is there a group after the current one (queued, or queued by leaving one)? With
  // `must_serve`: one with a deployment available now.
  bool later_group(std::int64_t now_ms, bool must_serve) const;
  bool other_candidate_can_serve(std::size_t ci, std::int64_t now_ms) const;
  // Turns the pending candidate into an attempt (slot, then breaker admission), a wait for a
  // slot, or a booked overload; nullopt when the breaker refused it (the loop moves on).
  std::optional<Step> take_slot_and_admit(Clock::Steady::time_point now, std::int64_t now_ms);
  void release_slot();
  DeploymentRuntime& runtime(int d) const {
    return *world_.deployments[static_cast<std::size_t>(d)];
  }
  const ModelGroup& group(int g) const {
    return world_.config->models[static_cast<std::size_t>(g)];
  }
  const Deployment& deployment(int d) const {
    return world_.config->deployments[static_cast<std::size_t>(d)];
  }

  PlannerWorld world_;
  const RequestContext& ctx_;
  Clock::Steady::time_point deadline_;
  const Clock& clock_;
  Random& random_;
  GroupRuntime& budget_owner_;

  boost::container::small_vector<int, 8> queue_;  // groups, in the order they are tried
  std::size_t qi_ = 0;                            // current entry of queue_
  bool routed_ = false;                           // queue_[qi_] has its candidates
  bool panic_ = false;                            // ... routed with every deployment out
  bool to_context_ = false;                       // ... ended by a context-length error
  boost::container::small_vector<Candidate, 8> candidates_;
  std::vector<int> order_;  // route_group()'s output, reused
  int k_ = 0;               // attempts taken (or skipped) in the current group
  int skipped_ = 0;         // ... of them refusals (no attempt: max_attempts not used up)

  // The attempt between a kAttempt step and record(), or a step waiting to become one.
  Pending pending_ = Pending::kNone;
  std::size_t pending_ci_ = 0;
  Clock::Steady::time_point queue_until_{};
  std::atomic<int>* slot_ = nullptr;  // a max_concurrency slot held
  Admission admission_ = Admission::kAllow;
  bool in_flight_ = false;

  int attempts_ = 0;
  bool stopped_ = false;
  ErrorClass stop_error_ = ErrorClass::kNone;
  std::string stop_message_;
  std::string route_reason_;
};

}  // namespace llmctl::gateway
