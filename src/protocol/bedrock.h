// Amazon Bedrock's Converse API <-> Anthropic's Messages API: the pure body translations for a
// `provider: bedrock` deployment. The gateway's other translations reach Bedrock through these:
// an OpenAI chat client's request goes chat -> Messages (anthropic.h) -> Converse, and the answer
// comes back Converse -> Messages -> chat. Messages and Converse share one model of content
// (text, image, tool use and result, reasoning, cache points), so no information is lost on
// the Messages <-> Converse step; what Converse cannot express is refused with the field named.
//
// Wire reference: the Bedrock runtime API (Converse, ConverseStream, ContentBlock,
// ConverseStreamOutput, TokenUsage). Usage: inputTokens excludes cacheReadInputTokens and
// cacheWriteInputTokens (as Anthropic's input_tokens does), so ReportedUsage gets
// input_excludes_cached semantics.
//
// All functions are pure and thread-safe; the stream translation keeps per-stream state in
// ConverseStreamState (one per stream).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/result.h"
#include "protocol/usage.h"

namespace llmctl::protocol::bedrock {

// The request path of a model (a model id, an inference-profile id such as
// us.anthropic.claude-3-5-haiku-20241022-v1:0, or an ARN), percent-encoded as the AWS SDKs do.
std::string converse_path(std::string_view model_id, bool stream);

// An Anthropic Messages request -> a Converse request body (the model is in the path). Errors
// name the field Converse cannot carry (image URLs, documents, tool_choice none, ...).
Result<std::string> messages_to_converse_request(const boost::json::object& request);

// A Converse response body -> an Anthropic message body. `model` and `id` fill the fields
// Converse does not return.
Result<std::string> converse_to_messages_response(std::string_view body, std::string_view model,
                                                  std::string_view id);

// stopReason -> Anthropic stop_reason (guardrail_intervened and content_filtered -> refusal).
std::string_view stop_reason_from_converse(std::string_view stop_reason);

// From a Converse `usage` object (TokenUsage).
ReportedUsage usage_from_json(const boost::json::value& usage);
// The same usage as Anthropic reports it (cache_read_input_tokens, cache_creation_input_tokens).
boost::json::object anthropic_usage(const ReportedUsage& u);

// An error answer's body (Bedrock sends {"message": ...} with the type in x-amzn-errortype) in
// OpenAI's shape; `error_type` is that header's value (its part before ':').
std::string error_to_openai(unsigned status, std::string_view body, std::string_view error_type);

// One ConverseStream event -> Anthropic SSE events, appended to `out`. `event_type` is the
// message's :event-type, or for an exception message "exception:" + its :exception-type.
struct ConverseStreamState {
  std::string id, model;
  bool started = false, ended = false, error = false;
  std::string stop_reason = "end_turn";
  ReportedUsage usage;
  // Converse content block index -> the Anthropic block kind opened for it.
  std::map<std::int64_t, std::string> open;
};
struct ConverseStep {
  bool output = false;
  std::size_t output_chars = 0;
};
ConverseStep converse_event_to_anthropic(ConverseStreamState& state, std::string_view event_type,
                                         std::string_view payload, std::string& out);

}  // namespace llmctl::protocol::bedrock
