#include "protocol/usage.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "protocol/find.h"
#include "test_catalog.h"

namespace llmctl::protocol {
namespace {

TEST(Usage, FromBodyReadsCachedAndReasoning) {
  auto u = usage_from_body(
      R"({"choices":[],"usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,)"
      R"("prompt_tokens_details":{"cached_tokens":1024},"completion_tokens_details":{"reasoning_tokens":100}}})");
  ASSERT_TRUE(u.present);
  EXPECT_EQ(u.prompt_tokens, 1200);
  EXPECT_EQ(u.completion_tokens, 300);
  EXPECT_EQ(u.cached_tokens, 1024);
  EXPECT_EQ(u.reasoning_tokens, 100);
  EXPECT_FALSE(usage_from_body(R"({"choices":[]})").present);
  EXPECT_FALSE(usage_from_body("not json").present);
  // Embeddings report prompt tokens only.
  auto e = usage_from_body(R"({"data":[],"usage":{"prompt_tokens":7,"total_tokens":7}})");
  EXPECT_TRUE(e.present);
  EXPECT_EQ(e.prompt_tokens, 7);
  EXPECT_EQ(e.completion_tokens, 0);
}

// Only the top-level member counts: "usage" inside the model's text, a nested object, or a
// string with escaped quotes and braces must not be taken for it.
TEST(Usage, FromBodyReadsOnlyTheTopLevelMember) {
  const std::string decoy =
      R"({"id":"x","choices":[{"message":{"content":"the "usage": {"prompt_tokens": 99} }{",)"
      R"("usage":{"prompt_tokens":55}}}],"meta":{"usage":{"prompt_tokens":77}},"note":"usage",)"
      R"( "usage" : {"prompt_tokens":12,"completion_tokens":3}, "system_fingerprint":"fp"})";
  auto u = usage_from_body(decoy);
  ASSERT_TRUE(u.present);
  EXPECT_EQ(u.prompt_tokens, 12);
  EXPECT_EQ(u.completion_tokens, 3);
  // Only decoys: no usage.
  EXPECT_FALSE(usage_from_body(R"({"choices":[{"message":{"content":""usage":{}"}}],)"
                               R"("meta":{"usage":{"prompt_tokens":1}}})")
                   .present);
  // usage last, first, null, or in a truncated body.
  EXPECT_EQ(usage_from_body(R"({"usage":{"prompt_tokens":4},"choices":[]})").prompt_tokens, 4);
  EXPECT_FALSE(usage_from_body(R"({"choices":[],"usage":null})").present);
  EXPECT_FALSE(usage_from_body(R"({"choices":[],"usage":{"prompt_tokens":4)").present);
  EXPECT_FALSE(usage_from_body(R"(["usage",{"prompt_tokens":4}])").present);
}

bool same_usage(const ReportedUsage& a, const ReportedUsage& b) {
  return a.present == b.present && a.prompt_tokens == b.prompt_tokens &&
         a.completion_tokens == b.completion_tokens && a.cached_tokens == b.cached_tokens &&
         a.reasoning_tokens == b.reasoning_tokens && a.cache_write_tokens == b.cache_write_tokens &&
         a.input_excludes_cached == b.input_excludes_cached;
}

// The usage objects of real providers' non-streaming answers (as their docs and recorded answers
// show them): the scanner must read each without falling back to a parse.
const char* const kProviderUsages[] = {
    // OpenAI chat, gpt-4o (2025)
    R"({"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":)"
    R"({"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,)"
    R"("audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}})",
    // OpenAI o-series with cache hits and reasoning, pretty-printed as the docs show it
    "{\n    \"prompt_tokens\": 1117,\n    \"completion_tokens\": 1603,\n    \"total_tokens\": "
    "2720,\n    \"prompt_tokens_details\": {\n      \"cached_tokens\": 1024\n    },\n    "
    "\"completion_tokens_details\": {\n      \"reasoning_tokens\": 1408\n    }\n  }",
    // Azure OpenAI
    R"({"completion_tokens":12,"completion_tokens_details":{"accepted_prediction_tokens":0,)"
    R"("audio_tokens":0,"reasoning_tokens":0,"rejected_prediction_tokens":0},"prompt_tokens":27,)"
    R"("prompt_tokens_details":{"audio_tokens":0,"cached_tokens":0},"total_tokens":39})",
    // vLLM
    R"({"prompt_tokens":8,"total_tokens":18,"completion_tokens":10,"prompt_tokens_details":null})",
    // Groq (seconds as fractions)
    R"({"queue_time":0.017826124,"prompt_tokens":18,"prompt_time":0.000916938,)"
    R"("completion_tokens":530,"completion_time":0.431010538,"total_tokens":548,)"
    R"("total_time":0.431927476})",
    // DeepSeek
    R"({"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,"prompt_tokens_details":)"
    R"({"cached_tokens":0},"prompt_cache_hit_tokens":0,"prompt_cache_miss_tokens":10})",
    // OpenRouter (cost in credits, nested details with nulls)
    R"({"prompt_tokens":194,"completion_tokens":2,"total_tokens":196,"cost":0.000097,)"
    R"("is_byok":false,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},)"
    R"("cost_details":{"upstream_inference_cost":null},"completion_tokens_details":)"
    R"({"reasoning_tokens":0,"image_tokens":0}})",
    // xAI
    R"({"prompt_tokens":32,"completion_tokens":9,"total_tokens":135,"prompt_tokens_details":)"
    R"({"text_tokens":32,"audio_tokens":0,"image_tokens":0,"cached_tokens":6},)"
    R"("completion_tokens_details":{"reasoning_tokens":94,"audio_tokens":0,)"
    R"("accepted_prediction_tokens":0,"rejected_prediction_tokens":0},"num_sources_used":0})",
    // Together, Mistral, Gemini's OpenAI endpoint, Ollama
    R"({"prompt_tokens":25,"completion_tokens":13,"total_tokens":38,"cached_tokens":0})",
    R"({"prompt_tokens":16,"total_tokens":50,"completion_tokens":34})",
    R"({"completion_tokens":7,"prompt_tokens":4,"total_tokens":11})",
    // the Responses API
    R"({"input_tokens":36,"input_tokens_details":{"cached_tokens":12},"output_tokens":87,)"
    R"("output_tokens_details":{"reasoning_tokens":20},"total_tokens":123})",
    // embeddings
    R"({"prompt_tokens":8,"total_tokens":8})",
    // llmctl mock
    R"({"prompt_tokens":5,"completion_tokens":16,"total_tokens":21,"prompt_tokens_details":)"
    R"({"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,)"
    R"("audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}})",
};

