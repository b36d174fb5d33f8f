#include "gateway/telemetry.h"

#include <charconv>
#include <cmath>

#include "common/strings.h"
#include "gateway/attribution.h"

namespace llmctl::gateway::telemetry {

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
  return "00-" + to_hex(trace) + "-" + to_hex(span) + "-" + to_hex(f);
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

// What a span is besides its attributes. The name is `name` + " " + `name_suffix` (the suffix
// only when not empty): the writer needs no temporary string for it.
struct SpanHead {
  const TraceId* trace_id = nullptr;
  const SpanId* span_id = nullptr;
  const SpanId* parent = nullptr;
  bool parent_remote = false;
  std::uint8_t trace_flags = kSampled;
  std::string_view trace_state;
  std::string_view name, name_suffix;
  SpanKind kind = SpanKind::kInternal;
  std::int64_t start_ns = 0, end_ns = 0;
  StatusCode status = StatusCode::kUnset;
  std::string_view status_message;
};

// The spans of one request, told to a sink: begin(head), its attributes (str, integer, real,
// boolean, strings), end(). One source for what request_spans builds and what the workers
// write as JSON. Separate method names per type: a string literal would otherwise pick bool.
template <class Sink>
void emit_request_spans(Sink& sink, const RequestTrace& t, const RequestRecord& rec,
                        const Config& cfg, std::int64_t end_ns) {
  const std::string_view op = operation_name(rec.endpoint);
  const Deployment* answered =
      t.attempts.empty() ? nullptr : deployment_at(cfg, t.attempts.back().deployment);

  SpanHead s;
  s.trace_id = &t.trace_id;
  s.span_id = &t.server_span;
  s.parent = t.client_parent ? &*t.client_parent : nullptr;
  s.parent_remote = t.client_parent.has_value();
  s.trace_flags = t.flags;
  s.trace_state = t.trace_state;
  s.name = op;
  s.name_suffix = rec.model;
  s.kind = SpanKind::kServer;
  s.start_ns = t.start_ns;
  s.end_ns = std::max(end_ns, t.start_ns);
  // The request failed on the gateway's side (5xx, a stream cut): an error span. A 4xx is the
  // client's (HTTP server span conventions).
  const bool failed = rec.status >= 500 || rec.status == 0 ||
                      rec.error_class == error_class_name(ErrorClass::kStreamInterrupted) ||
                      rec.error_class == error_class_name(ErrorClass::kShutdown);
  if (failed && !rec.error_class.empty()) {
    s.status = StatusCode::kError;
    s.status_message = rec.error_message;
  }
  auto text = [&](std::string_view key, const std::string& v) {
    if (!v.empty()) sink.str(key, v);
  };
  auto flag = [&](std::string_view key, int v) {
    if (v >= 0) sink.boolean(key, v != 0);
  };
  sink.begin(s);
  sink.str("gen_ai.operation.name", op);
  if (answered) sink.str("gen_ai.provider.name", provider_name(answered->kind));
  text("gen_ai.request.model", rec.model);
  text("gen_ai.response.model", rec.upstream_model);
  if (rec.max_tokens >= 0) sink.integer("gen_ai.request.max_tokens", rec.max_tokens);
  sink.boolean("gen_ai.request.stream", rec.stream);
  const bool generated = rec.status >= 200 && rec.status < 300 && !rec.deployment.empty();
  if (generated || rec.input_tokens > 0 || rec.output_tokens > 0) {
    sink.integer("gen_ai.usage.input_tokens", rec.input_tokens);
    sink.integer("gen_ai.usage.output_tokens", rec.output_tokens);
    if (rec.cached_tokens > 0)
      sink.integer("gen_ai.usage.cache_read.input_tokens", rec.cached_tokens);
    if (rec.cache_write_tokens > 0)
      sink.integer("gen_ai.usage.cache_creation.input_tokens", rec.cache_write_tokens);
    if (rec.reasoning_tokens > 0)
      sink.integer("gen_ai.usage.reasoning.output_tokens", rec.reasoning_tokens);
  }
  if (!rec.finish_reason.empty())
    sink.strings("gen_ai.response.finish_reasons", std::string_view(rec.finish_reason));
  if (rec.stream && rec.ttft_ms >= 0)
    sink.real("gen_ai.response.time_to_first_chunk", rec.ttft_ms / 1000.0);
  text("gen_ai.conversation.id", rec.session_id);
  sink.str("http.request.method", "POST");
  sink.str2("url.path", "/v1", protocol::endpoint_path(endpoint_of(rec.endpoint)));
  if (rec.status > 0) sink.integer("http.response.status_code", rec.status);
  if (!rec.error_class.empty()) sink.str("error.type", rec.error_class);
  // llmctl's own: the request, its cost and route, cache facts, attribution, quality.
  sink.str("llmctl.request_id", rec.request_id);
  text("llmctl.deployment", rec.deployment);
  sink.integer("llmctl.attempts", rec.attempts);
  text("llmctl.route_reason", rec.route_reason);
  sink.real("llmctl.cost_usd", rec.cost_usd);
  text("llmctl.price_id", rec.price_id);
  if (rec.usage_estimated) sink.boolean("llmctl.usage_estimated", true);
  text("llmctl.request_fingerprint", rec.request_fingerprint);
  text("llmctl.prefix_fingerprint", rec.prefix_fingerprint);
  if (rec.prefix_tokens >= 0) sink.integer("llmctl.prefix_tokens", rec.prefix_tokens);
  text("llmctl.key_id", rec.key_id);
  text("llmctl.key_name", rec.key_name);
  text("llmctl.team", rec.team);
  text("llmctl.user", rec.user);
  text("llmctl.project", rec.project);
  text("llmctl.agent", rec.agent);
  flag("llmctl.quality.empty_answer", rec.empty_answer);
  flag("llmctl.quality.refusal", rec.refusal);
  flag("llmctl.quality.invalid_json", rec.invalid_json);
  flag("llmctl.quality.invalid_tool_args", rec.invalid_tool_args);
  sink.end();

  for (std::size_t i = 0; i < t.attempts.size(); ++i) {
    const RequestTrace::Attempt& at = t.attempts[i];
    const Deployment* d = deployment_at(cfg, at.deployment);
    const bool last = i + 1 == t.attempts.size();
    SpanHead c;
    c.trace_id = &t.trace_id;
    c.span_id = &at.span_id;
    c.parent = &t.server_span;
    c.trace_flags = t.flags;
    c.trace_state = t.trace_state;
    c.name = op;
    if (d) c.name_suffix = d->model;
    c.kind = SpanKind::kClient;
    c.start_ns = at.start_ns;
    c.end_ns = std::max(at.end_ns, at.start_ns);
    if (at.error != ErrorClass::kNone) {
      c.status = StatusCode::kError;
      c.status_message = at.message;
    }
    sink.begin(c);
    sink.str("gen_ai.operation.name", op);
    if (d) {
      sink.str("gen_ai.provider.name", provider_name(d->kind));
      sink.str("gen_ai.request.model", d->model);
      sink.str("llmctl.deployment", d->name);
      sink.str("llmctl.provider", provider_kind_name(d->kind));
      if (!d->url.host.empty()) {
        sink.str("server.address", d->url.host);
        sink.integer("server.port", std::atoi(d->url.port.c_str()));
      }
    }
    if (rec.max_tokens >= 0) sink.integer("gen_ai.request.max_tokens", rec.max_tokens);
    sink.boolean("gen_ai.request.stream", rec.stream);
    sink.integer("llmctl.attempt", static_cast<std::int64_t>(i + 1));
    if (at.status > 0) sink.integer("http.response.status_code", at.status);
    if (at.error != ErrorClass::kNone) {
      sink.str("error.type", error_class_name(at.error));
    } else if (last) {
      // The attempt that answered: what it generated.
      text("gen_ai.response.model", rec.upstream_model);
      sink.integer("gen_ai.usage.input_tokens", rec.input_tokens);
      sink.integer("gen_ai.usage.output_tokens", rec.output_tokens);
      if (rec.cached_tokens > 0)
        sink.integer("gen_ai.usage.cache_read.input_tokens", rec.cached_tokens);
      if (!rec.finish_reason.empty())
        sink.strings("gen_ai.response.finish_reasons", std::string_view(rec.finish_reason));
      sink.real("llmctl.cost_usd", rec.cost_usd);
    }
    sink.end();
  }
}

// Builds Span values (request_spans).
class SpanVectorSink {
 public:
  explicit SpanVectorSink(std::vector<Span>& out) : out_(out) {}
  void begin(const SpanHead& h) {
    Span s;
    s.trace_id = *h.trace_id;
    s.span_id = *h.span_id;
    if (h.parent) s.parent = *h.parent;
    s.parent_remote = h.parent_remote;
    s.trace_flags = h.trace_flags;
    s.trace_state = std::string(h.trace_state);
    s.name = std::string(h.name);
    if (!h.name_suffix.empty()) {
      s.name += ' ';
      s.name += h.name_suffix;
    }
    s.kind = h.kind;
    s.start_ns = h.start_ns;
    s.end_ns = h.end_ns;
    s.status = h.status;
    s.status_message = std::string(h.status_message);
    out_.push_back(std::move(s));
  }
  void str(std::string_view k, std::string_view v) { add(k, std::string(v)); }
  void str2(std::string_view k, std::string_view a, std::string_view b) {
    add(k, std::string(a) + std::string(b));
  }
  void integer(std::string_view k, std::int64_t v) { add(k, v); }
  void real(std::string_view k, double v) { add(k, v); }
  void boolean(std::string_view k, bool v) { add(k, v); }
  void strings(std::string_view k, std::string_view one) {
    add(k, std::vector<std::string>{std::string(one)});
  }
  void end() {}

