// OpenTelemetry traces of the gateway, the pure part: W3C Trace Context (`traceparent`,
// `tracestate`), the sampling decision, the spans of one request built from its record, and the
// OTLP/HTTP JSON encoding of a batch. No sockets, clocks or threads: times come in as Unix
// nanoseconds and ids from an injected Random (telemetry_export.h sends the batches).
//
// One request gives one SERVER span (`{operation} {model}`: the whole request as the client saw
// it, child of the client's traceparent when one came) and one CLIENT span per upstream attempt
// (child of the server span; its id is the parent id in the traceparent the upstream receives).
// Attributes follow the OpenTelemetry GenAI semantic conventions (gen_ai.*, error.type,
// server.address/port) plus llmctl's own (llmctl.*: cost, route, cache, attribution, quality).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/random.h"
#include "gateway/config.h"
#include "gateway/protocol.h"
#include "gateway/request_log.h"

namespace llmctl::gateway::telemetry {

using TraceId = std::array<std::uint8_t, 16>;
using SpanId = std::array<std::uint8_t, 8>;

inline constexpr std::uint8_t kSampled = 0x01;

// A parsed `traceparent` header (W3C Trace Context, level 1).
struct TraceParent {
  TraceId trace_id{};
  SpanId parent_id{};
  std::uint8_t flags = 0;
};

// nullopt for anything the spec says to ignore: a wrong length or character, version ff, an
// all-zero id; a future version may carry more fields after a '-'.
std::optional<TraceParent> parse_traceparent(std::string_view header);
std::string format_traceparent(const TraceId& trace, const SpanId& span, std::uint8_t flags);
// A tracestate worth forwarding: at most 512 characters and 32 list members, printable ASCII.
bool valid_tracestate(std::string_view header);

// Random ids (never all zero).
TraceId new_trace_id(Random& rng);
SpanId new_span_id(Random& rng);

// ParentBased(TraceIdRatioBased(ratio)), the SDKs' default sampler: a client's decision (its
// sampled flag) is kept; a new trace is sampled when its id's last 8 bytes, read big-endian,
// fall below ratio x 2^64 — the same ids give the same decision in every replica.
bool should_sample(const std::optional<TraceParent>& parent, const TraceId& id, double ratio);

// One request's trace as the proxy collects it: its ids, and per upstream attempt the span id
// (sent upstream as the traceparent's parent id), the deployment, the times and the outcome.
struct RequestTrace {
  TraceId trace_id{};
  SpanId server_span{};
  std::optional<SpanId> client_parent;  // from the client's traceparent
  std::uint8_t flags = kSampled;
  std::string trace_state;  // forwarded as it came
  std::int64_t start_ns = 0;
  struct Attempt {
    SpanId span_id{};
    int deployment = -1;
    std::int64_t start_ns = 0, end_ns = 0;
    ErrorClass error = ErrorClass::kNone;
    int status = 0;  // the upstream's HTTP status; 0: none (connect error, timeout)
    std::string message;
  };
  std::vector<Attempt> attempts;
};

// The traceparent an attempt sends upstream: the trace, the attempt's span as the parent.
std::string attempt_traceparent(const RequestTrace& t, const SpanId& attempt);

using AttributeValue =
    std::variant<std::string, std::int64_t, double, bool, std::vector<std::string>>;
struct Attribute {
  std::string key;
  AttributeValue value;
};

enum class SpanKind { kInternal = 1, kServer = 2, kClient = 3 };  // OTLP's numbers
enum class StatusCode { kUnset = 0, kOk = 1, kError = 2 };

struct Span {
  TraceId trace_id{};
  SpanId span_id{};
  std::optional<SpanId> parent;
  bool parent_remote = false;  // the parent is the client's span (another process)
  std::uint8_t trace_flags = kSampled;
  std::string trace_state;
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  std::int64_t start_ns = 0, end_ns = 0;
  StatusCode status = StatusCode::kUnset;
  std::string status_message;
  std::vector<Attribute> attributes;
};

// gen_ai.operation.name of an endpoint: chat (chat, messages, responses), text_completion,
// embeddings.
std::string_view operation_name(Endpoint e);
std::string_view operation_name(std::string_view endpoint_name);
// gen_ai.provider.name of a deployment kind (the semantic conventions' well-known values:
// openai, anthropic, aws.bedrock, azure.ai.openai, gcp.gemini, gcp.vertex_ai; llmctl for the
// built-in simulator).
std::string_view provider_name(ProviderKind k);

// The spans of one finished request: the server span from the record, one client span per
// attempt. `end_ns`: when the request ended.
std::vector<Span> request_spans(const RequestTrace& t, const RequestRecord& rec, const Config& cfg,
                                std::int64_t end_ns);

// What describes this process in every export (OTLP resource attributes).
struct Resource {
  std::string service_name = "llmctl-gateway";
  std::string service_version;
  std::string service_instance_id;
};

// --- OTLP/HTTP JSON, written directly (no JSON tree) ---
//
// opentelemetry-proto's JSON mapping (proto3 JSON): ids as lower-case hex, times and intValue as
// decimal strings (int64), enums as numbers, doubleValue always with a fraction or exponent;
// strings escaped per RFC 8259 (quote, backslash, control characters), and bytes that are not
// UTF-8 replaced by U+FFFD, since a receiver's protojson refuses the whole request for one bad
// string (a header or an upstream's error message can carry any bytes).

// Appends `s` as a JSON string (quotes included).
void append_json_string(std::string& out, std::string_view s);

// Encoded spans, each a JSON object followed by ','; ends[i] is the offset just past span i's
// ','. Spans [i, j) are the contiguous text [start(i), ends[j-1] - 1). Cleared with its capacity
// kept, so a reused one stops allocating once it has held its largest request.
struct EncodedSpans {
  std::string json;
  std::vector<std::uint32_t> ends;
  std::size_t size() const { return ends.size(); }
  std::size_t start(std::size_t i) const { return i == 0 ? 0 : ends[i - 1]; }
  void clear() {
    json.clear();
    ends.clear();
  }
  // Drops spans [0, n), keeping the rest (offsets moved down).
  void erase_front(std::size_t n);
};

// One span, as request_spans builds them (tests, and anything that has Span values).
void append_span_json(EncodedSpans& out, const Span& s);
// The spans of one finished request, the same as request_spans(t, rec, cfg, end_ns) gives,
// written without building them (the workers' path). Returns how many were appended.
std::size_t append_request_spans_json(EncodedSpans& out, const RequestTrace& t,
                                      const RequestRecord& rec, const Config& cfg,
                                      std::int64_t end_ns);

// An ExportTraceServiceRequest is prefix + spans joined by ',' + suffix.
struct OtlpEnvelope {
  std::string prefix, suffix;
};
OtlpEnvelope otlp_envelope(const Resource& resource);

// A whole OTLP/HTTP JSON ExportTraceServiceRequest of these spans.
std::string otlp_json(std::span<const Span> spans, const Resource& resource);

}  // namespace llmctl::gateway::telemetry
