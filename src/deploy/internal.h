// Shared pieces of the generators (not a public interface): names and labels, the engine's
// command line, metric lookups, and the alert table the rules and the runbook both read.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "deploy/deploy.h"
#include "deploy/serving.h"

namespace llmctl::deploy::detail {

namespace json = boost::json;

// ---- names --------------------------------------------------------------------------------
std::string engine_name(const Serving& s);  // Deployment and Service of the engine
std::string canary_name(const Serving& s);  // the CI canary Deployment
std::string gateway_name(const Serving& s);
std::string redis_name(const Serving& s);
std::string cache_claim_name(const Serving& s);
std::string hf_secret_name(const Serving& s);   // key: token
std::string api_secret_name(const Serving& s);  // key: the fallback's key_env
inline constexpr const char* kHfSecretKey = "token";
inline constexpr int kGatewayPort = 8080;
inline constexpr int kRedisPort = 6379;
inline constexpr const char* kRedisImage = "redis:7.2.4";  // pinned: a release tag, never latest

json::object labels(const Serving& s, const std::string& component);
json::object selector(const Serving& s, const std::string& component);
json::object metadata(const Serving& s, const std::string& name, const std::string& component);

// ---- the engine ---------------------------------------------------------------------------
// Entry point inside the catalog image (data/engines.yaml `command`; the images' own ENTRYPOINTs
// differ between releases).
std::vector<std::string> engine_command(const catalog::Engine& e);
// Flags from the catalog's concept -> flag map; `model_path` overrides the model argument (KServe
// and SkyPilot use their own). Concepts the engine lacks are skipped.
std::vector<std::string> engine_args(const Serving& s, const std::string& model_path = "");
// nvidia.com/gpu.product from the catalog GPU's node-label name (nvidia.com/gpu.present when it
// has none); deploy.node_selector replaces it.
json::object node_selector(const Serving& s);
json::array gpu_tolerations();

// ---- metrics ------------------------------------------------------------------------------
enum class EngineSignal {
  kQueue,
  kRunning,
  kKvUsage,
  kPreemptions,
  kTtft,
  kTpot,
  kPrefixHits,
  kPrefixQueries,
  kPromptTokens,
  kGenerationTokens
};
// The engine's current metric for a signal: the catalog metric with that `signal` and no
// `removed_in` ("" when the catalog lists none).
std::string engine_metric(const catalog::Engine& e, EngineSignal signal);
std::string engine_selector(const Serving& s);   // namespace="..",job=".."
std::string gateway_selector(const Serving& s);  // namespace="..",job="..",model=".."
std::string gpu_selector(const Serving& s);      // DCGM series of the engine's pods
// le matcher for a histogram bound that survives Prometheus 3's normalisation ("1" -> "1.0").
std::string le_matcher(double bound);
// The gateway's histogram bounds (src/gateway/metrics.h: OpenTelemetry GenAI buckets).
const std::vector<double>& gateway_ttft_bounds();
const std::vector<double>& gateway_tpot_bounds();
// The bound closest to `target_s` by ratio (ties: the lower, stricter one). Latency SLOs are
// read from histogram buckets, so the SLO is evaluated at that bound.
double nearest_bound(const std::vector<double>& bounds, double target_s);

// ---- alerts -------------------------------------------------------------------------------
struct Alert {
  std::string group;     // rule group
  std::string name;      // alert name
  std::string severity;  // page | ticket | info
  std::string expr;
  std::string for_;
  std::string summary;
  std::string description;
  std::string meaning;              // RUNBOOK: what it means
  std::vector<std::string> checks;  // RUNBOOK: the first three things to check
};
struct Recording {
  std::string group;
  std::string record;
  std::string expr;
  std::string slo;  // availability | ttft | tpot
};
struct RuleSet {
  std::vector<Recording> recordings;
  std::vector<Alert> alerts;
};
RuleSet rules(const Serving& s, const Sizing& z);

// ---- generators (one per concern); each appends files ----------------------------------------
using Files = std::vector<GeneratedFile>;
void add_yaml(Files& out, const Serving& s, std::string path, std::string summary,
              const std::vector<json::value>& docs, const std::string& comment = "");
void add_json(Files& out, const Serving& s, std::string path, std::string summary,
              const json::value& doc);
void add_markdown(Files& out, const Serving& s, std::string path, std::string summary,
                  std::string body);

json::value engine_deployment(const Serving& s, const Sizing& z, bool canary);
void kubernetes_files(Files& out, const Serving& s, const Sizing& z);
// shared_redis: the replicas share keys, limits and budgets through the Redis of k8s/redis.yaml
// (governance.store: redis, its URL from LLMCTL_REDIS_URL); otherwise the gateway's own SQLite.
json::value gateway_config(const Serving& s, const Sizing& z, const std::string& engine_url,
                           bool shared_redis = false);
void gateway_files(Files& out, const Serving& s, const Sizing& z);
void monitoring_files(Files& out, const Serving& s, const Sizing& z, bool kubernetes);
json::value dashboard(const Serving& s, const Sizing& z);
void ci_files(Files& out, const Serving& s, const Sizing& z);
void runbook_file(Files& out, const Serving& s, const Sizing& z, const RuleSet& rules);
void readme_file(Files& out, const Serving& s, const Sizing& z, Target target, const Files& files);
void kserve_files(Files& out, const Serving& s, const Sizing& z);
void helm_files(Files& out, const Serving& s, const Sizing& z);
void skypilot_files(Files& out, const Serving& s, const Sizing& z);
void compose_files(Files& out, const Serving& s, const Sizing& z);
// A managed platform's option (s.managed): the gateway config and a README, no GPU manifests.
void managed_files(Files& out, const Serving& s);

// "12345" -> "12Gi"-style quantities and other small formatting.
std::string gib(int n);
json::array strings(const std::vector<std::string>& v);

}  // namespace llmctl::deploy::detail
