// `llmctl ask` recognition: the four scripts and close variants, hand-offs, the values a request
// states, and no guess when the words do not decide.
#include "agent/ask/intent.h"

#include <gtest/gtest.h>

#include "agent/ask/scripts.h"
#include "catalog/loader.h"

namespace llmctl::agent::ask {
namespace {

struct Fixture {
  catalog::Catalog cat;
  const Knowledge* knowledge = nullptr;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture f;
    catalog::LoadOptions opts;
    opts.default_overlays = false;
    f.cat = *catalog::load_catalog(opts);
    f.knowledge = &*builtin_knowledge();
    return f;
  }();
  return f;
}

Recognition rec(const std::string& text) {
  return recognize(text, fixture().cat, *fixture().knowledge);
}

TEST(IntentTest, EveryScriptRecognisesItsExamples) {
  for (const auto& s : scripts())
    for (const auto& example : s.examples) EXPECT_EQ(rec(example).script, s.id) << example;
}

TEST(IntentTest, CloseVariants) {
  EXPECT_EQ(rec("Can you help us host qwen2.5-7b in production?").script, "deploy");
  EXPECT_EQ(rec("our OpenAI invoice is too high").script, "optimize-costs");
  EXPECT_EQ(rec("why is our model server slow").script, "monitor");
  EXPECT_EQ(rec("we need more GPU capacity for the launch").script, "scale");
}

TEST(IntentTest, TheIssuesExampleStatesEverythingButWhich70B) {
  Recognition r = rec("deploy our 70B chat app for 20 req/s on H100s");
  EXPECT_EQ(r.script, "deploy");
  EXPECT_EQ(r.slots["qps"], "20");
  EXPECT_EQ(r.slots["gpu"], "h100-sxm");
  EXPECT_EQ(r.slots["app"], "chat");
  EXPECT_FALSE(r.slots.count("model"));
  ASSERT_TRUE(r.ambiguous.count("model"));
  EXPECT_GE(r.ambiguous["model"].size(), 2u);  // several 70B-class models: asked, not guessed
}

// A p99 target is its own slot, never read as the p95 one (which would size the fleet for a
// target nobody set); both in one request each go where they belong.
TEST(IntentTest, AP99TargetIsNotTakenForTheP95) {
  Recognition r = rec("scale llama-3.1-70b chat to 20 req/s with p99 TTFT under 2 s");
  EXPECT_EQ(r.slots["ttft_p99_ms"], "2000");
  EXPECT_FALSE(r.slots.count("ttft_ms"));
  Recognition both =
      rec("deploy llama-3.1-8b at 5 req/s, p95 TTFT under 800 ms, TTFT p99 of 1.5 s and tpot (p99) "
          "below 90 ms");
  EXPECT_EQ(both.slots["ttft_ms"], "800");
  EXPECT_EQ(both.slots["ttft_p99_ms"], "1500");
  EXPECT_EQ(both.slots["tpot_p99_ms"], "90");
  EXPECT_FALSE(both.slots.count("tpot_ms"));
}

TEST(IntentTest, ValuesInTheWordsPeopleUse) {
  Recognition r =
      rec("serve llama-3.1-8b at 1200 requests per minute with p95 TTFT under 500 ms, 2000 input "
          "tokens and 300 output tokens, budget $5k/month on kserve");
  EXPECT_EQ(r.slots["model"], "llama-3.1-8b");
  EXPECT_EQ(r.slots["qps"], "20");
  EXPECT_EQ(r.slots["ttft_ms"], "500");
  EXPECT_EQ(r.slots["input_tokens"], "2000");
  EXPECT_EQ(r.slots["output_tokens"], "300");
  EXPECT_EQ(r.slots["budget"], "5000");
  EXPECT_EQ(r.slots["target"], "kserve");
  Recognition s = rec("scale our llama-3.1-70b chat from 20 to 100 req/s");
  EXPECT_EQ(s.slots["qps"], "20");
  EXPECT_EQ(s.slots["target_qps"], "100");
  // One rate: the rate to reach, unless the words make it today's.
  Recognition one = rec("scale our GPU infrastructure for qwen3 32b at 20 requests per second");
  EXPECT_EQ(one.slots["target_qps"], "20");
  EXPECT_EQ(one.slots["model"], "qwen3-32b");  // words joined the way catalog ids are
  Recognition now = rec("we are at 20 req/s today on llama 3.1 8b, how do we scale?");
  EXPECT_EQ(now.slots["qps"], "20");
  EXPECT_FALSE(now.slots.count("target_qps"));
  EXPECT_EQ(now.slots["model"], "llama-3.1-8b");
  EXPECT_EQ(rec("serve gpt oss 120b on h100 sxm").slots["model"], "gpt-oss-120b");
  EXPECT_FALSE(rec("deploy llama 3.1 8b at 20 req/s").slots.count("target_qps"));  // not scaling
  EXPECT_EQ(rec("monitor our AI system in deploy/").slots["path"], "deploy/");
  EXPECT_EQ(rec("is /srv/LLM/bundle healthy?").slots["path"], "/srv/LLM/bundle");
  EXPECT_FALSE(rec("serve it at 20 req/s with openai/gpt-4o as fallback").slots.count("path"));
  EXPECT_EQ(rec("we spend 40k a month on gpt-4o").slots["spend"], "40000");
  EXPECT_EQ(rec("we pay 12,500 USD per month for claude").slots["spend"], "12500");
  EXPECT_FALSE(rec("we spend a lot at 40 req/s on gpt-4o").slots.count("spend"));
  EXPECT_FALSE(rec("serve llama 3.1 8b at 1200 requests per minute").slots.count("budget"));
  Recognition c = rec("we spend $40k a month on gpt-4o");
  EXPECT_EQ(c.slots["spend"], "40000");
  EXPECT_EQ(c.slots["current_model"], "openai/gpt-4o");
}

TEST(IntentTest, HandOffs) {
  EXPECT_EQ(rec("should we use RAG or fine-tuning for our support bot?").handoff,
            Handoff::kArchitect);
  EXPECT_EQ(rec("which model family should we standardise on").handoff, Handoff::kArchitect);
  EXPECT_EQ(rec("what SLO targets and on-call rotation should we have").handoff, Handoff::kSre);
  EXPECT_EQ(rec("set up a Jenkins pipeline for our Java service").handoff, Handoff::kDevops);
  // CI/CD about the model itself stays with llmctl.
  EXPECT_NE(rec("add an eval gate to the CI/CD of our LLM deployment").handoff, Handoff::kDevops);
  EXPECT_TRUE(rec("should we use RAG or fine-tuning?").script.empty());
}

TEST(IntentTest, UnrecognisedOrTiedMeansNoGuess) {
  Recognition none = rec("what's the weather in Paris");
  EXPECT_TRUE(none.script.empty());
  EXPECT_EQ(none.ranking.size(), 4u);
  Recognition tie = rec("deploy and monitor");
  EXPECT_TRUE(tie.script.empty());
  EXPECT_EQ(tie.ranking[0].score, tie.ranking[1].score);
}

TEST(IntentTest, SlotValuesAsFlagsAndAnswers) {
  const auto& cat = fixture().cat;
  const auto& k = *fixture().knowledge;
  EXPECT_EQ(*parse_slot("qps", "1.2k rps", cat, k), "1200");
  EXPECT_EQ(*parse_slot("qps", "30", cat, k), "30");
  EXPECT_EQ(*parse_slot("gpu", "H100s", cat, k), "h100-sxm");
  EXPECT_EQ(*parse_slot("ttft_ms", "1.5 s", cat, k), "1500");
  EXPECT_EQ(*parse_slot("budget", "$20k", cat, k), "20000");
  EXPECT_EQ(*parse_slot("model", "meta-llama/Llama-3.1-8B-Instruct", cat, k), "llama-3.1-8b");
  std::vector<std::string> candidates;
  auto ambiguous = parse_slot("model", "70B", cat, k, &candidates);
  EXPECT_FALSE(ambiguous);
  EXPECT_GE(candidates.size(), 2u);
  EXPECT_EQ(parse_slot("qps", "lots", cat, k).error().message,
            "qps: expected requests per second, such as 20, \"20 req/s\" or \"1200 requests per "
            "minute\", found \"lots\"");
}

TEST(ScriptsTest, MissingSlotsFollowTheRequest) {
  const auto& k = *fixture().knowledge;
  auto m = missing_slots("deploy", {{"model", "llama-3.1-8b"}, {"qps", "5"}, {"app", "chat"}}, k);
  EXPECT_TRUE(m.empty());
  auto rag = missing_slots("deploy", {{"model", "llama-3.1-8b"}, {"qps", "5"}, {"app", "rag"}}, k);
  ASSERT_EQ(rag.size(), 2u);  // no measured profile for RAG: the lengths are asked for
  EXPECT_EQ(rag[0].slot, "input_tokens");
  auto scale = missing_slots(
      "scale", {{"model", "llama-3.1-8b"}, {"qps", "5"}, {"growth", "3"}, {"app", "chat"}}, k);
  EXPECT_TRUE(scale.empty());
  // "3x traffic" without today's rate: today's rate is what is missing, not the target.
  auto growth_only =
      missing_slots("scale", {{"model", "llama-3.1-8b"}, {"growth", "3"}, {"app", "chat"}}, k);
  ASSERT_EQ(growth_only.size(), 1u);
  EXPECT_EQ(growth_only[0].slot, "qps");
  auto rate_only =
      missing_slots("scale", {{"model", "llama-3.1-8b"}, {"qps", "5"}, {"app", "chat"}}, k);
  ASSERT_EQ(rate_only.size(), 1u);
  EXPECT_EQ(rate_only[0].slot, "target_qps");
  EXPECT_EQ(missing_slots("monitor", {}, k).front().slot, "path");
}

}  // namespace
}  // namespace llmctl::agent::ask
