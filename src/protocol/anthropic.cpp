#include "protocol/anthropic.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "protocol/errors.h"
#include "protocol/json_access.h"
#include "protocol/usage.h"

namespace llmctl::protocol::anthropic {

namespace json = boost::json;

namespace {

Error unsupported(std::string_view field, std::string_view why) {
  return Error{fmt::format("{}: {}", field, why)};
}

// Text of an OpenAI content value (string, or an array of {"type":"text"} parts); false when a
// part is not text.
bool openai_text(const json::value& content, std::string& out) {
  if (content.is_string()) {
    out += content.as_string();
    return true;
  }
  if (content.is_null()) return true;
  if (!content.is_array()) return false;
  for (const auto& part : content.as_array()) {
    if (str_of(member(part, "type")) != "text") return false;
    out += str_of(member(part, "text"));
  }
  return true;
}

// Text of an Anthropic content value (string, or blocks); only text blocks are read.
std::string anthropic_text(const json::value& content) {
  if (content.is_string()) return std::string(content.as_string());
  std::string out;
  if (content.is_array())
    for (const auto& b : content.as_array())
      if (str_of(member(b, "type")) == "text") out += str_of(member(b, "text"));
  return out;
}

// "data:image/png;base64,AAAA" -> media type and data; false when not a base64 data URL.
bool split_data_url(std::string_view url, std::string& media_type, std::string& data) {
  if (!url.starts_with("data:")) return false;
  std::size_t semi = url.find(";base64,");
  if (semi == std::string_view::npos) return false;
  media_type = std::string(url.substr(5, semi - 5));
  data = std::string(url.substr(semi + 8));
  return true;
}

void copy_if(const json::object& from, std::string_view key, json::object& to,
             std::string_view as = {}) {
  if (const auto* v = from.if_contains(key); v && !v->is_null()) to[as.empty() ? key : as] = *v;
}

}  // namespace

// ---------------------------------------------------------------- errors

std::string_view error_type_for_status(int status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 503:
    case 529:
      return "overloaded_error";
    case 504:
      return "timeout_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string error_body(std::string_view type, std::string_view message) {
  json::object o{{"type", "error"}, {"error", json::object{{"type", type}, {"message", message}}}};
  return json::serialize(o);
}

std::string error_event(std::string_view type, std::string_view message) {
  return "event: error\ndata: " + error_body(type, message) + "\n\n";
}

std::string to_anthropic_error(unsigned status, std::string body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  const int st = static_cast<int>(status);
  if (!ec && v.is_object()) {
    if (str_of(member(v, "type")) == "error") return body;  // already Anthropic's
    if (const auto* e = member(v, "error"); e && e->is_object())
      return error_body(error_type_for_status(st), str_of(member(*e, "message")));
  }
  std::string message = body.empty() ? fmt::format("HTTP {}", status) : body.substr(0, 2048);
  return error_body(error_type_for_status(st), message);
}

std::string to_openai_error(unsigned status, std::string body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || str_of(member(v, "type")) != "error") return body;
  const json::value* e = member(v, "error");
  if (!e) return body;
  std::string_view type = str_of(member(*e, "type"));
  std::string_view openai_type = status >= 500 ? "server_error" : "invalid_request_error";
  if (status == 429) openai_type = "rate_limit_exceeded";
  if (status == 401) openai_type = "authentication_error";
  return openai_error_body(str_of(member(*e, "message")), openai_type, {}, type);
}

// ---------------------------------------------------------------- finish reasons

std::string_view finish_reason_from_stop(std::string_view s) {
  if (s == "max_tokens" || s == "model_context_window_exceeded") return "length";
  if (s == "tool_use") return "tool_calls";
  if (s == "refusal") return "content_filter";
  return "stop";  // end_turn, stop_sequence, pause_turn
}

std::string_view stop_reason_from_finish(std::string_view f) {
  if (f == "length") return "max_tokens";
  if (f == "tool_calls" || f == "function_call") return "tool_use";
  if (f == "content_filter") return "refusal";
  return "end_turn";
}

