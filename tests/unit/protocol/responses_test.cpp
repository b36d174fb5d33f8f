// The Responses API <-> chat completions translation (protocol/responses.h) and structured
// output across the Anthropic translation.
#include "protocol/responses.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "protocol/anthropic.h"

namespace llmctl::protocol {
namespace {

namespace json = boost::json;

json::object obj(std::string_view text) { return json::parse(text).as_object(); }

json::object chat_of(std::string_view request, const json::array& history = {}) {
  auto r = responses::to_chat_request(obj(request), history, {.model = "up"});
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? obj(*r) : json::object{};
}

std::string refusal_of(std::string_view request) {
  auto r = responses::to_chat_request(obj(request), {}, {.model = "up"});
  return r.ok() ? std::string("accepted") : r.error().message;
}

TEST(ResponsesRequest, StringInputAndInstructions) {
  json::object c = chat_of(
      R"({"model":"m","input":"Hi","instructions":"Be brief.","max_output_tokens":50,
          "temperature":0.3,"top_p":0.9,"user":"u1","stream":true})");
  EXPECT_EQ(c["model"], "up");
  EXPECT_EQ(json::serialize(c["messages"]),
            R"([{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}])");
  EXPECT_EQ(c["max_tokens"], 50);
  EXPECT_EQ(c["temperature"], 0.3);
  EXPECT_EQ(c["user"], "u1");
  EXPECT_EQ(json::serialize(c["stream_options"]), R"({"include_usage":true})");
}

TEST(ResponsesRequest, ItemsToolsAndOutputs) {
  json::object c = chat_of(R"({"model":"m","input":[
      {"role":"developer","content":"Use tools."},
      {"type":"message","role":"user","content":[{"type":"input_text","text":"Weather?"},
        {"type":"input_image","image_url":"https://x/y.png","detail":"low"}]},
      {"type":"reasoning","id":"rs_1","summary":[]},
      {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Checking."}]},
      {"type":"function_call","call_id":"c1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
      {"type":"function_call","call_id":"c2","name":"get_time","arguments":"{}"},
      {"type":"function_call_output","call_id":"c1","output":"21C"},
      {"type":"function_call_output","call_id":"c2","output":[{"type":"input_text","text":"noon"}]}],
    "tools":[{"type":"function","name":"get_weather","description":"d",
              "parameters":{"type":"object"},"strict":true}],
    "tool_choice":{"type":"function","name":"get_weather"},"parallel_tool_calls":false})");
  const json::array& m = c["messages"].as_array();
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(m[0].at("role"), "system");  // developer -> system for OpenAI-compatible servers
  EXPECT_EQ(m[1].at("content").as_array()[1].at("image_url").at("detail"), "low");
  EXPECT_EQ(m[2].at("content"), "Checking.");
  EXPECT_EQ(m[2].at("tool_calls").as_array().size(), 2u);  // both calls in the assistant turn
  EXPECT_EQ(m[2].at("tool_calls").as_array()[0].at("function").at("name"), "get_weather");
  EXPECT_EQ(m[3].at("role"), "tool");
  EXPECT_EQ(m[4].at("content"), "noon");
  EXPECT_EQ(json::serialize(c["tools"]),
            R"([{"type":"function","function":{"name":"get_weather","description":"d",)"
            R"("parameters":{"type":"object"},"strict":true}}])");
  EXPECT_EQ(json::serialize(c["tool_choice"]),
            R"({"type":"function","function":{"name":"get_weather"}})");
  EXPECT_EQ(c["parallel_tool_calls"], false);
}

TEST(ResponsesRequest, HistoryComesFirst) {
  json::array history = json::parse(
                            R"([{"type":"message","role":"user","content":"one"},
          {"type":"message","role":"assistant","content":[{"type":"output_text","text":"two"}]}])")
                            .as_array();
  json::object c = chat_of(R"({"model":"m","input":"three","instructions":"sys"})", history);
  EXPECT_EQ(json::serialize(c["messages"]),
            R"([{"role":"system","content":"sys"},{"role":"user","content":"one"},)"
            R"({"role":"assistant","content":"two"},{"role":"user","content":"three"}])");
}

