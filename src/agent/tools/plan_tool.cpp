#include "agent/tools/plan_tool.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <filesystem>

#include "agent/tools/spec_input.h"
#include "plan/plan_json.h"
#include "plan/verify_sim.h"
#include "sim/trace.h"

namespace llmctl::agent {
namespace {

namespace json = boost::json;

// One performance estimate costs ~10-100 us; report every few thousand so a plan sends a handful
// of notifications, and look at the cancel flag as often (an atomic load).
constexpr long kProgressEvery = 2048;

constexpr std::string_view kOutputSchema = R"json({
  "type": "object",
  "required": ["spec", "assumptions", "summary", "options", "break_even", "notes", "dominated",
               "rejected", "excluded"],
  "additionalProperties": false,
  "properties": {
    "spec": {
      "type": "object",
      "required": ["name", "models", "tier", "traffic", "slo", "budget_monthly_usd"],
      "properties": {
        "name": {"type": "string"},
        "models": {"type": "array", "items": {"type": "string"}},
        "tier": {"type": ["string", "null"]},
        "traffic": {"type": "object", "required": ["source", "peak_qps", "average_qps", "input_tokens", "output_tokens"]},
        "slo": {"type": "object"},
        "budget_monthly_usd": {"type": ["number", "null"]}
      }
    },
    "assumptions": {"type": "array", "items": {"type": "string"}},
    "summary": {
      "type": "object",
      "required": ["options_evaluated", "ranked", "shown", "dominated", "rejected", "excluded"],
      "properties": {
        "options_evaluated": {"type": "integer"}, "ranked": {"type": "integer"},
        "shown": {"type": "integer"}, "dominated": {"type": "integer"},
        "rejected": {"type": "integer"}, "excluded": {"type": "integer"},
        "simulations": {"type": "integer", "description": "self-hosted options checked by simulation"},
        "best_by_kind": {"type": "array", "items": {"type": "object", "required": ["kind", "id", "monthly_usd", "ranked"]}}
      }
    },
    "options": {
      "type": "array",
      "description": "feasible options within the budget, cheapest first",
      "items": {
        "type": "object",
        "required": ["rank", "id", "kind", "model", "tier", "monthly_usd", "usd_per_mtok", "headroom", "bottleneck", "because"],
        "properties": {
          "rank": {"type": "integer", "minimum": 1},
          "id": {"type": "string"},
          "kind": {"enum": ["api", "self-hosted", "provisioned", "serverless"]},
          "model": {"type": "string"},
          "tier": {"type": ["string", "null"]},
          "monthly_usd": {"type": "number"},
          "usd_per_mtok": {"type": "number"},
          "headroom": {"type": ["number", "null"], "description": "1 - p95/SLO of the tightest SLO at peak"},
          "bottleneck": {"type": "string"},
          "api": {"type": "object", "required": ["price_id", "provider", "input_usd_per_mtok", "output_usd_per_mtok", "as_of"]},
          "self_hosted": {
            "type": "object",
            "required": ["gpu", "engine", "dtype", "tp", "pp", "gpus_per_replica", "gpu_usd_per_hour",
                         "replica_capacity_qps", "replicas", "gpus_billed", "at_peak", "kv_cache_tokens"],
            "properties": {
              "replicas": {"type": "object", "required": ["peak", "average", "spare", "billed"]},
              "at_peak": {"type": "object", "required": ["ttft_p95_ms", "tpot_p95_ms"]}
            }
          },
          "provisioned": {"type": "object", "required": ["units_id", "provider", "unit", "per_token_price_id", "units", "term", "terms", "as_of"]},
          "serverless": {"type": "object", "required": ["offer", "provider", "gpu", "engine", "dtype", "tp", "worker_capacity_qps", "peak_workers", "warm_minimum", "cold_start_share", "as_of"]},
          "simulated": {
            "type": "object",
            "description": "the option's fleet simulated at the peak (self-hosted options checked)",
            "required": ["workload", "requests", "replicas", "ttft_p95_ms", "ttft_p99_ms", "tpot_p95_ms",
                         "tpot_p99_ms", "slo_attainment", "meets_slo"]
          },
          "because": {"type": "array", "items": {"type": "string"}}
        }
      }
    },
    "break_even": {
      "type": ["object", "null"],
      "required": ["api", "self_hosted", "api_monthly_usd", "self_hosted_monthly_usd", "break_even", "summary"]
    },
    "notes": {"type": "array", "items": {"type": "string"}},
    "dominated": {"type": "array", "items": {"type": "object", "required": ["id", "monthly_usd", "dominated_by"]}},
    "rejected": {"type": "array", "items": {"type": "object", "required": ["id", "kind", "category", "reason"]}},
    "excluded": {"type": "array", "items": {"type": "object", "required": ["reason", "options"]}}
  }
})json";

}  // namespace

