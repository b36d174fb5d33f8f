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

// The caller headers of an HTTP request: a Beast message, or any range of fields with
// name_string() and value(). One pass over the fields (a lookup by name per header cost ~140
// instructions each: Beast maps the name to its known-field enum, then searches its set); the
// first field of a name counts, as operator[] gives it.
template <typename Request>
CallerHeaders caller_headers(const Request& req) {
  auto iequal = [](std::string_view a, std::string_view lower) {
    if (a.size() != lower.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const char c = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
      if (c != lower[i]) return false;
    }
    return true;
  };
  CallerHeaders h;
  bool seen[8] = {};
  auto take = [&](int i, std::string_view& slot, std::string_view value) {
    if (!seen[i]) slot = value;
    seen[i] = true;
  };
  constexpr std::string_view kPrefix = "x-llmctl-";
  for (const auto& f : req) {
    const auto n = f.name_string();
    const auto v = f.value();
    const std::string_view name(n.data(), n.size()), value(v.data(), v.size());
    if (name.size() > kPrefix.size() && iequal(name.substr(0, kPrefix.size()), kPrefix)) {
      const std::string_view rest = name.substr(kPrefix.size());
      if (iequal(rest, "team"))
        take(2, h.team, value);
      else if (iequal(rest, "user"))
        take(3, h.user, value);
      else if (iequal(rest, "project"))
        take(4, h.project, value);
      else if (iequal(rest, "agent"))
        take(5, h.agent, value);
      else if (iequal(rest, "session"))
        take(6, h.session, value);
      else if (iequal(rest, "tags"))
        take(7, h.tags, value);
    } else if (iequal(name, "authorization")) {
      take(0, h.authorization, value);
    } else if (iequal(name, "x-api-key")) {
      take(1, h.x_api_key, value);
    }
  }
  return h;
}

// Adds the governance stages to a pipeline built by Pipeline::standard: attribute always (the
// request log's v2 columns), auth when `keys` is given.
void add_governance_stages(Pipeline& p, KeySource* keys);

}  // namespace llmctl::gateway