 private:
  void add(std::string_view k, AttributeValue v) {
    out_.back().attributes.push_back({std::string(k), std::move(v)});
  }
  std::vector<Span>& out_;
};

}  // namespace

std::vector<Span> request_spans(const RequestTrace& t, const RequestRecord& rec, const Config& cfg,
                                std::int64_t end_ns) {
  std::vector<Span> out;
  out.reserve(1 + t.attempts.size());
  SpanVectorSink sink(out);
  emit_request_spans(sink, t, rec, cfg, end_ns);
  return out;
}

// --- the JSON writer ---

namespace {

// The length of the well-formed UTF-8 sequence at s[i] (a byte >= 0x80), or 0 (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  auto continuation = [&](std::size_t k) { return i + k < s.size() && (byte(k) & 0xC0) == 0x80; };
  const unsigned char b0 = byte(0);
  if (b0 >= 0xC2 && b0 <= 0xDF) return continuation(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!continuation(1) || !continuation(2)) return 0;
    if ((b0 == 0xE0 && byte(1) < 0xA0) || (b0 == 0xED && byte(1) > 0x9F)) return 0;
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if ((b0 == 0xF0 && byte(1) < 0x90) || (b0 == 0xF4 && byte(1) > 0x8F)) return 0;
    return 4;
  }
  return 0;
}

