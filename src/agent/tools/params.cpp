#include "agent/tools/params.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "common/strings.h"

namespace llmctl::agent {
namespace {

namespace json = boost::json;

Param make(std::string name, ParamType type, std::string description) {
  Param p;
  p.name = std::move(name);
  p.type = type;
  p.description = std::move(description);
  return p;
}

// What a caller sent, for "expected X, found Y".
std::string describe(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::string: {
      std::string s(v.as_string());
      if (s.size() > 60) s = s.substr(0, 57) + "...";
      return "\"" + s + "\"";
    }
    case json::kind::array:
      return "a list";
    case json::kind::object:
      return "an object";
    case json::kind::double_:
      return fmt::format("{:g}", v.as_double());
    default:
      return json::serialize(v);
  }
}

std::optional<double> as_double(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  if (v.is_double() && std::isfinite(v.as_double())) return v.as_double();
  return std::nullopt;
}

std::string range_text(const Param& p) {
  std::string out;
  if (p.minimum)
    out += fmt::format(" {} {}", p.exclusive_minimum ? ">" : ">=", fmt::format("{:g}", *p.minimum));
  if (p.maximum)
    out += fmt::format("{} <= {}", p.minimum ? " and" : "", fmt::format("{:g}", *p.maximum));
  return out;
}

std::string expected_text(const Param& p) {
  switch (p.type) {
    case ParamType::kString:
      return p.choices.empty() ? "a non-empty string" : "one of: " + join(p.choices, ", ");
    case ParamType::kInteger:
      return "an integer" + range_text(p);
    case ParamType::kNumber:
      return "a number" + range_text(p);
    case ParamType::kBoolean:
      return "true or false";
    case ParamType::kStringList:
      return p.choices.empty() ? "a list of strings" : "a list of: " + join(p.choices, ", ");
    case ParamType::kObject:
      return "an object";
    case ParamType::kObjectList:
      return "a list of objects";
  }
  return "";
}

Error mismatch(const Param& p, const json::value& found, const std::string& hint = "") {
  return Error{
      fmt::format("{}: expected {}, found {}{}", p.name, expected_text(p), describe(found), hint)};
}

std::string did_you_mean(const std::string& value, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = value.size() >= 8 ? 4 : 3;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(to_lower(value), to_lower(c));
    if (d < best_distance) best = c, best_distance = d;
  }
  return best.empty() ? "" : fmt::format(" (did you mean '{}'?)", best);
}

Result<json::value> check_value(const Param& p, const json::value& v) {
  switch (p.type) {
    case ParamType::kString: {
      if (!v.is_string() || trim(std::string(v.as_string())).empty()) return mismatch(p, v);
      std::string s(v.as_string());
      if (!p.choices.empty() && std::find(p.choices.begin(), p.choices.end(), s) == p.choices.end())
        return mismatch(p, v, did_you_mean(s, p.choices));
      return v;
    }
    case ParamType::kInteger:
    case ParamType::kNumber: {
      auto d = as_double(v);
      if (!d) return mismatch(p, v);
      if (p.type == ParamType::kInteger && (std::floor(*d) != *d || std::fabs(*d) > 9.0e15))
        return mismatch(p, v);
      if (p.minimum && (*d < *p.minimum || (p.exclusive_minimum && *d == *p.minimum)))
        return mismatch(p, v);
      if (p.maximum && *d > *p.maximum) return mismatch(p, v);
      if (p.type == ParamType::kInteger) return json::value(static_cast<std::int64_t>(*d));
      return json::value(*d);
    }
    case ParamType::kBoolean:
      if (!v.is_bool()) return mismatch(p, v);
      return v;
    case ParamType::kStringList: {
      if (!v.is_array()) return mismatch(p, v);
      for (const auto& item : v.as_array()) {
        if (!item.is_string() || trim(std::string(item.as_string())).empty()) return mismatch(p, v);
        std::string s(item.as_string());
        if (!p.choices.empty() &&
            std::find(p.choices.begin(), p.choices.end(), s) == p.choices.end())
          return mismatch(p, item, did_you_mean(s, p.choices));
      }
      return v;
    }
    case ParamType::kObject:
      if (!v.is_object()) return mismatch(p, v);
      return v;
    case ParamType::kObjectList:
      if (!v.is_array()) return mismatch(p, v);
      for (const auto& item : v.as_array())
        if (!item.is_object()) return mismatch(p, v);
      return v;
  }
  return mismatch(p, v);
}

json::object property_schema(const Param& p) {
  json::object s;
  switch (p.type) {
    case ParamType::kString:
      s["type"] = "string";
      if (!p.choices.empty()) {
        json::array e;
        for (const auto& c : p.choices) e.emplace_back(c);
        s["enum"] = std::move(e);
      } else {
        s["minLength"] = 1;
      }
      break;
    case ParamType::kInteger:
    case ParamType::kNumber:
      s["type"] = p.type == ParamType::kInteger ? "integer" : "number";
      if (p.minimum) s[p.exclusive_minimum ? "exclusiveMinimum" : "minimum"] = *p.minimum;
      if (p.maximum) s["maximum"] = *p.maximum;
      break;
    case ParamType::kBoolean:
      s["type"] = "boolean";
      break;
    case ParamType::kStringList: {
      json::object items{{"type", "string"}, {"minLength", 1}};
      if (!p.choices.empty()) {
        json::array e;
        for (const auto& c : p.choices) e.emplace_back(c);
        items = json::object{{"type", "string"}, {"enum", std::move(e)}};
      }
      s["type"] = "array";
      s["items"] = std::move(items);
      break;
    }
    case ParamType::kObject:
      s = p.value_schema;
      break;
    case ParamType::kObjectList:
      s["type"] = "array";
      s["items"] = p.value_schema;
      break;
  }
  s["description"] = p.description;
  if (!p.default_value.is_null()) s["default"] = p.default_value;
  return s;
}

}  // namespace

