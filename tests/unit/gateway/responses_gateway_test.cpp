// The Responses API on the gateway side: which body each deployment kind gets, the stream
// transforms (chat chunks -> semantic events; Anthropic events -> chunks -> events; the
// passthrough relay), and the response store's limits.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "gateway/response_store.h"
#include "gateway/translate.h"
#include "gateway/translate_responses.h"
#include "mock/mock_anthropic.h"

namespace llmctl::gateway {
namespace {

namespace json = boost::json;

struct Relayed {
  std::vector<std::pair<std::string, json::value>> events;  // (event field, data)
  bool output = false, error = false;
};
Relayed run(StreamTransform& t, std::string_view upstream, std::size_t step = 5) {
  Relayed r;
  std::string bytes;
  SseParser in;
  SseEvent ev;
  for (std::size_t i = 0; i < upstream.size(); i += step) {
    in.feed(upstream.substr(i, step));
    while (in.next(ev)) {
      StreamStep s = t.on_event(ev, bytes);
      r.output |= s.output;
      r.error |= s.upstream_error;
    }
  }
  SseParser out;
  out.feed(bytes);
  while (out.next(ev)) r.events.emplace_back(ev.event, json::parse(ev.data));
  EXPECT_EQ(out.pending_bytes(), 0u);
  return r;
}

std::string chunk(std::string_view delta, std::string_view finish = "null") {
  return fmt::format(
      "data: {{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"up\","
      "\"choices\":[{{\"index\":0,\"delta\":{},\"finish_reason\":{}}}]}}\n\n",
      delta, finish);
}

RequestContext responses_ctx(std::string_view body, bool stream) {
  RequestContext ctx;
  ctx.endpoint = Endpoint::kResponses;
  ctx.body = json::parse(body);
  ctx.model = "alias";
  ctx.stream = stream;
  ctx.response_id = "resp_t1";
  return ctx;
}

std::vector<std::string> types(const Relayed& r) {
  std::vector<std::string> t;
  for (const auto& [event, data] : r.events) {
    EXPECT_EQ(event, std::string(data.at("type").as_string()));  // both name the event
    t.emplace_back(data.at("type").as_string());
  }
  return t;
}

TEST(ResponsesStream, ChatChunksBecomeSemanticEvents) {
  RequestContext ctx = responses_ctx(R"({"model":"alias","input":"hi","stream":true})", true);
  auto t = make_stream_transform(ctx, ProviderKind::kOpenAICompatible, 9);
  const std::string up =
      chunk(R"({"role":"assistant","reasoning_content":"think"})") + chunk(R"({"content":"Hel"})") +
      chunk(R"({"content":"lo"})") +
      chunk(
          R"({"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"f","arguments":""}}]})") +
      chunk(
          R"({"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"g","arguments":"{}"}}]})") +
      chunk(
          R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":1}"}}]})") +  // interleaved
      chunk("{}", R"("tool_calls")") +
      R"(data: {"id":"c","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":4,"total_tokens":11}})"
      "\n\ndata: [DONE]\n\n";
  Relayed r = run(*t, up);
  EXPECT_TRUE(r.output);
  const std::vector<std::string> want = {
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.reasoning_summary_part.added",
      "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.done",
      "response.reasoning_summary_part.done",
      "response.output_item.done",  // reasoning closes when the message opens
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed"};
  EXPECT_EQ(types(r), want);
  for (std::size_t i = 0; i < r.events.size(); ++i)
    EXPECT_EQ(r.events[i].second.at("sequence_number").as_int64(), static_cast<std::int64_t>(i));
  const json::object& done = r.events.back().second.at("response").as_object();
  EXPECT_EQ(done.at("id"), "resp_t1");
  EXPECT_EQ(done.at("model"), "alias");
  EXPECT_EQ(done.at("status"), "completed");
  const json::array& out = done.at("output").as_array();
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].at("summary").at(0).at("text"), "think");
  EXPECT_EQ(out[1].at("content").at(0).at("text"), "Hello");
  EXPECT_EQ(out[2].at("arguments"), R"({"a":1})");
  EXPECT_EQ(out[2].at("call_id"), "call_a");
  EXPECT_EQ(out[3].at("arguments"), "{}");
  EXPECT_EQ(done.at("usage").at("input_tokens"), 7);
  ASSERT_NE(t->final_response(), nullptr);
  EXPECT_EQ(t->usage().prompt_tokens, 7);
  EXPECT_TRUE(t->ended());
  // Cut before [DONE]: the error event the relay appends is a Responses `error` event.
  auto cut = make_stream_transform(ctx, ProviderKind::kOpenAICompatible, 9);
  run(*cut, chunk(R"({"content":"x"})"));
  EXPECT_FALSE(cut->ended());
  EXPECT_NE(cut->interrupted("gone").find("\"type\":\"error\""), std::string::npos);
}

