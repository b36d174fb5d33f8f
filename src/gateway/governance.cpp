#include "gateway/governance.h"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "catalog/cost.h"

namespace llmctl::gateway {

namespace {

// The raw digest from its hex form (stores keep hex).
std::string unhex(std::string_view hex) {
  std::string out(hex.size() / 2, '\0');
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 0;
  };
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<char>(nib(hex[2 * i]) << 4 | nib(hex[2 * i + 1]));
  return out;
}

std::uint64_t prefix_of(std::string_view raw) {
  std::uint64_t p = 0;
  std::memcpy(&p, raw.data(), std::min<std::size_t>(8, raw.size()));
  return p;
}

std::string error_json(std::string_view message, std::string_view type, std::string_view code) {
  return openai_error_body(message, type, {}, code);
}

std::string money(store::Nanos n) { return fmt::format("${:.2f}", store::nanos_to_usd(n)); }

std::string scope_label(const store::Scope& s) {
  if (s.kind == store::ScopeKind::kKey) return fmt::format("key {}", s.name);
  return fmt::format("{} {}", store::scope_kind_name(s.kind), s.name);
}

}  // namespace

KeyTable::KeyTable(std::vector<store::KeyRecord> keys, std::int64_t version)
    : keys_(std::move(keys)), version_(version) {
  digests_.reserve(keys_.size());
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    digests_.push_back(unhex(keys_[i].hash));
    by_prefix_.emplace(prefix_of(digests_.back()), i);
  }
}

const store::KeyRecord* KeyTable::find(std::string_view secret) const {
  if (keys_.empty()) return nullptr;
  const std::string raw = unhex(store::hash_secret(secret));
  auto [lo, hi] = by_prefix_.equal_range(prefix_of(raw));
  for (auto it = lo; it != hi; ++it)
    if (store::digests_equal(digests_[it->second], raw)) return &keys_[it->second];
  return nullptr;
}

bool KeyTable::any_usable(std::int64_t now_ms) const {
  return std::any_of(keys_.begin(), keys_.end(),
                     [&](const store::KeyRecord& k) { return !k.revoked() && !k.expired(now_ms); });
}

std::string_view auth_failure_name(AuthFailure f) {
  switch (f) {
    case AuthFailure::kNone:
      return "none";
    case AuthFailure::kMissing:
      return "missing";
    case AuthFailure::kInvalid:
      return "invalid";
    case AuthFailure::kRevoked:
      return "revoked";
    case AuthFailure::kExpired:
      return "expired";
    case AuthFailure::kModelNotAllowed:
      return "model_not_allowed";
  }
  return "none";
}

std::string_view presented_secret(std::string_view authorization, std::string_view x_api_key) {
  if (authorization.size() > 7 &&
      (authorization.substr(0, 7) == "Bearer " || authorization.substr(0, 7) == "bearer "))
    return authorization.substr(7);
  return x_api_key;
}

AuthResult authenticate(const KeyTable& table, RequireKeys mode, std::string_view secret,
                        std::string_view model, std::int64_t now_ms) {
  AuthResult r;
  auto refuse = [&](AuthFailure f, std::string message) {
    r.failure = f;
    r.status = 401;
    r.message = std::move(message);
    r.body = error_json(r.message, "invalid_request_error", "invalid_api_key");
    return r;
  };
  if (!store::looks_like_key(secret)) {
    const bool required = mode == RequireKeys::kAlways ||
                          (mode == RequireKeys::kUntilKeyExists && table.any_usable(now_ms));
    if (!required) return r;
    if (secret.empty())
      return refuse(AuthFailure::kMissing,
                    "Missing API key: send an llmctl key (sk-llmctl-...) as Authorization: "
                    "Bearer or x-api-key.");
    return refuse(AuthFailure::kInvalid,
                  "Incorrect API key provided: this gateway takes llmctl keys (sk-llmctl-...); "
                  "create one with `llmctl keys create`.");
  }
  const store::KeyRecord* k = table.find(secret);
  const std::string hint = fmt::format("sk-llmctl-...{}", secret.substr(secret.size() - 4));
  if (!k)
    return refuse(AuthFailure::kInvalid, fmt::format("Incorrect API key provided: {}.", hint));
  if (k->revoked())
    return refuse(AuthFailure::kRevoked, fmt::format("The API key {} was revoked.", hint));
  if (k->expired(now_ms))
    return refuse(AuthFailure::kExpired, fmt::format("The API key {} has expired.", hint));
  if (!k->allows_model(model)) {
    r.failure = AuthFailure::kModelNotAllowed;
    r.status = 403;
    r.message = fmt::format("The API key {} is not allowed to use the model `{}`.", hint, model);
    r.body = openai_error_body(r.message, "invalid_request_error", "model", "model_not_allowed");
    return r;
  }
  r.key = k;
  return r;
}

