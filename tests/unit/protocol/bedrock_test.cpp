// Bedrock Converse <-> Anthropic Messages: requests, whole responses, stream events, usage and
// errors, with the Converse shapes of the Bedrock runtime API reference.
#include "protocol/bedrock.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "protocol/sse.h"

namespace llmctl::protocol::bedrock {
namespace {

namespace json = boost::json;

json::object converse_of(std::string_view messages_request) {
  auto r = messages_to_converse_request(json::parse(messages_request).as_object());
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? json::parse(*r).as_object() : json::object{};
}

std::string refusal(std::string_view messages_request) {
  auto r = messages_to_converse_request(json::parse(messages_request).as_object());
  return r.ok() ? std::string("accepted") : r.error().message;
}

TEST(BedrockRequest, CarriesSystemImagesToolsResultsAndCachePoints) {
  json::object c = converse_of(R"({
    "model":"m","max_tokens":300,"temperature":0.5,"top_p":0.9,"top_k":40,
    "stop_sequences":["END"],
    "system":[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],
    "metadata":{"user_id":"u1"},
    "tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object",
      "properties":{"city":{"type":"string"}}}}],
    "tool_choice":{"type":"tool","name":"get_weather"},
    "messages":[
      {"role":"user","content":[{"type":"text","text":"Weather here?"},
        {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"AAAA"}}]},
      {"role":"assistant","content":[{"type":"tool_use","id":"tu1","name":"get_weather",
        "input":{"city":"Oslo"}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"tu1","is_error":true,
        "content":"timeout"}]}]})");
  EXPECT_EQ(json::serialize(c["system"]),
            R"([{"text":"Be brief."},{"cachePoint":{"type":"default"}}])");
  EXPECT_EQ(json::serialize(c["inferenceConfig"]),
            R"({"maxTokens":300,"temperature":5E-1,"topP":9E-1,"stopSequences":["END"]})");
  EXPECT_EQ(json::serialize(c["additionalModelRequestFields"]), R"({"top_k":40})");
  EXPECT_EQ(json::serialize(c["requestMetadata"]), R"({"user_id":"u1"})");
  const json::array& msgs = c["messages"].as_array();
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(json::serialize(msgs[0]), R"({"role":"user","content":[{"text":"Weather here?"},)"
                                      R"({"image":{"format":"jpeg","source":{"bytes":"AAAA"}}}]})");
  EXPECT_EQ(json::serialize(msgs[1]),
            R"({"role":"assistant","content":[{"toolUse":{"toolUseId":"tu1",)"
            R"("name":"get_weather","input":{"city":"Oslo"}}}]})");
  EXPECT_EQ(json::serialize(msgs[2]),
            R"({"role":"user","content":[{"toolResult":{"toolUseId":"tu1",)"
            R"("content":[{"text":"timeout"}],"status":"error"}}]})");
  EXPECT_EQ(
      json::serialize(c["toolConfig"]),
      R"({"tools":[{"toolSpec":{"name":"get_weather","description":"Weather",)"
      R"("inputSchema":{"json":{"type":"object","properties":{"city":{"type":"string"}}}}}}],)"
      R"("toolChoice":{"tool":{"name":"get_weather"}}})");
}

TEST(BedrockRequest, RefusesWhatConverseCannotCarry) {
  EXPECT_EQ(refusal(R"({"messages":[{"role":"user","content":[{"type":"image",
    "source":{"type":"url","url":"https://x/y.png"}}]}]})"),
            "messages[0].content[0].source: Bedrock's Converse API takes image bytes only; send "
            "the image as base64 data, not a URL");
  EXPECT_EQ(refusal(R"({"messages":[{"role":"user","content":[{"type":"image",
    "source":{"type":"base64","media_type":"image/bmp","data":"AA"}}]}]})"),
            "messages[0].content[0].source.media_type: image type \"image/bmp\" is not one of "
            "Bedrock's png, jpeg, gif, webp");
  EXPECT_EQ(refusal(R"({"messages":[],"tools":[{"name":"t"}],"tool_choice":{"type":"none"}})"),
            "tool_choice.type: \"none\" has no Converse equivalent (auto, any or tool)");
  EXPECT_EQ(refusal(R"({"messages":[],"tools":[{"type":"web_search_20250305","name":"w"}]})"),
            "tools[0].type: server tools (\"web_search_20250305\") are not available through "
            "Bedrock's Converse API");
  EXPECT_EQ(refusal(R"({"messages":[{"role":"user","content":[{"type":"document"}]}]})"),
            "messages[0].content[0]: content blocks of type \"document\" are not translated to "
            "Bedrock's Converse API");
}

TEST(BedrockPath, EncodesInferenceProfileIdsAndArns) {
  EXPECT_EQ(converse_path("us.anthropic.claude-3-5-haiku-20241022-v1:0", false),
            "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse");
  EXPECT_EQ(converse_path("arn:aws:bedrock:us-east-1:1:inference-profile/x", true),
            "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fx/converse-stream");
}

