// The simulator's Anthropic Messages API (/v1/messages): what one answer contains, as a whole
// message or as the stream of events, with Anthropic's usage semantics (input_tokens excludes
// cache_read_input_tokens, which the simulator reports as cache_hit_share of the prompt).
//
// Pure and deterministic; mock_server.cpp adds the timing, faults and HTTP.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mock/mock.h"

namespace llmctl::mock {

struct AnthropicMockPlan {
  std::string id, model;
  int tokens = 1;  // output tokens (text words, or pieces of the tool input)
  std::string stop_reason = "end_turn";
  struct ToolUse {
    std::string id, name, input;  // input: JSON text valid under the tool's input_schema
  };
  std::vector<ToolUse> tools;             // tool_use blocks (sim_model.h decides), or empty
  std::optional<std::string> structured;  // output_config.format: the JSON text answer
  long long input_tokens = 0;             // uncached (Anthropic semantics)
  long long cache_read_tokens = 0;
};

// `tokens`: the drawn output length before max_tokens caps it (stop_reason max_tokens).
AnthropicMockPlan anthropic_mock_plan(const boost::json::object& request,
                                      const MockOptions& options, int tokens, std::string id);

// The whole response body (a `message`).
std::string anthropic_mock_message(const AnthropicMockPlan& plan);

struct MockEvent {
  std::string bytes;   // one SSE event, `event:` and `data:` lines and the blank line
  bool token = false;  // carries an output token (the server waits tpot between these)
};
// message_start, ping, then per block (the text, or each tool_use in turn) content_block_start,
// one content_block_delta per token, content_block_stop; message_delta (stop_reason, usage),
// message_stop.
std::vector<MockEvent> anthropic_mock_events(const AnthropicMockPlan& plan);

}  // namespace llmctl::mock
