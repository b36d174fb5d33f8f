// gateway_load: the HTTP/1.1 load generator of the gateway benchmark (bench/gateway/run.sh).
//
// Two modes, both over a fixed set of keep-alive connections opened before the clock starts:
//
//   --mode rate  Open loop. Request i is due at t0 + i/rate (its intended send time) whether or
//                not earlier requests have finished. A due request goes out on an idle
//                connection; when every connection is busy it waits in a FIFO, and the wait
//                counts: latency is measured from the intended send time, not from the moment
//                the bytes left (coordinated omission corrected, as wrk2 does).
//   --mode max   Closed loop. Each connection sends its next request as soon as the previous
//                one is complete; latency is measured from the actual send time.
//
// A warm-up (--warmup) precedes the measured window (--duration); only requests due (rate) or
// completed (max) inside the window count. Every response is checked: status 200, a complete
// body (Content-Length, chunked or close-delimited), `"choices"` for a whole response, `[DONE]`
// for a stream, and no `"error"` anywhere. Anything else is an error, not a latency sample.
// Requests still unsent or unfinished --drain seconds after the window are reported as such
// (the target could not keep up).
//
// For streams, `first` is the time to the first body byte (the first event), `total` the time
// to the last byte. `achieved_rps` counts good answers to the requests of the window;
// `window_rps` every answer that arrived inside it (below the rate: the target fell behind). With
// --cpu-pid the CPU seconds (user + system, from /proc) those processes spent inside the measured
// window are reported, so a run can be turned into requests per CPU-second of the proxy. With
// --ready-file the file is created once every connection has a stream open at the same time (the
// benchmark reads the proxy's RSS then).
//
// Output: one JSON object on stdout. Linux only (epoll).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

double seconds_between(TimePoint a, TimePoint b) {
  return std::chrono::duration<double>(b - a).count();
}

// ---------------------------------------------------------------------------------------------
// Options

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string path = "/v1/chat/completions";
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  bool stream = false;
  bool rate_mode = true;
  double rate = 1000;  // requests per second (rate mode)
  double duration_s = 5;
  double warmup_s = 1;
  double drain_s = 5;
  int connections = 64;
  int threads = 1;
  std::vector<int> cpu_pids;
  std::string ready_file;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr,
               "gateway_load: %s\n"
               "usage: gateway_load --url http://HOST:PORT/PATH --body JSON [--stream]\n"
               "         [--mode rate|max] [--rate RPS] [--duration S] [--warmup S] [--drain S]\n"
               "         [--connections C] [--threads T] [--header 'Name: value']...\n"
               "         [--cpu-pid PID]... [--ready-file PATH]\n",
               message.c_str());
  std::exit(2);
}

void parse_url(const std::string& url, Options& o) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) usage_error("only http:// URLs are supported: " + url);
  std::string rest = url.substr(kScheme.size());
  std::size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  o.path = slash == std::string::npos ? "/" : rest.substr(slash);
  std::size_t colon = hostport.rfind(':');
  if (colon == std::string::npos) usage_error("the URL needs a port: " + url);
  o.host = hostport.substr(0, colon);
  o.port = std::atoi(hostport.c_str() + colon + 1);
  if (o.port <= 0 || o.port > 65535) usage_error("bad port in " + url);
}

double to_double(const std::string& flag, const char* v) {
  char* end = nullptr;
  double d = std::strtod(v, &end);
  if (end == v || *end != '\0') usage_error(flag + ": not a number: " + v);
  return d;
}

