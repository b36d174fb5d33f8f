#include "protocol/gemini.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <map>

#include "protocol/anthropic.h"
#include "protocol/errors.h"
#include "protocol/json_access.h"

namespace llmctl::protocol::gemini {

namespace json = boost::json;

namespace {

Error unsupported(std::string_view field, std::string_view why) {
  return Error{fmt::format("{}: {}", field, why)};
}

std::string sse(std::string_view type, const json::object& data) {
  return fmt::format("event: {}\ndata: {}\n\n", type, json::serialize(data));
}

std::string tool_id(std::int64_t n, std::string_view name) {
  return fmt::format("toolu_gm_{}_{}", n, name);
}

// Anthropic image block -> inlineData part.
Result<json::object> image_part(const json::value& block, const std::string& field) {
  const json::value* src = member(block, "source");
  if (!src || str_of(member(*src, "type")) != "base64")
    return unsupported(field + ".source",
                       "the Gemini API takes inline image data here; send base64, not a URL");
  return json::object{{"inlineData", json::object{{"mimeType", str_of(member(*src, "media_type"))},
                                                  {"data", str_of(member(*src, "data"))}}}};
}

json::object usage_object(const ReportedUsage& u) {
  // Anthropic's view: input excludes the cached part; output includes thinking.
  return json::object{{"input_tokens", u.prompt_tokens - u.cached_tokens},
                      {"output_tokens", u.completion_tokens},
                      {"cache_read_input_tokens", u.cached_tokens},
                      {"cache_creation_input_tokens", 0}};
}

}  // namespace

std::string generate_path(std::string_view model, bool stream) {
  return fmt::format("/models/{}:{}", model,
                     stream ? "streamGenerateContent?alt=sse" : "generateContent");
}

Result<std::string> messages_to_gemini_request(const json::object& req) {
  json::object out;
  if (const json::value* sys = req.if_contains("system"); sys && !sys->is_null()) {
    json::array parts;
    if (sys->is_string()) {
      if (!sys->as_string().empty()) parts.push_back(json::object{{"text", *sys}});
    } else if (sys->is_array()) {
      for (std::size_t i = 0; i < sys->as_array().size(); ++i) {
        const json::value& b = sys->as_array()[i];
        if (str_of(member(b, "type")) != "text")
          return unsupported(fmt::format("system[{}]", i), "system blocks must be text");
        parts.push_back(json::object{{"text", str_of(member(b, "text"))}});
      }
    }
    if (!parts.empty()) out["systemInstruction"] = json::object{{"parts", std::move(parts)}};
  }

  const json::value* msgs = req.if_contains("messages");
  if (!msgs || !msgs->is_array()) return unsupported("messages", "must be an array");
  std::map<std::string, std::string, std::less<>> names;  // tool_use id -> function name
  json::array contents;
  for (std::size_t i = 0; i < msgs->as_array().size(); ++i) {
    const json::value& m = msgs->as_array()[i];
    const std::string field = fmt::format("messages[{}]", i);
    std::string_view role = str_of(member(m, "role"));
    if (role != "user" && role != "assistant")
      return unsupported(field + ".role", "must be user or assistant");
    const json::value* content = member(m, "content");
    if (!content) return unsupported(field + ".content", "is required");
    json::array parts;
    if (content->is_string()) {
      parts.push_back(json::object{{"text", *content}});
    } else if (content->is_array()) {
      for (std::size_t j = 0; j < content->as_array().size(); ++j) {
        const json::value& b = content->as_array()[j];
        const std::string f = fmt::format("{}.content[{}]", field, j);
        std::string_view type = str_of(member(b, "type"));
        if (type == "text") {
          parts.push_back(json::object{{"text", str_of(member(b, "text"))}});
        } else if (type == "image") {
          auto p = image_part(b, f);
          if (!p) return p.error();
          parts.push_back(std::move(*p));
        } else if (type == "tool_use") {
          std::string name(str_of(member(b, "name")));
          names[std::string(str_of(member(b, "id")))] = name;
          const json::value* input = member(b, "input");
          parts.push_back(
              json::object{{"functionCall",
                            json::object{{"name", name},
                                         {"args", input ? *input : json::value(json::object{})}}}});
        } else if (type == "tool_result") {
          std::string_view id = str_of(member(b, "tool_use_id"));
          auto it = names.find(id);
          if (it == names.end())
            return unsupported(f + ".tool_use_id",
                               fmt::format("\"{}\" answers no earlier tool_use in this request "
                                           "(Gemini needs the function's name)",
                                           id));
          std::string text;
          const json::value* c = member(b, "content");
          if (c && c->is_string()) {
            text = c->as_string();
          } else if (c && c->is_array()) {
            for (const json::value& part : c->as_array()) {
              if (str_of(member(part, "type")) != "text")
                return unsupported(f + ".content", "Gemini tool results are text here");
              text += str_of(member(part, "text"));
            }
          }
          const json::value* err = member(b, "is_error");
          const bool is_error = err && err->is_bool() && err->as_bool();
          parts.push_back(json::object{
              {"functionResponse",
               json::object{{"name", it->second},
                            {"response", json::object{{is_error ? "error" : "output", text}}}}}});
        } else if (type == "thinking" || type == "redacted_thinking") {
          // Earlier turns' thinking is the other model family's; Gemini keeps its own.
        } else {
          return unsupported(f, fmt::format("content blocks of type \"{}\" are not translated to "
                                            "the Gemini API",
                                            type));
        }
      }
    } else {
      return unsupported(field + ".content", "must be a string or an array of blocks");
    }
    if (parts.empty()) continue;
    contents.push_back(
        json::object{{"role", role == "user" ? "user" : "model"}, {"parts", std::move(parts)}});
  }
  out["contents"] = std::move(contents);

  json::object gen;
  if (const json::value* v = req.if_contains("max_tokens"); v && v->is_number())
    gen["maxOutputTokens"] = v->to_number<long long>();
  if (const json::value* v = req.if_contains("temperature"); v && v->is_number())
    gen["temperature"] = *v;
  if (const json::value* v = req.if_contains("top_p"); v && v->is_number()) gen["topP"] = *v;
  if (const json::value* v = req.if_contains("top_k"); v && v->is_number()) gen["topK"] = *v;
  if (const json::value* v = req.if_contains("stop_sequences"); v && v->is_array())
    gen["stopSequences"] = *v;
  if (const json::value* t = req.if_contains("thinking"); t && t->is_object()) {
    if (str_of(member(*t, "type")) == "enabled")
      if (const json::value* b = member(*t, "budget_tokens"); b && b->is_number())
        gen["thinkingConfig"] =
            json::object{{"thinkingBudget", b->to_number<long long>()}, {"includeThoughts", true}};
  }
  if (!gen.empty()) out["generationConfig"] = std::move(gen);

  if (const json::value* tools = req.if_contains("tools");
      tools && tools->is_array() && !tools->as_array().empty()) {
    json::array decls;
    for (std::size_t i = 0; i < tools->as_array().size(); ++i) {
      const json::value& t = tools->as_array()[i];
      std::string_view type = str_of(member(t, "type"));
      if (!type.empty() && type != "custom")
        return unsupported(fmt::format("tools[{}].type", i),
                           fmt::format("server tools (\"{}\") are not translated to Gemini", type));
      json::object d{{"name", str_of(member(t, "name"))}};
      if (const json::value* desc = member(t, "description"); desc && desc->is_string())
        d["description"] = *desc;
      if (const json::value* schema = member(t, "input_schema"))
        d["parametersJsonSchema"] = *schema;
      decls.push_back(std::move(d));
    }
    out["tools"] = json::array{json::object{{"functionDeclarations", std::move(decls)}}};
    if (const json::value* tc = req.if_contains("tool_choice"); tc && tc->is_object()) {
      std::string_view type = str_of(member(*tc, "type"));
      json::object fc;
      if (type == "auto")
        fc["mode"] = "AUTO";
      else if (type == "any")
        fc["mode"] = "ANY";
      else if (type == "none")
        fc["mode"] = "NONE";
      else if (type == "tool")
        fc = json::object{{"mode", "ANY"},
                          {"allowedFunctionNames", json::array{str_of(member(*tc, "name"))}}};
      else
        return unsupported("tool_choice.type",
                           fmt::format("\"{}\" has no Gemini equivalent", type));
      out["toolConfig"] = json::object{{"functionCallingConfig", std::move(fc)}};
    }
  }
  return json::serialize(out);
}

std::string_view stop_reason_from_gemini(std::string_view f, bool called_tools) {
  if (called_tools) return "tool_use";
  if (f == "MAX_TOKENS") return "max_tokens";
  if (f == "SAFETY" || f == "RECITATION" || f == "BLOCKLIST" || f == "PROHIBITED_CONTENT" ||
      f == "SPII" || f == "IMAGE_SAFETY")
    return "refusal";
  return "end_turn";
}

ReportedUsage usage_from_json(const json::value& u) {
  ReportedUsage r;
  if (!u.is_object()) return r;
  r.present = true;
  r.prompt_tokens = token_count(member(u, "promptTokenCount"));
  r.cached_tokens = token_count(member(u, "cachedContentTokenCount"));
  r.reasoning_tokens = token_count(member(u, "thoughtsTokenCount"));
  r.completion_tokens = token_count(member(u, "candidatesTokenCount")) + r.reasoning_tokens;
  return r;
}

Result<std::string> gemini_to_messages_response(std::string_view body, std::string_view model,
                                                std::string_view id) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return Error{"the Gemini response is not a JSON object"};
  const json::value* cands = member(v, "candidates");
  if (!cands || !cands->is_array() || cands->as_array().empty())
    return Error{"the Gemini response has no candidates (blocked prompt?)"};
  const json::value& cand = cands->as_array().front();
  json::array blocks;
  std::int64_t calls = 0;
  if (const json::value* content = member(cand, "content"))
    if (const json::value* parts = member(*content, "parts"); parts && parts->is_array())
      for (const json::value& p : parts->as_array()) {
        const json::value* thought = member(p, "thought");
        const bool is_thought = thought && thought->is_bool() && thought->as_bool();
        if (const json::value* fc = member(p, "functionCall")) {
          std::string_view name = str_of(member(*fc, "name"));
          const json::value* args = member(*fc, "args");
          blocks.push_back(json::object{{"type", "tool_use"},
                                        {"id", tool_id(calls++, name)},
                                        {"name", name},
                                        {"input", args ? *args : json::value(json::object{})}});
        } else if (const json::value* t = member(p, "text")) {
          if (is_thought)
            blocks.push_back(
                json::object{{"type", "thinking"}, {"thinking", str_of(t)}, {"signature", ""}});
          else
            blocks.push_back(json::object{{"type", "text"}, {"text", str_of(t)}});
        }
      }
  const json::value* um = member(v, "usageMetadata");
  const ReportedUsage u = um ? usage_from_json(*um) : ReportedUsage{};
  json::object out{
      {"id", id},
      {"type", "message"},
      {"role", "assistant"},
      {"model", model},
      {"content", std::move(blocks)},
      {"stop_reason", stop_reason_from_gemini(str_of(member(cand, "finishReason")), calls > 0)},
      {"stop_sequence", nullptr},
      {"usage", usage_object(u)}};
  return json::serialize(out);
}

