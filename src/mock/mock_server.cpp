// The simulator's HTTP side: an OpenAI-compatible upstream with timing draws and faults.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <random>

#include "mock/mock.h"
#include "mock/mock_anthropic.h"
#include "mock/mock_engine_metrics.h"
#include "mock/sim_model.h"
#include "net/net.h"
#include "protocol/anthropic.h"
#include "protocol/errors.h"
#include "protocol/json_limits.h"
#include "protocol/usage.h"

namespace llmctl::mock {

namespace {

namespace json = boost::json;
namespace asio = net::asio;
namespace http = net::http;
using net::Exchange;
using net::use_nothrow;
using protocol::Endpoint;
using protocol::openai_error_body;
using protocol::request_prompt_chars;
namespace anthropic = protocol::anthropic;
using namespace std::chrono_literals;

constexpr std::string_view kJson = "application/json";

std::int64_t unix_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What a completion will contain, decided once per request.
struct Plan {
  Endpoint endpoint = Endpoint::kChat;
  std::string id, model;
  std::int64_t created = 0;
  int n = 1;
  int tokens = 1;  // output tokens per choice
  std::string finish = "stop";
  std::vector<SimCall> calls;             // chat: the simulated model's tool calls (sim_model.h)
  std::optional<std::string> structured;  // chat: the JSON answer when a format was asked
  bool include_usage = false;
  json::object usage;
};

// What every worker of one simulator shares: the options as changed by POST /mock/faults (read
// by a worker only when `version` moved, so a request takes no lock) and the counters of
// GET /mock/stats.
struct MockShared {
  std::mutex mu;
  MockOptions options;
  std::atomic<std::uint64_t> version{0};
  std::atomic<std::uint64_t> requests{0}, faults{0};
  std::atomic<std::uint64_t> fault_base{0};  // `requests` when fail_first_n was last set
  EngineMetrics engine;                      // GET /metrics, /dcgm/metrics; POST /mock/engine
};

double wall_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// One request as the simulated engine counts it: running from construction, finished (with its
// measured TTFT and end-to-end time) at destruction; "abort" unless the answer was completed.
struct EngineRequest {
  EngineRequest(EngineMetrics& m, std::int64_t prompt, std::int64_t cached)
      : metrics(m), prompt_tokens(prompt), cached_tokens(cached) {
    metrics.started(prompt_tokens, wall_s());
  }
  ~EngineRequest() {
    const double e2e = elapsed_s();
    metrics.finished(prompt_tokens, output_tokens, cached_tokens, ttft_s.value_or(e2e), e2e,
                     completed ? finish : "abort", wall_s());
  }
  double elapsed_s() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  void first_token() {
    if (!ttft_s) ttft_s = elapsed_s();
  }
  EngineMetrics& metrics;
  std::int64_t prompt_tokens, cached_tokens, output_tokens = 0;
  std::optional<double> ttft_s;
  std::string finish = "stop";
  bool completed = false;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

class MockHandler final : public net::Handler {
 public:
  MockHandler(MockShared& shared, int worker, net::Worker& w)
      : shared_(shared),
        o_(shared.options),
        worker_(worker),
        w_(w),
        rng_(o_.seed * 1000003ULL + static_cast<std::uint64_t>(worker)) {}

