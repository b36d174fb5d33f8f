// `llmctl monitor`: read a running system (Prometheus, direct scrapes, exposition files, the
// gateway's request log), diagnose it, and print findings; `--watch` refreshes a terminal view.
// Exit 1 when a finding reaches --fail-on.
#include <fmt/format.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <cmath>
#include <csignal>
#include <ctime>
#include <iostream>
#include <thread>

#include "agent/tools/monitor_tool.h"
#include "cli/app.h"
#include "common/json_writer.h"
#include "common/strings.h"
#include "monitor/diagnose.h"
#include "monitor/report.h"
#include "monitor/sources.h"

namespace llmctl::cli {
namespace {

namespace json = boost::json;

struct MonitorOpts {
  std::string prometheus, db, window, interval, refresh, timeout = "10s", format = "text";
  std::vector<std::string> scrapes, files, rules;
  std::optional<double> ttft_ms, tpot_ms, budget, gpu_hour_usd;
  double availability_pct = 99;
  std::string gpu, fail_on = "critical";
  bool watch = false;
  int iterations = 0;
};

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

Result<double> duration_flag(const std::string& flag, const std::string& value) {
  auto d = monitor::parse_duration(value);
  if (!d || *d < 0)
    return Error{fmt::format("{} {}: expected a duration such as 30s, 5m, 1h", flag, value)};
  return *d;
}

// Without --window, scrapes are judged over 30 s (a tool call waits for less).
constexpr double kScrapeWindowS = 30;

// The flags the user gave, as the monitor tool's arguments: one validation for the CLI and MCP
// (agent/tools/monitor_tool.h); --watch, --fail-on and --format stay the CLI's.
json::object tool_args(const MonitorOpts& o) {
  json::object a;
  auto str = [&](const char* name, const std::string& v) {
    if (!v.empty()) a[name] = v;
  };
  auto list = [&](const char* name, const std::vector<std::string>& v) {
    if (!v.empty()) a[name] = json::array(v.begin(), v.end());
  };
  auto opt = [&](const char* name, const std::optional<double>& v) {
    if (v) a[name] = *v;
  };
  str("prometheus", o.prometheus);
  list("scrapes", o.scrapes);
  list("metrics_files", o.files);
  str("db", o.db);
  list("rules", o.rules);
  str("window", o.window);
  str("interval", o.interval);
  opt("slo_ttft_p95_ms", o.ttft_ms);
  opt("slo_tpot_p95_ms", o.tpot_ms);
  a["slo_availability"] = o.availability_pct;
  opt("budget_monthly_usd", o.budget);
  str("gpu", o.gpu);
  opt("gpu_hour_usd", o.gpu_hour_usd);
  str("timeout", o.timeout);
  return a;
}

// The tool's argument names as the CLI's flags.
Error as_flags(const Error& e) {
  return flag_error(e, agent::monitor_params(),
                    {{"scrapes", "--scrape"}, {"metrics_files", "--metrics-file"}});
}

int exit_for(const monitor::Report& r, const std::string& fail_on) {
  if (fail_on == "none") return kExitOk;
  auto threshold = monitor::parse_severity(fail_on);
  for (const auto& f : r.findings)
    if (threshold && f.severity >= *threshold) return kExitCheckFailed;
  return kExitOk;
}

// ---- --watch -----------------------------------------------------------------------------------

class Terminal {
 public:
  explicit Terminal(bool interactive) : interactive_(interactive) {
    if (!interactive_) return;
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_) == 0) {
      termios raw = saved_;
      raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
      raw.c_cc[VMIN] = 0;
      raw.c_cc[VTIME] = 0;
      tcsetattr(STDIN_FILENO, TCSANOW, &raw);
      restore_ = true;
    }
    std::cout << "\x1b[?1049h\x1b[?25l" << std::flush;  // alternate screen, hide the cursor
  }
  ~Terminal() {
    if (!interactive_) return;
    std::cout << "\x1b[?25h\x1b[?1049l" << std::flush;
    if (restore_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  std::pair<int, int> size() const {
    winsize w{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 0) return {w.ws_col, w.ws_row};
    return {120, 40};
  }
  void draw(const std::string& screen) {
    if (interactive_)
      std::cout << "\x1b[H\x1b[2J" << screen << std::flush;
    else
      std::cout << screen << "\n" << std::flush;
  }
  // Waits up to `seconds`; true when the user asked to quit (q, Ctrl-C).
  bool wait(double seconds) {
    const auto until = std::chrono::steady_clock::now() +
                       std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
    while (!g_stop) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      if (restore_) {
        pollfd p{STDIN_FILENO, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 200))) > 0) {
          char c = 0;
          if (read(STDIN_FILENO, &c, 1) == 1 && (c == 'q' || c == 'Q')) return true;
        }
      } else {
        std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(200)));
      }
    }
    return true;
  }

 private:
  bool interactive_;
  bool restore_ = false;
  termios saved_{};
};

std::string clock_text() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

