// The simulated model's decisions (sim_model.h): schema-valid values, tool_choice, parallel
// calls, text after tool results, determinism.
#include "mock/sim_model.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace llmctl::mock {
namespace {

namespace json = boost::json;

json::object obj(std::string_view text) { return json::parse(text).as_object(); }

TEST(SimModel, SampleFollowsTheSchema) {
  json::value schema = json::parse(R"({
    "type":"object","additionalProperties":false,"required":["name","age","tags","kind","nested"],
    "properties":{
      "name":{"type":"string","minLength":12,"maxLength":20},
      "age":{"type":"integer","minimum":18,"maximum":20},
      "ratio":{"type":"number","exclusiveMinimum":0,"maximum":1},
      "tags":{"type":"array","items":{"type":"string","enum":["x","y"]},"minItems":3},
      "kind":{"const":"fixed"},
      "when":{"type":"string","format":"date-time"},
      "maybe":{"anyOf":[{"type":"null"},{"type":"boolean"}]},
      "ref":{"$ref":"#/$defs/point"},
      "nested":{"type":"object","properties":{"deep":{"type":["null","integer"]}},"required":["deep"]}},
    "$defs":{"point":{"type":"object","properties":{"x":{"type":"number"}},"required":["x"]}}})");
  json::value v = sample_schema(schema, 7);
  ASSERT_TRUE(v.is_object());
  const json::object& o = v.as_object();
  EXPECT_GE(o.at("name").as_string().size(), 12u);
  EXPECT_LE(o.at("name").as_string().size(), 20u);
  EXPECT_GE(o.at("age").as_int64(), 18);
  EXPECT_LE(o.at("age").as_int64(), 20);
  EXPECT_GT(o.at("ratio").to_number<double>(), 0);
  EXPECT_LE(o.at("ratio").to_number<double>(), 1);
  ASSERT_EQ(o.at("tags").as_array().size(), 3u);
  for (const auto& t : o.at("tags").as_array()) EXPECT_TRUE(t == "x" || t == "y");
  EXPECT_EQ(o.at("kind"), "fixed");
  EXPECT_EQ(o.at("when"), "2026-01-01T00:00:00Z");
  EXPECT_TRUE(o.at("maybe").is_bool());
  EXPECT_TRUE(o.at("ref").at("x").is_number());
  EXPECT_TRUE(o.at("nested").at("deep").is_int64());
  EXPECT_EQ(o.size(), 9u);  // every property, nothing else
  EXPECT_EQ(json::serialize(sample_schema(schema, 7)), json::serialize(v));  // deterministic
}

TEST(SimModel, DeepNestingIsBounded) {
  std::string s = R"({"type":"object","properties":{"a":{"$ref":"#"}}})";  // infinite recursion
  json::value v = sample_schema(json::parse(s), 1);
  EXPECT_TRUE(v.is_object());
}

SimRequest chat(std::string_view body) { return sim_request_from_chat(obj(body)); }

constexpr std::string_view kTools = R"("tools":[
  {"type":"function","function":{"name":"get_weather","description":"Weather for a city",
    "parameters":{"type":"object","properties":{"city":{"type":"string"},
      "unit":{"type":"string","enum":["c","f"]}},"required":["city","unit"]}}},
  {"type":"function","function":{"name":"get_time","description":"Local time in a city",
    "parameters":{"type":"object","properties":{"tz":{"type":"string"}},"required":["tz"]}}},
  {"type":"function","function":{"name":"send_email","parameters":{"type":"object"}}}])";

TEST(SimModel, ToolChoiceIsHonoured) {
  auto answer = [&](std::string_view extra, std::string_view last = R"({"role":"user",
      "content":"What is the weather and the time in Paris?"})") {
    return sim_answer(chat(fmt::format(R"({{"messages":[{}],{}{}}})", last, kTools, extra)), 1);
  };
  // auto: both tools that fit the question, in parallel, with schema-valid arguments.
  SimAnswer a = answer("");
  ASSERT_EQ(a.calls.size(), 2u);
  EXPECT_EQ(a.calls[0].name, "get_weather");
  EXPECT_EQ(a.calls[1].name, "get_time");
  json::object args = obj(a.calls[0].arguments);
  EXPECT_TRUE(args.at("city").is_string());
  EXPECT_TRUE(args.at("unit") == "c" || args.at("unit") == "f");
  // parallel_tool_calls false: one call.
  EXPECT_EQ(answer(R"(,"parallel_tool_calls":false)").calls.size(), 1u);
  // none: text.
  EXPECT_TRUE(answer(R"(,"tool_choice":"none")").calls.empty());
  // named: that tool, even when it does not fit the question.
  a = answer(R"(,"tool_choice":{"type":"function","function":{"name":"send_email"}})");
  ASSERT_EQ(a.calls.size(), 1u);
  EXPECT_EQ(a.calls[0].name, "send_email");
  // After a tool result: auto answers in text (agent loops finish); required calls again.
  const std::string after = R"({"role":"user","content":"weather?"},
      {"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function",
        "function":{"name":"get_weather","arguments":"{}"}}]},
      {"role":"tool","tool_call_id":"c","content":"21C"})";
  EXPECT_TRUE(answer("", after).calls.empty());
  EXPECT_EQ(answer(R"(,"tool_choice":"required")", after).calls.size(), 1u);
}

TEST(SimModel, StructuredOutputAfterToolsAndInMessages) {
  SimAnswer a = sim_answer(
      chat(R"({"messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema",
        "json_schema":{"name":"o","schema":{"type":"object","properties":{"n":{"type":"integer"}},
        "required":["n"]}}}})"),
      3);
  ASSERT_TRUE(a.structured);
  EXPECT_TRUE(obj(*a.structured).at("n").is_int64());

  SimRequest m = sim_request_from_messages(obj(R"({"messages":[
      {"role":"user","content":"weather"},
      {"role":"assistant","content":[{"type":"tool_use","id":"t","name":"w","input":{}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"21C"}]}],
    "tools":[{"name":"w","input_schema":{"type":"object"}}],
    "output_config":{"format":{"type":"json_schema","schema":{"type":"object",
      "properties":{"ok":{"type":"boolean"}},"required":["ok"]}}}})"));
  EXPECT_TRUE(m.after_tool_result);
  a = sim_answer(m, 3);
  EXPECT_TRUE(a.calls.empty());
  ASSERT_TRUE(a.structured);
  EXPECT_TRUE(obj(*a.structured).at("ok").is_bool());

  SimRequest forced = sim_request_from_messages(obj(R"({"messages":[{"role":"user","content":"x"}],
    "tools":[{"name":"a","input_schema":{"type":"object"}},{"name":"b","input_schema":{"type":"object"}}],
    "tool_choice":{"type":"tool","name":"b","disable_parallel_tool_use":true}})"));
  a = sim_answer(forced, 3);
  ASSERT_EQ(a.calls.size(), 1u);
  EXPECT_EQ(a.calls[0].name, "b");
}

}  // namespace
}  // namespace llmctl::mock
