#include "gateway/pipeline.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>

#include "test_env.h"

namespace llmctl::gateway {
namespace {

Config sim_config() {
  testing::FakeEnvironment env;
  auto c = parse_config(
      "models:\n  - name: llmctl-sim\n    deployments:\n      - provider: simulated\n"
      "        model: upstream-name\n",
      "t.yaml", testing::embedded_catalog(), env);
  EXPECT_TRUE(c.ok()) << c.error().message;
  return *c;
}

// The run keeps the request's bytes: ctx.raw_body views them, as it views the exchange's body
// in the gateway, and upstream_body splices them.
struct PipelineRun {
  std::unique_ptr<std::string> body;
  std::optional<Reject> reject;
  RequestContext ctx;
};

PipelineRun run(const Config& c, Endpoint e, const std::string& body) {
  static Pipeline p = Pipeline::standard();
  PipelineRun r;
  r.body = std::make_unique<std::string>(body);
  r.ctx.endpoint = e;
  r.ctx.raw_body = *r.body;
  r.reject = p.run(r.ctx, c);
  return r;
}

TEST(Pipeline, StagesInOrder) {
  Pipeline p = Pipeline::standard();
  ASSERT_EQ(p.stages().size(), 3u);
  EXPECT_EQ(p.stages()[0]->name(), "parse");
  EXPECT_EQ(p.stages()[1]->name(), "validate");
  EXPECT_EQ(p.stages()[2]->name(), "route");
}

TEST(Pipeline, RejectsWithOpenAIShapedErrors) {
  Config c = sim_config();
  struct Case {
    Endpoint endpoint;
    std::string body;
    int status;
    std::string param, code;
  };
  const std::vector<Case> cases = {
      {Endpoint::kChat, "", 400, "", ""},
      {Endpoint::kChat, "{not json", 400, "", "invalid_json"},
      {Endpoint::kChat, "[1,2]", 400, "", "invalid_json"},
      {Endpoint::kChat, R"({"messages":[{"role":"user","content":"x"}]})", 400, "model", ""},
      {Endpoint::kChat, R"({"model":42,"messages":[]})", 400, "model", ""},
      {Endpoint::kChat, R"({"model":"llmctl-sim"})", 400, "messages", ""},
      {Endpoint::kChat,
       R"({"model":"llmctl-sim","messages":[{"role":"user","content":"x"}],"stream":"yes"})", 400,
       "stream", ""},
      {Endpoint::kCompletions, R"({"model":"llmctl-sim"})", 400, "prompt", ""},
      {Endpoint::kEmbeddings, R"({"model":"llmctl-sim"})", 400, "input", ""},
      {Endpoint::kChat, R"({"model":"gpt-9","messages":[{"role":"user","content":"x"}]})", 404,
       "model", "model_not_found"},
  };
  for (const auto& k : cases) {
    PipelineRun r = run(c, k.endpoint, k.body);
    ASSERT_TRUE(r.reject.has_value()) << k.body;
    EXPECT_EQ(r.reject->status, k.status) << k.body;
    auto v = boost::json::parse(r.reject->body);
    const auto& e = v.at("error").as_object();
    EXPECT_FALSE(e.at("message").as_string().empty());
    EXPECT_EQ(e.at("type").as_string(), "invalid_request_error");
    if (k.param.empty()) {
      EXPECT_TRUE(e.at("param").is_null()) << k.body;
    } else {
      EXPECT_EQ(e.at("param").as_string(), k.param) << k.body;
    }
    if (k.code.empty()) {
      EXPECT_TRUE(e.at("code").is_null()) << k.body;
    } else {
      EXPECT_EQ(e.at("code").as_string(), k.code) << k.body;
    }
    EXPECT_EQ(r.reject->message, std::string(e.at("message").as_string()));
  }
}

TEST(Pipeline, RoutesAndRewritesTheUpstreamBody) {
  Config c = sim_config();
  PipelineRun r = run(
      c, Endpoint::kChat,
      R"({"model":"llmctl-sim","stream":true,"messages":[{"role":"user","content":"abcd"}],"tools":[{"type":"function","function":{"name":"f"}}],"n":2})");
  ASSERT_FALSE(r.reject.has_value()) << r.reject->body;
  EXPECT_TRUE(r.ctx.stream);
  EXPECT_FALSE(r.ctx.client_wants_usage);
  EXPECT_EQ(r.ctx.model_index, 0);
  EXPECT_EQ(r.ctx.prompt_chars, 4u);
  ASSERT_EQ(r.ctx.group, &c.models[0]);
  auto up = boost::json::parse(upstream_body(r.ctx, c.deployments[0])).as_object();
  EXPECT_EQ(up.at("model").as_string(), "upstream-name");
  EXPECT_TRUE(up.at("stream_options").at("include_usage").as_bool());
  EXPECT_EQ(up.at("n").as_int64(), 2);  // everything else is forwarded as sent
  EXPECT_EQ(up.at("tools").as_array().size(), 1u);

  PipelineRun asked = run(
      c, Endpoint::kChat,
      R"({"model":"llmctl-sim","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]})");
  ASSERT_FALSE(asked.reject.has_value());
  EXPECT_TRUE(asked.ctx.client_wants_usage);

