#include "agent/tools/simulate_tool.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <filesystem>

#include "agent/tools/spec_input.h"
#include "sim/io/trace_files.h"
#include "sim/report.h"
#include "sim/router.h"

namespace llmctl::agent {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

// The top level of sim::result_json (src/sim/report.cpp); docs/SIM.md describes each field.
constexpr std::string_view kOutputSchema = R"json({
  "type": "object",
  "required": ["requests", "completed", "dropped", "duration_s", "ttft_ms", "tpot_ms", "itl_ms",
               "e2e_ms", "queue_ms", "requests_per_s", "output_tokens_per_s",
               "prefix_cache_hit_rate", "preemptions", "kv_usage_mean", "slo_attainment",
               "gpu_hours", "cost_usd", "replicas", "dropped_by_reason", "per_replica",
               "scenario", "notes"],
  "properties": {
    "requests": {"type": "integer"},
    "completed": {"type": "integer"},
    "dropped": {"type": "integer", "description": "requests that found no capacity (see dropped_by_reason)"},
    "duration_s": {"type": "number", "description": "simulated time from the first arrival to the last event"},
    "ttft_ms": {"type": "object", "required": ["mean", "p50", "p90", "p99"], "description": "time to first token"},
    "tpot_ms": {"type": "object", "required": ["mean", "p50", "p90", "p99"], "description": "time per output token"},
    "itl_ms": {"type": "object"},
    "e2e_ms": {"type": "object"},
    "queue_ms": {"type": "object"},
    "requests_per_s": {"type": "number"},
    "output_tokens_per_s": {"type": "number"},
    "prefix_cache_hit_rate": {"type": "number"},
    "preemptions": {"type": "integer"},
    "kv_usage_mean": {"type": "number", "description": "0-1, time-weighted over ready replicas"},
    "slo_attainment": {"type": ["number", "null"], "description": "share of requests within every SLO given; null without SLOs"},
    "goodput_rps": {"type": ["number", "null"]},
    "gpu_hours": {"type": "number"},
    "cost_usd": {"type": ["number", "null"], "description": "GPU-hours at the catalog's cheapest price; null when the GPU has none"},
    "replicas": {"type": "object", "required": ["min", "max", "mean", "final"]},
    "dropped_by_reason": {"type": "object"},
    "per_replica": {"type": "array", "items": {"type": "object"}},
    "scenario": {"type": "object", "required": ["fleet", "workload", "router", "seed"]},
    "notes": {"type": "array", "items": {"type": "string"}}
  }
})json";

Result<sim::Trace> read_trace(const ToolEnv& env, const std::string& path, std::string format) {
  auto p = env.files.readable(path);
  if (!p) return p.error();
  if (format.empty()) format = sim::guess_trace_format(path);
  return sim::read_trace_file(p->string(), format);
}

bool has(const json::object& args, std::string_view name) {
  auto it = args.find(name);
  return it != args.end() && !it->value().is_null();
}

int as_int(long long v) { return static_cast<int>(v); }

