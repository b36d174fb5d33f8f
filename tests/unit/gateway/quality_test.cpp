// Quality signals (quality.h) and the drift windows and PSI (quality_metrics.h, common/psi.h),
// on a clock passed in.
#include "gateway/quality.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "common/psi.h"
#include "gateway/attribution.h"
#include "gateway/quality_metrics.h"
#include "protocol/usage.h"

namespace llmctl::gateway {
namespace {

QualityRequest req(std::string_view body, Endpoint e = Endpoint::kChat) {
  return quality_request(boost::json::parse(body).as_object(), e);
}

TEST(Quality, RequestModes) {
  EXPECT_TRUE(req(R"({"response_format":{"type":"json_object"}})").json_object);
  auto schema = req(R"({"response_format":{"type":"json_schema","json_schema":{}}})");
  EXPECT_TRUE(schema.json_mode);
  EXPECT_FALSE(schema.json_object);
  EXPECT_FALSE(req(R"({"response_format":{"type":"text"}})").json_mode);
  EXPECT_TRUE(
      req(R"({"output_config":{"format":{"type":"json_schema"}}})", Endpoint::kMessages).json_mode);
  EXPECT_TRUE(req(R"({"text":{"format":{"type":"json_schema"}}})", Endpoint::kResponses).json_mode);
  EXPECT_FALSE(req("{}", Endpoint::kEmbeddings).generates);
}

// The proxy checks the answer it already parsed: the same verdicts as from the text.
TEST(Quality, AParsedAnswerGivesTheSameChecksAsItsText) {
  const auto json_mode = req(R"({"response_format":{"type":"json_object"}})");
  const auto plain = req("{}");
  for (const char* body :
       {R"({"choices":[{"message":{"content":"hi"},"finish_reason":"stop"}]})",
        R"({"choices":[{"message":{"content":" "}}]})",
        R"({"choices":[{"message":{"content":null,"refusal":"no"}}]})",
        R"({"choices":[{"message":{"content":"{\"a\":1"}}]})",
        R"({"choices":[{"message":{"tool_calls":[{"function":{"arguments":"[1]"}}]}}]})"}) {
    for (const auto& q : {json_mode, plain}) {
      const AnswerChecks text = check_answer(body, Endpoint::kChat, q);
      const AnswerChecks dom = check_parsed_answer(boost::json::parse(body), Endpoint::kChat, q);
      EXPECT_EQ(dom.empty, text.empty) << body;
      EXPECT_EQ(dom.refusal, text.refusal) << body;
      EXPECT_EQ(dom.json_invalid, text.json_invalid) << body;
      EXPECT_EQ(dom.tool_args_invalid, text.tool_args_invalid) << body;
    }
  }
  // Anything but an object (a parse that failed is null) checks nothing.
  EXPECT_EQ(check_parsed_answer(boost::json::value(), Endpoint::kChat, plain).empty, -1);
  EXPECT_EQ(check_parsed_answer(boost::json::parse("[1]"), Endpoint::kChat, plain).empty, -1);
}