  asio::awaitable<void> handle(Exchange& ex) override {
    auto& req = ex.request();
    std::string_view target = req.target();
    target = target.substr(0, target.find('?'));
    if (const auto v = shared_.version.load(std::memory_order_acquire); v != seen_version_) {
      std::lock_guard lock(shared_.mu);
      o_ = shared_.options;
      seen_version_ = v;
    }
    if (target.starts_with("/mock/")) co_return co_await control(ex, target);
    if (req.method() == http::verb::get && (target == "/metrics" || target == "/dcgm/metrics")) {
      // A named body: GCC 12 destroys a conditional's temporary twice inside co_await.
      std::string body = target == "/metrics" ? shared_.engine.render_vllm(wall_s())
                                              : shared_.engine.render_dcgm(wall_s());
      co_await ex.respond(200, "text/plain; version=0.0.4; charset=utf-8", std::move(body));
      co_return;
    }
    // Anthropic's API: errors in its shape, the key in x-api-key.
    const bool messages_api = target == "/v1/messages";
    if (messages_api) ex.set_error_body_filter(&anthropic::to_anthropic_error);
    bool authorized = true;
    if (!o_.api_key.empty() && target.starts_with("/v1/")) {
      if (messages_api)
        authorized = req["x-api-key"] == o_.api_key;
      else
        authorized = req[http::field::authorization] == "Bearer " + o_.api_key;
    }
    if (!authorized) {
      co_await ex.respond(401, kJson,
                          openai_error_body("Incorrect API key provided (llmctl mock --api-key).",
                                            "invalid_request_error", {}, "invalid_api_key"));
      co_return;
    }
    if (req.method() == http::verb::get && target == "/v1/models") {
      json::array data;
      for (const auto& m : o_.models)
        data.push_back(json::object{
            {"id", m}, {"object", "model"}, {"created", 0}, {"owned_by", "llmctl-mock"}});
      std::string body = json::serialize(json::object{{"object", "list"}, {"data", data}});
      co_await ex.respond(200, kJson, std::move(body));
      co_return;
    }
    if (req.method() == http::verb::get && target == "/healthz") {
      co_await ex.respond(200, kJson, R"({"status":"ok"})");
      co_return;
    }
    if (messages_api && req.method() == http::verb::post) co_return co_await messages(ex);
    std::optional<Endpoint> ep;
    if (target == "/v1/chat/completions")
      ep = Endpoint::kChat;
    else if (target == "/v1/completions")
      ep = Endpoint::kCompletions;
    else if (target == "/v1/embeddings")
      ep = Endpoint::kEmbeddings;
    if (!ep || req.method() != http::verb::post) {
      co_await ex.respond(404, kJson,
                          openai_error_body(fmt::format("Unknown request URL: {} {}.",
                                                        std::string(req.method_string()), target),
                                            "invalid_request_error", {}, "unknown_url"));
      co_return;
    }
    json::value body;
    if (!co_await parse_object(ex, body)) co_return;
    const json::object& o = body.as_object();
    const bool stream = *ep != Endpoint::kEmbeddings && o.contains("stream") &&
                        o.at("stream").is_bool() && o.at("stream").as_bool();
    int disconnect_after = -1;
    if (co_await counted_faults(ex, stream, disconnect_after)) co_return;
    if (o_.max_context_tokens > 0 && *ep != Endpoint::kEmbeddings) {
      const long long prompt = mock_token_count(request_prompt_chars(o, *ep));
      if (prompt > o_.max_context_tokens) {
        // OpenAI's wording and code; vLLM says "maximum context length" the same way.
        co_await ex.respond(
            400, kJson,
            openai_error_body(
                fmt::format("This model's maximum context length is {} tokens. However, your "
                            "messages resulted in {} tokens. Please reduce the length of the "
                            "messages.",
                            o_.max_context_tokens, prompt),
                "invalid_request_error", "messages", "context_length_exceeded"));
        co_return;
      }
    }
    if (*ep == Endpoint::kEmbeddings) co_return co_await embeddings(ex, o);
    Plan plan = make_plan(o, *ep);
    EngineRequest er(shared_.engine, plan.usage.at("prompt_tokens").to_number<std::int64_t>(),
                     cached_of(plan.usage));
    er.output_tokens = static_cast<std::int64_t>(plan.tokens) * plan.n;
    er.finish = plan.finish == "length" ? "length" : "stop";
    if (stream) co_return co_await stream_completion(ex, plan, disconnect_after, er);
    co_return co_await whole_completion(ex, plan, er);
  }

 private:
  // The request body as a JSON object, or false after answering 400 invalid_json (the error
  // filter of /v1/messages turns it into Anthropic's shape).
  asio::awaitable<bool> parse_object(Exchange& ex, json::value& body) {
    boost::system::error_code ec;
    body = protocol::parse_request_json(ex.request().body(), ec);
    if (!ec && body.is_object()) co_return true;
    co_await ex.respond(400, kJson,
                        openai_error_body("The request body is not a JSON object.",
                                          "invalid_request_error", {}, "invalid_json"));
    co_return false;
  }

