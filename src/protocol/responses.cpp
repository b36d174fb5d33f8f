#include "protocol/responses.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <set>

#include "protocol/json_access.h"
#include "protocol/usage.h"

namespace llmctl::protocol::responses {

namespace json = boost::json;

namespace {

bool present(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && !v->is_null();
}

Error refused(std::string_view field, std::string_view why) {
  return Error{fmt::format("{}: {}", field, why)};
}

void copy_if(const json::object& from, std::string_view key, json::object& to,
             std::string_view as = {}) {
  if (const auto* v = from.if_contains(key); v && !v->is_null()) to[as.empty() ? key : as] = *v;
}

// One content part of a message item -> a chat content part. `where` names it in errors.
Result<json::object> chat_part(const json::value& part, const std::string& where) {
  const std::string_view type = str_of(member(part, "type"));
  if (type == "input_text" || type == "output_text" || type == "text")
    return json::object{{"type", "text"}, {"text", str_of(member(part, "text"))}};
  if (type == "refusal")
    return json::object{{"type", "text"}, {"text", str_of(member(part, "refusal"))}};
  if (type == "input_image") {
    const std::string_view url = str_of(member(part, "image_url"));
    if (url.empty())
      return refused(where + ".file_id",
                     "images by file id need OpenAI's Files API; send image_url (a URL or a "
                     "data: URL) instead");
    json::object image{{"url", url}};
    if (std::string_view detail = str_of(member(part, "detail")); !detail.empty())
      image["detail"] = detail;
    return json::object{{"type", "image_url"}, {"image_url", std::move(image)}};
  }
  return refused(where + ".type",
                 fmt::format("content parts of type \"{}\" cannot be sent to a chat-completions "
                             "deployment (text and images can)",
                             type));
}

// A message item's content -> chat content: a string for plain text, else parts.
Result<json::value> chat_content(const json::value& content, const std::string& where,
                                 bool text_only) {
  if (content.is_string()) return json::value(content.as_string());
  if (!content.is_array()) return refused(where, "must be a string or an array of content parts");
  json::array parts;
  bool all_text = true;
  std::string text;
  const json::array& in = content.as_array();
  for (std::size_t i = 0; i < in.size(); ++i) {
    auto p = chat_part(in[i], fmt::format("{}[{}]", where, i));
    if (!p) return p.error();
    if (str_of(p->if_contains("type")) == "text") {
      text += str_of(p->if_contains("text"));
    } else {
      if (text_only)
        return refused(fmt::format("{}[{}].type", where, i),
                       "only text can be sent in this role to a chat-completions deployment");
      all_text = false;
    }
    parts.push_back(std::move(*p));
  }
  if (all_text) return json::value(std::move(text));
  return json::value(std::move(parts));
}

// function_call_output.output: a string, or content parts of which only text can be sent.
Result<std::string> tool_output(const json::value& output, const std::string& where) {
  if (output.is_string()) return std::string(output.as_string());
  if (!output.is_array()) return refused(where, "must be a string or an array of content parts");
  std::string text;
  const json::array& in = output.as_array();
  for (std::size_t i = 0; i < in.size(); ++i) {
    const std::string_view type = str_of(member(in[i], "type"));
    if (type != "input_text" && type != "output_text")
      return refused(fmt::format("{}[{}].type", where, i),
                     "a chat-completions tool message carries text only");
    text += str_of(member(in[i], "text"));
  }
  return text;
}

// Conversation items -> chat messages, appended to `messages`.
Status items_to_messages(const json::array& items, std::string_view field, bool openai_native,
                         json::array& messages) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    const json::value& item = items[i];
    const std::string where = fmt::format("{}[{}]", field, i);
    if (!item.is_object()) return refused(where, "must be an object");
    std::string_view type = str_of(member(item, "type"));
    if (type.empty() && member(item, "role")) type = "message";
    if (type == "message") {
      std::string_view role = str_of(member(item, "role"));
      const json::value* content = member(item, "content");
      if (!content) return refused(where + ".content", "is required");
      if (role == "developer" && !openai_native) role = "system";
      if (role != "user" && role != "assistant" && role != "system" && role != "developer")
        return refused(where + ".role", fmt::format("unknown role \"{}\"", role));
      auto c = chat_content(*content, where + ".content", role != "user");
      if (!c) return c.error();
      messages.push_back(json::object{{"role", role}, {"content", std::move(*c)}});
    } else if (type == "function_call") {
      json::object call{
          {"id", str_of(member(item, "call_id"))},
          {"type", "function"},
          {"function", json::object{{"name", str_of(member(item, "name"))},
                                    {"arguments", str_of(member(item, "arguments"))}}}};
      // Calls of one turn go in one assistant message, after its text when it had some.
      json::object* last = messages.empty() ? nullptr : messages.back().if_object();
      if (last && str_of(last->if_contains("role")) == "assistant") {
        json::value& calls = (*last)["tool_calls"];
        if (!calls.is_array()) calls = json::array{};
        calls.as_array().push_back(std::move(call));
      } else {
        messages.push_back(json::object{
            {"role", "assistant"}, {"content", nullptr}, {"tool_calls", json::array{call}}});
      }
    } else if (type == "function_call_output") {
      const json::value* output = member(item, "output");
      if (!output) return refused(where + ".output", "is required");
      auto text = tool_output(*output, where + ".output");
      if (!text) return text.error();
      messages.push_back(json::object{{"role", "tool"},
                                      {"tool_call_id", str_of(member(item, "call_id"))},
                                      {"content", std::move(*text)}});
    } else if (type == "reasoning") {
      // Earlier turns' reasoning: a chat-completions model takes none back (OpenAI's own chat
      // API drops it too), so leaving it out does not change the answer.
      continue;
    } else if (type == "item_reference") {
      return refused(where + ".type",
                     "item references need the item store of OpenAI's own API; send the item "
                     "itself, or previous_response_id");
    } else {
      return refused(where + ".type",
                     fmt::format("items of type \"{}\" belong to built-in tools that a "
                                 "chat-completions deployment cannot run",
                                 type));
    }
  }
  return {};
}

