#include "audit/report.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cctype>

#include "audit/rules.h"
#include "common/json_writer.h"

namespace llmctl::audit {
namespace {

namespace json = boost::json;

std::string sarif_level(Severity s) {
  return std::string(severity_name(s));  // SARIF levels: error | warning | note
}

// Percent-encodes a relative path for a SARIF artifactLocation.uri.
std::string uri_path(std::string_view p) {
  std::string out;
  for (unsigned char c : p) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == '\\') {
      out += '/';
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string camel(std::string_view title) {
  std::string out;
  bool up = true;
  for (char c : title) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      up = false;
    } else {
      up = true;
    }
  }
  return out;
}

json::object counts(const std::vector<Finding>& findings) {
  json::object by_sev{{"error", 0}, {"warning", 0}, {"note", 0}};
  for (const auto& f : findings) {
    auto& v = by_sev[severity_name(f.severity)];
    v = v.as_int64() + 1;
  }
  return by_sev;
}

}  // namespace

std::string render_text(const Report& report, bool color) {
  auto paint = [&](std::string_view code, std::string_view s) {
    return color ? fmt::format("\033[{}m{}\033[0m", code, s) : std::string(s);
  };
  std::string out;
  for (const auto& f : report.findings) {
    std::string_view sev = severity_name(f.severity);
    std::string_view code = f.severity == Severity::kError     ? "1;31"
                            : f.severity == Severity::kWarning ? "1;33"
                                                               : "1;36";
    out += fmt::format("{}:{}:{}: {} {} {}\n", f.file, f.line, f.column, paint(code, sev),
                       paint("1", f.rule), f.message);
    if (!f.fix.empty()) out += fmt::format("    fix: {}\n", f.fix);
  }
  json::object c = counts(report.findings);
  const Summary& s = report.summary;
  out += fmt::format(
      "{} finding{} ({} error, {} warning, {} note) in {} file{} scanned{}{}{}\n",
      report.findings.size(), report.findings.size() == 1 ? "" : "s", c["error"].as_int64(),
      c["warning"].as_int64(), c["note"].as_int64(), s.files_scanned,
      s.files_scanned == 1 ? "" : "s",
      s.suppressed ? fmt::format("; {} suppressed inline", s.suppressed) : "",
      s.baselined ? fmt::format("; {} in the baseline", s.baselined) : "",
      s.files_skipped ? fmt::format("; {} unparsable file(s) skipped", s.files_skipped) : "");
  for (const auto& k : s.skipped) out += fmt::format("skipped {}: {}\n", k.file, k.reason);
  return out;
}

std::string render_json(const Report& report) {
  json::array findings;
  for (const auto& f : report.findings)
    findings.push_back(json::object{{"rule", f.rule},
                                    {"severity", severity_name(f.severity)},
                                    {"file", f.file},
                                    {"line", f.line},
                                    {"column", f.column},
                                    {"message", f.message},
                                    {"fix", f.fix},
                                    {"fingerprint", f.fingerprint}});
  json::object by_rule;
  for (const auto& f : report.findings) {
    auto& v = by_rule[f.rule];
    v = v.is_null() ? 1 : v.as_int64() + 1;
  }
  json::object kinds;
  for (const auto& [k, n] : report.summary.files_by_kind) kinds[k] = n;
  const Summary& s = report.summary;
  json::array skipped;
  for (const auto& k : s.skipped)
    skipped.push_back(json::object{{"file", k.file}, {"reason", k.reason}});
  json::object summary{{"files_scanned", s.files_scanned},
                       {"files_skipped", s.files_skipped},
                       {"skipped", skipped},
                       {"findings", report.findings.size()},
                       {"by_severity", counts(report.findings)},
                       {"by_rule", by_rule},
                       {"suppressed", s.suppressed},
                       {"baselined", s.baselined},
                       {"files_by_kind", kinds}};
  return to_pretty_json(json::object{{"findings", findings}, {"summary", summary}});
}

