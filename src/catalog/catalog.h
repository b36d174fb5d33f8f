// The knowledge catalog: GPUs, models, engines, hosted-API prices and fitted performance
// parameters, each entry with the source and date it was read from.
//
// A Catalog is an immutable value once loaded (loader.h builds it); it is safe to share between
// threads for reading. Lookups accept ids and aliases, case-insensitively.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmctl::catalog {

// Where an entry came from: its cited source and date, and the catalog file and line it was read
// from (so errors and `catalog show` can point at it).
struct Provenance {
  std::string source;
  std::string as_of;  // YYYY-MM-DD
  std::string file;
  int line = 0;
};

struct GpuPrice {
  std::string provider;
  std::string kind;  // on_demand | spot | reserved
  double usd_per_hour = 0;
  std::string source;
  std::string as_of;
};

// A name a node label, instance type or accelerator field uses for a GPU (GKE
// cloud.google.com/gke-accelerator values, AWS/GCP/Azure instance types, SkyPilot accelerator
// names, and node-label: the nvidia.com/gpu.product value NVIDIA GPU Feature Discovery sets,
// which `llmctl deploy` selects nodes by). `prefix`: an instance family (p4d matches p4d.24xlarge).
struct CloudName {
  std::string name;
  std::string kind;  // gke-accelerator | instance-type | skypilot | node-label
  bool prefix = false;
  std::string source;
  std::string as_of;
};

struct Gpu {
  std::string id;
  std::string name;
  std::string vendor = "nvidia";  // nvidia | amd
  std::string arch;               // ampere | ada | hopper | blackwell | cdna3
  std::vector<std::string> aliases;
  double memory_gib = 0;
  double memory_bandwidth_gbps = 0;      // GB/s
  std::map<std::string, double> tflops;  // dtype -> dense TFLOPS
  std::string interconnect_kind;         // nvlink | pcie | infinity-fabric
  double interconnect_gbps = 0;          // per direction, GB/s
  std::vector<GpuPrice> prices;
  std::vector<CloudName> cloud_names;
  Provenance provenance;

  // Dense peak TFLOPS for a compute dtype; falls back to the nearest wider type the chip has
  // (fp4 -> fp8 -> bf16), since engines upcast when the tensor cores lack the format.
  double tflops_for(std::string_view dtype) const;
  // Cheapest on-demand price, or nullopt when the catalog has none.
  std::optional<GpuPrice> cheapest_price(std::string_view kind = "on_demand") const;
  // The first exact (non-prefix) cloud name of this kind ("node-label": the value of
  // nvidia.com/gpu.product), or "" when the catalog has none.
  std::string cloud_name(std::string_view kind) const;
};

struct MlaAttention {
  int kv_lora_rank = 0;
  int q_lora_rank = 0;
  int qk_rope_head_dim = 0;
  int qk_nope_head_dim = 0;
  int v_head_dim = 0;
};

struct Moe {
  int experts = 0;
  int top_k = 0;
  int shared_experts = 0;
  int expert_intermediate_size = 0;
  int dense_layers = 0;
  double params_experts_b = 0;  // billions of parameters in routed experts
};

struct SlidingWindow {
  int window = 0;  // tokens
  int layers = 0;  // how many layers use it
};

struct Model {
  std::string id;
  std::string name;
  std::vector<std::string> aliases;
  int layers = 0;
  int hidden_size = 0;
  int attention_heads = 0;
  int kv_heads = 0;
  int head_dim = 0;
  int intermediate_size = 0;
  int vocab_size = 0;
  double params_total_b = 0;
  double params_active_b = 0;
  int max_context = 0;
  std::string attention_kind = "gqa";  // gqa | mla
  std::optional<MlaAttention> mla;
  std::optional<SlidingWindow> sliding_window;
  std::optional<Moe> moe;
  std::map<std::string, std::string> weight_dtypes;  // part -> dtype, e.g. experts -> mxfp4
  // The Hugging Face repository ships Python that --trust-remote-code runs (config.json has an
  // auto_map); false for architectures the engines implement natively.
  bool remote_code = false;
  Provenance provenance;

  bool is_moe() const { return moe.has_value(); }
};

