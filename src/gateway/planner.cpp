#include "gateway/planner.h"

#include <fmt/format.h>

#include <algorithm>

#include "gateway/routing.h"

namespace llmctl::gateway {

namespace {

using std::chrono::milliseconds;

// Routing signals over the shared deployment runtime at one instant. A cooling deployment
// (429 Retry-After) is unavailable unless `ignore_cooling`.
class RuntimeSignals final : public route::Signals {
 public:
  RuntimeSignals(std::span<const std::shared_ptr<DeploymentRuntime>> d, std::int64_t now_ms,
                 bool ignore_cooling)
      : d_(d), now_ms_(now_ms), ignore_cooling_(ignore_cooling) {}
  bool available(int id) const override {
    return ignore_cooling_ ? rt(id).admissible(now_ms_) : rt(id).available(now_ms_);
  }
  int outstanding(int id) const override {
    return rt(id).outstanding.load(std::memory_order_relaxed);
  }
  double ttft_ewma_ms(int id) const override { return rt(id).ttft_ms.get(); }

 private:
  const DeploymentRuntime& rt(int id) const { return *d_[static_cast<std::size_t>(id)]; }
  std::span<const std::shared_ptr<DeploymentRuntime>> d_;
  std::int64_t now_ms_;
  bool ignore_cooling_;
};

constexpr milliseconds kSlotPoll{2};  // slots free up on any worker: a short, bounded poll

}  // namespace

AttemptPlanner::AttemptPlanner(const PlannerWorld& world, const RequestContext& ctx,
                               Clock::Steady::time_point deadline, const Clock& clock,
                               Random& random)
    : world_(world),
      ctx_(ctx),
      deadline_(deadline),
      clock_(clock),
      random_(random),
      budget_owner_(*world.groups[static_cast<std::size_t>(ctx.model_index)]) {
  queue_.push_back(ctx.model_index);
  budget_owner_.budget.on_request(clock_.now_ms());
}

AttemptPlanner::~AttemptPlanner() {
  if (in_flight_) {
    DeploymentRuntime& drt = runtime(candidates_[pending_ci_].deployment);
    drt.outstanding.fetch_sub(1, std::memory_order_relaxed);
    drt.breaker.cancel(admission_);
  }
  release_slot();
}

void AttemptPlanner::release_slot() {
  if (slot_) slot_->fetch_sub(1, std::memory_order_acq_rel);
  slot_ = nullptr;
}

Step AttemptPlanner::stop(ErrorClass error, std::string message) {
  stopped_ = true;
  stop_error_ = error;
  stop_message_ = std::move(message);
  return Step{.kind = Step::kStop, .error = stop_error_, .message = stop_message_};
}

bool AttemptPlanner::can_serve(int g, std::int64_t now_ms) const {
  for (int d : group(g).deployments)
    if (runtime(d).available(now_ms)) return true;
  return false;
}

bool AttemptPlanner::later_group(std::int64_t now_ms, bool must_serve) const {
  // The groups still queued, and the fallbacks that leaving them would queue (transitively).
  boost::container::small_vector<int, 16> seen(queue_.begin(), queue_.end());
  boost::container::small_vector<int, 16> todo(queue_.begin() + static_cast<std::ptrdiff_t>(qi_),
                                               queue_.end());
  for (std::size_t i = 0; i < todo.size(); ++i) {
    const int g = todo[i];
    if (i > 0 && (!must_serve || can_serve(g, now_ms))) return true;
    for (int f : group(g).fallback_groups)
      if (std::find(seen.begin(), seen.end(), f) == seen.end()) {
        seen.push_back(f);
        todo.push_back(f);
      }
  }
  return false;
}

bool AttemptPlanner::other_candidate_can_serve(std::size_t ci, std::int64_t now_ms) const {
  if (k_ - skipped_ + 1 >= group(queue_[qi_]).max_attempts) return false;  // none left to reach it
  for (std::size_t j = 0; j < candidates_.size(); ++j)
    if (j != ci && !candidates_[j].refused && runtime(candidates_[j].deployment).available(now_ms))
      return true;
  return false;
}

void AttemptPlanner::enter_group(std::int64_t now_ms) {
  const int gi = queue_[qi_];
  const ModelGroup& grp = group(gi);
  route::Reason reason = route_group(grp, ctx_.body, ctx_.endpoint, random_.next(),
                                     RuntimeSignals(world_.deployments, now_ms, false), order_);
  if (order_.empty()) {
    // Nothing routable now. Cooling deployments (429) are tried when nothing else can serve;
    // out ones (breaker open, unhealthy) only in a panic, on the last group to try.
    const RuntimeSignals admissible(world_.deployments, now_ms, true);
    reason = route_group(grp, ctx_.body, ctx_.endpoint, random_.next(), admissible, order_);
    if (order_.empty())
      world_.groups[static_cast<std::size_t>(gi)]->all_unavailable.fetch_add(
          1, std::memory_order_relaxed);
    // Move on when a later group can serve now, or (nothing here at all) when there is a later
    // group: the panic is the last group's.
    if (later_group(now_ms, /*must_serve=*/!order_.empty())) {
      if (qi_ == 0) route_reason_ = route::reason_name(route::Reason::kNoneAvailable);
      leave_group();
      return;
    }
    if (order_.empty()) {
      reason = route_group(grp, ctx_.body, ctx_.endpoint, random_.next(),
                           route::PanicSignals(admissible), order_);
      panic_ = true;
    }
  }
  if (qi_ == 0) route_reason_ = route::reason_name(reason);
  if (panic_) route_reason_ += ">panic";
  candidates_.clear();
  for (int d : order_) candidates_.push_back(Candidate{.deployment = d});
  routed_ = true;
  k_ = skipped_ = 0;
}

void AttemptPlanner::leave_group() {
  const ModelGroup& grp = group(queue_[qi_]);
  const auto& next = to_context_ ? grp.context_groups : grp.fallback_groups;
  std::size_t at = to_context_ ? qi_ + 1 : queue_.size();
  for (int ng : next) {
    if (std::find(queue_.begin(), queue_.end(), ng) != queue_.end()) continue;
    queue_.insert(queue_.begin() + static_cast<std::ptrdiff_t>(at++), ng);
  }
  if (qi_ + 1 < queue_.size()) {
    if (to_context_)
      budget_owner_.fallbacks_context.fetch_add(1, std::memory_order_relaxed);
    else
      budget_owner_.fallbacks_group.fetch_add(1, std::memory_order_relaxed);
    route_reason_ += to_context_ ? ">context_window:" : ">fallback:";
    route_reason_ += group(queue_[qi_ + 1]).name;
  }
  ++qi_;
  routed_ = panic_ = to_context_ = false;
  candidates_.clear();
  k_ = skipped_ = 0;
}

Step AttemptPlanner::next() {
  // One reading of the clock for the whole call: nothing in it waits, and each reading costs
  // ~25 ns on a virtual machine's clock (bench/gateway, 31 of them a request before).
  const auto now = clock_.now();
  const std::int64_t now_ms =
      std::chrono::duration_cast<milliseconds>(now.time_since_epoch()).count();
  while (!stopped_) {
    if (pending_ != Pending::kNone) {
      if (auto step = take_slot_and_admit(now, now_ms)) return std::move(*step);
      continue;
    }
    if (qi_ >= queue_.size()) {
      return stop(ErrorClass::kUnavailable,
                  fmt::format("no deployment of model {} is available (unhealthy or circuit open)",
                              group(queue_.front()).name));
    }
    if (!routed_) {
      enter_group(now_ms);
      continue;
    }
    const ModelGroup& grp = group(queue_[qi_]);
    const std::size_t n = candidates_.size();
    // Refusals (not attempts) do not use up max_attempts; a group that refused everywhere is
    // left at once.
    const bool all_refused = std::all_of(candidates_.begin(), candidates_.end(),
                                         [](const Candidate& x) { return x.refused; });
    if (k_ - skipped_ >= grp.max_attempts || n == 0 || all_refused) {
      leave_group();
      continue;
    }
    const std::size_t ci = static_cast<std::size_t>(k_) % n;
    const Candidate& c = candidates_[ci];
    if (c.refused) {  // asking again gives the same refusal
      ++k_;
      ++skipped_;
      continue;
    }
    if (now >= deadline_)
      return stop(ErrorClass::kTimeout, "the request's x-llmctl-timeout-ms passed");
    const DeploymentRuntime& drt = runtime(c.deployment);
    const bool back = static_cast<std::size_t>(k_) >= n;            // to one already tried
    if (back && c.retry_after_ms > grp.retry.retry_after_max_ms) {  // not worth the wait
      ++k_;
      continue;
    }
    // Cooling down after a 429 (this request's or another's): move on at once when anything
    // else can serve. When nothing can, it is tried anyway — at once, or after this request's
    // own Retry-After from it — and its answer decides: holding every request back for a
    // cool-down another request started would make a 30%-429 upstream slower than no cool-down.
    if (drt.cooling(now_ms) &&
        (other_candidate_can_serve(ci, now_ms) || later_group(now_ms, /*must_serve=*/true))) {
      ++k_;
      continue;
    }
    std::int64_t wait_ms = 0;
    if (back)
      wait_ms = std::max(static_cast<std::int64_t>(
                             backoff_ms(grp.retry, k_ / static_cast<int>(n) - 1, random_.unit())),
                         c.retry_after_ms);
    if (!panic_ && !drt.admissible(now_ms + wait_ms)) {
      ++k_;
      continue;
    }
    if (wait_ms > 0 && now + milliseconds(wait_ms) >= deadline_)
      return stop(ErrorClass::kTimeout, "the request's x-llmctl-timeout-ms passed");
    if (attempts_ > 0) {
      if (!budget_owner_.budget.try_retry(now_ms)) {
        budget_owner_.budget_exhausted.fetch_add(1, std::memory_order_relaxed);
        return stop(ErrorClass::kUnavailable, "retry budget exhausted");
      }
      if (k_ > 0)
        world_.groups[static_cast<std::size_t>(queue_[qi_])]->retries.fetch_add(
            1, std::memory_order_relaxed);
    }
    pending_ = Pending::kReady;
    pending_ci_ = ci;
    if (wait_ms > 0) return Step{.kind = Step::kWait, .wait = milliseconds(wait_ms)};
  }
  return Step{.kind = Step::kStop, .error = stop_error_, .message = stop_message_};
}

std::optional<Step> AttemptPlanner::take_slot_and_admit(Clock::Steady::time_point now,
                                                        std::int64_t now_ms) {
  const int di = candidates_[pending_ci_].deployment;
  const int gi = queue_[qi_];
  const Deployment& d = deployment(di);
  DeploymentRuntime& drt = runtime(di);
  // The concurrency slot first: a half-open probe must not be held while queueing.
  if (d.max_concurrency > 0 && !slot_) {
    std::atomic<int>& n = drt.capped_inflight;
    int cur = n.load(std::memory_order_relaxed);
    while (cur < d.max_concurrency && !slot_)
      if (n.compare_exchange_weak(cur, cur + 1, std::memory_order_acq_rel)) slot_ = &n;
    if (!slot_) {
      if (pending_ == Pending::kReady) {
        pending_ = Pending::kQueued;
        queue_until_ = now + milliseconds(d.queue_timeout_ms);
      }
      if (now >= queue_until_ || now >= deadline_) {
        pending_ = Pending::kNone;
        ++k_;
        ++attempts_;
        return Step{.kind = Step::kOverloaded,
                    .deployment = di,
                    .group = gi,
                    .error = ErrorClass::kOverloaded,
                    .message = fmt::format("deployment {} is at max_concurrency {}", d.name,
                                           d.max_concurrency)};
      }
      const auto left = std::chrono::ceil<milliseconds>(std::min(queue_until_, deadline_) - now);
      return Step{.kind = Step::kWait, .wait = std::clamp(left, milliseconds(1), kSlotPoll)};
    }
  }
  pending_ = Pending::kNone;
  admission_ = drt.breaker.admit(now_ms);
  if (admission_ == Admission::kReject && !panic_) {  // opened meanwhile
    release_slot();
    ++k_;
    return std::nullopt;
  }
  in_flight_ = true;
  ++attempts_;
  drt.outstanding.fetch_add(1, std::memory_order_relaxed);
  drt.attempts.fetch_add(1, std::memory_order_relaxed);
  return Step{.kind = Step::kAttempt, .deployment = di, .group = gi};
}

Disposition AttemptPlanner::record(const AttemptReport& r) {
  in_flight_ = false;
  Candidate& c = candidates_[pending_ci_];
  DeploymentRuntime& drt = runtime(c.deployment);
  const ModelGroup& grp = group(queue_[qi_]);
  const std::int64_t now_ms = clock_.now_ms();
  drt.outstanding.fetch_sub(1, std::memory_order_relaxed);
  release_slot();
  ++k_;
  if (r.error == ErrorClass::kBadRequest || r.error == ErrorClass::kLimitExceeded) {
    // Refused before any I/O (the deployment's API cannot express the request, or its
    // governance limits are full): not an attempt at all, for the breaker, the count or
    // max_attempts; this request does not ask it again.
    drt.breaker.cancel(admission_);
    c.refused = true;
    --attempts_;
    ++skipped_;
    return Disposition::kContinue;
  }
  const bool worked = deployment_worked(r.error);
  drt.breaker.record(now_ms, worked, admission_);
  if (!worked) {
    drt.failures.fetch_add(1, std::memory_order_relaxed);
    drt.note_error(clock_.unix_ms(), error_class_name(r.error), r.message);
  }
  if (r.error == ErrorClass::kNone || r.client_answered) {
    stopped_ = true;
    return Disposition::kAnswer;
  }
  if (!r.retry_after.empty())
    if (auto ms = parse_retry_after(r.retry_after, clock_.unix_ms() / 1000)) {
      c.retry_after_ms = *ms;
      if (r.error == ErrorClass::kRateLimited)
        drt.cool_down_until(now_ms + std::min<std::int64_t>(*ms, grp.retry.retry_after_max_ms));
    }
  if (r.error == ErrorClass::kContextLength) {
    if (grp.context_groups.empty()) {
      stopped_ = true;
      return Disposition::kAnswer;
    }
    to_context_ = true;
    leave_group();
    return Disposition::kContinue;
  }
  if (!retryable(r.error)) {  // a client error (400, 401, 404 ...) is the client's answer
    stopped_ = true;
    return Disposition::kAnswer;
  }
  return Disposition::kContinue;
}

}  // namespace llmctl::gateway
