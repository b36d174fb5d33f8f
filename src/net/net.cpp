#include "net/net.h"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <ctime>

namespace llmctl::net {

using namespace std::chrono_literals;

// ---- Exchange ----

namespace {
template <typename Message>
void set_common(Message& m, std::string_view content_type, const ExtraHeaders& h, bool keep_alive) {
  m.set(http::field::server, "llmctl");
  if (!content_type.empty()) m.set(http::field::content_type, content_type);
  if (!h.request_id.empty()) m.set("x-request-id", h.request_id);
  if (!h.deployment.empty()) m.set("x-llmctl-deployment", h.deployment);
  if (!h.retry_after.empty()) m.set(http::field::retry_after, h.retry_after);
  if (!h.cache_control.empty()) m.set(http::field::cache_control, h.cache_control);
  if (!h.upstream_model.empty()) m.set("x-llmctl-upstream-model", h.upstream_model);
  m.keep_alive(keep_alive);
}

// Reads and discards what a client still sends after a rejected request (up to 64 MiB, 1 s of
// silence ends it), so it reads our answer instead of a reset. A coroutine of its own so its
// buffer lives only while draining, not in every session's frame (1,000 open streams would
// otherwise carry 16 MiB of never-used scratch space).
asio::awaitable<void> drain_rejected(beast::tcp_stream& stream) {
  std::array<char, 16384> scratch;
  std::size_t drained = 0;
  while (drained < 64 * 1024 * 1024) {
    stream.expires_after(1s);
    auto [dec, dn] = co_await stream.async_read_some(asio::buffer(scratch), use_nothrow);
    if (dec) break;
    drained += dn;
  }
}
}  // namespace

asio::awaitable<bool> Exchange::respond(unsigned status, std::string_view content_type,
                                        std::string body, ExtraHeaders headers) {
  http::response<http::string_body> res{static_cast<http::status>(status), req_.version()};
  std::string_view ctype = content_type;
  if (error_filter_ && status >= 400) {
    body = error_filter_(status, std::move(body));
    ctype = "application/json";
  }
  set_common(res, ctype, headers, keep_alive_);
  if (more_headers_)
    for (const auto& [name, value] : *more_headers_) res.set(name, value);
  res.body() = std::move(body);
  res.prepare_payload();
  started_ = true;
  stream_.expires_after(std::chrono::milliseconds(limits_.write_timeout_ms));
  auto [ec, n] = co_await http::async_write(stream_, res, use_nothrow);
  stream_.expires_never();
  if (ec) keep_alive_ = false;
  co_return !ec;
}

asio::awaitable<bool> Exchange::begin_chunked(unsigned status, std::string_view content_type,
                                              ExtraHeaders headers) {
  http::response<http::empty_body> res{static_cast<http::status>(status), req_.version()};
  // HTTP/1.0 has no chunked encoding: the body ends when the connection closes.
  close_delimited_ = req_.version() < 11;
  if (close_delimited_) keep_alive_ = false;
  set_common(res, content_type, headers, keep_alive_);
  if (more_headers_)
    for (const auto& [name, value] : *more_headers_) res.set(name, value);
  res.chunked(!close_delimited_);
  http::response_serializer<http::empty_body> sr{res};
  started_ = true;
  stream_.expires_after(std::chrono::milliseconds(limits_.write_timeout_ms));
  auto [ec, n] = co_await http::async_write_header(stream_, sr, use_nothrow);
  stream_.expires_never();
  if (ec) keep_alive_ = false;
  co_return !ec;
}

asio::awaitable<bool> Exchange::chunk(std::string_view data) {
  if (data.empty()) co_return true;  // an empty chunk would end the body
  stream_.expires_after(std::chrono::milliseconds(limits_.write_timeout_ms));
  if (close_delimited_) {
    auto [ec, n] = co_await asio::async_write(stream_, asio::const_buffer(data.data(), data.size()),
                                              use_nothrow);
    stream_.expires_never();
    if (ec) keep_alive_ = false;
    co_return !ec;
  }
  auto [ec, n] = co_await asio::async_write(
      stream_, http::make_chunk(asio::const_buffer(data.data(), data.size())), use_nothrow);
  stream_.expires_never();
  if (ec) keep_alive_ = false;
  co_return !ec;
}

asio::awaitable<bool> Exchange::finish_chunked() {
  if (close_delimited_) co_return true;  // closing the connection ends the body
  stream_.expires_after(std::chrono::milliseconds(limits_.write_timeout_ms));
  auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk_last(), use_nothrow);
  stream_.expires_never();
  if (ec) keep_alive_ = false;
  co_return !ec;
}

