// Quality signals of every answer, cheap enough for each request (pure; the proxy calls them,
// quality_metrics.h counts them, the request log stores them):
//
//   empty      a successful generation with no text and no tool call (whitespace is empty);
//   refusal    the model declined: OpenAI's `refusal` field (structured outputs), Anthropic's
//              stop_reason "refusal", a Responses `refusal` part, or finish reason
//              content_filter;
//   json       under JSON mode or structured outputs (chat `response_format` json_object /
//              json_schema, Anthropic `output_config.format`, Responses `text.format`): the
//              answer's text parses as JSON (an object for json_object);
//   tool_args  every tool call's arguments parse as a JSON object.
//
// Each is 1 (the problem is there), 0 (checked, fine) or -1 (does not apply). The checks read
// the answer in the client's API (chat.completion, an Anthropic message, a Responses object);
// streams feed their events to StreamChecks.
#pragma once

#include <boost/json/fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/protocol.h"

namespace llmctl::gateway {

struct QualityRequest {
  bool generates = false;    // an endpoint that generates text (not embeddings)
  bool json_mode = false;    // JSON mode or structured outputs
  bool json_object = false;  // ...and the answer must be an object (json_object mode)
};
QualityRequest quality_request(const boost::json::object& body, Endpoint endpoint);

struct AnswerChecks {
  int empty = -1, refusal = -1, json_invalid = -1, tool_args_invalid = -1;
};

// A whole successful answer body in the client's API.
AnswerChecks check_answer(std::string_view body, Endpoint endpoint, const QualityRequest& q);
// The same answer already parsed (the proxy parses a whole answer once for everything that reads
// it: these checks, its usage, the Responses store); anything but an object checks nothing.
AnswerChecks check_parsed_answer(const boost::json::value& answer, Endpoint endpoint,
                                 const QualityRequest& q);
AnswerChecks check_parsed_answer(const boost::json::object& answer, Endpoint endpoint,
                                 const QualityRequest& q);

// A whole chat or completions answer checked by scanning its text instead of parsing it (the
// proxy's common case: building the answer's DOM was ~15% of a JSON request's instructions).
// answer_scannable says whether a scan may answer at all (a generating chat or completions
// request without JSON mode); scan_chat_answer gives check_answer's verdicts, or nullopt where
// the caller must parse: not scannable, a tool call, a \u escape in a text, not an object.
// With `finish_reason`, a scan that read the body to its end and met a `"finish_reason"` sets
// it to what scan_finish_reason(body) gives (attribution.h), found on the same pass; it stays
// nullopt otherwise (not scannable, a tool call, no such key: an Anthropic `stop_reason`), and
// the caller scans for it.
bool answer_scannable(Endpoint endpoint, const QualityRequest& q);
std::optional<AnswerChecks> scan_chat_answer(
    std::string_view body, Endpoint endpoint, const QualityRequest& q,
    std::optional<std::string_view>* finish_reason = nullptr);

// A streamed answer: every event's data (the client's API), then finish(). Events are parsed
// only when JSON mode or tool calls need the text; otherwise they are scanned.
class StreamChecks {
 public:
  StreamChecks(Endpoint endpoint, const QualityRequest& q) : endpoint_(endpoint), q_(q) {}
  // `scan` is protocol::scan_event(data): its triggers say which events are parsed.
  void on_event(std::string_view data, const protocol::EventScan& scan);
  // `output_chars`: characters of output the relay saw; `finish_reason` as reported.
  AnswerChecks finish(std::size_t output_chars, std::string_view finish_reason) const;

 private:
  Endpoint endpoint_;
  QualityRequest q_;
  bool refusal_ = false;
  bool final_seen_ = false;  // a Responses stream's final object was checked whole
  AnswerChecks final_;
  std::string text_;
  std::vector<std::string> tool_args_;  // by index
};

}  // namespace llmctl::gateway
