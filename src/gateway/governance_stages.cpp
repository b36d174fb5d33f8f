#include "gateway/governance_stages.h"

#include <boost/json.hpp>

namespace llmctl::gateway {

std::optional<Reject> AuthStage::run(RequestContext& ctx, const Config& config) const {
  const std::string_view secret =
      presented_secret(ctx.headers.authorization, ctx.headers.x_api_key);
  AuthResult r = authenticate(source_.keys(), config.governance.require_keys, secret, ctx.model,
                              source_.now_ms());
  if (r.failure == AuthFailure::kNone) {
    ctx.key = r.key;
    return std::nullopt;
  }
  source_.auth_failed(r.failure);
  const ErrorClass c = r.status == 403 ? ErrorClass::kForbidden : ErrorClass::kUnauthorized;
  return Reject{r.status, c, std::move(r.body), std::move(r.message)};
}

std::optional<Reject> AttributeStage::run(RequestContext& ctx, const Config& config) const {
  ctx.facts =
      request_facts(ctx.body.as_object(), ctx.endpoint, config.governance.reserve_image_tokens);
  auto tags = parse_tags_header(ctx.headers.tags);
  if (!tags) {
    std::string message = tags.error().message;
    std::string body = openai_error_body(message, "invalid_request_error", {}, "invalid_tags");
    return Reject{400, ErrorClass::kBadRequest, std::move(body), std::move(message)};
  }
  ctx.who = attribute(ctx.key, ctx.facts, ctx.headers, *tags);
  return std::nullopt;
}

void add_governance_stages(Pipeline& p, KeySource* keys) {
  if (keys) p.insert_after("validate", std::make_unique<AuthStage>(*keys));
  p.insert_after(keys ? "auth" : "validate", std::make_unique<AttributeStage>());
}

}  // namespace llmctl::gateway