// The proxy scans plain chat answers instead of parsing them: wherever the scan answers, it
// gives the parse's verdicts; where it cannot be sure it says so (and the proxy parses).
TEST(Quality, AScannedAnswerGivesTheParsedVerdictsOrDeclines) {
  const auto plain = req("{}");
  struct Case {
    const char* body;
    bool scans;  // the scan must answer (not decline)
  };
  const Case cases[] = {
      {R"({"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hi there","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}})",
       true},
      // vLLM: an empty tool_calls list and reasoning_content on every message.
      {R"({"choices":[{"message":{"role":"assistant","content":"ok","reasoning_content":null,"tool_calls":[ ]},"finish_reason":"stop"}]})",
       true},
      {R"({"choices":[{"message":{"content":" \n\t\r\n  "},"finish_reason":"stop"}]})", true},
      {R"({"choices":[{"message":{"content":"","tool_calls":null}}]})", true},
      {R"({"choices":[{"message":{"content":null}}]})", true},
      {R"({"choices":[{"message":{"content":null,"refusal":"I can't help with that."}}]})", true},
      {R"({"choices":[{"message":{"content":"x","refusal":""}}]})", true},
      {R"({"choices":[{"message":{"content":""},"finish_reason":"content_filter"}]})", true},
      // Keys quoted inside a text are text, not keys.
      {R"({"choices":[{"message":{"content":"say \"refusal\":\"no\" and \"tool_calls\": [1]"}}]})",
       true},
      {R"({"choices":[{"message":{"content":"  ","refusal":null},"finish_reason":"stop"},{"message":{"content":"second"}}]})",
       true},
      {R"({"choices":[{"text":"  ","finish_reason":"length"}]})", true},
      {R"({"choices":[{"text":"a completion","finish_reason":"length"}]})", true},
      {R"(  {"choices":[{"message":{"content":"\n"}}]}  )", true},
      // Declined: a tool call, a \u escape, content parts, logprobs, not an object.
      {R"({"choices":[{"message":{"tool_calls":[{"function":{"arguments":"{}"}}]}}]})", false},
      {R"({"choices":[{"message":{"content":"\u0020"}}]})", false},
      {R"({"choices":[{"message":{"content":[{"type":"text","text":"hi"}]}}]})", false},
      {R"({"choices":[{"message":{"content":""},"logprobs":{"content":[{"token":"a"}]}}]})", false},
      // Once a text is not blank the answer is not empty, whatever follows.
      {R"({"choices":[{"message":{"content":"a"},"logprobs":{"content":[{"token":"a"}]}}]})", true},
      // What llmctl mock answers (bench/gateway).
      {R"({"id":"chatcmpl-mock-0-1","object":"chat.completion","created":1796454481,"model":"bench","choices":[{"index":0,"message":{"role":"assistant","content":" This is a simulated answer from the llmctl mock upstream so tests and benchmarks need no key.","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":16,"total_tokens":21,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"system_fingerprint":"llmctl-mock"})",
       true},
      {R"([1])", false},
      {R"(not json)", false},
  };
  for (Endpoint e : {Endpoint::kChat, Endpoint::kCompletions})
    for (const Case& c : cases) {
      const auto scanned = scan_chat_answer(c.body, e, plain);
      EXPECT_EQ(scanned.has_value(), c.scans) << c.body;
      if (!scanned) continue;
      const AnswerChecks parsed = check_answer(c.body, e, plain);
      EXPECT_EQ(scanned->empty, parsed.empty) << c.body;
      EXPECT_EQ(scanned->refusal, parsed.refusal) << c.body;
      EXPECT_EQ(scanned->json_invalid, parsed.json_invalid) << c.body;
      EXPECT_EQ(scanned->tool_args_invalid, parsed.tool_args_invalid) << c.body;
    }
  // JSON mode needs the text itself, other APIs their own shapes: declined.
  EXPECT_FALSE(scan_chat_answer(cases[0].body, Endpoint::kChat,
                                req(R"({"response_format":{"type":"json_object"}})")));
  EXPECT_FALSE(scan_chat_answer(cases[0].body, Endpoint::kMessages, plain));
}

// scan_chat_answer as it was before its one-pass form: five memmem passes, one per key
// (protocol::value_after_key). The one-pass scan must give its answers on any text.
std::optional<AnswerChecks> scan_by_key(std::string_view b) {
  auto ws = [&](std::size_t p) {
    while (p < b.size() && (b[p] == ' ' || b[p] == '\t' || b[p] == '\n' || b[p] == '\r')) ++p;
    return p;
  };
  auto each = [&](std::string_view key, auto f) {
    for (std::size_t p = 0; (p = protocol::value_after_key(b, key, p)) != std::string_view::npos;)
      if (!f(p)) return;
  };
  auto blank = [&](std::size_t p) -> std::optional<bool> {
    for (++p; p < b.size(); ++p) {
      const char c = b[p];
      if (c == '"') return true;
      if (c == '\\') {
        if (++p >= b.size()) return std::nullopt;
        if (b[p] == 'u') return std::nullopt;
        if (b[p] != 'n' && b[p] != 't' && b[p] != 'r' && b[p] != 'f') return false;
        continue;
      }
      if (!std::isspace(static_cast<unsigned char>(c))) return false;
    }
    return std::nullopt;
  };
  std::size_t first = ws(0), last = b.size();
  while (last > first && std::isspace(static_cast<unsigned char>(b[last - 1]))) --last;
  if (first >= last || b[first] != '{' || b[last - 1] != '}') return std::nullopt;
  bool tool_call = false, refusal = false;
  each("\"tool_calls\"", [&](std::size_t p) {
    if (p < b.size() && b[p] == '[') {
      const std::size_t close = ws(p + 1);
      if (close < b.size() && b[close] == ']') return true;
    }
    if (b.substr(p, 4) == "null") return true;
    tool_call = true;
    return false;
  });
  if (tool_call) return std::nullopt;
  each("\"finish_reason\"", [&](std::size_t p) {
    if (b.substr(p, 16) == "\"content_filter\"") refusal = true;
    return true;
  });
  each("\"refusal\"", [&](std::size_t p) {
    if (p + 1 < b.size() && b[p] == '"' && b[p + 1] != '"') refusal = true;
    return true;
  });
  bool unsure = false, any_text = false;
  for (std::string_view key : {std::string_view("\"content\""), std::string_view("\"text\"")})
    each(key, [&](std::size_t p) {
      if (b.substr(p, 4) == "null") return true;
      if (p >= b.size() || b[p] != '"') {
        unsure = true;
        return false;
      }
      const std::optional<bool> is_blank = blank(p);
      if (!is_blank)
        unsure = true;
      else if (!*is_blank)
        any_text = true;
      return !unsure && !any_text;
    });
  if (unsure) return std::nullopt;
  AnswerChecks c;
  c.refusal = refusal ? 1 : 0;
  c.empty = !refusal && !any_text ? 1 : 0;
  return c;
}

