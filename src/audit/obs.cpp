// Observability rules: PromQL in alert/recording rules, dashboards and autoscalers (OBS001-OBS003)
// and alerting hygiene (OBS004). A small PromQL lexer is enough: the rules need metric names,
// the function each sits in, and the grouping of aggregations.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>

#include "audit/internal.h"
#include "common/strings.h"

namespace llmctl::audit::detail {
namespace {

struct PTok {
  enum Kind { kIdent, kString, kNumber, kPunct, kDuration } kind;
  std::string text;
};

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

bool is_aggregation(std::string_view s) {
  for (std::string_view a :
       {"sum", "min", "max", "avg", "count", "group", "stddev", "stdvar", "topk", "bottomk",
        "quantile", "count_values", "limitk", "limit_ratio"})
    if (s == a) return true;
  return false;
}

bool is_keyword(std::string_view s) {
  for (std::string_view k : {"by", "without", "on", "ignoring", "group_left", "group_right",
                             "offset", "bool", "and", "or", "unless", "inf", "nan", "atan2"})
    if (s == k) return true;
  return false;
}

// Index of the token matching the '(' at `open`, or tokens.size().
size_t close_of(const std::vector<PTok>& t, size_t open) {
  int depth = 0;
  for (size_t i = open; i < t.size(); ++i) {
    if (t[i].kind != PTok::kPunct) continue;
    if (t[i].text == "(") ++depth;
    if (t[i].text == ")" && --depth == 0) return i;
  }
  return t.size();
}

struct Deprecated {
  std::string replacement, engine, version;
};

std::map<std::string, Deprecated> deprecated_metrics(const catalog::Catalog& cat) {
  std::map<std::string, Deprecated> out;
  for (const auto& e : cat.engines)
    for (const auto& m : e.metrics)
      for (const auto& old : m.replaces) out[old] = {m.name, e.name, m.deprecated_in};
  return out;
}

std::string underscored(std::string s) {
  for (char& c : s)
    if (c == ':') c = '_';
  return s;
}

std::string strip_suffix(const std::string& name) {
  for (std::string_view s : {"_bucket", "_count", "_sum", "_total"})
    if (ends_with(name, s)) return name.substr(0, name.size() - s.size());
  return name;
}

}  // namespace

void check_promql(FileCtx& f, std::string_view expr, Pos pos, std::string_view where) {
  if (expr.empty()) return;
  std::vector<PTok> t = lex_promql(expr);
  static thread_local const catalog::Catalog* cached_for = nullptr;
  static thread_local std::map<std::string, Deprecated> deprecated;
  static thread_local std::map<std::string, std::string> types;
  if (cached_for != &f.cat) {
    deprecated = deprecated_metrics(f.cat);
    types.clear();
    for (const auto& e : f.cat.engines)
      for (const auto& m : e.metrics) types[m.name] = m.type;
    cached_for = &f.cat;
  }
  auto at = [&](const std::string& needle) { return f.find_from(pos.line, needle, pos, 200); };

  // Mark tokens that are label names (inside {...}, by(...), without(...), on(...), ...).
  std::vector<bool> label(t.size(), false);
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i].kind == PTok::kPunct && t[i].text == "{") {
      size_t j = i + 1;
      while (j < t.size() && !(t[j].kind == PTok::kPunct && t[j].text == "}")) label[j++] = true;
      i = j;
    } else if (t[i].kind == PTok::kIdent &&
               (t[i].text == "by" || t[i].text == "without" || t[i].text == "on" ||
                t[i].text == "ignoring" || t[i].text == "group_left" ||
                t[i].text == "group_right") &&
               i + 1 < t.size() && t[i + 1].text == "(") {
      size_t close = close_of(t, i + 1);
      for (size_t j = i + 1; j < close && j < t.size(); ++j) label[j] = true;
      i = close;
    }
  }
  auto is_metric = [&](size_t i) {
    if (t[i].kind != PTok::kIdent || label[i] || is_keyword(t[i].text)) return false;
    return !(i + 1 < t.size() && t[i + 1].text == "(");
  };

  // OBS001: deprecated engine metrics.
  for (size_t i = 0; i < t.size(); ++i) {
    if (!is_metric(i)) continue;
    const std::string& name = t[i].text;
    for (const std::string& cand : {name, strip_suffix(name)}) {
      auto it = deprecated.find(cand);
      if (it == deprecated.end())
        for (const auto& [old, d] : deprecated)
          if (underscored(old) == cand) it = deprecated.find(old);
      if (it == deprecated.end()) continue;
      f.emit(
          "OBS001", at(name),
          fmt::format("{} uses {}, deprecated in {} {} (replaced by {}); hidden and then "
                      "removed in later releases, so the query silently returns nothing",
                      where, name, it->second.engine, it->second.version, it->second.replacement),
          fmt::format("query {}{} instead", it->second.replacement,
                      name.size() > cand.size() ? name.substr(cand.size()) : ""));
      break;
    }
  }
  // Arguments of native-histogram functions: rate(x) there is a native histogram, not a bug.
  std::vector<bool> native(t.size(), false);
  for (size_t i = 0; i + 1 < t.size(); ++i) {
    if (t[i].kind != PTok::kIdent || t[i + 1].text != "(") continue;
    const std::string& fn = t[i].text;
    if (fn != "histogram_quantile" && fn != "histogram_count" && fn != "histogram_sum" &&
        fn != "histogram_avg" && fn != "histogram_fraction" && fn != "histogram_stddev" &&
        fn != "histogram_stdvar")
      continue;
    size_t close = close_of(t, i + 1);
    for (size_t j = i + 2; j < close && j < t.size(); ++j) native[j] = true;
  }
  // OBS002: rate()/increase()/irate() over a series that is not a counter sample.
  for (size_t i = 0; i + 2 < t.size(); ++i) {
    if (t[i].kind != PTok::kIdent ||
        !(t[i].text == "rate" || t[i].text == "irate" || t[i].text == "increase") ||
        t[i + 1].text != "(" || !is_metric(i + 2))
      continue;
    const std::string& name = t[i + 2].text;
    if (ends_with(name, "_total") || ends_with(name, "_count") || ends_with(name, "_sum") ||
        ends_with(name, "_bucket"))
      continue;
    auto type = types.find(name);
    std::string msg;
    std::string fix;
    if (type != types.end() && type->second == "counter") continue;  // e.g. tgi_request_count
    if (types.count(name + "_total")) {
      msg = fmt::format(
          "{}({}) in {}: the counter is exposed as {}_total, so this series does "
          "not exist and the expression is always empty",
          t[i].text, name, where, name);
      fix = fmt::format("use {}({}_total[...])", t[i].text, name);
    } else if (type != types.end() && type->second == "histogram") {
      msg = fmt::format(
          "{}({}) in {}: {} is a histogram; only its _bucket, _sum and _count "
          "series exist",
          t[i].text, name, where, name);
      fix = fmt::format("rate {}_count for a request rate, or {}_sum / {}_count for a mean", name,
                        name, name);
    } else if (type != types.end()) {
      msg = fmt::format("{}({}) in {}: {} is a {}, and {}() is only defined on counters", t[i].text,
                        name, where, name, type->second, t[i].text);
      fix = "use the gauge directly, or deriv()/delta() for its trend";
    } else if (native[i]) {
      continue;  // a native histogram under histogram_quantile() & co.
    } else {
      msg = fmt::format(
          "{}({}) in {}: the name does not end in _total/_count/_sum/_bucket, so it "
          "is not a counter sample (counters are exposed with _total)",
          t[i].text, name, where);
      fix = fmt::format("use the counter's exposed name (usually {}_total)", name);
    }
    f.emit("OBS002", at(name), msg, fix);
  }
  // OBS003: histogram_quantile over an aggregation that drops `le`.
  for (size_t i = 0; i + 1 < t.size(); ++i) {
    if (t[i].kind != PTok::kIdent || t[i].text != "histogram_quantile" || t[i + 1].text != "(")
      continue;
    size_t close = close_of(t, i + 1);
    size_t j = i + 2;
    int depth = 0;
    while (j < close) {  // skip φ
      if (t[j].text == "(") ++depth;
      if (t[j].text == ")") --depth;
      if (t[j].text == "," && depth == 0) break;
      ++j;
    }
    if (j >= close || j + 1 >= close) continue;
    size_t a = j + 1;
    if (t[a].kind != PTok::kIdent || !is_aggregation(t[a].text)) continue;
    // The series aggregated: native histograms (no _bucket) need no `le`.
    bool classic = false;
    for (size_t k = a; k < close; ++k)
      if (is_metric(k) && ends_with(t[k].text, "_bucket")) classic = true;
    if (!classic) continue;
    std::vector<std::string> by, without;
    bool grouped = false;
    auto read_list = [&](size_t open, std::vector<std::string>& into) {
      size_t c = close_of(t, open);
      for (size_t k = open + 1; k < c; ++k)
        if (t[k].kind == PTok::kIdent) into.push_back(t[k].text);
      return c;
    };
    size_t k = a + 1;
    if (k < close && (t[k].text == "by" || t[k].text == "without") && k + 1 < close &&
        t[k + 1].text == "(") {
      grouped = true;
      k = read_list(k + 1, t[k].text == "by" ? by : without) + 1;
    }
    if (k < close && t[k].text == "(") {
      size_t body_close = close_of(t, k);
      size_t m = body_close + 1;
      if (!grouped && m + 1 < t.size() && (t[m].text == "by" || t[m].text == "without") &&
          t[m + 1].text == "(") {
        grouped = true;
        read_list(m + 1, t[m].text == "by" ? by : without);
      }
    }
    bool drops = false;
    std::string how;
    if (!grouped) {
      drops = true;
      how = fmt::format("{}(...) without by (le)", t[a].text);
    } else if (!without.empty() || (by.empty() && without.empty())) {
      for (const auto& l : without) drops = drops || l == "le";
      if (drops) how = fmt::format("{} without (..., le, ...)", t[a].text);
    } else {
      drops = std::find(by.begin(), by.end(), "le") == by.end();
      how = fmt::format("{} by ({})", t[a].text, join(by, ", "));
    }
    if (drops)
      f.emit("OBS003", at("histogram_quantile"),
             fmt::format("histogram_quantile in {} aggregates with {}: the le label is dropped, "
                         "so the quantile is computed from one bucket and is meaningless",
                         where, how),
             fmt::format("keep le in the grouping: {} by (le{}) (...)", t[a].text,
                         by.empty() ? "" : ", " + join(by, ", ")));
  }
}

