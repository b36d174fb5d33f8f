#include "agent/mcp/http.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <deque>
#include <iostream>
#include <map>
#include <mutex>
#include <random>

#include "common/strings.h"
#include "net/net.h"

namespace llmctl::agent::mcp {
namespace {

namespace json = boost::json;
namespace net = ::llmctl::net;
namespace asio = net::asio;
namespace beast = net::beast;
namespace http = net::http;

constexpr std::string_view kPath = "/mcp";
constexpr std::string_view kVersionKey = "io.modelcontextprotocol/protocolVersion";

// Messages for one HTTP request, produced on tool threads and written by the worker's coroutine.
class HttpChannel : public Channel, public std::enable_shared_from_this<HttpChannel> {
 public:
  explicit HttpChannel(asio::any_io_executor ex) : ex_(ex), timer_(ex) {}
  void notify(const json::value& m) override { push(json::serialize(m), false, false); }
  void respond(const json::value& m) override { push(json::serialize(m), true, false); }
  void abandon() override { push("", true, true); }

  // Waits until there is something to write (or `limit`), then takes it.
  asio::awaitable<std::vector<std::string>> take(bool& finished, bool& abandoned) {
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (!queue_.empty() || done_) {
          std::vector<std::string> out(queue_.begin(), queue_.end());
          queue_.clear();
          finished = done_;
          abandoned = abandoned_;
          co_return out;
        }
      }
      timer_.expires_after(std::chrono::seconds(1));
      co_await timer_.async_wait(net::use_nothrow);
    }
  }

 private:
  void push(std::string message, bool final, bool abandoned) {
    {
      std::lock_guard lock(mutex_);
      if (!message.empty()) queue_.push_back(std::move(message));
      done_ = done_ || final;
      abandoned_ = abandoned_ || abandoned;
    }
    asio::post(ex_, [self = shared_from_this()] { self->timer_.cancel(); });
  }

  asio::any_io_executor ex_;
  asio::steady_timer timer_;
  std::mutex mutex_;
  std::deque<std::string> queue_;
  bool done_ = false;
  bool abandoned_ = false;
};

class DiscardChannel : public Channel {
 public:
  void notify(const json::value&) override {}
  void respond(const json::value&) override {}
  void abandon() override {}
};

std::string new_session_id() {
  static std::mutex mutex;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard lock(mutex);
  return fmt::format("{:016x}{:016x}", rng(), rng());
}

bool loopback_name(std::string_view host) {
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]" || host == "::1";
}

// "host:port" or "[v6]:port" -> host.
std::string host_part(std::string_view authority) {
  if (!authority.empty() && authority.front() == '[') {
    auto end = authority.find(']');
    return std::string(
        authority.substr(0, end == std::string_view::npos ? authority.size() : end + 1));
  }
  auto colon = authority.rfind(':');
  return std::string(colon == std::string_view::npos ? authority : authority.substr(0, colon));
}

class Sessions {
 public:
  std::shared_ptr<Session> find(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto it = map_.find(id);
    return it == map_.end() ? nullptr : it->second;
  }
  void add(const std::string& id, std::shared_ptr<Session> s) {
    std::lock_guard lock(mutex_);
    map_[id] = std::move(s);
  }
  std::shared_ptr<Session> remove(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto it = map_.find(id);
    if (it == map_.end()) return nullptr;
    auto s = it->second;
    map_.erase(it);
    return s;
  }
  std::vector<std::shared_ptr<Session>> all() {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<Session>> out;
    for (auto& [id, s] : map_) out.push_back(s);
    return out;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Session>> map_;
};

class McpHandler : public net::Handler {
 public:
  McpHandler(Server& server, Sessions& sessions, bool loopback)
      : server_(server), sessions_(sessions), loopback_(loopback) {}