Attribution attribute(const store::KeyRecord* key, const RequestFacts& facts,
                      const CallerHeaders& h,
                      const std::map<std::string, std::string>& header_tags) {
  Attribution a;
  a.tags = facts.metadata;
  for (const auto& [k, v] : header_tags) a.tags[k] = v;
  a.user = h.user.empty() ? facts.user : std::string(h.user);
  a.team = std::string(h.team);
  a.project = std::string(h.project);
  a.agent = std::string(h.agent);
  a.session = std::string(h.session);
  if (key) {
    a.key_id = key->id;
    a.key_name = key->name;
    if (!key->team.empty()) a.team = key->team;
    if (!key->user.empty()) a.user = key->user;
    if (!key->project.empty()) a.project = key->project;
    if (!key->agent.empty()) a.agent = key->agent;
    for (const auto& [k, v] : key->tags) a.tags[k] = v;
  }
  return a;
}

std::vector<store::Scope> request_scopes(const GovernanceConfig& g, const Attribution& who,
                                         const store::KeyRecord* key, std::string_view model,
                                         std::string_view deployment) {
  std::vector<store::Scope> out;
  if (key) {
    store::Scope s = key->scope();
    if (s.active()) out.push_back(std::move(s));
  }
  auto add = [&](store::ScopeKind kind, const std::map<std::string, ScopeLimits>& from,
                 const std::string& name) {
    if (name.empty()) return;
    auto it = from.find(name);
    if (it == from.end()) return;
    store::Scope s;
    s.kind = kind;
    s.name = name;
    s.limits = it->second.limits;
    s.budget = it->second.budget;
    if (s.active()) out.push_back(std::move(s));
  };
  add(store::ScopeKind::kTeam, g.teams, who.team);
  add(store::ScopeKind::kUser, g.users, who.user);
  add(store::ScopeKind::kAgent, g.agents, who.agent);
  add(store::ScopeKind::kModel, g.models, std::string(model));
  add(store::ScopeKind::kDeployment, g.deployments, std::string(deployment));
  return out;
}

store::Nanos worst_case_nanos(const RequestFacts& facts,
                              const std::vector<const catalog::Price*>& prices,
                              long long fallback_output) {
  double worst = 0;
  for (const catalog::Price* p : prices) {
    if (!p) continue;
    long long output = fallback_output;
    if (facts.max_tokens)
      output = *facts.max_tokens;
    else if (p->max_output_tokens > 0)
      output = p->max_output_tokens;
    output *= std::max<long long>(facts.choices, 1);
    catalog::Usage u;
    u.input_tokens = facts.input_tokens_bound;
    u.output_tokens = output;
    double cost = 0;
    if (auto c = catalog::cost_of(*p, u)) cost = c->total_usd;
    // Cache writes can cost more than plain input (Anthropic: 1.25x): price the input so too.
    if (p->cache_write_usd_per_mtok && *p->cache_write_usd_per_mtok > p->input_usd_per_mtok) {
      u.cache_write_tokens = u.input_tokens;
      if (auto c = catalog::cost_of(*p, u)) cost = std::max(cost, c->total_usd);
    }
    worst = std::max(worst, cost);
  }
  // Rounded up to the nano-dollar, so rounding never lets the real cost pass the reservation.
  return static_cast<store::Nanos>(std::ceil(worst * 1e9));
}

long long admission_tokens(const RequestFacts& facts, std::size_t prompt_chars) {
  long long t = estimate_tokens(prompt_chars);
  if (facts.max_tokens) t += *facts.max_tokens * std::max<long long>(facts.choices, 1);
  return t;
}

