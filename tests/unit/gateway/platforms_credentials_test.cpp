// Managed platforms whose credentials are fetched at run time: provider vertex (service-account
// key or access token; Gemini and Claude publishers), azure-openai with an Entra ID app, and
// Bedrock's container and instance credentials at the end of the AWS chain. Config, request
// targets, bodies and authentication headers; the fetches themselves are in the cloud tests and
// the integration tests (gateway_vertex, gateway_azure, gateway_bedrock).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "../cloud/test_key.h"
#include "gateway/platforms.h"
#include "test_env.h"

namespace llmctl::gateway {
namespace {

namespace json = boost::json;
using testing::embedded_catalog;
using testing::FakeEnvironment;

Result<Config> parse(const std::string& yaml, const FakeEnvironment& env) {
  return parse_config(yaml, "gw.yaml", embedded_catalog(), env);
}

std::string key_json(std::string type = "service_account") {
  return json::serialize(json::object{{"type", type},
                                      {"project_id", "key-project"},
                                      {"private_key_id", "k1"},
                                      {"private_key", llmctl::testing::test_rsa_key().private_pem},
                                      {"client_email", "sa@key-project.iam.gserviceaccount.com"},
                                      {"token_uri", "https://oauth2.googleapis.com/token"}});
}

FakeEnvironment google_env() {
  FakeEnvironment env;
  env.vars = {{"GOOGLE_APPLICATION_CREDENTIALS", "/keys/sa.json"}, {"GCLOUD_TOKEN", "ya29.t"}};
  env.files = {{"/keys/sa.json", key_json()}};
  return env;
}

const char* kVertex = R"(models:
  - name: flash
    deployments:
      - provider: vertex
        location: us-east5
        model: gemini-2.5-flash
        price: google/gemini-2.5-flash
  - name: sonnet
    deployments:
      - provider: vertex
        project: my-proj
        location: global
        model: claude-sonnet-4-5@20250929
        access_token_env: GCLOUD_TOKEN
        price: anthropic/claude-sonnet-4-5
)";

TEST(VertexConfig, PublishersLocationsAndCredentials) {
  auto c = parse(kVertex, google_env());
  ASSERT_TRUE(c.ok()) << c.error().message;
  const Deployment& g = c->deployments[0];
  EXPECT_EQ(g.kind, ProviderKind::kVertex);
  EXPECT_EQ(provider_kind_name(g.kind), "vertex");
  EXPECT_EQ(g.project, "key-project");  // from the key file
  EXPECT_EQ(g.base_url, "https://us-east5-aiplatform.googleapis.com/v1");
  ASSERT_TRUE(g.credentials);
  EXPECT_EQ(g.credentials->source().describe(),
            "service-account key /keys/sa.json (sa@key-project.iam.gserviceaccount.com)");
  const Deployment& a = c->deployments[1];
  EXPECT_EQ(a.kind, ProviderKind::kVertexAnthropic);
  EXPECT_EQ(a.base_url, "https://aiplatform.googleapis.com/v1");  // the global endpoint
  EXPECT_FALSE(a.credentials);
  EXPECT_EQ(a.api_key, "ya29.t");
}

TEST(VertexConfig, ErrorsNameTheField) {
  FakeEnvironment none;
  auto c = parse(kVertex, none);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("gw.yaml:4:9: models[0].deployments[0].credentials_file: "
                                   "provider vertex needs credentials"),
            std::string::npos)
      << c.error().message;
  FakeEnvironment user = google_env();
  user.files["/keys/sa.json"] = key_json("authorized_user");
  c = parse(kVertex, user);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("/keys/sa.json: type is \"authorized_user\""), std::string::npos)
      << c.error().message;
  FakeEnvironment bad_key = google_env();
  json::object k = json::parse(key_json()).as_object();
  k["private_key"] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  bad_key.files["/keys/sa.json"] = json::serialize(k);
  c = parse(kVertex, bad_key);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("credentials_file: /keys/sa.json: private_key is not a "
                                   "readable PEM key"),
            std::string::npos)
      << c.error().message;
  std::string with_key = kVertex;
  with_key.replace(with_key.find("        access_token_env: GCLOUD_TOKEN\n"), 39,
                   "        api_key_env: GCLOUD_TOKEN\n");
  c = parse(with_key, google_env());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("models[1].deployments[0].api_key_env: not used by provider "
                                   "vertex"),
            std::string::npos)
      << c.error().message;
  // Without price:, the catalog's Vertex AI entry prices the model; a model it does not list
  // needs price: <id> or none.
  std::string no_price = kVertex;
  no_price.replace(no_price.find("        price: google/gemini-2.5-flash\n"), 39, "");
  c = parse(no_price, google_env());
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_NE(c->deployments[0].price, nullptr);
  EXPECT_EQ(c->deployments[0].price_id, "vertex/gemini-2.5-flash");
  std::string unknown = no_price;
  unknown.replace(unknown.find("model: gemini-2.5-flash"), 23, "model: gemini-0.9-nano");
  c = parse(unknown, google_env());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("no catalog price for vertex model \"gemini-0.9-nano\""),
            std::string::npos)
      << c.error().message;
}

