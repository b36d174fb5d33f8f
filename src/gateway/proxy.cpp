// The gateway's request handler: routes a request through the stage pipeline, then the
// upstream attempt loop, relays the answer (whole, or SSE event by event), accounts usage and
// cost, and records metrics and the request-log entry. One GatewayHandler per worker.
#include "gateway/proxy.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <chrono>
#include <optional>
#include <random>

#include "gateway/anthropic.h"
#include "gateway/pipeline.h"
#include "gateway/sse.h"
#include "gateway/translate.h"
#include "gateway/upstream.h"

namespace llmctl::gateway {

namespace {

using namespace std::chrono_literals;
using net::Clock;
using net::Exchange;
using net::use_nothrow;
using error_code = boost::system::error_code;
using std::chrono::milliseconds;

constexpr std::size_t kMaxResponseBytes = 64 * 1024 * 1024;
constexpr std::size_t kMaxErrorBodyBytes = 1024 * 1024;
constexpr std::string_view kJson = "application/json";

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::int64_t unix_ms() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Time points of one request.
struct Timing {
  Clock::time_point start = Clock::now();
  double upstream_s = 0;  // time spent waiting on upstream I/O, all attempts
  std::optional<Clock::time_point> first_token, last_token;
};

// How one attempt (or the whole request) ended.
struct Outcome {
  bool final = false;  // the client has its answer or is gone: try nothing more
  int status = 0;      // final: status sent to the client; else the upstream's status (0: none)
  ErrorClass error = ErrorClass::kNone;
  std::string message;  // for the log and, for gateway errors, the client
  // Not final: an upstream error answer to relay if no other candidate does better.
  std::string body, content_type, retry_after;
  std::optional<Accounting> accounting;
};

// Holds a max_concurrency slot of a deployment; frees it on destruction.
class Slot {
 public:
  Slot() = default;
  explicit Slot(std::atomic<int>* counter) : counter_(counter) {}
  Slot(Slot&& o) noexcept : counter_(std::exchange(o.counter_, nullptr)) {}
  Slot& operator=(Slot&& o) noexcept {
    release();
    counter_ = std::exchange(o.counter_, nullptr);
    return *this;
  }
  ~Slot() { release(); }
  void release() {
    if (counter_) counter_->fetch_sub(1, std::memory_order_acq_rel);
    counter_ = nullptr;
  }

 private:
  std::atomic<int>* counter_ = nullptr;
};

class InflightGuard {
 public:
  explicit InflightGuard(OwnedGauge& g) : g_(g) { g_.add(1); }
  ~InflightGuard() { g_.add(-1); }

 private:
  OwnedGauge& g_;
};

class GatewayHandler final : public net::Handler {
 public:
  GatewayHandler(int worker, GatewayState& state, net::Worker& w)
      : worker_(w),
        state_(state),
        cfg_(*state.config),
        metrics_(*state.shards[static_cast<std::size_t>(worker)]),
        queue_(*state.queues[static_cast<std::size_t>(worker)]),
        pipeline_(Pipeline::standard(router_)),
        rng_(std::random_device{}() ^ (static_cast<std::uint64_t>(worker) << 32)),
        id_prefix_(fmt::format("{:x}-{}", state.started_unix_s, worker)) {
    for (std::size_t d = 0; d < cfg_.deployments.size(); ++d)
      pools_.push_back(std::make_unique<UpstreamPool>(w.io(), cfg_.deployments[d],
                                                      metrics_.pool(static_cast<int>(d))));
    boost::json::array data;
    for (const auto& m : cfg_.models)
      data.push_back(boost::json::object{{"id", m.name},
                                         {"object", "model"},
                                         {"created", state.started_unix_s},
                                         {"owned_by", "llmctl"}});
    models_json_ = boost::json::serialize(boost::json::object{{"object", "list"}, {"data", data}});
  }

