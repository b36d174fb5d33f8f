// The attempt planner (planner.h) driven by a fake clock: candidate rotation, backoff bounds,
// Retry-After and the shared 429 cool-down, the retry budget, breaker admission and the panic
// threshold, max_concurrency queueing, deadlines, fallback and context-window groups.
#include "gateway/planner.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

namespace llmctl::gateway {
namespace {

using namespace std::chrono_literals;

// A draw that is always the same fraction of the range: 0.999 puts every full-jitter backoff
// at the top of its bound.
class FixedRandom final : public Random {
 public:
  explicit FixedRandom(double u) : v_(static_cast<std::uint64_t>(u * 18446744073709551615.0)) {}
  std::uint64_t next() override { return v_; }

 private:
  std::uint64_t v_;
};

struct GroupSpec {
  std::string name;
  int deployments = 1;
  int max_attempts = 2;
  std::vector<std::string> fallbacks = {};
  std::vector<std::string> context = {};
};

// A config and its runtime objects, as one gateway generation would hold them.
struct World {
  explicit World(const std::vector<GroupSpec>& groups, const BreakerPolicy& breaker = {},
                 const RetryPolicy& retry = {}, int max_concurrency = 0) {
    for (const GroupSpec& gs : groups) {
      ModelGroup g;
      g.name = gs.name;
      g.max_attempts = gs.max_attempts;
      g.retry = retry;
      g.fallbacks = gs.fallbacks;
      g.context_window_fallbacks = gs.context;
      for (int i = 0; i < gs.deployments; ++i) {
        Deployment d;
        d.name = gs.name + "-" + std::to_string(i);
        d.breaker = breaker;
        d.max_concurrency = max_concurrency;
        d.queue_timeout_ms = 100;
        g.deployments.push_back(static_cast<int>(config.deployments.size()));
        config.deployments.push_back(d);
      }
      config.models.push_back(g);
    }
    config.index();
    for (const Deployment& d : config.deployments)
      deployments.push_back(std::make_shared<DeploymentRuntime>(d.name, d.breaker));
    for (const ModelGroup& g : config.models)
      runtimes.push_back(std::make_shared<GroupRuntime>(g.retry));
  }
  PlannerWorld world() const {
    return {.config = &config, .deployments = deployments, .groups = runtimes};
  }
  RequestContext request(const std::string& model) const {
    RequestContext ctx;
    ctx.body = boost::json::parse(R"({"messages":[{"role":"user","content":"hi"}]})");
    ctx.model = model;
    ctx.group = config.find_model(model);
    ctx.model_index = static_cast<int>(ctx.group - config.models.data());
    return ctx;
  }
  int index(const std::string& name) const {
    for (std::size_t i = 0; i < config.deployments.size(); ++i)
      if (config.deployments[i].name == name) return static_cast<int>(i);
    return -1;
  }
  DeploymentRuntime& rt(const std::string& name) {
    return *deployments[static_cast<std::size_t>(index(name))];
  }
  Config config;
  std::vector<std::shared_ptr<DeploymentRuntime>> deployments;
  std::vector<std::shared_ptr<GroupRuntime>> runtimes;
};

// One request's planner with its context (the planner keeps a reference to it).
struct Request {
  Request(const World& w, const std::string& model, const Clock& clock, Random& random,
          Clock::Steady::time_point deadline = Clock::Steady::time_point::max())
      : ctx(w.request(model)), plan(w.world(), ctx, deadline, clock, random) {}
  RequestContext ctx;
  AttemptPlanner plan;
};

AttemptReport failed(ErrorClass e = ErrorClass::kUpstreamServer, std::string_view ra = {}) {
  return {.error = e, .retry_after = ra, .message = "boom"};
}

std::string name_of(const World& w, const Step& s) {
  return s.deployment < 0 ? "" : w.config.deployments[static_cast<std::size_t>(s.deployment)].name;
}

TEST(AttemptPlanner, SuccessIsTheAnswer) {
  World w({{.name = "m"}});
  FakeClock clock;
  SplitMix64 random(1);
  Request r(w, "m", clock, random);
  Step s = r.plan.next();
  ASSERT_EQ(s.kind, Step::kAttempt);
  EXPECT_EQ(name_of(w, s), "m-0");
  EXPECT_EQ(w.rt("m-0").outstanding.load(), 1);
  EXPECT_EQ(r.plan.record({}), Disposition::kAnswer);
  EXPECT_EQ(w.rt("m-0").outstanding.load(), 0);
  EXPECT_EQ(r.plan.route_reason(), "weighted");
  EXPECT_EQ(r.plan.attempts(), 1);
}

TEST(AttemptPlanner, RotatesCandidatesThenBacksOffWithinTheJitterBound) {
  RetryPolicy retry;
  retry.backoff_base_ms = 100;
  retry.backoff_max_ms = 150;
  World w({{.name = "m", .deployments = 2, .max_attempts = 5}}, BreakerPolicy{.enabled = false},
          retry);
  FakeClock clock;
  FixedRandom top(0.999);
  Request r(w, "m", clock, top);
  std::vector<std::string> tried;
  std::vector<std::int64_t> waits;
  for (Step s = r.plan.next(); s.kind != Step::kStop; s = r.plan.next()) {
    if (s.kind == Step::kWait) {
      waits.push_back(s.wait.count());
      clock.advance(s.wait);
      continue;
    }
    ASSERT_EQ(s.kind, Step::kAttempt);
    tried.push_back(name_of(w, s));
    EXPECT_EQ(r.plan.record(failed()), Disposition::kContinue);
  }
  // Both candidates at once, then each again after a backoff: u * min(max, base * 2^n).
  ASSERT_EQ(tried.size(), 5u);
  EXPECT_NE(tried[0], tried[1]);
  EXPECT_EQ(tried[2], tried[0]);
  EXPECT_EQ(tried[3], tried[1]);
  EXPECT_EQ(waits, (std::vector<std::int64_t>{99, 99, 149}));
  EXPECT_EQ(w.runtimes[0]->retries.load(), 4u);

  // The bottom of the bound: no wait at all.
  World w2({{.name = "m", .deployments = 1, .max_attempts = 3}}, BreakerPolicy{.enabled = false},
           retry);
  FixedRandom bottom(0);
  Request r2(w2, "m", clock, bottom);
  for (int i = 0; i < 3; ++i) {
    Step s = r2.plan.next();
    ASSERT_EQ(s.kind, Step::kAttempt) << i;
    r2.plan.record(failed());
  }
  EXPECT_EQ(r2.plan.next().kind, Step::kStop);
}

TEST(AttemptPlanner, RetryAfterIsWaitedWhenNothingElseCanServe) {
  World w({{.name = "m", .deployments = 1, .max_attempts = 2}});
  FakeClock clock;
  FixedRandom zero(0);
  Request r(w, "m", clock, zero);
  ASSERT_EQ(r.plan.next().kind, Step::kAttempt);
  EXPECT_EQ(r.plan.record(failed(ErrorClass::kRateLimited, "1.5")), Disposition::kContinue);
  EXPECT_TRUE(w.rt("m-0").cooling(clock.now_ms()));
  Step s = r.plan.next();
  ASSERT_EQ(s.kind, Step::kWait);
  EXPECT_EQ(s.wait, 1500ms);
  clock.advance(s.wait);
  s = r.plan.next();
  ASSERT_EQ(s.kind, Step::kAttempt);
  EXPECT_EQ(r.plan.record({}), Disposition::kAnswer);
}

TEST(AttemptPlanner, RetryAfterOverTheMaximumIsTheAnswer) {
  World w({{.name = "m", .deployments = 1, .max_attempts = 3}});
  FakeClock clock;
  SplitMix64 random(3);
  Request r(w, "m", clock, random);
  ASSERT_EQ(r.plan.next().kind, Step::kAttempt);
  r.plan.record(failed(ErrorClass::kRateLimited, "60"));
  EXPECT_EQ(r.plan.next().kind, Step::kStop);  // the coroutine relays the 429 it has
  EXPECT_EQ(r.plan.attempts(), 1);
  // The shared cool-down is capped at retry_after_max_ms (10 s by default).
  EXPECT_EQ(w.rt("m-0").cooldown_until_ms(), clock.now_ms() + 10000);
}

TEST(AttemptPlanner, A429CoolsTheDeploymentDownForEveryRequestAndTheyMoveOnAtOnce) {
  World w({{.name = "primary", .deployments = 1, .fallbacks = {"backup"}},
           {.name = "backup", .deployments = 1}});
  FakeClock clock;
  SplitMix64 random(4);
  {
    // The request that gets the 429 goes straight to the fallback group: no wait.
    Request r(w, "primary", clock, random);
    Step s = r.plan.next();
    EXPECT_EQ(name_of(w, s), "primary-0");
    r.plan.record(failed(ErrorClass::kRateLimited, "1"));
    s = r.plan.next();
    ASSERT_EQ(s.kind, Step::kAttempt);
    EXPECT_EQ(name_of(w, s), "backup-0");
    EXPECT_EQ(r.plan.record({}), Disposition::kAnswer);
    EXPECT_EQ(r.plan.route_reason(), "weighted>fallback:backup");
  }
  clock.advance(300ms);
  {
    // Every later request skips the cooling deployment until the Retry-After has passed.
    Request r(w, "primary", clock, random);
    Step s = r.plan.next();
    ASSERT_EQ(s.kind, Step::kAttempt);
    EXPECT_EQ(name_of(w, s), "backup-0");
    r.plan.record({});
    EXPECT_EQ(r.plan.route_reason(), "none_available>fallback:backup");
    EXPECT_EQ(w.rt("primary-0").attempts.load(), 1u);
    // A skip is no retry: the budget is untouched.
    EXPECT_EQ(w.runtimes[0]->budget.window(clock.now_ms()).second, 1u);
  }
  clock.advance(700ms);
  {
    Request r(w, "primary", clock, random);
    EXPECT_EQ(name_of(w, r.plan.next()), "primary-0");
    r.plan.record({});
  }
}

TEST(AttemptPlanner, ACoolingCandidateIsSkippedForAnotherInTheGroup) {
  World w({{.name = "m", .deployments = 2, .max_attempts = 2}});
  FakeClock clock;
  SplitMix64 random(5);
  w.rt("m-0").cool_down_until(clock.now_ms() + 1000);
  for (int i = 0; i < 20; ++i) {
    Request r(w, "m", clock, random);
    Step s = r.plan.next();
    ASSERT_EQ(s.kind, Step::kAttempt);
    EXPECT_EQ(name_of(w, s), "m-1");
    r.plan.record({});
  }
  // Both cooling (another request's 429s) and nothing else: tried anyway, at once — holding
  // every request back would make an upstream that 429s a third of its requests slower than
  // having no cool-down at all; its own answer decides.
  w.rt("m-1").cool_down_until(clock.now_ms() + 400);
  Request r(w, "m", clock, random);
  Step s = r.plan.next();
  ASSERT_EQ(s.kind, Step::kAttempt);
  // Its own 429 from the first, the other one is tried at once (no other can serve either).
  r.plan.record(failed(ErrorClass::kRateLimited, "1"));
  s = r.plan.next();
  ASSERT_EQ(s.kind, Step::kAttempt);
  r.plan.record({});
}

TEST(AttemptPlanner, PanicTriesEveryOutDeploymentOfTheLastGroupAnyway) {
  BreakerPolicy breaker;
  breaker.consecutive_failures = 2;
  breaker.cooldown_ms = 5000;
  World w({{.name = "m", .deployments = 1, .max_attempts = 2}}, breaker);
  FakeClock clock;
  FixedRandom random(0);
  {
    Request r(w, "m", clock, random);
    r.plan.next();
    r.plan.record(failed());
    ASSERT_EQ(r.plan.next().kind, Step::kAttempt);
    r.plan.record(failed());
  }
  ASSERT_EQ(w.rt("m-0").breaker.state(), BreakerState::kOpen);
  // Open, and nothing else to try: the request is sent anyway rather than failed unseen.
  Request r(w, "m", clock, random);
  Step s = r.plan.next();
  ASSERT_EQ(s.kind, Step::kAttempt);
  EXPECT_EQ(name_of(w, s), "m-0");
  EXPECT_EQ(r.plan.route_reason(), "weighted>panic");
  EXPECT_EQ(w.runtimes[0]->all_unavailable.load(), 1u);
  EXPECT_EQ(r.plan.record({}), Disposition::kAnswer);
  // A panic success does not close the breaker: only a half-open probe does.
  EXPECT_EQ(w.rt("m-0").breaker.state(), BreakerState::kOpen);
  clock.advance(5000ms);
  Request probe(w, "m", clock, random);
  ASSERT_EQ(probe.plan.next().kind, Step::kAttempt);
  EXPECT_EQ(probe.plan.route_reason(), "weighted");
  probe.plan.record({});
  EXPECT_EQ(w.rt("m-0").breaker.state(), BreakerState::kClosed);
}

TEST(AttemptPlanner, NoPanicWhileAFallbackGroupCanServe) {
  BreakerPolicy breaker;
  breaker.consecutive_failures = 1;
  World w({{.name = "m", .deployments = 1, .fallbacks = {"f"}}, {.name = "f", .deployments = 1}},
          breaker);
  FakeClock clock;
  SplitMix64 random(7);
  w.rt("m-0").breaker.record(clock.now_ms(), false, w.rt("m-0").breaker.admit(clock.now_ms()));
  ASSERT_EQ(w.rt("m-0").breaker.state(), BreakerState::kOpen);
  Request r(w, "m", clock, random);
  Step s = r.plan.next();
  EXPECT_EQ(name_of(w, s), "f-0");
  r.plan.record({});
  EXPECT_EQ(r.plan.route_reason(), "none_available>fallback:f");
  // The fallback's breaker opens too: the last group panics.
  w.rt("f-0").breaker.record(clock.now_ms(), false, w.rt("f-0").breaker.admit(clock.now_ms()));
  Request r2(w, "m", clock, random);
  s = r2.plan.next();
  EXPECT_EQ(name_of(w, s), "f-0");
  r2.plan.record({});
  EXPECT_EQ(r2.plan.route_reason(), "none_available>fallback:f>panic");
}

TEST(AttemptPlanner, HalfOpenLetsOneProbeThroughAndOthersGoElsewhere) {
  BreakerPolicy breaker;
  breaker.consecutive_failures = 1;
  breaker.cooldown_ms = 1000;
  World w({{.name = "m", .deployments = 1, .fallbacks = {"f"}}, {.name = "f", .deployments = 1}},
          breaker);
  FakeClock clock;
  SplitMix64 random(8);
  auto& b = w.rt("m-0").breaker;
  b.record(clock.now_ms(), false, b.admit(clock.now_ms()));
  clock.advance(999ms);
  {
    Request r(w, "m", clock, random);
    EXPECT_EQ(name_of(w, r.plan.next()), "f-0");  // still open
    r.plan.record({});
  }
  clock.advance(1ms);
  Request probe(w, "m", clock, random);
  EXPECT_EQ(name_of(w, probe.plan.next()), "m-0");
  EXPECT_EQ(b.state(), BreakerState::kHalfOpen);
  {
    Request other(w, "m", clock, random);  // the probe slot is taken
    EXPECT_EQ(name_of(w, other.plan.next()), "f-0");
    other.plan.record({});
  }
  probe.plan.record(failed());  // the probe fails: open again for a full cool-down
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  EXPECT_EQ(b.opened_at_ms(), clock.now_ms());
}

TEST(AttemptPlanner, RetryBudgetExhaustionStopsRetries) {
  RetryPolicy retry;
  retry.budget_ratio = 0;
  retry.budget_min_per_s = 0.2;  // 2 retries per 10 s window
  World w({{.name = "m", .deployments = 2, .max_attempts = 2}}, BreakerPolicy{.enabled = false},
          retry);
  FakeClock clock;
  SplitMix64 random(9);
  int retried = 0;
  for (int i = 0; i < 4; ++i) {
    Request r(w, "m", clock, random);
    ASSERT_EQ(r.plan.next().kind, Step::kAttempt);
    r.plan.record(failed());
    Step s = r.plan.next();
    if (s.kind == Step::kAttempt) {
      ++retried;
      r.plan.record(failed());
      EXPECT_EQ(r.plan.next().kind, Step::kStop);
    } else {
      ASSERT_EQ(s.kind, Step::kStop);
      EXPECT_EQ(s.error, ErrorClass::kUnavailable);
      EXPECT_EQ(s.message, "retry budget exhausted");
    }
  }
  EXPECT_EQ(retried, 2);
  EXPECT_EQ(w.runtimes[0]->budget_exhausted.load(), 2u);
  clock.advance(10s);  // the window has moved on
  Request r(w, "m", clock, random);
  r.plan.next();
  r.plan.record(failed());
  EXPECT_EQ(r.plan.next().kind, Step::kAttempt);
  r.plan.record({});
}

TEST(AttemptPlanner, QueuesForAConcurrencySlotThenCountsOverloaded) {
  World w({{.name = "m", .deployments = 1, .max_attempts = 2}}, {}, {}, /*max_concurrency=*/1);
  FakeClock clock;
  SplitMix64 random(10);
  Request holder(w, "m", clock, random);
  ASSERT_EQ(holder.plan.next().kind, Step::kAttempt);
  EXPECT_EQ(w.rt("m-0").capped_inflight.load(), 1);
  {
    Request r(w, "m", clock, random);
    Step s = r.plan.next();
    ASSERT_EQ(s.kind, Step::kWait);
    EXPECT_LE(s.wait, 2ms);
    clock.advance(100ms);  // queue_timeout_ms
    s = r.plan.next();
    ASSERT_EQ(s.kind, Step::kOverloaded);
    EXPECT_EQ(s.error, ErrorClass::kOverloaded);
    // The second attempt queues again; the slot frees meanwhile and it goes through.
    s = r.plan.next();
    ASSERT_EQ(s.kind, Step::kWait);
    holder.plan.record({});
    EXPECT_EQ(w.rt("m-0").capped_inflight.load(), 0);
    clock.advance(s.wait);
    s = r.plan.next();
    ASSERT_EQ(s.kind, Step::kAttempt);
    EXPECT_EQ(w.rt("m-0").capped_inflight.load(), 1);
  }  // abandoned mid-attempt: the destructor gives the slot back
  EXPECT_EQ(w.rt("m-0").capped_inflight.load(), 0);
  EXPECT_EQ(w.rt("m-0").outstanding.load(), 0);
}

TEST(AttemptPlanner, TheDeadlineStopsWaitsAndAttempts) {
  RetryPolicy retry;
  retry.backoff_base_ms = 1000;
  World w({{.name = "m", .deployments = 1, .max_attempts = 3}}, BreakerPolicy{.enabled = false},
          retry);
  FakeClock clock;
  FixedRandom top(0.999);
  Request r(w, "m", clock, top, clock.now() + 500ms);
  ASSERT_EQ(r.plan.next().kind, Step::kAttempt);
  r.plan.record(failed());
  Step s = r.plan.next();  // a 999 ms backoff would end past the deadline
  ASSERT_EQ(s.kind, Step::kStop);
  EXPECT_EQ(s.error, ErrorClass::kTimeout);

  Request late(w, "m", clock, top, clock.now() - 1ms);
  EXPECT_EQ(late.plan.next().kind, Step::kStop);
}

TEST(AttemptPlanner, ContextLengthMovesToTheContextWindowGroup) {
  World w({{.name = "small", .deployments = 2, .max_attempts = 2, .context = {"big"}},
           {.name = "big", .deployments = 1}});
  FakeClock clock;
  SplitMix64 random(11);
  Request r(w, "small", clock, random);
  EXPECT_EQ(
      w.config.deployments[static_cast<std::size_t>(r.plan.next().deployment)].name.substr(0, 5),
      "small");
  EXPECT_EQ(r.plan.record(failed(ErrorClass::kContextLength)), Disposition::kContinue);
  Step s = r.plan.next();
  EXPECT_EQ(name_of(w, s), "big-0");  // not the other small deployment: same context window
  r.plan.record({});
  EXPECT_EQ(r.plan.route_reason(), "weighted>context_window:big");
  EXPECT_EQ(w.runtimes[0]->fallbacks_context.load(), 1u);

  // Without a context-window group the error is the client's answer.
  World plain({{.name = "m", .deployments = 2}});
  Request r2(plain, "m", clock, random);
  r2.plan.next();
  EXPECT_EQ(r2.plan.record(failed(ErrorClass::kContextLength)), Disposition::kAnswer);
}

TEST(AttemptPlanner, ClientErrorsAnswerAndRefusalsAreNoAttempts) {
  BreakerPolicy breaker;
  breaker.consecutive_failures = 1;
  World w({{.name = "m", .deployments = 2, .max_attempts = 4}}, breaker);
  FakeClock clock;
  SplitMix64 random(12);
  {
    Request r(w, "m", clock, random);
    r.plan.next();
    EXPECT_EQ(r.plan.record(failed(ErrorClass::kUpstreamClient)), Disposition::kAnswer);
  }
  // A deployment that cannot express the request is asked once, and its breaker never hears
  // of it; the other one serves.
  Request r(w, "m", clock, random);
  Step first = r.plan.next();
  EXPECT_EQ(r.plan.record(failed(ErrorClass::kBadRequest)), Disposition::kContinue);
  Step second = r.plan.next();
  ASSERT_EQ(second.kind, Step::kAttempt);
  EXPECT_NE(second.deployment, first.deployment);
  r.plan.record(failed());
  // Third and fourth attempts: the refusing one is skipped, the failed one's breaker is open.
  Step s = r.plan.next();
  EXPECT_EQ(s.kind, Step::kStop);
  EXPECT_EQ(r.plan.attempts(), 1);
  EXPECT_EQ(w.deployments[static_cast<std::size_t>(first.deployment)]->breaker.state(),
            BreakerState::kClosed);
}

// A deployment whose governance limits are full (governance.deployments) is skipped for this
// request: not an attempt, not a breaker failure, and max_attempts is not used up, so with
// max_attempts 1 the next deployment of the group is still tried; when every deployment of
// every group refuses, the planner stops without an attempt (the proxy answers the 429).
TEST(AttemptPlanner, LimitRefusalsMoveOnWithoutUsingAttempts) {
  BreakerPolicy breaker;
  breaker.consecutive_failures = 1;
  World w({{.name = "m", .deployments = 3, .max_attempts = 1, .fallbacks = {"f"}},
           {.name = "f", .deployments = 1}},
          breaker);
  FakeClock clock;
  SplitMix64 random(5);
  {
    Request r(w, "m", clock, random);
    Step a = r.plan.next();
    ASSERT_EQ(a.kind, Step::kAttempt);
    EXPECT_EQ(r.plan.record(failed(ErrorClass::kLimitExceeded)), Disposition::kContinue);
    Step b = r.plan.next();
    ASSERT_EQ(b.kind, Step::kAttempt);
    EXPECT_NE(b.deployment, a.deployment);
    EXPECT_EQ(b.group, a.group);
    EXPECT_EQ(r.plan.record({}), Disposition::kAnswer);
    EXPECT_EQ(r.plan.attempts(), 1);
    EXPECT_EQ(w.deployments[static_cast<std::size_t>(a.deployment)]->breaker.state(),
              BreakerState::kClosed);
    EXPECT_EQ(w.deployments[static_cast<std::size_t>(a.deployment)]->outstanding.load(), 0);
  }
  // All of "m" refuses: the fallback group serves.
  {
    Request r(w, "m", clock, random);
    std::vector<int> refused;
    Step s = r.plan.next();
    while (s.kind == Step::kAttempt && name_of(w, s) != "f-0") {
      refused.push_back(s.deployment);
      r.plan.record(failed(ErrorClass::kLimitExceeded));
      s = r.plan.next();
    }
    EXPECT_EQ(refused.size(), 3u);
    ASSERT_EQ(s.kind, Step::kAttempt);
    EXPECT_EQ(name_of(w, s), "f-0");
    EXPECT_EQ(r.plan.record({}), Disposition::kAnswer);
    EXPECT_EQ(r.plan.route_reason().find(">fallback:f") != std::string::npos, true)
        << r.plan.route_reason();
  }
  // Every deployment everywhere refuses: a stop with no attempt made.
  {
    Request r(w, "m", clock, random);
    int asked = 0;
    Step s = r.plan.next();
    while (s.kind == Step::kAttempt) {
      ++asked;
      ASSERT_LE(asked, 4);
      r.plan.record(failed(ErrorClass::kLimitExceeded));
      s = r.plan.next();
    }
    EXPECT_EQ(asked, 4);
    EXPECT_EQ(s.kind, Step::kStop);
    EXPECT_EQ(r.plan.attempts(), 0);
  }
}

}  // namespace
}  // namespace llmctl::gateway
