// `llmctl perf`: one deployment x one workload -> memory fit, latency, throughput, and why.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/app.h"
#include "common/json_writer.h"
#include "common/strings.h"
#include "perf/model.h"
#include "sim/sim.h"

namespace llmctl::cli {
namespace {

namespace json = boost::json;

struct PerfOptions {
  std::string model, gpu, engine, engine_version, dtype, format;
  int gpus = 0, tp = 1, pp = 1;
  int input_tokens = 0, output_tokens = 0;
  bool offline = false;
  std::optional<double> concurrency, qps, batch;
};

// perf::estimate names Deployment/Workload fields ("tp: ..."); the user typed flags.
Error flag_error(const Error& e) {
  static const std::pair<const char*, const char*> kFlags[] = {{"tp", "--tp"},
                                                               {"pp", "--pp"},
                                                               {"gpus", "--gpus"},
                                                               {"dtype", "--dtype"},
                                                               {"input_tokens", "--input-tokens"},
                                                               {"output_tokens", "--output-tokens"},
                                                               {"qps", "--qps"},
                                                               {"concurrency", "--concurrency"},
                                                               {"batch", "--batch"},
                                                               {"model", "--model"},
                                                               {"gpu", "--gpu"},
                                                               {"engine", "--engine"}};
  for (const auto& [field, flag] : kFlags) {
    const std::string prefix = std::string(field) + ": ";
    if (starts_with(e.message, prefix))
      return Error{flag + (": " + e.message.substr(prefix.size()))};
  }
  return e;
}

std::string mode_text(const PerfOptions& o) {
  if (o.concurrency) return fmt::format("closed loop, {:g} in flight", *o.concurrency);
  if (o.qps) return fmt::format("open loop, {:g} req/s", *o.qps);
  if (o.batch) return fmt::format("one batch of {:g}", *o.batch);
  return "offline (saturated)";
}

json::value maybe(bool fits, double v, int digits = 3) {
  return fits ? json::value(round_to(v, digits)) : json::value(nullptr);
}

int run_perf(const Context& ctx, const PerfOptions& o) {
  const int modes =
      (o.offline ? 1 : 0) + (o.concurrency ? 1 : 0) + (o.qps ? 1 : 0) + (o.batch ? 1 : 0);
  if (modes == 0)
    return input_error(
        Error{"a load mode is required: --offline, --concurrency N, --qps X or --batch N"});
  if (modes > 1)
    return input_error(
        Error{"choose one load mode: --offline, --concurrency N, --qps X and --batch N exclude "
              "each other"});

  auto cat = load_catalog(ctx.global);
  if (!cat) return input_error(cat.error());
  perf::Deployment d;
  d.model = cat->find_model(o.model);
  if (!d.model)
    return input_error(
        Error{fmt::format("--model: unknown model '{}'; known: {}", o.model, cat->model_ids())});
  d.gpu = cat->find_gpu(o.gpu);
  if (!d.gpu)
    return input_error(
        Error{fmt::format("--gpu: unknown GPU '{}'; known: {}", o.gpu, cat->gpu_ids())});
  d.engine = cat->find_engine(o.engine);
  if (!d.engine)
    return input_error(Error{fmt::format("--engine: '{}' is not in the catalog; known: {}",
                                         o.engine, cat->engine_ids())});
  d.engine_version = o.engine_version;
  d.dtype = o.dtype;
  d.gpus = o.gpus;
  d.tp = o.tp;
  d.pp = o.pp;
  perf::Workload w;
  w.input_tokens = o.input_tokens;
  w.output_tokens = o.output_tokens;
  if (o.concurrency) w.mode = perf::LoadMode::kConcurrency, w.value = *o.concurrency;
  if (o.qps) w.mode = perf::LoadMode::kQps, w.value = *o.qps;
  if (o.batch) w.mode = perf::LoadMode::kBatch, w.value = *o.batch;

  auto est = perf::estimate(*cat, d, w);
  if (!est) return input_error(flag_error(est.error()));
  perf::Estimate& e = *est;
  // Under load (a rate or a concurrency), TTFT and TPOT come from a short simulation of the
  // same deployment: queueing, batching and prefill/decode interference request by request,
  // over the same calibrated step costs (docs/SIM.md). The analytic values stay beside them.
  std::optional<sim::SimResult> simulated;
  const double analytic_ttft = e.ttft_ms, analytic_tpot = e.tpot_ms;
  if (e.fits && (w.mode == perf::LoadMode::kQps || w.mode == perf::LoadMode::kConcurrency)) {
    auto r = sim::simulate_load(*cat, d, w);
    if (!r) return input_error(flag_error(r.error()));
    simulated = std::move(*r);
    e.ttft_ms = simulated->ttft.mean;
    e.tpot_ms = simulated->tpot.mean;
    e.explain.push_back(fmt::format(
        "TTFT and TPOT are means of a simulation of {} requests under this load (p99 {} ms and "
        "{} ms); the analytic model alone says {} ms and {} ms.",
        simulated->completed, format_sig(simulated->ttft.p99), format_sig(simulated->tpot.p99),
        format_sig(analytic_ttft), format_sig(analytic_tpot)));
  }

  if (parse_format(o.format) == Format::kJson) {
    json::object out;
    out["fits"] = e.fits;
    if (!e.fits) out["reason"] = e.reason;
    out["weights_gib_per_gpu"] = round_to(e.memory.weights_gib_per_gpu, 3);
    out["kv_cache_tokens"] = e.memory.kv_cache_tokens;
    out["max_concurrency"] = e.memory.max_concurrency;
    out["ttft_ms"] = maybe(e.fits, e.ttft_ms);
    out["tpot_ms"] = maybe(e.fits, e.tpot_ms);
    out["output_tokens_per_s"] = maybe(e.fits, e.output_tokens_per_s, 1);
    out["requests_per_s"] = maybe(e.fits, e.requests_per_s, 4);
    out["prefill_ms"] = maybe(e.fits, e.prefill_ms);
    out["decode_ms_per_token"] = maybe(e.fits, e.decode_ms_per_token);
    out["bottleneck"] = e.fits ? json::value(e.bottleneck) : json::value(nullptr);
    json::array explain;
    for (const auto& s : e.explain) explain.push_back(json::value(s));
    out["explain"] = std::move(explain);
    // Context a reader may want beside the contract keys above.
    out["replicas"] = e.replicas;
    out["concurrency_per_replica"] = maybe(e.fits, e.concurrency, 2);
    out["kv_bytes_per_token"] = round_to(e.memory.kv_bytes_per_token, 0);
    out["kv_budget_gib_per_gpu"] = round_to(e.memory.kv_budget_gib_per_gpu, 3);
    if (simulated) {
      auto pct = [](const sim::Latency& l) {
        return json::object{{"mean", round_to(l.mean, 3)},
                            {"p50", round_to(l.p50, 3)},
                            {"p90", round_to(l.p90, 3)},
                            {"p99", round_to(l.p99, 3)}};
      };
      out["simulated"] =
          json::object{{"requests", simulated->completed},
                       {"ttft_ms", pct(simulated->ttft)},
                       {"tpot_ms", pct(simulated->tpot)},
                       {"output_tokens_per_s", round_to(simulated->output_tokens_per_s, 1)}};
      out["analytic"] = json::object{{"ttft_ms", round_to(analytic_ttft, 3)},
                                     {"tpot_ms", round_to(analytic_tpot, 3)}};
    }
    std::cout << to_pretty_json(out);
    return kExitOk;
  }

  fmt::print("{} on {} x {} (TP {}, PP {}, {} replica{}), {} {}; {} in / {} out, {}\n",
             bold(d.model->id), d.gpus, d.gpu->id, d.tp, d.pp, e.replicas,
             e.replicas == 1 ? "" : "s", d.engine->id, d.dtype, group_thousands(w.input_tokens),
             group_thousands(w.output_tokens), mode_text(o));
  fmt::print("  weights      {} GiB per GPU\n", format_sig(e.memory.weights_gib_per_gpu));
  fmt::print("  KV cache     {} tokens per replica, {} sequences of this workload at most\n",
             group_thousands(e.memory.kv_cache_tokens), group_thousands(e.memory.max_concurrency));
  if (!e.fits) {
    fmt::print("  fits         NO: {}\n", e.reason);
    return kExitOk;
  }
  fmt::print("  fits         yes\n");
  if (simulated) {
    fmt::print("  TTFT         {} ms mean, {} ms p99 (simulated; analytic {} ms)\n",
               format_sig(e.ttft_ms), format_sig(simulated->ttft.p99), format_sig(analytic_ttft));
    fmt::print("  TPOT         {} ms mean, {} ms p99 (simulated; analytic {} ms)\n",
               format_sig(e.tpot_ms), format_sig(simulated->tpot.p99), format_sig(analytic_tpot));
  } else {
    fmt::print("  TTFT         {} ms\n", format_sig(e.ttft_ms));
    fmt::print("  TPOT         {} ms\n", format_sig(e.tpot_ms));
  }
  fmt::print("  throughput   {} output tokens/s, {} requests/s (all GPUs)\n",
             group_thousands(static_cast<long long>(e.output_tokens_per_s + 0.5)),
             format_sig(e.requests_per_s));
  fmt::print("  prefill      {} ms alone; decode step {} ms\n", format_sig(e.prefill_ms),
             format_sig(e.decode_ms_per_token));
  fmt::print("  bottleneck   {}\n\n", e.bottleneck);
  for (const auto& s : e.explain) fmt::print("  - {}\n", s);
  return kExitOk;
}

}  // namespace

void register_perf(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<PerfOptions>();
  auto* cmd = app.add_subcommand(
      "perf", "Estimate memory fit, latency and throughput of one deployment under one load");
  cmd->add_option("--model", o->model, "Model id or alias (see `llmctl catalog list models`)")
      ->required();
  cmd->add_option("--gpu", o->gpu, "GPU id or alias (see `llmctl catalog list gpus`)")->required();
  cmd->add_option("--gpus", o->gpus, "Total GPUs; beyond tp x pp they are data-parallel replicas")
      ->required();
  cmd->add_option("--tp", o->tp, "Tensor-parallel degree")->default_val(1);
  cmd->add_option("--pp", o->pp, "Pipeline-parallel degree")->default_val(1);
  cmd->add_option("--engine", o->engine, "Serving engine")
      ->required()
      ->check(CLI::IsMember({"vllm", "sglang", "trtllm", "tgi"}));
  cmd->add_option("--engine-version", o->engine_version, "Engine version (informational)");
  cmd->add_option("--dtype", o->dtype, "Weight dtype")
      ->required()
      ->check(CLI::IsMember({"bf16", "fp16", "fp8", "fp4", "mxfp4", "int4"}));
  cmd->add_option("--input-tokens", o->input_tokens, "Prompt tokens per request")->required();
  cmd->add_option("--output-tokens", o->output_tokens, "Generated tokens per request")->required();
  cmd->add_flag("--offline", o->offline, "Load: saturated, as many requests as the engine admits");
  cmd->add_option("--concurrency", o->concurrency,
                  "Load: closed loop, N requests always in flight");
  cmd->add_option("--qps", o->qps, "Load: open loop, Poisson arrivals at X requests/s in total");
  cmd->add_option("--batch", o->batch, "Load: one isolated batch of N identical requests");
  add_format_option(cmd, o->format);
  cmd->callback([&ctx, o] { ctx.action = [&ctx, o] { return run_perf(ctx, *o); }; });
}

namespace {
const CommandRegistrar kRegister(20, register_perf);
}  // namespace

}  // namespace llmctl::cli