// ---------------------------------------------------------------- usage

ReportedUsage usage_from_json(const json::value& usage) {
  ReportedUsage u;
  if (!usage.is_object()) return u;
  u.present = true;
  u.input_excludes_cached = true;
  u.prompt_tokens = token_count(member(usage, "input_tokens"));
  u.completion_tokens = token_count(member(usage, "output_tokens"));
  u.cached_tokens = token_count(member(usage, "cache_read_input_tokens"));
  u.cache_write_tokens = token_count(member(usage, "cache_creation_input_tokens"));
  return u;
}

ReportedUsage usage_from_body(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return {};
  const json::value* usage = member(v, "usage");
  return usage ? usage_from_json(*usage) : ReportedUsage{};
}

namespace {
// Input split into (uncached, cache read, cache write), whichever semantics `u` has.
struct InputSplit {
  long long uncached = 0, cache_read = 0, cache_write = 0;
};
InputSplit split_input(const ReportedUsage& u) {
  if (u.input_excludes_cached) return {u.prompt_tokens, u.cached_tokens, u.cache_write_tokens};
  return {std::max(0LL, u.prompt_tokens - u.cached_tokens), u.cached_tokens, 0};
}
}  // namespace

json::object usage_for_anthropic_client(const ReportedUsage& u) {
  InputSplit s = split_input(u);
  return json::object{{"input_tokens", s.uncached},
                      {"cache_creation_input_tokens", s.cache_write},
                      {"cache_read_input_tokens", s.cache_read},
                      {"output_tokens", u.completion_tokens}};
}

json::object usage_for_openai_client(const ReportedUsage& u) {
  InputSplit s = split_input(u);
  const long long prompt = s.uncached + s.cache_read + s.cache_write;
  return json::object{
      {"prompt_tokens", prompt},
      {"completion_tokens", u.completion_tokens},
      {"total_tokens", prompt + u.completion_tokens},
      {"prompt_tokens_details", json::object{{"cached_tokens", s.cache_read}}},
      {"completion_tokens_details", json::object{{"reasoning_tokens", u.reasoning_tokens}}}};
}

// ---------------------------------------------------------------- requests

namespace {

// One Anthropic user-message block -> OpenAI content part; error for blocks with no OpenAI
// equivalent.
Result<json::value> user_part(const json::value& block, std::string_view field) {
  std::string_view type = str_of(member(block, "type"));
  if (type == "text")
    return json::value(json::object{{"type", "text"}, {"text", str_of(member(block, "text"))}});
  if (type == "image") {
    const json::value* src = member(block, "source");
    std::string_view kind = src ? str_of(member(*src, "type")) : std::string_view{};
    std::string url;
    if (kind == "base64")
      url = fmt::format("data:{};base64,{}", str_of(member(*src, "media_type")),
                        str_of(member(*src, "data")));
    else if (kind == "url")
      url = std::string(str_of(member(*src, "url")));
    else
      return unsupported(field, "image sources other than base64 and url are not translated");
    return json::value(
        json::object{{"type", "image_url"}, {"image_url", json::object{{"url", url}}}});
  }
  return unsupported(field, fmt::format("content blocks of type \"{}\" are not translated to "
                                        "OpenAI-compatible upstreams",
                                        type));
}

}  // namespace