// What the parse says of text[0, end): the reference the scanner must equal.
// A stream chunk's usage as the relay reads it: where the event's scan found the member.
std::optional<ReportedUsage> chunk_usage(std::string_view data) {
  return usage_at(data, scan_event(data).usage);
}

std::optional<ReportedUsage> parsed_usage(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec) return std::nullopt;
  return usage_from_json(v);
}

TEST(Usage, ScannerReadsEveryProvidersUsageLikeTheParse) {
  for (std::string_view text : kProviderUsages) {
    std::size_t end = 0;
    auto scanned = scan_usage_object(text, end);
    ASSERT_TRUE(scanned.has_value()) << text;
    EXPECT_EQ(end, text.size()) << text;
    auto parsed = parsed_usage(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_TRUE(same_usage(*scanned, *parsed)) << text;
    // In whole answers and stream chunks, after a decoy in the text.
    const std::string body = std::string(R"({"id":"x","choices":[{"message":{"content":)") +
                             R"("\"usage\":{\"prompt_tokens\":9}"}}],"usage":)" +
                             std::string(text) + R"(,"system_fingerprint":"fp"})";
    EXPECT_TRUE(same_usage(usage_from_body(body), *parsed)) << body;
    auto chunk = chunk_usage(R"({"choices":[],"usage":)" + std::string(text) + "}");
    ASSERT_TRUE(chunk.has_value()) << text;
    EXPECT_TRUE(same_usage(*chunk, *parsed)) << text;
  }
  std::size_t end = 0;
  auto mock = scan_usage_object(kProviderUsages[1], end);
  EXPECT_EQ(mock->prompt_tokens, 1117);
  EXPECT_EQ(mock->cached_tokens, 1024);
  EXPECT_EQ(mock->reasoning_tokens, 1408);
  auto responses = scan_usage_object(kProviderUsages[11], end);
  EXPECT_EQ(responses->prompt_tokens, 36);
  EXPECT_EQ(responses->completion_tokens, 87);
  EXPECT_EQ(responses->cached_tokens, 12);
  EXPECT_EQ(responses->reasoning_tokens, 20);
}