std::string error_to_openai(unsigned status, std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  std::string message, code;
  if (!ec)
    if (const json::value* e = member(v, "error")) {
      message = str_of(member(*e, "message"));
      code = str_of(member(*e, "status"));
    }
  if (message.empty())
    message = body.empty() ? fmt::format("HTTP {}", status) : std::string(body.substr(0, 2048));
  std::string_view type = status >= 500 ? "server_error" : "invalid_request_error";
  if (status == 429) type = "rate_limit_exceeded";
  if (status == 401 || status == 403) type = "authentication_error";
  return openai_error_body(message, type, {}, code);
}

GeminiStep gemini_chunk_to_anthropic(GeminiStreamState& st, std::string_view data,
                                     std::string& out) {
  GeminiStep step;
  if (st.ended || data.empty()) return step;
  boost::system::error_code ec;
  json::value d = json::parse(data, ec);
  if (ec) return step;
  if (const json::value* e = member(d, "error")) {
    std::string_view status = str_of(member(*e, "status"));
    out += anthropic::error_event(status == "RESOURCE_EXHAUSTED" ? "rate_limit_error" : "api_error",
                                  str_of(member(*e, "message")));
    st.ended = st.error = true;
    return step;
  }
  if (!st.started) {
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
  }
  auto close = [&] {
    if (st.block < 0) return;
    out += sse("content_block_stop",
               json::object{{"type", "content_block_stop"}, {"index", st.block}});
    st.block = -1;
    st.open_kind.clear();
  };
  auto open = [&](std::string_view kind, json::object block) {
    close();
    st.block = st.next_block++;
    st.open_kind = kind;
    out += sse("content_block_start", json::object{{"type", "content_block_start"},
                                                   {"index", st.block},
                                                   {"content_block", std::move(block)}});
  };
  if (const json::value* um = member(d, "usageMetadata")) st.usage = usage_from_json(*um);
  const json::value* cands = member(d, "candidates");
  const json::value* cand = cands && cands->is_array() && !cands->as_array().empty()
                                ? &cands->as_array().front()
                                : nullptr;
  if (cand)
    if (const json::value* content = member(*cand, "content"))
      if (const json::value* parts = member(*content, "parts"); parts && parts->is_array())
        for (const json::value& p : parts->as_array()) {
          const json::value* thought = member(p, "thought");
          const bool is_thought = thought && thought->is_bool() && thought->as_bool();
          if (const json::value* fc = member(p, "functionCall")) {
            // Gemini sends a call whole: one tool_use block with its input in one delta.
            std::string_view name = str_of(member(*fc, "name"));
            open("tool_use", json::object{{"type", "tool_use"},
                                          {"id", tool_id(st.calls++, name)},
                                          {"name", name},
                                          {"input", json::object{}}});
            const json::value* args = member(*fc, "args");
            std::string input = json::serialize(args ? *args : json::value(json::object{}));
            out += sse("content_block_delta",
                       json::object{{"type", "content_block_delta"},
                                    {"index", st.block},
                                    {"delta", json::object{{"type", "input_json_delta"},
                                                           {"partial_json", input}}}});
            st.called_tools = true;
            step.output = true;
            step.output_chars += input.size();
            close();
          } else if (const json::value* t = member(p, "text")) {
            std::string_view text = str_of(t);
            if (text.empty()) continue;
            const std::string_view kind = is_thought ? "thinking" : "text";
            if (st.open_kind != kind)
              open(kind,
                   is_thought
                       ? json::object{{"type", "thinking"}, {"thinking", ""}, {"signature", ""}}
                       : json::object{{"type", "text"}, {"text", ""}});
            out +=
                sse("content_block_delta",
                    json::object{
                        {"type", "content_block_delta"},
                        {"index", st.block},
                        {"delta", is_thought
                                      ? json::object{{"type", "thinking_delta"}, {"thinking", text}}
                                      : json::object{{"type", "text_delta"}, {"text", text}}}});
            step.output = true;
            step.output_chars += text.size();
          }
        }
  if (std::string_view f = cand ? str_of(member(*cand, "finishReason")) : std::string_view{};
      !f.empty()) {
    close();
    out +=
        sse("message_delta",
            json::object{
                {"type", "message_delta"},
                {"delta", json::object{{"stop_reason", stop_reason_from_gemini(f, st.called_tools)},
                                       {"stop_sequence", nullptr}}},
                {"usage", usage_object(st.usage)}});
    out += sse("message_stop", json::object{{"type", "message_stop"}});
    st.ended = true;
  }
  return step;
}

}  // namespace llmctl::protocol::gemini