Result<std::string> messages_to_chat_request(const json::object& req, const ChatTarget& target) {
  for (std::string_view key :
       {"thinking", "mcp_servers", "container", "context_management", "diagnostics",
        "inference_geo", "speed", "user_profile_id", "workspace_id"})
    if (const auto* v = req.if_contains(key); v && !v->is_null())
      return unsupported(key, "is not translated to OpenAI-compatible upstreams");
  json::object out;
  out["model"] = target.model;
  json::array messages;
  if (const auto* sys = req.if_contains("system"); sys && !sys->is_null()) {
    if (!sys->is_string() && !sys->is_array())
      return unsupported("system", "must be a string or an array of text blocks");
    std::string text;
    if (sys->is_string()) {
      text = sys->as_string();
    } else {
      for (const auto& b : sys->as_array()) {
        if (str_of(member(b, "type")) != "text")
          return unsupported("system", "only text blocks are translated");
        if (!text.empty()) text += "\n\n";
        text += str_of(member(b, "text"));
      }
    }
    messages.push_back(json::object{{"role", "system"}, {"content", text}});
  }
  const json::value* msgs = req.if_contains("messages");
  if (!msgs || !msgs->is_array()) return unsupported("messages", "must be an array");
  for (std::size_t i = 0; i < msgs->as_array().size(); ++i) {
    const json::value& m = msgs->as_array()[i];
    const std::string field = fmt::format("messages[{}]", i);
    std::string_view role = str_of(member(m, "role"));
    const json::value* content = member(m, "content");
    if (role != "user" && role != "assistant")
      return unsupported(field + ".role", "must be user or assistant");
    if (!content || (!content->is_string() && !content->is_array()))
      return unsupported(field + ".content", "must be a string or an array of blocks");
    if (content->is_string()) {
      messages.push_back(json::object{{"role", role}, {"content", content->as_string()}});
      continue;
    }
    const json::array& blocks = content->as_array();
    if (role == "assistant") {
      std::string text;
      json::array calls;
      for (std::size_t j = 0; j < blocks.size(); ++j) {
        const json::value& b = blocks[j];
        std::string_view type = str_of(member(b, "type"));
        if (type == "text") {
          text += str_of(member(b, "text"));
        } else if (type == "tool_use") {
          const json::value* input = member(b, "input");
          calls.push_back(json::object{
              {"id", str_of(member(b, "id"))},
              {"type", "function"},
              {"function",
               json::object{{"name", str_of(member(b, "name"))},
                            {"arguments", input ? json::serialize(*input) : std::string("{}")}}}});
        } else if (type == "thinking" || type == "redacted_thinking") {
          // Earlier turns' reasoning: an OpenAI upstream has no field for it; the answer does
          // not depend on it being sent back.
        } else {
          return unsupported(
              fmt::format("{}.content[{}]", field, j),
              fmt::format("assistant blocks of type \"{}\" are not translated", type));
        }
      }
      json::object msg{
          {"role", "assistant"},
          {"content", text.empty() && !calls.empty() ? json::value(nullptr) : json::value(text)}};
      if (!calls.empty()) msg["tool_calls"] = std::move(calls);
      messages.push_back(std::move(msg));
      continue;
    }
    // User blocks: tool results become `tool` messages, which OpenAI wants right after the
    // assistant's tool calls, so they go first; the rest stays one user message.
    json::array parts;
    for (std::size_t j = 0; j < blocks.size(); ++j) {
      const json::value& b = blocks[j];
      const std::string bfield = fmt::format("{}.content[{}]", field, j);
      if (str_of(member(b, "type")) == "tool_result") {
        std::string text;
        if (const json::value* c = member(b, "content")) {
          if (c->is_array())
            for (const auto& cb : c->as_array())
              if (std::string_view t = str_of(member(cb, "type")); t != "text")
                return unsupported(bfield, fmt::format("tool_result content of type \"{}\" is "
                                                       "not translated (text only)",
                                                       t));
          text = anthropic_text(*c);
        }
        if (const json::value* err = member(b, "is_error"); err && err->is_bool() && err->as_bool())
          text = "Error: " + text;
        messages.push_back(json::object{{"role", "tool"},
                                        {"tool_call_id", str_of(member(b, "tool_use_id"))},
                                        {"content", text}});
        continue;
      }
      auto part = user_part(b, bfield);
      if (!part) return part.error();
      parts.push_back(std::move(*part));
    }
    if (parts.size() == 1 && str_of(member(parts[0], "type")) == "text")
      messages.push_back(
          json::object{{"role", "user"}, {"content", parts[0].as_object().at("text")}});
    else if (!parts.empty())
      messages.push_back(json::object{{"role", "user"}, {"content", std::move(parts)}});
  }
  out["messages"] = std::move(messages);

  if (const auto* mt = req.if_contains("max_tokens"); mt && !mt->is_null())
    out[target.openai_native ? "max_completion_tokens" : "max_tokens"] = *mt;
  copy_if(req, "stop_sequences", out, "stop");
  copy_if(req, "temperature", out);
  copy_if(req, "top_p", out);
  if (const auto* tk = req.if_contains("top_k"); tk && !tk->is_null()) {
    if (target.openai_native) return unsupported("top_k", "OpenAI's API has no top_k");
    out["top_k"] = *tk;
  }
  if (const auto* md = req.if_contains("metadata"); md && md->is_object())
    copy_if(md->as_object(), "user_id", out, "user");
  if (const auto* st = req.if_contains("service_tier"); st && st->is_string())
    out["service_tier"] = st->as_string() == "standard_only" ? "default" : "auto";

  bool any_tools = false;
  if (const auto* tools = req.if_contains("tools"); tools && tools->is_array()) {
    json::array out_tools;
    for (std::size_t i = 0; i < tools->as_array().size(); ++i) {
      const json::value& t = tools->as_array()[i];
      std::string_view type = str_of(member(t, "type"));
      if (!type.empty() && type != "custom")
        return unsupported(
            fmt::format("tools[{}]", i),
            fmt::format("server tool \"{}\" is not translated (custom tools only)", type));
      json::object fn{{"name", str_of(member(t, "name"))}};
      if (const auto* d = member(t, "description")) fn["description"] = *d;
      const json::value* schema = member(t, "input_schema");
      fn["parameters"] = schema ? *schema : json::value(json::object{{"type", "object"}});
      out_tools.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
    }
    any_tools = !out_tools.empty();
    if (any_tools) out["tools"] = std::move(out_tools);
  }
  if (const auto* tc = req.if_contains("tool_choice"); tc && tc->is_object()) {
    std::string_view type = str_of(member(*tc, "type"));
    if (type == "auto")
      out["tool_choice"] = "auto";
    else if (type == "any")
      out["tool_choice"] = "required";
    else if (type == "none")
      out["tool_choice"] = "none";
    else if (type == "tool")
      out["tool_choice"] = json::object{
          {"type", "function"}, {"function", json::object{{"name", str_of(member(*tc, "name"))}}}};
    else
      return unsupported("tool_choice.type", "must be auto, any, tool or none");
    if (const auto* dp = member(*tc, "disable_parallel_tool_use");
        any_tools && dp && dp->is_bool() && dp->as_bool())
      out["parallel_tool_calls"] = false;
  }
  // Structured output: Anthropic's output_config.format -> OpenAI's response_format.
  if (const auto* oc = req.if_contains("output_config"); oc && !oc->is_null()) {
    if (!oc->is_object()) return unsupported("output_config", "must be an object");
    for (const auto& [key, v] : oc->as_object()) {
      if (key == "format") {
        if (v.is_null()) continue;
        if (str_of(member(v, "type")) != "json_schema")
          return unsupported("output_config.format.type", "must be json_schema");
        const json::value* schema = member(v, "schema");
        if (!schema || !schema->is_object())
          return unsupported("output_config.format.schema", "must be a JSON schema object");
        out["response_format"] =
            json::object{{"type", "json_schema"},
                         {"json_schema",
                          json::object{{"name", "output"}, {"schema", *schema}, {"strict", true}}}};
      } else if (key == "effort") {
        if (v.is_string()) out["reasoning_effort"] = v;
      } else {
        return unsupported(fmt::format("output_config.{}", std::string_view(key)),
                           "is not translated to OpenAI-compatible upstreams");
      }
    }
  }
  if (const auto* s = req.if_contains("stream"); s && s->is_bool() && s->as_bool()) {
    out["stream"] = true;
    // Usage arrives only when asked for: it feeds the Anthropic client's message_delta.
    out["stream_options"] = json::object{{"include_usage", true}};
  }
  return json::serialize(out);
}

