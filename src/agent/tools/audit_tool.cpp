#include "agent/tools/audit_tool.h"

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <thread>

#include "audit/audit.h"
#include "audit/rules.h"
#include "common/strings.h"

namespace llmctl::agent {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr std::uintmax_t kMaxFileBytes = 4 * 1024 * 1024;
constexpr std::size_t kProgressEvery = 64;  // files

struct Entry {
  std::string display;  // what findings name
  std::string rel;      // relative to the audited root
  fs::path path;
  const std::string* inline_text = nullptr;  // passed in the arguments, not read from disk
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

Result<std::vector<Entry>> collect(const std::vector<std::string>& args,
                                   const std::vector<std::string>& excludes,
                                   const FileAccess& files) {
  std::vector<Entry> out;
  for (const auto& arg : args) {
    auto real = files.readable(arg);
    if (!real) return real.error();
    std::error_code ec;
    fs::file_status st = fs::status(*real, ec);
    if (ec || !fs::exists(st)) return Error{fmt::format("{}: no such file or directory", arg)};
    std::string root = display_root(arg);
    if (fs::is_regular_file(st)) {
      std::string rel = fs::path(arg).filename().string();
      if (!excluded(excludes, rel)) out.push_back({display_of(root, ""), rel, *real});
      continue;
    }
    fs::recursive_directory_iterator it(*real, fs::directory_options::skip_permission_denied, ec);
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
        if (skipped_dir(name) || excluded(excludes, rel)) it.disable_recursion_pending();
        continue;
      }
      if (!e.is_regular_file(ec) || !audit::is_candidate_file(name)) continue;
      if (excluded(excludes, rel)) continue;
      out.push_back({display_of(root, rel), rel, e.path()});
    }
  }
  return out;
}

constexpr std::string_view kOutputSchema = R"json({
  "type": "object",
  "required": ["findings", "summary"],
  "additionalProperties": false,
  "properties": {
    "findings": {
      "type": "array",
      "items": {
        "type": "object",
        "required": ["rule", "severity", "file", "line", "column", "message", "fix", "fingerprint"],
        "additionalProperties": false,
        "properties": {
          "rule": {"type": "string", "description": "rule id; `llmctl audit --explain ID` or the explain tool says why"},
          "severity": {"enum": ["error", "warning", "note"]},
          "file": {"type": "string"},
          "line": {"type": "integer"},
          "column": {"type": "integer"},
          "message": {"type": "string"},
          "fix": {"type": "string"},
          "fingerprint": {"type": "string"}
        }
      }
    },
    "summary": {
      "type": "object",
      "required": ["files_scanned", "files_skipped", "findings", "by_severity", "by_rule",
                   "suppressed", "baselined", "files_by_kind"],
      "properties": {
        "files_scanned": {"type": "integer"},
        "files_skipped": {"type": "integer"},
        "skipped": {"type": "array", "description": "files that could not be parsed, and why",
                    "items": {"type": "object", "required": ["file", "reason"],
                              "properties": {"file": {"type": "string"},
                                             "reason": {"type": "string"}}}},
        "findings": {"type": "integer"},
        "by_severity": {"type": "object"},
        "by_rule": {"type": "object"},
        "suppressed": {"type": "integer"},
        "baselined": {"type": "integer"},
        "files_by_kind": {"type": "object"}
      }
    }
  }
})json";

}  // namespace

const std::vector<Param>& audit_params() {
  static const std::vector<Param> params = {
      Param::strings("paths",
                     "Files or directories to audit (default: the server's folder when no files "
                     "are given)"),
      Param::objects(
          "files", "File contents to audit, passed inline",
          json::object{
              {"type", "object"},
              {"required", json::array{"path", "content"}},
              {"additionalProperties", false},
              {"properties", json::object{{"path", json::object{{"type", "string"},
                                                                {"minLength", 1},
                                                                {"description",
                                                                 "name for findings; the extension "
                                                                 "and folder tell the file kind"}}},
                                          {"content", json::object{{"type", "string"}}}}}}),
      Param::strings("rules", "Only these rule ids"),
      Param::strings("exclude", "Skip paths matching these globs (relative path or file name)"),
      Param::string("baseline", "Ignore findings whose fingerprints this baseline file lists"),
      Param::integer("jobs", "Worker threads (default: the hardware's, at most 8)").min(1).max(256),
  };
  return params;
}