  // Counts the request for /mock/stats and draws its faults (only among the first fail_first_n
  // requests when that is set). True when a fault already answered it; `disconnect_after` >= 0
  // asks the stream to be cut after that many events.
  asio::awaitable<bool> counted_faults(Exchange& ex, bool stream, int& disconnect_after) {
    const std::uint64_t number = shared_.requests.fetch_add(1, std::memory_order_relaxed) + 1;
    const bool faults_apply =
        o_.fail_first_n <= 0 || number - shared_.fault_base.load(std::memory_order_relaxed) <=
                                    static_cast<std::uint64_t>(o_.fail_first_n);
    if (faults_apply && co_await inject_fault(ex, stream, disconnect_after)) {
      shared_.faults.fetch_add(1, std::memory_order_relaxed);
      co_return true;
    }
    if (disconnect_after >= 0) shared_.faults.fetch_add(1, std::memory_order_relaxed);
    co_return false;
  }

  asio::awaitable<void> control(Exchange& ex, std::string_view target) {
    auto& req = ex.request();
    if (target == "/mock/stats" && req.method() == http::verb::get) {
      std::string body = fmt::format(R"({{"requests":{},"faults":{}}})", shared_.requests.load(),
                                     shared_.faults.load());
      co_await ex.respond(200, kJson, std::move(body));
      co_return;
    }
    if (target == "/mock/stats/reset" && req.method() == http::verb::post) {
      shared_.requests.store(0);
      shared_.faults.store(0);
      shared_.fault_base.store(0);
      co_await ex.respond(200, kJson, R"({"requests":0,"faults":0})");
      co_return;
    }
    if (target == "/mock/engine" && req.method() == http::verb::post) {
      if (auto st = shared_.engine.update(req.body(), wall_s()); !st.ok()) {
        co_await ex.respond(400, kJson,
                            openai_error_body(st.error().message, "invalid_request_error"));
        co_return;
      }
      co_await ex.respond(200, kJson, R"({"status":"ok"})");
      co_return;
    }
    if (target == "/mock/faults" && req.method() == http::verb::post) {
      Status st;
      {
        std::lock_guard lock(shared_.mu);
        MockOptions next = shared_.options;
        st = apply_fault_update(req.body(), next);
        if (st.ok()) {
          shared_.options = next;
          shared_.fault_base.store(shared_.requests.load());
          shared_.version.fetch_add(1, std::memory_order_release);
        }
      }
      if (!st.ok()) {
        co_await ex.respond(400, kJson,
                            openai_error_body(st.error().message, "invalid_request_error"));
        co_return;
      }
      co_await ex.respond(200, kJson, R"({"status":"ok"})");
      co_return;
    }
    co_await ex.respond(404, kJson,
                        openai_error_body(fmt::format("Unknown mock control URL: {}.", target),
                                          "invalid_request_error", {}, "unknown_url"));
  }

