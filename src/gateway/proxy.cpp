// The gateway's request handler: runs a request through the stage pipeline, then the attempt
// loop — the AttemptPlanner (planner.h) decides every attempt, wait and stop; this file does the
// I/O it asks for — relays the answer (whole, or SSE event by event) from one place, accounts
// usage and cost, and records metrics and the request-log entry. One GatewayHandler per worker; it
// keeps the config generations its requests still use (WorkerGen) and adopts new ones on reload.
#include "gateway/proxy.h"

#include <fmt/format.h>

#include <boost/container/small_vector.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <ctime>
#include <optional>
#include <random>
#include <unordered_map>

#include "common/clock.h"
#include "common/random.h"
#include "common/strings.h"
#include "gateway/credential_fetch.h"
#include "gateway/governance_admission.h"
#include "gateway/governance_runtime.h"
#include "gateway/governance_stages.h"
#include "gateway/pipeline.h"
#include "gateway/planner.h"
#include "gateway/platforms.h"
#include "gateway/protocol.h"
#include "gateway/quality.h"
#include "gateway/translate.h"
#include "gateway/upstream.h"
#include "protocol/json_limits.h"

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

std::int64_t unix_ms() { return real_clock().unix_ms(); }
std::int64_t unix_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             real_clock().wall().time_since_epoch())
      .count();
}

// Time points and deadlines of one request.
struct Timing {
  Clock::time_point start = Clock::now();
  double upstream_s = 0;  // time spent waiting on upstream I/O, all attempts
  std::optional<Clock::time_point> first_token, last_token;
  Clock::time_point attempt_start = start;
  // Per-request overrides (x-llmctl-*-timeout-ms), clamped per deployment when used.
  std::string first_byte_header, idle_header, connect_header;
  Clock::time_point deadline = Clock::time_point::max();  // x-llmctl-timeout-ms, all attempts
  // Issue 15 (telemetry.h, quality.h): the request's trace (none when not traced), the trace
  // context the next attempt sends upstream, and what the answer checks need of the request.
  std::optional<telemetry::RequestTrace> trace;
  std::string traceparent, tracestate;
  QualityRequest quality;
};

// How one attempt (or the whole request) ended.
struct Outcome {
  bool answered = false;  // the client has its answer (a relayed stream) or is gone
  int status = 0;         // an answer to relay (the upstream's, or the pipeline's); 0: none. After
                          // answer(): the status the client got (499: it was gone)
  ErrorClass error = ErrorClass::kNone;
  std::string message;  // for the log and, for answers the gateway makes, the client
  std::string body, content_type, retry_after;  // the answer to relay (status > 0)
  std::optional<Accounting> accounting;
  std::string finish_reason;  // as the upstream reported it (attribution.h normalises it)
  AnswerChecks checks;        // quality.h: of a successful answer
};

// Clears the exchange's extra headers when a request's coroutine ends.
struct HeadersReset {
  Exchange& ex;
  ~HeadersReset() { ex.set_more_headers(nullptr); }
};

class InflightGuard {
 public:
  explicit InflightGuard(OwnedGauge& g) : g_(g) { g_.add(1); }
  ~InflightGuard() { g_.add(-1); }

 private:
  OwnedGauge& g_;
};

// A proxied request's state that lives across its suspensions, kept out of proxy()'s coroutine
// frame: GCC 12 keeps every local of a coroutine (and every temporary of an expression that
// awaits) in its frame, which made proxy()'s 5.8 KB and its attempt()'s 3.5 KB, beyond the 1,020
// bytes Asio's per-thread frame cache recycles; each request paid two glibc allocations outside
// tcache and evicted the cached blocks of the small frames around them. Now proxy()'s frame
// is 776 bytes (GCC 12) and the attempt runs inside it. Constructed for each request in storage
// each thread recycles (RequestStates), so nothing of one request survives into the next.
// Member order is destruction order: the planner (which gives back its slot) before the
// context it reads.
struct RequestState {
  Timing tm;
  RequestRecord rec;
  RequestContext ctx;
  AdmissionTicket ticket;                     // the request's own limits and budgets
  std::optional<store::Admission> admission;  // begin_admission's, when one applies
  std::optional<Refusal> refused;             // the last admission's answer
  std::vector<std::pair<std::string, std::string>> more_headers;  // a refusal's extra headers
  std::optional<ResponseStore::Entry> previous;  // Responses: the conversation continued
  std::optional<AttemptPlanner> plan;
  std::optional<asio::steady_timer> timer;  // the planner's waits
  Step step;
  Outcome last;  // the client's answer
  bool have_last = false;
  // `last` is a deployment's limit refusal (governance.deployments), not an upstream's answer:
  // a real answer replaces it, and it stays the client's answer only when nothing else came.
  bool last_is_refusal = false;
  std::string refusal_retry_ms;
  int tries = 0;
  // The current attempt: its deployment's admission, its upstream request and answer.
  std::optional<AdmissionTicket> attempt_ticket;
  Outcome out;
  Clock::time_point deadline;
  std::string upstream_body, head, content_type, body;
  std::optional<cloud::Credential> fetched;
  Acquired acquired;
  std::optional<ResponseParser> parser;
};

// Storage for RequestStates, recycled per thread (a worker is one thread): a request takes a
// block and gives it back; at most kKeep blocks wait for the next requests, so a burst does not
// keep its memory. A state destroyed on another thread (frames still pending when a worker's
// io_context dies, on the thread that destroys it) goes to that thread's list.
class RequestStates {
 public:
  struct Release {
    void operator()(RequestState* s) const noexcept;
  };
  using Handle = std::unique_ptr<RequestState, Release>;
  static Handle take();

 private:
  static constexpr std::size_t kKeep = 64;
  struct alignas(RequestState) Block {
    std::byte bytes[sizeof(RequestState)];
  };
  static std::vector<std::unique_ptr<Block>>& free_blocks() {
    thread_local std::vector<std::unique_ptr<Block>> blocks;
    return blocks;
  }
};

RequestStates::Handle RequestStates::take() {
  auto& blocks = free_blocks();
  std::unique_ptr<Block> b;
  if (blocks.empty()) {
    b = std::make_unique_for_overwrite<Block>();
  } else {
    b = std::move(blocks.back());
    blocks.pop_back();
  }
  Handle h(std::construct_at(reinterpret_cast<RequestState*>(b->bytes)));
  b.release();  // now owned by the handle
  return h;
}

void RequestStates::Release::operator()(RequestState* s) const noexcept {
  std::destroy_at(s);
  std::unique_ptr<Block> b(reinterpret_cast<Block*>(s));
  auto& blocks = free_blocks();
  if (blocks.size() < kKeep) {
    if (blocks.capacity() == 0) blocks.reserve(kKeep);
    blocks.push_back(std::move(b));
  }
}

// One config generation as a worker uses it: the snapshot, this worker's shard, its pools
// (shared with the next generation for unchanged deployments) and the requests still on it.
struct WorkerGen {
  WorkerGen(std::shared_ptr<const Snapshot> s, int worker)
      : snap(std::move(s)),
        cfg(*snap->config),
        metrics(*snap->shards[static_cast<std::size_t>(worker)]),
        world{.config = &cfg, .deployments = snap->deployments, .groups = snap->groups} {}
  std::shared_ptr<const Snapshot> snap;
  const Config& cfg;
  MetricsShard& metrics;
  PlannerWorld world;
  std::vector<std::shared_ptr<UpstreamPool>> pools;
  std::string models_json;
  std::string anthropic_models_json;  // the same list in Anthropic's shape
  int inflight = 0;
};

// A model as Anthropic's /v1/models lists it.
boost::json::object anthropic_model(std::string_view id, std::int64_t created_unix_s) {
  const std::time_t t = static_cast<std::time_t>(created_unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return boost::json::object{
      {"type", "model"},
      {"id", id},
      {"display_name", id},
      {"created_at", fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900,
                                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec)}};
}

// The connection settings a pool was built with; a pool carries over a reload only when they
// are unchanged.
bool same_connection(const Deployment& a, const Deployment& b) {
  return a.name == b.name && a.base_url == b.base_url && a.ca_file == b.ca_file &&
         a.pool_max_idle == b.pool_max_idle && a.timeouts.connect_ms == b.timeouts.connect_ms;
}