// ---- Worker ----

Worker::Worker(int index, const ServerLimits& limits)
    : index_(index),
      limits_(limits),
      io_(std::make_unique<asio::io_context>(1)),
      guard_(asio::make_work_guard(*io_)),
      acceptor_(std::make_unique<tcp::acceptor>(*io_)) {}

Worker::~Worker() {
  stop();
  // Let what is still pending unwind with errors: close the sockets, then run briefly.
  boost::system::error_code ec;
  acceptor_->close(ec);
  for (Session* s : live_) s->stream->socket().close(ec);
  if (handler_) handler_->abort_all();
  io_->restart();
  io_->run_for(std::chrono::milliseconds(200));
  // The handler's sockets must die while the io_context lives; frames still pending after that
  // are destroyed with the io_context and touch only live_.
  handler_.reset();
  acceptor_.reset();
  io_.reset();
}

Status Worker::listen(const tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) {
    int one = 1;
    if (::setsockopt(acceptor_->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
      ec = boost::system::error_code(errno, boost::system::system_category());
  }
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Error{fmt::format("cannot listen on {}:{}: {}", endpoint.address().to_string(),
                             endpoint.port(), ec.message())};
  return {};
}

int Worker::port() const { return acceptor_->local_endpoint().port(); }

void Worker::start() {
  asio::co_spawn(*io_, accept_loop(), asio::detached);
  thread_ = std::thread([this] { io_->run(); });
}

void Worker::begin_drain() {
  asio::post(*io_, [this] {
    draining_ = true;
    boost::system::error_code ec;
    acceptor_->close(ec);
    for (Session* s : live_)
      if (s->idle) s->stream->socket().close(ec);
  });
}

void Worker::abort() {
  asio::post(*io_, [this] {
    draining_ = true;
    boost::system::error_code ec;
    acceptor_->close(ec);
    for (Session* s : live_) s->stream->socket().close(ec);
    if (handler_) handler_->abort_all();
  });
}

void Worker::stop() {
  guard_.reset();
  io_->stop();
  if (thread_.joinable()) thread_.join();
}

asio::awaitable<void> Worker::accept_loop() {
  while (true) {
    auto [ec, socket] = co_await acceptor_->async_accept(use_nothrow);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_->is_open()) co_return;
      // Out of descriptors or a transient error: back off briefly instead of spinning.
      asio::steady_timer t(*io_, 10ms);
      co_await t.async_wait(use_nothrow);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(*io_, session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> Worker::session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  Session self{&stream, true};
  live_.insert(&self);
  session_count_.fetch_add(1, std::memory_order_relaxed);
  struct Unregister {
    Worker* w;
    Session* s;
    ~Unregister() {
      w->live_.erase(s);
      w->session_count_.fetch_sub(1, std::memory_order_relaxed);
    }
  } unregister{this, &self};

  beast::flat_buffer buffer;
  bool first = true;
  while (!draining_) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    parser.body_limit(limits_.max_body_bytes);
    self.idle = buffer.size() == 0;
    stream.expires_after(
        std::chrono::milliseconds(first ? limits_.read_timeout_ms : limits_.keepalive_timeout_ms));
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, use_nothrow);
    self.idle = false;
    bool too_large = ec == http::error::body_limit;
    if (!ec) {
      stream.expires_after(std::chrono::milliseconds(limits_.read_timeout_ms));
      auto& req = parser.get();
      if (beast::iequals(req[http::field::expect], "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        auto [wec, wn] = co_await asio::async_write(
            stream, asio::const_buffer(kContinue.data(), kContinue.size()), use_nothrow);
        if (wec) break;
      }
      auto [rec, rn] = co_await http::async_read(stream, buffer, parser, use_nothrow);
      too_large = rec == http::error::body_limit;
      ec = rec;
    }
    if (too_large || ec == http::error::header_limit) {
      Request req;
      req.version(11);
      Exchange ex(stream, req, limits_, false);
      // The headers were read when only the body is too large: the target picks the error shape.
      if (too_large && handler_)
        ex.set_error_body_filter(handler_->error_body_filter(parser.get().target()));
      const bool body = too_large;
      std::string msg = body ? fmt::format("Request body too large: the limit is {} bytes.",
                                           limits_.max_body_bytes)
                             : "Request headers too large.";
      co_await ex.respond(
          body ? 413 : 431, "application/json",
          fmt::format(
              R"({{"error":{{"message":"{}","type":"invalid_request_error","param":null,"code":"{}"}}}})",
              msg, body ? "request_too_large" : "headers_too_large"));
      // Let the client finish sending so it reads the answer instead of a reset.
      boost::system::error_code sec;
      stream.socket().shutdown(tcp::socket::shutdown_send, sec);
      co_await drain_rejected(stream);
      break;
    }
    if (ec && ec.category() == http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message &&
        ec != http::error::need_more && ec != http::error::need_buffer) {
      // A malformed request (garbage request line, Content-Length with Transfer-Encoding, a
      // bad header): a 400 that says so, then the connection closes (what follows cannot be
      // framed).
      Request req;
      req.version(11);
      Exchange ex(stream, req, limits_, false);
      co_await ex.respond(
          400, "application/json",
          fmt::format(
              R"({{"error":{{"message":"Malformed HTTP request: {}.","type":"invalid_request_error","param":null,"code":"bad_http_request"}}}})",
              ec.message()));
      break;
    }
    if (ec) break;  // closed or timed out: nothing useful to answer
    stream.expires_never();
    Request req = parser.release();
    Exchange ex(stream, req, limits_, req.keep_alive() && !draining_);
    co_await handler_->handle(ex);
    if (!ex.keep_alive()) break;
    first = false;
  }
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.socket().close(ec);
}

