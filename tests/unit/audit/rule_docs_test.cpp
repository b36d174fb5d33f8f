// docs/AUDIT.md's "## Rules" section is the rule table (src/audit/rules/*.cpp) rendered as
// markdown, so the reference cannot drift from `--explain` and SARIF. When a rule's text changes,
// regenerate the section: LLMCTL_UPDATE_DOCS=1 build/dev/tests/llmctl_unit_tests
// --gtest_filter=AuditRuleDocs.*
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "audit/rules.h"

namespace llmctl::audit {
namespace {

std::string_view category_title(std::string_view c) {
  if (c == "code") return "LLM client code";
  if (c == "serving") return "Serving configuration";
  if (c == "capacity") return "Capacity (perf model)";
  if (c == "observability") return "Observability";
  if (c == "ci") return "CI/CD";
  if (c == "gateway") return "Gateway configuration";
  return c;
}

std::string render_rules_section() {
  std::string out =
      "## Rules\n\nGenerated from the rule table (each family's entries in `src/audit/rules/`, "
      "gathered by `src/audit/rule_table.cpp`); `llmctl audit --explain ID` prints the same, and "
      "`tests/unit/audit/rule_docs_test.cpp` keeps this section equal to it.\n";
  std::string_view category;
  for (const auto& r : all_rules()) {
    if (r.category != category) {
      category = r.category;
      out += fmt::format("\n### {}\n", category_title(category));
    }
    out += fmt::format("\n#### {} — {} ({})\n\n*Checks.* {}\n\n*Why.* {}\n\n*Fix.* {}\n", r.id,
                       r.title, severity_name(r.severity), r.detects, r.why, r.fix);
  }
  return out;
}

TEST(AuditRuleDocs, ReferenceSectionMatchesTheRuleTable) {
  const std::string path = std::string(LLMCTL_SOURCE_DIR) + "/docs/AUDIT.md";
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  const size_t at = doc.find("\n## Rules\n");
  ASSERT_NE(at, std::string::npos) << path << ": no '## Rules' section";
  const std::string expected = render_rules_section();
  const std::string actual = doc.substr(at + 1);
  if (actual == expected) return;
  if (const char* update = std::getenv("LLMCTL_UPDATE_DOCS"); update && *update == '1') {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << doc.substr(0, at + 1) << expected;
    GTEST_SKIP() << "rewrote the rules section of " << path;
  }
  size_t i = 0;
  while (i < actual.size() && i < expected.size() && actual[i] == expected[i]) ++i;
  const size_t line = 1 + std::count(doc.begin(), doc.begin() + at + 1 + i, '\n');
  FAIL() << path << ":" << line << ": the rules section differs from the rule table; run "
         << "LLMCTL_UPDATE_DOCS=1 llmctl_unit_tests --gtest_filter=AuditRuleDocs.* to regenerate";
}

}  // namespace
}  // namespace llmctl::audit
