// The pure governance pieces: key lookup and authentication, attribution, scopes, the worst case
// reserved on budgets, refusals and rate-limit headers, the governance config block, and the keys
// API format.
#include "gateway/governance.h"

#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "catalog/cost.h"
#include "gateway/governance_admission.h"
#include "gateway/governance_stages.h"
#include "gateway/keys_api.h"
#include "test_env.h"

namespace llmctl::gateway {
namespace {

namespace json = boost::json;
using store::KeyRecord;

struct Made {
  KeyRecord record;
  std::string secret;
};

Made key(const std::string& id, std::int64_t revoked = 0) {
  Made m;
  auto s = store::make_secret(store::system_random());
  m.secret = s.secret;
  m.record.id = id;
  m.record.name = id;
  m.record.hash = s.hash;
  m.record.hint = s.hint;
  m.record.revoked_ms = revoked;
  return m;
}

TEST(KeyTable, FindsBySecretOnly) {
  Made a = key("a"), b = key("b");
  KeyTable t({a.record, b.record}, 7);
  EXPECT_EQ(t.version(), 7);
  ASSERT_NE(t.find(a.secret), nullptr);
  EXPECT_EQ(t.find(a.secret)->id, "a");
  EXPECT_EQ(t.find(b.secret)->id, "b");
  EXPECT_EQ(t.find(store::make_secret(store::system_random()).secret), nullptr);
  EXPECT_EQ(t.find(a.record.hash), nullptr);  // the stored digest is not a credential
  EXPECT_TRUE(t.any_usable(0));
  KeyTable revoked({key("c", 5).record}, 1);
  EXPECT_FALSE(revoked.any_usable(10));
  EXPECT_FALSE(KeyTable().any_usable(0));
}

TEST(Authenticate, NoKeysNeededUntilOneExists) {
  const KeyTable empty;
  auto r = authenticate(empty, RequireKeys::kUntilKeyExists, "", "m", 0);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.key, nullptr);
  // An SDK's placeholder key (not ours) is no key.
  EXPECT_EQ(authenticate(empty, RequireKeys::kUntilKeyExists, "sk-test", "m", 0).status, 0);
  auto always = authenticate(empty, RequireKeys::kAlways, "", "m", 0);
  EXPECT_EQ(always.status, 401);
  EXPECT_EQ(always.failure, AuthFailure::kMissing);
  EXPECT_NE(always.body.find("invalid_api_key"), std::string::npos);

  Made a = key("a");
  const KeyTable one({a.record}, 1);
  EXPECT_EQ(authenticate(one, RequireKeys::kUntilKeyExists, "", "m", 0).failure,
            AuthFailure::kMissing);
  EXPECT_EQ(authenticate(one, RequireKeys::kUntilKeyExists, "sk-proj-123", "m", 0).failure,
            AuthFailure::kInvalid);
  EXPECT_EQ(authenticate(one, RequireKeys::kNever, "", "m", 0).status, 0);
  auto ok = authenticate(one, RequireKeys::kUntilKeyExists, a.secret, "m", 0);
  ASSERT_NE(ok.key, nullptr);
  EXPECT_EQ(ok.key->id, "a");
  // An unknown llmctl key is refused even when keys are optional.
  auto unknown = authenticate(one, RequireKeys::kNever,
                              store::make_secret(store::system_random()).secret, "m", 0);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.failure, AuthFailure::kInvalid);
}

