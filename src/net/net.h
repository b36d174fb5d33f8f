// Private to src/gateway: the HTTP/1.1 server skeleton shared by the gateway and the simulator,
// in the shape of Beast's coroutine examples.
//
// Threads: a Server owns N Workers; each Worker is one io_context run by one thread, with its
// own SO_REUSEPORT listening socket (the kernel spreads connections), its sessions and its
// Handler. A connection and every request on it stay on one worker, so handlers use their
// worker-local state without locks. Errors come back as values (as_tuple); every read and write
// has a deadline.
#pragma once

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/result.h"
#include "net/edge_buffer.h"

namespace llmctl::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

inline constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

using Request = http::request<http::string_body>;

// Response headers a handler may add; empty ones are left out. (A struct, not an
// initializer_list: GCC 12 cannot keep a braced list's array alive across co_await.)
struct ExtraHeaders {
  std::string_view request_id{};      // x-request-id
  std::string_view deployment{};      // x-llmctl-deployment
  std::string_view retry_after{};     // retry-after
  std::string_view cache_control{};   // cache-control
  std::string_view upstream_model{};  // x-llmctl-upstream-model
};

struct ServerLimits {
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  std::size_t max_header_bytes = 64 * 1024;
  int read_timeout_ms = 30000;       // one request's headers and body
  int keepalive_timeout_ms = 60000;  // waiting for the next request on a connection
  int write_timeout_ms = 60000;      // one write to a client
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// What a response head says; append_response_head() writes it the way Beast's serializer did
// (same fields, names and Connection rules), without building a Beast message.
struct ResponseHead {
  unsigned status = 200;
  unsigned version = 11;  // 10 or 11, the request's
  std::string_view content_type{};
  ExtraHeaders extra{};
  const HeaderList* more = nullptr;  // replace same-named fields above (Beast's set())
  bool keep_alive = true;
  std::optional<std::size_t> content_length{};  // nullopt: Transfer-Encoding: chunked
  bool close_delimited = false;  // no length and no chunking: the body ends with the connection
};
// Appends the status line, the headers and the blank line to `out`.
void append_response_head(std::string& out, const ResponseHead& head);

// Writes every byte of `buffers` to `stream`: first one non-blocking sendmsg (a whole small
// answer usually fits, and then no timer, no reactor operation and no completion handler are
// needed, as in nginx), and only what the socket did not take goes through an asynchronous write
// with `timeout`. Plain TCP only. An error (beast::error::timeout at the deadline) leaves the
// stream unusable.
asio::awaitable<boost::system::error_code> write_all(beast::tcp_stream& stream,
                                                     std::span<const asio::const_buffer> buffers,
                                                     std::chrono::milliseconds timeout);

// write_all in two steps, for callers that are coroutines already: write_now() is its first,
// synchronous step (no coroutine frame, so a write the socket takes whole costs no allocation);
// only when it returns false does the caller co_await write_rest(). The pieces point into the
// caller's buffers, which must live until write_rest completes.
struct UnsentPieces {
  std::array<asio::const_buffer, 8> pieces;
  std::size_t count = 0;
};
// True when done: every byte sent (`ec` clear) or an error in `ec`. False: `rest` holds what the
// socket's buffer did not take.
bool write_now(beast::tcp_stream& stream, std::span<const asio::const_buffer> buffers,
               boost::system::error_code& ec, UnsentPieces& rest);
asio::awaitable<boost::system::error_code> write_rest(beast::tcp_stream& stream,
                                                      const UnsentPieces& rest,
                                                      std::chrono::milliseconds timeout);

// The deadline of a connection's reads on one lazily armed timer, as nginx keeps its timers.
// Beast's per-operation timeouts (tcp_stream::expires_after) start a timer wait with every read
// and cancel it when the read completes; the cancellation runs as a handler of its own and
// turns the reactor's next epoll_wait into a poll (two wasted handlers and syscalls a proxied
// request). Here expires_after() only stores the deadline; the timer moves only when it must
// fire earlier than it would. When it fires, a passed deadline closes the socket (the pending
// read ends with an error; timed_out() then says why), a later one puts it back to sleep until
// then, and none (expires_never) leaves it idle until the next expires_after().
// The stream must outlive this object; both live on the stream's executor (one thread).
class ReadDeadline {
 public:
  explicit ReadDeadline(beast::tcp_stream& stream);
  ~ReadDeadline();
  ReadDeadline(const ReadDeadline&) = delete;
  ReadDeadline& operator=(const ReadDeadline&) = delete;
  // Reads from now on must complete within `d`; clears timed_out().
  void expires_after(std::chrono::milliseconds d);
  // No read is waiting (the connection is busy elsewhere or idle in a pool).
  void expires_never();
  // True when this deadline closed the socket.
  bool timed_out() const { return state_->timed_out; }

