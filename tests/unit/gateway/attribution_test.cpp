#include "gateway/attribution.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <algorithm>
#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/strings.h"

namespace llmctl::gateway {
namespace {

namespace json = boost::json;

RequestFacts facts(std::string_view body, Endpoint e = Endpoint::kChat) {
  return request_facts(json::parse(body).as_object(), e, 2500);
}

TEST(RequestFacts, FingerprintIgnoresWhatDoesNotChangeTheAnswer) {
  auto a = facts(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0})");
  auto b = facts(R"({"temperature":0,"stream":true,"user":"u","metadata":{"x":"y"},
                     "stream_options":{"include_usage":true},"model":"m",
                     "messages":[{"content":"hi","role":"user"}]})");
  EXPECT_EQ(a.request_fingerprint, b.request_fingerprint);
  EXPECT_EQ(a.request_fingerprint.size(), 16u);
  auto c = facts(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":1})");
  EXPECT_NE(a.request_fingerprint, c.request_fingerprint);
  auto d = facts(R"({"model":"m2","messages":[{"role":"user","content":"hi"}],"temperature":0})");
  EXPECT_NE(a.request_fingerprint, d.request_fingerprint);
}

TEST(RequestFacts, SystemAndPrefix) {
  auto a = facts(R"({"model":"m","messages":[{"role":"system","content":"You are terse."},
      {"role":"user","content":"q1"},{"role":"assistant","content":"a1"},
      {"role":"user","content":"q2"}]})");
  auto b = facts(R"({"model":"m","messages":[{"role":"system","content":"You are terse."},
      {"role":"user","content":"q1"}]})");
  auto c = facts(R"({"model":"m","messages":[{"role":"system","content":"You are terse."},
      {"role":"user","content":"other"}]})");
  EXPECT_EQ(a.system_fingerprint, b.system_fingerprint);
  EXPECT_EQ(a.system_tokens, 4);                          // 14 characters
  EXPECT_EQ(a.prefix_fingerprint, b.prefix_fingerprint);  // later turns do not count
  EXPECT_NE(a.prefix_fingerprint, c.prefix_fingerprint);
  EXPECT_EQ(a.system_fingerprint, c.system_fingerprint);
  EXPECT_EQ(a.prefix_tokens, 4);  // 16 characters
  // Anthropic's top-level system, as text blocks, gives the same system fingerprint.
  auto m = facts(R"({"model":"m","max_tokens":10,"system":[{"type":"text","text":"You are terse."}],
      "messages":[{"role":"user","content":"q1"}]})",
                 Endpoint::kMessages);
  EXPECT_EQ(m.system_fingerprint, a.system_fingerprint);
  EXPECT_EQ(m.prefix_fingerprint, a.prefix_fingerprint);
  auto none = facts(R"({"model":"m","messages":[{"role":"user","content":"q"}]})");
  EXPECT_TRUE(none.system_fingerprint.empty());
  EXPECT_FALSE(none.prefix_fingerprint.empty());
}

TEST(RequestFacts, MaxTokensToolsUserMetadata) {
  auto a = facts(R"({"model":"m","messages":[{"role":"user","content":"x"}],
      "max_completion_tokens":300,"n":2,"tools":[{"type":"function","function":{"name":"f"}}],
      "user":"u-9","metadata":{"feature":"search","n":3}})");
  EXPECT_EQ(a.max_tokens, 300);
  EXPECT_EQ(a.choices, 2);
  EXPECT_TRUE(a.has_tools);
  EXPECT_EQ(a.user, "u-9");
  EXPECT_EQ(a.metadata.size(), 1u);  // string values only
  auto b = facts(R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[]})");
  EXPECT_FALSE(b.max_tokens);
  EXPECT_FALSE(b.has_tools);
  auto anth = facts(R"({"model":"m","max_tokens":5,"metadata":{"user_id":"abc"},
      "messages":[{"role":"user","content":"x"}]})",
                    Endpoint::kMessages);
  EXPECT_EQ(anth.user, "abc");
  EXPECT_TRUE(anth.metadata.empty());
}

TEST(RequestFacts, InputBoundCountsTextBytesAndImages) {
  auto a = facts(R"({"model":"m","messages":[{"role":"user","content":[
      {"type":"text","text":"describe"},
      {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}]}]})");
  EXPECT_EQ(a.images, 1);
  // The image's bytes are not text: bounded by the per-image allowance instead.
  EXPECT_LT(a.input_tokens_bound, 2500 + 100);
  EXPECT_GE(a.input_tokens_bound, 2500 + 8);
  // Multibyte text: every byte may be a token.
  auto cjk = facts(R"({"model":"m","messages":[{"role":"user","content":"日本語のテキスト"}]})");
  EXPECT_GE(cjk.input_tokens_bound, 24);
}

TEST(Tags, HeaderParses) {
  auto t = parse_tags_header(" team=search , env=prod,empty=");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->at("team"), "search");
  EXPECT_EQ(t->at("env"), "prod");
  EXPECT_EQ(t->at("empty"), "");
  EXPECT_EQ(tags_json(*t), R"({"empty":"","env":"prod","team":"search"})");
  auto bad = parse_tags_header("a=b,broken");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("broken"), std::string::npos);
  EXPECT_TRUE(parse_tags_header("")->empty());
  EXPECT_EQ(tags_json({}), "");
}