TEST(Vertex, TargetsBodiesAndAuthentication) {
  auto c = parse(kVertex, google_env());
  ASSERT_TRUE(c.ok()) << c.error().message;
  const Deployment& g = c->deployments[0];
  const Deployment& a = c->deployments[1];
  EXPECT_EQ(upstream_target(Endpoint::kChat, false, g),
            "/v1/projects/key-project/locations/us-east5/publishers/google/models/"
            "gemini-2.5-flash:generateContent");
  EXPECT_EQ(upstream_target(Endpoint::kMessages, true, g),
            "/v1/projects/key-project/locations/us-east5/publishers/google/models/"
            "gemini-2.5-flash:streamGenerateContent?alt=sse");
  EXPECT_EQ(upstream_target(Endpoint::kMessages, false, a),
            "/v1/projects/my-proj/locations/global/publishers/anthropic/models/"
            "claude-sonnet-4-5@20250929:rawPredict");
  EXPECT_EQ(upstream_target(Endpoint::kChat, true, a),
            "/v1/projects/my-proj/locations/global/publishers/anthropic/models/"
            "claude-sonnet-4-5@20250929:streamRawPredict");
  EXPECT_TRUE(speaks_via_messages(g.kind));
  EXPECT_FALSE(speaks_via_messages(a.kind));
  EXPECT_TRUE(is_platform(a.kind));

  cloud::Credential fetched;
  fetched.bearer = "ya29.fetched";
  auto h = platform_auth_headers(g, "/x", "h", "application/json", "{}", 0, &fetched);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].second, "Bearer ya29.fetched");
  h = platform_auth_headers(a, "/x", "h", "application/json", "{}", 0);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0], (std::pair<std::string, std::string>{"Authorization", "Bearer ya29.t"}));

  auto body = vertex_anthropic_body(
      R"({"model":"claude-sonnet-4-5@20250929","max_tokens":5,"messages":[]})");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(
      json::parse(*body),
      json::parse(R"({"max_tokens":5,"messages":[],"anthropic_version":"vertex-2023-10-16"})"));

  RequestContext ctx;
  ctx.endpoint = Endpoint::kResponses;
  ctx.body = json::parse(R"({"model":"flash","input":"x"})");
  auto refused = platform_upstream_body(ctx, g);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("Vertex AI's generateContent API"), std::string::npos);
}

const char* kEntra = R"(models:
  - name: gpt
    deployments:
      - provider: azure-openai
        base_url: https://contoso.openai.azure.com
        model: gpt-4o-prod
        price: openai/gpt-4o
        entra:
          tenant_id: contoso.onmicrosoft.com
          client_id: 00000000-1111-2222-3333-444444444444
)";

