#include "gateway/translate.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <map>

#include "gateway/protocol.h"
#include "gateway/translate_responses.h"
#include "protocol/find.h"
#include "protocol/json_limits.h"

namespace llmctl::gateway {

namespace json = boost::json;

namespace {

std::string_view str_of(const json::value* v) {
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view{};
}

const json::value* member(const json::value& v, std::string_view key) {
  return v.is_object() ? v.as_object().if_contains(key) : nullptr;
}

// Overwrites the counters `usage` carries: Anthropic's message_delta usage holds cumulative
// totals, and leaves out the ones that do not apply.
void merge_anthropic_usage(ReportedUsage& u, const json::value& usage) {
  if (!usage.is_object()) return;
  const ReportedUsage in = anthropic::usage_from_json(usage);
  const json::object& o = usage.as_object();
  u.present = true;
  u.input_excludes_cached = true;
  if (o.contains("input_tokens")) u.prompt_tokens = in.prompt_tokens;
  if (o.contains("output_tokens")) u.completion_tokens = in.completion_tokens;
  if (o.contains("cache_read_input_tokens")) u.cached_tokens = in.cached_tokens;
  if (o.contains("cache_creation_input_tokens")) u.cache_write_tokens = in.cache_write_tokens;
}

json::value parse_data(const SseEvent& ev) {
  boost::system::error_code ec;
  json::value v = json::parse(ev.data, ec);
  if (ec) return nullptr;
  return v;
}

// The event type: the `event:` field, else the data's "type" (Anthropic sends both).
std::string event_type(const SseEvent& ev, const json::value& data) {
  if (!ev.event.empty()) return ev.event;
  return std::string(str_of(member(data, "type")));
}

std::string anthropic_event(std::string_view type, const json::object& data) {
  return fmt::format("event: {}\ndata: {}\n\n", type, json::serialize(data));
}

// The event's scan: the relay's (SseEvent::scan), else one made into `own` (a transform driven
// without the relay loop, as its tests do).
const protocol::EventScan& scan_of(const SseEvent& ev, protocol::EventScan& own) {
  return ev.scan ? *ev.scan : (own = protocol::scan_event(ev.data));
}

// --- Anthropic upstream -> Anthropic client: forwarded byte for byte, usage read on the way.
// --- OpenAI on both sides: events pass through byte for byte; only the chunk that carries
// usage is parsed, and the rest are scanned for output and errors.
class OpenAIRelay final : public StreamTransform {
 public:
  OpenAIRelay(bool client_wants_usage, std::string_view alias)
      : client_wants_usage_(client_wants_usage), alias_(alias) {}
  StreamStep on_event(const SseEvent& ev, std::string& out) override {
    StreamStep step;
    if (ev.data == "[DONE]") {
      ended_ = true;
      out.append(ev.raw);
      return step;
    }
    protocol::EventScan own;
    const protocol::EventScan& scan = scan_of(ev, own);
    if (auto u = protocol::usage_at(ev.data, scan.usage)) {
      usage_ = *u;
      // The gateway asked for usage; a client that did not gets no usage-only chunk.
      if (!client_wants_usage_ && chunk_is_usage_only(ev.data)) return step;
    }
    if (ev.data.starts_with("{\"error\"")) {
      step.upstream_error = true;
    } else if (scan.output.any) {
      step.output = true;
      step.output_chars = scan.output.chars;
    }
    const bool noise = !client_wants_usage_ && scan.usage != std::string_view::npos;
    const bool rename = !alias_.empty() && ev.data.find(alias_) == std::string_view::npos &&
                        ev.data.starts_with("{");
    if (noise || rename) {
      std::string data = ev.data;
      // The gateway asked for usage: the `"usage":null` that comes with every chunk then is
      // noise to a client that did not. (The text cannot occur inside a JSON string, where
      // quotes are escaped.)
      if (noise)
        for (std::string_view n :
             {",\"usage\":null", "\"usage\":null,", ", \"usage\": null", "\"usage\": null, "})
          for (std::size_t p; (p = data.find(n)) != std::string::npos;) data.erase(p, n.size());
      if (rename) replace_top_level_string(data, "model", alias_);
      out += "data: ";
      out += data;
      out += "\n\n";
      return step;
    }
    out.append(ev.raw);
    return step;
  }
  // Only [DONE] ends an OpenAI stream: an error event may be followed by more.
  bool ended() const override { return ended_; }
  const ReportedUsage& usage() const override { return usage_; }
  std::string interrupted(std::string_view message) const override {
    return sse_error_event(message, "upstream_stream_interrupted");
  }