  asio::awaitable<void> handle(Exchange& ex) override;
  Exchange::ErrorBodyFilter error_body_filter(std::string_view target) const override {
    target = target.substr(0, target.find('?'));
    return target == "/v1/messages" ? error_filter_for(Endpoint::kMessages) : nullptr;
  }
  void abort_all() override {
    for (auto& p : pools_) p->close_all();
  }

 private:
  asio::awaitable<void> proxy(Exchange& ex, Endpoint endpoint);
  asio::awaitable<Outcome> attempt(Exchange& ex, RequestContext& ctx, int di, RequestRecord& rec,
                                   Timing& tm);
  asio::awaitable<Outcome> relay_stream(Exchange& ex, RequestContext& ctx, int di,
                                        std::unique_ptr<UpstreamConnection> conn,
                                        ResponseParser& parser, RequestRecord& rec, Timing& tm,
                                        Clock::time_point deadline);
  asio::awaitable<error_code> read_all(UpstreamConnection& conn, ResponseParser& parser,
                                       std::string& out, std::size_t limit, const Deployment& d,
                                       Clock::time_point deadline, Timing& tm);
  asio::awaitable<std::optional<Slot>> acquire_slot(int di);
  void finish(const RequestContext& ctx, RequestRecord& rec, const Timing& tm, const Outcome& o);
  asio::awaitable<void> simple_error(Exchange& ex, unsigned status, std::string_view message,
                                     std::string_view code) {
    co_await ex.respond(status, kJson,
                        openai_error_body(message, "invalid_request_error", {}, code));
  }

