#include "gateway/config.h"

#include <gtest/gtest.h>

#include "test_env.h"

namespace llmctl::gateway {
namespace {

using testing::embedded_catalog;
using testing::FakeEnvironment;

Result<Config> parse(const std::string& yaml, const FakeEnvironment& env = {}) {
  return parse_config(yaml, "gw.yaml", embedded_catalog(), env);
}

const char* kValid = R"(listen: 127.0.0.1:9000
workers: 3
limits:
  max_body_bytes: 2048
logging:
  access_log: false
  request_log:
    path: /tmp/x.db
    retention_days: 7
    max_rows: 100
simulator:
  ttft_ms: 5
models:
  - name: fast
    max_attempts: 3
    deployments:
      - provider: openai
        model: gpt-4o-mini
        api_key_env: OPENAI_API_KEY
        weight: 3
        max_concurrency: 10
        timeouts: {connect_ms: 100, first_byte_ms: 2000}
      - name: local-vllm
        provider: openai-compatible
        base_url: http://10.0.0.5:8000/v1/
        model: meta-llama/Llama-3.1-8B-Instruct
        price: none
        weight: 0
  - name: sim
    deployments:
      - provider: simulated
)";

TEST(GatewayConfig, ParsesAFullConfig) {
  FakeEnvironment env;
  env.vars["OPENAI_API_KEY"] = "sk-test\n";
  auto c = parse(kValid, env);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->host, "127.0.0.1");
  EXPECT_EQ(c->port, 9000);
  EXPECT_EQ(c->workers, 3);
  EXPECT_EQ(c->max_body_bytes, 2048u);
  EXPECT_FALSE(c->access_log);
  EXPECT_EQ(c->request_log.path, "/tmp/x.db");
  EXPECT_EQ(c->request_log.retention_days, 7);
  EXPECT_EQ(c->simulator.ttft_ms, 5);
  ASSERT_EQ(c->models.size(), 2u);
  ASSERT_EQ(c->deployments.size(), 3u);
  const Deployment& a = c->deployments[0];
  EXPECT_EQ(a.name, "fast/0");
  EXPECT_EQ(a.api_key, "sk-test");  // trimmed
  EXPECT_TRUE(a.url.tls);
  EXPECT_EQ(a.url.host, "api.openai.com");
  EXPECT_EQ(a.url.port, "443");
  EXPECT_EQ(a.url.base_path, "/v1");
  EXPECT_EQ(a.timeouts.connect_ms, 100);
  EXPECT_EQ(a.timeouts.first_byte_ms, 2000);
  EXPECT_EQ(a.timeouts.idle_ms, UpstreamTimeouts{}.idle_ms);
  ASSERT_NE(a.price, nullptr);
  EXPECT_EQ(a.price_id, "openai/gpt-4o-mini");
  const Deployment& b = c->deployments[1];
  EXPECT_EQ(b.name, "local-vllm");
  EXPECT_EQ(b.url.host_header, "10.0.0.5:8000");
  EXPECT_EQ(b.url.base_path, "/v1");
  EXPECT_EQ(b.price, nullptr);
  EXPECT_EQ(b.weight, 0);
  const Deployment& s = c->deployments[2];
  EXPECT_EQ(s.kind, ProviderKind::kSimulated);
  EXPECT_EQ(s.model, "sim");
  EXPECT_TRUE(c->uses_simulator());
  ASSERT_NE(c->find_model("fast"), nullptr);
  EXPECT_EQ(c->find_model("fast")->max_attempts, 3);
  EXPECT_EQ(c->find_model("nope"), nullptr);
  c->attach_simulator(4321);
  EXPECT_EQ(c->deployments[2].base_url, "http://127.0.0.1:4321/v1");
}

// YAML anchors and merge keys (yaml/merge.h), as people share settings across deployments: the
// anchor in an x- extension field, each deployment's own keys winning over the merged ones.
TEST(GatewayConfig, MergeKeysShareDeploymentSettings) {
  auto c = parse(R"(listen: 127.0.0.1:9000
x-vllm: &vllm
  provider: openai-compatible
  price: none
  weight: 2
  timeouts: {connect_ms: 250}
models:
  - name: chat
    deployments:
      - {<<: *vllm, name: a, base_url: "http://10.0.0.5:8000/v1", model: m}
      - <<: *vllm
        name: b
        base_url: http://10.0.0.6:8000/v1
        model: m
        weight: 1
)");
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_EQ(c->deployments.size(), 2u);
  for (const Deployment& d : c->deployments) {
    EXPECT_EQ(d.kind, ProviderKind::kOpenAICompatible) << d.name;
    EXPECT_EQ(d.price, nullptr) << d.name;
    EXPECT_EQ(d.timeouts.connect_ms, 250) << d.name;
  }
  EXPECT_EQ(c->deployments[0].weight, 2);
  EXPECT_EQ(c->deployments[1].weight, 1) << "the deployment's own key wins";
  EXPECT_EQ(c->deployments[1].url.host_header, "10.0.0.6:8000");
}