 private:
  bool client_wants_usage_;
  std::string alias_;
  ReportedUsage usage_;
  bool ended_ = false;
};

class AnthropicRelay final : public StreamTransform {
 public:
  explicit AnthropicRelay(std::string_view alias) : alias_(alias) {}
  StreamStep on_event(const SseEvent& ev, std::string& out) override {
    StreamStep step;
    if (ev.event != "message_start") out.append(ev.raw);
    // Only the events that carry usage or end the stream are parsed.
    if (ev.event == "content_block_delta") {
      step.output = true;
      protocol::EventScan own;
      step.output_chars = scan_of(ev, own).output.chars;
    } else if (ev.event == "message_start") {
      json::value d = parse_data(ev);
      json::value* m = d.is_object() ? d.as_object().if_contains("message") : nullptr;
      if (m)
        if (const json::value* u = member(*m, "usage")) merge_anthropic_usage(usage_, *u);
      if (m && m->is_object() && !alias_.empty()) {
        // The model the client asked for (the upstream's is in the request log).
        m->as_object()["model"] = alias_;
        out += anthropic_event("message_start", d.as_object());
      } else {
        out.append(ev.raw);
      }
    } else if (ev.event == "message_delta") {
      json::value d = parse_data(ev);
      if (const json::value* u = member(d, "usage")) merge_anthropic_usage(usage_, *u);
    } else if (ev.event == "message_stop") {
      ended_ = true;
    } else if (ev.event == "error") {
      step.upstream_error = true;
      ended_ = true;
    }
    return step;
  }
  bool ended() const override { return ended_; }
  const ReportedUsage& usage() const override { return usage_; }
  std::string interrupted(std::string_view message) const override {
    return anthropic::error_event("api_error", message);
  }

 private:
  std::string alias_;
  ReportedUsage usage_;
  bool ended_ = false;
};

// --- OpenAI chat chunks upstream -> Anthropic events for the client.
class ChunksToAnthropicEvents final : public StreamTransform {
 public:
  ChunksToAnthropicEvents(std::string_view alias, long long input_estimate)
      : alias_(alias), input_estimate_(input_estimate) {}
  StreamStep on_event(const SseEvent& ev, std::string& out) override {
    StreamStep step;
    if (ended_ || ev.data.empty()) return step;  // keep-alive comments carry nothing to translate
    if (ev.data == "[DONE]") {
      finish(out);
      return step;
    }
    json::value d = parse_data(ev);
    if (const json::value* e = member(d, "error"); e && e->is_object()) {
      out += anthropic::error_event("api_error", str_of(member(*e, "message")));
      step.upstream_error = true;
      ended_ = true;
      return step;
    }
    start(d, out);
    if (const json::value* u = member(d, "usage"); u && u->is_object())
      usage_ = gateway::usage_from_json(*u);
    const json::value* choices = member(d, "choices");
    if (!choices || !choices->is_array() || choices->as_array().empty()) return step;
    const json::value& choice = choices->as_array().front();
    if (const json::value* delta = member(choice, "delta")) {
      std::string_view text = str_of(member(*delta, "content"));
      if (std::string_view refusal = str_of(member(*delta, "refusal")); !refusal.empty()) {
        // A refusal streams as text; the message ends with stop_reason "refusal".
        text = refusal;
        refused_ = true;
      }
      if (!text.empty()) {
        if (open_kind_ != "text")
          open_block(out, json::object{{"type", "text"}, {"text", ""}}, "text");
        out += anthropic_event(
            "content_block_delta",
            json::object{{"type", "content_block_delta"},
                         {"index", block_},
                         {"delta", json::object{{"type", "text_delta"}, {"text", text}}}});
        step.output = true;
        step.output_chars += text.size();
      }
      if (const json::value* calls = member(*delta, "tool_calls"); calls && calls->is_array())
        for (const auto& call : calls->as_array()) tool_delta(call, out, step);
    }
    if (std::string_view f = str_of(member(choice, "finish_reason")); !f.empty())
      stop_reason_ = refused_ ? "refusal" : std::string(anthropic::stop_reason_from_finish(f));
    return step;
  }
  bool ended() const override { return ended_; }
  const ReportedUsage& usage() const override { return usage_; }
  std::string interrupted(std::string_view message) const override {
    return anthropic::error_event("api_error", message);
  }

