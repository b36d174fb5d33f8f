#include "gateway/governance_admission.h"

#include <algorithm>
#include <boost/asio.hpp>
#include <memory>

#include "store/keys.h"

namespace llmctl::gateway {

namespace asio = boost::asio;

namespace {

bool any_budget(const std::vector<store::Scope>& scopes) {
  for (const auto& s : scopes)
    if (s.budget.hard > 0) return true;
  return false;
}

bool any_tokens(const std::vector<store::Scope>& scopes) {
  for (const auto& s : scopes)
    if (s.limits.tpm > 0) return true;
  return false;
}

// The limiter's answer on this coroutine's executor (a Redis reply arrives on the worker's loop;
// the embedded limiter answers before admit() returns, so the resumption is posted, never
// nested).
asio::awaitable<store::AdmitResult> admit_on(store::Limiter& limiter, const store::Admission& a) {
  auto ex = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(store::AdmitResult)>(
      [&limiter, &a, ex](auto handler) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        limiter.admit(a, [h, ex](const store::AdmitResult& r) {
          asio::post(ex, [h, r]() mutable { std::move (*h)(r); });
        });
      },
      asio::use_awaitable);
}

// The deployment's scope is not here: it is checked per attempt (deployment_admission).
std::vector<store::Scope> scopes_of_request(const Config& cfg, const RequestContext& ctx) {
  return request_scopes(cfg.governance, ctx.who, ctx.key, ctx.model, {});
}

store::Admission admission_with(const Config& cfg, const RequestContext& ctx,
                                std::vector<store::Scope> scopes, std::string request_id,
                                std::int64_t now_ms) {
  store::Admission a;
  a.request_id = std::move(request_id);
  a.now_ms = now_ms;
  a.scopes = std::move(scopes);
  if (a.scopes.empty()) return a;
  if (any_tokens(a.scopes)) a.tokens = admission_tokens(ctx.facts, ctx.prompt_chars);
  if (any_budget(a.scopes) && ctx.group)
    a.reserve = worst_case_nanos(ctx.facts, reachable_prices(cfg, *ctx.group),
                                 cfg.governance.reserve_output_tokens);
  return a;
}

}  // namespace

store::Admission admission_for(const Config& cfg, const RequestContext& ctx,
                               const std::string& request_id, std::int64_t now_ms) {
  return admission_with(cfg, ctx, scopes_of_request(cfg, ctx), request_id, now_ms);
}

store::Admission deployment_admission(const Config& cfg, const RequestContext& ctx, int deployment,
                                      const std::string& attempt_id, std::int64_t now_ms) {
  store::Admission a;
  a.request_id = attempt_id;
  a.now_ms = now_ms;
  if (cfg.governance.deployments.empty() || deployment < 0) return a;
  const Deployment& d = cfg.deployments[static_cast<std::size_t>(deployment)];
  a.scopes = request_scopes(cfg.governance, Attribution{}, nullptr, {}, d.name);
  if (any_tokens(a.scopes)) a.tokens = admission_tokens(ctx.facts, ctx.prompt_chars);
  return a;
}

namespace {

// Sends `a` to the limiter and turns the answer into a refusal (nullopt: admitted; `offline`
// set when the store was unreachable and the fail mode let it through).
asio::awaitable<std::optional<Refusal>> decide(WorkerGovernance& wg, const GovernanceConfig& g,
                                               const store::Admission& a, bool& offline,
                                               store::AdmitResult& r) {
  r = co_await admit_on(wg.limiter(), a);
  offline = false;
  switch (r.decision) {
    case store::Decision::kAdmitted:
      break;
    case store::Decision::kUnavailable: {
      const bool budgets = any_budget(a.scopes);
      const bool closed =
          (budgets && g.budgets_fail == FailMode::kClosed) || g.limits_fail == FailMode::kClosed;
      if (closed) {
        wg.metrics().fail_closed().add();
        co_return store_unavailable(r.error);
      }
      wg.metrics().fail_open().add();
      offline = true;  // counted when it settles
      break;
    }
    case store::Decision::kRateLimited:
    case store::Decision::kOverBudget: {
      const int si = r.scope;
      if (si >= 0 && static_cast<std::size_t>(si) < a.scopes.size())
        wg.metrics().refused(a.scopes[static_cast<std::size_t>(si)].kind, r.limit).add();
      co_return refusal(r, a.scopes);
    }
  }
  co_return std::nullopt;
}

}  // namespace

