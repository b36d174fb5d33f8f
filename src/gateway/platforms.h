// The managed platforms as gateway upstreams (issue 18): what differs from a plain OpenAI or
// Anthropic deployment — the request target, authentication, the body's API, the answer's
// translation, the stream framing and the error shape — in one place, so proxy.cpp asks here
// instead of testing provider kinds itself.
//
// azure-openai: the OpenAI API under {base_url}/openai/deployments/{model}/...?api-version=V,
//   authenticated with an api-key header; bodies and streams pass through as for openai.
// gemini: the Gemini API at {base_url}/models/{model}:generateContent (streams:
//   :streamGenerateContent?alt=sse), the key in x-goog-api-key; translated like bedrock
//   (protocol/gemini.h), its streams are SSE.
// bedrock: Bedrock's Converse API at {base_url}/model/{model}/converse(-stream), SigV4-signed
//   (service "bedrock"). Anthropic clients' requests become Converse requests directly;
//   OpenAI chat clients' go chat -> Messages -> Converse (anthropic.h, bedrock.h) and their
//   answers come back the same way. Streams arrive as AWS event-stream frames, which
//   EventStreamToSse turns into SSE text for the relay's parser.
//
// Pure except `authenticate` (which takes the time as an argument); used on one worker's thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "gateway/config.h"
#include "gateway/pipeline.h"
#include "gateway/protocol.h"
#include "gateway/translate.h"
#include "protocol/eventstream.h"

namespace llmctl::gateway {

// The request target (path and query) under the deployment's host.
std::string upstream_target(Endpoint client, bool stream, const Deployment& d);

// The Accept header for a request to `d`.
std::string_view upstream_accept(bool stream, const Deployment& d);

// True when the deployment's stream arrives as AWS event-stream frames.
bool streams_event_frames(const Deployment& d);

// Headers that authenticate a request to a managed platform, computed from the request's
// target, Host, Content-Type and body; `unix_s` is the signing time. `fetched`: the
// deployment's current credential when it has a TokenCache (a bearer token, or AWS temporary
// credentials to sign with), else null. Empty for other kinds.
std::vector<std::pair<std::string, std::string>> platform_auth_headers(
    const Deployment& d, std::string_view target, std::string_view host,
    std::string_view content_type, std::string_view body, std::int64_t unix_s,
    const cloud::Credential* fetched = nullptr);

// The managed platforms: azure-openai, bedrock, gemini, vertex (platform_auth_headers).
bool is_platform(ProviderKind kind);

// True for the platforms whose API the gateway reaches through the Messages translation
// (bedrock, gemini, vertex's Gemini models): the functions below serve them.
bool speaks_via_messages(ProviderKind kind);

// Anthropic on Vertex AI: the Messages body without `model` (the URL names it) and with
// anthropic_version in it, as rawPredict and streamRawPredict take it.
inline constexpr std::string_view kVertexAnthropicVersion = "vertex-2023-10-16";
Result<std::string> vertex_anthropic_body(std::string_view messages_body);

// The platform's body for the client's request. Errors: what its API cannot carry.
Result<std::string> platform_upstream_body(const RequestContext& ctx, const Deployment& d);

// A whole answer in the client's API. `id`: the message id to give it.
Result<ClientResponse> platform_client_response(Endpoint client, const Deployment& d,
                                                std::string_view body, std::string_view id,
                                                std::int64_t created_unix_s);

// The stream transform (for Bedrock: of the SSE text EventStreamToSse produces).
std::unique_ptr<StreamTransform> make_platform_stream_transform(Endpoint client,
                                                                const Deployment& d,
                                                                bool client_wants_usage,
                                                                std::string_view id,
                                                                std::int64_t created_unix_s);

// An error answer's body in OpenAI's shape (the exchange's filter turns it into Anthropic's
// for Messages clients). `error_type`: Bedrock's x-amzn-errortype header. For Claude on
// Vertex, only Google-shaped bodies are rewritten; Anthropic-shaped ones are returned as they
// are.
std::string platform_error_body(const Deployment& d, unsigned status, std::string_view body,
                                std::string_view error_type);

// True when an upstream's 4xx body says it refused the content itself (Azure OpenAI's content
// filter: error.code "content_filter", or innererror.code "ResponsibleAIPolicyViolation"):
// relayed as it is and not retried elsewhere (ErrorClass::kContentPolicy).
bool is_content_policy_error(const Deployment& d, std::string_view body);

// AWS event-stream frames -> one SSE event per message: `event: <:event-type>` and the JSON
// payload as data; exception and error messages become `event: exception:<type>`.
class EventStreamToSse {
 public:
  // Appends the SSE text of every message completed by `bytes` to `out`. False when the frames
  // are corrupt (error() says how); the stream must then be treated as broken.
  bool feed(std::string_view bytes, std::string& out);
  const std::string& error() const { return decoder_.error(); }

 private:
  protocol::eventstream::Decoder decoder_;
  protocol::eventstream::Message message_;
};

}  // namespace llmctl::gateway
