#include "gateway/telemetry_export.h"

#include <fmt/format.h>
#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>

#include "common/thread_name.h"

namespace llmctl::gateway {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct PostAnswer {
  int status = 0;  // 0: no answer (the error says why)
  std::string error;
  std::optional<int> retry_after_ms;
  std::string body;
};

// One blocking POST on a new connection, every step within `timeout` (exports are a few per
// second at most: nothing to pool).
// `body` is lent to the request and given back (its buffer is reused for the next batch).
PostAnswer post(const Url& url, const std::string& target,
                const std::vector<std::pair<std::string, std::string>>& headers, std::string& body,
                std::chrono::milliseconds timeout) {
  PostAnswer out;
  asio::io_context io;
  std::optional<asio::ssl::context> tls;  // only for https: building one costs more than a batch
  if (url.tls) tls.emplace(asio::ssl::context::tls_client);
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, url.host_header);
  req.set(http::field::user_agent, "llmctl-gateway");
  req.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = std::move(body);
  req.prepare_payload();
  struct GiveBack {
    std::string& to;
    std::string& from;
    ~GiveBack() { to = std::move(from); }
  } give_back{body, req.body()};
  http::response<http::string_body> res;
  beast::flat_buffer buf;
  beast::error_code result = asio::error::timed_out;
  auto exchange = [&](auto& stream) -> asio::awaitable<void> {
    auto [ec, _] = co_await http::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
    if (!ec)
      std::tie(ec, _) =
          co_await http::async_read(stream, buf, res, asio::as_tuple(asio::use_awaitable));
    result = ec;
  };
  auto run = [&]() -> asio::awaitable<void> {
    asio::ip::tcp::resolver resolver(io);
    auto [rec, eps] =
        co_await resolver.async_resolve(url.host, url.port, asio::as_tuple(asio::use_awaitable));
    if (rec) {
      result = rec;
      co_return;
    }
    if (url.tls) {
      tls->set_default_verify_paths();
      tls->set_verify_mode(asio::ssl::verify_peer);
      beast::ssl_stream<beast::tcp_stream> s(io, *tls);
      SSL_set_tlsext_host_name(s.native_handle(), url.host.c_str());
      s.set_verify_callback(asio::ssl::host_name_verification(url.host));
      beast::get_lowest_layer(s).expires_after(timeout);
      auto [cec, ep] = co_await beast::get_lowest_layer(s).async_connect(
          eps, asio::as_tuple(asio::use_awaitable));
      if (cec) {
        result = cec;
        co_return;
      }
      auto [hec] = co_await s.async_handshake(asio::ssl::stream_base::client,
                                              asio::as_tuple(asio::use_awaitable));
      if (hec) {
        result = hec;
        co_return;
      }
      co_await exchange(s);
    } else {
      beast::tcp_stream s(io);
      s.expires_after(timeout);
      auto [cec, ep] = co_await s.async_connect(eps, asio::as_tuple(asio::use_awaitable));
      if (cec) {
        result = cec;
        co_return;
      }
      co_await exchange(s);
    }
  };
  asio::co_spawn(io, run(), asio::detached);
  io.run_for(2 * timeout);
  if (!io.stopped()) {
    out.error = "name resolution did not finish";
    return out;
  }
  if (result == beast::error::timeout) {
    out.error = fmt::format("no answer within {} ms", timeout.count());
    return out;
  }
  if (result) {
    out.error = result.message();
    return out;
  }
  out.status = static_cast<int>(res.result_int());
  if (auto ra = res[http::field::retry_after]; !ra.empty()) {
    char* end = nullptr;
    const std::string text(ra);
    const double s = std::strtod(text.c_str(), &end);
    if (end != text.c_str() && std::isfinite(s) && s >= 0)
      out.retry_after_ms = static_cast<int>(std::min(s * 1000, 3.6e6));
  }
  out.body = std::move(res.body());
  return out;
}

// OTLP partial success: {"partialSuccess": {"rejectedSpans": N, "errorMessage": "..."}}.
std::int64_t rejected_spans(const std::string& body, std::string& message) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return 0;
  const auto* ps = v.as_object().if_contains("partialSuccess");
  if (!ps || !ps->is_object()) return 0;
  if (const auto* m = ps->as_object().if_contains("errorMessage"); m && m->is_string())
    message = std::string(m->as_string());
  const auto* r = ps->as_object().if_contains("rejectedSpans");
  if (!r) return 0;
  if (r->is_int64()) return r->as_int64();
  if (r->is_uint64()) return static_cast<std::int64_t>(r->as_uint64());
  if (r->is_string()) return std::atoll(std::string(r->as_string()).c_str());
  return 0;
}