TEST(Authenticate, RevokedExpiredAndModels) {
  Made r = key("r", 100), e = key("e"), m = key("m");
  e.record.expires_ms = 50;
  m.record.models = {"gpt-4o-mini"};
  const KeyTable t({r.record, e.record, m.record}, 1);
  auto revoked = authenticate(t, RequireKeys::kUntilKeyExists, r.secret, "x", 200);
  EXPECT_EQ(revoked.failure, AuthFailure::kRevoked);
  EXPECT_EQ(revoked.status, 401);
  EXPECT_EQ(revoked.message.find(r.secret), std::string::npos);  // never echoes the secret
  EXPECT_EQ(authenticate(t, RequireKeys::kUntilKeyExists, e.secret, "x", 49).status, 0);
  EXPECT_EQ(authenticate(t, RequireKeys::kUntilKeyExists, e.secret, "x", 50).failure,
            AuthFailure::kExpired);
  auto denied = authenticate(t, RequireKeys::kUntilKeyExists, m.secret, "gpt-4o", 0);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.failure, AuthFailure::kModelNotAllowed);
  EXPECT_NE(denied.body.find("model_not_allowed"), std::string::npos);
  EXPECT_EQ(authenticate(t, RequireKeys::kUntilKeyExists, m.secret, "gpt-4o-mini", 0).status, 0);
}

TEST(Authenticate, SecretFromEitherHeader) {
  EXPECT_EQ(presented_secret("Bearer sk-llmctl-x", ""), "sk-llmctl-x");
  EXPECT_EQ(presented_secret("", "sk-llmctl-y"), "sk-llmctl-y");
  EXPECT_EQ(presented_secret("Bearer a", "b"), "a");
  EXPECT_EQ(presented_secret("Basic abc", "b"), "b");
}

// caller_headers reads the fields in one pass; it must say what a lookup per name
// (Beast's operator[]: case-insensitive, the first field of a name) says.
TEST(Attribution, CallerHeadersAsALookupPerNameGivesThem) {
  namespace http = boost::beast::http;
  http::request<http::string_body> req;
  req.set(http::field::host, "gw");
  req.insert("AUTHORIZATION", "Bearer sk-a");
  req.insert("authorization", "Bearer sk-b");  // a second one: the first counts
  req.insert("X-Api-Key", "sk-c");
  req.insert("X-LLMCTL-Team", "web");
  req.insert("x-llmctl-user", "");  // empty first: the later one does not count
  req.insert("x-llmctl-user", "u-2");
  req.insert("x-llmctl-teams", "not-a-team");  // near misses
  req.insert("x-llmctl-", "x");
  req.insert("x-llmctl-agen", "x");
  req.insert("x-llmctl-Project", "atlas");
  req.insert("x-llmctl-agent", "planner");
  req.insert("x-llmctl-session", "run-42");
  req.insert("x-llmctl-tags", "env=dev");
  const CallerHeaders h = caller_headers(req);
  auto lookup = [&](const char* name) {
    auto v = req[name];
    return std::string_view(v.data(), v.size());
  };
  EXPECT_EQ(h.authorization, lookup("authorization"));
  EXPECT_EQ(h.authorization, "Bearer sk-a");
  EXPECT_EQ(h.x_api_key, lookup("x-api-key"));
  EXPECT_EQ(h.x_api_key, "sk-c");
  EXPECT_EQ(h.team, lookup("x-llmctl-team"));
  EXPECT_EQ(h.team, "web");
  EXPECT_EQ(h.user, lookup("x-llmctl-user"));
  EXPECT_EQ(h.user, "");
  EXPECT_EQ(h.project, "atlas");
  EXPECT_EQ(h.agent, "planner");
  EXPECT_EQ(h.session, "run-42");
  EXPECT_EQ(h.tags, "env=dev");
  // None sent: all empty.
  const CallerHeaders none = caller_headers(http::request<http::string_body>{});
  EXPECT_TRUE(none.authorization.empty() && none.x_api_key.empty() && none.team.empty() &&
              none.user.empty() && none.project.empty() && none.agent.empty() &&
              none.session.empty() && none.tags.empty());
}

