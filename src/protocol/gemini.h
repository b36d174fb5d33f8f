// Google's Gemini API (generateContent, streamGenerateContent with alt=sse) <-> Anthropic's
// Messages API: the pure body translations for a `provider: gemini` deployment. As for Bedrock
// (bedrock.h), OpenAI chat clients reach it through the chat <-> Messages translation.
//
// Wire reference: the Gemini API REST reference (models.generateContent, Content, Part,
// FunctionDeclaration, ToolConfig, GenerateContentResponse, UsageMetadata). Usage:
// promptTokenCount includes cachedContentTokenCount; candidatesTokenCount excludes
// thoughtsTokenCount, which is billed as output. ReportedUsage gets OpenAI semantics: prompt
// includes cached, completion = candidates + thoughts, reasoning = thoughts.
//
// Gemini has no tool-call ids: a tool_use id is made from the call's position
// ("toolu_gm_<n>_<name>") and a tool_result's function name is looked up from the tool_use
// it answers, in the same request. All functions are pure; stream state lives in
// GeminiStreamState (one per stream).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "protocol/usage.h"

namespace llmctl::protocol::gemini {

// The request path under the base URL (…/v1beta): /models/{model}:generateContent, or
// :streamGenerateContent?alt=sse for streams.
std::string generate_path(std::string_view model, bool stream);

// An Anthropic Messages request -> a generateContent request body. Errors name the field.
Result<std::string> messages_to_gemini_request(const boost::json::object& request);

// A generateContent response -> an Anthropic message body (first candidate).
Result<std::string> gemini_to_messages_response(std::string_view body, std::string_view model,
                                                std::string_view id);

// finishReason -> Anthropic stop_reason (STOP -> end_turn, MAX_TOKENS -> max_tokens, SAFETY,
// RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII -> refusal; function calls -> tool_use).
std::string_view stop_reason_from_gemini(std::string_view finish_reason, bool called_tools);

ReportedUsage usage_from_json(const boost::json::value& usage_metadata);

// An error answer ({"error":{"code","message","status"}}) in OpenAI's shape.
std::string error_to_openai(unsigned status, std::string_view body);

struct GeminiStreamState {
  std::string id, model;
  bool started = false, ended = false, error = false, called_tools = false;
  std::int64_t block = -1;  // the open Anthropic block, -1 none
  std::string open_kind;    // "text", "thinking"
  std::int64_t next_block = 0, calls = 0;
  std::string finish_reason;
  ReportedUsage usage;
};
struct GeminiStep {
  bool output = false;
  std::size_t output_chars = 0;
};
// One SSE chunk's data (a GenerateContentResponse) -> Anthropic SSE events, appended to `out`.
// The chunk with a finishReason (Gemini's last; it carries the final usage) closes the message;
// a stream that stops before it is interrupted. An {"error":...} chunk ends it with an error.
GeminiStep gemini_chunk_to_anthropic(GeminiStreamState& state, std::string_view data,
                                     std::string& out);

}  // namespace llmctl::protocol::gemini
