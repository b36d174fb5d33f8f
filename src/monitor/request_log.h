// The gateway's request log, as monitor reads it: rows folded into per-model, per-minute buckets
// (bounded memory however many rows) by a pure aggregator. The SQLite reader (log_reader.h) feeds
// it; tests feed it rows directly.
//
// The log's v1 columns give requests, statuses, error classes, tokens, cost and latencies; the v2
// columns (finish_reason, max_tokens, prefix_fingerprint/prefix_tokens, feedback_score) add
// truncation and prefix-reuse figures. A diagnosis that needs a missing column says which.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/psi.h"
#include "monitor/finding.h"

namespace llmctl::monitor {

struct LogRow {
  std::int64_t ts_ms = 0;
  std::string model;
  int status = 0;
  std::string error_class;
  bool stream = false;
  std::int64_t input_tokens = 0;  // includes cached
  std::int64_t cached_tokens = 0;
  std::int64_t output_tokens = 0;
  double cost_usd = 0;
  double duration_ms = 0;
  std::optional<double> ttft_ms;  // streams only
  int attempts = 1;
  // v2 columns
  std::optional<std::string> finish_reason;
  std::optional<std::string> prefix_fingerprint;
  std::optional<std::int64_t> prefix_tokens;
  // quality and feedback columns (issue 15): 1 the problem is there, 0 checked and fine
  std::optional<int> empty_answer, refusal, invalid_json, invalid_tool_args;
  std::optional<double> feedback_score;
};

// The answer checks the gateway records, in the order of LogBucket::checks.
inline constexpr const char* kLogCheckColumns[] = {"empty_answer", "refusal", "invalid_json",
                                                   "invalid_tool_args"};

// Output-length bins for drift: [0,1), [1,2), [2,4), ... [2^(k-1), 2^k), the last open-ended
// (common/psi.h: the gateway's drift gauges use the same bins).
using llmctl::kLengthBins;
using llmctl::length_bin;

struct LogBucket {
  double requests = 0;
  double server_errors = 0;  // status >= 500
  double client_429 = 0;     // 429 answered to the client
  double rate_limited = 0;   // answered 429, or failed on an upstream 429 (error_class)
  double retried = 0;        // requests that needed more than one attempt
  double ttft_measured = 0, ttft_slow = 0;  // against the TTFT SLO
  double tpot_measured = 0, tpot_slow = 0;  // against the TPOT SLO
  double input_tokens = 0, cached_tokens = 0, output_tokens = 0, cost_usd = 0;
  double finish_known = 0, finish_length = 0;
  std::array<double, kLengthBins> output_lengths{};          // successful requests only
  std::array<double, kLengthBins> input_lengths{};           // successful requests only
  std::array<double, 4> checked{}, failed{};                 // by kLogCheckColumns
  double feedback_n = 0, feedback_sum = 0, feedback_sq = 0;  // scores of the window's requests

  void add(const LogBucket& o);
};

struct LogSummary {
  std::string path;
  std::set<std::string> columns;  // what the file has
  std::int64_t rows = 0;
  std::int64_t first_ms = 0, last_ms = 0;
  double now_s = 0;  // the end of the observation: bucket 0 is the minute before it
  // model -> minutes before now_s -> bucket
  std::map<std::string, std::map<std::int64_t, LogBucket>> by_model;
  // Prefix reuse in the main window (v2 columns): input tokens in requests whose leading part
  // was seen before in the window, and all input tokens of requests with a fingerprint.
  double window_prefix_tokens_repeated = 0;
  double window_prefix_input_tokens = 0;

  bool has(const std::string& column) const { return columns.count(column) > 0; }
  // Buckets of `model` (every model when empty) over [now - offset - window, now - offset),
  // summed; whole minutes.
  LogBucket sum(const std::string& model, double window_s, double offset_s = 0) const;
  std::vector<std::string> models() const;
};

// Folds rows into a LogSummary. `now_s` and `window_s` place the main window; `slo` sets what
// counts as slow.
class LogAggregator {
 public:
  LogAggregator(std::string path, std::set<std::string> columns, const Slo& slo, double now_s,
                double window_s);
  void add(const LogRow& row);
  LogSummary finish() &&;

 private:
  LogSummary s_;
  Slo slo_;
  double now_s_, window_s_;
  std::map<std::string, int> prefixes_seen_;
};

// The columns of the v1 log (the minimum monitor reads) and the v2 ones it uses when present.
inline constexpr const char* kLogRequiredColumns[] = {
    "ts_ms",         "model",         "status",   "error_class", "stream",  "input_tokens",
    "cached_tokens", "output_tokens", "cost_usd", "duration_ms", "ttft_ms", "attempts"};
inline constexpr const char* kLogV2Columns[] = {
    "finish_reason", "prefix_fingerprint", "prefix_tokens",     "empty_answer",
    "refusal",       "invalid_json",       "invalid_tool_args", "feedback_score"};

}  // namespace llmctl::monitor