  asio::awaitable<void> handle(net::Exchange& ex) override {
    net::Request& req = ex.request();
    // DNS rebinding: a server on loopback answers only requests addressed to loopback names,
    // and only pages served from them (spec: transports, "Security Warning").
    if (loopback_) {
      std::string host = host_part(std::string(req[http::field::host]));
      std::string origin(req[http::field::origin]);
      std::string origin_host =
          origin.empty()
              ? ""
              : host_part(origin.substr(
                    origin.find("://") == std::string::npos ? 0 : origin.find("://") + 3));
      if (!loopback_name(host) || (!origin.empty() && !loopback_name(origin_host))) {
        co_await send(ex, 403, "application/json",
                      json::serialize(error_body(nullptr, -32600,
                                                 "forbidden: Host or Origin is not a loopback "
                                                 "name (DNS rebinding protection)")));
        co_return;
      }
    }
    std::string_view target = req.target();
    target = target.substr(0, target.find('?'));
    if (target != kPath) {
      co_await send(ex, 404, "text/plain", "not found: MCP is served at /mcp\n");
      co_return;
    }
    if (req.method() == http::verb::post) {
      co_await post(ex);
    } else if (req.method() == http::verb::delete_) {
      auto s = sessions_.remove(std::string(req["mcp-session-id"]));
      if (s) server_.cancel_all(*s);
      co_await send(ex, s ? 200 : 404, "text/plain", s ? "" : "unknown session\n");
    } else {
      // No server-initiated stream: everything a request causes goes on its own response.
      // (A named vector, not a braced list: GCC 12 cannot keep one alive across co_await.)
      std::vector<std::pair<std::string, std::string>> allow;
      allow.emplace_back("allow", "POST, DELETE");
      co_await send(ex, 405, "text/plain", "method not allowed: use POST (or DELETE)\n", allow);
    }
  }

 private:
  static json::value error_body(json::value id, int code, const std::string& message) {
    return json::object{{"jsonrpc", "2.0"},
                        {"id", std::move(id)},
                        {"error", json::object{{"code", code}, {"message", message}}}};
  }

