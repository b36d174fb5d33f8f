#include "protocol/bedrock.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "protocol/anthropic.h"
#include "protocol/errors.h"
#include "protocol/json_access.h"

namespace llmctl::protocol::bedrock {

namespace json = boost::json;

namespace {

Error unsupported(std::string_view field, std::string_view why) {
  return Error{fmt::format("{}: {}", field, why)};
}

const json::object kCachePoint{{"cachePoint", json::object{{"type", "default"}}}};

bool has_cache_control(const json::value& block) {
  const json::value* cc = member(block, "cache_control");
  return cc && cc->is_object();
}

// image/png -> png (Converse's ImageBlock.format: png, jpeg, gif, webp).
Result<std::string> image_format(std::string_view media_type, const std::string& field) {
  for (std::string_view f : {"png", "jpeg", "gif", "webp"})
    if (media_type == fmt::format("image/{}", f)) return std::string(f);
  return unsupported(field, fmt::format("image type \"{}\" is not one of Bedrock's png, jpeg, "
                                        "gif, webp",
                                        media_type));
}

Result<json::object> image_block(const json::value& block, const std::string& field) {
  const json::value* src = member(block, "source");
  if (!src || str_of(member(*src, "type")) != "base64")
    return unsupported(field + ".source",
                       "Bedrock's Converse API takes image bytes only; send the image as base64 "
                       "data, not a URL");
  auto format = image_format(str_of(member(*src, "media_type")), field + ".source.media_type");
  if (!format) return format.error();
  return json::object{
      {"image", json::object{{"format", *format},
                             {"source", json::object{{"bytes", str_of(member(*src, "data"))}}}}}};
}

// Anthropic content (a string or blocks) -> Converse content blocks, appended to `out`.
Status content_blocks(const json::value& content, const std::string& field, json::array& out) {
  if (content.is_string()) {
    if (!content.as_string().empty()) out.push_back(json::object{{"text", content}});
    return {};
  }
  if (!content.is_array()) return unsupported(field, "must be a string or an array of blocks");
  for (std::size_t i = 0; i < content.as_array().size(); ++i) {
    const json::value& b = content.as_array()[i];
    const std::string f = fmt::format("{}[{}]", field, i);
    std::string_view type = str_of(member(b, "type"));
    if (type == "text") {
      out.push_back(json::object{{"text", str_of(member(b, "text"))}});
    } else if (type == "image") {
      auto img = image_block(b, f);
      if (!img) return img.error();
      out.push_back(std::move(*img));
    } else if (type == "tool_use") {
      const json::value* input = member(b, "input");
      out.push_back(json::object{
          {"toolUse", json::object{{"toolUseId", str_of(member(b, "id"))},
                                   {"name", str_of(member(b, "name"))},
                                   {"input", input ? *input : json::value(json::object{})}}}});
    } else if (type == "tool_result") {
      json::array result;
      const json::value* c = member(b, "content");
      if (c && c->is_string()) {
        result.push_back(json::object{{"text", *c}});
      } else if (c && c->is_array()) {
        for (std::size_t j = 0; j < c->as_array().size(); ++j) {
          const json::value& part = c->as_array()[j];
          const std::string pf = fmt::format("{}.content[{}]", f, j);
          std::string_view ptype = str_of(member(part, "type"));
          if (ptype == "text") {
            result.push_back(json::object{{"text", str_of(member(part, "text"))}});
          } else if (ptype == "image") {
            auto img = image_block(part, pf);
            if (!img) return img.error();
            result.push_back(std::move(*img));
          } else {
            return unsupported(pf, fmt::format("tool results of type \"{}\" are not translated "
                                               "to Bedrock",
                                               ptype));
          }
        }
      }
      json::object tr{{"toolUseId", str_of(member(b, "tool_use_id"))}, {"content", result}};
      if (const json::value* err = member(b, "is_error"); err && err->is_bool() && err->as_bool())
        tr["status"] = "error";
      out.push_back(json::object{{"toolResult", std::move(tr)}});
    } else if (type == "thinking") {
      out.push_back(json::object{
          {"reasoningContent",
           json::object{
               {"reasoningText", json::object{{"text", str_of(member(b, "thinking"))},
                                              {"signature", str_of(member(b, "signature"))}}}}}});
    } else if (type == "redacted_thinking") {
      out.push_back(json::object{
          {"reasoningContent", json::object{{"redactedContent", str_of(member(b, "data"))}}}});
    } else {
      return unsupported(f, fmt::format("content blocks of type \"{}\" are not translated to "
                                        "Bedrock's Converse API",
                                        type));
    }
    if (has_cache_control(b)) out.push_back(kCachePoint);
  }
  return {};
}

json::object usage_object(const ReportedUsage& u) {
  return json::object{{"input_tokens", u.prompt_tokens},
                      {"output_tokens", u.completion_tokens},
                      {"cache_read_input_tokens", u.cached_tokens},
                      {"cache_creation_input_tokens", u.cache_write_tokens}};
}

std::string sse(std::string_view type, const json::object& data) {
  return fmt::format("event: {}\ndata: {}\n\n", type, json::serialize(data));
}

std::string_view anthropic_error_type(std::string_view exception) {
  if (exception.starts_with("throttling")) return "rate_limit_error";
  if (exception.starts_with("validation")) return "invalid_request_error";
  if (exception.starts_with("serviceUnavailable")) return "overloaded_error";
  return "api_error";
}

}  // namespace

std::string converse_path(std::string_view model_id, bool stream) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string path = "/model/";
  for (unsigned char c : model_id) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      path += static_cast<char>(c);
    } else {
      path += '%';
      path += kDigits[c >> 4];
      path += kDigits[c & 15];
    }
  }
  path += stream ? "/converse-stream" : "/converse";
  return path;
}

