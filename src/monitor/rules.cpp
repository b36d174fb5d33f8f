#include "monitor/rules.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/json.hpp>

namespace llmctl::monitor {

namespace {

namespace json = boost::json;

bool ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

// Words that are PromQL syntax, not metric names.
bool keyword(std::string_view w) {
  static const char* const kWords[] = {
      "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
      "offset", "atan2", "inf", "nan", "Inf", "NaN", "start", "end",
      // aggregation operators take "by (...)" before "(...)"
      "sum", "avg", "min", "max", "count", "stddev", "stdvar", "topk", "bottomk", "quantile",
      "count_values", "group", "limitk", "limit_ratio"};
  for (const char* k : kWords)
    if (w == k) return true;
  return false;
}

void from_yaml_rules(const YAML::Node& groups, const std::string& file,
                     std::vector<RuleExpr>& out) {
  if (!groups.IsSequence()) return;
  for (const auto& g : groups) {
    const std::string group = g["name"] ? g["name"].as<std::string>("") : "";
    if (!g["rules"] || !g["rules"].IsSequence()) continue;
    for (const auto& r : g["rules"]) {
      if (!r["expr"]) continue;
      std::string name = r["alert"]    ? "alert " + r["alert"].as<std::string>("")
                         : r["record"] ? "record " + r["record"].as<std::string>("")
                                       : "rule";
      out.push_back(
          {fmt::format("{}:{}: {} (group {})", file, r["expr"].Mark().line + 1, name, group),
           r["expr"].as<std::string>("")});
    }
  }
}

void from_panels(const json::value& panels, const std::string& file, std::vector<RuleExpr>& out) {
  if (!panels.is_array()) return;
  for (const auto& p : panels.as_array()) {
    if (!p.is_object()) continue;
    const auto& o = p.as_object();
    std::string title;
    if (auto* t = o.if_contains("title"); t && t->is_string()) title = std::string(t->as_string());
    if (auto* targets = o.if_contains("targets"); targets && targets->is_array())
      for (const auto& t : targets->as_array())
        if (t.is_object())
          if (auto* e = t.as_object().if_contains("expr"); e && e->is_string())
            out.push_back(
                {fmt::format("{}: panel \"{}\"", file, title), std::string(e->as_string())});
    if (auto* nested = o.if_contains("panels")) from_panels(*nested, file, out);
  }
}

}  // namespace

Result<std::vector<RuleExpr>> rule_exprs(std::string_view text, const std::string& file) {
  std::vector<RuleExpr> out;
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) return Error{fmt::format("{}: invalid JSON: {}", file, ec.message())};
    if (!v.is_object()) return Error{fmt::format("{}: expected a Grafana dashboard object", file)};
    const auto& o = v.as_object();
    // A dashboard as exported, or wrapped by the HTTP API ({"dashboard": {...}}).
    const json::object* d = &o;
    if (auto* inner = o.if_contains("dashboard"); inner && inner->is_object())
      d = &inner->as_object();
    if (auto* panels = d->if_contains("panels")) from_panels(*panels, file, out);
    if (auto* rows = d->if_contains("rows"); rows && rows->is_array())
      for (const auto& r : rows->as_array())
        if (r.is_object())
          if (auto* p = r.as_object().if_contains("panels")) from_panels(*p, file, out);
    return out;
  }
  try {
    for (const YAML::Node& doc : YAML::LoadAll(std::string(text))) {
      if (!doc.IsMap()) continue;
      if (doc["groups"]) from_yaml_rules(doc["groups"], file, out);
      if (doc["spec"] && doc["spec"]["groups"]) from_yaml_rules(doc["spec"]["groups"], file, out);
    }
  } catch (const YAML::Exception& e) {
    return Error{
        fmt::format("{}:{}:{}: invalid YAML: {}", file, e.mark.line + 1, e.mark.column + 1, e.msg)};
  }
  return out;
}

std::vector<std::string> promql_metric_names(std::string_view e) {
  std::vector<std::string> out;
  std::size_t i = 0;
  bool label_list = false;  // inside by (...) / on (...): label names
  int depth_at_list = -1, depth = 0;
  while (i < e.size()) {
    const char ch = e[i];
    if (ch == '"' || ch == '\'' || ch == '`') {  // string literal
      const char q = ch;
      ++i;
      while (i < e.size() && e[i] != q) i += e[i] == '\\' ? 2 : 1;
      ++i;
      continue;
    }
    if (ch == '{') {  // label matchers
      while (i < e.size() && e[i] != '}') {
        if (e[i] == '"') {
          ++i;
          while (i < e.size() && e[i] != '"') i += e[i] == '\\' ? 2 : 1;
        }
        ++i;
      }
      ++i;
      continue;
    }
    if (ch == '[') {  // range or subquery duration
      while (i < e.size() && e[i] != ']') ++i;
      ++i;
      continue;
    }
    if (ch == '(') {
      ++depth;
      ++i;
      continue;
    }
    if (ch == ')') {
      if (label_list && depth == depth_at_list) label_list = false;
      --depth;
      ++i;
      continue;
    }
    if (ch >= '0' && ch <= '9') {  // numbers, including 1e-9 and durations after offset
      while (i < e.size() && (ident_char(e[i]) || e[i] == '.')) ++i;
      continue;
    }
    if (!ident_start(ch)) {
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < e.size() && ident_char(e[i])) ++i;
    std::string_view word = e.substr(start, i - start);
    std::size_t j = i;
    while (j < e.size() && (e[j] == ' ' || e[j] == '\t' || e[j] == '\n')) ++j;
    const bool call = j < e.size() && e[j] == '(';
    if (word == "by" || word == "without" || word == "on" || word == "ignoring" ||
        word == "group_left" || word == "group_right") {
      if (call) {
        label_list = true;
        depth_at_list = depth + 1;
      }
      continue;
    }
    if (label_list || call || keyword(word)) continue;
    if (word == "offset") continue;
    std::string w(word);
    if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(std::move(w));
  }
  return out;
}

}  // namespace llmctl::monitor
