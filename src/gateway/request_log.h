// The request log: one record per client request, written off the request path.
//
// Workers push records into their own bounded single-producer queue (RecordQueue): a push never
// blocks and never takes a lock; when the queue is full the record is dropped and counted. One
// writer thread (RequestLogWriter) drains every queue, prints the JSON access-log line and hands
// batches to the sinks: SQLite (WAL, one transaction per batch, retention by age and row count)
// and the access log on stderr. stop() drains and flushes everything before returning.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/result.h"
#include "gateway/config.h"

namespace llmctl::gateway {

struct RequestRecord {
  std::int64_t ts_ms = 0;  // unix time the request arrived
  std::string request_id;
  std::string endpoint;  // chat | completions | embeddings
  std::string model;     // public model as the client sent it
  std::string deployment;
  std::string provider;
  std::string upstream_model;
  int status = 0;           // HTTP status sent to the client
  std::string error_class;  // empty when none; set also for streams that failed after 200
  std::string error_message;
  bool stream = false;
  std::int64_t input_tokens = 0;  // includes cached
  std::int64_t cached_tokens = 0;
  std::int64_t output_tokens = 0;  // includes reasoning
  std::int64_t reasoning_tokens = 0;
  bool usage_estimated = false;
  double cost_usd = 0;
  std::string price_id;
  double duration_ms = 0;
  double ttft_ms = -1;  // streams only; -1 when not measured
  double upstream_ms = 0;
  int attempts = 0;
  // Why the deployment was chosen: the policy's reason (route/route.h), then ">fallback:GROUP" or
  // ">context_window:GROUP" when another group answered.
  std::string route_reason;
  // --- schema v2 (request-log-v2.md): usage detail, the request's shape, attribution ---
  std::int64_t cache_write_tokens = 0;  // written to the provider's prompt cache (subset of input)
  std::int64_t max_tokens = -1;         // as requested; -1: unset (NULL)
  std::string finish_reason;            // stop | length | tool_calls | content_filter | error |
                                        // interrupted; empty: none (NULL)
  bool has_tools = false;
  std::string key_id, key_name;  // the virtual key (never its secret); empty: none
  std::string team, user, project, agent, session_id;
  std::string tags;  // JSON object of string -> string; empty: none
  std::string request_fingerprint, system_fingerprint, prefix_fingerprint;  // 16 hex digits
  std::int64_t system_tokens = -1, prefix_tokens = -1;                      // -1: NULL
  // --- quality signals and tracing (issue 15; quality.h, telemetry.h): 1 yes, 0 no, -1 NULL
  // (not checked: no generated answer, no JSON mode, no tool calls) ---
  int empty_answer = -1, refusal = -1, invalid_json = -1, invalid_tool_args = -1;
  std::string trace_id;  // 32 hex digits when the request was traced
};

// The request log's table and its columns (schema v2), for readers and tests.
inline constexpr int kRequestLogSchemaVersion = 2;

// A request's id: `<ts_ms in hex>-<worker>-<counter>` (e.g. `19b0b8e4a37-0-17`), unique in a
// process (the counter is the worker's) and carrying the record's `ts_ms`, so a lookup by id
// (feedback) finds its row through the `ts_ms` index: the log keeps no index on `request_id`
// (one was ~4k of a row's ~22k instructions, inserted at scattered places). Written into `out`
// (its buffer reused).
void format_request_id(std::int64_t ts_ms, int worker, std::uint64_t counter, std::string& out);

// Where to look for `id`'s row: `ts_ms` in [from_ms, to_ms]. An id of this release gives its
// `ts_ms` exactly; one of releases before (`<start_s in hex>-<worker>-<counter>`, the process's
// start in seconds) gives the rows since that start; anything else the whole log.
struct RequestIdTimes {
  std::int64_t from_ms = INT64_MIN;
  std::int64_t to_ms = INT64_MAX;
};
RequestIdTimes request_id_times(std::string_view id);

// Lets a consumer sleep while its queues stay empty and be woken by the next push. A push
// rings it: one atomic load while the consumer is awake (no lock, no futex call on the request
// path), a notify only when it sleeps.
class Doorbell {
 public:
  // Producer, after making a record visible to pending() (RecordQueue::try_push does).
  void ring();
  // Consumer. With `deep`, marks itself asleep so that ring() wakes it: sleeps until `ready()`
  // (checked under the lock after marking, so a push that raced the marking is seen), stop()
  // or `timeout`. Without, sleeps until stop() or `timeout` (pushes do not wake it).
  template <typename Ready>
  void sleep(std::chrono::milliseconds timeout, bool deep, Ready ready);
  // Sets stopped() and wakes any sleep.
  void stop();
  bool stopped() const { return stop_.load(std::memory_order_acquire); }