// Every truncation and every one-byte change of the providers' usage objects: where the scanner
// answers, the parse of what it consumed must succeed and say the same; where it does not, the
// answers of usage_from_body and chunk_usage still equal the parse's.
TEST(Usage, ScannerNeverDisagreesWithTheParse) {
  const std::string_view swaps[] = {"\"",
                                    "\\",
                                    "{",
                                    "}",
                                    "[",
                                    "]",
                                    ",",
                                    ":",
                                    "-",
                                    ".",
                                    "e",
                                    "0",
                                    "9",
                                    " ",
                                    "x",
                                    "\x80",
                                    "\x01",
                                    "n",
                                    "1.5",
                                    "1e2",
                                    "01",
                                    "18446744073709551616",
                                    "\"prompt_tokens\":3,"};
  int answered = 0, fallbacks = 0;
  auto check = [&](const std::string& text) {
    std::size_t end = 0;
    auto scanned = scan_usage_object(text, end);
    auto whole = parsed_usage(text);  // the parse of all of it, as usage_from_body would see it
    if (!scanned) {
      ++fallbacks;
    } else {
      ++answered;
      ASSERT_LE(end, text.size()) << text;
      auto parsed = parsed_usage(std::string_view(text).substr(0, end));
      ASSERT_TRUE(parsed.has_value()) << text;
      EXPECT_TRUE(same_usage(*scanned, *parsed)) << text;
    }
    const std::string body = R"({"choices":[],"usage":)" + text + "}";
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(body, ec);
    if (!ec && whole) {  // a well-formed answer: usage_from_body must read what the parse reads
      EXPECT_TRUE(same_usage(usage_from_body(body), usage_from_json(v.as_object()["usage"])))
          << body;
    }
  };
  for (std::string_view base : kProviderUsages) {
    for (std::size_t n = 0; n < base.size(); ++n) check(std::string(base.substr(0, n)));
    for (std::size_t i = 0; i < base.size(); ++i)
      for (std::string_view s : swaps) {
        std::string t(base);
        t.replace(i, 1, s);
        check(t);
        check(std::string(base.substr(0, i)) + std::string(s) + std::string(base.substr(i)));
      }
  }
  EXPECT_GT(answered, 1000);
  EXPECT_GT(fallbacks, 1000);
  // Repeated counts are the parse's to settle; so are exponents and escapes.
  std::size_t end = 0;
  EXPECT_FALSE(scan_usage_object(R"({"prompt_tokens":1,"prompt_tokens":2})", end));
  EXPECT_FALSE(scan_usage_object(
      R"({"prompt_tokens_details":{"cached_tokens":1},"prompt_tokens_details":{}})", end));
  EXPECT_FALSE(scan_usage_object(R"({"prompt_tokens":1e2})", end));
  EXPECT_FALSE(scan_usage_object(R"({"prompt_tokens":7,"x":"\u0041"})", end));
  EXPECT_FALSE(scan_usage_object(R"({"prompt_tokens":7,"x":[1]})", end));
  // A repeated member that is not read is no reason to parse.
  EXPECT_TRUE(scan_usage_object(R"({"prompt_tokens":7,"x":1,"x":2})", end));
}

