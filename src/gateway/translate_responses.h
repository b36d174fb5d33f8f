// The Responses API (/v1/responses) on every kind of deployment: the gateway side of
// protocol/responses.h, called through translate.h's dispatch.
//
// - `openai` deployments: passthrough (model rewritten); a previous_response_id the gateway made
//   itself is expanded into the input, since OpenAI has never seen it.
// - every other OpenAI-compatible deployment: translated to chat completions and back.
// - `anthropic` deployments: translated to chat, then to Messages (anthropic.h), and back the
//   same way; streams are Anthropic events -> chat chunks -> Responses events.
//
// Pure; a transform belongs to one stream (one worker thread).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "gateway/translate.h"

namespace llmctl::gateway {

// The body for `deployment` (any kind). Errors name the field the deployment cannot express.
Result<std::string> responses_upstream_body(const RequestContext& ctx, const Deployment& d);

// A whole 2xx upstream body as a `response` object (passthrough: as it is).
// `parse` as client_response's.
Result<ClientResponse> responses_client_response(const RequestContext& ctx, ProviderKind upstream,
                                                 std::string body, std::int64_t created_unix_s,
                                                 bool parse = false);

// The stream transform: a relay that reads usage and the final response (OpenAI), or a
// translation of chat chunks / Anthropic events into Responses events.
std::unique_ptr<StreamTransform> make_responses_stream_transform(const RequestContext& ctx,
                                                                 ProviderKind upstream,
                                                                 std::int64_t created_unix_s);

// The SSE `error` event that ends a Responses stream the upstream cut.
std::string responses_error_event(std::string_view code, std::string_view message,
                                  std::int64_t sequence_number);

}  // namespace llmctl::gateway