  net::Worker& worker_;
  GatewayState& state_;
  const Config& cfg_;
  MetricsShard& metrics_;
  RecordQueue& queue_;
  WeightedRouter router_;
  Pipeline pipeline_;
  std::mt19937_64 rng_;
  std::string id_prefix_;
  std::uint64_t counter_ = 0;
  std::vector<std::unique_ptr<UpstreamPool>> pools_;
  std::string models_json_;
};

asio::awaitable<void> GatewayHandler::handle(Exchange& ex) {
  auto& req = ex.request();
  if (worker_.draining()) ex.close_after();
  std::string_view target = req.target();
  target = target.substr(0, target.find('?'));
  const bool post = req.method() == http::verb::post;
  const bool get = req.method() == http::verb::get;

  std::optional<Endpoint> endpoint;
  if (target == "/v1/chat/completions")
    endpoint = Endpoint::kChat;
  else if (target == "/v1/completions")
    endpoint = Endpoint::kCompletions;
  else if (target == "/v1/embeddings")
    endpoint = Endpoint::kEmbeddings;
  else if (target == "/v1/messages")
    endpoint = Endpoint::kMessages;
  if (endpoint) {
    // Every error this request gets is in its client's API shape (Anthropic for /v1/messages).
    ex.set_error_body_filter(error_filter_for(*endpoint));
    if (!post)
      co_return co_await simple_error(ex, 405, "Use POST for this endpoint.", "method_not_allowed");
    co_return co_await proxy(ex, *endpoint);
  }
  if (!get) {
    co_return co_await simple_error(
        ex, 404,
        fmt::format("Unknown request URL: {} {}.", std::string(req.method_string()), target),
        "unknown_url");
  }
  if (target == "/v1/models") {
    co_await ex.respond(200, kJson, models_json_);
    co_return;
  }
  if (target.starts_with("/v1/models/")) {
    std::string_view id = target.substr(11);
    if (cfg_.find_model(id)) {
      std::string body =
          boost::json::serialize(boost::json::object{{"id", id},
                                                     {"object", "model"},
                                                     {"created", state_.started_unix_s},
                                                     {"owned_by", "llmctl"}});
      co_await ex.respond(200, kJson, std::move(body));
      co_return;
    }
    co_await ex.respond(
        404, kJson,
        openai_error_body(
            fmt::format("The model `{}` does not exist or you do not have access to it.", id),
            "invalid_request_error", "model", "model_not_found"));
    co_return;
  }
  if (target == "/healthz") {
    co_await ex.respond(200, kJson, R"({"status":"ok"})");
    co_return;
  }
  if (target == "/readyz") {
    if (state_.draining.load(std::memory_order_relaxed)) {
      co_await ex.respond(503, kJson, R"({"status":"draining"})");
      co_return;
    }
    co_await ex.respond(200, kJson, R"({"status":"ready"})");
    co_return;
  }
  if (target == "/metrics") {
    co_await ex.respond(200, "text/plain; version=0.0.4; charset=utf-8",
                        render_prometheus(state_.view()));
    co_return;
  }
  co_await simple_error(ex, 404, fmt::format("Unknown request URL: GET {}.", target),
                        "unknown_url");
}

asio::awaitable<void> GatewayHandler::proxy(Exchange& ex, Endpoint endpoint) {
  Timing tm;
  InflightGuard inflight(metrics_.inflight());
  RequestRecord rec;
  rec.ts_ms = unix_ms();
  rec.request_id = fmt::format("{}-{}", id_prefix_, ++counter_);
  rec.endpoint = std::string(endpoint_name(endpoint));

  RequestContext ctx;
  ctx.endpoint = endpoint;
  ctx.raw_body = ex.request().body();
  ctx.random = rng_();
  if (auto reject = pipeline_.run(ctx, cfg_)) {
    rec.model = ctx.model;
    Outcome o;
    o.final = true;
    o.error = reject->error_class;
    o.message = reject->message;
    bool ok = co_await ex.respond(static_cast<unsigned>(reject->status), kJson, reject->body,
                                  {.request_id = rec.request_id});
    o.status = ok ? reject->status : 499;
    finish(ctx, rec, tm, o);
    co_return;
  }
  rec.model = ctx.model;
  rec.stream = ctx.stream;

  Outcome last;
  for (int di : ctx.candidates) {
    const Deployment& d = cfg_.deployments[static_cast<std::size_t>(di)];
    rec.deployment = d.name;
    rec.provider = std::string(provider_kind_name(d.kind));
    rec.upstream_model = d.model;
    rec.price_id = d.price_id;
    ++rec.attempts;
    std::optional<Slot> slot = co_await acquire_slot(di);
    if (!slot) {
      last = Outcome{};
      last.error = ErrorClass::kOverloaded;
      last.message =
          fmt::format("deployment {} is at max_concurrency {}", d.name, d.max_concurrency);
      metrics_.count_error(ctx.model_index, last.error);
      continue;
    }
    const auto attempt_start = Clock::now();
    Outcome o = co_await attempt(ex, ctx, di, rec, tm);
    slot.reset();
    metrics_.upstream_duration(di).observe(seconds_since(attempt_start));
    if (o.final) {
      finish(ctx, rec, tm, o);
      co_return;
    }
    metrics_.count_error(ctx.model_index, o.error);
    last = std::move(o);
  }

  // Every candidate failed before anything reached the client.
  Outcome o = std::move(last);
  o.final = true;
  bool ok = false;
  if (o.status >= 400) {
    // Relay the upstream's own answer (429 with its Retry-After, 5xx with its error body).
    std::string ctype = o.content_type;
    if (ctype.empty()) ctype = kJson;
    ok = co_await ex.respond(static_cast<unsigned>(o.status), ctype, std::move(o.body),
                             {.request_id = rec.request_id, .retry_after = o.retry_after});
  } else {
    int status = 502;
    std::string_view code = "upstream_error";
    if (o.error == ErrorClass::kTimeout) status = 504, code = "upstream_timeout";
    if (o.error == ErrorClass::kOverloaded) status = 503, code = "upstream_overloaded";
    ok =
        co_await ex.respond(static_cast<unsigned>(status), kJson,
                            openai_error_body(fmt::format("Upstream request failed: {}", o.message),
                                              "server_error", {}, code),
                            {.request_id = rec.request_id});
    o.status = status;
  }
  if (!ok) o.status = 499;
  finish(ctx, rec, tm, o);
}

asio::awaitable<std::optional<Slot>> GatewayHandler::acquire_slot(int di) {
  const Deployment& d = cfg_.deployments[static_cast<std::size_t>(di)];
  if (d.max_concurrency <= 0) co_return Slot{};
  std::atomic<int>& n = state_.deployment_inflight[static_cast<std::size_t>(di)];
  const auto until = Clock::now() + milliseconds(d.queue_timeout_ms);
  asio::steady_timer timer(worker_.io());
  while (true) {
    int cur = n.load(std::memory_order_relaxed);
    while (cur < d.max_concurrency)
      if (n.compare_exchange_weak(cur, cur + 1, std::memory_order_acq_rel)) co_return Slot{&n};
    // Slots free up on any worker; a short poll keeps this lock-free and bounded.
    if (Clock::now() >= until || worker_.draining()) {
      metrics_.pool(di).queue_timeouts.add();
      co_return std::nullopt;
    }
    timer.expires_after(2ms);
    co_await timer.async_wait(use_nothrow);
  }
}

asio::awaitable<error_code> GatewayHandler::read_all(UpstreamConnection& conn,
                                                     ResponseParser& parser, std::string& out,
                                                     std::size_t limit, const Deployment& d,
                                                     Clock::time_point deadline, Timing& tm) {
  char buf[16384];
  while (!parser.is_done()) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    auto timeout = std::max(milliseconds(1), std::min(milliseconds(d.timeouts.idle_ms), left));
    const auto t = Clock::now();
    auto [ec, n] = co_await conn.read_body(parser, buf, sizeof buf, timeout);
    tm.upstream_s += seconds_since(t);
    if (ec) co_return ec;
    if (out.size() + n > limit) co_return http::error::body_limit;
    out.append(buf, n);
  }
  co_return error_code{};
}

asio::awaitable<Outcome> GatewayHandler::attempt(Exchange& ex, RequestContext& ctx, int di,
                                                 RequestRecord& rec, Timing& tm) {
  const Deployment& d = cfg_.deployments[static_cast<std::size_t>(di)];
  UpstreamPool& pool = *pools_[static_cast<std::size_t>(di)];
  const auto deadline = Clock::now() + milliseconds(d.timeouts.total_ms);
  auto within = [&](int cap_ms) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    return std::max(milliseconds(1), std::min(milliseconds(cap_ms), left));
  };