Result<plan::PlanOptions> simulation_options(const plan::Spec& spec, const std::string& trace_csv,
                                             const catalog::Catalog& catalog, int top) {
  plan::PlanOptions options;
  options.simulate_top = top;
  if (top <= 0) return options;
  std::shared_ptr<const sim::Trace> trace;
  if (spec.traffic.trace && !trace_csv.empty()) {
    auto parsed = sim::parse_azure_csv(
        trace_csv, std::filesystem::path(spec.traffic.trace->file.value).filename().string());
    if (!parsed) return parsed.error();
    trace = std::make_shared<const sim::Trace>(std::move(*parsed));
  }
  options.verifier = plan::simulation_verifier(catalog, std::move(trace));
  return options;
}

const std::vector<Param>& plan_params() {
  static const std::vector<Param> params = [] {
    std::vector<Param> p = spec_params();
    p.push_back(Param::integer("top", "How many ranked options to return").min(1).fallback(5));
    p.push_back(Param::integer("simulate",
                               "How many of the cheapest ranked self-hosted options to check by "
                               "simulating their fleet at the peak (0: none)")
                    .min(0)
                    .max(20)
                    .fallback(plan::PlanOptions{}.simulate_top));
    return p;
  }();
  return params;
}

Result<plan::Plan> plan_with_progress(const plan::Spec& spec, const ToolEnv& env,
                                      const plan::PlanOptions& options) {
  long calls = 0;
  bool cancelled = false;
  const catalog::Catalog& cat = *env.catalog;
  plan::Estimator estimator = [&](const perf::Deployment& d,
                                  const perf::Workload& w) -> Result<perf::Estimate> {
    if (cancelled) return Error{std::string(kCancelledMessage)};
    if (++calls % kProgressEvery == 0) {
      if (env.cancelled()) {
        cancelled = true;
        return Error{std::string(kCancelledMessage)};
      }
      env.progress(static_cast<double>(calls), std::nullopt,
                   fmt::format("{} performance estimates", calls));
    }
    return perf::estimate(cat, d, w);
  };
  if (env.cancelled()) return Error{std::string(kCancelledMessage)};
  auto result = plan::make_plan(cat, spec, estimator, options);
  // A cancelled search returns whatever it had; the caller asked for nothing, so say so.
  if (cancelled || env.cancelled()) return Error{std::string(kCancelledMessage)};
  return result;
}

Result<plan::Plan> run_plan(const json::object& args, const ToolEnv& env) {
  auto source = spec_text(args, env.files);
  if (!source) return source.error();
  if (!*source) return Error{"spec: give spec_path, spec or spec_yaml"};
  std::string trace_csv;
  auto spec = load_spec(**source, env.files, /*hide_deploy=*/false, &trace_csv);
  if (!spec) return spec.error();
  auto options = simulation_options(
      *spec, trace_csv, *env.catalog,
      static_cast<int>(arg_integer(args, "simulate").value_or(plan::PlanOptions{}.simulate_top)));
  if (!options) return options.error();
  return plan_with_progress(*spec, env, *options);
}

Tool plan_tool() {
  Tool t;
  t.name = "plan";
  t.title = "Capacity plan";
  t.description =
      "Plan capacity for a traffic spec: every hosted-API price and self-hosted configuration "
      "(model x GPU x engine x dtype x TP), sized against the SLOs and costed per month; returns "
      "the cheapest feasible options with 'because' lines, the API/self-hosting break-even, and "
      "every rejected option with why. Same as `llmctl plan --format json`.";
  t.params = plan_params();
  t.output_schema = schema_literal(kOutputSchema);
  t.run = [](const json::object& args, const ToolEnv& env) -> Result<json::value> {
    auto p = run_plan(args, env);
    if (!p) return p.error();
    return plan::to_json(*p, static_cast<int>(arg_integer(args, "top").value_or(5)));
  };
  return t;
}

}  // namespace llmctl::agent
