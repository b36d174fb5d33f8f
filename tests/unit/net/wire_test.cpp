// The client-side wire format the server writes by hand (net/net.h): response heads must say
// what Beast's serializer said for the same message, and write_all must deliver every byte,
// in order, also when the socket's buffer fills and the rest goes asynchronously.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio/co_spawn.hpp>
#include <map>
#include <sstream>

#include "net/net.h"

namespace llmctl::net {
namespace {

// The head Beast wrote before: the same steps as the old Exchange::respond/begin_chunked.
std::string beast_head(const ResponseHead& h) {
  http::response<http::string_body> res{static_cast<http::status>(h.status), h.version};
  res.set(http::field::server, "llmctl");
  if (!h.content_type.empty()) res.set(http::field::content_type, h.content_type);
  if (!h.extra.request_id.empty()) res.set("x-request-id", h.extra.request_id);
  if (!h.extra.deployment.empty()) res.set("x-llmctl-deployment", h.extra.deployment);
  if (!h.extra.retry_after.empty()) res.set(http::field::retry_after, h.extra.retry_after);
  if (!h.extra.cache_control.empty()) res.set(http::field::cache_control, h.extra.cache_control);
  res.keep_alive(h.keep_alive);
  if (h.more)
    for (const auto& [name, value] : *h.more) res.set(name, value);
  if (h.content_length) {
    res.body() = std::string(*h.content_length, 'x');
    res.prepare_payload();
  } else {
    res.chunked(true);
  }
  http::response_serializer<http::string_body> sr{res};
  std::string out;
  boost::system::error_code ec;
  sr.split(true);
  while (!sr.is_header_done()) {
    sr.next(ec, [&](boost::system::error_code&, const auto& buffers) {
      for (auto b : beast::buffers_range_ref(buffers))
        out.append(static_cast<const char*>(b.data()), b.size());
      sr.consume(beast::buffer_bytes(buffers));
    });
  }
  return out;
}

struct Parsed {
  std::string status_line;
  std::multimap<std::string, std::string> fields;  // lower-case names
};

Parsed parse_head(const std::string& head) {
  Parsed p;
  std::istringstream in(head);
  std::string line;
  std::getline(in, p.status_line);
  while (std::getline(in, line) && line != "\r") {
    EXPECT_TRUE(line.ends_with("\r")) << line;
    line.pop_back();
    auto colon = line.find(": ");
    EXPECT_NE(colon, std::string::npos) << line;
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    p.fields.emplace(name, line.substr(colon + 2));
  }
  EXPECT_TRUE(head.ends_with("\r\n\r\n"));
  return p;
}

TEST(ResponseHead, SaysWhatBeastsSerializerSaid) {
  const HeaderList limits = {{"x-ratelimit-remaining-requests", "9"},
                             {"retry-after-ms", "250"},
                             {"Retry-After", "7"},  // replaces the handler's own Retry-After
                             {"x-should-retry", "false"},
                             {"x-should-retry", "true"}};  // set twice: the last one stays
  std::vector<ResponseHead> heads = {
      {.status = 200, .content_type = "application/json", .content_length = 17},
      {.status = 200,
       .content_type = "text/event-stream",
       .extra = {.request_id = "18c-0-1", .deployment = "d1", .cache_control = "no-cache"}},
      {.status = 429,
       .content_type = "application/json",
       .extra = {.request_id = "r", .retry_after = "1"},
       .more = &limits,
       .content_length = 0},
      {.status = 503, .content_type = "application/json", .keep_alive = false, .content_length = 5},
      {.status = 200, .version = 10, .content_type = "text/plain", .content_length = 2},
      {.status = 200, .version = 10, .keep_alive = false, .content_length = 2},
      {.status = 529, .content_type = "application/json", .content_length = 3},  // Anthropic's
      {.status = 404, .content_length = 1000000},
  };
  for (const ResponseHead& h : heads) {
    std::string ours;
    append_response_head(ours, h);
    const std::string theirs = beast_head(h);
    const Parsed a = parse_head(ours), b = parse_head(theirs);
    EXPECT_EQ(a.status_line, b.status_line) << ours << "\n---\n" << theirs;
    EXPECT_EQ(a.fields, b.fields) << ours << "\n---\n" << theirs;
  }
}

TEST(ResponseHead, ExactBytesOfACommonAnswer) {
  std::string out = "left alone|";
  append_response_head(out, {.status = 200,
                             .content_type = "application/json",
                             .extra = {.request_id = "abc-0-7", .deployment = "gpt"},
                             .content_length = 42});
  EXPECT_EQ(out,
            "left alone|HTTP/1.1 200 OK\r\nServer: llmctl\r\nContent-Type: application/json\r\n"
            "x-request-id: abc-0-7\r\nx-llmctl-deployment: gpt\r\nContent-Length: 42\r\n\r\n");
}

// A connected loopback pair whose sending side has a small buffer, so large writes go partly
// asynchronously. (Not a small receive buffer too: with both small, delayed ACKs stall the
// transfer for tens of milliseconds per segment.)
struct Pair {
  asio::io_context io{1};
  beast::tcp_stream client{io};
  tcp::socket server{io};
  Pair() {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client.socket().connect(acceptor.local_endpoint());
    acceptor.accept(server);
    client.socket().set_option(asio::socket_base::send_buffer_size(4096));
    client.socket().set_option(tcp::no_delay(true));
  }
};

TEST(WriteAll, DeliversEveryByteInOrderWhenTheSocketFills) {
  Pair p;
  std::string a(3 << 20, 'a'), b = "small middle piece", c(1 << 20, 'c');
  for (std::size_t i = 0; i < a.size(); i += 997) a[i] = static_cast<char>('A' + i % 26);
  boost::system::error_code result = asio::error::would_block;
  asio::co_spawn(
      p.io,
      [&]() -> asio::awaitable<void> {
        const std::array<asio::const_buffer, 4> buffers{asio::buffer(a), asio::const_buffer(),
                                                        asio::buffer(b), asio::buffer(c)};
        result = co_await write_all(p.client, buffers, std::chrono::seconds(20));
        p.client.socket().shutdown(tcp::socket::shutdown_send);
      },
      asio::detached);
  std::string got;
  asio::co_spawn(
      p.io,
      [&]() -> asio::awaitable<void> {
        std::array<char, 8192> buf;
        while (true) {
          auto [ec, n] = co_await p.server.async_read_some(asio::buffer(buf), use_nothrow);
          got.append(buf.data(), n);
          if (ec) break;
        }
      },
      asio::detached);
  p.io.run_for(std::chrono::seconds(30));
  EXPECT_FALSE(result) << result.message();
  ASSERT_EQ(got.size(), a.size() + b.size() + c.size());
  EXPECT_TRUE(got == a + b + c);
}

TEST(WriteAll, TimesOutWhenThePeerDoesNotRead) {
  Pair p;
  std::string big(8 << 20, 'x');
  boost::system::error_code result;
  asio::co_spawn(
      p.io,
      [&]() -> asio::awaitable<void> {
        const std::array<asio::const_buffer, 1> buffers{asio::buffer(big)};
        result = co_await write_all(p.client, buffers, std::chrono::milliseconds(100));
      },
      asio::detached);
  p.io.run_for(std::chrono::seconds(10));
  EXPECT_EQ(result, beast::error::timeout) << result.message();
}

TEST(WriteAll, ReportsAClosedPeer) {
  Pair p;
  p.server.close();
  std::string big(4 << 20, 'x');
  boost::system::error_code result;
  asio::co_spawn(
      p.io,
      [&]() -> asio::awaitable<void> {
        const std::array<asio::const_buffer, 1> buffers{asio::buffer(big)};
        result = co_await write_all(p.client, buffers, std::chrono::seconds(5));
      },
      asio::detached);
  p.io.run_for(std::chrono::seconds(10));
  EXPECT_TRUE(result);  // reset or broken pipe, never success or a hang
}

}  // namespace
}  // namespace llmctl::net