  // The body in the deployment's API; what it cannot express is a 400 for the client unless
  // another candidate can serve the request.
  Result<std::string> upstream = translated_upstream_body(ctx, d);
  if (!upstream) {
    Outcome refused;
    refused.status = 400;
    refused.error = ErrorClass::kBadRequest;
    refused.message = upstream.error().message;
    refused.body = openai_error_body(refused.message, "invalid_request_error", {},
                                     "unsupported_by_deployment");
    refused.content_type = kJson;
    co_return refused;
  }
  http::request<http::string_body> req{http::verb::post,
                                       d.url.base_path + upstream_path(ctx.endpoint, d.kind), 11};
  req.set(http::field::host, d.url.host_header);
  req.set(http::field::user_agent, "llmctl-gateway");
  req.set(http::field::content_type, kJson);
  req.set(http::field::accept, ctx.stream ? "text/event-stream" : "application/json");
  if (speaks_anthropic(d.kind)) {
    // Anthropic authenticates with x-api-key; a client's API version and beta flags pass on.
    if (!d.api_key.empty()) req.set("x-api-key", d.api_key);
    std::string version(ex.request()["anthropic-version"]);
    if (version.empty()) version = anthropic::kApiVersion;
    req.set("anthropic-version", version);
    if (auto beta = ex.request()["anthropic-beta"]; !beta.empty()) req.set("anthropic-beta", beta);
  } else if (!d.api_key.empty()) {
    req.set(http::field::authorization, "Bearer " + d.api_key);
  }
  req.body() = std::move(*upstream);
  req.prepare_payload();
  req.keep_alive(true);