namespace {

// OpenAI user content -> Anthropic blocks (a string stays a string).
Result<json::value> user_content(const json::value& content, const std::string& field) {
  if (content.is_string()) return json::value(content.as_string());
  if (!content.is_array()) return unsupported(field, "must be a string or an array of parts");
  json::array blocks;
  for (std::size_t j = 0; j < content.as_array().size(); ++j) {
    const json::value& p = content.as_array()[j];
    std::string_view type = str_of(member(p, "type"));
    if (type == "text") {
      blocks.push_back(json::object{{"type", "text"}, {"text", str_of(member(p, "text"))}});
    } else if (type == "image_url") {
      const json::value* iu = member(p, "image_url");
      std::string_view url =
          iu ? (iu->is_string() ? str_of(iu) : str_of(member(*iu, "url"))) : std::string_view{};
      std::string media_type, data;
      if (split_data_url(url, media_type, data))
        blocks.push_back(json::object{
            {"type", "image"},
            {"source",
             json::object{{"type", "base64"}, {"media_type", media_type}, {"data", data}}}});
      else
        blocks.push_back(json::object{{"type", "image"},
                                      {"source", json::object{{"type", "url"}, {"url", url}}}});
    } else {
      return unsupported(fmt::format("{}[{}]", field, j),
                         fmt::format("content parts of type \"{}\" are not translated to "
                                     "Anthropic",
                                     type));
    }
  }
  return json::value(std::move(blocks));
}

// Appends a message, merging it into the previous one when the role repeats (tool results
// and the next user turn are one Anthropic user message).
void push_merged(json::array& messages, std::string_view role, json::value content) {
  auto as_blocks = [](json::value c) -> json::array {
    if (c.is_array()) return std::move(c.as_array());
    json::array a;
    if (c.is_string() && !c.as_string().empty())
      a.push_back(json::object{{"type", "text"}, {"text", c.as_string()}});
    return a;
  };
  if (!messages.empty() && str_of(member(messages.back(), "role")) == role) {
    json::object& prev = messages.back().as_object();
    json::array merged = as_blocks(std::move(prev["content"]));
    for (auto& b : as_blocks(std::move(content))) merged.push_back(std::move(b));
    prev["content"] = std::move(merged);
    return;
  }
  messages.push_back(json::object{{"role", role}, {"content", std::move(content)}});
}

}  // namespace

