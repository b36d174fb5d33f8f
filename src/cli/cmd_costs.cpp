// `llmctl costs`: the FinOps analyst. Reads the request log or a usage export, prices every row
// with the catalog, and renders attribution, anomalies and what-if savings (finops/report.h)
// as text, JSON, HTML or FOCUS CSV; optionally writes the gateway config that carries out the
// savings. The command only parses flags, reads files and writes outputs.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/app.h"
#include "common/json_writer.h"
#include "common/strings.h"
#include "finops/gpu_metrics.h"
#include "finops/ingest.h"
#include "finops/pricing.h"
#include "finops/render.h"
#include "finops/report.h"
#include "finops/request_log_reader.h"

namespace llmctl::cli {
namespace {

namespace fs = std::filesystem;

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("cannot read '{}'", path)};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes through a temporary file and a rename, so a reader never sees half a file.
Status write_file(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Error{fmt::format("cannot write '{}'", path)};
    out << text;
    if (!out.flush()) return Error{fmt::format("cannot write '{}'", path)};
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Error{fmt::format("cannot write '{}': {}", path, ec.message())};
  return {};
}

// --since/--until: RFC 3339, a date, or "7d" / "24h" / "30m" before now.
Result<std::int64_t> parse_time_flag(const std::string& flag, const std::string& v,
                                     std::int64_t now_ms) {
  if (!v.empty() && (v.back() == 'd' || v.back() == 'h' || v.back() == 'm') &&
      v.find_first_not_of("0123456789.") == v.size() - 1) {
    double n = std::stod(v.substr(0, v.size() - 1));
    double unit = v.back() == 'd' ? 86400000.0 : v.back() == 'h' ? 3600000.0 : 60000.0;
    return now_ms - static_cast<std::int64_t>(n * unit);
  }
  auto t = finops::parse_timestamp(v);
  if (!t)
    return Error{fmt::format("{}: {}; or a duration before now such as 7d, 24h, 30m", flag,
                             t.error().message)};
  return *t;
}

class ProgressBar {
 public:
  explicit ProgressBar(std::string label) : label_(std::move(label)), tty_(isatty(2) != 0) {}
  void operator()(long long done, long long total) {
    if (!tty_ || total <= 0) return;
    int width = 30;
    int fill = static_cast<int>(static_cast<double>(done) / static_cast<double>(total) * width);
    fmt::print(stderr, "\r{} [{}{}] {:3.0f}% {}/{} rows", label_, std::string(fill, '#'),
               std::string(width - fill, ' '),
               100.0 * static_cast<double>(done) / static_cast<double>(total),
               group_thousands(done), group_thousands(total));
    if (done >= total) fmt::print(stderr, "\n");
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

int run(const Context& ctx, const Opts& o) {
  const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  if (!o.db.empty() && !o.input.empty())
    return input_error(Error{"give either --db FILE or --input FILE, not both"});
  if (!o.input.empty() && o.input_format.empty())
    return input_error(Error{
        fmt::format("--input needs --input-format: one of {}", finops::input_format_names())});
  if (o.format != "text" && o.format != "json" && o.format != "html" && o.format != "focus")
    return input_error(
        Error{fmt::format("--format: expected text, json, html or focus, found '{}'", o.format)});
  finops::ReadOptions read;
  if (!o.since.empty()) {
    auto t = parse_time_flag("--since", o.since, now_ms);
    if (!t) return input_error(t.error());
    read.since_ms = *t;
  }
  if (!o.until.empty()) {
    auto t = parse_time_flag("--until", o.until, now_ms);
    if (!t) return input_error(t.error());
    read.until_ms = *t;
  }
  if (read.since_ms >= read.until_ms) return input_error(Error{"--since must be before --until"});
  finops::AnalyzeOptions options;
  options.by = split(o.by, ',');
  for (auto& b : options.by) b = trim(b);
  if (auto st = finops::check_group_fields(options.by); !st.ok()) return input_error(st.error());
  options.what_if = o.what_if || !o.emit_gateway_config.empty();
  options.anomalies = o.anomalies;
  options.sensitivity = o.sensitivity;
  options.top_groups = o.top;
  options.what_ifs.response_cache_ttl_s = o.cache_ttl_s;
  options.what_ifs.self_hosting = !o.no_self_hosting;
  if (!o.batch_eligible.empty()) {
    for (auto s : split(o.batch_eligible, ',')) {
      s = trim(s);
      if (s.find('=') == std::string::npos)
        return input_error(Error{fmt::format(
            "--batch-eligible: '{}' is not FIELD=VALUE (e.g. tag:latency=batch, key=nightly)", s)});
      options.what_ifs.batch_selectors.push_back(s);
    }
  }
  if (read.since_ms != std::numeric_limits<std::int64_t>::min())
    options.period_start_ms = read.since_ms;
  if (read.until_ms != std::numeric_limits<std::int64_t>::max())
    options.period_end_ms = read.until_ms;

  auto cat = load_catalog(ctx.global);
  if (!cat) return input_error(cat.error());

  finops::Ingest in;
  if (!o.input.empty()) {
    auto fmt_ = finops::parse_input_format(o.input_format);
    if (!fmt_) return input_error(fmt_.error());
    if (!o.map.empty()) {
      if (*fmt_ != finops::InputFormat::kCsv)
        return input_error(Error{"--map applies to --input-format csv only"});
      auto m = finops::parse_mapping(o.map);
      if (!m) return input_error(m.error());
      read.mapping = *m;
    }
    read.name = o.input;
    if (*fmt_ == finops::InputFormat::kLlmctl) {
      ProgressBar bar("reading " + o.input);
      if (auto st = finops::read_request_log(o.input, read, in, std::ref(bar)); !st.ok())
        return input_error(st.error());
    } else {
      auto text = read_file(o.input);
      if (!text) return input_error(text.error());
      if (auto st = finops::parse_input(*fmt_, *text, read, in); !st.ok())
        return input_error(st.error());
    }
  } else {
    std::string db = o.db.empty() ? "llmctl.db" : o.db;
    if (!fs::exists(db))
      return input_error(Error{fmt::format(
          "{}: no request log here; run the gateway (`llmctl up`) or give --db FILE, or "
          "--input FILE --input-format NAME ({})",
          db, finops::input_format_names())});
    read.name = db;
    ProgressBar bar("reading " + db);
    if (auto st = finops::read_request_log(db, read, in, std::ref(bar)); !st.ok())
      return input_error(st.error());
  }
  for (const auto& e : in.errors) fmt::print(stderr, "llmctl: rejected: {}\n", e);
  if (in.rows_rejected > static_cast<long long>(in.errors.size()))
    fmt::print(stderr, "llmctl: ... {} rows rejected in all\n", in.rows_rejected);
  if (o.strict && in.rows_rejected > 0)
    return input_error(Error{fmt::format("{} rows rejected (--strict)", in.rows_rejected)});

  std::vector<finops::GpuSample> gpu;
  if (!o.gpu_metrics.empty()) {
    auto text = read_file(o.gpu_metrics);
    if (!text) return input_error(text.error());
    std::vector<std::string> rejected;
    auto samples = finops::parse_gpu_metrics(*text, o.gpu_metrics, rejected);
    if (!samples) return input_error(samples.error());
    for (const auto& r : rejected) fmt::print(stderr, "llmctl: rejected: {}\n", r);
    gpu = std::move(*samples);
  }

  finops::PricingSummary pricing = finops::price_rows(in.table, *cat);
  auto report = finops::analyze(in, pricing, *cat, options, gpu);
  if (!report) return input_error(report.error());

  if (!o.emit_gateway_config.empty()) {
    std::string cfg = finops::render_gateway_config(*report, in.table, *cat);
    if (auto st = write_file(o.emit_gateway_config, cfg); !st.ok()) return input_error(st.error());
    fmt::print(stderr, "llmctl: wrote the gateway config to {}\n", o.emit_gateway_config);
  }
  std::string text;
  if (o.format == "json")
    text = to_pretty_json(finops::to_json(*report));
  else if (o.format == "html")
    text = finops::render_html(*report);
  else if (o.format == "focus")
    text = finops::render_focus(in.table, *cat, read.name);
  else
    text = finops::render_text(*report, o.out.empty() && color_enabled());
  if (!o.out.empty()) {
    if (auto st = write_file(o.out, text); !st.ok()) return input_error(st.error());
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
                  "Robust z-score threshold for spikes (default 3.5)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--cache-ttl", o->cache_ttl_s,
                  "Response-cache entry lifetime in seconds for the what-if (default 3600)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--top", o->top, "Show only the N groups with most spend")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-self-hosting", o->no_self_hosting, "Skip the self-hosting what-if");
  cmd->add_flag("--strict", o->strict, "Exit 2 when any input row is rejected");
  cmd->callback([&ctx, o] { ctx.action = [&ctx, o] { return run(ctx, *o); }; });
}

namespace {
const CommandRegistrar kRegister(55, register_costs);
}  // namespace

}  // namespace llmctl::cli