Options parse_options(int argc, char** argv) {
  Options o;
  bool have_url = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::printf(
          "gateway_load: open-loop (CO-corrected) or closed-loop HTTP/1.1 load; one JSON object "
          "out\n"
          "  --url http://HOST:PORT/PATH   target (POST)\n"
          "  --body JSON                   request body; --stream: expect SSE ending in [DONE]\n"
          "  --header 'Name: value'        extra header (repeatable)\n"
          "  --mode rate|max               constant rate (default) or closed loop\n"
          "  --rate RPS                    requests/s in rate mode (default 1000)\n"
          "  --duration S --warmup S       measured window and warm-up before it (5, 1)\n"
          "  --drain S                     wait for late answers after the window (5)\n"
          "  --connections C --threads T   keep-alive connections (64), event loops (1)\n"
          "  --cpu-pid PID                 report PID's CPU seconds inside the window "
          "(repeatable)\n"
          "  --ready-file PATH             created once every connection has a stream open\n");
      std::exit(0);
    }
    if (a == "--stream") {
      o.stream = true;
      continue;
    }
    if (i + 1 >= argc) usage_error(a + " needs a value");
    const char* v = argv[++i];
    if (a == "--url") {
      parse_url(v, o);
      have_url = true;
    } else if (a == "--body") {
      o.body = v;
    } else if (a == "--header") {
      o.headers.emplace_back(v);
    } else if (a == "--mode") {
      std::string m = v;
      if (m != "rate" && m != "max") usage_error("--mode is rate or max, found " + m);
      o.rate_mode = m == "rate";
    } else if (a == "--rate") {
      o.rate = to_double(a, v);
    } else if (a == "--duration") {
      o.duration_s = to_double(a, v);
    } else if (a == "--warmup") {
      o.warmup_s = to_double(a, v);
    } else if (a == "--drain") {
      o.drain_s = to_double(a, v);
    } else if (a == "--connections") {
      o.connections = static_cast<int>(to_double(a, v));
    } else if (a == "--threads") {
      o.threads = static_cast<int>(to_double(a, v));
    } else if (a == "--cpu-pid") {
      o.cpu_pids.push_back(static_cast<int>(to_double(a, v)));
    } else if (a == "--ready-file") {
      o.ready_file = v;
    } else {
      usage_error("unknown option " + a);
    }
  }
  if (!have_url) usage_error("--url is required");
  if (o.body.empty()) usage_error("--body is required");
  if (o.rate <= 0 || o.duration_s <= 0 || o.warmup_s < 0 || o.drain_s < 0)
    usage_error("--rate and --duration must be positive, --warmup and --drain at least 0");
  if (o.threads < 1 || o.connections < o.threads)
    usage_error("--threads must be at least 1 and at most --connections");
  return o;
}

// ---------------------------------------------------------------------------------------------
// Incremental HTTP/1.1 response parser: status, framing, and the body checks above.

class ResponseParser {
 public:
  void reset() {
    state_ = State::kHeaders;
    head_.clear();
    status_ = 0;
    keep_alive_ = true;
    remaining_ = 0;
    line_.clear();
    tail_.clear();
    got_any_ = false;
    first_body_ = false;
    saw_done_ = saw_error_ = saw_choices_ = false;
    bad_ = false;
  }

  // Consumes up to n bytes; returns how many were used (fewer only once the response is done).
  std::size_t feed(const char* p, std::size_t n, TimePoint now) {
    if (n > 0) got_any_ = true;
    std::size_t used = 0;
    while (used < n && state_ != State::kDone && !bad_) used += step(p + used, n - used, now);
    return used;
  }

  // The peer closed the connection: a close-delimited body ends here; anything else is cut.
  void on_eof() {
    if (state_ == State::kUntilClose) {
      state_ = State::kDone;
      keep_alive_ = false;
    }
  }

  bool done() const { return state_ == State::kDone; }
  bool bad() const { return bad_; }
  bool got_any() const { return got_any_; }
  bool keep_alive() const { return keep_alive_; }
  int status() const { return status_; }
  bool first_body() const { return first_body_; }
  TimePoint first_body_at() const { return first_body_at_; }
  bool saw_done() const { return saw_done_; }
  bool saw_error() const { return saw_error_; }
  bool saw_choices() const { return saw_choices_; }

 private:
  enum class State {
    kHeaders,
    kLength,
    kUntilClose,
    kChunkSize,
    kChunkData,
    kChunkCrlf,
    kTrailer,
    kDone
  };

  static bool iequals_prefix(std::string_view line, std::string_view name) {
    if (line.size() < name.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
    return true;
  }
  static std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  }

  std::size_t step(const char* p, std::size_t n, TimePoint now) {
    switch (state_) {
      case State::kHeaders:
        return headers(p, n);
      case State::kLength: {
        std::size_t take = std::min<std::size_t>(n, remaining_);
        body(p, take, now);
        remaining_ -= take;
        if (remaining_ == 0) state_ = State::kDone;
        return take;
      }
      case State::kUntilClose:
        body(p, n, now);
        return n;
      case State::kChunkSize:
      case State::kChunkCrlf:
      case State::kTrailer:
        return line(p, n);
      case State::kChunkData: {
        std::size_t take = std::min<std::size_t>(n, remaining_);
        body(p, take, now);
        remaining_ -= take;
        if (remaining_ == 0) state_ = State::kChunkCrlf;
        return take;
      }
      case State::kDone:
        return 0;
    }
    return n;
  }