Result<audit::Report> run_audit(const json::object& args, const ToolEnv& env) {
  audit::Options opts;
  for (const auto& r : arg_strings(args, "rules")) {
    for (const auto& id : split(r, ',')) {
      std::string u = trim(id);
      for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (u.empty()) continue;
      if (!audit::find_rule(u)) return Error{fmt::format("rules: no rule '{}'", id)};
      opts.rules.insert(u);
    }
  }
  std::set<std::string> baseline;
  if (auto path = arg_string(args, "baseline")) {
    auto real = env.files.readable(*path);
    if (!real) return real.error();
    std::ifstream in(*real, std::ios::binary);
    if (!in) return Error{fmt::format("{}: cannot read the baseline", *path)};
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto parsed = audit::parse_baseline(text);
    if (!parsed) return parsed.error().wrap(*path);
    baseline = std::move(*parsed);
  }

  // Inline files first-class: they are what an agent without filesystem access sends.
  std::vector<std::pair<std::string, std::string>> inline_files;
  if (const json::value* files = args.if_contains("files"))
    for (const auto& f : files->as_array()) {
      const json::object& o = f.as_object();
      const json::value* path = o.if_contains("path");
      const json::value* content = o.if_contains("content");
      if (!path || !path->is_string() || path->as_string().empty() || !content ||
          !content->is_string())
        return Error{"files: each item needs a path and a content string"};
      inline_files.emplace_back(std::string(path->as_string()), std::string(content->as_string()));
    }
  std::vector<std::string> paths = arg_strings(args, "paths");
  if (paths.empty() && inline_files.empty()) paths.push_back(".");
  auto entries = collect(paths, arg_strings(args, "exclude"), env.files);
  if (!entries) return entries.error();
  for (const auto& [path, text] : inline_files)
    entries->push_back({path, path, fs::path(path), &text});
  std::sort(entries->begin(), entries->end(),
            [](const Entry& a, const Entry& b) { return a.display < b.display; });
  entries->erase(std::unique(entries->begin(), entries->end(),
                             [](const Entry& a, const Entry& b) { return a.display == b.display; }),
                 entries->end());

  const audit::Auditor auditor(*env.catalog, opts);
  const std::size_t total = entries->size();
  std::vector<audit::FileResult> results(total);
  std::vector<char> read_ok(total, 0);
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  const long jobs = arg_integer(args, "jobs").value_or(0);
  const int threads =
      jobs > 0 ? static_cast<int>(jobs)
               : static_cast<int>(std::max(1u, std::min(8u, std::thread::hardware_concurrency())));
  // `reporter`: only the calling thread talks to the CallControl (it need not be thread-safe).
  auto worker = [&](bool reporter) {
    std::string buf;
    while (!stop.load(std::memory_order_relaxed)) {
      size_t i = next.fetch_add(1);
      if (i >= total) return;
      if (reporter && i % kProgressEvery == 0 && i > 0) {
        if (env.cancelled()) {
          stop = true;
          return;
        }
        env.progress(static_cast<double>(i), static_cast<double>(total),
                     fmt::format("{} of {} files", i, total));
      }
      const Entry& e = (*entries)[i];
      if (e.inline_text) {
        results[i] = auditor.audit_file(e.display, e.rel, *e.inline_text);
        read_ok[i] = 1;
        continue;
      }
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
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker, false);
  worker(true);
  for (auto& t : pool) t.join();
  if (stop || env.cancelled()) return Error{std::string(kCancelledMessage)};

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
  report.summary.baselined = audit::apply_baseline(report.findings, baseline);
  return report;
}

json::value audit_json(const audit::Report& report) {
  return json::parse(audit::render_json(report));
}

Tool audit_tool() {
  Tool t;
  t.name = "audit";
  t.title = "AI-ops audit";
  t.description =
      "Lint LLM serving manifests (Kubernetes, KServe, Helm production-stack, compose, "
      "SkyPilot), gateway configs (llmctl, LiteLLM), Prometheus alerts, Grafana dashboards, CI "
      "workflows and LLM client code (Python, JS/TS, Go) for AI-ops anti-patterns: no timeouts, "
      "no output caps, single-provider lock-in, undersized KV cache, missing alerts, unpinned "
      "actions, ... Pass paths, or file contents inline. Same as `llmctl audit --format json`.";
  t.params = audit_params();
  t.output_schema = schema_literal(kOutputSchema);
  t.run = [](const json::object& args, const ToolEnv& env) -> Result<json::value> {
    auto report = run_audit(args, env);
    if (!report) return report.error();
    return audit_json(*report);
  };
  return t;
}

}  // namespace llmctl::agent