std::int64_t unix_ns_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// --- SpanQueue ---

SpanQueue::SpanQueue(std::size_t capacity) : slots_(std::max<std::size_t>(capacity, 2) + 1) {}

void SpanQueue::on_full_batch(std::size_t batch_spans, std::function<void()> wake) {
  batch_spans_ = std::max<std::size_t>(batch_spans, 1);
  wake_ = std::move(wake);
}

telemetry::EncodedSpans* SpanQueue::claim() {
  const std::size_t tail = tail_.load(std::memory_order_relaxed);
  if ((tail + 1) % slots_.size() == head_.load(std::memory_order_acquire)) return nullptr;
  telemetry::EncodedSpans& slot = slots_[tail];
  slot.clear();
  return &slot;
}

void SpanQueue::publish() {
  const std::size_t tail = tail_.load(std::memory_order_relaxed);
  const std::size_t n = slots_[tail].size();
  tail_.store((tail + 1) % slots_.size(), std::memory_order_release);
  const std::size_t before = queued_.fetch_add(n, std::memory_order_acq_rel);
  if (wake_ && before < batch_spans_ && before + n >= batch_spans_) wake_();
}

bool SpanQueue::try_push(std::span<const telemetry::Span> spans) {
  telemetry::EncodedSpans* slot = claim();
  if (!slot) return false;
  for (const auto& s : spans) telemetry::append_span_json(*slot, s);
  publish();
  return true;
}

std::size_t SpanQueue::pop(telemetry::EncodedSpans& out) {
  std::size_t head = head_.load(std::memory_order_relaxed);
  const std::size_t tail = tail_.load(std::memory_order_acquire);
  std::size_t n = 0;
  while (head != tail) {
    const telemetry::EncodedSpans& slot = slots_[head];
    const auto offset = static_cast<std::uint32_t>(out.json.size());
    out.json += slot.json;
    for (std::uint32_t e : slot.ends) out.ends.push_back(offset + e);
    n += slot.size();
    head = (head + 1) % slots_.size();
  }
  head_.store(head, std::memory_order_release);
  queued_.fetch_sub(n, std::memory_order_acq_rel);
  return n;
}

// --- backoff ---

int export_backoff_ms(int attempt, int initial_ms, int max_ms, std::optional<int> retry_after_ms,
                      Random& rng) {
  if (retry_after_ms) return std::min(*retry_after_ms, max_ms);
  const double cap =
      std::min(static_cast<double>(max_ms),
               static_cast<double>(initial_ms) * std::pow(2.0, std::max(0, attempt - 1)));
  return static_cast<int>(rng.unit() * cap);
}

bool export_retryable(int status) {
  return status == 0 || status == 429 || status == 502 || status == 503 || status == 504;
}

// --- WorkerTracer ---

PassThroughContext pass_through(std::string_view traceparent, std::string_view tracestate) {
  PassThroughContext c;
  if (telemetry::parse_traceparent(traceparent)) {
    c.traceparent = std::string(traceparent);
    if (telemetry::valid_tracestate(tracestate)) c.tracestate = std::string(tracestate);
  }
  return c;
}

std::optional<telemetry::RequestTrace> WorkerTracer::begin(std::string_view traceparent,
                                                           std::string_view tracestate,
                                                           std::int64_t now_ns) {
  auto parent = telemetry::parse_traceparent(traceparent);
  telemetry::RequestTrace t;
  t.trace_id = parent ? parent->trace_id : telemetry::new_trace_id(rng_);
  if (!telemetry::should_sample(parent, t.trace_id, config_.sample_ratio)) return std::nullopt;
  t.server_span = telemetry::new_span_id(rng_);
  if (parent) {
    t.client_parent = parent->parent_id;
    t.flags = static_cast<std::uint8_t>(parent->flags | telemetry::kSampled);
    if (telemetry::valid_tracestate(tracestate)) t.trace_state = std::string(tracestate);
  }
  t.start_ns = now_ns;
  return t;
}

