// The Gemini API <-> Anthropic Messages: requests, whole responses, stream chunks and usage
// (cached and thinking tokens), with the shapes of the Gemini API REST reference.
#include "protocol/gemini.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "protocol/sse.h"

namespace llmctl::protocol::gemini {
namespace {

namespace json = boost::json;

json::object gemini_of(std::string_view messages_request) {
  auto r = messages_to_gemini_request(json::parse(messages_request).as_object());
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? json::parse(*r).as_object() : json::object{};
}

TEST(GeminiRequest, CarriesSystemImagesToolsAndResultsByName) {
  json::object g = gemini_of(R"({
    "model":"m","max_tokens":300,"top_k":40,"stop_sequences":["END"],
    "system":"Be brief.",
    "tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object",
      "properties":{"city":{"type":"string"}},"additionalProperties":false}}],
    "tool_choice":{"type":"tool","name":"get_weather"},
    "messages":[
      {"role":"user","content":[{"type":"text","text":"Weather here?"},
        {"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}}]},
      {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather",
        "input":{"city":"Oslo"}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1",
        "content":"rain"}]}]})");
  EXPECT_EQ(json::serialize(g["systemInstruction"]), R"({"parts":[{"text":"Be brief."}]})");
  EXPECT_EQ(json::serialize(g["generationConfig"]),
            R"({"maxOutputTokens":300,"topK":40,"stopSequences":["END"]})");
  const json::array& c = g["contents"].as_array();
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(json::serialize(c[0]), R"({"role":"user","parts":[{"text":"Weather here?"},)"
                                   R"({"inlineData":{"mimeType":"image/png","data":"AAAA"}}]})");
  EXPECT_EQ(json::serialize(c[1]),
            R"({"role":"model","parts":[{"functionCall":{"name":"get_weather",)"
            R"("args":{"city":"Oslo"}}}]})");
  EXPECT_EQ(json::serialize(c[2]),
            R"({"role":"user","parts":[{"functionResponse":{"name":"get_weather",)"
            R"("response":{"output":"rain"}}}]})");
  EXPECT_EQ(json::serialize(g["tools"]),
            R"([{"functionDeclarations":[{"name":"get_weather","description":"Weather",)"
            R"("parametersJsonSchema":{"type":"object","properties":{"city":{"type":"string"}},)"
            R"("additionalProperties":false}}]}])");
  EXPECT_EQ(json::serialize(g["toolConfig"]),
            R"({"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get_weather"]}})");
}

TEST(GeminiRequest, RefusesAResultWithoutItsCall) {
  auto r = messages_to_gemini_request(json::parse(R"({"messages":[{"role":"user","content":[
    {"type":"tool_result","tool_use_id":"x","content":"y"}]}]})")
                                          .as_object());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "messages[0].content[0].tool_use_id: \"x\" answers no earlier tool_use in this "
            "request (Gemini needs the function's name)");
}

TEST(GeminiResponse, ThinkingTextCallsAndUsageNormalised) {
  auto r = gemini_to_messages_response(R"({"candidates":[{"content":{"role":"model","parts":[
      {"text":"pondering","thought":true},{"text":"Calling."},
      {"functionCall":{"name":"f","args":{"a":1}}}]},"finishReason":"STOP"}],
    "usageMetadata":{"promptTokenCount":100,"cachedContentTokenCount":60,
      "candidatesTokenCount":7,"thoughtsTokenCount":20,"totalTokenCount":127},
    "modelVersion":"gemini-2.5-flash"})",
                                       "gemini-2.5-flash", "msg_g");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r,
            R"({"id":"msg_g","type":"message","role":"assistant","model":"gemini-2.5-flash",)"
            R"("content":[{"type":"thinking","thinking":"pondering","signature":""},)"
            R"({"type":"text","text":"Calling."},)"
            R"({"type":"tool_use","id":"toolu_gm_0_f","name":"f","input":{"a":1}}],)"
            R"("stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":40,)"
            R"("output_tokens":27,"cache_read_input_tokens":60,"cache_creation_input_tokens":0}})");
  const ReportedUsage u = usage_from_json(json::parse(
      R"({"promptTokenCount":100,"cachedContentTokenCount":60,"candidatesTokenCount":7,)"
      R"("thoughtsTokenCount":20})"));
  EXPECT_EQ(u.prompt_tokens, 100);
  EXPECT_EQ(u.cached_tokens, 60);
  EXPECT_EQ(u.completion_tokens, 27);
  EXPECT_EQ(u.reasoning_tokens, 20);
  EXPECT_FALSE(u.input_excludes_cached);
  EXPECT_EQ(stop_reason_from_gemini("SAFETY", false), "refusal");
  EXPECT_EQ(stop_reason_from_gemini("MAX_TOKENS", false), "max_tokens");
}

TEST(GeminiStream, ChunksBecomeAnthropicEventsAndTheFinishReasonEndsThem) {
  GeminiStreamState st;
  st.id = "msg_s";
  st.model = "g";
  std::string out;
  gemini_chunk_to_anthropic(
      st, R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Hel"}]}}]})", out);
  gemini_chunk_to_anthropic(
      st, R"({"candidates":[{"content":{"role":"model","parts":[{"text":"lo"}]}}]})", out);
  EXPECT_FALSE(st.ended);
  gemini_chunk_to_anthropic(st, R"({"candidates":[{"content":{"role":"model","parts":[
      {"functionCall":{"name":"f","args":{"x":2}}}]},"finishReason":"STOP"}],
      "usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":3}})",
                            out);
  EXPECT_TRUE(st.ended);
  SseParser p;
  p.feed(out);
  SseEvent e;
  std::vector<std::string> types;
  std::string last_delta;
  while (p.next(e)) {
    types.push_back(e.event);
    if (e.event == "message_delta") last_delta = e.data;
  }
  EXPECT_EQ(types,
            (std::vector<std::string>{"message_start", "content_block_start", "content_block_delta",
                                      "content_block_delta", "content_block_stop",
                                      "content_block_start", "content_block_delta",
                                      "content_block_stop", "message_delta", "message_stop"}));
  EXPECT_EQ(last_delta,
            R"({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},)"
            R"("usage":{"input_tokens":5,"output_tokens":3,"cache_read_input_tokens":0,)"
            R"("cache_creation_input_tokens":0}})");
  EXPECT_EQ(st.usage.prompt_tokens, 5);
}

TEST(GeminiErrors, StatusBecomesTheCode) {
  EXPECT_EQ(error_to_openai(429, R"({"error":{"code":429,"message":"Resource has been exhausted",)"
                                 R"("status":"RESOURCE_EXHAUSTED"}})"),
            R"({"error":{"message":"Resource has been exhausted","type":"rate_limit_exceeded",)"
            R"("param":null,"code":"RESOURCE_EXHAUSTED"}})");
}

}  // namespace
}  // namespace llmctl::protocol::gemini