// The characters of a JSON string, without the quotes.
void append_json_chars(std::string& out, std::string_view s) {
  std::size_t run = 0;  // the start of the bytes not yet copied
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      if (const std::size_t n = utf8_sequence(s, i)) {
        i += n;
        continue;
      }
    }
    out.append(s.data() + run, i - run);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c >= 0x80) {
          out += "\xEF\xBF\xBD";  // U+FFFD for a byte that starts no well-formed sequence
        } else {
          out += "\\u00";
          const std::uint8_t byte = static_cast<std::uint8_t>(c);
          append_hex(out, std::span<const std::uint8_t>(&byte, 1));
        }
    }
    run = ++i;
  }
  out.append(s.data() + run, s.size() - run);
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// A finite double, in the shortest form that reads back the same, with ".0" added to a whole
// number so that it stays a double for a reader that types numbers by their text.
void append_double(std::string& out, double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
  if (std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)).find_first_of(".e") ==
      std::string_view::npos)
    out += ".0";
}

// Attributes as an OTLP KeyValue list, written into `out` (the caller writes the brackets).
class JsonAttributes {
 public:
  explicit JsonAttributes(std::string& out) : out_(out) {}
  void reset() { first_ = true; }
  void str(std::string_view k, std::string_view v) {
    key(k);
    out_ += "\"stringValue\":\"";
    append_json_chars(out_, v);
    out_ += "\"}}";
  }
  void str2(std::string_view k, std::string_view a, std::string_view b) {
    key(k);
    out_ += "\"stringValue\":\"";
    append_json_chars(out_, a);
    append_json_chars(out_, b);
    out_ += "\"}}";
  }
  void integer(std::string_view k, std::int64_t v) {
    key(k);
    out_ += "\"intValue\":\"";
    append_int(out_, v);
    out_ += "\"}}";
  }
  void real(std::string_view k, double v) {
    // JSON has no NaN or infinity: a non-finite number is sent as its text.
    if (!std::isfinite(v)) return str(k, std::to_string(v));
    key(k);
    out_ += "\"doubleValue\":";
    append_double(out_, v);
    out_ += "}}";
  }
  void boolean(std::string_view k, bool v) {
    key(k);
    out_ += v ? "\"boolValue\":true}}" : "\"boolValue\":false}}";
  }
  template <class Strings>
  void string_list(std::string_view k, const Strings& values) {
    key(k);
    out_ += "\"arrayValue\":{\"values\":[";
    bool first = true;
    for (const auto& v : values) {
      out_ += first ? "{\"stringValue\":\"" : ",{\"stringValue\":\"";
      first = false;
      append_json_chars(out_, v);
      out_ += "\"}";
    }
    out_ += "]}}}";
  }
  void strings(std::string_view k, std::string_view one) {
    string_list(k, std::span<const std::string_view>(&one, 1));
  }
  void value(std::string_view k, const AttributeValue& v) {
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::string>)
            str(k, x);
          else if constexpr (std::is_same_v<T, std::int64_t>)
            integer(k, x);
          else if constexpr (std::is_same_v<T, double>)
            real(k, x);
          else if constexpr (std::is_same_v<T, bool>)
            boolean(k, x);
          else
            string_list(k, x);
        },
        v);
  }

 private:
  void key(std::string_view k) {
    out_ += first_ ? "{\"key\":\"" : ",{\"key\":\"";
    first_ = false;
    append_json_chars(out_, k);
    out_ += "\",\"value\":{";
  }
  std::string& out_;
  bool first_ = true;
};

