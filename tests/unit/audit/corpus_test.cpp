// The audit corpus (tests/data/audit/): realistic files whose expected findings are declared in
// the files themselves (`# expect: RULE` on the finding's line, `expect: RULE@LINE`, or a
// `<file>.expect` sidecar for formats without comments) plus `negative: RULE` markers on files
// that hold tricky true negatives. Each top-level folder is audited as one project, the way the
// CLI audits a repository, so the cross-file rules (K8S013/K8S014/K8S017/LLM005) see only their
// own project. Prints precision and recall per rule and fails below 95% / 90%.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include "audit/audit.h"
#include "audit/rules.h"
#include "catalog/loader.h"

namespace llmctl::audit {
namespace {

namespace fs = std::filesystem;

using Key = std::tuple<std::string, std::string, int>;  // rule, file (relative), line

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> ids_in(const std::string& s) {
  std::vector<std::string> out;
  static const std::regex id(R"([A-Z][A-Z0-9]{1,6}[0-9]{3}(@[0-9]+)?)");
  for (auto it = std::sregex_iterator(s.begin(), s.end(), id); it != std::sregex_iterator(); ++it)
    out.push_back(it->str());
  return out;
}

struct Project {
  std::set<Key> expected;
  std::set<std::string> negatives;                      // rules with a declared tricky negative
  std::vector<std::pair<std::string, fs::path>> files;  // (relative path, path)
};

Project load_project(const fs::path& dir) {
  Project p;
  static const std::regex expect_re(R"((?:#|//)\s*expect:\s*([A-Z0-9@,\s]+))");
  static const std::regex negative_re(R"(negative:\s*([A-Z0-9,\s]+))");
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    if (it->is_directory()) continue;
    std::string rel = fs::relative(it->path(), dir).generic_string();
    std::string text = read(it->path());
    if (it->path().extension() == ".expect") {
      std::string target = rel.substr(0, rel.size() - 7);
      std::istringstream lines(text);
      std::string line;
      while (std::getline(lines, line)) {
        line = line.substr(0, line.find('#'));
        for (const auto& id : ids_in(line)) {
          size_t at = id.find('@');
          if (at != std::string::npos)
            p.expected.insert({id.substr(0, at), target, std::stoi(id.substr(at + 1))});
        }
      }
      continue;
    }
    if (!is_candidate_file(rel)) continue;
    p.files.emplace_back(rel, it->path());
    std::istringstream lines(text);
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
      ++n;
      std::smatch m;
      if (std::regex_search(line, m, expect_re)) {
        for (const auto& id : ids_in(m[1].str())) {
          size_t at = id.find('@');
          if (at == std::string::npos)
            p.expected.insert({id, rel, n});
          else
            p.expected.insert({id.substr(0, at), rel, std::stoi(id.substr(at + 1))});
        }
      }
      if (std::regex_search(line, m, negative_re))
        for (const auto& id : ids_in(m[1].str())) p.negatives.insert(id);
    }
  }
  std::sort(p.files.begin(), p.files.end());
  return p;
}

struct Counts {
  int tp = 0, fp = 0, fn = 0;
};

TEST(AuditCorpus, PrecisionAndRecallPerRule) {
  auto cat = catalog::load_from_sources(catalog::embedded_sources());
  ASSERT_TRUE(cat.ok()) << cat.error().message;
  const Auditor auditor(*cat, Options{});
  const fs::path root = fs::path(LLMCTL_SOURCE_DIR) / "tests/data/audit";
  ASSERT_TRUE(fs::is_directory(root));

  std::map<std::string, Counts> counts;
  std::set<std::string> negatives;
  std::vector<std::string> mismatches;
  int files = 0;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!entry.is_directory()) continue;
    Project p = load_project(entry.path());
    negatives.insert(p.negatives.begin(), p.negatives.end());
    std::vector<Finding> findings;
    ProjectFacts facts;
    for (const auto& [rel, path] : p.files) {
      FileResult r = auditor.audit_file(rel, rel, read(path));
      ++files;
      findings.insert(findings.end(), r.findings.begin(), r.findings.end());
      facts.merge(std::move(r.facts));
    }
    for (auto& f : auditor.finish(facts)) findings.push_back(std::move(f));
    std::set<Key> got;
    std::string project = entry.path().filename().string();
    for (const auto& f : findings) {
      Key k{f.rule, f.file, f.line};
      got.insert(k);
      if (!p.expected.count(k))
        mismatches.push_back(
            fmt::format("FP {}/{}:{} {}: {}", project, f.file, f.line, f.rule, f.message));
    }
    for (const auto& k : got)
      if (p.expected.count(k))
        ++counts[std::get<0>(k)].tp;
      else
        ++counts[std::get<0>(k)].fp;
    for (const auto& k : p.expected) {
      if (got.count(k)) continue;
      ++counts[std::get<0>(k)].fn;
      mismatches.push_back(
          fmt::format("FN {}/{}:{} {}", project, std::get<1>(k), std::get<2>(k), std::get<0>(k)));
    }
  }

  std::string table = fmt::format("audit corpus: {} files\n{:<8} {:>4} {:>4} {:>4} {:>10} {:>8}\n",
                                  files, "rule", "TP", "FP", "FN", "precision", "recall");
  int tp = 0, fp = 0, fn = 0;
  for (const auto& r : all_rules()) {
    Counts c = counts[std::string(r.id)];
    tp += c.tp, fp += c.fp, fn += c.fn;
    double precision = c.tp + c.fp ? 100.0 * c.tp / (c.tp + c.fp) : 100.0;
    double recall = c.tp + c.fn ? 100.0 * c.tp / (c.tp + c.fn) : 0.0;
    table += fmt::format("{:<8} {:>4} {:>4} {:>4} {:>9.1f}% {:>7.1f}%\n", r.id, c.tp, c.fp, c.fn,
                         precision, recall);
    EXPECT_GE(precision, 95.0) << r.id << " precision";
    EXPECT_GE(recall, 90.0) << r.id << " recall";
    EXPECT_GT(c.tp, 0) << r.id << " has no true positive in the corpus";
    EXPECT_TRUE(negatives.count(std::string(r.id)))
        << r.id << " has no file declaring a tricky negative (`negative: " << r.id << "`)";
  }
  table += fmt::format("{:<8} {:>4} {:>4} {:>4}\n", "all", tp, fp, fn);
  std::cout << table;
  for (const auto& m : mismatches) std::cout << "  " << m << "\n";
  EXPECT_TRUE(mismatches.empty());
}

}  // namespace
}  // namespace llmctl::audit
