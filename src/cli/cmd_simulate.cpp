// `llmctl simulate`: a fleet of replicas under a workload, simulated (src/sim). Flags or a YAML
// scenario in; a summary, JSON, a time series CSV and an HTML report out.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/app.h"
#include "common/json_writer.h"
#include "common/strings.h"
#include "sim/io/trace_files.h"
#include "sim/report.h"
#include "sim/router.h"
#include "sim/scenario.h"
#include "sim/sim.h"

namespace llmctl::cli {
namespace {

namespace fs = std::filesystem;

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
  std::optional<int> shared_prefix_tokens, prefix_groups;
  std::string router;
  std::optional<int> max_num_seqs, max_batched_tokens;
  std::string prefix_caching;
  std::optional<long long> requests;
  std::optional<double> duration;
  std::optional<std::uint64_t> seed;
  std::optional<double> step_jitter;
  std::optional<double> slo_ttft_ms, slo_tpot_ms, slo_e2e_ms;
  std::string format, timeseries, html;
};

Result<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("cannot read '{}'", path.string())};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes via a temporary file and a rename, so a reader never sees half a file.
Status write_file(const std::string& path, const std::string& text, const char* flag) {
  const std::string tmp = fmt::format("{}.tmp{}", path, getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      return Error{fmt::format("{}: cannot write '{}'", flag, path)};
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Error{fmt::format("{}: cannot write '{}': {}", flag, path, ec.message())};
  }
  return {};
}

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

// Applies the flags the user gave (over a scenario file's values, when there is one).
Status apply_flags(const SimulateOptions& o, const CLI::App& cmd, const catalog::Catalog& cat,
                   sim::Scenario& sc, sim::Trace* trace) {
  auto given = [&](const char* flag) { return cmd.count(flag) > 0; };
  if (sc.pools.empty()) {
    if (o.model.empty() || o.gpu.empty() || o.engine.empty())
      return Error{"--model, --gpu and --engine are required (or --scenario FILE)"};
    sim::Pool p;
    p.name = "default";
    sc.pools.push_back(p);
  } else if (sc.pools.size() > 1 &&
             (given("--model") || given("--gpu") || given("--engine") || given("--tp"))) {
    return Error{"--model/--gpu/--engine/--tp apply to a one-pool fleet; the scenario has " +
                 std::to_string(sc.pools.size()) + " pools (edit the file instead)"};
  }
  sim::Pool& pool = sc.pools.front();
  perf::Deployment& d = pool.deployment;
  if (!o.model.empty()) {
    d.model = cat.find_model(o.model);
    if (!d.model)
      return Error{fmt::format("--model: unknown model '{}'; known: {}", o.model, cat.model_ids())};
  }
  if (!o.gpu.empty()) {
    d.gpu = cat.find_gpu(o.gpu);
    if (!d.gpu)
      return Error{fmt::format("--gpu: unknown GPU '{}'; known: {}", o.gpu, cat.gpu_ids())};
  }
  if (!o.engine.empty()) {
    d.engine = cat.find_engine(o.engine);
    if (!d.engine)
      return Error{fmt::format("--engine: '{}' is not in the catalog; known: {}", o.engine,
                               cat.engine_ids())};
  }
  if (!o.engine_version.empty()) d.engine_version = o.engine_version;
  if (!o.dtype.empty()) d.dtype = o.dtype;
  if (given("--tp")) d.tp = o.tp;
  if (given("--pp")) d.pp = o.pp;
  d.gpus = d.tp * d.pp;
  if (given("--replicas")) pool.replicas = o.replicas;
  if (o.max_num_seqs) d.max_num_seqs = *o.max_num_seqs;
  if (o.max_batched_tokens) pool.max_num_batched_tokens = *o.max_batched_tokens;
  if (!o.prefix_caching.empty()) pool.prefix_caching = o.prefix_caching == "on";

  sim::WorkloadSpec& w = sc.workload;
  using A = sim::WorkloadSpec::Arrival;
  const int modes = (o.qps ? 1 : 0) + (o.concurrency ? 1 : 0) + (o.trace.empty() ? 0 : 1);
  if (modes > 1) return Error{"choose one load: --qps X, --concurrency N or --trace FILE"};
  if (o.qps) {
    w.arrival = A::kPoisson;
    w.qps = *o.qps;
  }
  if (o.concurrency) {
    w.arrival = A::kClosedLoop;
    w.concurrency = *o.concurrency;
  }
  if (!o.arrival.empty()) {
    if (w.arrival == A::kClosedLoop || w.arrival == A::kTrace)
      return Error{"--arrival applies to --qps (open loop)"};
    w.arrival = o.arrival == "constant" ? A::kConstant
                : o.arrival == "gamma"  ? A::kGamma
                                        : A::kPoisson;
  }
  if (o.burstiness) {
    w.burstiness_cv = *o.burstiness;
    if (o.arrival.empty() && w.arrival == A::kPoisson) w.arrival = A::kGamma;
  }
  if (!o.trace.empty()) {
    std::string format = o.trace_format;
    if (format.empty()) format = sim::guess_trace_format(o.trace);
    auto t = sim::read_trace_file(o.trace, format);
    if (!t) return t.error();
    *trace = std::move(*t);
    w.arrival = A::kTrace;
    w.trace = trace;
  }
  w.time_scale = o.time_scale;
  if (!o.window.empty()) {
    auto colon = o.window.find(':');
    try {
      w.window_start_s = std::stod(o.window.substr(0, colon));
      w.window_end_s = colon == std::string::npos ? 0 : std::stod(o.window.substr(colon + 1));
    } catch (const std::exception&) {
      return Error{fmt::format("--window: expected START:END in seconds, found \"{}\"", o.window)};
    }
  }
  auto length = [](std::optional<int> mean, std::optional<int> p95, sim::LengthDist& out,
                   const char* flag) -> Status {
    if (!mean && !p95) return {};
    const double m = mean ? *mean : out.mean;
    if (m < 1) return Error{fmt::format("{}: expected at least 1, found {:g}", flag, m)};
    if (p95) {
      auto d = sim::lognormal_from(m, *p95);
      if (!d) return d.error().wrap(std::string(flag) + "-p95");
      out = *d;
    } else {
      out = sim::LengthDist{sim::LengthDist::Kind::kFixed, m};
    }
    return {};
  };
  if (Status st = length(o.input_tokens, o.input_p95, w.input, "--input-tokens"); !st) return st;
  if (Status st = length(o.output_tokens, o.output_p95, w.output, "--output-tokens"); !st)
    return st;
  if (o.shared_prefix_tokens) w.shared_prefix_tokens = *o.shared_prefix_tokens;
  if (o.prefix_groups) w.prefix_groups = *o.prefix_groups;
  if (w.shared_prefix_tokens > 0 && w.prefix_groups <= 0) w.prefix_groups = 1;
  if (o.requests) w.requests = *o.requests;
  if (o.duration) w.duration_s = *o.duration;
  if (w.requests <= 0 && w.duration_s <= 0 && w.arrival != A::kTrace) w.requests = 1000;
  if (!o.router.empty()) sc.router = o.router;
  if (o.seed) sc.seed = *o.seed;
  if (o.step_jitter) sc.step_jitter_cv = *o.step_jitter;
  if (o.slo_ttft_ms) sc.slo.ttft_ms = *o.slo_ttft_ms;
  if (o.slo_tpot_ms) sc.slo.tpot_ms = *o.slo_tpot_ms;
  if (o.slo_e2e_ms) sc.slo.e2e_ms = *o.slo_e2e_ms;
  return sim::validate_scenario(sc);
}

