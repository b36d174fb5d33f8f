// Shared helpers of the audit tests: the embedded catalog, an Auditor run over one file or a tree
// of files (finish() included, as `llmctl audit` runs it), and the views of its findings that the
// assertions compare. Builders of one test file's inputs (a YAML shape, a snippet of code) stay in
// that file.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/audit.h"
#include "catalog/loader.h"

namespace llmctl::audit::test {

// The embedded catalog (no overlays), loaded once per test binary. A load error fails the test
// that first asks, with the loader's message, and leaves an empty catalog.
inline const catalog::Catalog& cat() {
  static const catalog::Catalog c = [] {
    auto r = catalog::load_from_sources(catalog::embedded_sources());
    if (!r.ok()) ADD_FAILURE() << r.error().message;
    return r.ok() ? std::move(*r) : catalog::Catalog{};
  }();
  return c;
}

// One file of a tree to audit. `path` is what findings name; `rel` is the path relative to the
// audited root (what tells production code from tests and examples), `path` when empty. The
// views need to live only as long as the run() call.
struct Source {
  std::string_view path;
  std::string_view text;
  std::string_view rel = {};
};

// Audits `files` as one project: each file's findings, then finish() over the merged facts of
// all of them. Findings sorted by file, line, column, rule (sort_findings).
inline std::vector<Finding> run(const std::vector<Source>& files, const catalog::Catalog& c = cat(),
                                Options options = {}) {
  Auditor a(c, std::move(options));
  std::vector<Finding> out;
  ProjectFacts facts;
  for (const Source& s : files) {
    FileResult r = a.audit_file(s.path, s.rel.empty() ? s.path : s.rel, s.text);
    out.insert(out.end(), r.findings.begin(), r.findings.end());
    facts.merge(std::move(r.facts));
  }
  for (auto& f : a.finish(facts)) out.push_back(f);
  sort_findings(out);
  return out;
}

// One file audited alone (a project of one file) with the embedded catalog; `rel` as in Source.
inline std::vector<Finding> run(std::string_view path, std::string_view text, std::string_view rel,
                                Options options = {}) {
  return run(std::vector<Source>{{path, text, rel}}, cat(), std::move(options));
}
inline std::vector<Finding> run(std::string_view path, std::string_view text,
                                Options options = {}) {
  return run(path, text, std::string_view{}, std::move(options));
}

// Whether `selector` picks the rule `rule`: a whole id (`K8S001`) picks that rule, a family
// (`CICD`, `K8S`) every rule in it. An id is its family and three digits, so one prefix test
// serves both.
inline bool selects(std::string_view selector, std::string_view rule) {
  return rule.starts_with(selector);
}

// `fs` as RULE@LINE, in their order.
inline std::vector<std::string> ids(const std::vector<Finding>& fs) {
  std::vector<std::string> out;
  for (const auto& f : fs) out.push_back(f.rule + "@" + std::to_string(f.line));
  return out;
}

// The findings that any of `selectors` picks, as RULE@LINE, in their order (each once).
inline std::vector<std::string> ids(const std::vector<Finding>& fs,
                                    std::initializer_list<std::string_view> selectors) {
  std::vector<std::string> out;
  for (const auto& f : fs)
    if (std::any_of(selectors.begin(), selectors.end(),
                    [&](std::string_view s) { return selects(s, f.rule); }))
      out.push_back(f.rule + "@" + std::to_string(f.line));
  return out;
}
inline std::vector<std::string> ids(const std::vector<Finding>& fs, std::string_view selector) {
  return ids(fs, {selector});
}

// The findings that `selector` picks, in their order.
inline std::vector<Finding> with_rule(const std::vector<Finding>& fs, std::string_view selector) {
  std::vector<Finding> out;
  for (const auto& f : fs)
    if (selects(selector, f.rule)) out.push_back(f);
  return out;
}

// Whether `selector` picks any finding.
inline bool has(const std::vector<Finding>& fs, std::string_view selector) {
  return std::any_of(fs.begin(), fs.end(),
                     [&](const Finding& f) { return selects(selector, f.rule); });
}

// The first finding that `selector` picks, or nullptr; it points into `fs`.
inline const Finding* first(const std::vector<Finding>& fs, std::string_view selector) {
  auto it = std::find_if(fs.begin(), fs.end(),
                         [&](const Finding& f) { return selects(selector, f.rule); });
  return it == fs.end() ? nullptr : &*it;
}

}  // namespace llmctl::audit::test
