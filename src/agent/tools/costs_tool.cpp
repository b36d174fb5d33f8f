#include "agent/tools/costs_tool.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "common/strings.h"
#include "finops/gpu_metrics.h"
#include "finops/ingest.h"
#include "finops/pricing.h"
#include "finops/render.h"
#include "finops/report.h"
#include "finops/request_log_reader.h"

namespace llmctl::agent {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

// The top level of finops::to_json (src/finops/render_json.cpp); docs/COSTS.md describes each.
constexpr std::string_view kOutputSchema = R"json({
  "type": "object",
  "required": ["period", "total_usd", "groups", "anomalies", "what_if", "forecast_usd", "by",
               "totals", "series", "daily", "forecast", "input", "notes"],
  "properties": {
    "period": {"type": "object", "required": ["start", "end", "days"],
               "properties": {"start": {"type": "string"}, "end": {"type": "string"},
                              "days": {"type": "number"}}},
    "total_usd": {"type": "number", "description": "spend in the period, priced with the catalog"},
    "groups": {"type": "array", "description": "spend by the 'by' fields, largest first",
               "items": {"type": "object", "required": ["key"]}},
    "anomalies": {"type": "array", "items": {"type": "object", "required": ["kind"]}},
    "what_if": {"type": "array", "description": "savings each change would bring",
                "items": {"type": "object", "required": ["name"]}},
    "forecast_usd": {"type": "number", "description": "month-end spend for the month the period ends in"},
    "by": {"type": "array", "items": {"type": "string"}},
    "totals": {"type": "object"},
    "series": {"type": "array", "items": {"type": "string"}},
    "daily": {"type": "array", "items": {"type": "object", "required": ["date", "cost_usd"]}},
    "forecast": {"type": "object", "required": ["month", "method"]},
    "input": {"type": "object",
              "required": ["source", "records_read", "rows_rejected", "errors", "pricing"],
              "description": "what was read and what was rejected (nothing is dropped silently)"},
    "notes": {"type": "array", "items": {"type": "string"}}
  }
})json";

std::vector<std::string> format_names() {
  std::vector<std::string> names;
  for (auto n : split(finops::input_format_names(), ',')) names.push_back(trim(n));
  return names;
}

Result<std::string> read_text(const fs::path& path, const std::string& shown) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("cannot read '{}'", shown)};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// since/until: RFC 3339, a date, or "7d" / "24h" / "30m" before now.
Result<std::int64_t> time_arg(const std::string& name, const std::string& v, std::int64_t now_ms) {
  if (!v.empty() && (v.back() == 'd' || v.back() == 'h' || v.back() == 'm') && v.size() > 1 &&
      v.find_first_not_of("0123456789.") == v.size() - 1) {
    double n = std::stod(v.substr(0, v.size() - 1));
    double unit = v.back() == 'd' ? 86400000.0 : v.back() == 'h' ? 3600000.0 : 60000.0;
    return now_ms - static_cast<std::int64_t>(n * unit);
  }
  auto t = finops::parse_timestamp(v);
  if (!t)
    return Error{fmt::format("{}: {}; or a duration before now such as 7d, 24h, 30m", name,
                             t.error().message)};
  return *t;
}

}  // namespace

Result<CostsRun> run_costs_analysis(const json::object& args, const ToolEnv& env) {
  const catalog::Catalog& cat = *env.catalog;
  const auto db = arg_string(args, "db");
  const auto input = arg_string(args, "input");
  const auto input_format = arg_string(args, "input_format");
  if (db && input) return Error{"db, input: give one of them, not both"};
  if (input && !input_format)
    return Error{
        fmt::format("input_format: required with input; one of {}", finops::input_format_names())};
  const std::int64_t now_ms = static_cast<std::int64_t>(std::llround(env.now_s() * 1000));

  finops::ReadOptions read;
  if (auto since = arg_string(args, "since")) {
    auto t = time_arg("since", *since, now_ms);
    if (!t) return t.error();
    read.since_ms = *t;
  }
  if (auto until = arg_string(args, "until")) {
    auto t = time_arg("until", *until, now_ms);
    if (!t) return t.error();
    read.until_ms = *t;
  }
  if (read.since_ms >= read.until_ms) return Error{"since: must be before until"};

  finops::AnalyzeOptions options;
  options.by = arg_strings(args, "by");
  if (options.by.empty()) options.by = {"model"};
  if (auto st = finops::check_group_fields(options.by); !st.ok()) return st.error().wrap("by");
  options.what_if = arg_bool(args, "what_if");  // the CLI sets it for --emit-gateway-config
  options.anomalies = arg_bool(args, "anomalies");
  options.sensitivity = arg_number(args, "sensitivity").value_or(3.5);
  options.top_groups = static_cast<int>(arg_integer(args, "top").value_or(0));
  options.what_ifs.response_cache_ttl_s = arg_integer(args, "cache_ttl_s").value_or(3600);
  options.what_ifs.self_hosting = arg_bool(args, "self_hosting", true);
  for (const auto& s : arg_strings(args, "batch_eligible")) {
    if (s.find('=') == std::string::npos)
      return Error{fmt::format(
          "batch_eligible: '{}' is not FIELD=VALUE (e.g. tag:latency=batch, key=nightly)", s)};
    options.what_ifs.batch_selectors.push_back(s);
  }
  if (read.since_ms != std::numeric_limits<std::int64_t>::min())
    options.period_start_ms = read.since_ms;
  if (read.until_ms != std::numeric_limits<std::int64_t>::max())
    options.period_end_ms = read.until_ms;

  // Rows read so far, as MCP progress (the reader calls back every few hundred thousand rows).
  auto progress = [&env](long long done, long long total) {
    env.progress(static_cast<double>(done), static_cast<double>(total), "rows read");
  };
  finops::Ingest in;
  if (input) {
    auto format = finops::parse_input_format(*input_format);
    if (!format) return format.error().wrap("input_format");
    if (auto map = arg_string(args, "map")) {
      if (*format != finops::InputFormat::kCsv)
        return Error{"map: applies to input_format csv only"};
      auto m = finops::parse_mapping(*map);
      if (!m) return m.error().wrap("map");
      read.mapping = *m;
    }
    auto path = env.files.readable(*input);
    if (!path) return path.error();
    read.name = *input;
    if (*format == finops::InputFormat::kLlmctl) {
      if (auto st = finops::read_request_log(path->string(), read, in, progress); !st.ok())
        return st.error();
    } else {
      auto text = read_text(*path, *input);
      if (!text) return text.error();
      if (auto st = finops::parse_input(*format, *text, read, in); !st.ok()) return st.error();
    }
  } else {
    const std::string name = db.value_or("llmctl.db");
    auto path = env.files.readable(name);
    if (!path) return path.error();
    if (!fs::exists(*path))
      return Error{fmt::format(
          "{}: no request log here; run the gateway (`llmctl up`) or give db FILE, or input FILE "
          "with input_format ({})",
          name, finops::input_format_names())};
    read.name = name;
    if (auto st = finops::read_request_log(path->string(), read, in, progress); !st.ok())
      return st.error();
  }
  if (env.cancelled()) return Error{std::string(kCancelledMessage)};

  std::vector<finops::GpuSample> gpu;
  std::vector<std::string> gpu_rejected;  // the CLI prints these on stderr; here they are notes
  if (auto gm = arg_string(args, "gpu_metrics")) {
    auto path = env.files.readable(*gm);
    if (!path) return path.error();
    auto text = read_text(*path, *gm);
    if (!text) return text.error();
    auto samples = finops::parse_gpu_metrics(*text, *gm, gpu_rejected);
    if (!samples) return samples.error();
    gpu = std::move(*samples);
  }

  finops::PricingSummary pricing = finops::price_rows(in.table, cat);
  if (env.cancelled()) return Error{std::string(kCancelledMessage)};
  auto report = finops::analyze(in, pricing, cat, options, gpu);
  if (!report) return report.error();
  for (const auto& r : gpu_rejected) report->notes.push_back("gpu_metrics: rejected: " + r);
  return CostsRun{std::move(in), std::move(*report), read.name};
}

