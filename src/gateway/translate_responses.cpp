#include "gateway/translate_responses.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <map>
#include <vector>

#include "gateway/protocol.h"
#include "protocol/json_limits.h"
#include "protocol/responses.h"

namespace llmctl::gateway {

namespace json = boost::json;
namespace responses = protocol::responses;

namespace {

const json::value* member(const json::value& v, std::string_view key) {
  return v.is_object() ? v.as_object().if_contains(key) : nullptr;
}

std::string_view str_of(const json::value* v) {
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view{};
}

json::value parse_data(std::string_view data) {
  boost::system::error_code ec;
  json::value v = json::parse(data, ec);
  if (ec) return nullptr;
  return v;
}

std::string sse(std::string_view type, const json::object& data) {
  return fmt::format("event: {}\ndata: {}\n\n", type, json::serialize(data));
}

// --- OpenAI's own /v1/responses: events pass through byte for byte, except that the events
// carrying the whole response object (response.created, .in_progress, .completed, ...) name the
// model the client asked for, as every other answer does; the terminal event gives the usage and
// the final response.
class ResponsesRelay final : public StreamTransform {
 public:
  explicit ResponsesRelay(std::string_view alias) : alias_(alias) {}

  StreamStep on_event(const SseEvent& ev, std::string& out) override {
    StreamStep step;
    if (ev.data.empty()) {
      out.append(ev.raw);
      return step;
    }
    std::string_view type = ev.event;
    const bool delta = type.ends_with(".delta");
    const bool terminal = type == "response.completed" || type == "response.incomplete" ||
                          type == "response.failed" || type == "error" || type.empty();
    const bool carries_response =
        !delta && !alias_.empty() && ev.data.find("\"response\"") != std::string_view::npos;
    if (!delta && !terminal && !carries_response) {
      out.append(ev.raw);
      return step;
    }
    json::value d = parse_data(ev.data);
    if (carries_response && d.is_object()) {
      if (json::value* r = d.as_object().if_contains("response"); r && r->is_object()) {
        r->as_object()["model"] = alias_;
        out += sse(type.empty() ? str_of(member(d, "type")) : type, d.as_object());
      } else {
        out.append(ev.raw);
      }
    } else {
      out.append(ev.raw);
    }
    if (!delta && !terminal) return step;
    std::string t = ev.event.empty() ? std::string(str_of(member(d, "type"))) : ev.event;
    if (t.ends_with(".delta")) {
      step.output = true;
      step.output_chars = str_of(member(d, "delta")).size();
    } else if (t == "response.completed" || t == "response.incomplete" || t == "response.failed") {
      if (const json::value* r = member(d, "response"); r && r->is_object()) {
        final_ = r->as_object();
        if (const json::value* u = member(*r, "usage"); u && u->is_object())
          usage_ = usage_from_json(*u);
      }
      ended_ = true;
    } else if (t == "error") {
      step.upstream_error = true;
      ended_ = true;
    }
    return step;
  }
  bool ended() const override { return ended_; }
  const ReportedUsage& usage() const override { return usage_; }
  std::string interrupted(std::string_view message) const override {
    return responses_error_event("upstream_stream_interrupted", message, -1);
  }
  const json::object* final_response() const override { return final_.empty() ? nullptr : &final_; }

 private:
  std::string alias_;
  ReportedUsage usage_;
  json::object final_;
  bool ended_ = false;
};

// --- OpenAI chat chunks -> Responses semantic events. Items open as their first delta arrives:
// a reasoning summary (reasoning_content), a message (content, refusal), one function call per
// tool-call index. Reasoning and message items close when the next item opens (the order
// OpenAI streams them in); function calls close at the end, so a server that interleaves the
// arguments of parallel calls is carried faithfully (each event names its output_index).
class ChunksToResponseEvents final : public StreamTransform {
 public:
  ChunksToResponseEvents(const RequestContext& ctx, std::int64_t created)
      : request_(ctx.body.as_object()),
        id_(ctx.response_id),
        model_(ctx.model),
        created_(created) {}

