// `llmctl simulate`: a fleet of replicas under a workload, simulated (src/sim). Flags or a YAML
// scenario in; a summary, JSON, a time series CSV and an HTML report out.
#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "agent/tools/simulate_tool.h"
#include "cli/app.h"
#include "common/files.h"
#include "common/json_writer.h"
#include "common/strings.h"
#include "sim/report.h"
#include "sim/router.h"

namespace llmctl::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

struct SimulateOptions {
  std::string scenario;
  std::string model, gpu, engine, engine_version, dtype;
  int tp = 1, pp = 1, replicas = 1;
  std::optional<double> qps;
  std::optional<int> concurrency;
  std::string trace, trace_format;
  double time_scale = 1;
  std::string window;
  std::string arrival;
  std::optional<double> burstiness;
  std::optional<int> input_tokens, output_tokens;
  std::optional<int> input_p95, output_p95;
  std::optional<int> shared_prefix_tokens, prefix_groups, prompt_pool;
  std::optional<long long> warmup_requests;
  std::string router;
  std::optional<int> max_num_seqs, max_batched_tokens;
  std::optional<int> scheduler_recv_interval, stream_interval;
  std::optional<int> batch_wait_timeout_iters;
  std::optional<double> batch_wait_max_tokens_ratio;
  std::string prefix_caching;
  std::optional<long long> requests;
  std::optional<double> duration;
  std::optional<std::uint64_t> seed;
  std::optional<double> step_jitter;
  std::optional<double> slo_ttft_ms, slo_tpot_ms, slo_e2e_ms;
  std::string format, timeseries, html;
};

// A progress bar on stderr for runs over a second, when stderr is a terminal.
class Progress {
 public:
  Progress() : tty_(isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()) {}
  void update(double fraction) {
    if (!tty_) return;
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    if (elapsed < 1.0 || std::chrono::duration<double>(now - last_).count() < 0.1) return;
    last_ = now;
    const int width = 40;
    const int filled = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * width);
    std::fprintf(stderr, "\rsimulating [%s%s] %3.0f%%  %.1f s", std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), fraction * 100, elapsed);
    drawn_ = true;
  }
  ~Progress() {
    if (drawn_) std::fprintf(stderr, "\r%*s\r", 70, "");
  }

 private:
  bool tty_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

// The flags the user gave, as the simulate tool's arguments (flags not given are absent, so a
// scenario file's values stay).
json::object tool_args(const SimulateOptions& o, const CLI::App& cmd) {
  json::object a;
  auto given = [&](const char* flag) { return cmd.count(flag) > 0; };
  auto str = [&](const char* name, const std::string& v) {
    if (!v.empty()) a[name] = v;
  };
  auto opt = [&](const char* name, const auto& v) {
    if (v) a[name] = *v;
  };
  str("scenario", o.scenario);
  str("model", o.model);
  str("gpu", o.gpu);
  str("engine", o.engine);
  str("engine_version", o.engine_version);
  str("dtype", o.dtype);
  if (given("--tp")) a["tp"] = o.tp;
  if (given("--pp")) a["pp"] = o.pp;
  if (given("--replicas")) a["replicas"] = o.replicas;
  opt("qps", o.qps);
  str("arrival", o.arrival);
  opt("burstiness", o.burstiness);
  opt("concurrency", o.concurrency);
  str("trace", o.trace);
  str("trace_format", o.trace_format);
  if (given("--time-scale")) a["time_scale"] = o.time_scale;
  str("window", o.window);
  opt("input_tokens", o.input_tokens);
  opt("input_p95", o.input_p95);
  opt("output_tokens", o.output_tokens);
  opt("output_p95", o.output_p95);
  opt("shared_prefix_tokens", o.shared_prefix_tokens);
  opt("prefix_groups", o.prefix_groups);
  opt("prompt_pool", o.prompt_pool);
  opt("warmup_requests", o.warmup_requests);
  str("router", o.router);
  opt("max_num_seqs", o.max_num_seqs);
  opt("max_batched_tokens", o.max_batched_tokens);
  str("prefix_caching", o.prefix_caching);
  opt("scheduler_recv_interval", o.scheduler_recv_interval);
  opt("stream_interval", o.stream_interval);
  opt("batch_wait_timeout_iters", o.batch_wait_timeout_iters);
  opt("batch_wait_max_tokens_ratio", o.batch_wait_max_tokens_ratio);
  opt("requests", o.requests);
  opt("duration", o.duration);
  if (o.seed) a["seed"] = static_cast<long long>(*o.seed);
  opt("step_jitter", o.step_jitter);
  opt("slo_ttft_ms", o.slo_ttft_ms);
  opt("slo_tpot_ms", o.slo_tpot_ms);
  opt("slo_e2e_ms", o.slo_e2e_ms);
  return a;
}