 private:
  void start(const json::value& chunk, std::string& out) {
    if (started_) return;
    started_ = true;
    std::string id(str_of(member(chunk, "id")));
    if (!id.starts_with("msg_")) id = "msg_" + id;
    // The best input count known now: the upstream's when its first chunk carries usage (vLLM's
    // continuous_usage_stats), else the gateway's own estimate; message_delta has the totals.
    long long input = input_estimate_;
    if (const json::value* u = member(chunk, "usage"); u && u->is_object()) {
      const ReportedUsage early = gateway::usage_from_json(*u);
      if (early.prompt_tokens > 0) input = early.prompt_tokens - early.cached_tokens;
    }
    out += anthropic_event(
        "message_start",
        json::object{
            {"type", "message_start"},
            {"message", json::object{{"id", id},
                                     {"type", "message"},
                                     {"role", "assistant"},
                                     {"model", alias_.empty() ? str_of(member(chunk, "model"))
                                                              : std::string_view(alias_)},
                                     {"content", json::array{}},
                                     {"stop_reason", nullptr},
                                     {"stop_sequence", nullptr},
                                     {"usage", json::object{{"input_tokens", input},
                                                            {"output_tokens", 0}}}}}});
  }
  void close_block(std::string& out) {
    if (open_kind_.empty()) return;
    out += anthropic_event("content_block_stop",
                           json::object{{"type", "content_block_stop"}, {"index", block_}});
    open_kind_.clear();
  }
  void open_block(std::string& out, json::object block, std::string_view kind) {
    close_block(out);
    block_ = next_block_++;
    open_kind_ = kind;
    out +=
        anthropic_event("content_block_start", json::object{{"type", "content_block_start"},
                                                            {"index", block_},
                                                            {"content_block", std::move(block)}});
  }
  void tool_delta(const json::value& call, std::string& out, StreamStep& step) {
    std::int64_t index = 0;
    if (const json::value* i = member(call, "index"); i && i->is_int64()) index = i->as_int64();
    const json::value* fn = member(call, "function");
    std::string_view name = fn ? str_of(member(*fn, "name")) : std::string_view{};
    if (!tool_blocks_.contains(index)) {
      // A new call: its own tool_use block (Anthropic blocks do not interleave).
      open_block(out,
                 json::object{{"type", "tool_use"},
                              {"id", str_of(member(call, "id"))},
                              {"name", name},
                              {"input", json::object{}}},
                 "tool_use");
      tool_blocks_[index] = block_;
      step.output = true;
    }
    std::string_view args = fn ? str_of(member(*fn, "arguments")) : std::string_view{};
    if (args.empty()) return;
    if (tool_blocks_[index] != block_ || open_kind_ != "tool_use") {
      // Arguments for a call whose block is closed cannot be placed in Anthropic's stream (its
      // blocks do not interleave): the client gets an error rather than a wrong tool input.
      out += anthropic::error_event(
          "api_error",
          "The upstream interleaved the arguments of parallel tool calls, which an Anthropic "
          "stream cannot carry; retry with tool_choice.disable_parallel_tool_use or without "
          "streaming.");
      step.upstream_error = true;
      ended_ = true;
      return;
    }
    out += anthropic_event("content_block_delta",
                           json::object{{"type", "content_block_delta"},
                                        {"index", block_},
                                        {"delta", json::object{{"type", "input_json_delta"},
                                                               {"partial_json", args}}}});
    step.output = true;
    step.output_chars += args.size();
  }
  void finish(std::string& out) {
    if (!started_) start(json::object{}, out);
    close_block(out);
    out += anthropic_event("message_delta",
                           json::object{{"type", "message_delta"},
                                        {"delta", json::object{{"stop_reason", stop_reason_},
                                                               {"stop_sequence", nullptr}}},
                                        {"usage", anthropic::usage_for_anthropic_client(usage_)}});
    out += anthropic_event("message_stop", json::object{{"type", "message_stop"}});
    ended_ = true;
  }