std::optional<store::Admission> begin_admission(WorkerGovernance& wg, const Config& cfg,
                                                const RequestContext& ctx,
                                                const std::string& request_id, std::int64_t now_ms,
                                                AdmissionTicket& ticket) {
  if (ctx.key) {
    ticket.counters_ = &wg.metrics().key(*ctx.key);
    ticket.counters_->requests.add();
  }
  std::vector<store::Scope> scopes = scopes_of_request(cfg, ctx);
  if (scopes.empty()) return std::nullopt;  // nothing to count or check
  // Unique across replicas (request ids are per process): the store's sets key on it.
  return admission_with(cfg, ctx, std::move(scopes), wg.runtime().replica_id() + "-" + request_id,
                        now_ms);
}

asio::awaitable<std::optional<Refusal>> admit_request(WorkerGovernance& wg, const Config& cfg,
                                                      store::Admission a, AdmissionTicket& ticket) {
  bool offline = false;
  store::AdmitResult r;
  if (auto refused = co_await decide(wg, cfg.governance, a, offline, r)) co_return refused;
  ticket.wg_ = &wg;
  ticket.pending_.request_id = std::move(a.request_id);
  ticket.pending_.admitted_ms = a.now_ms;
  ticket.pending_.estimated_tokens = a.tokens;
  ticket.pending_.reserved = offline ? 0 : a.reserve;
  ticket.pending_.offline = offline;
  ticket.pending_.scopes = std::move(a.scopes);
  if (!offline) ticket.headers_ = rate_limit_headers(r);
  co_return std::nullopt;
}

asio::awaitable<std::optional<Refusal>> admit_deployment(WorkerGovernance& wg, const Config& cfg,
                                                         const RequestContext& ctx, int deployment,
                                                         const std::string& attempt_id,
                                                         std::int64_t now_ms,
                                                         AdmissionTicket& ticket) {
  store::Admission a = deployment_admission(cfg, ctx, deployment,
                                            wg.runtime().replica_id() + "-" + attempt_id, now_ms);
  if (a.scopes.empty()) co_return std::nullopt;
  bool offline = false;
  store::AdmitResult r;
  if (auto refused = co_await decide(wg, cfg.governance, a, offline, r)) co_return refused;
  ticket.wg_ = &wg;
  ticket.pending_.request_id = a.request_id;
  ticket.pending_.admitted_ms = a.now_ms;
  ticket.pending_.estimated_tokens = a.tokens;
  ticket.pending_.offline = offline;
  ticket.pending_.scopes = std::move(a.scopes);
  co_return std::nullopt;
}

void AdmissionTicket::settle(const RequestRecord& rec, std::int64_t now_ms) {
  if (KeyCounters* kc = std::exchange(counters_, nullptr)) {
    kc->input_tokens.add(static_cast<std::uint64_t>(std::max<std::int64_t>(rec.input_tokens, 0)));
    kc->output_tokens.add(static_cast<std::uint64_t>(std::max<std::int64_t>(rec.output_tokens, 0)));
    kc->cost_usd.add(rec.cost_usd);
  }
  settle_usage(rec.input_tokens + rec.output_tokens, rec.cost_usd, now_ms);
}

void AdmissionTicket::settle_usage(std::int64_t tokens, double cost_usd, std::int64_t now_ms) {
  if (!wg_) return;
  WorkerGovernance& wg = *std::exchange(wg_, nullptr);
  store::Settlement s = std::move(pending_);
  s.now_ms = now_ms;
  s.actual_tokens = tokens;
  s.cost = store::usd_to_nanos(cost_usd);
  std::vector<store::Scope> scopes = s.scopes;
  GovernanceRuntime* rt = &wg.runtime();
  wg.limiter().settle(std::move(s), [rt, scopes = std::move(scopes),
                                     now_ms](const std::vector<store::BudgetCrossing>& crossings) {
    for (const auto& c : crossings)
      if ((c.soft_crossed || c.hard_reached) && c.scope >= 0 &&
          static_cast<std::size_t>(c.scope) < scopes.size())
        rt->alert(scopes[static_cast<std::size_t>(c.scope)], c, now_ms);
  });
}

AdmissionTicket::~AdmissionTicket() {
  // A request that ended without settling (an exception, a cancelled coroutine): free its slot
  // and reservation, charging what is known (nothing).
  if (wg_) settle(RequestRecord{}, pending_.admitted_ms);
}

}  // namespace llmctl::gateway
