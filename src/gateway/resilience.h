// Resilience building blocks of the gateway: circuit breaker, retry budget, backoff with full
// jitter, Retry-After parsing, upstream error classification (context length), TTFT EWMA, and
// the per-deployment / per-model-group runtime state they live in.
//
// Pure: no sockets and no clocks — every time-dependent call takes `now_ms` (a monotonic
// millisecond count chosen by the caller), so tests drive time by hand.
//
// Thread rules: CircuitBreaker, RetryBudget, WindowCounter and Ewma are shared by every worker
// of a gateway and are lock-free (atomics; counts in a window may lose an increment at a bucket
// roll-over, which only blurs a rate). DeploymentRuntime's mutex guards only the "recent errors"
// list and the health-check text, written on failures and read by the admin API — never on a
// successful request.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "route/route.h"

namespace llmctl::gateway {

// --- policies (config: `breaker:`, `retry:`, `health_check:`, `routing:` per group) ---

struct BreakerPolicy {
  bool enabled = true;
  int consecutive_failures = 5;  // open after this many failures in a row ...
  double failure_rate = 0.5;     // ... or when failures / requests in the window reach this
  int min_requests = 20;         //     with at least this many requests in the window
  int window_ms = 10000;
  int cooldown_ms = 5000;    // open -> half-open after this long
  int half_open_probes = 1;  // requests let through at once while half-open
  bool operator==(const BreakerPolicy&) const = default;
};

// Defaults follow Finagle's RetryBudget (20% of requests, 10 retries/s minimum, 10 s window):
// enough to ride out one failing replica, too little to multiply an outage.
struct RetryPolicy {
  int backoff_base_ms = 50;        // full jitter: uniform in [0, min(max, base * 2^n)]
  int backoff_max_ms = 2000;       //
  int retry_after_max_ms = 10000;  // a longer Retry-After is not waited for
  double budget_ratio = 0.2;       // retries <= ratio * requests in the window ...
  double budget_min_per_s = 10;    // ... + this many per second of the window
  int budget_window_ms = 10000;
  bool operator==(const RetryPolicy&) const = default;
};

struct HealthCheckPolicy {
  int interval_ms = 0;  // 0: no active checks (the breaker still watches traffic)
  int timeout_ms = 2000;
  std::string path = "/models";  // appended to the deployment's base URL
  int unhealthy_after = 2;       // consecutive failed checks that take it out of rotation
  int healthy_after = 1;         // consecutive passed checks that bring it back
  bool operator==(const HealthCheckPolicy&) const = default;
};

// A group's routing strategy (src/route): weighted, least_outstanding, latency, prefix.
using RoutingStrategy = route::Strategy;

struct AffinityPolicy {
  int prefix_chars = 2048;    // leading characters of the prompt that form the affinity key:
  int messages = 1;           // the system prompt(s) and this many messages after them
  double load_factor = 1.25;  // no replica takes more than this times its fair share ...
  int slack = 2;              // ... plus this many requests (at low concurrency a few requests
                              // are noise; SGLang's router has balance_abs_threshold for this)
};

// --- lock-free sliding window of two counts (e.g. requests and failures) ---

class WindowCounter {
 public:
  // The window is `buckets` buckets of window_ms / buckets each.
  explicit WindowCounter(int window_ms, int buckets = 10);
  void add(std::int64_t now_ms, std::uint32_t first, std::uint32_t second);
  // Sums of both counts over the buckets that are inside the window at now_ms.
  std::pair<std::uint64_t, std::uint64_t> sum(std::int64_t now_ms) const;
  void reset();
  int window_ms() const { return bucket_ms_ * static_cast<int>(buckets_.size()); }

 private:
  // One 64-bit word per bucket: epoch (24 bits) | first (20 bits) | second (20 bits), updated
  // by compare-exchange so a roll-over and an increment never tear. Counts saturate at 2^20-1
  // per bucket.
  std::vector<std::atomic<std::uint64_t>> buckets_;
  int bucket_ms_;
};

// --- circuit breaker (one per deployment, shared by all workers) ---

enum class BreakerState : int { kClosed = 0, kOpen = 1, kHalfOpen = 2 };
std::string_view breaker_state_name(BreakerState s);

enum class Admission { kAllow, kProbe, kReject };

class CircuitBreaker {
 public:
  explicit CircuitBreaker(const BreakerPolicy& policy);
  const BreakerPolicy& policy() const { return policy_; }

  // Would admit() let a request through now? For routing; takes nothing.
  bool available(std::int64_t now_ms) const;
  // Takes admission for one attempt. kProbe holds one of the half-open probe slots until
  // record() is called with it.
  Admission admit(std::int64_t now_ms);
  // The result of an attempt admitted with `how`. `success` means the deployment worked (a
  // client error such as 400 is a success for the breaker).
  void record(std::int64_t now_ms, bool success, Admission how);
  // Gives back an admission whose attempt never reached the deployment (refused before any
  // I/O, or abandoned): a probe slot is freed, nothing is counted.
  void cancel(Admission how);

  BreakerState state() const { return static_cast<BreakerState>(state_.load()); }
  int consecutive_failures() const { return consecutive_.load(std::memory_order_relaxed); }
  // When it opened last (now_ms clock), -1 never.
  std::int64_t opened_at_ms() const { return opened_at_.load(std::memory_order_relaxed); }
  // Transitions into each state so far.
  std::uint64_t transitions(BreakerState to) const {
    return transitions_[static_cast<int>(to)].load(std::memory_order_relaxed);
  }
  std::pair<std::uint64_t, std::uint64_t> window(std::int64_t now_ms) const {
    return window_.sum(now_ms);
  }

