// The deployment to generate, resolved to numbers: which model, GPU, engine and parallelism, how
// many replicas, the engine's limits, the SLOs and the API fallback, plus the sizes derived from
// them (probe budgets, grace periods, volumes, the autoscaler's target). Every generator reads
// only this, so each number in a generated file traces back to one field here and, through the
// field's comment, to the plan, the catalog or a stated assumption (docs/DEPLOY.md).
//
// Pure: built from a plan (from_plan) or explicit choices (from_explicit); no I/O.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "common/result.h"
#include "deploy/settings.h"
#include "plan/planner.h"

namespace llmctl::deploy {

// The hosted API the gateway falls back to.
struct Fallback {
  const catalog::Price* price = nullptr;
  std::string option_id;  // the plan's option id ("api:<price id>"), or "flag"
  int rank = 0;           // 1-based rank in the plan; 0 when not ranked there
  std::string provider;   // gateway provider kind: openai | openai-compatible
  std::string base_url;   // the provider's OpenAI-compatible endpoint
  std::string key_env;    // environment variable with the API key, e.g. TOGETHER_API_KEY
  std::optional<double> monthly_usd;  // at the spec's traffic, when the plan costed it
};

// How sizes are derived when the plan does not say. Each default is explained in docs/DEPLOY.md.
struct Assumptions {
  double load_bandwidth_bytes_per_s = 250e6;  // Hub download + load (~2 Gbit/s)
  double engine_start_s = 60;                 // process start, CUDA init, graph capture
  double startup_margin = 1.5;                // x (start + load)
  int prestop_s = 30;                         // endpoint removal propagates (GIE reference)
  double longest_output_over_p95 = 2;         // longest generation = 2 x p95 output tokens
  double max_model_len_over_p95 = 2;          // context limit = 2 x (p95 input + p95 output)
  double queue_wait_share_of_ttft = 0.5;      // KEDA: waiting time allowed, share of the TTFT SLO
  int gateway_replicas = 2;
};

// A managed platform's option (a per-token API or provisioned throughput): the bundle is the
// gateway config that routes to the platform, with credentials named by environment variable.
struct Managed {
  const catalog::Price* price = nullptr;  // the platform's per-token entry
  bool provisioned = false;
  std::string units;  // provisioned: the units id, unit name and count, for the README
  std::string unit_name;
  int unit_count = 0;
  std::string term;
  std::string gateway_provider;  // azure-openai | bedrock | gemini | openai | anthropic | ...
  std::string base_url;          // "" : the provider's default
  std::string key_env;           // "" : none (Bedrock signs with AWS credentials)
  std::string region;            // Bedrock region / Vertex location; "": the env's at load
  std::string upstream_model;    // what the gateway sends (an Azure deployment name, ...)
  std::string public_model;      // what clients ask for
  double monthly_usd = 0;
};

struct Serving {
  // Identity.
  std::string name;       // DNS-1123 prefix of every object
  std::string ns;         // namespace
  std::string spec_name;  // as planned
  std::string origin;     // "examples/x.yaml, option self:..." for headers
  std::string spec_path;  // as given on the command line ("" for explicit flags)
  std::string option_id;  // plan option id, or "explicit"
  int option_rank = 0;    // 1-based rank in the plan; 0 for explicit flags

  // What runs.
  const catalog::Model* model = nullptr;
  const catalog::Gpu* gpu = nullptr;
  const catalog::Engine* engine = nullptr;
  std::string dtype;
  int tp = 1;
  int pp = 1;
  std::string model_repo;          // Hugging Face repository
  std::string revision;            // pinned revision or ""
  std::string served_model_name;   // the name clients send (the gateway's public model)
  std::optional<Managed> managed;  // set for a managed platform's option (no GPUs)

  // Engine limits (flags).
  int max_model_len = 0;
  int max_num_seqs = 0;
  double gpu_memory_fraction = 0.9;
  bool prefix_caching = false;

  // Fleet.
  int replicas_min = 1;
  int replicas_max = 1;
  int spare_replicas = 0;
  bool autoscaling = false;  // the spec bills the average fleet
  bool scale_to_zero = false;
  std::optional<int> cold_start_budget_s;
  double capacity_qps = 0;        // one replica within the SLOs (plan)
  long long kv_cache_tokens = 0;  // one replica's KV cache (perf model at peak)
  double in_flight_at_peak = 0;   // mean requests in flight per replica at peak (perf model)
  double gpu_usd_per_hour = 0;
  std::string gpu_price_source;  // provider or "spec"
  double monthly_usd = 0;        // the self-hosted fleet (plan)