  asio::awaitable<bool> send(net::Exchange& ex, unsigned status, std::string_view type,
                             std::string body,
                             std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::response<http::string_body> res{static_cast<http::status>(status),
                                          ex.request().version()};
    res.set(http::field::server, "llmctl");
    if (!type.empty()) res.set(http::field::content_type, type);
    for (const auto& [k, v] : headers) res.set(k, v);
    res.keep_alive(ex.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    ex.stream().expires_after(std::chrono::seconds(60));
    auto [ec, n] = co_await http::async_write(ex.stream(), res, net::use_nothrow);
    ex.stream().expires_never();
    if (ec) ex.close_after();
    co_return !ec;
  }

  asio::awaitable<void> post(net::Exchange& ex) {
    net::Request& req = ex.request();
    boost::system::error_code ec;
    json::value msg = json::parse(req.body(), ec);
    if (ec) {
      co_await send(ex, 400, "application/json",
                    json::serialize(Server::parse_error(ec.message())));
      co_return;
    }
    if (!msg.is_object()) {
      co_await send(ex, 400, "application/json",
                    json::serialize(error_body(nullptr, -32600,
                                               "invalid request: one JSON-RPC message per POST "
                                               "(batches were removed in 2025-06-18)")));
      co_return;
    }
    const json::object& o = msg.as_object();
    const json::value* method = o.if_contains("method");
    const bool is_request = method && o.contains("id");
    const bool initialize =
        is_request && method->is_string() && method->as_string() == "initialize";
    bool modern = false;
    if (const json::value* params = o.if_contains("params"); params && params->is_object())
      if (const json::value* meta = params->as_object().if_contains("_meta");
          meta && meta->is_object())
        modern = meta->as_object().contains(kVersionKey);
    if (method && method->is_string() && method->as_string() == "server/discover") modern = true;

    std::shared_ptr<Session> session;
    std::string session_id;
    if (initialize) {
      session = std::make_shared<Session>();
      session_id = new_session_id();
      session->id = session_id;
    } else if (modern) {
      session = std::make_shared<Session>();  // stateless: nothing survives this request
    } else {
      session_id = std::string(req["mcp-session-id"]);
      if (session_id.empty()) {
        co_await send(ex, 400, "application/json",
                      json::serialize(error_body(o.contains("id") ? o.at("id") : nullptr, -32600,
                                                 "bad request: Mcp-Session-Id header is required "
                                                 "(initialize first)")));
        co_return;
      }
      session = sessions_.find(session_id);
      if (!session) {
        co_await send(ex, 404, "application/json",
                      json::serialize(error_body(o.contains("id") ? o.at("id") : nullptr, -32001,
                                                 "session not found (expired or deleted): "
                                                 "initialize again")));
        co_return;
      }
      std::string header(req["mcp-protocol-version"]);
      const auto& versions = supported_versions();
      if (!header.empty() &&
          std::find(versions.begin(), versions.end(), header) == versions.end()) {
        co_await send(ex, 400, "application/json",
                      json::serialize(error_body(o.contains("id") ? o.at("id") : nullptr, -32600,
                                                 fmt::format("unsupported MCP-Protocol-Version "
                                                             "header '{}'; supported: {}",
                                                             header, join(versions, ", ")))));
        co_return;
      }
    }
    std::vector<std::pair<std::string, std::string>> headers;
    if (!session_id.empty()) headers.emplace_back("mcp-session-id", session_id);

    if (!is_request) {  // a notification or a response: accepted, nothing to return
      server_.handle(session, msg, std::make_shared<DiscardChannel>());
      co_await send(ex, 202, "", "", headers);
      co_return;
    }
    auto channel = std::make_shared<HttpChannel>(ex.stream().get_executor());
    server_.handle(session, msg, channel);
    // tools/call may send progress and log messages before its result: an SSE stream. The rest
    // answer at once: one JSON body.
    const bool stream = method->is_string() && method->as_string() == "tools/call";
    bool finished = false, abandoned = false;
    if (!stream) {
      std::vector<std::string> out;
      while (!finished) {
        auto more = co_await channel->take(finished, abandoned);
        out.insert(out.end(), more.begin(), more.end());
      }
      std::string body = out.empty() ? "" : out.back();
      if (initialize && body.find("\"result\"") != std::string::npos)
        sessions_.add(session_id, session);
      if (initialize && body.find("\"result\"") == std::string::npos) headers.clear();
      co_await send(ex, body.empty() ? 202 : 200, body.empty() ? "" : "application/json", body,
                    headers);
      co_return;
    }
    http::response<http::empty_body> res{http::status::ok, req.version()};
    res.set(http::field::server, "llmctl");
    res.set(http::field::content_type, "text/event-stream");
    res.set(http::field::cache_control, "no-cache");
    for (const auto& [k, v] : headers) res.set(k, v);
    res.keep_alive(ex.keep_alive());
    res.chunked(true);
    http::response_serializer<http::empty_body> sr{res};
    ex.stream().expires_after(std::chrono::seconds(60));
    auto [hec, hn] = co_await http::async_write_header(ex.stream(), sr, net::use_nothrow);
    ex.stream().expires_never();
    bool alive = !hec;
    while (alive && !finished) {
      for (const auto& m : co_await channel->take(finished, abandoned)) {
        std::string event = "event: message\ndata: " + m + "\n\n";
        ex.stream().expires_after(std::chrono::seconds(60));
        auto [cec, cn] = co_await asio::async_write(
            ex.stream(), http::make_chunk(asio::const_buffer(event.data(), event.size())),
            net::use_nothrow);
        ex.stream().expires_never();
        if (cec) {
          alive = false;
          break;
        }
      }
    }
    if (!alive) {
      // The client went away mid-call: cancel the call, as if it had said so.
      server_.handle(session,
                     json::object{{"jsonrpc", "2.0"},
                                  {"method", "notifications/cancelled"},
                                  {"params", json::object{{"requestId", o.at("id")},
                                                          {"reason", "connection closed"}}}},
                     std::make_shared<DiscardChannel>());
      ex.close_after();
      co_return;
    }
    auto [fec, fn] =
        co_await asio::async_write(ex.stream(), http::make_chunk_last(), net::use_nothrow);
    if (fec) ex.close_after();
  }

  Server& server_;
  Sessions& sessions_;
  bool loopback_;
};

}  // namespace

int serve_http(Server& server, const std::string& host, int port) {
  net::ignore_sigpipe();
  net::block_termination_signals();
  net::ServerLimits limits;
  limits.max_body_bytes = 16 * 1024 * 1024;  // inline audit files
  net::Server http_server(1, limits, "mcp-http");
  auto bound = http_server.listen(host, port);
  if (!bound) {
    std::cerr << fmt::format("llmctl: mcp --http {}:{}: {}\n", host, port, bound.error().message);
    return 2;
  }
  Sessions sessions;
  const bool loopback = loopback_name(host);
  for (std::size_t i = 0; i < http_server.size(); ++i)
    http_server.worker(i).set_handler(std::make_unique<McpHandler>(server, sessions, loopback));
  http_server.start();
  std::cout << fmt::format("listening on {}:{}", host, *bound) << std::endl;
  std::cerr << fmt::format("llmctl mcp: Streamable HTTP at http://{}:{}{}\n", host, *bound, kPath);
  net::wait_for_termination_signal();
  for (auto& s : sessions.all()) server.cancel_all(*s);
  server.wait_idle();
  http_server.stop();
  return 0;
}

}  // namespace llmctl::agent::mcp
