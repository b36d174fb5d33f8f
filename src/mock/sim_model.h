// The simulated model's decisions, shared by the chat completions and Messages faces of the
// simulator (`llmctl mock`, and the gateway's `provider: simulated`): whether to call tools and
// which, with what arguments, and what structured output to give, so that clients that rely on
// a real model's behaviour (structured output parsers, agent loops) work against it.
//
// - Structured output (chat `response_format` json_schema / json_object, Messages
//   `output_config.format`): a JSON value valid under the schema (types, required, enum/const,
//   nested objects, arrays with minItems/maxItems, additionalProperties, anyOf/oneOf, local
//   $ref, number bounds, string length and common formats).
// - tool_choice: none -> no call; auto -> tools whose name or description shares a word with
//   the last user message (the first tool when none does), and only when the conversation does
//   not already end with a tool result (a real model then answers, so agent loops finish);
//   required -> a call even then; a named tool -> that tool.
// - Parallel calls when allowed and several tools fit; one otherwise.
// - Tool arguments valid under each tool's parameter schema.
// Deterministic: the same request and seed give the same answer. Pure.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmctl::mock {

struct SimTool {
  std::string name, description;
  boost::json::value parameters;  // JSON schema (null: no parameters)
};

struct SimRequest {
  std::vector<SimTool> tools;
  enum class ToolChoice { kAuto, kNone, kRequired, kNamed } tool_choice = ToolChoice::kAuto;
  std::string named_tool;
  bool parallel = true;
  std::optional<boost::json::value> schema;  // structured output asked for
  bool json_object = false;                  // any JSON object (json_object mode)
  bool after_tool_result = false;            // the conversation ends with a tool's result
  std::string prompt;                        // the last user message's text
};

// From an OpenAI chat request / an Anthropic Messages request.
SimRequest sim_request_from_chat(const boost::json::object& request);
SimRequest sim_request_from_messages(const boost::json::object& request);

struct SimCall {
  std::string name;
  std::string arguments;  // JSON text valid under the tool's schema
};
struct SimAnswer {
  std::vector<SimCall> calls;             // empty: a text answer
  std::optional<std::string> structured;  // JSON text when structured output was asked
};

SimAnswer sim_answer(const SimRequest& request, std::uint64_t seed);

// A value valid under `schema` (`root` resolves local $refs); deterministic per seed.
boost::json::value sample_schema(const boost::json::value& schema, std::uint64_t seed);

}  // namespace llmctl::mock