Param Param::string(std::string name, std::string description) {
  return make(std::move(name), ParamType::kString, std::move(description));
}
Param Param::integer(std::string name, std::string description) {
  return make(std::move(name), ParamType::kInteger, std::move(description));
}
Param Param::number(std::string name, std::string description) {
  return make(std::move(name), ParamType::kNumber, std::move(description));
}
Param Param::boolean(std::string name, std::string description) {
  return make(std::move(name), ParamType::kBoolean, std::move(description));
}
Param Param::strings(std::string name, std::string description) {
  return make(std::move(name), ParamType::kStringList, std::move(description));
}
Param Param::object(std::string name, std::string description, json::object schema) {
  Param p = make(std::move(name), ParamType::kObject, std::move(description));
  p.value_schema = std::move(schema);
  return p;
}
Param Param::objects(std::string name, std::string description, json::object schema) {
  Param p = make(std::move(name), ParamType::kObjectList, std::move(description));
  p.value_schema = std::move(schema);
  return p;
}

Param& Param::required() {
  is_required = true;
  return *this;
}
Param& Param::min(double v, bool exclusive) {
  minimum = v;
  exclusive_minimum = exclusive;
  return *this;
}
Param& Param::max(double v) {
  maximum = v;
  return *this;
}
Param& Param::one_of(std::vector<std::string> allowed) {
  choices = std::move(allowed);
  return *this;
}
Param& Param::fallback(json::value v) {
  default_value = std::move(v);
  return *this;
}

json::object input_schema(const std::vector<Param>& params) {
  json::object properties;
  json::array required;
  for (const auto& p : params) {
    properties[p.name] = property_schema(p);
    if (p.is_required) required.emplace_back(p.name);
  }
  json::object schema{{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) schema["required"] = std::move(required);
  schema["additionalProperties"] = false;
  return schema;
}

Result<json::object> check_args(const std::vector<Param>& params, const json::object& args) {
  std::vector<std::string> names;
  for (const auto& p : params) names.push_back(p.name);
  for (const auto& kv : args) {
    std::string key(kv.key());
    if (std::find(names.begin(), names.end(), key) != names.end()) continue;
    std::string hint = did_you_mean(key, names);
    return Error{
        fmt::format("{}: unknown argument{}; expected one of: {}", key, hint, join(names, ", "))};
  }
  json::object out;
  std::vector<const Param*> missing;  // all of them in one error, not one per try
  for (const auto& p : params) {
    const json::value* v = args.if_contains(p.name);
    if (!v || v->is_null()) {
      if (p.is_required) missing.push_back(&p);
      if (!p.default_value.is_null()) out[p.name] = p.default_value;
      continue;
    }
    auto checked = check_value(p, *v);
    if (!checked) return checked.error();
    out[p.name] = std::move(*checked);
  }
  if (!missing.empty()) {
    std::vector<std::string> names;
    for (const Param* p : missing) names.push_back(p->name);
    return missing_arguments(names, ": " + missing[0]->description);
  }
  return out;
}

Error missing_arguments(const std::vector<std::string>& names, std::string_view why) {
  std::string msg = names.front() + ": is required" + std::string(why);
  if (names.size() > 1)
    msg.append(kAlsoMissing)
        .append(join(std::vector<std::string>(names.begin() + 1, names.end()), ", "));
  return Error{msg};
}

std::optional<std::string> arg_string(const json::object& args, std::string_view name) {
  const json::value* v = args.if_contains(name);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

std::optional<double> arg_number(const json::object& args, std::string_view name) {
  const json::value* v = args.if_contains(name);
  if (!v) return std::nullopt;
  return as_double(*v);
}

std::optional<long long> arg_integer(const json::object& args, std::string_view name) {
  auto d = arg_number(args, name);
  if (!d) return std::nullopt;
  return static_cast<long long>(*d);
}

bool arg_bool(const json::object& args, std::string_view name, bool fallback) {
  const json::value* v = args.if_contains(name);
  if (!v || !v->is_bool()) return fallback;
  return v->as_bool();
}

std::vector<std::string> arg_strings(const json::object& args, std::string_view name) {
  std::vector<std::string> out;
  const json::value* v = args.if_contains(name);
  if (!v || !v->is_array()) return out;
  for (const auto& item : v->as_array())
    if (item.is_string()) out.emplace_back(item.as_string());
  return out;
}

json::object schema_literal(std::string_view json_text) {
  boost::system::error_code ec;
  json::value v = json::parse(json_text, ec);
  if (ec || !v.is_object()) {
    std::fprintf(stderr, "llmctl: internal error: a tool schema does not parse: %s\n%.*s\n",
                 ec ? ec.message().c_str() : "not an object", static_cast<int>(json_text.size()),
                 json_text.data());
    std::abort();
  }
  return v.as_object();
}

}  // namespace llmctl::agent
