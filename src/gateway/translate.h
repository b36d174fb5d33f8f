// Which API each side of a request speaks, and the pieces the proxy calls to bridge them: the
// upstream path and body, the whole response as the client's API shapes it, the error shape the
// client gets, and a per-event stream transform for the SSE relay.
//
// Clients speak OpenAI (/v1/chat/completions, /v1/completions, /v1/embeddings, /v1/responses)
// or Anthropic (/v1/messages); deployments speak OpenAI (openai, openai-compatible, simulated)
// or Anthropic (anthropic). Same API on both sides: the body is passed through with `model`
// rewritten. Different: chat completions <-> messages are translated (anthropic.h); the
// Responses API is passed through to OpenAI's own deployments and translated to chat for every
// other one (responses.h, translate_responses.h), and on to messages for Anthropic ones;
// completions and embeddings have no Anthropic form and are refused with a 400.
//
// One module per client protocol: a new one adds its request/response/stream translators
// beside anthropic.h and responses.h and its cases to the dispatch functions here.
//
// Pure (no sockets or clocks: `created` times are passed in); a StreamTransform belongs to one
// stream and is used on its worker's thread only.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "gateway/config.h"
#include "gateway/pipeline.h"
#include "gateway/protocol.h"

namespace llmctl::gateway {

enum class Translation {
  kNone,                 // same API both sides
  kMessagesToChat,       // Anthropic client -> OpenAI-compatible deployment
  kChatToMessages,       // OpenAI chat client -> anthropic deployment
  kUnsupported,          // completions or embeddings -> anthropic deployment
  kResponsesToChat,      // Responses client -> a chat-completions deployment (not OpenAI's own)
  kResponsesToMessages,  // Responses client -> anthropic deployment (through chat)
};
Translation translation_for(Endpoint client, ProviderKind upstream);
bool speaks_anthropic(ProviderKind kind);

// The request path under the deployment's base URL path: /v1/messages for anthropic
// deployments (their base URL has no /v1), /chat/completions for a translated Messages request,
// else endpoint_path(client).
std::string upstream_path(Endpoint client, ProviderKind upstream);

// The body sent to `deployment`. Errors (the client gets a 400 naming the field): what the
// deployment's API cannot express (n > 1 to Anthropic, embeddings to Anthropic, ...).
Result<std::string> translated_upstream_body(const RequestContext& ctx,
                                             const Deployment& deployment);

struct ClientResponse {
  std::string body;     // in the client's API
  ReportedUsage usage;  // as the upstream reported it (its own semantics), for account()
  // With `parse`: `body` parsed (null when it is not JSON), for what reads a whole answer (the
  // quality checks, the Responses store). A body passed through untranslated is parsed once
  // and its usage read from that parse; without `parse` only its `usage` member is parsed.
  boost::json::value parsed;
};
// A whole 2xx upstream body as the client's API shapes it. Errors: the body is not what the
// upstream's API promises (an upstream protocol error).
Result<ClientResponse> client_response(Endpoint client, ProviderKind upstream, std::string body,
                                       std::int64_t created_unix_s, bool parse = false);
// The same for any request (the Responses API needs the request and the response id); the
// body names the model the client asked for (ctx.model), not the upstream's.
Result<ClientResponse> client_response(const RequestContext& ctx, ProviderKind upstream,
                                       std::string body, std::int64_t created_unix_s,
                                       bool parse = false);
// A body passed through untranslated: its usage (OpenAI's or Anthropic's names, by `upstream`).
// With `parsed`, the whole body is parsed into it (null when not JSON) and the usage read from
// that parse; without, only the `usage` member is parsed.
ReportedUsage usage_of_passthrough(ProviderKind upstream, std::string_view body,
                                   boost::json::value* parsed);
// Parses r.body into r.parsed (null when it is not JSON).
void parse_body(ClientResponse& r);
// Sets the top-level "model" of the body (and of `parsed`) to `model` when it has one.
void rename_model(ClientResponse& r, std::string_view model);

// Rewrites an error answer's body into the client's API shape (same type as
// net::Exchange's filter). Null when the endpoint needs none.
using ErrorBodyFilter = std::string (*)(unsigned status, std::string body);
ErrorBodyFilter error_filter_for(Endpoint client);

// What the relay learns from one upstream event.
struct StreamStep {
  bool output = false;           // generated output (marks first/last token times)
  std::size_t output_chars = 0;  // for estimates when the upstream reports no usage
  bool upstream_error = false;   // the upstream sent an error event
};

// Turns the upstream's SSE events into the client's, one event at a time (never the whole
// stream in memory), and reads usage and the end of the stream on the way.
class StreamTransform {
 public:
  virtual ~StreamTransform() = default;
  // One complete upstream event; what the client gets is appended to `out` (maybe nothing).
  virtual StreamStep on_event(const SseEvent& event, std::string& out) = 0;
  // True once the upstream ended the stream properly (message_stop, [DONE] or an error event):
  // a connection that closes after this is not an interruption.
  virtual bool ended() const = 0;
  // Usage reported so far, in the upstream's semantics.
  virtual const ReportedUsage& usage() const = 0;
  // What ends the client's stream when the upstream fails mid-way: a well-formed error event
  // in the client's API (and [DONE] for OpenAI clients).
  virtual std::string interrupted(std::string_view message) const = 0;
  // Responses API streams: the final `response` object once the stream completed (for the
  // gateway's store); null otherwise.
  virtual const boost::json::object* final_response() const { return nullptr; }
};

// The transform for a stream from `upstream` to a `client` endpoint, never null: the relay has
// one loop for every pair (OpenAI on both sides: a pass-through that reads usage and drops the
// usage-only chunk the client did not ask for). `client_wants_usage`: the OpenAI client's
// stream_options.include_usage.
// `model_alias`: the model name the client asked for, which the client's events carry in place
// of the upstream's (empty: the upstream's as it is). `input_estimate`: the gateway's count of
// the prompt's tokens, for an Anthropic client's message_start when the upstream has not
// reported its own by the first chunk.
std::unique_ptr<StreamTransform> make_stream_transform(Endpoint client, ProviderKind upstream,
                                                       bool client_wants_usage,
                                                       std::int64_t created_unix_s,
                                                       std::string_view model_alias = {},
                                                       long long input_estimate = 0);
// The same for any request (the Responses API needs the request and the response id).
std::unique_ptr<StreamTransform> make_stream_transform(const RequestContext& ctx,
                                                       ProviderKind upstream,
                                                       std::int64_t created_unix_s);

// Anthropic SSE events -> OpenAI chat chunks (the transform an anthropic deployment's stream
// gets for a chat client), for upstreams whose stream is first translated into Anthropic's
// events (platforms.h). `alias`: the model name the client asked for ("": the upstream's).
std::unique_ptr<StreamTransform> make_anthropic_to_chat_transform(bool client_wants_usage,
                                                                  std::int64_t created_unix_s,
                                                                  std::string_view alias = {});

}  // namespace llmctl::gateway