// Progress on stderr and no cancellation: what the tool reports, as the CLI shows it.
class ProgressControl final : public agent::CallControl {
 public:
  bool cancelled() const override { return false; }
  void progress(double done, std::optional<double> total, const std::string&) override {
    if (total && *total > 0) bar_.update(done / *total);
  }

 private:
  Progress bar_;
};

int run_simulate(const Context& ctx, const SimulateOptions& o, const CLI::App& cmd) {
  const auto& params = agent::simulate_params();
  auto args = agent::check_args(params, tool_args(o, cmd));
  if (!args) return input_error(flag_error(args.error(), params));
  auto cat = load_catalog(ctx.global);
  if (!cat) return input_error(cat.error());
  ProgressControl control;
  agent::ToolEnv env;
  env.catalog = &*cat;
  env.control = &control;
  auto run = agent::run_simulate(*args, env);
  if (!run) return input_error(flag_error(run.error(), params));

  if (!o.timeseries.empty())
    if (Status st = write_atomically(o.timeseries, sim::timeseries_csv(run->result)); !st)
      return input_error(st.error().wrap("--timeseries"));
  if (!o.html.empty())
    if (Status st = write_atomically(o.html, sim::html_report(run->scenario, run->result)); !st)
      return input_error(st.error().wrap("--html"));
  if (parse_format(o.format) == Format::kJson)
    std::cout << to_pretty_json(agent::simulate_json(*run));
  else
    std::cout << sim::result_text(run->scenario, run->result);
  return kExitOk;
}

}  // namespace