TEST(Attribution, KeyFirstThenClient) {
  RequestFacts f;
  f.user = "end-user-7";
  f.metadata = {{"feature", "search"}, {"env", "dev"}};
  CallerHeaders h;
  h.agent = "planner";
  h.session = "run-42";
  h.project = "atlas";
  h.team = "web";
  auto none = attribute(nullptr, f, h, {{"env", "staging"}, {"ticket", "T-1"}});
  EXPECT_EQ(none.user, "end-user-7");
  EXPECT_EQ(none.agent, "planner");
  EXPECT_EQ(none.session, "run-42");
  EXPECT_EQ(none.project, "atlas");
  EXPECT_EQ(none.team, "web");
  EXPECT_EQ(none.tags.at("env"), "staging");  // the header over the body
  EXPECT_EQ(none.tags.at("feature"), "search");
  KeyRecord k;
  k.id = "key-1";
  k.name = "app";
  k.team = "search";
  k.agent = "crawler";
  k.tags = {{"env", "prod"}};
  h.session = "";
  auto keyed = attribute(&k, f, h, {{"env", "staging"}});
  EXPECT_EQ(keyed.key_id, "key-1");
  EXPECT_EQ(keyed.team, "search");    // the key's team, not the header's
  EXPECT_EQ(keyed.project, "atlas");  // the key sets none: the header's
  EXPECT_EQ(keyed.session, "");
  EXPECT_EQ(keyed.agent, "crawler");  // a key's agent cannot be claimed away
  EXPECT_EQ(keyed.user, "end-user-7");
  EXPECT_EQ(keyed.tags.at("env"), "prod");
}

TEST(Scopes, KeyAndConfiguredScopes) {
  GovernanceConfig g;
  g.teams["search"].limits.rpm = 100;
  g.users["u1"].budget.hard = 5;
  g.models["gpt-4o"].limits.tpm = 1000;
  g.deployments["oai"].limits.max_parallel = 3;
  g.agents["idle"] = {};  // nothing set: left out
  KeyRecord k;
  k.id = "key-1";
  k.limits.rpm = 10;
  Attribution who;
  who.team = "search";
  who.user = "u1";
  who.agent = "idle";
  auto s = request_scopes(g, who, &k, "gpt-4o", "oai");
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[0].id(), "key:key-1");
  EXPECT_EQ(s[1].id(), "team:search");
  EXPECT_EQ(s[2].id(), "user:u1");
  EXPECT_EQ(s[3].id(), "model:gpt-4o");
  EXPECT_EQ(s[4].id(), "deployment:oai");
  KeyRecord bare;
  bare.id = "k2";
  EXPECT_TRUE(request_scopes(GovernanceConfig{}, Attribution{}, &bare, "m", "d").empty());
}

TEST(WorstCase, BoundsTheRealCost) {
  auto cat = testing::embedded_catalog();
  const catalog::Price* mini = cat->find_price("openai/gpt-4o-mini");
  const catalog::Price* big = cat->find_price("openai/gpt-4o");
  ASSERT_TRUE(mini && big);
  RequestFacts f;
  f.input_tokens_bound = 1000;
  f.max_tokens = 500;
  const store::Nanos one = worst_case_nanos(f, {mini}, 4096);
  catalog::Usage u;
  u.input_tokens = 1000;
  u.output_tokens = 500;
  EXPECT_EQ(one, static_cast<store::Nanos>(std::ceil(catalog::cost_of(*mini, u)->total_usd * 1e9)));
  // The dearest reachable price wins; n multiplies the output.
  EXPECT_GT(worst_case_nanos(f, {mini, big}, 4096), one);
  f.choices = 3;
  EXPECT_GT(worst_case_nanos(f, {mini}, 4096), one);
  // Without max_tokens: the model's max output (16,384 for gpt-4o-mini).
  RequestFacts open;
  open.input_tokens_bound = 1000;
  u.output_tokens = 16384;
  EXPECT_EQ(worst_case_nanos(open, {mini}, 4096),
            static_cast<store::Nanos>(std::ceil(catalog::cost_of(*mini, u)->total_usd * 1e9)));
  EXPECT_EQ(worst_case_nanos(open, {}, 4096), 0);  // nothing priced: nothing to reserve
}

