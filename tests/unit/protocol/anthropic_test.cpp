// The Anthropic <-> OpenAI translation: requests, whole responses, errors, usage and cost.
#include "protocol/anthropic.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "protocol/errors.h"
#include "test_catalog.h"

namespace llmctl::protocol {
namespace {

namespace json = boost::json;

json::object obj(std::string_view text) { return json::parse(text).as_object(); }

json::object chat_of(std::string_view messages_request, bool openai_native = false) {
  auto r = anthropic::messages_to_chat_request(
      obj(messages_request), {.model = "up-model", .openai_native = openai_native});
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? obj(*r) : json::object{};
}

json::object messages_of(std::string_view chat_request) {
  auto r = anthropic::chat_to_messages_request(obj(chat_request), "claude-up");
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? obj(*r) : json::object{};
}

TEST(AnthropicRequest, MessagesToChatCarriesEveryBlockKind) {
  json::object c = chat_of(R"({
    "model":"claude","max_tokens":100,"temperature":0.2,"top_p":0.9,"stop_sequences":["END"],
    "system":[{"type":"text","text":"Be brief."},{"type":"text","text":"Be kind."}],
    "metadata":{"user_id":"u1"},
    "messages":[
      {"role":"user","content":[{"type":"text","text":"What is this?"},
        {"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}},
        {"type":"image","source":{"type":"url","url":"https://x/y.png"}}]},
      {"role":"assistant","content":[{"type":"text","text":"Checking."},
        {"type":"tool_use","id":"toolu_1","name":"look","input":{"q":"png"}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"a cat"},
        {"type":"tool_result","tool_use_id":"toolu_2","is_error":true,
         "content":[{"type":"text","text":"boom"}]},
        {"type":"text","text":"Thanks"}]},
      {"role":"assistant","content":"plain"}],
    "tools":[{"name":"look","description":"Looks","input_schema":{"type":"object","properties":{"q":{"type":"string"}}}}],
    "tool_choice":{"type":"tool","name":"look","disable_parallel_tool_use":true},
    "stream":true})");
  EXPECT_EQ(c["model"], "up-model");
  EXPECT_EQ(c["max_tokens"], 100);
  EXPECT_EQ(c["temperature"], 0.2);
  EXPECT_EQ(c["top_p"], 0.9);
  EXPECT_EQ(c["stop"], json::parse(R"(["END"])"));
  EXPECT_EQ(c["user"], "u1");
  EXPECT_EQ(c["stream"], true);
  EXPECT_EQ(c["stream_options"], json::parse(R"({"include_usage":true})"));
  EXPECT_EQ(c["parallel_tool_calls"], false);
  EXPECT_EQ(c["tool_choice"], json::parse(R"({"type":"function","function":{"name":"look"}})"));
  EXPECT_EQ(c["tools"], json::parse(R"([{"type":"function","function":{"name":"look",
      "description":"Looks","parameters":{"type":"object","properties":{"q":{"type":"string"}}}}}])"));
  const json::array& m = c["messages"].as_array();
  ASSERT_EQ(m.size(), 7u);
  EXPECT_EQ(m[0], json::parse(R"({"role":"system","content":"Be brief.\n\nBe kind."})"));
  EXPECT_EQ(m[1], json::parse(R"({"role":"user","content":[{"type":"text","text":"What is this?"},
      {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}},
      {"type":"image_url","image_url":{"url":"https://x/y.png"}}]})"));
  EXPECT_EQ(m[2], json::parse(R"({"role":"assistant","content":"Checking.","tool_calls":[
      {"id":"toolu_1","type":"function","function":{"name":"look","arguments":"{\"q\":\"png\"}"}}]})"));
  // Tool results first (OpenAI wants them right after the calls), then the user's text.
  EXPECT_EQ(m[3], json::parse(R"({"role":"tool","tool_call_id":"toolu_1","content":"a cat"})"));
  EXPECT_EQ(m[4],
            json::parse(R"({"role":"tool","tool_call_id":"toolu_2","content":"Error: boom"})"));
  EXPECT_EQ(m[5], json::parse(R"({"role":"user","content":"Thanks"})"));
  EXPECT_EQ(m[6], json::parse(R"({"role":"assistant","content":"plain"})"));
}

TEST(AnthropicRequest, MessagesToChatForOpenAIItself) {
  json::object c = chat_of(
      R"({"model":"c","max_tokens":7,"messages":[{"role":"user","content":"hi"}],
          "tool_choice":{"type":"any"},"tools":[{"name":"f","input_schema":{"type":"object"}}]})",
      true);
  EXPECT_FALSE(c.contains("max_tokens"));  // reasoning models refuse it
  EXPECT_EQ(c["max_completion_tokens"], 7);
  EXPECT_EQ(c["tool_choice"], "required");
  EXPECT_FALSE(c.contains("stream_options"));
}

