// Private to src/gateway: one request's passage through rate limits and budgets, after routing
// and before the first attempt, and its settlement when it ends (governance_stages.h has the
// synchronous stages before routing).
//
//   admit   the request's scopes (its key, then the config's team, user, agent and model
//           group), its tokens for tpm (input estimate + max_tokens x n) and
//           its worst-case cost (every reachable price) go to the worker's Limiter in one atomic
//           step. Refused: 429 rate_limit_exceeded with Retry-After, or 429 insufficient_quota.
//           The store unreachable: the fail modes decide (limits open, budgets closed by
//           default); a request admitted open is counted at settlement ("offline").
//   deployment  each attempt, once the planner has picked its deployment: that deployment's
//           limits (governance.deployments: rpm, tpm, max_parallel), in their own atomic step.
//           Refused: the planner skips the deployment for this request (not an attempt) and
//           tries the next candidate or fallback group; only when none can take the request
//           does the client get the 429. Settled when the attempt ends (its slot freed, its
//           real tokens replacing the estimate).
//   settle  whatever happened (success, failed or interrupted stream, client gone), the real
//           tokens and cost replace the estimate and the reservation; exactly once per admitted
//           request (the ticket's destructor settles one nobody settled, at cost 0 of tokens).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gateway/governance.h"
#include "gateway/governance_runtime.h"
#include "gateway/pipeline.h"
#include "gateway/request_log.h"

namespace llmctl::gateway {

class AdmissionTicket {
 public:
  AdmissionTicket() = default;
  AdmissionTicket(const AdmissionTicket&) = delete;
  AdmissionTicket& operator=(const AdmissionTicket&) = delete;
  ~AdmissionTicket();

  // The x-ratelimit-* headers for the client's answer (empty: no rate limit applies).
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }
  // Settles with what the request really used (idempotent).
  void settle(const RequestRecord& rec, std::int64_t now_ms);
  // The same with the tokens and cost alone (a deployment's admission, per attempt).
  void settle_usage(std::int64_t tokens, double cost_usd, std::int64_t now_ms);
  // True while a settlement is owed.
  bool owed() const { return wg_ != nullptr; }

 private:
  friend std::optional<store::Admission> begin_admission(WorkerGovernance& wg, const Config& cfg,
                                                         const RequestContext& ctx,
                                                         const std::string& request_id,
                                                         std::int64_t now_ms,
                                                         AdmissionTicket& ticket);
  friend boost::asio::awaitable<std::optional<Refusal>> admit_request(WorkerGovernance& wg,
                                                                      const Config& cfg,
                                                                      store::Admission a,
                                                                      AdmissionTicket& ticket);
  friend boost::asio::awaitable<std::optional<Refusal>> admit_deployment(
      WorkerGovernance& wg, const Config& cfg, const RequestContext& ctx, int deployment,
      const std::string& attempt_id, std::int64_t now_ms, AdmissionTicket& ticket);
  WorkerGovernance* wg_ = nullptr;   // set while a settlement is owed
  KeyCounters* counters_ = nullptr;  // the key's traffic counters, until settled
  store::Settlement pending_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

// The scopes, tokens and worst case of a request (pure; admit_request sends it).
store::Admission admission_for(const Config& cfg, const RequestContext& ctx,
                               const std::string& request_id, std::int64_t now_ms);

// The deployment's limits for one attempt (pure; no scopes when it has none).
store::Admission deployment_admission(const Config& cfg, const RequestContext& ctx, int deployment,
                                      const std::string& attempt_id, std::int64_t now_ms);

// A request's admission in two steps. begin_admission() is synchronous: it counts the request
// for its key and returns what to send to the limiter, or nullopt when no scope applies (then
// the request is admitted: nothing is built, no coroutine runs, `ticket` owes nothing but the
// key's token counts). admit_request() sends that: admitted (nullopt) or refused. `ticket` then
// owes the settlement. Both run on the worker's thread (its Redis connection answers there).
std::optional<store::Admission> begin_admission(WorkerGovernance& wg, const Config& cfg,
                                                const RequestContext& ctx,
                                                const std::string& request_id, std::int64_t now_ms,
                                                AdmissionTicket& ticket);
boost::asio::awaitable<std::optional<Refusal>> admit_request(WorkerGovernance& wg,
                                                             const Config& cfg, store::Admission a,
                                                             AdmissionTicket& ticket);

// Admits one attempt on `deployment` (nullopt: go ahead; `ticket` then owes the settlement,
// due when the attempt ends) or refuses it: 429 rate_limit_exceeded with Retry-After, or 503
// when the store is unreachable and limits fail closed. `attempt_id`: unique per attempt.
boost::asio::awaitable<std::optional<Refusal>> admit_deployment(
    WorkerGovernance& wg, const Config& cfg, const RequestContext& ctx, int deployment,
    const std::string& attempt_id, std::int64_t now_ms, AdmissionTicket& ticket);

}  // namespace llmctl::gateway
