#include "net/net.h"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/uio.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <ctime>

#include "common/thread_name.h"

namespace llmctl::net {

using namespace std::chrono_literals;

// ---- Exchange ----

namespace {
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

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

void append_decimal(std::string& out, std::size_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kLastChunk = "0\r\n\r\n";
}  // namespace

void append_response_head(std::string& out, const ResponseHead& h) {
  // A field the handler's extra headers name again is theirs (Beast's set() replaced it).
  auto overridden = [&](std::string_view name) {
    if (!h.more) return false;
    for (const auto& [n, v] : *h.more)
      if (beast::iequals(n, name)) return true;
    return false;
  };
  auto field = [&](std::string_view name, std::string_view value) {
    if (!value.empty() && !overridden(name)) append_field(out, name, value);
  };
  out.append(h.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  append_decimal(out, h.status);
  out.push_back(' ');
  const std::string_view reason = http::obsolete_reason(http::int_to_status(h.status));
  out.append(reason.data(), reason.size());
  out.append(kCrlf);
  field("Server", "llmctl");
  field("Content-Type", h.content_type);
  field("x-request-id", h.extra.request_id);
  field("x-llmctl-deployment", h.extra.deployment);
  field("Retry-After", h.extra.retry_after);
  field("Cache-Control", h.extra.cache_control);
  field("x-llmctl-upstream-model", h.extra.upstream_model);
  // HTTP/1.1 keeps the connection unless told; HTTP/1.0 closes it unless told.
  if (h.version == 10 && h.keep_alive) field("Connection", "keep-alive");
  if (h.version != 10 && !h.keep_alive) field("Connection", "close");
  if (h.more) {
    const HeaderList& more = *h.more;
    for (std::size_t i = 0; i < more.size(); ++i) {
      bool later = false;  // set() twice: the last value stays
      for (std::size_t j = i + 1; j < more.size() && !later; ++j)
        later = beast::iequals(more[i].first, more[j].first);
      if (!later) append_field(out, more[i].first, more[i].second);
    }
  }
  if (h.content_length) {
    out.append("Content-Length: ");
    append_decimal(out, *h.content_length);
    out.append(kCrlf);
  } else if (!h.close_delimited) {
    out.append("Transfer-Encoding: chunked\r\n");
  }
  out.append(kCrlf);
}

bool write_now(beast::tcp_stream& stream, std::span<const asio::const_buffer> buffers,
               boost::system::error_code& ec, UnsentPieces& rest) {
  constexpr std::size_t kMaxBuffers = std::tuple_size_v<decltype(rest.pieces)>;
  iovec iov[kMaxBuffers];
  std::size_t count = 0, total = 0;
  ec = {};
  for (const auto& b : buffers) {
    if (b.size() == 0) continue;
    if (count == kMaxBuffers) {  // a programming error: more pieces than iovecs
      ec = asio::error::invalid_argument;
      return true;
    }
    iov[count].iov_base = const_cast<void*>(b.data());
    iov[count].iov_len = b.size();
    ++count;
    total += b.size();
  }
  if (total == 0) return true;
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = count;
  ssize_t n;
  do {
    n = ::sendmsg(stream.socket().native_handle(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(total)) return true;
  if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
    ec = boost::system::error_code(errno, boost::system::system_category());
    return true;
  }
  // The socket's buffer is full: the rest waits for it (write_rest).
  std::size_t skip = n > 0 ? static_cast<std::size_t>(n) : 0;
  rest.count = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (skip >= iov[i].iov_len) {
      skip -= iov[i].iov_len;
      continue;
    }
    rest.pieces[rest.count++] =
        asio::const_buffer(static_cast<const char*>(iov[i].iov_base) + skip, iov[i].iov_len - skip);
    skip = 0;
  }
  return false;
}

asio::awaitable<boost::system::error_code> write_rest(beast::tcp_stream& stream,
                                                      const UnsentPieces& rest,
                                                      std::chrono::milliseconds timeout) {
  stream.expires_after(timeout);
  auto [ec, written] = co_await asio::async_write(
      stream, std::span<const asio::const_buffer>(rest.pieces.data(), rest.count), use_nothrow);
  stream.expires_never();
  co_return ec;
}

asio::awaitable<boost::system::error_code> write_all(beast::tcp_stream& stream,
                                                     std::span<const asio::const_buffer> buffers,
                                                     std::chrono::milliseconds timeout) {
  boost::system::error_code ec;
  UnsentPieces rest;
  if (write_now(stream, buffers, ec, rest)) co_return ec;
  co_return co_await write_rest(stream, rest, timeout);
}

// ---- ReadDeadline ----

ReadDeadline::ReadDeadline(beast::tcp_stream& stream)
    : state_(std::make_shared<State>(stream.get_executor())) {
  state_->stream = &stream;
}

ReadDeadline::~ReadDeadline() {
  state_->stream = nullptr;
  state_->deadline = Clock::time_point::max();
  if (state_->armed) state_->timer.cancel();  // the handler holds the state until it runs
}

void ReadDeadline::expires_after(std::chrono::milliseconds d) {
  State& s = *state_;
  s.deadline = Clock::now() + d;
  s.timed_out = false;
  if (!s.armed || s.deadline < s.timer.expiry()) arm(state_);
}

void ReadDeadline::expires_never() { state_->deadline = Clock::time_point::max(); }

void ReadDeadline::arm(const std::shared_ptr<State>& s) {
  s->armed = true;
  s->timer.expires_at(s->deadline);  // a pending wait ends with operation_aborted
  s->timer.async_wait([s](boost::system::error_code ec) {
    if (ec || !s->stream) return;  // re-armed (another wait is pending) or the owner is gone
    s->armed = false;
    if (s->deadline == Clock::time_point::max()) return;  // no read waits: sleep until asked
    if (Clock::now() < s->deadline) return arm(s);        // moved later meanwhile
    s->timed_out = true;
    boost::system::error_code ignored;
    s->stream->socket().close(ignored);
  });
}

ResponseHead Exchange::head(unsigned status, std::string_view content_type,
                            const ExtraHeaders& h) const {
  return ResponseHead{.status = status,
                      .version = req_.version() == 10 ? 10u : 11u,
                      .content_type = content_type,
                      .extra = h,
                      .more = more_headers_,
                      .keep_alive = keep_alive_};
}

bool Exchange::send_now(std::span<const asio::const_buffer> buffers, UnsentPieces& rest) {
  boost::system::error_code ec;
  if (!write_now(stream_, buffers, ec, rest)) return false;
  ok_ = !ec;
  if (ec) keep_alive_ = false;
  return true;
}

asio::awaitable<bool> Exchange::send_rest(const UnsentPieces& rest) {
  const boost::system::error_code ec =
      co_await write_rest(stream_, rest, std::chrono::milliseconds(limits_.write_timeout_ms));
  if (ec) keep_alive_ = false;
  co_return !ec;
}

asio::awaitable<bool> Exchange::respond(unsigned status, std::string_view content_type,
                                        std::string body, ExtraHeaders headers) {
  if (respond_now(status, content_type, body, headers)) co_return ok_;
  co_return co_await respond_rest();
}

bool Exchange::respond_now(unsigned status, std::string_view content_type, std::string& body,
                           ExtraHeaders headers) {
  std::string_view ctype = content_type;
  if (error_filter_ && status >= 400) {
    body = error_filter_(status, std::move(body));
    ctype = "application/json";
  }
  ResponseHead h = head(status, ctype, headers);
  h.content_length = body.size();
  head_.clear();
  append_response_head(head_, h);
  started_ = true;
  head_pending_ = false;
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(body)};
  return send_now(buffers, unsent_);
}

asio::awaitable<bool> Exchange::respond_rest() { co_return co_await send_rest(unsent_); }

void Exchange::begin_chunked_with_next_write(unsigned status, std::string_view content_type,
                                             ExtraHeaders headers) {
  // HTTP/1.0 has no chunked encoding: the body is sent raw and ends when the connection closes.
  close_delimited_ = req_.version() < 11;
  if (close_delimited_) keep_alive_ = false;
  ResponseHead h = head(status, content_type, headers);
  h.close_delimited = close_delimited_;
  head_.clear();
  append_response_head(head_, h);
  started_ = true;
  head_pending_ = true;
}

asio::awaitable<bool> Exchange::begin_chunked(unsigned status, std::string_view content_type,
                                              ExtraHeaders headers) {
  begin_chunked_with_next_write(status, content_type, headers);
  head_pending_ = false;
  const std::array<asio::const_buffer, 1> buffers{asio::buffer(head_)};
  UnsentPieces rest;
  if (send_now(buffers, rest)) co_return ok_;
  co_return co_await send_rest(rest);
}

asio::awaitable<bool> Exchange::write_chunks(std::string_view data, bool last) {
  char size_line[24];  // hex size and CRLF
  std::size_t size_len = 0;
  if (!data.empty()) {
    auto [end, ec] = std::to_chars(size_line, size_line + 20, data.size(), 16);
    end[0] = '\r';
    end[1] = '\n';
    size_len = static_cast<std::size_t>(end + 2 - size_line);
  }
  const std::string_view pending = head_pending_ ? std::string_view(head_) : std::string_view();
  head_pending_ = false;
  if (close_delimited_) {  // raw bytes; closing the connection ends the body
    const std::array<asio::const_buffer, 2> raw{asio::buffer(pending.data(), pending.size()),
                                                asio::buffer(data.data(), data.size())};
    UnsentPieces rest;
    if (send_now(raw, rest)) co_return ok_;
    co_return co_await send_rest(rest);
  }
  const std::array<asio::const_buffer, 5> buffers{
      asio::buffer(pending.data(), pending.size()), asio::buffer(size_line, size_len),
      asio::buffer(data.data(), data.size()),
      data.empty() ? asio::const_buffer() : asio::buffer(kCrlf.data(), kCrlf.size()),
      last ? asio::buffer(kLastChunk.data(), kLastChunk.size()) : asio::const_buffer()};
  UnsentPieces rest;
  if (send_now(buffers, rest)) co_return ok_;
  co_return co_await send_rest(rest);
}

asio::awaitable<bool> Exchange::chunk(std::string_view data) {
  if (data.empty() && !head_pending_) co_return true;  // an empty chunk would end the body
  co_return co_await write_chunks(data, false);
}

asio::awaitable<bool> Exchange::finish_chunked(std::string_view last) {
  co_return co_await write_chunks(last, true);
}

// ---- Worker ----

Worker::Worker(int index, const ServerLimits& limits, std::string_view name)
    : index_(index),
      limits_(limits),
      thread_name_(fmt::format("{}-{}", name, index)),
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

void request_short_slice([[maybe_unused]] std::uint64_t slice_ns) {
#if defined(__linux__) && defined(SYS_sched_setattr) && defined(SYS_sched_getattr)
  // The kernel's struct sched_attr, first version (SCHED_ATTR_SIZE_VER0, 48 bytes):
  // <linux/sched/types.h> cannot be included beside glibc's <sched.h> (both define sched_param).
  struct {
    std::uint32_t size;
    std::uint32_t sched_policy;
    std::uint64_t sched_flags;
    std::int32_t sched_nice;
    std::uint32_t sched_priority;
    std::uint64_t sched_runtime, sched_deadline, sched_period;
  } attr{};
  static_assert(sizeof attr == 48);
  if (syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) != 0) return;
  if (attr.sched_policy != SCHED_OTHER) return;  // a real-time or batch policy was chosen
  attr.size = sizeof attr;
  attr.sched_flags = 0;
  attr.sched_runtime = slice_ns;
  (void)syscall(SYS_sched_setattr, 0, &attr, 0);
#endif
}

void Worker::start() {
  asio::co_spawn(*io_, accept_loop(), asio::detached);
  thread_ = std::thread([this] {
    name_this_thread(thread_name_);
    request_short_slice(100'000);
    io_->run();
  });
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
    enable_edge_reads(socket.native_handle());  // session()'s EdgeFlatBuffer (edge_buffer.h)
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

  EdgeFlatBuffer buffer;          // its reads skip the recv that would find the socket empty
  std::string head;               // response heads, reused by every request on this connection
  ReadDeadline deadline(stream);  // the request head's read; one timer for the connection
  bool first = true;
  while (!draining_) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    parser.body_limit(limits_.max_body_bytes);
    self.idle = buffer.size() == 0;
    deadline.expires_after(
        std::chrono::milliseconds(first ? limits_.read_timeout_ms : limits_.keepalive_timeout_ms));
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, use_nothrow);
    deadline.expires_never();
    if (ec && deadline.timed_out()) ec = beast::error::timeout;
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
      // The body usually came in the same segment as the headers: parse it from the buffer,
      // and read only when more is due (saves an asynchronous operation per request).
      boost::system::error_code pec;
      while (!parser.is_done() && buffer.size() > 0 && !pec) {
        const std::size_t used = parser.put(buffer.data(), pec);
        buffer.consume(used);
        if (pec == http::error::need_more) {
          pec = {};
          break;
        }
      }
      if (!pec && !parser.is_done()) {
        auto [rec, rn] = co_await http::async_read(stream, buffer, parser, use_nothrow);
        pec = rec;
      }
      too_large = pec == http::error::body_limit;
      ec = pec;
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
    Exchange ex(stream, req, limits_, req.keep_alive() && !draining_, &head);
    co_await handler_->handle(ex);
    if (!ex.keep_alive()) break;
    first = false;
  }
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.socket().close(ec);
}

// ---- Server ----

Server::Server(int workers, const ServerLimits& limits, std::string_view name) {
  for (int i = 0; i < std::max(workers, 1); ++i)
    workers_.push_back(std::make_unique<Worker>(i, limits, name));
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
