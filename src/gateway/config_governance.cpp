// The `governance:` block of the gateway config (governance_config.h). Read after the model
// groups, so model and deployment names can be checked against them.
#include "gateway/config_governance.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/strings.h"
#include "store/redis.h"

namespace llmctl::gateway {

std::string_view store_kind_name(StoreKind k) {
  return k == StoreKind::kRedis ? "redis" : "sqlite";
}
std::string_view fail_mode_name(FailMode m) { return m == FailMode::kOpen ? "open" : "closed"; }

namespace yaml {

namespace {

// rpm, tpm, max_parallel and (with `budgets`) budget_usd, soft_budget_usd, budget_period.
ScopeLimits read_scope(Fields& s, bool budgets) {
  ScopeLimits out;
  out.limits.rpm = s.integer("rpm", 0, 0);
  out.limits.tpm = s.integer("tpm", 0, 0);
  out.limits.max_parallel = s.integer("max_parallel", 0, 0);
  if (budgets) {
    const double hard = s.num("budget_usd", 0, 0);
    const double soft = s.num("soft_budget_usd", 0, 0);
    if (hard > 0 && soft > hard)
      s.fail(s.get("soft_budget_usd"), "soft_budget_usd",
             fmt::format("must not exceed budget_usd ({})", hard));
    out.budget.hard = store::usd_to_nanos(hard);
    out.budget.soft = store::usd_to_nanos(soft);
    const std::string period =
        s.one_of("budget_period", {"day", "week", "month", "total"}, "month");
    out.budget.period = *store::parse_period(period);
  }
  s.finish();
  return out;
}

// A map of name -> scope settings; with `known`, names must be among them.
void read_scopes(Fields& g, const std::string& key, bool budgets,
                 std::map<std::string, ScopeLimits>& out, const std::vector<std::string>* known,
                 const char* what) {
  YAML::Node n = g.get(key);
  if (!n.IsDefined()) return;
  if (!n.IsMap()) g.fail(n, key, fmt::format("expected a map of {} names to limits", what));
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string name = it->first.as<std::string>();
    if (known && std::find(known->begin(), known->end(), name) == known->end()) {
      std::string hint = llmctl::closest(name, *known);
      g.fail(it->first, key + "." + name,
             fmt::format("no {} named \"{}\" in this config{}", what, name,
                         hint.empty() ? "" : fmt::format("; did you mean '{}'?", hint)));
    }
    Fields s(g.file(), it->second, g.path(key) + "." + name);
    out[name] = read_scope(s, budgets);
  }
}

}  // namespace

void read_governance(Fields& f, Config& c, const Environment& env) {
  auto gv = f.map("governance");
  if (!gv) return;
  Fields& g = *gv;
  GovernanceConfig& o = c.governance;
  o.store = g.one_of("store", {"sqlite", "redis"}, "sqlite") == "redis" ? StoreKind::kRedis
                                                                        : StoreKind::kSqlite;
  YAML::Node url = g.get("redis_url");
  YAML::Node url_env = g.get("redis_url_env");
  if (o.store == StoreKind::kRedis) {
    if (url.IsDefined() == url_env.IsDefined())
      g.fail(g.node(), "redis_url", "store: redis needs exactly one of redis_url or redis_url_env");
    if (url.IsDefined()) {
      o.redis_url = g.str("redis_url");
    } else {
      const std::string name = g.str("redis_url_env");
      auto v = env.get(name);
      if (!v || trim(*v).empty())
        g.fail(url_env, "redis_url_env", fmt::format("environment variable {} is not set", name));
      o.redis_url = trim(*v);
    }
    if (auto parsed = store::parse_redis_url(o.redis_url); !parsed)
      g.fail(url.IsDefined() ? url : url_env, url.IsDefined() ? "redis_url" : "redis_url_env",
             parsed.error().message);
    o.redis_prefix = g.str("redis_prefix", o.redis_prefix);
    if (o.redis_prefix.empty()) g.fail(g.get("redis_prefix"), "redis_prefix", "must not be empty");
  } else {
    for (const char* k : {"redis_url", "redis_url_env", "redis_prefix"})
      if (g.has(k)) g.fail(g.get(k), k, "only applies to store: redis");
    o.sqlite_path = g.str("path", "");
  }
  if (o.store == StoreKind::kRedis && g.has("path"))
    g.fail(g.get("path"), "path", "only applies to store: sqlite");
  o.timeout_ms = static_cast<int>(g.integer("timeout_ms", o.timeout_ms, 1, 60000));
  o.lease_ms = g.integer("lease_ms", o.lease_ms, 1000);
  if (auto fm = g.map("fail_mode")) {
    auto mode = [&](const char* key, FailMode fallback) {
      return fm->one_of(key, {"open", "closed"}, std::string(fail_mode_name(fallback))) == "open"
                 ? FailMode::kOpen
                 : FailMode::kClosed;
    };
    o.limits_fail = mode("limits", o.limits_fail);
    o.budgets_fail = mode("budgets", o.budgets_fail);
    fm->finish();
  }
  if (g.has("require_keys"))
    o.require_keys = g.boolean("require_keys", false) ? RequireKeys::kAlways : RequireKeys::kNever;
  o.sync_interval_ms =
      static_cast<int>(g.integer("sync_interval_ms", o.sync_interval_ms, 10, 1000));
  if (auto r = g.map("reserve")) {
    o.reserve_output_tokens = r->integer("output_tokens", o.reserve_output_tokens, 1);
    o.reserve_image_tokens = r->integer("image_tokens", o.reserve_image_tokens, 0);
    r->finish();
  }
  if (auto a = g.map("alerts")) {
    o.alert_webhook = a->str("webhook_url", "");
    if (!o.alert_webhook.empty())
      if (auto u = parse_url(o.alert_webhook); !u)
        a->fail(a->get("webhook_url"), "webhook_url", u.error().message);
    a->finish();
  }
  std::vector<std::string> models;
  for (const auto& m : c.models) models.push_back(m.name);
  read_scopes(g, "teams", true, o.teams, nullptr, "team");
  read_scopes(g, "users", true, o.users, nullptr, "user");
  read_scopes(g, "agents", true, o.agents, nullptr, "agent");
  read_scopes(g, "models", false, o.models, &models, "model group");
  // Deployments: rate limits only (budgets belong to who spends: keys, teams, users, agents).
  // Checked per attempt, when the planner picks the deployment (governance_admission.h).
  std::vector<std::string> deployments;
  for (const auto& d : c.deployments) deployments.push_back(d.name);
  read_scopes(g, "deployments", false, o.deployments, &deployments, "deployment");
  g.finish();
}

}  // namespace yaml
}  // namespace llmctl::gateway
