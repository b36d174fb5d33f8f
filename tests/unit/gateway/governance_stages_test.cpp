// The governance stages in the pipeline (auth, attribute) and the request-log fields they feed:
// order in the chain, refusals in OpenAI's shape, attribution from key, headers and body, and
// the finish_reason the log records for each way a request ends.
#include "gateway/governance_stages.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "store/keys.h"

namespace llmctl::gateway {
namespace {

class FakeKeys final : public KeySource {
 public:
  KeyTable table;
  std::int64_t now = 1000;
  std::vector<AuthFailure> failures;
  const KeyTable& keys() override { return table; }
  std::int64_t now_ms() const override { return now; }
  void auth_failed(AuthFailure f) override { failures.push_back(f); }
};

struct Key {
  store::KeyRecord record;
  std::string secret;
};
Key make_key(const std::string& id) {
  Key k;
  auto s = store::make_secret(store::system_random());
  k.secret = s.secret;
  k.record.id = id;
  k.record.name = id + "-name";
  k.record.hash = s.hash;
  k.record.hint = s.hint;
  k.record.team = "search";
  k.record.tags = {{"env", "prod"}};
  return k;
}

Config one_model() {
  Config c;
  ModelGroup g;
  g.name = "m";
  c.models.push_back(g);
  return c;
}

std::vector<std::string> names(const Pipeline& p) {
  std::vector<std::string> out;
  for (const auto& s : p.stages()) out.emplace_back(s->name());
  return out;
}

TEST(GovernanceStages, TheirPlaceInThePipeline) {
  Pipeline with = Pipeline::standard();
  FakeKeys keys;
  add_governance_stages(with, &keys);
  EXPECT_EQ(names(with),
            (std::vector<std::string>{"parse", "validate", "auth", "attribute", "route"}));
  Pipeline without = Pipeline::standard();
  add_governance_stages(without, nullptr);
  EXPECT_EQ(names(without), (std::vector<std::string>{"parse", "validate", "attribute", "route"}));
}

TEST(GovernanceStages, AuthRefusesInOpenAIShapeAndSetsTheKey) {
  FakeKeys keys;
  Key k = make_key("key-1");
  keys.table = KeyTable({k.record}, 1);
  AuthStage auth(keys);
  const Config c = one_model();
  RequestContext ctx;
  ctx.model = "m";
  auto missing = auth.run(ctx, c);  // a key exists, so one is required
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 401);
  EXPECT_EQ(missing->error_class, ErrorClass::kUnauthorized);
  auto body = boost::json::parse(missing->body);
  EXPECT_EQ(body.at("error").at("code"), "invalid_api_key");
  ASSERT_EQ(keys.failures.size(), 1u);
  EXPECT_EQ(keys.failures[0], AuthFailure::kMissing);

  const std::string bearer = "Bearer " + k.secret;
  ctx.headers.authorization = bearer;
  EXPECT_FALSE(auth.run(ctx, c));
  ASSERT_NE(ctx.key, nullptr);
  EXPECT_EQ(ctx.key->id, "key-1");

  // Anthropic's SDKs send x-api-key.
  RequestContext anthropic;
  anthropic.model = "m";
  anthropic.headers.x_api_key = k.secret;
  EXPECT_FALSE(auth.run(anthropic, c));
  EXPECT_EQ(anthropic.key, ctx.key);
}

TEST(GovernanceStages, AttributeFillsFactsAndWho) {
  FakeKeys keys;
  Key k = make_key("key-1");
  const Config c = one_model();
  RequestContext ctx;
  ctx.body = boost::json::parse(
      R"({"model":"m","max_tokens":9,"user":"u7","metadata":{"feature":"faq"},)"
      R"("messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"}]})");
  ctx.headers.session = "run-1";
  ctx.headers.tags = "env=dev,ticket=T-2";
  ctx.key = &k.record;
  AttributeStage attribute;
  ASSERT_FALSE(attribute.run(ctx, c));
  EXPECT_EQ(ctx.facts.max_tokens, 9);
  EXPECT_EQ(ctx.who.key_id, "key-1");
  EXPECT_EQ(ctx.who.team, "search");
  EXPECT_EQ(ctx.who.user, "u7");
  EXPECT_EQ(ctx.who.session, "run-1");
  EXPECT_EQ(ctx.who.tags.at("env"), "prod");  // the key's tag wins
  EXPECT_EQ(ctx.who.tags.at("ticket"), "T-2");
  EXPECT_EQ(ctx.who.tags.at("feature"), "faq");

  RequestRecord rec;
  describe_request(rec, ctx.facts, ctx.who);
  EXPECT_EQ(rec.max_tokens, 9);
  EXPECT_EQ(rec.key_id, "key-1");
  EXPECT_EQ(rec.key_name, "key-1-name");
  EXPECT_EQ(rec.session_id, "run-1");
  EXPECT_EQ(rec.tags, R"({"env":"prod","feature":"faq","ticket":"T-2"})");
  EXPECT_EQ(rec.system_fingerprint.size(), 16u);
  EXPECT_EQ(rec.system_tokens, 3);  // ceil(9 / 4)
  EXPECT_EQ(rec.prefix_tokens, 3);  // ceil((9 + 2) / 4)

  ctx.headers.tags = "oops";
  auto bad = attribute.run(ctx, c);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->message.find("x-llmctl-tags"), std::string::npos);
}

TEST(GovernanceStages, NoSystemPromptIsNullNotZero) {
  RequestContext ctx;
  ctx.body = boost::json::parse(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
  ASSERT_FALSE(AttributeStage().run(ctx, one_model()));
  RequestRecord rec;
  describe_request(rec, ctx.facts, ctx.who);
  EXPECT_EQ(rec.max_tokens, -1);
  EXPECT_TRUE(rec.system_fingerprint.empty());
  EXPECT_EQ(rec.system_tokens, -1);
  EXPECT_EQ(rec.prefix_fingerprint.size(), 16u);
  EXPECT_TRUE(rec.tags.empty());
}

TEST(LoggedFinishReason, EveryEnding) {
  EXPECT_EQ(logged_finish_reason(ErrorClass::kNone, "stop"), "stop");
  EXPECT_EQ(logged_finish_reason(ErrorClass::kNone, "end_turn"), "stop");
  EXPECT_EQ(logged_finish_reason(ErrorClass::kNone, "max_tokens"), "length");
  EXPECT_EQ(logged_finish_reason(ErrorClass::kNone, "tool_use"), "tool_calls");
  EXPECT_EQ(logged_finish_reason(ErrorClass::kNone, ""), "");  // embeddings: NULL
  EXPECT_EQ(logged_finish_reason(ErrorClass::kStreamInterrupted, "stop"), "interrupted");
  EXPECT_EQ(logged_finish_reason(ErrorClass::kClientDisconnect, ""), "interrupted");
  EXPECT_EQ(logged_finish_reason(ErrorClass::kShutdown, ""), "interrupted");
  EXPECT_EQ(logged_finish_reason(ErrorClass::kUpstreamServer, ""), "error");
  EXPECT_EQ(logged_finish_reason(ErrorClass::kBudgetExceeded, ""), "error");
}

}  // namespace
}  // namespace llmctl::gateway