// usage_from_body finds a sole `"usage"` from where it is and checks only the text after it
// (scan_sole_usage): on varied well-formed answers (usage anywhere among the members or absent,
// null or a number, decoys nested in objects and arrays, "usage" escaped in strings or as a
// value, escapes and brackets in the model's text, pretty-printed or not) its answer must equal
// the parse of the whole body's top-level `usage`.
TEST(Usage, FromBodyAgreesWithTheParseOnVariedAnswers) {
  std::uint64_t state = 20261205;
  auto next = [&](std::uint64_t n) {  // SplitMix64, in [0, n)
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (z ^ (z >> 31)) % n;
  };
  const char* const kTexts[] = {
      "hello",
      R"(the \"usage\": {\"prompt_tokens\": 99} }{)",
      R"(a backslash \\ and a quote \" and ] [ } {)",
      R"(ends in a backslash \\)",
      R"(\"usage)",
      "usage",
      R"(\u0041\n)",
  };
  const char* const kDecoys[] = {
      R"("meta":{"usage":{"prompt_tokens":77}})",
      R"("extra":[{"usage":{"prompt_tokens":66}},1])",
      R"("note":"usage")",
      R"("deep":{"a":{"b":[{"usage":{"completion_tokens":5}}]}})",
  };
  int present = 0, absent = 0;
  for (int i = 0; i < 4000; ++i) {
    const char* sp = next(3) == 0 ? "\n  " : next(2) ? " " : "";
    std::vector<std::string> members = {
        R"("id":"chatcmpl-1")", R"("object":"chat.completion")", R"("created":1733400000)",
        std::string(R"("choices":[{"index":0,"message":{"role":"assistant","content":")") +
            kTexts[next(std::size(kTexts))] + R"("},"finish_reason":"stop"}])"};
    const int decoys = static_cast<int>(next(3));
    for (int d = 0; d < decoys; ++d) members.push_back(kDecoys[next(std::size(kDecoys))]);
    const std::uint64_t kind = next(10);
    if (kind < 7) {
      members.push_back(std::string(R"("usage")") + sp + ":" + sp +
                        kProviderUsages[next(std::size(kProviderUsages))]);
    } else if (kind == 7) {
      members.push_back(next(2) ? R"("usage":null)" : R"("usage":12)");
    }
    if (next(2)) members.push_back(R"("system_fingerprint":"fp_\"x\"")");
    for (std::size_t m = members.size(); m > 1; --m) std::swap(members[m - 1], members[next(m)]);
    std::string body = "{";
    for (std::size_t m = 0; m < members.size(); ++m)
      body += (m ? std::string(",") + sp : std::string(sp)) + members[m];
    body += std::string(sp) + "}" + (next(4) == 0 ? "\n" : "");

    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(body, ec);
    ASSERT_FALSE(ec) << body;
    const boost::json::value* u = v.as_object().if_contains("usage");
    const ReportedUsage want = u ? usage_from_json(*u) : ReportedUsage{};
    (want.present ? present : absent)++;
    ASSERT_TRUE(same_usage(usage_from_body(body), want)) << body;
  }
  EXPECT_GT(present, 2000);
  EXPECT_GT(absent, 500);
  // The same object nested one level deeper, or in a top-level array, is not the member.
  EXPECT_FALSE(usage_from_body(R"({"a":{"usage":{"prompt_tokens":4}}})").present);
  EXPECT_FALSE(usage_from_body(R"([{"usage":{"prompt_tokens":4}}])").present);
  EXPECT_FALSE(usage_from_body(R"({"a":["x",{"usage":{"prompt_tokens":4}}],"b":1})").present);
  // A key that is `"usage` (its first quote escaped) is not `usage`.
  EXPECT_FALSE(usage_from_body(R"({"\"usage":{"prompt_tokens":4}})").present);
  EXPECT_EQ(usage_from_body(R"({"usage" : {"prompt_tokens":4} , "x":"}"} )").prompt_tokens, 4);
}

// find_text against string_view::find on every start and needle of texts built so that partial
// matches (first and last byte right, middle wrong) and matches at both ends are common.
TEST(Usage, FindTextFindsWhatFindFinds) {
  std::uint32_t seed = 12345;
  auto next = [&] { return (seed = seed * 1103515245u + 12345u) >> 16; };
  const char alphabet[] = "\"ab:";
  for (int round = 0; round < 300; ++round) {
    std::string hay(next() % 70, ' ');
    for (char& c : hay) c = alphabet[next() % 4];
    for (int n = 0; n < 12; ++n) {
      std::string needle(next() % 9, ' ');
      for (char& c : needle) c = alphabet[next() % 4];
      for (std::size_t from = 0; from <= hay.size() + 1; ++from)
        ASSERT_EQ(find_text(hay, needle, from), std::string_view(hay).find(needle, from))
            << "hay '" << hay << "' needle '" << needle << "' from " << from;
    }
  }
  // A needle at the very end of a long text, and one byte short of it.
  std::string text(100, 'x');
  text += "\"usage\"";
  EXPECT_EQ(find_text(text, "\"usage\""), 100u);
  EXPECT_EQ(find_text(std::string_view(text).substr(0, text.size() - 1), "\"usage\""),
            std::string_view::npos);
  EXPECT_EQ(find_text(text, ""), 0u);
  EXPECT_EQ(find_text(text, "x", 99), 99u);
}

