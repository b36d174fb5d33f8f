// The gateway's configuration: parsed and validated once into an immutable snapshot that
// workers share read-only (std::shared_ptr<const Config>). Everything a request needs is
// precomputed here: the model-name index, parsed upstream URLs, resolved API keys and the
// catalog price of every deployment.
//
// YAML reference: docs/GATEWAY.md. Errors name file:line:column and the field path
// (e.g. "gw.yaml:12:9: models[0].deployments[0].weight: must be at least 0, found -1").
// Secrets come through Environment so tests stay hermetic; a resolved key is never logged.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "catalog/catalog.h"
#include "cloud/credentials.h"
#include "cloud/sigv4.h"
#include "common/result.h"
#include "gateway/governance_config.h"
#include "gateway/resilience.h"
#include "gateway/telemetry_config.h"
#include "mock/mock.h"

namespace llmctl::gateway {

// Where configuration reads secrets from. process_environment() is the real one; tests pass a
// map-backed fake.
class Environment {
 public:
  virtual ~Environment() = default;
  virtual std::optional<std::string> get(const std::string& name) const = 0;
  virtual Result<std::string> read_file(const std::string& path) const = 0;
};
const Environment& process_environment();

// Wire format and defaults of a deployment. The first three speak the OpenAI HTTP API;
// `simulated` is served by the in-process simulator (no key, no cost). `anthropic` speaks
// Anthropic's Messages API (x-api-key; base_url without /v1; see translate.h). The managed
// platforms (platforms.h): `azure-openai` speaks the OpenAI API under Azure's deployment URLs
// (api-key header, api-version query); `bedrock` speaks Bedrock's Converse API, SigV4-signed;
// `gemini` speaks the Gemini API (x-goog-api-key). `vertex` is Vertex AI with a Google
// service account's OAuth token: Gemini models through generateContent (kVertex, the Gemini
// translation) and Claude models through rawPredict (kVertexAnthropic, Anthropic's Messages
// body with anthropic_version in it).
enum class ProviderKind {
  kOpenAI,
  kOpenAICompatible,
  kSimulated,
  kAnthropic,
  kAzureOpenAI,
  kBedrock,
  kGemini,
  kVertex,
  kVertexAnthropic,
};
std::string_view provider_kind_name(ProviderKind k);

// The api-version sent to azure-openai deployments without `api_version:`: the latest GA
// data-plane inference version in Azure's REST reference (learn.microsoft.com, "Azure OpenAI
// REST API reference", read 2026-12-04).
inline constexpr std::string_view kAzureDefaultApiVersion = "2024-10-21";

struct UpstreamTimeouts {
  int connect_ms = 5000;       // resolve + TCP connect + TLS handshake
  int first_byte_ms = 120000;  // request sent -> response headers
  int idle_ms = 60000;         // between two reads of a response body (streams: inter-token)
  int total_ms = 600000;       // the whole exchange
};

struct Url {
  bool tls = false;
  std::string host;         // without brackets for IPv6
  std::string port;         // always set ("443" / "80" by default)
  std::string base_path;    // without a trailing '/', e.g. "/v1"
  std::string host_header;  // host[:port] as sent in Host
};
// Parses "http(s)://host[:port][/path]". Errors say what part is wrong.
Result<Url> parse_url(std::string_view text);

struct Deployment {
  std::string name;  // unique; metrics and logs label
  ProviderKind kind = ProviderKind::kOpenAI;
  std::string base_url;  // empty for simulated until the gateway starts its simulator
  Url url;
  std::string model;             // the model name sent upstream
  std::string api_key;           // secret: never logged or rendered
  double weight = 1;             // 0: used only as a fallback
  int max_concurrency = 0;       // 0: unlimited; shared by all workers
  int queue_timeout_ms = 10000;  // how long a request waits for a slot under max_concurrency
  int pool_max_idle = 64;        // idle keep-alive connections kept per worker
  UpstreamTimeouts timeouts;
  std::string ca_file;  // extra trust anchors for https (system store is always used)
  const catalog::Price* price = nullptr;  // null: zero cost (simulated, or price: none)
  std::string price_id;                   // the catalog entry priced with, "" when none
  int line = 0;                           // where it was declared
  HealthCheckPolicy health_check;         // active checks (off unless interval_ms > 0)
  BreakerPolicy breaker;                  // from the group's `breaker:`
  // Managed platforms (platforms.h).
  std::string api_version;        // azure-openai: the api-version query parameter
  std::string region;             // bedrock: the SigV4 region (us-east-1, ...)
  cloud::AwsCredentials aws;      // bedrock: secret, never logged or rendered
  std::string aws_source;         // where `aws` came from ("environment", "<file> [profile]")
  std::string project, location;  // vertex: the Google Cloud project and location (or global)
  // Credentials fetched and refreshed at run time (cloud/credentials.h): vertex's service
  // account, azure-openai's Entra ID app, bedrock's container or instance credentials. Shared
  // by every worker and by the copies of this deployment; null: the static key above.
  std::shared_ptr<cloud::TokenCache> credentials;
};

struct ModelGroup {
  std::string name;              // the public model name clients send
  std::vector<int> deployments;  // indices into Config::deployments
  int max_attempts = 2;          // attempts within the group (deployments in turn, then again)
  // Resilience (docs/GATEWAY.md, "Resilience").
  RoutingStrategy routing = RoutingStrategy::kWeighted;
  AffinityPolicy affinity;
  RetryPolicy retry;
  std::vector<std::string> fallbacks;                 // groups tried when this one fails
  std::vector<std::string> context_window_fallbacks;  // groups for a context-length error
  std::vector<int> fallback_groups, context_groups;   // the same, as indices (index())
  // The routing policy over `deployments` (index(); shared by copies of the config).
  std::shared_ptr<const route::Policy> policy;
};

// The admin API (off unless `admin.listen` is set) and config-file watching.
struct AdminConfig {
  std::string host;  // empty: no admin listener
  int port = 0;
  std::string token;  // secret: from token_env or token_file
};
struct ReloadConfig {
  bool watch = true;  // poll the config file's mtime and reload on change
  int interval_ms = 1000;
};

struct RequestLogConfig {
  std::string path;                   // SQLite file; empty: no request log
  std::size_t queue_capacity = 8192;  // records buffered per worker before drops
  int batch_size = 512;               // records per SQLite transaction at most
  int flush_interval_ms = 100;
  int retention_days = 30;       // rows older than this are deleted; 0 keeps all
  long long max_rows = 1000000;  // oldest rows beyond this are deleted; 0 keeps all
};

struct Config {
  std::string source;  // file name, or "<built-in>"
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: the OS picks a free port
  int workers = 0;  // 0: one per hardware thread
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  int read_timeout_ms = 30000;       // headers + body of one client request
  int keepalive_timeout_ms = 60000;  // idle client connection
  int drain_timeout_ms = 10000;      // graceful shutdown deadline
  int min_timeout_ms = 100;          // floor of per-request timeout headers (x-llmctl-*-ms)
  AdminConfig admin;
  ReloadConfig reload;
  bool access_log = true;  // one JSON line per request on stderr
  RequestLogConfig request_log;
  mock::MockOptions simulator;  // options of the built-in upstream (provider: simulated)
  GovernanceConfig governance;  // keys, limits, budgets (governance_config.h)
  TelemetryConfig telemetry;    // OpenTelemetry traces over OTLP (telemetry_config.h)
  std::vector<Deployment> deployments;
  std::vector<ModelGroup> models;
  std::shared_ptr<const catalog::Catalog> catalog;  // keeps Deployment::price valid

  // The group for a public model name, or nullptr. O(1).
  const ModelGroup* find_model(std::string_view name) const;
  bool uses_simulator() const;
  // Points every simulated deployment at the in-process simulator on 127.0.0.1:port.
  void attach_simulator(int port);
  // Rebuilds the name index, the fallback indices and the groups' routing policies (after
  // copying or editing models or deployments).
  void index();

 private:
  std::unordered_map<std::string, int> by_name_;
};

// Parses and validates a config file's text. `catalog` prices the deployments.
Result<Config> parse_config(std::string_view yaml_text, const std::string& file_name,
                            std::shared_ptr<const catalog::Catalog> catalog,
                            const Environment& env = process_environment());

// The configuration `llmctl up` runs without a file: 127.0.0.1:8080, ./llmctl.db, the
// simulated model `llmctl-sim`, OpenAI models when OPENAI_API_KEY is set in `env`, and Claude
// models when ANTHROPIC_API_KEY is.
std::string default_config_yaml(const Environment& env = process_environment());

}  // namespace llmctl::gateway