int watch(const agent::MonitorSetup& run, const catalog::Catalog& cat,
          monitor::Collector& collector, const MonitorOpts& o, std::optional<double> refresh_s) {
  g_stop = false;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const bool interactive = isatty(STDOUT_FILENO) != 0;
  Terminal term(interactive);
  const double every = refresh_s.value_or(collector.refresh_interval_s());
  for (int i = 0; o.iterations == 0 || i < o.iterations; ++i) {
    auto report = agent::monitor_evaluate(run, cat, collector.refresh());
    auto [cols, rows] = term.size();
    if (!report)
      term.draw(fmt::format("llmctl monitor — {} — {}\n", clock_text(), report.error().message));
    else
      term.draw(
          monitor::render_watch(*report, clock_text(), cols, rows, interactive && color_enabled()));
    if (o.iterations != 0 && i + 1 == o.iterations) break;
    if (term.wait(every)) break;
  }
  return kExitOk;
}

}  // namespace

void register_monitor(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "monitor",
      "Diagnose a running LLM system from Prometheus, metrics endpoints, saved metrics and the "
      "gateway's request log: SLO burn, KV cache, queues, GPUs, rate limits, spend, drift");
  auto o = std::make_shared<MonitorOpts>();
  cmd->add_option("--prometheus", o->prometheus,
                  "Prometheus server to query (instant and range queries, its rules and targets); "
                  "a bearer token may come from LLMCTL_PROMETHEUS_TOKEN");
  cmd->add_option("--scrape", o->scrapes,
                  "Metrics endpoint to scrape repeatedly over the window (vLLM, SGLang, TGI, "
                  "TensorRT-LLM, llmctl gateway, dcgm-exporter); repeatable");
  cmd->add_option("--metrics-file", o->files,
                  "Saved Prometheus exposition text (one moment); repeatable")
      ->check(CLI::ExistingFile);
  cmd->add_option("--db", o->db, "The gateway's SQLite request log (logging.request_log.path)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--rules", o->rules,
                  "Rule file, PrometheusRule or Grafana dashboard to check for metric names the "
                  "running engines do not export; repeatable")
      ->check(CLI::ExistingFile);
  cmd->add_option("--window", o->window,
                  "Window to judge (default: 5m with --prometheus or --db, 30s of scrapes)");
  cmd->add_option("--interval", o->interval, "Time between scrapes (default: window / 6, >= 1s)");
  cmd->add_option("--slo-ttft-p95-ms", o->ttft_ms, "SLO: p95 time to first token, ms")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--slo-tpot-p95-ms", o->tpot_ms, "SLO: p95 time per output token, ms")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--slo-availability", o->availability_pct,
                  "SLO: percent of requests answered without a 5xx")
      ->check(CLI::Range(50.0, 99.9999))
      ->capture_default_str();
  cmd->add_option("--budget-monthly-usd", o->budget, "Monthly budget for API spend")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--gpu", o->gpu,
                  "Catalog GPU id, for prices and sizing when the metrics do not name the GPU");
  cmd->add_option("--gpu-hour-usd", o->gpu_hour_usd,
                  "Price of one GPU-hour (overrides the catalog)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--fail-on", o->fail_on, "Exit 1 when a finding reaches this severity")
      ->check(CLI::IsMember({"info", "warning", "critical", "none"}))
      ->capture_default_str();
  cmd->add_flag("--watch", o->watch, "Refresh a terminal view, like top (q or Ctrl-C quits)");
  cmd->add_option("--refresh", o->refresh, "--watch: time between refreshes");
  cmd->add_option("--iterations", o->iterations, "--watch: stop after N screens (0: until q)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--timeout", o->timeout, "Timeout of one HTTP request")->capture_default_str();
  add_format_option(cmd, o->format);

  cmd->callback([&ctx, o] {
    ctx.action = [&ctx, o]() -> int {
      if (o->prometheus.empty() && o->scrapes.empty() && o->files.empty() && o->db.empty())
        return input_error(
            Error{"monitor: nothing to read; give --prometheus URL, --scrape URL, "
                  "--metrics-file FILE or --db FILE"});
      auto cat = load_catalog(ctx.global);
      if (!cat) return input_error(cat.error());
      auto args = agent::check_args(agent::monitor_params(), tool_args(*o));
      if (!args) return input_error(as_flags(args.error()));
      agent::ToolEnv env;
      env.catalog = &*cat;
      auto run = agent::monitor_setup(*args, env, kScrapeWindowS);
      if (!run) return input_error(as_flags(run.error()));
      std::optional<double> refresh;
      if (!o->refresh.empty()) {
        auto r = duration_flag("--refresh", o->refresh);
        if (!r) return input_error(r.error());
        refresh = std::max(0.2, *r);
      }
      auto collector = monitor::Collector::create(run->sources, *cat, monitor::real_clock());
      if (!collector) return input_error(collector.error());
      if (o->watch) return watch(*run, *cat, **collector, *o, refresh);

      auto report = agent::monitor_evaluate(*run, *cat, (*collector)->collect());
      if (!report) return input_error(report.error());
      if (parse_format(o->format) == Format::kJson)
        std::cout << to_pretty_json(monitor::to_json(*report));
      else
        std::cout << monitor::render_text(*report, color_enabled());
      if (!report->judged()) {
        // Unreachable or unknown sources are not a healthy system: a gate must not pass on them.
        std::fflush(stdout);
        fmt::print(
            stderr, "llmctl: monitor judged nothing: {}\n",
            report->notes.empty() ? "no source gave metrics or rows" : report->notes.front());
        return kExitUsage;
      }
      return exit_for(*report, o->fail_on);
    };
  });
}

const CommandRegistrar kRegister(55, register_monitor);

}  // namespace llmctl::cli