TEST(FinishReason, NormalisedAcrossApis) {
  EXPECT_EQ(normalize_finish_reason("end_turn"), "stop");
  EXPECT_EQ(normalize_finish_reason("max_tokens"), "length");
  EXPECT_EQ(normalize_finish_reason("tool_use"), "tool_calls");
  EXPECT_EQ(normalize_finish_reason("function_call"), "tool_calls");
  EXPECT_EQ(normalize_finish_reason("refusal"), "content_filter");
  EXPECT_EQ(normalize_finish_reason("content_filter"), "content_filter");
  EXPECT_EQ(normalize_finish_reason(""), "");
  EXPECT_EQ(scan_finish_reason(R"({"choices":[{"delta":{},"finish_reason":"length"}]})"), "length");
  EXPECT_EQ(scan_finish_reason(R"({"choices":[{"delta":{"content":"a"},"finish_reason":null}]})"),
            "");
  EXPECT_EQ(scan_finish_reason(R"({"type":"message_delta","delta":{"stop_reason":"tool_use"}})"),
            "tool_use");
}

// The request fingerprint is stored in the request log and compared across releases: its
// canonical form (sorted keys, json::serialize's text for every key and scalar) must not drift.
TEST(Attribution, RequestFingerprintIsStableAcrossReleases) {
  const auto body =
      json::parse(R"({"model":"m","temperature":0.5,"stream":true,"messages":[{"role":"user",)"
                  R"("content":"h\u00e9llo \"q\"\n"},{"content":[{"type":"text","text":"x"}],)"
                  R"("role":"assistant"}],"n":2,"stop":null,"logit_bias":{"b":1,"a":-1.25e3}})")
          .as_object();
  const auto f = request_facts(body, Endpoint::kChat, 0);
  EXPECT_EQ(f.request_fingerprint, "5b62ab4291cdb662");
}

// The canonical text as json::serialize writes every key and scalar, built the plain way (a
// std::string, then one hash): the fingerprint written by hand must equal it on any request.
void canonical_text(const json::value& v, std::string& out, bool top = false) {
  if (v.is_object()) {
    std::vector<std::pair<std::string, const json::value*>> kv;
    for (const auto& e : v.get_object())
      if (std::string_view k = e.key();
          !top || (k != "stream" && k != "stream_options" && k != "user" && k != "metadata" &&
                   k != "store" && k != "service_tier"))
        kv.emplace_back(std::string(k), &e.value());
    std::sort(kv.begin(), kv.end(), [](auto& a, auto& b) { return a.first < b.first; });
    out += '{';
    for (std::size_t i = 0; i < kv.size(); ++i) {
      if (i) out += ',';
      out += json::serialize(json::string_view(kv[i].first));
      out += ':';
      canonical_text(*kv[i].second, out);
    }
    out += '}';
  } else if (v.is_array()) {
    out += '[';
    for (std::size_t i = 0; i < v.get_array().size(); ++i) {
      if (i) out += ',';
      canonical_text(v.get_array()[i], out);
    }
    out += ']';
  } else {
    out += json::serialize(v);
  }
}

TEST(Attribution, RequestFingerprintEqualsTheHashOfTheSerializedCanonicalText) {
  std::string control;
  for (int c = 0; c < 0x20; ++c) control += static_cast<char>(c);
  control += "\"\\/\x7f\xc3\xa9\xe2\x82\xac";
  json::object many;
  for (int i = 0; i < 40; ++i) many[std::to_string(39 - i)] = i;  // past the inline key array
  std::string long_text(3000, 'x');                               // past the hash's buffer
  long_text[1500] = '\n';
  // Each escaped byte at every offset of a 16-byte step and its scalar tail, among UTF-8 bytes
  // (which the 16-byte scan's signed compares must pass as they are).
  json::array offsets;
  for (const char escaped : {'"', '\\', '\x01', '\x1f', '\n'})
    for (std::size_t at = 0; at < 40; ++at) {
      std::string t;
      for (std::size_t i = 0; i < 40; ++i) t += i % 3 ? "\xc3\xa9" : "a";
      t.insert(at, 1, escaped);
      offsets.emplace_back(t);
    }
  json::object odd{
      {"model", "m"},
      {"offsets", offsets},
      {control, control},
      {"ints", json::array{0, -1, 9223372036854775807LL, json::value(18446744073709551615ULL),
                           -9223372036854775807LL - 1}},
      {"doubles", json::array{0.5, -1.25e3, 1e300, 0.1, -0.0, 3.0}},
      {"lits", json::array{true, false, nullptr}},
      {"nested",
       json::object{{"b", json::array{json::object{{"z", 1}, {"a", "q"}}}}, {"a", json::object{}}}},
      {"empty", json::array{}},
      {"stream", true},
      {"many", many},
      {"messages", json::array{json::object{{"role", "user"}, {"content", long_text}}}}};
  for (const json::object& body :
       {odd,
        json::parse(R"({"model":"m","temperature":0.5,"stream":true,"messages":[{"role":)"
                    R"("user","content":"h\u00e9llo \"q\"\n"}],"n":2,"stop":null})")
            .as_object(),
        json::parse(
            R"({"model":"bench","messages":[{"role":"user","content":"Say something short."}]})")
            .as_object(),
        many}) {
    std::string text;
    canonical_text(body, text, true);
    EXPECT_EQ(request_facts(body, Endpoint::kChat, 0).request_fingerprint,
              to_hex(XXH3_64bits(text.data(), text.size())))
        << text;
  }
}

}  // namespace
}  // namespace llmctl::gateway