TEST(ResponsesRequest, StructuredOutputAndAllowedTools) {
  json::object c = chat_of(R"({"model":"m","input":"x",
    "text":{"format":{"type":"json_schema","name":"out","schema":{"type":"object"},"strict":true},
            "verbosity":"low"},
    "tools":[{"type":"function","name":"a"},{"type":"function","name":"b"}],
    "tool_choice":{"type":"allowed_tools","mode":"required","tools":[{"type":"function","name":"b"}]},
    "reasoning":{"effort":"low","summary":"auto"},"top_logprobs":2,"top_k":5})");
  EXPECT_EQ(
      json::serialize(c["response_format"]),
      R"({"type":"json_schema","json_schema":{"name":"out","schema":{"type":"object"},"strict":true}})");
  EXPECT_EQ(c["verbosity"], "low");
  ASSERT_EQ(c["tools"].as_array().size(), 1u);
  EXPECT_EQ(c["tools"].as_array()[0].at("function").at("name"), "b");
  EXPECT_EQ(c["tool_choice"], "required");
  EXPECT_EQ(c["reasoning_effort"], "low");
  EXPECT_EQ(c["logprobs"], true);
  EXPECT_EQ(c["top_logprobs"], 2);
  EXPECT_EQ(c["top_k"], 5);  // fields the SDK does not define pass on (vLLM's sampling knobs)
  EXPECT_FALSE(c.contains("text"));
  EXPECT_FALSE(c.contains("reasoning"));
}

TEST(ResponsesRequest, RefusalsNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"input":"x","tools":[{"type":"web_search"}]})", "tools[0].type:"},
      {R"({"input":"x","tool_choice":{"type":"file_search"}})", "tool_choice.type:"},
      {R"({"input":"x","background":true})", "background:"},
      {R"({"input":"x","conversation":"conv_1"})", "conversation:"},
      {R"({"input":"x","prompt":{"id":"p"}})", "prompt:"},
      {R"({"input":"x","max_tool_calls":3})", "max_tool_calls:"},
      {R"({"input":"x","include":["file_search_call.results"]})", "include[0]:"},
      {R"({"input":[{"type":"input_file","file_id":"f"}]})", "input[0].type:"},
      {R"({"input":[{"role":"user","content":[{"type":"input_file","file_id":"f"}]}]})",
       "input[0].content[0].type:"},
      {R"({"input":[{"role":"user","content":[{"type":"input_image","file_id":"f"}]}]})",
       "input[0].content[0].file_id:"},
      {R"({"input":[{"type":"item_reference","id":"msg_1"}]})", "input[0].type:"},
      {R"({"input":"x","text":{"format":{"type":"grammar"}}})", "text.format.type:"},
  };
  for (const auto& [request, field] : cases)
    EXPECT_TRUE(refusal_of(request).starts_with(field)) << request << " -> " << refusal_of(request);
}