Result<std::string> messages_to_converse_request(const json::object& req) {
  json::object out;
  // system: a string or text blocks (cache_control -> a cache point after the block).
  if (const json::value* sys = req.if_contains("system"); sys && !sys->is_null()) {
    json::array system;
    if (sys->is_string()) {
      if (!sys->as_string().empty()) system.push_back(json::object{{"text", *sys}});
    } else if (sys->is_array()) {
      for (std::size_t i = 0; i < sys->as_array().size(); ++i) {
        const json::value& b = sys->as_array()[i];
        if (str_of(member(b, "type")) != "text")
          return unsupported(fmt::format("system[{}]", i), "system blocks must be text");
        system.push_back(json::object{{"text", str_of(member(b, "text"))}});
        if (has_cache_control(b)) system.push_back(kCachePoint);
      }
    } else {
      return unsupported("system", "must be a string or an array of text blocks");
    }
    if (!system.empty()) out["system"] = std::move(system);
  }

  const json::value* msgs = req.if_contains("messages");
  if (!msgs || !msgs->is_array()) return unsupported("messages", "must be an array");
  json::array messages;
  for (std::size_t i = 0; i < msgs->as_array().size(); ++i) {
    const json::value& m = msgs->as_array()[i];
    const std::string field = fmt::format("messages[{}]", i);
    std::string_view role = str_of(member(m, "role"));
    if (role != "user" && role != "assistant")
      return unsupported(field + ".role", "must be user or assistant");
    const json::value* content = member(m, "content");
    if (!content) return unsupported(field + ".content", "is required");
    json::array blocks;
    if (Status s = content_blocks(*content, field + ".content", blocks); !s.ok()) return s.error();
    messages.push_back(json::object{{"role", role}, {"content", std::move(blocks)}});
  }
  out["messages"] = std::move(messages);

  json::object inference;
  if (const json::value* v = req.if_contains("max_tokens"); v && v->is_number())
    inference["maxTokens"] = v->to_number<long long>();
  if (const json::value* v = req.if_contains("temperature"); v && v->is_number())
    inference["temperature"] = *v;
  if (const json::value* v = req.if_contains("top_p"); v && v->is_number()) inference["topP"] = *v;
  if (const json::value* v = req.if_contains("stop_sequences"); v && v->is_array())
    inference["stopSequences"] = *v;
  if (!inference.empty()) out["inferenceConfig"] = std::move(inference);

  // Model-specific fields Converse passes to the model as they are (Anthropic's names).
  json::object extra;
  for (std::string_view key : {"top_k", "thinking"})
    if (const json::value* v = req.if_contains(key); v && !v->is_null()) extra[key] = *v;
  if (!extra.empty()) out["additionalModelRequestFields"] = std::move(extra);

  if (const json::value* tools = req.if_contains("tools");
      tools && tools->is_array() && !tools->as_array().empty()) {
    json::array specs;
    for (std::size_t i = 0; i < tools->as_array().size(); ++i) {
      const json::value& t = tools->as_array()[i];
      std::string_view type = str_of(member(t, "type"));
      if (!type.empty() && type != "custom")
        return unsupported(fmt::format("tools[{}].type", i),
                           fmt::format("server tools (\"{}\") are not available through "
                                       "Bedrock's Converse API",
                                       type));
      json::object spec{{"name", str_of(member(t, "name"))}};
      if (const json::value* d = member(t, "description"); d && d->is_string())
        spec["description"] = *d;
      const json::value* schema = member(t, "input_schema");
      spec["inputSchema"] =
          json::object{{"json", schema ? *schema : json::value(json::object{{"type", "object"}})}};
      specs.push_back(json::object{{"toolSpec", std::move(spec)}});
      if (has_cache_control(t)) specs.push_back(kCachePoint);
    }
    json::object config{{"tools", std::move(specs)}};
    if (const json::value* tc = req.if_contains("tool_choice"); tc && tc->is_object()) {
      std::string_view type = str_of(member(*tc, "type"));
      if (const json::value* d = member(*tc, "disable_parallel_tool_use");
          d && d->is_bool() && d->as_bool())
        return unsupported("tool_choice.disable_parallel_tool_use",
                           "Bedrock's Converse API has no switch for parallel tool calls");
      if (type == "auto")
        config["toolChoice"] = json::object{{"auto", json::object{}}};
      else if (type == "any")
        config["toolChoice"] = json::object{{"any", json::object{}}};
      else if (type == "tool")
        config["toolChoice"] =
            json::object{{"tool", json::object{{"name", str_of(member(*tc, "name"))}}}};
      else
        return unsupported(
            "tool_choice.type",
            fmt::format("\"{}\" has no Converse equivalent (auto, any or tool)", type));
    }
    out["toolConfig"] = std::move(config);
  }
  if (const json::value* md = req.if_contains("metadata"); md && md->is_object())
    if (std::string_view user = str_of(member(*md, "user_id")); !user.empty())
      out["requestMetadata"] = json::object{{"user_id", user}};
  return json::serialize(out);
}