std::vector<const catalog::Price*> reachable_prices(const Config& c, const ModelGroup& group) {
  std::vector<const catalog::Price*> out;
  std::vector<const ModelGroup*> todo{&group}, seen;
  while (!todo.empty()) {
    const ModelGroup* g = todo.back();
    todo.pop_back();
    if (std::find(seen.begin(), seen.end(), g) != seen.end()) continue;
    seen.push_back(g);
    for (int d : g->deployments) {
      const catalog::Price* p = c.deployments[static_cast<std::size_t>(d)].price;
      if (p && std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
    }
    for (int f : g->fallback_groups) todo.push_back(&c.models[static_cast<std::size_t>(f)]);
    for (int f : g->context_groups) todo.push_back(&c.models[static_cast<std::size_t>(f)]);
  }
  return out;
}

Refusal refusal(const store::AdmitResult& r, const std::vector<store::Scope>& scopes) {
  Refusal out;
  const store::Scope* s = r.scope >= 0 && static_cast<std::size_t>(r.scope) < scopes.size()
                              ? &scopes[r.scope]
                              : nullptr;
  const std::string who = s ? scope_label(*s) : "this request";
  if (r.decision == store::Decision::kOverBudget) {
    out.error_class = ErrorClass::kBudgetExceeded;
    out.should_retry = false;
    out.message = s ? fmt::format(
                          "You exceeded your current quota: the budget of {} is {} per {} and this "
                          "request's worst case does not fit in what is left (spent and reserved "
                          "count). Raise the budget or wait for the next period.",
                          who, money(s->budget.hard), store::period_name(s->budget.period))
                    : "You exceeded your current quota.";
    out.body = error_json(out.message, "insufficient_quota", "insufficient_quota");
    return out;
  }
  out.error_class = ErrorClass::kLimitExceeded;
  const double wait_s = static_cast<double>(std::max<std::int64_t>(r.retry_after_ms, 0)) / 1000.0;
  std::string limit = "requests";
  if (s) {
    switch (r.limit) {
      case store::LimitKind::kRequests:
        limit = fmt::format("requests per min (RPM): Limit {}", s->limits.rpm);
        break;
      case store::LimitKind::kTokens:
        limit = fmt::format("tokens per min (TPM): Limit {}", s->limits.tpm);
        break;
      case store::LimitKind::kParallel:
        limit = fmt::format("requests in flight: Limit {}", s->limits.max_parallel);
        break;
      case store::LimitKind::kBudget:
        limit = fmt::format("its budget ({} per {}), whose room is reserved by requests in flight",
                            money(s->budget.hard), store::period_name(s->budget.period));
        break;
      default:
        break;
    }
  }
  out.message = fmt::format("Rate limit reached for {} on {}. Please try again in {}.", who, limit,
                            store::format_reset(r.retry_after_ms));
  out.body = error_json(out.message, r.limit == store::LimitKind::kTokens ? "tokens" : "requests",
                        "rate_limit_exceeded");
  out.retry_after = std::to_string(static_cast<long long>(std::ceil(wait_s)));
  out.retry_after_ms = std::to_string(std::max<std::int64_t>(r.retry_after_ms, 0));
  return out;
}

Refusal store_unavailable(const std::string& why) {
  Refusal out;
  out.status = 503;
  out.error_class = ErrorClass::kGovernanceUnavailable;
  out.message = fmt::format(
      "The gateway cannot check this request's budget or limits right now ({}); it refuses "
      "rather than risk overspending (governance.fail_mode).",
      why);
  out.body = error_json(out.message, "server_error", "governance_unavailable");
  out.retry_after = "1";
  out.retry_after_ms = "1000";
  return out;
}

std::vector<std::pair<std::string, std::string>> rate_limit_headers(const store::AdmitResult& r) {
  std::vector<std::pair<std::string, std::string>> h;
  if (r.requests.limit > 0) {
    h.emplace_back("x-ratelimit-limit-requests", std::to_string(r.requests.limit));
    h.emplace_back("x-ratelimit-remaining-requests",
                   std::to_string(std::max<std::int64_t>(0, r.requests.remaining)));
    h.emplace_back("x-ratelimit-reset-requests", store::format_reset(r.requests.reset_ms));
  }
  if (r.tokens.limit > 0) {
    h.emplace_back("x-ratelimit-limit-tokens", std::to_string(r.tokens.limit));
    h.emplace_back("x-ratelimit-remaining-tokens",
                   std::to_string(std::max<std::int64_t>(0, r.tokens.remaining)));
    h.emplace_back("x-ratelimit-reset-tokens", store::format_reset(r.tokens.reset_ms));
  }
  return h;
}

}  // namespace llmctl::gateway
