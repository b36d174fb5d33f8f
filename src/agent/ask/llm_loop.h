// `llmctl ask --llm MODEL`: a tool-calling loop over the same registry the scripts use, through
// any OpenAI-compatible chat completions endpoint (the llmctl gateway included). Bounded three
// ways — model turns, tokens and dollars (the catalog's price for MODEL, or one given) — and
// read-only unless the caller's FileAccess allows writes (the deploy tool refuses otherwise).
// Every tool call is reported as it happens.
//
// The loop is independent of HTTP: it talks to a ChatClient (HttpChatClient in production, a
// fake in unit tests).
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "agent/tools/tool.h"

namespace llmctl::agent::ask {

class ChatClient {
 public:
  virtual ~ChatClient() = default;
  // One /chat/completions request (OpenAI shape) -> the response body, or an error naming the
  // endpoint and what went wrong (status and the provider's message).
  virtual Result<boost::json::object> complete(const boost::json::object& request) = 0;
};

class HttpChatClient : public ChatClient {
 public:
  // `base_url` ends before /chat/completions (e.g. http://127.0.0.1:8080/v1).
  HttpChatClient(std::string base_url, std::string api_key, std::chrono::milliseconds timeout);
  Result<boost::json::object> complete(const boost::json::object& request) override;

 private:
  std::string base_url_, api_key_;
  std::chrono::milliseconds timeout_;
};

struct LlmLimits {
  int max_iterations = 8;        // model turns
  long long max_tokens = 50000;  // prompt + completion over the whole loop
  double max_usd = 0.50;
  int max_tool_output_chars = 16000;  // a tool result is cut to this before the model sees it
};

struct LlmPrice {
  double input_usd_per_mtok = 0;
  double output_usd_per_mtok = 0;
  std::string source;  // the catalog price id, or "--usd-per-mtok"
};

struct ToolCallRecord {
  std::string name;
  boost::json::object arguments;
  bool ok = false;
  std::string summary;  // the error, or the output's size
};

struct LlmReport {
  std::string answer;  // the model's final text ("" when stopped by a bound)
  std::vector<ToolCallRecord> calls;
  int iterations = 0;
  long long prompt_tokens = 0, completion_tokens = 0;
  double usd = 0;
  std::string stopped;  // answered | max_iterations | max_tokens | max_usd | error
  std::string error;
};

using OnEvent = std::function<void(const std::string& line)>;

LlmReport run_llm(const std::string& request, const std::string& model, ChatClient& client,
                  const Registry& tools, const ToolEnv& env, const LlmPrice& price,
                  const LlmLimits& limits, const OnEvent& on_event);

boost::json::value to_json(const LlmReport& report);

}  // namespace llmctl::agent::ask