// One metric an engine exposes (or exposed): its name as scraped, with the versions that
// introduced, deprecated and removed it. A metric that replaced older names lists them in
// `replaces`; `deprecated_in`/`removed_in` then date the old names. A metric removed without a
// successor has its own entry with `removed_in`.
struct EngineMetric {
  std::string name;
  std::string type;  // counter | gauge | histogram
  std::string meaning;
  std::vector<std::string> replaces;  // older names this one replaced
  std::string introduced_in;          // engine version, if known
  std::string deprecated_in;          // version that deprecated the old names (or this one)
  std::string removed_in;             // version that removed the old names (or this one)
  // What the metric measures, in llmctl's words (one of kMetricSignals; empty: none monitor
  // reads). The same signal across engines and versions is how `llmctl monitor` finds, say, the
  // KV-cache usage of vLLM 0.8 (gpu_cache_usage_perc) and of vLLM 0.11 (kv_cache_usage_perc).
  std::string signal;
};

// Signals a catalog metric may carry (data/README.md describes each).
inline constexpr const char* kMetricSignals[] = {
    // engine
    "queue", "running", "kv_usage", "preemptions", "ttft", "tpot", "e2e", "queue_time",
    "prompt_tokens", "generation_tokens", "prefix_hits", "prefix_queries", "prefix_hit_rate",
    "requests_finished", "request_prompt_tokens", "request_generation_tokens", "cache_config",
    // GPU exporter
    "gpu_util", "gpu_fb_used", "gpu_fb_free", "gpu_fb_reserved", "gpu_xid", "gpu_clock_reasons",
    "gpu_power_violation", "gpu_thermal_violation", "gpu_temp", "gpu_power"};

// How an engine's scheduler and memory manager behave by default, where that changes the
// arithmetic: the perf model's memory budget and step time, and the fleet simulator's iterations.
// Read from data/engines.yaml (`scheduler:`), where each value cites the engine's source; the
// initialisers below are what an engine without a `scheduler:` block (a user's overlay, a
// stand-in) gets: a paged-attention engine that chunks prefills and mixes them with decodes.
struct EngineTraits {
  // KV cache dtype when the weights are fp8/fp4/mxfp4 and kv_dtype is unset: TRT-LLM's published
  // recipes quantise the KV cache with the weights; vLLM, SGLang and TGI default to the model
  // dtype ("auto").
  bool fp8_kv_with_quantized_weights = false;
  // The scheduler reserves a sequence's whole input+output before admitting it (TRT-LLM's
  // GUARANTEED_NO_EVICT); otherwise blocks are allocated as tokens arrive and a sequence holds,
  // on average over its life, input + output/2 tokens (vLLM, SGLang, TGI paged attention).
  bool reserves_full_sequence = false;
  // gpu_memory_fraction of total caps only weights + KV (SGLang mem_fraction_static), rather than
  // everything the engine allocates (vLLM gpu_memory_utilization).
  bool fraction_caps_weights_and_kv_only = false;
  double activation_factor = 1;  // AIConfigurator: SGLang +15% activations
  double other_factor = 1;       // AIConfigurator: SGLang +20% "other" memory
  int max_num_seqs = 256;        // scheduler cap on sequences in flight
  int max_num_tokens = 8192;     // tokens one iteration may process (chunked-prefill budget)
  // Serves fp8 weights on GPUs without fp8 tensor cores (weight-only Marlin kernels, Ampere).
  bool fp8_weight_only_fallback = true;
  // Small (decode-sized) TP all-reduces over NVLink run the engine's own one-shot kernel, every
  // GPU reading its peers' shards at once: one hop of latency whatever the TP. false: NCCL's
  // ring, tp-1 hops. Over PCIe every engine takes the ring.
  bool one_shot_allreduce = false;