  const auto t_io = Clock::now();
  Acquired a = co_await pool.acquire();
  std::optional<ResponseParser> parser;
  error_code ec;
  for (int tries = 0; a.conn; ++tries) {
    parser.emplace();
    parser->body_limit(boost::none);
    ec = co_await a.conn->write(req, within(d.timeouts.first_byte_ms));
    if (!ec) ec = co_await a.conn->read_header(*parser, within(d.timeouts.first_byte_ms));
    if (!ec || !a.conn->reused() || tries > 0 || ec == beast::error::timeout) break;
    // The upstream had closed this kept-alive connection: once more on a new one.
    pool.release(std::move(a.conn), false);
    a = co_await pool.connect_new();
  }
  tm.upstream_s += seconds_since(t_io);
  Outcome o;
  if (!a.conn) {
    o.error = a.error;
    o.message = a.message;
    co_return o;
  }
  if (ec) {
    pool.release(std::move(a.conn), false);
    const bool timeout = ec == beast::error::timeout;
    o.error = timeout ? ErrorClass::kTimeout : ErrorClass::kUpstreamProtocol;
    o.message =
        timeout ? fmt::format("upstream {}: no response within {} ms", d.name,
                              std::min(d.timeouts.first_byte_ms, d.timeouts.total_ms))
                : fmt::format("upstream {}: failed before the response: {}", d.name, ec.message());
    co_return o;
  }

  const int status = static_cast<int>(parser->get().result_int());
  std::string ctype(parser->get()[http::field::content_type]);
  if (ctype.empty()) ctype = kJson;
  if (status < 200 || status >= 300) {
    std::string body;
    ec = co_await read_all(*a.conn, *parser, body, kMaxErrorBodyBytes, d, deadline, tm);
    o.retry_after = std::string(parser->get()[http::field::retry_after]);
    pool.release(std::move(a.conn), !ec && parser->is_done() && parser->keep_alive());
    o.error = classify_upstream_status(status);
    o.status = status;
    o.message = fmt::format("upstream {} answered {}", d.name, status);
    o.body = std::move(body);
    o.content_type = ctype;
    if (!retryable(o.error)) {
      // A client error (400, 401, 404 ...) is the client's answer, from whichever deployment.
      o.final = true;
      bool ok = co_await ex.respond(static_cast<unsigned>(status), ctype, std::move(o.body),
                                    {.request_id = rec.request_id});
      if (!ok) o.status = 499;
    }
    co_return o;
  }

  if (ctx.stream && ctype.find("text/event-stream") != std::string::npos)
    co_return co_await relay_stream(ex, ctx, di, std::move(a.conn), *parser, rec, tm, deadline);

  std::string body;
  ec = co_await read_all(*a.conn, *parser, body, kMaxResponseBytes, d, deadline, tm);
  if (ec) {
    pool.release(std::move(a.conn), false);
    o.error = ec == beast::error::timeout ? ErrorClass::kTimeout : ErrorClass::kUpstreamProtocol;
    o.message = fmt::format("upstream {}: reading the response failed: {}", d.name, ec.message());
    co_return o;
  }
  pool.release(std::move(a.conn), parser->keep_alive());
  // The body in the client's API (translated when the deployment speaks the other one).
  Result<ClientResponse> answer =
      client_response(ctx.endpoint, d.kind, std::move(body), unix_ms() / 1000);
  if (!answer) {
    o.error = ErrorClass::kUpstreamProtocol;
    o.message = fmt::format("upstream {}: {}", d.name, answer.error().message);
    co_return o;
  }
  body = std::move(answer->body);
  ReportedUsage usage = answer->usage;
  o.accounting =
      account(usage, ctx.prompt_chars, usage.present ? 0 : response_output_chars(body), d.price);
  o.final = true;
  o.status = status;
  bool ok = co_await ex.respond(static_cast<unsigned>(status), ctype, std::move(body),
                                {.request_id = rec.request_id, .deployment = d.name});
  if (!ok) {
    o.status = 499;
    o.error = ErrorClass::kClientDisconnect;
    o.message = "client disconnected before the response was written";
  }
  co_return o;
}

