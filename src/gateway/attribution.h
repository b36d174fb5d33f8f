// What a request says about itself, for attribution, budgets and the cost analyser's what-ifs
// (request log v2): its max_tokens, tools, fingerprints and prompt sizes, the OpenAI `user` and
// `metadata`, a bound on its input tokens, and the normalised finish reason of its answer. Pure
// functions of the parsed body and header text.
//
// Fingerprints are XXH3-64 as 16 hex digits:
//   request  the canonical request: every top-level field except stream, stream_options, user,
//            metadata, store and service_tier, objects with their keys sorted — equal fingerprints
//            mean an exact response cache would have hit;
//   system   the text of the system/developer prompt (Anthropic's `system`);
//   prefix   the leading part: the system prompt and the first message after it (what a prefix
//            cache or prefix-affinity routing keys on).
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "gateway/protocol.h"
#include "gateway/request_log.h"

namespace llmctl::gateway {

struct RequestFacts {
  std::optional<long long> max_tokens;  // max_tokens / max_completion_tokens / max_output_tokens
  long long choices = 1;                // OpenAI `n`
  bool has_tools = false;
  std::string request_fingerprint;
  std::string system_fingerprint;  // empty: no system prompt
  long long system_tokens = 0;     // estimated (ceil(chars / 4))
  std::string prefix_fingerprint;  // empty: no messages
  long long prefix_tokens = 0;
  std::string user;                             // OpenAI `user`, Anthropic metadata.user_id
  std::map<std::string, std::string> metadata;  // OpenAI `metadata` (string values)
  // An upper bound on the input tokens: every UTF-8 byte of text is at most one token for the
  // byte-level BPE tokenizers in use, plus 8 tokens per message for roles and separators; image
  // parts count `image_tokens` each (their bytes do not).
  long long input_tokens_bound = 0;
  long long images = 0;
};

// The request headers that say who is calling (views into the request; empty: absent).
struct CallerHeaders {
  std::string_view authorization, x_api_key;  // the secret (auth stage)
  // x-llmctl-team, -user, -project, -agent, -session, -tags (a key's own fields win).
  std::string_view team, user, project, agent, session, tags;
};

// Who a request is attributed to: the key's fields first, then what the client sent.
struct Attribution {
  std::string key_id, key_name, team, user, project, agent, session;
  std::map<std::string, std::string> tags;
};

RequestFacts request_facts(const boost::json::object& body, Endpoint endpoint,
                           long long image_tokens);

// `x-llmctl-tags: team=search,env=prod` -> map; an error names what is wrong.
Result<std::map<std::string, std::string>> parse_tags_header(std::string_view header);
// Tags as a JSON object with sorted keys ("" when empty).
std::string tags_json(const std::map<std::string, std::string>& tags);

// Finish reasons normalised for the request log: stop, length, tool_calls, content_filter
// (OpenAI's and Anthropic's names both map), plus error and interrupted for failed requests.
std::string_view normalize_finish_reason(std::string_view reason);
// The finish reason in one stream event's data or a whole response body (OpenAI
// "finish_reason" or Anthropic "stop_reason"); empty when it carries none. Scans, no parse.
std::string_view scan_finish_reason(std::string_view text);
// The finish_reason column of a request that ended with `error` after the upstream reported
// `reported` (raw, empty: none): a cut answer (interrupted stream, client gone, drain) is
// "interrupted", any other failure "error", a success its normalised reason (empty: NULL, as for
// embeddings).
std::string_view logged_finish_reason(ErrorClass error, std::string_view reported);

// Fills the request log v2 columns that describe the request and its caller. The fingerprints
// are moved out of `facts` (empty afterwards: the record is their reader from then on).
void describe_request(RequestRecord& rec, RequestFacts& facts, const Attribution& who);

}  // namespace llmctl::gateway