class GatewayHandler final : public SnapshotSink {
 public:
  GatewayHandler(int worker, GatewayState& state, net::Worker& w)
      : worker_(w),
        worker_index_(worker),
        state_(state),
        queue_(*state.queues[static_cast<std::size_t>(worker)]),
        pipeline_(Pipeline::standard()),
        rng_((static_cast<std::uint64_t>(std::random_device{}()) << 32 ^ std::random_device{}()) ^
             static_cast<std::uint64_t>(worker)) {
    if (state.governance) {
      gov_ = std::make_unique<WorkerGovernance>(*state.governance, worker);
      gov_->start(w.io());  // before the worker runs: its Redis connection lives on w.io()
    }
    add_governance_stages(pipeline_, gov_.get());
    if (state.telemetry)  // issue 15: this worker's span ids and queue
      tracer_ = std::make_unique<WorkerTracer>(state.telemetry->config(),
                                               state.telemetry->queue(worker), rng_.next());
    adopt(state.current());
  }

  // Not a coroutine: a proxied request goes straight to proxy()'s frame (a frame of its own
  // here, 2.4 KB, was one more allocation a request beyond Asio's frame cache); every other
  // request goes to serve().
  asio::awaitable<void> handle(Exchange& ex) override;
  Exchange::ErrorBodyFilter error_body_filter(std::string_view target) const override {
    target = target.substr(0, target.find('?'));
    return target == "/v1/messages" ? error_filter_for(Endpoint::kMessages) : nullptr;
  }
  void abort_all() override {
    for (auto& g : gens_)
      for (auto& p : g->pools) p->close_all();
  }
  void adopt(std::shared_ptr<const Snapshot> snap) override;
  void retire();  // drops old generations no request uses any more

 private:
  // Everything but a POST to a proxied endpoint: the gateway's own answers and the errors.
  asio::awaitable<void> serve(Exchange& ex);
  // A proxied request: the coroutine does the waits; the steps between them are the
  // synchronous functions below, whose locals live on the stack, not in a frame (RequestState).
  asio::awaitable<void> proxy(Exchange& ex, Endpoint endpoint);
  // The record, the trace and the pipeline; false: rejected (s.last is the answer). Else
  // s.admission is what admit_request must send, when a limit or budget applies.
  bool start_request(Exchange& ex, Endpoint endpoint, WorkerGen& g, RequestState& s);
  // Sets s.refused (a coroutine of its own: admit_request's arguments and answer stay out of
  // proxy()'s frame; only requests a limit or budget applies to await it).
  asio::awaitable<void> admit(WorkerGen& g, RequestState& s);
  // After the request's admission: true when admitted, else s.last is the refusal.
  bool admitted(Exchange& ex, RequestState& s);
  // The Responses API's ids and conversation, the per-request timeouts, the planner.
  void prepare_attempts(Exchange& ex, WorkerGen& g, RequestState& s);
  // A deployment's own limits (governance.deployments) for attempt s.tries: sets s.refused.
  asio::awaitable<void> admit_attempt(WorkerGen& g, RequestState& s, int di);
  void deployment_refused(RequestState& s);
  // Books s.step's attempt; false: it was an overloaded deployment (booked as failed).
  bool begin_attempt(WorkerGen& g, RequestState& s, int di);
  // Reports s.out to the planner and makes it s.last; true: it is the client's answer.
  bool end_attempt(WorkerGen& g, RequestState& s, int di);
  // The request body in the deployment's API (s.upstream_body), s.out cleared for the attempt;
  // false: s.out is the refusal.
  bool upstream_body(WorkerGen& g, RequestState& s, int di);
  // Sets s.fetched, or s.out and false when the deployment's credential cannot be had.
  asio::awaitable<bool> fetch_credential(const Deployment& d, RequestState& s);
  // The upstream request's head into s.head, written by hand.
  void upstream_head(Exchange& ex, WorkerGen& g, RequestState& s, int di);
  // s.out for an upstream's non-2xx answer in s.body (the connection already read).
  void upstream_error(WorkerGen& g, RequestState& s, int di, int status, const error_code& ec);
  // After the upstream request and the answer's head (`ec`, since `t_io`): true when the head
  // came, else s.out says why (the connection failed or is given back).
  bool upstream_answered(WorkerGen& g, RequestState& s, int di, const error_code& ec,
                         Clock::time_point t_io);
  // s.out for a whole 2xx answer in s.body (`ec`: reading it failed); gives the connection back.
  void whole_answer(WorkerGen& g, RequestState& s, int di, int status, const error_code& ec);
  // The one place a proxied request's answer is written, unless a relayed stream already
  // wrote it: the relayed answer (upstream's or the pipeline's, from o.body), else a gateway
  // error with error_status()'s mapping, in the client's API (the exchange's error-body filter).
  // In two steps (Exchange::respond_now's): true when written at once (no coroutine frame);
  // false: co_await answer_rest(). A client gone before it got everything makes o a 499.
  bool answer_now(Exchange& ex, const RequestRecord& rec, Outcome& o);
  asio::awaitable<void> answer_rest(Exchange& ex, Outcome& o);
  static void client_got(bool all, Outcome& o);
  // Its result in `o` (the request's RequestState::out).
  asio::awaitable<void> relay_stream(Exchange& ex, WorkerGen& g, RequestContext& ctx, int di,
                                     std::unique_ptr<UpstreamConnection> conn,
                                     ResponseParser& parser, RequestRecord& rec, Timing& tm,
                                     Clock::time_point deadline, Outcome& o);
  // Reads the rest of a whole body into `out` (after UpstreamConnection::read_buffered).
  asio::awaitable<error_code> read_all(UpstreamConnection& conn, ResponseParser& parser,
                                       std::string& out, std::size_t limit, int idle_ms,
                                       Clock::time_point deadline, Timing& tm);
  void finish(WorkerGen& g, const RequestContext& ctx, RequestRecord& rec, const Timing& tm,
              const Outcome& o);
  UpstreamTimeouts timeouts_for(const WorkerGen& g, const Deployment& d, const Timing& tm) const {
    UpstreamTimeouts t = d.timeouts;
    t.first_byte_ms = clamp_timeout_ms(tm.first_byte_header, t.first_byte_ms, g.cfg.min_timeout_ms);
    t.idle_ms = clamp_timeout_ms(tm.idle_header, t.idle_ms, g.cfg.min_timeout_ms);
    t.connect_ms = clamp_timeout_ms(tm.connect_header, t.connect_ms, g.cfg.min_timeout_ms);
    return t;
  }
  // POST /v1/messages/count_tokens: the gateway's own count (no upstream call), marked as an
  // estimate with x-llmctl-token-count: estimate.
  asio::awaitable<void> count_tokens(Exchange& ex);
  // POST /v1/feedback (feedback.h): a score stored with a request's record.
  asio::awaitable<void> feedback(Exchange& ex);
  // Continues the client's trace or starts one (telemetry.h); untraced, the client's context
  // passes upstream as it came.
  void begin_trace(Exchange& ex, Timing& tm);
  // GET or DELETE /v1/responses/{id}: from the gateway's store.
  asio::awaitable<void> stored_response(Exchange& ex, std::string_view id, bool get);
  // Keeps a Responses answer for GET /v1/responses/{id} and previous_response_id, unless the
  // client said store: false.
  void remember_response(const RequestContext& ctx, const boost::json::object& response,
                         bool made_here);
  asio::awaitable<void> simple_error(Exchange& ex, unsigned status, std::string_view message,
                                     std::string_view code) {
    co_await ex.respond(status, kJson,
                        openai_error_body(message, "invalid_request_error", {}, code));
  }

  net::Worker& worker_;
  int worker_index_;
  GatewayState& state_;
  RecordQueue& queue_;
  Pipeline pipeline_;
  SplitMix64 rng_;
  std::uint64_t counter_ = 0;
  std::vector<std::unique_ptr<WorkerGen>> gens_;  // back(): the current generation
  std::unique_ptr<WorkerGovernance> gov_;         // null: no governance (tests)
  std::unique_ptr<WorkerTracer> tracer_;          // null: telemetry off
};

// Holds a generation for one request (a worker-local count, no atomics); the last request on
// a retired generation frees it.
class GenUse {
 public:
  GenUse(GatewayHandler& h, WorkerGen& g) : h_(h), g_(g) { ++g_.inflight; }
  ~GenUse() {
    if (--g_.inflight == 0) h_.retire();
  }

 private:
  GatewayHandler& h_;
  WorkerGen& g_;
};