// Every truncation and many one-byte changes of real answers, well-formed or not: the one-pass
// scan declines where the five passes declined and otherwise gives the same verdicts.
TEST(Quality, TheOnePassScanAnswersLikeTheScanPerKey) {
  const auto plain = req("{}");
  const std::string_view bodies[] = {
      R"({"id":"chatcmpl-mock-0-1","object":"chat.completion","created":1796454481,"model":"bench","choices":[{"index":0,"message":{"role":"assistant","content":" This is a simulated answer.","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":16,"total_tokens":21}})",
      R"({"choices":[{"message":{"role":"assistant","content":"ok","reasoning_content":null,"tool_calls":[ ]},"finish_reason":"stop"}]})",
      R"({"choices":[{"message":{"content":"  ","refusal":null},"finish_reason":"stop"},{"message":{"content":"second"}}]})",
      R"({"choices":[{"text":"  ","finish_reason":"length"},{"text":"\n"}],"content":"x"})",
      R"({"choices":[{"message":{"content":"a"},"logprobs":{"content":[{"token":"a"}]},"text":"\u0041"}]})",
      R"({"choices":[{"message":{"content":null,"refusal":"no"},"finish_reason":"content_filter"}]})",
      R"({"choices":[{"message":{"content":"say \"text\": 1, \"refusal\":\"x\""},"text":null}]})",
      // finish reasons as scan_finish_reason reads them: spaces and colons, a null first, a
      // newline (not skipped), the key as a value, two choices, an escape in the value
      R"({"choices":[{"message":{"content":"a"},"finish_reason" : "length"}]})",
      R"({"choices":[{"message":{"content":"a"},"finish_reason":null},{"text":"b","finish_reason":"stop"}]})",
      R"({"choices":[{"message":{"content":"a"},"finish_reason"
:"stop","x":"finish_reason"}],"finish_reason":"late"})",
      R"({"x":"finish_reason","choices":[{"message":{"content":"a"},"finish_reason":"st\"op"}]})",
  };
  const std::string_view swaps[] = {"\"",
                                    "\\",
                                    "{",
                                    "}",
                                    "[",
                                    "]",
                                    ",",
                                    ":",
                                    " ",
                                    "x",
                                    "null",
                                    "\"text\":",
                                    "\"content\":[",
                                    "\\u0020",
                                    "\"\""};
  int compared = 0, answered = 0, reasons = 0;
  auto same = [&](const std::string& b) {
    ++compared;
    const auto want = scan_by_key(b);
    std::optional<std::string_view> reason;
    const auto got = scan_chat_answer(b, Endpoint::kChat, plain, &reason);
    // The finish reason found on the way is scan_finish_reason's (the proxy's other source).
    if (reason) {
      ++reasons;
      EXPECT_EQ(*reason, scan_finish_reason(b)) << b;
    }
    EXPECT_EQ(scan_chat_answer(b, Endpoint::kChat, plain).has_value(), got.has_value()) << b;
    ASSERT_EQ(got.has_value(), want.has_value()) << b;
    if (!got) return;
    ++answered;
    EXPECT_EQ(got->empty, want->empty) << b;
    EXPECT_EQ(got->refusal, want->refusal) << b;
    EXPECT_EQ(got->json_invalid, -1) << b;
    EXPECT_EQ(got->tool_args_invalid, -1) << b;
  };
  for (std::string_view base : bodies) {
    for (std::size_t n = 0; n <= base.size(); ++n) same(std::string(base.substr(0, n)) + "}");
    for (std::size_t i = 0; i < base.size(); ++i)
      for (std::string_view s : swaps) {
        std::string t(base);
        same(t.replace(i, 1, s));
        same(std::string(base.substr(0, i)) + std::string(s) + std::string(base.substr(i)));
      }
  }
  EXPECT_GT(answered, compared / 4);
  EXPECT_LT(answered, compared);
  EXPECT_GT(reasons, compared / 4);
}

