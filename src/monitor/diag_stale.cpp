// stale_metrics: alert rules, recording rules and dashboard panels that read metric names the
// running engines no longer export (renamed or removed in the version that runs), so the alert
// can never fire and the panel stays empty. Names come from the catalog (current names, the names
// they replaced, the version that deprecated them); a name is only judged against a kind of target
// that is actually running.
#include <algorithm>
#include <map>
#include <set>

#include "common/strings.h"
#include "monitor/diag_internal.h"
#include "monitor/rules.h"

namespace llmctl::monitor::detail {

void diagnose_stale(Ctx& c) {
  if (c.snap.rules.empty()) return;
  // What each running kind of target exports.
  std::map<std::string, std::set<std::string>> exported;  // set id -> names
  auto add_instance = [&](const std::string& set_id, const std::string& instance) {
    auto& names = exported[set_id];
    for (const auto& s : c.snap.series)
      if (label(s.labels, "instance") == instance) names.insert(s.name);
    if (auto it = c.snap.exported_names.find(instance); it != c.snap.exported_names.end())
      names.insert(it->second.begin(), it->second.end());
  };
  for (const auto& t : c.engines) add_instance(t.engine, t.instance);
  for (const auto& g : c.gateways) add_instance("llmctl-gateway", g.instance);
  for (const auto& g : c.gpus) {
    const MetricFamilySet* dcgm = nullptr;
    for (const auto& s : c.mc.sets())
      if (s.kind == "exporter") dcgm = &s;
    if (dcgm) add_instance(dcgm->id, std::string(label(g.id, "instance")));
  }
  std::vector<std::pair<const MetricFamilySet*, std::string>> prefixes;
  for (const auto& s : c.mc.sets())
    if (auto p = name_prefix(s); !p.empty()) prefixes.emplace_back(&s, p);

  for (const auto& rule : c.snap.rules) {
    std::vector<std::string> problems;
    std::vector<Evidence> evidence;
    std::string fix_names;
    for (const auto& name : promql_metric_names(rule.expr)) {
      std::string current;
      const catalog::EngineMetric* fact = nullptr;
      const MetricFamilySet* set = c.mc.owner(name, &current, &fact);
      if (!set)
        for (const auto& [s, p] : prefixes)
          if (starts_with(name, p)) set = s;
      if (!set) continue;
      auto it = exported.find(set->id);
      if (it == exported.end() || it->second.empty()) continue;  // that kind is not running
      const auto& names = it->second;
      const std::string family = family_of(name);
      if (names.count(name) || names.count(name + "_bucket")) continue;
      // The name the rule should use now: the current name with the rule's series suffix, or the
      // counter's exposed name (client libraries add `_total` on exposition).
      std::string replacement;
      if (fact && current != family) {
        replacement = current + name.substr(family.size());
        if (!names.count(replacement)) replacement.clear();
      }
      if (replacement.empty() && names.count(name + "_total")) {
        problems.push_back(fmt::format(
            "{} (the running {} exports the counter as {}_total; PromQL needs the exact name)",
            name, set->id, name));
        fix_names += fmt::format("{}{} -> {}_total", fix_names.empty() ? "" : ", ", name, name);
      } else if (!replacement.empty()) {
        problems.push_back(fmt::format(
            "{} (renamed {}{}; the running {} exports {})", name, current,
            fact->deprecated_in.empty() ? "" : " in " + set->id + " " + fact->deprecated_in,
            set->id, replacement));
        fix_names += fmt::format("{}{} -> {}", fix_names.empty() ? "" : ", ", name, replacement);
      } else {
        problems.push_back(fmt::format("{} (not exported by the running {}: {} names seen)", name,
                                       set->id, names.size()));
      }
      evidence.push_back({name, 0, "series", fmt::format("count({})", name)});
    }
    if (problems.empty()) continue;
    Finding f;
    f.kind = "stale_metrics";
    f.severity = Severity::kWarning;
    f.target = rule.origin;
    f.message = fmt::format(
        "reads {}: this expression returns nothing, so the alert never fires "
        "or the panel stays empty",
        join(problems, "; "));
    f.evidence = std::move(evidence);
    f.fix = {fix_names.empty()
                 ? "Remove or replace the names the running version does not export (catalog: "
                   "`llmctl catalog show ENGINE`), or regenerate the rules for it"
                 : "Rename " + fix_names + ", or regenerate the rules from the catalog",
             "llmctl deploy SPEC.yaml --out DIR  # monitoring/rules.yaml, dashboard.json"};
    c.add(std::move(f));
  }
}

}  // namespace llmctl::monitor::detail