 private:
  bool move(BreakerState from, BreakerState to, std::int64_t now_ms);
  BreakerPolicy policy_;
  std::atomic<int> state_{0};
  std::atomic<int> consecutive_{0};
  std::atomic<int> probes_{0};
  std::atomic<std::int64_t> opened_at_{-1};
  std::array<std::atomic<std::uint64_t>, 3> transitions_{};
  WindowCounter window_;  // requests, failures
};

// --- retry budget (one per model group, shared by all workers) ---

class RetryBudget {
 public:
  explicit RetryBudget(const RetryPolicy& policy);
  const RetryPolicy& policy() const { return policy_; }
  // A client request arrived (its first attempt).
  void on_request(std::int64_t now_ms);
  // Asks to spend one retry (any attempt after a request's first): true and counted, or false
  // when the window's budget is spent.
  bool try_retry(std::int64_t now_ms);
  std::pair<std::uint64_t, std::uint64_t> window(std::int64_t now_ms) const {
    return window_.sum(now_ms);
  }

 private:
  RetryPolicy policy_;
  WindowCounter window_;  // requests, retries
};

// Full-jitter exponential backoff before retry number `retry` (0 = the first retry):
// u01 * min(max_ms, base_ms * 2^retry), u01 uniform in [0, 1).
double backoff_ms(const RetryPolicy& p, int retry, double u01);

// Retry-After: delay-seconds ("120") or an HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT"),
// relative to now_unix_s. Milliseconds to wait (>= 0), or nullopt when unparseable.
std::optional<std::int64_t> parse_retry_after(std::string_view value, std::int64_t now_unix_s);

// True for an upstream answer that says the prompt does not fit the model's context: OpenAI's
// code context_length_exceeded, vLLM's "maximum context length" / "maximum model length",
// SGLang's "longer than the model's context length", Anthropic's "prompt is too long".
bool is_context_length_error(int status, std::string_view body);

// A per-request timeout header value ("1500") clamped to [min_ms, configured_ms]; the
// configured value when absent or unparseable. A client may shorten a deadline, never lengthen.
int clamp_timeout_ms(std::string_view header_value, int configured_ms, int min_ms);

// Exponentially weighted moving average, updated racily by many workers (a lost update only
// delays convergence). Negative = no sample yet.
class Ewma {
 public:
  void observe(double x, double alpha = 0.3);
  double get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{-1};
};

// --- runtime state, carried across config reloads ---

struct RecentError {
  std::int64_t unix_ms = 0;
  std::string error_class;
  std::string message;
};

// Everything the gateway learns about one deployment at run time. Shared by all workers;
// carried over a reload when the deployment's name and base URL are unchanged (key()).
class DeploymentRuntime {
 public:
  DeploymentRuntime(std::string key, const BreakerPolicy& breaker);
  const std::string& key() const { return key_; }

  CircuitBreaker breaker;
  std::atomic<int> outstanding{0};      // attempts in flight, all workers
  std::atomic<int> capped_inflight{0};  // max_concurrency slots taken
  Ewma ttft_ms;                         // time to first token (whole responses: to headers)
  std::atomic<bool> healthy{true};      // active health checks; true when none configured
  std::atomic<int> health_streak{0};    // > 0: checks passed in a row; < 0: failed in a row
  std::atomic<std::uint64_t> attempts{0}, failures{0};

  // Routable now: healthy, the breaker would let a request through, and not cooling down.
  bool available(std::int64_t now_ms) const {
    return healthy.load(std::memory_order_relaxed) && breaker.available(now_ms) && !cooling(now_ms);
  }
  // Healthy and let through by the breaker, cool-down aside.
  bool admissible(std::int64_t now_ms) const {
    return healthy.load(std::memory_order_relaxed) && breaker.available(now_ms);
  }

  // 429 cool-down: after a Retry-After, no worker sends it a request until then (unless nothing
  // else can serve the request, which then waits for it). Lock-free; only ever extended.
  void cool_down_until(std::int64_t until_ms);
  bool cooling(std::int64_t now_ms) const { return now_ms < cooldown_until_ms(); }
  std::int64_t cooldown_until_ms() const { return cooldown_until_.load(std::memory_order_relaxed); }

  void note_error(std::int64_t unix_ms, std::string_view error_class, std::string_view message);
  std::vector<RecentError> recent_errors() const;
  void set_health_text(std::string text);
  std::string health_text() const;

 private:
  std::string key_;
  std::atomic<std::int64_t> cooldown_until_{0};  // now_ms clock
  mutable std::mutex mu_;                        // recent_, health_text_ only
  std::deque<RecentError> recent_;
  std::string health_text_;
};

// Counters and the retry budget of one model group; carried over a reload by group name.
class GroupRuntime {
 public:
  explicit GroupRuntime(const RetryPolicy& retry) : budget(retry) {}
  RetryBudget budget;
  std::atomic<std::uint64_t> retries{0};  // attempts after the first, same group
  std::atomic<std::uint64_t> fallbacks_group{0}, fallbacks_context{0};
  std::atomic<std::uint64_t> budget_exhausted{0};
  std::atomic<std::uint64_t> all_unavailable{0};  // requests that found every breaker open
};

}  // namespace llmctl::gateway