TEST(ResponsesStream, LengthEndsIncomplete) {
  RequestContext ctx = responses_ctx(R"({"model":"alias","input":"hi"})", true);
  auto t = make_stream_transform(ctx, ProviderKind::kOpenAICompatible, 9);
  Relayed r =
      run(*t, chunk(R"({"content":"x"})") + chunk("{}", R"("length")") + "data: [DONE]\n\n");
  EXPECT_EQ(r.events.back().first, "response.incomplete");
  EXPECT_EQ(r.events.back().second.at("response").at("incomplete_details").at("reason"),
            "max_output_tokens");
}

TEST(ResponsesStream, AnthropicEventsThroughChat) {
  RequestContext ctx = responses_ctx(
      R"({"model":"alias","input":"weather?","tools":[{"type":"function","name":"w",
          "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}]})",
      true);
  mock::MockOptions o;
  json::object req = json::parse(R"({"model":"claude","max_tokens":100,"messages":[{"role":"user",
      "content":"weather?"}],"tools":[{"name":"w","input_schema":{"type":"object",
      "properties":{"city":{"type":"string"}}}}]})")
                         .as_object();
  std::string up;
  for (const auto& e : mock::anthropic_mock_events(mock::anthropic_mock_plan(req, o, 8, "msg_1")))
    up += e.bytes;
  auto t = make_stream_transform(ctx, ProviderKind::kAnthropic, 9);
  Relayed r = run(*t, up);
  const json::object& done = r.events.back().second.at("response").as_object();
  EXPECT_EQ(r.events.back().first, "response.completed");
  const json::value& call = done.at("output").at(0);
  EXPECT_EQ(call.at("type"), "function_call");
  EXPECT_EQ(call.at("name"), "w");
  EXPECT_EQ(json::parse(call.at("arguments").as_string()).at("city"), "mock");
  EXPECT_GT(done.at("usage").at("input_tokens").as_int64(), 0);
  EXPECT_TRUE(t->usage().input_excludes_cached);  // accounting in the upstream's semantics
}

TEST(ResponsesStream, PassthroughRelayReadsTheTerminalEvent) {
  RequestContext ctx = responses_ctx(R"({"model":"alias","input":"hi"})", true);
  auto t = make_stream_transform(ctx, ProviderKind::kOpenAI, 9);
  const std::string up =
      "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
      "\"delta\":\"abc\"}\n\n"
      "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":"
      "\"resp_up\",\"output\":[],\"usage\":{\"input_tokens\":9,\"output_tokens\":2,"
      "\"input_tokens_details\":{\"cached_tokens\":3}}}}\n\n";
  Relayed r = run(*t, up);
  EXPECT_TRUE(r.output);
  EXPECT_TRUE(t->ended());
  EXPECT_EQ(t->usage().prompt_tokens, 9);
  EXPECT_EQ(t->usage().cached_tokens, 3);
  ASSERT_NE(t->final_response(), nullptr);
  EXPECT_EQ(t->final_response()->at("id"), "resp_up");
}

