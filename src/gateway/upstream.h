// Private to src/gateway: HTTP/1.1 client connections to one upstream deployment, pooled per
// worker.
//
// An UpstreamPool belongs to one worker and one deployment and is used on that worker's thread
// only. It keeps up to pool_max_idle keep-alive connections; a connection goes back to the pool
// only after its response was read completely and the upstream allowed keep-alive. https
// deployments use TLS with the system trust store (plus ca_file), SNI and host-name
// verification. Each operation takes a deadline; failures come back as error codes.
#pragma once

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "gateway/config.h"
#include "gateway/metrics.h"
#include "gateway/protocol.h"
#include "net/net.h"

namespace llmctl::gateway {

namespace ssl = boost::asio::ssl;
namespace asio = net::asio;
namespace beast = net::beast;
namespace http = net::http;
using net::tcp;

// An upstream's response head and body, parsed by Beast's basic_parser, keeping of the head only
// what the gateway reads: the status and four fields (Beast's response_parser stored every
// field, one allocation and a tree insert each: 3 of a JSON request's 8 allocations with the
// mock, ~20 with OpenAI's rate-limit and tracing headers). Connection, Content-Length and
// Transfer-Encoding are basic_parser's own (keep_alive(), the body's framing). The body goes
// where body() points, as http::buffer_body's reader puts it: data/size are advanced past what
// was written, http::error::need_buffer when they are full. One message per parser.
class ResponseParser final : public http::basic_parser<false> {
 public:
  // The fields kept; a repeated one keeps its first value (as http::fields' operator[] reads).
  enum Field { kContentType, kRetryAfter, kRetryAfterMs, kAmznErrorType, kFieldCount };
  int status() const { return status_; }
  // The field's value; empty when absent.
  std::string_view field(Field f) const {
    return {values_.data() + spans_[f].offset, spans_[f].size};
  }
  http::buffer_body::value_type& body() { return body_; }

 private:
  struct Span {
    std::uint32_t offset = 0, size = 0;
    bool set = false;
  };
  void on_request_impl(http::verb, beast::string_view, beast::string_view, int,
                       boost::system::error_code&) override {}
  void on_response_impl(int code, beast::string_view, int, boost::system::error_code&) override {
    status_ = code;
  }
  void on_field_impl(http::field name, beast::string_view name_string, beast::string_view value,
                     boost::system::error_code&) override;
  void on_header_impl(boost::system::error_code& ec) override { ec = {}; }
  void on_body_init_impl(const boost::optional<std::uint64_t>&,
                         boost::system::error_code& ec) override {
    ec = {};
  }
  std::size_t on_body_impl(beast::string_view body, boost::system::error_code& ec) override {
    return put_body(body, ec);
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view,
                            boost::system::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body,
                                 boost::system::error_code& ec) override {
    return put_body(body, ec);
  }
  void on_finish_impl(boost::system::error_code& ec) override { ec = {}; }
  std::size_t put_body(std::string_view body, boost::system::error_code& ec);

  int status_ = 0;
  http::buffer_body::value_type body_;
  Span spans_[kFieldCount];
  std::string values_;  // the kept values, one after another (short: no allocation)
};

class UpstreamConnection {
 public:
  UpstreamConnection(asio::io_context& io, ssl::context* tls);
  bool reused() const { return uses_ > 1; }
  net::Clock::time_point last_used() const { return last_used_; }

