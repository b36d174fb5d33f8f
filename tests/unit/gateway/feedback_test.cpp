// Feedback finds its record by the request id's time: the log keeps no index on request_id
// (request_log.h, format_request_id), ids of earlier releases are still found, and the index
// those releases created is dropped when the log opens.
#include "gateway/feedback.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <future>

#include "gateway/request_log.h"

namespace llmctl::gateway {
namespace {

std::string temp_db(const char* name) {
  auto p = std::filesystem::temp_directory_path() /
           (std::string("llmctl_feedback_") + name + std::to_string(::getpid()) + ".db");
  for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + s);
  return p.string();
}

// The first column of each row of `sql`, joined by '|'.
std::string query(const std::string& path, const std::string& sql, int column = 0) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* st = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    out = std::string("error: ") + sqlite3_errmsg(db);
  } else {
    while (sqlite3_step(st) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(st, column);
      out += (out.empty() ? "" : "|") + std::string(t ? reinterpret_cast<const char*>(t) : "NULL");
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

TEST(RequestId, CarriesItsTimeAndReadsOldIds) {
  std::string id = "left over from the last request, longer than any id";
  format_request_id(0x19b0b8e4a37, 3, 17, id);
  EXPECT_EQ(id, "19b0b8e4a37-3-17");
  format_request_id(1796517460279, 12, 18446744073709551615ull, id);
  EXPECT_EQ(id, "1a248c8f937-12-18446744073709551615");
  auto t = request_id_times(id);
  EXPECT_EQ(t.from_ms, 1796517460279);
  EXPECT_EQ(t.to_ms, 1796517460279);
  format_request_id(0, 0, 0, id);
  EXPECT_EQ(id, "0-0-0");
  // An earlier release's id: the process's start in seconds; its rows come after it.
  t = request_id_times("6571f3a2-0-17");
  EXPECT_EQ(t.from_ms, std::int64_t{0x6571f3a2} * 1000);
  EXPECT_EQ(t.to_ms, INT64_MAX);
  // Anything else: the whole log.
  for (const char* other : {"", "abc", "-1-2", "19b0b8e4a37", "19b0b8e4a37-0", "19b0b8e4a37-0-",
                            "19b0b8e4a37-a-1", "19B0B8E4A37-0-1", "19b0b8e4a37-0-1.2", "xyz-1-2",
                            "1234567890abcdef0-0-1", "chatcmpl-abc"}) {
    t = request_id_times(other);
    EXPECT_EQ(t.from_ms, INT64_MIN) << other;
    EXPECT_EQ(t.to_ms, INT64_MAX) << other;
  }
}

RequestRecord record(std::string id, std::int64_t ts_ms, std::string model, std::string key = {}) {
  RequestRecord r;
  r.ts_ms = ts_ms;
  r.request_id = std::move(id);
  r.endpoint = "chat";
  r.model = std::move(model);
  r.status = 200;
  r.key_id = std::move(key);
  return r;
}

FeedbackAnswer submit(FeedbackStore& store, std::string id, double score, std::string key = {}) {
  Feedback f;
  f.request_id = std::move(id);
  f.score = score;
  f.key_id = std::move(key);
  f.ts_ms = 1;
  std::promise<FeedbackAnswer> answer;
  EXPECT_TRUE(store.submit(std::move(f), [&](FeedbackAnswer a) { answer.set_value(a); }));
  return answer.get_future().get();
}

TEST(Feedback, FindsItsRecordThroughTheTimeIndexWithoutARequestIdIndex) {
  const std::string path = temp_db("lookup");
  RequestLogConfig cfg;
  cfg.path = path;
  cfg.flush_interval_ms = 1;  // a record not found is looked for again 51 ms later, three times
  const std::int64_t ts = 1796517460279;
  std::string a, b;
  format_request_id(ts, 0, 41, a);
  format_request_id(ts, 1, 7, b);  // same millisecond, another worker
  {
    auto sink = open_sqlite_sink(cfg);
    ASSERT_TRUE(sink.ok()) << sink.error().message;
    std::vector<RequestRecord> rows = {record(a, ts, "m-a"), record(b, ts, "m-b", "key-1"),
                                       // an earlier release's id, written after its start
                                       record("6571f3a2-0-17", 0x6571f3a2LL * 1000 + 5, "m-old"),
                                       record("not-an-id", 3, "m-other")};
    ASSERT_TRUE((*sink)->write(rows).ok());
  }
  // As an earlier release left the file: feedback had created an index on request_id.
  query(path, "CREATE INDEX requests_request_id ON requests(request_id)");
  ASSERT_EQ(query(path, "SELECT count(*) FROM sqlite_master WHERE name = 'requests_request_id'"),
            "1");
  auto sink = open_sqlite_sink(cfg);  // the gateway opens the log before the feedback store
  ASSERT_TRUE(sink.ok()) << sink.error().message;
  EXPECT_EQ(query(path, "SELECT count(*) FROM sqlite_master WHERE name = 'requests_request_id'"),
            "0");
  auto store = FeedbackStore::open(cfg);
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(query(path, "SELECT count(*) FROM sqlite_master WHERE name = 'requests_request_id'"),
            "0");
  (*store)->start();

  auto got = submit(**store, a, 0.5);
  EXPECT_EQ(got.kind, FeedbackAnswer::kStored) << got.message;
  EXPECT_EQ(got.model, "m-a");
  got = submit(**store, b, 1, "key-1");
  EXPECT_EQ(got.kind, FeedbackAnswer::kStored) << got.message;
  EXPECT_EQ(got.model, "m-b");
  EXPECT_EQ(submit(**store, b, 1, "key-2").kind, FeedbackAnswer::kNotFound);  // another key's
  got = submit(**store, "6571f3a2-0-17", 2);
  EXPECT_EQ(got.kind, FeedbackAnswer::kStored) << got.message;
  EXPECT_EQ(got.model, "m-old");
  got = submit(**store, "not-an-id", 3);
  EXPECT_EQ(got.kind, FeedbackAnswer::kStored) << got.message;
  EXPECT_EQ(got.model, "m-other");
  std::string unknown;
  format_request_id(ts, 0, 42, unknown);
  EXPECT_EQ(submit(**store, unknown, 1).kind, FeedbackAnswer::kNotFound);
  (*store)->stop();
  EXPECT_EQ(query(path,
                  "SELECT request_id || '=' || ifnull(feedback_score, 'NULL') FROM requests"
                  " ORDER BY id"),
            a + "=0.5|" + b + "=1.0|6571f3a2-0-17=2.0|not-an-id=3.0");

  // The lookup reads the rows of its millisecond through the time index, not the table.
  const std::string plan = query(path,
                                 "EXPLAIN QUERY PLAN UPDATE requests SET feedback_score = 1"
                                 " WHERE ts_ms BETWEEN 5 AND 5 AND request_id = 'x'",
                                 3);
  EXPECT_NE(plan.find("USING INDEX requests_ts"), std::string::npos) << plan;
  sink->reset();
  for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
}

}  // namespace
}  // namespace llmctl::gateway