  // ---- Scheduler policy: how iterations are formed (the fleet simulator, src/sim) ----
  int block_size = 16;          // KV-cache page, tokens (prefix reuse and allocation unit)
  bool chunked_prefill = true;  // a prompt may span iterations under max_num_tokens
  bool mixed_batches = true;    // prefill and decode share an iteration; false: prefill batches
                                // run alone and pause decoding (SGLang default, TGI)
  bool prefix_caching = true;   // prefix (KV block) reuse on by default
  bool preempts = true;         // out of KV: preempt the newest sequence and recompute it later;
                                // false: admission reserves a sequence's whole length
  // SGLang admission: running sequences keep (remaining output x ratio) tokens in reserve; the
  // ratio starts at new_token_ratio, decays linearly to new_token_ratio_min over
  // new_token_ratio_decay_steps iterations, and resets when a sequence is retracted. 0: unused.
  double new_token_ratio = 0;
  int max_prefill_tokens = 0;  // tokens one prefill batch may hold in all (0: max_num_tokens);
                               // each prompt is still chunked to max_num_tokens
  double new_token_ratio_min = 0;
  double new_token_ratio_decay_steps = 0;
  // TGI: a prefill batch interrupts decoding when waiting / running > waiting_served_ratio or
  // after max_waiting_steps decode steps with requests waiting. 0: prefill whenever possible.
  double waiting_served_ratio = 0;
  int max_waiting_steps = 0;
  // Cold start: process start to ready, beyond loading the weights (CUDA context, compile, CUDA
  // graph capture, KV allocation), and the bandwidth weights load at.
  double startup_s = 60;
  double weight_load_gb_per_s = 2;
};

// Batch limits an engine raises on large GPUs (vLLM and SGLang size them by device memory): on a
// GPU with at least min_memory_gib whose name contains none of except_names (case-insensitive;
// vLLM keeps the A100 on the small limits), these replace the defaults. 0: unchanged.
struct EngineLargeGpu {
  double min_memory_gib = 0;
  std::vector<std::string> except_names;
  int max_num_seqs = 0;
  int max_num_tokens = 0;
};

// An engine's scheduler defaults (data/engines.yaml `scheduler:`) with their own source.
struct EngineScheduler {
  EngineTraits traits;
  std::optional<EngineLargeGpu> large_gpu;
  std::string source;  // empty: the engine has no `scheduler:` block (the defaults above)
  std::string as_of;

  // The traits on this GPU: the defaults, with large_gpu's limits where the GPU qualifies.
  EngineTraits on(const Gpu& gpu) const;
};

struct Engine {
  std::string id;
  std::string name;
  std::vector<std::string> dtypes;
  std::vector<std::string> gpu_vendors = {"nvidia", "amd"};
  double gpu_memory_fraction = 0.9;
  std::string memory_fraction_of = "total";  // total | free
  std::string image;
  // The command that starts the OpenAI-compatible server in `image` (deploy's container command;
  // the engine's flags follow it). Empty: deploy cannot write a bundle for the engine.
  std::vector<std::string> command;
  int port = 8000;
  std::string health_path;
  std::string ready_path;
  std::string metrics_path;
  std::map<std::string, std::string> flags;  // concept -> CLI flag
  // Context length served when the max_model_len flag is unset: 0 means the model's maximum.
  long long default_context = 0;
  // Suffix the engine's Prometheus client adds to counters on exposition ("_total" for the
  // Python client; "" for TGI's Rust exporter, whose counters keep their bare names).
  std::string counter_suffix = "_total";
  std::vector<EngineMetric> metrics;
  EngineScheduler scheduler;
  Provenance provenance;

  bool supports_dtype(std::string_view dtype) const;
  bool runs_on(std::string_view vendor) const;
};

// A metrics exporter that is not a planned serving engine (NVIDIA's dcgm-exporter, Triton's
// metrics endpoint): where it serves and the metrics it exposes, with the same fields as an
// engine's.
struct Exporter {
  std::string id;
  std::string name;
  int port = 0;
  std::string metrics_path;
  // As Engine::counter_suffix: "" where counters are exposed under their bare names
  // (dcgm-exporter, Triton's prometheus-cpp registry).
  std::string counter_suffix = "_total";
  std::vector<EngineMetric> metrics;
  Provenance provenance;
};

// A hosted model name its provider has shut down (or announced a date for): a call naming it
// fails from `shutdown` on. `llmctl audit` LLM004 reads it.
struct RetiredModel {
  std::string id;  // provider/model
  std::string provider;
  std::string model;
  std::vector<std::string> aliases;  // other names shut down with it (undated aliases)
  std::string shutdown;              // YYYY-MM-DD
  std::string replacement;           // the provider's recommended substitute
  Provenance provenance;
};