asio::awaitable<Outcome> GatewayHandler::relay_stream(Exchange& ex, RequestContext& ctx, int di,
                                                      std::unique_ptr<UpstreamConnection> conn,
                                                      ResponseParser& parser, RequestRecord& rec,
                                                      Timing& tm, Clock::time_point deadline) {
  const Deployment& d = cfg_.deployments[static_cast<std::size_t>(di)];
  UpstreamPool& pool = *pools_[static_cast<std::size_t>(di)];
  Outcome o;
  o.final = true;
  o.status = 200;
  if (!co_await ex.begin_chunked(
          200, "text/event-stream",
          {.request_id = rec.request_id, .deployment = d.name, .cache_control = "no-cache"})) {
    pool.release(std::move(conn), false);
    o.status = 499;
    o.error = ErrorClass::kClientDisconnect;
    o.message = "client disconnected before the stream started";
    co_return o;
  }

  SseParser sse;
  SseEvent ev;
  std::string out;
  // Set when the client's API or the deployment's is Anthropic's: it translates (or relays)
  // each event and reads usage and the end; null keeps the OpenAI scanning below.
  std::unique_ptr<StreamTransform> transform =
      make_stream_transform(ctx.endpoint, d.kind, ctx.client_wants_usage, unix_ms() / 1000);
  std::vector<char> buf(16384);
  ReportedUsage usage;
  std::size_t output_chars = 0;
  bool saw_done = false, client_gone = false;
  error_code ec;
  while (!parser.is_done()) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    auto timeout = std::max(milliseconds(1), std::min(milliseconds(d.timeouts.idle_ms), left));
    const auto t = Clock::now();
    auto [rec_ec, n] = co_await conn->read_body(parser, buf.data(), buf.size(), timeout);
    tm.upstream_s += seconds_since(t);
    if (rec_ec) {
      ec = rec_ec;
      break;
    }
    if (n == 0) continue;
    sse.feed(std::string_view(buf.data(), n));
    out.clear();
    while (sse.next(ev)) {
      if (transform) {
        StreamStep step = transform->on_event(ev, out);
        if (step.upstream_error) {
          o.error = ErrorClass::kUpstreamServer;
          o.message = fmt::format("upstream {} sent an error event mid-stream", d.name);
        } else if (step.output) {
          const auto now = Clock::now();
          if (!tm.first_token) tm.first_token = now;
          tm.last_token = now;
          output_chars += step.output_chars;
        }
        continue;
      }
      if (ev.data == "[DONE]") {
        saw_done = true;
        out.append(ev.raw);
        continue;
      }
      if (ev.data.find("\"usage\"") != std::string::npos) {
        if (auto u = usage_from_chunk(ev.data)) {
          usage = *u;
          // The gateway asked for usage; a client that did not gets no usage-only chunk.
          if (!ctx.client_wants_usage && chunk_is_usage_only(ev.data)) continue;
        }
      }
      if (ev.data.starts_with("{\"error\"")) {
        o.error = ErrorClass::kUpstreamServer;
        o.message = fmt::format("upstream {} sent an error event mid-stream", d.name);
      } else if (chunk_has_output(ev.data)) {
        const auto now = Clock::now();
        if (!tm.first_token) tm.first_token = now;
        tm.last_token = now;
        output_chars += chunk_output_chars(ev.data);
      }
      out.append(ev.raw);
    }
    if (!out.empty() && !co_await ex.chunk(out)) {
      client_gone = true;
      break;
    }
  }

  if (transform) {
    saw_done = transform->ended();
    usage = transform->usage();
  }
  if (client_gone) {
    pool.release(std::move(conn), false);
    o.status = 499;
    o.error = ErrorClass::kClientDisconnect;
    o.message = "client disconnected mid-stream";
  } else if ((ec || !parser.is_done()) && !saw_done) {
    // Never a silent truncation: the client gets an error event and [DONE].
    pool.release(std::move(conn), false);
    const bool timeout = ec == beast::error::timeout;
    std::string detail = "ended early";
    if (timeout)
      detail = fmt::format("no data for {} ms", d.timeouts.idle_ms);
    else if (ec)
      detail = ec.message();
    o.error = ErrorClass::kStreamInterrupted;
    o.message = fmt::format("upstream {} failed after the stream started: {}", d.name, detail);
    if (worker_.draining() && ec == asio::error::operation_aborted) {
      o.error = ErrorClass::kShutdown;
      o.message = "stream cut at the drain deadline (shutdown)";
    }
    // (Strings built before the co_await: GCC 12 mishandles class temporaries from ?: there.)
    std::string why =
        fmt::format("The upstream stream was interrupted ({}); the output is incomplete.", detail);
    std::string event;
    if (transform)
      event = transform->interrupted(why);
    else
      event = sse_error_event(why, "upstream_stream_interrupted");
    (void)co_await ex.chunk(event);
    if (!co_await ex.finish_chunked()) ex.close_after();
  } else {
    pool.release(std::move(conn), !ec && parser.is_done() && parser.keep_alive());
    if (!co_await ex.finish_chunked()) {
      o.status = 499;
      o.error = ErrorClass::kClientDisconnect;
      o.message = "client disconnected at the end of the stream";
    }
  }
  o.accounting = account(usage, ctx.prompt_chars, output_chars, d.price);
  co_return o;
}

