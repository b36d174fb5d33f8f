// The gateway config's `telemetry:` block: OpenTelemetry traces over OTLP/HTTP (JSON). Off unless
// an endpoint is given here or in the standard environment (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
// OTEL_EXPORTER_OTLP_ENDPOINT). Reference: docs/GATEWAY.md, "Telemetry".
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace llmctl::gateway {

struct TelemetryConfig {
  bool enabled = false;    // an endpoint is known and telemetry is not turned off
  std::string traces_url;  // the full URL spans are POSTed to ({endpoint}/v1/traces)
  std::string source;      // where the URL came from: "telemetry.otlp_endpoint", an env name
  std::vector<std::pair<std::string, std::string>> headers;  // sent with every export (secrets)
  std::string service_name = "llmctl-gateway";
  double sample_ratio = 1;  // share of new traces recorded; a client's sampled flag wins
  // Batching (the OpenTelemetry SDK's batch span processor knobs, smaller delay).
  int max_batch_spans = 512;  // spans per export request at most
  int delay_ms = 1000;        // a batch goes out at least this often
  int timeout_ms = 10000;     // one export request (connect, send, answer)
  std::size_t queue = 2048;   // finished requests' spans buffered per worker before drops
  // Retries of 429, 502, 503, 504 and connection failures: exponential backoff with full
  // jitter (or the receiver's Retry-After), then the batch is dropped and counted.
  int max_attempts = 5;
  int initial_backoff_ms = 1000;
  int max_backoff_ms = 30000;

  bool operator==(const TelemetryConfig&) const = default;  // a change needs a restart
};

}  // namespace llmctl::gateway