int run_simulate(const Context& ctx, const SimulateOptions& o, const CLI::App& cmd) {
  auto cat = load_catalog(ctx.global);
  if (!cat) return input_error(cat.error());
  sim::Scenario sc;
  if (!o.scenario.empty()) {
    auto text = read_text(o.scenario);
    if (!text) return input_error(text.error().wrap("--scenario"));
    auto parsed = sim::parse_scenario(*text, o.scenario, *cat);
    if (!parsed) return input_error(parsed.error());
    sc = std::move(*parsed);
    if (sc.name.empty()) sc.name = fs::path(o.scenario).stem().string();
  }
  // The scenario's trace (read relative to the scenario's folder) or --trace.
  auto trace = std::make_unique<sim::Trace>();
  if (!sc.trace_file.empty() && o.trace.empty()) {
    fs::path p = sc.trace_file;
    if (p.is_relative()) p = fs::path(o.scenario).parent_path() / p;
    auto t = sim::read_trace_file(p.string(), sc.trace_format.empty()
                                                  ? sim::guess_trace_format(p.string())
                                                  : sc.trace_format);
    if (!t) return input_error(t.error().wrap(o.scenario + ": workload.trace"));
    *trace = std::move(*t);
    sc.workload.trace = trace.get();
  }
  if (Status st = apply_flags(o, cmd, *cat, sc, trace.get()); !st) return input_error(st.error());

  Progress progress;
  sim::RunHooks hooks;
  hooks.progress = [&](double f) { progress.update(f); };
  auto result = sim::simulate(*cat, sc, hooks);
  if (!result) return input_error(result.error());

  if (!o.timeseries.empty())
    if (Status st = write_file(o.timeseries, sim::timeseries_csv(*result), "--timeseries"); !st)
      return input_error(st.error());
  if (!o.html.empty())
    if (Status st = write_file(o.html, sim::html_report(sc, *result), "--html"); !st)
      return input_error(st.error());
  if (parse_format(o.format) == Format::kJson)
    std::cout << to_pretty_json(sim::result_json(sc, *result));
  else
    std::cout << sim::result_text(sc, *result);
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
