// Token usage and cost of one request, from what the upstream reported.
//
// Non-streaming responses carry `usage`; streams carry it in a final chunk (the gateway always
// asks for it with stream_options.include_usage). Only when the upstream reports nothing are
// tokens estimated (ceil(chars / 4)) and marked estimated. Cost always goes through
// catalog::cost_of with the deployment's price entry. Pure functions; the stream scanners look
// at chunk text without parsing it, except the one chunk that carries usage.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "catalog/cost.h"

namespace llmctl::protocol {

// kMessages is Anthropic's /v1/messages (translated when the deployment speaks OpenAI);
// kResponses is OpenAI's /v1/responses (translated to chat for every deployment but OpenAI's).
enum class Endpoint { kChat, kCompletions, kEmbeddings, kMessages, kResponses };
inline constexpr int kEndpointCount = 5;
// chat | completions | embeddings | messages | responses
std::string_view endpoint_name(Endpoint e);
// Under an OpenAI base_url (which ends in /v1): /chat/completions | /completions | /embeddings;
// /messages for kMessages (Anthropic upstreams use translate.h's upstream_path instead),
// /responses for kResponses.
std::string_view endpoint_path(Endpoint e);

// Counts as the upstream's wire format reports them. OpenAI (the default): prompt_tokens
// includes cached tokens. Anthropic (input_excludes_cached): prompt_tokens is `input_tokens`,
// which excludes cache reads (`cache_read_input_tokens`, here cached_tokens) and cache writes
// (`cache_creation_input_tokens`, here cache_write_tokens); account() adds them back.
struct ReportedUsage {
  bool present = false;
  long long prompt_tokens = 0;
  long long completion_tokens = 0;
  long long cached_tokens = 0;         // prompt_tokens_details.cached_tokens
  long long reasoning_tokens = 0;      // completion_tokens_details.reasoning_tokens
  long long cache_write_tokens = 0;    // Anthropic only: cache_creation_input_tokens
  bool input_excludes_cached = false;  // Anthropic semantics (see above)
};

// From an OpenAI `usage` object (chat's prompt_tokens/completion_tokens, or the Responses API's
// input_tokens/output_tokens, both counting cached tokens in the input); not present when
// `usage` is not an object.
ReportedUsage usage_from_json(const boost::json::value& usage);
// From a whole response body (non-streaming); not present when it has no usage.
ReportedUsage usage_from_body(std::string_view body);
// The OpenAI usage object at text[0] == '{' read by a strict scanner instead of a parse (a
// parse of the usage object was ~5k instructions of a ~87k request, bench/gateway
// instructions.sh). It reads only a subset of JSON: objects, true/false/null, strings of ASCII
// without escapes, numbers without exponents, and for the counts it takes, non-negative integers
// of up to 18 digits; nullopt (parse instead) for anything else (arrays, escapes, a fraction in a
// count, a repeated member that it reads) and
// for text that is not a complete object. Promise: where it answers, `end` is one past the
// object's '}' and the answer equals usage_from_json(boost::json::parse(text.substr(0, end))).
std::optional<ReportedUsage> scan_usage_object(std::string_view text, std::size_t& end);
// A token count from a usage field: 0 when absent or not a number, never negative.
long long token_count(const boost::json::value* v);

// --- stream chunk scanners (the `data` of one SSE event) ---
// The generated output a chunk carries (EventScan::output): `any` when it has non-empty content,
// text, refusal, reasoning or arguments, or a tool_calls array (the first such chunk marks the
// time to first token); `chars`, characters of that text, for estimates when usage is absent
// (an escape counts one, UTF-8 by code point).
struct ChunkOutput {
  std::size_t chars = 0;
  bool any = false;
};
// Everything the gateway asks of every streamed event's `data`, from one walk over its strings
// (each found by its quotes, a key where ':' follows): the relay's output and usage, the quality
// checks' triggers, the finish reason. Five scanners each walked every event before, ~4k
// instructions of an OpenAI chunk's ~14k (bench/gateway instructions.sh --sse).
struct EventScan {
  ChunkOutput output;
  std::size_t usage = std::string_view::npos;  // value_after_key(data, "\"usage\"", 0)
  // The reported finish reason: the first plain string (plain_string_after) after a
  // "finish_reason" string, else, where none is named at all, after a "stop_reason"; empty when
  // none. gateway::scan_finish_reason's rule, which finds the names by search (whole answers,
  // alongside the quality scan's): the same on JSON and its cuts; on text whose quotes do not
  // pair, a string to this walk need not be one to the search.
  std::string_view finish_reason;
  // A "tool_calls" or "function_call" member, or a "tool_use" or "input_json_delta" string: the
  // event may carry a tool call (the quality checks then parse it).
  bool tool = false;
  // A "refusal" member with a string value, or "refusal" as a stop_reason's or type's value.
  bool refusal = false;
  bool final_response = false;  // a "response.completed" or "response.incomplete" string
};
EventScan scan_event(std::string_view data);
// The usage object whose value starts at data[at] (EventScan::usage, value_after_key): nullopt
// when there is none (npos), it is not an object (`null`), or no parse reads it.
std::optional<ReportedUsage> usage_at(std::string_view data, std::size_t at);
// True for the usage-only chunk that include_usage adds (`"choices":[]`).
bool chunk_is_usage_only(std::string_view data);
// The position just after `"key"` + optional spaces + ':' + optional spaces, at any depth, from
// `from` on; npos when the key does not occur. `quoted_key` includes its quotes. A key's quotes
// cannot occur unescaped inside a JSON string, so every match is a key.
std::size_t value_after_key(std::string_view data, std::string_view quoted_key, std::size_t from);

// Replaces the value of the top-level string member `key` of the JSON object `json_text` with
// `value` (a nested or in-string "key" never matches); false when there is no such member.
bool replace_top_level_string(std::string& json_text, std::string_view key, std::string_view value);

// Characters of prompt text in a request body (message contents, prompt, input).
std::size_t request_prompt_chars(const boost::json::object& body, Endpoint endpoint);
// Characters of generated text in a non-streaming response (for estimates).
std::size_t response_output_chars(std::string_view body);
long long estimate_tokens(std::size_t chars);  // ceil(chars / 4)

struct Accounting {
  catalog::Usage usage;  // normalised (input includes cached)
  bool estimated = false;
  double cost_usd = 0;
  std::string price_id;  // empty: no price (simulated or price: none)
  std::string error;     // set when cost_of refused the usage (cost left at 0)
};

// Usage (reported, else estimated from the character counts) priced with `price` (may be null).
Accounting account(const ReportedUsage& reported, std::size_t prompt_chars,
                   std::size_t output_chars, const catalog::Price* price);

}  // namespace llmctl::protocol