Result<json::array> chat_tools(const json::array& tools, std::string_view field,
                               const std::set<std::string>* allowed) {
  json::array out;
  for (std::size_t i = 0; i < tools.size(); ++i) {
    const json::value& t = tools[i];
    const std::string_view type = str_of(member(t, "type"));
    if (type != "function")
      return refused(fmt::format("{}[{}].type", field, i),
                     fmt::format("\"{}\" is a built-in tool that a chat-completions deployment "
                                 "cannot run; only function tools can be translated",
                                 type));
    const std::string_view name = str_of(member(t, "name"));
    if (allowed && !allowed->contains(std::string(name))) continue;
    json::object fn{{"name", name}};
    copy_if(t.as_object(), "description", fn);
    if (const json::value* p = member(t, "parameters"); p && !p->is_null())
      fn["parameters"] = *p;
    else
      fn["parameters"] = json::object{{"type", "object"}, {"properties", json::object{}}};
    copy_if(t.as_object(), "strict", fn);
    out.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
  }
  return out;
}

}  // namespace

std::string item_id(std::string_view prefix, std::string_view response_id, std::size_t index) {
  std::string_view rest = response_id;
  if (rest.starts_with("resp_")) rest.remove_prefix(5);
  return fmt::format("{}_{}_{}", prefix, rest, index);
}

Result<json::array> input_items(const json::object& request) {
  const json::value* input = request.if_contains("input");
  if (!input || input->is_null()) return json::array{};
  if (input->is_string())
    return json::array{
        json::object{{"type", "message"}, {"role", "user"}, {"content", input->as_string()}}};
  if (!input->is_array()) return refused("input", "must be a string or an array of items");
  return input->as_array();
}

