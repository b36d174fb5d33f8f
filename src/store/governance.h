// What gateway governance counts and checks, independent of where the counts live: scopes with
// rate limits and dollar budgets, one request's admission and its settlement, and the Limiter
// interface that two stores implement (embedded in memory with SQLite persistence, and Redis for
// many replicas). Pure types and functions; no I/O here.
//
// The exactness argument (docs/GATEWAY.md, "Governance"): every admission checks and counts all
// of its scopes in one atomic step (one Lua script in Redis, one set of stripe locks in memory),
// so concurrent requests on any number of replicas are serialised per scope:
//   - requests per minute: a sliding log of admission times; a request is admitted only when
//     fewer than `rpm` admissions lie in the last 60 s, so no 60 s window ever holds rpm + 1;
//   - tokens per minute: the same log weighted by tokens (estimated at admission, replaced by the
//     real count at settlement);
//   - concurrency: a set of the requests in flight (with a lease, so a crashed replica's entries
//     expire);
//   - budgets: spent + reserved + this request's worst case must fit under the hard limit; the
//     reservation is replaced by the real cost at settlement, so the spend never passes the
//     limit as long as the worst case bounds the real cost.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmctl::store {

// Money in nano-dollars (1e-9 USD): sums of many small costs stay exact integers.
using Nanos = std::int64_t;
Nanos usd_to_nanos(double usd);
double nanos_to_usd(Nanos n);

// The rate window: requests and tokens per minute are counted over the last 60 s.
inline constexpr std::int64_t kRateWindowMs = 60000;

// A budget's period, in UTC. kTotal never resets.
enum class Period { kTotal, kDay, kWeek, kMonth };
std::string_view period_name(Period p);  // total | day | week | month
std::optional<Period> parse_period(std::string_view name);
// Start of the period containing `unix_ms` (weeks start on Monday); 0 for kTotal.
std::int64_t period_start_ms(Period p, std::int64_t unix_ms);
// End (exclusive) of that period; INT64_MAX for kTotal.
std::int64_t period_end_ms(Period p, std::int64_t unix_ms);

struct RateLimits {
  std::int64_t rpm = 0;           // requests per minute; 0: no limit
  std::int64_t tpm = 0;           // tokens (input + output) per minute; 0: no limit
  std::int64_t max_parallel = 0;  // requests in flight; 0: no limit
  bool any() const { return rpm > 0 || tpm > 0 || max_parallel > 0; }
};

struct BudgetLimit {
  Nanos hard = 0;  // never spent past; 0: none
  Nanos soft = 0;  // alert when crossed; 0: none
  Period period = Period::kMonth;
  bool any() const { return hard > 0 || soft > 0; }
};

// Who a limit or budget belongs to. The id ("key:k-abc", "team:search") names the counters.
enum class ScopeKind { kKey, kTeam, kUser, kProject, kAgent, kModel, kDeployment };
inline constexpr int kScopeKindCount = 7;
std::string_view scope_kind_name(
    ScopeKind k);  // key | team | user | project | agent | model | deployment

struct Scope {
  ScopeKind kind = ScopeKind::kKey;
  std::string name;
  RateLimits limits;
  BudgetLimit budget;
  std::string id() const;  // "<kind>:<name>"
  bool active() const { return limits.any() || budget.any(); }
};

// One request asking to be admitted. Every scope is checked, and counted only if all pass.
struct Admission {
  std::string request_id;   // unique across replicas and restarts
  std::int64_t now_ms = 0;  // unix ms (injected clock)
  std::int64_t tokens = 0;  // estimated input + output tokens, for tpm
  Nanos reserve = 0;        // the request's worst-case cost, reserved on every hard budget
  std::vector<Scope> scopes;
};

enum class Decision {
  kAdmitted,
  kRateLimited,  // rpm, tpm or max_parallel, or a hard budget whose room is reserved by
                 // requests in flight (limit kBudget): 429 rate_limit_exceeded with Retry-After
  kOverBudget,   // a hard budget cannot take the worst case even with nothing in flight:
                 // 429 insufficient_quota
  kUnavailable,  // the store did not answer (the caller applies its fail mode)
};
enum class LimitKind { kNone, kRequests, kTokens, kParallel, kBudget };
std::string_view limit_kind_name(LimitKind k);  // requests | tokens | parallel | budget

// A rate limit's state after the decision, for OpenAI's x-ratelimit-* headers: the tightest
// scope (least remaining) of those that have the limit.
struct Window {
  std::int64_t limit = 0;  // 0: no scope has this limit
  std::int64_t remaining = 0;
  std::int64_t reset_ms = 0;  // until the oldest counted entry leaves the window (remaining grows)
};

struct AdmitResult {
  Decision decision = Decision::kAdmitted;
  int scope = -1;  // index into Admission::scopes of the scope that refused
  LimitKind limit = LimitKind::kNone;
  std::int64_t retry_after_ms = 0;  // rate limits: when the refused request would pass
  Window requests, tokens;
  std::string error;  // kUnavailable: why
};

// The end of an admitted request: its real tokens and cost replace the estimate and the
// reservation; its concurrency slot is freed. Settle each admitted request once.
struct Settlement {
  std::string request_id;
  std::int64_t admitted_ms = 0;  // the admission's now_ms: its window entries and budget period
  std::int64_t now_ms = 0;
  std::int64_t estimated_tokens = 0;
  std::int64_t actual_tokens = 0;
  Nanos reserved = 0;
  Nanos cost = 0;
  // Admitted while the store was unreachable (fail mode open): nothing was counted there, so
  // the request, its tokens and its cost are counted now (what "reconcile" means).
  bool offline = false;
  std::vector<Scope> scopes;  // as admitted
};

// What one settlement did to a budget scope (for soft-budget alerts and metrics).
struct BudgetCrossing {
  int scope = -1;
  Nanos spent = 0;  // after this settlement
  bool soft_crossed = false;
  bool hard_reached = false;
};

struct BudgetState {
  std::string scope;  // Scope::id()
  Period period = Period::kMonth;
  std::int64_t period_start_ms = 0;
  Nanos hard = 0, soft = 0;
  Nanos spent = 0, reserved = 0;
};

// Counts and checks admissions. Implementations: EmbeddedLimiter (memory.h, one process) and
// RedisLimiter (redis.h, many replicas).
//
// Threads: EmbeddedLimiter may be called from any thread. A RedisLimiter belongs to one event
// loop and is called only on that loop's thread; its callbacks run there too.
class Limiter {
 public:
  virtual ~Limiter() = default;
  using AdmitDone = std::function<void(const AdmitResult&)>;
  using SettleDone = std::function<void(const std::vector<BudgetCrossing>&)>;
  // Checks and counts atomically across every scope. `done` is called exactly once (perhaps
  // before admit returns) unless the limiter is destroyed first.
  virtual void admit(const Admission& a, AdmitDone done) = 0;
  // Never blocks and is never lost while the process runs: a store that cannot take it now
  // queues it. `done` (may be empty) reports budget crossings once applied.
  virtual void settle(Settlement s, SettleDone done) = 0;
};

// --- shared by both stores (pure) ---

// The tightest window of a kind: fewer remaining wins, then the later reset.
void merge_window(Window& into, const Window& w);
// OpenAI's reset format: "20ms", "1s", "1.5s", "6m0s", "1h2m3s".
std::string format_reset(std::int64_t ms);

}  // namespace llmctl::store
