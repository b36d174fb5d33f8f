#include "audit/facts/promql.h"

#include <cctype>

#include "common/strings.h"

namespace llmctl::audit::detail {
namespace {

std::vector<PTok> lex_promql(std::string_view s) {
  std::vector<PTok> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '#') {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '"' || c == '\'' || c == '`') {
      size_t j = i + 1;
      while (j < s.size() && s[j] != c) j += (s[j] == '\\' && c != '`') ? 2 : 1;
      out.push_back({PTok::kString, std::string(s.substr(i + 1, j - i - 1))});
      i = j + 1;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':') {
      size_t j = i;
      while (j < s.size() &&
             (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' || s[j] == ':'))
        ++j;
      out.push_back({PTok::kIdent, std::string(s.substr(i, j - i))});
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
      out.push_back({PTok::kNumber, std::string(s.substr(i, j - i))});
      i = j;
    } else if (c == '[') {
      size_t j = s.find(']', i);
      if (j == std::string_view::npos) j = s.size() - 1;
      out.push_back({PTok::kPunct, "["});
      out.push_back({PTok::kDuration, std::string(s.substr(i + 1, j - i - 1))});
      out.push_back({PTok::kPunct, "]"});
      i = j + 1;
    } else {
      out.push_back({PTok::kPunct, std::string(1, c)});
      ++i;
    }
  }
  return out;
}

bool is_keyword(std::string_view s) {
  for (std::string_view k : {"by", "without", "on", "ignoring", "group_left", "group_right",
                             "offset", "bool", "and", "or", "unless", "inf", "nan", "atan2"})
    if (s == k) return true;
  return false;
}

// The prefix engines put before their metric names: "vllm:", "tgi_", "trtllm_".
std::string name_prefix(std::string_view name) {
  size_t colon = name.find(':');
  if (colon != std::string_view::npos) return std::string(name.substr(0, colon + 1));
  size_t us = name.find('_');
  return us == std::string_view::npos ? std::string() : std::string(name.substr(0, us + 1));
}

}  // namespace

MetricFacts build_metric_facts(const catalog::Catalog& cat) {
  MetricFacts out;
  auto add = [&out](const std::string& owner, const std::string& counter_suffix,
                    const std::vector<catalog::EngineMetric>& metrics) {
    for (const auto& m : metrics) {
      if (!m.removed_in.empty() && m.replaces.empty())
        out.old_names[m.name] = {"", owner, m.deprecated_in, m.removed_in};
      else
        out.types[m.name] = m.type;
      for (const auto& old : m.replaces)
        out.old_names[old] = {m.name, owner, m.deprecated_in, m.removed_in};
      std::string p = name_prefix(m.name);
      if (!p.empty() && !out.prefix_engine.count(p)) {
        out.prefix_engine[p] = owner;
        out.prefix_suffix.emplace_back(p, counter_suffix);
      }
    }
  };
  for (const auto& e : cat.engines) add(e.name, e.counter_suffix, e.metrics);
  for (const auto& x : cat.exporters) add(x.name, x.counter_suffix, x.metrics);
  return out;
}

bool Query::is_metric(size_t i) const {
  if (t[i].kind != PTok::kIdent || label[i] || is_keyword(t[i].text)) return false;
  return !(i + 1 < t.size() && t[i + 1].text == "(");
}

size_t Query::close_of(size_t open) const {
  int depth = 0;
  for (size_t i = open; i < t.size(); ++i) {
    if (t[i].kind != PTok::kPunct) continue;
    if (t[i].text == "(") ++depth;
    if (t[i].text == ")" && --depth == 0) return i;
  }
  return t.size();
}

Query parse_promql(std::string_view expr) {
  Query q;
  q.t = lex_promql(expr);
  const auto& t = q.t;
  q.label.assign(t.size(), false);
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i].kind == PTok::kPunct && t[i].text == "{") {
      size_t j = i + 1;
      while (j < t.size() && !(t[j].kind == PTok::kPunct && t[j].text == "}")) q.label[j++] = true;
      i = j;
    } else if (t[i].kind == PTok::kIdent &&
               (t[i].text == "by" || t[i].text == "without" || t[i].text == "on" ||
                t[i].text == "ignoring" || t[i].text == "group_left" ||
                t[i].text == "group_right") &&
               i + 1 < t.size() && t[i + 1].text == "(") {
      size_t close = q.close_of(i + 1);
      for (size_t j = i + 1; j < close && j < t.size(); ++j) q.label[j] = true;
      i = close;
    }
  }
  q.native.assign(t.size(), false);
  for (size_t i = 0; i + 1 < t.size(); ++i) {
    if (t[i].kind != PTok::kIdent || t[i + 1].text != "(") continue;
    const std::string& fn = t[i].text;
    if (fn != "histogram_quantile" && fn != "histogram_count" && fn != "histogram_sum" &&
        fn != "histogram_avg" && fn != "histogram_fraction" && fn != "histogram_stddev" &&
        fn != "histogram_stdvar")
      continue;
    size_t close = q.close_of(i + 1);
    for (size_t j = i + 2; j < close && j < t.size(); ++j) q.native[j] = true;
  }
  return q;
}

bool is_aggregation(std::string_view s) {
  for (std::string_view a :
       {"sum", "min", "max", "avg", "count", "group", "stddev", "stdvar", "topk", "bottomk",
        "quantile", "count_values", "limitk", "limit_ratio"})
    if (s == a) return true;
  return false;
}

const std::string* MetricFacts::counter_suffix_for(std::string_view name) const {
  std::string p = name_prefix(name);
  for (const auto& [prefix, suffix] : prefix_suffix)
    if (prefix == p) return &suffix;
  return nullptr;
}

std::string MetricFacts::engine_for(std::string_view name) const {
  auto it = prefix_engine.find(name_prefix(name));
  return it == prefix_engine.end() ? std::string() : it->second;
}

std::string strip_metric_suffix(const std::string& name) {
  for (std::string_view s : {"_bucket", "_count", "_sum", "_total"})
    if (name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0)
      return name.substr(0, name.size() - s.size());
  return name;
}

std::string underscored(std::string s) {
  for (char& c : s)
    if (c == ':') c = '_';
  return s;
}

}  // namespace llmctl::audit::detail
