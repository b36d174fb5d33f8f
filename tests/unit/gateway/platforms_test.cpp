// The managed platforms in the gateway: config (regions, credentials, api-version), request
// targets and authentication, and Bedrock's answers and streams as OpenAI and Anthropic clients
// get them.
#include "gateway/platforms.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "protocol/eventstream.h"
#include "test_env.h"

namespace llmctl::gateway {
namespace {

namespace json = boost::json;
namespace es = protocol::eventstream;
using testing::embedded_catalog;
using testing::FakeEnvironment;

Result<Config> parse(const std::string& yaml, const FakeEnvironment& env) {
  return parse_config(yaml, "gw.yaml", embedded_catalog(), env);
}

FakeEnvironment aws_env() {
  FakeEnvironment env;
  env.vars = {{"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
              {"AWS_SECRET_ACCESS_KEY", "secret"},
              {"AWS_SESSION_TOKEN", "token"},
              {"AZURE_KEY", "azkey"}};
  return env;
}

const char* kPlatforms = R"(models:
  - name: claude
    deployments:
      - name: bedrock-east
        provider: bedrock
        region: us-east-1
        model: us.anthropic.claude-3-5-haiku-20241022-v1:0
        price: none
      - name: azure
        provider: azure-openai
        base_url: https://contoso.openai.azure.com
        model: gpt-4o-prod
        api_key_env: AZURE_KEY
        price: openai/gpt-4o
)";

TEST(PlatformsConfig, BedrockAndAzureDeployments) {
  auto c = parse(kPlatforms, aws_env());
  ASSERT_TRUE(c.ok()) << c.error().message;
  const Deployment& b = c->deployments[0];
  EXPECT_EQ(b.kind, ProviderKind::kBedrock);
  EXPECT_EQ(b.base_url, "https://bedrock-runtime.us-east-1.amazonaws.com");
  EXPECT_EQ(b.aws.access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(b.aws.session_token, "token");
  EXPECT_EQ(b.aws_source, "environment");
  const Deployment& a = c->deployments[1];
  EXPECT_EQ(a.kind, ProviderKind::kAzureOpenAI);
  EXPECT_EQ(a.api_version, kAzureDefaultApiVersion);
  EXPECT_EQ(a.api_key, "azkey");
}

TEST(PlatformsConfig, ErrorsNameTheField) {
  FakeEnvironment none;
  none.vars["AWS_EC2_METADATA_DISABLED"] = "true";  // else the chain ends at IMDS
  auto c = parse(kPlatforms, none);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("models[0].deployments[0].aws_profile: no AWS credentials"),
            std::string::npos)
      << c.error().message;
  EXPECT_NE(c.error().message.find("AWS_EC2_METADATA_DISABLED is true"), std::string::npos)
      << c.error().message;
  FakeEnvironment env = aws_env();
  std::string no_region = kPlatforms;
  no_region.replace(no_region.find("        region: us-east-1\n"), 26, "");
  c = parse(no_region, env);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("models[0].deployments[0].region: provider bedrock needs a "
                                   "region: set region: or AWS_REGION"),
            std::string::npos)
      << c.error().message;
  env.vars["AWS_REGION"] = "eu-west-3";
  c = parse(no_region, env);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->deployments[0].base_url, "https://bedrock-runtime.eu-west-3.amazonaws.com");
  std::string no_url = kPlatforms;
  no_url.replace(no_url.find("        base_url: https://contoso.openai.azure.com\n"), 51, "");
  c = parse(no_url, aws_env());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("models[0].deployments[1].base_url: is required for provider "
                                   "azure-openai"),
            std::string::npos)
      << c.error().message;
}

TEST(PlatformsConfig, GeminiKeyPriceAndRefusedHealthChecks) {
  FakeEnvironment env;
  env.vars = {{"GEMINI_API_KEY", "AIzaX"}};
  auto c = parse(
      "models:\n  - name: g\n    deployments:\n      - provider: gemini\n"
      "        model: gemini-2.5-flash\n",
      env);
  ASSERT_TRUE(c.ok()) << c.error().message;
  const Deployment& g = c->deployments[0];
  EXPECT_EQ(g.base_url, "https://generativelanguage.googleapis.com/v1beta");
  EXPECT_EQ(g.api_key, "AIzaX");
  EXPECT_EQ(g.price_id, "google/gemini-2.5-flash");
  EXPECT_EQ(upstream_target(Endpoint::kChat, true, g),
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
  auto auth = platform_auth_headers(g, "/x", "h", "application/json", "{}", 0);
  ASSERT_EQ(auth.size(), 1u);
  EXPECT_EQ(auth[0].first, "x-goog-api-key");

  std::string checked = kPlatforms;
  checked.replace(checked.find("        price: none\n"), 20,
                  "        price: none\n        health_check: {interval_ms: 1000}\n");
  c = parse(checked, aws_env());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("models[0].deployments[0].health_check: not supported for "
                                   "provider bedrock"),
            std::string::npos)
      << c.error().message;
}

