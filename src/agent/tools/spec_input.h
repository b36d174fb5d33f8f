// The plan spec as a tool argument, shared by the plan and deploy tools: a file (`spec_path`), a
// JSON object following the plan-spec schema (`spec`, what an architect agent sends), or YAML text
// (`spec_yaml`). Whatever the form, the spec reaches the planner as YAML text through the same
// parser, so a mistake gets the same "file:line:col: field: ..." message.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "agent/tools/tool.h"
#include "plan/spec.h"

namespace llmctl::agent {

struct SpecText {
  std::string name;              // the path as given, or "spec" / "spec_yaml" for inline specs
  std::string text;              // YAML
  std::filesystem::path folder;  // where a relative trace path starts
};

// spec_path, spec and spec_yaml (at most one may be given).
std::vector<Param> spec_params();

// The spec the arguments give; nullopt when they give none. Reads a file through `files`.
Result<std::optional<SpecText>> spec_text(const boost::json::object& args, const FileAccess& files);

// Parses the spec (`hide_deploy`: blank a `deploy:` section first, as deploy does), names it
// after its file when it has no name, and applies its trace (read through `files`; its text is
// left in `trace_text` when given, for a simulation to replay).
Result<plan::Spec> load_spec(const SpecText& spec, const FileAccess& files, bool hide_deploy,
                             std::string* trace_text = nullptr);

// Block-style YAML for a JSON value (keys in order; strings double-quoted with JSON escapes,
// which YAML reads the same), so an inline spec's errors still have a line and column.
std::string yaml_from_json(const boost::json::value& v);

// The file at `path`, or "cannot read '<path>'".
Result<std::string> read_text_file(const std::filesystem::path& path);

}  // namespace llmctl::agent
