// The resilience, admin and reload parts of the gateway config.
#include <gtest/gtest.h>

#include "gateway/config.h"
#include "test_env.h"

namespace llmctl::gateway {
namespace {

using testing::embedded_catalog;
using testing::FakeEnvironment;

Result<Config> parse(const std::string& yaml, const FakeEnvironment& env = {}) {
  return parse_config(yaml, "gw.yaml", embedded_catalog(), env);
}

const char* kResilient = R"(admin:
  listen: 127.0.0.1:0
  token_env: ADMIN_TOKEN
reload: {watch: false, interval_ms: 200}
limits: {min_timeout_ms: 50}
models:
  - name: small
    routing: prefix
    affinity: {prefix_chars: 512, load_factor: 1.5}
    max_attempts: 3
    breaker: {consecutive_failures: 3, failure_rate: 0.4, min_requests: 10, cooldown_ms: 700}
    retry: {backoff_base_ms: 10, budget_ratio: 0.1, budget_min_per_s: 1}
    fallbacks: [big]
    context_window_fallbacks: [long]
    deployments:
      - provider: simulated
        name: s1
      - provider: openai-compatible
        name: s2
        base_url: http://127.0.0.1:9/v1
        model: m
        price: none
        health_check: {interval_ms: 1000, timeout_ms: 300, path: /health}
  - name: big
    routing: least_outstanding
    deployments:
      - provider: simulated
  - name: long
    deployments:
      - provider: simulated
)";

TEST(ConfigResilience, ParsesEveryBlock) {
  FakeEnvironment env;
  env.vars["ADMIN_TOKEN"] = "0123456789abcdef-token";
  auto c = parse(kResilient, env);
  ASSERT_TRUE(c) << c.error().message;
  const ModelGroup& g = c->models[0];
  EXPECT_EQ(g.routing, RoutingStrategy::kPrefix);
  EXPECT_EQ(g.affinity.prefix_chars, 512);
  EXPECT_DOUBLE_EQ(g.affinity.load_factor, 1.5);
  EXPECT_EQ(g.retry.backoff_base_ms, 10);
  EXPECT_DOUBLE_EQ(g.retry.budget_ratio, 0.1);
  EXPECT_EQ(g.fallback_groups, (std::vector<int>{1}));
  EXPECT_EQ(g.context_groups, (std::vector<int>{2}));
  ASSERT_TRUE(g.policy);
  EXPECT_EQ(g.policy->strategy(), RoutingStrategy::kPrefix);
  EXPECT_EQ(g.policy->members().size(), 2u);
  for (int d : g.deployments) {
    EXPECT_EQ(c->deployments[static_cast<std::size_t>(d)].breaker.consecutive_failures, 3);
    EXPECT_EQ(c->deployments[static_cast<std::size_t>(d)].breaker.cooldown_ms, 700);
  }
  EXPECT_EQ(c->deployments[1].health_check.interval_ms, 1000);
  EXPECT_EQ(c->deployments[1].health_check.path, "/health");
  EXPECT_EQ(c->models[1].routing, RoutingStrategy::kLeastOutstanding);
  EXPECT_EQ(c->models[1].policy->strategy(), RoutingStrategy::kLeastOutstanding);
  EXPECT_EQ(c->admin.host, "127.0.0.1");
  EXPECT_EQ(c->admin.token, "0123456789abcdef-token");
  EXPECT_FALSE(c->reload.watch);
  EXPECT_EQ(c->reload.interval_ms, 200);
  EXPECT_EQ(c->min_timeout_ms, 50);
}

void expect_error(const std::string& yaml, const std::string& fragment,
                  const FakeEnvironment& env = {}) {
  auto c = parse(yaml, env);
  ASSERT_FALSE(c) << "expected an error containing: " << fragment;
  EXPECT_NE(c.error().message.find(fragment), std::string::npos) << c.error().message;
}

TEST(ConfigResilience, ErrorsNameLineAndField) {
  expect_error(R"(models:
  - name: a
    routing: fastest
    deployments: [{provider: simulated}]
)",
               "gw.yaml:3:14: models[0].routing: expected one of weighted");
  expect_error(R"(models:
  - name: a
    fallbacks: [nope]
    deployments: [{provider: simulated}]
)",
               "gw.yaml:3:17: models[0].fallbacks: no model group named \"nope\"");
  expect_error(R"(models:
  - name: chat
    fallbacks: [chta-big]
    deployments: [{provider: simulated}]
  - name: chat-big
    deployments: [{provider: simulated}]
)",
               "gw.yaml:3:17: models[0].fallbacks: no model group named \"chta-big\"; did you mean "
               "'chat-big'? expected one of chat, chat-big");
  expect_error(R"(models:
  - name: a
    context_window_fallbacks: [a]
    deployments: [{provider: simulated}]
)",
               "models[0].context_window_fallbacks: \"a\" names its own group");
  expect_error(R"(models:
  - name: a
    breaker: {failure_rate: 2}
    deployments: [{provider: simulated}]
)",
               "models[0].breaker.failure_rate: must be between 0 and 1");
  expect_error(R"(models:
  - name: a
    retry: {backoff: 1}
    deployments: [{provider: simulated}]
)",
               "models[0].retry.backoff: unknown field");
  expect_error(R"(admin: {listen: 127.0.0.1:0, token_env: NOPE}
models:
  - name: a
    deployments: [{provider: simulated}]
)",
               "admin.token_env: environment variable NOPE is not set");
  FakeEnvironment env;
  env.vars["SHORT"] = "abc";
  expect_error(R"(admin: {listen: 127.0.0.1:0, token_env: SHORT}
models:
  - name: a
    deployments: [{provider: simulated}]
)",
               "at least 16 characters", env);
  expect_error(R"(admin: {listen: nowhere}
models:
  - name: a
    deployments: [{provider: simulated}]
)",
               "admin.listen: expected \"HOST:PORT\"");
  expect_error(R"(models:
  - name: a
    deployments:
      - provider: simulated
        health_check: {interval_ms: 100}
)",
               "health_check: not used by provider simulated");
}

}  // namespace
}  // namespace llmctl::gateway