// Writes spans as OTLP JSON into an EncodedSpans (a sink of emit_request_spans).
class JsonSpanSink : public JsonAttributes {
 public:
  explicit JsonSpanSink(EncodedSpans& out) : JsonAttributes(out.json), out_(out) {}
  void begin(const SpanHead& h) {
    std::string& j = out_.json;
    j += "{\"traceId\":\"";
    append_hex(j, *h.trace_id);
    j += "\",\"spanId\":\"";
    append_hex(j, *h.span_id);
    if (h.parent) {
      j += "\",\"parentSpanId\":\"";
      append_hex(j, *h.parent);
    }
    if (!h.trace_state.empty()) {
      j += "\",\"traceState\":\"";
      append_json_chars(j, h.trace_state);
    }
    j += "\",\"name\":\"";
    append_json_chars(j, h.name);
    if (!h.name_suffix.empty()) {
      j += ' ';
      append_json_chars(j, h.name_suffix);
    }
    j += "\",\"kind\":";
    append_int(j, static_cast<int>(h.kind));
    j += ",\"startTimeUnixNano\":\"";
    append_int(j, h.start_ns);
    j += "\",\"endTimeUnixNano\":\"";
    append_int(j, h.end_ns);
    j += "\",\"attributes\":[";
    reset();
    status_ = h.status;
    status_message_ = h.status_message;
    // Span flags: the W3C trace flags, plus "has is-remote" (0x100) and "is remote" (0x200)
    // for the parent (opentelemetry-proto trace.proto SpanFlags).
    flags_ = static_cast<int>(h.trace_flags) | 0x100 | (h.parent_remote ? 0x200 : 0);
  }
  void end() {
    std::string& j = out_.json;
    j += "],\"droppedAttributesCount\":0,\"events\":[],\"droppedEventsCount\":0,"
         "\"status\":{\"code\":";
    append_int(j, static_cast<int>(status_));
    if (!status_message_.empty()) {
      j += ",\"message\":\"";
      append_json_chars(j, status_message_);
      j += '"';
    }
    j += "},\"links\":[],\"droppedLinksCount\":0,\"flags\":";
    append_int(j, flags_);
    j += "},";
    out_.ends.push_back(static_cast<std::uint32_t>(j.size()));
  }