Status check_strict(const json::object& args, const finops::Ingest& in) {
  if (!arg_bool(args, "strict") || in.rows_rejected == 0) return {};
  return Error{fmt::format("strict: {} rows rejected; first: {}", in.rows_rejected,
                           in.errors.empty() ? "" : in.errors.front())};
}

namespace {

Result<json::value> run_costs(const json::object& args, const ToolEnv& env) {
  auto run = run_costs_analysis(args, env);
  if (!run) return run.error();
  if (auto st = check_strict(args, run->in); !st.ok()) return st.error();
  return finops::to_json(run->report);
}

}  // namespace

const std::vector<Param>& costs_params() {
  static const std::vector<Param> params = {
      Param::string("db",
                    "The gateway's SQLite request log (default llmctl.db when no input "
                    "is given)"),
      Param::string("input", "A usage export or log file instead of the request log"),
      Param::string("input_format", "Format of input").one_of(format_names()),
      Param::string("map", "For input_format csv: field=column,... (fields: " +
                               finops::csv_mapping_fields() + ")"),
      Param::string("since", "Start: RFC 3339, YYYY-MM-DD, or 7d/24h/30m before now"),
      Param::string("until", "End, exclusive (same forms as since)"),
      Param::strings("by", "Group by these fields: " + finops::group_fields())
          .fallback(json::array{"model"}),
      Param::boolean("what_if",
                     "Compute what-if savings (caching, batching, model tiering, "
                     "self-hosting)"),
      Param::boolean("anomalies", "Find spend spikes, runaway sessions, spend on errors"),
      Param::number("sensitivity", "Robust z-score threshold for spikes")
          .min(0, true)
          .fallback(3.5),
      Param::integer("cache_ttl_s", "Response-cache entry lifetime for the what-if, seconds")
          .min(1)
          .fallback(3600),
      Param::integer("top", "Only the N groups with most spend (0: all)").min(0).fallback(0),
      Param::boolean("self_hosting", "Include the self-hosting what-if").fallback(true),
      Param::strings("batch_eligible",
                     "Requests that can wait for a batch API: FIELD=VALUE (tag:latency=batch, "
                     "key=nightly-eval)"),
      Param::string("gpu_metrics",
                    "GPU utilisation of self-hosted deployments (CSV or Prometheus query_range "
                    "JSON of DCGM_FI_DEV_GPU_UTIL) for the idle-GPU what-if"),
      Param::boolean("strict", "Fail when any input row is rejected"),
  };
  return params;
}

Tool costs_tool() {
  Tool t;
  t.name = "costs";
  t.title = "AI spend analysis (FinOps)";
  t.description =
      "Attribute LLM spend by model, team, feature, key or any request field from the llmctl "
      "gateway's request log or a provider/tool export (OpenAI, Anthropic, LiteLLM, Langfuse, "
      "Helicone, OTLP, CSV), priced with the catalog; optionally find anomalies and what-if "
      "savings (prompt caching, response caching, batch API, model tiering, self-hosting) and "
      "forecast the month. Same as `llmctl costs --format json`.";
  t.params = costs_params();
  t.output_schema = schema_literal(kOutputSchema);
  t.hints.idempotent = false;  // the request log grows while the gateway runs
  t.run = run_costs;
  return t;
}

}  // namespace llmctl::agent
