#include "agent/ask/llm_loop.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "agent/ask/http_client.h"

namespace llmctl::agent::ask {
namespace {

namespace json = boost::json;

constexpr std::string_view kSystemPrompt =
    "You are llmctl, an AI DevOps engineer for LLM applications. Answer the user's request "
    "with llmctl's tools: they compute capacity plans, performance, deployment bundles, audits, "
    "prices and knowledge from a sourced catalog. Never estimate a number a tool can compute; "
    "quote the tools' numbers and their 'because' lines. The deploy tool is a dry run unless "
    "writing was allowed. Architecture decisions (RAG vs fine-tuning, model family) belong to "
    "an AI solution architect, reliability policy to an SRE: say so and give llmctl's numbers.";

long long usage_of(const json::object& response, std::string_view key) {
  const json::value* usage = response.if_contains("usage");
  if (!usage || !usage->is_object()) return 0;
  const json::value* v = usage->as_object().if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<long long>(v->as_uint64());
  if (v->is_double()) return static_cast<long long>(v->as_double());
  return 0;
}

json::array tool_definitions(const Registry& tools) {
  json::array out;
  for (const Tool& t : tools.tools())
    out.push_back(json::object{{"type", "function"},
                               {"function", json::object{{"name", t.name},
                                                         {"description", t.description},
                                                         {"parameters", t.input_schema()}}}});
  return out;
}

std::string brief(const json::object& args) {
  std::string s = json::serialize(args);
  return s.size() > 160 ? s.substr(0, 157) + "..." : s;
}

}  // namespace

HttpChatClient::HttpChatClient(std::string base_url, std::string api_key,
                               std::chrono::milliseconds timeout)
    : base_url_(std::move(base_url)), api_key_(std::move(api_key)), timeout_(timeout) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

Result<json::object> HttpChatClient::complete(const json::object& request) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!api_key_.empty()) headers.emplace_back("Authorization", "Bearer " + api_key_);
  const std::string url = base_url_ + "/chat/completions";
  auto r = http_post(url, headers, json::serialize(request), timeout_);
  if (!r) return r.error();
  boost::system::error_code ec;
  json::value body = json::parse(r->body, ec);
  if (r->status != 200) {
    std::string message = r->body.substr(0, 300);
    if (!ec && body.is_object())
      if (const json::value* err = body.as_object().if_contains("error"))
        if (err->is_object())
          if (const json::value* m = err->as_object().if_contains("message"))
            if (m->is_string()) message = std::string(m->as_string());
    return Error{fmt::format("{}: HTTP {}: {}", url, r->status, message)};
  }
  if (ec || !body.is_object())
    return Error{fmt::format("{}: the response is not a JSON object", url)};
  return body.as_object();
}