void check_prometheus_groups(FileCtx& f, const Node& groups) {
  for (const auto& g : groups.seq) {
    for (const auto& r : deref(g.get("rules")).seq) {
      const Node* alert = r.get("alert");
      const Node* expr = r.get("expr");
      std::string name = alert ? alert->str() : deref(r.get("record")).str();
      if (expr)
        check_promql(f, expr->str(), expr->pos,
                     fmt::format("{} '{}'", alert ? "alert" : "recording rule", name));
      if (!alert) continue;
      const Node* fr = r.get("for");
      std::string v = fr ? trim(fr->str()) : "";
      bool zero = v.empty() || v == "0" || v == "0s" || v == "0m" || v == "0h";
      if (zero)
        f.emit("OBS004", r.key_pos("alert"),
               fmt::format("alert '{}' {}, so it fires on a single evaluation: one scrape gap or "
                           "a short spike pages someone",
                           name, fr ? "has for: " + v : "has no for: clause"),
               "add `for:` (e.g. for: 5m; at least a few evaluation intervals)");
    }
  }
}

void check_grafana(FileCtx& f, const Node& doc) {
  std::string title = deref(doc.get("title")).str();
  std::function<void(const Node&)> panels = [&](const Node& list) {
    for (const auto& p : list.seq) {
      std::string pt = deref(p.get("title")).str();
      for (const auto& t : deref(p.get("targets")).seq) {
        const Node* e = t.get("expr");
        if (!e) e = t.get("query");
        if (e && e->is_scalar())
          check_promql(f, e->scalar, e->pos,
                       fmt::format("dashboard panel '{}'", pt.empty() ? title : pt));
      }
      if (const Node* sub = p.get("panels")) panels(*sub);
    }
  };
  panels(deref(doc.get("panels")));
  for (const auto& row : deref(doc.get("rows")).seq) panels(deref(row.get("panels")));
  for (const auto& v : deref(doc.at("templating.list")).seq) {
    const Node* q = v.get("query");
    if (q && q->is_map()) q = q->get("query");
    if (q && q->is_scalar())
      check_promql(f, q->scalar, q->pos,
                   fmt::format("dashboard variable '{}'", deref(v.get("name")).str()));
  }
}

}  // namespace llmctl::audit::detail
