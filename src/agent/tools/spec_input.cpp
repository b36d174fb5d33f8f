#include "agent/tools/spec_input.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "agent/tools/plan_spec_schema.h"
#include "deploy/settings.h"
#include "plan/trace.h"

namespace llmctl::agent {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

bool plain_key(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.' || c == '/';
    if (!ok) return false;
  }
  return true;
}

std::string scalar(const json::value& v) {
  if (v.is_string()) return json::serialize(v.as_string());
  // Boost writes doubles as 2E1; people (and YAML readers) expect 20.
  if (v.is_double()) return fmt::format("{:.15g}", v.as_double());
  return json::serialize(v);  // integers, true, false, null
}

void emit(const json::value& v, int indent, std::string& out);

void emit_entry(const std::string& prefix, const json::value& v, int indent, std::string& out) {
  const bool nested =
      (v.is_object() && !v.as_object().empty()) || (v.is_array() && !v.as_array().empty());
  if (!nested) {
    std::string s = v.is_object() ? "{}" : v.is_array() ? "[]" : scalar(v);
    out += prefix + " " + s + "\n";
    return;
  }
  out += prefix + "\n";
  emit(v, indent + 2, out);
}

void emit(const json::value& v, int indent, std::string& out) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  if (v.is_object()) {
    for (const auto& kv : v.as_object()) {
      std::string key(kv.key());
      if (!plain_key(key)) key = json::serialize(json::string(key));
      emit_entry(pad + key + ":", kv.value(), indent, out);
    }
  } else if (v.is_array()) {
    for (const auto& item : v.as_array()) emit_entry(pad + "-", item, indent, out);
  } else {
    out += pad + scalar(v) + "\n";
  }
}

}  // namespace

std::vector<Param> spec_params() {
  return {
      Param::string("spec_path",
                    "Plan spec file (YAML; docs/PLAN.md), relative to the server's folder"),
      Param::object("spec",
                    "The plan spec as an object (schema: `llmctl schema plan-spec`); what an "
                    "architect hands over as deployment requirements",
                    plan_spec_schema()),
      Param::string("spec_yaml", "The plan spec as YAML text"),
  };
}

Result<std::string> read_text_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return Error{fmt::format("cannot read '{}'", path.string())};
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("cannot read '{}'", path.string())};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string yaml_from_json(const json::value& v) {
  std::string out;
  emit(v, 0, out);
  return out;
}

Result<std::optional<SpecText>> spec_text(const json::object& args, const FileAccess& files) {
  auto path = arg_string(args, "spec_path");
  const json::value* object = args.if_contains("spec");
  auto yaml = arg_string(args, "spec_yaml");
  int given = (path ? 1 : 0) + (object && !object->is_null() ? 1 : 0) + (yaml ? 1 : 0);
  if (given > 1) return Error{"spec: give one of spec_path, spec and spec_yaml"};
  if (path) {
    auto real = files.readable(*path);
    if (!real) return real.error();
    auto text = read_text_file(*real);
    if (!text) return Error{fmt::format("cannot read '{}'", *path)};
    return std::optional<SpecText>(SpecText{*path, std::move(*text), real->parent_path()});
  }
  auto root = files.readable(".");
  fs::path folder = root ? *root : fs::path(".");
  if (object && !object->is_null())
    return std::optional<SpecText>(SpecText{"spec", yaml_from_json(*object), folder});
  if (yaml) return std::optional<SpecText>(SpecText{"spec_yaml", *yaml, folder});
  return std::optional<SpecText>();
}

Result<plan::Spec> load_spec(const SpecText& source, const FileAccess& files, bool hide_deploy,
                             std::string* trace_text) {
  auto spec = plan::parse_spec(hide_deploy ? deploy::hide_deploy_section(source.text) : source.text,
                               source.name);
  if (!spec) return spec.error();
  if (spec->name.empty()) spec->name = fs::path(source.name).stem().string();
  if (spec->traffic.trace) {
    const plan::SpecRef& ref = spec->traffic.trace->file;
    fs::path trace_path = ref.value;
    if (trace_path.is_relative()) trace_path = source.folder / trace_path;
    auto allowed = files.readable(trace_path.string());
    Result<std::string> csv =
        allowed ? read_text_file(*allowed) : Result<std::string>(allowed.error());
    if (!csv)
      return Error{
          fmt::format("{}: traffic.trace.file: {} (relative paths are resolved from the spec's "
                      "folder)",
                      plan::where(*spec, ref), csv.error().message)};
    auto summary = plan::summarize_trace(*csv, trace_path.string());
    if (!summary) return summary.error();
    plan::apply_trace(spec->traffic, *summary, fs::path(ref.value).filename().string());
    if (trace_text) *trace_text = std::move(*csv);
  }
  return spec;
}

}  // namespace llmctl::agent