void GatewayHandler::finish(const RequestContext& ctx, RequestRecord& rec, const Timing& tm,
                            const Outcome& o) {
  const double total_s = seconds_since(tm.start);
  const int m = ctx.model_index;
  rec.status = o.status;
  if (o.error != ErrorClass::kNone) {
    rec.error_class = std::string(error_class_name(o.error));
    rec.error_message = o.message;
  }
  rec.duration_ms = total_s * 1000;
  rec.upstream_ms = tm.upstream_s * 1000;
  metrics_.count_request(m, ctx.endpoint, o.status);
  metrics_.count_error(m, o.error);
  metrics_.request_duration(m).observe(total_s);
  metrics_.overhead().observe(std::max(0.0, total_s - tm.upstream_s));
  if (o.accounting) {
    const Accounting& a = *o.accounting;
    rec.input_tokens = a.usage.input_tokens;
    rec.cached_tokens = a.usage.cache_read_tokens;
    rec.output_tokens = a.usage.output_tokens;
    rec.reasoning_tokens = a.usage.reasoning_tokens;
    rec.usage_estimated = a.estimated;
    rec.cost_usd = a.cost_usd;
    metrics_.add_usage(m, a.usage, a.estimated, a.cost_usd);
  }
  if (tm.first_token) {
    const double ttft = std::chrono::duration<double>(*tm.first_token - tm.start).count();
    rec.ttft_ms = ttft * 1000;
    metrics_.ttft(m).observe(ttft);
    if (o.error == ErrorClass::kNone && o.accounting && o.accounting->usage.output_tokens > 1)
      metrics_.tpot(m).observe(
          std::chrono::duration<double>(*tm.last_token - *tm.first_token).count() /
          static_cast<double>(o.accounting->usage.output_tokens - 1));
  }
  if (!queue_.try_push(std::move(rec))) metrics_.log_dropped().add();
}

}  // namespace

std::unique_ptr<net::Handler> make_gateway_handler(int worker, GatewayState& state,
                                                   net::Worker& w) {
  return std::make_unique<GatewayHandler>(worker, state, w);
}

}  // namespace llmctl::gateway
