#include "sim/scenario.h"

#include <fmt/format.h>

#include <set>

#include "common/strings.h"
#include "sim/router.h"
#include "yaml/fields.h"

namespace llmctl::sim {

namespace {

using yaml::Fields;

// A length: a number (fixed), {mean, p95} (lognormal) or {min, max} (uniform).
LengthDist read_length(Fields& f, const std::string& key, const LengthDist& fallback) {
  if (!f.has(key)) {
    f.accept({key});
    return fallback;
  }
  YAML::Node n = f.node()[key];
  if (n.IsScalar()) {
    const double v = f.num(key, fallback.mean, 1, 1e7);
    return LengthDist{LengthDist::Kind::kFixed, v};
  }
  auto m = f.map(key);
  if (m->has("min") || m->has("max")) {
    LengthDist d;
    d.kind = LengthDist::Kind::kUniform;
    d.min = m->num("min", 1, 1, 1e7);
    d.max = m->num("max", d.min, d.min, 1e7);
    if (!m->has("max")) m->fail(m->node(), "max", "is required with min (uniform lengths)");
    m->finish();
    return d;
  }
  const double mean = m->num("mean", 0, 1, 1e7);
  if (!m->has("mean")) m->fail(m->node(), "mean", "is required but missing");
  std::optional<double> p95 = m->opt_num("p95", 1, 1e8);
  m->finish();
  if (!p95) return LengthDist{LengthDist::Kind::kFixed, mean};
  auto d = lognormal_from(mean, *p95);
  if (!d) m->fail(m->node()["p95"], "p95", d.error().message);
  return *d;
}

void read_autoscaler(Fields& f, Autoscaler& a) {
  a.enabled = true;
  a.metric = f.one_of("metric", {"concurrency", "waiting", "running", "kv_usage", "qps"}, a.metric);
  a.target = f.num("target", a.target, 1e-6);
  a.polling_interval_s = f.num("polling_interval_s", a.polling_interval_s, 0.1);
  a.scale_up_stabilization_s = f.num("scale_up_stabilization_s", a.scale_up_stabilization_s, 0);
  a.scale_down_stabilization_s =
      f.num("scale_down_stabilization_s", a.scale_down_stabilization_s, 0);
  a.tolerance = f.num("tolerance", a.tolerance, 0, 1);
  a.min_replicas = static_cast<int>(f.integer("min_replicas", a.min_replicas, 0, 100000));
  a.max_replicas = static_cast<int>(f.integer("max_replicas", a.max_replicas, 1, 100000));
  a.cooldown_s = f.num("cooldown_s", a.cooldown_s, 0);
  if (a.min_replicas > a.max_replicas)
    f.fail(f.node()["min_replicas"], "min_replicas",
           fmt::format("must not exceed max_replicas ({})", a.max_replicas));
  f.finish();
}

Pool read_pool(Fields& f, const catalog::Catalog& cat, std::size_t i) {
  Pool p;
  p.name = f.str("name", fmt::format("pool{}", i));
  perf::Deployment& d = p.deployment;
  const std::string model = f.str("model", "", true);
  d.model = cat.find_model(model);
  if (!d.model) f.fail(f.node()["model"], "model", cat.unknown_model(model));
  const std::string gpu = f.str("gpu", "", true);
  d.gpu = cat.find_gpu(gpu);
  if (!d.gpu) f.fail(f.node()["gpu"], "gpu", cat.unknown_gpu(gpu));
  const std::string engine = f.one_of("engine", {"vllm", "sglang", "trtllm", "tgi"}, "", true);
  d.engine = cat.find_engine(engine);
  if (!d.engine) f.fail(f.node()["engine"], "engine", "is not in the catalog");
  d.engine_version = f.str("engine_version");
  d.dtype = f.one_of("dtype", {"bf16", "fp16", "fp8", "fp4", "mxfp4", "int4"}, "bf16");
  d.tp = static_cast<int>(f.integer("tp", 1, 1, 64));
  d.pp = static_cast<int>(f.integer("pp", 1, 1, 64));
  d.gpus = d.tp * d.pp;
  if (f.has("max_num_seqs")) d.max_num_seqs = static_cast<int>(f.integer("max_num_seqs", 0, 1));
  if (f.has("gpu_memory_fraction"))
    d.gpu_memory_fraction = f.num("gpu_memory_fraction", 0.9, 0.05, 1);
  p.replicas = static_cast<int>(f.integer("replicas", 1, 0, 100000));
  if (f.has("max_batched_tokens"))
    p.max_num_batched_tokens = static_cast<int>(f.integer("max_batched_tokens", 0, 1));
  if (f.has("prefix_caching")) p.prefix_caching = f.boolean("prefix_caching", true);
  p.unlimited_kv = f.boolean("unlimited_kv", false);
  p.weight = f.num("weight", 1, 0);
  if (f.has("usd_per_gpu_hour")) p.usd_per_gpu_hour = f.num("usd_per_gpu_hour", 0, 0);
  if (f.has("startup_s")) p.startup_s = f.num("startup_s", 0, 0);
  if (f.has("load_gb_per_s")) p.load_gb_per_s = f.num("load_gb_per_s", 1, 1e-3);
  p.scheduler_recv_interval =
      static_cast<int>(f.integer("scheduler_recv_interval", 1, 1, kMaxEngineInterval));
  p.stream_interval = static_cast<int>(f.integer("stream_interval", 1, 1, kMaxEngineInterval));
  for (const auto& [flag, value] : {std::pair{"scheduler_recv_interval", p.scheduler_recv_interval},
                                    std::pair{"stream_interval", p.stream_interval}})
    if (value > 1 && d.engine && d.engine->id != "sglang")
      f.fail(f.node()[flag], flag,
             fmt::format("is an SGLang server flag; engine {} has none (use engine: sglang, or "
                         "leave it out)",
                         d.engine->id));
  p.batch_wait_timeout_iters =
      static_cast<int>(f.integer("batch_wait_timeout_iters", 0, 0, kMaxEngineInterval));
  p.batch_wait_max_tokens_ratio = f.num("batch_wait_max_tokens_ratio", 0, 0, 1);
  if (d.engine && d.engine->id != "trtllm")
    for (const auto& [flag, value] :
         {std::pair{"batch_wait_timeout_iters", static_cast<double>(p.batch_wait_timeout_iters)},
          std::pair{"batch_wait_max_tokens_ratio", p.batch_wait_max_tokens_ratio}})
      if (value > 0)
        f.fail(f.node()[flag], flag,
               fmt::format("is a TensorRT-LLM option; engine {} has none (use engine: trtllm, "
                           "or leave it out)",
                           d.engine->id));
  f.accept({"name", "max_num_seqs", "gpu_memory_fraction", "max_batched_tokens", "prefix_caching",
            "usd_per_gpu_hour", "startup_s", "load_gb_per_s", "scheduler_recv_interval",
            "stream_interval", "batch_wait_timeout_iters", "batch_wait_max_tokens_ratio"});
  if (auto a = f.map("autoscaler")) read_autoscaler(*a, p.autoscaler);
  f.finish();
  return p;
}

void read_workload(Fields& f, Scenario& sc) {
  WorkloadSpec& w = sc.workload;
  using A = WorkloadSpec::Arrival;
  const std::string arrival =
      f.one_of("arrival", {"poisson", "constant", "gamma", "closed-loop", "trace"},
               f.has("trace")         ? "trace"
               : f.has("concurrency") ? "closed-loop"
                                      : "poisson");
  w.arrival = arrival == "constant"      ? A::kConstant
              : arrival == "gamma"       ? A::kGamma
              : arrival == "closed-loop" ? A::kClosedLoop
              : arrival == "trace"       ? A::kTrace
                                         : A::kPoisson;
  w.qps = f.num("qps", w.qps, 1e-9);
  w.burstiness_cv = f.num("burstiness_cv", w.burstiness_cv, 1e-3, 100);
  w.concurrency = static_cast<int>(f.integer("concurrency", w.concurrency, 1, 10000000));
  w.think_time_s = f.num("think_time_s", 0, 0);
  w.input = read_length(f, "input_tokens", w.input);
  w.output = read_length(f, "output_tokens", w.output);
  w.shared_prefix_tokens = static_cast<int>(f.integer("shared_prefix_tokens", 0, 0, 10000000));
  w.prefix_groups =
      static_cast<int>(f.integer("prefix_groups", w.shared_prefix_tokens > 0 ? 1 : 0, 0, 10000000));
  w.prompt_pool = static_cast<int>(f.integer("prompt_pool", 0, 0, 10000000));
  w.warmup_requests = f.integer("warmup_requests", 0, 0);
  w.requests = f.integer("requests", 0, 0);
  w.duration_s = f.num("duration_s", 0, 0);
  if (auto t = f.map("trace")) {
    sc.trace_file = t->str("file", "", true);
    sc.trace_format = t->one_of("format", {"azure", "mooncake", "burstgpt", "llmctl"}, "");
    w.time_scale = t->num("time_scale", 1, 1e-6);
    if (t->has("window")) {
      YAML::Node n = t->get("window");
      if (!n.IsSequence() || n.size() != 2) t->fail(n, "window", "expected [start_s, end_s]");
      try {
        w.window_start_s = n[0].as<double>();
        w.window_end_s = n[1].as<double>();
      } catch (const YAML::Exception&) {
        t->fail(n, "window", "expected two numbers [start_s, end_s]");
      }
    }
    t->accept({"window"});
    t->finish();
  }
  f.finish();
}

}  // namespace

Result<Scenario> parse_scenario(const std::string& text, const std::string& file,
                                const catalog::Catalog& catalog) {
  try {
    Scenario sc;
    YAML::Node root = yaml::parse(file, text);
    if (!root.IsDefined() || root.IsNull())
      return Error{fmt::format("{}: empty scenario; expected pools and workload", file)};
    Fields f(file, root, "");
    sc.name = f.str("name");
    sc.seed = static_cast<std::uint64_t>(f.integer("seed", 1, 0));
    sc.router = f.str("router", sc.router);
    sc.timeseries_interval_s = f.num("timeseries_interval_s", 0, 0);
    sc.queue_timeout_s = f.num("queue_timeout_s", sc.queue_timeout_s, 0);
    sc.step_jitter_cv = f.num("step_jitter_cv", 0, 0, 0.5);
    if (auto fe = f.map("front_end")) {
      sc.front_end.per_request_ms = fe->num("per_request_ms", 0, 0, 60000);
      sc.front_end.per_prompt_token_us = fe->num("per_prompt_token_us", 0, 0, 1e6);
      fe->finish();
    }
    std::size_t i = 0;
    std::set<std::string> names;
    for (Fields& pf : f.map_list("pools", true)) {
      Pool p = read_pool(pf, catalog, i++);
      if (!names.insert(p.name).second)
        pf.fail(pf.node()["name"], "name", fmt::format("\"{}\" names two pools", p.name));
      sc.pools.push_back(std::move(p));
    }
    if (sc.pools.empty()) f.fail(root["pools"], "pools", "expected at least one pool");
    if (auto w = f.map("workload", true)) read_workload(*w, sc);
    if (auto s = f.map("slo")) {
      if (s->has("ttft_ms")) sc.slo.ttft_ms = s->num("ttft_ms", 0, 1e-6);
      if (s->has("tpot_ms")) sc.slo.tpot_ms = s->num("tpot_ms", 0, 1e-6);
      if (s->has("e2e_ms")) sc.slo.e2e_ms = s->num("e2e_ms", 0, 1e-6);
      s->accept({"ttft_ms", "tpot_ms", "e2e_ms"});
      s->finish();
    }
    for (Fields& ff : f.map_list("failures")) {
      Failure x;
      x.at_s = ff.num("at_s", 0, 0);
      if (!ff.has("at_s")) ff.fail(ff.node(), "at_s", "is required but missing");
      x.pool = ff.str("pool", sc.pools.front().name);
      if (!names.count(x.pool))
        ff.fail(ff.node()["pool"], "pool",
                fmt::format("no pool named \"{}\"; pools: {}", x.pool,
                            join(std::vector<std::string>(names.begin(), names.end()), ", ")));
      x.replica = static_cast<int>(ff.integer("replica", 0, 0));
      x.recover_after_s = ff.num("recover_after_s", 0, 0);
      ff.finish();
      sc.failures.push_back(x);
    }
    f.finish();
    if (Status st = validate_scenario(sc); !st) return st.error().wrap(file);
    return sc;
  } catch (const yaml::FieldError& e) {
    return Error{e.message};
  }
}

Status validate_scenario(const Scenario& sc) {
  if (sc.pools.empty()) return Error{"pools: expected at least one pool"};
  for (std::size_t i = 0; i < sc.pools.size(); ++i) {
    const Pool& p = sc.pools[i];
    if (!p.deployment.model || !p.deployment.gpu || !p.deployment.engine)
      return Error{fmt::format("pools[{}]: model, gpu and engine are required", i)};
    if (p.replicas < 0) return Error{fmt::format("pools[{}].replicas: expected at least 0", i)};
    const struct {
      const char* field;
      const char* flag;
      int value;
    } sglang_only[] = {
        {"scheduler_recv_interval", "--scheduler-recv-interval", p.scheduler_recv_interval},
        {"stream_interval", "--stream-interval", p.stream_interval}};
    for (const auto& o : sglang_only) {
      if (o.value < 1 || o.value > kMaxEngineInterval)
        return Error{fmt::format("pools[{}].{}: expected 1 to {}, found {}", i, o.field,
                                 kMaxEngineInterval, o.value)};
      if (o.value > 1 && p.deployment.engine->id != "sglang")
        return Error{fmt::format(
            "pools[{}].{}: {} is an SGLang server flag; engine {} has none (use engine sglang, "
            "or leave it at 1)",
            i, o.field, o.flag, p.deployment.engine->id)};
    }
    if (p.batch_wait_timeout_iters < 0 || p.batch_wait_timeout_iters > kMaxEngineInterval)
      return Error{fmt::format("pools[{}].batch_wait_timeout_iters: expected 0 to {}, found {}", i,
                               kMaxEngineInterval, p.batch_wait_timeout_iters)};
    if (!(p.batch_wait_max_tokens_ratio >= 0 && p.batch_wait_max_tokens_ratio <= 1))
      return Error{fmt::format("pools[{}].batch_wait_max_tokens_ratio: expected 0 to 1, found {}",
                               i, p.batch_wait_max_tokens_ratio)};
    if ((p.batch_wait_timeout_iters > 0 || p.batch_wait_max_tokens_ratio > 0) &&
        p.deployment.engine->id != "trtllm")
      return Error{fmt::format(
          "pools[{}]: batch waiting (--batch-wait-timeout-iters, --batch-wait-max-tokens-ratio) "
          "is a TensorRT-LLM option; engine {} has none (use engine trtllm, or leave it at 0)",
          i, p.deployment.engine->id)};
    if (p.replicas == 0 && !(p.autoscaler.enabled && p.autoscaler.max_replicas > 0))
      return Error{
          fmt::format("pools[{}].replicas: 0 replicas need an autoscaler that can start some", i)};
  }
  const WorkloadSpec& w = sc.workload;
  using A = WorkloadSpec::Arrival;
  if (w.arrival == A::kTrace && !w.trace && sc.trace_file.empty())
    return Error{"workload: trace arrivals need a trace file (--trace FILE or workload.trace)"};
  if (w.arrival != A::kTrace && w.requests <= 0 && w.duration_s <= 0)
    return Error{"workload: bound the run with requests or duration_s (--requests, --duration)"};
  if (w.arrival == A::kClosedLoop && w.concurrency < 1)
    return Error{"workload.concurrency: expected at least 1"};
  if ((w.arrival == A::kPoisson || w.arrival == A::kConstant || w.arrival == A::kGamma) &&
      !(w.qps > 0))
    return Error{"workload.qps: expected a positive rate"};
  if (w.shared_prefix_tokens > 0 && w.prefix_groups < 1)
    return Error{"workload.prefix_groups: expected at least 1 with shared_prefix_tokens"};
  if (w.prompt_pool < 0) return Error{"workload.prompt_pool: expected at least 0"};
  if (w.prompt_pool > 0 && w.shared_prefix_tokens > 0)
    return Error{
        "workload.prompt_pool: a prompt pool and shared prefixes exclude each other (every "
        "pooled prompt is cacheable whole)"};
  if (w.prompt_pool > 0 && w.arrival == A::kTrace)
    return Error{"workload.prompt_pool: a trace brings its own prompts"};
  if (w.warmup_requests < 0) return Error{"workload.warmup_requests: expected at least 0"};
  if (w.window_end_s > 0 && w.window_end_s <= w.window_start_s)
    return Error{"workload.trace.window: the end must come after the start"};
  if (!(w.time_scale > 0)) return Error{"workload.trace.time_scale: expected a positive number"};
  if (auto r = parse_router(sc.router); !r) return r.error();
  return {};
}

}  // namespace llmctl::sim