void register_simulate(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<SimulateOptions>();
  auto* cmd =
      app.add_subcommand("simulate",
                         "Simulate a serving fleet under load: latency percentiles, throughput, KV "
                         "cache, autoscaling, cost");
  cmd->add_option("--scenario", o->scenario,
                  "YAML scenario (pools, workload, router, autoscaler, failures, SLOs); flags "
                  "override it");
  cmd->add_option("--model", o->model, "Model id or alias");
  cmd->add_option("--gpu", o->gpu, "GPU id or alias");
  cmd->add_option("--tp", o->tp, "Tensor-parallel degree per replica")->default_val(1);
  cmd->add_option("--pp", o->pp, "Pipeline-parallel degree per replica")->default_val(1);
  cmd->add_option("--replicas", o->replicas, "Replicas (each tp x pp GPUs)")->default_val(1);
  cmd->add_option("--engine", o->engine, "Serving engine")
      ->check(CLI::IsMember({"vllm", "sglang", "trtllm", "tgi"}));
  cmd->add_option("--engine-version", o->engine_version, "Engine version (informational)");
  cmd->add_option("--dtype", o->dtype, "Weight dtype (default bf16)")
      ->check(CLI::IsMember({"bf16", "fp16", "fp8", "fp4", "mxfp4", "int4"}));
  cmd->add_option("--qps", o->qps, "Open loop: arrivals per second over the fleet")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--arrival", o->arrival, "Open-loop arrivals: poisson (default), constant, gamma")
      ->check(CLI::IsMember({"poisson", "constant", "gamma"}));
  cmd->add_option("--burstiness", o->burstiness,
                  "Gamma arrivals: coefficient of variation of the gaps (1 = Poisson)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--concurrency", o->concurrency,
                  "Closed loop: N clients, each sending its next request when the last completes")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--trace", o->trace, "Replay a trace file");
  cmd->add_option("--trace-format", o->trace_format, "Trace format (default: from the file name)")
      ->check(CLI::IsMember({"azure", "mooncake", "burstgpt", "llmctl"}));
  cmd->add_option("--time-scale", o->time_scale,
                  "Multiply trace timestamps by this (0.5 replays twice as fast)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--window", o->window, "Replay only START:END seconds of the trace");
  cmd->add_option("--input-tokens", o->input_tokens, "Prompt tokens (the mean with --input-p95)");
  cmd->add_option("--input-p95", o->input_p95, "Lognormal prompt lengths with this p95");
  cmd->add_option("--output-tokens", o->output_tokens,
                  "Output tokens (the mean with --output-p95)");
  cmd->add_option("--output-p95", o->output_p95, "Lognormal output lengths with this p95");
  cmd->add_option("--shared-prefix-tokens", o->shared_prefix_tokens,
                  "Each prompt starts with one of --prefix-groups shared prefixes of N tokens")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--prefix-groups", o->prefix_groups, "Distinct shared prefixes")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--prompt-pool", o->prompt_pool,
                  "Draw every prompt from N distinct prompts, as benchmark clients reuse theirs "
                  "(aiperf: 100)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--warmup-requests", o->warmup_requests,
                  "Run N warm-up requests first and leave them out of every metric")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option(
      "--router", o->router,
      "Routing policy across replicas: " + sim::router_names() + " (default round_robin)");
  cmd->add_option("--max-num-seqs", o->max_num_seqs, "Engine cap on sequences in flight")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-batched-tokens", o->max_batched_tokens,
                  "Engine token budget per iteration (chunked prefill)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--prefix-caching", o->prefix_caching, "Prefix caching (default: the engine's)")
      ->check(CLI::IsMember({"on", "off"}));
  cmd->add_option("--scheduler-recv-interval", o->scheduler_recv_interval,
                  "SGLang: the scheduler receives new requests every N decode steps (default 1)")
      ->check(CLI::Range(1, sim::kMaxEngineInterval));
  cmd->add_option("--stream-interval", o->stream_interval,
                  "SGLang: tokens stream in chunks of N after the first (default 1)")
      ->check(CLI::Range(1, sim::kMaxEngineInterval));
  cmd->add_option("--batch-wait-timeout-iters", o->batch_wait_timeout_iters,
                  "TensorRT-LLM: while requests generate, hold new prompts back for up to N "
                  "iterations (default 0: off)")
      ->check(CLI::Range(0, sim::kMaxEngineInterval));
  cmd->add_option("--batch-wait-max-tokens-ratio", o->batch_wait_max_tokens_ratio,
                  "TensorRT-LLM: stop holding prompts once an iteration would carry this share of "
                  "max_num_tokens (default 0)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--requests", o->requests, "Stop after N requests (default 1000)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--duration", o->duration, "Stop arrivals after S seconds")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", o->seed, "Random seed (same seed, same output)");
  cmd->add_option("--step-jitter", o->step_jitter,
                  "Engine iterations vary by this coefficient of variation (default 0: exact; "
                  "`perf` under load uses 0.05)")
      ->check(CLI::Range(0.0, 0.5));
  cmd->add_option("--slo-ttft-ms", o->slo_ttft_ms, "SLO: time to first token")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--slo-tpot-ms", o->slo_tpot_ms, "SLO: time per output token")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--slo-e2e-ms", o->slo_e2e_ms, "SLO: end-to-end latency")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--timeseries", o->timeseries, "Write the time series to this CSV file");
  cmd->add_option("--html", o->html, "Write a self-contained HTML report to this file");
  add_format_option(cmd, o->format);
  cmd->callback(
      [&ctx, o, cmd] { ctx.action = [&ctx, o, cmd] { return run_simulate(ctx, *o, *cmd); }; });
}

namespace {
const CommandRegistrar kRegister(25, register_simulate);
}  // namespace

}  // namespace llmctl::cli
