#include "store/memory.h"

#include <algorithm>
#include <functional>

namespace llmctl::store {

EmbeddedLimiter::EmbeddedLimiter() = default;
EmbeddedLimiter::~EmbeddedLimiter() = default;

bool EmbeddedLimiter::State::empty() const {
  return requests.empty() && tokens.empty() && in_flight.empty() && budgets.empty() &&
         reservations.empty();
}

std::size_t EmbeddedLimiter::stripe_of(const std::string& id) const {
  return std::hash<std::string>{}(id) % kStripes;
}

void EmbeddedLimiter::expire(State& st, std::int64_t now_ms) {
  const std::int64_t start = now_ms - kRateWindowMs;
  while (!st.requests.empty() && st.requests.front() <= start) st.requests.pop_front();
  while (!st.tokens.empty() && st.tokens.front().ts <= start) {
    st.token_sum -= st.tokens.front().tokens;
    st.tokens.pop_front();
    ++st.tokens_base;
  }
  if (st.tokens.empty()) st.token_index.clear();
}

namespace {

// Locks the stripes of a set of scopes in ascending order (no deadlock between admissions).
class StripeLocks {
 public:
  template <typename StripeOf, typename Stripes>
  StripeLocks(const std::vector<std::string>& ids, StripeOf stripe_of, Stripes& stripes) {
    std::vector<std::size_t> idx;
    idx.reserve(ids.size());
    for (const auto& id : ids) idx.push_back(stripe_of(id));
    std::sort(idx.begin(), idx.end());
    idx.erase(std::unique(idx.begin(), idx.end()), idx.end());
    locks_.reserve(idx.size());
    for (std::size_t i : idx) locks_.emplace_back(stripes[i].mu);
  }

