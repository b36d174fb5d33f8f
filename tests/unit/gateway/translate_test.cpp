// Which side translates what, the upstream request, and the stream transforms event by event
// (fed through the real SseParser, split at every byte where it matters).
#include "gateway/translate.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "mock/mock_anthropic.h"
#include "protocol/anthropic.h"
#include "test_env.h"

namespace llmctl::gateway {
namespace {

namespace json = boost::json;
// The simulator's Anthropic answers are the upstream side of the round trips below.
using mock::anthropic_mock_events;
using mock::anthropic_mock_message;
using mock::anthropic_mock_plan;
using mock::AnthropicMockPlan;
using mock::MockEvent;
using mock::MockOptions;

struct Event {
  std::string type;  // `event:` field
  json::value data;  // parsed data, or the string "[DONE]"
};

// Runs `upstream` (SSE text) through the transform, feeding `step` bytes at a time, and parses
// what the client would get.
struct Relayed {
  std::vector<Event> events;
  std::string bytes;
  bool any_output = false, upstream_error = false;
};
Relayed run(StreamTransform& t, std::string_view upstream, std::size_t step = 7) {
  Relayed r;
  SseParser in;
  SseEvent ev;
  for (std::size_t i = 0; i < upstream.size(); i += step) {
    in.feed(upstream.substr(i, step));
    while (in.next(ev)) {
      StreamStep s = t.on_event(ev, r.bytes);
      r.any_output |= s.output;
      r.upstream_error |= s.upstream_error;
    }
  }
  SseParser out;
  out.feed(r.bytes);
  while (out.next(ev)) {
    Event e{ev.event, ev.data == "[DONE]" ? json::value("[DONE]") : json::parse(ev.data)};
    r.events.push_back(std::move(e));
  }
  EXPECT_EQ(out.pending_bytes(), 0u) << "the client got a partial event";
  return r;
}

std::string chunk(std::string_view choices_or_usage) {
  return fmt::format(
      "data: {{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
      "\"model\":\"gpt-x\",{}}}\n\n",
      choices_or_usage);
}

TEST(Translate, DecidesBySides) {
  EXPECT_EQ(translation_for(Endpoint::kChat, ProviderKind::kOpenAI), Translation::kNone);
  EXPECT_EQ(translation_for(Endpoint::kMessages, ProviderKind::kAnthropic), Translation::kNone);
  EXPECT_EQ(translation_for(Endpoint::kMessages, ProviderKind::kSimulated),
            Translation::kMessagesToChat);
  EXPECT_EQ(translation_for(Endpoint::kChat, ProviderKind::kAnthropic),
            Translation::kChatToMessages);
  EXPECT_EQ(translation_for(Endpoint::kEmbeddings, ProviderKind::kAnthropic),
            Translation::kUnsupported);
  EXPECT_EQ(upstream_path(Endpoint::kChat, ProviderKind::kAnthropic), "/v1/messages");
  EXPECT_EQ(upstream_path(Endpoint::kMessages, ProviderKind::kAnthropic), "/v1/messages");
  EXPECT_EQ(upstream_path(Endpoint::kMessages, ProviderKind::kOpenAICompatible),
            "/chat/completions");
  EXPECT_EQ(upstream_path(Endpoint::kEmbeddings, ProviderKind::kOpenAI), "/embeddings");
  EXPECT_NE(make_stream_transform(Endpoint::kChat, ProviderKind::kOpenAI, true, 0), nullptr);
  EXPECT_EQ(error_filter_for(Endpoint::kEmbeddings), nullptr);
  auto filter = error_filter_for(Endpoint::kMessages);
  ASSERT_NE(filter, nullptr);
  EXPECT_NE(filter(400, openai_error_body("x", "invalid_request_error")).find("\"type\":\"error\""),
            std::string::npos);
}

TEST(Translate, UpstreamBodyPerDeploymentAndRefusalsNameIt) {
  Deployment anth;
  anth.name = "claude/0";
  anth.kind = ProviderKind::kAnthropic;
  anth.model = "claude-up";
  Deployment sim;
  sim.name = "sim/0";
  sim.kind = ProviderKind::kSimulated;
  sim.model = "sim-up";
  RequestContext ctx;
  ctx.endpoint = Endpoint::kMessages;
  ctx.stream = true;
  ctx.body = json::parse(
      R"({"model":"public","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"hi"}]})");
  auto passthrough = translated_upstream_body(ctx, anth);
  ASSERT_TRUE(passthrough.ok());
  json::object p = json::parse(*passthrough).as_object();
  EXPECT_EQ(p["model"], "claude-up");
  EXPECT_FALSE(p.contains("stream_options"));  // Anthropic would refuse it
  auto translated = translated_upstream_body(ctx, sim);
  ASSERT_TRUE(translated.ok());
  EXPECT_EQ(json::parse(*translated).at("stream_options").at("include_usage"), true);

  ctx.endpoint = Endpoint::kChat;
  ctx.body = json::parse(R"({"model":"public","n":3,"messages":[{"role":"user","content":"hi"}]})");
  auto n3 = translated_upstream_body(ctx, anth);
  ASSERT_FALSE(n3.ok());
  EXPECT_NE(n3.error().message.find("n must be 1 (deployment claude/0 speaks the Anthropic"),
            std::string::npos)
      << n3.error().message;
  ctx.endpoint = Endpoint::kEmbeddings;
  ctx.body = json::parse(R"({"model":"public","input":"x"})");
  auto emb = translated_upstream_body(ctx, anth);
  ASSERT_FALSE(emb.ok());
  EXPECT_NE(emb.error().message.find("/v1/embeddings has no Anthropic equivalent"),
            std::string::npos);
}