TEST(Quality, WholeChatAnswers) {
  const auto plain = req("{}");
  auto c = check_answer(R"({"choices":[{"message":{"content":"hi"},"finish_reason":"stop"}]})",
                        Endpoint::kChat, plain);
  EXPECT_EQ(c.empty, 0);
  EXPECT_EQ(c.refusal, 0);
  EXPECT_EQ(c.json_invalid, -1);
  EXPECT_EQ(c.tool_args_invalid, -1);
  EXPECT_EQ(
      check_answer(R"({"choices":[{"message":{"content":"  \n"}}]})", Endpoint::kChat, plain).empty,
      1);
  EXPECT_EQ(
      check_answer(R"({"choices":[{"message":{"content":null}}]})", Endpoint::kChat, plain).empty,
      1);
  auto refused = check_answer(
      R"({"choices":[{"message":{"content":null,"refusal":"I can't help with that."}}]})",
      Endpoint::kChat, req(R"({"response_format":{"type":"json_schema"}})"));
  EXPECT_EQ(refused.refusal, 1);
  EXPECT_EQ(refused.empty, 0);          // a refusal is not an empty answer
  EXPECT_EQ(refused.json_invalid, -1);  // nor invalid JSON
  const auto json = req(R"({"response_format":{"type":"json_object"}})");
  EXPECT_EQ(
      check_answer(R"({"choices":[{"message":{"content":"{\"a\":1}"}}]})", Endpoint::kChat, json)
          .json_invalid,
      0);
  EXPECT_EQ(
      check_answer(R"({"choices":[{"message":{"content":"{\"a\":1"}}]})", Endpoint::kChat, json)
          .json_invalid,
      1);
  EXPECT_EQ(check_answer(R"({"choices":[{"message":{"content":"[1]"}}]})", Endpoint::kChat, json)
                .json_invalid,
            1);  // json_object wants an object
  auto tools = check_answer(
      R"({"choices":[{"message":{"content":null,"tool_calls":[
          {"function":{"name":"a","arguments":"{\"x\":1}"}},
          {"function":{"name":"b","arguments":"{\"x\":"}}]}}]})",
      Endpoint::kChat, plain);
  EXPECT_EQ(tools.tool_args_invalid, 1);
  EXPECT_EQ(tools.empty, 0);
}

TEST(Quality, AnthropicAndResponsesShapes) {
  const auto plain = req("{}");
  auto m = check_answer(R"({"content":[],"stop_reason":"refusal"})", Endpoint::kMessages, plain);
  EXPECT_EQ(m.refusal, 1);
  auto tool = check_answer(R"({"content":[{"type":"tool_use","input":{"q":1}}]})",
                           Endpoint::kMessages, plain);
  EXPECT_EQ(tool.tool_args_invalid, 0);
  auto r = check_answer(
      R"({"output":[{"type":"message","content":[{"type":"output_text","text":"not json"}]}]})",
      Endpoint::kResponses,
      req(R"({"text":{"format":{"type":"json_schema"}}})", Endpoint::kResponses));
  EXPECT_EQ(r.json_invalid, 1);
  EXPECT_EQ(r.empty, 0);
}

// An event as the relay hands it to the checks: with its one scan.
void feed(StreamChecks& s, std::string_view data) { s.on_event(data, protocol::scan_event(data)); }