  // Resolves, connects and (https) handshakes within `timeout`.
  asio::awaitable<boost::system::error_code> connect(const Deployment& d, tcp::resolver& resolver,
                                                     std::chrono::milliseconds timeout);
  // Writes a request: `head` (request line, headers, blank line) and `body`, in one write when
  // the socket takes it, in two steps (net::write_now's): write_now() sends what plain TCP takes
  // at once and returns true when done (`ec` says how: no coroutine frame, no timer); false:
  // co_await write_rest() for the rest (TLS: all of it). Both strings must live until then.
  bool write_now(std::string_view head, std::string_view body, boost::system::error_code& ec);
  asio::awaitable<boost::system::error_code> write_rest(std::chrono::milliseconds timeout);
  // A Beast message (health checks: off the request path).
  asio::awaitable<boost::system::error_code> write(http::request<http::string_body>& req,
                                                   std::chrono::milliseconds timeout);
  asio::awaitable<boost::system::error_code> read_header(ResponseParser& parser,
                                                         std::chrono::milliseconds timeout);
  // read_header() in three steps, without a coroutine frame of its own (Beast's read is
  // awaited as it is): begin_read(timeout); co_await read_header_op(parser); then
  // ec = end_read(ec) (beast::error::timeout when the deadline closed the socket).
  void begin_read(std::chrono::milliseconds timeout);
  asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> read_header_op(
      ResponseParser& parser);
  boost::system::error_code end_read(boost::system::error_code ec);
  // Reads the next piece of the body into [data, data + size); returns the bytes read: every
  // complete chunk that has arrived, not one (a stream's events that one recv brought go to the
  // client in one write). At the end of the body `parser.is_done()` is true.
  asio::awaitable<std::pair<boost::system::error_code, std::size_t>> read_body(
      ResponseParser& parser, char* data, std::size_t size, std::chrono::milliseconds timeout);
  // The part of the body that came with the last read (a small answer, usually all of it),
  // parsed and appended to `out` without waiting and without a coroutine frame. True when that
  // ended the body (`parser.is_done()`) or failed (`ec`; http::error::body_limit when `out`
  // would exceed `limit` bytes); false: the rest is still due (read_body).
  bool read_buffered(ResponseParser& parser, std::string& out, std::size_t limit,
                     boost::system::error_code& ec);
  // A whole (not streamed) answer comes next. Reads ask for the read buffer's free capacity, at
  // least 512 bytes: at 512 a small JSON answer (headers and ~600 bytes of body) took two recvs,
  // so the buffer grows to 2 KiB for these. Streams keep 512 (a read carries an event or a few;
  // 1,000 open streams would hold 1.5 MB more).
  void expect_whole_answer() {
    if (buffer_.capacity() < kWholeAnswerReadBytes) buffer_.reserve(kWholeAnswerReadBytes);
  }
  // True when the peer has closed or sent unexpected bytes while the connection sat idle.
  bool stale() const;
  void close();
  void mark_used() {
    ++uses_;
    touch();
  }
  void touch() { last_used_ = net::Clock::now(); }

 private:
  beast::tcp_stream& lowest();
  // Parses what the buffer holds into the body, chunk after chunk, without reading (Beast's put
  // stops after each chunk, and its eager mode would wait on a partial one for more bytes
  // before returning the whole ones): stops at a partial chunk, a full body buffer or the end.
  // An error goes to pending_, for the next read_body to return after these bytes.
  void drain(ResponseParser& parser);
  std::unique_ptr<beast::tcp_stream> plain_;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls_;
  static constexpr std::size_t kWholeAnswerReadBytes = 2048;
  net::ReadDeadline read_deadline_;    // the answer's reads (one timer, not one per read)
  net::EdgeFlatBuffer buffer_;         // its reads skip the recv that would find the socket empty
  net::UnsentPieces unsent_;           // what write_now left for write_rest
  boost::system::error_code pending_;  // drain's error, not yet returned
  int uses_ = 0;
  net::Clock::time_point last_used_{};
  // Its place in its pool's active_ while in use (UpstreamPool keeps that list).
  friend class UpstreamPool;
  std::size_t active_slot_ = 0;
};

struct Acquired {
  std::unique_ptr<UpstreamConnection> conn;
  ErrorClass error = ErrorClass::kNone;
  std::string message;  // why, when conn is null
};

class UpstreamPool {
 public:
  UpstreamPool(asio::io_context& io, const Deployment& deployment, PoolStats& stats);
  ~UpstreamPool();
  // A fresh idle connection, or null: then connect_new(). (Two steps, so a request that finds
  // one costs no coroutine frame.)
  std::unique_ptr<UpstreamConnection> take_idle();
  // A new connection, connected within `connect_ms` (resolve, TCP and TLS; the request's
  // x-llmctl-connect-timeout-ms may have shortened the configured one).
  asio::awaitable<Acquired> connect_new(int connect_ms);
  // Gives the connection back; parked if `reusable` and the pool has room, else closed.
  void release(std::unique_ptr<UpstreamConnection> conn, bool reusable);
  // Closes every connection, idle or in use (drain deadline).
  void close_all();
  // After a reload that rebuilt the metric shards: counts go to `stats` from now on.
  void rebind(PoolStats& stats);
  // The copy it connects with (a reload may free the Config it came from).
  const Deployment& deployment() const { return deployment_; }

 private:
  asio::io_context& io_;
  Deployment deployment_;
  PoolStats* stats_;
  std::unique_ptr<ssl::context> tls_;
  std::string tls_error_;
  tcp::resolver resolver_;
  std::vector<std::unique_ptr<UpstreamConnection>> idle_;
  // The connections in use, each knowing its index (active_slot_): no node allocation and no
  // hashing each request, as a set had.
  std::vector<UpstreamConnection*> active_;
  void add_active(UpstreamConnection* c);
  void remove_active(UpstreamConnection* c);
};

}  // namespace llmctl::gateway
