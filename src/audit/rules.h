// The audit's rule table: ids, default severities and the documentation `--explain` prints and
// SARIF's tool.driver.rules carries. The table is static data; the checks live in the rule files.
#pragma once

#include <string_view>
#include <vector>

#include "audit/finding.h"

namespace llmctl::audit {

struct RuleInfo {
  std::string_view id;        // LLM001 ... GW004
  std::string_view category;  // code | serving | capacity | observability | ci | gateway
  Severity severity;          // default level (a finding may be stricter, e.g. CAP002)
  std::string_view title;     // one line: SARIF shortDescription
  std::string_view detects;   // what is checked and how it is detected: SARIF fullDescription
  std::string_view why;       // rationale with sources (research notes, docs, issues)
  std::string_view fix;       // the default remedy
  std::string_view example;   // a minimal offending snippet
};

// Every rule in id order (categories grouped: LLM, K8S, CAP, OBS, CICD, GW).
const std::vector<RuleInfo>& all_rules();
// nullptr for an unknown id; case-insensitive.
const RuleInfo* find_rule(std::string_view id);

}  // namespace llmctl::audit