TEST(Refusals, OpenAIShapes) {
  store::Scope key;
  key.kind = store::ScopeKind::kKey;
  key.name = "key-1";
  key.limits.rpm = 60;
  key.budget.hard = store::usd_to_nanos(10);
  store::AdmitResult r;
  r.decision = store::Decision::kRateLimited;
  r.scope = 0;
  r.limit = store::LimitKind::kRequests;
  r.retry_after_ms = 1500;
  Refusal limited = refusal(r, {key});
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.error_class, ErrorClass::kLimitExceeded);
  EXPECT_EQ(limited.retry_after, "2");
  EXPECT_EQ(limited.retry_after_ms, "1500");
  EXPECT_TRUE(limited.should_retry);
  auto body = json::parse(limited.body).as_object().at("error").as_object();
  EXPECT_EQ(body.at("code"), "rate_limit_exceeded");
  EXPECT_EQ(body.at("type"), "requests");
  EXPECT_NE(std::string(body.at("message").as_string()).find("Limit 60"), std::string::npos);
  r.decision = store::Decision::kOverBudget;
  r.limit = store::LimitKind::kBudget;
  Refusal quota = refusal(r, {key});
  EXPECT_EQ(quota.status, 429);
  EXPECT_FALSE(quota.should_retry);
  body = json::parse(quota.body).as_object().at("error").as_object();
  EXPECT_EQ(body.at("code"), "insufficient_quota");
  EXPECT_EQ(body.at("type"), "insufficient_quota");
  Refusal down = store_unavailable("redis 127.0.0.1:1/0: not connected");
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(down.error_class, ErrorClass::kGovernanceUnavailable);
}

TEST(Refusals, RateLimitHeaders) {
  store::AdmitResult r;
  r.requests = {60, 59, 1000};
  auto h = rate_limit_headers(r);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0], (std::pair<std::string, std::string>{"x-ratelimit-limit-requests", "60"}));
  EXPECT_EQ(h[1].second, "59");
  EXPECT_EQ(h[2].second, "1s");
  r.tokens = {1000, -5, 60000};
  h = rate_limit_headers(r);
  ASSERT_EQ(h.size(), 6u);
  EXPECT_EQ(h[4].second, "0");  // never negative
  EXPECT_EQ(h[5].second, "1m0s");
}

// --- the governance: block of the config ---

Result<Config> parse(const std::string& governance, testing::FakeEnvironment env = {}) {
  std::string y =
      "models:\n"
      "  - name: m\n"
      "    deployments:\n"
      "      - provider: simulated\n"
      "        name: sim\n" +
      governance;
  return parse_config(y, "gw.yaml", testing::embedded_catalog(), env);
}

TEST(GovernanceConfig, Defaults) {
  auto c = parse("");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->governance.store, StoreKind::kSqlite);
  EXPECT_EQ(c->governance.limits_fail, FailMode::kOpen);
  EXPECT_EQ(c->governance.budgets_fail, FailMode::kClosed);
  EXPECT_EQ(c->governance.require_keys, RequireKeys::kUntilKeyExists);
}

