// Error classes and OpenAI-shaped error bodies for the gateway.
//
// Every error the gateway answers with, or records, has one ErrorClass: it drives the status
// code, the retry/fallback decision and the `llmctl_gateway_errors_total{class}` metric. Bodies
// follow OpenAI's shape {"error":{"message","type","param","code"}} so SDKs surface them as
// APIError. Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace llmctl::protocol {

enum class ErrorClass {
  kNone,
  kBadRequest,         // 400: bad JSON, missing fields
  kNotFound,           // 404: unknown model or path
  kMethodNotAllowed,   // 405
  kTooLarge,           // 413: body over limits.max_body_bytes
  kRateLimited,        // upstream answered 429
  kUpstreamClient,     // upstream answered another 4xx (relayed as is)
  kContextLength,      // upstream said the prompt exceeds the model's context window
  kContentPolicy,      // upstream refused the content (Azure content filter): relayed, not retried
  kUnavailable,        // no deployment in rotation (all unhealthy or circuit-open)
  kUpstreamServer,     // upstream answered 5xx
  kTimeout,            // connect, first-byte, idle or total deadline passed
  kConnect,            // resolve, connect or TLS handshake failed
  kUpstreamProtocol,   // upstream answered something that is not HTTP/1.1 or not the API
  kStreamInterrupted,  // upstream failed after the client stream had started
  kClientDisconnect,   // the client went away before the response was complete
  kOverloaded,         // every candidate deployment was at max_concurrency
  kShutdown,           // aborted at the drain deadline
  // Governance (refused by the gateway itself, before any upstream):
  kUnauthorized,           // 401: no key, unknown, revoked or expired key
  kForbidden,              // 403: the key may not use this model
  kLimitExceeded,          // 429 rate_limit_exceeded: rpm, tpm or max_parallel of a scope
  kBudgetExceeded,         // 429 insufficient_quota: a hard budget cannot take the worst case
  kGovernanceUnavailable,  // 503: the store is unreachable and the fail mode is closed
  kInternal,
};
inline constexpr int kErrorClassCount = static_cast<int>(ErrorClass::kInternal) + 1;

std::string_view error_class_name(ErrorClass c);

// True for the classes where trying the next candidate deployment can help (nothing has been
// sent to the client yet when this is asked).
bool retryable(ErrorClass c);

// Maps an upstream HTTP status to a class (200..299 -> kNone).
ErrorClass classify_upstream_status(int status);

// True when an attempt that ended with `c` shows the deployment working, whatever the client
// asked (a 400 is the client's problem): the circuit breaker counts it as a success.
bool deployment_worked(ErrorClass c);

// The one status mapping for answers the gateway makes itself (no upstream answer to relay):
// the HTTP status and the OpenAI error type and code of a request that ends with `c`.
// 400 invalid_request_error, 404 model_not_found, 405, 413 request_too_large; 504
// upstream_timeout; 503 upstream_overloaded / upstream_unavailable; 502 upstream_error.
struct ErrorStatus {
  int status;
  std::string_view type;
  std::string_view code;  // empty: null
};
ErrorStatus error_status(ErrorClass c);

// {"error":{"message":...,"type":...,"param":...,"code":...}}; an empty param or code is null.
std::string openai_error_body(std::string_view message, std::string_view type,
                              std::string_view param = {}, std::string_view code = {});

// The one SSE event that ends a stream that failed after its first byte: the error as a data
// event, then [DONE], so SDKs raise an error instead of ending silently.
std::string sse_error_event(std::string_view message, std::string_view code);

}  // namespace llmctl::protocol