TEST(Translate, WholeResponsesCarryUpstreamUsage) {
  auto r = client_response(Endpoint::kMessages, ProviderKind::kOpenAICompatible,
                           R"({"id":"c","model":"m","choices":[{"index":0,"finish_reason":"length",
      "message":{"role":"assistant","content":"abc"}}],"usage":{"prompt_tokens":10,
      "completion_tokens":3,"prompt_tokens_details":{"cached_tokens":4}}})",
                           0);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->usage.input_excludes_cached);  // the upstream's semantics, for account()
  EXPECT_EQ(r->usage.prompt_tokens, 10);
  json::value body = json::parse(r->body);
  EXPECT_EQ(body.at("stop_reason"), "max_tokens");
  EXPECT_EQ(body.at("usage").at("input_tokens"), 6);
  auto bad = client_response(Endpoint::kChat, ProviderKind::kAnthropic, "{}", 0);
  EXPECT_FALSE(bad.ok());
}

// One parse per answer: asked to, client_response hands back the body parsed, and a body
// passed through has its usage read from that same parse, equal to the usage-only parse's.
TEST(Translate, AParsedAnswerCarriesTheSameUsageAndTheClientsModel) {
  const std::string chat =
      R"({"id":"c","model":"upstream-m","choices":[{"index":0,"finish_reason":"stop",
      "message":{"role":"assistant","content":"abc"}}],"usage":{"prompt_tokens":10,
      "completion_tokens":3,"prompt_tokens_details":{"cached_tokens":4}}})";
  RequestContext ctx;
  ctx.endpoint = Endpoint::kChat;
  ctx.model = "public";
  auto scanned = client_response(ctx, ProviderKind::kOpenAICompatible, chat, 0);
  auto parsed = client_response(ctx, ProviderKind::kOpenAICompatible, chat, 0, true);
  ASSERT_TRUE(scanned.ok() && parsed.ok());
  EXPECT_TRUE(scanned->parsed.is_null());  // not asked: only `usage` was parsed
  ASSERT_TRUE(parsed->parsed.is_object());
  EXPECT_EQ(parsed->body, scanned->body);
  EXPECT_EQ(parsed->usage.present, scanned->usage.present);
  EXPECT_EQ(parsed->usage.prompt_tokens, 10);
  EXPECT_EQ(parsed->usage.completion_tokens, 3);
  EXPECT_EQ(parsed->usage.cached_tokens, scanned->usage.cached_tokens);
  EXPECT_EQ(parsed->parsed, json::parse(parsed->body));  // the model renamed in both
  EXPECT_EQ(parsed->parsed.at("model"), "public");

  // Anthropic's names through an anthropic deployment to a Messages client.
  const std::string msg =
      R"({"id":"m","type":"message","role":"assistant","model":"claude","content":[{"type":"text",
      "text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":7,"output_tokens":2,
      "cache_read_input_tokens":5}})";
  auto a = client_response(Endpoint::kMessages, ProviderKind::kAnthropic, msg, 0, true);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->usage.input_excludes_cached);
  EXPECT_EQ(a->usage.prompt_tokens, 7);
  EXPECT_EQ(a->usage.cached_tokens, 5);
  EXPECT_EQ(a->parsed, json::parse(msg));
  // A translated answer: the client's text parsed (the upstream's usage, its semantics).
  auto t = client_response(Endpoint::kChat, ProviderKind::kAnthropic, msg, 0, true);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->parsed, json::parse(t->body));
  EXPECT_TRUE(t->parsed.as_object().contains("choices"));
  EXPECT_EQ(t->usage.prompt_tokens, 7);
  // Not JSON: nothing parsed, no usage, as the usage-only path.
  auto junk = client_response(Endpoint::kChat, ProviderKind::kOpenAI, "not json", 0, true);
  ASSERT_TRUE(junk.ok());
  EXPECT_TRUE(junk->parsed.is_null());
  EXPECT_FALSE(junk->usage.present);
}

