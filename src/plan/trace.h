// Request traces (CSV: TIMESTAMP,ContextTokens,GeneratedTokens, as in the Azure LLM inference
// trace 2023) summarised into the numbers the planner sizes with.
//
// Pure: the caller reads the file and passes its text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "plan/spec.h"

namespace llmctl::plan {

struct TraceSummary {
  long long requests = 0;
  double duration_s = 0;  // last arrival - first arrival
  double mean_qps = 0;    // requests / duration
  double peak_qps = 0;    // busiest 1-minute window (tumbling, from the first arrival) / 60 s
  LengthDistribution input_tokens;  // mean, p50, p95 (nearest rank)
  LengthDistribution output_tokens;
};

// Parses the CSV. Columns are found by header name (TIMESTAMP, ContextTokens, GeneratedTokens;
// case-insensitive), timestamps are "YYYY-MM-DD HH:MM:SS[.fraction]". `name` is used in errors,
// which name the line. A trace must span at least one minute.
Result<TraceSummary> summarize_trace(std::string_view csv_text, const std::string& name);

// Nearest-rank percentile of sorted values (q in (0, 1]).
double nearest_rank(const std::vector<double>& sorted, double q);

// Replaces the spec's traffic rates and lengths with the trace's, the rates times
// trace.qps_scale, and records where they came from in traffic.source.
void apply_trace(Traffic& traffic, const TraceSummary& summary, const std::string& trace_name);

}  // namespace llmctl::plan