TEST(GovernanceConfig, FullBlock) {
  testing::FakeEnvironment env;
  env.vars["REDIS_URL"] = "redis://127.0.0.1:6390/1";
  auto c = parse(
      "governance:\n"
      "  store: redis\n"
      "  redis_url_env: REDIS_URL\n"
      "  fail_mode: {limits: closed, budgets: open}\n"
      "  require_keys: true\n"
      "  teams:\n"
      "    search: {rpm: 600, budget_usd: 50, soft_budget_usd: 40, budget_period: week}\n"
      "  models:\n"
      "    m: {tpm: 100000}\n",
      env);
  ASSERT_TRUE(c) << c.error().message;
  const GovernanceConfig& g = c->governance;
  EXPECT_EQ(g.store, StoreKind::kRedis);
  EXPECT_EQ(g.redis_url, "redis://127.0.0.1:6390/1");
  EXPECT_EQ(g.limits_fail, FailMode::kClosed);
  EXPECT_EQ(g.budgets_fail, FailMode::kOpen);
  EXPECT_EQ(g.require_keys, RequireKeys::kAlways);
  EXPECT_EQ(g.teams.at("search").limits.rpm, 600);
  EXPECT_EQ(g.teams.at("search").budget.hard, store::usd_to_nanos(50));
  EXPECT_EQ(g.teams.at("search").budget.period, store::Period::kWeek);
  EXPECT_EQ(g.models.at("m").limits.tpm, 100000);
  auto per_deployment =
      parse("governance:\n  deployments:\n    sim: {rpm: 30, tpm: 5000, max_parallel: 8}\n");
  ASSERT_TRUE(per_deployment) << per_deployment.error().message;
  const ScopeLimits& sim = per_deployment->governance.deployments.at("sim");
  EXPECT_EQ(sim.limits.rpm, 30);
  EXPECT_EQ(sim.limits.tpm, 5000);
  EXPECT_EQ(sim.limits.max_parallel, 8);
  EXPECT_FALSE(sim.budget.any());
}

TEST(GovernanceConfig, DeploymentLimitsNameRealDeployments) {
  auto unknown = parse("governance:\n  deployments:\n    simm: {rpm: 1}\n");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("governance.deployments.simm"), std::string::npos)
      << unknown.error().message;
  EXPECT_NE(unknown.error().message.find("did you mean 'sim'"), std::string::npos)
      << unknown.error().message;
  // Budgets belong to who spends (keys, teams, users, agents), not to a deployment.
  auto budget = parse("governance:\n  deployments:\n    sim: {budget_usd: 5}\n");
  ASSERT_FALSE(budget);
  EXPECT_NE(budget.error().message.find("budget_usd"), std::string::npos) << budget.error().message;
}

TEST(DeploymentAdmission, OnlyTheDeploymentsOwnScope) {
  auto c = parse(
      "governance:\n  teams:\n    t: {rpm: 5}\n  deployments:\n    sim: {rpm: 3, tpm: 900}\n");
  ASSERT_TRUE(c) << c.error().message;
  RequestContext ctx;
  ctx.model = "m";
  ctx.group = c->find_model("m");
  ctx.who.team = "t";
  ctx.facts.max_tokens = 100;
  ctx.prompt_chars = 40;
  // The request's own admission has the team, not the deployment.
  store::Admission req = admission_for(*c, ctx, "r1", 1000);
  ASSERT_EQ(req.scopes.size(), 1u);
  EXPECT_EQ(req.scopes[0].id(), "team:t");
  // Each attempt's: the deployment alone, with the request's tokens for tpm.
  store::Admission a = deployment_admission(*c, ctx, 0, "r1.1", 1000);
  ASSERT_EQ(a.scopes.size(), 1u);
  EXPECT_EQ(a.scopes[0].id(), "deployment:sim");
  EXPECT_EQ(a.scopes[0].limits.rpm, 3);
  EXPECT_EQ(a.request_id, "r1.1");
  EXPECT_EQ(a.tokens, admission_tokens(ctx.facts, ctx.prompt_chars));
  EXPECT_EQ(a.reserve, 0);
  // A deployment without limits: nothing to check.
  auto plain = parse("governance:\n  teams:\n    t: {rpm: 5}\n");
  ASSERT_TRUE(plain);
  EXPECT_TRUE(deployment_admission(*plain, ctx, 0, "r1.1", 1000).scopes.empty());
}

