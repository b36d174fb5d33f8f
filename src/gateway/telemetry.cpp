#include "gateway/telemetry.h"

#include <boost/json.hpp>
#include <cmath>

#include "gateway/attribution.h"

namespace llmctl::gateway::telemetry {

namespace json = boost::json;

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is invalid in traceparent
}

template <std::size_t N>
bool read_hex(std::string_view s, std::array<std::uint8_t, N>& out) {
  if (s.size() != 2 * N) return false;
  bool nonzero = false;
  for (std::size_t i = 0; i < N; ++i) {
    const int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    nonzero = nonzero || out[i] != 0;
  }
  return nonzero;
}

template <std::size_t N>
bool all_zero(const std::array<std::uint8_t, N>& a) {
  for (auto b : a)
    if (b) return false;
  return true;
}

}  // namespace

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

std::optional<TraceParent> parse_traceparent(std::string_view h) {
  // version "-" trace-id "-" parent-id "-" trace-flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55.
  while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.remove_prefix(1);
  while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.remove_suffix(1);
  if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  const int v_hi = hex_digit(h[0]), v_lo = hex_digit(h[1]);
  if (v_hi < 0 || v_lo < 0 || (v_hi == 15 && v_lo == 15)) return std::nullopt;
  const int version = v_hi * 16 + v_lo;
  // Version 00 is exactly 55 characters; a later version may append "-..." fields.
  if (version == 0 ? h.size() != 55 : (h.size() > 55 && h[55] != '-')) return std::nullopt;
  TraceParent p;
  if (!read_hex(h.substr(3, 32), p.trace_id) || !read_hex(h.substr(36, 16), p.parent_id))
    return std::nullopt;
  const int f_hi = hex_digit(h[53]), f_lo = hex_digit(h[54]);
  if (f_hi < 0 || f_lo < 0) return std::nullopt;
  p.flags = static_cast<std::uint8_t>(f_hi * 16 + f_lo);
  return p;
}

std::string format_traceparent(const TraceId& trace, const SpanId& span, std::uint8_t flags) {
  const std::array<std::uint8_t, 1> f{flags};
  return "00-" + hex(trace) + "-" + hex(span) + "-" + hex(f);
}

bool valid_tracestate(std::string_view h) {
  if (h.empty() || h.size() > 512) return false;
  int members = 1;
  for (char c : h) {
    if (c < 0x20 || c > 0x7e) return false;
    if (c == ',') ++members;
  }
  return members <= 32;
}

