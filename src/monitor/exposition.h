// The Prometheus text exposition format (0.0.4, and the OpenMetrics 1.0 text that some exporters
// send with the same parser), read into plain samples. Pure: text in, samples out.
//
// Real endpoints are not always tidy (a stray line from a proxy, an exporter bug), so a line that
// cannot be read is skipped and counted, and the first such line is kept as an error naming
// `source:line` and what was expected; the caller decides whether that is fatal.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmctl::monitor {

// Label pairs sorted by name; names are unique.
using Labels = std::vector<std::pair<std::string, std::string>>;

// The value of label `name`, or "" when absent.
std::string_view label(const Labels& labels, std::string_view name);
// Adds or replaces a label, keeping the order.
void set_label(Labels& labels, std::string name, std::string value);
// `{a="x",b="y"}` (empty string for no labels), escaped as the exposition format escapes.
std::string format_labels(const Labels& labels);

struct Sample {
  std::string name;  // as exported: `x_total`, `x_bucket`, `x_sum`, ...
  Labels labels;
  double value = 0;
  std::optional<std::int64_t> timestamp_ms;
};

struct Exposition {
  std::vector<Sample> samples;
  std::map<std::string, std::string> types;  // family name -> counter|gauge|histogram|...
  int skipped_lines = 0;
  std::string first_error;  // "source:line: ..." for the first skipped line
};

Exposition parse_exposition(std::string_view text, std::string_view source);

// Parses a sample value as the format writes it (`1.5`, `1e3`, `NaN`, `+Inf`, `-Inf`).
std::optional<double> parse_value(std::string_view s);

}  // namespace llmctl::monitor