  std::string alias_;
  long long input_estimate_ = 0;
  ReportedUsage usage_;
  bool started_ = false, ended_ = false, refused_ = false;
  std::int64_t block_ = -1, next_block_ = 0;
  std::string open_kind_;  // "text", "tool_use", or empty when no block is open
  std::map<std::int64_t, std::int64_t> tool_blocks_;  // OpenAI tool-call index -> block index
  std::string stop_reason_ = "end_turn";
};

// --- Anthropic events upstream -> OpenAI chat chunks for the client.
class AnthropicEventsToChunks final : public StreamTransform {
 public:
  AnthropicEventsToChunks(bool client_wants_usage, std::int64_t created, std::string_view alias)
      : wants_usage_(client_wants_usage), created_(created), alias_(alias) {}

  StreamStep on_event(const SseEvent& ev, std::string& out) override {
    StreamStep step;
    if (ended_ || ev.data.empty()) return step;
    json::value d = parse_data(ev);
    const std::string type = event_type(ev, d);
    if (type == "message_start") {
      if (const json::value* m = member(d, "message")) {
        id_ = str_of(member(*m, "id"));
        model_ = alias_.empty() ? std::string(str_of(member(*m, "model"))) : alias_;
        if (const json::value* u = member(*m, "usage")) merge_anthropic_usage(usage_, *u);
      }
      chunk(out, json::object{{"role", "assistant"}, {"content", ""}}, nullptr);
    } else if (type == "content_block_start") {
      const json::value* block = member(d, "content_block");
      std::int64_t index = index_of(d);
      std::string_view btype = block ? str_of(member(*block, "type")) : std::string_view{};
      if (btype == "tool_use") {
        const std::int64_t k = next_tool_++;
        tools_[index] = k;
        chunk(out,
              json::object{{"tool_calls",
                            json::array{json::object{
                                {"index", k},
                                {"id", str_of(member(*block, "id"))},
                                {"type", "function"},
                                {"function", json::object{{"name", str_of(member(*block, "name"))},
                                                          {"arguments", ""}}}}}}},
              nullptr);
        step.output = true;
      } else if (btype == "text") {
        if (std::string_view t = str_of(member(*block, "text")); !t.empty()) text(out, t, step);
      }
    } else if (type == "content_block_delta") {
      const json::value* delta = member(d, "delta");
      std::string_view dtype = delta ? str_of(member(*delta, "type")) : std::string_view{};
      if (dtype == "text_delta") {
        text(out, str_of(member(*delta, "text")), step);
      } else if (dtype == "input_json_delta") {
        auto it = tools_.find(index_of(d));
        std::string_view part = str_of(member(*delta, "partial_json"));
        if (it != tools_.end() && !part.empty()) {
          chunk(out,
                json::object{{"tool_calls", json::array{json::object{
                                                {"index", it->second},
                                                {"function", json::object{{"arguments", part}}}}}}},
                nullptr);
          step.output = true;
          step.output_chars += part.size();
        }
      }
      // thinking_delta / signature_delta: OpenAI chat has no field for reasoning text.
    } else if (type == "message_delta") {
      if (const json::value* u = member(d, "usage")) merge_anthropic_usage(usage_, *u);
      const json::value* delta = member(d, "delta");
      std::string_view stop = delta ? str_of(member(*delta, "stop_reason")) : std::string_view{};
      chunk(out, json::object{}, json::value(anthropic::finish_reason_from_stop(stop)));
    } else if (type == "message_stop") {
      if (wants_usage_) {
        json::object c = base();
        c["choices"] = json::array{};
        c["usage"] = anthropic::usage_for_openai_client(usage_);
        out += "data: " + json::serialize(c) + "\n\n";
      }
      out += "data: [DONE]\n\n";
      ended_ = true;
    } else if (type == "error") {
      const json::value* e = member(d, "error");
      std::string_view etype = e ? str_of(member(*e, "type")) : std::string_view{};
      std::string_view message = e ? str_of(member(*e, "message")) : ev.data;
      out +=
          "data: " + openai_error_body(message, "server_error", {}, etype) + "\n\ndata: [DONE]\n\n";
      step.upstream_error = true;
      ended_ = true;
    }
    // ping and content_block_stop have no OpenAI counterpart.
    return step;
  }
  bool ended() const override { return ended_; }
  const ReportedUsage& usage() const override { return usage_; }
  std::string interrupted(std::string_view message) const override {
    return sse_error_event(message, "upstream_stream_interrupted");
  }

