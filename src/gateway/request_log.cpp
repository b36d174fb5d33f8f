#include "gateway/request_log.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <set>

#include "common/thread_name.h"

namespace llmctl::gateway {

RecordQueue::RecordQueue(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

bool RecordQueue::try_push(RequestRecord&& record) {
  if (waiting_.load(std::memory_order_acquire) >= capacity_) return false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    incoming_.push_back(std::move(record));
  }
  waiting_.fetch_add(1, std::memory_order_seq_cst);  // before ring()'s load (Doorbell::sleep)
  if (bell_) bell_->ring();
  return true;
}

void Doorbell::ring() {
  if (!asleep_.load(std::memory_order_seq_cst)) return;
  // Taking the lock waits until the consumer is inside its wait (it holds the lock from marking
  // itself asleep until then), so the notify cannot come between its check and its wait.
  { std::lock_guard lock(mutex_); }
  cv_.notify_one();
}

void Doorbell::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_.store(true, std::memory_order_release);
  }
  cv_.notify_all();
}

std::span<const RequestRecord> RecordQueue::take(std::size_t max, bool* swapped) {
  if (swapped) *swapped = false;
  if (next_ == draining_.size()) {
    draining_.clear();  // the records of the last batch: the sinks are done with them
    next_ = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      draining_.swap(incoming_);
    }
    if (swapped) *swapped = true;
  }
  const std::size_t n = std::min(max, draining_.size() - next_);
  std::span<const RequestRecord> out(draining_.data() + next_, n);
  next_ += n;
  waiting_.fetch_sub(n, std::memory_order_release);
  return out;
}

void format_request_id(std::int64_t ts_ms, int worker, std::uint64_t counter, std::string& out) {
  // By hand: fmt::format built a new string (and its allocation) every request.
  char buf[64];
  char* end = buf + sizeof buf;
  char* p = end;
  auto decimal = [&p](std::uint64_t v) {
    do {
      *--p = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
  };
  decimal(counter);
  *--p = '-';
  decimal(static_cast<std::uint64_t>(std::max(worker, 0)));
  *--p = '-';
  auto t = static_cast<std::uint64_t>(std::max<std::int64_t>(ts_ms, 0));
  do {
    *--p = "0123456789abcdef"[t & 15];
    t >>= 4;
  } while (t);
  out.assign(p, static_cast<std::size_t>(end - p));
}

RequestIdTimes request_id_times(std::string_view id) {
  // `<hex>-<digits>-<digits>`; 10 or more hex digits are milliseconds (seconds reach 10 hex
  // digits in the year 36812; milliseconds have had 11 since 2004), fewer the start in seconds.
  const std::size_t dash = id.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash > 15) return {};
  std::int64_t v = 0;
  for (char c : id.substr(0, dash)) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return {};
    v = v * 16 + d;
  }
  std::string_view rest = id.substr(dash + 1);
  const std::size_t dash2 = rest.find('-');
  auto digits = [](std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (dash2 == std::string_view::npos || !digits(rest.substr(0, dash2)) ||
      !digits(rest.substr(dash2 + 1)))
    return {};
  if (dash >= 10) return {v, v};
  return {v * 1000, INT64_MAX};
}

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Columns added after the first schema, in order: (name, type). Every one is NULLable, so rows
// written before it stay valid.
constexpr std::pair<const char*, const char*> kAddedColumns[] = {
    {"route_reason", "TEXT"},
    // v2
    {"cache_write_tokens", "INTEGER"},
    {"max_tokens", "INTEGER"},
    {"finish_reason", "TEXT"},
    {"has_tools", "INTEGER"},
    {"key_id", "TEXT"},
    {"key_name", "TEXT"},
    {"team", "TEXT"},
    {"user", "TEXT"},
    {"project", "TEXT"},
    {"agent", "TEXT"},
    {"session_id", "TEXT"},
    {"tags", "TEXT"},
    {"request_fingerprint", "TEXT"},
    {"system_fingerprint", "TEXT"},
    {"system_tokens", "INTEGER"},
    {"prefix_fingerprint", "TEXT"},
    {"prefix_tokens", "INTEGER"},
    {"feedback_score", "REAL"},
    // quality signals, tracing and feedback (issue 15: quality.h, telemetry.h, feedback.h)
    {"empty_answer", "INTEGER"},
    {"refusal", "INTEGER"},
    {"invalid_json", "INTEGER"},
    {"invalid_tool_args", "INTEGER"},
    {"trace_id", "TEXT"},
    {"feedback_comment", "TEXT"},
    {"feedback_ts_ms", "INTEGER"},
};

