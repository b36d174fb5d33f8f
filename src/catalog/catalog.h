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
  Provenance provenance;

  // Dense peak TFLOPS for a compute dtype; falls back to the nearest wider type the chip has
  // (fp4 -> fp8 -> bf16), since engines upcast when the tensor cores lack the format.
  double tflops_for(std::string_view dtype) const;
  // Cheapest on-demand price, or nullopt when the catalog has none.
  std::optional<GpuPrice> cheapest_price(std::string_view kind = "on_demand") const;
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
  Provenance provenance;

  bool is_moe() const { return moe.has_value(); }
};

struct EngineMetric {
  std::string name;
  std::string type;  // counter | gauge | histogram
  std::string meaning;
  std::vector<std::string> replaces;  // deprecated names this one replaced
  std::string deprecated_in;          // version that deprecated the old names, if known
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

struct Engine {
  std::string id;
  std::string name;
  std::vector<std::string> dtypes;
  std::vector<std::string> gpu_vendors = {"nvidia", "amd"};
  double gpu_memory_fraction = 0.9;
  std::string memory_fraction_of = "total";  // total | free
  std::string image;
  int port = 8000;
  std::string health_path;
  std::string ready_path;
  std::string metrics_path;
  std::map<std::string, std::string> flags;  // concept -> CLI flag
  std::vector<EngineMetric> metrics;
  Provenance provenance;

  bool supports_dtype(std::string_view dtype) const;
  bool runs_on(std::string_view vendor) const;
};

// A metrics exporter that is not a serving engine (NVIDIA's dcgm-exporter): where it serves and
// the metrics it exposes, with the same fields as an engine's.
struct Exporter {
  std::string id;
  std::string name;
  int port = 0;
  std::string metrics_path;
  std::vector<EngineMetric> metrics;
  Provenance provenance;
};

struct Price {
  std::string id;  // provider/model
  std::string provider;
  std::string model;
  std::vector<std::string> aliases;
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
  Provenance provenance;
};

// Fitted performance-model parameters for one engine on one GPU architecture. The meaning of
// each parameter belongs to perf/ (see docs/PERF.md); the catalog only stores them with where
// they came from.
struct Efficiency {
  std::string id;  // engine/arch
  std::string engine;
  std::string arch;  // a Gpu::arch, or "any"
  std::map<std::string, double> params;
  std::vector<std::string> fitted_on;  // calibration row ids
  Provenance provenance;
};

class Catalog {
 public:
  std::vector<Gpu> gpus;
  std::vector<Model> models;
  std::vector<Engine> engines;
  std::vector<Price> prices;
  std::vector<Efficiency> efficiency;
  std::vector<Exporter> exporters;

  // Lookup by id or alias, case-insensitive. nullptr when absent.
  const Gpu* find_gpu(std::string_view id) const;
  const Model* find_model(std::string_view id) const;
  const Engine* find_engine(std::string_view id) const;
  const Exporter* find_exporter(std::string_view id) const;
  // Price by "provider/model", or by model name (or alias) with an optional provider. When the
  // provider is empty and several providers sell the model, the first in catalog order wins.
  const Price* find_price(std::string_view model, std::string_view provider = {}) const;
  // Efficiency for engine and arch; falls back to engine/any, then any/any.
  const Efficiency* find_efficiency(std::string_view engine, std::string_view arch) const;

  // "Did you mean" help for errors: the known ids of a kind, comma-separated.
  std::string gpu_ids() const;
  std::string model_ids() const;
  std::string engine_ids() const;
};

}  // namespace llmctl::catalog
