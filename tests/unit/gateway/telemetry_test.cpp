// OpenTelemetry traces (telemetry.h, telemetry_export.h, config_telemetry.cpp): W3C Trace
// Context parsing, the sampler, the spans of a request with a fallback, their OTLP JSON (the
// direct writer read back by Boost.JSON: escapes, UTF-8, int64 as strings), the export backoff,
// the bounded queue, a full batch leaving before the timer (a real receiver on loopback), and
// the `telemetry:` config with the OTEL_* environment.
#include "gateway/telemetry.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>

#include "common/random.h"
#include "common/strings.h"
#include "gateway/telemetry_export.h"
#include "test_env.h"

namespace llmctl::gateway {
namespace {

using namespace telemetry;
using testing::embedded_catalog;
using testing::FakeEnvironment;

// Draws a script of values (ids are read from them big-endian).
class ScriptedRandom final : public Random {
 public:
  explicit ScriptedRandom(std::vector<std::uint64_t> v) : v_(std::move(v)) {}
  std::uint64_t next() override { return v_[i_++ % v_.size()]; }

 private:
  std::vector<std::uint64_t> v_;
  std::size_t i_ = 0;
};

TEST(TraceContext, ParsesTheSpecExamples) {
  auto p = parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE(p);
  EXPECT_EQ(to_hex(p->trace_id), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(to_hex(p->parent_id), "b7ad6b7169203331");
  EXPECT_EQ(p->flags, 1);
  EXPECT_EQ(format_traceparent(p->trace_id, p->parent_id, p->flags),
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  // Not sampled, and a future version with an extra field.
  EXPECT_EQ(parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")->flags, 0);
  EXPECT_TRUE(parse_traceparent("cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what"));
}

TEST(TraceContext, RejectsWhatTheSpecSaysToIgnore) {
  for (const char* bad : {
           "",
           "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",  // v00 is 55 chars
           "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",        // version ff
           "00-00000000000000000000000000000000-b7ad6b7169203331-01",        // zero trace id
           "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",        // zero parent id
           "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",        // upper case
           "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0g",
           "00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
       })
    EXPECT_FALSE(parse_traceparent(bad)) << bad;
  EXPECT_TRUE(valid_tracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"));
  EXPECT_FALSE(valid_tracestate(std::string(513, 'a')));
  std::string many;
  for (int i = 0; i < 33; ++i) many += (i ? "," : "") + std::string("k") + std::to_string(i) + "=v";
  EXPECT_FALSE(valid_tracestate(many));
}

TEST(Sampler, KeepsTheClientsDecisionAndSamplesNewTracesByRatio) {
  TraceParent sampled{}, unsampled{};
  sampled.flags = kSampled;
  const TraceId any{};
  EXPECT_TRUE(should_sample(sampled, any, 0.0));
  EXPECT_FALSE(should_sample(unsampled, any, 1.0));
  // New traces: the last 8 bytes against ratio x 2^64.
  TraceId low{}, high{};
  low[15] = 1;
  high.fill(0xff);
  EXPECT_TRUE(should_sample(std::nullopt, low, 0.01));
  EXPECT_FALSE(should_sample(std::nullopt, high, 0.99));
  EXPECT_TRUE(should_sample(std::nullopt, high, 1.0));
  EXPECT_FALSE(should_sample(std::nullopt, low, 0.0));
  SplitMix64 rng(7);
  int kept = 0;
  for (int i = 0; i < 10000; ++i) kept += should_sample(std::nullopt, new_trace_id(rng), 0.25);
  EXPECT_NEAR(kept, 2500, 150);
}

Config two_group_config() {
  FakeEnvironment env;
  env.vars["OPENAI_API_KEY"] = "sk-test";
  auto c = parse_config(
      "models:\n"
      "  - name: chat\n"
      "    fallbacks: [backup]\n"
      "    deployments:\n"
      "      - provider: openai-compatible\n"
      "        name: primary\n"
      "        base_url: http://10.0.0.5:8000/v1\n"
      "        model: llama-3.1-8b\n"
      "        price: none\n"
      "  - name: backup\n"
      "    deployments:\n"
      "      - provider: openai\n"
      "        name: oai\n"
      "        model: gpt-4o-mini\n"
      "        api_key_env: OPENAI_API_KEY\n",
      "gw.yaml", embedded_catalog(), env);
  EXPECT_TRUE(c) << c.error().message;
  return std::move(*c);
}

TEST(Spans, AServerSpanAndOneClientSpanPerAttemptWithTheirParents) {
  const Config cfg = two_group_config();
  SpanQueue queue(4);
  TelemetryConfig tc;
  WorkerTracer tracer(tc, queue, 42);
  auto t = tracer.begin("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "rojo=1",
                        1'000'000'000);
  ASSERT_TRUE(t);
  EXPECT_EQ(to_hex(t->trace_id), "0af7651916cd43dd8448eb211c80319c");
  // The primary fails with a 503, the fallback answers.
  const std::string tp1 = tracer.begin_attempt(*t, 0, 1'001'000'000);
  tracer.end_attempt(*t, ErrorClass::kUpstreamServer, 503, "upstream primary answered 503",
                     1'002'000'000);
  const std::string tp2 = tracer.begin_attempt(*t, 1, 1'003'000'000);
  tracer.end_attempt(*t, ErrorClass::kNone, 200, "", 1'050'000'000);
  // Each attempt's traceparent names the trace and the attempt's own span.
  auto p1 = parse_traceparent(tp1), p2 = parse_traceparent(tp2);
  ASSERT_TRUE(p1 && p2);
  EXPECT_EQ(p1->trace_id, t->trace_id);
  EXPECT_EQ(p1->parent_id, t->attempts[0].span_id);
  EXPECT_EQ(p2->parent_id, t->attempts[1].span_id);
  EXPECT_NE(p1->parent_id, p2->parent_id);

  RequestRecord rec;
  rec.request_id = "r-1";
  rec.endpoint = "chat";
  rec.model = "chat";
  rec.deployment = "oai";
  rec.upstream_model = "gpt-4o-mini";
  rec.status = 200;
  rec.input_tokens = 12;
  rec.output_tokens = 34;
  rec.cached_tokens = 4;
  rec.cost_usd = 0.0001;
  rec.finish_reason = "stop";
  rec.max_tokens = 64;
  rec.attempts = 2;
  rec.route_reason = "weighted>fallback:backup";
  rec.team = "search";
  rec.invalid_json = 0;
  auto spans = request_spans(*t, rec, cfg, 1'060'000'000);
  ASSERT_EQ(spans.size(), 3u);
  const Span& server = spans[0];
  EXPECT_EQ(server.kind, SpanKind::kServer);
  EXPECT_EQ(server.name, "chat chat");
  ASSERT_TRUE(server.parent);
  EXPECT_EQ(to_hex(*server.parent), "b7ad6b7169203331");
  EXPECT_TRUE(server.parent_remote);
  EXPECT_EQ(server.trace_state, "rojo=1");
  EXPECT_EQ(server.status, StatusCode::kUnset);
  EXPECT_EQ(server.end_ns - server.start_ns, 60'000'000);
  for (int i = 1; i <= 2; ++i) {
    EXPECT_EQ(spans[static_cast<std::size_t>(i)].kind, SpanKind::kClient);
    EXPECT_EQ(*spans[static_cast<std::size_t>(i)].parent, server.span_id);
    EXPECT_FALSE(spans[static_cast<std::size_t>(i)].parent_remote);
  }
  EXPECT_EQ(spans[1].status, StatusCode::kError);
  EXPECT_EQ(spans[1].name, "chat llama-3.1-8b");
  EXPECT_EQ(spans[2].status, StatusCode::kUnset);
  auto attr = [](const Span& s, std::string_view key) -> const AttributeValue* {
    for (const auto& a : s.attributes)
      if (a.key == key) return &a.value;
    return nullptr;
  };
  EXPECT_EQ(std::get<std::string>(*attr(server, "gen_ai.operation.name")), "chat");
  EXPECT_EQ(std::get<std::string>(*attr(server, "gen_ai.provider.name")), "openai");
  EXPECT_EQ(std::get<std::string>(*attr(server, "gen_ai.request.model")), "chat");
  EXPECT_EQ(std::get<std::string>(*attr(server, "gen_ai.response.model")), "gpt-4o-mini");
  EXPECT_EQ(std::get<std::int64_t>(*attr(server, "gen_ai.usage.input_tokens")), 12);
  EXPECT_EQ(std::get<std::int64_t>(*attr(server, "gen_ai.usage.output_tokens")), 34);
  EXPECT_EQ(std::get<std::int64_t>(*attr(server, "gen_ai.request.max_tokens")), 64);
  EXPECT_EQ(std::get<std::vector<std::string>>(*attr(server, "gen_ai.response.finish_reasons")),
            std::vector<std::string>{"stop"});
  EXPECT_EQ(std::get<std::string>(*attr(server, "llmctl.route_reason")),
            "weighted>fallback:backup");
  EXPECT_EQ(std::get<std::string>(*attr(server, "llmctl.team")), "search");
  EXPECT_FALSE(std::get<bool>(*attr(server, "llmctl.quality.invalid_json")));
  EXPECT_EQ(attr(server, "error.type"), nullptr);
  EXPECT_EQ(std::get<std::string>(*attr(spans[1], "error.type")), "upstream_server");
  EXPECT_EQ(std::get<std::int64_t>(*attr(spans[1], "http.response.status_code")), 503);
  EXPECT_EQ(std::get<std::string>(*attr(spans[1], "server.address")), "10.0.0.5");
  EXPECT_EQ(std::get<std::int64_t>(*attr(spans[1], "server.port")), 8000);
  EXPECT_EQ(std::get<std::string>(*attr(spans[2], "server.address")), "api.openai.com");
  EXPECT_EQ(std::get<std::int64_t>(*attr(spans[2], "gen_ai.usage.output_tokens")), 34);

  // The queue takes them, written directly as JSON: the same spans request_spans built.
  tracer.finish(*t, rec, cfg, 1'060'000'000);
  EncodedSpans out;
  EXPECT_EQ(queue.pop(out), 3u);
  EncodedSpans built;
  for (const Span& s : spans) append_span_json(built, s);
  ASSERT_EQ(out.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    auto direct = boost::json::parse(
        std::string_view(out.json).substr(out.start(i), out.ends[i] - 1 - out.start(i)));
    auto via_spans = boost::json::parse(
        std::string_view(built.json).substr(built.start(i), built.ends[i] - 1 - built.start(i)));
    EXPECT_EQ(direct, via_spans) << "span " << i;
  }
  EXPECT_EQ(out.json, built.json);
}

TEST(Spans, ANewTraceWhenTheClientSentNoneAndNothingForAnUnsampledOne) {
  const Config cfg = two_group_config();
  SpanQueue queue(4);
  TelemetryConfig tc;
  WorkerTracer tracer(tc, queue, 1);
  auto t = tracer.begin("", "", 5);
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->client_parent);
  RequestRecord rec;
  rec.endpoint = "embeddings";
  rec.model = "chat";
  rec.status = 404;
  rec.error_class = "not_found";
  auto spans = request_spans(*t, rec, cfg, 10);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_FALSE(spans[0].parent);
  EXPECT_EQ(spans[0].name, "embeddings chat");
  EXPECT_EQ(spans[0].status, StatusCode::kUnset);  // a 4xx is the client's
  // A client that did not sample: no trace here, its context passes on unchanged.
  EXPECT_FALSE(tracer.begin("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00", "", 5));
  auto pass = pass_through("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00", "a=b");
  EXPECT_EQ(pass.traceparent, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
  EXPECT_EQ(pass.tracestate, "a=b");
  EXPECT_TRUE(pass_through("garbage", "a=b").traceparent.empty());
}

TEST(Otlp, JsonHasTheProtoJsonMappingShape) {
  ScriptedRandom rng({0x0102030405060708ULL, 0x090a0b0c0d0e0f10ULL, 0x1112131415161718ULL});
  Span s;
  s.trace_id = new_trace_id(rng);
  s.span_id = new_span_id(rng);
  s.name = "chat m";
  s.kind = SpanKind::kServer;
  s.start_ns = 1735689600123456789;
  s.end_ns = 1735689600223456789;
  s.status = StatusCode::kError;
  s.status_message = "boom";
  s.attributes = {{"s", std::string("x")},
                  {"i", std::int64_t{7}},
                  {"d", 0.5},
                  {"b", true},
                  {"l", std::vector<std::string>{"stop"}}};
  Resource r;
  r.service_version = "1.2.3";
  auto v = boost::json::parse(otlp_json(std::span<const Span>(&s, 1), r));
  const auto& rs = v.at("resourceSpans").at(0);
  EXPECT_EQ(rs.at("resource").at("attributes").at(0).at("key"), "service.name");
  EXPECT_EQ(rs.at("resource").at("attributes").at(0).at("value").at("stringValue"),
            "llmctl-gateway");
  const auto& span = rs.at("scopeSpans").at(0).at("spans").at(0);
  EXPECT_EQ(span.at("traceId"), "0102030405060708090a0b0c0d0e0f10");
  EXPECT_EQ(span.at("spanId"), "1112131415161718");
  EXPECT_FALSE(span.as_object().contains("parentSpanId"));
  EXPECT_EQ(span.at("kind"), 2);
  EXPECT_EQ(span.at("startTimeUnixNano"), "1735689600123456789");
  EXPECT_EQ(span.at("status").at("code"), 2);
  EXPECT_EQ(span.at("status").at("message"), "boom");
  EXPECT_EQ(span.at("flags"), 0x101);
  const auto& a = span.at("attributes");
  EXPECT_EQ(a.at(1).at("value").at("intValue"), "7");  // int64: a decimal string (proto3 JSON)
  EXPECT_EQ(a.at(2).at("value").at("doubleValue"), 0.5);
  EXPECT_EQ(a.at(3).at("value").at("boolValue"), true);
  EXPECT_EQ(a.at(4).at("value").at("arrayValue").at("values").at(0).at("stringValue"), "stop");
}

TEST(Export, BackoffIsFullJitterUnderADoublingCapOrTheReceiversRetryAfter) {
  ScriptedRandom top({~std::uint64_t{0}});  // unit() just under 1
  EXPECT_NEAR(export_backoff_ms(1, 100, 10000, std::nullopt, top), 100, 1);
  EXPECT_NEAR(export_backoff_ms(3, 100, 10000, std::nullopt, top), 400, 1);
  EXPECT_NEAR(export_backoff_ms(20, 100, 10000, std::nullopt, top), 10000, 1);
  ScriptedRandom zero({0});
  EXPECT_EQ(export_backoff_ms(3, 100, 10000, std::nullopt, zero), 0);
  EXPECT_EQ(export_backoff_ms(1, 100, 10000, 2500, zero), 2500);
  EXPECT_EQ(export_backoff_ms(1, 100, 2000, 2500, zero), 2000);
  for (int s : {0, 429, 502, 503, 504}) EXPECT_TRUE(export_retryable(s)) << s;
  for (int s : {400, 401, 404, 413, 500}) EXPECT_FALSE(export_retryable(s)) << s;
}

TEST(Export, AFullQueueDropsAndCountsNeverBlocks) {
  SpanQueue q(2);
  EXPECT_TRUE(q.try_push(std::vector<Span>(3)));
  EXPECT_TRUE(q.try_push(std::vector<Span>(1)));
  EXPECT_FALSE(q.try_push(std::vector<Span>(2)));
  EXPECT_EQ(q.claim(), nullptr);
  q.count_dropped(2);
  EXPECT_EQ(q.dropped(), 2u);
  EXPECT_EQ(q.queued_spans(), 4u);
  EncodedSpans out;
  EXPECT_EQ(q.pop(out), 4u);
  EXPECT_EQ(q.queued_spans(), 0u);
  EXPECT_TRUE(q.try_push(std::vector<Span>(1)));
  // Offsets carry over from slot to batch: each span is one JSON object.
  EXPECT_EQ(q.pop(out), 1u);
  ASSERT_EQ(out.size(), 5u);
  for (std::size_t i = 0; i < out.size(); ++i)
    EXPECT_TRUE(boost::json::parse(
                    std::string_view(out.json).substr(out.start(i), out.ends[i] - 1 - out.start(i)))
                    .is_object());
  out.erase_front(3);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out.json.front(), '{');
  EXPECT_EQ(out.ends.back(), out.json.size());
}

TEST(Export, TheQueueWakesItsConsumerOnceWhenItHoldsAFullBatch) {
  SpanQueue q(16);
  int wakes = 0;
  q.on_full_batch(4, [&] { ++wakes; });
  EXPECT_TRUE(q.try_push(std::vector<Span>(3)));
  EXPECT_EQ(wakes, 0);
  EXPECT_TRUE(q.try_push(std::vector<Span>(2)));  // 3 -> 5 crosses 4
  EXPECT_EQ(wakes, 1);
  EXPECT_TRUE(q.try_push(std::vector<Span>(2)));  // already above: the consumer knows
  EXPECT_EQ(wakes, 1);
  EncodedSpans out;
  EXPECT_EQ(q.pop(out), 7u);
  EXPECT_TRUE(q.try_push(std::vector<Span>(4)));  // 0 -> 4 crosses again
  EXPECT_EQ(wakes, 2);
}

// Strings the writer must escape or repair, and what a JSON parser must read back.
TEST(Otlp, TheWriterEscapesAndRepairsStringsAsBoostJsonReadsThem) {
  const std::string controls = [] {
    std::string s;
    for (int c = 0; c < 0x20; ++c) s += static_cast<char>(c);
    return s + "\x7f";
  }();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"plain", "plain"},
      {"say \"hi\" \\ back\\slash /", "say \"hi\" \\ back\\slash /"},
      {controls, controls},
      {"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",
       "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80"},
      // Not UTF-8: a lone byte, a cut sequence, an overlong '/', a surrogate, above U+10FFFF.
      {"a\xff"
       "b",
       "a\xef\xbf\xbd"
       "b"},
      {"cut \xe6\x97", "cut \xef\xbf\xbd\xef\xbf\xbd"},
      {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},
      {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
      {"\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
      {std::string("nul\0inside", 10), std::string("nul\0inside", 10)},
  };
  for (const auto& [in, want] : cases) {
    std::string out;
    append_json_string(out, in);
    boost::system::error_code ec;
    auto v = boost::json::parse(out, ec);  // Boost.JSON rejects invalid UTF-8 by default
    ASSERT_FALSE(ec) << out << ": " << ec.message();
    ASSERT_TRUE(v.is_string()) << out;
    EXPECT_EQ(std::string(v.as_string()), want) << out;
  }

  // The same strings everywhere a span carries one, and numbers as the mapping wants them.
  Span s;
  s.trace_id[15] = 1;
  s.span_id[7] = 0xab;
  s.name = "chat \"m\"\n";
  s.trace_state = "k=v";
  s.status = StatusCode::kError;
  s.status_message = "upstream said \xff\x01";
  s.attributes = {{"quote\"key", std::string("tab\there")},
                  {"big", std::int64_t{-9'007'199'254'740'993}},
                  {"whole", 2.0},
                  {"small", 1.5e-7},
                  {"nan", std::nan("")},
                  {"list", std::vector<std::string>{"a\"", "\xc3\xa9"}}};
  Resource r;
  r.service_name = "svc \"x\"";
  const std::string text = otlp_json(std::span<const Span>(&s, 1), r);
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  ASSERT_FALSE(ec) << text;
  const auto& rs = v.at("resourceSpans").at(0);
  EXPECT_EQ(rs.at("resource").at("attributes").at(0).at("value").at("stringValue"), "svc \"x\"");
  const auto& span = rs.at("scopeSpans").at(0).at("spans").at(0);
  EXPECT_EQ(span.at("traceId"), "00000000000000000000000000000001");
  EXPECT_EQ(span.at("spanId"), "00000000000000ab");
  EXPECT_EQ(span.at("name"), "chat \"m\"\n");
  EXPECT_EQ(span.at("traceState"), "k=v");
  EXPECT_EQ(span.at("status").at("message"), "upstream said \xef\xbf\xbd\x01");
  const auto& a = span.at("attributes");
  EXPECT_EQ(a.at(0).at("key"), "quote\"key");
  EXPECT_EQ(a.at(0).at("value").at("stringValue"), "tab\there");
  EXPECT_EQ(a.at(1).at("value").at("intValue"), "-9007199254740993");  // exact: a string
  EXPECT_TRUE(a.at(2).at("value").at("doubleValue").is_double());      // "2.0", not "2"
  EXPECT_EQ(a.at(2).at("value").at("doubleValue").as_double(), 2.0);
  EXPECT_EQ(a.at(3).at("value").at("doubleValue").as_double(), 1.5e-7);
  EXPECT_EQ(a.at(4).at("value").at("stringValue"), "nan");
  EXPECT_EQ(a.at(5).at("value").at("arrayValue").at("values").at(1).at("stringValue"), "\xc3\xa9");
  EXPECT_EQ(span.at("events"), boost::json::array{});
  EXPECT_EQ(span.at("droppedAttributesCount"), 0);
}

// A minimal OTLP/HTTP receiver on loopback: one request per connection, answers 200 {}, and
// records each request's span count and when it arrived.
class LoopbackReceiver {
 public:
  LoopbackReceiver() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackReceiver() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  std::vector<std::size_t> batches() const {
    std::lock_guard lock(mu_);
    return batches_;
  }
  std::vector<std::size_t> wait_for_batches(std::size_t n, std::chrono::milliseconds limit) const {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (batches().size() < n && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return batches();
  }

 private:
  void serve() {
    while (!stop_) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string in;
      char buf[65536];
      std::size_t need = std::string::npos;
      while (true) {
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        in.append(buf, static_cast<std::size_t>(n));
        const std::size_t head = in.find("\r\n\r\n");
        if (head != std::string::npos && need == std::string::npos) {
          std::string lower = in.substr(0, head);
          for (char& ch : lower)
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          const std::size_t cl = lower.find("content-length:");
          need = head + 4 + (cl == std::string::npos ? 0 : std::stoul(lower.substr(cl + 15)));
        }
        if (need != std::string::npos && in.size() >= need) break;
      }
      std::size_t spans = 0;
      if (need != std::string::npos && in.size() >= need) {
        boost::system::error_code ec;
        auto v = boost::json::parse(std::string_view(in).substr(in.find("\r\n\r\n") + 4), ec);
        if (!ec)
          for (const auto& rs : v.at("resourceSpans").as_array())
            for (const auto& ss : rs.at("scopeSpans").as_array())
              spans += ss.at("spans").as_array().size();
      }
      {
        std::lock_guard lock(mu_);
        batches_.push_back(spans);
      }
      const std::string answer =
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
          "Connection: close\r\n\r\n{}";
      ::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::size_t> batches_;
};

TEST(Export, AFullBatchLeavesAtOnceAndTheRestOnTheTimerOrAtStop) {
  LoopbackReceiver receiver;
  TelemetryConfig tc;
  tc.enabled = true;
  tc.traces_url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/v1/traces";
  tc.delay_ms = 60'000;  // the timer never fires in this test
  tc.max_batch_spans = 4;
  tc.timeout_ms = 2000;
  SpanExporter ex(tc, 2, Resource{});
  ex.start();
  const auto started = std::chrono::steady_clock::now();
  // Three spans on one worker: under a batch, nothing goes.
  ASSERT_TRUE(ex.queue(0).try_push(std::vector<Span>(3)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(receiver.batches().empty());
  // Two more make a full batch: four leave now, one stays for the timer.
  ASSERT_TRUE(ex.queue(0).try_push(std::vector<Span>(2)));
  auto got = receiver.wait_for_batches(1, std::chrono::seconds(10));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], 4u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(15));
  // Nine on the other worker: two full batches at once, and the remainder (1 + 1) waits.
  ASSERT_TRUE(ex.queue(1).try_push(std::vector<Span>(9)));
  got = receiver.wait_for_batches(3, std::chrono::seconds(10));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1], 4u);
  EXPECT_EQ(got[2], 4u);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(receiver.batches().size(), 3u);
  EXPECT_EQ(ex.exported(), 12u);
  // Stopping sends what is left, once.
  ex.stop();
  got = receiver.batches();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[3], 2u);
  EXPECT_EQ(ex.exported(), 14u);
  EXPECT_EQ(ex.dropped("queue_full") + ex.dropped("export_failed") + ex.dropped("shutdown"), 0u);
}

TEST(Export, AnUnreachableReceiverIsRetriedThenCountedAsFailed) {
  TelemetryConfig tc;
  tc.enabled = true;
  tc.traces_url = "http://127.0.0.1:1/v1/traces";  // nothing listens on port 1
  tc.delay_ms = 10;
  tc.timeout_ms = 200;
  tc.max_attempts = 2;
  tc.initial_backoff_ms = 1;
  tc.max_backoff_ms = 2;
  SpanExporter ex(tc, 1, Resource{});
  ex.start();
  ex.queue(0).try_push(std::vector<Span>(3));
  for (int i = 0; i < 200 && ex.dropped("export_failed") < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ex.stop();
  EXPECT_EQ(ex.dropped("export_failed"), 3u);
  EXPECT_EQ(ex.exported(), 0u);
  const std::string m = ex.render_metrics();
  EXPECT_NE(m.find("llmctl_otel_spans_dropped_total{reason=\"export_failed\"} 3"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("llmctl_otel_export_requests_total{result=\"retried\"} 1"), std::string::npos);
}

Result<Config> with_telemetry(const std::string& block, const FakeEnvironment& env) {
  return parse_config(
      block + "models:\n  - name: m\n    deployments:\n      - provider: simulated\n", "gw.yaml",
      embedded_catalog(), env);
}

TEST(TelemetryConfig, TheBlockTheEnvironmentAndTheirErrors) {
  FakeEnvironment env;
  auto off = with_telemetry("", env);
  ASSERT_TRUE(off) << off.error().message;
  EXPECT_FALSE(off->telemetry.enabled);

  env.vars["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318/";
  env.vars["OTEL_EXPORTER_OTLP_HEADERS"] = "x-team=search,authorization=Basic%20abc";
  auto from_env = with_telemetry("", env);
  ASSERT_TRUE(from_env) << from_env.error().message;
  EXPECT_TRUE(from_env->telemetry.enabled);
  EXPECT_EQ(from_env->telemetry.traces_url, "http://collector:4318/v1/traces");
  EXPECT_EQ(from_env->telemetry.source, "OTEL_EXPORTER_OTLP_ENDPOINT");
  ASSERT_EQ(from_env->telemetry.headers.size(), 2u);
  EXPECT_EQ(from_env->telemetry.headers[1].second, "Basic abc");
  env.vars["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "http://other:4318/custom";
  EXPECT_EQ(with_telemetry("", env)->telemetry.traces_url, "http://other:4318/custom");

  env.vars["LANGFUSE_AUTH"] = "Basic xyz";
  auto block = with_telemetry(
      "telemetry:\n"
      "  otlp_endpoint: http://127.0.0.1:4318\n"
      "  headers_env: {Authorization: LANGFUSE_AUTH}\n"
      "  sample_ratio: 0.5\n"
      "  batch: {max_spans: 100, delay_ms: 200}\n"
      "  retry: {max_attempts: 3}\n",
      env);
  ASSERT_TRUE(block) << block.error().message;
  EXPECT_EQ(block->telemetry.traces_url, "http://127.0.0.1:4318/v1/traces");  // the file wins
  EXPECT_EQ(block->telemetry.source, "telemetry.otlp_endpoint");
  EXPECT_EQ(block->telemetry.sample_ratio, 0.5);
  EXPECT_EQ(block->telemetry.max_batch_spans, 100);
  EXPECT_EQ(block->telemetry.max_attempts, 3);
  EXPECT_EQ(block->telemetry.headers.back().second, "Basic xyz");

  env.vars["OTEL_SDK_DISABLED"] = "true";
  EXPECT_FALSE(with_telemetry("", env)->telemetry.enabled);

  FakeEnvironment clean;
  auto typo = with_telemetry("telemetry:\n  otlp_endpont: http://x:4318\n", clean);
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().message.find("gw.yaml:2:3: telemetry.otlp_endpont"), std::string::npos)
      << typo.error().message;
  auto ratio =
      with_telemetry("telemetry:\n  otlp_endpoint: http://x:4318\n  sample_ratio: 2\n", clean);
  ASSERT_FALSE(ratio);
  EXPECT_NE(ratio.error().message.find("telemetry.sample_ratio"), std::string::npos);
  auto url = with_telemetry("telemetry:\n  otlp_endpoint: ftp://x\n", clean);
  ASSERT_FALSE(url);
  EXPECT_NE(url.error().message.find("telemetry.otlp_endpoint"), std::string::npos)
      << url.error().message;
  auto missing = with_telemetry(
      "telemetry:\n  headers_env: {X-Key: NOPE}\n  otlp_endpoint: http://x:1\n", clean);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("NOPE is not set"), std::string::npos);
}

}  // namespace
}  // namespace llmctl::gateway
