#include "gateway/request_log.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace llmctl::gateway {
namespace {

RequestRecord record(int i, std::int64_t ts_ms = 1'700'000'000'000) {
  RequestRecord r;
  r.ts_ms = ts_ms;
  r.request_id = "req-" + std::to_string(i);
  r.endpoint = "chat";
  r.model = "m";
  r.deployment = "m/0";
  r.status = 200;
  r.input_tokens = 10 + i;
  r.output_tokens = 5;
  r.cost_usd = 0.001;
  return r;
}

// The request ids of what take() hands out, appended to `ids`; how many.
std::size_t take_ids(RecordQueue& q, std::size_t max, std::vector<std::string>& ids,
                     bool* swapped = nullptr) {
  std::span<const RequestRecord> batch = q.take(max, swapped);
  for (const RequestRecord& r : batch) ids.push_back(r.request_id);
  return batch.size();
}

TEST(RecordQueue, BoundedAndNeverBlocks) {
  RecordQueue q(3);
  EXPECT_TRUE(q.try_push(record(1)));
  EXPECT_TRUE(q.try_push(record(2)));
  EXPECT_TRUE(q.try_push(record(3)));
  EXPECT_FALSE(q.try_push(record(4)));
  std::vector<std::string> ids;
  bool swapped = false;
  EXPECT_EQ(take_ids(q, 2, ids, &swapped), 2u);
  EXPECT_TRUE(swapped);
  EXPECT_EQ(ids[0], "req-1");
  EXPECT_TRUE(q.try_push(record(5)));
  EXPECT_TRUE(q.try_push(record(6)));
  EXPECT_FALSE(q.try_push(record(7)));
  // A batch ends where its swap ends: the rest of the first, then the records pushed since.
  EXPECT_EQ(take_ids(q, 10, ids, &swapped), 1u);
  EXPECT_FALSE(swapped);
  EXPECT_EQ(take_ids(q, 10, ids, &swapped), 2u);
  EXPECT_TRUE(swapped);
  ASSERT_EQ(ids.size(), 5u);
  EXPECT_EQ(ids[2], "req-3");  // oldest first across the swap
  EXPECT_EQ(ids[3], "req-5");
  EXPECT_EQ(ids.back(), "req-6");
  EXPECT_EQ(take_ids(q, 10, ids, &swapped), 0u);
  EXPECT_TRUE(swapped);
}

TEST(RecordQueue, OneProducerOneConsumerLoseNothing) {
  RecordQueue q(64);
  constexpr int kRecords = 20000;
  std::atomic<bool> done{false};
  std::vector<std::string> got;
  std::thread consumer([&] {
    std::vector<std::string> ids;
    while (!done.load() || take_ids(q, 1000, ids) > 0) take_ids(q, 7, ids);
    got = std::move(ids);
  });
  int dropped = 0;
  for (int i = 0; i < kRecords; ++i)
    if (!q.try_push(record(i))) ++dropped;
  done = true;
  consumer.join();
  EXPECT_EQ(static_cast<int>(got.size()) + dropped, kRecords);
  for (std::size_t i = 1; i < got.size(); ++i)  // in push order
    EXPECT_LT(std::stoi(got[i - 1].substr(4)), std::stoi(got[i].substr(4)));
}

class MemorySink : public RecordSink {
 public:
  std::vector<RequestRecord>* rows;
  explicit MemorySink(std::vector<RequestRecord>* r) : rows(r) {}
  Status write(std::span<const RequestRecord> batch, bool /*behind*/) override {
    rows->insert(rows->end(), batch.begin(), batch.end());
    return {};
  }
};

// A writer over `queues` into `rows` (one MemorySink), started.
std::unique_ptr<RequestLogWriter> memory_writer(std::vector<RecordQueue*> queues,
                                                std::vector<RequestRecord>* rows, int interval_ms,
                                                int batch) {
  std::vector<std::unique_ptr<RecordSink>> sinks;
  sinks.push_back(std::make_unique<MemorySink>(rows));
  auto w =
      std::make_unique<RequestLogWriter>(std::move(queues), std::move(sinks), interval_ms, batch);
  w->start();
  return w;
}

TEST(RequestLogWriter, StopDrainsEveryQueue) {
  RecordQueue a(1024), b(1024);
  std::vector<RequestRecord> rows;
  auto writer = memory_writer({&a, &b}, &rows, 50, 7);
  RequestLogWriter& w = *writer;
  for (int i = 0; i < 300; ++i) ASSERT_TRUE((i % 2 ? a : b).try_push(record(i)));
  w.stop();
  EXPECT_EQ(rows.size(), 300u);
  EXPECT_EQ(w.written(), 300u);
}

// Rows that arrive while a batch is written wait for the next flush interval (one
// transaction per interval at a steady rate) instead of a transaction of their own at once.
TEST(RequestLogWriter, RowsArrivingDuringAWriteWaitForTheNextInterval) {
  RecordQueue q(1024);
  struct Sink : RecordSink {
    RecordQueue* q = nullptr;
    std::vector<std::pair<std::size_t, std::chrono::steady_clock::time_point>> writes;
    Status write(std::span<const RequestRecord> batch, bool /*behind*/) override {
      writes.emplace_back(batch.size(), std::chrono::steady_clock::now());
      if (writes.size() == 1) {  // five more rows come in while the first batch is written
        for (int i = 100; i < 105; ++i) EXPECT_TRUE(q->try_push(record(i)));
      }
      return {};
    }
  };
  auto sink = std::make_unique<Sink>();
  Sink* s = sink.get();
  s->q = &q;
  std::vector<std::unique_ptr<RecordSink>> sinks;
  sinks.push_back(std::move(sink));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(q.try_push(record(i)));
  RequestLogWriter w({&q}, std::move(sinks), 300, 512);
  w.start();
  for (int i = 0; i < 400 && w.written() < 15; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  w.stop();
  ASSERT_EQ(s->writes.size(), 2u);
  EXPECT_EQ(s->writes[0].first, 10u);
  EXPECT_EQ(s->writes[1].first, 5u);
  EXPECT_GE(s->writes[1].second - s->writes[0].second, std::chrono::milliseconds(290));
}

// A full batch means rows come fast: the next drain follows at once, not after an interval.
TEST(RequestLogWriter, AFullBatchIsFollowedByTheNextAtOnce) {
  RecordQueue q(1024);
  std::vector<RequestRecord> rows;
  struct Sink : MemorySink {
    using MemorySink::MemorySink;
    RecordQueue* q = nullptr;
    int calls = 0;
    std::vector<bool>* behind_flags = nullptr;
    Status write(std::span<const RequestRecord> batch, bool behind) override {
      behind_flags->push_back(behind);
      if (++calls == 2) {  // three more arrive while the second batch is written
        for (int i = 100; i < 103; ++i) EXPECT_TRUE(q->try_push(record(i)));
      }
      return MemorySink::write(batch, behind);
    }
  };
  std::vector<bool> behind;  // what the writer told the sink of each batch
  auto sink = std::make_unique<Sink>(&rows);
  sink->q = &q;
  sink->behind_flags = &behind;
  std::vector<std::unique_ptr<RecordSink>> sinks;
  sinks.push_back(std::move(sink));
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(q.try_push(record(i)));
  RequestLogWriter w({&q}, std::move(sinks), 60'000, 4);  // an interval no test waits for
  const auto t0 = std::chrono::steady_clock::now();
  w.start();
  for (int i = 0; i < 400 && w.written() < 11; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(w.written(), 11u);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  w.stop();
  // Full batches (4, 4) say the writer is behind, so the SQLite sink keeps the core; the short
  // last one (3) lets it give way to the workers between statements.
  EXPECT_EQ(behind, (std::vector<bool>{true, true, false}));
}

// stop() does not wait out the flush interval, and writes what is queued.
TEST(RequestLogWriter, StopEndsTheWaitAndWritesEverything) {
  RecordQueue q(1024);
  std::vector<RequestRecord> rows;
  auto writer = memory_writer({&q}, &rows, 60'000, 512);
  RequestLogWriter& w = *writer;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the writer found nothing: waits
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(q.try_push(record(i)));
  const auto t0 = std::chrono::steady_clock::now();
  w.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_EQ(rows.size(), 100u);
  EXPECT_EQ(w.written(), 100u);
}

// A writer that found nothing sleeps until a push rings it, not for its flush interval: the
// row is written at once though the interval is a minute (before, an idle writer woke every
// interval to find nothing, bench/gateway/idle.sh).
TEST(RequestLogWriter, AnIdleWriterIsWokenByThePush) {
  RecordQueue q(1024);
  std::vector<RequestRecord> rows;
  auto writer = memory_writer({&q}, &rows, 60'000, 512);
  RequestLogWriter& w = *writer;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // found nothing: asleep
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(q.try_push(record(1)));
  for (int i = 0; i < 1000 && w.written() < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(w.written(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  w.stop();
}

// The ring cannot be lost between the writer's last look at the queues and its sleep: one
// row at a time, pushed at varying moments of the writer's cycle (just after its drain, while
// it falls asleep, while it sleeps), each written long before the minute a lost ring would
// cost. Two producers, as two workers.
TEST(RequestLogWriter, NoRingIsLost) {
  RecordQueue a(1024), b(1024);
  std::vector<RequestRecord> rows;
  auto writer = memory_writer({&a, &b}, &rows, 1, 512);  // a 1 ms interval: many sleeps
  RequestLogWriter& w = *writer;
  const auto t0 = std::chrono::steady_clock::now();
  constexpr int kRows = 300;
  for (int i = 0; i < kRows; ++i) {
    ASSERT_TRUE((i % 2 ? a : b).try_push(record(i)));
    const auto pushed = std::chrono::steady_clock::now();
    while (w.written() < static_cast<std::uint64_t>(i + 1) &&
           std::chrono::steady_clock::now() - pushed < std::chrono::seconds(10))
      std::this_thread::yield();
    ASSERT_EQ(w.written(), static_cast<std::uint64_t>(i + 1)) << "row " << i << " waited 10 s";
    if (i % 3 == 1) std::this_thread::sleep_for(std::chrono::microseconds(200 * (i % 7)));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(30));
  w.stop();
  EXPECT_EQ(rows.size(), static_cast<std::size_t>(kRows));
}

std::string temp_db() {
  return (std::filesystem::temp_directory_path() /
          ("llmctl_reqlog_" + std::to_string(::getpid()) + ".db"))
      .string();
}

long long count(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  long long n = -1;
  if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

TEST(SqliteSink, WritesBatchesInWalModeAndPrunes) {
  const std::string path = temp_db();
  std::filesystem::remove(path);
  RequestLogConfig cfg;
  cfg.path = path;
  cfg.retention_days = 1;
  cfg.max_rows = 5;
  auto sink = open_sqlite_sink(cfg);
  ASSERT_TRUE(sink.ok()) << sink.error().message;
  const std::int64_t now = 1'700'000'000'000;
  std::vector<RequestRecord> batch;
  batch.push_back(record(0, now - 3LL * 86400000));  // older than the retention
  for (int i = 1; i <= 7; ++i) batch.push_back(record(i, now));
  batch[3].ttft_ms = 12.5;
  batch[3].error_class = "stream_interrupted";
  ASSERT_TRUE((*sink)->write(batch).ok());
  EXPECT_EQ(count(path, "SELECT COUNT(*) FROM requests"), 8);
  EXPECT_EQ(count(path, "SELECT COUNT(*) FROM requests WHERE ttft_ms IS NULL"), 7);
  EXPECT_EQ(count(path, "SELECT COUNT(*) FROM requests WHERE error_class = 'stream_interrupted'"),
            1);
  ASSERT_TRUE((*sink)->prune(now).ok());
  EXPECT_EQ(count(path, "SELECT COUNT(*) FROM requests"), 5);  // max_rows keeps the newest
  EXPECT_EQ(count(path, "SELECT MIN(input_tokens) FROM requests"), 13);
  sink->reset();
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
}

TEST(SqliteSink, UnwritablePathIsAnError) {
  RequestLogConfig cfg;
  cfg.path = "/nonexistent-dir/x/y.db";
  auto sink = open_sqlite_sink(cfg);
  ASSERT_FALSE(sink.ok());
  EXPECT_NE(sink.error().message.find("/nonexistent-dir/x/y.db"), std::string::npos);
}

TEST(AccessLog, OneJsonLine) {
  RequestRecord r = record(1);
  r.error_class = "timeout";
  r.error_message = "no \"response\"";
  r.duration_ms = 12.3456;
  std::string line = access_log_line(r);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  auto v = boost::json::parse(line).as_object();
  EXPECT_EQ(v.at("request_id").as_string(), "req-1");
  EXPECT_EQ(v.at("error").as_string(), "no \"response\"");
  EXPECT_NEAR(v.at("duration_ms").to_number<double>(), 12.346, 1e-9);
  EXPECT_FALSE(v.contains("ttft_ms"));
}

}  // namespace
}  // namespace llmctl::gateway