TEST(Platforms, TargetsAndAuthentication) {
  auto c = parse(kPlatforms, aws_env());
  ASSERT_TRUE(c.ok()) << c.error().message;
  const Deployment& b = c->deployments[0];
  const Deployment& a = c->deployments[1];
  EXPECT_EQ(upstream_target(Endpoint::kChat, true, b),
            "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream");
  EXPECT_EQ(upstream_target(Endpoint::kMessages, false, b),
            "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse");
  EXPECT_EQ(upstream_target(Endpoint::kChat, false, a),
            "/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21");
  EXPECT_EQ(upstream_target(Endpoint::kMessages, true, a),
            "/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21");
  EXPECT_EQ(upstream_target(Endpoint::kEmbeddings, false, a),
            "/openai/deployments/gpt-4o-prod/embeddings?api-version=2024-10-21");
  EXPECT_EQ(upstream_accept(true, b), "application/vnd.amazon.eventstream");

  auto az = platform_auth_headers(a, "/x", "h", "application/json", "{}", 0);
  ASSERT_EQ(az.size(), 1u);
  EXPECT_EQ(az[0].first, "api-key");
  EXPECT_EQ(az[0].second, "azkey");
  auto sig =
      platform_auth_headers(b, "/model/m/converse", "bedrock-runtime.us-east-1.amazonaws.com",
                            "application/json", "{}", 1796407200);
  ASSERT_EQ(sig.size(), 4u);
  EXPECT_EQ(sig[3].first, "authorization");
  EXPECT_TRUE(sig[3].second.starts_with(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261204/us-east-1/bedrock/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, "
      "Signature="));
}

TEST(Platforms, ChatClientRequestReachesConverse) {
  auto c = parse(kPlatforms, aws_env());
  ASSERT_TRUE(c.ok()) << c.error().message;
  RequestContext ctx;
  ctx.endpoint = Endpoint::kChat;
  ctx.body = json::parse(R"({"model":"claude","max_tokens":50,"messages":[
    {"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]})");
  auto body = platform_upstream_body(ctx, c->deployments[0]);
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_EQ(*body, R"({"system":[{"text":"Be brief."}],"messages":[{"role":"user","content":[)"
                   R"({"text":"Hi"}]}],"inferenceConfig":{"maxTokens":50}})");
  ctx.endpoint = Endpoint::kEmbeddings;
  ctx.body = json::parse(R"({"model":"claude","input":"x"})");
  body = platform_upstream_body(ctx, c->deployments[0]);
  ASSERT_FALSE(body.ok());
  EXPECT_NE(body.error().message.find("/v1/embeddings is not available through Bedrock's "
                                      "Converse API"),
            std::string::npos);
}

Deployment bedrock_deployment() {
  Deployment d;
  d.kind = ProviderKind::kBedrock;
  d.model = "claude-x";
  return d;
}

TEST(Platforms, WholeConverseAnswerForAChatClient) {
  auto r = platform_client_response(
      Endpoint::kChat, bedrock_deployment(),
      R"({"output":{"message":{"role":"assistant","content":[{"text":"Hello"}]}},)"
      R"("stopReason":"max_tokens","usage":{"inputTokens":3,"outputTokens":1,)"
      R"("cacheReadInputTokens":2,"cacheWriteInputTokens":4}})",
      "msg_r1", 1700000000);
  ASSERT_TRUE(r.ok()) << r.error().message;
  json::value v = json::parse(r->body);
  EXPECT_EQ(v.at("object"), "chat.completion");
  EXPECT_EQ(v.at("choices").at(0).at("message").at("content"), "Hello");
  EXPECT_EQ(v.at("choices").at(0).at("finish_reason"), "length");
  // OpenAI's prompt_tokens include the cache reads and writes.
  EXPECT_EQ(v.at("usage").at("prompt_tokens"), 9);
  EXPECT_EQ(r->usage.prompt_tokens, 3);
  EXPECT_EQ(r->usage.cached_tokens, 2);
  EXPECT_EQ(r->usage.cache_write_tokens, 4);
  EXPECT_TRUE(r->usage.input_excludes_cached);
}

std::string frame(std::string_view type, std::string_view payload) {
  return es::encode({{":event-type", std::string(type)},
                     {":content-type", "application/json"},
                     {":message-type", "event"}},
                    payload);
}

// Frames -> SSE text -> the transform, fed in awkward pieces as a socket would.
std::string relay(StreamTransform& t, const std::string& bytes, std::size_t piece) {
  EventStreamToSse frames;
  SseParser sse;
  std::string out, text;
  for (std::size_t i = 0; i < bytes.size(); i += piece) {
    text.clear();
    EXPECT_TRUE(frames.feed(std::string_view(bytes).substr(i, piece), text)) << frames.error();
    sse.feed(text);
    SseEvent ev;
    while (sse.next(ev)) t.on_event(ev, out);
  }
  return out;
}

const std::string kStream =
    frame("messageStart", R"({"role":"assistant"})") +
    frame("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"Hi"}})") +
    frame("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":" there"}})") +
    frame("contentBlockStop", R"({"contentBlockIndex":0})") +
    frame("messageStop", R"({"stopReason":"end_turn"})") +
    frame("metadata", R"({"usage":{"inputTokens":5,"outputTokens":2,"cacheReadInputTokens":0,)"
                      R"("cacheWriteInputTokens":8},"metrics":{"latencyMs":9}})");