Result<std::string> to_chat_request(const json::object& req, const json::array& history,
                                    const ChatTarget& target) {
  // Refused: what a chat-completions deployment cannot do, rather than a different answer.
  if (const auto* b = req.if_contains("background"); b && b->is_bool() && b->as_bool())
    return refused("background",
                   "background responses need OpenAI's own API; this deployment answers in the "
                   "request (stream it instead)");
  if (present(req, "conversation"))
    return refused("conversation",
                   "the Conversations API is not served by the gateway; use "
                   "previous_response_id, or send the whole input");
  if (present(req, "prompt"))
    return refused("prompt", "stored prompt templates live in OpenAI's own API");
  if (present(req, "max_tool_calls"))
    return refused("max_tool_calls", "a chat-completions deployment has no such limit");
  if (const auto* cm = req.if_contains("context_management");
      cm && cm->is_array() && !cm->as_array().empty())
    return refused("context_management", "server-side compaction is a feature of OpenAI's own API");
  if (const auto* inc = req.if_contains("include"); inc && inc->is_array()) {
    for (std::size_t i = 0; i < inc->as_array().size(); ++i) {
      const std::string_view what = str_of(&inc->as_array()[i]);
      // Encrypted reasoning: the translated response has none to include (its reasoning, when
      // the upstream reports it, is plain summary text).
      if (what == "message.output_text.logprobs" || what == "reasoning.encrypted_content") continue;
      return refused(fmt::format("include[{}]", i),
                     fmt::format("\"{}\" belongs to a built-in tool or to OpenAI's own API", what));
    }
  }

  json::object out;
  out["model"] = target.model;
  json::array messages;
  if (const std::string_view ins = str_of(req.if_contains("instructions")); !ins.empty())
    messages.push_back(
        json::object{{"role", target.openai_native ? "developer" : "system"}, {"content", ins}});
  if (Status s = items_to_messages(history, "previous_response_id", target.openai_native, messages);
      !s.ok())
    return s.error();
  auto items = input_items(req);
  if (!items) return items.error();
  if (Status s = items_to_messages(*items, "input", target.openai_native, messages); !s.ok())
    return s.error();
  if (messages.empty()) return refused("input", "is empty: there is nothing to answer");
  out["messages"] = std::move(messages);

  // Tools and the choice among them.
  std::set<std::string> allowed_names;
  const std::set<std::string>* allowed = nullptr;
  if (const json::value* tc = req.if_contains("tool_choice"); tc && !tc->is_null()) {
    if (tc->is_string()) {
      out["tool_choice"] = *tc;
    } else {
      const std::string_view type = str_of(member(*tc, "type"));
      if (type == "function") {
        out["tool_choice"] =
            json::object{{"type", "function"},
                         {"function", json::object{{"name", str_of(member(*tc, "name"))}}}};
      } else if (type == "allowed_tools") {
        // A subset of the tools, in the given mode: the chat request gets just that subset.
        const json::value* list = member(*tc, "tools");
        if (list && list->is_array())
          for (const auto& t : list->as_array())
            if (std::string_view n = str_of(member(t, "name")); !n.empty())
              allowed_names.emplace(n);
        allowed = &allowed_names;
        out["tool_choice"] = str_of(member(*tc, "mode")) == "required" ? "required" : "auto";
      } else {
        return refused("tool_choice.type",
                       fmt::format("\"{}\" names a built-in tool that a chat-completions "
                                   "deployment cannot run",
                                   type));
      }
    }
  }
  if (const json::value* tools = req.if_contains("tools"); tools && tools->is_array()) {
    auto t = chat_tools(tools->as_array(), "tools", allowed);
    if (!t) return t.error();
    if (!t->empty()) out["tools"] = std::move(*t);
  }

  // Structured output.
  if (const json::value* text = req.if_contains("text"); text && text->is_object()) {
    if (const json::value* f = member(*text, "format"); f && f->is_object()) {
      const std::string_view type = str_of(member(*f, "type"));
      if (type == "json_schema") {
        json::object js{{"name", str_of(member(*f, "name"))}};
        if (const json::value* s = member(*f, "schema")) js["schema"] = *s;
        copy_if(f->as_object(), "strict", js);
        copy_if(f->as_object(), "description", js);
        out["response_format"] = json::object{{"type", "json_schema"}, {"json_schema", js}};
      } else if (type == "json_object") {
        out["response_format"] = json::object{{"type", "json_object"}};
      } else if (type != "text" && !type.empty()) {
        return refused("text.format.type", fmt::format("unknown format \"{}\"", type));
      }
    }
    copy_if(text->as_object(), "verbosity", out);
  }

  // Sampling and limits.
  if (const json::value* m = req.if_contains("max_output_tokens"); m && !m->is_null())
    out[target.openai_native ? "max_completion_tokens" : "max_tokens"] = *m;
  copy_if(req, "temperature", out);
  copy_if(req, "top_p", out);
  copy_if(req, "parallel_tool_calls", out);
  if (const json::value* tl = req.if_contains("top_logprobs"); tl && !tl->is_null()) {
    out["logprobs"] = true;
    out["top_logprobs"] = *tl;
  }
  if (const auto* inc = req.if_contains("include"); inc && inc->is_array())
    for (const auto& v : inc->as_array())
      if (str_of(&v) == "message.output_text.logprobs") out["logprobs"] = true;
  if (const json::value* r = req.if_contains("reasoning"); r && r->is_object())
    if (const json::value* e = member(*r, "effort"); e && e->is_string())
      out["reasoning_effort"] = *e;
  copy_if(req, "user", out);
  copy_if(req, "safety_identifier", out);
  copy_if(req, "prompt_cache_key", out);
  copy_if(req, "prompt_cache_retention", out);
  copy_if(req, "service_tier", out);
  // Same name, same meaning in chat completions: the upstream decides.
  copy_if(req, "moderation", out);
  copy_if(req, "prompt_cache_options", out);
  if (const auto* s = req.if_contains("stream"); s && s->is_bool() && s->as_bool()) {
    out["stream"] = true;
    out["stream_options"] = json::object{{"include_usage", true}};
  }

  // Fields the SDK does not define (vLLM's top_k, repetition_penalty, ...) pass on as they are.
  static const std::set<std::string_view> kKnown = {"background",
                                                    "context_management",
                                                    "conversation",
                                                    "include",
                                                    "input",
                                                    "instructions",
                                                    "max_output_tokens",
                                                    "max_tool_calls",
                                                    "metadata",
                                                    "model",
                                                    "moderation",
                                                    "parallel_tool_calls",
                                                    "previous_response_id",
                                                    "prompt",
                                                    "prompt_cache_key",
                                                    "prompt_cache_options",
                                                    "prompt_cache_retention",
                                                    "reasoning",
                                                    "safety_identifier",
                                                    "service_tier",
                                                    "store",
                                                    "stream",
                                                    "stream_options",
                                                    "temperature",
                                                    "text",
                                                    "tool_choice",
                                                    "tools",
                                                    "top_logprobs",
                                                    "top_p",
                                                    "truncation",
                                                    "user"};
  for (const auto& [k, v] : req)
    if (!kKnown.contains(std::string_view(k)) && !out.contains(k)) out[k] = v;
  return json::serialize(out);
}

