// Inputs of `llmctl costs`: each supported format is parsed into the one UsageTable (table.h).
//
// Parsers are pure: the caller reads the file and passes its text (the SQLite request log is read
// by finops/request_log_reader.h, which does the I/O). A malformed record never stops a run and
// is never dropped silently: it is counted in rows_rejected and its error, naming
// file:line:col and the field, is kept (the first kMaxKeptErrors of them).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/calendar.h"
#include "common/result.h"
#include "finops/table.h"

namespace llmctl::finops {

enum class InputFormat {
  kLlmctl,          // the gateway's SQLite request log (request_log_reader.h)
  kOpenAIUsage,     // OpenAI /v1/organization/usage/completions pages (JSON or JSONL) or CSV
  kOpenAICosts,     // OpenAI /v1/organization/costs pages (dollars per line item)
  kAnthropicUsage,  // Claude Console tokens CSV, or Admin API usage_report/messages (JSON/CSV)
  kAnthropicCost,   // Claude Console cost CSV (dollars), or Admin API cost_report (cents)
  kLiteLLM,         // LiteLLM_SpendLogs rows: /spend/logs JSON, JSONL or a CSV of the table
  kLangfuse,        // Langfuse observations: blob-storage export (JSONL/CSV) or the public API
  kHelicone,        // Helicone requests: /v1/request/query JSON, @helicone/export JSONL or CSV
  kOtlp,            // OTLP/JSON traces (ExportTraceServiceRequest, or one per line) GenAI spans
  kCsv,             // any CSV with a column mapping (--map field=column,...)
};

// Name used by --input-format; every name accepted, for help and errors.
const char* input_format_name(InputFormat f);
std::string input_format_names();
Result<InputFormat> parse_input_format(std::string_view name);

inline constexpr std::size_t kMaxKeptErrors = 20;

struct Ingest {
  UsageTable table;
  std::string source;                 // what was read, for the report ("OpenAI usage export, ...")
  long long records_read = 0;         // records seen (rows, buckets' results, spans)
  long long rows_rejected = 0;        // malformed records, each with an error
  long long rows_outside_period = 0;  // outside --since/--until
  long long rows_skipped = 0;  // well-formed records that are not LLM calls (non-GenAI spans)
  // Aggregated exports (rows are time buckets): where the last kept bucket ends, exclusive, so
  // that the period covers the whole last day; 0 when rows are instants (request logs).
  std::int64_t data_end_ms = 0;
  std::vector<std::string> errors;  // the first kMaxKeptErrors rejections
  std::vector<std::string> notes;   // facts about the source (missing columns, conventions)

  void reject(std::string message);
};

struct ReadOptions {
  std::string name;  // the file name used in messages
  std::int64_t since_ms = std::numeric_limits<std::int64_t>::min();  // inclusive
  std::int64_t until_ms = std::numeric_limits<std::int64_t>::max();  // exclusive
  // kCsv: usage-table field -> the CSV column holding it (see csv_mapping_fields()).
  std::map<std::string, std::string> mapping;
};

// Parses `text` in `format` (not kLlmctl) and appends to `out`. Fails only when the input as a
// whole is unusable (not JSON at all, a CSV without the required columns, a bad mapping).
Status parse_input(InputFormat format, std::string_view text, const ReadOptions& options,
                   Ingest& out);

// Fields a --map may name, with what each means (for help and errors).
std::string csv_mapping_fields();

// Parses "field=column,field=column".
Result<std::map<std::string, std::string>> parse_mapping(std::string_view spec);

// Timestamps as exports write them: RFC 3339 / ISO 8601 ("2026-11-02T10:00:00Z",
// "2026-11-02 10:00:00.123456", offsets "+02:00", a bare date), or a Unix epoch number in
// seconds, milliseconds, microseconds or nanoseconds (told apart by magnitude). Milliseconds.
Result<std::int64_t> parse_timestamp(std::string_view text);

// Back from days since 1970-01-01 to a civil date (proleptic Gregorian, UTC); the way there is
// llmctl::days_from_civil (common/calendar.h).
void civil_from_days(std::int64_t days, int& y, int& m, int& d);
// "YYYY-MM-DD" and "YYYY-MM-DDTHH:MM:SSZ" of a millisecond timestamp.
std::string iso_date(std::int64_t ts_ms);
std::string iso_time(std::int64_t ts_ms);

}  // namespace llmctl::finops