  StreamStep on_event(const SseEvent& ev, std::string& out) override {
    StreamStep step;
    if (ended_ || ev.data.empty()) return step;
    if (ev.data == "[DONE]") {
      finish(out);
      return step;
    }
    json::value d = parse_data(ev.data);
    if (const json::value* e = member(d, "error"); e && e->is_object()) {
      start(out);
      std::string code(str_of(member(*e, "code")));
      if (code.empty()) code = "upstream_error";
      out += responses_error_event(code, str_of(member(*e, "message")), seq_++);
      step.upstream_error = true;
      ended_ = true;
      return step;
    }
    start(out);
    if (const json::value* u = member(d, "usage"); u && u->is_object())
      usage_ = usage_from_json(*u);
    const json::value* choices = member(d, "choices");
    if (!choices || !choices->is_array() || choices->as_array().empty()) return step;
    const json::value& choice = choices->as_array().front();
    if (const json::value* delta = member(choice, "delta")) {
      std::string_view reasoning = str_of(member(*delta, "reasoning_content"));
      if (reasoning.empty()) reasoning = str_of(member(*delta, "reasoning"));
      if (!reasoning.empty()) {
        reasoning_delta(reasoning, out);
        step.output = true;
        step.output_chars += reasoning.size();
      }
      if (std::string_view text = str_of(member(*delta, "content")); !text.empty()) {
        message_delta(text, false, out);
        step.output = true;
        step.output_chars += text.size();
      }
      if (std::string_view refusal = str_of(member(*delta, "refusal")); !refusal.empty()) {
        message_delta(refusal, true, out);
        step.output = true;
        step.output_chars += refusal.size();
      }
      if (const json::value* calls = member(*delta, "tool_calls"); calls && calls->is_array())
        for (const auto& call : calls->as_array()) tool_delta(call, out, step);
    }
    if (std::string_view f = str_of(member(choice, "finish_reason")); !f.empty()) finish_ = f;
    return step;
  }
  bool ended() const override { return ended_; }
  const ReportedUsage& usage() const override { return usage_; }
  std::string interrupted(std::string_view message) const override {
    return responses_error_event("upstream_stream_interrupted", message, seq_);
  }
  const json::object* final_response() const override { return final_.empty() ? nullptr : &final_; }

 private:
  struct Part {
    bool refusal = false;
    std::string text;
  };
  struct Item {
    std::string kind;  // reasoning | message | function_call
    std::string id;
    bool open = true;
    std::vector<Part> parts;  // message: output_text / refusal parts; reasoning: one summary
    std::string call_id, name, arguments;  // function_call
  };