TEST(ResponsesBody, EachDeploymentKindGetsItsOwn) {
  Deployment oai, compat, claude;
  oai.kind = ProviderKind::kOpenAI;
  oai.model = "gpt-up";
  compat.kind = ProviderKind::kOpenAICompatible;
  compat.model = "open-up";
  claude.kind = ProviderKind::kAnthropic;
  claude.model = "claude-up";
  RequestContext ctx = responses_ctx(
      R"({"model":"alias","input":"hi","tools":[{"type":"web_search"}],"stream":true})", true);
  auto pass = translated_upstream_body(ctx, oai);
  ASSERT_TRUE(pass.ok());
  json::object p = json::parse(*pass).as_object();
  EXPECT_EQ(p["model"], "gpt-up");
  EXPECT_FALSE(p.contains("stream_options"));  // not a Responses field
  EXPECT_EQ(upstream_path(Endpoint::kResponses, ProviderKind::kOpenAI), "/responses");
  auto refused = translated_upstream_body(ctx, compat);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.error().message.starts_with("tools[0].type:")) << refused.error().message;

  RequestContext plain = responses_ctx(
      R"({"model":"alias","input":"hi","text":{"format":{"type":"json_schema","name":"o",
          "schema":{"type":"object"}}}})",
      false);
  auto chat = translated_upstream_body(plain, compat);
  ASSERT_TRUE(chat.ok());
  EXPECT_EQ(upstream_path(Endpoint::kResponses, ProviderKind::kOpenAICompatible),
            "/chat/completions");
  EXPECT_EQ(json::parse(*chat).at("model"), "open-up");
  auto messages = translated_upstream_body(plain, claude);
  ASSERT_TRUE(messages.ok()) << messages.error().message;
  json::object m = json::parse(*messages).as_object();
  EXPECT_EQ(m["model"], "claude-up");
  EXPECT_EQ(m["output_config"].at("format").at("type"), "json_schema");

  // A previous response the gateway made: expanded for OpenAI, the conversation for others.
  json::array history =
      json::parse(R"([{"type":"message","role":"user","content":"one"}])").as_array();
  RequestContext next =
      responses_ctx(R"({"model":"alias","input":"two","previous_response_id":"resp_0"})", false);
  next.history = &history;
  next.history_from_gateway = true;
  json::object expanded = json::parse(*translated_upstream_body(next, oai)).as_object();
  EXPECT_FALSE(expanded.contains("previous_response_id"));
  EXPECT_EQ(expanded["input"].as_array().size(), 2u);
  next.history = nullptr;
  auto unknown = translated_upstream_body(next, compat);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("previous_response_id"), std::string::npos);
}

TEST(ResponseStore, LimitsTtlAndItems) {
  ResponseStore store({.max_entries = 2, .max_bytes = 1 << 20, .ttl_ms = 1000});
  store.put("a", "{}", {}, json::object{{"msg_a", json::object{{"type", "message"}}}}, true, 0);
  store.put("b", "{}", {}, {}, false, 10);
  ASSERT_TRUE(store.get("a", 500));
  EXPECT_TRUE(store.get("a", 500)->made_here);
  ASSERT_TRUE(store.item("msg_a", 500));
  EXPECT_FALSE(store.get("a", 1000));       // expired
  store.put("c", "{}", {}, {}, false, 20);  // three entries: the oldest goes
  EXPECT_FALSE(store.get("a", 30));
  EXPECT_FALSE(store.item("msg_a", 30));
  EXPECT_TRUE(store.get("b", 30));
  EXPECT_TRUE(store.erase("b", 30));
  EXPECT_FALSE(store.erase("b", 30));
  EXPECT_EQ(store.size(), 1u);
  ResponseStore small({.max_entries = 100, .max_bytes = 64, .ttl_ms = 1000});
  small.put("x", std::string(40, ' '), {}, {}, false, 0);
  small.put("y", std::string(40, ' '), {}, {}, false, 0);  // over the bytes: x goes
  EXPECT_FALSE(small.get("x", 1));
  EXPECT_TRUE(small.get("y", 1));
}

}  // namespace
}  // namespace llmctl::gateway