TEST(StreamTransform, OpenAIChunksBecomeAnthropicEvents) {
  auto t = make_stream_transform(Endpoint::kMessages, ProviderKind::kOpenAI, false, 0);
  ASSERT_NE(t, nullptr);
  const std::string up =
      chunk(
          R"("choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null)") +
      ": keep-alive\n\n" +
      chunk(
          R"("choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}],"usage":null)") +
      chunk(
          R"("choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":null}],"usage":null)") +
      chunk(
          R"("choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get","arguments":""}}]},"finish_reason":null}])") +
      chunk(
          R"("choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"ci"}}]},"finish_reason":null}])") +
      chunk(
          R"("choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ty\":\"Oslo\"}"}}]},"finish_reason":null}])") +
      chunk(R"("choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}])") +
      chunk(
          R"("choices":[],"usage":{"prompt_tokens":50,"completion_tokens":9,"prompt_tokens_details":{"cached_tokens":20}})") +
      "data: [DONE]\n\n";
  Relayed r = run(*t, up);
  EXPECT_TRUE(r.any_output);
  EXPECT_FALSE(r.upstream_error);
  EXPECT_TRUE(t->ended());
  std::vector<std::string> types;
  for (const auto& e : r.events) types.push_back(e.type);
  const std::vector<std::string> want = {
      "message_start",      "content_block_start", "content_block_delta", "content_block_delta",
      "content_block_stop", "content_block_start", "content_block_delta", "content_block_delta",
      "content_block_stop", "message_delta",       "message_stop"};
  EXPECT_EQ(types, want);
  for (const auto& e : r.events)
    EXPECT_EQ(e.data.at("type").as_string(), e.type);  // SDKs read both
  EXPECT_EQ(r.events[0].data.at("message").at("id"), "msg_chatcmpl-1");
  EXPECT_EQ(r.events[1].data.at("content_block"), json::parse(R"({"type":"text","text":""})"));
  EXPECT_EQ(r.events[3].data.at("delta"), json::parse(R"({"type":"text_delta","text":"lo"})"));
  EXPECT_EQ(r.events[5].data.at("index"), 1);
  EXPECT_EQ(r.events[5].data.at("content_block"),
            json::parse(R"({"type":"tool_use","id":"call_1","name":"get","input":{}})"));
  std::string input = std::string(r.events[6].data.at("delta").at("partial_json").as_string()) +
                      std::string(r.events[7].data.at("delta").at("partial_json").as_string());
  EXPECT_EQ(json::parse(input), json::parse(R"({"city":"Oslo"})"));
  EXPECT_EQ(r.events[9].data.at("delta").at("stop_reason"), "tool_use");
  EXPECT_EQ(r.events[9].data.at("usage"),
            json::parse(R"({"input_tokens":30,"cache_creation_input_tokens":0,
                "cache_read_input_tokens":20,"output_tokens":9})"));
  // Usage for accounting stays in the upstream's (OpenAI) semantics.
  EXPECT_FALSE(t->usage().input_excludes_cached);
  EXPECT_EQ(t->usage().prompt_tokens, 50);
}

TEST(StreamTransform, OpenAIErrorChunkAndInterruptionBecomeAnthropicErrors) {
  auto t = make_stream_transform(Endpoint::kMessages, ProviderKind::kOpenAICompatible, false, 0);
  Relayed r =
      run(*t, chunk(R"("choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}])") +
                  "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n");
  EXPECT_TRUE(r.upstream_error);
  EXPECT_TRUE(t->ended());
  ASSERT_FALSE(r.events.empty());
  EXPECT_EQ(r.events.back().type, "error");
  EXPECT_EQ(r.events.back().data.at("error").at("message"), "overloaded");

  auto cut = make_stream_transform(Endpoint::kMessages, ProviderKind::kOpenAICompatible, false, 0);
  Relayed partial =
      run(*cut, chunk(R"("choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}])"));
  EXPECT_FALSE(cut->ended());  // the relay will add the interruption
  EXPECT_EQ(partial.events.back().type, "content_block_delta");
  EXPECT_EQ(cut->interrupted("gone"), anthropic::error_event("api_error", "gone"));
}