class SqliteSink final : public RecordSink {
 public:
  static constexpr int kColumns = 45;
  static constexpr int kRowsPerInsert = 16;
  // What a parameter is bound to now (bindings outlive sqlite3_reset): a value equal to it is
  // not bound again. A text is bound from `text` (SQLITE_STATIC), the parameter's own copy.
  struct Bound {
    enum Kind : unsigned char { kNull, kInt, kReal, kText } kind = kNull;
    std::int64_t i = 0;
    double d = 0;
    std::string text;
  };
  // An INSERT of one or kRowsPerInsert rows and its parameters' current values (1-based).
  struct Insert {
    sqlite3_stmt* stmt = nullptr;
    std::vector<Bound> bound = std::vector<Bound>(kColumns * kRowsPerInsert + 1);
  };

  SqliteSink(sqlite3* db, RequestLogConfig config) : db_(db), config_(std::move(config)) {}
  ~SqliteSink() override {
    for (sqlite3_stmt* st : {insert_.stmt, insert_many_.stmt, begin_, commit_})
      if (st) sqlite3_finalize(st);
    sqlite3_close(db_);
  }

  Status init() {
    const char* schema =
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "CREATE TABLE IF NOT EXISTS requests ("
        " id INTEGER PRIMARY KEY,"
        " ts_ms INTEGER NOT NULL,"
        " request_id TEXT NOT NULL,"
        " endpoint TEXT NOT NULL,"
        " model TEXT NOT NULL,"
        " deployment TEXT,"
        " provider TEXT,"
        " upstream_model TEXT,"
        " status INTEGER NOT NULL,"
        " error_class TEXT,"
        " error_message TEXT,"
        " stream INTEGER NOT NULL,"
        " input_tokens INTEGER NOT NULL,"
        " cached_tokens INTEGER NOT NULL,"
        " output_tokens INTEGER NOT NULL,"
        " reasoning_tokens INTEGER NOT NULL,"
        " usage_estimated INTEGER NOT NULL,"
        " cost_usd REAL NOT NULL,"
        " price_id TEXT,"
        " duration_ms REAL NOT NULL,"
        " ttft_ms REAL,"
        " upstream_ms REAL NOT NULL,"
        " attempts INTEGER NOT NULL,"
        " route_reason TEXT);"
        "CREATE INDEX IF NOT EXISTS requests_ts ON requests(ts_ms);";
    if (auto st = exec(schema); !st.ok()) return st;
    // Older files lack later columns: each missing one is added (NULL in old rows), so a file
    // from any earlier release becomes the current schema in place.
    std::set<std::string> have;
    {
      sqlite3_stmt* info = nullptr;
      if (sqlite3_prepare_v2(db_, "PRAGMA table_info(requests)", -1, &info, nullptr) != SQLITE_OK)
        return Error{fmt::format("{}: {}", config_.path, sqlite3_errmsg(db_))};
      while (sqlite3_step(info) == SQLITE_ROW)
        have.insert(reinterpret_cast<const char*>(sqlite3_column_text(info, 1)));
      sqlite3_finalize(info);
    }
    for (const auto& [name, type] : kAddedColumns)
      if (!have.count(name))
        if (auto st = exec(fmt::format("ALTER TABLE requests ADD COLUMN {} {}", name, type));
            !st.ok())
          return st;
    // The key index holds only rows with a key: `key_id = ?` still uses it (equality implies
    // NOT NULL), and the many requests without a key no longer add a NULL entry each (an index
    // insert per row, ~4k instructions, and pages the writer keeps dirtying). Files from before
    // have the full index `requests_key`: it is replaced once. Nor is there an index on
    // `request_id` (feedback's lookup): an id carries its record's `ts_ms` (format_request_id),
    // so the lookup goes through `requests_ts`; the one files from before have (created by
    // feedback at start: ~4k instructions a row, inserted at scattered places as the id's
    // decimal counter grows) is dropped once.
    if (auto st = exec(fmt::format("DROP INDEX IF EXISTS requests_key;"
                                   "DROP INDEX IF EXISTS requests_request_id;"
                                   "CREATE INDEX IF NOT EXISTS requests_key_id ON requests(key_id)"
                                   " WHERE key_id IS NOT NULL;"
                                   "PRAGMA user_version={};",
                                   kRequestLogSchemaVersion));
        !st.ok())
      return st;
    const char* sql =
        "INSERT INTO requests (ts_ms, request_id, endpoint, model, deployment, provider,"
        " upstream_model, status, error_class, error_message, stream, input_tokens,"
        " cached_tokens, output_tokens, reasoning_tokens, usage_estimated, cost_usd, price_id,"
        " duration_ms, ttft_ms, upstream_ms, attempts, route_reason, cache_write_tokens,"
        " max_tokens, finish_reason, has_tools, key_id, key_name, team, user, project, agent,"
        " session_id, tags, request_fingerprint, system_fingerprint, system_tokens,"
        " prefix_fingerprint, prefix_tokens, empty_answer, refusal, invalid_json,"
        " invalid_tool_args, trace_id) VALUES";
    const char* row =
        "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
        "?,?,?,?,?)";
    const std::string one = fmt::format("{} {}", sql, row);
    std::string many = sql;
    for (int k = 0; k < kRowsPerInsert; ++k) many.append(k ? "," : " ").append(row);
    // BEGIN and COMMIT prepared once: sqlite3_exec compiled them for every batch.
    for (auto [text, stmt] :
         {std::pair{one.c_str(), &insert_.stmt}, std::pair{many.c_str(), &insert_many_.stmt},
          std::pair{"BEGIN", &begin_}, std::pair{"COMMIT", &commit_}})
      if (sqlite3_prepare_v2(db_, text, -1, stmt, nullptr) != SQLITE_OK)
        return Error{fmt::format("{}: {}", config_.path, sqlite3_errmsg(db_))};
    if (sqlite3_bind_parameter_count(insert_.stmt) != kColumns ||
        sqlite3_bind_parameter_count(insert_many_.stmt) != kColumns * kRowsPerInsert)
      return Error{fmt::format("{}: the insert has {} parameters, bind_row binds {}", config_.path,
                               sqlite3_bind_parameter_count(insert_.stmt), kColumns)};
    return {};
  }

