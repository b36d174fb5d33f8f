#include "agent/ask/http_client.h"

#include <fmt/format.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

namespace llmctl::agent::ask {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct Url {
  bool tls = false;
  std::string host, port, target;
};

Result<Url> parse_url(const std::string& url) {
  Url u;
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    u.tls = true;
    rest = url.substr(8);
  } else {
    return Error{fmt::format("{}: expected an http:// or https:// URL", url)};
  }
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  } else {
    u.host = authority;
    u.port = u.tls ? "443" : "80";
  }
  if (u.host.empty()) return Error{fmt::format("{}: no host", url)};
  return u;
}

template <typename Stream>
void exchange(Stream& stream, http::request<http::string_body>& req,
              std::optional<HttpResponse>& out, beast::error_code& error) {
  auto buffer = std::make_shared<beast::flat_buffer>();
  auto res = std::make_shared<http::response<http::string_body>>();
  http::async_write(stream, req, [&, buffer, res](beast::error_code ec, std::size_t) {
    if (ec) {
      error = ec;
      return;
    }
    http::async_read(stream, *buffer, *res, [&, buffer, res](beast::error_code ec2, std::size_t) {
      if (ec2) {
        error = ec2;
        return;
      }
      out = HttpResponse{static_cast<int>(res->result_int()), std::move(res->body())};
    });
  });
}

}  // namespace

Result<HttpResponse> http_post(const std::string& url,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               const std::string& body, std::chrono::milliseconds timeout) {
  auto u = parse_url(url);
  if (!u) return u.error();
  asio::io_context io;
  tcp::resolver resolver(io);
  beast::error_code ec;
  auto endpoints = resolver.resolve(u->host, u->port, ec);
  if (ec) return Error{fmt::format("{}: cannot resolve {}: {}", url, u->host, ec.message())};

  http::request<http::string_body> req{http::verb::post, u->target, 11};
  req.set(http::field::host, u->host);
  req.set(http::field::user_agent, "llmctl-ask");
  req.set(http::field::content_type, "application/json");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();

  std::optional<HttpResponse> out;
  beast::error_code error;
  ssl::context tls_ctx(ssl::context::tls_client);
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  if (u->tls) {
    tls_ctx.set_default_verify_paths();
    tls_ctx.set_verify_mode(ssl::verify_peer);
    secure.emplace(io, tls_ctx);
    if (!SSL_set_tlsext_host_name(secure->native_handle(), u->host.c_str()))
      return Error{fmt::format("{}: cannot set the TLS server name", url)};
    secure->set_verify_callback(ssl::host_name_verification(u->host));
    beast::get_lowest_layer(*secure).async_connect(
        endpoints, [&](beast::error_code c, const tcp::endpoint&) {
          if (c) {
            error = c;
            return;
          }
          secure->async_handshake(ssl::stream_base::client, [&](beast::error_code h) {
            if (h) {
              error = h;
              return;
            }
            exchange(*secure, req, out, error);
          });
        });
  } else {
    plain.emplace(io);
    plain->async_connect(endpoints, [&](beast::error_code c, const tcp::endpoint&) {
      if (c) {
        error = c;
        return;
      }
      exchange(*plain, req, out, error);
    });
  }
  io.run_for(timeout);
  if (out) return *out;
  if (error) return Error{fmt::format("{}: {}", url, error.message())};
  return Error{fmt::format("{}: no answer after {} ms", url, timeout.count())};
}

}  // namespace llmctl::agent::ask