std::string render_sarif(const Report& report, std::string_view tool_version,
                         std::string_view src_root_uri) {
  json::array rules;
  std::map<std::string, size_t> index;
  for (const auto& r : all_rules()) {
    index[std::string(r.id)] = rules.size();
    std::string help =
        fmt::format("{}\n\nWhy: {}\n\nFix: {}\n\nExample:\n{}", r.detects, r.why, r.fix, r.example);
    std::string md = fmt::format("**{}** ({})\n\n{}\n\n**Why.** {}\n\n**Fix.** {}\n\n```\n{}\n```",
                                 r.title, r.id, r.detects, r.why, r.fix, r.example);
    rules.push_back(json::object{
        {"id", r.id},
        {"name", camel(r.title)},
        {"shortDescription", json::object{{"text", r.title}}},
        {"fullDescription", json::object{{"text", r.detects}}},
        {"help", json::object{{"text", help}, {"markdown", md}}},
        {"defaultConfiguration", json::object{{"level", sarif_level(r.severity)}}},
        {"properties",
         json::object{{"tags", json::array{"llmctl", r.category}}, {"precision", "high"}}}});
  }
  json::array results;
  for (const auto& f : report.findings) {
    json::object loc{
        {"physicalLocation",
         json::object{{"artifactLocation",
                       json::object{{"uri", uri_path(f.file)}, {"uriBaseId", "%SRCROOT%"}}},
                      {"region", json::object{{"startLine", f.line}, {"startColumn", f.column}}}}}};
    json::object res{
        {"ruleId", f.rule},
        {"level", sarif_level(f.severity)},
        {"message",
         json::object{{"text", f.fix.empty() ? f.message : f.message + ". Fix: " + f.fix}}},
        {"locations", json::array{loc}},
        {"partialFingerprints", json::object{{"llmctlFingerprint/v1", f.fingerprint}}}};
    if (auto it = index.find(f.rule); it != index.end()) res["ruleIndex"] = it->second;
    results.push_back(std::move(res));
  }
  // Files the audit could not read: not findings, but said, so a clean run is not mistaken for a
  // checked one.
  json::array notes;
  for (const auto& k : report.summary.skipped)
    notes.push_back(json::object{
        {"level", "warning"},
        {"descriptor", json::object{{"id", "skipped-file"}}},
        {"message", json::object{{"text", "not audited: " + k.reason}}},
        {"locations",
         json::array{json::object{
             {"physicalLocation",
              json::object{{"artifactLocation", json::object{{"uri", uri_path(k.file)},
                                                             {"uriBaseId", "%SRCROOT%"}}}}}}}}});
  json::object run{
      {"invocations", json::array{json::object{{"executionSuccessful", true},
                                               {"toolExecutionNotifications", notes}}}},
      {"tool",
       json::object{{"driver", json::object{{"name", "llmctl-audit"},
                                            {"informationUri",
                                             "https://github.com/llmctl/llmctl/blob/main/docs/"
                                             "AUDIT.md"},
                                            {"version", tool_version},
                                            {"semanticVersion", tool_version},
                                            {"rules", rules}}}}},
      {"originalUriBaseIds", json::object{{"%SRCROOT%", json::object{{"uri", src_root_uri}}}}},
      {"results", results},
      {"columnKind", "utf16CodeUnits"}};
  return to_pretty_json(json::object{{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                                     {"version", "2.1.0"},
                                     {"runs", json::array{run}}});
}

std::string write_baseline(const std::vector<Finding>& findings) {
  json::array list;
  for (const auto& f : findings)
    list.push_back(json::object{
        {"rule", f.rule}, {"file", f.file}, {"line", f.line}, {"fingerprint", f.fingerprint}});
  return to_pretty_json(json::object{{"version", 1}, {"tool", "llmctl audit"}, {"findings", list}});
}

Result<std::set<std::string>> parse_baseline(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Error{fmt::format("baseline is not JSON: {}", ec.message())};
  if (!v.is_object()) return Error{"baseline: expected a JSON object with \"findings\""};
  std::set<std::string> out;
  const auto& o = v.as_object();
  if (auto* fl = o.if_contains("findings"); fl && fl->is_array()) {
    for (const auto& f : fl->as_array()) {
      const json::value* fp = f.is_object() ? f.as_object().if_contains("fingerprint") : nullptr;
      if (!fp || !fp->is_string())
        return Error{"baseline: every entry of \"findings\" needs a string \"fingerprint\""};
      out.insert(std::string(fp->as_string()));
    }
    return out;
  }
  if (auto* fl = o.if_contains("fingerprints"); fl && fl->is_array()) {
    for (const auto& f : fl->as_array())
      if (f.is_string()) out.insert(std::string(f.as_string()));
    return out;
  }
  return Error{"baseline: expected a \"findings\" array"};
}

int apply_baseline(std::vector<Finding>& findings, const std::set<std::string>& baseline) {
  size_t before = findings.size();
  findings.erase(
      std::remove_if(findings.begin(), findings.end(),
                     [&](const Finding& f) { return baseline.count(f.fingerprint) > 0; }),
      findings.end());
  return static_cast<int>(before - findings.size());
}

}  // namespace llmctl::audit