std::string WorkerTracer::begin_attempt(telemetry::RequestTrace& t, int deployment,
                                        std::int64_t now_ns) {
  telemetry::RequestTrace::Attempt a;
  a.span_id = telemetry::new_span_id(rng_);
  a.deployment = deployment;
  a.start_ns = a.end_ns = now_ns;
  t.attempts.push_back(std::move(a));
  return telemetry::attempt_traceparent(t, t.attempts.back().span_id);
}

void WorkerTracer::end_attempt(telemetry::RequestTrace& t, ErrorClass error, int status,
                               std::string message, std::int64_t now_ns) {
  if (t.attempts.empty()) return;
  auto& a = t.attempts.back();
  a.end_ns = now_ns;
  a.error = error;
  a.status = status;
  a.message = std::move(message);
}

void WorkerTracer::finish(const telemetry::RequestTrace& t, const RequestRecord& rec,
                          const Config& cfg, std::int64_t end_ns) {
  telemetry::EncodedSpans* slot = queue_.claim();
  if (!slot) {  // full: dropped before any work is spent on them
    queue_.count_dropped(1 + t.attempts.size());
    return;
  }
  telemetry::append_request_spans_json(*slot, t, rec, cfg, end_ns);
  queue_.publish();
}

// --- SpanExporter ---

SpanExporter::SpanExporter(TelemetryConfig config, int workers, telemetry::Resource resource)
    : config_(std::move(config)),
      resource_(std::move(resource)),
      envelope_(telemetry::otlp_envelope(resource_)),
      rng_(static_cast<std::uint64_t>(unix_ns_now())) {
  const auto batch = static_cast<std::size_t>(std::max(1, config_.max_batch_spans));
  for (int i = 0; i < workers; ++i) {
    queues_.push_back(std::make_unique<SpanQueue>(config_.queue));
    queues_.back()->on_full_batch(batch, [this] { wake(); });
  }
}

SpanExporter::~SpanExporter() { stop(); }

void SpanExporter::start() {
  thread_ = std::thread([this] {
    name_this_thread("otel-export");
    run();
  });
}

void SpanExporter::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_.store(true);
  }
  cv_.notify_all();
  thread_.join();
}

// A worker's thread, once per full batch: the lock makes the wake-up impossible to miss (the
// exporter checks woken_ and the queues under it before it sleeps) and is held for no more than
// that check.
void SpanExporter::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_one();
}

bool SpanExporter::a_batch_is_full() const {
  const auto batch = static_cast<std::size_t>(std::max(1, config_.max_batch_spans));
  for (const auto& q : queues_)
    if (q->queued_spans() >= batch) return true;
  return false;
}

bool SpanExporter::wait_until(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  cv_.wait_until(lock, deadline, [this] { return stop_.load() || woken_ || a_batch_is_full(); });
  woken_ = false;
  return !stop_.load();
}

bool SpanExporter::wait_for(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stop_.load(); });
}

void SpanExporter::run() {
  using clock = std::chrono::steady_clock;
  const auto delay = std::chrono::milliseconds(config_.delay_ms);
  telemetry::EncodedSpans pending;
  auto deadline = clock::now() + delay;
  while (true) {
    const bool running = wait_until(deadline);
    for (auto& q : queues_) q->pop(pending);
    // Full batches leave now; a partial one when the delay is up (or at the end).
    const bool due = !running || clock::now() >= deadline;
    export_pending(pending, due, !running);
    if (due) deadline = clock::now() + delay;
    if (!running) break;
  }
  // Stopping: the workers are gone; what they queued last goes out once.
  for (auto& q : queues_) q->pop(pending);
  export_pending(pending, true, true);
}

void SpanExporter::export_pending(telemetry::EncodedSpans& pending, bool flush, bool final) {
  const auto batch = static_cast<std::size_t>(std::max(1, config_.max_batch_spans));
  const std::size_t n = pending.size();
  std::size_t i = 0;
  while (n - i >= batch || (flush && i < n)) {
    const std::size_t j = std::min(n, i + batch);
    export_batch(pending, i, j, final);
    i = j;
  }
  pending.erase_front(i);
}

