// The gateway's request log, read with SQLite (read-only; the gateway writes in WAL mode, so a
// running gateway is read without blocking it). Rows stream into the pure LogAggregator.
#include <fmt/format.h>
#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <memory>

#include "common/strings.h"
#include "monitor/sources.h"

namespace llmctl::monitor {

namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

std::optional<std::string> text(sqlite3_stmt* s, int col) {
  if (sqlite3_column_type(s, col) == SQLITE_NULL) return std::nullopt;
  const unsigned char* t = sqlite3_column_text(s, col);
  return std::string(t ? reinterpret_cast<const char*>(t) : "");
}

}  // namespace

Result<LogSummary> read_request_log(const std::string& path, const Slo& slo, double now_s,
                                    double window_s, double history_s) {
  if (!std::filesystem::is_regular_file(path))
    return Error{fmt::format("--db {}: no such file", path)};
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : "cannot open";
    sqlite3_close(raw);
    return Error{fmt::format("--db {}: {}", path, msg)};
  }
  std::unique_ptr<sqlite3, DbCloser> db(raw);
  sqlite3_busy_timeout(db.get(), 5000);
  // Which columns the file has: v1 (the minimum) and the v2 ones monitor uses when present.
  std::set<std::string> columns;
  {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db.get(), "PRAGMA table_info(requests)", -1, &st, nullptr) != SQLITE_OK)
      return Error{fmt::format("--db {}: {}", path, sqlite3_errmsg(db.get()))};
    std::unique_ptr<sqlite3_stmt, StmtFinalizer> guard(st);
    while (sqlite3_step(st) == SQLITE_ROW) columns.insert(*text(st, 1));
  }
  if (columns.empty())
    return Error{
        fmt::format("--db {}: no table 'requests'; expected the gateway's request log "
                    "(logging.request_log.path)",
                    path)};
  for (const char* c : kLogRequiredColumns)
    if (!columns.count(c))
      return Error{
          fmt::format("--db {}: table 'requests' has no column '{}'; expected the "
                      "gateway's request log (v1 or later)",
                      path, c)};
  std::vector<std::string> select(std::begin(kLogRequiredColumns), std::end(kLogRequiredColumns));
  for (const char* c : kLogV2Columns)
    if (columns.count(c)) select.emplace_back(c);
  const std::string sql = fmt::format(
      "SELECT {} FROM requests WHERE ts_ms >= ? AND ts_ms <= ? ORDER BY ts_ms", join(select, ", "));
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
    return Error{fmt::format("--db {}: {}", path, sqlite3_errmsg(db.get()))};
  std::unique_ptr<sqlite3_stmt, StmtFinalizer> guard(st);
  sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(std::floor((now_s - history_s) * 1000)));
  sqlite3_bind_int64(st, 2, static_cast<sqlite3_int64>(std::ceil(now_s * 1000)));
  LogAggregator agg(path, columns, slo, now_s, window_s);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    LogRow r;
    r.ts_ms = sqlite3_column_int64(st, 0);
    r.model = text(st, 1).value_or("");
    r.status = sqlite3_column_int(st, 2);
    r.error_class = text(st, 3).value_or("");
    r.stream = sqlite3_column_int(st, 4) != 0;
    r.input_tokens = sqlite3_column_int64(st, 5);
    r.cached_tokens = sqlite3_column_int64(st, 6);
    r.output_tokens = sqlite3_column_int64(st, 7);
    r.cost_usd = sqlite3_column_double(st, 8);
    r.duration_ms = sqlite3_column_double(st, 9);
    if (sqlite3_column_type(st, 10) != SQLITE_NULL) r.ttft_ms = sqlite3_column_double(st, 10);
    r.attempts = sqlite3_column_int(st, 11);
    for (std::size_t i = std::size(kLogRequiredColumns); i < select.size(); ++i) {
      const int col = static_cast<int>(i);
      if (select[i] == "finish_reason") r.finish_reason = text(st, col);
      if (select[i] == "prefix_fingerprint") r.prefix_fingerprint = text(st, col);
      if (select[i] == "prefix_tokens" && sqlite3_column_type(st, col) != SQLITE_NULL)
        r.prefix_tokens = sqlite3_column_int64(st, col);
      if (sqlite3_column_type(st, col) == SQLITE_NULL) continue;
      if (select[i] == "empty_answer") r.empty_answer = sqlite3_column_int(st, col);
      if (select[i] == "refusal") r.refusal = sqlite3_column_int(st, col);
      if (select[i] == "invalid_json") r.invalid_json = sqlite3_column_int(st, col);
      if (select[i] == "invalid_tool_args") r.invalid_tool_args = sqlite3_column_int(st, col);
      if (select[i] == "feedback_score") r.feedback_score = sqlite3_column_double(st, col);
    }
    agg.add(r);
  }
  if (rc != SQLITE_DONE) return Error{fmt::format("--db {}: {}", path, sqlite3_errmsg(db.get()))};
  return std::move(agg).finish();
}

}  // namespace llmctl::monitor
