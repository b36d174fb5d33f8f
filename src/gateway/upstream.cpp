#include "gateway/upstream.h"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/string.hpp>
#include <cstring>
#include <utility>

namespace llmctl::gateway {

using namespace std::chrono_literals;
using net::use_nothrow;
using error_code = boost::system::error_code;

UpstreamConnection::UpstreamConnection(asio::io_context& io, ssl::context* tls)
    : plain_(tls ? nullptr : std::make_unique<beast::tcp_stream>(io)),
      tls_(tls ? std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io, *tls) : nullptr),
      read_deadline_(lowest()) {}

beast::tcp_stream& UpstreamConnection::lowest() {
  return tls_ ? beast::get_lowest_layer(*tls_) : *plain_;
}

asio::awaitable<error_code> UpstreamConnection::connect(const Deployment& d,
                                                        tcp::resolver& resolver,
                                                        std::chrono::milliseconds timeout) {
  auto [rec, endpoints] = co_await resolver.async_resolve(d.url.host, d.url.port, use_nothrow);
  if (rec) co_return rec;
  beast::tcp_stream& s = lowest();
  s.expires_after(timeout);
  auto [cec, ep] = co_await s.async_connect(endpoints, use_nothrow);
  if (cec) co_return cec;
  error_code ignored;
  s.socket().set_option(tcp::no_delay(true), ignored);
  if (!tls_) {
    // buffer_'s reads skip the recv that finds the socket empty (edge_buffer.h); a TLS stream
    // reads the socket into its own buffers.
    net::enable_edge_reads(s.socket().native_handle());
  } else {
    // SNI (not for IP literals), then verify the chain and that the certificate names the host.
    error_code addr_ec;
    asio::ip::make_address(d.url.host, addr_ec);
    if (addr_ec && !SSL_set_tlsext_host_name(tls_->native_handle(), d.url.host.c_str()))
      co_return error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
    tls_->set_verify_mode(ssl::verify_peer);
    tls_->set_verify_callback(ssl::host_name_verification(d.url.host));
    auto [hec] = co_await tls_->async_handshake(ssl::stream_base::client, use_nothrow);
    if (hec) co_return hec;
  }
  s.expires_never();
  co_return error_code{};
}

void ResponseParser::on_field_impl(http::field name, beast::string_view name_string,
                                   beast::string_view value, error_code&) {
  Field f;
  switch (name) {
    case http::field::content_type:
      f = kContentType;
      break;
    case http::field::retry_after:
      f = kRetryAfter;
      break;
    case http::field::unknown:
      if (beast::iequals(name_string, "retry-after-ms")) {
        f = kRetryAfterMs;
      } else if (beast::iequals(name_string, "x-amzn-errortype")) {
        f = kAmznErrorType;
      } else {
        return;
      }
      break;
    default:
      return;
  }
  if (spans_[f].set) return;
  // The head is at most the parser's header_limit (8 KiB), so offsets fit.
  spans_[f] = {static_cast<std::uint32_t>(values_.size()), static_cast<std::uint32_t>(value.size()),
               true};
  values_.append(value.data(), value.size());
}

std::size_t ResponseParser::put_body(std::string_view body, error_code& ec) {
  if (!body_.data) {
    ec = http::error::need_buffer;
    return 0;
  }
  const std::size_t n = std::min(body.size(), body_.size);
  std::memcpy(body_.data, body.data(), n);
  body_.data = static_cast<char*>(body_.data) + n;
  body_.size -= n;
  ec = n == body.size() ? error_code{} : error_code(http::error::need_buffer);
  return n;
}

bool UpstreamConnection::write_now(std::string_view head, std::string_view body, error_code& ec) {
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(head.data(), head.size()),
                                                  asio::buffer(body.data(), body.size())};
  ec = {};
  if (!tls_) return net::write_now(*plain_, buffers, ec, unsent_);
  unsent_.count = 0;  // TLS: write_rest writes everything
  for (const auto& b : buffers)
    if (b.size() > 0) unsent_.pieces[unsent_.count++] = b;
  return false;
}

asio::awaitable<error_code> UpstreamConnection::write_rest(std::chrono::milliseconds timeout) {
  if (!tls_) co_return co_await net::write_rest(*plain_, unsent_, timeout);
  lowest().expires_after(timeout);
  auto [ec, n] = co_await asio::async_write(
      *tls_, std::span<const asio::const_buffer>(unsent_.pieces.data(), unsent_.count),
      use_nothrow);
  co_return ec;
}