 private:
  std::vector<std::unique_lock<std::mutex>> locks_;
};

}  // namespace

AdmitResult EmbeddedLimiter::admit_now(const Admission& a) {
  AdmitResult r;
  std::vector<std::string> ids;
  ids.reserve(a.scopes.size());
  for (const auto& s : a.scopes) ids.push_back(s.id());
  StripeLocks locks(
      ids, [this](const std::string& id) { return stripe_of(id); }, stripes_);
  std::vector<State*> states(a.scopes.size(), nullptr);

  // Check every scope first; count only when all pass.
  for (std::size_t i = 0; i < a.scopes.size(); ++i) {
    const Scope& sc = a.scopes[i];
    if (!sc.active()) continue;
    State& st = stripes_[stripe_of(ids[i])].states[ids[i]];
    states[i] = &st;
    expire(st, a.now_ms);
    const RateLimits& l = sc.limits;
    const int idx = static_cast<int>(i);
    if (l.rpm > 0) {
      const auto n = static_cast<std::int64_t>(st.requests.size());
      if (n >= l.rpm) {
        r.decision = Decision::kRateLimited;
        r.scope = idx;
        r.limit = LimitKind::kRequests;
        r.retry_after_ms =
            st.requests[static_cast<std::size_t>(n - l.rpm)] + kRateWindowMs - a.now_ms;
        r.requests = {l.rpm, 0, r.retry_after_ms};
        return r;
      }
    }
    if (l.tpm > 0 && st.token_sum + a.tokens > l.tpm) {
      r.decision = Decision::kRateLimited;
      r.scope = idx;
      r.limit = LimitKind::kTokens;
      // When enough of the oldest entries will have left the window (a request larger than the
      // whole limit can never pass: a full window).
      std::int64_t need = st.token_sum + a.tokens - l.tpm, freed = 0;
      r.retry_after_ms = kRateWindowMs;
      if (a.tokens <= l.tpm)
        for (const auto& e : st.tokens) {
          freed += e.tokens;
          if (freed >= need) {
            r.retry_after_ms = e.ts + kRateWindowMs - a.now_ms;
            break;
          }
        }
      r.tokens = {l.tpm, std::max<std::int64_t>(0, l.tpm - st.token_sum), r.retry_after_ms};
      return r;
    }
    if (l.max_parallel > 0 && static_cast<std::int64_t>(st.in_flight.size()) >= l.max_parallel) {
      r.decision = Decision::kRateLimited;
      r.scope = idx;
      r.limit = LimitKind::kParallel;
      r.retry_after_ms = 1000;
      return r;
    }
    if (sc.budget.hard > 0) {
      const Budget& b = st.budgets[period_start_ms(sc.budget.period, a.now_ms)];
      if (b.spent + b.reserved + a.reserve > sc.budget.hard) {
        // It would fit once the requests in flight settle: busy, not spent (retry soon).
        const bool busy = b.spent + a.reserve <= sc.budget.hard;
        r.decision = busy ? Decision::kRateLimited : Decision::kOverBudget;
        r.scope = idx;
        r.limit = LimitKind::kBudget;
        r.retry_after_ms = busy ? 1000 : 0;
        return r;
      }
    }
  }

  for (std::size_t i = 0; i < a.scopes.size(); ++i) {
    State* st = states[i];
    if (!st) continue;
    const Scope& sc = a.scopes[i];
    const RateLimits& l = sc.limits;
    if (l.rpm > 0) {
      st->requests.push_back(a.now_ms);
      const auto n = static_cast<std::int64_t>(st->requests.size());
      merge_window(r.requests, {l.rpm, l.rpm - n, st->requests.front() + kRateWindowMs - a.now_ms});
    }
    if (l.tpm > 0) {
      st->token_index[a.request_id] = st->tokens_base + st->tokens.size();
      st->tokens.push_back({a.now_ms, a.tokens});
      st->token_sum += a.tokens;
      merge_window(r.tokens, {l.tpm, l.tpm - st->token_sum,
                              st->tokens.front().ts + kRateWindowMs - a.now_ms});
    }
    if (l.max_parallel > 0) st->in_flight.insert(a.request_id);
    if (sc.budget.any()) {
      const std::int64_t p = period_start_ms(sc.budget.period, a.now_ms);
      st->budgets[p].reserved += a.reserve;
      st->reservations[a.request_id] = {p, a.reserve};
    }
  }
  return r;
}

void EmbeddedLimiter::admit(const Admission& a, AdmitDone done) { done(admit_now(a)); }

std::vector<BudgetCrossing> EmbeddedLimiter::settle_now(const Settlement& s) {
  std::vector<BudgetCrossing> out;
  std::vector<std::string> ids;
  ids.reserve(s.scopes.size());
  for (const auto& sc : s.scopes) ids.push_back(sc.id());
  StripeLocks locks(
      ids, [this](const std::string& id) { return stripe_of(id); }, stripes_);
  for (std::size_t i = 0; i < s.scopes.size(); ++i) {
    const Scope& sc = s.scopes[i];
    if (!sc.active()) continue;
    auto& states = stripes_[stripe_of(ids[i])].states;
    State& st = states[ids[i]];
    const RateLimits& l = sc.limits;
    if (s.offline) {
      // Admitted while the store was unreachable: count what happened, where it still counts.
      if (s.admitted_ms > s.now_ms - kRateWindowMs) {
        if (l.rpm > 0) {
          auto at = std::upper_bound(st.requests.begin(), st.requests.end(), s.admitted_ms);
          st.requests.insert(at, s.admitted_ms);
        }
        if (l.tpm > 0) {
          st.tokens.push_back({s.now_ms, s.actual_tokens});
          st.token_sum += s.actual_tokens;
        }
      }
    } else {
      if (l.tpm > 0) {
        auto it = st.token_index.find(s.request_id);
        if (it != st.token_index.end() && it->second >= st.tokens_base) {
          TokenEntry& e = st.tokens[static_cast<std::size_t>(it->second - st.tokens_base)];
          st.token_sum += s.actual_tokens - e.tokens;
          e.tokens = s.actual_tokens;
        }
        if (it != st.token_index.end()) st.token_index.erase(it);
      }
      if (l.max_parallel > 0) st.in_flight.erase(s.request_id);
    }
    if (sc.budget.any()) {
      std::int64_t period = period_start_ms(sc.budget.period, s.admitted_ms);
      if (auto it = st.reservations.find(s.request_id); it != st.reservations.end()) {
        period = it->second.first;
        st.budgets[period].reserved -= it->second.second;
        st.reservations.erase(it);
      }
      Budget& b = st.budgets[period];
      const Nanos before = b.spent;
      b.spent += s.cost;
      st.dirty.insert(period);
      BudgetCrossing c;
      c.scope = static_cast<int>(i);
      c.spent = b.spent;
      c.soft_crossed = sc.budget.soft > 0 && before < sc.budget.soft && b.spent >= sc.budget.soft;
      c.hard_reached = sc.budget.hard > 0 && before < sc.budget.hard && b.spent >= sc.budget.hard;
      out.push_back(c);
    }
  }
  return out;
}

void EmbeddedLimiter::settle(Settlement s, SettleDone done) {
  auto crossings = settle_now(s);
  if (done) done(crossings);
}

void EmbeddedLimiter::load(const std::vector<SpendRow>& rows) {
  for (const auto& row : rows) {
    Stripe& stripe = stripes_[stripe_of(row.scope)];
    std::lock_guard lock(stripe.mu);
    stripe.states[row.scope].budgets[row.period_start_ms].spent = row.spent;
  }
}

std::vector<SpendRow> EmbeddedLimiter::take_dirty() {
  std::vector<SpendRow> out;
  for (Stripe& stripe : stripes_) {
    std::lock_guard lock(stripe.mu);
    for (auto& [id, st] : stripe.states) {
      for (std::int64_t p : st.dirty) out.push_back({id, p, st.budgets[p].spent});
      st.dirty.clear();
    }
    // Idle scopes with nothing to remember leave memory (budgets stay: they are the spend).
    std::erase_if(stripe.states, [](const auto& kv) { return kv.second.empty(); });
  }
  return out;
}

BudgetState EmbeddedLimiter::budget_state(const Scope& scope, std::int64_t now_ms) {
  BudgetState out;
  out.scope = scope.id();
  out.period = scope.budget.period;
  out.period_start_ms = period_start_ms(scope.budget.period, now_ms);
  out.hard = scope.budget.hard;
  out.soft = scope.budget.soft;
  Stripe& stripe = stripes_[stripe_of(out.scope)];
  std::lock_guard lock(stripe.mu);
  auto it = stripe.states.find(out.scope);
  if (it == stripe.states.end()) return out;
  auto b = it->second.budgets.find(out.period_start_ms);
  if (b == it->second.budgets.end()) return out;
  out.spent = b->second.spent;
  out.reserved = b->second.reserved;
  return out;
}

}  // namespace llmctl::store
