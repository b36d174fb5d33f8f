#include "gateway/pipeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

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
  ctx.body = protocol::parse_request_json(ctx.raw_body, ec);
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

std::string upstream_body(const RequestContext& ctx, const Deployment& deployment) {
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