// A Hugging Face repository family outside the models list whose config.json maps the model's
// classes to Python in the repository (an `auto_map`), so --trust-remote-code runs that code.
// `id` is a lower-case prefix of the repository name; a name containing `unless` is excluded.
struct CodeRepository {
  std::string id;
  std::string unless;
  std::string auto_map;  // the config.json entry that shows the code, as read
  Provenance provenance;
};

struct Price {
  std::string id;  // provider/model
  std::string provider;
  std::string model;
  std::vector<std::string> aliases;
  // What the endpoint does: "chat" (generates tokens; the planner's and the cost analyser's
  // candidates) or "embedding" (input tokens only; priced for the gateway's cost accounting).
  std::string kind = "chat";
  double input_usd_per_mtok = 0;
  double output_usd_per_mtok = 0;
  std::optional<double> cache_read_usd_per_mtok;
  std::optional<double> cache_write_usd_per_mtok;
  std::optional<double> batch_discount;  // fraction off with the batch API
  int context_window = 0;
  int max_output_tokens = 0;
  // input_includes_cached: the provider's input count includes cache reads and writes (OpenAI
  // prompt_tokens). input_excludes_cached: it does not (Anthropic input_tokens).
  std::string usage_semantics = "input_includes_cached";
  std::string reasoning_billed_as = "output";
  std::string quality_tier;
  std::string open_model;  // catalog model id served, for open-model hosts
  // Model family within the provider (gpt-4.1, claude, gemini-2.5): `costs` tiers requests to a
  // cheaper model of the same provider and family. Empty: no tiering suggestions.
  std::string family;
  // Provider prompt caching: the shortest prefix the provider caches (0: not published or no
  // caching) and how long an unused entry lives (0: unknown).
  int cache_min_tokens = 0;
  int cache_ttl_s = 0;
  // A managed platform's entry for a model its maker also sells: the maker's own price id
  // (bedrock/anthropic.claude-sonnet-4-5-... -> anthropic/claude-sonnet-4-5). `plan` lists a
  // model's platforms together and takes the quality tier from the maker's entry. Empty: none.
  std::string first_party;
  // Default per-minute quota of a new account or subscription, per region (0: not published or
  // not in the catalog); the provider block's comment names the tier it is for.
  long long quota_tpm = 0;
  long long quota_rpm = 0;
  Provenance provenance;
};

// What a managed platform charges for one unit of provisioned throughput (an Azure PTU, a
// Bedrock model unit, a Vertex GSU) for one commitment term.
struct ProvisionedTerm {
  std::string term;  // hourly | 1-week | 1-month | 3-month | 6-month | 1-year
  std::optional<double> usd_per_unit_hour;   // hourly: billed per unit-hour, no commitment
  std::optional<double> usd_per_unit_month;  // a term: per unit-month for the whole term
  // Monthly $ of one unit (hourly x kHoursPerMonth for hourly terms).
  double monthly_usd(double hours_per_month) const;
};

// A provisioned-throughput offer: the unit, its deployment kind and its prices per term. A
// platform that publishes no price or per-unit throughput has an entry saying so (`missing`),
// so `plan` can say why it did not cost the option.
struct ProvisionedUnit {
  std::string id;          // provider/deployment, e.g. azure-openai/regional-ptu
  std::string provider;    // the platform, as in prices.yaml (azure-openai, bedrock, vertex)
  std::string unit;        // the platform's name for it: PTU, model unit, GSU
  std::string deployment;  // regional | data-zone | global | ...
  std::vector<ProvisionedTerm> terms;
  std::string missing;  // what the platform does not publish; empty when all is published
  Provenance provenance;
};

// What one provisioned unit sustains for one model: input tokens per minute, output tokens
// weighted as a multiple of input tokens (the platform's own sizing rule), and the purchase steps.
struct ProvisionedModel {
  std::string id;     // <unit id>/<model>
  std::string units;  // a ProvisionedUnit id
  std::string model;  // the model as the platform's price entry names it (or an alias)
  int min_units = 1;
  int unit_increment = 1;
  double input_tpm_per_unit = 0;   // input tokens per minute per unit
  double output_token_weight = 1;  // one output token counts as this many input tokens
  double cached_input_weight = 1;  // one cached input token counts as this many (0: deducted)
  Provenance provenance;
};