TEST(StreamTransform, OpenAIRefusalStreamsAsTextWithStopReasonRefusal) {
  auto t = make_stream_transform(Endpoint::kMessages, ProviderKind::kOpenAI, false, 0);
  Relayed r = run(
      *t,
      chunk(
          R"("choices":[{"index":0,"delta":{"role":"assistant","content":null,"refusal":"No."},"finish_reason":null}])") +
          chunk(R"("choices":[{"index":0,"delta":{},"finish_reason":"stop"}])") +
          "data: [DONE]\n\n");
  ASSERT_EQ(r.events.size(), 6u);
  EXPECT_EQ(r.events[2].data.at("delta").at("text"), "No.");
  EXPECT_EQ(r.events[4].data.at("delta").at("stop_reason"), "refusal");
}

TEST(StreamTransform, InterleavedParallelToolArgumentsEndWithAnError) {
  auto t = make_stream_transform(Endpoint::kMessages, ProviderKind::kOpenAI, false, 0);
  Relayed r = run(
      *t,
      chunk(
          R"("choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c0","function":{"name":"f","arguments":"{\"a\""}}]},"finish_reason":null}])") +
          chunk(
              R"("choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"c1","function":{"name":"g","arguments":"{}"}}]},"finish_reason":null}])") +
          chunk(
              R"("choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]},"finish_reason":null}])") +
          "data: [DONE]\n\n");
  EXPECT_TRUE(r.upstream_error);
  EXPECT_TRUE(t->ended());
  ASSERT_FALSE(r.events.empty());
  EXPECT_EQ(r.events.back().type, "error");  // not a tool_use with a truncated input
  EXPECT_NE(r.bytes.find("interleaved"), std::string::npos);
}

// The simulator's Anthropic stream, translated for an OpenAI client.
std::string mock_stream(bool tools, double cache_hit_share) {
  MockOptions o;
  o.cache_hit_share = cache_hit_share;
  json::object req =
      json::parse(
          tools
              ? R"({"model":"claude","max_tokens":100,"messages":[{"role":"user","content":"weather in Oslo please"}],
                 "tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}}}}]})"
              : R"({"model":"claude","max_tokens":100,"messages":[{"role":"user","content":"hello there, how are you today?"}]})")
          .as_object();
  std::string s;
  for (const MockEvent& e : anthropic_mock_events(anthropic_mock_plan(req, o, 5, "msg_t")))
    s += e.bytes;
  return s;
}

TEST(StreamTransform, AnthropicEventsBecomeOpenAIChunks) {
  for (bool wants_usage : {false, true}) {
    auto t = make_stream_transform(Endpoint::kChat, ProviderKind::kAnthropic, wants_usage, 42);
    ASSERT_NE(t, nullptr);
    Relayed r = run(*t, mock_stream(false, 0.5), 1);
    ASSERT_GE(r.events.size(), 4u);
    EXPECT_EQ(r.events.back().data, "[DONE]");
    std::string text;
    std::string finish;
    bool saw_usage = false;
    for (const auto& e : r.events) {
      if (e.data.is_string()) continue;
      EXPECT_EQ(e.data.at("object"), "chat.completion.chunk");
      EXPECT_EQ(e.data.at("id"), "msg_t");
      EXPECT_EQ(e.data.at("created"), 42);
      const json::array& choices = e.data.at("choices").as_array();
      if (choices.empty()) {
        saw_usage = true;
        // 8 prompt tokens, half of them cache reads: OpenAI counts them inside prompt_tokens.
        EXPECT_EQ(e.data.at("usage").at("prompt_tokens"), 8);
        EXPECT_EQ(e.data.at("usage").at("prompt_tokens_details").at("cached_tokens"), 4);
        EXPECT_EQ(e.data.at("usage").at("completion_tokens"), 5);
        continue;
      }
      const json::value& delta = choices[0].at("delta");
      if (const auto* c = delta.as_object().if_contains("content")) text += c->as_string();
      if (choices[0].at("finish_reason").is_string())
        finish = choices[0].at("finish_reason").as_string();
    }
    EXPECT_EQ(text, " This is a simulated answer");
    EXPECT_EQ(finish, "stop");
    EXPECT_EQ(saw_usage, wants_usage);
    // Accounting: message_start's input and cache read, message_delta's output.
    EXPECT_TRUE(t->usage().input_excludes_cached);
    EXPECT_EQ(t->usage().prompt_tokens, 4);
    EXPECT_EQ(t->usage().cached_tokens, 4);
    EXPECT_EQ(t->usage().completion_tokens, 5);
    EXPECT_TRUE(t->ended());
  }
}