  std::size_t headers(const char* p, std::size_t n) {
    std::size_t before = head_.size();
    head_.append(p, n);
    std::size_t end = head_.find("\r\n\r\n", before >= 3 ? before - 3 : 0);
    if (end == std::string::npos) {
      if (head_.size() > 65536) bad_ = true;
      return n;
    }
    std::size_t used = end + 4 - before;
    std::string_view h(head_.data(), end + 2);
    // Status line: HTTP/1.x SSS reason
    if (h.size() < 12 || h.substr(0, 5) != "HTTP/") {
      bad_ = true;
      return used;
    }
    bool http10 = h.substr(0, 8) == "HTTP/1.0";
    keep_alive_ = !http10;
    status_ = std::atoi(std::string(h.substr(9, 3)).c_str());
    bool chunked = false;
    long long length = -1;
    std::size_t pos = h.find("\r\n") + 2;
    while (pos < h.size()) {
      std::size_t eol = h.find("\r\n", pos);
      std::string_view l = h.substr(pos, eol - pos);
      pos = eol + 2;
      std::size_t colon = l.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view value = l.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
      if (iequals_prefix(l, "content-length:")) {
        length = std::atoll(std::string(value).c_str());
      } else if (iequals_prefix(l, "transfer-encoding:")) {
        chunked = lower(value).find("chunked") != std::string::npos;
      } else if (iequals_prefix(l, "connection:")) {
        std::string v = lower(value);
        if (v.find("close") != std::string::npos) keep_alive_ = false;
        if (v.find("keep-alive") != std::string::npos) keep_alive_ = true;
      }
    }
    if (status_ == 204 || status_ == 304) {
      state_ = State::kDone;
    } else if (chunked) {
      state_ = State::kChunkSize;
    } else if (length >= 0) {
      remaining_ = static_cast<std::size_t>(length);
      state_ = remaining_ == 0 ? State::kDone : State::kLength;
    } else {
      state_ = State::kUntilClose;
      keep_alive_ = false;
    }
    return used;
  }

  // Chunk-size lines, the CRLF after chunk data, and trailer lines.
  std::size_t line(const char* p, std::size_t n) {
    const void* nl = std::memchr(p, '\n', n);
    if (nl == nullptr) {
      line_.append(p, n);
      if (line_.size() > 4096) bad_ = true;
      return n;
    }
    std::size_t used = static_cast<std::size_t>(static_cast<const char*>(nl) - p) + 1;
    line_.append(p, used - 1);
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (state_ == State::kChunkSize) {
      char* end = nullptr;
      unsigned long long size = std::strtoull(line_.c_str(), &end, 16);
      if (end == line_.c_str()) {
        bad_ = true;
      } else if (size == 0) {
        state_ = State::kTrailer;
      } else {
        remaining_ = static_cast<std::size_t>(size);
        state_ = State::kChunkData;
      }
    } else if (state_ == State::kChunkCrlf) {
      if (!line_.empty()) bad_ = true;
      state_ = State::kChunkSize;
    } else if (line_.empty()) {  // kTrailer: the empty line ends the message
      state_ = State::kDone;
    }
    line_.clear();
    return used;
  }

  // Decoded body bytes: the first-byte time and the markers, also across read boundaries.
  void body(const char* p, std::size_t n, TimePoint now) {
    if (n == 0) return;
    if (!first_body_) {
      first_body_ = true;
      first_body_at_ = now;
    }
    std::string_view data(p, n);
    std::string seam = tail_;
    seam.append(data.substr(0, std::min<std::size_t>(n, kTail)));
    scan(seam);
    scan(data);
    if (n >= kTail) {
      tail_.assign(data.substr(n - kTail));
    } else {
      tail_.append(data);
      if (tail_.size() > kTail) tail_.erase(0, tail_.size() - kTail);
    }
  }
  void scan(std::string_view s) {
    if (!saw_done_ && s.find("[DONE]") != std::string_view::npos) saw_done_ = true;
    if (!saw_error_ && s.find("\"error\"") != std::string_view::npos) saw_error_ = true;
    if (!saw_choices_ && s.find("\"choices\"") != std::string_view::npos) saw_choices_ = true;
  }

