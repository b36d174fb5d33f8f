// The request path before any I/O: a chain of small stages, each with one job, run in order on
// a RequestContext. A stage either lets the request continue or stops it with an OpenAI-shaped
// error (Reject). Stages see the request and the config snapshot, never sockets or clocks, so
// they are tested without a server.
//
// This release: parse -> validate -> route (model -> group; which deployments is the
// AttemptPlanner's, planner.h). Authentication, limits/budgets and caching come as further
// stages in the same chain. Stages are built once per worker and are stateless per request, so
// running the chain allocates nothing beyond the context itself.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/attribution.h"
#include "gateway/config.h"
#include "gateway/protocol.h"

namespace llmctl::store {
struct KeyRecord;
}

namespace llmctl::gateway {

class AdmissionTicket;

struct RequestContext {
  // Inputs.
  Endpoint endpoint = Endpoint::kChat;
  std::string_view raw_body;
  CallerHeaders headers;  // who is calling (governance_stages.h)
  // Filled by the stages.
  boost::json::value body;  // parsed once; the upstream body is serialised from it
  std::string model;        // the public model name asked for
  int model_index = -1;     // index in Config::models; -1 unknown
  bool stream = false;
  bool client_wants_usage = false;  // stream_options.include_usage as the client sent it
  std::size_t prompt_chars = 0;     // for estimates when the upstream reports no usage
  const ModelGroup* group = nullptr;
  // Governance (governance_stages.h): the caller's key (null: anonymous), what the request
  // says about itself, and who it is attributed to (request log v2, limits, budgets).
  const store::KeyRecord* key = nullptr;
  RequestFacts facts;
  Attribution who;
  AdmissionTicket* ticket = nullptr;  // admitted by limits/budgets: settled when the request ends
  // Responses API (/v1/responses): the conversation before this request — the items of the
  // response named by previous_response_id, from the gateway's store; null when there is none
  // or it is not stored here — and whether the gateway made that response (then no OpenAI
  // deployment knows its id). `response_id`: the id a translated response gets.
  const boost::json::array* history = nullptr;
  bool history_from_gateway = false;
  std::string response_id;
};

struct Reject {
  int status = 400;
  ErrorClass error_class = ErrorClass::kBadRequest;
  std::string body;              // OpenAI-shaped error JSON
  std::string message;           // the same message, for the request log
  std::string retry_after = {};  // sent as Retry-After when set (a limit's 429)
};

class Stage {
 public:
  virtual ~Stage() = default;
  virtual std::string_view name() const = 0;
  // Continues the request (nullopt) or stops it with an error.
  virtual std::optional<Reject> run(RequestContext& ctx, const Config& config) const = 0;
};

// Parses the JSON body once; rejects bad JSON and non-object bodies (400).
class ParseStage final : public Stage {
 public:
  std::string_view name() const override { return "parse"; }
  std::optional<Reject> run(RequestContext& ctx, const Config& config) const override;
};

// Checks what routing and accounting need: a string `model`, the endpoint's required input
// (messages / prompt / input), boolean `stream`; reads stream_options.include_usage.
class ValidateStage final : public Stage {
 public:
  std::string_view name() const override { return "validate"; }
  std::optional<Reject> run(RequestContext& ctx, const Config& config) const override;
};

// Public model -> group (404 model_not_found). Which deployments of it (and of its fallback
// groups) the request tries is the AttemptPlanner's (planner.h), with route_group() for every
// group alike.
class RouteStage final : public Stage {
 public:
  std::string_view name() const override { return "route"; }
  std::optional<Reject> run(RequestContext& ctx, const Config& config) const override;
};

class Pipeline {
 public:
  // parse -> validate -> route.
  static Pipeline standard();
  void add(std::unique_ptr<Stage> stage) { stages_.push_back(std::move(stage)); }
  // Puts `stage` right after the stage named `after` (at the end when there is none).
  void insert_after(std::string_view after, std::unique_ptr<Stage> stage);
  std::optional<Reject> run(RequestContext& ctx, const Config& config) const;
  const std::vector<std::unique_ptr<Stage>>& stages() const { return stages_; }

 private:
  std::vector<std::unique_ptr<Stage>> stages_;
};

// The body sent to `deployment`: the client's body with `model` replaced by the upstream name
// and, for streams, stream_options.include_usage forced on so usage is always reported.
std::string upstream_body(const RequestContext& ctx, const Deployment& deployment);

}  // namespace llmctl::gateway
