#include "gateway/credential_fetch.h"

#include <fmt/format.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

#include "common/clock.h"
#include "gateway/config.h"

namespace llmctl::gateway {

namespace asio = net::asio;
namespace beast = net::beast;
namespace http = net::http;
namespace ssl = asio::ssl;
using net::tcp;
using net::use_nothrow;
using error_code = boost::system::error_code;

namespace {

constexpr std::size_t kMaxAnswerBytes = 64 * 1024;

struct Answer {
  unsigned status = 0;
  std::string body;
};

// One request on a new connection (credential endpoints are called every few minutes at most:
// nothing to pool). Errors say which step failed.
asio::awaitable<Result<Answer>> send(const cloud::HttpCall& call, const std::string& ca_file,
                                     net::Clock::time_point deadline) {
  // The target as given (parse_url would drop a trailing '/', which IMDS paths need).
  const std::size_t scheme = call.url.find("://");
  const std::size_t slash =
      scheme == std::string::npos ? std::string::npos : call.url.find('/', scheme + 3);
  const std::string target = slash == std::string::npos ? "/" : call.url.substr(slash);
  auto url = parse_url(std::string_view(call.url).substr(0, slash));
  if (!url) co_return Error{fmt::format("{}: {}", call.url, url.error().message)};
  auto ex = co_await asio::this_coro::executor;
  auto left = [&] {
    return std::max(
        std::chrono::milliseconds(1),
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - net::Clock::now()));
  };
  tcp::resolver resolver(ex);
  auto [rec, endpoints] = co_await resolver.async_resolve(url->host, url->port, use_nothrow);
  if (rec)
    co_return Error{fmt::format("{}: cannot resolve {}: {}", call.url, url->host, rec.message())};

  std::optional<ssl::context> tls;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  if (url->tls) {
    try {
      tls.emplace(ssl::context::tls_client);
      SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
      tls->set_default_verify_paths();
      if (!ca_file.empty()) tls->load_verify_file(ca_file);
    } catch (const std::exception& e) {
      co_return Error{fmt::format("{}: TLS setup failed: {}", call.url, e.what())};
    }
    secure.emplace(ex, *tls);
  } else {
    plain.emplace(ex);
  }
  beast::tcp_stream& lowest = secure ? beast::get_lowest_layer(*secure) : *plain;
  lowest.expires_after(left());
  auto [cec, ep] = co_await lowest.async_connect(endpoints, use_nothrow);
  if (cec) co_return Error{fmt::format("{}: cannot connect: {}", call.url, cec.message())};
  if (secure) {
    error_code addr_ec;
    asio::ip::make_address(url->host, addr_ec);
    if (addr_ec) SSL_set_tlsext_host_name(secure->native_handle(), url->host.c_str());
    secure->set_verify_mode(ssl::verify_peer);
    secure->set_verify_callback(ssl::host_name_verification(url->host));
    auto [hec] = co_await secure->async_handshake(ssl::stream_base::client, use_nothrow);
    if (hec) co_return Error{fmt::format("{}: TLS handshake failed: {}", call.url, hec.message())};
  }

  http::request<http::string_body> req;
  req.method(http::string_to_verb(call.method));
  req.target(target);
  req.version(11);
  req.set(http::field::host, url->host_header);
  req.set(http::field::user_agent, "llmctl-gateway");
  for (const auto& [name, value] : call.headers) req.set(name, value);
  req.body() = call.body;
  req.prepare_payload();

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxAnswerBytes);
  error_code ec;
  lowest.expires_after(left());
  if (secure) {
    std::tie(ec, std::ignore) = co_await http::async_write(*secure, req, use_nothrow);
    if (!ec)
      std::tie(ec, std::ignore) = co_await http::async_read(*secure, buffer, parser, use_nothrow);
  } else {
    std::tie(ec, std::ignore) = co_await http::async_write(*plain, req, use_nothrow);
    if (!ec)
      std::tie(ec, std::ignore) = co_await http::async_read(*plain, buffer, parser, use_nothrow);
  }
  error_code ignored;
  lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (ec)
    co_return Error{fmt::format("{}: {}", call.url,
                                ec == beast::error::timeout ? "no answer in time" : ec.message())};
  co_return Answer{parser.get().result_int(), std::move(parser.get().body())};
}

asio::awaitable<Result<cloud::Credential>> fetch(const cloud::CredentialSource& source,
                                                 const std::string& ca_file) {
  const auto deadline = net::Clock::now() + std::chrono::milliseconds(source.timeout_ms());
  auto f = source.begin();
  auto call = f->start(real_clock().unix_ms());
  if (!call) co_return call.error();
  // Bounded: no source needs more than three requests.
  for (int step = 0; step < 8; ++step) {
    auto answer = co_await send(*call, ca_file, deadline);
    if (!answer) co_return answer.error();
    auto next = f->next(answer->status, answer->body, real_clock().unix_ms());
    if (!next) co_return next.error();
    if (auto* c = std::get_if<cloud::Credential>(&*next)) co_return std::move(*c);
    call = std::get<cloud::HttpCall>(std::move(*next));
  }
  co_return Error{"the credential exchange did not end"};
}

asio::awaitable<void> fetch_and_complete(std::shared_ptr<cloud::TokenCache> cache,
                                         std::string ca_file) {
  Result<cloud::Credential> r = co_await fetch(cache->source(), ca_file);
  if (!r)
    r = Error{
        fmt::format("no credentials from {}: {}", cache->source().describe(), r.error().message)};
  cache->complete(std::move(r), real_clock().unix_ms());
}

}  // namespace

asio::awaitable<Result<cloud::Credential>> current_credential(
    std::shared_ptr<cloud::TokenCache> cache, std::string ca_file) {
  if (auto c = cache->fresh(real_clock().unix_ms())) co_return std::move(*c);
  auto ex = co_await asio::this_coro::executor;
  // (error, credential): Result has no default value, which a completion signature needs.
  auto [error, credential] = co_await asio::async_initiate<decltype(asio::use_awaitable),
                                                           void(std::string, cloud::Credential)>(
      [&](auto handler) {
        using Handler = decltype(handler);
        auto h = std::make_shared<Handler>(std::move(handler));
        auto wake = [h, ex](std::string err, cloud::Credential c) {
          auto hex = asio::get_associated_executor(*h, ex);
          asio::post(hex, [h, err = std::move(err), c = std::move(c)]() mutable {
            (*h)(std::move(err), std::move(c));
          });
        };
        cloud::Credential ready;
        auto join = cache->join(
            real_clock().unix_ms(),
            [wake](const Result<cloud::Credential>& r) {
              if (r)
                wake({}, *r);
              else
                wake(r.error().message, {});
            },
            &ready);
        if (join == cloud::TokenCache::Join::kReady) wake({}, std::move(ready));
        if (join == cloud::TokenCache::Join::kFetch)
          asio::co_spawn(ex, fetch_and_complete(cache, ca_file), asio::detached);
      },
      asio::use_awaitable);
  if (!error.empty()) co_return Error{std::move(error)};
  co_return std::move(credential);
}

}  // namespace llmctl::gateway