  void emit(std::string_view type, json::object data, std::string& out) {
    data["type"] = type;
    data["sequence_number"] = seq_++;
    out += sse(type, data);
  }
  void start(std::string& out) {
    if (started_) return;
    started_ = true;
    json::object r = responses::response_object(request_, meta(), "in_progress", {}, nullptr);
    emit("response.created", json::object{{"response", r}}, out);
    emit("response.in_progress", json::object{{"response", std::move(r)}}, out);
  }
  responses::ResponseMeta meta() const {
    return {.id = id_, .model = model_, .created_at = created_};
  }
  std::int64_t open_item(std::string kind, std::string prefix, std::string& out) {
    Item item;
    item.kind = std::move(kind);
    item.id = responses::item_id(prefix, id_, items_.size());
    items_.push_back(std::move(item));
    const auto index = static_cast<std::int64_t>(items_.size() - 1);
    json::object shown = item_json(items_.back(), "in_progress");
    emit("response.output_item.added",
         json::object{{"output_index", index}, {"item", std::move(shown)}}, out);
    return index;
  }
  json::object part_json(const Part& p) const {
    if (p.refusal) return json::object{{"type", "refusal"}, {"refusal", p.text}};
    return json::object{{"type", "output_text"},
                        {"text", p.text},
                        {"annotations", json::array{}},
                        {"logprobs", json::array{}}};
  }
  json::object item_json(const Item& it, std::string_view status) const {
    if (it.kind == "reasoning") {
      json::array summary;
      for (const Part& p : it.parts)
        summary.push_back(json::object{{"type", "summary_text"}, {"text", p.text}});
      return json::object{{"type", "reasoning"}, {"id", it.id}, {"summary", std::move(summary)}};
    }
    if (it.kind == "message") {
      json::array content;
      for (const Part& p : it.parts) content.push_back(part_json(p));
      return json::object{{"type", "message"},
                          {"id", it.id},
                          {"status", status},
                          {"role", "assistant"},
                          {"content", std::move(content)}};
    }
    return json::object{{"type", "function_call"},   {"id", it.id},
                        {"call_id", it.call_id},     {"name", it.name},
                        {"arguments", it.arguments}, {"status", status}};
  }
  void close_item(std::int64_t index, std::string& out) {
    Item& it = items_[static_cast<std::size_t>(index)];
    if (!it.open) return;
    it.open = false;
    if (it.kind == "reasoning") {
      for (std::size_t s = 0; s < it.parts.size(); ++s) {
        const auto si = static_cast<std::int64_t>(s);
        emit("response.reasoning_summary_text.done",
             json::object{{"item_id", it.id},
                          {"output_index", index},
                          {"summary_index", si},
                          {"text", it.parts[s].text}},
             out);
        emit("response.reasoning_summary_part.done",
             json::object{
                 {"item_id", it.id},
                 {"output_index", index},
                 {"summary_index", si},
                 {"part", json::object{{"type", "summary_text"}, {"text", it.parts[s].text}}}},
             out);
      }
    } else if (it.kind == "message") {
      for (std::size_t c = 0; c < it.parts.size(); ++c) {
        const auto ci = static_cast<std::int64_t>(c);
        const Part& p = it.parts[c];
        if (p.refusal)
          emit("response.refusal.done",
               json::object{{"item_id", it.id},
                            {"output_index", index},
                            {"content_index", ci},
                            {"refusal", p.text}},
               out);
        else
          emit("response.output_text.done",
               json::object{{"item_id", it.id},
                            {"output_index", index},
                            {"content_index", ci},
                            {"text", p.text},
                            {"logprobs", json::array{}}},
               out);
        emit("response.content_part.done",
             json::object{{"item_id", it.id},
                          {"output_index", index},
                          {"content_index", ci},
                          {"part", part_json(p)}},
             out);
      }
    } else {
      emit("response.function_call_arguments.done",
           json::object{{"item_id", it.id},
                        {"output_index", index},
                        {"name", it.name},
                        {"arguments", it.arguments}},
           out);
    }
    emit("response.output_item.done",
         json::object{{"output_index", index}, {"item", item_json(it, "completed")}}, out);
  }
  // Reasoning and message items end when another item starts.
  void close_sequential(std::string& out, std::int64_t keep) {
    if (reasoning_ >= 0 && reasoning_ != keep) {
      close_item(reasoning_, out);
      reasoning_ = -1;
    }
    if (message_ >= 0 && message_ != keep) {
      close_item(message_, out);
      message_ = -1;
    }
  }
  void reasoning_delta(std::string_view text, std::string& out) {
    if (reasoning_ < 0) {
      close_sequential(out, -1);
      reasoning_ = open_item("reasoning", "rs", out);
      Item& it = items_[static_cast<std::size_t>(reasoning_)];
      it.parts.push_back({});
      emit("response.reasoning_summary_part.added",
           json::object{{"item_id", it.id},
                        {"output_index", reasoning_},
                        {"summary_index", 0},
                        {"part", json::object{{"type", "summary_text"}, {"text", ""}}}},
           out);
    }
    Item& it = items_[static_cast<std::size_t>(reasoning_)];
    it.parts.back().text += text;
    emit("response.reasoning_summary_text.delta",
         json::object{{"item_id", it.id},
                      {"output_index", reasoning_},
                      {"summary_index", 0},
                      {"delta", text}},
         out);
  }
  void message_delta(std::string_view text, bool refusal, std::string& out) {
    if (message_ < 0) {
      close_sequential(out, -1);
      message_ = open_item("message", "msg", out);
    }
    Item& it = items_[static_cast<std::size_t>(message_)];
    if (it.parts.empty() || it.parts.back().refusal != refusal) {
      it.parts.push_back({.refusal = refusal, .text = {}});
      emit("response.content_part.added",
           json::object{{"item_id", it.id},
                        {"output_index", message_},
                        {"content_index", static_cast<std::int64_t>(it.parts.size() - 1)},
                        {"part", part_json(it.parts.back())}},
           out);
    }
    it.parts.back().text += text;
    const auto ci = static_cast<std::int64_t>(it.parts.size() - 1);
    if (refusal)
      emit("response.refusal.delta",
           json::object{{"item_id", it.id},
                        {"output_index", message_},
                        {"content_index", ci},
                        {"delta", text}},
           out);
    else
      emit("response.output_text.delta",
           json::object{{"item_id", it.id},
                        {"output_index", message_},
                        {"content_index", ci},
                        {"delta", text},
                        {"logprobs", json::array{}}},
           out);
  }
  void tool_delta(const json::value& call, std::string& out, StreamStep& step) {
    std::int64_t k = 0;
    if (const json::value* i = member(call, "index"); i && i->is_int64()) k = i->as_int64();
    const json::value* fn = member(call, "function");
    auto found = tools_.find(k);
    if (found == tools_.end()) {
      close_sequential(out, -1);
      const std::int64_t index = static_cast<std::int64_t>(items_.size());
      // The item is announced with its name and call id, as OpenAI does.
      items_.push_back(Item{.kind = "function_call",
                            .id = responses::item_id("fc", id_, items_.size()),
                            .open = true,
                            .parts = {},
                            .call_id = std::string(str_of(member(call, "id"))),
                            .name = std::string(fn ? str_of(member(*fn, "name")) : ""),
                            .arguments = {}});
      emit("response.output_item.added",
           json::object{{"output_index", index}, {"item", item_json(items_.back(), "in_progress")}},
           out);
      found = tools_.emplace(k, index).first;
      step.output = true;
    }
    std::string_view args = fn ? str_of(member(*fn, "arguments")) : std::string_view{};
    if (args.empty()) return;
    Item& it = items_[static_cast<std::size_t>(found->second)];
    it.arguments += args;
    emit("response.function_call_arguments.delta",
         json::object{{"item_id", it.id}, {"output_index", found->second}, {"delta", args}}, out);
    step.output = true;
    step.output_chars += args.size();
  }
  void finish(std::string& out) {
    start(out);
    for (std::size_t i = 0; i < items_.size(); ++i) close_item(static_cast<std::int64_t>(i), out);
    json::array output;
    for (const Item& it : items_) output.push_back(item_json(it, "completed"));
    json::value usage = nullptr;
    if (usage_.present) usage = responses::usage_for_client(usage_);
    json::object r =
        responses::response_object(request_, meta(), "completed", std::move(output), usage);
    responses::set_status_from_finish(r, finish_);
    const bool incomplete = r["status"] == "incomplete";
    final_ = r;
    emit(incomplete ? "response.incomplete" : "response.completed",
         json::object{{"response", std::move(r)}}, out);
    ended_ = true;
  }

