// PromQL expressions out of the files people keep their monitoring in: Prometheus rule files,
// PrometheusRule objects, Grafana dashboards (JSON), and the metric names those expressions use.
// Pure: text in, expressions out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "monitor/snapshot.h"

namespace llmctl::monitor {

// Every `expr` of a rule file (groups[].rules[]), a PrometheusRule (spec.groups), or a Grafana
// dashboard (panels[].targets[].expr, rows included). `file` names the origin in errors and
// findings. Errors name file:line for malformed YAML or JSON.
Result<std::vector<RuleExpr>> rule_exprs(std::string_view text, const std::string& file);

// Metric names an expression reads (functions, keywords, label names and durations left out),
// in order of first appearance.
std::vector<std::string> promql_metric_names(std::string_view expr);

}  // namespace llmctl::monitor