TEST(AnthropicRequest, MessagesToChatRefusesWhatItCannotCarry) {
  struct Case {
    std::string body;
    bool native;
    std::string want;
  };
  const std::vector<Case> cases = {
      {R"({"messages":[],"thinking":{"type":"enabled","budget_tokens":1024}})", false,
       "thinking: is not translated"},
      {R"({"messages":[],"top_k":5})", true, "top_k: OpenAI's API has no top_k"},
      {R"({"messages":[{"role":"user","content":[{"type":"document","source":{}}]}]})", false,
       "messages[0].content[0]: content blocks of type \"document\""},
      {R"({"messages":[],"tools":[{"type":"web_search_20250305","name":"web_search"}]})", false,
       "tools[0]: server tool \"web_search_20250305\""},
      {R"({"messages":[{"role":"system","content":"x"}]})", false,
       "messages[0].role: must be user or assistant"},
  };
  for (const auto& c : cases) {
    auto r =
        anthropic::messages_to_chat_request(obj(c.body), {.model = "m", .openai_native = c.native});
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_NE(r.error().message.find(c.want), std::string::npos) << r.error().message;
  }
  // top_k goes to OpenAI-compatible servers (vLLM and SGLang take it).
  EXPECT_EQ(chat_of(R"({"messages":[],"top_k":5})")["top_k"], 5);
}

TEST(AnthropicRequest, ChatToMessages) {
  json::object m = messages_of(R"({
    "model":"gpt","temperature":0.5,"top_p":1,"stop":"STOP","user":"u9","stream":true,
    "stream_options":{"include_usage":true},"parallel_tool_calls":false,"tool_choice":"required",
    "tools":[{"type":"function","function":{"name":"get","description":"d",
      "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
    "messages":[
      {"role":"system","content":"Sys one."},
      {"role":"developer","content":[{"type":"text","text":"Sys two."}]},
      {"role":"user","content":[{"type":"text","text":"Look"},
        {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,QUJD"}}]},
      {"role":"assistant","content":null,"tool_calls":[
        {"id":"call_1","type":"function","function":{"name":"get","arguments":"{\"city\":\"Oslo\"}"}},
        {"id":"call_2","type":"function","function":{"name":"get","arguments":""}}]},
      {"role":"tool","tool_call_id":"call_1","content":"12C"},
      {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"rain"}]},
      {"role":"user","content":"And tomorrow?"}]})");
  EXPECT_EQ(m["model"], "claude-up");
  EXPECT_EQ(m["system"], "Sys one.\n\nSys two.");
  EXPECT_EQ(m["max_tokens"], anthropic::kDefaultMaxTokens);  // required by Anthropic
  EXPECT_EQ(m["stop_sequences"], json::parse(R"(["STOP"])"));
  EXPECT_EQ(m["metadata"], json::parse(R"({"user_id":"u9"})"));
  EXPECT_EQ(m["stream"], true);
  EXPECT_FALSE(m.contains("stream_options"));
  EXPECT_EQ(m["tool_choice"], json::parse(R"({"type":"any","disable_parallel_tool_use":true})"));
  EXPECT_EQ(m["tools"], json::parse(R"([{"name":"get","description":"d",
      "input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}])"));
  const json::array& msgs = m["messages"].as_array();
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[0], json::parse(R"({"role":"user","content":[{"type":"text","text":"Look"},
      {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"QUJD"}}]})"));
  EXPECT_EQ(msgs[1], json::parse(R"({"role":"assistant","content":[
      {"type":"tool_use","id":"call_1","name":"get","input":{"city":"Oslo"}},
      {"type":"tool_use","id":"call_2","name":"get","input":{}}]})"));
  // Both tool results and the next user turn: one user message (roles must alternate).
  EXPECT_EQ(msgs[2], json::parse(R"({"role":"user","content":[
      {"type":"tool_result","tool_use_id":"call_1","content":"12C"},
      {"type":"tool_result","tool_use_id":"call_2","content":"rain"},
      {"type":"text","text":"And tomorrow?"}]})"));

  json::object limited = messages_of(
      R"({"max_completion_tokens":33,"stop":["a","b"],"messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(limited["max_tokens"], 33);
  EXPECT_EQ(limited["stop_sequences"], json::parse(R"(["a","b"])"));
  EXPECT_FALSE(limited.contains("system"));
}

