// Governance on the request path, as pure functions: who is calling (the key table and
// authenticate()), what the request may spend (scopes, the worst case to reserve), and the
// answers and headers clients see. The runtime that keeps the key table fresh, owns the store
// and counts is governance_runtime.h; the stages that call these are in the pipeline.
//
// Keys: the worker's KeyTable maps the first 8 bytes of a secret's SHA-256 to candidate records;
// the full digest is then compared in constant time, so lookup time says nothing about a secret.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "catalog/catalog.h"
#include "gateway/attribution.h"
#include "gateway/config.h"
#include "gateway/protocol.h"
#include "store/governance.h"
#include "store/keys.h"

namespace llmctl::gateway {

class KeyTable {
 public:
  KeyTable() = default;
  KeyTable(std::vector<store::KeyRecord> keys, std::int64_t version);
  // The record whose secret this is (revoked and expired ones too), or null.
  const store::KeyRecord* find(std::string_view secret) const;
  // True when some key is neither revoked nor expired at now_ms (keys are then required under
  // require_keys' default).
  bool any_usable(std::int64_t now_ms) const;
  std::int64_t version() const { return version_; }
  std::size_t size() const { return keys_.size(); }
  template <typename Fn>
  void for_each(Fn fn) const {
    for (const auto& k : keys_) fn(k);
  }

 private:
  std::vector<store::KeyRecord> keys_;
  std::unordered_multimap<std::uint64_t, std::size_t> by_prefix_;  // digest prefix -> index
  std::vector<std::string> digests_;                               // raw SHA-256 per key
  std::int64_t version_ = -1;
};

// Why a request was refused before routing, for metrics (auth_failures_total{reason}).
enum class AuthFailure { kNone, kMissing, kInvalid, kRevoked, kExpired, kModelNotAllowed };
inline constexpr int kAuthFailureCount = 6;
std::string_view auth_failure_name(AuthFailure f);

struct AuthResult {
  const store::KeyRecord* key = nullptr;  // null: anonymous (allowed)
  AuthFailure failure = AuthFailure::kNone;
  int status = 0;  // 401 or 403 when refused
  std::string body, message;
};

// The secret from `Authorization: Bearer ...` or `x-api-key` (Bearer first).
std::string_view presented_secret(std::string_view authorization, std::string_view x_api_key);
// Checks the presented secret against the table. Without a key, requests pass unless keys are
// required (always, or by default once any usable key exists). A secret that is not ours
// (another provider's key sent along by an SDK) counts as no key.
AuthResult authenticate(const KeyTable& table, RequireKeys mode, std::string_view secret,
                        std::string_view model, std::int64_t now_ms);

// Who a request is attributed to (attribution.h): the key's fields first, then the client's
// x-llmctl-* headers, then its body (OpenAI `user` and `metadata`). `header_tags` is the parsed
// x-llmctl-tags (parse_tags_header); key tags win over the client's.
Attribution attribute(const store::KeyRecord* key, const RequestFacts& facts,
                      const CallerHeaders& headers,
                      const std::map<std::string, std::string>& header_tags);

// The scopes a request is checked against: its key, then the config's team, user, agent,
// model group and deployment entries that apply (an empty name: none of that kind; the
// deployment's are checked per attempt, governance_admission.h). Scopes with nothing to check
// are left out.
std::vector<store::Scope> request_scopes(const GovernanceConfig& g, const Attribution& who,
                                         const store::KeyRecord* key, std::string_view model,
                                         std::string_view deployment);

// The request's worst-case cost: every input token bound (facts.input_tokens_bound, all priced
// as the dearer of input and cache write) plus its output bound (max_tokens x n; unset: the
// price's max_output_tokens, else `fallback_output`), at the dearest of `prices`.
store::Nanos worst_case_nanos(const RequestFacts& facts,
                              const std::vector<const catalog::Price*>& prices,
                              long long fallback_output);
// The tokens counted at admission for tpm: input estimate + max_tokens x n (OpenAI's rule).
long long admission_tokens(const RequestFacts& facts, std::size_t prompt_chars);

// Every price a request routed to `group` may be charged at: its deployments and those of the
// groups it falls back to (transitively).
std::vector<const catalog::Price*> reachable_prices(const Config& c, const ModelGroup& group);

// --- answers ---
struct Refusal {
  int status = 429;
  ErrorClass error_class = ErrorClass::kRateLimited;
  std::string body, message;
  std::string retry_after;     // seconds (Retry-After), empty: none
  std::string retry_after_ms;  // retry-after-ms (OpenAI's SDKs prefer it)
  bool should_retry = true;    // false: x-should-retry: false (retrying cannot help)
};
// 429 rate_limit_exceeded / insufficient_quota, or 503 when the store is unreachable and the
// fail mode is closed.
Refusal refusal(const store::AdmitResult& r, const std::vector<store::Scope>& scopes);
Refusal store_unavailable(const std::string& why);

// OpenAI's x-ratelimit-* headers for an admitted request (none for limits not set).
std::vector<std::pair<std::string, std::string>> rate_limit_headers(const store::AdmitResult& r);

}  // namespace llmctl::gateway