 private:
  EncodedSpans& out_;
  StatusCode status_ = StatusCode::kUnset;
  std::string_view status_message_;
  int flags_ = 0;
};

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  append_json_chars(out, s);
  out += '"';
}

void EncodedSpans::erase_front(std::size_t n) {
  if (n == 0) return;
  if (n >= ends.size()) return clear();
  const std::uint32_t cut = ends[n - 1];
  json.erase(0, cut);
  ends.erase(ends.begin(), ends.begin() + static_cast<std::ptrdiff_t>(n));
  for (auto& e : ends) e -= cut;
}

void append_span_json(EncodedSpans& out, const Span& s) {
  SpanHead h;
  h.trace_id = &s.trace_id;
  h.span_id = &s.span_id;
  h.parent = s.parent ? &*s.parent : nullptr;
  h.parent_remote = s.parent_remote;
  h.trace_flags = s.trace_flags;
  h.trace_state = s.trace_state;
  h.name = s.name;
  h.kind = s.kind;
  h.start_ns = s.start_ns;
  h.end_ns = s.end_ns;
  h.status = s.status;
  h.status_message = s.status_message;
  JsonSpanSink sink(out);
  sink.begin(h);
  for (const Attribute& a : s.attributes) sink.value(a.key, a.value);
  sink.end();
}

std::size_t append_request_spans_json(EncodedSpans& out, const RequestTrace& t,
                                      const RequestRecord& rec, const Config& cfg,
                                      std::int64_t end_ns) {
  const std::size_t before = out.size();
  JsonSpanSink sink(out);
  emit_request_spans(sink, t, rec, cfg, end_ns);
  return out.size() - before;
}

OtlpEnvelope otlp_envelope(const Resource& resource) {
  OtlpEnvelope e;
  std::string& p = e.prefix;
  p = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[";
  JsonAttributes a(p);
  a.str("service.name", resource.service_name);
  if (!resource.service_version.empty()) a.str("service.version", resource.service_version);
  if (!resource.service_instance_id.empty())
    a.str("service.instance.id", resource.service_instance_id);
  a.str("telemetry.sdk.name", "llmctl");
  a.str("telemetry.sdk.language", "cpp");
  p += "],\"droppedAttributesCount\":0},\"scopeSpans\":[{\"scope\":{\"name\":\"llmctl.gateway\","
       "\"version\":";
  append_json_string(p, resource.service_version);
  p += "},\"spans\":[";
  e.suffix = "]}]}]}";
  return e;
}

std::string otlp_json(std::span<const Span> spans, const Resource& resource) {
  EncodedSpans enc;
  for (const Span& s : spans) append_span_json(enc, s);
  OtlpEnvelope e = otlp_envelope(resource);
  std::string out = std::move(e.prefix);
  if (!enc.json.empty()) out.append(enc.json, 0, enc.json.size() - 1);  // the last ','
  out += e.suffix;
  return out;
}

}  // namespace llmctl::gateway::telemetry