// The arguments over a scenario file's values (or a one-pool fleet from model, gpu, engine).
Status apply_args(const json::object& args, const catalog::Catalog& cat, sim::Scenario& sc,
                  sim::Trace* trace, const ToolEnv& env) {
  if (sc.pools.empty()) {
    // Every missing one in one error, in check_args' form (the CLI turns the names into flags).
    std::vector<std::string> missing;
    for (const char* name : {"model", "gpu", "engine"})
      if (!has(args, name)) missing.push_back(name);
    if (!missing.empty()) return missing_arguments(missing, " (or give a scenario file)");
    sim::Pool p;
    p.name = "default";
    sc.pools.push_back(p);
  } else if (sc.pools.size() > 1 &&
             (has(args, "model") || has(args, "gpu") || has(args, "engine") || has(args, "tp"))) {
    return Error{fmt::format(
        "model/gpu/engine/tp apply to a one-pool fleet; the scenario has {} pools (edit the "
        "file instead)",
        sc.pools.size())};
  }
  sim::Pool& pool = sc.pools.front();
  perf::Deployment& d = pool.deployment;
  if (auto m = arg_string(args, "model")) {
    d.model = cat.find_model(*m);
    if (!d.model) return Error{"model: " + cat.unknown_model(*m)};
  }
  if (auto g = arg_string(args, "gpu")) {
    d.gpu = cat.find_gpu(*g);
    if (!d.gpu) return Error{"gpu: " + cat.unknown_gpu(*g)};
  }
  if (auto e = arg_string(args, "engine")) {
    d.engine = cat.find_engine(*e);
    if (!d.engine)
      return Error{
          fmt::format("engine: '{}' is not in the catalog; known: {}", *e, cat.engine_ids())};
  }
  if (auto v = arg_string(args, "engine_version")) d.engine_version = *v;
  if (auto v = arg_string(args, "dtype")) d.dtype = *v;
  if (auto v = arg_integer(args, "tp")) d.tp = as_int(*v);
  if (auto v = arg_integer(args, "pp")) d.pp = as_int(*v);
  d.gpus = d.tp * d.pp;
  if (auto v = arg_integer(args, "replicas")) pool.replicas = as_int(*v);
  if (auto v = arg_integer(args, "max_num_seqs")) d.max_num_seqs = as_int(*v);
  if (auto v = arg_integer(args, "max_batched_tokens")) pool.max_num_batched_tokens = as_int(*v);
  if (auto v = arg_string(args, "prefix_caching")) pool.prefix_caching = *v == "on";
  if (auto v = arg_integer(args, "scheduler_recv_interval"))
    pool.scheduler_recv_interval = as_int(*v);
  if (auto v = arg_integer(args, "stream_interval")) pool.stream_interval = as_int(*v);
  if (auto v = arg_integer(args, "batch_wait_timeout_iters"))
    pool.batch_wait_timeout_iters = as_int(*v);
  if (auto v = arg_number(args, "batch_wait_max_tokens_ratio"))
    pool.batch_wait_max_tokens_ratio = *v;

  sim::WorkloadSpec& w = sc.workload;
  using A = sim::WorkloadSpec::Arrival;
  const auto qps = arg_number(args, "qps");
  const auto concurrency = arg_integer(args, "concurrency");
  const auto trace_path = arg_string(args, "trace");
  if ((qps ? 1 : 0) + (concurrency ? 1 : 0) + (trace_path ? 1 : 0) > 1)
    return Error{"qps: choose one load: qps, concurrency or trace"};
  if (qps) {
    w.arrival = A::kPoisson;
    w.qps = *qps;
  }
  if (concurrency) {
    w.arrival = A::kClosedLoop;
    w.concurrency = as_int(*concurrency);
  }
  if (auto arrival = arg_string(args, "arrival")) {
    if (w.arrival == A::kClosedLoop || w.arrival == A::kTrace)
      return Error{"arrival: applies to qps (open loop)"};
    w.arrival = *arrival == "constant" ? A::kConstant
                : *arrival == "gamma"  ? A::kGamma
                                       : A::kPoisson;
  }
  if (auto b = arg_number(args, "burstiness")) {
    w.burstiness_cv = *b;
    if (!has(args, "arrival") && w.arrival == A::kPoisson) w.arrival = A::kGamma;
  }
  if (trace_path) {
    auto t = read_trace(env, *trace_path, arg_string(args, "trace_format").value_or(""));
    if (!t) return t.error().wrap("trace");
    *trace = std::move(*t);
    w.arrival = A::kTrace;
    w.trace = trace;
  }
  if (auto v = arg_number(args, "time_scale")) w.time_scale = *v;
  if (auto window = arg_string(args, "window")) {
    auto colon = window->find(':');
    try {
      w.window_start_s = std::stod(window->substr(0, colon));
      w.window_end_s = colon == std::string::npos ? 0 : std::stod(window->substr(colon + 1));
    } catch (const std::exception&) {
      return Error{fmt::format("window: expected START:END in seconds, found \"{}\"", *window)};
    }
  }
  auto length = [&](const char* mean_name, const char* p95_name, sim::LengthDist& out) -> Status {
    const auto mean = arg_integer(args, mean_name);
    const auto p95 = arg_integer(args, p95_name);
    if (!mean && !p95) return {};
    const double m = mean ? static_cast<double>(*mean) : out.mean;
    if (m < 1) return Error{fmt::format("{}: expected at least 1, found {:g}", mean_name, m)};
    if (p95) {
      auto dist = sim::lognormal_from(m, static_cast<double>(*p95));
      if (!dist) return dist.error().wrap(p95_name);
      out = *dist;
    } else {
      out = sim::LengthDist{sim::LengthDist::Kind::kFixed, m};
    }
    return {};
  };
  if (Status st = length("input_tokens", "input_p95", w.input); !st) return st;
  if (Status st = length("output_tokens", "output_p95", w.output); !st) return st;
  if (auto v = arg_integer(args, "shared_prefix_tokens")) w.shared_prefix_tokens = as_int(*v);
  if (auto v = arg_integer(args, "prefix_groups")) w.prefix_groups = as_int(*v);
  if (w.shared_prefix_tokens > 0 && w.prefix_groups <= 0) w.prefix_groups = 1;
  if (auto v = arg_integer(args, "prompt_pool")) w.prompt_pool = as_int(*v);
  if (auto v = arg_integer(args, "warmup_requests")) w.warmup_requests = *v;
  if (auto v = arg_integer(args, "requests")) w.requests = *v;
  if (auto v = arg_number(args, "duration")) w.duration_s = *v;
  if (w.requests <= 0 && w.duration_s <= 0 && w.arrival != A::kTrace) w.requests = 1000;
  if (auto v = arg_string(args, "router")) sc.router = *v;
  if (auto v = arg_integer(args, "seed")) sc.seed = static_cast<std::uint64_t>(*v);
  if (auto v = arg_number(args, "step_jitter")) sc.step_jitter_cv = *v;
  if (auto v = arg_number(args, "slo_ttft_ms")) sc.slo.ttft_ms = *v;
  if (auto v = arg_number(args, "slo_tpot_ms")) sc.slo.tpot_ms = *v;
  if (auto v = arg_number(args, "slo_e2e_ms")) sc.slo.e2e_ms = *v;
  return sim::validate_scenario(sc);
}

}  // namespace