Result<std::string> chat_to_messages_request(const json::object& req, std::string_view model) {
  if (const auto* n = req.if_contains("n"); n && n->is_number() && n->to_number<double>() != 1)
    return unsupported("n", "Anthropic's Messages API returns one choice; n must be 1");
  json::value output_format = nullptr;
  if (const auto* rf = req.if_contains("response_format"); rf && rf->is_object()) {
    const std::string_view type = str_of(member(*rf, "type"));
    if (type == "json_schema") {
      // OpenAI's response_format json_schema -> Anthropic's output_config.format.
      const json::value* js = member(*rf, "json_schema");
      const json::value* schema = js ? member(*js, "schema") : nullptr;
      if (!schema || !schema->is_object())
        return unsupported("response_format.json_schema.schema", "must be a JSON schema object");
      output_format = json::object{{"type", "json_schema"}, {"schema", *schema}};
    } else if (type != "text") {
      return unsupported("response_format",
                         "json_object mode has no Anthropic equivalent; use json_schema (sent "
                         "as output_config.format) or describe the format in the prompt");
    }
  }
  for (std::string_view key :
       {"audio", "modalities", "prediction", "web_search_options", "functions", "function_call",
        "moderation", "verbosity", "prompt_cache_key", "prompt_cache_retention",
        "prompt_cache_options", "top_logprobs"})
    if (const auto* v = req.if_contains(key); v && !v->is_null())
      return unsupported(key, key == "functions" || key == "function_call"
                                  ? "the deprecated functions API is not translated; use tools"
                              : key.starts_with("prompt_cache")
                                  ? "OpenAI's prompt-cache settings have no Anthropic equivalent "
                                    "(Anthropic caches at cache_control markers)"
                                  : "has no Anthropic equivalent");
  if (const auto* lp = req.if_contains("logprobs"); lp && lp->is_bool() && lp->as_bool())
    return unsupported("logprobs", "Anthropic does not return log probabilities");
  // Sampling knobs Anthropic lacks: their neutral value is accepted, any other is refused.
  for (std::string_view key : {"presence_penalty", "frequency_penalty"})
    if (const auto* v = req.if_contains(key); v && v->is_number() && v->to_number<double>() != 0)
      return unsupported(key, "Anthropic has no penalties; leave it out or 0");
  if (const auto* v = req.if_contains("logit_bias"); v && v->is_object() && !v->as_object().empty())
    return unsupported("logit_bias", "Anthropic has no logit bias");
  if (const auto* v = req.if_contains("seed"); v && !v->is_null())
    return unsupported("seed", "Anthropic has no seeded sampling");
  if (const auto* v = req.if_contains("service_tier");
      v && v->is_string() && v->as_string() != "auto" && v->as_string() != "default")
    return unsupported("service_tier", "Anthropic's tiers are auto and standard_only");
  if (const auto* v = req.if_contains("reasoning_effort"); v && v->is_string()) {
    const std::string_view e = v->as_string();
    if (e != "low" && e != "medium" && e != "high")
      return unsupported("reasoning_effort", "Anthropic's effort levels are low, medium and high");
  }

  json::object out;
  out["model"] = model;
  std::string system;
  json::array messages;
  const json::value* msgs = req.if_contains("messages");
  if (!msgs || !msgs->is_array()) return unsupported("messages", "must be an array");
  for (std::size_t i = 0; i < msgs->as_array().size(); ++i) {
    const json::value& m = msgs->as_array()[i];
    const std::string field = fmt::format("messages[{}]", i);
    std::string_view role = str_of(member(m, "role"));
    const json::value* content = member(m, "content");
    if (role == "system" || role == "developer") {
      std::string text;
      if (!content || !openai_text(*content, text))
        return unsupported(field + ".content", "system messages must be text");
      if (!system.empty()) system += "\n\n";
      system += text;
    } else if (role == "user") {
      if (!content) return unsupported(field + ".content", "is required");
      auto c = user_content(*content, field + ".content");
      if (!c) return c.error();
      push_merged(messages, "user", std::move(*c));
    } else if (role == "assistant") {
      json::array blocks;
      std::string text;
      if (content && !openai_text(*content, text))
        return unsupported(field + ".content", "assistant content must be text");
      if (!text.empty()) blocks.push_back(json::object{{"type", "text"}, {"text", text}});
      if (const auto* calls = member(m, "tool_calls"); calls && calls->is_array())
        for (std::size_t j = 0; j < calls->as_array().size(); ++j) {
          const json::value& call = calls->as_array()[j];
          const json::value* fn = member(call, "function");
          std::string_view args = fn ? str_of(member(*fn, "arguments")) : std::string_view{};
          boost::system::error_code ec;
          json::value input = args.empty() ? json::value(json::object{}) : json::parse(args, ec);
          if (ec || !input.is_object())
            return unsupported(fmt::format("{}.tool_calls[{}].function.arguments", field, j),
                               "must be a JSON object (Anthropic's tool_use input)");
          blocks.push_back(json::object{{"type", "tool_use"},
                                        {"id", str_of(member(call, "id"))},
                                        {"name", fn ? str_of(member(*fn, "name")) : ""},
                                        {"input", std::move(input)}});
        }
      if (blocks.empty()) continue;  // Anthropic refuses empty assistant turns
      push_merged(messages, "assistant", std::move(blocks));
    } else if (role == "tool") {
      std::string text;
      if (content && !openai_text(*content, text))
        return unsupported(field + ".content", "tool results must be text");
      json::array block{json::object{{"type", "tool_result"},
                                     {"tool_use_id", str_of(member(m, "tool_call_id"))},
                                     {"content", text}}};
      push_merged(messages, "user", std::move(block));
    } else {
      return unsupported(field + ".role",
                         fmt::format("role \"{}\" is not translated to Anthropic", role));
    }
  }
  if (!system.empty()) out["system"] = system;
  out["messages"] = std::move(messages);

  long long max_tokens = kDefaultMaxTokens;
  for (const char* key : {"max_tokens", "max_completion_tokens"})
    if (const auto* v = req.if_contains(key); v && v->is_number())
      max_tokens = static_cast<long long>(v->to_number<double>());
  out["max_tokens"] = max_tokens;
  if (const auto* stop = req.if_contains("stop"); stop && !stop->is_null())
    out["stop_sequences"] = stop->is_string() ? json::value(json::array{*stop}) : *stop;
  copy_if(req, "temperature", out);
  copy_if(req, "top_p", out);
  if (const auto* user = req.if_contains("user"); user && user->is_string())
    out["metadata"] = json::object{{"user_id", *user}};

  bool any_tools = false;
  if (const auto* tools = req.if_contains("tools"); tools && tools->is_array()) {
    json::array out_tools;
    for (std::size_t i = 0; i < tools->as_array().size(); ++i) {
      const json::value& t = tools->as_array()[i];
      const json::value* fn = member(t, "function");
      if (str_of(member(t, "type")) != "function" || !fn)
        return unsupported(fmt::format("tools[{}]", i), "only function tools are translated");
      json::object tool{{"name", str_of(member(*fn, "name"))}};
      if (const auto* d = member(*fn, "description")) tool["description"] = *d;
      const json::value* params = member(*fn, "parameters");
      tool["input_schema"] = params ? *params : json::value(json::object{{"type", "object"}});
      out_tools.push_back(std::move(tool));
    }
    any_tools = !out_tools.empty();
    if (any_tools) out["tools"] = std::move(out_tools);
  }
  json::object choice;
  if (const auto* tc = req.if_contains("tool_choice"); tc && !tc->is_null()) {
    std::string_view s = str_of(tc);
    if (s == "auto")
      choice["type"] = "auto";
    else if (s == "none")
      choice["type"] = "none";
    else if (s == "required")
      choice["type"] = "any";
    else if (const json::value* fn = member(*tc, "function");
             str_of(member(*tc, "type")) == "function" && fn)
      choice = json::object{{"type", "tool"}, {"name", str_of(member(*fn, "name"))}};
    else
      return unsupported("tool_choice", "must be auto, none, required or a function");
  }
  if (const auto* ptc = req.if_contains("parallel_tool_calls");
      any_tools && ptc && ptc->is_bool() && !ptc->as_bool()) {
    if (choice.empty()) choice["type"] = "auto";
    choice["disable_parallel_tool_use"] = true;
  }
  if (any_tools && !choice.empty()) out["tool_choice"] = std::move(choice);
  if (!output_format.is_null())
    out["output_config"] = json::object{{"format", std::move(output_format)}};
  if (const auto* re = req.if_contains("reasoning_effort"); re && re->is_string()) {
    json::value& oc = out["output_config"];
    if (!oc.is_object()) oc = json::object{};
    oc.as_object()["effort"] = *re;
  }
  if (const auto* st = req.if_contains("service_tier"); st && st->is_string())
    out["service_tier"] = st->as_string() == "default" ? "standard_only" : "auto";
  if (!out.contains("metadata"))
    if (const auto* sid = req.if_contains("safety_identifier"); sid && sid->is_string())
      out["metadata"] = json::object{{"user_id", *sid}};
  if (const auto* s = req.if_contains("stream"); s && s->is_bool() && s->as_bool())
    out["stream"] = true;
  return json::serialize(out);
}

