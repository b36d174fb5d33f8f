// `llmctl costs`: the FinOps analyst. The costs tool (agent/tools/costs_tool.h) reads the request
// log or a usage export, prices every row with the catalog and analyses it; this command maps its
// flags onto the tool's arguments and renders the report (finops/report.h) as text, JSON, HTML or
// FOCUS CSV, and optionally writes the gateway config that carries out the savings.
#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "agent/tools/costs_tool.h"
#include "cli/app.h"
#include "common/files.h"
#include "common/json_writer.h"
#include "common/strings.h"
#include "finops/render.h"

namespace llmctl::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

class ProgressBar final : public agent::CallControl {
 public:
  explicit ProgressBar(std::string label) : label_(std::move(label)), tty_(isatty(2) != 0) {}
  bool cancelled() const override { return false; }
  void progress(double done, std::optional<double> total, const std::string&) override {
    if (!tty_ || !total || *total <= 0) return;
    int width = 30;
    int fill = static_cast<int>(done / *total * width);
    fmt::print(stderr, "\r{} [{}{}] {:3.0f}% {}/{} rows", label_, std::string(fill, '#'),
               std::string(width - fill, ' '), 100.0 * done / *total,
               group_thousands(static_cast<long long>(done)),
               group_thousands(static_cast<long long>(*total)));
    if (done >= *total) fmt::print(stderr, "\n");
    std::fflush(stderr);
  }

 private:
  std::string label_;
  bool tty_;
};

struct Opts {
  std::string db, input, input_format, map, since, until, by = "model", format = "text", out;
  std::string emit_gateway_config, gpu_metrics, batch_eligible;
  bool what_if = false, anomalies = false, strict = false, no_self_hosting = false;
  double sensitivity = 3.5;
  long long cache_ttl_s = 3600;
  int top = 0;
};

// The flags the user gave, as the costs tool's arguments: one validation and one analysis for
// the CLI and MCP (src/agent/tools/costs_tool.h); the CLI adds the outputs that write files.
json::object tool_args(const Opts& o, const CLI::App& cmd) {
  json::object a;
  auto given = [&](const char* flag) { return cmd.count(flag) > 0; };
  auto str = [&](const char* name, const std::string& v) {
    if (!v.empty()) a[name] = v;
  };
  auto list = [&](const char* name, const std::string& v) {
    json::array items;
    for (auto item : split(v, ','))
      if (!trim(item).empty()) items.push_back(json::string(trim(item)));
    a[name] = std::move(items);
  };
  str("db", o.db);
  str("input", o.input);
  str("input_format", o.input_format);
  str("map", o.map);
  str("since", o.since);
  str("until", o.until);
  if (given("--by")) list("by", o.by);
  a["what_if"] = o.what_if || !o.emit_gateway_config.empty();
  a["anomalies"] = o.anomalies;
  if (given("--sensitivity")) a["sensitivity"] = o.sensitivity;
  if (given("--cache-ttl")) a["cache_ttl_s"] = o.cache_ttl_s;
  if (given("--top")) a["top"] = o.top;
  a["self_hosting"] = !o.no_self_hosting;
  if (!o.batch_eligible.empty()) list("batch_eligible", o.batch_eligible);
  str("gpu_metrics", o.gpu_metrics);
  a["strict"] = o.strict;
  return a;
}