  PipelineRun plain = run(c, Endpoint::kChat,
                          R"({"model":"llmctl-sim","messages":[{"role":"user","content":"x"}]})");
  ASSERT_FALSE(plain.reject.has_value());
  auto up2 = boost::json::parse(upstream_body(plain.ctx, c.deployments[0])).as_object();
  EXPECT_FALSE(up2.contains("stream_options"));  // non-streaming requests are left alone
}

// The upstream body is the client's bytes with only `model` swapped (and stream_options added to
// a stream that lacks it): the same JSON the re-serialising path makes, without re-serialising.
TEST(Pipeline, UpstreamBodySplicesTheClientsBytes) {
  Config c = sim_config();
  // What the general path makes: the parsed body with model and stream_options set.
  auto expected = [&](const RequestContext& ctx) {
    boost::json::object o = ctx.body.as_object();
    o["model"] = c.deployments[0].model;
    if (ctx.stream) {
      boost::json::value& so = o["stream_options"];
      if (!so.is_object()) so = boost::json::object();
      so.as_object()["include_usage"] = true;
    }
    return boost::json::value(o);
  };
  std::vector<std::string> bodies = {
      R"({"model":"llmctl-sim","messages":[{"role":"user","content":"x"}]})",
      R"(  {  "messages" : [ {"role":"user","content":"a \"model\": {x} [y] \\"} ] ,
           "model" :  "llmctl-sim" , "temperature" : 1.0e0, "n": 1 }  )",
      R"({"metadata":{"model":"not this one","a":[1,{"model":"nor this"}]},"model":"llmctl-sim","messages":[{"role":"user","content":"x"}]})",
      R"({"model":"llmctl-sim","stream":true,"messages":[{"role":"user","content":"x"}]})",
      R"({"stream":true,"stream_options":{"include_usage":true},"model":"llmctl-sim","messages":[{"role":"user","content":"x"}]})",
      R"({"stream":true,"stream_options":{"include_usage":false},"model":"llmctl-sim","messages":[{"role":"user","content":"x"}]})",
      R"({"stream":true,"stream_options":null,"model":"llmctl-sim","messages":[{"role":"user","content":"x"}]})",
      R"({"mod\u0065l":"llmctl-sim","messages":[{"role":"user","content":"\u00e9"}],"x":true,"y":null,"z":-3})",
  };
  // Long strings (scanned 16 bytes a step) with an escape at each offset, and a "model" key or
  // a '"' in them, before and after the top-level model.
  for (const char* escape : {R"(\")", R"(\\)", R"(\n)", R"(\u0022)", R"(\\\")"})
    for (std::size_t at = 0; at < 34; at += 3) {
      std::string text(34, 'y');
      text.insert(at, escape);
      text.insert(at / 2, R"(\"model\":\"z\")");
      const std::string head =
          R"({"messages":[{"role":"user","content":")" + text + R"("}],"model":)";
      const std::string tail = R"(,"user":")" + text + R"("})";
      bodies.push_back(head + R"("llmctl-sim")" + tail);
      // Spliced: the client's bytes with only the model's value replaced (a re-serialisation
      // would write \u0022 as \").
      PipelineRun r = run(c, Endpoint::kChat, bodies.back());
      ASSERT_FALSE(r.reject.has_value()) << bodies.back();
      EXPECT_EQ(upstream_body(r.ctx, c.deployments[0]), head + R"("upstream-name")" + tail);
    }
  for (const std::string& body : bodies) {
    PipelineRun r = run(c, Endpoint::kChat, body);
    ASSERT_FALSE(r.reject.has_value()) << body << ": " << r.reject->body;
    const std::string up = upstream_body(r.ctx, c.deployments[0]);
    boost::system::error_code ec;
    boost::json::value got = boost::json::parse(up, ec);
    ASSERT_FALSE(ec) << up;
    EXPECT_EQ(got, expected(r.ctx)) << body << "\n-> " << up;
  }

  // The bytes the client chose stay as they were (number spelling, escapes, spacing).
  // (Bodies in variables: the context keeps a view of them.)
  const std::string kept_body =
      R"({"model" : "llmctl-sim", "temperature":1.0e0,"messages":[{"role":"user","content":"\u00e9"}]})";
  PipelineRun kept = run(c, Endpoint::kChat, kept_body);
  ASSERT_FALSE(kept.reject.has_value());
  EXPECT_EQ(
      upstream_body(kept.ctx, c.deployments[0]),
      R"({"model" : "upstream-name", "temperature":1.0e0,"messages":[{"role":"user","content":"\u00e9"}]})");
  const std::string added_body =
      R"({"model":"llmctl-sim","stream":true,"messages":[{"role":"user","content":"x"}]})";
  PipelineRun added = run(c, Endpoint::kChat, added_body);
  ASSERT_FALSE(added.reject.has_value());
  EXPECT_EQ(
      upstream_body(added.ctx, c.deployments[0]),
      R"({"stream_options":{"include_usage":true},"model":"upstream-name","stream":true,"messages":[{"role":"user","content":"x"}]})");

  // A deployment model that needs escaping is written as a JSON string.
  Deployment odd = c.deployments[0];
  odd.model = "a\"b\\c";
  boost::json::value v = boost::json::parse(upstream_body(kept.ctx, odd));
  EXPECT_EQ(v.at("model").as_string(), "a\"b\\c");
}