TEST(BedrockResponse, ConverseToMessagesWithToolsReasoningAndCacheUsage) {
  auto r = converse_to_messages_response(R"({
    "output":{"message":{"role":"assistant","content":[
      {"reasoningContent":{"reasoningText":{"text":"hmm","signature":"sig"}}},
      {"text":"Calling."},
      {"toolUse":{"toolUseId":"tu9","name":"f","input":{"a":1}}}]}},
    "stopReason":"tool_use",
    "usage":{"inputTokens":10,"outputTokens":5,"totalTokens":45,
             "cacheReadInputTokens":20,"cacheWriteInputTokens":10},
    "metrics":{"latencyMs":100}})",
                                         "claude-x", "msg_1");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r,
            R"({"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[)"
            R"({"type":"thinking","thinking":"hmm","signature":"sig"},)"
            R"({"type":"text","text":"Calling."},)"
            R"({"type":"tool_use","id":"tu9","name":"f","input":{"a":1}}],)"
            R"("stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":10,)"
            R"("output_tokens":5,"cache_read_input_tokens":20,"cache_creation_input_tokens":10}})");
  EXPECT_EQ(stop_reason_from_converse("guardrail_intervened"), "refusal");
  EXPECT_EQ(stop_reason_from_converse("content_filtered"), "refusal");
  EXPECT_EQ(stop_reason_from_converse("max_tokens"), "max_tokens");
  EXPECT_FALSE(converse_to_messages_response(R"({"output":{}})", "m", "i").ok());
}

TEST(BedrockErrors, BodyAndErrorTypeBecomeOpenAIShape) {
  EXPECT_EQ(error_to_openai(429, R"({"message":"Too many requests, please wait."})",
                            "ThrottlingException:http://internal.amazon.com/coral/"),
            R"({"error":{"message":"Too many requests, please wait.",)"
            R"("type":"rate_limit_exceeded","param":null,"code":"ThrottlingException"}})");
  EXPECT_EQ(error_to_openai(403, R"({"Message":"bad signature"})", "InvalidSignatureException"),
            R"({"error":{"message":"bad signature","type":"authentication_error",)"
            R"("param":null,"code":"InvalidSignatureException"}})");
}

// Feeds Converse events and parses the Anthropic SSE that comes out.
std::vector<SseEvent> run(ConverseStreamState& st,
                          std::vector<std::pair<std::string, std::string>> events) {
  std::string out;
  for (const auto& [type, payload] : events) converse_event_to_anthropic(st, type, payload, out);
  SseParser p;
  p.feed(out);
  std::vector<SseEvent> got;
  SseEvent e;
  while (p.next(e)) {
    e.raw = {};
    got.push_back(e);
  }
  return got;
}

TEST(BedrockStream, ConverseEventsBecomeAnthropicEvents) {
  ConverseStreamState st;
  st.id = "msg_s";
  st.model = "claude-x";
  auto ev = run(st, {{"messageStart", R"({"role":"assistant","p":"abc"})"},
                     {"contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"Hel"}})"},
                     {"contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"lo"}})"},
                     {"contentBlockStop", R"({"contentBlockIndex":0})"},
                     {"contentBlockStart", R"({"contentBlockIndex":1,"start":{"toolUse":)"
                                           R"({"toolUseId":"tu1","name":"f"}}})"},
                     {"contentBlockDelta", R"({"contentBlockIndex":1,"delta":{"toolUse":)"
                                           R"({"input":"{\"a\":"}}})"},
                     {"contentBlockDelta", R"({"contentBlockIndex":1,"delta":{"toolUse":)"
                                           R"({"input":"1}"}}})"},
                     {"contentBlockStop", R"({"contentBlockIndex":1})"},
                     {"messageStop", R"({"stopReason":"tool_use"})"},
                     {"metadata", R"({"usage":{"inputTokens":7,"outputTokens":3,)"
                                  R"("cacheReadInputTokens":100,"cacheWriteInputTokens":0},)"
                                  R"("metrics":{"latencyMs":5}})"}});
  std::vector<std::string> types;
  for (const auto& e : ev) types.push_back(e.event);
  EXPECT_EQ(types, (std::vector<std::string>{
                       "message_start", "content_block_start", "content_block_delta",
                       "content_block_delta", "content_block_stop", "content_block_start",
                       "content_block_delta", "content_block_delta", "content_block_stop",
                       "message_delta", "message_stop"}));
  EXPECT_EQ(ev[0].data, R"({"type":"message_start","message":{"id":"msg_s","type":"message",)"
                        R"("role":"assistant","model":"claude-x","content":[],"stop_reason":null,)"
                        R"("stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}}})");
  EXPECT_EQ(ev[6].data, R"({"type":"content_block_delta","index":1,"delta":{"type":)"
                        R"("input_json_delta","partial_json":"{\"a\":"}})");
  EXPECT_EQ(ev[9].data,
            R"({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},)"
            R"("usage":{"input_tokens":7,"output_tokens":3,"cache_read_input_tokens":100,)"
            R"("cache_creation_input_tokens":0}})");
  EXPECT_TRUE(st.ended);
  EXPECT_TRUE(st.usage.present);
  EXPECT_TRUE(st.usage.input_excludes_cached);
  EXPECT_EQ(st.usage.cached_tokens, 100);
}

TEST(BedrockStream, ExceptionsEndTheStreamWithAnAnthropicError) {
  ConverseStreamState st;
  auto ev = run(st, {{"messageStart", R"({"role":"assistant"})"},
                     {"exception:throttlingException", R"({"message":"Slow down"})"}});
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].event, "error");
  EXPECT_EQ(ev[1].data,
            R"({"type":"error","error":{"type":"rate_limit_error","message":"Slow down"}})");
  EXPECT_TRUE(st.ended);
  EXPECT_TRUE(st.error);
}

}  // namespace
}  // namespace llmctl::protocol::bedrock