const std::vector<Param>& simulate_params() {
  static const std::vector<Param> params = {
      Param::string("scenario",
                    "YAML scenario file (pools, workload, router, autoscaler, failures, SLOs); the "
                    "other arguments override it"),
      Param::string("model", "Model id or alias (one-pool fleet)"),
      Param::string("gpu", "GPU id or alias"),
      Param::integer("tp", "Tensor-parallel degree per replica").min(1),
      Param::integer("pp", "Pipeline-parallel degree per replica").min(1),
      Param::integer("replicas", "Replicas (each tp x pp GPUs)").min(1),
      Param::string("engine", "Serving engine").one_of({"vllm", "sglang", "trtllm", "tgi"}),
      Param::string("engine_version", "Engine version (informational)"),
      Param::string("dtype", "Weight dtype (default bf16)")
          .one_of({"bf16", "fp16", "fp8", "fp4", "mxfp4", "int4"}),
      Param::number("qps", "Open loop: arrivals per second over the fleet").min(0, true),
      Param::string("arrival", "Open-loop arrivals (default poisson)")
          .one_of({"poisson", "constant", "gamma"}),
      Param::number("burstiness", "Gamma arrivals: coefficient of variation of the gaps")
          .min(0, true),
      Param::integer(
          "concurrency",
          "Closed loop: N clients, each sending its next request when the last completes")
          .min(1),
      Param::string("trace", "Replay a trace file (Azure, Mooncake, BurstGPT, llmctl request log)"),
      Param::string("trace_format", "Trace format (default: from the file name)")
          .one_of({"azure", "mooncake", "burstgpt", "llmctl"}),
      Param::number("time_scale", "Multiply trace timestamps by this (0.5: twice as fast)")
          .min(0, true),
      Param::string("window", "Replay only START:END seconds of the trace"),
      Param::integer("input_tokens", "Prompt tokens (the mean with input_p95)"),
      Param::integer("input_p95", "Lognormal prompt lengths with this p95"),
      Param::integer("output_tokens", "Output tokens (the mean with output_p95)"),
      Param::integer("output_p95", "Lognormal output lengths with this p95"),
      Param::integer("shared_prefix_tokens",
                     "Each prompt starts with one of prefix_groups shared prefixes of N tokens")
          .min(0),
      Param::integer("prefix_groups", "Distinct shared prefixes").min(1),
      Param::integer("prompt_pool",
                     "Draw every prompt from N distinct prompts, as benchmark clients reuse theirs "
                     "(aiperf: 100)")
          .min(1),
      Param::integer("warmup_requests",
                     "Run N warm-up requests first and leave them out of every metric")
          .min(0),
      Param::string("router", "Routing policy across replicas: " + sim::router_names() +
                                  " (default round_robin)"),
      Param::integer("max_num_seqs", "Engine cap on sequences in flight").min(1),
      Param::integer("max_batched_tokens", "Engine token budget per iteration").min(1),
      Param::string("prefix_caching", "Prefix caching (default: the engine's)")
          .one_of({"on", "off"}),
      Param::integer("scheduler_recv_interval",
                     "SGLang only: the scheduler receives new requests every N decode steps "
                     "(default 1)")
          .min(1)
          .max(sim::kMaxEngineInterval),
      Param::integer("stream_interval",
                     "SGLang only: tokens stream in chunks of N after the first (default 1)")
          .min(1)
          .max(sim::kMaxEngineInterval),
      Param::integer("batch_wait_timeout_iters",
                     "TensorRT-LLM only: while requests generate, hold new prompts back for up "
                     "to N iterations (default 0: off)")
          .min(0)
          .max(sim::kMaxEngineInterval),
      Param::number("batch_wait_max_tokens_ratio",
                    "TensorRT-LLM only: stop holding prompts once an iteration would carry this "
                    "share of max_num_tokens (default 0)")
          .min(0)
          .max(1),
      Param::integer("requests", "Stop after N requests (default 1000)").min(1),
      Param::number("duration", "Stop arrivals after S seconds").min(0, true),
      Param::integer("seed", "Random seed (same seed, same output)").min(0),
      Param::number("step_jitter",
                    "Engine iterations vary by this coefficient of variation (default 0)")
          .min(0)
          .max(0.5),
      Param::number("slo_ttft_ms", "SLO: time to first token").min(0, true),
      Param::number("slo_tpot_ms", "SLO: time per output token").min(0, true),
      Param::number("slo_e2e_ms", "SLO: end-to-end latency").min(0, true),
  };
  return params;
}

