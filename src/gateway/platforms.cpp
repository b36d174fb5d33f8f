#include "gateway/platforms.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "cloud/sigv4.h"
#include "protocol/bedrock.h"
#include "protocol/gemini.h"

namespace llmctl::gateway {

namespace json = boost::json;
namespace bedrock = protocol::bedrock;
namespace gemini = protocol::gemini;

namespace {

// Bedrock's Converse events in Anthropic's SSE events (bedrock.h does the mapping).
class ConverseToAnthropic final : public StreamTransform {
 public:
  ConverseToAnthropic(std::string_view model, std::string_view id) {
    st_.model = model;
    st_.id = id;
  }
  StreamStep on_event(const SseEvent& ev, std::string& out) override {
    StreamStep step;
    if (ev.event.empty()) return step;
    const bedrock::ConverseStep s =
        bedrock::converse_event_to_anthropic(st_, ev.event, ev.data, out);
    step.output = s.output;
    step.output_chars = s.output_chars;
    step.upstream_error = st_.error;
    return step;
  }
  bool ended() const override { return st_.ended; }
  const ReportedUsage& usage() const override { return st_.usage; }
  std::string interrupted(std::string_view message) const override {
    return anthropic::error_event("api_error", message);
  }

 private:
  bedrock::ConverseStreamState st_;
};

// Gemini's SSE chunks in Anthropic's SSE events (gemini.h does the mapping).
class GeminiToAnthropic final : public StreamTransform {
 public:
  GeminiToAnthropic(std::string_view model, std::string_view id) {
    st_.model = model;
    st_.id = id;
  }
  StreamStep on_event(const SseEvent& ev, std::string& out) override {
    StreamStep step;
    const gemini::GeminiStep s = gemini::gemini_chunk_to_anthropic(st_, ev.data, out);
    step.output = s.output;
    step.output_chars = s.output_chars;
    step.upstream_error = st_.error;
    return step;
  }
  bool ended() const override { return st_.ended; }
  const ReportedUsage& usage() const override { return st_.usage; }
  std::string interrupted(std::string_view message) const override {
    return anthropic::error_event("api_error", message);
  }

 private:
  gemini::GeminiStreamState st_;
};

// Two transforms in a row: the first's SSE output is the second's input. Output and errors
// are the first's (it sees the upstream); usage too (it has the upstream's own counters);
// the end and the interruption event are the second's (the client's API).
class Chained final : public StreamTransform {
 public:
  Chained(std::unique_ptr<StreamTransform> first, std::unique_ptr<StreamTransform> second)
      : first_(std::move(first)), second_(std::move(second)) {}
  StreamStep on_event(const SseEvent& ev, std::string& out) override {
    between_.clear();
    const StreamStep step = first_->on_event(ev, between_);
    parser_.feed(between_);
    SseEvent e;
    while (parser_.next(e)) second_->on_event(e, out);
    return step;
  }
  bool ended() const override { return second_->ended(); }
  const ReportedUsage& usage() const override { return first_->usage(); }
  std::string interrupted(std::string_view message) const override {
    return second_->interrupted(message);
  }

