// Request log schema v2 (request-log-v2.md): a v1 file from an earlier release is migrated in
// place (old rows kept, new columns NULL), and every v2 column round-trips.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>

#include "gateway/request_log.h"

namespace llmctl::gateway {
namespace {

class Db {
 public:
  explicit Db(const std::string& path) { sqlite3_open(path.c_str(), &db_); }
  ~Db() { sqlite3_close(db_); }
  void exec(const std::string& sql) {
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << err;
  }
  // The first column of the first row as text ("NULL" for a null).
  std::string one(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
      return std::string("error: ") + sqlite3_errmsg(db_);
    std::string out = "no row";
    if (sqlite3_step(st) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(st, 0);
      out = t ? reinterpret_cast<const char*>(t) : "NULL";
    }
    sqlite3_finalize(st);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

std::string temp_db(const char* name) {
  auto p = std::filesystem::temp_directory_path() /
           (std::string("llmctl_v2_") + name + std::to_string(::getpid()) + ".db");
  for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + s);
  return p.string();
}

TEST(RequestLogV2, MigratesAVersion1FileInPlace) {
  const std::string path = temp_db("migrate");
  {
    Db db(path);
    // The first release's table, exactly (no route_reason), with one row.
    db.exec(
        "CREATE TABLE requests (id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, request_id TEXT "
        "NOT NULL, endpoint TEXT NOT NULL, model TEXT NOT NULL, deployment TEXT, provider TEXT, "
        "upstream_model TEXT, status INTEGER NOT NULL, error_class TEXT, error_message TEXT, "
        "stream INTEGER NOT NULL, input_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL, "
        "output_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL, usage_estimated "
        "INTEGER NOT NULL, cost_usd REAL NOT NULL, price_id TEXT, duration_ms REAL NOT NULL, "
        "ttft_ms REAL, upstream_ms REAL NOT NULL, attempts INTEGER NOT NULL);"
        "INSERT INTO requests VALUES (1, 1700000000000, 'old-1', 'chat', 'm', 'd', 'openai', "
        "'m', 200, NULL, NULL, 0, 10, 0, 5, 0, 0, 0.001, 'openai/m', 12.5, NULL, 10.0, 1);"
        "PRAGMA user_version=1;");
  }
  RequestLogConfig cfg;
  cfg.path = path;
  auto sink = open_sqlite_sink(cfg);
  ASSERT_TRUE(sink.ok()) << sink.error().message;
  {
    Db db(path);
    EXPECT_EQ(db.one("PRAGMA user_version"), "2");
    EXPECT_EQ(db.one("SELECT request_id FROM requests WHERE id = 1"), "old-1");
    EXPECT_EQ(db.one("SELECT cost_usd FROM requests WHERE id = 1"), "0.001");
    for (const char* col : {"route_reason", "key_id", "team", "finish_reason", "max_tokens",
                            "request_fingerprint", "feedback_score", "cache_write_tokens"})
      EXPECT_EQ(db.one(std::string("SELECT ") + col + " FROM requests WHERE id = 1"), "NULL")
          << col;
  }
  // Opening again changes nothing (every column is there).
  sink->reset();
  ASSERT_TRUE(open_sqlite_sink(cfg).ok());
  for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
}

// Files from before have a full index on key_id (a NULL entry for every request without a
// key); opening one replaces it with the partial index, which `key_id = ?` still uses.
TEST(RequestLogV2, KeyIndexBecomesPartialAndStillServesKeyLookups) {
  const std::string path = temp_db("keyidx");
  RequestLogConfig cfg;
  cfg.path = path;
  {
    auto sink = open_sqlite_sink(cfg);
    ASSERT_TRUE(sink.ok()) << sink.error().message;
    Db db(path);  // as the previous release left it: the full index, one row with a key
    db.exec(
        "DROP INDEX requests_key_id; CREATE INDEX requests_key ON requests(key_id);"
        "INSERT INTO requests (ts_ms, request_id, endpoint, model, status, stream, input_tokens,"
        " cached_tokens, output_tokens, reasoning_tokens, usage_estimated, cost_usd,"
        " duration_ms, upstream_ms, attempts, key_id) VALUES (1, 'r1', 'chat', 'm', 200, 0, 1,"
        " 0, 1, 0, 0, 0, 1, 1, 1, 'key-1'), (2, 'r2', 'chat', 'm', 200, 0, 1, 0, 1, 0, 0, 0, 1,"
        " 1, 1, NULL);");
    EXPECT_EQ(db.one("SELECT COUNT(*) FROM sqlite_master WHERE name = 'requests_key'"), "1");
  }
  auto sink = open_sqlite_sink(cfg);
  ASSERT_TRUE(sink.ok()) << sink.error().message;
  Db db(path);
  EXPECT_EQ(db.one("SELECT COUNT(*) FROM sqlite_master WHERE name = 'requests_key'"), "0");
  const std::string sql =
      db.one("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'requests_key_id'");
  EXPECT_NE(sql.find("WHERE key_id IS NOT NULL"), std::string::npos) << sql;
  // EXPLAIN QUERY PLAN's 4th column: "SEARCH requests USING INDEX requests_key_id (key_id=?)".
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2(raw, "EXPLAIN QUERY PLAN SELECT request_id FROM requests WHERE key_id = ?",
                         -1, &st, nullptr),
      SQLITE_OK);
  std::string plan;
  while (sqlite3_step(st) == SQLITE_ROW)
    plan += reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
  sqlite3_finalize(st);
  sqlite3_close(raw);
  EXPECT_NE(plan.find("USING INDEX requests_key_id"), std::string::npos) << plan;
  EXPECT_EQ(db.one("SELECT request_id FROM requests WHERE key_id = 'key-1'"), "r1");
  EXPECT_EQ(db.one("SELECT COUNT(*) FROM requests WHERE key_id IS NULL"), "1");
  sink->reset();
  for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
}

TEST(RequestLogV2, EveryColumnRoundTrips) {
  const std::string path = temp_db("columns");
  RequestLogConfig cfg;
  cfg.path = path;
  auto sink = open_sqlite_sink(cfg);
  ASSERT_TRUE(sink.ok()) << sink.error().message;
  RequestRecord r;
  r.ts_ms = 1;
  r.request_id = "r1";
  r.endpoint = "chat";
  r.model = "m";
  r.status = 200;
  r.cache_write_tokens = 7;
  r.max_tokens = 256;
  r.finish_reason = "tool_calls";
  r.has_tools = true;
  r.key_id = "key-abc";
  r.key_name = "app";
  r.team = "search";
  r.user = "u1";
  r.project = "p";
  r.agent = "planner";
  r.session_id = "run-9";
  r.tags = R"({"env":"prod"})";
  r.request_fingerprint = "0123456789abcdef";
  r.system_fingerprint = "fedcba9876543210";
  r.system_tokens = 12;
  r.prefix_fingerprint = "00000000000000ff";
  r.prefix_tokens = 30;
  RequestRecord anon;
  anon.request_id = "r2";
  anon.endpoint = "chat";
  anon.model = "m";
  std::vector<RequestRecord> batch{r, anon};
  ASSERT_TRUE((*sink)->write(batch).ok());
  Db db(path);
  auto col = [&](const char* c, const char* id) {
    return db.one(std::string("SELECT ") + c + " FROM requests WHERE request_id = '" + id + "'");
  };
  EXPECT_EQ(col("cache_write_tokens", "r1"), "7");
  EXPECT_EQ(col("max_tokens", "r1"), "256");
  EXPECT_EQ(col("finish_reason", "r1"), "tool_calls");
  EXPECT_EQ(col("has_tools", "r1"), "1");
  EXPECT_EQ(col("key_id", "r1"), "key-abc");
  EXPECT_EQ(col("key_name", "r1"), "app");
  EXPECT_EQ(col("team", "r1"), "search");
  EXPECT_EQ(col("user", "r1"), "u1");
  EXPECT_EQ(col("project", "r1"), "p");
  EXPECT_EQ(col("agent", "r1"), "planner");
  EXPECT_EQ(col("session_id", "r1"), "run-9");
  EXPECT_EQ(col("json_extract(tags, '$.env')", "r1"), "prod");
  EXPECT_EQ(col("request_fingerprint", "r1"), "0123456789abcdef");
  EXPECT_EQ(col("system_fingerprint", "r1"), "fedcba9876543210");
  EXPECT_EQ(col("system_tokens", "r1"), "12");
  EXPECT_EQ(col("prefix_fingerprint", "r1"), "00000000000000ff");
  EXPECT_EQ(col("prefix_tokens", "r1"), "30");
  EXPECT_EQ(col("feedback_score", "r1"), "NULL");
  // Unset values are NULL, not zeros or empty strings.
  for (const char* c : {"max_tokens", "finish_reason", "key_id", "team", "tags",
                        "system_fingerprint", "system_tokens", "prefix_tokens"})
    EXPECT_EQ(col(c, "r2"), "NULL") << c;
  EXPECT_EQ(col("has_tools", "r2"), "0");
  sink->reset();
  for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
}

// The writer skips binding NULL to a parameter that is NULL already (bindings outlive a reset):
// values and NULLs alternating row by row and across batches must each land where they belong,
// and an empty model stays '' (a NOT NULL column), never NULL.
TEST(RequestLogV2, ValuesAndNullsAlternateAcrossRowsAndBatches) {
  const std::string path = temp_db("alternate");
  RequestLogConfig cfg;
  cfg.path = path;
  auto sink = open_sqlite_sink(cfg);
  ASSERT_TRUE(sink.ok()) << sink.error().message;
  auto full = [](const std::string& id) {
    RequestRecord r;
    r.request_id = id;
    r.endpoint = "chat";
    r.model = "m";
    r.deployment = "d";
    r.error_class = "timeout";
    r.ttft_ms = 3.5;
    r.max_tokens = 64;
    r.key_id = "k";
    r.tags = "{}";
    r.system_tokens = 9;
    r.trace_id = "t";
    return r;
  };
  auto bare = [](const std::string& id) {
    RequestRecord r;
    r.request_id = id;
    r.endpoint = "chat";  // model left empty
    return r;
  };
  std::vector<RequestRecord> first{bare("a1"), full("f1"), bare("a2"), bare("a3")};
  std::vector<RequestRecord> second{full("f2"), bare("a4")};
  std::vector<RequestRecord> third{full("f3")};
  ASSERT_TRUE((*sink)->write(first).ok());
  ASSERT_TRUE((*sink)->write(second).ok());
  ASSERT_TRUE((*sink)->write(third).ok());
  Db db(path);
  const std::vector<std::pair<const char*, const char*>> columns{
      {"deployment", "d"},    {"error_class", "timeout"},
      {"ttft_ms", "3.5"},     {"max_tokens", "64"},
      {"key_id", "k"},        {"tags", "{}"},
      {"system_tokens", "9"}, {"trace_id", "t"}};
  for (const char* id : {"f1", "f2", "f3"})
    for (const auto& [c, want] : columns)
      EXPECT_EQ(
          db.one(std::string("SELECT ") + c + " FROM requests WHERE request_id = '" + id + "'"),
          want)
          << id << " " << c;
  for (const char* id : {"a1", "a2", "a3", "a4"}) {
    for (const auto& [c, want] : columns)
      EXPECT_EQ(
          db.one(std::string("SELECT ") + c + " FROM requests WHERE request_id = '" + id + "'"),
          "NULL")
          << id << " " << c;
    EXPECT_EQ(
        db.one(std::string("SELECT quote(model) FROM requests WHERE request_id = '") + id + "'"),
        "''")
        << id;
  }
  EXPECT_EQ(db.one("SELECT COUNT(*) FROM requests"), "7");
  sink->reset();
  for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
}

// Batches of 16 rows and more go in as multi-row INSERTs (16 rows a statement, the rest one at
// a time): every row lands once, in order, with its own values and NULLs, whatever its slot in
// the statement, across statements and batches.
TEST(RequestLogV2, ManyRowBatchesKeepEveryRowInOrder) {
  const std::string path = temp_db("many");
  RequestLogConfig cfg;
  cfg.path = path;
  auto sink = open_sqlite_sink(cfg);
  ASSERT_TRUE(sink.ok()) << sink.error().message;
  int n = 0;
  auto row = [&n] {
    RequestRecord r;
    const int k = n++;
    r.request_id = "r" + std::to_string(k);
    r.endpoint = "chat";
    r.ts_ms = 1000 + k;
    r.status = 200 + k;
    r.input_tokens = 3 * k;
    if (k % 3 == 0) {  // every third row has the optional columns, the others leave them NULL
      r.model = "m" + std::to_string(k);
      r.deployment = "d" + std::to_string(k);
      r.ttft_ms = k + 0.5;
      r.max_tokens = k;
      r.trace_id = "t" + std::to_string(k);
    }
    return r;
  };
  for (std::size_t size : {16u, 35u, 1u, 32u, 17u}) {
    std::vector<RequestRecord> batch;
    for (std::size_t i = 0; i < size; ++i) batch.push_back(row());
    ASSERT_TRUE((*sink)->write(batch).ok()) << size;
  }
  Db db(path);
  EXPECT_EQ(db.one("SELECT COUNT(*) FROM requests"), std::to_string(n));
  // Inserted in order: ids rise with the records' order.
  EXPECT_EQ(db.one("SELECT COUNT(*) FROM requests a JOIN requests b ON a.id < b.id"
                   " WHERE a.ts_ms > b.ts_ms"),
            "0");
  for (int k = 0; k < n; ++k) {
    const std::string where = " FROM requests WHERE request_id = 'r" + std::to_string(k) + "'";
    const bool set = k % 3 == 0;
    EXPECT_EQ(db.one("SELECT ts_ms" + where), std::to_string(1000 + k)) << k;
    EXPECT_EQ(db.one("SELECT status" + where), std::to_string(200 + k)) << k;
    EXPECT_EQ(db.one("SELECT input_tokens" + where), std::to_string(3 * k)) << k;
    EXPECT_EQ(db.one("SELECT quote(model)" + where), set ? "'m" + std::to_string(k) + "'" : "''")
        << k;
    EXPECT_EQ(db.one("SELECT deployment" + where), set ? "d" + std::to_string(k) : "NULL") << k;
    EXPECT_EQ(db.one("SELECT ttft_ms" + where), set ? std::to_string(k) + ".5" : "NULL") << k;
    EXPECT_EQ(db.one("SELECT max_tokens" + where), set ? std::to_string(k) : "NULL") << k;
    EXPECT_EQ(db.one("SELECT trace_id" + where), set ? "t" + std::to_string(k) : "NULL") << k;
  }
  sink->reset();
  for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
}

// A parameter already bound to the same value is not bound again, and a text is bound from the
// writer's own copy: runs of equal values, changes of the same length ("ab" -> "ba"), a value
// that goes to NULL and back, and values equal to those of a batch whose records were
// overwritten since (bindings into the records would read "XXXX") each land where they belong,
// in the 16-row statement and the one-row one.
TEST(RequestLogV2, RepeatedValuesAreBoundOnceAndChangesLand) {
  const std::string path = temp_db("repeat");
  RequestLogConfig cfg;
  cfg.path = path;
  auto sink = open_sqlite_sink(cfg);
  ASSERT_TRUE(sink.ok()) << sink.error().message;
  struct Want {
    std::string model, deployment;
    int status;
    double cost;
    std::int64_t max_tokens, input_tokens;
  };
  auto want = [](int k) {
    return Want{(k / 5) % 2 ? "ab" : "ba", k % 7 == 3 ? "" : "dep", (k / 4) % 2 ? 200 : 500,
                (k / 6) % 2 ? 0.25 : 0.5,  k % 5 == 0 ? -1 : 64,    k / 3};
  };
  int n = 0;
  std::vector<std::vector<RequestRecord>> written;  // kept: each batch at its own address
  for (std::size_t size : {20u, 20u, 3u, 16u, 1u, 20u}) {
    std::vector<RequestRecord>& batch = written.emplace_back();
    batch.reserve(size);
    for (std::size_t i = 0; i < size; ++i, ++n) {
      const Want w = want(n);
      RequestRecord r;
      r.request_id = "r" + std::to_string(n);
      r.endpoint = "chat";
      r.model = w.model;
      r.deployment = w.deployment;
      r.status = w.status;
      r.cost_usd = w.cost;
      r.max_tokens = w.max_tokens;
      r.input_tokens = w.input_tokens;
      batch.push_back(std::move(r));
    }
    ASSERT_TRUE((*sink)->write(batch).ok()) << size;
    for (RequestRecord& r : batch) r.model = r.deployment = r.endpoint = "XXXX";
  }
  Db db(path);
  EXPECT_EQ(db.one("SELECT COUNT(*) FROM requests"), std::to_string(n));
  for (int k = 0; k < n; ++k) {
    const Want w = want(k);
    const std::string where = " FROM requests WHERE request_id = 'r" + std::to_string(k) + "'";
    EXPECT_EQ(db.one("SELECT model || '/' || endpoint" + where), w.model + "/chat") << k;
    EXPECT_EQ(db.one("SELECT deployment" + where), w.deployment.empty() ? "NULL" : w.deployment)
        << k;
    EXPECT_EQ(db.one("SELECT status" + where), std::to_string(w.status)) << k;
    EXPECT_EQ(db.one("SELECT cost_usd" + where), w.cost == 0.25 ? "0.25" : "0.5") << k;
    EXPECT_EQ(db.one("SELECT max_tokens" + where),
              w.max_tokens < 0 ? "NULL" : std::to_string(w.max_tokens))
        << k;
    EXPECT_EQ(db.one("SELECT input_tokens" + where), std::to_string(w.input_tokens)) << k;
  }
  sink->reset();
  for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
}

TEST(RequestLogV2, AccessLogCarriesAttributionNeverAKey) {
  RequestRecord r;
  r.request_id = "r";
  r.key_id = "key-1";
  r.team = "search";
  r.tags = R"({"a":"b"})";
  r.finish_reason = "stop";
  auto v = boost::json::parse(access_log_line(r)).as_object();
  EXPECT_EQ(v.at("key_id"), "key-1");
  EXPECT_EQ(v.at("team"), "search");
  EXPECT_EQ(v.at("tags").as_object().at("a"), "b");
  EXPECT_EQ(v.at("finish_reason"), "stop");
  EXPECT_FALSE(v.contains("user"));
}

}  // namespace
}  // namespace llmctl::gateway