asio::awaitable<error_code> UpstreamConnection::write(http::request<http::string_body>& req,
                                                      std::chrono::milliseconds timeout) {
  lowest().expires_after(timeout);
  error_code ec;
  if (tls_)
    std::tie(ec, std::ignore) = co_await http::async_write(*tls_, req, use_nothrow);
  else
    std::tie(ec, std::ignore) = co_await http::async_write(*plain_, req, use_nothrow);
  co_return ec;
}

asio::awaitable<error_code> UpstreamConnection::read_header(ResponseParser& parser,
                                                            std::chrono::milliseconds timeout) {
  begin_read(timeout);
  auto [ec, n] = co_await read_header_op(parser);
  co_return end_read(ec);
}

void UpstreamConnection::begin_read(std::chrono::milliseconds timeout) {
  lowest().expires_never();  // a write's Beast deadline must not arm a timer for this read
  read_deadline_.expires_after(timeout);
}

asio::awaitable<std::tuple<error_code, std::size_t>> UpstreamConnection::read_header_op(
    ResponseParser& parser) {
  if (tls_) return http::async_read_header(*tls_, buffer_, parser, use_nothrow);
  return http::async_read_header(*plain_, buffer_, parser, use_nothrow);
}

error_code UpstreamConnection::end_read(error_code ec) {
  read_deadline_.expires_never();
  if (ec && read_deadline_.timed_out()) ec = beast::error::timeout;
  return ec;
}

asio::awaitable<std::pair<error_code, std::size_t>> UpstreamConnection::read_body(
    ResponseParser& parser, char* data, std::size_t size, std::chrono::milliseconds timeout) {
  if (pending_) co_return std::pair{std::exchange(pending_, {}), std::size_t{0}};
  parser.body().data = data;
  parser.body().size = size;
  // What the last read brought beyond the headers (a whole small answer, usually) is parsed
  // from the buffer without another asynchronous read.
  if (buffer_.size() > 0 && !parser.is_done()) {
    drain(parser);
    const std::size_t got = size - parser.body().size;
    if (got > 0 || parser.is_done()) co_return std::pair{error_code{}, got};
    if (pending_) co_return std::pair{std::exchange(pending_, {}), std::size_t{0}};
  }
  lowest().expires_never();
  read_deadline_.expires_after(timeout);
  error_code ec;
  if (tls_)
    std::tie(ec, std::ignore) = co_await http::async_read_some(*tls_, buffer_, parser, use_nothrow);
  else
    std::tie(ec, std::ignore) =
        co_await http::async_read_some(*plain_, buffer_, parser, use_nothrow);
  read_deadline_.expires_never();
  if (ec && read_deadline_.timed_out()) ec = beast::error::timeout;
  if (ec == http::error::need_buffer) ec = {};
  if (!ec) drain(parser);
  std::size_t got = size - parser.body().size;
  co_return std::pair{ec, got};
}

void UpstreamConnection::drain(ResponseParser& parser) {
  while (!parser.is_done() && buffer_.size() > 0 && parser.body().size > 0) {
    error_code pec;
    const std::size_t used = parser.put(buffer_.data(), pec);
    buffer_.consume(used);
    if (pec == http::error::need_more || pec == http::error::need_buffer) return;
    if (pec) {
      pending_ = pec;
      return;
    }
    if (used == 0) return;
  }
}

bool UpstreamConnection::read_buffered(ResponseParser& parser, std::string& out, std::size_t limit,
                                       error_code& ec) {
  ec = {};
  if (!parser.is_done() && buffer_.size() > 0) {
    // The body bytes in the buffer are at most the buffered bytes (less with chunk framing), so
    // one drain into that much room takes them all.
    const std::size_t old = out.size(), room = buffer_.size();
    out.resize(old + room);
    parser.body().data = out.data() + old;
    parser.body().size = room;
    drain(parser);
    out.resize(old + room - parser.body().size);
    if (pending_) {
      ec = std::exchange(pending_, {});
      return true;
    }
    if (out.size() > limit) {
      ec = http::error::body_limit;
      return true;
    }
  }
  return parser.is_done();
}