  // Workload and SLOs.
  double peak_qps = 0;
  double average_qps = 0;
  double input_tokens_p95 = 0;
  double output_tokens_p95 = 0;
  double cacheable_input_share = 0;
  std::optional<double> ttft_slo_ms;
  std::optional<double> tpot_slo_ms;
  // The spec's p99 targets (plan::Slo): burn-rate alerts of their own, with a 1% budget.
  std::optional<double> ttft_p99_slo_ms;
  std::optional<double> tpot_p99_slo_ms;
  double availability = 0.99;
  double ttft_p95_ms = 0;  // the plan's estimate at peak
  double tpot_p95_ms = 0;
  std::optional<double> budget_monthly_usd;

  std::optional<Fallback> fallback;

  // Cluster and CI settings, defaults applied.
  std::string storage_class;
  std::map<std::string, std::string> node_selector;
  std::string prometheus_url;
  std::map<std::string, std::string> monitoring_labels;
  std::string gateway_image;
  int gateway_replicas = 2;
  std::string eval_command;  // "" when not configured (the CI gate then fails on purpose)
  double eval_threshold = 0;
  bool eval_configured = false;
  std::string bundle_path;  // where the bundle lives in the repository (the --out folder)

  Assumptions assume;
  std::vector<std::string> notes;  // choices made while resolving, for the user
};

// Sizes derived from a Serving (pure arithmetic; docs/DEPLOY.md gives each formula).
struct Sizing {
  double checkpoint_bytes = 0;  // Hub checkpoint, bf16 unless the model is natively lower
  double weights_gib = 0;       // served weights, whole replica
  int startup_budget_s = 0;     // (engine start + checkpoint / bandwidth) x margin
  int startup_period_s = 10;
  int startup_failure_threshold = 0;
  int longest_output_tokens = 0;
  double longest_generation_s = 0;  // TTFT p95 + longest output x TPOT p95
  int grace_period_s = 0;           // preStop + longest generation + 10 s, at least 60
  int queue_target = 1;             // KEDA: waiting requests per replica
  int cache_volume_gib = 0;         // PVC: checkpoint x 1.25 + 10 GiB, in 10 GiB steps
  bool cache_shared = false;        // ReadWriteMany when more than one replica mounts it
  int shm_gib = 0;                  // /dev/shm (0 when tp x pp == 1)
  int cpu_request = 0;
  int memory_gib = 0;
  int gpus_per_replica = 1;
  int gateway_max_concurrency = 0;  // per gateway replica: max replicas x max_num_seqs / gateways
  int gateway_first_byte_ms = 0;
  int gateway_total_ms = 0;
  int gateway_grace_s = 0;
  double api_budget_monthly_usd = 0;  // spend the fallback may use per month
  bool api_budget_from_spec = false;
};

Sizing size(const Serving& s);

// Which plan option to deploy: a 1-based rank ("2") or an option id; empty: the best self-hosted
// one, or the best on `engine_only` when set (targets that run one engine: KServe's Hugging Face
// runtime and production-stack run vLLM).
Result<Serving> from_plan(const catalog::Catalog& catalog, const plan::Plan& plan,
                          const std::string& option, const Settings& settings,
                          const std::string& spec_path, const std::string& bundle_path,
                          const std::string& engine_only = "");

// Deploying without a spec: the choices as flags.
struct ExplicitChoice {
  std::string model, gpu, engine = "vllm", dtype = "bf16";
  int tp = 1, pp = 1;
  int replicas = 1;
  std::optional<int> max_replicas;
  std::optional<int> max_model_len;
  std::optional<int> max_num_seqs;
  double input_tokens = 1000;  // mean request shape for the performance estimate
  double output_tokens = 250;
  std::optional<double> ttft_slo_ms, tpot_slo_ms;
  double availability = 0.99;
  std::string fallback_price;  // catalog price id, or ""
  std::optional<double> budget_monthly_usd;
};

Result<Serving> from_explicit(const catalog::Catalog& catalog, const ExplicitChoice& choice,
                              const Settings& settings, const std::string& bundle_path);

// The hosted-API endpoint table: OpenAI-compatible base URL for a catalog provider id, or "".
std::string provider_base_url(const std::string& provider);

}  // namespace llmctl::deploy