TEST(ResponsesResponse, ChatCompletionBecomesOutputItems) {
  json::object req = obj(R"({"model":"alias","input":"x","instructions":"i","store":false})");
  auto r = responses::chat_to_response(
      R"({"id":"c","object":"chat.completion","created":1,"model":"upstream",
          "choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant",
            "reasoning_content":"thinking","content":"Hello",
            "tool_calls":[{"id":"call_1","type":"function",
              "function":{"name":"f","arguments":"{\"a\":1}"}}]}}],
          "usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,
                   "prompt_tokens_details":{"cached_tokens":4},
                   "completion_tokens_details":{"reasoning_tokens":2}}})",
      req, {.id = "resp_abc", .model = "alias", .created_at = 7});
  ASSERT_TRUE(r.ok()) << r.error().message;
  json::object o = obj(*r);
  EXPECT_EQ(o["id"], "resp_abc");
  EXPECT_EQ(o["object"], "response");
  EXPECT_EQ(o["model"], "alias");
  EXPECT_EQ(o["status"], "completed");
  EXPECT_EQ(o["store"], false);
  EXPECT_EQ(o["instructions"], "i");
  const json::array& out = o["output"].as_array();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].at("type"), "reasoning");
  EXPECT_EQ(out[0].at("summary").as_array()[0].at("text"), "thinking");
  EXPECT_EQ(out[1].at("content").as_array()[0].at("text"), "Hello");
  EXPECT_EQ(out[2].at("type"), "function_call");
  EXPECT_EQ(out[2].at("call_id"), "call_1");
  EXPECT_EQ(out[2].at("arguments"), R"({"a":1})");
  EXPECT_EQ(json::serialize(o["usage"]),
            R"({"input_tokens":10,"input_tokens_details":{"cached_tokens":4},"output_tokens":5,)"
            R"("output_tokens_details":{"reasoning_tokens":2},"total_tokens":15})");
}

TEST(ResponsesResponse, LengthIsIncomplete) {
  auto r = responses::chat_to_response(
      R"({"choices":[{"finish_reason":"length","message":{"content":"cut"}}]})", obj("{}"),
      {.id = "resp_x", .model = "m"});
  ASSERT_TRUE(r.ok());
  json::object o = obj(*r);
  EXPECT_EQ(o["status"], "incomplete");
  EXPECT_EQ(o["incomplete_details"].at("reason"), "max_output_tokens");
  EXPECT_FALSE(responses::chat_to_response("{}", obj("{}"), {}).ok());
}

TEST(ResponsesUsage, AnthropicSemanticsIncludeCacheInInput) {
  ReportedUsage u{.present = true,
                  .prompt_tokens = 10,
                  .completion_tokens = 3,
                  .cached_tokens = 5,
                  .cache_write_tokens = 2,
                  .input_excludes_cached = true};
  json::object c = responses::usage_for_client(u);
  EXPECT_EQ(c["input_tokens"], 17);
  EXPECT_EQ(c["total_tokens"], 20);
  // Responses usage read back (a passthrough body) keeps OpenAI semantics.
  ReportedUsage back = usage_from_body(R"({"usage":{"input_tokens":17,"output_tokens":3,)"
                                       R"("input_tokens_details":{"cached_tokens":5}}})");
  EXPECT_EQ(back.prompt_tokens, 17);
  EXPECT_EQ(back.cached_tokens, 5);
  EXPECT_EQ(back.completion_tokens, 3);
}

TEST(StructuredOutput, BothWaysThroughTheAnthropicTranslation) {
  auto to_messages = anthropic::chat_to_messages_request(
      obj(R"({"model":"m","messages":[{"role":"user","content":"x"}],
              "response_format":{"type":"json_schema","json_schema":{"name":"o",
                "schema":{"type":"object","properties":{"a":{"type":"string"}}}}}})"),
      "claude");
  ASSERT_TRUE(to_messages.ok()) << to_messages.error().message;
  EXPECT_EQ(
      json::serialize(obj(*to_messages)["output_config"]),
      R"({"format":{"type":"json_schema","schema":{"type":"object","properties":{"a":{"type":"string"}}}}})");
  auto to_chat = anthropic::messages_to_chat_request(
      obj(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],
              "output_config":{"format":{"type":"json_schema","schema":{"type":"object"}}}})"),
      {.model = "up"});
  ASSERT_TRUE(to_chat.ok()) << to_chat.error().message;
  EXPECT_EQ(
      json::serialize(obj(*to_chat)["response_format"]),
      R"({"type":"json_schema","json_schema":{"name":"output","schema":{"type":"object"},"strict":true}})");
  auto bad = anthropic::messages_to_chat_request(
      obj(R"({"model":"m","max_tokens":5,"messages":[],"output_config":{"task_budget":{}}})"),
      {.model = "up"});
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.error().message.starts_with("output_config.task_budget:"));
}

}  // namespace
}  // namespace llmctl::protocol