void SpanExporter::export_batch(const telemetry::EncodedSpans& pending, std::size_t from,
                                std::size_t to, bool final) {
  auto url = parse_url(config_.traces_url);
  // The target is the URL's path as given (parse_url keeps it as base_path).
  const std::string target = url && !url->base_path.empty() ? url->base_path : "/v1/traces";
  const std::size_t begin = pending.start(from), end = pending.ends[to - 1] - 1;  // no last ','
  body_.assign(envelope_.prefix);
  body_.append(pending.json, begin, end - begin);
  body_ += envelope_.suffix;
  const auto n = static_cast<std::uint64_t>(to - from);
  std::string last_error;
  for (int attempt = 1;; ++attempt) {
    PostAnswer a =
        url ? post(*url, target, config_.headers, body_,
                   std::chrono::milliseconds(config_.timeout_ms))
            : PostAnswer{
                  .status = 0, .error = url.error().message, .retry_after_ms = {}, .body = {}};
    if (a.status >= 200 && a.status < 300) {
      std::string why;
      const auto rejected = static_cast<std::uint64_t>(
          std::clamp<std::int64_t>(rejected_spans(a.body, why), 0, static_cast<std::int64_t>(n)));
      requests_ok_.fetch_add(1);
      exported_.fetch_add(n - rejected);
      if (rejected > 0) {
        rejected_.fetch_add(rejected);
        last_error = fmt::format("the receiver rejected {} of {} spans: {}", rejected, n, why);
        break;
      }
      return;
    }
    last_error = a.status ? fmt::format("{} answered HTTP {}", config_.traces_url, a.status)
                          : fmt::format("{}: {}", config_.traces_url, a.error);
    if (!export_retryable(a.status)) {
      requests_failed_.fetch_add(1);
      rejected_.fetch_add(n);
      break;
    }
    if (final || attempt >= config_.max_attempts) {
      requests_failed_.fetch_add(1);
      (final ? shutdown_ : export_failed_).fetch_add(n);
      break;
    }
    requests_retried_.fetch_add(1);
    const int wait = export_backoff_ms(attempt, config_.initial_backoff_ms, config_.max_backoff_ms,
                                       a.retry_after_ms, rng_);
    if (!wait_for(std::chrono::milliseconds(wait))) final = true;  // stopping: one last try
  }
  // At most one complaint every 10 s: a receiver that is down must not flood the log.
  const auto now = std::chrono::steady_clock::now();
  if (now - last_complaint_ > std::chrono::seconds(10)) {
    last_complaint_ = now;
    std::fprintf(stderr, "llmctl gateway: telemetry export: %s (%llu span(s) dropped)\n",
                 last_error.c_str(), static_cast<unsigned long long>(n));
  }
}

std::uint64_t SpanExporter::dropped(std::string_view reason) const {
  if (reason == "queue_full") {
    std::uint64_t d = 0;
    for (const auto& q : queues_) d += q->dropped();
    return d;
  }
  if (reason == "export_failed") return export_failed_.load();
  if (reason == "rejected") return rejected_.load();
  if (reason == "shutdown") return shutdown_.load();
  return 0;
}

std::string SpanExporter::render_metrics() const {
  std::string out;
  out +=
      "# HELP llmctl_otel_spans_exported_total Spans the OTLP receiver accepted.\n"
      "# TYPE llmctl_otel_spans_exported_total counter\n";
  out += fmt::format("llmctl_otel_spans_exported_total {}\n", exported_.load());
  out +=
      "# HELP llmctl_otel_spans_dropped_total Spans not delivered, by reason (queue_full: a "
      "worker's queue was full; export_failed: retries ran out; rejected: the receiver refused "
      "them; shutdown: unsent at exit).\n"
      "# TYPE llmctl_otel_spans_dropped_total counter\n";
  for (const char* r : {"queue_full", "export_failed", "rejected", "shutdown"})
    out += fmt::format("llmctl_otel_spans_dropped_total{{reason=\"{}\"}} {}\n", r, dropped(r));
  out +=
      "# HELP llmctl_otel_export_requests_total OTLP export requests by result (ok; retried: a "
      "retryable failure followed by another try; failed: given up or refused).\n"
      "# TYPE llmctl_otel_export_requests_total counter\n";
  out += fmt::format(
      "llmctl_otel_export_requests_total{{result=\"ok\"}} {}\n"
      "llmctl_otel_export_requests_total{{result=\"retried\"}} {}\n"
      "llmctl_otel_export_requests_total{{result=\"failed\"}} {}\n",
      requests_ok_.load(), requests_retried_.load(), requests_failed_.load());
  return out;
}

}  // namespace llmctl::gateway
