// How every YAML reader (catalog, plan spec, deploy settings, gateway config) names a place and
// a value in its error messages, so they all read "file:line:col: field: found X". Header-only:
// included only by translation units that already parse YAML with yaml-cpp.
#pragma once

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <string>

namespace llmctl {

// "file:line:col" (1-based) for a node's mark; the file alone when the mark is unknown.
inline std::string yaml_position(const std::string& file, const YAML::Mark& mark) {
  if (mark.line < 0) return file;
  return fmt::format("{}:{}:{}", file, mark.line + 1, mark.column + 1);
}

// What was found, for "expected X, found Y": "nothing", "\"text\"", "a list" or "a map".
inline std::string yaml_describe(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsScalar()) return fmt::format("\"{}\"", n.Scalar());
  if (n.IsSequence()) return "a list";
  return "a map";
}

}  // namespace llmctl
