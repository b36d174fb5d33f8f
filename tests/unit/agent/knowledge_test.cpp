// The knowledge base: every embedded entry loads with a source and a date, every anti-pattern
// names audit rules that exist, and the loader's errors point at file:line:col and the field.
#include "agent/explain/knowledge.h"

#include <gtest/gtest.h>

#include "audit/rules.h"
#include "common/strings.h"

namespace llmctl::agent {
namespace {

const Knowledge& builtin() {
  const auto& k = builtin_knowledge();
  EXPECT_TRUE(k) << k.error().message;
  return *k;
}

TEST(KnowledgeTest, EmbeddedEntriesHaveSourcesDatesAndAllKinds) {
  const Knowledge& k = builtin();
  std::map<EntryKind, int> kinds;
  for (const auto& e : k.entries) {
    SCOPED_TRACE(e.id);
    ++kinds[e.kind];
    EXPECT_FALSE(e.source.empty());
    EXPECT_TRUE(is_iso_date(e.as_of));
    EXPECT_FALSE(e.title.empty());
  }
  EXPECT_GE(kinds[EntryKind::kFramework], 10);
  EXPECT_GE(kinds[EntryKind::kAntipattern], 10);
  EXPECT_GE(kinds[EntryKind::kTool], 25);
  EXPECT_GE(kinds[EntryKind::kWorkload], 2);
}

TEST(KnowledgeTest, AntipatternsNameAuditRulesThatExist) {
  const Knowledge& k = builtin();
  auto problems =
      check_audit_rules(k, [](std::string_view id) { return audit::find_rule(id) != nullptr; });
  EXPECT_TRUE(problems.empty()) << join(problems, "\n");
  for (const auto& e : k.entries)
    if (e.kind == EntryKind::kAntipattern) {
      EXPECT_FALSE(e.audit_rules.empty()) << e.id;
    }
  // The issue's named anti-patterns are all there.
  for (const char* id : {"no-caching", "single-provider-lock-in", "ignoring-costs",
                         "no-fallbacks-or-timeouts", "manual-model-deployment"})
    EXPECT_TRUE(k.find(id)) << id;
  auto bad = check_audit_rules(k, [](std::string_view id) { return id != "LLM009"; });
  ASSERT_FALSE(bad.empty());
  EXPECT_NE(bad[0].find("no-caching.audit_rules: no audit rule 'LLM009'"), std::string::npos)
      << bad[0];
}

TEST(KnowledgeTest, TheToolMapCoversTheIssuesTools) {
  const Knowledge& k = builtin();
  for (const char* id : {"nvidia-gpu-operator", "runai", "skypilot", "kserve", "llm-d", "dynamo",
                         "modal", "replicate", "runpod", "vllm", "litellm", "opencost"}) {
    const KnowledgeEntry* e = k.find(id);
    ASSERT_TRUE(e) << id;
    EXPECT_FALSE(e->llmctl.empty()) << id;
  }
}

TEST(KnowledgeTest, SearchMatchesEveryWordBestFirst) {
  const Knowledge& k = builtin();
  auto hits = search(k, "kv cache");
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits.front().entry->id, "kv-cache-undersized");
  for (const auto& h : hits) EXPECT_GT(h.score, 0);
  EXPECT_TRUE(search(k, "kv zebra").empty());
  EXPECT_EQ(find_workload(k, "chatbot")->id, "chat");
  EXPECT_EQ(find_workload(k, "rag"), nullptr);
}

TEST(KnowledgeTest, LoaderErrorsNameFileLineAndField) {
  auto missing_source = load_knowledge({{"k.yaml",
                                         "frameworks:\n"
                                         "  - id: a\n"
                                         "    title: A\n"
                                         "    when: w\n"
                                         "    use: u\n"
                                         "    because: b\n"
                                         "    as_of: 2026-01-01\n"}});
  ASSERT_FALSE(missing_source);
  EXPECT_EQ(missing_source.error().message,
            "k.yaml:2:5: frameworks[0].source: is required but missing");
  auto typo = load_knowledge({{"k.yaml",
                               "tools:\n"
                               "  - id: t\n"
                               "    name: T\n"
                               "    category: gateway\n"
                               "    what: w\n"
                               "    choose_when: c\n"
                               "    avoid_when: a\n"
                               "    llmctl: l\n"
                               "    sorce: s\n"
                               "    source: s\n"
                               "    as_of: 2026-01-01\n"}});
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().message.find("k.yaml:9:5: tools[0].sorce: unknown field; did you mean "
                                      "'source'?"),
            std::string::npos)
      << typo.error().message;
  auto dup =
      load_knowledge({{"a.yaml",
                       "workloads:\n"
                       "  - {id: w, title: W, input_tokens: {mean: 10, p95: 20}, "
                       "output_tokens: {mean: 1, p95: 2}, source: s, as_of: 2026-01-01}\n"
                       "  - {id: w, title: W, input_tokens: {mean: 10, p95: 20}, "
                       "output_tokens: {mean: 1, p95: 2}, source: s, as_of: 2026-01-01}\n"}});
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().message.find("'w' is already defined at a.yaml:2"), std::string::npos)
      << dup.error().message;
  auto p95 =
      load_knowledge({{"a.yaml",
                       "workloads:\n"
                       "  - {id: w, title: W, input_tokens: {mean: 10, p95: 5}, "
                       "output_tokens: {mean: 1, p95: 2}, source: s, as_of: 2026-01-01}\n"}});
  ASSERT_FALSE(p95);
  EXPECT_NE(p95.error().message.find("input_tokens.p95"), std::string::npos) << p95.error().message;
}

}  // namespace
}  // namespace llmctl::agent