  // Runs a prepared statement without results (BEGIN, COMMIT) and resets it; the error reads
  // as exec's did.
  Status step(sqlite3_stmt* st) {
    const int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return Error{fmt::format("{}: {}", config_.path, sqlite3_errmsg(db_))};
    return {};
  }

  Status write(std::span<const RequestRecord> batch, bool behind) override {
    if (auto st = step(begin_); !st.ok()) return st;
    // kRowsPerInsert rows a statement while that many remain, then one at a time: each
    // execution of an INSERT opens and closes the table's and the indexes' cursors and its
    // statement journal, which one row a statement paid for every row.
    // A batch is up to 512 rows, ~1.5 ms of CPU in one run; a worker sharing this core waits
    // out the run, which was the gateway's added p99 at 2,000 JSON requests/s (0.50 ms, nginx
    // 0.18; no request log: 1.07x nginx's). So the writer hands the core over after each
    // statement (the wait is then one statement, ~0.1 ms; with nothing else runnable the yield
    // returns at once) -- but only while it keeps up. When the writer is `behind`, yielding
    // would cede its share of a saturated core to the workers and the queues would overflow
    // (measured: 11% of records dropped at saturation on one core, none without the yield).
    // bench/gateway/README.md, "Paired repeats".
    const bool give_way = !behind;
    std::size_t r = 0;
    for (; r + kRowsPerInsert <= batch.size(); r += kRowsPerInsert) {
      for (int k = 0; k < kRowsPerInsert; ++k)
        bind_row(insert_many_, k * kColumns, batch[r + static_cast<std::size_t>(k)]);
      if (auto st = insert(insert_many_); !st.ok()) return st;
      if (give_way) std::this_thread::yield();
    }
    for (; r < batch.size(); ++r) {
      bind_row(insert_, 0, batch[r]);
      if (auto st = insert(insert_); !st.ok()) return st;
    }
    return step(commit_);
  }

