#include "finops/request_log_reader.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <boost/json.hpp>
#include <charconv>
#include <map>
#include <memory>
#include <set>

#include "common/strings.h"

namespace llmctl::finops {
namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StmtCloser {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

std::uint64_t hex64(const unsigned char* s, int n) {
  if (!s || n <= 0) return 0;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(reinterpret_cast<const char*>(s),
                                 reinterpret_cast<const char*>(s) + n, v, 16);
  if (ec != std::errc()) return 0;
  return v == 0 ? 1 : v;
}

// JSON object of string -> string -> canonical tags; "" when not an object.
std::string tags_from_json(const unsigned char* s, int n) {
  if (!s || n <= 0) return "";
  boost::system::error_code ec;
  auto v = boost::json::parse(std::string_view(reinterpret_cast<const char*>(s), n), ec);
  if (ec || !v.is_object()) return "";
  std::vector<std::pair<std::string, std::string>> tags;
  for (const auto& kv : v.get_object()) {
    const auto& x = kv.value();
    std::string val = x.is_string() ? std::string(x.get_string()) : boost::json::serialize(x);
    tags.emplace_back(std::string(kv.key()), val);
  }
  return canonical_tags(std::move(tags));
}

}  // namespace

Status read_request_log(const std::string& path, const ReadOptions& options, Ingest& out,
                        const Progress& progress) {
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : "cannot open";
    sqlite3_close(raw);
    return Error{fmt::format("{}: {}", path, msg)};
  }
  std::unique_ptr<sqlite3, DbCloser> db(raw);
  // Which columns the file has.
  std::set<std::string> have;
  {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db.get(), "PRAGMA table_info(requests)", -1, &s, nullptr) != SQLITE_OK)
      return Error{
          fmt::format("{}: {} (is it an llmctl request log?)", path, sqlite3_errmsg(db.get()))};
    std::unique_ptr<sqlite3_stmt, StmtCloser> st(s);
    while (sqlite3_step(s) == SQLITE_ROW)
      have.insert(reinterpret_cast<const char*>(sqlite3_column_text(s, 1)));
  }
  if (have.empty())
    return Error{fmt::format("{}: no table 'requests': not an llmctl request log", path)};
  for (const char* required : {"ts_ms", "model", "input_tokens", "output_tokens"})
    if (!have.count(required))
      return Error{fmt::format("{}: table 'requests' has no column '{}'", path, required)};
  // The columns read, in order; absent ones are selected as NULL so indices stay fixed.
  static const char* kColumns[] = {
      "ts_ms", "model", "provider", "deployment", "endpoint", "upstream_model", "price_id",
      "status", "error_class", "stream", "input_tokens", "cached_tokens", "output_tokens",
      "reasoning_tokens", "cost_usd", "duration_ms", "attempts",
      // v2
      "cache_write_tokens", "max_tokens", "finish_reason", "has_tools", "key_id", "key_name",
      "team", "user", "project", "agent", "session_id", "tags", "request_fingerprint",
      "system_fingerprint", "system_tokens", "prefix_fingerprint", "prefix_tokens"};
  std::vector<std::string> select;
  std::vector<std::string> missing_v2;
  for (std::size_t i = 0; i < std::size(kColumns); ++i) {
    std::string c = kColumns[i];
    if (have.count(c)) {
      select.push_back("\"" + c + "\"");
    } else {
      select.emplace_back("NULL");
      if (i >= 17) missing_v2.push_back(c);
    }
  }
  std::string where = " WHERE ts_ms >= ?1 AND ts_ms < ?2";
  long long total = 0;
  {
    sqlite3_stmt* s = nullptr;
    std::string q = "SELECT count(*) FROM requests" + where;
    if (sqlite3_prepare_v2(db.get(), q.c_str(), -1, &s, nullptr) != SQLITE_OK)
      return Error{fmt::format("{}: {}", path, sqlite3_errmsg(db.get()))};
    std::unique_ptr<sqlite3_stmt, StmtCloser> st(s);
    sqlite3_bind_int64(s, 1, options.since_ms);
    sqlite3_bind_int64(s, 2, options.until_ms);
    if (sqlite3_step(s) == SQLITE_ROW) total = sqlite3_column_int64(s, 0);
  }
  {
    sqlite3_stmt* s = nullptr;
    std::string q = "SELECT count(*) FROM requests";
    if (sqlite3_prepare_v2(db.get(), q.c_str(), -1, &s, nullptr) == SQLITE_OK) {
      std::unique_ptr<sqlite3_stmt, StmtCloser> st(s);
      if (sqlite3_step(s) == SQLITE_ROW)
        out.rows_outside_period += sqlite3_column_int64(s, 0) - total;
    }
  }
  std::string q = "SELECT " + join(select, ", ") + " FROM requests" + where + " ORDER BY ts_ms";
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db.get(), q.c_str(), -1, &s, nullptr) != SQLITE_OK)
    return Error{fmt::format("{}: {}", path, sqlite3_errmsg(db.get()))};
  std::unique_ptr<sqlite3_stmt, StmtCloser> st(s);
  sqlite3_bind_int64(s, 1, options.since_ms);
  sqlite3_bind_int64(s, 2, options.until_ms);

  UsageTable& t = out.table;
  t.reserve(static_cast<std::size_t>(total));
  t.set_has(Column::kTimestamp);
  t.set_has(Column::kCacheRead);
  t.set_has(Column::kReasoning);
  t.set_has(Column::kStatus);
  t.set_has(Column::kStream);
  t.set_has(Column::kDuration);
  t.set_has(Column::kAttempts);
  t.set_has(Column::kReportedCost);
  if (have.count("cache_write_tokens")) t.set_has(Column::kCacheWrite);
  if (have.count("max_tokens")) t.set_has(Column::kMaxTokens);
  if (have.count("has_tools")) t.set_has(Column::kHasTools);
  if (have.count("request_fingerprint")) t.set_has(Column::kRequestFingerprint);
  if (have.count("system_fingerprint")) t.set_has(Column::kSystemFingerprint);
  if (have.count("prefix_fingerprint")) t.set_has(Column::kPrefixFingerprint);
  if (have.count("prefix_tokens")) t.set_has(Column::kPrefixTokens);
  out.source = fmt::format("llmctl request log {}", path);
  if (!missing_v2.empty())
    out.notes.push_back(
        fmt::format("{} is a request log without the v2 columns {}: the figures "
                    "that need them say so",
                    path, join(missing_v2, ", ")));

  UsageRow row;
  auto text = [&](int col, Text dst) {
    const unsigned char* p = sqlite3_column_text(s, col);
    if (p)
      row[dst].assign(reinterpret_cast<const char*>(p),
                      static_cast<std::size_t>(sqlite3_column_bytes(s, col)));
    else
      row[dst].clear();
  };
  auto is_null = [&](int col) { return sqlite3_column_type(s, col) == SQLITE_NULL; };
  long long done = 0;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    ++out.records_read;
    row.ts_ms = sqlite3_column_int64(s, 0);
    text(1, Text::kModel);
    text(2, Text::kProvider);
    text(3, Text::kDeployment);
    text(4, Text::kEndpoint);
    text(5, Text::kUpstreamModel);
    text(6, Text::kPriceId);
    row.status = sqlite3_column_int(s, 7);
    text(8, Text::kErrorClass);
    row.stream = is_null(9) ? -1 : sqlite3_column_int(s, 9);
    row.input_tokens = sqlite3_column_int64(s, 10);
    row.cache_read_tokens = sqlite3_column_int64(s, 11);
    row.output_tokens = sqlite3_column_int64(s, 12);
    row.reasoning_tokens = sqlite3_column_int64(s, 13);
    row.reported_cost_usd = is_null(14) ? -1 : sqlite3_column_double(s, 14);
    row.duration_ms = is_null(15) ? -1.0f : static_cast<float>(sqlite3_column_double(s, 15));
    row.attempts = sqlite3_column_int(s, 16);
    row.cache_write_tokens = sqlite3_column_int64(s, 17);
    row.max_tokens = is_null(18) ? -1 : sqlite3_column_int64(s, 18);
    text(19, Text::kFinishReason);
    row.has_tools = is_null(20) ? -1 : sqlite3_column_int(s, 20);
    // The key's name when it has one, else its id (never the secret).
    text(22, Text::kKey);
    if (row[Text::kKey].empty()) text(21, Text::kKey);
    text(23, Text::kTeam);
    text(24, Text::kUser);
    text(25, Text::kProject);
    text(26, Text::kAgent);
    text(27, Text::kSession);
    row[Text::kTags] = tags_from_json(sqlite3_column_text(s, 28), sqlite3_column_bytes(s, 28));
    row.request_fp = hex64(sqlite3_column_text(s, 29), sqlite3_column_bytes(s, 29));
    row.system_fp = hex64(sqlite3_column_text(s, 30), sqlite3_column_bytes(s, 30));
    row.system_tokens = is_null(31) ? -1 : sqlite3_column_int(s, 31);
    row.prefix_fp = hex64(sqlite3_column_text(s, 32), sqlite3_column_bytes(s, 32));
    row.prefix_tokens = is_null(33) ? -1 : sqlite3_column_int(s, 33);
    // The gateway's interrupted streams keep status 200 with error_class stream_interrupted.
    if (row[Text::kErrorClass] == "stream_interrupted" && row[Text::kFinishReason].empty())
      row[Text::kFinishReason] = "interrupted";
    if (row.cache_read_tokens + row.cache_write_tokens > row.input_tokens || row.input_tokens < 0 ||
        row.output_tokens < 0) {
      out.reject(
          fmt::format("{}: row at ts_ms {}: token counts are inconsistent (input {}, "
                      "cached {}, cache writes {}, output {})",
                      path, row.ts_ms, row.input_tokens, row.cache_read_tokens,
                      row.cache_write_tokens, row.output_tokens));
      continue;
    }
    t.append(row);
    if (progress && ++done % 262144 == 0) progress(done, total);
  }
  if (rc != SQLITE_DONE) return Error{fmt::format("{}: {}", path, sqlite3_errmsg(db.get()))};
  if (progress) progress(total, total);
  return {};
}

}  // namespace llmctl::finops