  const json::object& request_;
  std::string id_, model_;
  std::int64_t created_;
  std::int64_t seq_ = 0;
  bool started_ = false, ended_ = false;
  std::vector<Item> items_;
  std::int64_t reasoning_ = -1, message_ = -1;  // the open reasoning / message item
  std::map<std::int64_t, std::int64_t> tools_;  // chat tool-call index -> output index
  std::string finish_;
  ReportedUsage usage_;
  json::object final_;
};

// --- Anthropic events -> chat chunks (translate.cpp's transform) -> Responses events.
class AnthropicToResponseEvents final : public StreamTransform {
 public:
  AnthropicToResponseEvents(const RequestContext& ctx, std::int64_t created)
      : inner_(make_stream_transform(Endpoint::kChat, ProviderKind::kAnthropic, true, created)),
        outer_(ctx, created) {}
  StreamStep on_event(const SseEvent& ev, std::string& out) override {
    mid_.clear();
    const StreamStep step = inner_->on_event(ev, mid_);
    if (!mid_.empty()) {
      sse_.feed(mid_);
      while (sse_.next(chunk_)) (void)outer_.on_event(chunk_, out);
    }
    return step;
  }
  bool ended() const override { return outer_.ended() || inner_->ended(); }
  // The upstream's own usage (Anthropic semantics) for the accounting.
  const ReportedUsage& usage() const override { return inner_->usage(); }
  std::string interrupted(std::string_view message) const override {
    return outer_.interrupted(message);
  }
  const json::object* final_response() const override { return outer_.final_response(); }