struct BadCase {
  const char* name;
  std::string yaml;
  std::string want;  // substring of the one error message
};

TEST(GatewayConfig, ErrorsNameFileLineAndField) {
  const std::string sim = "models:\n  - name: m\n    deployments:\n      - provider: simulated\n";
  const std::vector<BadCase> cases = {
      {"unknown top-level field", "listen: 127.0.0.1:1\nwrokers: 2\n" + sim,
       "gw.yaml:2:1: wrokers: unknown field; did you mean 'workers'?"},
      {"bad listen", "listen: localhost\n" + sim, "gw.yaml:1:9: listen: expected \"HOST:PORT\""},
      {"negative weight",
       "models:\n  - name: m\n    deployments:\n      - provider: simulated\n        weight: -1\n",
       "gw.yaml:5:17: models[0].deployments[0].weight: must be at least 0, found -1"},
      {"not a number",
       "models:\n  - name: m\n    deployments:\n      - provider: simulated\n        weight: "
       "lots\n",
       "models[0].deployments[0].weight: expected a number, found \"lots\""},
      {"missing env var",
       "models:\n  - name: m\n    deployments:\n      - provider: openai\n        model: gpt-4o\n"
       "        api_key_env: NOPE_KEY\n",
       "gw.yaml:6:22: models[0].deployments[0].api_key_env: environment variable NOPE_KEY is not "
       "set"},
      {"openai without key",
       "models:\n  - name: m\n    deployments:\n      - provider: openai\n        model: gpt-4o\n",
       "models[0].deployments[0].api_key_env: provider openai needs api_key_env or api_key_file"},
      {"unknown price",
       "models:\n  - name: m\n    deployments:\n      - provider: openai-compatible\n"
       "        base_url: http://h:1\n        model: x\n        price: acme/none\n",
       "gw.yaml:7:16: models[0].deployments[0].price: no catalog price \"acme/none\""},
      {"compatible without price",
       "models:\n  - name: m\n    deployments:\n      - provider: openai-compatible\n"
       "        base_url: http://h:1\n        model: x\n",
       "price: is required for provider openai-compatible"},
      {"anthropic without key",
       "models:\n  - name: m\n    deployments:\n      - provider: anthropic\n"
       "        model: claude-haiku-4-5\n",
       "models[0].deployments[0].api_key_env: provider anthropic needs a key: ANTHROPIC_API_KEY "
       "is not set"},
      {"anthropic key file unreadable",
       "models:\n  - name: m\n    deployments:\n      - provider: anthropic\n"
       "        model: claude-nope\n        api_key_file: /k\n",
       "api_key_file: /k: cannot read"},
      {"unknown provider", "models:\n  - name: m\n    deployments:\n      - provider: watsonx\n",
       "provider: expected one of openai, openai-compatible, anthropic, azure-openai, bedrock, "
       "gemini, vertex, simulated, found \"watsonx\""},
      {"bad url",
       "models:\n  - name: m\n    deployments:\n      - provider: openai-compatible\n"
       "        base_url: ftp://h\n        model: x\n        price: none\n",
       "base_url: expected a URL starting with http:// or https://"},
      {"duplicate model", sim + "  - name: m\n    deployments:\n      - provider: simulated\n",
       "gw.yaml:5:11: models[1].name: model \"m\" is defined twice"},
      {"no models", "listen: 127.0.0.1:1\n", "gw.yaml:1:1: models: is required but missing"},
      {"all weights zero",
       "models:\n  - name: m\n    deployments:\n      - provider: simulated\n        weight: 0\n",
       "models[0].deployments: at least one deployment needs weight > 0"},
      {"unknown deployment field",
       "models:\n  - name: m\n    deployments:\n      - provider: simulated\n        wieght: 2\n",
       "gw.yaml:5:9: models[0].deployments[0].wieght: unknown field; did you mean 'weight'?"},
      {"simulator range", "simulator:\n  fail_rate: 2\n" + sim,
       "gw.yaml:2:14: simulator.fail_rate: must be between 0 and 1, found 2"},
      {"invalid yaml", "models: [\n", "gw.yaml:2:1: invalid YAML"},
  };
  for (const auto& c : cases) {
    auto r = parse(c.yaml);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_NE(r.error().message.find(c.want), std::string::npos)
        << c.name << "\n got: " << r.error().message << "\nwant: " << c.want;
  }
}

TEST(GatewayConfig, KeyFromFile) {
  FakeEnvironment env;
  env.files["/run/key"] = "  sk-file  \n";
  auto c = parse(
      "models:\n  - name: m\n    deployments:\n      - provider: openai\n        model: gpt-4o\n"
      "        api_key_file: /run/key\n",
      env);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->deployments[0].api_key, "sk-file");
}