void GatewayHandler::adopt(std::shared_ptr<const Snapshot> snap) {
  auto g = std::make_unique<WorkerGen>(snap, worker_index_);
  const Config& cfg = g->cfg;
  // Pools of unchanged deployments carry over (their idle connections stay warm).
  std::unordered_map<std::string, std::shared_ptr<UpstreamPool>> old;
  if (!gens_.empty())
    for (const auto& p : gens_.back()->pools) old.emplace(p->deployment().name, p);
  for (std::size_t d = 0; d < cfg.deployments.size(); ++d) {
    const Deployment& dep = cfg.deployments[d];
    PoolStats& stats = g->metrics.pool(static_cast<int>(d));
    auto it = old.find(dep.name);
    if (it != old.end() && same_connection(it->second->deployment(), dep)) {
      it->second->rebind(stats);
      g->pools.push_back(it->second);
    } else {
      g->pools.push_back(std::make_shared<UpstreamPool>(worker_.io(), dep, stats));
    }
  }
  boost::json::array data;
  for (const auto& m : cfg.models)
    data.push_back(boost::json::object{{"id", m.name},
                                       {"object", "model"},
                                       {"created", state_.started_unix_s},
                                       {"owned_by", "llmctl"}});
  g->models_json = boost::json::serialize(boost::json::object{{"object", "list"}, {"data", data}});
  boost::json::array anthropic_data;
  for (const auto& m : cfg.models)
    anthropic_data.push_back(anthropic_model(m.name, state_.started_unix_s));
  const std::string first = cfg.models.empty() ? "" : cfg.models.front().name;
  const std::string last = cfg.models.empty() ? "" : cfg.models.back().name;
  g->anthropic_models_json = boost::json::serialize(boost::json::object{
      {"data", anthropic_data},
      {"has_more", false},
      {"first_id", first.empty() ? boost::json::value(nullptr) : boost::json::value(first)},
      {"last_id", last.empty() ? boost::json::value(nullptr) : boost::json::value(last)}});
  gens_.push_back(std::move(g));
  retire();
}

void GatewayHandler::retire() {
  if (gens_.size() < 2) return;
  std::erase_if(gens_, [this](const std::unique_ptr<WorkerGen>& g) {
    return g.get() != gens_.back().get() && g->inflight == 0;
  });
}

// The API a target serves through proxy(), if any.
std::optional<Endpoint> proxied_endpoint(std::string_view target) {
  if (target == "/v1/chat/completions") return Endpoint::kChat;
  if (target == "/v1/completions") return Endpoint::kCompletions;
  if (target == "/v1/embeddings") return Endpoint::kEmbeddings;
  if (target == "/v1/messages") return Endpoint::kMessages;
  if (target == "/v1/responses") return Endpoint::kResponses;
  return std::nullopt;
}

asio::awaitable<void> GatewayHandler::handle(Exchange& ex) {
  const auto& req = ex.request();
  if (req.method() == http::verb::post) {
    std::string_view target = req.target();
    if (const auto endpoint = proxied_endpoint(target.substr(0, target.find('?')))) {
      if (worker_.draining()) ex.close_after();
      // Every error this request gets is in its client's API shape (Anthropic for /v1/messages).
      ex.set_error_body_filter(error_filter_for(*endpoint));
      return proxy(ex, *endpoint);
    }
  }
  return serve(ex);
}