// find_string_special against a byte-at-a-time reference on every start of random texts whose
// bytes include quotes, backslashes, control characters and UTF-8 (>= 0x80, no control
// character) at every position of the 16-byte steps, with and without control characters.
TEST(Usage, FindStringSpecialFindsWhatAByteLoopFinds) {
  std::uint32_t seed = 777;
  auto next = [&] { return (seed = seed * 1103515245u + 12345u) >> 16; };
  const unsigned char alphabet[] = {'a', 'b', '"', '\\', 0x01, 0x1f, 0x20, 0x7f, 0x80, 0xe2, 0xff};
  for (int round = 0; round < 400; ++round) {
    std::string hay(next() % 70, ' ');
    for (char& c : hay) {
      // Mostly plain text, so that 16-byte steps without a hit are common.
      c = next() % 6 ? 'x' : static_cast<char>(alphabet[next() % sizeof alphabet]);
    }
    for (bool controls : {false, true}) {
      for (std::size_t from = 0; from <= hay.size(); ++from) {
        std::size_t want = from;
        while (want < hay.size()) {
          const auto c = static_cast<unsigned char>(hay[want]);
          if (c == '"' || c == '\\' || (controls && c < 0x20)) break;
          ++want;
        }
        ASSERT_EQ(find_string_special(hay, from, controls), want)
            << "round " << round << " from " << from << " controls " << controls;
      }
    }
  }
}

TEST(Usage, PlainStringAfterAKey) {
  const std::string_view t = R"({"finish_reason" : "stop","x":null,"y":"open)";
  const std::size_t after = t.find("\"finish_reason\"") + 15;
  EXPECT_EQ(plain_string_after(t, after), std::optional<std::string_view>("stop"));
  EXPECT_EQ(plain_string_after(t, t.find("\"x\"") + 3), std::nullopt);  // null: no string
  EXPECT_EQ(plain_string_after(t, t.find("\"y\"") + 3), std::nullopt);  // never closed
  EXPECT_EQ(plain_string_after(t, t.size()), std::nullopt);
}

TEST(Usage, NonsenseIsClampedNotTrusted) {
  auto u = usage_from_body(
      R"({"usage":{"prompt_tokens":10,"completion_tokens":-5,"prompt_tokens_details":{"cached_tokens":50}}})");
  EXPECT_EQ(u.completion_tokens, 0);
  EXPECT_EQ(u.cached_tokens, 10);
}

TEST(Usage, StreamChunkScanners) {
  const std::string role =
      R"({"id":"x","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null})";
  const std::string token =
      R"({"id":"x","choices":[{"index":0,"delta":{"content":"Hi \"there\"\n"}}],"usage":null})";
  const std::string spaced = R"({"choices": [{"delta": {"content": "ok"}}]})";
  const std::string tool =
      R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":"}}]}}]})";
  const std::string usage_only =
      R"({"id":"x","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}})";
  const std::string usage_in_content = R"({"choices":[{"delta":{"content":"\"usage\": {"}}]})";

  EXPECT_FALSE(scan_event(role).output.any);
  EXPECT_TRUE(scan_event(token).output.any);
  EXPECT_TRUE(scan_event(spaced).output.any);
  EXPECT_TRUE(scan_event(tool).output.any);
  EXPECT_FALSE(scan_event(usage_only).output.any);
  EXPECT_EQ(scan_event(token).output.chars, 11u);  // Hi "there"\n: an escape counts once
  EXPECT_EQ(scan_event(role).output.chars, 0u);

  EXPECT_FALSE(chunk_usage(role).has_value());  // "usage":null
  EXPECT_FALSE(chunk_usage(token).has_value());
  EXPECT_FALSE(chunk_usage(usage_in_content).has_value());
  auto u = chunk_usage(usage_only);
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->prompt_tokens, 3);
  EXPECT_EQ(u->completion_tokens, 2);
  EXPECT_TRUE(chunk_is_usage_only(usage_only));
  EXPECT_FALSE(chunk_is_usage_only(token));
  // Some servers put usage on the last content chunk: that one is not usage-only.
  EXPECT_FALSE(chunk_is_usage_only(
      R"({"choices":[{"delta":{"content":"x"}}],"usage":{"prompt_tokens":1,"completion_tokens":1}})"));
}