TEST(EntraConfig, ClientCredentialsReplaceTheKey) {
  FakeEnvironment env;
  env.vars = {{"AZURE_CLIENT_SECRET", "s3cret"}, {"AZURE_AUTHORITY_HOST", "http://127.0.0.1:9"}};
  auto c = parse(kEntra, env);
  ASSERT_TRUE(c.ok()) << c.error().message;
  const Deployment& d = c->deployments[0];
  ASSERT_TRUE(d.credentials);
  EXPECT_EQ(d.credentials->source().describe(),
            "Entra ID app 00000000-1111-2222-3333-444444444444 in tenant "
            "contoso.onmicrosoft.com");
  auto call = d.credentials->source().begin()->start(0);
  ASSERT_TRUE(call.ok());
  EXPECT_EQ(call->url, "http://127.0.0.1:9/contoso.onmicrosoft.com/oauth2/v2.0/token");
  cloud::Credential fetched;
  fetched.bearer = "eyJ0";
  auto h = platform_auth_headers(d, "/x", "h", "application/json", "{}", 0, &fetched);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].second, "Bearer eyJ0");

  FakeEnvironment no_secret;
  c = parse(kEntra, no_secret);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("models[0].deployments[0].entra.client_secret_env: "
                                   "environment variable AZURE_CLIENT_SECRET is not set"),
            std::string::npos)
      << c.error().message;
  std::string both = kEntra;
  both.replace(both.find("        price:"), 0, "        api_key_env: AZURE_KEY\n");
  env.vars["AZURE_KEY"] = "k";
  c = parse(both, env);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("api_key_env: not used with entra:"), std::string::npos)
      << c.error().message;
}

const char* kBedrock = R"(models:
  - name: claude
    deployments:
      - provider: bedrock
        region: us-east-1
        model: anthropic.claude-3-5-haiku-20241022-v1:0
        price: none
)";

TEST(BedrockChain, ContainerThenInstanceMetadata) {
  FakeEnvironment ecs;
  ecs.vars = {{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"},
              {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer t"}};
  auto c = parse(kBedrock, ecs);
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_TRUE(c->deployments[0].credentials);
  EXPECT_EQ(c->deployments[0].aws_source,
            "the container credential endpoint http://169.254.170.2/v2/credentials/abc");

  FakeEnvironment eks;
  eks.vars = {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials"},
              {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/var/run/token"}};
  eks.files = {{"/var/run/token", "pod-identity-token\n"}};
  c = parse(kBedrock, eks);
  ASSERT_TRUE(c.ok()) << c.error().message;
  auto call = c->deployments[0].credentials->source().begin()->start(0);
  ASSERT_TRUE(call.ok());
  EXPECT_EQ(call->url, "http://169.254.170.23/v1/credentials");
  EXPECT_EQ(call->headers.back().second, "pod-identity-token");

  FakeEnvironment ec2;
  ec2.vars = {{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1338"}};
  c = parse(kBedrock, ec2);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->deployments[0].aws_source,
            "the EC2 instance metadata service http://127.0.0.1:1338");

  // Static credentials come first and need no fetch.
  FakeEnvironment keys = ec2;
  keys.vars["AWS_ACCESS_KEY_ID"] = "AKID";
  keys.vars["AWS_SECRET_ACCESS_KEY"] = "s";
  c = parse(kBedrock, keys);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_FALSE(c->deployments[0].credentials);

  // Credentials fetched at run time sign the request.
  cloud::Credential fetched;
  fetched.aws = {"ASIAFETCHED", "secret", "session"};
  FakeEnvironment imds;
  c = parse(kBedrock, imds);
  ASSERT_TRUE(c.ok()) << c.error().message;
  auto sig = platform_auth_headers(c->deployments[0], "/model/m/converse",
                                   "bedrock-runtime.us-east-1.amazonaws.com", "application/json",
                                   "{}", 1796407200, &fetched);
  ASSERT_EQ(sig.size(), 4u);
  EXPECT_EQ(sig[1], (std::pair<std::string, std::string>{"x-amz-security-token", "session"}));
  EXPECT_TRUE(sig[3].second.starts_with("AWS4-HMAC-SHA256 Credential=ASIAFETCHED/"));
}

}  // namespace
}  // namespace llmctl::gateway