  Status prune(std::int64_t now) override {
    if (config_.retention_days > 0) {
      std::int64_t cutoff = now - static_cast<std::int64_t>(config_.retention_days) * 86400000;
      if (auto st = exec(fmt::format("DELETE FROM requests WHERE ts_ms < {}", cutoff)); !st.ok())
        return st;
    }
    if (config_.max_rows > 0) {
      if (auto st = exec(
              fmt::format("DELETE FROM requests WHERE id <= (SELECT MAX(id) FROM requests) - {}",
                          config_.max_rows));
          !st.ok())
        return st;
    }
    return {};
  }

 private:
  // Binds `r` to parameters base + 1 .. base + kColumns of `ins`. Every row binds all of its
  // parameters (a value or NULL), so no sqlite3_clear_bindings; a parameter already bound to the
  // same value (bindings outlive sqlite3_reset) is not bound again: most columns repeat row
  // after row (NULLs, the model, deployment, status, flags, often the token counts), and a bind
  // is ~90 (integer) to ~140 (text) instructions where the comparison is a few.
  void bind_row(Insert& ins, int base, const RequestRecord& r) {
    int i = base;
    auto null = [&] {
      Bound& b = ins.bound[static_cast<std::size_t>(++i)];
      if (b.kind == Bound::kNull) return;
      sqlite3_bind_null(ins.stmt, i);
      b.kind = Bound::kNull;
    };
    auto text_not_null = [&](const std::string& s) {  // empty stays '' (NOT NULL columns)
      Bound& b = ins.bound[static_cast<std::size_t>(++i)];
      if (b.kind == Bound::kText && b.text == s) return;
      b.text = s;
      b.kind = Bound::kText;
      sqlite3_bind_text(ins.stmt, i, b.text.data(), static_cast<int>(b.text.size()), SQLITE_STATIC);
    };
    auto text = [&](const std::string& s) {
      if (s.empty()) return null();
      text_not_null(s);
    };
    auto int64 = [&](std::int64_t v) {
      Bound& b = ins.bound[static_cast<std::size_t>(++i)];
      if (b.kind == Bound::kInt && b.i == v) return;
      sqlite3_bind_int64(ins.stmt, i, v);
      b.kind = Bound::kInt;
      b.i = v;
    };
    auto int64_or_null = [&](std::int64_t v) {
      if (v < 0) return null();
      int64(v);
    };
    auto real = [&](double v) {
      Bound& b = ins.bound[static_cast<std::size_t>(++i)];
      // Bitwise: 0.0 and -0.0 (or two NaNs) are different values to store.
      if (b.kind == Bound::kReal && std::memcmp(&b.d, &v, sizeof v) == 0) return;
      sqlite3_bind_double(ins.stmt, i, v);
      b.kind = Bound::kReal;
      b.d = v;
    };
    int64(r.ts_ms);
    text_not_null(r.request_id);
    text_not_null(r.endpoint);
    text_not_null(r.model);
    text(r.deployment);
    text(r.provider);
    text(r.upstream_model);
    int64(r.status);
    text(r.error_class);
    text(r.error_message);
    int64(r.stream ? 1 : 0);
    int64(r.input_tokens);
    int64(r.cached_tokens);
    int64(r.output_tokens);
    int64(r.reasoning_tokens);
    int64(r.usage_estimated ? 1 : 0);
    real(r.cost_usd);
    text(r.price_id);
    real(r.duration_ms);
    if (r.ttft_ms < 0)
      null();
    else
      real(r.ttft_ms);
    real(r.upstream_ms);
    int64(r.attempts);
    text(r.route_reason);
    int64(r.cache_write_tokens);
    int64_or_null(r.max_tokens);
    text(r.finish_reason);
    int64(r.has_tools ? 1 : 0);
    text(r.key_id);
    text(r.key_name);
    text(r.team);
    text(r.user);
    text(r.project);
    text(r.agent);
    text(r.session_id);
    text(r.tags);
    text(r.request_fingerprint);
    text(r.system_fingerprint);
    int64_or_null(r.system_tokens);
    text(r.prefix_fingerprint);
    int64_or_null(r.prefix_tokens);
    int64_or_null(r.empty_answer);
    int64_or_null(r.refusal);
    int64_or_null(r.invalid_json);
    int64_or_null(r.invalid_tool_args);
    text(r.trace_id);
  }

