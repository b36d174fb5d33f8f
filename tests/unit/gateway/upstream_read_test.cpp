// UpstreamConnection::read_body over a real loopback socket: one read hands over every complete
// chunk that has arrived (a stream's events then reach the client in one write), never waits for
// a partial one to finish before handing over the complete ones, and reports an error in the
// framing only after the chunks before it; and an upstream that closes right after its last
// bytes ends the read at once, whether that close ends the body (close-delimited) or cuts it.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "gateway/upstream.h"

namespace llmctl::gateway {
namespace {

using namespace std::chrono_literals;

struct Read {
  boost::system::error_code ec;
  std::string body;
  bool done = false;
};

// An upstream connection (`conn`) to a socket of the test's own (`server`, the upstream's end).
struct Loopback {
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  tcp::socket server{io};
  UpstreamConnection conn{io, nullptr};
  asio::awaitable<void> connect() {
    Deployment d;
    d.url.host = "127.0.0.1";
    d.url.port = std::to_string(acceptor.local_endpoint().port());
    tcp::resolver resolver(io);
    auto accepted = acceptor.async_accept(server, asio::use_awaitable);
    EXPECT_FALSE(co_await conn.connect(d, resolver, 2000ms));
    co_await std::move(accepted);
  }
};

// A server that writes `pieces` one after another (each after the client's previous read
// returned: the test asks for the next one by bumping `step`), and a client that reads the
// response head, then one read_body per piece. Returns the reads.
std::vector<Read> serve(const std::vector<std::string>& pieces) {
  Loopback lb;
  std::vector<Read> reads;
  asio::co_spawn(
      lb.io,
      [&]() -> asio::awaitable<void> {
        co_await lb.connect();
        ResponseParser parser;
        parser.body_limit(boost::none);
        bool head = false;
        char buf[4096];
        for (const std::string& piece : pieces) {
          co_await asio::async_write(lb.server, asio::buffer(piece), asio::use_awaitable);
          if (!head) {
            head = true;
            EXPECT_FALSE(co_await lb.conn.read_header(parser, 2000ms));
          }
          auto [ec, n] = co_await lb.conn.read_body(parser, buf, sizeof buf, 2000ms);
          reads.push_back({ec, std::string(buf, n), parser.is_done()});
          if (ec) break;
        }
      },
      asio::detached);
  lb.io.run_for(10s);
  return reads;
}

constexpr const char* kHead =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

TEST(UpstreamRead, EveryCompleteChunkAtHandInOneRead) {
  // Three events in three chunks, written at once (one recv brings them all), then the end.
  const auto reads =
      serve({std::string(kHead) + "6\r\ndata:1\r\n6\r\ndata:2\r\n6\r\ndata:3\r\n", "0\r\n\r\n"});
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_FALSE(reads[0].ec);
  EXPECT_EQ(reads[0].body, "data:1data:2data:3");
  EXPECT_FALSE(reads[0].done);
  EXPECT_FALSE(reads[1].ec) << reads[1].ec.message();
  EXPECT_EQ(reads[1].body, "");
  EXPECT_TRUE(reads[1].done);
}

TEST(UpstreamRead, TheCompleteChunksDoNotWaitForAPartialOne) {
  // The third chunk's header arrives without its body: the first two are handed over now (the
  // read does not wait for the rest), the partial one with the next piece. Beast's partial
  // chunk bodies count too: what of it has come is body.
  const auto reads =
      serve({std::string(kHead) + "6\r\ndata:1\r\n6\r\ndata:2\r\n6\r\nda", "ta:3\r\n0\r\n\r\n"});
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_FALSE(reads[0].ec);
  EXPECT_EQ(reads[0].body.substr(0, 12), "data:1data:2");
  EXPECT_EQ(reads[0].body + reads[1].body, "data:1data:2data:3");
  EXPECT_TRUE(reads[1].done);
}

TEST(UpstreamRead, AFramingErrorComesAfterTheChunksBeforeIt) {
  const auto reads = serve({std::string(kHead) + "6\r\ndata:1\r\n6\r\ndata:2\r\nzz\r\n", ""});
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_FALSE(reads[0].ec);
  EXPECT_EQ(reads[0].body, "data:1data:2");
  EXPECT_TRUE(reads[1].ec);  // the bad chunk size, from the next read
  EXPECT_EQ(reads[1].body, "");
}

// The upstream writes `response` and closes 20 ms after the client began reading its head (the
// read waits on epoll by then): bytes and close in one epoll event. The client reads the head and
// then read_body until the body is done or an error; returns the reads and how long they took.
std::pair<std::vector<Read>, std::chrono::steady_clock::duration> serve_then_close(
    const std::string& response) {
  Loopback lb;
  std::vector<Read> reads;
  std::chrono::steady_clock::duration took{};
  asio::co_spawn(
      lb.io,
      [&]() -> asio::awaitable<void> {
        co_await lb.connect();
        asio::steady_timer later(lb.io, 20ms);
        later.async_wait([&](boost::system::error_code) {
          asio::write(lb.server, asio::buffer(response));
          lb.server.close();
        });
        const auto t0 = std::chrono::steady_clock::now();
        ResponseParser parser;
        parser.body_limit(boost::none);
        EXPECT_FALSE(co_await lb.conn.read_header(parser, 5000ms));
        char buf[4096];
        for (int i = 0; i < 5 && !parser.is_done(); ++i) {
          auto [ec, n] = co_await lb.conn.read_body(parser, buf, sizeof buf, 5000ms);
          reads.push_back({ec, std::string(buf, n), parser.is_done()});
          if (ec) break;
        }
        took = std::chrono::steady_clock::now() - t0;
      },
      asio::detached);
  lb.io.run_for(20s);
  return {reads, took};
}

TEST(UpstreamRead, ACloseDelimitedBodyEndsWithTheClose) {
  // No Content-Length, not chunked: the body is what comes before the close (RFC 9112 6.3).
  const auto [reads, took] =
      serve_then_close("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{\"answer\":42}");
  ASSERT_FALSE(reads.empty());
  std::string body;
  for (const Read& r : reads) {
    EXPECT_FALSE(r.ec) << r.ec.message();
    body += r.body;
  }
  EXPECT_EQ(body, "{\"answer\":42}");
  EXPECT_TRUE(reads.back().done);
  EXPECT_LT(took, 1s);  // not the read's 5 s timeout (20 ms: the upstream's delay)
}

TEST(UpstreamRead, AStreamCutRightAfterItsLastEventEndsAtOnce) {
  const auto [reads, took] = serve_then_close(std::string(kHead) + "6\r\ndata:1\r\n");
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(reads[0].body, "data:1");
  EXPECT_FALSE(reads[0].ec);
  EXPECT_EQ(reads[1].ec, http::error::partial_message) << reads[1].ec.message();
  EXPECT_FALSE(reads[1].done);
  EXPECT_LT(took, 1s);  // before: the 5 s timeout (the stream's 60 s idle timeout in the gateway)
}

}  // namespace
}  // namespace llmctl::gateway