 private:
  std::unique_ptr<StreamTransform> first_, second_;
  SseParser parser_;
  std::string between_;
};

}  // namespace

std::string upstream_target(Endpoint client, bool stream, const Deployment& d) {
  switch (d.kind) {
    case ProviderKind::kBedrock:
      return d.url.base_path + bedrock::converse_path(d.model, stream);
    case ProviderKind::kGemini:
      return d.url.base_path + gemini::generate_path(cloud::aws_uri_encode(d.model, false), stream);
    case ProviderKind::kVertex:
      // The Gemini API's method names under the project's publisher model.
      return fmt::format("{}/projects/{}/locations/{}/publishers/google{}", d.url.base_path,
                         d.project, d.location,
                         gemini::generate_path(cloud::aws_uri_encode(d.model, false), stream));
    case ProviderKind::kVertexAnthropic:
      // Claude ids carry their version after '@' (claude-sonnet-4-5@20250929), sent as is.
      return fmt::format("{}/projects/{}/locations/{}/publishers/anthropic/models/{}:{}",
                         d.url.base_path, d.project, d.location, d.model,
                         stream ? "streamRawPredict" : "rawPredict");
    case ProviderKind::kAzureOpenAI:
      // A Messages client's request is translated to chat completions (translate.h).
      return fmt::format("{}/openai/deployments/{}{}?api-version={}", d.url.base_path,
                         cloud::aws_uri_encode(d.model, false),
                         upstream_path(client, ProviderKind::kOpenAI), d.api_version);
    default:
      return d.url.base_path + upstream_path(client, d.kind);
  }
}

std::string_view upstream_accept(bool stream, const Deployment& d) {
  if (!stream) return "application/json";
  return d.kind == ProviderKind::kBedrock ? protocol::eventstream::kContentType
                                          : "text/event-stream";
}

bool streams_event_frames(const Deployment& d) { return d.kind == ProviderKind::kBedrock; }

std::vector<std::pair<std::string, std::string>> platform_auth_headers(
    const Deployment& d, std::string_view target, std::string_view host,
    std::string_view content_type, std::string_view body, std::int64_t unix_s,
    const cloud::Credential* fetched) {
  if (fetched && !fetched->bearer.empty())  // vertex's service account, azure's Entra ID app
    return {{"Authorization", "Bearer " + fetched->bearer}};
  if (d.kind == ProviderKind::kVertex || d.kind == ProviderKind::kVertexAnthropic)
    return {{"Authorization", "Bearer " + d.api_key}};  // access_token_env
  if (d.kind == ProviderKind::kAzureOpenAI) return {{"api-key", d.api_key}};
  if (d.kind == ProviderKind::kGemini) return {{"x-goog-api-key", d.api_key}};
  if (d.kind != ProviderKind::kBedrock) return {};
  cloud::SigV4Request r;
  const std::size_t q = target.find('?');
  r.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
  r.headers = {{"host", std::string(host)}, {"content-type", std::string(content_type)}};
  r.payload = body;
  return cloud::sigv4_sign(r, {d.region, "bedrock"}, fetched ? fetched->aws : d.aws, unix_s);
}

bool is_platform(ProviderKind kind) {
  return kind == ProviderKind::kAzureOpenAI || kind == ProviderKind::kBedrock ||
         kind == ProviderKind::kGemini || kind == ProviderKind::kVertex ||
         kind == ProviderKind::kVertexAnthropic;
}

bool speaks_via_messages(ProviderKind kind) {
  return kind == ProviderKind::kBedrock || kind == ProviderKind::kGemini ||
         kind == ProviderKind::kVertex;
}

Result<std::string> vertex_anthropic_body(std::string_view messages_body) {
  boost::system::error_code ec;
  json::value v = json::parse(messages_body, ec);
  if (ec || !v.is_object()) return Error{"internal: the Messages body is not a JSON object"};
  json::object& o = v.as_object();
  o.erase("model");
  o["anthropic_version"] = kVertexAnthropicVersion;
  return json::serialize(o);
}

Result<std::string> platform_upstream_body(const RequestContext& ctx, const Deployment& d) {
  const std::string_view api = d.kind == ProviderKind::kBedrock  ? "Bedrock's Converse API"
                               : d.kind == ProviderKind::kVertex ? "Vertex AI's generateContent API"
                                                                 : "the Gemini API";
  auto where = [&](const Error& e) {
    return Error{fmt::format("{} (deployment {} speaks {})", e.message, d.name, api)};
  };
  auto from_messages = [&](const json::object& messages) {
    return d.kind == ProviderKind::kBedrock ? bedrock::messages_to_converse_request(messages)
                                            : gemini::messages_to_gemini_request(messages);
  };
  if (ctx.endpoint == Endpoint::kMessages) {
    auto r = from_messages(ctx.body.as_object());
    if (!r) return where(r.error());
    return r;
  }
  if (ctx.endpoint != Endpoint::kChat)
    return Error{fmt::format(
        "/v1/{} is not available through {}; deployment {} serves chat completions and messages "
        "only",
        endpoint_name(ctx.endpoint), api, d.name)};
  auto messages = anthropic::chat_to_messages_request(ctx.body.as_object(), d.model);
  if (!messages) return where(messages.error());
  boost::system::error_code ec;
  json::value v = json::parse(*messages, ec);
  if (ec || !v.is_object()) return Error{"internal: the Messages translation is not JSON"};
  auto r = from_messages(v.as_object());
  if (!r) return where(r.error());
  return r;
}

Result<ClientResponse> platform_client_response(Endpoint client, const Deployment& d,
                                                std::string_view body, std::string_view id,
                                                std::int64_t created) {
  ClientResponse r;
  Result<std::string> messages = Error{""};
  if (d.kind == ProviderKind::kBedrock) {
    messages = bedrock::converse_to_messages_response(body, d.model, id);
    if (messages) r.usage = anthropic::usage_from_body(*messages);
  } else {
    messages = gemini::gemini_to_messages_response(body, d.model, id);
    // Gemini's own counters (thinking tokens too), in OpenAI semantics.
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (!ec && v.is_object())
      if (const json::value* um = v.as_object().if_contains("usageMetadata"))
        r.usage = gemini::usage_from_json(*um);
  }
  if (!messages) return messages.error();
  if (client == Endpoint::kMessages) {
    r.body = std::move(*messages);
    return r;
  }
  auto chat = anthropic::messages_to_chat_response(*messages, created);
  if (!chat) return chat.error();
  r.body = std::move(*chat);
  return r;
}

std::unique_ptr<StreamTransform> make_platform_stream_transform(Endpoint client,
                                                                const Deployment& d,
                                                                bool client_wants_usage,
                                                                std::string_view id,
                                                                std::int64_t created) {
  std::unique_ptr<StreamTransform> first;
  if (d.kind == ProviderKind::kBedrock)
    first = std::make_unique<ConverseToAnthropic>(d.model, id);
  else
    first = std::make_unique<GeminiToAnthropic>(d.model, id);
  if (client == Endpoint::kMessages) return first;
  return std::make_unique<Chained>(std::move(first),
                                   make_anthropic_to_chat_transform(client_wants_usage, created));
}

std::string platform_error_body(const Deployment& d, unsigned status, std::string_view body,
                                std::string_view error_type) {
  if (d.kind == ProviderKind::kBedrock) return bedrock::error_to_openai(status, body, error_type);
  if (d.kind == ProviderKind::kVertexAnthropic) {
    // Vertex's own errors (quota, auth, routing) come in Google's shape; the model's own in
    // Anthropic's, relayed as they are.
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    const json::value* e = !ec && v.is_object() ? v.as_object().if_contains("error") : nullptr;
    if (!e || !e->is_object() || !e->as_object().if_contains("status")) return std::string(body);
  }
  return gemini::error_to_openai(status, body);
}

bool is_content_policy_error(const Deployment& d, std::string_view body) {
  if (d.kind != ProviderKind::kAzureOpenAI) return false;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  const json::object* o = !ec && v.is_object() ? &v.as_object() : nullptr;
  const json::value* e = o ? o->if_contains("error") : nullptr;
  if (!e || !e->is_object()) return false;
  const json::object& err = e->as_object();
  if (const json::value* code = err.if_contains("code"); code && code->is_string())
    if (code->as_string() == "content_filter") return true;
  if (const json::value* inner = err.if_contains("innererror"); inner && inner->is_object())
    if (const json::value* code = inner->as_object().if_contains("code");
        code && code->is_string() && code->as_string() == "ResponsibleAIPolicyViolation")
      return true;
  return false;
}

bool EventStreamToSse::feed(std::string_view bytes, std::string& out) {
  namespace es = protocol::eventstream;
  decoder_.feed(bytes);
  for (;;) {
    switch (decoder_.next(message_)) {
      case es::Decoder::Status::kNeedMore:
        return true;
      case es::Decoder::Status::kError:
        return false;
      case es::Decoder::Status::kMessage:
        break;
    }
    const std::string_view type = message_.header(":message-type");
    std::string event;
    std::string data = std::move(message_.payload);
    if (type == "exception") {
      event = fmt::format("exception:{}", message_.header(":exception-type"));
    } else if (type == "error") {
      event = fmt::format("exception:{}", message_.header(":error-code"));
      data = json::serialize(json::object{{"message", message_.header(":error-message")}});
    } else {
      event = std::string(message_.header(":event-type"));
    }
    // SSE data is one line here: JSON has no raw line breaks inside strings, so re-serialising
    // removes any between tokens.
    if (data.find_first_of("\r\n") != std::string::npos) {
      boost::system::error_code ec;
      json::value v = json::parse(data, ec);
      data = ec ? "{}" : json::serialize(v);
    }
    if (data.empty()) data = "{}";
    out += "event: ";
    out += event;
    out += "\ndata: ";
    out += data;
    out += "\n\n";
  }
}

}  // namespace llmctl::gateway
