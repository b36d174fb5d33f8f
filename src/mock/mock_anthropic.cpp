#include "mock/mock_anthropic.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <climits>
#include <cmath>

#include "mock/sim_model.h"
#include "protocol/usage.h"

namespace llmctl::mock {

namespace json = boost::json;

namespace {

json::object usage_of(const AnthropicMockPlan& p, long long output) {
  return json::object{{"input_tokens", p.input_tokens},
                      {"cache_creation_input_tokens", 0},
                      {"cache_read_input_tokens", p.cache_read_tokens},
                      {"output_tokens", output}};
}

std::string text_of(const AnthropicMockPlan& p) {
  if (p.structured) return *p.structured;
  std::string s;
  for (int t = 0; t < p.tokens; ++t) s += mock_token(t);
  return s;
}

// The t-th of `parts` pieces of `text`.
std::string piece(std::string_view text, int t, int parts) {
  const std::size_t size = text.size(), n = static_cast<std::size_t>(std::max(parts, 1));
  const std::size_t from = size * static_cast<std::size_t>(t) / n,
                    to = size * static_cast<std::size_t>(t + 1) / n;
  return std::string(text.substr(from, to - from));
}

MockEvent event(std::string_view type, const json::object& data, bool token = false) {
  return {fmt::format("event: {}\ndata: {}\n\n", type, json::serialize(data)), token};
}

}  // namespace

AnthropicMockPlan anthropic_mock_plan(const json::object& o, const MockOptions& options, int tokens,
                                      std::string id) {
  AnthropicMockPlan p;
  p.id = std::move(id);
  p.model = o.contains("model") && o.at("model").is_string()
                ? std::string(o.at("model").as_string())
                : "llmctl-sim";
  int max_tokens = INT_MAX;
  if (const auto* m = o.if_contains("max_tokens"); m && m->is_int64() && m->as_int64() > 0)
    max_tokens = static_cast<int>(std::min<std::int64_t>(m->as_int64(), INT_MAX));
  p.tokens = std::max(1, tokens);
  if (p.tokens > max_tokens) {
    p.tokens = max_tokens;
    p.stop_reason = "max_tokens";
  }
  // The simulated model decides: tool_use blocks, structured output, or words.
  SimAnswer a = sim_answer(sim_request_from_messages(o), options.seed);
  if (!a.calls.empty()) {
    long long n = 0;
    for (std::size_t k = 0; k < a.calls.size(); ++k) {
      p.tools.push_back({fmt::format("toolu_mock_{}_{}", p.id, k), a.calls[k].name,
                         std::move(a.calls[k].arguments)});
      n += mock_token_count(p.tools.back().input.size());
    }
    p.stop_reason = "tool_use";
    p.tokens = static_cast<int>(n);
  } else if (a.structured) {
    const int needed = static_cast<int>(mock_token_count(a.structured->size()));
    p.stop_reason = needed > max_tokens ? "max_tokens" : "end_turn";
    p.tokens = std::min(needed, max_tokens);
    if (needed > max_tokens)
      a.structured->resize(a.structured->size() * static_cast<std::size_t>(p.tokens) /
                           static_cast<std::size_t>(needed));
    p.structured = std::move(a.structured);
  }
  const long long prompt =
      mock_token_count(protocol::request_prompt_chars(o, protocol::Endpoint::kMessages));
  p.cache_read_tokens =
      static_cast<long long>(std::floor(static_cast<double>(prompt) * options.cache_hit_share));
  p.input_tokens = prompt - p.cache_read_tokens;  // Anthropic: excludes cache reads
  return p;
}

std::string anthropic_mock_message(const AnthropicMockPlan& p) {
  json::array content;
  if (!p.tools.empty()) {
    for (const auto& t : p.tools) {
      boost::system::error_code ec;
      content.push_back(json::object{{"type", "tool_use"},
                                     {"id", t.id},
                                     {"name", t.name},
                                     {"input", json::parse(t.input, ec)}});
    }
  } else {
    content.push_back(json::object{{"type", "text"}, {"text", text_of(p)}});
  }
  json::object m{{"id", p.id},
                 {"type", "message"},
                 {"role", "assistant"},
                 {"model", p.model},
                 {"content", std::move(content)},
                 {"stop_reason", p.stop_reason},
                 {"stop_sequence", nullptr},
                 {"usage", usage_of(p, p.tokens)}};
  return json::serialize(m);
}

std::vector<MockEvent> anthropic_mock_events(const AnthropicMockPlan& p) {
  std::vector<MockEvent> out;
  // Like Anthropic: message_start reports the input and a first output token.
  out.push_back(
      event("message_start", json::object{{"type", "message_start"},
                                          {"message", json::object{{"id", p.id},
                                                                   {"type", "message"},
                                                                   {"role", "assistant"},
                                                                   {"model", p.model},
                                                                   {"content", json::array{}},
                                                                   {"stop_reason", nullptr},
                                                                   {"stop_sequence", nullptr},
                                                                   {"usage", usage_of(p, 1)}}}}));
  auto block_events = [&](std::int64_t index, json::object block, std::string_view text, int parts,
                          bool tool) {
    out.push_back(event("content_block_start", json::object{{"type", "content_block_start"},
                                                            {"index", index},
                                                            {"content_block", std::move(block)}}));
    if (index == 0) out.push_back(event("ping", json::object{{"type", "ping"}}));
    for (int t = 0; t < parts; ++t) {
      json::object delta;
      if (tool)
        delta = json::object{{"type", "input_json_delta"}, {"partial_json", piece(text, t, parts)}};
      else if (p.structured)
        delta = json::object{{"type", "text_delta"}, {"text", piece(text, t, parts)}};
      else
        delta = json::object{{"type", "text_delta"}, {"text", mock_token(t)}};
      out.push_back(
          event("content_block_delta",
                json::object{
                    {"type", "content_block_delta"}, {"index", index}, {"delta", std::move(delta)}},
                true));
    }
    out.push_back(event("content_block_stop",
                        json::object{{"type", "content_block_stop"}, {"index", index}}));
  };
  if (!p.tools.empty()) {
    for (std::size_t k = 0; k < p.tools.size(); ++k) {
      const auto& t = p.tools[k];
      block_events(
          static_cast<std::int64_t>(k),
          json::object{
              {"type", "tool_use"}, {"id", t.id}, {"name", t.name}, {"input", json::object{}}},
          t.input, static_cast<int>(mock_token_count(t.input.size())), true);
    }
  } else {
    const std::string text = p.structured ? *p.structured : std::string{};
    block_events(0, json::object{{"type", "text"}, {"text", ""}}, text, p.tokens, false);
  }
  out.push_back(
      event("message_delta", json::object{{"type", "message_delta"},
                                          {"delta", json::object{{"stop_reason", p.stop_reason},
                                                                 {"stop_sequence", nullptr}}},
                                          {"usage", json::object{{"output_tokens", p.tokens}}}}));
  out.push_back(event("message_stop", json::object{{"type", "message_stop"}}));
  return out;
}

}  // namespace llmctl::mock