TEST(GatewayConfig, DefaultConfigForUp) {
  FakeEnvironment none;
  auto c = parse(default_config_yaml(none), none);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->port, 8080);
  EXPECT_EQ(c->request_log.path, "./llmctl.db");
  ASSERT_EQ(c->models.size(), 1u);
  EXPECT_EQ(c->models[0].name, "llmctl-sim");

  FakeEnvironment with_key;
  with_key.vars["OPENAI_API_KEY"] = "sk-x";
  auto k = parse(default_config_yaml(with_key), with_key);
  ASSERT_TRUE(k.ok()) << k.error().message;
  EXPECT_GT(k->models.size(), 1u);
  ASSERT_NE(k->find_model("gpt-4o-mini"), nullptr);
  // Embedding models too, priced from the catalog (kind: embedding).
  for (const char* m : {"text-embedding-3-small", "text-embedding-3-large"}) {
    const ModelGroup* g = k->find_model(m);
    ASSERT_NE(g, nullptr) << m;
    const Deployment& d = k->deployments[g->deployments.front()];
    ASSERT_NE(d.price, nullptr) << m;
    EXPECT_EQ(d.price->kind, "embedding");
    EXPECT_DOUBLE_EQ(d.price->output_usd_per_mtok, 0);
  }
  for (const auto& d : k->deployments) {
    if (d.kind == ProviderKind::kOpenAI) {
      EXPECT_NE(d.price, nullptr) << d.name;
    }
  }
}

TEST(GatewayConfig, AnthropicProvider) {
  FakeEnvironment env;
  env.vars["ANTHROPIC_API_KEY"] = " sk-ant-test\n";
  auto c = parse(
      "models:\n  - name: claude\n    deployments:\n      - provider: anthropic\n"
      "        model: claude-sonnet-4-5\n      - provider: anthropic\n"
      "        base_url: http://127.0.0.1:9/\n        model: claude-haiku-4-5\n"
      "        price: none\n",
      env);
  ASSERT_TRUE(c.ok()) << c.error().message;
  const Deployment& a = c->deployments[0];
  EXPECT_EQ(a.kind, ProviderKind::kAnthropic);
  EXPECT_EQ(provider_kind_name(a.kind), "anthropic");
  EXPECT_EQ(a.api_key, "sk-ant-test");  // ANTHROPIC_API_KEY by default, trimmed
  EXPECT_TRUE(a.url.tls);
  EXPECT_EQ(a.url.host, "api.anthropic.com");
  EXPECT_EQ(a.url.base_path, "");  // the gateway adds /v1/messages
  ASSERT_NE(a.price, nullptr);
  EXPECT_EQ(a.price_id, "anthropic/claude-sonnet-4-5");
  EXPECT_EQ(c->deployments[1].url.host_header, "127.0.0.1:9");
  EXPECT_EQ(c->deployments[1].price, nullptr);

  // A model the catalog does not price needs price: <id> or none.
  auto bad = parse(
      "models:\n  - name: m\n    deployments:\n      - provider: anthropic\n"
      "        model: claude-nope\n",
      env);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("no catalog price for anthropic model \"claude-nope\""),
            std::string::npos)
      << bad.error().message;
}

TEST(GatewayConfig, DefaultConfigAddsClaudeWithAnthropicKey) {
  FakeEnvironment env;
  env.vars["ANTHROPIC_API_KEY"] = "sk-ant";
  auto c = parse(default_config_yaml(env), env);
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_EQ(c->models.size(), 4u);  // llmctl-sim + three Claude models
  for (const char* m : {"claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-7"}) {
    const ModelGroup* g = c->find_model(m);
    ASSERT_NE(g, nullptr) << m;
    const Deployment& d = c->deployments[static_cast<std::size_t>(g->deployments[0])];
    EXPECT_EQ(d.kind, ProviderKind::kAnthropic);
    ASSERT_NE(d.price, nullptr) << m;
    EXPECT_EQ(d.price_id, std::string("anthropic/") + m);
  }
}

TEST(GatewayConfig, ParseUrl) {
  auto u = parse_url("http://[::1]:8080/v1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, "8080");
  EXPECT_EQ(u->host_header, "[::1]:8080");
  auto h = parse_url("https://example.com");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->host_header, "example.com");
  EXPECT_EQ(h->base_path, "");
  EXPECT_FALSE(parse_url("http://user:pw@h/v1").ok());
  EXPECT_FALSE(parse_url("http://h:99999").ok());
  EXPECT_FALSE(parse_url("http://h/v1?x=1").ok());
}

}  // namespace
}  // namespace llmctl::gateway