json::object usage_for_client(const ReportedUsage& u) {
  // Anthropic semantics exclude cache reads and writes from the input count; Responses'
  // input_tokens includes them.
  const long long input = u.input_excludes_cached
                              ? u.prompt_tokens + u.cached_tokens + u.cache_write_tokens
                              : u.prompt_tokens;
  return json::object{
      {"input_tokens", input},
      {"input_tokens_details", json::object{{"cached_tokens", u.cached_tokens}}},
      {"output_tokens", u.completion_tokens},
      {"output_tokens_details", json::object{{"reasoning_tokens", u.reasoning_tokens}}},
      {"total_tokens", input + u.completion_tokens}};
}

json::object response_object(const json::object& req, const ResponseMeta& meta,
                             std::string_view status, json::array output, json::value usage) {
  auto or_default = [&](std::string_view key, json::value dflt) -> json::value {
    const json::value* v = req.if_contains(key);
    return v && !v->is_null() ? *v : dflt;
  };
  json::object reasoning{{"effort", nullptr}, {"summary", nullptr}};
  if (const json::value* r = req.if_contains("reasoning"); r && r->is_object()) {
    if (const json::value* e = member(*r, "effort")) reasoning["effort"] = *e;
    if (const json::value* s = member(*r, "summary")) reasoning["summary"] = *s;
  }
  json::object text{{"format", json::object{{"type", "text"}}}};
  if (const json::value* t = req.if_contains("text"); t && t->is_object()) {
    text = t->as_object();
    if (!text.contains("format")) text["format"] = json::object{{"type", "text"}};
  }
  json::object r{{"id", meta.id},
                 {"object", "response"},
                 {"created_at", meta.created_at},
                 {"status", status},
                 {"background", false},
                 {"error", nullptr},
                 {"incomplete_details", nullptr},
                 {"instructions", or_default("instructions", nullptr)},
                 {"max_output_tokens", or_default("max_output_tokens", nullptr)},
                 {"max_tool_calls", nullptr},
                 {"model", meta.model},
                 {"output", std::move(output)},
                 {"parallel_tool_calls", or_default("parallel_tool_calls", true)},
                 {"previous_response_id", or_default("previous_response_id", nullptr)},
                 {"prompt_cache_key", or_default("prompt_cache_key", nullptr)},
                 {"reasoning", std::move(reasoning)},
                 {"safety_identifier", or_default("safety_identifier", nullptr)},
                 {"service_tier", or_default("service_tier", "default")},
                 {"store", or_default("store", true)},
                 {"temperature", or_default("temperature", 1.0)},
                 {"text", std::move(text)},
                 {"tool_choice", or_default("tool_choice", "auto")},
                 {"tools", or_default("tools", json::array{})},
                 {"top_logprobs", or_default("top_logprobs", 0)},
                 {"top_p", or_default("top_p", 1.0)},
                 {"truncation", or_default("truncation", "disabled")},
                 {"usage", std::move(usage)},
                 {"user", or_default("user", nullptr)},
                 {"metadata", or_default("metadata", json::object{})}};
  return r;
}

