// `llmctl perf`: one deployment x one workload -> memory fit, latency, throughput, and why.
// The work and the JSON are the `perf` tool's (src/agent/tools/perf_tool.h); this file maps flags
// to its arguments and renders text.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "agent/tools/perf_tool.h"
#include "cli/app.h"
#include "common/json_writer.h"
#include "common/strings.h"

namespace llmctl::cli {
namespace {

namespace json = boost::json;

// Unset options stay unset, so the tool's own check names every missing one at once (CLI11's
// required() stops at the first) and its defaults apply.
struct PerfOptions {
  std::optional<std::string> model, gpu, engine, dtype;
  std::string engine_version, format;
  std::optional<int> gpus, input_tokens, output_tokens;
  int tp = 1, pp = 1;
  bool offline = false;
  std::optional<double> concurrency, qps, batch;
};

json::object tool_args(const PerfOptions& o) {
  json::object a{{"tp", o.tp}, {"pp", o.pp}};
  if (o.model) a["model"] = *o.model;
  if (o.gpu) a["gpu"] = *o.gpu;
  if (o.gpus) a["gpus"] = *o.gpus;
  if (o.engine) a["engine"] = *o.engine;
  if (o.dtype) a["dtype"] = *o.dtype;
  if (o.input_tokens) a["input_tokens"] = *o.input_tokens;
  if (o.output_tokens) a["output_tokens"] = *o.output_tokens;
  if (!o.engine_version.empty()) a["engine_version"] = o.engine_version;
  if (o.offline) a["offline"] = true;
  if (o.concurrency) a["concurrency"] = *o.concurrency;
  if (o.qps) a["qps"] = *o.qps;
  if (o.batch) a["batch"] = *o.batch;
  return a;
}

int run_perf(const Context& ctx, const PerfOptions& o) {
  const auto& params = agent::perf_params();
  auto args = agent::check_args(params, tool_args(o));
  if (!args) {
    Error e = flag_error(args.error(), params);
    // The load mode is the tool's own check, after this one: name it now too, so one try shows
    // everything that is missing.
    if (!o.offline && !o.concurrency && !o.qps && !o.batch &&
        e.message.find(" is required") != std::string::npos)
      e.message += "; and a load mode: --offline, --concurrency N, --qps X or --batch N";
    return input_error(e);
  }
  auto cat = load_catalog(ctx.global);
  if (!cat) return input_error(cat.error());
  auto run = agent::run_perf(*cat, *args);
  if (!run) return input_error(flag_error(run.error(), params));
  const perf::Deployment& d = run->deployment;
  const perf::Workload& w = run->workload;
  const perf::Estimate& e = run->estimate;

  if (parse_format(o.format) == Format::kJson) {
    std::cout << to_pretty_json(agent::perf_json(*run));
    return kExitOk;
  }

  fmt::print("{} on {} x {} (TP {}, PP {}, {} replica{}), {} {}; {} in / {} out, {}\n",
             bold(d.model->id), d.gpus, d.gpu->id, d.tp, d.pp, e.replicas,
             e.replicas == 1 ? "" : "s", d.engine->id, d.dtype, group_thousands(w.input_tokens),
             group_thousands(w.output_tokens), run->mode_text);
  fmt::print("  weights      {} GiB per GPU\n", format_sig(e.memory.weights_gib_per_gpu));
  fmt::print("  KV cache     {} tokens per replica, {} sequences of this workload at most\n",
             group_thousands(e.memory.kv_cache_tokens), group_thousands(e.memory.max_concurrency));
  if (!e.fits) {
    fmt::print("  fits         NO: {}\n", e.reason);
    return kExitOk;
  }
  fmt::print("  fits         yes\n");
  fmt::print("  TTFT         {} ms\n", format_sig(e.ttft_ms));
  fmt::print("  TPOT         {} ms\n", format_sig(e.tpot_ms));
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
  cmd->add_option("--model", o->model,
                  "Model id or alias (see `llmctl catalog list models`) (required)");
  cmd->add_option("--gpu", o->gpu, "GPU id or alias (see `llmctl catalog list gpus`) (required)");
  cmd->add_option(
      "--gpus", o->gpus,
      "Total GPUs (default tp x pp: one replica); beyond tp x pp they are data-parallel replicas");
  cmd->add_option("--tp", o->tp, "Tensor-parallel degree")->default_val(1);
  cmd->add_option("--pp", o->pp, "Pipeline-parallel degree")->default_val(1);
  cmd->add_option("--engine", o->engine, "Serving engine (required)")
      ->check(CLI::IsMember({"vllm", "sglang", "trtllm", "tgi"}));
  cmd->add_option("--engine-version", o->engine_version, "Engine version (informational)");
  cmd->add_option("--dtype", o->dtype, "Weight dtype (default bf16)")
      ->check(CLI::IsMember({"bf16", "fp16", "fp8", "fp4", "mxfp4", "int4"}));
  cmd->add_option("--input-tokens", o->input_tokens, "Prompt tokens per request (required)");
  cmd->add_option("--output-tokens", o->output_tokens, "Generated tokens per request (required)");
  cmd->add_flag("--offline", o->offline,
                "Load (one is required): saturated, as many requests as the engine admits");
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
