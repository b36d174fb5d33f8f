// One audit finding and its severity: the result type every renderer (text, JSON, SARIF) and the
// baseline work from.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace llmctl::audit {

// Ordered: a threshold `--fail-on warning` is reached by warnings and errors.
enum class Severity { kNote = 0, kWarning = 1, kError = 2 };

std::string_view severity_name(Severity s);  // "note" | "warning" | "error"
std::optional<Severity> parse_severity(std::string_view s);

struct Finding {
  std::string rule;  // e.g. "K8S002"
  Severity severity = Severity::kWarning;
  std::string file;     // as the caller named it (relative paths stay relative)
  int line = 1;         // 1-based
  int column = 1;       // 1-based
  std::string message;  // names the value found
  std::string fix;      // what to change
  // Stable identity for baselines and SARIF partialFingerprints: a hash of the rule, the file
  // and the trimmed text of the finding's line (plus an occurrence index), so findings survive
  // edits that only move lines.
  std::string fingerprint;
};

}  // namespace llmctl::audit
