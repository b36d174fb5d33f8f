// EmbeddedLimiter: the Limiter of a single gateway process (governance.store: sqlite). Counts
// live in memory, split into 64 stripes by scope, each behind its own mutex; an admission locks
// the stripes of its scopes in ascending order, checks every scope, then counts every scope, so
// it is atomic across scopes without one lock for the whole process. Budget spend is the only
// state that must outlive the process: take_dirty() hands changed spend rows to the persistence
// (SqliteGovernanceStore writes them to the request log's file) and load() restores them at start.
//
// Threads: every method may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "store/governance.h"

namespace llmctl::store {

// One scope's spend in one budget period (what persists).
struct SpendRow {
  std::string scope;  // Scope::id()
  std::int64_t period_start_ms = 0;
  Nanos spent = 0;
};

class EmbeddedLimiter final : public Limiter {
 public:
  EmbeddedLimiter();
  ~EmbeddedLimiter() override;

  void admit(const Admission& a, AdmitDone done) override;
  void settle(Settlement s, SettleDone done) override;
  // The same, returning the result (what admit/settle call).
  AdmitResult admit_now(const Admission& a);
  std::vector<BudgetCrossing> settle_now(const Settlement& s);

  // Restores persisted spend (at start, before any request).
  void load(const std::vector<SpendRow>& rows);
  // Spend rows changed since the last call.
  std::vector<SpendRow> take_dirty();
  // The budget state of `scope` in the period containing now_ms.
  BudgetState budget_state(const Scope& scope, std::int64_t now_ms);

 private:
  struct TokenEntry {
    std::int64_t ts = 0;
    std::int64_t tokens = 0;
  };
  struct Budget {
    Nanos spent = 0, reserved = 0;
  };
  struct State {
    std::deque<std::int64_t> requests;  // admission times within the window
    std::deque<TokenEntry> tokens;      // admission time and tokens, in admission order
    std::uint64_t tokens_base = 0;      // absolute index of tokens.front()
    std::unordered_map<std::string, std::uint64_t> token_index;  // request -> absolute index
    std::int64_t token_sum = 0;
    std::unordered_set<std::string> in_flight;
    std::map<std::int64_t, Budget> budgets;  // by period start
    std::unordered_map<std::string, std::pair<std::int64_t, Nanos>>
        reservations;                        // request -> (period, amount)
    std::unordered_set<std::int64_t> dirty;  // periods whose spend changed
    bool empty() const;
  };
  struct Stripe {
    std::mutex mu;
    std::unordered_map<std::string, State> states;
  };
  static constexpr std::size_t kStripes = 64;

  static void expire(State& st, std::int64_t now_ms);
  std::size_t stripe_of(const std::string& id) const;

  std::array<Stripe, kStripes> stripes_;
};

}  // namespace llmctl::store
