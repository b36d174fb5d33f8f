#include "mock/mock_anthropic.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <climits>
#include <cmath>

#include "protocol/usage.h"

namespace llmctl::mock {

namespace json = boost::json;

namespace {

std::string_view str_of(const json::value* v) {
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view{};
}

// Tool input that fits the tool's input_schema: a placeholder per property.
json::object tool_input(const json::value* schema) {
  json::object input;
  if (!schema || !schema->is_object()) return input;
  const json::value* props = schema->as_object().if_contains("properties");
  if (!props || !props->is_object()) return input;
  for (const auto& [key, prop] : props->as_object()) {
    std::string_view type =
        prop.is_object() ? str_of(prop.as_object().if_contains("type")) : std::string_view{};
    if (type == "number" || type == "integer")
      input[key] = 1;
    else if (type == "boolean")
      input[key] = true;
    else if (type == "array")
      input[key] = json::array{};
    else if (type == "object")
      input[key] = json::object{};
    else
      input[key] = "mock";
  }
  return input;
}

json::object usage_of(const AnthropicMockPlan& p, long long output) {
  return json::object{{"input_tokens", p.input_tokens},
                      {"cache_creation_input_tokens", 0},
                      {"cache_read_input_tokens", p.cache_read_tokens},
                      {"output_tokens", output}};
}

std::string text_of(const AnthropicMockPlan& p) {
  std::string s;
  for (int t = 0; t < p.tokens; ++t) s += mock_token(t);
  return s;
}

// The tool input streamed in `tokens` pieces.
std::string piece(const AnthropicMockPlan& p, int t) {
  std::size_t size = p.tool_input.size(), parts = static_cast<std::size_t>(p.tokens);
  std::size_t from = size * static_cast<std::size_t>(t) / parts,
              to = size * static_cast<std::size_t>(t + 1) / parts;
  return p.tool_input.substr(from, to - from);
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
  const auto* tools = o.if_contains("tools");
  const auto* choice = o.if_contains("tool_choice");
  const bool none =
      choice && choice->is_object() && str_of(choice->as_object().if_contains("type")) == "none";
  if (tools && tools->is_array() && !tools->as_array().empty() && !none) {
    // The tool tool_choice names, else the first one.
    std::string_view wanted;
    if (choice && choice->is_object() && str_of(choice->as_object().if_contains("type")) == "tool")
      wanted = str_of(choice->as_object().if_contains("name"));
    const json::object* t = nullptr;
    for (const json::value& tool : tools->as_array()) {
      if (!tool.is_object()) continue;
      if (!t) t = &tool.as_object();
      if (!wanted.empty() && str_of(tool.as_object().if_contains("name")) == wanted) {
        t = &tool.as_object();
        break;
      }
    }
    p.tool = true;
    p.tool_id = "toolu_mock_" + p.id;
    p.tool_name = t ? std::string(str_of(t->if_contains("name"))) : "tool";
    p.tool_input = json::serialize(tool_input(t ? t->if_contains("input_schema") : nullptr));
    p.stop_reason = "tool_use";
    p.tokens = static_cast<int>(mock_token_count(p.tool_input.size()));
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
  if (p.tool) {
    boost::system::error_code ec;
    content.push_back(json::object{{"type", "tool_use"},
                                   {"id", p.tool_id},
                                   {"name", p.tool_name},
                                   {"input", json::parse(p.tool_input, ec)}});
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
  json::object block;
  if (p.tool)
    block = json::object{
        {"type", "tool_use"}, {"id", p.tool_id}, {"name", p.tool_name}, {"input", json::object{}}};
  else
    block = json::object{{"type", "text"}, {"text", ""}};
  out.push_back(event("content_block_start", json::object{{"type", "content_block_start"},
                                                          {"index", 0},
                                                          {"content_block", std::move(block)}}));
  out.push_back(event("ping", json::object{{"type", "ping"}}));
  for (int t = 0; t < p.tokens; ++t) {
    json::object delta;
    if (p.tool)
      delta = json::object{{"type", "input_json_delta"}, {"partial_json", piece(p, t)}};
    else
      delta = json::object{{"type", "text_delta"}, {"text", mock_token(t)}};
    out.push_back(event(
        "content_block_delta",
        json::object{{"type", "content_block_delta"}, {"index", 0}, {"delta", std::move(delta)}},
        true));
  }
  out.push_back(
      event("content_block_stop", json::object{{"type", "content_block_stop"}, {"index", 0}}));
  out.push_back(
      event("message_delta", json::object{{"type", "message_delta"},
                                          {"delta", json::object{{"stop_reason", p.stop_reason},
                                                                 {"stop_sequence", nullptr}}},
                                          {"usage", json::object{{"output_tokens", p.tokens}}}}));
  out.push_back(event("message_stop", json::object{{"type", "message_stop"}}));
  return out;
}

}  // namespace llmctl::mock