 private:
  struct State {
    explicit State(const asio::any_io_executor& ex) : timer(ex) {}
    asio::steady_timer timer;
    beast::tcp_stream* stream = nullptr;  // null once the owner is gone
    Clock::time_point deadline = Clock::time_point::max();
    bool armed = false;  // a wait is pending on the timer
    bool timed_out = false;
  };
  static void arm(const std::shared_ptr<State>& s);
  std::shared_ptr<State> state_;
};

// One request being answered on a client connection. Helpers return false when the client is
// gone (then keep_alive is false and the handler should stop writing).
class Exchange {
 public:
  // `scratch`: a buffer the connection keeps across its requests, for response heads (null: the
  // exchange uses its own).
  Exchange(beast::tcp_stream& stream, Request& req, const ServerLimits& limits, bool keep_alive,
           std::string* scratch = nullptr)
      : stream_(stream),
        req_(req),
        limits_(limits),
        keep_alive_(keep_alive),
        head_(scratch ? *scratch : own_head_) {}

  // Rewrites the body of every error answer (status >= 400) that respond() sends: the client's
  // API decides the error shape (OpenAI or Anthropic), whichever stage or relay made the error.
  using ErrorBodyFilter = std::string (*)(unsigned status, std::string body);
  void set_error_body_filter(ErrorBodyFilter filter) { error_filter_ = filter; }
  // Headers every later answer carries (governance's x-ratelimit-*); the vector must outlive
  // the exchange's answers.
  void set_more_headers(const std::vector<std::pair<std::string, std::string>>* h) {
    more_headers_ = h;
  }

  Request& request() { return req_; }
  beast::tcp_stream& stream() { return stream_; }
  bool keep_alive() const { return keep_alive_; }
  void close_after() { keep_alive_ = false; }
  bool started() const { return started_; }  // response headers sent

  // A whole response with Content-Length.
  asio::awaitable<bool> respond(unsigned status, std::string_view content_type, std::string body,
                                ExtraHeaders headers = {});
  // respond() in two steps (write_now's), for a caller that keeps `body` alive until the answer
  // is written: respond_now() sends what the socket takes at once and returns true when done
  // (then ok() says whether the client got it all; no coroutine frame); false: co_await
  // respond_rest() for the rest. The error-body filter may rewrite `body` in place.
  bool respond_now(unsigned status, std::string_view content_type, std::string& body,
                   ExtraHeaders headers = {});
  asio::awaitable<bool> respond_rest();
  bool ok() const { return ok_; }
  // A chunked response (SSE): headers now, then chunk() per piece, then finish(). To an
  // HTTP/1.0 client the body is sent as it is and ends when the connection closes.
  asio::awaitable<bool> begin_chunked(unsigned status, std::string_view content_type,
                                      ExtraHeaders headers = {});
  // The same, but the headers go out with the next chunk() or finish_chunked(), in the same
  // write (one syscall instead of two). For a relay that has its first piece in hand; the caller
  // must write one of them next. started() is true from here on.
  void begin_chunked_with_next_write(unsigned status, std::string_view content_type,
                                     ExtraHeaders headers = {});
  asio::awaitable<bool> chunk(std::string_view data);
  // Ends the body; a non-empty `last` is sent as a final chunk in the same write.
  asio::awaitable<bool> finish_chunked(std::string_view last = {});

 private:
  ResponseHead head(unsigned status, std::string_view content_type, const ExtraHeaders& h) const;
  // Writes [a pending head] + chunk(data) + [last chunk] in one write.
  asio::awaitable<bool> write_chunks(std::string_view data, bool last);
  // send_now() is write_now() for this exchange: true when done, then ok_ says how it went;
  // false: co_await send_rest(rest) (two steps, so a whole write costs no coroutine frame).
  bool send_now(std::span<const asio::const_buffer> buffers, UnsentPieces& rest);
  asio::awaitable<bool> send_rest(const UnsentPieces& rest);