TEST(StreamTransform, AnthropicToolUseBecomesToolCallDeltas) {
  auto t = make_stream_transform(Endpoint::kChat, ProviderKind::kAnthropic, false, 0);
  Relayed r = run(*t, mock_stream(true, 0));
  std::string args, id, name, finish;
  for (const auto& e : r.events) {
    if (e.data.is_string()) continue;
    const json::value& choice = e.data.at("choices").at(0);
    if (const auto* calls = choice.at("delta").as_object().if_contains("tool_calls")) {
      const json::value& call = calls->at(0);
      EXPECT_EQ(call.at("index"), 0);
      if (const auto* i = call.as_object().if_contains("id")) id = i->as_string();
      const json::object& fn = call.at("function").as_object();
      if (const auto* n = fn.if_contains("name")) name = n->as_string();
      args += fn.at("arguments").as_string();
    }
    if (choice.at("finish_reason").is_string()) finish = choice.at("finish_reason").as_string();
  }
  EXPECT_EQ(id, "toolu_mock_msg_t_0");
  EXPECT_EQ(name, "get_weather");
  EXPECT_EQ(json::parse(args), json::parse(R"({"city":"mock","days":1})"));
  EXPECT_EQ(finish, "tool_calls");
}

TEST(StreamTransform, AnthropicRelayPassesBytesAndReadsUsage) {
  auto t = make_stream_transform(Endpoint::kMessages, ProviderKind::kAnthropic, false, 0);
  const std::string up = mock_stream(false, 0.5);
  Relayed r = run(*t, up, 3);
  EXPECT_EQ(r.bytes, up);
  EXPECT_TRUE(r.any_output);
  EXPECT_TRUE(t->ended());
  EXPECT_EQ(t->usage().prompt_tokens, 4);
  EXPECT_EQ(t->usage().cached_tokens, 4);
  EXPECT_EQ(t->usage().completion_tokens, 5);  // message_delta overwrites message_start's 1

  auto cut = make_stream_transform(Endpoint::kMessages, ProviderKind::kAnthropic, false, 0);
  run(*cut, up.substr(0, up.find("event: message_stop")));
  EXPECT_FALSE(cut->ended());

  auto err = make_stream_transform(Endpoint::kChat, ProviderKind::kAnthropic, false, 0);
  Relayed e = run(
      *err, "event: error\ndata: " + anthropic::error_body("overloaded_error", "busy") + "\n\n");
  EXPECT_TRUE(e.upstream_error);
  ASSERT_EQ(e.events.size(), 2u);
  EXPECT_EQ(e.events[0].data.at("error").at("code"), "overloaded_error");
  EXPECT_EQ(e.events[1].data, "[DONE]");
  EXPECT_NE(err->interrupted("cut").find("upstream_stream_interrupted"), std::string::npos);
}

TEST(StreamTransform, OpenAIRelayPassesBytesReadsUsageAndDropsTheUnaskedUsageChunk) {
  const std::string body =
      chunk(R"("choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"}}],"usage":null)") +
      chunk(R"("choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null)");
  const std::string usage =
      chunk(R"("choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4})");
  const std::string up = body + usage + "data: [DONE]\n\n";
  for (bool wants_usage : {false, true}) {
    auto t =
        make_stream_transform(Endpoint::kChat, ProviderKind::kOpenAICompatible, wants_usage, 0);
    Relayed r = run(*t, up, 5);
    // Without include_usage the client gets neither the usage chunk nor "usage":null.
    std::string clean = body;
    for (std::size_t p; (p = clean.find(",\"usage\":null")) != std::string::npos;)
      clean.erase(p, 13);
    EXPECT_EQ(r.bytes, wants_usage ? up : clean + "data: [DONE]\n\n") << wants_usage;
    EXPECT_TRUE(r.any_output);
    EXPECT_FALSE(r.upstream_error);
    EXPECT_TRUE(t->ended());
    EXPECT_EQ(t->usage().prompt_tokens, 3);
    EXPECT_EQ(t->usage().completion_tokens, 1);
  }
  auto cut = make_stream_transform(Endpoint::kChat, ProviderKind::kOpenAI, false, 0);
  run(*cut, body);
  EXPECT_FALSE(cut->ended());
  EXPECT_EQ(cut->interrupted("cut"), sse_error_event("cut", "upstream_stream_interrupted"));
  auto err = make_stream_transform(Endpoint::kChat, ProviderKind::kOpenAI, false, 0);
  Relayed e = run(*err, "data: " + openai_error_body("busy", "server_error") + "\n\n");
  EXPECT_TRUE(e.upstream_error);
  EXPECT_FALSE(err->ended());  // only [DONE] ends an OpenAI stream
}