TEST(AnthropicRequest, ChatToMessagesRefusals) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"n":2,"messages":[]})", "n: Anthropic's Messages API returns one choice; n must be 1"},
      {R"({"response_format":{"type":"json_object"},"messages":[]})", "response_format:"},
      {R"({"logprobs":true,"messages":[]})", "logprobs:"},
      {R"({"messages":[{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":"not json"}}]}]})",
       "messages[0].tool_calls[0].function.arguments: must be a JSON object"},
      {R"({"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]})",
       "messages[0].content[0]: content parts of type \"input_audio\""},
      {R"({"tools":[{"type":"custom","custom":{}}],"messages":[]})",
       "tools[0]: only function tools"},
  };
  for (const auto& [body, want] : cases) {
    auto r = anthropic::chat_to_messages_request(obj(body), "m");
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_NE(r.error().message.find(want), std::string::npos) << r.error().message;
  }
  EXPECT_TRUE(anthropic::chat_to_messages_request(obj(R"({"n":1,"messages":[]})"), "m").ok());
}

TEST(AnthropicResponse, ChatCompletionToMessage) {
  auto r = anthropic::chat_to_messages_response(R"({"id":"chatcmpl-9","object":"chat.completion",
    "model":"gpt-x","choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant",
    "content":"Let me check.","tool_calls":[{"id":"call_1","type":"function",
    "function":{"name":"get","arguments":"{\"city\":\"Oslo\"}"}}]}}],
    "usage":{"prompt_tokens":120,"completion_tokens":30,"prompt_tokens_details":{"cached_tokens":100}}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(json::parse(*r), json::parse(R"({"id":"msg_chatcmpl-9","type":"message",
    "role":"assistant","model":"gpt-x","content":[{"type":"text","text":"Let me check."},
    {"type":"tool_use","id":"call_1","name":"get","input":{"city":"Oslo"}}],
    "stop_reason":"tool_use","stop_sequence":null,
    "usage":{"input_tokens":20,"cache_creation_input_tokens":0,"cache_read_input_tokens":100,
             "output_tokens":30}})"));
  auto refused = anthropic::chat_to_messages_response(
      R"({"id":"x","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant",
      "content":null,"refusal":"I can't help with that."}}]})");
  ASSERT_TRUE(refused.ok()) << refused.error().message;
  json::value rv = json::parse(*refused);
  EXPECT_EQ(rv.at("stop_reason"), "refusal");
  EXPECT_EQ(rv.at("content").at(0).at("text"), "I can't help with that.");
  EXPECT_FALSE(anthropic::chat_to_messages_response(R"({"choices":[]})").ok());
  EXPECT_FALSE(anthropic::chat_to_messages_response("<html>").ok());
}

TEST(AnthropicResponse, MessageToChatCompletion) {
  auto r = anthropic::messages_to_chat_response(R"({"id":"msg_1","type":"message",
    "role":"assistant","model":"claude-x","content":[{"type":"thinking","thinking":"hmm"},
    {"type":"text","text":"Hi "},{"type":"text","text":"there"},
    {"type":"tool_use","id":"toolu_1","name":"f","input":{"a":1}}],
    "stop_reason":"tool_use","stop_sequence":null,
    "usage":{"input_tokens":10,"cache_read_input_tokens":1000,"cache_creation_input_tokens":50,
             "output_tokens":7}})",
                                                1700000000);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(json::parse(*r), json::parse(R"({"id":"msg_1","object":"chat.completion",
    "created":1700000000,"model":"claude-x","choices":[{"index":0,"message":{"role":"assistant",
    "content":"Hi there","refusal":null,"tool_calls":[{"id":"toolu_1","type":"function",
    "function":{"name":"f","arguments":"{\"a\":1}"}}]},"logprobs":null,"finish_reason":"tool_calls"}],
    "usage":{"prompt_tokens":1060,"completion_tokens":7,"total_tokens":1067,
             "prompt_tokens_details":{"cached_tokens":1000},
             "completion_tokens_details":{"reasoning_tokens":0}}})"));
  EXPECT_FALSE(anthropic::messages_to_chat_response(R"({"type":"error"})", 0).ok());
}