TEST(Platforms, ConverseStreamForAChatClient) {
  auto t = make_platform_stream_transform(Endpoint::kChat, bedrock_deployment(), true, "msg_s1",
                                          1700000000);
  std::string out = relay(*t, kStream, 7);
  EXPECT_TRUE(t->ended());
  EXPECT_EQ(t->usage().cache_write_tokens, 8);
  EXPECT_NE(out.find(R"("delta":{"content":"Hi"})"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("delta":{"content":" there"})"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("finish_reason":"stop")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("prompt_tokens":13)"), std::string::npos) << out;
  EXPECT_TRUE(out.ends_with("data: [DONE]\n\n"));
}

TEST(Platforms, ConverseStreamForAnAnthropicClientAndACutStream) {
  auto t =
      make_platform_stream_transform(Endpoint::kMessages, bedrock_deployment(), false, "msg_s2", 0);
  std::string out = relay(*t, kStream, 1);
  EXPECT_TRUE(t->ended());
  EXPECT_TRUE(out.ends_with("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")) << out;

  // Cut after the text: not ended, so the relay adds the interruption event.
  auto cut =
      make_platform_stream_transform(Endpoint::kChat, bedrock_deployment(), false, "msg_s3", 0);
  const std::size_t half =
      frame("messageStart", R"({"role":"assistant"})").size() +
      frame("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"Hi"}})").size();
  relay(*cut, kStream.substr(0, half + 5), 3);
  EXPECT_FALSE(cut->ended());
  EXPECT_NE(cut->interrupted("cut").find("upstream_stream_interrupted"), std::string::npos);

  EventStreamToSse bad;
  std::string text;
  std::string corrupt = kStream;
  corrupt[20] ^= 0x40;
  EXPECT_FALSE(bad.feed(corrupt, text));
  EXPECT_FALSE(bad.error().empty());
}

TEST(Platforms, ExceptionFramesBecomeErrorEvents) {
  const std::string bytes = es::encode({{":exception-type", "throttlingException"},
                                        {":content-type", "application/json"},
                                        {":message-type", "exception"}},
                                       R"({"message":"Too many tokens"})");
  auto t = make_platform_stream_transform(Endpoint::kChat, bedrock_deployment(), false, "id", 0);
  EventStreamToSse frames;
  std::string text, out;
  ASSERT_TRUE(frames.feed(bytes, text));
  EXPECT_EQ(text,
            "event: exception:throttlingException\ndata: {\"message\":\"Too many tokens\"}\n\n");
  SseParser p;
  p.feed(text);
  SseEvent ev;
  ASSERT_TRUE(p.next(ev));
  StreamStep step = t->on_event(ev, out);
  EXPECT_TRUE(step.upstream_error);
  EXPECT_TRUE(t->ended());
  EXPECT_NE(out.find("Too many tokens"), std::string::npos);
}

}  // namespace
}  // namespace llmctl::gateway
