#include "deploy/emit.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <cmath>

#include "common/strings.h"

namespace llmctl::deploy {

namespace json = boost::json;

namespace {

bool all_of(std::string_view s, std::string_view allowed) {
  for (char c : s)
    if (allowed.find(c) == std::string_view::npos) return false;
  return true;
}

void emit(YAML::Emitter& out, const json::value& v);

void emit_string(YAML::Emitter& out, std::string_view s) {
  if (s.find('\n') != std::string_view::npos) {
    std::string block(s);
    while (!block.empty() && block.back() == '\n') block.pop_back();
    out << YAML::Literal << block + "\n";
    return;
  }
  if (yaml_needs_quotes(s)) {
    out << YAML::DoubleQuoted << std::string(s);
    return;
  }
  out << std::string(s);
}

void emit(YAML::Emitter& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: {
      const auto& o = v.as_object();
      if (o.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      for (const auto& kv : o) {
        out << YAML::Key;
        emit_string(out, kv.key());
        out << YAML::Value;
        emit(out, kv.value());
      }
      out << YAML::EndMap;
      return;
    }
    case json::kind::array: {
      const auto& a = v.as_array();
      if (a.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      out << YAML::BeginSeq;
      for (const auto& x : a) emit(out, x);
      out << YAML::EndSeq;
      return;
    }
    case json::kind::string:
      emit_string(out, v.as_string());
      return;
    case json::kind::int64:
      out << std::to_string(v.as_int64());
      return;
    case json::kind::uint64:
      out << std::to_string(v.as_uint64());
      return;
    case json::kind::double_:
      out << format_number(v.as_double());
      return;
    case json::kind::bool_:
      out << (v.as_bool() ? "true" : "false");
      return;
    case json::kind::null:
      out << YAML::Null;
      return;
  }
}

// Pretty JSON like common/json_writer.h, but numbers in plain decimal (Boost.JSON writes 0.9 as
// 9E-1, which is valid JSON yet reviews badly).
void write_json(const json::value& v, std::string& out, int indent) {
  auto pad = [&](int n) { out.append(static_cast<std::size_t>(n) * 2, ' '); };
  switch (v.kind()) {
    case json::kind::object: {
      const auto& o = v.as_object();
      if (o.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      std::size_t i = 0;
      for (const auto& kv : o) {
        pad(indent + 1);
        out += json::serialize(json::value(kv.key()));
        out += ": ";
        write_json(kv.value(), out, indent + 1);
        if (++i < o.size()) out += ",";
        out += "\n";
      }
      pad(indent);
      out += "}";
      return;
    }
    case json::kind::array: {
      const auto& a = v.as_array();
      if (a.empty()) {
        out += "[]";
        return;
      }
      out += "[\n";
      for (std::size_t i = 0; i < a.size(); ++i) {
        pad(indent + 1);
        write_json(a[i], out, indent + 1);
        if (i + 1 < a.size()) out += ",";
        out += "\n";
      }
      pad(indent);
      out += "]";
      return;
    }
    case json::kind::double_:
      out += format_number(v.as_double());
      return;
    default:
      out += json::serialize(v);
  }
}

}  // namespace

bool yaml_needs_quotes(std::string_view s) {
  if (s.empty()) return true;
  static const char* kWords[] = {"null", "~", "true", "false", "yes",   "no",    "on",
                                 "off",  "y", "n",    ".inf",  "-.inf", "+.inf", ".nan"};
  std::string lower = to_lower(s);
  for (const char* w : kWords)
    if (lower == w) return true;
  // Anything number-like: ints, floats, hex/octal, YAML 1.1 sexagesimal (1:30) and underscores.
  char c0 = s.front();
  if ((c0 >= '0' && c0 <= '9') || c0 == '+' || c0 == '-' || c0 == '.') {
    std::string_view rest = (c0 == '+' || c0 == '-') ? s.substr(1) : s;
    if (!rest.empty() && all_of(rest, "0123456789abcdefABCDEFxXoO._:+-")) return true;
  }
  // Leading or trailing spaces, and characters YAML gives a meaning at the start of a scalar;
  // yaml-cpp quotes the syntax cases itself, these make the intent explicit.
  if (s.front() == ' ' || s.back() == ' ') return true;
  return false;
}

std::string format_number(double v) {
  if (!std::isfinite(v)) return "0";
  if (std::floor(v) == v && std::fabs(v) < 9e15)
    return fmt::format("{}", static_cast<long long>(v));
  std::string s = fmt::format("{:.6f}", v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string to_yaml(const json::value& doc) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetSeqFormat(YAML::Block);
  out.SetMapFormat(YAML::Block);
  out.SetBoolFormat(YAML::TrueFalseBool);
  out.SetNullFormat(YAML::LowerNull);
  emit(out, doc);
  std::string s = out.c_str();
  if (s.empty() || s.back() != '\n') s += '\n';
  return s;
}

std::string to_yaml_documents(const std::vector<json::value>& docs) {
  std::string out;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    if (i > 0) out += "---\n";
    out += to_yaml(docs[i]);
  }
  return out;
}

std::string yaml_comment(std::string_view text) {
  std::string out;
  for (const auto& line : split(text, '\n')) out += line.empty() ? "#\n" : "# " + line + "\n";
  return out;
}

std::string to_json_text(const json::value& doc) {
  std::string s;
  write_json(doc, s, 0);
  return s + "\n";
}

}  // namespace llmctl::deploy