std::string_view stop_reason_from_converse(std::string_view s) {
  if (s == "tool_use" || s == "max_tokens" || s == "stop_sequence" ||
      s == "model_context_window_exceeded")
    return s;
  if (s == "guardrail_intervened" || s == "content_filtered") return "refusal";
  return "end_turn";
}

ReportedUsage usage_from_json(const json::value& usage) {
  ReportedUsage u;
  if (!usage.is_object()) return u;
  u.present = true;
  u.input_excludes_cached = true;
  u.prompt_tokens = token_count(member(usage, "inputTokens"));
  u.completion_tokens = token_count(member(usage, "outputTokens"));
  u.cached_tokens = token_count(member(usage, "cacheReadInputTokens"));
  u.cache_write_tokens = token_count(member(usage, "cacheWriteInputTokens"));
  return u;
}

json::object anthropic_usage(const ReportedUsage& u) { return usage_object(u); }

Result<std::string> converse_to_messages_response(std::string_view body, std::string_view model,
                                                  std::string_view id) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return Error{"the Converse response is not a JSON object"};
  const json::value* output = member(v, "output");
  const json::value* message = output ? member(*output, "message") : nullptr;
  const json::value* content = message ? member(*message, "content") : nullptr;
  if (!content || !content->is_array())
    return Error{"the Converse response has no output.message.content array"};
  json::array blocks;
  for (const json::value& b : content->as_array()) {
    if (const json::value* t = member(b, "text")) {
      blocks.push_back(json::object{{"type", "text"}, {"text", str_of(t)}});
    } else if (const json::value* tu = member(b, "toolUse")) {
      const json::value* input = member(*tu, "input");
      blocks.push_back(json::object{{"type", "tool_use"},
                                    {"id", str_of(member(*tu, "toolUseId"))},
                                    {"name", str_of(member(*tu, "name"))},
                                    {"input", input ? *input : json::value(json::object{})}});
    } else if (const json::value* rc = member(b, "reasoningContent")) {
      if (const json::value* rt = member(*rc, "reasoningText"))
        blocks.push_back(json::object{{"type", "thinking"},
                                      {"thinking", str_of(member(*rt, "text"))},
                                      {"signature", str_of(member(*rt, "signature"))}});
      else if (const json::value* red = member(*rc, "redactedContent"))
        blocks.push_back(json::object{{"type", "redacted_thinking"}, {"data", str_of(red)}});
    }
    // Other blocks (citations, guard content) have no Anthropic counterpart in a response.
  }
  const json::value* usage = member(v, "usage");
  const ReportedUsage u = usage ? usage_from_json(*usage) : ReportedUsage{};
  json::object out{{"id", id},
                   {"type", "message"},
                   {"role", "assistant"},
                   {"model", model},
                   {"content", std::move(blocks)},
                   {"stop_reason", stop_reason_from_converse(str_of(member(v, "stopReason")))},
                   {"stop_sequence", nullptr},
                   {"usage", usage_object(u)}};
  return json::serialize(out);
}