std::string passthrough_request(const json::object& req, std::string_view model) {
  json::object o = req;  // copy: the context stays as the client sent it
  o["model"] = model;
  return json::serialize(o);
}

// ---------------------------------------------------------------- whole responses

Result<std::string> chat_to_messages_response(std::string_view chat_body) {
  boost::system::error_code ec;
  json::value v = json::parse(chat_body, ec);
  if (ec || !v.is_object()) return Error{"the upstream's chat completion is not a JSON object"};
  const json::value* choices = member(v, "choices");
  if (!choices || !choices->is_array() || choices->as_array().empty())
    return Error{"the upstream's chat completion has no choices"};
  const json::value& choice = choices->as_array().front();
  const json::value* msg = member(choice, "message");
  json::array content;
  std::string text;
  if (msg && member(*msg, "content")) openai_text(*member(*msg, "content"), text);
  // A refusal is the model's answer too: Anthropic says so with stop_reason "refusal".
  std::string_view refusal = msg ? str_of(member(*msg, "refusal")) : std::string_view{};
  std::string_view stop_reason = stop_reason_from_finish(str_of(member(choice, "finish_reason")));
  if (!refusal.empty()) {
    if (text.empty()) text = refusal;
    stop_reason = "refusal";
  }
  if (!text.empty()) content.push_back(json::object{{"type", "text"}, {"text", text}});
  if (const json::value* calls = msg ? member(*msg, "tool_calls") : nullptr;
      calls && calls->is_array())
    for (const auto& call : calls->as_array()) {
      const json::value* fn = member(call, "function");
      std::string_view args = fn ? str_of(member(*fn, "arguments")) : std::string_view{};
      json::value input = args.empty() ? json::value(json::object{}) : json::parse(args, ec);
      if (ec || !input.is_object())
        return Error{"the upstream's tool call arguments are not a JSON object"};
      content.push_back(json::object{{"type", "tool_use"},
                                     {"id", str_of(member(call, "id"))},
                                     {"name", fn ? str_of(member(*fn, "name")) : ""},
                                     {"input", std::move(input)}});
    }
  std::string id(str_of(member(v, "id")));
  if (!id.starts_with("msg_")) id = "msg_" + id;
  ReportedUsage usage;
  if (const json::value* u = member(v, "usage")) usage = protocol::usage_from_json(*u);
  json::object out{{"id", id},
                   {"type", "message"},
                   {"role", "assistant"},
                   {"model", str_of(member(v, "model"))},
                   {"content", std::move(content)},
                   {"stop_reason", stop_reason},
                   {"stop_sequence", nullptr},
                   {"usage", usage_for_anthropic_client(usage)}};
  return json::serialize(out);
}