TEST(Pipeline, ValidatesAnthropicMessages) {
  Config c = sim_config();
  auto missing = run(c, Endpoint::kMessages,
                     R"({"model":"llmctl-sim","messages":[{"role":"user","content":"hi"}]})");
  ASSERT_TRUE(missing.reject);
  EXPECT_EQ(missing.reject->status, 400);
  EXPECT_NE(missing.reject->message.find("max_tokens"), std::string::npos);
  auto empty =
      run(c, Endpoint::kMessages, R"({"model":"llmctl-sim","max_tokens":5,"messages":[]})");
  ASSERT_TRUE(empty.reject);
  EXPECT_NE(empty.reject->message.find("messages"), std::string::npos);
  auto ok = run(c, Endpoint::kMessages,
                R"({"model":"llmctl-sim","max_tokens":5,"stream":true,"system":"abcd",)"
                R"("messages":[{"role":"user","content":[{"type":"text","text":"efgh"}]}]})");
  ASSERT_FALSE(ok.reject) << ok.reject->message;
  EXPECT_TRUE(ok.ctx.stream);
  EXPECT_EQ(ok.ctx.prompt_chars, 8u);  // system and the text block
  ASSERT_EQ(ok.ctx.model_index, 0);
}

}  // namespace
}  // namespace llmctl::gateway
