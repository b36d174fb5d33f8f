// The gateway's side of routing (routing.h): the affinity key of a request and the group's
// policy built from the config.
#include "gateway/routing.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>
#include <string>

namespace llmctl::gateway {
namespace {

boost::json::value chat(const std::string& system, const std::string& user) {
  return boost::json::value(boost::json::object{
      {"model", "m"},
      {"messages", boost::json::array{boost::json::object{{"role", "system"}, {"content", system}},
                                      boost::json::object{{"role", "user"}, {"content", user}}}}});
}

TEST(PrefixHash, SharedLeadingTextSharesTheKey) {
  std::string sys(3000, 'x');
  // Beyond prefix_chars the conversation does not matter.
  EXPECT_EQ(prefix_hash(chat(sys, "a"), Endpoint::kChat, 2048),
            prefix_hash(chat(sys, "b"), Endpoint::kChat, 2048));
  // Within it, the first message after the system prompt counts (a conversation's opening) ...
  EXPECT_NE(prefix_hash(chat("short", "a"), Endpoint::kChat, 2048),
            prefix_hash(chat("short", "b"), Endpoint::kChat, 2048));
  EXPECT_EQ(prefix_hash(chat("short", "a"), Endpoint::kChat, 8),
            prefix_hash(chat("short", "b"), Endpoint::kChat, 8));
  // ... unless the key is the system prompt alone (messages: 0).
  EXPECT_EQ(prefix_hash(chat("short", "a"), Endpoint::kChat, 2048, 0),
            prefix_hash(chat("short", "b"), Endpoint::kChat, 2048, 0));
  EXPECT_NE(prefix_hash(chat("short", "a"), Endpoint::kChat, 2048, 0),
            prefix_hash(chat("other", "a"), Endpoint::kChat, 2048, 0));
  // Later turns of a conversation keep the key of its opening.
  auto turn = [](int n) {
    boost::json::array msgs{boost::json::object{{"role", "system"}, {"content", "s"}}};
    for (int i = 0; i < n; ++i)
      msgs.push_back(boost::json::object{{"role", i % 2 ? "assistant" : "user"},
                                         {"content", "m" + std::to_string(i)}});
    return boost::json::value(boost::json::object{{"messages", msgs}});
  };
  EXPECT_EQ(prefix_hash(turn(1), Endpoint::kChat, 2048),
            prefix_hash(turn(5), Endpoint::kChat, 2048));
  // Array content (text parts) hashes like the same text.
  auto parts = boost::json::parse(
      R"({"messages":[{"role":"user","content":[{"type":"text","text":"hello"}]}]})");
  auto plain = boost::json::parse(R"({"messages":[{"role":"user","content":"hello"}]})");
  EXPECT_EQ(prefix_hash(parts, Endpoint::kChat, 100), prefix_hash(plain, Endpoint::kChat, 100));
  EXPECT_NE(prefix_hash(boost::json::parse(R"({"prompt":"abc"})"), Endpoint::kCompletions, 100),
            prefix_hash(boost::json::parse(R"({"prompt":"abd"})"), Endpoint::kCompletions, 100));
  // Anthropic's top-level system prompt keys like a chat system message.
  auto messages = boost::json::parse(
      R"({"system":"short","messages":[{"role":"user","content":"a"}],"max_tokens":5})");
  EXPECT_EQ(prefix_hash(messages, Endpoint::kMessages, 2048),
            prefix_hash(chat("short", "a"), Endpoint::kChat, 2048));
}

Config group_config(RoutingStrategy s) {
  Config c;
  ModelGroup g;
  g.name = "m";
  g.routing = s;
  for (int i = 0; i < 4; ++i) {
    Deployment d;
    d.name = "replica-" + std::to_string(i);
    d.weight = i == 3 ? 0 : 1;
    c.deployments.push_back(d);
    g.deployments.push_back(i);
  }
  c.models.push_back(g);
  c.index();
  return c;
}

TEST(RouteGroup, PolicyOverTheGroupsDeploymentsAndThePromptKey) {
  Config c = group_config(RoutingStrategy::kPrefix);
  const ModelGroup& g = c.models[0];
  ASSERT_TRUE(g.policy);
  EXPECT_EQ(g.policy->members().size(), 4u);
  route::IdleSignals idle;
  std::vector<int> out;
  // Same system prompt and opening: same home replica whatever the random draw.
  int home = -1;
  for (std::uint64_t r = 0; r < 50; ++r) {
    EXPECT_EQ(route_group(g, chat("You are a bot.", "hi"), Endpoint::kChat, r * 977, idle, out),
              route::Reason::kPrefixHome);
    ASSERT_EQ(out.size(), 4u);
    EXPECT_EQ(out.back(), 3);  // weight 0: fallback only
    if (home < 0) home = out[0];
    EXPECT_EQ(out[0], home);
  }
  // Different openings spread over the weighted replicas.
  std::set<int> homes;
  for (int i = 0; i < 200; ++i) {
    route_group(g, chat("tenant " + std::to_string(i), "hi"), Endpoint::kChat, 1, idle, out);
    homes.insert(out[0]);
  }
  EXPECT_EQ(homes, (std::set<int>{0, 1, 2}));
  // A reload with the same names keeps every home (the ring hashes names, not positions).
  Config again = group_config(RoutingStrategy::kPrefix);
  std::vector<int> out2;
  for (int i = 0; i < 50; ++i) {
    auto body = chat("tenant " + std::to_string(i), "hi");
    route_group(g, body, Endpoint::kChat, 1, idle, out);
    route_group(again.models[0], body, Endpoint::kChat, 1, idle, out2);
    EXPECT_EQ(out, out2);
  }
}

}  // namespace
}  // namespace llmctl::gateway
