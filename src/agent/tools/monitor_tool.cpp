#include "agent/tools/monitor_tool.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>

#include "monitor/diagnose.h"
#include "monitor/report.h"
#include "monitor/sources.h"

namespace llmctl::agent {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

// A call's window of scrapes is short by default: an MCP client waits for the whole window
// (the CLI's default is 30 s; `llmctl monitor --watch` is the tool for watching longer).
constexpr double kScrapeWindowS = 10;
constexpr double kQueryWindowS = 300;  // Prometheus and the request log hold history: no wait

constexpr std::string_view kOutputSchema = R"json({
  "type": "object",
  "required": ["findings", "summary"],
  "properties": {
    "findings": {"type": "array", "items": {
      "type": "object",
      "required": ["kind", "severity", "target", "message", "evidence", "fix"],
      "properties": {
        "kind": {"type": "string"},
        "severity": {"enum": ["info", "warning", "critical"]},
        "target": {"type": "string"},
        "message": {"type": "string"},
        "evidence": {"type": "array", "items": {"type": "object", "required": ["name", "value"]}},
        "fix": {"type": "object", "required": ["action", "command"]}
      }}},
    "summary": {"type": "object",
      "required": ["source", "now_s", "window_s", "findings", "targets", "notes"],
      "properties": {
        "source": {"type": "string"},
        "now_s": {"type": "number", "description": "end of the window, Unix seconds"},
        "window_s": {"type": "number"},
        "findings": {"type": "object", "required": ["critical", "warning", "info"]},
        "targets": {"type": "array", "items": {"type": "object", "required": ["target", "kind"]}},
        "notes": {"type": "array", "items": {"type": "string"}}
      }}
  }
})json";

// The collector's clock is the call's: scrapes wait on it, and a cancelled call stops waiting
// (the remaining scrapes then run back to back and the call returns the cancellation).
class CallClock final : public monitor::Clock {
 public:
  CallClock(const ToolEnv& env, double window_s) : env_(env), window_s_(window_s) {}
  double now_s() const override { return env_.now_s(); }
  void sleep_s(double seconds) override {
    if (seconds <= 0) return;
    env_.sleep_s(seconds);
    waited_s_ += seconds;
    env_.progress(std::min(waited_s_, window_s_), window_s_, "seconds of the scrape window");
  }

 private:
  const ToolEnv& env_;
  double window_s_;
  double waited_s_ = 0;
};

Result<double> duration_arg(const char* name, const std::string& value) {
  auto d = monitor::parse_duration(value);
  if (!d || *d <= 0)
    return Error{fmt::format("{}: expected a duration above 0 such as 30s, 5m, 1h, found \"{}\"",
                             name, value)};
  return *d;
}

Result<std::vector<std::string>> readable_paths(const ToolEnv& env, const json::object& args,
                                                const char* name) {
  std::vector<std::string> out;
  for (const auto& p : arg_strings(args, name)) {
    auto path = env.files.readable(p);
    if (!path) return path.error().wrap(name);
    if (!fs::is_regular_file(*path)) return Error{fmt::format("{}: {}: no such file", name, p)};
    out.push_back(path->string());
  }
  return out;
}

}  // namespace

Result<MonitorSetup> monitor_setup(const json::object& args, const ToolEnv& env,
                                   double scrape_window_s) {
  const catalog::Catalog& cat = *env.catalog;
  MonitorSetup m;
  monitor::SourceOptions& sources = m.sources;
  sources.prometheus = arg_string(args, "prometheus").value_or("");
  sources.scrapes = arg_strings(args, "scrapes");
  auto files = readable_paths(env, args, "metrics_files");
  if (!files) return files.error();
  sources.files = std::move(*files);
  auto rules = readable_paths(env, args, "rules");
  if (!rules) return rules.error();
  sources.rules = std::move(*rules);
  if (auto d = arg_string(args, "db")) {
    auto path = env.files.readable(*d);
    if (!path) return path.error().wrap("db");
    if (!fs::is_regular_file(*path)) return Error{fmt::format("db: {}: no such file", *d)};
    m.db = path->string();
    m.db_shown = *d;
  }
  if (sources.prometheus.empty() && sources.scrapes.empty() && sources.files.empty() &&
      m.db.empty())
    return Error{
        "nothing to read; give prometheus URL, scrapes [URL], metrics_files [FILE] or "
        "db FILE"};

  const bool long_sources = !sources.prometheus.empty() || !m.db.empty();
  sources.window_s = long_sources || sources.scrapes.empty() ? kQueryWindowS : scrape_window_s;
  if (auto w = arg_string(args, "window")) {
    auto s = duration_arg("window", *w);
    if (!s) return s.error();
    sources.window_s = *s;
  }
  if (auto i = arg_string(args, "interval")) {
    auto s = duration_arg("interval", *i);
    if (!s) return s.error();
    sources.interval_s = *s;
  }
  auto timeout = duration_arg("timeout", arg_string(args, "timeout").value_or("10s"));
  if (!timeout) return timeout.error();
  sources.timeout_s = std::max(0.1, *timeout);
  if (const char* t = std::getenv("LLMCTL_PROMETHEUS_TOKEN")) sources.bearer_token = t;

  monitor::DiagnoseOptions& diagnose = m.diagnose;
  if (auto v = arg_number(args, "slo_ttft_p95_ms")) diagnose.slo.ttft_p95_ms = *v;
  if (auto v = arg_number(args, "slo_tpot_p95_ms")) diagnose.slo.tpot_p95_ms = *v;
  diagnose.slo.availability = arg_number(args, "slo_availability").value_or(99) / 100;
  if (auto v = arg_number(args, "budget_monthly_usd")) diagnose.budget_monthly_usd = *v;
  if (auto v = arg_number(args, "gpu_hour_usd")) diagnose.gpu_hour_usd = *v;
  if (auto gpu = arg_string(args, "gpu")) {
    if (!cat.find_gpu(*gpu))
      return Error{fmt::format("gpu: {}: not in the catalog; known GPUs: {}", *gpu, cat.gpu_ids())};
    diagnose.gpu = *gpu;
  }
  return m;
}

