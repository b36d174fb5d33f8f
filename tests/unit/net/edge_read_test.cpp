// The read path's syscall savers. Reads into an EdgeBuffer (net/edge_buffer.h): after a short
// read the next read waits for epoll instead of trying a recv that returns EAGAIN, and no byte or
// end of stream is missed (recv calls counted by wrapping recvmsg, what Asio calls for
// beast::tcp_stream reads). ReadDeadline (net.h): one lazily armed timer per connection ends a
// read at its deadline, never before, and not after expires_never().
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <string>
#include <thread>

#include "net/net.h"

namespace {
std::atomic<int> g_watched_fd{-1};
std::atomic<int> g_recvmsg_calls{0};
}  // namespace

// The test binary's recvmsg: counts calls on the watched descriptor, then makes the system call.
extern "C" ssize_t recvmsg(int fd, struct msghdr* msg, int flags) {
  if (fd == g_watched_fd.load(std::memory_order_relaxed))
    g_recvmsg_calls.fetch_add(1, std::memory_order_relaxed);
  return static_cast<ssize_t>(::syscall(SYS_recvmsg, fd, msg, flags));
}

namespace llmctl::net {
namespace {

using namespace std::chrono_literals;

// A connected loopback pair: `reader` is the side under test, `peer` writes to it.
struct Pair {
  asio::io_context io{1};
  beast::tcp_stream reader{io};
  tcp::socket peer{io};
  Pair() {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    reader.socket().connect(acceptor.local_endpoint());
    acceptor.accept(peer);
    peer.set_option(tcp::no_delay(true));
    enable_edge_reads(reader.socket().native_handle());  // as the server and upstreams do
    g_watched_fd = reader.socket().native_handle();
    g_recvmsg_calls = 0;
  }
  ~Pair() { g_watched_fd = -1; }
  void send(std::string_view s) { asio::write(peer, asio::buffer(s.data(), s.size())); }
  // Sends `s` from the peer after `delay`, while the reader waits.
  void send_later(std::string s, std::chrono::milliseconds delay) {
    auto timer = std::make_shared<asio::steady_timer>(io, delay);
    timer->async_wait([this, timer, s = std::move(s)](boost::system::error_code) { send(s); });
  }
};

// Reads twice into a Buffer (EdgeFlatBuffer or beast::flat_buffer), each time a message the
// peer sends 20 ms after the read began (as a proxy waits for the upstream's answer and the
// client's next request). Returns what was read and the recvmsg calls made on the reading
// socket.
template <class Buffer>
std::pair<std::string, int> two_reads() {
  Pair p;
  std::string got;
  asio::co_spawn(
      p.io,
      [&]() -> asio::awaitable<void> {
        Buffer buffer;
        for (int i = 0; i < 2; ++i) {
          p.send_later(i == 0 ? "first" : "second", 20ms);
          p.reader.expires_after(5s);
          auto [ec, n] = co_await p.reader.async_read_some(buffer.prepare(512), use_nothrow);
          if (ec) co_return;
          buffer.commit(n);
          got += beast::buffers_to_string(buffer.data()) + "|";
          buffer.consume(n);
        }
      },
      asio::detached);
  p.io.run_for(10s);
  return {got, g_recvmsg_calls.load()};
}

TEST(EdgeRead, AShortReadSkipsTheRecvThatWouldFindTheSocketEmpty) {
  // beast::flat_buffer: each read tries a recv first (EAGAIN), waits, then reads: 4 calls.
  const auto [plain_got, plain_calls] = two_reads<beast::flat_buffer>();
  EXPECT_EQ(plain_got, "first|second|");
  EXPECT_EQ(plain_calls, 4);
  if (!kEdgeReads) GTEST_SKIP() << "edge reads are off for this Boost version or reactor";
  // EdgeFlatBuffer: the first read is the same (a new socket is not known to be empty), but it
  // was short, so the second one waits for epoll at once: 3 calls.
  const auto [got, calls] = two_reads<EdgeFlatBuffer>();
  EXPECT_EQ(got, "first|second|");
  EXPECT_EQ(calls, 3);
}

// Bytes that arrive after a short read and before the next read starts, with or without the
// reactor seeing their epoll event in between, are read.
TEST(EdgeRead, BytesArrivingBetweenReadsAreRead) {
  for (const bool poll_between : {false, true}) {
    Pair p;
    p.send("a");
    std::string got;
    asio::co_spawn(
        p.io,
        [&]() -> asio::awaitable<void> {
          EdgeFlatBuffer buffer;
          for (int i = 0; i < 2; ++i) {
            p.reader.expires_after(5s);
            auto [ec, n] = co_await p.reader.async_read_some(buffer.prepare(512), use_nothrow);
            if (ec) co_return;
            buffer.commit(n);
            got += beast::buffers_to_string(buffer.data());
            buffer.consume(n);
            if (i == 0) {
              p.send("b");
              if (poll_between) {  // let the reactor take the event before the read starts
                asio::steady_timer t(p.io, 10ms);
                co_await t.async_wait(use_nothrow);
              }
            }
          }
        },
        asio::detached);
    p.io.run_for(10s);
    EXPECT_EQ(got, "ab") << "poll between reads: " << poll_between;
  }
}

// A read that fills the buffer is not "exhausted": the next one reads the rest at once.
TEST(EdgeRead, AFullReadIsFollowedByARecv) {
  Pair p;
  p.send(std::string(1000, 'x'));
  std::vector<std::size_t> sizes;
  asio::co_spawn(
      p.io,
      [&]() -> asio::awaitable<void> {
        EdgeFlatBuffer buffer;
        while (buffer.size() < 1000) {
          p.reader.expires_after(5s);
          auto [ec, n] = co_await p.reader.async_read_some(buffer.prepare(512), use_nothrow);
          if (ec) co_return;
          buffer.commit(n);
          sizes.push_back(n);
          buffer.consume(n);
          if (sizes.size() == 2) break;
        }
      },
      asio::detached);
  p.io.run_for(10s);
  EXPECT_EQ(sizes, (std::vector<std::size_t>{512, 488}));
  EXPECT_EQ(g_recvmsg_calls.load(), 2);
}

// The peer's close after a short read ends the next read with end of stream (no hang).
TEST(EdgeRead, EndOfStreamAfterAShortReadIsSeen) {
  Pair p;
  p.send("last");
  boost::system::error_code second;
  std::size_t first_n = 0;
  asio::co_spawn(
      p.io,
      [&]() -> asio::awaitable<void> {
        EdgeFlatBuffer buffer;
        p.reader.expires_after(5s);
        auto [ec, n] = co_await p.reader.async_read_some(buffer.prepare(512), use_nothrow);
        first_n = n;
        buffer.commit(n);
        asio::post(p.io, [&] { p.peer.close(); });
        p.reader.expires_after(5s);
        std::tie(second, std::ignore) =
            co_await p.reader.async_read_some(buffer.prepare(512), use_nothrow);
      },
      asio::detached);
  p.io.run_for(10s);
  EXPECT_EQ(first_n, 4u);
  EXPECT_EQ(second, asio::error::eof) << second.message();
}

// The peer's last bytes and its close in one epoll event, while a read waits for them: the read
// that takes the bytes does not mark the socket drained (the kernel's hint counts the FIN), so
// the next read finds the end of stream at once. Before the hint, it waited for an edge that
// had already come, until its deadline (an upstream cut mid-stream held the client for the
// stream's 60 s idle timeout).
TEST(EdgeRead, TheLastBytesAndTheCloseTogetherEndTheNextReadAtOnce) {
  Pair p;
  boost::system::error_code second;
  std::size_t first_n = 0;
  std::chrono::steady_clock::duration waited{};
  asio::co_spawn(
      p.io,
      [&]() -> asio::awaitable<void> {
        EdgeFlatBuffer buffer;
        // The bytes and the close, 20 ms into the first read (it waits on epoll by then).
        asio::steady_timer later(p.io, 20ms);
        later.async_wait([&](boost::system::error_code) {
          p.send("last");
          p.peer.close();
        });
        p.reader.expires_after(5s);
        auto [ec, n] = co_await p.reader.async_read_some(buffer.prepare(512), use_nothrow);
        first_n = n;
        buffer.commit(n);
        const auto t0 = std::chrono::steady_clock::now();
        p.reader.expires_after(5s);
        std::tie(second, std::ignore) =
            co_await p.reader.async_read_some(buffer.prepare(512), use_nothrow);
        waited = std::chrono::steady_clock::now() - t0;
      },
      asio::detached);
  p.io.run_for(10s);
  EXPECT_EQ(first_n, 4u);
  EXPECT_EQ(second, asio::error::eof) << second.message();
  EXPECT_LT(waited, 1s);
}

// HTTP over it: two keep-alive requests, each sent while the reader waits, both parsed with
// one recv each after the first read's EAGAIN.
TEST(EdgeRead, BeastReadsRequestsOnAKeptAliveConnection) {
  Pair p;
  const std::string req =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}";
  std::vector<std::string> targets;
  asio::co_spawn(
      p.io,
      [&]() -> asio::awaitable<void> {
        EdgeFlatBuffer buffer;
        for (int i = 0; i < 2; ++i) {
          p.send_later(req, 20ms);
          http::request<http::string_body> r;
          p.reader.expires_after(5s);
          auto [ec, n] = co_await http::async_read(p.reader, buffer, r, use_nothrow);
          if (ec) co_return;
          targets.emplace_back(r.target());
          EXPECT_EQ(r.body(), "{}");
        }
      },
      asio::detached);
  p.io.run_for(10s);
  EXPECT_EQ(targets, (std::vector<std::string>{"/v1/chat/completions", "/v1/chat/completions"}));
  if (kEdgeReads) {
    EXPECT_EQ(g_recvmsg_calls.load(), 3);
  }
}

// Reads once under `deadline` (already set); returns the error and the milliseconds it took.
std::pair<boost::system::error_code, long> timed_read(Pair& p, EdgeFlatBuffer& buffer) {
  boost::system::error_code result = asio::error::would_block;
  p.io.restart();  // an earlier run may have run out of work
  const auto t0 = Clock::now();
  asio::co_spawn(
      p.io,
      [&]() -> asio::awaitable<void> {
        auto [ec, n] = co_await p.reader.async_read_some(buffer.prepare(512), use_nothrow);
        buffer.commit(n);
        result = ec;
      },
      asio::detached);
  while (result == asio::error::would_block && Clock::now() - t0 < 10s) p.io.run_one_for(50ms);
  return {result, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count()};
}

TEST(ReadDeadline, EndsAReadThePeerNeverAnswers) {
  Pair p;
  ReadDeadline deadline(p.reader);
  EdgeFlatBuffer buffer;
  deadline.expires_after(100ms);
  const auto [ec, ms] = timed_read(p, buffer);
  EXPECT_TRUE(ec);
  EXPECT_TRUE(deadline.timed_out());
  EXPECT_GE(ms, 95);
  EXPECT_LT(ms, 5000);
}

TEST(ReadDeadline, AnEarlierDeadlineMovesTheTimer) {
  Pair p;
  ReadDeadline deadline(p.reader);
  EdgeFlatBuffer buffer;
  deadline.expires_after(20s);
  deadline.expires_after(100ms);
  const auto [ec, ms] = timed_read(p, buffer);
  EXPECT_TRUE(ec);
  EXPECT_TRUE(deadline.timed_out());
  EXPECT_LT(ms, 5000);
}

// The timer armed for 50 ms wakes, finds the deadline moved to 300 ms and sleeps again; the
// answer at 150 ms is read. After expires_never() the old wake-up closes nothing.
TEST(ReadDeadline, ALaterDeadlineDoesNotFireEarlyAndNeverMeansNever) {
  Pair p;
  ReadDeadline deadline(p.reader);
  EdgeFlatBuffer buffer;
  deadline.expires_after(50ms);
  deadline.expires_after(300ms);
  p.send_later("late", 150ms);
  auto [ec, ms] = timed_read(p, buffer);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_FALSE(deadline.timed_out());
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), "late");
  deadline.expires_never();
  p.io.run_for(400ms);  // past the 300 ms the timer was armed for
  EXPECT_TRUE(p.reader.socket().is_open());
  deadline.expires_after(2s);
  p.send_later("again", 20ms);
  std::tie(ec, ms) = timed_read(p, buffer);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_FALSE(deadline.timed_out());
}

