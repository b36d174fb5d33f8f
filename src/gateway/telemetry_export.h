// OpenTelemetry traces of the gateway, the moving part: each worker's WorkerTracer starts a
// request's trace (continuing the client's `traceparent`), gives each upstream attempt its span
// and traceparent, and at the end writes the request's spans as OTLP JSON straight into a slot
// of its own bounded queue — never a lock, never a wait: a full queue drops the request's spans
// and counts them (without encoding them). One exporter thread (SpanExporter) sends a batch as
// soon as a worker's queue holds `max_batch_spans` (the worker wakes it), and everything queued
// at least every `telemetry.delay_ms`; batches of at most `max_batch_spans` are POSTed as
// OTLP/HTTP JSON to `{endpoint}/v1/traces`; 429, 502, 503, 504 and connection failures are
// retried with exponential backoff and full jitter (or the receiver's Retry-After) up to
// `max_attempts`, then the batch is dropped and counted. A thread rather than the workers'
// event loops: an export that takes seconds (a slow collector, retries) must not share a loop
// with requests, and one thread batches every worker's spans into one request.
//
// Metrics (render_metrics): llmctl_otel_spans_exported_total,
// llmctl_otel_spans_dropped_total{reason=queue_full|export_failed|rejected|shutdown},
// llmctl_otel_export_requests_total{result=ok|retried|failed}.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/random.h"
#include "gateway/telemetry.h"
#include "gateway/telemetry_config.h"

namespace llmctl::gateway {

// Bounded single-producer single-consumer ring of one request's encoded spans per slot. The
// producer writes into the slot it claims (its string keeps its capacity from the last use, so
// a warm queue allocates nothing) and publishes it; the consumer copies what is published out.
// When a publish makes the queue hold `batch_spans` or more, the wake callback runs (on the
// producer's thread, once per crossing), so a full batch need not wait for the timer.
class SpanQueue {
 public:
  explicit SpanQueue(std::size_t capacity);
  // Set before the producer starts: called when the queued spans reach `batch_spans`.
  void on_full_batch(std::size_t batch_spans, std::function<void()> wake);

  // Producer: the free slot to write into (empty), or null when the queue is full.
  telemetry::EncodedSpans* claim();
  // Producer: the claimed slot is complete.
  void publish();
  // Producer: encodes `spans` into a slot and publishes it; false when full (nothing counted).
  bool try_push(std::span<const telemetry::Span> spans);
  // Consumer: appends everything published to `out`; returns how many spans.
  std::size_t pop(telemetry::EncodedSpans& out);
  // Spans published and not yet popped (exact once pop has returned).
  std::size_t queued_spans() const { return queued_.load(std::memory_order_acquire); }

  void count_dropped(std::uint64_t spans) {  // producer only
    dropped_.store(dropped_.load(std::memory_order_relaxed) + spans, std::memory_order_relaxed);
  }
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  std::vector<telemetry::EncodedSpans> slots_;
  std::size_t batch_spans_ = 0;
  std::function<void()> wake_;
  alignas(64) std::atomic<std::size_t> head_{0};
  alignas(64) std::atomic<std::size_t> tail_{0};
  std::atomic<std::size_t> queued_{0};
  std::atomic<std::uint64_t> dropped_{0};
};

// The wait before export attempt `attempt` + 1 (attempt >= 1 failed): the receiver's
// Retry-After when it gave one (capped at max_ms), else full jitter over
// min(max_ms, initial_ms x 2^(attempt-1)).
int export_backoff_ms(int attempt, int initial_ms, int max_ms, std::optional<int> retry_after_ms,
                      Random& rng);
// OTLP's retryable answers: 429, 502, 503, 504 (and no answer at all: status 0).
bool export_retryable(int status);

class SpanExporter;

// One worker's side: ids from its own generator, its own queue. Not thread-safe (one worker).
class WorkerTracer {
 public:
  WorkerTracer(const TelemetryConfig& config, SpanQueue& queue, std::uint64_t seed)
      : config_(config), queue_(queue), rng_(seed) {}
  // A request's trace, or nullopt when it is not sampled (its context then passes upstream as it
  // came: `upstream_traceparent`/`upstream_tracestate` are set either way).
  std::optional<telemetry::RequestTrace> begin(std::string_view traceparent,
                                               std::string_view tracestate, std::int64_t now_ns);
  // An attempt starts: its span id and the traceparent to send upstream.
  std::string begin_attempt(telemetry::RequestTrace& t, int deployment, std::int64_t now_ns);
  void end_attempt(telemetry::RequestTrace& t, ErrorClass error, int status, std::string message,
                   std::int64_t now_ns);
  // The request ended: its spans go to the exporter (or are dropped and counted).
  void finish(const telemetry::RequestTrace& t, const RequestRecord& rec, const Config& cfg,
              std::int64_t end_ns);

 private:
  const TelemetryConfig& config_;
  SpanQueue& queue_;
  SplitMix64 rng_;
};

// The client's trace context passed on unchanged (telemetry off, or a request not sampled).
struct PassThroughContext {
  std::string traceparent, tracestate;
};
PassThroughContext pass_through(std::string_view traceparent, std::string_view tracestate);

class SpanExporter {
 public:
  SpanExporter(TelemetryConfig config, int workers, telemetry::Resource resource);
  ~SpanExporter();
  SpanQueue& queue(int worker) { return *queues_[static_cast<std::size_t>(worker)]; }
  const TelemetryConfig& config() const { return config_; }
  void start();
  // Exports what is queued (one attempt each, within the export timeout), then joins; what is
  // still unsent is counted as dropped (shutdown). Idempotent.
  void stop();
  std::string render_metrics() const;

  std::uint64_t exported() const { return exported_.load(); }
  std::uint64_t dropped(std::string_view reason) const;

 private:
  void run();
  // Sends the full batches of `pending` and, when `flush`, the rest; keeps what it did not send.
  void export_pending(telemetry::EncodedSpans& pending, bool flush, bool final);
  // Spans [from, to) of `pending` in one request, with retries; returns when it is sent,
  // rejected or given up.
  void export_batch(const telemetry::EncodedSpans& pending, std::size_t from, std::size_t to,
                    bool final);
  // Waits until `deadline`, a wake() or a queue holding a full batch; false when stopping.
  bool wait_until(std::chrono::steady_clock::time_point deadline);
  bool wait_for(std::chrono::milliseconds d);  // false when stopping (retry backoff)
  void wake();
  bool a_batch_is_full() const;

  TelemetryConfig config_;
  telemetry::Resource resource_;
  telemetry::OtlpEnvelope envelope_;
  std::string body_;  // the export request's body, reused
  std::vector<std::unique_ptr<SpanQueue>> queues_;
  SplitMix64 rng_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stop_{false};
  bool woken_ = false;  // guarded by mu_: a worker's queue reached a full batch
  std::atomic<std::uint64_t> exported_{0}, export_failed_{0}, rejected_{0}, shutdown_{0};
  std::atomic<std::uint64_t> requests_ok_{0}, requests_retried_{0}, requests_failed_{0};
  std::chrono::steady_clock::time_point last_complaint_{};
};

}  // namespace llmctl::gateway