TEST(Quality, StreamsAssembleTheTextAndToolArguments) {
  const auto json = req(R"({"response_format":{"type":"json_object"}})");
  StreamChecks s(Endpoint::kChat, json);
  feed(s, R"({"choices":[{"delta":{"content":"{\"a\":"}}]})");
  feed(s, R"({"choices":[{"delta":{"content":"1}"}}]})");
  auto c = s.finish(6, "stop");
  EXPECT_EQ(c.json_invalid, 0);
  EXPECT_EQ(c.empty, 0);
  StreamChecks cut(Endpoint::kChat, json);
  feed(cut, R"({"choices":[{"delta":{"content":"{\"a\":"}}]})");
  EXPECT_EQ(cut.finish(5, "length").json_invalid, 1);

  StreamChecks tools(Endpoint::kChat, req("{}"));
  feed(
      tools,
      R"({"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"name":"f","arguments":"{\"q\""}}]}}]})");
  feed(tools,
       R"({"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":":2}"}}]}}]})");
  EXPECT_EQ(tools.finish(0, "tool_calls").tool_args_invalid, 0);

  StreamChecks anth(Endpoint::kMessages, req("{}", Endpoint::kMessages));
  feed(
      anth,
      R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","input":{}}})");
  feed(
      anth,
      R"({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"q\":"}})");
  EXPECT_EQ(anth.finish(0, "tool_use").tool_args_invalid, 1);

  StreamChecks empty(Endpoint::kChat, req("{}"));
  EXPECT_EQ(empty.finish(0, "stop").empty, 1);
  StreamChecks refusal(Endpoint::kChat, req("{}"));
  feed(refusal, R"({"choices":[{"delta":{"refusal":"No."}}]})");
  EXPECT_EQ(refusal.finish(3, "stop").refusal, 1);
}

// Events of each API as upstreams send them (OpenAI chat chunks, Anthropic messages, the
// Responses API), and edge cases: spaces and newlines around ':', escapes, a content that names
// the keys, a usage object, a refusal, tool calls.
std::vector<std::string> stream_events() {
  return {
      R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null})",
      R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" Hi \"there\"\n\u00e9"},"logprobs":null,"finish_reason":null}],"usage":null})",
      R"({"id":"c1","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null})",
      R"({"id":"c1","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":2}}})",
      R"({"id":"c1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"q\":"}}]},"finish_reason":null}]})",
      R"({"id":"c1","choices":[{"index":0,"delta":{"refusal":"I can't."},"finish_reason":null}]})",
      R"({"id":"c1","choices":[{"index":0,"delta":{"reasoning_content":"think"},"finish_reason":null}]})",
      R"({"choices":[{"delta":{"content":"say \"finish_reason\": \"x\" and usage"},"finish_reason":null}]})",
      R"({"choices":[{"delta":{"content":"finish_reason"},"finish_reason":"length"}]})",
      R"({"delta":{"content":"finish_reason"},"stop_reason":"x"})",
      R"({"choices":[{"text":"legacy","index":0,"finish_reason":null}]})",
      R"({ "choices" : [ { "delta" : { "content" : "spaced" } , "finish_reason" : "stop" } ] , "usage" : null })",
      "{\"choices\":[{\"delta\":{\"content\"\n:\n\"nl\"},\"finish_reason\"\n:\"stop\"}],"
      "\"usage\"\t:\t{\"prompt_tokens\":1}}",
      R"({"error":{"message":"overloaded","type":"server_error"}})",
      R"({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"usage":{"input_tokens":25,"output_tokens":1}}})",
      R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}})",
      R"({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}})",
      R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"loc"}})",
      R"({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}})",
      R"({"type":"message_delta","delta":{"stop_reason":"refusal"},"usage":{"output_tokens":0}})",
      R"({"type":"message_stop"})",
      R"({"type":"ping"})",
      R"({"type":"response.output_text.delta","item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hi"})",
      R"({"type":"response.completed","response":{"id":"resp_1","status":"completed","output":[{"type":"message","content":[{"type":"output_text","text":"Hi"}]}],"usage":{"input_tokens":5,"output_tokens":1}}})",
      R"({"type":"response.incomplete","response":{"status":"incomplete"}})",
      R"({"type":"refusal","refusal":"no"})",
      R"({"a":"\\","finish_reason":"x\"y","stop_reason":"z"})",
      "",
      "[DONE]",
      // Over 256 quotes (the paired index's limit): the walk reads it.
      [] {
        std::string big =
            R"({"choices":[{"delta":{"content":"x"},"finish_reason":"stop"}],"meta":{)";
        for (int i = 0; i < 150; ++i) big += "\"k" + std::to_string(i) + "\":\"v\",";
        return big + R"("usage":{"prompt_tokens":1}}})";
      }(),
  };
}