// ---- Server ----

Server::Server(int workers, const ServerLimits& limits) {
  for (int i = 0; i < std::max(workers, 1); ++i)
    workers_.push_back(std::make_unique<Worker>(i, limits));
}

Result<int> Server::listen(const std::string& host, int port) {
  boost::system::error_code ec;
  asio::ip::address addr = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return Error{fmt::format("listen: \"{}\" is not an IP address", host)};
  int bound = port;
  for (auto& w : workers_) {
    if (auto st = w->listen(tcp::endpoint(addr, static_cast<unsigned short>(bound))); !st.ok())
      return st.error();
    bound = w->port();
  }
  return bound;
}

void Server::start() {
  for (auto& w : workers_) w->start();
}

void Server::drain_and_stop(std::chrono::milliseconds deadline, const std::function<bool()>& idle,
                            std::chrono::milliseconds grace) {
  for (auto& w : workers_) w->begin_drain();
  const auto until = Clock::now() + deadline;
  while (Clock::now() < until && !idle()) {
    if (termination_signal_within(10ms)) break;  // a second signal: stop waiting
  }
  if (!idle()) {
    for (auto& w : workers_) w->abort();
    const auto grace_until = Clock::now() + grace;
    while (Clock::now() < grace_until && !idle()) std::this_thread::sleep_for(5ms);
  }
  stop();
}

void Server::stop() {
  for (auto& w : workers_) w->stop();
}

// ---- signals ----

namespace {
sigset_t termination_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}
}  // namespace

void block_termination_signals() {
  sigset_t set = termination_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void wait_for_termination_signal() {
  sigset_t set = termination_set();
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
}

void block_gateway_signals() {
  sigset_t set = termination_set();
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_signal() {
  sigset_t set = termination_set();
  sigaddset(&set, SIGHUP);
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig;
}

bool termination_signal_within(std::chrono::milliseconds d) {
  sigset_t set = termination_set();
  timespec ts{static_cast<time_t>(d.count() / 1000),
              static_cast<long>((d.count() % 1000) * 1000000)};
  return sigtimedwait(&set, nullptr, &ts) > 0;
}

void ignore_sigpipe() { ::signal(SIGPIPE, SIG_IGN); }

}  // namespace llmctl::net
