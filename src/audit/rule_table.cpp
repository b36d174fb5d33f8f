// The rule table: every family file in rules/ contributes the documentation of the rules it
// checks; here they are gathered once, in category and id order.
#include <algorithm>

#include "audit/rules.h"
#include "audit/rules/rules.h"
#include "common/strings.h"

namespace llmctl::audit {
namespace {

int category_order(std::string_view id) {
  int i = 0;
  for (std::string_view p : {"LLM", "K8S", "CAP", "OBS", "CICD", "GW"}) {
    if (starts_with(id, p)) return i;
    ++i;
  }
  return i;
}

std::vector<RuleInfo> gather() {
  std::vector<RuleInfo> out;
  detail::add_llm_call_rule_docs(out);
  detail::add_llm_code_rule_docs(out);
  detail::add_resource_rule_docs(out);
  detail::add_probe_rule_docs(out);
  detail::add_config_rule_docs(out);
  detail::add_scaling_rule_docs(out);
  detail::add_coverage_rule_docs(out);
  detail::add_capacity_rule_docs(out);
  detail::add_obs_rule_docs(out);
  detail::add_ci_rule_docs(out);
  detail::add_gateway_rule_docs(out);
  std::sort(out.begin(), out.end(), [](const RuleInfo& a, const RuleInfo& b) {
    int ca = category_order(a.id), cb = category_order(b.id);
    return ca != cb ? ca < cb : a.id < b.id;
  });
  return out;
}

}  // namespace

const std::vector<RuleInfo>& all_rules() {
  static const std::vector<RuleInfo> rules = gather();
  return rules;
}

const RuleInfo* find_rule(std::string_view id) {
  for (const auto& r : all_rules())
    if (iequals(r.id, id)) return &r;
  return nullptr;
}

}  // namespace llmctl::audit
