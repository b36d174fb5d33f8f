// The upstream simulator behind `llmctl mock` and the gateway's built-in `simulated` provider:
// an OpenAI-compatible server (/v1/chat/completions, /v1/completions, /v1/embeddings,
// /v1/models) with timing distributions and fault injection, for tests and benchmarks that must
// not depend on a real provider.
//
// MockOptions is plain data (a scenario file or flags fill it); the content helpers are pure and
// deterministic. MockServer owns its threads; start() returns once it listens.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace llmctl::gateway {

struct MockOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: the OS picks a free port
  int workers = 1;
  std::uint64_t seed = 1;  // fault-injection and jitter draws; same seed, same sequence
  // Timing: each draw is uniform in [mean - jitter, mean + jitter], clamped at 0.
  double ttft_ms = 20;        // request received -> first token (whole delay before a
  double ttft_jitter_ms = 0;  //   non-streaming response, plus tpot per further token)
  double tpot_ms = 2;         // between two output tokens
  double tpot_jitter_ms = 0;
  double slow_headers_ms = 0;  // extra delay before the response headers, every request
  int output_tokens = 16;      // per choice, capped by the request's max_tokens
  int output_tokens_jitter = 0;
  // Faults, drawn in this order for each request.
  double fail_rate = 0;  // answer fail_status with an OpenAI-shaped error
  int fail_status = 500;
  double rate_limit_rate = 0;  // answer 429 with Retry-After: retry_after_s
  int retry_after_s = 1;
  double hang_rate = 0;  // accept the request and never answer (until hang_ms, 0 = forever)
  double hang_ms = 0;
  double disconnect_rate = 0;  // streams: close the connection after disconnect_after chunks
  int disconnect_after = 2;
  // Faults (fail, 429, hang, disconnect) apply only to the first N requests the server receives
  // (all workers); 0: to every request. For recovery tests (breaker half-open -> closed).
  int fail_first_n = 0;
  // When > 0, a prompt over this many tokens (simulator count) gets OpenAI's 400
  // context_length_exceeded error.
  int max_context_tokens = 0;
  // Usage: share of prompt tokens reported as prompt_tokens_details.cached_tokens.
  double cache_hit_share = 0;
  int embedding_dims = 64;                           // when the request gives no `dimensions`
  std::vector<std::string> models = {"llmctl-sim"};  // listed by /v1/models; any name is served
  // When set, /v1/* requests must send "Authorization: Bearer <api_key>" (401 otherwise), so a
  // test can see which key a gateway forwards.
  std::string api_key;
};

// Reads a scenario (YAML map with the MockOptions field names, e.g. `ttft_ms: 50`) over `base`.
// Errors name file:line:column and the field; unknown fields are errors.
Result<MockOptions> parse_scenario(std::string_view yaml_text, const std::string& file_name,
                                   MockOptions base = {});
// Checks ranges (rates in 0..1, statuses 400..599, ...); the message names the field.
Status validate_mock_options(const MockOptions& options);

// --- deterministic content (pure) ---
// The i-th output token's text (a word with a leading space).
std::string_view mock_token(int i);
// A unit-length vector of `dims` floats, the same for the same input.
std::vector<float> mock_embedding(std::string_view input, int dims);
// Standard base64 of the little-endian float32 bytes (OpenAI's encoding_format=base64).
std::string base64_floats(const std::vector<float>& v);
// The simulator's token count for text: ceil(chars / 4), at least 1.
long long mock_token_count(std::size_t chars);

class MockServer {
 public:
  // Binds and starts serving on its own threads. Errors: bind failures, bad options.
  static Result<std::unique_ptr<MockServer>> start(const MockOptions& options);
  virtual ~MockServer() = default;
  virtual int port() const = 0;
  // Stops accepting, closes connections and joins the threads. Idempotent.
  virtual void stop() = 0;
};

// Control endpoints (tests change faults over time and count what reached the upstream):
//   GET  /mock/stats        {"requests":N,"faults":F}  (/v1/* POSTs received, faults injected)
//   POST /mock/stats/reset  zeroes both
//   POST /mock/faults       JSON object of fault fields (fail_rate, fail_status, rate_limit_rate,
//                           retry_after_s, hang_rate, hang_ms, disconnect_rate, disconnect_after,
//                           slow_headers_ms, ttft_ms, tpot_ms, fail_first_n, max_context_tokens)
//                           applied to every worker for later requests; fail_first_n counts
//                           from this call.
//   POST /mock/engine       engine conditions (kv_usage, preemptions_per_s, queue_growth_per_s,
//                           gpu_idle, ...; mock_engine_metrics.h) for the two endpoints below
//   GET  /metrics           the simulated engine, in vLLM's exposition (driven by the load)
//   GET  /dcgm/metrics      its GPU, as NVIDIA's dcgm-exporter shows one
// Applies a /mock/faults body to `o`; the error names the field.
Status apply_fault_update(std::string_view json_body, MockOptions& o);

// `llmctl mock`: serves until SIGINT/SIGTERM. Prints "listening on HOST:PORT" (flushed) once it
// accepts connections. Returns the process exit code.
int run_mock(const MockOptions& options);

}  // namespace llmctl::gateway