TEST(AnthropicResponse, FinishReasons) {
  const std::vector<std::pair<std::string, std::string>> stop_to_finish = {
      {"end_turn", "stop"},
      {"stop_sequence", "stop"},
      {"max_tokens", "length"},
      {"tool_use", "tool_calls"},
      {"refusal", "content_filter"},
      {"pause_turn", "stop"},
      {"model_context_window_exceeded", "length"}};
  for (const auto& [stop, finish] : stop_to_finish)
    EXPECT_EQ(anthropic::finish_reason_from_stop(stop), finish) << stop;
  const std::vector<std::pair<std::string, std::string>> finish_to_stop = {
      {"stop", "end_turn"},
      {"length", "max_tokens"},
      {"tool_calls", "tool_use"},
      {"function_call", "tool_use"},
      {"content_filter", "refusal"}};
  for (const auto& [finish, stop] : finish_to_stop)
    EXPECT_EQ(anthropic::stop_reason_from_finish(finish), stop) << finish;
}

TEST(AnthropicErrors, ShapesBothWays) {
  auto a = json::parse(anthropic::to_anthropic_error(
      404, openai_error_body("The model `x` does not exist.", "invalid_request_error", "model",
                             "model_not_found")));
  EXPECT_EQ(a, json::parse(R"({"type":"error","error":{"type":"not_found_error",
      "message":"The model `x` does not exist."}})"));
  const std::string native = anthropic::error_body("overloaded_error", "Overloaded");
  EXPECT_EQ(anthropic::to_anthropic_error(529, native), native);  // already Anthropic's
  EXPECT_EQ(
      json::parse(anthropic::to_anthropic_error(502, "bad gateway")),
      json::parse(R"({"type":"error","error":{"type":"api_error","message":"bad gateway"}})"));
  EXPECT_EQ(anthropic::error_type_for_status(429), "rate_limit_error");
  EXPECT_EQ(anthropic::error_type_for_status(401), "authentication_error");
  EXPECT_EQ(anthropic::error_type_for_status(413), "request_too_large");
  EXPECT_EQ(anthropic::error_type_for_status(504), "timeout_error");
  EXPECT_EQ(anthropic::error_type_for_status(503), "overloaded_error");
  EXPECT_EQ(anthropic::error_type_for_status(500), "api_error");

  auto o = json::parse(
      anthropic::to_openai_error(429, anthropic::error_body("rate_limit_error", "Slow down")));
  EXPECT_EQ(o, json::parse(R"({"error":{"message":"Slow down","type":"rate_limit_exceeded",
      "param":null,"code":"rate_limit_error"}})"));
  const std::string openai = openai_error_body("x", "invalid_request_error");
  EXPECT_EQ(anthropic::to_openai_error(400, openai), openai);  // not Anthropic's: unchanged
  EXPECT_EQ(anthropic::error_event("api_error", "cut"),
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\","
            "\"message\":\"cut\"}}\n\n");
}

TEST(AnthropicUsage, ExcludesCacheAndIsNormalisedBeforePricing) {
  ReportedUsage u = anthropic::usage_from_body(R"({"type":"message","usage":{"input_tokens":100,
      "cache_read_input_tokens":1000,"cache_creation_input_tokens":200,"output_tokens":50}})");
  ASSERT_TRUE(u.present);
  EXPECT_TRUE(u.input_excludes_cached);
  EXPECT_EQ(u.prompt_tokens, 100);
  EXPECT_EQ(u.cached_tokens, 1000);
  EXPECT_EQ(u.cache_write_tokens, 200);
  const catalog::Price* price =
      testing::embedded_catalog()->find_price("anthropic/claude-sonnet-4-5");
  ASSERT_NE(price, nullptr);
  Accounting a = account(u, 0, 0, price);
  EXPECT_FALSE(a.estimated);
  EXPECT_EQ(a.usage.input_tokens, 1300);  // normalised: every input token
  EXPECT_EQ(a.usage.cache_read_tokens, 1000);
  EXPECT_EQ(a.usage.cache_write_tokens, 200);
  EXPECT_EQ(a.usage.output_tokens, 50);
  // 100 x $3 + 1000 x $0.30 + 200 x $3.75 + 50 x $15, per million.
  EXPECT_NEAR(a.cost_usd, (100 * 3 + 1000 * 0.3 + 200 * 3.75 + 50 * 15) / 1e6, 1e-12);
  EXPECT_EQ(a.price_id, "anthropic/claude-sonnet-4-5");

  // The client of the other API sees its own semantics.
  EXPECT_EQ(anthropic::usage_for_openai_client(u)["prompt_tokens"], 1300);
  ReportedUsage openai = usage_from_body(
      R"({"usage":{"prompt_tokens":1300,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":1000}}})");
  EXPECT_EQ(json::value(anthropic::usage_for_anthropic_client(openai)),
            json::parse(R"({"input_tokens":300,"cache_creation_input_tokens":0,
                "cache_read_input_tokens":1000,"output_tokens":5})"));
}

}  // namespace
}  // namespace llmctl::protocol