// The one-pass scan counts every text key's string at any depth, skips keys quoted inside
// texts, and treats a key followed by spaces like a compact one.
TEST(Usage, ChunkOutputInOnePass) {
  struct Case {
    const char* data;
    std::size_t chars;
    bool any;
  };
  const Case cases[] = {
      {R"({"choices":[{"delta":{"reasoning_content":"ab","content":"cd"}}]})", 4, true},
      {R"({"choices":[{"delta":{"content":"say \"content\": \"xyz\""}}]})", 20, true},
      {R"({"choices":[{"delta":{"refusal":"no"}}]})", 2, true},
      {R"({"choices":[{"text":"é€"}]})", 2, true},  // code points, not bytes
      {R"({"choices":[{"delta":{"tool_calls":[{"function":{"name":"f","arguments":""}}]}}]})", 0,
       true},
      {R"({"choices":[{"delta":{"tool_calls":null,"content":null}}]})", 0, false},
      {R"({"choices" : [ { "delta" : { "content" : "a\u00e9b" } } ]})", 3, true},
      {R"({"type":"content_block_delta","delta":{"type":"text_delta","text":"hey"}})", 3, true},
      {R"({"content":["not","a","string"],"text":{"nested":"x"}})", 0, false},
      {R"({"unterminated":"abc)", 0, false},
      {"", 0, false},
  };
  for (const Case& c : cases) {
    const ChunkOutput o = scan_event(c.data).output;
    EXPECT_EQ(o.chars, c.chars) << c.data;
    EXPECT_EQ(o.any, c.any) << c.data;
    EXPECT_EQ(response_output_chars(c.data), c.chars) << c.data;
  }
}

TEST(Usage, PromptChars) {
  auto chat = boost::json::parse(
      R"({"messages":[{"role":"system","content":"abcd"},{"role":"user","content":[{"type":"text","text":"efgh"},{"type":"image_url","image_url":{"url":"x"}}]}]})");
  EXPECT_EQ(request_prompt_chars(chat.as_object(), Endpoint::kChat), 8u);
  auto comp = boost::json::parse(R"({"prompt":["ab","cd"]})");
  EXPECT_EQ(request_prompt_chars(comp.as_object(), Endpoint::kCompletions), 4u);
  auto emb = boost::json::parse(R"({"input":"hello"})");
  EXPECT_EQ(request_prompt_chars(emb.as_object(), Endpoint::kEmbeddings), 5u);
  EXPECT_EQ(estimate_tokens(0), 0);
  EXPECT_EQ(estimate_tokens(1), 1);
  EXPECT_EQ(estimate_tokens(8), 2);
  EXPECT_EQ(estimate_tokens(9), 3);
}

TEST(Usage, AccountPricesThroughTheCatalog) {
  auto cat = testing::embedded_catalog();
  const catalog::Price* price = cat->find_price("openai/gpt-4o-mini");
  ASSERT_NE(price, nullptr);
  ReportedUsage r;
  r.present = true;
  r.prompt_tokens = 2000;
  r.cached_tokens = 1000;
  r.completion_tokens = 500;
  Accounting a = account(r, 0, 0, price);
  EXPECT_FALSE(a.estimated);
  EXPECT_EQ(a.price_id, "openai/gpt-4o-mini");
  EXPECT_EQ(a.usage.input_tokens, 2000);  // OpenAI semantics: cached tokens are inside
  EXPECT_EQ(a.usage.cache_read_tokens, 1000);
  auto want = catalog::cost_of(*price, a.usage);
  ASSERT_TRUE(want.ok());
  EXPECT_DOUBLE_EQ(a.cost_usd, want->total_usd);
  EXPECT_GT(a.cost_usd, 0);
  // The cached half is cheaper than full-price input.
  ReportedUsage uncached = r;
  uncached.cached_tokens = 0;
  EXPECT_LT(a.cost_usd, account(uncached, 0, 0, price).cost_usd);
}