// The scanner that counted an event's output before scan_event (chunk_output then), kept as
// the reference: every string in order, a string followed by ':' a key; the string values of
// content, text, refusal, reasoning_content and arguments count their characters (an escape
// is one, \uXXXX too; UTF-8 by code point), and a tool_calls array marks output.
protocol::ChunkOutput reference_chunk_output(std::string_view d) {
  constexpr std::size_t npos = std::string_view::npos;
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  auto string_end = [&](std::size_t open) {  // one past the closing quote; npos: none
    for (std::size_t i = open + 1; i < d.size(); ++i) {
      if (d[i] == '"') {
        std::size_t backslashes = 0;
        while (i - backslashes - 1 > open && d[i - backslashes - 1] == '\\') ++backslashes;
        if (backslashes % 2 == 0) return i + 1;
      }
    }
    return npos;
  };
  protocol::ChunkOutput out;
  std::size_t p = 0;
  while (p < d.size()) {
    const std::size_t open = d.find('"', p);
    if (open == npos) break;
    const std::size_t end = string_end(open);
    if (end == npos) break;
    std::size_t v = end;
    while (v < d.size() && is_space(d[v])) ++v;
    if (v >= d.size() || d[v] != ':') {
      p = end;
      continue;
    }
    ++v;
    while (v < d.size() && is_space(d[v])) ++v;
    p = v;
    if (v >= d.size()) break;
    const std::string_view key = d.substr(open + 1, end - open - 2);
    if (key == "tool_calls") {
      if (d[v] == '[') out.any = true;
    } else if (d[v] == '"' && (key == "content" || key == "text" || key == "refusal" ||
                               key == "reasoning_content" || key == "arguments")) {
      std::size_t chars = 0, q = v + 1;
      while (q < d.size() && d[q] != '"') {
        if (d[q] == '\\') {
          q += (q + 1 < d.size() && d[q + 1] == 'u') ? 6 : 2;
          ++chars;
        } else {
          if ((static_cast<unsigned char>(d[q]) & 0xC0) != 0x80) ++chars;
          ++q;
        }
      }
      out.chars += chars;
      if (chars > 0) out.any = true;
      p = q + 1;
    }
  }
  return out;
}

// The relay's one scan of an event gives what the scanners it replaced give (the output count
// above, value_after_key for usage, scan_finish_reason), on every event above, every cut of
// each (a read ends anywhere) and each with spaces after its ':' and ','.
TEST(EventScan, GivesWhatTheScannersItReplacedGive) {
  std::vector<std::string> all;
  for (const std::string& e : stream_events()) {
    all.push_back(e);
    for (std::size_t cut = 0; cut < e.size(); ++cut) all.push_back(e.substr(0, cut));
    std::string spaced;
    for (char c : e) {
      spaced += c;
      if (c == ':' || c == ',') spaced += ' ';
    }
    all.push_back(spaced);
  }
  for (const std::string& d : all) {
    const protocol::EventScan s = protocol::scan_event(d);
    const protocol::ChunkOutput o = reference_chunk_output(d);
    EXPECT_EQ(s.output.chars, o.chars) << d;
    EXPECT_EQ(s.output.any, o.any) << d;
    EXPECT_EQ(s.usage, protocol::value_after_key(d, "\"usage\"", 0)) << d;
    EXPECT_EQ(s.finish_reason, scan_finish_reason(d)) << d;
  }
}

TEST(EventScan, ItsTriggersForTheQualityChecks) {
  const auto ev = stream_events();
  auto scan = [](std::string_view d) { return protocol::scan_event(d); };
  EXPECT_FALSE(scan(ev[0]).refusal);  // "refusal":null
  EXPECT_TRUE(scan(ev[5]).refusal);
  EXPECT_TRUE(scan(ev[20]).refusal);  // stop_reason
  EXPECT_TRUE(scan(ev[26]).refusal);  // type
  EXPECT_TRUE(scan(R"({"delta":{"refusal" : "no"}})").refusal);
  EXPECT_FALSE(scan(R"({"delta":{"content":"refusal"}})").refusal);
  EXPECT_TRUE(scan(ev[4]).tool);   // tool_calls
  EXPECT_TRUE(scan(ev[17]).tool);  // tool_use
  EXPECT_TRUE(scan(ev[18]).tool);  // input_json_delta
  EXPECT_TRUE(scan(R"({"delta":{"function_call":{"name":"f"}}})").tool);
  for (std::size_t i : {0u, 1u, 2u, 3u, 14u, 16u, 19u, 23u})
    EXPECT_FALSE(scan(ev[i]).tool) << ev[i];
  EXPECT_TRUE(scan(ev[24]).final_response);
  EXPECT_TRUE(scan(ev[25]).final_response);
  EXPECT_FALSE(scan(ev[23]).final_response);
  // The usage the relay reads where the scan found it.
  EXPECT_FALSE(protocol::usage_at(ev[0], scan(ev[0]).usage));  // null
  const auto u = protocol::usage_at(ev[3], scan(ev[3]).usage);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->prompt_tokens, 9);
  EXPECT_EQ(u->completion_tokens, 3);
  EXPECT_EQ(u->cached_tokens, 2);
}