// Destroyed with its timer armed: the wait ends harmlessly, the stream is left alone.
TEST(ReadDeadline, DestroyedWhileArmed) {
  Pair p;
  {
    ReadDeadline deadline(p.reader);
    deadline.expires_after(50ms);
  }
  p.io.run_for(150ms);
  EXPECT_TRUE(p.reader.socket().is_open());
}

// The server's side of the same hole: a client sends its next request and its FIN together
// while the session waits for it. The session answers and then closes at once; before the
// TCP_INQ rule it took the FIN's edge for spent and held the connection until its keep-alive
// timeout (5 s here).
TEST(EdgeRead, AServerClosesAtOnceAfterALastRequestThatCameWithItsFin) {
  struct Ok : Handler {
    asio::awaitable<void> handle(Exchange& ex) override {
      co_await ex.respond(200, "text/plain", "ok");
    }
  };
  ServerLimits limits;
  limits.keepalive_timeout_ms = 5000;
  Server server(1, limits, "fin-test");
  server.worker(0).set_handler(std::make_unique<Ok>());
  auto port = server.listen("127.0.0.1", 0);
  ASSERT_TRUE(port.ok());
  server.start();
  asio::io_context io;
  tcp::socket client(io);
  client.connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(*port)));
  const std::string req = "GET /x HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string got;
  char buf[4096];
  auto read_until = [&](std::string_view what) {
    while (got.find(what) == std::string::npos) {
      boost::system::error_code ec;
      const std::size_t n = client.read_some(asio::buffer(buf), ec);
      if (ec) return;
      got.append(buf, n);
    }
  };
  asio::write(client, asio::buffer(req));
  read_until("ok");  // the first answer: the session now waits for the next request
  std::this_thread::sleep_for(20ms);
  // The request and the FIN in one segment: corked, the request waits for the shutdown, which
  // sends both (else the server may wake between them, and the FIN has an edge of its own).
  const int on = 1;
  ASSERT_EQ(::setsockopt(client.native_handle(), IPPROTO_TCP, TCP_CORK, &on, sizeof on), 0);
  asio::write(client, asio::buffer(req));
  client.shutdown(tcp::socket::shutdown_send);
  const auto t0 = std::chrono::steady_clock::now();
  boost::system::error_code ec;
  while (!ec) {
    const std::size_t n = client.read_some(asio::buffer(buf), ec);
    got.append(buf, n);
  }
  const auto waited = std::chrono::steady_clock::now() - t0;
  server.stop();
  EXPECT_EQ(ec, asio::error::eof) << ec.message();
  std::size_t answers = 0;
  for (std::size_t at = 0; (at = got.find("HTTP/1.1 200", at)) != std::string::npos; ++at)
    ++answers;
  EXPECT_EQ(answers, 2u);
  EXPECT_LT(waited, 1s);
}

}  // namespace
}  // namespace llmctl::net