TraceId new_trace_id(Random& rng) {
  TraceId id{};
  do {
    for (int half = 0; half < 2; ++half) {
      const std::uint64_t v = rng.next();
      for (int i = 0; i < 8; ++i) id[half * 8 + i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
    }
  } while (all_zero(id));
  return id;
}

SpanId new_span_id(Random& rng) {
  SpanId id{};
  do {
    const std::uint64_t v = rng.next();
    for (int i = 0; i < 8; ++i) id[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
  } while (all_zero(id));
  return id;
}

bool should_sample(const std::optional<TraceParent>& parent, const TraceId& id, double ratio) {
  if (parent) return (parent->flags & kSampled) != 0;
  if (ratio >= 1) return true;
  if (ratio <= 0) return false;
  std::uint64_t low = 0;
  for (int i = 8; i < 16; ++i) low = low << 8 | id[static_cast<std::size_t>(i)];
  return static_cast<double>(low) < ratio * 18446744073709551616.0;
}

std::string attempt_traceparent(const RequestTrace& t, const SpanId& attempt) {
  return format_traceparent(t.trace_id, attempt, t.flags);
}

std::string_view operation_name(Endpoint e) {
  switch (e) {
    case Endpoint::kCompletions:
      return "text_completion";
    case Endpoint::kEmbeddings:
      return "embeddings";
    case Endpoint::kChat:
    case Endpoint::kMessages:
    case Endpoint::kResponses:
      return "chat";
  }
  return "chat";
}

std::string_view operation_name(std::string_view endpoint_name) {
  if (endpoint_name == "completions") return "text_completion";
  if (endpoint_name == "embeddings") return "embeddings";
  return "chat";
}

std::string_view provider_name(ProviderKind k) {
  switch (k) {
    case ProviderKind::kOpenAI:
    case ProviderKind::kOpenAICompatible:
      return "openai";
    case ProviderKind::kSimulated:
      return "llmctl";
    case ProviderKind::kAnthropic:
      return "anthropic";
    case ProviderKind::kAzureOpenAI:
      return "azure.ai.openai";
    case ProviderKind::kBedrock:
      return "aws.bedrock";
    case ProviderKind::kGemini:
      return "gcp.gemini";
    case ProviderKind::kVertex:
    case ProviderKind::kVertexAnthropic:
      return "gcp.vertex_ai";
  }
  return "openai";
}

namespace {

void add(std::vector<Attribute>& a, std::string key, AttributeValue v) {
  a.push_back({std::move(key), std::move(v)});
}
void add_text(std::vector<Attribute>& a, std::string key, const std::string& v) {
  if (!v.empty()) add(a, std::move(key), v);
}
void add_flag(std::vector<Attribute>& a, std::string key, int v) {
  if (v >= 0) add(a, std::move(key), v != 0);
}

Endpoint endpoint_of(std::string_view name) {
  for (int e = 0; e < kEndpointCount; ++e)
    if (endpoint_name(static_cast<Endpoint>(e)) == name) return static_cast<Endpoint>(e);
  return Endpoint::kChat;
}

const Deployment* deployment_at(const Config& cfg, int d) {
  return d >= 0 && static_cast<std::size_t>(d) < cfg.deployments.size()
             ? &cfg.deployments[static_cast<std::size_t>(d)]
             : nullptr;
}

}  // namespace

std::vector<Span> request_spans(const RequestTrace& t, const RequestRecord& rec, const Config& cfg,
                                std::int64_t end_ns) {
  std::vector<Span> out;
  out.reserve(1 + t.attempts.size());
  const std::string_view op = operation_name(rec.endpoint);
  const Deployment* answered =
      t.attempts.empty() ? nullptr : deployment_at(cfg, t.attempts.back().deployment);

  Span s;
  s.trace_id = t.trace_id;
  s.span_id = t.server_span;
  s.parent = t.client_parent;
  s.parent_remote = t.client_parent.has_value();
  s.trace_flags = t.flags;
  s.trace_state = t.trace_state;
  s.name = rec.model.empty() ? std::string(op) : std::string(op) + " " + rec.model;
  s.kind = SpanKind::kServer;
  s.start_ns = t.start_ns;
  s.end_ns = std::max(end_ns, t.start_ns);
  auto& a = s.attributes;
  add(a, "gen_ai.operation.name", std::string(op));
  if (answered) add(a, "gen_ai.provider.name", std::string(provider_name(answered->kind)));
  add_text(a, "gen_ai.request.model", rec.model);
  add_text(a, "gen_ai.response.model", rec.upstream_model);
  if (rec.max_tokens >= 0) add(a, "gen_ai.request.max_tokens", rec.max_tokens);
  add(a, "gen_ai.request.stream", rec.stream);
  const bool generated = rec.status >= 200 && rec.status < 300 && !rec.deployment.empty();
  if (generated || rec.input_tokens > 0 || rec.output_tokens > 0) {
    add(a, "gen_ai.usage.input_tokens", rec.input_tokens);
    add(a, "gen_ai.usage.output_tokens", rec.output_tokens);
    if (rec.cached_tokens > 0) add(a, "gen_ai.usage.cache_read.input_tokens", rec.cached_tokens);
    if (rec.cache_write_tokens > 0)
      add(a, "gen_ai.usage.cache_creation.input_tokens", rec.cache_write_tokens);
    if (rec.reasoning_tokens > 0)
      add(a, "gen_ai.usage.reasoning.output_tokens", rec.reasoning_tokens);
  }
  if (!rec.finish_reason.empty())
    add(a, "gen_ai.response.finish_reasons", std::vector<std::string>{rec.finish_reason});
  if (rec.stream && rec.ttft_ms >= 0)
    add(a, "gen_ai.response.time_to_first_chunk", rec.ttft_ms / 1000.0);
  add_text(a, "gen_ai.conversation.id", rec.session_id);
  add(a, "http.request.method", std::string("POST"));
  add(a, "url.path", "/v1" + std::string(protocol::endpoint_path(endpoint_of(rec.endpoint))));
  if (rec.status > 0) add(a, "http.response.status_code", static_cast<std::int64_t>(rec.status));
  if (!rec.error_class.empty()) add(a, "error.type", rec.error_class);
  // llmctl's own: the request, its cost and route, cache facts, attribution, quality.
  add(a, "llmctl.request_id", rec.request_id);
  add_text(a, "llmctl.deployment", rec.deployment);
  add(a, "llmctl.attempts", static_cast<std::int64_t>(rec.attempts));
  add_text(a, "llmctl.route_reason", rec.route_reason);
  add(a, "llmctl.cost_usd", rec.cost_usd);
  add_text(a, "llmctl.price_id", rec.price_id);
  if (rec.usage_estimated) add(a, "llmctl.usage_estimated", true);
  add_text(a, "llmctl.request_fingerprint", rec.request_fingerprint);
  add_text(a, "llmctl.prefix_fingerprint", rec.prefix_fingerprint);
  if (rec.prefix_tokens >= 0) add(a, "llmctl.prefix_tokens", rec.prefix_tokens);
  add_text(a, "llmctl.key_id", rec.key_id);
  add_text(a, "llmctl.key_name", rec.key_name);
  add_text(a, "llmctl.team", rec.team);
  add_text(a, "llmctl.user", rec.user);
  add_text(a, "llmctl.project", rec.project);
  add_text(a, "llmctl.agent", rec.agent);
  add_flag(a, "llmctl.quality.empty_answer", rec.empty_answer);
  add_flag(a, "llmctl.quality.refusal", rec.refusal);
  add_flag(a, "llmctl.quality.invalid_json", rec.invalid_json);
  add_flag(a, "llmctl.quality.invalid_tool_args", rec.invalid_tool_args);
  // The request failed on the gateway's side (5xx, a stream cut): an error span. A 4xx is the
  // client's (HTTP server span conventions).
  const bool failed = rec.status >= 500 || rec.status == 0 ||
                      rec.error_class == error_class_name(ErrorClass::kStreamInterrupted) ||
                      rec.error_class == error_class_name(ErrorClass::kShutdown);
  if (failed && !rec.error_class.empty()) {
    s.status = StatusCode::kError;
    s.status_message = rec.error_message;
  }
  out.push_back(std::move(s));

  for (std::size_t i = 0; i < t.attempts.size(); ++i) {
    const RequestTrace::Attempt& at = t.attempts[i];
    const Deployment* d = deployment_at(cfg, at.deployment);
    const bool last = i + 1 == t.attempts.size();
    Span c;
    c.trace_id = t.trace_id;
    c.span_id = at.span_id;
    c.parent = t.server_span;
    c.trace_flags = t.flags;
    c.trace_state = t.trace_state;
    c.name = std::string(op) + (d ? " " + d->model : std::string());
    c.kind = SpanKind::kClient;
    c.start_ns = at.start_ns;
    c.end_ns = std::max(at.end_ns, at.start_ns);
    auto& ca = c.attributes;
    add(ca, "gen_ai.operation.name", std::string(op));
    if (d) {
      add(ca, "gen_ai.provider.name", std::string(provider_name(d->kind)));
      add(ca, "gen_ai.request.model", d->model);
      add(ca, "llmctl.deployment", d->name);
      add(ca, "llmctl.provider", std::string(provider_kind_name(d->kind)));
      if (!d->url.host.empty()) {
        add(ca, "server.address", d->url.host);
        add(ca, "server.port", static_cast<std::int64_t>(std::atoi(d->url.port.c_str())));
      }
    }
    if (rec.max_tokens >= 0) add(ca, "gen_ai.request.max_tokens", rec.max_tokens);
    add(ca, "gen_ai.request.stream", rec.stream);
    add(ca, "llmctl.attempt", static_cast<std::int64_t>(i + 1));
    if (at.status > 0) add(ca, "http.response.status_code", static_cast<std::int64_t>(at.status));
    if (at.error != ErrorClass::kNone) {
      add(ca, "error.type", std::string(error_class_name(at.error)));
      c.status = StatusCode::kError;
      c.status_message = at.message;
    } else if (last) {
      // The attempt that answered: what it generated.
      add_text(ca, "gen_ai.response.model", rec.upstream_model);
      add(ca, "gen_ai.usage.input_tokens", rec.input_tokens);
      add(ca, "gen_ai.usage.output_tokens", rec.output_tokens);
      if (rec.cached_tokens > 0) add(ca, "gen_ai.usage.cache_read.input_tokens", rec.cached_tokens);
      if (!rec.finish_reason.empty())
        add(ca, "gen_ai.response.finish_reasons", std::vector<std::string>{rec.finish_reason});
      add(ca, "llmctl.cost_usd", rec.cost_usd);
    }
    out.push_back(std::move(c));
  }
  return out;
}

namespace {

json::object any_value(const AttributeValue& v) {
  return std::visit(
      [](const auto& x) -> json::object {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return json::object{{"stringValue", x}};
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return json::object{{"intValue", x}};
        } else if constexpr (std::is_same_v<T, double>) {
          // JSON has no NaN or infinity: a non-finite number is sent as its text.
          if (!std::isfinite(x)) return json::object{{"stringValue", std::to_string(x)}};
          // A whole double would read back as an integer: keep it a double on the wire.
          return json::object{{"doubleValue", x}};
        } else if constexpr (std::is_same_v<T, bool>) {
          return json::object{{"boolValue", x}};
        } else {
          json::array values;
          for (const auto& s : x) values.push_back(json::object{{"stringValue", s}});
          return json::object{{"arrayValue", json::object{{"values", std::move(values)}}}};
        }
      },
      v);
}

json::array attributes(const std::vector<Attribute>& attrs) {
  json::array out;
  out.reserve(attrs.size());
  for (const auto& a : attrs)
    out.push_back(json::object{{"key", a.key}, {"value", any_value(a.value)}});
  return out;
}

}  // namespace

std::string otlp_json(std::span<const Span> spans, const Resource& resource) {
  json::array out;
  out.reserve(spans.size());
  for (const Span& s : spans) {
    json::object o;
    o["traceId"] = hex(s.trace_id);
    o["spanId"] = hex(s.span_id);
    if (s.parent) o["parentSpanId"] = hex(*s.parent);
    if (!s.trace_state.empty()) o["traceState"] = s.trace_state;
    o["name"] = s.name;
    o["kind"] = static_cast<int>(s.kind);
    o["startTimeUnixNano"] = std::to_string(s.start_ns);
    o["endTimeUnixNano"] = std::to_string(s.end_ns);
    o["attributes"] = attributes(s.attributes);
    o["droppedAttributesCount"] = 0;
    o["events"] = json::array{};
    o["droppedEventsCount"] = 0;
    json::object status{{"code", static_cast<int>(s.status)}};
    if (!s.status_message.empty()) status["message"] = s.status_message;
    o["status"] = std::move(status);
    o["links"] = json::array{};
    o["droppedLinksCount"] = 0;
    // Span flags: the W3C trace flags, plus "has is-remote" (0x100) and "is remote" (0x200) for
    // the parent (opentelemetry-proto trace.proto SpanFlags).
    o["flags"] = static_cast<int>(s.trace_flags) | 0x100 | (s.parent_remote ? 0x200 : 0);
    out.push_back(std::move(o));
  }
  std::vector<Attribute> res{{"service.name", resource.service_name}};
  if (!resource.service_version.empty())
    res.push_back({"service.version", resource.service_version});
  if (!resource.service_instance_id.empty())
    res.push_back({"service.instance.id", resource.service_instance_id});
  res.push_back({"telemetry.sdk.name", std::string("llmctl")});
  res.push_back({"telemetry.sdk.language", std::string("cpp")});
  json::object scope{{"name", "llmctl.gateway"}, {"version", resource.service_version}};
  json::object scope_spans{{"scope", std::move(scope)}, {"spans", std::move(out)}};
  json::object res_obj{{"attributes", attributes(res)}, {"droppedAttributesCount", 0}};
  json::object resource_spans{{"resource", std::move(res_obj)},
                              {"scopeSpans", json::array{std::move(scope_spans)}}};
  json::object request{{"resourceSpans", json::array{std::move(resource_spans)}}};
  return json::serialize(request);
}

}  // namespace llmctl::gateway::telemetry