TEST(Usage, EstimatedOnlyWhenAbsent) {
  Accounting a = account(ReportedUsage{}, 400, 41, nullptr);
  EXPECT_TRUE(a.estimated);
  EXPECT_EQ(a.usage.input_tokens, 100);
  EXPECT_EQ(a.usage.output_tokens, 11);
  EXPECT_EQ(a.cost_usd, 0);
  EXPECT_TRUE(a.price_id.empty());
}

// replace_top_level_string writes a plain value between the quotes that are there (and leaves
// an equal one alone) instead of serializing it: on varied answers its result parses to what the
// parse-and-set gives, whatever the spacing, the escapes in the old value, decoys (a nested
// "model", "model" in a text) and the new value (plain, equal, longer, shorter, empty, or one
// that needs escaping).
TEST(Usage, ReplaceTopLevelStringAgreesWithTheParse) {
  std::uint64_t state = 20261206;
  auto next = [&](std::uint64_t n) {  // SplitMix64, in [0, n)
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (z ^ (z >> 31)) % n;
  };
  const char* const kOld[] = {R"("gpt-4o-2024-08-06")", R"("bench")",         R"("")",
                              R"("a\"b\\c")",           R"("\u00e9t\u00e9")", R"("my-alias")"};
  const char* const kNew[] = {
      "my-alias",         "bench", "", "gpt-4o-2024-08-06", "x", "a\"b", "tab\t", "back\\slash",
      "\xc3\xa9t\xc3\xa9"};
  const char* const kDecoys[] = {R"("meta":{"model":"inner"})", R"("note":"model")",
                                 R"("list":[{"model":"in-array"}])",
                                 R"("text":"\"model\":\"quoted\"")"};
  int replaced = 0;
  for (int i = 0; i < 3000; ++i) {
    const char* sp = next(3) == 0 ? "\n  " : next(2) ? " " : "";
    std::vector<std::string> members = {R"("id":"chatcmpl-1")", R"("object":"chat.completion")",
                                        R"("created":1733400000)"};
    const int decoys = static_cast<int>(next(3));
    for (int d = 0; d < decoys; ++d)
      members.insert(members.begin() + static_cast<std::ptrdiff_t>(next(members.size() + 1)),
                     kDecoys[next(std::size(kDecoys))]);
    const std::uint64_t kind = next(8);  // 0: no model, 1: a number, else a string
    if (kind != 0)
      members.insert(members.begin() + static_cast<std::ptrdiff_t>(next(members.size() + 1)),
                     std::string(R"("model")") + sp + ":" + sp +
                         (kind == 1 ? std::string("7") : kOld[next(std::size(kOld))]));
    std::string body = "{" + std::string(sp);
    for (std::size_t m = 0; m < members.size(); ++m)
      body += (m ? "," + std::string(sp) : "") + members[m];
    body += std::string(sp) + "}";
    const std::string value = kNew[next(std::size(kNew))];
    boost::json::value want = boost::json::parse(body);
    std::string text = body;
    const bool ok = replace_top_level_string(text, "model", value);
    ASSERT_EQ(ok, kind >= 2) << body;
    if (ok) {
      want.as_object()["model"] = value;
      ++replaced;
    } else {
      EXPECT_EQ(text, body);
    }
    boost::system::error_code ec;
    const boost::json::value got = boost::json::parse(text, ec);
    ASSERT_FALSE(ec) << body << " -> " << text;
    EXPECT_EQ(got, want) << body << " -> " << text;
  }
  EXPECT_GT(replaced, 2000);

  // Text that is not JSON: the leading-members shortcut declines, and the walk answers as it
  // always did (a value with bytes after it is replaced with them; a member after a missing ','
  // or without its ':' is not found).
  std::string odd = R"({"id":"x","model":"a" x,"y":1})";
  EXPECT_TRUE(replace_top_level_string(odd, "model", "new"));
  EXPECT_EQ(odd, R"({"id":"x","model":"new","y":1})");
  for (std::string text : {R"({"a":1 "model":"x"})", R"({"model" "x"})", R"({"a":1,"model":)"}) {
    const std::string before = text;
    EXPECT_FALSE(replace_top_level_string(text, "model", "new")) << before;
    EXPECT_EQ(text, before);
  }
}

}  // namespace
}  // namespace llmctl::protocol
