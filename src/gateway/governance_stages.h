// The governance stages of the request pipeline (pipeline.h), and where they go in it:
//
//   parse -> validate -> auth -> attribute -> route
//
//   auth       the caller's key from `Authorization: Bearer` or `x-api-key` (governance.h's
//              authenticate): 401 for a missing, unknown, revoked or expired key when keys are
//              required, 403 for a model the key may not use; sets ctx.key.
//   attribute  what the request says about itself (attribution.h's request_facts: max_tokens,
//              tools, fingerprints, the input-token bound) and who it is attributed to (the
//              key, then the x-llmctl-* headers, then the body); 400 for a malformed
//              x-llmctl-tags. Fills ctx.facts and ctx.who for the request log, limits and budgets.
//
// Limits and budgets come after routing and need the store (a Redis round trip), so they are
// not synchronous stages: see governance_runtime.h's admission.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "gateway/governance.h"
#include "gateway/pipeline.h"

namespace llmctl::gateway {

// What the auth stage reads per request, owned by the worker: its key table (kept fresh by the
// governance runtime), the unix clock, and where refusals are counted.
class KeySource {
 public:
  virtual ~KeySource() = default;
  virtual const KeyTable& keys() = 0;
  virtual std::int64_t now_ms() const = 0;
  virtual void auth_failed(AuthFailure failure) = 0;
};

class AuthStage final : public Stage {
 public:
  explicit AuthStage(KeySource& source) : source_(source) {}
  std::string_view name() const override { return "auth"; }
  std::optional<Reject> run(RequestContext& ctx, const Config& config) const override;

 private:
  KeySource& source_;
};

class AttributeStage final : public Stage {
 public:
  std::string_view name() const override { return "attribute"; }
  std::optional<Reject> run(RequestContext& ctx, const Config& config) const override;
};

// The caller headers of an HTTP request (any type with operator[](name) giving a string).
template <typename Request>
CallerHeaders caller_headers(const Request& req) {
  auto view = [&](const char* name) {
    auto v = req[name];
    return std::string_view(v.data(), v.size());
  };
  return CallerHeaders{.authorization = view("authorization"),
                       .x_api_key = view("x-api-key"),
                       .team = view("x-llmctl-team"),
                       .user = view("x-llmctl-user"),
                       .project = view("x-llmctl-project"),
                       .agent = view("x-llmctl-agent"),
                       .session = view("x-llmctl-session"),
                       .tags = view("x-llmctl-tags")};
}

// Adds the governance stages to a pipeline built by Pipeline::standard: attribute always (the
// request log's v2 columns), auth when `keys` is given.
void add_governance_stages(Pipeline& p, KeySource* keys);

}  // namespace llmctl::gateway
