// The --llm loop with a scripted ChatClient: tool calls run through the registry and their
// results go back to the model; the loop stops at each bound (turns, tokens, dollars) and on
// errors; writes are refused unless the FileAccess allows them.
#include "agent/ask/llm_loop.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <deque>

#include "catalog/loader.h"

namespace llmctl::agent::ask {
namespace {

namespace json = boost::json;

json::object reply(json::value message, long long in, long long out) {
  return json::object{{"choices", json::array{json::object{{"message", std::move(message)}}}},
                      {"usage", json::object{{"prompt_tokens", in}, {"completion_tokens", out}}}};
}

json::object tool_call(const std::string& name, const json::object& args, long long in = 1000,
                       long long out = 50) {
  return reply(
      json::object{
          {"role", "assistant"},
          {"content", nullptr},
          {"tool_calls",
           json::array{json::object{
               {"id", "call_" + name},
               {"type", "function"},
               {"function", json::object{{"name", name}, {"arguments", json::serialize(args)}}}}}}},
      in, out);
}

class Scripted : public ChatClient {
 public:
  explicit Scripted(std::deque<json::object> replies) : replies_(std::move(replies)) {}
  Result<json::object> complete(const json::object& request) override {
    requests.push_back(request);
    if (replies_.empty()) return Error{"no more scripted replies"};
    json::object r = replies_.front();
    replies_.pop_front();
    return r;
  }
  std::vector<json::object> requests;

 private:
  std::deque<json::object> replies_;
};

const catalog::Catalog& cat() {
  static const catalog::Catalog c = [] {
    catalog::LoadOptions o;
    o.default_overlays = false;
    return *catalog::load_catalog(o);
  }();
  return c;
}

ToolEnv env(bool writable = false) {
  ToolEnv e;
  e.catalog = &cat();
  e.files = FileAccess::confined(
      LLMCTL_SOURCE_DIR,
      writable ? std::optional<std::filesystem::path>(::testing::TempDir()) : std::nullopt);
  return e;
}

const LlmPrice kPrice{2.5, 10, "test"};

TEST(LlmLoopTest, RunsToolsAndReturnsTheAnswer) {
  Scripted client(
      {tool_call("catalog_cost", {{"model", "gpt-4o"}, {"input_tokens", 1000}}),
       reply(json::object{{"role", "assistant"}, {"content", "It costs $0.0025."}}, 1200, 20)});
  std::vector<std::string> events;
  auto r = run_llm("what does 1000 tokens of gpt-4o cost", "m", client, builtin_tools(), env(),
                   kPrice, {}, [&](const std::string& e) { events.push_back(e); });
  EXPECT_EQ(r.stopped, "answered");
  EXPECT_EQ(r.answer, "It costs $0.0025.");
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_TRUE(r.calls[0].ok);
  EXPECT_EQ(r.iterations, 2);
  EXPECT_EQ(r.prompt_tokens, 2200);
  EXPECT_DOUBLE_EQ(r.usd, (2200 * 2.5 + 70 * 10) / 1e6);
  // The tool's output went back to the model, with the call id, and every tool was offered.
  const json::array& second = client.requests[1].at("messages").as_array();
  const json::object& tool_msg = second.back().as_object();
  EXPECT_EQ(tool_msg.at("role"), "tool");
  EXPECT_EQ(tool_msg.at("tool_call_id"), "call_catalog_cost");
  EXPECT_NE(std::string(tool_msg.at("content").as_string()).find("\"total_usd\":"),
            std::string::npos);
  EXPECT_EQ(client.requests[0].at("tools").as_array().size(), builtin_tools().tools().size());
  EXPECT_TRUE(std::any_of(events.begin(), events.end(),
                          [](const std::string& e) { return e.find("tool catalog_cost(") == 0; }));
}

TEST(LlmLoopTest, StopsAtEachBound) {
  std::deque<json::object> forever;
  for (int i = 0; i < 50; ++i) forever.push_back(tool_call("explain", {{"topic", "vllm"}}));
  {
    Scripted c(forever);
    LlmLimits l;
    l.max_iterations = 3;
    auto r = run_llm("x", "m", c, builtin_tools(), env(), kPrice, l, nullptr);
    EXPECT_EQ(r.stopped, "max_iterations");
    EXPECT_EQ(r.iterations, 3);
  }
  {
    Scripted c(forever);
    LlmLimits l;
    l.max_tokens = 2500;  // each turn spends 1,050
    auto r = run_llm("x", "m", c, builtin_tools(), env(), kPrice, l, nullptr);
    EXPECT_EQ(r.stopped, "max_tokens");
    EXPECT_EQ(r.iterations, 3);
    // The last request asked for no more than what was left.
    EXPECT_EQ(c.requests.back().at("max_tokens").as_int64(), 2500 - 2 * 1050);
  }
  {
    Scripted c(forever);
    LlmLimits l;
    l.max_usd = 0.01;  // each turn costs $0.003
    auto r = run_llm("x", "m", c, builtin_tools(), env(), kPrice, l, nullptr);
    EXPECT_EQ(r.stopped, "max_usd");
    EXPECT_EQ(r.iterations, 4);
    EXPECT_GE(r.usd, 0.01);
  }
  {
    Scripted c({});
    auto r = run_llm("x", "m", c, builtin_tools(), env(), kPrice, {}, nullptr);
    EXPECT_EQ(r.stopped, "error");
    EXPECT_EQ(r.error, "no more scripted replies");
  }
}

TEST(LlmLoopTest, ReadOnlyUnlessAllowedAndBadCallsAreReportedToTheModel) {
  json::object deploy{{"spec_path", "examples/chat-8b-l4-l40s.yaml"}, {"dry_run", false}};
  Scripted c({tool_call("deploy", deploy), tool_call("no_such_tool", {}),
              tool_call("perf", {{"model", "x"}}),
              reply(json::object{{"role", "assistant"}, {"content", "done"}}, 10, 1)});
  auto r = run_llm("x", "m", c, builtin_tools(), env(false), kPrice, {}, nullptr);
  ASSERT_EQ(r.calls.size(), 3u);
  EXPECT_FALSE(r.calls[0].ok);
  EXPECT_NE(r.calls[0].summary.find("writing is off"), std::string::npos);
  EXPECT_EQ(r.calls[1].summary, "unknown tool 'no_such_tool'");
  EXPECT_NE(r.calls[2].summary.find("is required"), std::string::npos);
  EXPECT_EQ(r.stopped, "answered");
}

}  // namespace
}  // namespace llmctl::agent::ask