Result<SimulateRun> run_simulate(const json::object& args, const ToolEnv& env) {
  const catalog::Catalog& cat = *env.catalog;
  SimulateRun run;
  run.trace = std::make_unique<sim::Trace>();
  sim::Scenario& sc = run.scenario;
  const std::string scenario_path = arg_string(args, "scenario").value_or("");
  if (!scenario_path.empty()) {
    auto path = env.files.readable(scenario_path);
    if (!path) return path.error().wrap("scenario");
    auto text = read_text_file(*path);
    if (!text) return Error{fmt::format("scenario: cannot read '{}'", scenario_path)};
    auto parsed = sim::parse_scenario(*text, scenario_path, cat);
    if (!parsed) return parsed.error();
    sc = std::move(*parsed);
    if (sc.name.empty()) sc.name = fs::path(scenario_path).stem().string();
    // The scenario's own trace, relative to its folder, unless a trace argument replaces it.
    if (!sc.trace_file.empty() && !has(args, "trace")) {
      fs::path p = sc.trace_file;
      if (p.is_relative()) p = fs::path(scenario_path).parent_path() / p;
      auto t = read_trace(env, p.string(), sc.trace_format);
      if (!t) return t.error().wrap(scenario_path + ": workload.trace");
      *run.trace = std::move(*t);
      sc.workload.trace = run.trace.get();
    }
  }
  if (Status st = apply_args(args, cat, sc, run.trace.get(), env); !st) return st.error();

  sim::RunHooks hooks;
  hooks.progress = [&env](double f) { env.progress(f * 100, 100, "simulating"); };
  hooks.cancelled = [&env] { return env.cancelled(); };
  hooks.cancelled_message = std::string(kCancelledMessage);
  auto result = sim::simulate(cat, sc, hooks);
  if (!result) return result.error();
  run.result = std::move(*result);
  return run;
}

json::value simulate_json(const SimulateRun& run) {
  return sim::result_json(run.scenario, run.result);
}

Tool simulate_tool() {
  Tool t;
  t.name = "simulate";
  t.title = "Fleet simulation";
  t.description =
      "Simulate a serving fleet (replicas of model x GPU x engine, or a scenario file with pools, "
      "autoscaling, failures) under a load (qps, closed-loop concurrency or a trace replay): "
      "TTFT/TPOT/E2E percentiles, throughput, queueing, KV-cache use, preemptions, prefix-cache "
      "hits, SLO attainment, GPU-hours and cost. Answers 'how many replicas for this traffic' "
      "with queueing and bursts that perf's averages miss. Same as `llmctl simulate`.";
  t.params = simulate_params();
  t.output_schema = schema_literal(kOutputSchema);
  t.run = [](const json::object& args, const ToolEnv& env) -> Result<json::value> {
    auto run = run_simulate(args, env);
    if (!run) return run.error();
    return simulate_json(*run);
  };
  return t;
}

}  // namespace llmctl::agent
