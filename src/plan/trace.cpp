#include "plan/trace.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <numeric>

#include "common/calendar.h"
#include "common/strings.h"
#include "plan/format.h"

namespace llmctl::plan {
namespace {

bool parse_int(std::string_view s, long long& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

LengthDistribution distribution(std::vector<double>& values) {
  std::sort(values.begin(), values.end());
  LengthDistribution d;
  d.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  d.p50 = nearest_rank(values, 0.50);
  d.p95 = nearest_rank(values, 0.95);
  return d;
}

}  // namespace

double nearest_rank(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

Result<TraceSummary> summarize_trace(std::string_view csv_text, const std::string& name) {
  std::vector<std::string> lines = split(csv_text, '\n');
  if (lines.empty() || trim(lines[0]).empty())
    return Error{
        fmt::format("{}:1: expected a CSV header TIMESTAMP,ContextTokens,GeneratedTokens", name)};
  std::vector<std::string> header = split(trim(lines[0]), ',');
  int ts_col = -1, in_col = -1, out_col = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    std::string h = trim(header[i]);
    if (iequals(h, "TIMESTAMP")) ts_col = static_cast<int>(i);
    if (iequals(h, "ContextTokens")) in_col = static_cast<int>(i);
    if (iequals(h, "GeneratedTokens")) out_col = static_cast<int>(i);
  }
  if (ts_col < 0 || in_col < 0 || out_col < 0)
    return Error{fmt::format(
        "{}:1: expected a CSV header with TIMESTAMP, ContextTokens and GeneratedTokens, found "
        "\"{}\"",
        name, trim(lines[0]))};
  const size_t columns = header.size();

  std::vector<double> times, inputs, outputs;
  times.reserve(lines.size());
  inputs.reserve(lines.size());
  outputs.reserve(lines.size());
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string line = trim(lines[i]);
    if (line.empty()) continue;
    std::vector<std::string> cells = split(line, ',');
    if (cells.size() != columns)
      return Error{
          fmt::format("{}:{}: expected {} columns, found {}", name, i + 1, columns, cells.size())};
    double t = 0;
    if (!parse_datetime(trim(cells[ts_col]), t))
      return Error{
          fmt::format("{}:{}: TIMESTAMP: expected YYYY-MM-DD HH:MM:SS[.fraction], found "
                      "\"{}\"",
                      name, i + 1, cells[ts_col])};
    long long in = 0, out = 0;
    if (!parse_int(trim(cells[in_col]), in) || in < 0)
      return Error{fmt::format("{}:{}: ContextTokens: expected an integer >= 0, found \"{}\"", name,
                               i + 1, cells[in_col])};
    if (!parse_int(trim(cells[out_col]), out) || out < 0)
      return Error{fmt::format("{}:{}: GeneratedTokens: expected an integer >= 0, found \"{}\"",
                               name, i + 1, cells[out_col])};
    times.push_back(t);
    inputs.push_back(static_cast<double>(in));
    outputs.push_back(static_cast<double>(out));
  }
  if (times.size() < 2) return Error{fmt::format("{}: expected at least two requests", name)};

  // Arrival order is not assumed: window counts need only the first arrival.
  const auto [first, last] = std::minmax_element(times.begin(), times.end());
  TraceSummary s;
  s.requests = static_cast<long long>(times.size());
  s.duration_s = *last - *first;
  if (s.duration_s < 60)
    return Error{fmt::format(
        "{}: the trace spans {:.1f} s; at least one minute is needed to measure a 1-minute peak",
        name, s.duration_s)};
  s.mean_qps = static_cast<double>(s.requests) / s.duration_s;
  std::map<long long, long long> per_minute;
  for (double t : times) ++per_minute[static_cast<long long>(std::floor((t - *first) / 60.0))];
  long long busiest = 0;
  for (const auto& [minute, count] : per_minute) busiest = std::max(busiest, count);
  s.peak_qps = static_cast<double>(busiest) / 60.0;
  s.input_tokens = distribution(inputs);
  s.output_tokens = distribution(outputs);
  return s;
}

void apply_trace(Traffic& traffic, const TraceSummary& summary, const std::string& trace_name) {
  double scale = traffic.trace ? traffic.trace->qps_scale : 1.0;
  traffic.peak_qps = summary.peak_qps * scale;
  traffic.average_qps = summary.mean_qps * scale;
  traffic.input_tokens = summary.input_tokens;
  traffic.output_tokens = summary.output_tokens;
  traffic.source = fmt::format(
      "trace {}: {} requests over {:.1f} min; peak 1-minute window {:.2f} req/s, mean {:.2f} "
      "req/s{}",
      trace_name, group_thousands(summary.requests), summary.duration_s / 60, summary.peak_qps,
      summary.mean_qps, scale == 1.0 ? "" : fmt::format("; rates scaled x{}", num(scale)));
}

}  // namespace llmctl::plan
