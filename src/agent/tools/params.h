// A tool's arguments, declared once: the declaration gives the tool's input JSON Schema (what MCP
// clients and LLMs see) and checks the arguments a caller sends (what the tool reads). The CLI
// builds the same arguments from its flags, so a value is validated the same way however it
// arrives, and an error names the argument ("gpus: expected an integer >= 1, found \"two\"").
//
// Pure: no I/O. Thread-safe (values only).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace llmctl::agent {

enum class ParamType { kString, kInteger, kNumber, kBoolean, kStringList, kObject, kObjectList };

// One argument. Build with the named constructors and chain the refinements:
//   Param::integer("gpus", "Total GPUs").required().min(1)
struct Param {
  std::string name;
  ParamType type = ParamType::kString;
  std::string description;
  bool is_required = false;
  std::optional<double> minimum;
  bool exclusive_minimum = false;
  std::optional<double> maximum;
  std::vector<std::string> choices;  // allowed strings (kString, kStringList items)
  boost::json::value default_value;  // null: no default
  boost::json::object value_schema;  // kObject / kObjectList: the JSON Schema of one value

  static Param string(std::string name, std::string description);
  static Param integer(std::string name, std::string description);
  static Param number(std::string name, std::string description);
  static Param boolean(std::string name, std::string description);
  static Param strings(std::string name, std::string description);
  // An object argument; `schema` describes it (checked by the tool itself, beyond "an object").
  static Param object(std::string name, std::string description, boost::json::object schema);
  static Param objects(std::string name, std::string description, boost::json::object schema);

  Param& required();
  Param& min(double v, bool exclusive = false);
  Param& max(double v);
  Param& one_of(std::vector<std::string> allowed);
  Param& fallback(boost::json::value v);
};

// The input JSON Schema of a parameter list: an object with these properties, `required` listing
// the required ones, no other properties. Uses only keywords shared by draft-07 and 2020-12 (so
// every client's validator reads it); 2020-12 is MCP's default dialect.
boost::json::object input_schema(const std::vector<Param>& params);

// Checks `args` against `params`: unknown names (with "did you mean"), missing required ones,
// types, ranges and allowed values. Returns the arguments with defaults filled in; every error
// message starts with the argument's name.
Result<boost::json::object> check_args(const std::vector<Param>& params,
                                       const boost::json::object& args);

// The one error for missing required arguments: "name: is required<why>", then the others after
// kAlsoMissing, comma-separated (the CLI turns the names into flags). `names` is not empty.
inline constexpr std::string_view kAlsoMissing = "; also missing: ";
Error missing_arguments(const std::vector<std::string>& names, std::string_view why);

// Typed reads of checked arguments (absent and null read as nullopt / the fallback).
std::optional<std::string> arg_string(const boost::json::object& args, std::string_view name);
std::optional<double> arg_number(const boost::json::object& args, std::string_view name);
std::optional<long long> arg_integer(const boost::json::object& args, std::string_view name);
bool arg_bool(const boost::json::object& args, std::string_view name, bool fallback = false);
std::vector<std::string> arg_strings(const boost::json::object& args, std::string_view name);

// Parses a JSON Schema written in a tool's source. A malformed literal is a programming error
// (the registry's unit test parses every schema), so this aborts with the text's error.
boost::json::object schema_literal(std::string_view json_text);

}  // namespace llmctl::agent