TEST(Psi, TheFormulaAndItsBins) {
  EXPECT_EQ(length_bin(0), 0);
  EXPECT_EQ(length_bin(1), 1);
  EXPECT_EQ(length_bin(3), 2);
  EXPECT_EQ(length_bin(4), 3);
  EXPECT_EQ(length_bin(1 << 20), kLengthBins - 1);
  EXPECT_EQ(length_bin_upper(2), 3);
  EXPECT_EQ(length_bin_upper(kLengthBins - 1), -1);
  const std::vector<double> same{10, 20, 30};
  EXPECT_DOUBLE_EQ(population_stability_index(same, same), 0);
  // (0.5-0.25) ln 2 + (0.5-0.75) ln(2/3) by hand.
  const double want = 0.25 * std::log(2.0) - 0.25 * std::log(2.0 / 3.0);
  EXPECT_NEAR(population_stability_index(std::vector<double>{25, 75}, std::vector<double>{50, 50}),
              want, 1e-12);
}

TEST(Drift, TheLastCompleteWindowAgainstTheBaselineOnAnInjectedClock) {
  DriftOptions o;
  o.window_ms = 1000;
  o.baseline_windows = 3;
  o.min_samples = 10;
  DriftWindows a(o), b(o);  // two workers
  std::int64_t now = 100'000;
  // Three baseline windows of ~16-token answers, split between the workers.
  for (int w = 0; w < 3; ++w, now += 1000)
    for (int i = 0; i < 20; ++i) (i % 2 ? a : b).add(16 + i % 3, now + i);
  const DriftWindows* rings[] = {&a, &b};
  // Still inside the 4th window: the last complete one is the 3rd; its baseline has only two.
  DriftReading r0 = read_drift(rings, now + 10);
  EXPECT_TRUE(r0.ready);
  EXPECT_EQ(r0.current, 20);
  EXPECT_EQ(r0.baseline, 40);
  EXPECT_LT(r0.psi, 0.01);
  // A window of 256-token answers, read once it is complete: a significant shift.
  for (int i = 0; i < 20; ++i) a.add(256, now + i);
  DriftReading r = read_drift(rings, now + 1000);
  EXPECT_TRUE(r.ready);
  EXPECT_EQ(r.current, 20);
  EXPECT_EQ(r.baseline, 60);
  EXPECT_GT(r.psi, 0.25);
  // Too few samples: not ready (no gauge).
  DriftWindows c(o);
  c.add(10, 0);
  const DriftWindows* one[] = {&c};
  EXPECT_FALSE(read_drift(one, 1000).ready);
  // Slots are reused: long after, old windows no longer count.
  EXPECT_EQ(read_drift(rings, now + 100'000).baseline, 0);
}

TEST(QualityShard, CountsAndRenders) {
  QualityShard s(1);
  RequestRecord rec;
  rec.endpoint = "chat";
  rec.status = 200;
  rec.finish_reason = "length";
  rec.output_tokens = 8;
  rec.input_tokens = 100;
  rec.invalid_json = 1;
  rec.empty_answer = 0;
  s.record(0, rec, 0);
  s.record(-1, rec, 0);  // unknown model: not counted
  EXPECT_EQ(s.finish(0, 1), 1u);
  EXPECT_EQ(s.check(0, 2, true), 1u);
  EXPECT_EQ(s.check(0, 0, false), 1u);
  EXPECT_EQ(s.length_bucket(0, true, length_bin(8)), 1u);
}

}  // namespace
}  // namespace llmctl::gateway