TEST(GovernanceConfig, ErrorsNamePlaceAndField) {
  auto bad_model = parse("governance:\n  models:\n    gpt-5: {rpm: 1}\n");
  ASSERT_FALSE(bad_model);
  EXPECT_NE(bad_model.error().message.find("gw.yaml:8:"), std::string::npos)
      << bad_model.error().message;
  EXPECT_NE(bad_model.error().message.find("governance.models.gpt-5"), std::string::npos);
  auto no_url = parse("governance:\n  store: redis\n");
  ASSERT_FALSE(no_url);
  EXPECT_NE(no_url.error().message.find("redis_url"), std::string::npos);
  auto typo = parse("governance:\n  teams:\n    a: {rmp: 5}\n");
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().message.find("did you mean 'rpm'"), std::string::npos)
      << typo.error().message;
  auto budget_on_model = parse("governance:\n  models:\n    m: {budget_usd: 5}\n");
  ASSERT_FALSE(budget_on_model);
  auto soft = parse("governance:\n  teams:\n    a: {budget_usd: 5, soft_budget_usd: 6}\n");
  ASSERT_FALSE(soft);
  EXPECT_NE(soft.error().message.find("soft_budget_usd"), std::string::npos);
  auto url = parse("governance:\n  store: redis\n  redis_url: http://x\n");
  ASSERT_FALSE(url);
  EXPECT_NE(url.error().message.find("governance.redis_url"), std::string::npos);
}

// --- keys API ---

TEST(KeysApi, FieldsRoundTrip) {
  auto f = key_fields_from_api(json::parse(R"({"name":"a","team":"t","models":["m"],"rpm":5,
      "budget_usd":2.5,"budget_period":"day","expires":"2030-01-02","tags":{"env":"prod"}})")
                                   .as_object());
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(*f->name, "a");
  EXPECT_EQ(*f->rpm, 5);
  EXPECT_EQ(*f->budget, 2'500'000'000);
  EXPECT_EQ(*f->budget_period, store::Period::kDay);
  EXPECT_EQ(*f->expires_ms, 1893542400000);
  KeyRecord k;
  k.id = "key-1";
  k.name = "a";
  k.hash = "deadbeef";
  k.budget.hard = 2'500'000'000;
  k.expires_ms = 1893542400000;
  json::object o = key_to_api(k, 0);
  EXPECT_EQ(o.at("expires"), "2030-01-02T00:00:00Z");
  EXPECT_EQ(o.at("budget_usd").as_double(), 2.5);
  EXPECT_EQ(o.at("status"), "active");
  EXPECT_FALSE(o.contains("hash"));
  EXPECT_EQ(json::serialize(o).find("deadbeef"), std::string::npos);
  EXPECT_EQ(key_to_api(k, 1893542400000).at("status"), "expired");
}

TEST(KeysApi, BadFieldsNameTheField) {
  auto typo = key_fields_from_api(json::parse(R"({"nmae":"a"})").as_object());
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().message.find("did you mean 'name'"), std::string::npos);
  auto neg = key_fields_from_api(json::parse(R"({"rpm":-1})").as_object());
  ASSERT_FALSE(neg);
  EXPECT_NE(neg.error().message.find("rpm"), std::string::npos);
  EXPECT_FALSE(parse_expiry("2030-02-30"));
  EXPECT_FALSE(parse_expiry("tomorrow"));
  EXPECT_EQ(*parse_expiry("never"), 0);
  EXPECT_EQ(*parse_expiry("2030-01-02T03:04:05Z"), 1893542400000 + 11045000);
}

TEST(KeysApi, StoreSettingsWithoutTheRestOfTheConfig) {
  testing::FakeEnvironment env;
  auto s = read_store_settings(
      "logging: {request_log: {path: /tmp/x.db}}\nmodels:\n  - name: m\n    deployments:\n"
      "      - {provider: openai, api_key_env: NOT_SET}\n",
      "gw.yaml", env);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->kind, StoreKind::kSqlite);
  EXPECT_EQ(s->sqlite_path, "/tmp/x.db");
  env.vars["R"] = "redis://h:1";
  auto r = read_store_settings("governance: {store: redis, redis_url_env: R}\n", "gw.yaml", env);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->redis_url, "redis://h:1");
  EXPECT_FALSE(read_store_settings("governance: {store: redis}\n", "gw.yaml", env));
}

}  // namespace
}  // namespace llmctl::gateway