  Status insert(Insert& ins) {
    const int rc = sqlite3_step(ins.stmt);
    sqlite3_reset(ins.stmt);
    if (rc == SQLITE_DONE) return {};
    Error e{fmt::format("{}: insert failed: {}", config_.path, sqlite3_errmsg(db_))};
    (void)exec("ROLLBACK");
    return e;
  }

  Status exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      Error e{fmt::format("{}: {}", config_.path, err ? err : sqlite3_errmsg(db_))};
      sqlite3_free(err);
      return e;
    }
    return {};
  }

  sqlite3* db_;
  RequestLogConfig config_;
  Insert insert_, insert_many_;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
};

class StderrSink final : public RecordSink {
 public:
  Status write(std::span<const RequestRecord> batch,
               bool /*behind: one write, no give-way*/) override {
    std::string out;
    for (const auto& r : batch) out += access_log_line(r);
    std::fwrite(out.data(), 1, out.size(), stderr);
    std::fflush(stderr);
    return {};
  }
};

}  // namespace

Result<std::unique_ptr<RecordSink>> open_sqlite_sink(const RequestLogConfig& config) {
  // SQLite's memory statistics (sqlite3_memory_used; llmctl reads none) take a global mutex on
  // every allocation: ~1.3k instructions a logged row. The setting is process-wide and only
  // possible before SQLite's first use; later it is refused (SQLITE_MISUSE) and changes nothing.
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(config.path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e{fmt::format("request log {}: cannot open: {}", config.path,
                        db ? sqlite3_errmsg(db) : sqlite3_errstr(rc))};
    sqlite3_close(db);
    return e;
  }
  sqlite3_busy_timeout(db, 5000);
  auto sink = std::make_unique<SqliteSink>(db, config);
  if (auto st = sink->init(); !st.ok()) return st.error().wrap("request log");
  return std::unique_ptr<RecordSink>(std::move(sink));
}

std::unique_ptr<RecordSink> stderr_access_log() { return std::make_unique<StderrSink>(); }

std::string access_log_line(const RequestRecord& r) {
  // Hand-built so numbers read well (Boost.JSON writes doubles as 5.47E1); strings are escaped
  // by the JSON serializer.
  auto str = [](const std::string& v) {
    return boost::json::serialize(boost::json::string_view(v));
  };
  std::string out = fmt::format(
      R"({{"ts_ms":{},"request_id":{},"endpoint":{},"model":{},"deployment":{},"status":{})",
      r.ts_ms, str(r.request_id), str(r.endpoint), str(r.model), str(r.deployment), r.status);
  if (!r.error_class.empty())
    out += fmt::format(R"(,"error_class":{},"error":{})", str(r.error_class), str(r.error_message));
  out += fmt::format(R"(,"stream":{},"input_tokens":{},"cached_tokens":{},"output_tokens":{})",
                     r.stream, r.input_tokens, r.cached_tokens, r.output_tokens);
  if (r.usage_estimated) out += R"(,"usage_estimated":true)";
  out += fmt::format(R"(,"cost_usd":{:.8g},"duration_ms":{:.3f})", r.cost_usd, r.duration_ms);
  if (r.ttft_ms >= 0) out += fmt::format(R"(,"ttft_ms":{:.3f})", r.ttft_ms);
  out += fmt::format(R"(,"upstream_ms":{:.3f},"attempts":{})", r.upstream_ms, r.attempts);
  if (!r.route_reason.empty()) out += fmt::format(R"(,"route_reason":{})", str(r.route_reason));
  if (!r.finish_reason.empty()) out += fmt::format(R"(,"finish_reason":{})", str(r.finish_reason));
  for (const auto& [name, v] : {std::pair<const char*, const std::string*>{"key_id", &r.key_id},
                                {"key_name", &r.key_name},
                                {"team", &r.team},
                                {"user", &r.user},
                                {"project", &r.project},
                                {"agent", &r.agent},
                                {"session_id", &r.session_id}})
    if (!v->empty()) out += fmt::format(R"(,"{}":{})", name, str(*v));
  if (!r.tags.empty()) out += fmt::format(R"(,"tags":{})", r.tags);
  for (const auto& [name, v] : {std::pair<const char*, int>{"empty_answer", r.empty_answer},
                                {"refusal", r.refusal},
                                {"invalid_json", r.invalid_json},
                                {"invalid_tool_args", r.invalid_tool_args}})
    if (v >= 0) out += fmt::format(R"(,"{}":{})", name, v != 0);
  if (!r.trace_id.empty()) out += fmt::format(R"(,"trace_id":"{}")", r.trace_id);
  out += '}';
  out += '\n';
  return out;
}

