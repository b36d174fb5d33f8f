// `llmctl audit PATH...`: the `audit` tool (src/agent/tools/audit_tool.h) walks the tree, hands
// each candidate file's text to the audit core (src/audit, pure), merges the project facts and
// applies the baseline; this file renders text, JSON or SARIF, lists and explains rules.
// Exit 1 when a finding reaches --fail-on.
#include <fmt/format.h>
#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "agent/tools/audit_tool.h"
#include "audit/audit.h"
#include "audit/report.h"
#include "audit/rules.h"
#include "cli/app.h"
#include "cli/table.h"
#include "common/json_writer.h"
#include "common/strings.h"

#ifndef LLMCTL_VERSION
#define LLMCTL_VERSION "0.0.0"
#endif

namespace llmctl::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

struct AuditOpts {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string fail_on = "error";
  std::string baseline, write_baseline, explain;
  std::vector<std::string> rules, excludes;
  bool list_rules = false;
  int jobs = 0;
};

std::string file_uri(const fs::path& dir) {
  std::string p = dir.generic_string();
  std::string out = "file://";
  for (unsigned char c : p) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  if (out.back() != '/') out += '/';
  return out;
}

int explain(const std::string& id, const std::string& format) {
  const audit::RuleInfo* r = audit::find_rule(id);
  if (!r) {
    std::vector<std::string> ids;
    for (const auto& x : audit::all_rules()) ids.emplace_back(x.id);
    return input_error(
        Error{fmt::format("--explain: no rule '{}'; rules: {}", id, join(ids, ", "))});
  }
  if (format == "json") {
    std::cout << to_pretty_json(json::object{{"id", r->id},
                                             {"title", r->title},
                                             {"category", r->category},
                                             {"severity", audit::severity_name(r->severity)},
                                             {"detects", r->detects},
                                             {"why", r->why},
                                             {"fix", r->fix},
                                             {"example", r->example}});
    return kExitOk;
  }
  fmt::print("{} — {}\nseverity: {}   category: {}\n\n{}\n  {}\n\n{}\n  {}\n\n{}\n  {}\n\n{}\n",
             bold(std::string(r->id)), r->title, audit::severity_name(r->severity), r->category,
             bold("What it checks"), r->detects, bold("Why"), r->why, bold("Fix"), r->fix,
             bold("Example"));
  for (const auto& line : split(r->example, '\n')) fmt::print("  {}\n", line);
  return kExitOk;
}

int list_rules(const std::string& format) {
  if (format == "json") {
    json::array a;
    for (const auto& r : audit::all_rules())
      a.push_back(json::object{{"id", r.id},
                               {"severity", audit::severity_name(r.severity)},
                               {"category", r.category},
                               {"title", r.title}});
    std::cout << to_pretty_json(json::object{{"rules", a}});
    return kExitOk;
  }
  Table t({"ID", "SEVERITY", "CATEGORY", "TITLE"});
  for (const auto& r : audit::all_rules())
    t.add_row({std::string(r.id), std::string(audit::severity_name(r.severity)),
               std::string(r.category), std::string(r.title)});
  std::cout << t.render();
  return kExitOk;
}

int run_audit(const Context& ctx, const AuditOpts& o) {
  if (o.list_rules) return list_rules(o.format);
  if (!o.explain.empty()) return explain(o.explain, o.format);
  json::object args;
  auto list = [](const std::vector<std::string>& v) {
    json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
  };
  if (!o.paths.empty()) args["paths"] = list(o.paths);
  if (!o.rules.empty()) args["rules"] = list(o.rules);
  if (!o.excludes.empty()) args["exclude"] = list(o.excludes);
  // A new baseline records every finding, so the old one is not applied then.
  if (!o.baseline.empty() && o.write_baseline.empty()) args["baseline"] = o.baseline;
  if (o.jobs > 0) args["jobs"] = o.jobs;
  const auto& params = agent::audit_params();
  auto checked = agent::check_args(params, args);
  if (!checked) return input_error(flag_error(checked.error(), params));
  auto threshold = audit::parse_severity(o.fail_on);
  auto cat = load_catalog(ctx.global);
  if (!cat) return input_error(cat.error());
  agent::ToolEnv env;
  env.catalog = &*cat;
  auto result = agent::run_audit(*checked, env);
  if (!result) {
    Error e = result.error();
    if (starts_with(e.message, "rules: ")) e.message = "--rule: " + e.message.substr(7);
    return input_error(e);
  }
  audit::Report& report = *result;

  if (!o.write_baseline.empty()) {
    std::ofstream out(o.write_baseline, std::ios::binary | std::ios::trunc);
    out << audit::write_baseline(report.findings);
    if (!out) return input_error(Error{fmt::format("{}: cannot write", o.write_baseline)});
    fmt::print(stderr, "llmctl: wrote {} finding(s) to the baseline {}\n", report.findings.size(),
               o.write_baseline);
    return kExitOk;
  }

  if (o.format == "json") {
    std::cout << to_pretty_json(agent::audit_json(report));
  } else if (o.format == "sarif") {
    std::error_code ec;
    std::cout << audit::render_sarif(report, LLMCTL_VERSION, file_uri(fs::current_path(ec)));
  } else {
    std::cout << audit::render_text(report, color_enabled());
  }
  for (const auto& f : report.findings)
    if (f.severity >= *threshold) return kExitCheckFailed;
  return kExitOk;
}

void register_audit(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<AuditOpts>();
  auto* cmd = app.add_subcommand(
      "audit",
      "Lint LLM serving manifests, gateway configs, alerts, CI and LLM client code "
      "(rules: --list-rules, --explain ID)");
  cmd->add_option("paths", o->paths, "Files or directories to audit (default: .)");
  cmd->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif"}))
      ->default_val("text");
  cmd->add_option("--fail-on", o->fail_on, "Exit 1 when a finding is at least this severe")
      ->check(CLI::IsMember({"error", "warning", "note"}))
      ->default_val("error");
  cmd->add_option("--baseline", o->baseline,
                  "Ignore findings whose fingerprints this baseline file lists");
  cmd->add_option("--write-baseline", o->write_baseline,
                  "Write the current findings' fingerprints to FILE and exit 0");
  cmd->add_option("--rule", o->rules, "Only these rule ids (repeatable, or comma-separated)")
      ->allow_extra_args(false)
      ->delimiter(',');
  cmd->add_option("--exclude", o->excludes,
                  "Skip paths matching this glob (relative path or file name; repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--explain", o->explain, "Print what a rule checks, why, and how to fix it");
  cmd->add_flag("--list-rules", o->list_rules, "List every rule");
  cmd->add_option("--jobs", o->jobs, "Worker threads (default: the hardware's, at most 8)")
      ->check(CLI::Range(1, 256));
  cmd->callback([&ctx, o] { ctx.action = [&ctx, o] { return run_audit(ctx, *o); }; });
}

const CommandRegistrar kRegister(50, register_audit);

}  // namespace
}  // namespace llmctl::cli