// A serverless GPU offer: a GPU billed by the second while a worker runs, scaled by the platform.
struct ServerlessGpu {
  std::string id;          // provider/gpu, e.g. runpod/h100-pcie
  std::string provider;    // modal | runpod | replicate | ...
  std::string gpu;         // catalog GPU id the offer runs on
  std::string offer_name;  // the platform's name for it ("H100 PRO")
  double usd_per_gpu_second = 0;
  // Always-on workers (RunPod "active"), when the platform prices them differently; a warm
  // minimum is billed at this rate. Unset: at usd_per_gpu_second.
  std::optional<double> warm_usd_per_gpu_second;
  bool scale_to_zero = true;
  std::optional<double> idle_timeout_s;  // default idle time before a worker stops
  // Measured scale-from-zero start of an LLM server (worker start to ready), with its source;
  // unset when no measurement is published (plan then keeps a warm worker).
  std::optional<double> cold_start_s;
  std::string cold_start_source;
  Provenance provenance;
};

// Fitted performance-model parameters for one engine on one GPU architecture. The meaning of
// each parameter belongs to perf/ (see docs/PERF.md); the catalog only stores them with where
// they came from.
struct Efficiency {
  std::string id;  // engine/arch, or engine@min_engine_version/arch
  std::string engine;
  std::string arch;  // a Gpu::arch, or "any"
  // Empty: every version of the engine. Otherwise the entry applies only to deployments of this
  // version or newer (compare_versions), and to those that name no version: they are taken to
  // run the current release. An engine whose kernels changed between releases keeps its older
  // rows' fit in the entry without a bound.
  std::string min_engine_version;
  std::map<std::string, double> params;
  std::vector<std::string> fitted_on;  // calibration row ids
  Provenance provenance;
};

// Numeric comparison of dotted versions: "0.4.2" < "0.9.2" < "0.11" < "1.1.0rc2.post2"; a part's
// leading digits count and the rest of it is ignored; missing parts are 0. -1, 0 or 1.
int compare_versions(std::string_view a, std::string_view b);

class Catalog {
 public:
  std::vector<Gpu> gpus;
  std::vector<Model> models;
  std::vector<Engine> engines;
  std::vector<Price> prices;
  std::vector<Efficiency> efficiency;
  std::vector<Exporter> exporters;
  std::vector<ProvisionedUnit> provisioned_units;
  std::vector<ProvisionedModel> provisioned_models;
  std::vector<ServerlessGpu> serverless;
  std::vector<RetiredModel> retired;
  std::vector<CodeRepository> code_repositories;

  // Lookup by id or alias, case-insensitive. nullptr when absent.
  const Gpu* find_gpu(std::string_view id) const;
  const Model* find_model(std::string_view id) const;
  const Engine* find_engine(std::string_view id) const;
  const Exporter* find_exporter(std::string_view id) const;
  const ProvisionedUnit* find_provisioned_unit(std::string_view id) const;
  // A retired hosted model by its name or an alias (case-insensitive; "provider/" prefixes
  // are the caller's to strip). nullptr when the name is not retired.
  const RetiredModel* find_retired(std::string_view model) const;
  // The code_repositories entry a Hugging Face model name (org/name, any case) falls under:
  // the name starts with its id and does not contain its `unless`. nullptr when none.
  const CodeRepository* find_code_repository(std::string_view model) const;
  // Price by "provider/model", or by model name (or alias) with an optional provider. When the
  // provider is empty and several providers sell the model, the first in catalog order wins.
  const Price* find_price(std::string_view model, std::string_view provider = {}) const;

  // "Did you mean" help for errors: the known ids of a kind, comma-separated.
  std::string gpu_ids() const;
  // The error for an id that names no model (GPU): "unknown model 'x'; did you mean 'y'? known:
  // ..." The hint is the entry whose id or alias is closest (common/strings.h closest()), a
  // "provider/" prefix and case ignored.
  std::string unknown_model(std::string_view id) const;
  std::string unknown_gpu(std::string_view id) const;
  std::string model_ids() const;
  std::string engine_ids() const;
};

}  // namespace llmctl::catalog