  static constexpr std::size_t kTail = 10;  // longest marker minus one
  State state_ = State::kHeaders;
  std::string head_;
  int status_ = 0;
  bool keep_alive_ = true;
  std::size_t remaining_ = 0;
  std::string line_;
  std::string tail_;
  bool got_any_ = false;
  bool first_body_ = false;
  TimePoint first_body_at_{};
  bool saw_done_ = false, saw_error_ = false, saw_choices_ = false;
  bool bad_ = false;
};

// ---------------------------------------------------------------------------------------------
// One event loop (one thread) with its share of connections and rate.

struct Request {
  TimePoint intended;  // rate: due time; max: send time
  bool measured = false;
  int retries = 0;
};

struct Errors {
  long long status = 0;      // not 200
  long long body = 0;        // bad framing, missing [DONE] / "choices", or an "error" in it
  long long io = 0;          // connection reset or closed mid-response
  long long unsent = 0;      // rate mode: due in the window, never sent before the drain ended
  long long unfinished = 0;  // sent, not complete when the drain ended
  long long total() const { return status + body + io + unsent + unfinished; }
};

struct Shared {
  std::atomic<int> streaming{0};  // requests with their first body byte in, not yet complete
  std::atomic<int> max_streaming{0};
  std::atomic<bool> ready_written{false};
  std::string ready_file;
  int ready_target = 0;
};

class Loop {
 public:
  Loop(const Options& o, const std::string& request, sockaddr_in addr, int connections, double rate,
       double phase_s, TimePoint t0, Shared& shared)
      : o_(o),
        request_(request),
        addr_(addr),
        rate_(rate),
        phase_s_(phase_s),
        t0_(t0),
        shared_(shared),
        conns_(static_cast<std::size_t>(connections)) {
    t_measure_ = t0_ + to_duration(o_.warmup_s);
    t_end_ = t_measure_ + to_duration(o_.duration_s);
    t_drain_ = t_end_ + to_duration(o_.drain_s);
  }
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;
  ~Loop() {
    for (auto& c : conns_)
      if (c.fd >= 0) ::close(c.fd);
    if (ep_ >= 0) ::close(ep_);
  }

  // Opens the connections (before t0). Returns an error message, or "" on success.
  std::string open() {
    ep_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (ep_ < 0) return std::string("epoll_create1: ") + std::strerror(errno);
    for (std::size_t i = 0; i < conns_.size(); ++i) {
      if (!connect(i)) return std::string("connect: ") + std::strerror(errno);
      idle_.push_back(i);
    }
    return "";
  }