bool UpstreamConnection::stale() const {
  const beast::tcp_stream& s = tls_ ? beast::get_lowest_layer(*tls_) : *plain_;
  auto& sock = const_cast<beast::tcp_stream&>(s).socket();
  if (!sock.is_open()) return true;
  char byte;
  ssize_t n = ::recv(sock.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return true;  // closed by the peer
  if (n > 0) return true;   // bytes nobody asked for: the stream is out of sync
  return !(errno == EAGAIN || errno == EWOULDBLOCK);
}

void UpstreamConnection::close() {
  error_code ec;
  lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
  lowest().socket().close(ec);
}

// ---- pool ----

UpstreamPool::UpstreamPool(asio::io_context& io, const Deployment& deployment, PoolStats& stats)
    : io_(io), deployment_(deployment), stats_(&stats), resolver_(io) {
  if (!deployment.url.tls) return;
  try {
    tls_ = std::make_unique<ssl::context>(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(tls_->native_handle(), TLS1_2_VERSION);
    tls_->set_default_verify_paths();
    if (!deployment.ca_file.empty()) tls_->load_verify_file(deployment.ca_file);
    tls_->set_verify_mode(ssl::verify_peer);
  } catch (const std::exception& e) {
    tls_.reset();
    tls_error_ = fmt::format("TLS setup for {} failed: {}", deployment.name, e.what());
  }
}

UpstreamPool::~UpstreamPool() {
  for (auto& c : idle_) c->close();
}

std::unique_ptr<UpstreamConnection> UpstreamPool::take_idle() {
  const auto now = net::Clock::now();
  while (!idle_.empty()) {
    std::unique_ptr<UpstreamConnection> c = std::move(idle_.back());
    idle_.pop_back();
    stats_->idle.add(-1);
    // The peek (one recv syscall) only for connections idle over a second: servers close idle
    // keep-alive connections after seconds (Node 5 s, uvicorn 5 s, nginx 75 s), and a fresher
    // one that did close is caught by the attempt's retry on a new connection.
    const auto idle = now - c->last_used();
    if (idle > 30s || (idle > 1s && c->stale())) {
      c->close();
      continue;
    }
    stats_->reused.add();
    stats_->active.add(1);
    add_active(c.get());
    c->mark_used();
    return c;
  }
  return nullptr;
}

asio::awaitable<Acquired> UpstreamPool::connect_new(int connect_ms) {
  if (deployment_.url.tls && !tls_) co_return Acquired{nullptr, ErrorClass::kConnect, tls_error_};
  auto c = std::make_unique<UpstreamConnection>(io_, tls_.get());
  error_code ec =
      co_await c->connect(deployment_, resolver_, std::chrono::milliseconds(connect_ms));
  if (ec) {
    stats_->connect_errors.add();
    bool timeout = ec == beast::error::timeout;
    co_return Acquired{
        nullptr, timeout ? ErrorClass::kTimeout : ErrorClass::kConnect,
        fmt::format("upstream {} ({}:{}): {}{}", deployment_.name, deployment_.url.host,
                    deployment_.url.port, timeout ? "connect timed out: " : "", ec.message())};
  }
  stats_->opened.add();
  stats_->active.add(1);
  add_active(c.get());
  c->mark_used();
  co_return Acquired{std::move(c), ErrorClass::kNone, {}};
}

void UpstreamPool::release(std::unique_ptr<UpstreamConnection> conn, bool reusable) {
  if (!conn) return;
  remove_active(conn.get());
  stats_->active.add(-1);
  if (reusable && idle_.size() < static_cast<std::size_t>(deployment_.pool_max_idle)) {
    conn->touch();
    idle_.push_back(std::move(conn));
    stats_->idle.add(1);
  } else {
    conn->close();
  }
}

void UpstreamPool::add_active(UpstreamConnection* c) {
  c->active_slot_ = active_.size();
  active_.push_back(c);
}

void UpstreamPool::remove_active(UpstreamConnection* c) {
  const std::size_t i = c->active_slot_;
  if (i >= active_.size() || active_[i] != c) return;  // not this pool's (a set's erase: no-op)
  active_[i] = active_.back();
  active_[i]->active_slot_ = i;
  active_.pop_back();
}

void UpstreamPool::rebind(PoolStats& stats) {
  if (&stats == stats_) return;
  stats.idle.add(static_cast<std::int64_t>(idle_.size()));
  stats.active.add(static_cast<std::int64_t>(active_.size()));
  stats_ = &stats;
}

void UpstreamPool::close_all() {
  for (auto& c : idle_) c->close();
  stats_->idle.add(-static_cast<std::int64_t>(idle_.size()));
  idle_.clear();
  for (UpstreamConnection* c : active_) c->close();
}

}  // namespace llmctl::gateway