RequestLogWriter::RequestLogWriter(std::vector<RecordQueue*> queues,
                                   std::vector<std::unique_ptr<RecordSink>> sinks,
                                   int flush_interval_ms, int batch_size)
    : queues_(std::move(queues)),
      sinks_(std::move(sinks)),
      flush_interval_ms_(std::max(flush_interval_ms, 1)),
      batch_size_(static_cast<std::size_t>(std::max(batch_size, 1))) {
  for (RecordQueue* q : queues_) q->ring_on_push(&bell_);
}

RequestLogWriter::~RequestLogWriter() { stop(); }

void RequestLogWriter::start() {
  for (auto& s : sinks_) (void)s->prune(now_ms());
  thread_ = std::thread([this] {
    name_this_thread("request-log");
    run();
  });
}

void RequestLogWriter::stop() {
  if (!thread_.joinable()) return;
  bell_.stop();
  thread_.join();
}

std::size_t RequestLogWriter::drain_once(bool* full) {
  std::size_t total = 0;
  for (RecordQueue* q : queues_) {
    while (true) {
      bool swapped = false;
      std::span<const RequestRecord> batch = q->take(batch_size_, &swapped);
      const std::size_t n = batch.size();
      if (n == 0 && swapped) break;
      total += n;
      // A short batch from a new swap emptied the queue: what arrives during its write waits
      // for the next drain. A full one means more is waiting: take again now; so does the end
      // of an earlier swap (the next take swaps).
      const bool more = n == batch_size_;
      if (more && full) *full = true;
      if (n > 0) {
        bool ok = true;
        for (auto& s : sinks_) {
          if (auto st = s->write(batch, more); !st.ok()) {
            ok = false;
            errors_.fetch_add(1, std::memory_order_relaxed);
            std::fprintf(stderr, "llmctl gateway: %s\n", st.error().message.c_str());
          }
        }
        if (ok) written_.fetch_add(n, std::memory_order_relaxed);
      }
      if (!more && swapped) break;
    }
  }
  return total;
}

void RequestLogWriter::run() {
  constexpr auto kPruneEvery = std::chrono::seconds(60);
  auto last_prune = std::chrono::steady_clock::now();
  while (!bell_.stopped()) {
    // Less than a batch: wait an interval, so rows arriving at a steady rate share one
    // transaction per interval (at 1,000 rows/s ~100 rows a commit, where draining again right
    // after each write gave ~17; a commit is ~50k instructions, about two inserts' worth).
    // Nothing at all: sleep until a push rings (or the prune is due).
    bool full = false;
    const std::size_t wrote = drain_once(&full);
    if (!full) {
      const bool idle = wrote == 0;
      const auto timeout = idle ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                      kPruneEvery - (std::chrono::steady_clock::now() - last_prune))
                                : std::chrono::milliseconds(flush_interval_ms_);
      bell_.sleep(std::max(timeout, std::chrono::milliseconds(1)), idle, [this] {
        return std::any_of(queues_.begin(), queues_.end(),
                           [](const RecordQueue* q) { return q->pending(); });
      });
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_prune > kPruneEvery) {
      for (auto& s : sinks_) (void)s->prune(now_ms());
      last_prune = now;
    }
  }
  while (drain_once() > 0) {
  }
}

}  // namespace llmctl::gateway
