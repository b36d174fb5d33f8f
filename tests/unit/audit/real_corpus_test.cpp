// The real-world corpus (tests/data/audit-real/): verbatim files from public repositories of
// this field (SOURCES.md) and a hand judgement of every finding the audit reports on them
// (JUDGEMENTS.md: true / false / debatable, with the reason). Each <owner>__<repository>/ folder
// is audited as one project, the way the CLI audits a checkout. The test fails when a finding is
// not judged (a rule change produced something new: judge it), when a finding judged true is no
// longer reported, when a finding judged false has error severity, or when precision over the
// judged findings (true / (true + false); debatable ones excluded) falls below 95%. It prints
// the per-rule table for the development set and for the held-out set. The held-out set gates
// only on completeness (every finding judged, no judged-true finding lost): its precision and
// false errors are a measurement, and a threshold on them would make it a second dev set.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "audit/audit.h"
#include "audit/rules.h"
#include "catalog/loader.h"

namespace llmctl::audit {
namespace {

namespace fs = std::filesystem;

using Key = std::tuple<std::string, int, std::string>;  // file (relative to the set), line, rule

struct Judgement {
  std::string verdict;  // true | false | debatable
  std::string reason;
};

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trimmed(std::string s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// Rows of the markdown table: | file | line | rule | verdict | reason |.
std::map<Key, Judgement> load_judgements(const fs::path& file, std::vector<std::string>& errors) {
  std::map<Key, Judgement> out;
  std::istringstream lines(read(file));
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    if (line.rfind("| ", 0) != 0 || line.rfind("| file ", 0) == 0) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    std::string cell;
    while (std::getline(ss, cell, '|')) cells.push_back(trimmed(cell));
    if (cells.size() < 5) {
      errors.push_back(fmt::format("{}:{}: expected 5 columns", file.string(), n));
      continue;
    }
    const std::string& v = cells[3];
    if (v != "true" && v != "false" && v != "debatable") {
      errors.push_back(
          fmt::format("{}:{}: verdict '{}' (true, false or debatable)", file.string(), n, v));
      continue;
    }
    out[{cells[0], std::stoi(cells[1]), cells[2]}] = {v, cells[4]};
  }
  return out;
}

struct Counts {
  int findings = 0, tp = 0, fp = 0, debatable = 0, unjudged = 0, missing = 0, fixed = 0;
};

void audit_set(const std::string& set, bool gate_precision) {
  auto cat = catalog::load_from_sources(catalog::embedded_sources());
  ASSERT_TRUE(cat.ok()) << cat.error().message;
  const Auditor auditor(*cat, Options{});
  const fs::path root = fs::path(LLMCTL_SOURCE_DIR) / "tests/data/audit-real" / set;
  ASSERT_TRUE(fs::is_directory(root)) << root;
  std::vector<std::string> errors;
  const auto judged = load_judgements(root / "JUDGEMENTS.md", errors);
  ASSERT_TRUE(errors.empty()) << errors.front();

  std::map<Key, Severity> got;  // strictest severity per key
  std::map<Key, std::string> messages;
  int files = 0, skipped = 0;
  std::vector<std::string> skipped_names;
  for (const auto& project : fs::directory_iterator(root)) {
    if (!project.is_directory()) continue;
    const std::string name = project.path().filename().string();
    std::vector<std::pair<std::string, fs::path>> paths;
    for (auto it = fs::recursive_directory_iterator(project.path());
         it != fs::recursive_directory_iterator(); ++it)
      if (it->is_regular_file() && is_candidate_file(it->path().string()))
        paths.emplace_back(fs::relative(it->path(), project.path()).generic_string(), it->path());
    std::sort(paths.begin(), paths.end());
    ProjectFacts facts;
    std::vector<Finding> findings;
    for (const auto& [rel, path] : paths) {
      FileResult r = auditor.audit_file(name + "/" + rel, rel, read(path));
      ++files;
      if (!r.skipped.empty()) ++skipped, skipped_names.push_back(name + "/" + rel);
      findings.insert(findings.end(), r.findings.begin(), r.findings.end());
      facts.merge(std::move(r.facts));
    }
    for (auto& f : auditor.finish(facts)) findings.push_back(std::move(f));
    for (const auto& f : findings) {
      Key k{f.file, f.line, f.rule};
      auto it = got.find(k);
      if (it == got.end() || f.severity > it->second) got[k] = f.severity;
      messages[k] = f.message;
    }
  }

  std::map<std::string, Counts> by_rule;
  std::vector<std::string> problems, notes;
  int tp = 0, fp = 0, deb = 0;
  for (const auto& [k, sev] : got) {
    const std::string& rule = std::get<2>(k);
    Counts& c = by_rule[rule];
    ++c.findings;
    auto j = judged.find(k);
    if (j == judged.end()) {
      ++c.unjudged;
      problems.push_back(fmt::format("unjudged: {}:{} {} {}: {}", std::get<0>(k), std::get<1>(k),
                                     rule, severity_name(sev), messages[k]));
      continue;
    }
    if (j->second.verdict == "true") ++c.tp, ++tp;
    if (j->second.verdict == "debatable") ++c.debatable, ++deb;
    if (j->second.verdict == "false") {
      ++c.fp, ++fp;
      if (sev == Severity::kError)
        (gate_precision ? problems : notes)
            .push_back(fmt::format("false error: {}:{} {} ({})", std::get<0>(k), std::get<1>(k),
                                   rule, j->second.reason));
    }
  }
  for (const auto& [k, j] : judged) {
    if (got.count(k)) continue;
    Counts& c = by_rule[std::get<2>(k)];
    if (j.verdict == "true") {
      ++c.missing;
      problems.push_back(fmt::format("judged true, no longer reported: {}:{} {} ({})",
                                     std::get<0>(k), std::get<1>(k), std::get<2>(k), j.reason));
    } else if (j.verdict == "false") {
      ++c.fixed;
    }
  }
  std::string table = fmt::format(
      "real corpus '{}': {} files ({} skipped), {} findings\n{:<8} {:>8} {:>5} {:>6} {:>9} {:>8} "
      "{:>10} {:>8}\n",
      set, files, skipped, got.size(), "rule", "findings", "true", "false", "debatable", "unjudged",
      "precision", "fixed-fp");
  for (const auto& r : all_rules()) {
    auto it = by_rule.find(std::string(r.id));
    if (it == by_rule.end()) continue;
    const Counts& c = it->second;
    double precision = c.tp + c.fp ? 100.0 * c.tp / (c.tp + c.fp) : 100.0;
    table += fmt::format("{:<8} {:>8} {:>5} {:>6} {:>9} {:>8} {:>9.1f}% {:>8}\n", r.id, c.findings,
                         c.tp, c.fp, c.debatable, c.unjudged, precision, c.fixed);
  }
  double precision = tp + fp ? 100.0 * tp / (tp + fp) : 100.0;
  table += fmt::format("{:<8} {:>8} {:>5} {:>6} {:>9} {:>8} {:>9.1f}%\n", "all", got.size(), tp, fp,
                       deb, "", precision);
  // The same without the coverage notes (K8S020, CAP005: "this was not checked"), which are true
  // by construction when accurate and would flatter the figure for the defect-finding rules.
  int cov_tp = 0, cov_fp = 0;
  for (const char* rule : {"K8S020", "CAP005"})
    if (auto it = by_rule.find(rule); it != by_rule.end())
      cov_tp += it->second.tp, cov_fp += it->second.fp;
  const int d_tp = tp - cov_tp, d_fp = fp - cov_fp;
  table += fmt::format("{:<8} {:>8} {:>5} {:>6} {:>9} {:>8} {:>9.1f}%  (without K8S020, CAP005)\n",
                       "defects", "", d_tp, d_fp, "", "",
                       d_tp + d_fp ? 100.0 * d_tp / (d_tp + d_fp) : 100.0);
  for (const auto& s : skipped_names) table += "  skipped: " + s + "\n";
  std::cout << table;
  for (const auto& p : problems) std::cout << "  " << p << "\n";
  for (const auto& n : notes) std::cout << "  (measured, not gated) " << n << "\n";
  if (gate_precision) {
    EXPECT_GE(precision, 95.0) << "precision over judged findings of " << set;
  }
  EXPECT_TRUE(problems.empty()) << problems.size() << " problem(s), first: " << problems.front();
}

TEST(AuditRealCorpus, DevelopmentSet) { audit_set("dev", true); }

// Judged once, after the rules were final; never used to tune them (audit-real/SOURCES.md).
TEST(AuditRealCorpus, HeldOutSet) { audit_set("holdout", false); }

}  // namespace
}  // namespace llmctl::audit
