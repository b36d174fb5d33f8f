// Beast's HTTP client over Asio coroutines (the shape of Beast's http_client_coro examples), run
// on a private io_context: every step has the one deadline, errors come back as values.
#include "monitor/http_get.h"

#include <fmt/format.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <optional>

namespace llmctl::monitor {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

struct Outcome {
  std::optional<HttpResponse> response;
  std::string error;
};

template <typename Stream>
asio::awaitable<void> exchange(Stream& stream, const Url& u,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               std::size_t max_body, Outcome& out) {
  http::request<http::empty_body> req{http::verb::get, u.target, 11};
  req.set(http::field::host, u.host);
  req.set(http::field::user_agent, "llmctl-monitor");
  req.set(http::field::accept, "application/json, text/plain;version=0.0.4, */*");
  for (const auto& [k, v] : headers) req.set(k, v);
  auto [wec, wn] = co_await http::async_write(stream, req, nothrow);
  (void)wn;
  if (wec) {
    out.error = "writing the request: " + wec.message();
    co_return;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_body);
  auto [rec, rn] = co_await http::async_read(stream, buffer, parser, nothrow);
  (void)rn;
  if (rec) {
    out.error = "reading the response: " + rec.message();
    co_return;
  }
  auto res = parser.release();
  HttpResponse r;
  r.status = static_cast<int>(res.result_int());
  r.content_type = std::string(res[http::field::content_type]);
  r.body = std::move(res.body());
  out.response = std::move(r);
}

asio::awaitable<void> run(asio::io_context& ioc, ssl::context* tls, const Url& u,
                          std::chrono::steady_clock::time_point deadline,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          std::size_t max_body, Outcome& out) {
  tcp::resolver resolver(ioc);
  auto [ec, results] = co_await resolver.async_resolve(u.host, u.port, nothrow);
  if (ec) {
    out.error = "resolving " + u.host + ": " + ec.message();
    co_return;
  }
  if (!tls) {
    beast::tcp_stream stream(ioc);
    stream.expires_at(deadline);
    auto [cec, ep] = co_await stream.async_connect(results, nothrow);
    (void)ep;
    if (cec) {
      out.error = "connecting: " + cec.message();
      co_return;
    }
    co_await exchange(stream, u, headers, max_body, out);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> stream(ioc, *tls);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), u.host.c_str())) {
    out.error = "TLS: cannot set the server name";
    co_return;
  }
  stream.set_verify_callback(ssl::host_name_verification(u.host));
  beast::get_lowest_layer(stream).expires_at(deadline);
  auto [cec, ep] = co_await beast::get_lowest_layer(stream).async_connect(results, nothrow);
  (void)ep;
  if (cec) {
    out.error = "connecting: " + cec.message();
    co_return;
  }
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, nothrow);
  if (hec) {
    out.error = "TLS handshake: " + hec.message();
    co_return;
  }
  co_await exchange(stream, u, headers, max_body, out);
}

}  // namespace

Result<Url> parse_url(const std::string& url) {
  Url u;
  std::size_t p = url.find("://");
  if (p == std::string::npos)
    return Error{fmt::format("{}: expected a URL such as http://host:port/path", url)};
  u.scheme = url.substr(0, p);
  if (u.scheme != "http" && u.scheme != "https")
    return Error{fmt::format("{}: expected an http:// or https:// URL", url)};
  std::string rest = url.substr(p + 3);
  std::size_t slash = rest.find_first_of("/?");
  std::string authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (!u.target.empty() && u.target[0] == '?') u.target = "/" + u.target;
  if (authority.empty())
    return Error{fmt::format("{}: expected a host after {}://", url, u.scheme)};
  if (authority.front() == '[') {  // [v6]:port
    std::size_t close = authority.find(']');
    if (close == std::string::npos) return Error{fmt::format("{}: unclosed '[' in the host", url)};
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      u.port = authority.substr(close + 2);
  } else if (std::size_t colon = authority.rfind(':'); colon != std::string::npos) {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  } else {
    u.host = authority;
  }
  if (u.port.empty()) u.port = u.scheme == "https" ? "443" : "80";
  for (char c : u.port)
    if (c < '0' || c > '9') return Error{fmt::format("{}: expected a numeric port", url)};
  return u;
}

std::string url_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

Result<HttpResponse> http_get(const std::string& url, double timeout_s,
                              const std::vector<std::pair<std::string, std::string>>& headers,
                              std::size_t max_body_bytes) {
  auto u = parse_url(url);
  if (!u) return u.error();
  // Declared before the io_context so that it is destroyed first, with any coroutine frame
  // still pending on it.
  Outcome out;
  std::optional<ssl::context> tls;
  if (u->scheme == "https") {
    tls.emplace(ssl::context::tls_client);
    tls->set_default_verify_paths();
    tls->set_verify_mode(ssl::verify_peer);
  }
  const auto timeout = std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  asio::io_context ioc;
  asio::co_spawn(ioc, run(ioc, tls ? &*tls : nullptr, *u, deadline, headers, max_body_bytes, out),
                 asio::detached);
  // The resolver has no deadline of its own: bound the whole run.
  ioc.run_for(timeout + std::chrono::milliseconds(100));
  if (!ioc.stopped()) {
    ioc.stop();
    return Error{fmt::format("GET {}: no answer within {} s", url, timeout_s)};
  }
  if (!out.response) {
    if (out.error.find("timed out") != std::string::npos ||
        out.error.find("timeout") != std::string::npos)
      return Error{fmt::format("GET {}: no answer within {} s ({})", url, timeout_s, out.error)};
    return Error{fmt::format("GET {}: {}", url, out.error.empty() ? "failed" : out.error)};
  }
  return std::move(*out.response);
}

}  // namespace llmctl::monitor
