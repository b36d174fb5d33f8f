// The upstream answer's parser (upstream.h's ResponseParser) against Beast's own
// http::response_parser on the same bytes: same status, keep-alive, body and, for the four
// fields the gateway reads, the value http::fields' operator[] gives (the first of repeats,
// names in any case), fed in pieces of every size and into body buffers of every size.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "gateway/upstream.h"

namespace llmctl::gateway {
namespace {

struct Parsed {
  int status = 0;
  bool keep_alive = false, done = false;
  std::string body, content_type, retry_after, retry_after_ms, amzn_errortype;
};

// Beast's parser, the reference: the whole text at once, into a string body.
Parsed with_beast(std::string_view text) {
  http::response_parser<http::string_body> p;
  p.eager(true);
  boost::system::error_code ec;
  p.put(asio::buffer(text.data(), text.size()), ec);
  EXPECT_FALSE(ec) << ec.message();
  Parsed r;
  const auto& m = p.get();
  r.status = static_cast<int>(m.result_int());
  r.keep_alive = p.keep_alive();
  r.done = p.is_done();
  r.body = m.body();
  r.content_type = std::string(m[http::field::content_type]);
  r.retry_after = std::string(m[http::field::retry_after]);
  r.retry_after_ms = std::string(m["retry-after-ms"]);
  r.amzn_errortype = std::string(m["x-amzn-errortype"]);
  return r;
}

// Beast's error categories are compared by address, and this test's copy of the http one is not
// the library's (which Beast's separately compiled parser reports): compare names and values.
bool is(const boost::system::error_code& ec, http::error e) {
  return ec.value() == static_cast<int>(e) &&
         std::string_view(ec.category().name()) == std::string_view("beast.http");
}

// Ours, as the gateway drives it: the text arrives `piece` bytes at a time and the body goes
// into buffers of `room` bytes (need_buffer when one is full, need_more when a piece ends).
Parsed with_ours(std::string_view text, std::size_t piece, std::size_t room) {
  ResponseParser p;
  p.body_limit(boost::none);
  Parsed r;
  std::string pending;
  std::size_t fed = 0;
  std::string buf(room, '\0');
  for (int guard = 0; !p.is_done() && guard < 100000; ++guard) {
    if (pending.empty() || fed < text.size()) {
      const std::size_t n = std::min(piece, text.size() - fed);
      pending.append(text.substr(fed, n));
      fed += n;
    }
    p.body().data = buf.data();
    p.body().size = room;
    boost::system::error_code ec;
    const std::size_t used = p.put(asio::buffer(pending.data(), pending.size()), ec);
    pending.erase(0, used);
    r.body.append(buf.data(), room - p.body().size);
    if (ec && !is(ec, http::error::need_more) && !is(ec, http::error::need_buffer)) {
      ADD_FAILURE() << ec.message();
      break;
    }
    if (is(ec, http::error::need_more) && fed == text.size() && pending.empty()) break;
  }
  r.status = p.status();
  r.keep_alive = p.keep_alive();
  r.done = p.is_done();
  r.content_type = std::string(p.field(ResponseParser::kContentType));
  r.retry_after = std::string(p.field(ResponseParser::kRetryAfter));
  r.retry_after_ms = std::string(p.field(ResponseParser::kRetryAfterMs));
  r.amzn_errortype = std::string(p.field(ResponseParser::kAmznErrorType));
  return r;
}

TEST(ResponseParser, ReadsWhatBeastsParserReads) {
  const std::string kTexts[] = {
      // The mock's answer.
      "HTTP/1.1 200 OK\r\nServer: llmctl\r\nContent-Type: application/json\r\n"
      "Content-Length: 28\r\n\r\n{\"usage\":{\"total\":21},\"x\":1}",
      // OpenAI's many headers, a 429 with both retry fields, names in odd case.
      "HTTP/1.1 429 Too Many Requests\r\ndate: Sat, 05 Dec 2026 22:00:00 GMT\r\n"
      "content-type: application/json; charset=utf-8\r\nx-ratelimit-limit-requests: 500\r\n"
      "x-ratelimit-remaining-tokens: 0\r\nRETRY-AFTER: 20\r\nRetry-After-Ms: 19500\r\n"
      "openai-processing-ms: 12\r\nx-request-id: req_abc\r\ncf-ray: 8f0e-SJC\r\n"
      "set-cookie: __cf_bm=x; path=/\r\nset-cookie: _cfuvid=y; path=/\r\n"
      "Content-Length: 40\r\n\r\n{\"error\":{\"message\":\"slow down please\"}}",
      // Bedrock's error type, repeated fields (the first counts), Connection: close.
      "HTTP/1.1 400 Bad Request\r\nx-amzn-ErrorType: ValidationException:http://x/\r\n"
      "X-Amzn-Errortype: Second\r\nContent-Type: application/json\r\nContent-Type: text/plain\r\n"
      "Connection: close\r\nContent-Length: 2\r\n\r\n{}",
      // A chunked stream.
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
      "1d\r\ndata: {\"choices\":[{\"a\":1}]}\n\n\r\n0e\r\ndata: [DONE]\n\n\r\n0\r\n\r\n",
      // No fields it keeps; HTTP/1.0 without keep-alive; an empty body.
      "HTTP/1.0 204 No Content\r\nServer: x\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nRetry-After:\r\n\r\n",
  };
  for (const std::string& text : kTexts) {
    const Parsed want = with_beast(text);
    ASSERT_TRUE(want.done) << text;
    for (std::size_t piece : {1, 2, 7, 64, 4096})
      for (std::size_t room : {1, 3, 16, 4096}) {
        const Parsed got = with_ours(text, piece, room);
        SCOPED_TRACE(text + " piece " + std::to_string(piece) + " room " + std::to_string(room));
        EXPECT_TRUE(got.done);
        EXPECT_EQ(got.status, want.status);
        EXPECT_EQ(got.keep_alive, want.keep_alive);
        EXPECT_EQ(got.body, want.body);
        EXPECT_EQ(got.content_type, want.content_type);
        EXPECT_EQ(got.retry_after, want.retry_after);
        EXPECT_EQ(got.retry_after_ms, want.retry_after_ms);
        EXPECT_EQ(got.amzn_errortype, want.amzn_errortype);
      }
  }
  // The values this test expects Beast to give (so a wrong reference fails too).
  const Parsed openai = with_beast(kTexts[1]);
  EXPECT_EQ(openai.retry_after, "20");
  EXPECT_EQ(openai.retry_after_ms, "19500");
  EXPECT_EQ(openai.content_type, "application/json; charset=utf-8");
  EXPECT_EQ(with_beast(kTexts[2]).amzn_errortype, "ValidationException:http://x/");
  EXPECT_FALSE(with_beast(kTexts[2]).keep_alive);
  EXPECT_EQ(with_beast(kTexts[3]).body, "data: {\"choices\":[{\"a\":1}]}\n\ndata: [DONE]\n\n");
}

}  // namespace
}  // namespace llmctl::gateway
