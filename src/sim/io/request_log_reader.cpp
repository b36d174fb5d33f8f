// The gateway's SQLite request log as a trace (see trace_files.h).
#include <fmt/format.h>
#include <sqlite3.h>

#include <charconv>
#include <filesystem>
#include <map>
#include <set>

#include "common/strings.h"
#include "sim/io/trace_files.h"
#include "sim/trace.h"

namespace llmctl::sim {

namespace {

class Db {
 public:
  ~Db() {
    if (stmt_) sqlite3_finalize(stmt_);
    if (db_) sqlite3_close(db_);
  }
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

std::uint64_t parse_hex(const char* s) {
  std::uint64_t v = 0;
  if (!s) return 0;
  const std::string_view sv(s);
  std::from_chars(sv.data(), sv.data() + sv.size(), v, 16);
  return v;
}

}  // namespace

Result<Trace> read_request_log(const std::string& path) {
  if (!std::filesystem::exists(path))
    return Error{fmt::format("cannot read request log '{}': no such file", path)};
  Db db;
  if (sqlite3_open_v2(path.c_str(), &db.db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    return Error{fmt::format("{}: cannot open: {}", path, sqlite3_errmsg(db.db_))};
  // Which columns this file has (v1 or v2).
  std::set<std::string> columns;
  if (sqlite3_prepare_v2(db.db_, "PRAGMA table_info(requests)", -1, &db.stmt_, nullptr) !=
      SQLITE_OK)
    return Error{fmt::format("{}: not a request log: {}", path, sqlite3_errmsg(db.db_))};
  while (sqlite3_step(db.stmt_) == SQLITE_ROW)
    columns.insert(reinterpret_cast<const char*>(sqlite3_column_text(db.stmt_, 1)));
  sqlite3_finalize(db.stmt_);
  db.stmt_ = nullptr;
  for (const char* need : {"ts_ms", "endpoint", "model", "input_tokens", "output_tokens"})
    if (!columns.count(need))
      return Error{fmt::format(
          "{}: not an llmctl request log: table `requests` has no column {} (expected the "
          "gateway's schema, docs/GATEWAY.md)",
          path, need)};
  auto has = [&](const char* c) { return columns.count(c) > 0; };
  const bool v_max = has("max_tokens"), v_session = has("session_id"),
             v_system = has("system_fingerprint") && has("system_tokens"),
             v_prefix = has("prefix_fingerprint") && has("prefix_tokens");
  const std::string sql = fmt::format(
      "SELECT ts_ms, endpoint, model, input_tokens, output_tokens, {}, {}, {}, {}, {}, {} FROM "
      "requests ORDER BY ts_ms, id",
      v_max ? "max_tokens" : "NULL", v_session ? "session_id" : "NULL",
      v_system ? "system_fingerprint" : "NULL", v_system ? "system_tokens" : "NULL",
      v_prefix ? "prefix_fingerprint" : "NULL", v_prefix ? "prefix_tokens" : "NULL");
  if (sqlite3_prepare_v2(db.db_, sql.c_str(), -1, &db.stmt_, nullptr) != SQLITE_OK)
    return Error{fmt::format("{}: {}", path, sqlite3_errmsg(db.db_))};
  Trace t;
  t.name = std::filesystem::path(path).filename().string();
  t.format = "llmctl";
  long long embeddings = 0, no_output = 0;
  std::map<std::string, long long> models;
  double origin = -1;
  int rc;
  while ((rc = sqlite3_step(db.stmt_)) == SQLITE_ROW) {
    auto text = [&](int i) {
      const unsigned char* s = sqlite3_column_text(db.stmt_, i);
      return s ? std::string(reinterpret_cast<const char*>(s)) : std::string();
    };
    const std::string endpoint = text(1);
    if (endpoint == "embeddings") {
      ++embeddings;
      continue;
    }
    const long long out = sqlite3_column_int64(db.stmt_, 4);
    if (out <= 0) {
      ++no_output;
      continue;
    }
    ++models[text(2)];
    TraceRecord r;
    const double ts = static_cast<double>(sqlite3_column_int64(db.stmt_, 0)) / 1000.0;
    if (origin < 0) origin = ts;
    r.t_s = ts - origin;
    r.input_tokens = static_cast<int>(std::max<long long>(1, sqlite3_column_int64(db.stmt_, 3)));
    r.output_tokens = static_cast<int>(out);
    if (sqlite3_column_type(db.stmt_, 5) != SQLITE_NULL)
      r.max_tokens = static_cast<int>(sqlite3_column_int64(db.stmt_, 5));
    if (sqlite3_column_type(db.stmt_, 6) != SQLITE_NULL) {
      const std::string s = text(6);
      std::uint64_t h = 1469598103934665603ULL;
      for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
      r.session = segment_key(h, 0x73657373ULL);
    }
    r.segments_begin = static_cast<std::uint32_t>(t.segments.hashes.size());
    int covered = 0;
    if (sqlite3_column_type(db.stmt_, 7) != SQLITE_NULL) {
      const int n =
          std::min<int>(r.input_tokens, static_cast<int>(sqlite3_column_int64(db.stmt_, 8)));
      if (n > 0) {
        t.segments.add(
            segment_key(parse_hex(reinterpret_cast<const char*>(sqlite3_column_text(db.stmt_, 7))),
                        0x737973ULL),
            n);
        covered = n;
        ++r.segments_count;
      }
    }
    if (sqlite3_column_type(db.stmt_, 9) != SQLITE_NULL) {
      const int end =
          std::min<int>(r.input_tokens, static_cast<int>(sqlite3_column_int64(db.stmt_, 10)));
      if (end > covered) {
        t.segments.add(
            segment_key(parse_hex(reinterpret_cast<const char*>(sqlite3_column_text(db.stmt_, 9))),
                        0x707265ULL),
            end - covered);
        ++r.segments_count;
      }
    }
    t.records.push_back(r);
  }
  if (rc != SQLITE_DONE) return Error{fmt::format("{}: {}", path, sqlite3_errmsg(db.db_))};
  if (t.records.empty())
    return Error{
        fmt::format("{}: the request log has no generation requests with output tokens", path)};
  if (embeddings > 0)
    t.notes.push_back(fmt::format("request log: {} embeddings requests left out", embeddings));
  if (no_output > 0)
    t.notes.push_back(fmt::format(
        "request log: {} requests without output tokens (failed or refused) left out", no_output));
  if (models.size() > 1) {
    std::vector<std::string> names;
    for (const auto& [m, n] : models) names.push_back(fmt::format("{} ({})", m, n));
    t.notes.push_back(fmt::format("request log: {} models ({}), all replayed on this fleet",
                                  models.size(), join(names, ", ")));
  }
  if (!v_prefix)
    t.notes.push_back(
        "request log: no prefix_fingerprint/prefix_tokens columns (a v1 log): no request shares "
        "a cacheable prefix in this replay");
  if (!v_session)
    t.notes.push_back(
        "request log: no session_id column (a v1 log): no sessions to keep "
        "affinity for");
  if (!v_max)
    t.notes.push_back(
        "request log: no max_tokens column (a v1 log): engines that reserve whole "
        "sequences reserve the actual output length");
  return t;
}

}  // namespace llmctl::sim
