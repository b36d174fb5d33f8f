#include "gateway/pipeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "protocol/find.h"
#include "protocol/json_limits.h"

namespace llmctl::gateway {

namespace json = boost::json;

namespace {
Reject bad_request(std::string message, std::string_view param = {}, std::string_view code = {}) {
  std::string body = openai_error_body(message, "invalid_request_error", param, code);
  return Reject{400, ErrorClass::kBadRequest, std::move(body), std::move(message)};
}
}  // namespace

std::optional<Reject> ParseStage::run(RequestContext& ctx, const Config&) const {
  if (ctx.raw_body.empty())
    return bad_request("The request body is empty; expected a JSON object.");
  boost::system::error_code ec;
  protocol::adopt(ctx.body, protocol::parse_request_json(
                                ctx.raw_body, ec, protocol::json_arena(ctx.raw_body.size())));
  if (ec == json::error::too_deep)
    return bad_request(fmt::format("The request body nests JSON deeper than {} levels, the "
                                   "gateway's limit.",
                                   protocol::kMaxJsonDepth),
                       {}, "invalid_json");
  if (ec)
    return bad_request(fmt::format("The request body is not valid JSON: {}.", ec.message()), {},
                       "invalid_json");
  if (!ctx.body.is_object())
    return bad_request("The request body must be a JSON object.", {}, "invalid_json");
  return std::nullopt;
}

std::optional<Reject> ValidateStage::run(RequestContext& ctx, const Config&) const {
  const json::object& o = ctx.body.as_object();
  const json::value* model = o.if_contains("model");
  if (!model) return bad_request("You must provide a model parameter.", "model");
  if (!model->is_string() || model->as_string().empty())
    return bad_request("The model parameter must be a non-empty string.", "model");
  ctx.model = std::string(model->as_string());
  if (const json::value* s = o.if_contains("stream"); s && !s->is_null()) {
    if (!s->is_bool()) return bad_request("stream must be a boolean.", "stream");
    ctx.stream = s->as_bool();
  }
  if (ctx.endpoint == Endpoint::kEmbeddings) ctx.stream = false;
  if (const json::value* so = o.if_contains("stream_options"); so && so->is_object())
    if (const json::value* iu = so->as_object().if_contains("include_usage"); iu && iu->is_bool())
      ctx.client_wants_usage = iu->as_bool();
  switch (ctx.endpoint) {
    case Endpoint::kChat: {
      const json::value* m = o.if_contains("messages");
      if (!m || !m->is_array())
        return bad_request("messages is required and must be an array.", "messages");
      if (m->as_array().empty()) return bad_request("messages must not be empty.", "messages");
      break;
    }
    case Endpoint::kCompletions:
      if (!o.if_contains("prompt")) return bad_request("prompt is required.", "prompt");
      break;
    case Endpoint::kEmbeddings:
      if (!o.if_contains("input")) return bad_request("input is required.", "input");
      break;
    case Endpoint::kMessages: {
      // Anthropic's Messages API: max_tokens is required there, so it is here too.
      const json::value* m = o.if_contains("messages");
      if (!m || !m->is_array() || m->as_array().empty())
        return bad_request("messages: must be a non-empty array.", "messages");
      const json::value* mt = o.if_contains("max_tokens");
      if (!mt || !mt->is_int64() || mt->as_int64() < 1)
        return bad_request("max_tokens: a positive integer is required.", "max_tokens");
      break;
    }
    case Endpoint::kResponses: {
      // OpenAI's Responses API: input is a string or items; it may be left out when a previous
      // response carries the conversation.
      const json::value* in = o.if_contains("input");
      if (in && !in->is_null() && !in->is_string() && !in->is_array())
        return bad_request("input must be a string or an array of input items.", "input");
      if ((!in || in->is_null()) && !o.if_contains("previous_response_id"))
        return bad_request("input is required.", "input");
      break;
    }
  }
  ctx.prompt_chars = request_prompt_chars(o, ctx.endpoint);
  return std::nullopt;
}

std::optional<Reject> RouteStage::run(RequestContext& ctx, const Config& config) const {
  ctx.group = config.find_model(ctx.model);
  if (!ctx.group) {
    std::string message =
        fmt::format("The model `{}` does not exist or you do not have access to it.", ctx.model);
    std::string body =
        openai_error_body(message, "invalid_request_error", "model", "model_not_found");
    return Reject{404, ErrorClass::kNotFound, std::move(body), std::move(message)};
  }
  ctx.model_index = static_cast<int>(ctx.group - config.models.data());
  return std::nullopt;
}

Pipeline Pipeline::standard() {
  Pipeline p;
  p.add(std::make_unique<ParseStage>());
  p.add(std::make_unique<ValidateStage>());
  p.add(std::make_unique<RouteStage>());
  return p;
}

void Pipeline::insert_after(std::string_view after, std::unique_ptr<Stage> stage) {
  auto it = std::find_if(stages_.begin(), stages_.end(),
                         [&](const auto& s) { return s->name() == after; });
  stages_.insert(it == stages_.end() ? it : it + 1, std::move(stage));
}

std::optional<Reject> Pipeline::run(RequestContext& ctx, const Config& config) const {
  for (const auto& stage : stages_)
    if (auto r = stage->run(ctx, config)) return r;
  return std::nullopt;
}

namespace {

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t skip_ws(std::string_view s, std::size_t i) {
  while (i < s.size() && is_ws(s[i])) ++i;
  return i;
}

// One past the closing quote of the string that opens at s[i]; npos when unterminated.
std::size_t string_end(std::string_view s, std::size_t i, bool& escaped) {
  for (++i; (i = protocol::find_string_special(s, i, false)) < s.size(); ++i) {
    if (s[i] == '\\') {
      escaped = true;
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// One past the end of the JSON value that starts at s[i]; npos when malformed.
std::size_t value_end(std::string_view s, std::size_t i) {
  if (i >= s.size()) return std::string_view::npos;
  bool escaped = false;
  if (s[i] == '"') return string_end(s, i, escaped);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '"') {
        i = string_end(s, i, escaped);
        if (i == std::string_view::npos) return i;
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if ((c == '}' || c == ']') && --depth == 0) return i + 1;
      ++i;
    }
    return std::string_view::npos;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && !is_ws(s[i])) ++i;
  return i;
}

// The top-level members of a JSON object text that the upstream body rewrites.
struct TopLevel {
  std::size_t open = 0;         // just after the object's '{'
  std::size_t model_begin = 0;  // the `model` value's token (quotes included)
  std::size_t model_end = 0;
  int models = 0;          // how many `model` members
  int stream_options = 0;  // how many `stream_options` members
};

// Scans the client's body (already parsed, so valid JSON) for its top-level `model` and
// `stream_options` members. Nullopt for anything the splice does not handle: a key with an
// escape sequence (it could spell either name), trailing bytes.
std::optional<TopLevel> scan_top_level(std::string_view s) {
  TopLevel t;
  std::size_t i = skip_ws(s, 0);
  if (i >= s.size() || s[i] != '{') return std::nullopt;
  t.open = i + 1;
  i = skip_ws(s, i + 1);
  if (i < s.size() && s[i] == '}') return std::nullopt;
  while (true) {
    if (i >= s.size() || s[i] != '"') return std::nullopt;
    bool escaped = false;
    const std::size_t key_end = string_end(s, i, escaped);
    if (key_end == std::string_view::npos || escaped) return std::nullopt;
    const std::string_view key = s.substr(i + 1, key_end - i - 2);
    i = skip_ws(s, key_end);
    if (i >= s.size() || s[i] != ':') return std::nullopt;
    i = skip_ws(s, i + 1);
    const std::size_t end = value_end(s, i);
    if (end == std::string_view::npos) return std::nullopt;
    if (key == "model") {
      ++t.models;
      t.model_begin = i;
      t.model_end = end;
    } else if (key == "stream_options") {
      ++t.stream_options;
    }
    i = skip_ws(s, end);
    if (i < s.size() && s[i] == ',') {
      i = skip_ws(s, i + 1);
      continue;
    }
    if (i < s.size() && s[i] == '}') break;
    return std::nullopt;
  }
  if (skip_ws(s, i + 1) != s.size()) return std::nullopt;
  return t;
}

// The client's bytes with only the `model` value replaced (and, for a stream whose client did
// not set stream_options, `"stream_options":{"include_usage":true}` added first): no parse,
// copy or re-serialisation of the rest. Nullopt when the body needs the general path.
std::optional<std::string> splice_upstream_body(const RequestContext& ctx,
                                                const Deployment& deployment) {
  std::optional<TopLevel> t = scan_top_level(ctx.raw_body);
  if (!t || t->models != 1 || ctx.raw_body[t->model_begin] != '"') return std::nullopt;
  std::string_view insert;
  if (ctx.stream && !ctx.client_wants_usage) {
    if (t->stream_options != 0) return std::nullopt;  // the client's object needs a field set
    insert = R"("stream_options":{"include_usage":true},)";
  } else if (ctx.stream && t->stream_options != 1) {
    return std::nullopt;
  }
  const std::string_view raw = ctx.raw_body;
  const std::string model = json::serialize(json::string_view(deployment.model));
  std::string out;
  out.reserve(raw.size() + insert.size() + model.size());
  out.append(raw.substr(0, t->open));
  out.append(insert);
  out.append(raw.substr(t->open, t->model_begin - t->open));
  out.append(model);
  out.append(raw.substr(t->model_end));
  return out;
}

}  // namespace

std::string upstream_body(const RequestContext& ctx, const Deployment& deployment) {
  if (auto spliced = splice_upstream_body(ctx, deployment)) return std::move(*spliced);
  json::object o = ctx.body.as_object();  // copy: the context stays as the client sent it
  o["model"] = deployment.model;
  if (ctx.stream) {
    json::value& so = o["stream_options"];
    if (!so.is_object()) so = json::object();
    so.as_object()["include_usage"] = true;
  }
  return json::serialize(o);
}

}  // namespace llmctl::gateway
