// `llmctl audit PATH...`: walk the tree, hand each candidate file's text to the audit core
// (src/audit, pure), merge the project facts, apply the baseline and render text, JSON or SARIF.
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

constexpr std::uintmax_t kMaxFileBytes = 4 * 1024 * 1024;

struct AuditOpts {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string fail_on = "error";
  std::string baseline, write_baseline, explain;
  std::vector<std::string> rules, excludes;
  bool list_rules = false;
  int jobs = 0;
};

struct Entry {
  std::string display;  // what findings name
  std::string rel;      // relative to the audited root
  fs::path path;
};

bool skipped_dir(const std::string& name) {
  if (name == ".github") return false;
  if (!name.empty() && name[0] == '.') return true;  // .git, .venv, .tox, .mypy_cache, ...
  for (std::string_view d : {"node_modules", "venv", "__pycache__", "site-packages"})
    if (name == d) return true;
  return false;
}

bool excluded(const std::vector<std::string>& globs, const std::string& rel) {
  std::string base = fs::path(rel).filename().string();
  for (const auto& g : globs)
    if (fnmatch(g.c_str(), rel.c_str(), 0) == 0 || fnmatch(g.c_str(), base.c_str(), 0) == 0)
      return true;
  return false;
}

// What findings call a file: the argument as given joined with the path below it, without
// "./"; absolute arguments under the working directory become relative. String work only: the
// walk must not cost a syscall per file beyond the directory reads.
std::string display_root(const std::string& arg) {
  fs::path p = fs::path(arg).lexically_normal();
  if (p.is_absolute()) {
    std::error_code ec;
    fs::path r = fs::relative(p, fs::current_path(ec), ec);
    if (!ec && !r.empty() && !starts_with(r.generic_string(), "..")) p = r;
  }
  std::string s = p.generic_string();
  if (s == "." || s == "./") return "";
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

std::string display_of(const std::string& root, const std::string& rel) {
  if (root.empty()) return rel;
  return rel.empty() ? root : root + "/" + rel;
}

Result<std::vector<Entry>> collect(const AuditOpts& o) {
  std::vector<Entry> out;
  for (const auto& arg : o.paths) {
    std::error_code ec;
    fs::file_status st = fs::status(arg, ec);
    if (ec || !fs::exists(st)) return Error{fmt::format("{}: no such file or directory", arg)};
    std::string root = display_root(arg);
    if (fs::is_regular_file(st)) {
      std::string rel = fs::path(arg).filename().string();
      if (!excluded(o.excludes, rel)) out.push_back({display_of(root, ""), rel, fs::path(arg)});
      continue;
    }
    fs::recursive_directory_iterator it(arg, fs::directory_options::skip_permission_denied, ec);
    if (ec) return Error{fmt::format("{}: {}", arg, ec.message())};
    const size_t prefix =
        it == fs::recursive_directory_iterator()
            ? 0
            : it->path().generic_string().size() - it->path().filename().generic_string().size();
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      const fs::directory_entry& e = *it;
      std::string name = e.path().filename().string();
      std::string rel = e.path().generic_string().substr(prefix);
      if (e.is_directory(ec)) {
        if (skipped_dir(name) || excluded(o.excludes, rel)) it.disable_recursion_pending();
        continue;
      }
      if (!e.is_regular_file(ec) || !audit::is_candidate_file(name)) continue;
      if (excluded(o.excludes, rel)) continue;
      out.push_back({display_of(root, rel), rel, e.path()});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Entry& a, const Entry& b) { return a.display < b.display; });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const Entry& a, const Entry& b) { return a.display == b.display; }),
            out.end());
  return out;
}

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
  audit::Options opts;
  for (const auto& r : o.rules) {
    for (const auto& id : split(r, ',')) {
      std::string u = trim(id);
      for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (u.empty()) continue;
      if (!audit::find_rule(u)) return input_error(Error{fmt::format("--rule: no rule '{}'", id)});
      opts.rules.insert(u);
    }
  }
  auto threshold = audit::parse_severity(o.fail_on);
  std::set<std::string> baseline;
  if (!o.baseline.empty()) {
    std::ifstream in(o.baseline, std::ios::binary);
    if (!in) return input_error(Error{fmt::format("{}: cannot read the baseline", o.baseline)});
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto parsed = audit::parse_baseline(text);
    if (!parsed) return input_error(parsed.error().wrap(o.baseline));
    baseline = std::move(*parsed);
  }
  auto cat = load_catalog(ctx.global);
  if (!cat) return input_error(cat.error());
  AuditOpts walk = o;
  if (walk.paths.empty()) walk.paths.push_back(".");
  auto entries = collect(walk);
  if (!entries) return input_error(entries.error());

  const audit::Auditor auditor(*cat, opts);
  std::vector<audit::FileResult> results(entries->size());
  std::vector<char> read_ok(entries->size(), 0);
  std::atomic<size_t> next{0};
  int threads =
      o.jobs > 0
          ? o.jobs
          : static_cast<int>(std::max(1u, std::min(8u, std::thread::hardware_concurrency())));
  auto worker = [&] {
    std::string buf;
    while (true) {
      size_t i = next.fetch_add(1);
      if (i >= entries->size()) return;
      const Entry& e = (*entries)[i];
      std::error_code ec;
      auto size = fs::file_size(e.path, ec);
      if (ec || size > kMaxFileBytes) continue;
      std::ifstream in(e.path, std::ios::binary);
      if (!in) continue;
      buf.resize(size);
      in.read(buf.data(), static_cast<std::streamsize>(size));
      buf.resize(static_cast<size_t>(in.gcount()));
      results[i] = auditor.audit_file(e.display, e.rel, buf);
      read_ok[i] = 1;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();

  audit::Report report;
  audit::ProjectFacts facts;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!read_ok[i]) continue;
    auto& r = results[i];
    ++report.summary.files_scanned;
    if (!r.skipped.empty()) {
      ++report.summary.files_skipped;
      report.summary.skipped.push_back({(*entries)[i].display, r.skipped});
    }
    ++report.summary.files_by_kind[std::string(audit::input_kind_name(r.kind))];
    report.summary.suppressed += r.suppressed;
    for (auto& f : r.findings) report.findings.push_back(std::move(f));
    facts.merge(std::move(r.facts));
  }
  for (auto& f : auditor.finish(facts)) report.findings.push_back(std::move(f));
  audit::sort_findings(report.findings);

  if (!o.write_baseline.empty()) {
    std::ofstream out(o.write_baseline, std::ios::binary | std::ios::trunc);
    out << audit::write_baseline(report.findings);
    if (!out) return input_error(Error{fmt::format("{}: cannot write", o.write_baseline)});
    fmt::print(stderr, "llmctl: wrote {} finding(s) to the baseline {}\n", report.findings.size(),
               o.write_baseline);
    return kExitOk;
  }
  report.summary.baselined = audit::apply_baseline(report.findings, baseline);

  if (o.format == "json") {
    std::cout << audit::render_json(report);
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