  beast::tcp_stream& stream_;
  Request& req_;
  const ServerLimits& limits_;
  bool keep_alive_;
  bool started_ = false;
  bool ok_ = true;                // the last send_now() that finished wrote everything
  bool head_pending_ = false;     // head_ holds headers not yet written
  bool close_delimited_ = false;  // an HTTP/1.0 stream: raw body, ended by closing
  ErrorBodyFilter error_filter_ = nullptr;
  const std::vector<std::pair<std::string, std::string>>* more_headers_ = nullptr;
  std::string own_head_;
  std::string& head_;
  UnsentPieces unsent_;  // what respond_now left for respond_rest
};

// Answers requests of one worker. Called on the worker's thread only.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual asio::awaitable<void> handle(Exchange& exchange) = 0;
  // The error-body filter for requests to `target` that the server answers itself, before
  // handle() runs (413 for a body over the limit); null leaves those bodies as written.
  virtual Exchange::ErrorBodyFilter error_body_filter(std::string_view /*target*/) const {
    return nullptr;
  }
  // At the drain deadline: cancel whatever the handler waits on (upstream connections).
  virtual void abort_all() {}
};

class Worker {
 public:
  // `name`: its thread's name, with the index appended (name_this_thread).
  Worker(int index, const ServerLimits& limits, std::string_view name = "worker");
  ~Worker();
  int index() const { return index_; }
  asio::io_context& io() { return *io_; }
  void set_handler(std::unique_ptr<Handler> handler) { handler_ = std::move(handler); }
  // True once draining began (handlers answer with Connection: close).
  bool draining() const { return draining_; }

  Status listen(const tcp::endpoint& endpoint);
  int port() const;
  void start();  // runs the io_context on a new thread
  // Thread-safe (posts to the worker): stop accepting, close idle connections, finish the
  // requests in flight; later requests on open connections get Connection: close.
  void begin_drain();
  // Thread-safe: close every client connection and let the handler cancel its upstreams.
  void abort();
  // Thread-safe: number of connections open (approximate while running).
  std::size_t sessions() const { return session_count_.load(std::memory_order_relaxed); }
  void stop();  // stops the io_context and joins

 private:
  struct Session {
    beast::tcp_stream* stream = nullptr;
    bool idle = true;
  };
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> session(tcp::socket socket);

  // Destruction order matters (see ~Worker): coroutine frames still pending when the
  // io_context dies may touch live_ but never handler_.
  int index_;
  ServerLimits limits_;
  std::string thread_name_;
  std::unordered_set<Session*> live_;
  std::unique_ptr<asio::io_context> io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::unique_ptr<Handler> handler_;
  std::atomic<std::size_t> session_count_{0};
  bool draining_ = false;
  std::thread thread_;
};

// N workers listening on one address with SO_REUSEPORT.
class Server {
 public:
  // `name` names the workers' threads (`worker-0`, ...).
  Server(int workers, const ServerLimits& limits, std::string_view name = "worker");
  // Binds every worker (port 0: the first picks, the others share it). Returns the port.
  Result<int> listen(const std::string& host, int port);
  Worker& worker(std::size_t i) { return *workers_[i]; }
  std::size_t size() const { return workers_.size(); }
  void start();
  // Graceful: begin_drain on every worker; wait until `idle()` says so or the deadline passes;
  // then abort what is left, give it `grace` to record itself, and stop.
  void drain_and_stop(std::chrono::milliseconds deadline, const std::function<bool()>& idle,
                      std::chrono::milliseconds grace = std::chrono::milliseconds(500));
  void stop();

 private:
  std::vector<std::unique_ptr<Worker>> workers_;
};

// SIGINT/SIGTERM handling without signal handlers: block_termination_signals() must run before
// any thread starts (threads inherit the mask); the main thread then waits with sigwait. A
// second signal during a drain cuts the drain short.
void block_termination_signals();
void wait_for_termination_signal();
// The gateway's variant: SIGHUP (reload) is blocked too, and wait_for_signal() returns the
// signal that arrived (SIGINT, SIGTERM or SIGHUP).
void block_gateway_signals();
int wait_for_signal();
// Sleeps up to `d`; true when a termination signal arrived meanwhile.
bool termination_signal_within(std::chrono::milliseconds d);
// Ignores SIGPIPE for the process (writes to a closed peer return an error instead).
void ignore_sigpipe();
// Asks the kernel for a scheduling slice of `slice_ns` for the calling thread, keeping its policy
// and nice value. Linux 6.12+ (EEVDF custom slices, sched_setattr's sched_runtime for SCHED_OTHER)
// lets a waking thread whose slice is shorter than the running thread's preempt it at once; every
// worker thread asks for 100 us, so a worker woken by a request does not wait out the slice of
// another thread on its core (the request-log writer). Older kernels ignore the field; a refusal
// (a seccomp filter, a real-time or batch policy) changes nothing.
void request_short_slice(std::uint64_t slice_ns);

}  // namespace llmctl::net