TEST(StreamTransform, MalformedUpstreamEventsNeverBreakTheClientStream) {
  // Each translating transform gets junk an upstream might send; what the client gets must stay
  // valid SSE whose every data line is JSON (run() parses them) or [DONE]. (The Anthropic
  // passthrough forwards bytes as they are and is not a translator.)
  const std::string junk =
      "data: not json\n\n"
      "data: []\n\n"
      "data: {\"choices\":\"x\"}\n\n"
      "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":\"a\",\"function\":7}]}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{\"content\":5,\"tool_calls\":{}},\"finish_reason\":3}]}\n\n"
      "event: message_start\ndata: {\"message\":[]}\n\n"
      "event: content_block_start\ndata: {\"index\":\"x\",\"content_block\":null}\n\n"
      "event: content_block_delta\ndata: "
      "{\"index\":9,\"delta\":{\"type\":\"input_json_delta\"}}\n\n"
      "event: message_delta\ndata: {\"usage\":{\"output_tokens\":\"many\"},\"delta\":null}\n\n";
  auto from_openai = make_stream_transform(Endpoint::kMessages, ProviderKind::kOpenAI, true, 0);
  Relayed a = run(*from_openai, junk + "data: {\"error\":{\"message\":7}}\n\n", 5);
  EXPECT_TRUE(from_openai->ended());
  EXPECT_EQ(a.events.back().type, "error");
  auto from_anthropic = make_stream_transform(Endpoint::kChat, ProviderKind::kAnthropic, true, 0);
  Relayed b = run(*from_anthropic, junk + "event: error\ndata: oops\n\n", 5);
  EXPECT_TRUE(from_anthropic->ended());
  EXPECT_EQ(b.events.back().data, "[DONE]");
}

TEST(MockAnthropic, PlanAndMessage) {
  MockOptions o;
  o.cache_hit_share = 0.5;
  json::object req =
      json::parse(
          R"({"model":"claude","max_tokens":3,"system":"be brief","messages":[{"role":"user","content":"hello there, how are you today?"}]})")
          .as_object();
  AnthropicMockPlan p = anthropic_mock_plan(req, o, 16, "msg_1");
  EXPECT_EQ(p.tokens, 3);
  EXPECT_EQ(p.stop_reason, "max_tokens");
  EXPECT_EQ(p.input_tokens + p.cache_read_tokens, 10);  // ceil(39 chars / 4), system included
  EXPECT_EQ(p.cache_read_tokens, 5);
  json::value m = json::parse(anthropic_mock_message(p));
  EXPECT_EQ(m.at("content").at(0).at("text"), " This is a");
  EXPECT_EQ(m.at("usage").at("input_tokens"), 5);
  EXPECT_EQ(m.at("usage").at("cache_read_input_tokens"), 5);
  EXPECT_EQ(m.at("usage").at("output_tokens"), 3);
  req["tools"] = json::parse(R"([{"name":"a"},{"name":"b","input_schema":{"type":"object",
      "properties":{"n":{"type":"number"}}}}])");
  req["tool_choice"] = json::object{{"type", "tool"}, {"name", "b"}};
  AnthropicMockPlan named = anthropic_mock_plan(req, o, 16, "msg_3");
  ASSERT_EQ(named.tools.size(), 1u);
  EXPECT_EQ(named.tools[0].name, "b");
  EXPECT_TRUE(json::parse(named.tools[0].input).at("n").is_number());
  req["tool_choice"] = json::object{{"type", "none"}};
  req["tools"] = json::array{json::object{{"name", "f"}}};
  EXPECT_TRUE(anthropic_mock_plan(req, o, 16, "msg_2").tools.empty());
}

}  // namespace
}  // namespace llmctl::gateway
