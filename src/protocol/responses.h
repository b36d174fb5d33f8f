// OpenAI's Responses API (/v1/responses) <-> OpenAI chat completions: the pure body translations
// the gateway applies when a Responses client reaches a deployment that speaks only chat
// completions (vLLM, SGLang, TGI, any OpenAI-compatible server, the simulator) or, through
// anthropic.h, Anthropic's Messages API. translate_responses.h decides when; OpenAI's own
// deployments get the request as it is.
//
// Requests: to_chat_request. Every request field the official SDK defines
// (ResponseCreateParamsBase) is translated, passed through, kept by the gateway, or refused
// with a message naming it; docs/GATEWAY.md lists the four sets and
// tests/integration/api_fields.test.mjs enumerates them from the SDK's own type definitions.
// Responses: a whole chat.completion becomes a `response` object (output items: reasoning
// summary, message, function calls); streams are translated chunk by chunk in
// src/gateway/translate_responses.cpp with the builders below.
//
// All functions are pure and thread-safe; ids and times are passed in.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "protocol/usage.h"

namespace llmctl::protocol::responses {

struct ChatTarget {
  std::string_view model;  // the upstream model name
  // OpenAI's own chat API: max_completion_tokens (its reasoning models refuse max_tokens) and
  // the `developer` role; OpenAI-compatible servers get max_tokens and `system`.
  bool openai_native = false;
};

// The request's `input` as conversation items: a string is one user message; an array is
// returned as it is. Errors name the field.
Result<boost::json::array> input_items(const boost::json::object& request);

// A Responses request -> an OpenAI chat request for `target`. `history`: the items of the
// conversation before this request (the previous response's input and output), put before
// `input`; `instructions` become the first system message. Streams get
// stream_options.include_usage. Errors name the unsupported field (the client gets a 400).
Result<std::string> to_chat_request(const boost::json::object& request,
                                    const boost::json::array& history, const ChatTarget& target);

// What the gateway says about the response it builds.
struct ResponseMeta {
  std::string_view id;     // resp_...
  std::string_view model;  // the model name the client asked for
  std::int64_t created_at = 0;
};

// The `response` object echoing the request's settings, with `status`, `output` and `usage`
// (null while in progress).
boost::json::object response_object(const boost::json::object& request, const ResponseMeta& meta,
                                    std::string_view status, boost::json::array output,
                                    boost::json::value usage);
// Sets status and incomplete_details from a chat finish_reason: length -> incomplete
// (max_output_tokens), content_filter -> incomplete (content_filter), else completed.
void set_status_from_finish(boost::json::object& response, std::string_view finish_reason);

// Usage as a Responses client sees it (input_tokens includes cached ones), from usage in either
// semantics.
boost::json::object usage_for_client(const ReportedUsage& u);

// A whole chat.completion body -> a `response` object body (first choice).
Result<std::string> chat_to_response(std::string_view chat_body, const boost::json::object& request,
                                     const ResponseMeta& meta);

// Item ids: "<prefix>_<response id without resp_>_<index>" (unique per response).
std::string item_id(std::string_view prefix, std::string_view response_id, std::size_t index);

}  // namespace llmctl::protocol::responses