int run(const Context& ctx, const Opts& o, const CLI::App& cmd) {
  if (o.format != "text" && o.format != "json" && o.format != "html" && o.format != "focus")
    return input_error(
        Error{fmt::format("--format: expected text, json, html or focus, found '{}'", o.format)});
  const auto& params = agent::costs_params();
  // The CLI's flag names, where they are not the arguments' names with dashes. (The flags carry
  // no range checks of their own: the tool's parameters are the one validation.)
  const FlagRenames renames = {{"cache_ttl_s", "--cache-ttl"},
                               {"self_hosting", "--no-self-hosting"},
                               {"db, input", "--db, --input"}};
  auto flag_error = [&](const Error& e) { return cli::flag_error(e, params, renames); };
  auto args = agent::check_args(params, tool_args(o, cmd));
  if (!args) return input_error(flag_error(args.error()));
  auto cat = load_catalog(ctx.global);
  if (!cat) return input_error(cat.error());
  ProgressBar bar("reading " + (o.input.empty() ? (o.db.empty() ? "llmctl.db" : o.db) : o.input));
  agent::ToolEnv env;
  env.catalog = &*cat;
  env.control = &bar;
  auto analysis = agent::run_costs_analysis(*args, env);
  if (!analysis) return input_error(flag_error(analysis.error()));
  const finops::Ingest& in = analysis->in;
  for (const auto& e : in.errors) fmt::print(stderr, "llmctl: rejected: {}\n", e);
  if (in.rows_rejected > static_cast<long long>(in.errors.size()))
    fmt::print(stderr, "llmctl: ... {} rows rejected in all\n", in.rows_rejected);
  if (auto st = agent::check_strict(*args, in); !st.ok())
    return input_error(flag_error(st.error()));

  const finops::Report& report = analysis->report;
  if (!o.emit_gateway_config.empty()) {
    std::string cfg = finops::render_gateway_config(report, in.table, *cat);
    if (auto st = write_atomically(o.emit_gateway_config, cfg); !st.ok())
      return input_error(st.error());
    fmt::print(stderr, "llmctl: wrote the gateway config to {}\n", o.emit_gateway_config);
  }
  std::string text;
  if (o.format == "json")
    text = to_pretty_json(finops::to_json(report));
  else if (o.format == "html")
    text = finops::render_html(report);
  else if (o.format == "focus")
    text = finops::render_focus(in.table, *cat, analysis->source);
  else
    text = finops::render_text(report, o.out.empty() && color_enabled());
  if (!o.out.empty()) {
    if (auto st = write_atomically(o.out, text); !st.ok()) return input_error(st.error());
  } else {
    std::cout << text;
  }
  return kExitOk;
}

}  // namespace

void register_costs(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "costs",
      "FinOps: where the money goes, what is abnormal, and what each change would save "
      "(docs/COSTS.md)");
  cmd->add_option("--db", o->db, "The gateway's SQLite request log (default ./llmctl.db)");
  cmd->add_option("--input", o->input, "A usage export or log file instead of the request log");
  cmd->add_option("--input-format", o->input_format,
                  "Format of --input: " + finops::input_format_names());
  cmd->add_option(
      "--map", o->map,
      "For --input-format csv: field=column,... (fields: " + finops::csv_mapping_fields() + ")");
  cmd->add_option("--since", o->since, "Start (RFC 3339, YYYY-MM-DD, or 7d/24h/30m ago)");
  cmd->add_option("--until", o->until, "End, exclusive (same forms as --since)");
  cmd->add_option("--by", o->by, "Group by fields, comma-separated: " + finops::group_fields());
  cmd->add_flag("--what-if", o->what_if, "Compute what-if savings");
  cmd->add_flag("--anomalies", o->anomalies, "Find spend spikes, runaway sessions, error spend");
  cmd->add_option("--format", o->format, "text | json | html | focus (FOCUS 1.2 CSV)");
  cmd->add_option("--out", o->out, "Write the output to FILE instead of stdout");
  cmd->add_option("--emit-gateway-config", o->emit_gateway_config,
                  "Write the gateway config that carries out the savings to FILE");
  cmd->add_option("--gpu-metrics", o->gpu_metrics,
                  "GPU utilisation of self-hosted deployments (CSV or Prometheus query_range "
                  "JSON of DCGM_FI_DEV_GPU_UTIL) for the idle-GPU what-if");
  cmd->add_option("--batch-eligible", o->batch_eligible,
                  "Requests that can wait for a batch API: FIELD=VALUE,... (tag:latency=batch, "
                  "key=nightly-eval)");
  cmd->add_option("--sensitivity", o->sensitivity,
                  "Robust z-score threshold for spikes (default 3.5)");
  cmd->add_option("--cache-ttl", o->cache_ttl_s,
                  "Response-cache entry lifetime in seconds for the what-if (default 3600)");
  cmd->add_option("--top", o->top, "Show only the N groups with most spend");
  cmd->add_flag("--no-self-hosting", o->no_self_hosting, "Skip the self-hosting what-if");
  cmd->add_flag("--strict", o->strict, "Exit 2 when any input row is rejected");
  cmd->callback([&ctx, o, cmd] { ctx.action = [&ctx, o, cmd] { return run(ctx, *o, *cmd); }; });
}

namespace {
const CommandRegistrar kRegister(55, register_costs);
}  // namespace

}  // namespace llmctl::cli