  void run() {
    std::vector<epoll_event> events(256);
    std::vector<char> buf(1 << 16);
    long long next_index = 0;
    TimePoint next_due = due(0);
    while (true) {
      TimePoint now = Clock::now();
      if (o_.rate_mode) {
        while (next_due <= now && next_due < t_end_) {
          pending_.push_back(Request{next_due, next_due >= t_measure_, 0});
          next_due = due(++next_index);
        }
      } else if (now < t_end_) {
        while (!idle_.empty()) send(pop_idle(), Request{now, false, 0}, now);
      }
      max_pending_ = std::max(max_pending_, pending_.size());
      while (!pending_.empty() && !idle_.empty()) {
        Request r = pending_.front();
        pending_.pop_front();
        send(pop_idle(), r, now);
      }
      if (now >= t_end_ && pending_.empty() && inflight_ == 0) break;
      if (now >= t_drain_) {
        for (const auto& r : pending_)
          if (r.measured) ++errors_.unsent;
        for (const auto& c : conns_)
          if (c.busy && c.req.measured) ++errors_.unfinished;
        break;
      }
      TimePoint wake = t_drain_;
      if (o_.rate_mode && next_due < t_end_) wake = std::min(wake, next_due);
      if (!o_.rate_mode && now < t_end_) wake = std::min(wake, t_end_);
      auto wait = std::max(Clock::duration::zero(), wake - now);
      timespec ts{};
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
      ts.tv_sec = static_cast<time_t>(ns / 1000000000);
      ts.tv_nsec = static_cast<long>(ns % 1000000000);
      int n = ::epoll_pwait2(ep_, events.data(), static_cast<int>(events.size()), &ts, nullptr);
      if (n < 0) {
        if (errno == EINTR) continue;
        std::perror("epoll_pwait2");
        std::exit(1);
      }
      for (int k = 0; k < n; ++k) {
        std::size_t i = events[static_cast<std::size_t>(k)].data.u64;
        std::uint32_t ev = events[static_cast<std::size_t>(k)].events;
        if (ev & EPOLLOUT) flush(i);
        if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) readable(i, buf);
      }
    }
  }

  std::vector<float> total_ms, first_ms;
  Errors errors_;
  long long ok_ = 0;
  long long reconnects_ = 0;
  long long retried_ = 0;
  long long completed_in_window_ = 0;  // answers (good or not) that came inside the window
  std::size_t max_pending_ = 0;        // rate mode: most due requests waiting for a connection

 private:
  struct Conn {
    int fd = -1;
    bool busy = false;
    bool streaming = false;
    Request req;
    std::size_t written = 0;
    bool want_out = false;
    ResponseParser parser;
  };

  static Clock::duration to_duration(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  }
  TimePoint due(long long i) const {
    return t0_ + to_duration(phase_s_ + static_cast<double>(i) / rate_);
  }
  std::size_t pop_idle() {
    std::size_t i = idle_.back();
    idle_.pop_back();
    return i;
  }

  bool connect(std::size_t i) {
    Conn& c = conns_[i];
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr_), sizeof addr_) != 0) {
      ::close(fd);
      return false;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
    c.fd = fd;
    c.want_out = false;
    return true;
  }

  void reconnect(std::size_t i) {
    Conn& c = conns_[i];
    if (c.fd >= 0) {
      ::epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
      ::close(c.fd);
      c.fd = -1;
    }
    ++reconnects_;
    if (!connect(i)) {
      std::fprintf(stderr, "gateway_load: reconnect failed: %s\n", std::strerror(errno));
      std::exit(1);
    }
  }

  void send(std::size_t i, const Request& r, TimePoint now) {
    Conn& c = conns_[i];
    c.busy = true;
    c.streaming = false;
    c.req = r;
    if (!o_.rate_mode) c.req.intended = now;
    c.written = 0;
    c.parser.reset();
    ++inflight_;
    flush(i);
  }

  void flush(std::size_t i) {
    Conn& c = conns_[i];
    if (!c.busy) return;
    while (c.written < request_.size()) {
      ssize_t w =
          ::send(c.fd, request_.data() + c.written, request_.size() - c.written, MSG_NOSIGNAL);
      if (w > 0) {
        c.written += static_cast<std::size_t>(w);
        continue;
      }
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        set_out(i, true);
        return;
      }
      fail(i, true);
      return;
    }
    set_out(i, false);
  }

  void set_out(std::size_t i, bool on) {
    Conn& c = conns_[i];
    if (c.want_out == on) return;
    c.want_out = on;
    epoll_event ev{};
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
    ev.data.u64 = i;
    ::epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  void readable(std::size_t i, std::vector<char>& buf) {
    Conn& c = conns_[i];
    while (true) {
      ssize_t r = ::recv(c.fd, buf.data(), buf.size(), 0);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (r <= 0) {  // closed or reset
        if (!c.busy) {
          reconnect(i);  // the server closed an idle keep-alive connection
          return;
        }
        c.parser.on_eof();
        if (c.parser.done()) {
          complete(i, Clock::now());
          return;
        }
        fail(i, !c.parser.got_any());
        return;
      }
      if (!c.busy) continue;  // stray bytes after a response: ignore
      TimePoint now = Clock::now();
      c.parser.feed(buf.data(), static_cast<std::size_t>(r), now);
      if (c.parser.first_body() && !c.streaming) {
        c.streaming = true;
        int s = shared_.streaming.fetch_add(1, std::memory_order_relaxed) + 1;
        int m = shared_.max_streaming.load(std::memory_order_relaxed);
        while (s > m && !shared_.max_streaming.compare_exchange_weak(m, s)) {
        }
        if (s >= shared_.ready_target && !shared_.ready_file.empty() &&
            !shared_.ready_written.exchange(true))
          std::ofstream(shared_.ready_file) << s << "\n";
      }
      if (c.parser.bad()) {
        fail(i, false);
        return;
      }
      if (c.parser.done()) {
        complete(i, now);
        return;
      }
    }
  }

  void end_request(std::size_t i) {
    Conn& c = conns_[i];
    if (c.streaming) shared_.streaming.fetch_sub(1, std::memory_order_relaxed);
    c.streaming = false;
    c.busy = false;
    --inflight_;
  }

  void complete(std::size_t i, TimePoint now) {
    Conn& c = conns_[i];
    const ResponseParser& p = c.parser;
    bool in_window = now >= t_measure_ && now < t_end_;
    if (in_window) ++completed_in_window_;
    bool measured = o_.rate_mode ? c.req.measured : in_window;
    bool good = p.status() == 200 && !p.saw_error() && (o_.stream ? p.saw_done() : p.saw_choices());
    if (measured) {
      if (p.status() != 200) {
        ++errors_.status;
      } else if (!good) {
        ++errors_.body;
      } else {
        ++ok_;
        total_ms.push_back(static_cast<float>(seconds_between(c.req.intended, now) * 1e3));
        TimePoint first = p.first_body() ? p.first_body_at() : now;
        first_ms.push_back(static_cast<float>(seconds_between(c.req.intended, first) * 1e3));
      }
    }
    bool keep = p.keep_alive();
    end_request(i);
    if (!keep) reconnect(i);
    idle_.push_back(i);
  }

  // The request failed on the wire. One that got no byte back on a reused connection (the
  // server closed it while idle) is sent again once on a fresh connection, as HTTP clients do.
  void fail(std::size_t i, bool nothing_received) {
    Conn& c = conns_[i];
    Request r = c.req;
    end_request(i);
    reconnect(i);
    if (nothing_received && r.retries == 0) {
      ++retried_;
      r.retries = 1;
      pending_.push_front(r);
    } else {
      bool measured = o_.rate_mode ? r.measured : Clock::now() >= t_measure_;
      if (measured) ++errors_.io;
    }
    idle_.push_back(i);
  }

  const Options& o_;
  const std::string& request_;
  sockaddr_in addr_;
  double rate_;
  double phase_s_;
  TimePoint t0_, t_measure_, t_end_, t_drain_;
  Shared& shared_;
  int ep_ = -1;
  std::vector<Conn> conns_;
  std::vector<std::size_t> idle_;
  std::deque<Request> pending_;
  long long inflight_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Results

double cpu_seconds_of(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t close = s.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(s.substr(close + 2));
  std::string field;
  // Fields after the command: state(3) ... utime(14) stime(15).
  unsigned long long utime = 0, stime = 0;
  for (int k = 3; k <= 15 && rest >> field; ++k) {
    if (k == 14) utime = std::stoull(field);
    if (k == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double self_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::string percentiles(std::vector<float> v) {
  if (v.empty()) return "null";
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    std::size_t idx = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
    return static_cast<double>(v[std::min(v.size() - 1, idx == 0 ? 0 : idx - 1)]);
  };
  double sum = 0;
  for (float x : v) sum += static_cast<double>(x);
  char out[256];
  std::snprintf(out, sizeof out,
                "{\"p50\":%.4f,\"p90\":%.4f,\"p99\":%.4f,\"p999\":%.4f,\"max\":%.4f,\"mean\":%.4f}",
                at(0.50), at(0.90), at(0.99), at(0.999), static_cast<double>(v.back()),
                sum / static_cast<double>(v.size()));
  return out;
}

sockaddr_in resolve(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || res == nullptr)
    usage_error("cannot resolve " + host);
  sockaddr_in addr = *reinterpret_cast<sockaddr_in*>(res->ai_addr);
  ::freeaddrinfo(res);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  return addr;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_options(argc, argv);
  std::string request = "POST " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" +
                        std::to_string(o.port) + "\r\nContent-Type: application/json\r\nAccept: " +
                        (o.stream ? "text/event-stream" : "application/json") +
                        "\r\nContent-Length: " + std::to_string(o.body.size()) + "\r\n";
  for (const auto& h : o.headers) request += h + "\r\n";
  request += "\r\n" + o.body;
  sockaddr_in addr = resolve(o.host, o.port);

  Shared shared;
  shared.ready_file = o.ready_file;
  shared.ready_target = o.connections;
  // Start a little ahead so every connection is open before the first request is due.
  TimePoint t0 = Clock::now() + std::chrono::milliseconds(200 + o.connections / 2);
  std::vector<std::unique_ptr<Loop>> loops;
  for (int t = 0; t < o.threads; ++t) {
    int conns = o.connections / o.threads + (t < o.connections % o.threads ? 1 : 0);
    double rate = o.rate / o.threads;
    // Threads interleave: thread t sends at t0 + (k * threads + t) / rate.
    double phase = static_cast<double>(t) / o.rate;
    loops.push_back(std::make_unique<Loop>(o, request, addr, conns, rate, phase, t0, shared));
    std::string err = loops.back()->open();
    if (!err.empty()) {
      std::fprintf(stderr, "gateway_load: %s:%d: %s\n", o.host.c_str(), o.port, err.c_str());
      return 1;
    }
  }
  std::vector<std::thread> threads;
  for (auto& l : loops) threads.emplace_back([&l] { l->run(); });

  // CPU of the watched processes inside the measured window.
  TimePoint t_measure =
      t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup_s));
  TimePoint t_end = t_measure + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(o.duration_s));
  std::this_thread::sleep_until(t_measure);
  std::vector<double> cpu_before;
  for (int pid : o.cpu_pids) cpu_before.push_back(cpu_seconds_of(pid));
  double self_at_measure = self_cpu_seconds();
  std::this_thread::sleep_until(t_end);
  std::vector<double> cpu_after;
  for (int pid : o.cpu_pids) cpu_after.push_back(cpu_seconds_of(pid));
  double self_at_end = self_cpu_seconds();
  for (auto& t : threads) t.join();

  std::vector<float> total, first;
  Errors e;
  long long ok = 0, reconnects = 0, retried = 0, in_window = 0;
  std::size_t max_pending = 0;
  for (auto& l : loops) {
    total.insert(total.end(), l->total_ms.begin(), l->total_ms.end());
    first.insert(first.end(), l->first_ms.begin(), l->first_ms.end());
    ok += l->ok_;
    reconnects += l->reconnects_;
    retried += l->retried_;
    in_window += l->completed_in_window_;
    max_pending = std::max(max_pending, l->max_pending_);
    e.status += l->errors_.status;
    e.body += l->errors_.body;
    e.io += l->errors_.io;
    e.unsent += l->errors_.unsent;
    e.unfinished += l->errors_.unfinished;
  }
  double achieved = static_cast<double>(ok) / o.duration_s;
  std::string cpu = "{";
  for (std::size_t k = 0; k < o.cpu_pids.size(); ++k) {
    char item[64];
    std::snprintf(item, sizeof item, "%s\"%d\":%.3f", k ? "," : "", o.cpu_pids[k],
                  cpu_after[k] - cpu_before[k]);
    cpu += item;
  }
  cpu += "}";
  std::printf(
      "{\"mode\":\"%s\",\"stream\":%s,\"target_rps\":%.1f,\"duration_s\":%.3f,"
      "\"connections\":%d,\"threads\":%d,\"ok\":%lld,\"achieved_rps\":%.1f,"
      "\"window_rps\":%.1f,\"max_pending\":%zu,"
      "\"errors\":{\"status\":%lld,\"body\":%lld,\"io\":%lld,\"unsent\":%lld,"
      "\"unfinished\":%lld,\"total\":%lld},\"reconnects\":%lld,\"retried\":%lld,"
      "\"max_streaming\":%d,\"total_ms\":%s,\"first_ms\":%s,\"cpu_s\":%s,\"self_cpu_s\":%.3f}\n",
      o.rate_mode ? "rate" : "max", o.stream ? "true" : "false", o.rate_mode ? o.rate : 0.0,
      o.duration_s, o.connections, o.threads, ok, achieved,
      static_cast<double>(in_window) / o.duration_s, max_pending, e.status, e.body, e.io, e.unsent,
      e.unfinished, e.total(), reconnects, retried, shared.max_streaming.load(),
      percentiles(total).c_str(), percentiles(first).c_str(), cpu.c_str(),
      self_at_end - self_at_measure);
  return 0;
}
