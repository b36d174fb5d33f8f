// Renderers over one result type: text, JSON and SARIF 2.1.0; and the baseline file (JSON of
// fingerprints) that lets an old repository adopt the audit without fixing everything at once.
// Pure: text in, text out.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "audit/finding.h"
#include "common/result.h"

namespace llmctl::audit {

struct SkippedFile {
  std::string file;    // as findings name it
  std::string reason;  // the parser's message (Helm template, invalid JSON, ...)
};

struct Summary {
  int files_scanned = 0;             // files whose text was analysed
  int files_skipped = 0;             // candidate files that could not be parsed (not an error)
  std::vector<SkippedFile> skipped;  // which, and why (sorted by file)
  int suppressed = 0;                // dropped by inline `llmctl-ignore` comments
  int baselined = 0;                 // dropped because the baseline lists them
  std::map<std::string, int> files_by_kind;  // input kind -> files
};

struct Report {
  std::vector<Finding> findings;  // sorted (sort_findings)
  Summary summary;
};

// Human output: one block per finding (file:line:col, severity, rule, message, fix), a summary
// line and one line per skipped file. `color` adds ANSI bold/colour.
std::string render_text(const Report& report, bool color);
// {"findings":[...],"summary":{...}} with a stable key order.
std::string render_json(const Report& report);
// SARIF 2.1.0 as GitHub code scanning accepts it. `src_root_uri` is the file:// URI of the
// directory that relative finding paths are relative to (originalUriBaseIds %SRCROOT%). Skipped
// files are toolExecutionNotifications of the run's invocation.
std::string render_sarif(const Report& report, std::string_view tool_version,
                         std::string_view src_root_uri);

// Baseline file: {"version":1,"findings":[{"rule","file","fingerprint"}...]}.
std::string write_baseline(const std::vector<Finding>& findings);
// The fingerprints a baseline lists. Errors name what is wrong with the text.
Result<std::set<std::string>> parse_baseline(std::string_view text);
// Removes findings whose fingerprint is in `baseline`; returns how many were removed.
int apply_baseline(std::vector<Finding>& findings, const std::set<std::string>& baseline);

}  // namespace llmctl::audit