Result<monitor::Report> monitor_evaluate(const MonitorSetup& setup, const catalog::Catalog& cat,
                                         monitor::Snapshot snap) {
  std::optional<monitor::LogSummary> log;
  if (!setup.db.empty()) {
    double history = 3 * 86400;
    for (const auto& b : setup.diagnose.thresholds.burns) history = std::max(history, b.long_s);
    history = std::max(history, 86400 + snap.window_s);
    auto l =
        monitor::read_request_log(setup.db, setup.diagnose.slo, snap.now_s, snap.window_s, history);
    if (!l) return l.error();
    log = std::move(*l);
    snap.source += (snap.source.empty() ? "" : ", ") +
                   fmt::format("request log {} ({} rows)", setup.db_shown, log->rows);
  }
  return monitor::diagnose(snap, log ? &*log : nullptr, cat, setup.diagnose);
}

namespace {

Result<json::value> run_monitor(const json::object& args, const ToolEnv& env) {
  auto setup = monitor_setup(args, env, kScrapeWindowS);
  if (!setup) return setup.error();
  CallClock clock(env, setup->sources.window_s);
  auto collector = monitor::Collector::create(setup->sources, *env.catalog, clock);
  if (!collector) return collector.error();
  monitor::Snapshot snap = (*collector)->collect();
  if (env.cancelled()) return Error{std::string(kCancelledMessage)};
  auto report = monitor_evaluate(*setup, *env.catalog, std::move(snap));
  if (!report) return report.error();
  return monitor::to_json(*report);
}

}  // namespace

const std::vector<Param>& monitor_params() {
  static const std::vector<Param> params = {
      Param::string("prometheus",
                    "Prometheus server to query (instant and range queries, its rules and "
                    "targets); a bearer token may come from LLMCTL_PROMETHEUS_TOKEN"),
      Param::strings("scrapes",
                     "Metrics endpoints to scrape repeatedly over the window (vLLM, SGLang, TGI, "
                     "TensorRT-LLM, the llmctl gateway, dcgm-exporter)"),
      Param::strings("metrics_files", "Saved Prometheus exposition text (one moment each)"),
      Param::string("db", "The gateway's SQLite request log (logging.request_log.path)"),
      Param::strings("rules",
                     "Rule files, PrometheusRules or Grafana dashboards to check for metric names "
                     "the running engines do not export"),
      Param::string("window",
                    "Window to judge, e.g. 30s, 5m (default: 5m with prometheus or db; 10s of "
                    "scrapes, which the call waits for)"),
      Param::string("interval", "Time between scrapes (default: window / 6, at least 1s)"),
      Param::number("slo_ttft_p95_ms", "SLO: p95 time to first token, ms").min(0, true),
      Param::number("slo_tpot_p95_ms", "SLO: p95 time per output token, ms").min(0, true),
      Param::number("slo_availability", "SLO: percent of requests answered without a 5xx")
          .min(50)
          .max(99.9999)
          .fallback(99),
      Param::number("budget_monthly_usd", "Monthly budget for API spend").min(0, true),
      Param::string("gpu",
                    "Catalog GPU id, for prices and sizing when the metrics do not name "
                    "the GPU"),
      Param::number("gpu_hour_usd", "Price of one GPU-hour (overrides the catalog)").min(0, true),
      Param::string("timeout", "Timeout of one HTTP request").fallback("10s"),
  };
  return params;
}

Tool monitor_tool() {
  Tool t;
  t.name = "monitor";
  t.title = "Diagnose a running LLM system";
  t.description =
      "Read live metrics (a Prometheus server, vLLM/SGLang/TGI/TensorRT-LLM/gateway/DCGM "
      "endpoints scraped over a short window, saved exposition files) and the llmctl gateway's "
      "request log, and diagnose SLO burn, KV-cache pressure, preemptions, queueing, errors, "
      "idle GPUs, rate limits, spend against budget and dashboards that read metrics no engine "
      "exports. Findings with severity, evidence and a fix. Same as `llmctl monitor --format "
      "json`.";
  t.params = monitor_params();
  t.output_schema = schema_literal(kOutputSchema);
  t.hints.idempotent = false;  // a live system changes between calls
  t.hints.open_world = true;   // it queries the servers it is given
  t.run = run_monitor;
  return t;
}

}  // namespace llmctl::agent
