// Anthropic Messages API <-> OpenAI chat completions: the pure body translations the gateway
// applies when a client's API and a deployment's API differ (translate.h decides when), plus
// Anthropic's error shape and usage semantics.
//
// Requests: messages_to_chat_request (an Anthropic /v1/messages body for an OpenAI-compatible
// upstream) and chat_to_messages_request (an OpenAI chat body for an `anthropic` upstream).
// What cannot be carried over faithfully is refused with a message naming the field (the client
// gets a 400), never dropped in a way that changes the answer; docs/GATEWAY.md lists both sets.
// Responses: whole bodies both ways; streams are translated event by event in translate.cpp.
// Usage: Anthropic's input_tokens excludes cache reads and writes; ReportedUsage keeps the
// upstream's own semantics (account() normalises), the client sees its own API's semantics.
//
// All functions are pure and thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "protocol/usage.h"

namespace llmctl::protocol::anthropic {

inline constexpr std::string_view kApiVersion = "2023-06-01";  // anthropic-version sent upstream
// max_tokens sent to Anthropic when an OpenAI client gave none (Anthropic requires it).
inline constexpr long long kDefaultMaxTokens = 4096;

// --- errors: {"type":"error","error":{"type":...,"message":...}} ---
// Anthropic's error type for an HTTP status (400 invalid_request_error, 401
// authentication_error, 403 permission_error, 404 not_found_error, 413 request_too_large, 429
// rate_limit_error, 504 timeout_error, 529/503 overloaded_error, other 5xx api_error).
std::string_view error_type_for_status(int status);
std::string error_body(std::string_view type, std::string_view message);
// The SSE event that ends an Anthropic stream with an error (SDKs raise it as an APIError).
std::string error_event(std::string_view type, std::string_view message);
// Any error body (OpenAI-shaped, Anthropic-shaped, or plain text) in Anthropic's shape; an
// Anthropic-shaped body is returned unchanged.
std::string to_anthropic_error(unsigned status, std::string body);
// An Anthropic-shaped error body in OpenAI's shape (the Anthropic type becomes `code`); any
// other body is returned unchanged.
std::string to_openai_error(unsigned status, std::string body);

// --- finish reasons ---
// Anthropic stop_reason -> OpenAI finish_reason: end_turn/stop_sequence/pause_turn -> stop,
// max_tokens/model_context_window_exceeded -> length, tool_use -> tool_calls, refusal ->
// content_filter.
std::string_view finish_reason_from_stop(std::string_view stop_reason);
// OpenAI finish_reason -> Anthropic stop_reason: stop -> end_turn, length -> max_tokens,
// tool_calls/function_call -> tool_use, content_filter -> refusal.
std::string_view stop_reason_from_finish(std::string_view finish_reason);

// --- usage ---
// From an Anthropic `usage` object (input_excludes_cached semantics); not present when `usage`
// is not an object.
ReportedUsage usage_from_json(const boost::json::value& usage);
// From a whole Anthropic response body.
ReportedUsage usage_from_body(std::string_view body);
// Usage as each client API reports it, from usage in either semantics.
boost::json::object usage_for_anthropic_client(const ReportedUsage& u);
boost::json::object usage_for_openai_client(const ReportedUsage& u);

// --- requests ---
struct ChatTarget {
  std::string_view model;  // the upstream model name
  // OpenAI's own API wants max_completion_tokens (reasoning models refuse max_tokens) and has
  // no top_k; OpenAI-compatible servers (vLLM, SGLang, the simulator) take max_tokens and top_k.
  bool openai_native = false;
};
// An Anthropic Messages request -> an OpenAI chat request for `target` (stream_options
// include_usage forced on for streams). Errors name the unsupported field.
Result<std::string> messages_to_chat_request(const boost::json::object& request,
                                             const ChatTarget& target);
// An OpenAI chat request -> an Anthropic Messages request for `model`. Errors: n > 1, tools
// other than functions, non-text response formats, audio, bad tool-call arguments.
Result<std::string> chat_to_messages_request(const boost::json::object& request,
                                             std::string_view model);
// A Messages request passed to an Anthropic upstream: only `model` changes.
std::string passthrough_request(const boost::json::object& request, std::string_view model);

// --- whole responses ---
// An OpenAI chat.completion body -> an Anthropic message body (first choice).
Result<std::string> chat_to_messages_response(std::string_view chat_body);
// An Anthropic message body -> an OpenAI chat.completion body; `created` is unix seconds.
Result<std::string> messages_to_chat_response(std::string_view message_body, std::int64_t created);

}  // namespace llmctl::protocol::anthropic