  bool chance(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  double draw_ms(double mean, double jitter) {
    if (jitter <= 0) return mean;
    return std::max(0.0,
                    std::uniform_real_distribution<double>(mean - jitter, mean + jitter)(rng_));
  }
  asio::awaitable<void> sleep_ms(double ms) {
    if (ms <= 0) co_return;
    asio::steady_timer t(w_.io(), std::chrono::microseconds(static_cast<std::int64_t>(ms * 1000)));
    co_await t.async_wait(use_nothrow);
  }

  // Draws the faults in order; true when the request was answered (or dropped) by one.
  asio::awaitable<bool> inject_fault(Exchange& ex, bool stream, int& disconnect_after) {
    if (chance(o_.fail_rate)) {
      co_await sleep_ms(o_.slow_headers_ms);
      co_await ex.respond(
          static_cast<unsigned>(o_.fail_status), kJson,
          openai_error_body("Simulated upstream failure (llmctl mock --fail-rate).",
                            o_.fail_status >= 500 ? "server_error" : "invalid_request_error", {},
                            "simulated_failure"));
      co_return true;
    }
    if (chance(o_.rate_limit_rate)) {
      co_await sleep_ms(o_.slow_headers_ms);
      std::string retry = std::to_string(o_.retry_after_s);
      co_await ex.respond(429, kJson,
                          openai_error_body("Rate limit reached (simulated by llmctl mock).",
                                            "requests", {}, "rate_limit_exceeded"),
                          {.retry_after = retry});
      co_return true;
    }
    if (chance(o_.hang_rate)) {
      co_await sleep_ms(o_.hang_ms > 0 ? o_.hang_ms : 24.0 * 3600 * 1000);
      ex.close_after();
      co_return true;
    }
    if (stream && chance(o_.disconnect_rate)) disconnect_after = o_.disconnect_after;
    co_return false;
  }

  Plan make_plan(const json::object& o, Endpoint ep) {
    Plan p;
    p.endpoint = ep;
    p.created = unix_s();
    p.id = fmt::format("{}-mock-{}-{}", ep == Endpoint::kChat ? "chatcmpl" : "cmpl", worker_,
                       ++counter_);
    p.model = o.contains("model") && o.at("model").is_string()
                  ? std::string(o.at("model").as_string())
                  : "llmctl-sim";
    if (const auto* n = o.if_contains("n"); n && n->is_int64())
      p.n = static_cast<int>(std::clamp<std::int64_t>(n->as_int64(), 1, 128));
    int max_tokens = INT_MAX;
    for (const char* key : {"max_completion_tokens", "max_tokens"})
      if (const auto* m = o.if_contains(key); m && m->is_int64() && m->as_int64() > 0)
        max_tokens = static_cast<int>(std::min<std::int64_t>(m->as_int64(), INT_MAX));
    p.tokens = o_.output_tokens;
    if (o_.output_tokens_jitter > 0)
      p.tokens += std::uniform_int_distribution<int>(-o_.output_tokens_jitter,
                                                     o_.output_tokens_jitter)(rng_);
    p.tokens = std::max(1, p.tokens);
    if (p.tokens > max_tokens) {
      p.tokens = max_tokens;
      p.finish = "length";
    }
    if (ep == Endpoint::kChat) {
      // The simulated model decides: tool calls, structured output, or words.
      SimAnswer a = sim_answer(sim_request_from_chat(o), o_.seed);
      if (!a.calls.empty()) {
        p.calls = std::move(a.calls);
        p.finish = "tool_calls";
        long long n = 0;
        for (const SimCall& c : p.calls) n += mock_token_count(c.arguments.size());
        p.tokens = static_cast<int>(n);
      } else if (a.structured) {
        p.structured = std::move(a.structured);
        const int needed = static_cast<int>(mock_token_count(p.structured->size()));
        p.finish = needed > max_tokens ? "length" : "stop";
        p.tokens = std::min(needed, max_tokens);
        if (needed > max_tokens)  // cut like a real model at its limit
          p.structured->resize(p.structured->size() * static_cast<std::size_t>(p.tokens) /
                               static_cast<std::size_t>(needed));
      }
    }
    if (const auto* so = o.if_contains("stream_options"); so && so->is_object())
      if (const auto* iu = so->as_object().if_contains("include_usage"); iu && iu->is_bool())
        p.include_usage = iu->as_bool();
    const long long prompt = mock_token_count(request_prompt_chars(o, ep));
    const long long cached =
        static_cast<long long>(std::floor(static_cast<double>(prompt) * o_.cache_hit_share));
    const long long completion = static_cast<long long>(p.tokens) * p.n;
    p.usage = json::object{{"prompt_tokens", prompt},
                           {"completion_tokens", completion},
                           {"total_tokens", prompt + completion}};
    if (ep == Endpoint::kChat) {
      p.usage["prompt_tokens_details"] =
          json::object{{"cached_tokens", cached}, {"audio_tokens", 0}};
      p.usage["completion_tokens_details"] = json::object{{"reasoning_tokens", 0},
                                                          {"audio_tokens", 0},
                                                          {"accepted_prediction_tokens", 0},
                                                          {"rejected_prediction_tokens", 0}};
    } else if (cached > 0) {
      p.usage["prompt_tokens_details"] = json::object{{"cached_tokens", cached}};
    }
    return p;
  }

  std::string text_of(const Plan& p) const {
    if (p.structured) return *p.structured;
    std::string s;
    for (int t = 0; t < p.tokens; ++t) s += mock_token(t);
    return s;
  }
  // The t-th of `parts` pieces of `text` (streamed JSON: structured output, tool arguments).
  static std::string piece_of(std::string_view text, int t, int parts) {
    const std::size_t size = text.size(), n = static_cast<std::size_t>(std::max(parts, 1));
    const std::size_t from = size * static_cast<std::size_t>(t) / n,
                      to = size * static_cast<std::size_t>(t + 1) / n;
    return std::string(text.substr(from, to - from));
  }
  // The t-th output token of a text answer.
  static std::string token_text(const Plan& p, int t) {
    if (p.structured) return piece_of(*p.structured, t, p.tokens);
    return std::string(mock_token(t));
  }
  json::array tool_calls_json(const Plan& p, int choice) const {
    json::array calls;
    for (std::size_t k = 0; k < p.calls.size(); ++k)
      calls.push_back(json::object{
          {"id", fmt::format("call_mock_{}_{}_{}", counter_, choice, k)},
          {"type", "function"},
          {"function",
           json::object{{"name", p.calls[k].name}, {"arguments", p.calls[k].arguments}}}});
    return calls;
  }

  static std::int64_t cached_of(const json::object& usage) {
    if (const auto* d = usage.if_contains("prompt_tokens_details"); d && d->is_object())
      if (const auto* c = d->as_object().if_contains("cached_tokens"); c && c->is_number())
        return c->to_number<std::int64_t>();
    return 0;
  }

  asio::awaitable<void> whole_completion(Exchange& ex, const Plan& p, EngineRequest& er) {
    const double ttft = o_.slow_headers_ms + draw_ms(o_.ttft_ms, o_.ttft_jitter_ms);
    double delay = ttft;
    for (int t = 1; t < p.tokens; ++t) delay += draw_ms(o_.tpot_ms, o_.tpot_jitter_ms);
    er.ttft_s = ttft / 1000;
    co_await sleep_ms(delay);
    json::array choices;
    const std::string text = text_of(p);
    for (int i = 0; i < p.n; ++i) {
      if (p.endpoint == Endpoint::kChat) {
        const bool tools = !p.calls.empty();
        json::object msg{{"role", "assistant"},
                         {"content", tools ? json::value(nullptr) : json::value(text)},
                         {"refusal", nullptr}};
        if (tools) msg["tool_calls"] = tool_calls_json(p, i);
        choices.push_back(json::object{
            {"index", i}, {"message", msg}, {"logprobs", nullptr}, {"finish_reason", p.finish}});
      } else {
        choices.push_back(json::object{
            {"text", text}, {"index", i}, {"logprobs", nullptr}, {"finish_reason", p.finish}});
      }
    }
    json::object res{
        {"id", p.id},
        {"object", p.endpoint == Endpoint::kChat ? "chat.completion" : "text_completion"},
        {"created", p.created},
        {"model", p.model},
        {"choices", choices},
        {"usage", p.usage},
        {"system_fingerprint", "llmctl-mock"}};
    er.completed = co_await ex.respond(200, kJson, json::serialize(res));
  }

  // The disconnect fault: the connection closes mid-stream, without a last chunk.
  static void cut(Exchange& ex) {
    boost::system::error_code ec;
    ex.stream().socket().shutdown(net::tcp::socket::shutdown_both, ec);
    ex.stream().socket().close(ec);
    ex.close_after();
  }

  // One stream chunk; false when the client is gone or the scenario cut the connection.
  asio::awaitable<bool> emit(Exchange& ex, const Plan& p, json::array choices, int& sent,
                             int disconnect_after) {
    if (disconnect_after >= 0 && sent >= disconnect_after) {
      cut(ex);
      co_return false;
    }
    json::object chunk{
        {"id", p.id},
        {"object", p.endpoint == Endpoint::kChat ? "chat.completion.chunk" : "text_completion"},
        {"created", p.created},
        {"model", p.model},
        {"system_fingerprint", "llmctl-mock"},
        {"choices", std::move(choices)}};
    if (p.include_usage) chunk["usage"] = nullptr;
    ++sent;
    co_return co_await ex.chunk("data: " + json::serialize(chunk) + "\n\n");
  }

  json::array choice_deltas(const Plan& p, const std::function<json::value(int)>& delta_of,
                            const json::value& finish) {
    json::array a;
    for (int i = 0; i < p.n; ++i) {
      if (p.endpoint == Endpoint::kChat)
        a.push_back(json::object{{"index", i},
                                 {"delta", delta_of(i)},
                                 {"logprobs", nullptr},
                                 {"finish_reason", finish}});
      else
        a.push_back(json::object{
            {"text", delta_of(i)}, {"index", i}, {"logprobs", nullptr}, {"finish_reason", finish}});
    }
    return a;
  }

  asio::awaitable<void> stream_completion(Exchange& ex, const Plan& p, int disconnect_after,
                                          EngineRequest& er) {
    co_await sleep_ms(o_.slow_headers_ms);
    if (!co_await ex.begin_chunked(200, "text/event-stream", {.cache_control = "no-cache"}))
      co_return;
    co_await sleep_ms(draw_ms(o_.ttft_ms, o_.ttft_jitter_ms));
    er.first_token();
    int sent = 0;
    const json::value null_finish(nullptr);
    if (p.endpoint == Endpoint::kChat && !p.calls.empty()) {
      // Each call in turn: its id and name, then its arguments in pieces (as OpenAI streams
      // parallel calls: one after the other).
      bool first_token = true;
      for (std::size_t k = 0; k < p.calls.size(); ++k) {
        const SimCall& call = p.calls[k];
        auto head = [&](int i) -> json::value {
          json::object d{
              {"tool_calls",
               json::array{json::object{
                   {"index", static_cast<std::int64_t>(k)},
                   {"id", fmt::format("call_mock_{}_{}_{}", counter_, i, k)},
                   {"type", "function"},
                   {"function", json::object{{"name", call.name}, {"arguments", ""}}}}}}};
          if (k == 0) {
            d["role"] = "assistant";
            d["content"] = nullptr;
          }
          return d;
        };
        if (!co_await emit(ex, p, choice_deltas(p, head, null_finish), sent, disconnect_after))
          co_return;
        const int parts = static_cast<int>(mock_token_count(call.arguments.size()));
        for (int t = 0; t < parts; ++t) {
          if (!first_token) co_await sleep_ms(draw_ms(o_.tpot_ms, o_.tpot_jitter_ms));
          first_token = false;
          auto delta = [&](int) -> json::value {
            return json::object{
                {"tool_calls",
                 json::array{json::object{
                     {"index", static_cast<std::int64_t>(k)},
                     {"function",
                      json::object{{"arguments", piece_of(call.arguments, t, parts)}}}}}}};
          };
          if (!co_await emit(ex, p, choice_deltas(p, delta, null_finish), sent, disconnect_after))
            co_return;
        }
      }
    } else {
      if (p.endpoint == Endpoint::kChat) {
        auto first = [&](int) -> json::value {
          return json::object{{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}};
        };
        if (!co_await emit(ex, p, choice_deltas(p, first, null_finish), sent, disconnect_after))
          co_return;
      }
      for (int t = 0; t < p.tokens; ++t) {
        if (t > 0) co_await sleep_ms(draw_ms(o_.tpot_ms, o_.tpot_jitter_ms));
        const std::string token = token_text(p, t);
        auto delta = [&](int) -> json::value {
          if (p.endpoint != Endpoint::kChat) return json::value(token);
          return json::object{{"content", token}};
        };
        if (!co_await emit(ex, p, choice_deltas(p, delta, null_finish), sent, disconnect_after))
          co_return;
      }
    }
    auto last = [&](int) -> json::value {
      return p.endpoint == Endpoint::kChat ? json::value(json::object{}) : json::value("");
    };
    if (!co_await emit(ex, p, choice_deltas(p, last, json::value(p.finish)), sent,
                       disconnect_after))
      co_return;
    if (p.include_usage) {
      json::object chunk{
          {"id", p.id},
          {"object", p.endpoint == Endpoint::kChat ? "chat.completion.chunk" : "text_completion"},
          {"created", p.created},
          {"model", p.model},
          {"system_fingerprint", "llmctl-mock"},
          {"choices", json::array{}},
          {"usage", p.usage}};
      if (!co_await ex.chunk("data: " + json::serialize(chunk) + "\n\n")) co_return;
    }
    if (!co_await ex.chunk("data: [DONE]\n\n")) co_return;
    er.completed = co_await ex.finish_chunked();
  }

  // POST /v1/messages with Anthropic's semantics; the same faults and timings as chat.
  asio::awaitable<void> messages(Exchange& ex) {
    json::value body;
    if (!co_await parse_object(ex, body)) co_return;
    const json::object& o = body.as_object();
    const bool stream =
        o.contains("stream") && o.at("stream").is_bool() && o.at("stream").as_bool();
    int disconnect_after = -1;
    if (co_await counted_faults(ex, stream, disconnect_after)) co_return;
    if (o_.max_context_tokens > 0) {
      const long long prompt = mock_token_count(request_prompt_chars(o, Endpoint::kMessages));
      if (prompt > o_.max_context_tokens) {
        // Anthropic's wording (400 invalid_request_error), which the gateway recognises.
        co_await ex.respond(
            400, kJson,
            anthropic::error_body("invalid_request_error",
                                  fmt::format("prompt is too long: {} tokens > {} maximum", prompt,
                                              o_.max_context_tokens)));
        co_return;
      }
    }
    int tokens = o_.output_tokens;
    if (o_.output_tokens_jitter > 0)
      tokens += std::uniform_int_distribution<int>(-o_.output_tokens_jitter,
                                                   o_.output_tokens_jitter)(rng_);
    AnthropicMockPlan plan =
        anthropic_mock_plan(o, o_, tokens, fmt::format("msg_mock_{}_{}", worker_, ++counter_));
    if (!stream) {
      double delay = o_.slow_headers_ms + draw_ms(o_.ttft_ms, o_.ttft_jitter_ms);
      for (int t = 1; t < plan.tokens; ++t) delay += draw_ms(o_.tpot_ms, o_.tpot_jitter_ms);
      co_await sleep_ms(delay);
      co_await ex.respond(200, kJson, anthropic_mock_message(plan));
      co_return;
    }
    co_await sleep_ms(o_.slow_headers_ms);
    if (!co_await ex.begin_chunked(200, "text/event-stream", {.cache_control = "no-cache"}))
      co_return;
    co_await sleep_ms(draw_ms(o_.ttft_ms, o_.ttft_jitter_ms));
    int sent = 0;
    bool first_token = true;
    for (const MockEvent& e : anthropic_mock_events(plan)) {
      if (disconnect_after >= 0 && sent >= disconnect_after) {
        cut(ex);
        co_return;
      }
      if (e.token && !first_token) co_await sleep_ms(draw_ms(o_.tpot_ms, o_.tpot_jitter_ms));
      if (e.token) first_token = false;
      ++sent;
      if (!co_await ex.chunk(e.bytes)) co_return;
    }
    co_await ex.finish_chunked();
  }

  asio::awaitable<void> embeddings(Exchange& ex, const json::object& o) {
    std::vector<std::string> inputs;
    const json::value& in = o.contains("input") ? o.at("input") : json::value(nullptr);
    if (in.is_string()) {
      inputs.emplace_back(in.as_string());
    } else if (in.is_array()) {
      const auto& a = in.as_array();
      bool token_list = !a.empty() && a.front().is_number();
      if (token_list)
        inputs.push_back(json::serialize(in));
      else
        for (const auto& x : a)
          inputs.push_back(x.is_string() ? std::string(x.as_string()) : json::serialize(x));
    }
    if (inputs.empty()) {
      co_await ex.respond(400, kJson,
                          openai_error_body("input must be a string or an array.",
                                            "invalid_request_error", "input", {}));
      co_return;
    }
    int dims = o_.embedding_dims;
    if (const auto* d = o.if_contains("dimensions"); d && d->is_int64() && d->as_int64() > 0)
      dims = static_cast<int>(std::min<std::int64_t>(d->as_int64(), 65536));
    const bool base64 = o.contains("encoding_format") && o.at("encoding_format").is_string() &&
                        o.at("encoding_format").as_string() == "base64";
    co_await sleep_ms(o_.slow_headers_ms + draw_ms(o_.ttft_ms, o_.ttft_jitter_ms));
    json::array data;
    long long tokens = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      std::vector<float> v = mock_embedding(inputs[i], dims);
      tokens += mock_token_count(inputs[i].size());
      json::value emb;
      if (base64) {
        emb = base64_floats(v);
      } else {
        json::array arr;
        arr.reserve(v.size());
        for (float x : v) arr.push_back(static_cast<double>(x));
        emb = std::move(arr);
      }
      data.push_back(
          json::object{{"object", "embedding"}, {"index", i}, {"embedding", std::move(emb)}});
    }
    std::string model = o.contains("model") && o.at("model").is_string()
                            ? std::string(o.at("model").as_string())
                            : "llmctl-sim";
    json::object res{{"object", "list"},
                     {"data", std::move(data)},
                     {"model", model},
                     {"usage", json::object{{"prompt_tokens", tokens}, {"total_tokens", tokens}}}};
    co_await ex.respond(200, kJson, json::serialize(res));
  }