 private:
  std::atomic<bool> asleep_{false};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
};

template <typename Ready>
void Doorbell::sleep(std::chrono::milliseconds timeout, bool deep, Ready ready) {
  std::unique_lock lock(mutex_);
  if (!deep) {
    cv_.wait_for(lock, timeout, [this] { return stopped(); });
    return;
  }
  // seq_cst with try_push's counter update and ring()'s load: either the producer sees
  // asleep_ and notifies under the lock, or this thread's ready() sees its record.
  asleep_.store(true, std::memory_order_seq_cst);
  cv_.wait_for(lock, timeout, [&] { return stopped() || ready(); });
  asleep_.store(false, std::memory_order_relaxed);
}

// Bounded single-producer single-consumer queue: the worker pushes, the writer pops. Records go
// into a vector the writer swaps out whole, so memory follows the records actually waiting (a
// flush interval's worth) rather than the capacity: a preallocated ring of 8,192 records held
// 7 MB per worker from the start (a record is ~900 bytes of strings and counters). The lock is
// taken once per push and once per swap; the two sides meet only at the swap.
class RecordQueue {
 public:
  explicit RecordQueue(std::size_t capacity);
  // Before any push: ring `bell` after each push (the writer's).
  void ring_on_push(Doorbell* bell) { bell_ = bell; }
  // Producer only. False (record dropped) when `capacity` records are waiting.
  bool try_push(RequestRecord&& record);
  // Any thread: whether records wait (seq_cst: Doorbell::sleep's `ready`).
  bool pending() const { return waiting_.load(std::memory_order_seq_cst) > 0; }
  // Consumer only. The next up to `max` records, oldest first, where they lie: valid until the
  // next take() (a move of every record into a batch was ~0.8k instructions a row). A batch ends
  // where one swap of the producer's records ends: *swapped says whether this call took a new swap
  // (then a short batch means the queue was empty).
  std::span<const RequestRecord> take(std::size_t max, bool* swapped = nullptr);

 private:
  const std::size_t capacity_;
  Doorbell* bell_ = nullptr;
  std::atomic<std::size_t> waiting_{0};  // pushed, not yet popped
  std::mutex mutex_;
  std::vector<RequestRecord> incoming_;  // guarded by mutex_
  std::vector<RequestRecord> draining_;  // consumer only: the last swap, served from `next_`
  std::size_t next_ = 0;
};

// Where batches go. Called from the writer thread only.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // `behind`: the batch is full and more may wait (the writer is falling behind), so a sink
  // must keep its thread's share of the core; otherwise it may give way to the workers between
  // statements (SqliteSink does). Callers outside the writer leave it false.
  virtual Status write(std::span<const RequestRecord> batch, bool behind = false) = 0;
  // Deletes what retention says is too old or too many; called every few seconds and at start.
  virtual Status prune(std::int64_t now_ms) {
    (void)now_ms;
    return {};
  }
};

// SQLite file in WAL mode; table `requests` (schema in docs/GATEWAY.md).
Result<std::unique_ptr<RecordSink>> open_sqlite_sink(const RequestLogConfig& config);
// One JSON line per record on stderr.
std::unique_ptr<RecordSink> stderr_access_log();
std::string access_log_line(const RequestRecord& r);

// The writer thread: drains the workers' queues into the sinks, one transaction per batch. A
// drain whose batches were all short of batch_size waits a flush interval before the next, so
// the next transaction carries what arrives meanwhile (a row waits at most one interval plus a
// write); after a full batch the next drain follows at once. A drain that found nothing sleeps
// until the next push (or the next prune): an idle gateway's writer does not wake every
// interval. stop() ends the wait and drains everything.
class RequestLogWriter {
 public:
  RequestLogWriter(std::vector<RecordQueue*> queues, std::vector<std::unique_ptr<RecordSink>> sinks,
                   int flush_interval_ms, int batch_size);
  ~RequestLogWriter();
  void start();
  // Drains every queue into the sinks, then joins. Idempotent.
  void stop();
  std::uint64_t written() const { return written_.load(std::memory_order_relaxed); }
  std::uint64_t write_errors() const { return errors_.load(std::memory_order_relaxed); }

 private:
  void run();
  // Writes what each queue holds, in batches; a batch short of batch_size_ ends that queue's
  // turn. Sets *full when some batch was full (more may be waiting). Returns the rows written.
  std::size_t drain_once(bool* full = nullptr);
  std::vector<RecordQueue*> queues_;
  std::vector<std::unique_ptr<RecordSink>> sinks_;
  int flush_interval_ms_;
  std::size_t batch_size_;
  Doorbell bell_;  // the queues ring it; stop() ends the writer's wait at once
  std::atomic<std::uint64_t> written_{0}, errors_{0};
  std::thread thread_;
};

}  // namespace llmctl::gateway