Result<std::string> messages_to_chat_response(std::string_view message_body, std::int64_t created) {
  boost::system::error_code ec;
  json::value v = json::parse(message_body, ec);
  if (ec || !v.is_object() || str_of(member(v, "type")) != "message")
    return Error{"the upstream's answer is not an Anthropic message"};
  std::string text;
  json::array calls;
  if (const json::value* content = member(v, "content"); content && content->is_array())
    for (const auto& b : content->as_array()) {
      std::string_view type = str_of(member(b, "type"));
      if (type == "text") {
        text += str_of(member(b, "text"));
      } else if (type == "tool_use") {
        const json::value* input = member(b, "input");
        calls.push_back(json::object{
            {"id", str_of(member(b, "id"))},
            {"type", "function"},
            {"function",
             json::object{{"name", str_of(member(b, "name"))},
                          {"arguments", input ? json::serialize(*input) : std::string("{}")}}}});
      }
      // thinking blocks have no place in an OpenAI chat message and are left out.
    }
  json::object message{
      {"role", "assistant"},
      {"content", text.empty() && !calls.empty() ? json::value(nullptr) : json::value(text)},
      {"refusal", nullptr}};
  if (!calls.empty()) message["tool_calls"] = std::move(calls);
  ReportedUsage usage;
  if (const json::value* u = member(v, "usage")) usage = usage_from_json(*u);
  json::object out{
      {"id", str_of(member(v, "id"))},
      {"object", "chat.completion"},
      {"created", created},
      {"model", str_of(member(v, "model"))},
      {"choices",
       json::array{json::object{
           {"index", 0},
           {"message", std::move(message)},
           {"logprobs", nullptr},
           {"finish_reason", finish_reason_from_stop(str_of(member(v, "stop_reason")))}}}},
      {"usage", usage_for_openai_client(usage)}};
  return json::serialize(out);
}

}  // namespace llmctl::protocol::anthropic