void set_status_from_finish(json::object& response, std::string_view finish) {
  if (finish == "length") {
    response["status"] = "incomplete";
    response["incomplete_details"] = json::object{{"reason", "max_output_tokens"}};
  } else if (finish == "content_filter") {
    response["status"] = "incomplete";
    response["incomplete_details"] = json::object{{"reason", "content_filter"}};
  } else {
    response["status"] = "completed";
  }
}

Result<std::string> chat_to_response(std::string_view chat_body, const json::object& req,
                                     const ResponseMeta& meta) {
  boost::system::error_code ec;
  json::value v = json::parse(chat_body, ec);
  if (ec || !v.is_object()) return Error{"the upstream's chat completion is not a JSON object"};
  const json::value* choices = member(v, "choices");
  if (!choices || !choices->is_array() || choices->as_array().empty())
    return Error{"the upstream's chat completion has no choices"};
  const json::value& choice = choices->as_array().front();
  const json::value* message = member(choice, "message");
  if (!message || !message->is_object())
    return Error{"the upstream's chat completion has no message"};

  json::array output;
  // Reasoning text (vLLM's and DeepSeek's reasoning_content, OpenRouter's reasoning) becomes a
  // reasoning item's summary.
  std::string_view reasoning = str_of(member(*message, "reasoning_content"));
  if (reasoning.empty()) reasoning = str_of(member(*message, "reasoning"));
  if (!reasoning.empty())
    output.push_back(json::object{
        {"type", "reasoning"},
        {"id", item_id("rs", meta.id, output.size())},
        {"summary", json::array{json::object{{"type", "summary_text"}, {"text", reasoning}}}}});
  const std::string_view text = str_of(member(*message, "content"));
  const std::string_view refusal = str_of(member(*message, "refusal"));
  if (!text.empty() || !refusal.empty()) {
    json::array content;
    if (!text.empty()) {
      json::value logprobs = json::array{};
      if (const json::value* lp = member(choice, "logprobs"))
        if (const json::value* c = member(*lp, "content"); c && c->is_array()) logprobs = *c;
      content.push_back(json::object{{"type", "output_text"},
                                     {"text", text},
                                     {"annotations", json::array{}},
                                     {"logprobs", std::move(logprobs)}});
    }
    if (!refusal.empty())
      content.push_back(json::object{{"type", "refusal"}, {"refusal", refusal}});
    output.push_back(json::object{{"type", "message"},
                                  {"id", item_id("msg", meta.id, output.size())},
                                  {"status", "completed"},
                                  {"role", "assistant"},
                                  {"content", std::move(content)}});
  }
  if (const json::value* calls = member(*message, "tool_calls"); calls && calls->is_array())
    for (const auto& call : calls->as_array()) {
      const json::value* fn = member(call, "function");
      output.push_back(
          json::object{{"type", "function_call"},
                       {"id", item_id("fc", meta.id, output.size())},
                       {"call_id", str_of(member(call, "id"))},
                       {"name", fn ? str_of(member(*fn, "name")) : std::string_view{}},
                       {"arguments", fn ? str_of(member(*fn, "arguments")) : std::string_view{}},
                       {"status", "completed"}});
    }
  json::value usage = nullptr;
  if (const json::value* u = member(v, "usage"); u && u->is_object())
    usage = usage_for_client(usage_from_json(*u));
  json::object r = response_object(req, meta, "completed", std::move(output), std::move(usage));
  set_status_from_finish(r, str_of(member(choice, "finish_reason")));
  return json::serialize(r);
}

}  // namespace llmctl::protocol::responses
