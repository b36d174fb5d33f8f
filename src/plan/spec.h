// The capacity-planning spec: what to serve (models or a quality tier), the traffic, the SLOs, the
// budget and the constraints. docs/PLAN.md documents every field.
//
// parse_spec() reads YAML text handed in by the caller (the CLI reads the file) and validates it
// strictly: an unknown field, a wrong type or an out-of-range value is an error that names
// file:line:column, the field and what was expected. Catalog references (model, GPU, engine ids)
// are kept with their position so the planner can report an unknown id the same way.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace llmctl::plan {

// A value written in the spec, with where it was written (1-based line and column).
struct SpecRef {
  std::string value;
  int line = 0;
  int column = 0;
};

// Token lengths of requests. Sizing uses the mean for throughput and the p95 for the tail
// (TTFT of long prompts, KV room for long requests).
struct LengthDistribution {
  double mean = 0;
  std::optional<double> p50;
  std::optional<double> p95;

  // The p95 used for sizing: the given one, else kDefaultP95OverMean x mean (see docs/PLAN.md).
  double p95_or_default() const;
};

// Request lengths are right-skewed; without a stated p95 we assume 3x the mean, the exponential
// distribution's ln(20). The Azure 2023 traces measure 3.5 (input) and 2.1 (output) for
// conversations, 3.6 and 3.2 for code.
inline constexpr double kDefaultP95OverMean = 3.0;

// A request trace to derive the traffic from (read by the CLI; see trace.h).
struct TraceRef {
  SpecRef file;          // as written: relative to the spec file's folder, or absolute
  double qps_scale = 1;  // multiplies the trace's request rate (lengths are unchanged)
};

struct Traffic {
  double peak_qps = 0;
  double average_qps = 0;
  LengthDistribution input_tokens;
  LengthDistribution output_tokens;
  std::optional<TraceRef> trace;
  std::string source = "spec";       // "spec", or a one-line description of the trace summary
  double cacheable_input_share = 0;  // share of input tokens a prompt cache serves
  double batchable_share = 0;        // share of tokens that can go through a batch API (24 h)
  bool autoscaling = false;          // bill the average fleet (true) or the peak fleet (false)
};

struct Slo {
  std::optional<double> ttft_p95_ms;
  std::optional<double> tpot_p95_ms;
  // Tails: the analytic sizing works on p95s; these are checked by the plan's simulation of its
  // top options (docs/PLAN.md 5a), and not at all with --simulate 0.
  std::optional<double> ttft_p99_ms;
  std::optional<double> tpot_p99_ms;
  double availability = 0.99;  // fraction; >= 0.999 adds one spare replica (N+1)
};

struct Constraints {
  bool self_hosting = true;     // GPUs billed by the hour (and, with `serverless`, their sizing)
  bool api = true;              // hosted per-token APIs
  bool provisioned = true;      // provisioned throughput on the APIs' platforms (needs `api`)
  bool serverless = true;       // serverless GPUs billed by the second
  std::vector<SpecRef> gpus;    // empty: every catalog GPU
  std::vector<SpecRef> clouds;  // GPU price providers; empty: any
  std::vector<SpecRef> api_providers;  // hosted-API providers; empty: any
  std::vector<SpecRef> engines;        // empty: every catalog engine
  std::vector<SpecRef> dtypes;         // empty: bf16, fp8 and the model's native weight dtype
  std::string data_residency = "any";  // any | on-prem (on-prem forbids hosted APIs)
  int max_tp = 8;
  std::map<std::string, double> gpu_usd_per_hour;  // GPU id -> $/GPU-hour, overrides the catalog
  std::map<std::string, SpecRef> gpu_price_refs;   // GPU id -> where it was written
};

struct Spec {
  std::string file;  // name used in messages
  std::string name;
  std::vector<SpecRef> models;  // catalog model ids or hosted-API model names
  bool models_listed = false;   // written as `models: [...]` (for field names in errors)
  std::optional<SpecRef> tier;  // frontier | strong | fast | small: this tier or better
  Traffic traffic;
  Slo slo;
  std::optional<double> budget_monthly_usd;
  Constraints constraints;
};

// Quality tiers, worst to best; the rank orders options in dominance checks.
// Returns -1 for an unknown or empty tier.
int tier_rank(std::string_view tier);
inline constexpr const char* kTiers[] = {"small", "fast", "strong", "frontier"};

// Parses and validates a spec. `file` names the source in error messages.
Result<Spec> parse_spec(std::string_view yaml_text, const std::string& file);

// "file:line:column" of a value written in the spec.
std::string where(const Spec& spec, const SpecRef& ref);

}  // namespace llmctl::plan