LlmReport run_llm(const std::string& request, const std::string& model, ChatClient& client,
                  const Registry& tools, const ToolEnv& env, const LlmPrice& price,
                  const LlmLimits& limits, const OnEvent& on_event) {
  LlmReport report;
  json::array messages{json::object{{"role", "system"}, {"content", kSystemPrompt}},
                       json::object{{"role", "user"}, {"content", request}}};
  const json::array definitions = tool_definitions(tools);
  auto spent = [&] { return report.prompt_tokens + report.completion_tokens; };
  for (;;) {
    if (report.iterations >= limits.max_iterations) {
      report.stopped = "max_iterations";
      break;
    }
    const long long left = limits.max_tokens - spent();
    if (left <= 0) {
      report.stopped = "max_tokens";
      break;
    }
    if (report.usd >= limits.max_usd) {
      report.stopped = "max_usd";
      break;
    }
    ++report.iterations;
    json::object req{{"model", model},
                     {"messages", messages},
                     {"tools", definitions},
                     {"tool_choice", "auto"},
                     {"max_tokens", std::min<long long>(4096, left)}};
    auto response = client.complete(req);
    if (!response) {
      report.stopped = "error";
      report.error = response.error().message;
      break;
    }
    const long long in = usage_of(*response, "prompt_tokens");
    const long long out = usage_of(*response, "completion_tokens");
    report.prompt_tokens += in;
    report.completion_tokens += out;
    report.usd += (in * price.input_usd_per_mtok + out * price.output_usd_per_mtok) / 1e6;
    if (on_event)
      on_event(fmt::format("turn {}: {} tokens in, {} out (${:.4f} so far)", report.iterations, in,
                           out, report.usd));
    const json::value* choices = response->if_contains("choices");
    if (!choices || !choices->is_array() || choices->as_array().empty() ||
        !choices->as_array()[0].is_object()) {
      report.stopped = "error";
      report.error = "the response has no choices";
      break;
    }
    const json::value* message = choices->as_array()[0].as_object().if_contains("message");
    if (!message || !message->is_object()) {
      report.stopped = "error";
      report.error = "the response's first choice has no message";
      break;
    }
    const json::object& msg = message->as_object();
    const json::value* calls = msg.if_contains("tool_calls");
    if (!calls || !calls->is_array() || calls->as_array().empty()) {
      const json::value* content = msg.if_contains("content");
      report.answer = content && content->is_string() ? std::string(content->as_string()) : "";
      report.stopped = "answered";
      break;
    }
    messages.push_back(json::object{
        {"role", "assistant"},
        {"content", msg.contains("content") ? msg.at("content") : json::value(nullptr)},
        {"tool_calls", *calls}});
    for (const auto& c : calls->as_array()) {
      ToolCallRecord record;
      std::string id, content;
      const json::object* call = c.is_object() ? &c.as_object() : nullptr;
      const json::value* fn = call ? call->if_contains("function") : nullptr;
      if (call && call->contains("id") && call->at("id").is_string())
        id = std::string(call->at("id").as_string());
      if (fn && fn->is_object()) {
        const json::object& f = fn->as_object();
        record.name = f.contains("name") && f.at("name").is_string()
                          ? std::string(f.at("name").as_string())
                          : "";
        boost::system::error_code ec;
        json::value args = f.contains("arguments") && f.at("arguments").is_string()
                               ? json::parse(f.at("arguments").as_string(), ec)
                               : json::value(json::object{});
        if (!ec && args.is_object()) record.arguments = args.as_object();
      }
      const Tool* tool = tools.find(record.name);
      Result<json::value> result =
          tool ? tool->call(record.arguments, env)
               : Result<json::value>(Error{fmt::format("unknown tool '{}'", record.name)});
      record.ok = static_cast<bool>(result);
      if (result) {
        content = json::serialize(*result);
        record.summary = fmt::format("{} bytes of JSON", content.size());
        if (static_cast<int>(content.size()) > limits.max_tool_output_chars)
          content = content.substr(0, static_cast<std::size_t>(limits.max_tool_output_chars)) +
                    "... [cut: ask for less, e.g. top or a narrower search]";
      } else {
        content = "error: " + result.error().message;
        record.summary = result.error().message;
      }
      if (on_event)
        on_event(fmt::format("tool {}({}) -> {}{}", record.name, brief(record.arguments),
                             record.ok ? "" : "error: ", record.summary));
      messages.push_back(
          json::object{{"role", "tool"}, {"tool_call_id", id}, {"content", content}});
      report.calls.push_back(std::move(record));
    }
  }
  return report;
}

json::value to_json(const LlmReport& r) {
  json::array calls;
  for (const auto& c : r.calls)
    calls.push_back(json::object{
        {"tool", c.name}, {"arguments", c.arguments}, {"ok", c.ok}, {"summary", c.summary}});
  return json::object{{"answer", r.answer},
                      {"stopped", r.stopped},
                      {"error", r.error.empty() ? json::value(nullptr) : json::value(r.error)},
                      {"tool_calls", calls},
                      {"iterations", r.iterations},
                      {"prompt_tokens", r.prompt_tokens},
                      {"completion_tokens", r.completion_tokens},
                      {"usd", r.usd}};
}

}  // namespace llmctl::agent::ask