 private:
  std::unique_ptr<StreamTransform> inner_;
  ChunksToResponseEvents outer_;
  SseParser sse_;
  SseEvent chunk_;
  std::string mid_;
};

}  // namespace

std::string responses_error_event(std::string_view code, std::string_view message,
                                  std::int64_t sequence_number) {
  json::object e{{"type", "error"}, {"code", code}, {"message", message}, {"param", nullptr}};
  if (sequence_number >= 0) e["sequence_number"] = sequence_number;
  return sse("error", e);
}

Result<std::string> responses_upstream_body(const RequestContext& ctx, const Deployment& d) {
  const json::object& body = ctx.body.as_object();
  const json::value* prev = body.if_contains("previous_response_id");
  const bool has_prev = prev && prev->is_string();
  if (translation_for(Endpoint::kResponses, d.kind) == Translation::kNone) {
    json::object o = body;
    o["model"] = d.model;
    if (has_prev && ctx.history && ctx.history_from_gateway) {
      // OpenAI never saw a response the gateway made: the conversation goes in the input.
      auto items = responses::input_items(body);
      if (!items) return items.error();
      json::array all = *ctx.history;
      for (auto& item : *items) all.push_back(item);
      o["input"] = std::move(all);
      o.erase("previous_response_id");
    }
    return json::serialize(o);
  }
  if (has_prev && !ctx.history)
    return Error{fmt::format(
        "previous_response_id: no response '{}' in the gateway's store (it keeps the responses "
        "it served for a limited time, see docs/GATEWAY.md); send the whole conversation as "
        "input instead",
        prev->as_string())};
  static const json::array kNoHistory;
  auto chat = responses::to_chat_request(body, ctx.history ? *ctx.history : kNoHistory,
                                         {.model = d.model, .openai_native = false});
  if (!chat || !speaks_anthropic(d.kind)) return chat;
  boost::system::error_code ec;
  json::value c = protocol::parse_request_json(*chat, ec);
  if (ec || !c.is_object()) return Error{"input: the translated request could not be read back"};
  auto messages = anthropic::chat_to_messages_request(c.as_object(), d.model);
  if (!messages) {
    // Name the Responses field, not the intermediate chat one.
    std::string m = messages.error().message;
    if (m.starts_with("response_format")) m = "text.format" + m.substr(15);
    return Error{std::move(m)};
  }
  return messages;
}

Result<ClientResponse> responses_client_response(const RequestContext& ctx, ProviderKind upstream,
                                                 std::string body, std::int64_t created,
                                                 bool parse) {
  ClientResponse r;
  const responses::ResponseMeta meta{
      .id = ctx.response_id, .model = ctx.model, .created_at = created};
  // The translated body parsed for the caller when asked (a second text, so a second parse).
  auto parsed = [parse](ClientResponse&& out) -> Result<ClientResponse> {
    if (parse) parse_body(out);
    return std::move(out);
  };
  switch (translation_for(Endpoint::kResponses, upstream)) {
    case Translation::kResponsesToChat: {
      r.usage = usage_from_body(body);
      auto t = responses::chat_to_response(body, ctx.body.as_object(), meta);
      if (!t) return t.error();
      r.body = std::move(*t);
      return parsed(std::move(r));
    }
    case Translation::kResponsesToMessages: {
      r.usage = anthropic::usage_from_body(body);
      auto chat = anthropic::messages_to_chat_response(body, created);
      if (!chat) return chat.error();
      auto t = responses::chat_to_response(*chat, ctx.body.as_object(), meta);
      if (!t) return t.error();
      r.body = std::move(*t);
      return parsed(std::move(r));
    }
    default:
      r.usage = usage_of_passthrough(upstream, body, parse ? &r.parsed : nullptr);
      r.body = std::move(body);
      // The model the client asked for (the upstream's is in the request log).
      if (!ctx.model.empty()) rename_model(r, ctx.model);
      return r;
  }
}

std::unique_ptr<StreamTransform> make_responses_stream_transform(const RequestContext& ctx,
                                                                 ProviderKind upstream,
                                                                 std::int64_t created) {
  switch (translation_for(Endpoint::kResponses, upstream)) {
    case Translation::kResponsesToChat:
      return std::make_unique<ChunksToResponseEvents>(ctx, created);
    case Translation::kResponsesToMessages:
      return std::make_unique<AnthropicToResponseEvents>(ctx, created);
    default:
      return std::make_unique<ResponsesRelay>(ctx.model);
  }
}

}  // namespace llmctl::gateway
