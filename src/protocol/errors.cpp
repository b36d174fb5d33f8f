#include "protocol/errors.h"

#include <boost/json.hpp>

namespace llmctl::protocol {

std::string_view error_class_name(ErrorClass c) {
  switch (c) {
    case ErrorClass::kNone:
      return "none";
    case ErrorClass::kBadRequest:
      return "bad_request";
    case ErrorClass::kNotFound:
      return "not_found";
    case ErrorClass::kMethodNotAllowed:
      return "method_not_allowed";
    case ErrorClass::kTooLarge:
      return "too_large";
    case ErrorClass::kRateLimited:
      return "rate_limited";
    case ErrorClass::kUpstreamClient:
      return "upstream_client";
    case ErrorClass::kContextLength:
      return "context_length";
    case ErrorClass::kContentPolicy:
      return "content_policy";
    case ErrorClass::kUnavailable:
      return "unavailable";
    case ErrorClass::kUpstreamServer:
      return "upstream_server";
    case ErrorClass::kTimeout:
      return "timeout";
    case ErrorClass::kConnect:
      return "connect";
    case ErrorClass::kUpstreamProtocol:
      return "upstream_protocol";
    case ErrorClass::kStreamInterrupted:
      return "stream_interrupted";
    case ErrorClass::kClientDisconnect:
      return "client_disconnect";
    case ErrorClass::kOverloaded:
      return "overloaded";
    case ErrorClass::kShutdown:
      return "shutdown";
    case ErrorClass::kUnauthorized:
      return "unauthorized";
    case ErrorClass::kForbidden:
      return "forbidden";
    case ErrorClass::kLimitExceeded:
      return "limit_exceeded";
    case ErrorClass::kBudgetExceeded:
      return "budget_exceeded";
    case ErrorClass::kGovernanceUnavailable:
      return "governance_unavailable";
    case ErrorClass::kInternal:
      return "internal";
  }
  return "internal";
}

bool retryable(ErrorClass c) {
  switch (c) {
    case ErrorClass::kRateLimited:
    case ErrorClass::kUpstreamServer:
    case ErrorClass::kTimeout:
    case ErrorClass::kConnect:
    case ErrorClass::kUpstreamProtocol:
    case ErrorClass::kOverloaded:
      return true;
    default:
      return false;
  }
}

ErrorClass classify_upstream_status(int status) {
  if (status >= 200 && status < 300) return ErrorClass::kNone;
  if (status == 429) return ErrorClass::kRateLimited;
  if (status == 408) return ErrorClass::kTimeout;
  if (status >= 500) return ErrorClass::kUpstreamServer;
  return ErrorClass::kUpstreamClient;
}

bool deployment_worked(ErrorClass c) {
  switch (c) {
    case ErrorClass::kNone:
    case ErrorClass::kUpstreamClient:
    case ErrorClass::kContextLength:
    case ErrorClass::kContentPolicy:
    case ErrorClass::kClientDisconnect:
    case ErrorClass::kBadRequest:
    case ErrorClass::kShutdown:
      return true;
    default:
      return false;
  }
}

ErrorStatus error_status(ErrorClass c) {
  switch (c) {
    case ErrorClass::kBadRequest:
    case ErrorClass::kUpstreamClient:
    case ErrorClass::kContextLength:
    case ErrorClass::kContentPolicy:
      return {400, "invalid_request_error", ""};
    case ErrorClass::kNotFound:
      return {404, "invalid_request_error", "model_not_found"};
    case ErrorClass::kMethodNotAllowed:
      return {405, "invalid_request_error", "method_not_allowed"};
    case ErrorClass::kTooLarge:
      return {413, "invalid_request_error", "request_too_large"};
    case ErrorClass::kRateLimited:
      return {429, "rate_limit_exceeded", ""};
    case ErrorClass::kTimeout:
      return {504, "server_error", "upstream_timeout"};
    case ErrorClass::kOverloaded:
      return {503, "server_error", "upstream_overloaded"};
    case ErrorClass::kUnavailable:
    case ErrorClass::kShutdown:
      return {503, "server_error", "upstream_unavailable"};
    default:
      return {502, "server_error", "upstream_error"};
  }
}

namespace {
boost::json::object error_object(std::string_view message, std::string_view type,
                                 std::string_view param, std::string_view code) {
  boost::json::object e;
  e["message"] = message;
  e["type"] = type;
  e["param"] = param.empty() ? boost::json::value(nullptr) : boost::json::value(param);
  e["code"] = code.empty() ? boost::json::value(nullptr) : boost::json::value(code);
  return e;
}
}  // namespace

std::string openai_error_body(std::string_view message, std::string_view type,
                              std::string_view param, std::string_view code) {
  boost::json::object o;
  o["error"] = error_object(message, type, param, code);
  return boost::json::serialize(o);
}

std::string sse_error_event(std::string_view message, std::string_view code) {
  boost::json::object o;
  o["error"] = error_object(message, "server_error", {}, code);
  return "data: " + boost::json::serialize(o) + "\n\ndata: [DONE]\n\n";
}

}  // namespace llmctl::protocol