std::string error_to_openai(unsigned status, std::string_view body, std::string_view error_type) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  std::string message;
  if (!ec) {
    message = str_of(member(v, "message"));
    if (message.empty()) message = str_of(member(v, "Message"));
  }
  if (message.empty())
    message = body.empty() ? fmt::format("HTTP {}", status) : std::string(body.substr(0, 2048));
  std::string_view type = status >= 500 ? "server_error" : "invalid_request_error";
  if (status == 429) type = "rate_limit_exceeded";
  if (status == 401 || status == 403) type = "authentication_error";
  return openai_error_body(message, type, {}, error_type.substr(0, error_type.find(':')));
}

ConverseStep converse_event_to_anthropic(ConverseStreamState& st, std::string_view event_type,
                                         std::string_view payload, std::string& out) {
  ConverseStep step;
  if (st.ended) return step;
  boost::system::error_code ec;
  json::value d = json::parse(payload, ec);
  if (ec) d = json::object{};
  if (event_type.starts_with("exception:")) {
    std::string_view exception = event_type.substr(10);
    std::string message(str_of(member(d, "message")));
    if (message.empty()) message = fmt::format("Bedrock sent {}", exception);
    out += anthropic::error_event(anthropic_error_type(exception), message);
    st.ended = st.error = true;
    return step;
  }
  auto start = [&] {
    if (st.started) return;
    st.started = true;
    out +=
        sse("message_start",
            json::object{{"type", "message_start"},
                         {"message", json::object{{"id", st.id},
                                                  {"type", "message"},
                                                  {"role", "assistant"},
                                                  {"model", st.model},
                                                  {"content", json::array{}},
                                                  {"stop_reason", nullptr},
                                                  {"stop_sequence", nullptr},
                                                  {"usage", json::object{{"input_tokens", 0},
                                                                         {"output_tokens", 0}}}}}});
  };
  auto index_of = [&] {
    const json::value* i = member(d, "contentBlockIndex");
    return i && i->is_int64() ? i->as_int64() : 0;
  };
  auto open_block = [&](std::int64_t index, std::string_view kind, json::object block) {
    st.open[index] = std::string(kind);
    out += sse("content_block_start", json::object{{"type", "content_block_start"},
                                                   {"index", index},
                                                   {"content_block", std::move(block)}});
  };
  auto delta = [&](std::int64_t index, json::object delta) {
    out += sse("content_block_delta",
               json::object{
                   {"type", "content_block_delta"}, {"index", index}, {"delta", std::move(delta)}});
  };

  if (event_type == "messageStart") {
    start();
  } else if (event_type == "contentBlockStart") {
    start();
    const json::value* s = member(d, "start");
    if (const json::value* tu = s ? member(*s, "toolUse") : nullptr) {
      open_block(index_of(), "tool_use",
                 json::object{{"type", "tool_use"},
                              {"id", str_of(member(*tu, "toolUseId"))},
                              {"name", str_of(member(*tu, "name"))},
                              {"input", json::object{}}});
      step.output = true;
    }
  } else if (event_type == "contentBlockDelta") {
    start();
    const std::int64_t index = index_of();
    const json::value* dl = member(d, "delta");
    if (!dl) return step;
    // Converse starts text and reasoning blocks with their first delta.
    if (const json::value* t = member(*dl, "text")) {
      if (!st.open.contains(index))
        open_block(index, "text", json::object{{"type", "text"}, {"text", ""}});
      std::string_view text = str_of(t);
      delta(index, json::object{{"type", "text_delta"}, {"text", text}});
      step.output = !text.empty();
      step.output_chars = text.size();
    } else if (const json::value* tu = member(*dl, "toolUse")) {
      std::string_view part = str_of(member(*tu, "input"));
      delta(index, json::object{{"type", "input_json_delta"}, {"partial_json", part}});
      step.output = true;
      step.output_chars = part.size();
    } else if (const json::value* rc = member(*dl, "reasoningContent")) {
      if (!st.open.contains(index))
        open_block(index, "thinking",
                   json::object{{"type", "thinking"}, {"thinking", ""}, {"signature", ""}});
      if (const json::value* t = member(*rc, "text")) {
        delta(index, json::object{{"type", "thinking_delta"}, {"thinking", str_of(t)}});
        step.output = true;
        step.output_chars = str_of(t).size();
      } else if (const json::value* sig = member(*rc, "signature")) {
        delta(index, json::object{{"type", "signature_delta"}, {"signature", str_of(sig)}});
      }
    }
  } else if (event_type == "contentBlockStop") {
    const std::int64_t index = index_of();
    if (st.open.contains(index))
      out +=
          sse("content_block_stop", json::object{{"type", "content_block_stop"}, {"index", index}});
  } else if (event_type == "messageStop") {
    start();
    st.stop_reason = std::string(stop_reason_from_converse(str_of(member(d, "stopReason"))));
  } else if (event_type == "metadata") {
    // The last event: usage arrives here, after messageStop.
    start();
    if (const json::value* u = member(d, "usage")) st.usage = usage_from_json(*u);
    out += sse("message_delta", json::object{{"type", "message_delta"},
                                             {"delta", json::object{{"stop_reason", st.stop_reason},
                                                                    {"stop_sequence", nullptr}}},
                                             {"usage", usage_object(st.usage)}});
    out += sse("message_stop", json::object{{"type", "message_stop"}});
    st.ended = true;
  }
  return step;
}

}  // namespace llmctl::protocol::bedrock