  MockShared& shared_;
  MockOptions o_;  // this worker's copy of shared_.options
  std::uint64_t seen_version_ = 0;
  int worker_;
  net::Worker& w_;
  std::mt19937_64 rng_;
  std::uint64_t counter_ = 0;
};

class MockServerImpl final : public MockServer {
 public:
  explicit MockServerImpl(const MockOptions& o)
      : options_(o), server_(o.workers, net::ServerLimits{}, "mock") {
    shared_.options = o;
  }
  ~MockServerImpl() override { stop(); }

  Result<int> start() {
    for (std::size_t i = 0; i < server_.size(); ++i)
      server_.worker(i).set_handler(
          std::make_unique<MockHandler>(shared_, static_cast<int>(i), server_.worker(i)));
    auto port = server_.listen(options_.host, options_.port);
    if (!port) return port.error();
    port_ = *port;
    server_.start();
    return port_;
  }
  int port() const override { return port_; }
  void stop() override {
    if (stopped_) return;
    stopped_ = true;
    server_.stop();
  }

 private:
  MockOptions options_;
  MockShared shared_;
  net::Server server_;
  int port_ = 0;
  bool stopped_ = false;
};

}  // namespace

Result<std::unique_ptr<MockServer>> MockServer::start(const MockOptions& options) {
  if (auto st = validate_mock_options(options); !st.ok()) return st.error();
  auto server = std::make_unique<MockServerImpl>(options);
  auto port = server->start();
  if (!port) return port.error();
  return std::unique_ptr<MockServer>(std::move(server));
}

int run_mock(const MockOptions& options) {
  net::ignore_sigpipe();
  net::block_termination_signals();
  auto server = MockServer::start(options);
  if (!server) {
    std::fflush(stdout);
    fmt::print(stderr, "llmctl: mock: {}\n", server.error().message);
    return 2;
  }
  fmt::print(stderr,
             "llmctl mock: {} worker(s); ttft {}±{} ms, tpot {}±{} ms, {} output tokens; faults: "
             "fail {} ({}), 429 {}, hang {}, disconnect {} after {} chunks\n",
             options.workers, options.ttft_ms, options.ttft_jitter_ms, options.tpot_ms,
             options.tpot_jitter_ms, options.output_tokens, options.fail_rate, options.fail_status,
             options.rate_limit_rate, options.hang_rate, options.disconnect_rate,
             options.disconnect_after);
  fmt::print("listening on {}:{}\n", options.host, (*server)->port());
  std::fflush(stdout);
  net::wait_for_termination_signal();
  (*server)->stop();
  return 0;
}

}  // namespace llmctl::mock