 private:
  static std::int64_t index_of(const json::value& d) {
    const json::value* i = member(d, "index");
    return i && i->is_int64() ? i->as_int64() : 0;
  }
  json::object base() const {
    return json::object{
        {"id", id_}, {"object", "chat.completion.chunk"}, {"created", created_}, {"model", model_}};
  }
  void chunk(std::string& out, json::object delta, json::value finish) {
    json::object c = base();
    c["choices"] = json::array{json::object{{"index", 0},
                                            {"delta", std::move(delta)},
                                            {"logprobs", nullptr},
                                            {"finish_reason", std::move(finish)}}};
    // With include_usage every chunk carries "usage": null until the usage-only one.
    if (wants_usage_) c["usage"] = nullptr;
    out += "data: " + json::serialize(c) + "\n\n";
  }
  void text(std::string& out, std::string_view t, StreamStep& step) {
    if (t.empty()) return;
    chunk(out, json::object{{"content", t}}, nullptr);
    step.output = true;
    step.output_chars += t.size();
  }

  bool wants_usage_;
  std::int64_t created_;
  std::string alias_;
  std::string id_, model_;
  ReportedUsage usage_;
  std::map<std::int64_t, std::int64_t> tools_;  // content block index -> OpenAI tool-call index
  std::int64_t next_tool_ = 0;
  bool ended_ = false;
};

std::string to_anthropic_filter(unsigned status, std::string body) {
  return anthropic::to_anthropic_error(status, std::move(body));
}
std::string to_openai_filter(unsigned status, std::string body) {
  return anthropic::to_openai_error(status, std::move(body));
}

}  // namespace

bool speaks_anthropic(ProviderKind kind) {
  return kind == ProviderKind::kAnthropic || kind == ProviderKind::kVertexAnthropic;
}

Translation translation_for(Endpoint client, ProviderKind upstream) {
  const bool anthropic_upstream = speaks_anthropic(upstream);
  if (client == Endpoint::kResponses) {
    if (anthropic_upstream) return Translation::kResponsesToMessages;
    // Only OpenAI's own API is sure to serve /v1/responses; every other OpenAI-compatible
    // server (vLLM, SGLang, TGI, the simulator) gets chat completions.
    return upstream == ProviderKind::kOpenAI ? Translation::kNone : Translation::kResponsesToChat;
  }
  if (client == Endpoint::kMessages)
    return anthropic_upstream ? Translation::kNone : Translation::kMessagesToChat;
  if (!anthropic_upstream) return Translation::kNone;
  return client == Endpoint::kChat ? Translation::kChatToMessages : Translation::kUnsupported;
}

std::string upstream_path(Endpoint client, ProviderKind upstream) {
  if (speaks_anthropic(upstream)) return "/v1/messages";
  if (client == Endpoint::kMessages) return std::string(endpoint_path(Endpoint::kChat));
  if (translation_for(client, upstream) == Translation::kResponsesToChat)
    return std::string(endpoint_path(Endpoint::kChat));
  return std::string(endpoint_path(client));
}

Result<std::string> translated_upstream_body(const RequestContext& ctx, const Deployment& d) {
  const json::object& body = ctx.body.as_object();
  auto where = [&](const Error& e) {
    return Error{fmt::format("{} (deployment {} speaks the {} API)", e.message, d.name,
                             speaks_anthropic(d.kind) ? "Anthropic Messages" : "OpenAI")};
  };
  switch (translation_for(ctx.endpoint, d.kind)) {
    case Translation::kResponsesToChat:
    case Translation::kResponsesToMessages: {
      auto r = responses_upstream_body(ctx, d);
      if (!r) return where(r.error());
      return r;
    }
    case Translation::kNone:
      if (ctx.endpoint == Endpoint::kResponses) return responses_upstream_body(ctx, d);
      if (speaks_anthropic(d.kind)) return anthropic::passthrough_request(body, d.model);
      return upstream_body(ctx, d);
    case Translation::kMessagesToChat: {
      auto r = anthropic::messages_to_chat_request(
          body, {.model = d.model,
                 .openai_native =
                     d.kind == ProviderKind::kOpenAI || d.kind == ProviderKind::kAzureOpenAI});
      if (!r) return where(r.error());
      return r;
    }
    case Translation::kChatToMessages: {
      auto r = anthropic::chat_to_messages_request(body, d.model);
      if (!r) return where(r.error());
      return r;
    }
    case Translation::kUnsupported:
      break;
  }
  return Error{fmt::format(
      "/v1/{} has no Anthropic equivalent; deployment {} speaks only the Anthropic Messages API",
      endpoint_name(ctx.endpoint), d.name)};
}

namespace {
// `text` parsed into `out` on its own arena; null when it is not JSON.
void parse_into(boost::json::value& out, std::string_view text) {
  boost::system::error_code ec;
  protocol::adopt(out, protocol::parse_request_json(text, ec, protocol::json_arena(text.size())));
  if (ec) out = nullptr;
}
}  // namespace

void parse_body(ClientResponse& r) { parse_into(r.parsed, r.body); }

ReportedUsage usage_of_passthrough(ProviderKind upstream, std::string_view body,
                                   boost::json::value* parsed) {
  if (!parsed)
    return speaks_anthropic(upstream) ? anthropic::usage_from_body(body)
                                      : gateway::usage_from_body(body);
  parse_into(*parsed, body);
  if (!parsed->is_object()) {
    *parsed = nullptr;
    return {};
  }
  const boost::json::value* u = parsed->as_object().if_contains("usage");
  if (!u) return {};
  return speaks_anthropic(upstream) ? anthropic::usage_from_json(*u) : gateway::usage_from_json(*u);
}

void rename_model(ClientResponse& r, std::string_view model) {
  if (!replace_top_level_string(r.body, "model", model)) return;
  if (r.parsed.is_object())
    if (boost::json::value* m = r.parsed.as_object().if_contains("model"); m && m->is_string())
      *m = boost::json::string_view(model.data(), model.size());
}

Result<ClientResponse> client_response(Endpoint client, ProviderKind upstream, std::string body,
                                       std::int64_t created, bool parse) {
  ClientResponse r;
  switch (translation_for(client, upstream)) {
    case Translation::kNone:
      r.usage = usage_of_passthrough(upstream, body, parse ? &r.parsed : nullptr);
      r.body = std::move(body);
      return r;
    case Translation::kMessagesToChat: {
      r.usage = gateway::usage_from_body(body);
      auto t = anthropic::chat_to_messages_response(body);
      if (!t) return t.error();
      r.body = std::move(*t);
      if (parse) parse_body(r);  // the translated text: a second parse
      return r;
    }
    case Translation::kChatToMessages: {
      r.usage = anthropic::usage_from_body(body);
      auto t = anthropic::messages_to_chat_response(body, created);
      if (!t) return t.error();
      r.body = std::move(*t);
      if (parse) parse_body(r);  // the translated text: a second parse
      return r;
    }
    case Translation::kUnsupported:
    case Translation::kResponsesToChat:
    case Translation::kResponsesToMessages:
      break;
  }
  return Error{"no translation for this endpoint"};
}

Result<ClientResponse> client_response(const RequestContext& ctx, ProviderKind upstream,
                                       std::string body, std::int64_t created, bool parse) {
  if (ctx.endpoint == Endpoint::kResponses)
    return responses_client_response(ctx, upstream, std::move(body), created, parse);
  auto r = client_response(ctx.endpoint, upstream, std::move(body), created, parse);
  // The model the client asked for (the upstream's is in the request log).
  if (r && !ctx.model.empty()) rename_model(*r, ctx.model);
  return r;
}

ErrorBodyFilter error_filter_for(Endpoint client) {
  if (client == Endpoint::kMessages) return &to_anthropic_filter;
  // Errors relayed from an anthropic deployment to a chat client.
  if (client == Endpoint::kChat || client == Endpoint::kResponses) return &to_openai_filter;
  return nullptr;
}

std::unique_ptr<StreamTransform> make_stream_transform(Endpoint client, ProviderKind upstream,
                                                       bool client_wants_usage,
                                                       std::int64_t created, std::string_view alias,
                                                       long long input_estimate) {
  switch (translation_for(client, upstream)) {
    case Translation::kNone:
      if (speaks_anthropic(upstream)) return std::make_unique<AnthropicRelay>(alias);
      return std::make_unique<OpenAIRelay>(client_wants_usage, alias);
    case Translation::kMessagesToChat:
      return std::make_unique<ChunksToAnthropicEvents>(alias, input_estimate);
    case Translation::kChatToMessages:
      return std::make_unique<AnthropicEventsToChunks>(client_wants_usage, created, alias);
    case Translation::kUnsupported:  // refused before the request was sent
    case Translation::kResponsesToChat:
    case Translation::kResponsesToMessages:
      break;
  }
  return std::make_unique<OpenAIRelay>(client_wants_usage, alias);
}

std::unique_ptr<StreamTransform> make_stream_transform(const RequestContext& ctx,
                                                       ProviderKind upstream,
                                                       std::int64_t created) {
  if (ctx.endpoint == Endpoint::kResponses)
    return make_responses_stream_transform(ctx, upstream, created);
  return make_stream_transform(ctx.endpoint, upstream, ctx.client_wants_usage, created, ctx.model,
                               estimate_tokens(ctx.prompt_chars));
}

std::unique_ptr<StreamTransform> make_anthropic_to_chat_transform(bool client_wants_usage,
                                                                  std::int64_t created,
                                                                  std::string_view alias) {
  return std::make_unique<AnthropicEventsToChunks>(client_wants_usage, created, alias);
}

}  // namespace llmctl::gateway