asio::awaitable<void> GatewayHandler::serve(Exchange& ex) {
  WorkerGen& g = *gens_.back();
  auto& req = ex.request();
  if (worker_.draining()) ex.close_after();
  std::string_view target = req.target();
  target = target.substr(0, target.find('?'));
  const bool post = req.method() == http::verb::post;
  const bool get = req.method() == http::verb::get;

  // Anthropic's SDKs send anthropic-version on every request: they get Anthropic-shaped
  // model lists and errors everywhere, not only on /v1/messages.
  const bool anthropic_client = !req["anthropic-version"].empty();
  if (anthropic_client) ex.set_error_body_filter(error_filter_for(Endpoint::kMessages));
  if (target == "/v1/messages/count_tokens") {
    ex.set_error_body_filter(error_filter_for(Endpoint::kMessages));
    if (!post)
      co_return co_await simple_error(ex, 405, "Use POST for this endpoint.", "method_not_allowed");
    co_return co_await count_tokens(ex);
  }
  if (target == "/v1/feedback") {
    if (!post)
      co_return co_await simple_error(ex, 405, "Use POST for this endpoint.", "method_not_allowed");
    co_return co_await feedback(ex);
  }
  if (const auto endpoint = proxied_endpoint(target)) {
    // Every error this request gets is in its client's API shape (Anthropic for /v1/messages).
    ex.set_error_body_filter(error_filter_for(*endpoint));
    if (!post)
      co_return co_await simple_error(ex, 405, "Use POST for this endpoint.", "method_not_allowed");
    co_return co_await proxy(ex, *endpoint);  // (handle() sends POSTs to proxy() itself)
  }
  if (target.starts_with("/v1/responses/") && (get || req.method() == http::verb::delete_))
    co_return co_await stored_response(ex, target.substr(14), get);
  if (!get) {
    co_return co_await simple_error(
        ex, 404,
        fmt::format("Unknown request URL: {} {}.", std::string(req.method_string()), target),
        "unknown_url");
  }
  if (target == "/v1/models") {
    std::string list = anthropic_client ? g.anthropic_models_json : g.models_json;
    co_await ex.respond(200, kJson, std::move(list));
    co_return;
  }
  if (target.starts_with("/v1/models/")) {
    std::string_view id = target.substr(11);
    if (g.cfg.find_model(id)) {
      // (No ?: of class temporaries in a coroutine: GCC 12 destroys them twice.)
      std::string body;
      if (anthropic_client)
        body = boost::json::serialize(anthropic_model(id, state_.started_unix_s));
      else
        body = boost::json::serialize(boost::json::object{{"id", id},
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
    std::string text = render_prometheus(state_.view(*g.snap)) +
                       render_resilience_metrics(*g.snap, state_.reloads, real_clock().now_ms());
    if (state_.governance) text += state_.governance->render_metrics(g.cfg, unix_ms());
    text += render_quality_metrics(g.cfg, g.snap->quality, unix_ms());
    if (state_.feedback) text += state_.feedback->render_metrics();
    if (state_.telemetry) text += state_.telemetry->render_metrics();
    co_await ex.respond(200, "text/plain; version=0.0.4; charset=utf-8", std::move(text));
    co_return;
  }
  co_await simple_error(ex, 404, fmt::format("Unknown request URL: GET {}.", target),
                        "unknown_url");
}

asio::awaitable<void> GatewayHandler::stored_response(Exchange& ex, std::string_view id, bool get) {
  const std::int64_t now = unix_ms();
  std::optional<ResponseStore::Entry> entry;
  bool deleted = false;
  if (get)
    entry = state_.responses.get(id, now);
  else
    deleted = state_.responses.erase(id, now);
  if (!entry && !deleted) {
    std::string body = openai_error_body(
        fmt::format("Response with id '{}' not found. The gateway keeps the responses it "
                    "served in memory for {} s (the last {} at most).",
                    id, state_.responses.limits().ttl_ms / 1000,
                    state_.responses.limits().max_entries),
        "invalid_request_error", {}, "not_found");
    co_await ex.respond(404, kJson, std::move(body));
    co_return;
  }
  if (entry) {
    co_await ex.respond(200, kJson, std::move(entry->response));
    co_return;
  }
  std::string body = boost::json::serialize(
      boost::json::object{{"id", id}, {"object", "response"}, {"deleted", true}});
  co_await ex.respond(200, kJson, std::move(body));
}

void GatewayHandler::begin_trace(Exchange& ex, Timing& tm) {
  const auto& req = ex.request();
  const auto tp = req["traceparent"];
  const auto ts = req["tracestate"];
  const std::string_view traceparent(tp.data(), tp.size()), tracestate(ts.data(), ts.size());
  if (tracer_) tm.trace = tracer_->begin(traceparent, tracestate, unix_ns());
  if (tm.trace) {
    tm.tracestate = tm.trace->trace_state;
  } else if (!traceparent.empty()) {
    PassThroughContext c = pass_through(traceparent, tracestate);
    tm.traceparent = std::move(c.traceparent);
    tm.tracestate = std::move(c.tracestate);
  }
}

asio::awaitable<void> GatewayHandler::feedback(Exchange& ex) {
  const Config& cfg = gens_.back()->cfg;
  // Keys as on every endpoint: a caller scores only the requests made with its own key.
  std::string key_id;
  if (gov_) {
    const CallerHeaders h = caller_headers(ex.request());
    const std::string_view secret = presented_secret(h.authorization, h.x_api_key);
    AuthResult r = authenticate(gov_->keys(), cfg.governance.require_keys, secret, "", unix_ms());
    if (r.failure == AuthFailure::kModelNotAllowed) {  // no model here: the key itself is good
      r.failure = AuthFailure::kNone;
      r.key = gov_->keys().find(secret);
    }
    if (r.failure != AuthFailure::kNone) {
      gov_->auth_failed(r.failure);
      co_await ex.respond(static_cast<unsigned>(r.status), kJson, std::move(r.body));
      co_return;
    }
    if (r.key) key_id = r.key->id;
  }
  if (!state_.feedback) {
    co_return co_await simple_error(
        ex, 501,
        "Feedback is stored with the request log: set logging.request_log.path in the gateway "
        "config.",
        "feedback_unavailable");
  }
  auto f = parse_feedback(ex.request().body());
  if (!f) {
    // (Built before the co_await: GCC 12 destroys a ?: class temporary there twice.)
    const std::string& m = f.error().message;
    std::string param = m.substr(0, m.find(':'));
    if (param.find(' ') != std::string::npos) param.clear();
    std::string body = openai_error_body(m, "invalid_request_error", param, "invalid_value");
    co_await ex.respond(400, kJson, std::move(body));
    co_return;
  }
  f->key_id = key_id;
  f->ts_ms = unix_ms();
  const std::string id = f->request_id;
  const double score = f->score;
  // The store answers on its own thread; the answer comes back to this worker and wakes the
  // request (the timer is cancelled), which meanwhile blocks nothing.
  auto timer =
      std::make_shared<asio::steady_timer>(worker_.io(), asio::steady_timer::time_point::max());
  auto answer = std::make_shared<FeedbackAnswer>();
  auto exec = worker_.io().get_executor();
  const bool queued =
      state_.feedback->submit(std::move(*f), [timer, answer, exec](FeedbackAnswer a) {
        asio::post(exec, [timer, answer, a = std::move(a)]() mutable {
          *answer = std::move(a);
          timer->cancel();
        });
      });
  if (!queued) {
    answer->kind = FeedbackAnswer::kBusy;
  } else {
    co_await timer->async_wait(use_nothrow);
  }
  switch (answer->kind) {
    case FeedbackAnswer::kStored: {
      // Built by hand so the score reads as sent (Boost.JSON writes 0.5 as 5E-1).
      auto str = [](const std::string& v) {
        return boost::json::serialize(boost::json::string_view(v));
      };
      std::string body = fmt::format(R"({{"request_id":{},"score":{},"model":{},"stored":true}})",
                                     str(id), score, str(answer->model));
      co_await ex.respond(200, kJson, std::move(body));
      co_return;
    }
    case FeedbackAnswer::kNotFound:
      co_await ex.respond(
          404, kJson,
          openai_error_body(fmt::format("No request with id '{}' in the request log.", id),
                            "invalid_request_error", "request_id", "request_not_found"));
      co_return;
    case FeedbackAnswer::kBusy:
      co_await ex.respond(503, kJson,
                          openai_error_body("The feedback queue is full or the gateway is "
                                            "stopping; retry later.",
                                            "server_error", {}, "feedback_busy"));
      co_return;
    case FeedbackAnswer::kError:
      break;
  }
  std::string message = fmt::format("Storing the feedback failed: {}", answer->message);
  co_await ex.respond(500, kJson, openai_error_body(message, "server_error", {}, "feedback_error"));
}

asio::awaitable<void> GatewayHandler::count_tokens(Exchange& ex) {
  boost::system::error_code ec;
  boost::json::value body = protocol::parse_request_json(ex.request().body(), ec);
  if (ec || !body.is_object() || !body.as_object().if_contains("messages")) {
    co_await simple_error(ex, 400, "The body must be a JSON object with model and messages.",
                          "invalid_request_error");
    co_return;
  }
  const boost::json::object& o = body.as_object();
  std::size_t chars = request_prompt_chars(o, Endpoint::kMessages);
  if (const auto* tools = o.if_contains("tools"))  // tool definitions count as input too
    chars += boost::json::serialize(*tools).size();
  std::vector<std::pair<std::string, std::string>> marked;
  marked.emplace_back("x-llmctl-token-count", "estimate");
  ex.set_more_headers(&marked);
  std::string answer =
      boost::json::serialize(boost::json::object{{"input_tokens", estimate_tokens(chars)}});
  co_await ex.respond(200, kJson, std::move(answer));
  ex.set_more_headers(nullptr);
}

void GatewayHandler::remember_response(const RequestContext& ctx,
                                       const boost::json::object& response, bool made_here) {
  namespace json = boost::json;
  const json::object& req = ctx.body.as_object();
  if (const json::value* st = req.if_contains("store"); st && st->is_bool() && !st->as_bool())
    return;
  const json::value* id = response.if_contains("id");
  if (!id || !id->is_string()) return;
  json::array conversation;
  if (ctx.history) conversation = *ctx.history;
  if (const json::value* in = req.if_contains("input")) {
    if (in->is_string())
      conversation.push_back(
          json::object{{"type", "message"}, {"role", "user"}, {"content", in->as_string()}});
    else if (in->is_array())
      for (const auto& item : in->as_array()) conversation.push_back(item);
  }
  json::object items;  // by id, for later item_reference inputs
  if (const json::value* out = response.if_contains("output"); out && out->is_array())
    for (const auto& item : out->as_array()) {
      if (!item.is_object()) continue;
      json::object o = item.as_object();
      // Ids and statuses are the output's, not input fields.
      const json::value item_id = o["id"];
      o.erase("id");
      o.erase("status");
      if (item_id.is_string()) items[item_id.as_string()] = o;
      // Reasoning items carry nothing a later turn can send back (no encrypted content here).
      if (o["type"] != "reasoning") conversation.push_back(std::move(o));
    }
  state_.responses.put(std::string(id->as_string()), json::serialize(response),
                       std::move(conversation), std::move(items), made_here, unix_ms());
}

asio::awaitable<void> GatewayHandler::proxy(Exchange& ex, Endpoint endpoint) {
  WorkerGen& g = *gens_.back();
  GenUse use(*this, g);
  InflightGuard inflight(g.metrics.inflight());
  const RequestStates::Handle hold = RequestStates::take();
  RequestState& s = *hold;
  HeadersReset headers_reset{ex};  // the exchange never keeps a pointer into `s` past the request
  bool go = start_request(ex, endpoint, g, s);
  // Limits and budgets (governance_admission.h): admitted, or answered here.
  if (go && gov_) {
    if (s.admission) co_await admit(g, s);
    go = admitted(ex, s);
  }
  if (go) {
    prepare_attempts(ex, g, s);
    // The attempt loop: the planner decides, this coroutine does the I/O and reports back.
    while (true) {
      s.attempt_ticket.reset();
      s.step = s.plan->next();
      if (s.step.kind == Step::kStop) {
        if (!s.have_last) {
          s.last.error = s.step.error;
          s.last.message = std::move(s.step.message);
        }
        break;
      }
      if (s.step.kind == Step::kWait) {
        if (!s.timer) s.timer.emplace(worker_.io());
        s.timer->expires_after(s.step.wait);
        co_await s.timer->async_wait(use_nothrow);
        continue;
      }
      const int di = s.step.deployment;
      // The deployment's own limits, shared by every replica: refused, the planner moves on.
      if (gov_ && s.step.kind == Step::kAttempt && !g.cfg.governance.deployments.empty()) {
        co_await admit_attempt(g, s, di);
        if (s.refused) {
          deployment_refused(s);
          continue;
        }
      }
      if (!begin_attempt(g, s, di)) continue;
      // The attempt, its result in s.out; here rather than in a coroutine of its own, whose
      // frame, live beside this one and the upstream read's, was one more than the two blocks
      // Asio's frame cache keeps (a malloc and a free each request).
      const Deployment& d = g.cfg.deployments[static_cast<std::size_t>(di)];
      bool ok = upstream_body(g, s, di);
      // A credential fetched at run time (Vertex, Entra ID, AWS container/instance).
      if (ok && d.credentials) ok = co_await fetch_credential(d, s);
      if (ok) {
        upstream_head(ex, g, s, di);
        UpstreamPool& pool = *g.pools[static_cast<std::size_t>(di)];
        const UpstreamTimeouts to = timeouts_for(g, d, s.tm);
        const auto t_io = Clock::now();
        s.deadline = std::min(s.tm.deadline, t_io + milliseconds(to.total_ms));
        auto within = [&s](int cap_ms) {
          auto left = std::chrono::duration_cast<milliseconds>(s.deadline - Clock::now());
          return std::max(milliseconds(1), std::min(milliseconds(cap_ms), left));
        };
        Acquired& a = s.acquired;
        a.conn = pool.take_idle();
        a.error = ErrorClass::kNone;
        a.message.clear();
        if (!a.conn) a = co_await pool.connect_new(static_cast<int>(within(to.connect_ms).count()));
        error_code ec;
        for (int retried = 0; a.conn; ++retried) {
          s.parser.emplace();
          s.parser->body_limit(boost::none);
          if (!s.ctx.stream) a.conn->expect_whole_answer();
          if (!a.conn->write_now(s.head, s.upstream_body, ec))
            ec = co_await a.conn->write_rest(within(to.first_byte_ms));
          if (!ec) {  // UpstreamConnection::read_header's steps: no frame of its own
            a.conn->begin_read(within(to.first_byte_ms));
            std::tie(ec, std::ignore) = co_await a.conn->read_header_op(*s.parser);
            ec = a.conn->end_read(ec);
          }
          if (!ec || !a.conn->reused() || retried > 0 || ec == beast::error::timeout) break;
          // The upstream had closed this kept-alive connection: once more on a new one.
          pool.release(std::move(a.conn), false);
          a = co_await pool.connect_new(static_cast<int>(within(to.connect_ms).count()));
        }
        s.tm.upstream_s += seconds_since(t_io);
        if (upstream_answered(g, s, di, ec, t_io)) {
          ResponseParser& parser = *s.parser;
          const int status = parser.status();
          s.content_type = parser.field(ResponseParser::kContentType);
          if (s.content_type.empty()) s.content_type = kJson;
          s.body.clear();
          if (status < 200 || status >= 300) {
            if (!a.conn->read_buffered(parser, s.body, kMaxErrorBodyBytes, ec))
              ec = co_await read_all(*a.conn, parser, s.body, kMaxErrorBodyBytes, to.idle_ms,
                                     s.deadline, s.tm);
            upstream_error(g, s, di, status, ec);
          } else if (s.ctx.stream &&
                     s.content_type.find(streams_event_frames(d)
                                             ? protocol::eventstream::kContentType
                                             : "text/event-stream") != std::string::npos) {
            co_await relay_stream(ex, g, s.ctx, di, std::move(a.conn), parser, s.rec, s.tm,
                                  s.deadline, s.out);
          } else {
            g.snap->deployments[static_cast<std::size_t>(di)]->ttft_ms.observe(
                seconds_since(s.tm.attempt_start) * 1000);
            if (!a.conn->read_buffered(parser, s.body, kMaxResponseBytes, ec))
              ec = co_await read_all(*a.conn, parser, s.body, kMaxResponseBytes, to.idle_ms,
                                     s.deadline, s.tm);
            whole_answer(g, s, di, status, ec);
          }
        }
      }
      if (end_attempt(g, s, di)) break;
    }
    s.attempt_ticket.reset();
    s.rec.route_reason = s.plan->route_reason();
    if (s.last_is_refusal) {  // every deployment's limits refused: OpenAI's retry hints too
      s.more_headers.clear();
      if (s.ctx.ticket) s.more_headers = s.ctx.ticket->headers();
      if (!s.refusal_retry_ms.empty())
        s.more_headers.emplace_back("retry-after-ms", s.refusal_retry_ms);
      ex.set_more_headers(&s.more_headers);
    }
  }
  if (!answer_now(ex, s.rec, s.last)) co_await answer_rest(ex, s.last);
  finish(g, s.ctx, s.rec, s.tm, s.last);
}

bool GatewayHandler::start_request(Exchange& ex, Endpoint endpoint, WorkerGen& g, RequestState& s) {
  const Config& cfg = g.cfg;
  RequestRecord& rec = s.rec;
  RequestContext& ctx = s.ctx;
  rec.ts_ms = unix_ms();
  format_request_id(rec.ts_ms, worker_index_, ++counter_, rec.request_id);
  rec.endpoint = std::string(endpoint_name(endpoint));
  begin_trace(ex, s.tm);

  ctx.endpoint = endpoint;
  ctx.raw_body = ex.request().body();
  ctx.headers = caller_headers(ex.request());
  if (auto reject = pipeline_.run(ctx, cfg)) {
    rec.model = ctx.model;
    describe_request(rec, ctx.facts, ctx.who);
    Outcome& o = s.last;
    o.status = reject->status;
    o.error = reject->error_class;
    o.message = std::move(reject->message);
    o.body = std::move(reject->body);
    o.retry_after = std::move(reject->retry_after);
    return false;
  }
  rec.model = ctx.model;
  describe_request(rec, ctx.facts, ctx.who);
  rec.stream = ctx.stream;
  s.tm.quality = quality_request(ctx.body.as_object(), endpoint);
  // The admission's strings (and admit()'s coroutine) only when a limit or budget applies.
  if (gov_) s.admission = begin_admission(*gov_, cfg, ctx, rec.request_id, unix_ms(), s.ticket);
  return true;
}

asio::awaitable<void> GatewayHandler::admit(WorkerGen& g, RequestState& s) {
  s.refused = co_await admit_request(*gov_, g.cfg, std::move(*s.admission), s.ticket);
}

bool GatewayHandler::admitted(Exchange& ex, RequestState& s) {
  if (!s.refused) {
    s.ctx.ticket = &s.ticket;
    ex.set_more_headers(&s.ticket.headers());
    return true;
  }
  Refusal& refused = *s.refused;
  if (!refused.retry_after_ms.empty())
    s.more_headers.emplace_back("retry-after-ms", refused.retry_after_ms);
  if (!refused.should_retry) s.more_headers.emplace_back("x-should-retry", "false");
  ex.set_more_headers(&s.more_headers);
  Outcome& o = s.last;
  o.status = refused.status;
  o.error = refused.error_class;
  o.message = std::move(refused.message);
  o.body = std::move(refused.body);
  o.retry_after = std::move(refused.retry_after);
  return false;
}

void GatewayHandler::prepare_attempts(Exchange& ex, WorkerGen& g, RequestState& s) {
  const Config& cfg = g.cfg;
  RequestContext& ctx = s.ctx;
  // Responses API: this answer's id, and the conversation it continues (the store's copy lives
  // in the request's state for the whole request).
  if (ctx.endpoint == Endpoint::kResponses) {
    ctx.response_id = fmt::format("resp_{}", s.rec.request_id);
    // item_reference inputs to items of responses the gateway stored become those items (the
    // AI SDK refers to earlier output this way); unknown ones are left for the deployment.
    if (auto* in = ctx.body.as_object().if_contains("input"); in && in->is_array())
      for (auto& item : in->as_array())
        if (const auto* type = item.is_object() ? item.as_object().if_contains("type") : nullptr;
            type && *type == "item_reference")
          if (const auto* ref = item.as_object().if_contains("id"); ref && ref->is_string())
            if (auto found = state_.responses.item(ref->as_string(), unix_ms()))
              item = std::move(*found);
    if (const auto* p = ctx.body.as_object().if_contains("previous_response_id");
        p && p->is_string()) {
      s.previous = state_.responses.get(p->as_string(), unix_ms());
      if (s.previous) {
        ctx.history = &s.previous->conversation;
        ctx.history_from_gateway = s.previous->made_here;
      }
    }
  }

  // Per-request timeouts: a client may shorten the configured ones, never lengthen them.
  Timing& tm = s.tm;
  const auto& req = ex.request();
  tm.first_byte_header = std::string(req["x-llmctl-first-byte-timeout-ms"]);
  tm.idle_header = std::string(req["x-llmctl-idle-timeout-ms"]);
  tm.connect_header = std::string(req["x-llmctl-connect-timeout-ms"]);
  if (auto total = req["x-llmctl-timeout-ms"]; !total.empty()) {
    int bound = 0;
    for (int d : ctx.group->deployments)
      bound = std::max(bound, cfg.deployments[static_cast<std::size_t>(d)].timeouts.total_ms);
    tm.deadline = tm.start + milliseconds(clamp_timeout_ms(total, bound, cfg.min_timeout_ms));
  }
  s.plan.emplace(g.world, ctx, tm.deadline, real_clock(), rng_);
}

asio::awaitable<void> GatewayHandler::admit_attempt(WorkerGen& g, RequestState& s, int di) {
  s.attempt_ticket.emplace();
  s.refused = co_await admit_deployment(*gov_, g.cfg, s.ctx, di,
                                        fmt::format("{}.{}", s.rec.request_id, ++s.tries),
                                        unix_ms(), *s.attempt_ticket);
}

void GatewayHandler::deployment_refused(RequestState& s) {
  Refusal& refused = *s.refused;
  s.plan->record({.error = ErrorClass::kLimitExceeded, .message = refused.message});
  // The soonest a refusing deployment frees up is what the client is told.
  const bool sooner = s.last_is_refusal && !refused.retry_after_ms.empty() &&
                      !s.refusal_retry_ms.empty() &&
                      std::stoll(refused.retry_after_ms) < std::stoll(s.refusal_retry_ms);
  if (!s.have_last || (s.last_is_refusal && sooner)) {
    Outcome& last = s.last;
    last = Outcome{};
    last.status = refused.status;
    last.error = refused.error_class;
    last.message = std::move(refused.message);
    last.body = std::move(refused.body);
    last.retry_after = std::move(refused.retry_after);
    s.refusal_retry_ms = std::move(refused.retry_after_ms);
    s.have_last = s.last_is_refusal = true;
  }
}

bool GatewayHandler::begin_attempt(WorkerGen& g, RequestState& s, int di) {
  const Deployment& d = g.cfg.deployments[static_cast<std::size_t>(di)];
  RequestRecord& rec = s.rec;
  rec.deployment = d.name;
  rec.provider = std::string(provider_kind_name(d.kind));
  rec.upstream_model = d.model;
  rec.price_id = d.price_id;
  ++rec.attempts;
  if (s.step.kind == Step::kOverloaded) {
    g.metrics.pool(di).queue_timeouts.add();
    s.last = Outcome{};
    s.have_last = true;
    s.last.error = s.step.error;
    s.last.message = std::move(s.step.message);
    g.metrics.count_error(s.ctx.model_index, s.last.error);
    return false;
  }
  s.tm.attempt_start = Clock::now();
  if (s.tm.trace) s.tm.traceparent = tracer_->begin_attempt(*s.tm.trace, di, unix_ns());
  return true;
}

bool GatewayHandler::end_attempt(WorkerGen& g, RequestState& s, int di) {
  Outcome& o = s.out;
  if (s.tm.trace) tracer_->end_attempt(*s.tm.trace, o.error, o.status, o.message, unix_ns());
  g.metrics.upstream_duration(di).observe(seconds_since(s.tm.attempt_start));
  if (s.attempt_ticket && s.attempt_ticket->owed()) {
    const Accounting* a = o.accounting ? &*o.accounting : nullptr;
    s.attempt_ticket->settle_usage(a ? a->usage.input_tokens + a->usage.output_tokens : 0,
                                   a ? a->cost_usd : 0, unix_ms());
  }
  const Disposition disposition = s.plan->record({.error = o.error,
                                                  .retry_after = o.retry_after,
                                                  .message = o.message,
                                                  .client_answered = o.answered});
  if (disposition == Disposition::kContinue) g.metrics.count_error(s.ctx.model_index, o.error);
  s.last = std::move(o);
  s.have_last = true;
  s.last_is_refusal = false;
  return disposition == Disposition::kAnswer;
}

bool GatewayHandler::answer_now(Exchange& ex, const RequestRecord& rec, Outcome& o) {
  if (o.answered) return true;
  bool done = false;
  if (o.status > 0) {
    // Relay the answer as it is: a success, or the upstream's own error (a 429 with its
    // Retry-After, a 5xx with its error body), or the pipeline's rejection.
    const std::string_view ctype =
        o.content_type.empty() ? std::string_view(kJson) : std::string_view(o.content_type);
    const bool success = o.status >= 200 && o.status < 300;
    done = ex.respond_now(static_cast<unsigned>(o.status), ctype, o.body,
                          {.request_id = rec.request_id,
                           .deployment = success ? std::string_view(rec.deployment) : "",
                           .retry_after = o.retry_after,
                           .upstream_model = success ? std::string_view(rec.upstream_model) : ""});
  } else {
    const ErrorStatus es = error_status(o.error);
    o.body = openai_error_body(fmt::format("Upstream request failed: {}", o.message), es.type, {},
                               es.code);
    done = ex.respond_now(static_cast<unsigned>(es.status), kJson, o.body,
                          {.request_id = rec.request_id});
    o.status = es.status;
  }
  if (done) client_got(ex.ok(), o);
  return done;
}

asio::awaitable<void> GatewayHandler::answer_rest(Exchange& ex, Outcome& o) {
  client_got(co_await ex.respond_rest(), o);
}

void GatewayHandler::client_got(bool all, Outcome& o) {
  if (all) return;
  o.status = 499;
  if (o.error == ErrorClass::kNone) {
    o.error = ErrorClass::kClientDisconnect;
    o.message = "client disconnected before the response was written";
  }
}

asio::awaitable<error_code> GatewayHandler::read_all(UpstreamConnection& conn,
                                                     ResponseParser& parser, std::string& out,
                                                     std::size_t limit, int idle_ms,
                                                     Clock::time_point deadline, Timing& tm) {
  // Straight into `out` (no buffer in this frame: 16 KB there made it a malloc outside every
  // cache, and a copy).
  constexpr std::size_t kReadChunk = 16384;
  while (!parser.is_done()) {
    const auto t = Clock::now();
    auto left = std::chrono::duration_cast<milliseconds>(deadline - t);
    auto timeout = std::max(milliseconds(1), std::min(milliseconds(idle_ms), left));
    const std::size_t old = out.size();
    out.resize(old + kReadChunk);
    auto [ec, n] = co_await conn.read_body(parser, out.data() + old, kReadChunk, timeout);
    out.resize(old + n);
    tm.upstream_s += seconds_since(t);
    if (ec) co_return ec;
    if (out.size() > limit) co_return http::error::body_limit;
  }
  co_return error_code{};
}

bool GatewayHandler::upstream_answered(WorkerGen& g, RequestState& s, int di, const error_code& ec,
                                       Clock::time_point t_io) {
  const Deployment& d = g.cfg.deployments[static_cast<std::size_t>(di)];
  Outcome& o = s.out;
  Acquired& a = s.acquired;
  if (!a.conn) {
    o.error = a.error;
    o.message = a.message;
    return false;
  }
  if (ec) {
    g.pools[static_cast<std::size_t>(di)]->release(std::move(a.conn), false);
    const bool timeout = ec == beast::error::timeout;
    o.error = timeout ? ErrorClass::kTimeout : ErrorClass::kUpstreamProtocol;
    const auto waited = std::chrono::duration_cast<milliseconds>(Clock::now() - t_io).count();
    o.message =
        timeout ? fmt::format("upstream {}: no response within {} ms", d.name, waited)
                : fmt::format("upstream {}: failed before the response: {}", d.name, ec.message());
    return false;
  }
  return true;
}

bool GatewayHandler::upstream_body(WorkerGen& g, RequestState& s, int di) {
  s.out = Outcome{};
  const Deployment& d = g.cfg.deployments[static_cast<std::size_t>(di)];
  // The body in the deployment's API; what it cannot express is a 400 for the client unless
  // another candidate can serve the request.
  Result<std::string> upstream = speaks_via_messages(d.kind) ? platform_upstream_body(s.ctx, d)
                                                             : translated_upstream_body(s.ctx, d);
  if (upstream && d.kind == ProviderKind::kVertexAnthropic)
    upstream = vertex_anthropic_body(*upstream);
  if (!upstream) {
    Outcome& refused = s.out;
    refused.status = 400;
    refused.error = ErrorClass::kBadRequest;
    refused.message = upstream.error().message;
    refused.body = openai_error_body(refused.message, "invalid_request_error", {},
                                     "unsupported_by_deployment");
    refused.content_type = kJson;
    return false;
  }
  s.upstream_body = std::move(*upstream);
  return true;
}

asio::awaitable<bool> GatewayHandler::fetch_credential(const Deployment& d, RequestState& s) {
  // The cached one, or the one fetch every waiting request shares. A failure is this
  // deployment's (another one may serve the request); the client sees a 502 naming the
  // credential source.
  auto c = co_await current_credential(d.credentials, d.ca_file);
  if (!c) {
    Outcome& failed = s.out;
    failed.status = 502;
    failed.error = ErrorClass::kConnect;
    failed.message = fmt::format("upstream {}: {}", d.name, c.error().message);
    failed.body =
        openai_error_body(failed.message, "authentication_error", {}, "upstream_credentials");
    failed.content_type = kJson;
    co_return false;
  }
  s.fetched = std::move(*c);
  co_return true;
}

void GatewayHandler::upstream_head(Exchange& ex, WorkerGen& g, RequestState& s, int di) {
  const Deployment& d = g.cfg.deployments[static_cast<std::size_t>(di)];
  const RequestContext& ctx = s.ctx;
  const Timing& tm = s.tm;
  // The request head, written by hand into one string (a Beast message would allocate every
  // field and serialise through a buffer-sequence view: more CPU than the proxying itself).
  const std::string& upstream_body = s.upstream_body;
  const std::string target = upstream_target(ctx.endpoint, ctx.stream, d);
  std::string& head = s.head;
  head.clear();
  head.reserve(256);
  auto field = [&head](std::string_view name, std::string_view value) {
    head.append(name).append(": ").append(value).append("\r\n");
  };
  head.append("POST ").append(target).append(" HTTP/1.1\r\n");
  field("Host", d.url.host_header);
  field("User-Agent", "llmctl-gateway");
  field("Content-Type", kJson);
  field("Accept", upstream_accept(ctx.stream, d));
  if (!tm.traceparent.empty()) {  // W3C Trace Context: this attempt's span is the parent
    field("traceparent", tm.traceparent);
    if (!tm.tracestate.empty()) field("tracestate", tm.tracestate);
  }
  if (speaks_anthropic(d.kind)) {
    // Anthropic authenticates with x-api-key; a client's API version and beta flags pass on
    // (on Vertex the version is in the body and the token is a platform header).
    auto header = [&ex](std::string_view name) {
      auto v = ex.request()[beast::string_view(name.data(), name.size())];
      return std::string_view(v.data(), v.size());
    };
    if (d.kind == ProviderKind::kAnthropic) {
      if (!d.api_key.empty()) field("x-api-key", d.api_key);
      const std::string_view version = header("anthropic-version");
      field("anthropic-version", version.empty() ? anthropic::kApiVersion : version);
    }
    if (auto beta = header("anthropic-beta"); !beta.empty()) field("anthropic-beta", beta);
  }
  if (is_platform(d.kind)) {
    // api-key headers, a bearer token, or a SigV4 signature over the target, Host,
    // Content-Type and body.
    for (auto& [name, value] :
         platform_auth_headers(d, target, d.url.host_header, kJson, upstream_body, unix_ms() / 1000,
                               s.fetched ? &*s.fetched : nullptr))
      field(name, value);
  } else if (!speaks_anthropic(d.kind) && !d.api_key.empty()) {
    head.append("Authorization: Bearer ").append(d.api_key).append("\r\n");
  }
  field("Content-Length", std::to_string(upstream_body.size()));
  head.append("\r\n");
}

void GatewayHandler::upstream_error(WorkerGen& g, RequestState& s, int di, int status,
                                    const error_code& ec) {
  const Deployment& d = g.cfg.deployments[static_cast<std::size_t>(di)];
  UpstreamPool& pool = *g.pools[static_cast<std::size_t>(di)];
  const ResponseParser& parser = *s.parser;
  Outcome& o = s.out;
  std::string& body = s.body;
  o.retry_after = std::string(parser.field(ResponseParser::kRetryAfter));
  if (auto ms = parser.field(ResponseParser::kRetryAfterMs);
      !ms.empty())  // OpenAI, Azure: finer grain
    o.retry_after = fmt::format("{:.3f}", std::atof(std::string(ms).c_str()) / 1000.0);
  pool.release(std::move(s.acquired.conn), !ec && parser.is_done() && parser.keep_alive());
  // The platform's error shape -> OpenAI's (Vertex answers Claude's errors in Google's).
  if (speaks_via_messages(d.kind) || d.kind == ProviderKind::kVertexAnthropic) {
    body = platform_error_body(d, static_cast<unsigned>(status), body,
                               parser.field(ResponseParser::kAmznErrorType));
    s.content_type = kJson;
  }
  o.error = classify_upstream_status(status);
  if (o.error == ErrorClass::kUpstreamClient && is_context_length_error(status, body))
    o.error = ErrorClass::kContextLength;
  else if (o.error == ErrorClass::kUpstreamClient && is_content_policy_error(d, body))
    o.error = ErrorClass::kContentPolicy;
  o.status = status;
  o.message = fmt::format("upstream {} answered {}", d.name, status);
  o.body = std::move(body);
  o.content_type = std::move(s.content_type);
}

void GatewayHandler::whole_answer(WorkerGen& g, RequestState& s, int di, int status,
                                  const error_code& ec) {
  const Deployment& d = g.cfg.deployments[static_cast<std::size_t>(di)];
  const RequestContext& ctx = s.ctx;
  const Timing& tm = s.tm;
  Outcome& o = s.out;
  UpstreamPool& pool = *g.pools[static_cast<std::size_t>(di)];
  if (ec) {
    pool.release(std::move(s.acquired.conn), false);
    o.error = ec == beast::error::timeout ? ErrorClass::kTimeout : ErrorClass::kUpstreamProtocol;
    o.message = fmt::format("upstream {}: reading the response failed: {}", d.name, ec.message());
    return;
  }
  pool.release(std::move(s.acquired.conn), s.parser->keep_alive());
  // The body in the client's API (translated when the deployment speaks the other one), parsed
  // once for what reads it whole: its usage, the Responses store, the quality checks.
  // A plain chat or completions answer is not parsed: its checks are scanned from the text
  // (scan_chat_answer), which falls back to a parse where a scan cannot be sure.
  const bool scan = answer_scannable(ctx.endpoint, tm.quality);
  const bool parse = (tm.quality.generates && !scan) || ctx.endpoint == Endpoint::kResponses;
  Result<ClientResponse> answer =
      speaks_via_messages(d.kind)
          ? platform_client_response(ctx.endpoint, d, s.body, "msg_" + s.rec.request_id,
                                     unix_ms() / 1000)
          : client_response(ctx, d.kind, std::move(s.body), unix_ms() / 1000, parse);
  if (!answer) {
    o.error = ErrorClass::kUpstreamProtocol;
    o.message = fmt::format("upstream {}: {}", d.name, answer.error().message);
    return;
  }
  if (parse && speaks_via_messages(d.kind)) parse_body(*answer);
  std::string body = std::move(answer->body);
  if (ctx.endpoint == Endpoint::kResponses && answer->parsed.is_object())
    remember_response(ctx, answer->parsed.as_object(),
                      translation_for(Endpoint::kResponses, d.kind) != Translation::kNone);
  ReportedUsage usage = answer->usage;
  o.accounting =
      account(usage, ctx.prompt_chars, usage.present ? 0 : response_output_chars(body), d.price);
  o.status = status;
  std::optional<std::string_view> reason;  // found by the answer's scan on its way
  if (parse) {
    o.checks = check_parsed_answer(answer->parsed, ctx.endpoint, tm.quality);
  } else if (scan) {
    auto scanned = scan_chat_answer(body, ctx.endpoint, tm.quality, &reason);
    o.checks = scanned ? *scanned : check_answer(body, ctx.endpoint, tm.quality);
  }
  o.finish_reason = reason ? *reason : scan_finish_reason(body);
  o.body = std::move(body);
  o.content_type = std::move(s.content_type);
}

asio::awaitable<void> GatewayHandler::relay_stream(Exchange& ex, WorkerGen& g, RequestContext& ctx,
                                                   int di, std::unique_ptr<UpstreamConnection> conn,
                                                   ResponseParser& parser, RequestRecord& rec,
                                                   Timing& tm, Clock::time_point deadline,
                                                   Outcome& o) {
  const Deployment& d = g.cfg.deployments[static_cast<std::size_t>(di)];
  UpstreamPool& pool = *g.pools[static_cast<std::size_t>(di)];
  const int idle_ms = timeouts_for(g, d, tm).idle_ms;
  o = Outcome{};
  o.answered = true;
  o.status = 200;

  // The client's response starts with the first complete event, not with the upstream's
  // headers: an upstream that fails before its first event is retried elsewhere and the
  // client never knows.
  bool started = false, early_error = false;
  SseParser sse;
  SseEvent ev;
  std::string out, tail;
  // Relays (or translates) each event into the client's API and reads usage and the end.
  const std::unique_ptr<StreamTransform> transform =
      speaks_via_messages(d.kind)
          ? make_platform_stream_transform(ctx.endpoint, d, ctx.client_wants_usage,
                                           "msg_" + rec.request_id, unix_ms() / 1000)
          : make_stream_transform(ctx, d.kind, unix_ms() / 1000);
  // Bedrock's binary frames become SSE text first.
  std::optional<EventStreamToSse> frames;
  if (streams_event_frames(d)) frames.emplace();
  std::string frame_text;
  // Not zero-filled, and 4 KiB: a read returns what has arrived (events are a few hundred
  // bytes), and with 1,000 open streams every KiB here is a MiB of RSS.
  constexpr std::size_t kReadChunk = 4096;
  std::unique_ptr<char[]> buf(new char[kReadChunk]);
  std::size_t output_chars = 0;
  bool client_gone = false;
  StreamChecks checks(ctx.endpoint, tm.quality);  // quality.h
  // An event with output: the first one times TTFT (request and the deployment's EWMA). `now`:
  // when the read that brought it returned.
  auto note_output = [&](std::size_t chars, Clock::time_point now) {
    if (!tm.first_token) {
      tm.first_token = now;
      g.snap->deployments[static_cast<std::size_t>(di)]->ttft_ms.observe(
          std::chrono::duration<double, std::milli>(now - tm.attempt_start).count());
    }
    tm.last_token = now;
    output_chars += chars;
  };
  error_code ec;
  while (!parser.is_done()) {
    const auto t = Clock::now();
    auto left = std::chrono::duration_cast<milliseconds>(deadline - t);
    auto timeout = std::max(milliseconds(1), std::min(milliseconds(idle_ms), left));
    auto [rec_ec, n] = co_await conn->read_body(parser, buf.get(), kReadChunk, timeout);
    const auto t_read = Clock::now();
    tm.upstream_s += std::chrono::duration<double>(t_read - t).count();
    if (rec_ec) {
      ec = rec_ec;
      break;
    }
    if (n == 0) continue;
    if (frames) {
      frame_text.clear();
      if (!frames->feed(std::string_view(buf.get(), n), frame_text)) {
        ec = make_error_code(boost::system::errc::protocol_error);
        break;
      }
      sse.feed(frame_text);
    } else {
      sse.feed(std::string_view(buf.get(), n));
    }
    out.clear();
    while (sse.next(ev)) {
      // One walk over the event for everything asked of it (usage.h): the finish reason, the
      // quality checks' triggers, and the transform's output and usage.
      const protocol::EventScan scan = protocol::scan_event(ev.data);
      ev.scan = &scan;
      if (!scan.finish_reason.empty()) o.finish_reason = scan.finish_reason;
      checks.on_event(ev.data, scan);
      const bool nothing_yet = !started && out.empty();
      const StreamStep step = transform->on_event(ev, out);
      if (step.upstream_error) {
        if (nothing_yet) {  // an error before anything reached the client: fall back
          early_error = true;
          break;
        }
        o.error = ErrorClass::kUpstreamServer;
        o.message = fmt::format("upstream {} sent an error event mid-stream", d.name);
      } else if (step.output) {
        note_output(step.output_chars, t_read);
      }
    }
    if (early_error) break;
    if (!out.empty() && !started) {
      // The headers go out with the first piece, in one write.
      started = true;
      ex.begin_chunked_with_next_write(200, "text/event-stream",
                                       {.request_id = rec.request_id,
                                        .deployment = d.name,
                                        .cache_control = "no-cache",
                                        .upstream_model = d.model});
    }
    if (parser.is_done() && transform->ended()) {
      tail = std::move(out);  // the last piece goes out with the end of the body, in one write
      break;
    }
    if (!out.empty() && !co_await ex.chunk(out)) {
      client_gone = true;
      break;
    }
  }

  const bool saw_done = transform->ended();
  if (!started && !client_gone && (early_error || ((ec || !parser.is_done()) && !saw_done))) {
    // Nothing reached the client: an ordinary failed attempt, so the next candidate is tried.
    pool.release(std::move(conn), false);
    o.answered = false;
    o.status = 0;
    if (early_error) {
      o.error = ErrorClass::kUpstreamServer;
      o.message = fmt::format("upstream {} answered the stream with an error event", d.name);
    } else if (ec == beast::error::timeout) {
      o.error = ErrorClass::kTimeout;
      o.message = fmt::format("upstream {}: no stream event within {} ms", d.name, idle_ms);
    } else {
      o.error = ErrorClass::kUpstreamProtocol;
      o.message = fmt::format("upstream {}: stream ended before its first event: {}", d.name,
                              ec ? ec.message() : std::string("end of body"));
    }
    co_return;
  }
  if (!started && !client_gone) {
    // An empty but complete stream: relay it as such (the headers go with the body's end).
    started = true;
    ex.begin_chunked_with_next_write(200, "text/event-stream",
                                     {.request_id = rec.request_id,
                                      .deployment = d.name,
                                      .cache_control = "no-cache",
                                      .upstream_model = d.model});
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
      detail = fmt::format("no data for {} ms", idle_ms);
    else if (frames && !frames->error().empty())
      detail = frames->error();
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
    std::string event = transform->interrupted(why);
    if (!co_await ex.finish_chunked(event)) ex.close_after();
  } else {
    pool.release(std::move(conn), !ec && parser.is_done() && parser.keep_alive());
    if (!co_await ex.finish_chunked(tail)) {
      o.status = 499;
      o.error = ErrorClass::kClientDisconnect;
      o.message = "client disconnected at the end of the stream";
    }
  }
  if (const boost::json::object* r = transform->final_response(); r && o.status == 200)
    remember_response(ctx, *r, translation_for(Endpoint::kResponses, d.kind) != Translation::kNone);
  if (o.status == 200 && o.error == ErrorClass::kNone) {
    const boost::json::object* r = transform->final_response();
    o.checks = r ? check_parsed_answer(*r, Endpoint::kResponses, tm.quality)
                 : checks.finish(output_chars, o.finish_reason);
  }
  o.accounting = account(transform->usage(), ctx.prompt_chars, output_chars, d.price);
  co_return;
}

void GatewayHandler::finish(WorkerGen& g, const RequestContext& ctx, RequestRecord& rec,
                            const Timing& tm, const Outcome& o) {
  MetricsShard& metrics = g.metrics;
  const double total_s = seconds_since(tm.start);
  const int m = ctx.model_index;
  rec.status = o.status;
  if (o.error != ErrorClass::kNone) {
    rec.error_class = std::string(error_class_name(o.error));
    rec.error_message = o.message;
  }
  rec.duration_ms = total_s * 1000;
  rec.upstream_ms = tm.upstream_s * 1000;
  rec.finish_reason = logged_finish_reason(o.error, o.finish_reason);
  metrics.count_request(m, ctx.endpoint, o.status);
  metrics.count_error(m, o.error);
  metrics.request_duration(m).observe(total_s);
  metrics.overhead().observe(std::max(0.0, total_s - tm.upstream_s));
  if (o.accounting) {
    const Accounting& a = *o.accounting;
    rec.input_tokens = a.usage.input_tokens;
    rec.cached_tokens = a.usage.cache_read_tokens;
    rec.output_tokens = a.usage.output_tokens;
    rec.reasoning_tokens = a.usage.reasoning_tokens;
    rec.usage_estimated = a.estimated;
    rec.cost_usd = a.cost_usd;
    rec.cache_write_tokens = a.usage.cache_write_tokens;
    metrics.add_usage(m, a.usage, a.estimated, a.cost_usd);
  }
  if (tm.first_token) {
    const double ttft = std::chrono::duration<double>(*tm.first_token - tm.start).count();
    rec.ttft_ms = ttft * 1000;
    metrics.ttft(m).observe(ttft);
    if (o.error == ErrorClass::kNone && o.accounting && o.accounting->usage.output_tokens > 1)
      metrics.tpot(m).observe(
          std::chrono::duration<double>(*tm.last_token - *tm.first_token).count() /
          static_cast<double>(o.accounting->usage.output_tokens - 1));
  }
  // The real tokens and cost replace the admission's estimate and reservation (failed and cut
  // streams too: whatever they used is charged).
  if (ctx.ticket) ctx.ticket->settle(rec, unix_ms());
  // Issue 15: the answer's quality checks, the quality and drift metrics, the request's spans.
  if (o.status >= 200 && o.status < 300) {
    rec.empty_answer = o.checks.empty;
    rec.refusal = o.checks.refusal;
    rec.invalid_json = o.checks.json_invalid;
    rec.invalid_tool_args = o.checks.tool_args_invalid;
  }
  g.snap->quality[static_cast<std::size_t>(worker_index_)]->record(m, rec, unix_ms());
  if (tm.trace) {
    rec.trace_id = to_hex(tm.trace->trace_id);
    tracer_->finish(*tm.trace, rec, g.cfg, unix_ns());
  }
  if (!queue_.try_push(std::move(rec))) metrics.log_dropped().add();
}

}  // namespace

std::unique_ptr<SnapshotSink> make_gateway_handler(int worker, GatewayState& state,
                                                   net::Worker& w) {
  return std::make_unique<GatewayHandler>(worker, state, w);
}

}  // namespace llmctl::gateway
