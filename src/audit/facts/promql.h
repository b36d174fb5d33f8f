// What a PromQL expression says: its tokens, which identifiers are metric selectors (not label
// names, functions or keywords), which sit under native-histogram functions, and the engine
// metrics the catalog knows. A small lexer is enough for the observability rules: they need
// metric names, the function each sits in and the grouping of aggregations. Internal.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"

namespace llmctl::audit::detail {

struct PTok {
  enum Kind { kIdent, kString, kNumber, kPunct, kDuration } kind;
  std::string text;
};

struct Query {
  std::vector<PTok> t;
  std::vector<bool> label;   // a label name (inside {...}, by (...), on (...), ...)
  std::vector<bool> native;  // an argument of a native-histogram function

  bool is_metric(size_t i) const;
  // Index of the token matching the '(' at `open`, or t.size().
  size_t close_of(size_t open) const;
};

Query parse_promql(std::string_view expr);

bool is_aggregation(std::string_view s);

// The catalog's engine and exporter metrics, indexed for the rules (built once per catalog).
struct MetricFacts {
  struct Old {                // a name that was deprecated or removed
    std::string replacement;  // empty: removed without a successor
    std::string engine, deprecated_in, removed_in;
  };
  std::map<std::string, Old> old_names;
  std::map<std::string, std::string> types;  // current name -> counter | gauge | histogram
  // Metric-name prefixes (vllm:, tgi_, nv_, DCGM_, ...) -> the owner's counter suffix.
  std::vector<std::pair<std::string, std::string>> prefix_suffix;
  std::map<std::string, std::string> prefix_engine;

  // The counter suffix of the engine or exporter whose prefix the name carries: "_total", or ""
  // where counters keep their bare names (TGI, Triton, dcgm-exporter). nullptr when no catalog
  // engine or exporter owns the prefix: the audit does not know how that exporter names its
  // counters (an application's own client, prometheus-cpp, Rust and Go exporters all differ).
  const std::string* counter_suffix_for(std::string_view name) const;
  std::string engine_for(std::string_view name) const;
};
// Built once per Auditor (Auditor::metrics()).
MetricFacts build_metric_facts(const catalog::Catalog& cat);

// The name without _bucket/_count/_sum/_total.
std::string strip_metric_suffix(const std::string& name);
// prometheus-adapter's form of a name: ':' -> '_'.
std::string underscored(std::string s);

}  // namespace llmctl::audit::detail
