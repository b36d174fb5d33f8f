// Observability: PromQL in alert/recording rules, dashboards and autoscalers (OBS001 deprecated
// or removed engine metrics, OBS002 rate() over a non-counter, OBS003 histogram_quantile without
// le) and alerting hygiene (OBS004 alerts without `for:`).
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <optional>

#include "audit/facts/promql.h"
#include "audit/rules/rules.h"
#include "common/strings.h"

namespace llmctl::audit::detail {
namespace {

using S = Severity;

std::string old_metric_message(std::string_view where, const std::string& name,
                               const MetricFacts::Old& o) {
  if (o.replacement.empty())
    return fmt::format(
        "{} uses {}, removed in {} {} with no replacement: the query silently "
        "returns nothing on current engines",
        where, name, o.engine, o.removed_in);
  std::string when = fmt::format("deprecated in {} {}", o.engine, o.deprecated_in);
  if (o.deprecated_in.empty()) when = fmt::format("renamed in {}", o.engine);
  if (!o.removed_in.empty()) when += fmt::format(" and removed in {}", o.removed_in);
  return fmt::format("{} uses {}, {} (replaced by {}){}", where, name, when, o.replacement,
                     o.removed_in.empty() ? "; deprecated names are dropped in later releases "
                                            "(vLLM hides them first), and the query then "
                                            "silently returns nothing"
                                          : ": the query silently returns nothing there");
}

void check_old_metrics(FileCtx& f, const Query& q, std::string_view where,
                       const std::function<Pos(const std::string&)>& at) {
  const MetricFacts& mf = f.auditor.metrics();
  for (size_t i = 0; i < q.t.size(); ++i) {
    if (!q.is_metric(i)) continue;
    const std::string& name = q.t[i].text;
    for (const std::string& cand : {name, strip_metric_suffix(name)}) {
      auto it = mf.old_names.find(cand);
      if (it == mf.old_names.end())
        for (const auto& [old, d] : mf.old_names)
          if (underscored(old) == cand) it = mf.old_names.find(old);
      if (it == mf.old_names.end()) continue;
      const auto& o = it->second;
      // Decided in finish(), against the engine versions the audited tree deploys.
      if (auto fd = f.make(
              "OBS001", at(name), old_metric_message(where, name, o),
              o.replacement.empty()
                  ? std::string("remove the panel or alert, or derive it from a current metric")
                  : fmt::format("query {}{} instead", o.replacement,
                                name.size() > cand.size() ? name.substr(cand.size()) : "")))
        f.facts.old_metrics.push_back(
            {std::move(*fd), o.engine, o.deprecated_in.empty() ? o.removed_in : o.deprecated_in});
      break;
    }
  }
}

void check_rate_targets(FileCtx& f, const Query& q, std::string_view where,
                        const std::function<Pos(const std::string&)>& at) {
  const MetricFacts& mf = f.auditor.metrics();
  const auto& t = q.t;
  for (size_t i = 0; i + 2 < t.size(); ++i) {
    if (t[i].kind != PTok::kIdent ||
        !(t[i].text == "rate" || t[i].text == "irate" || t[i].text == "increase") ||
        t[i + 1].text != "(" || !q.is_metric(i + 2))
      continue;
    const std::string& name = t[i + 2].text;
    if (ends_with(name, "_total") || ends_with(name, "_count") || ends_with(name, "_sum") ||
        ends_with(name, "_bucket"))
      continue;
    auto type = mf.types.find(name);
    if (type != mf.types.end() && type->second == "counter") continue;  // exposed as named
    std::string msg, fix;
    if (mf.types.count(name + "_total")) {
      msg = fmt::format(
          "{}({}) in {}: the counter is exposed as {}_total, so this series does "
          "not exist and the expression is always empty",
          t[i].text, name, where, name);
      fix = fmt::format("use {}({}_total[...])", t[i].text, name);
    } else if (type != mf.types.end() && type->second == "histogram") {
      msg = fmt::format(
          "{}({}) in {}: {} is a histogram; only its _bucket, _sum and _count "
          "series exist",
          t[i].text, name, where, name);
      fix = fmt::format("rate {}_count for a request rate, or {}_sum / {}_count for a mean", name,
                        name, name);
    } else if (type != mf.types.end()) {
      msg = fmt::format("{}({}) in {}: {} is a {}, and {}() is only defined on counters", t[i].text,
                        name, where, name, type->second, t[i].text);
      fix = "use the gauge directly, or deriv()/delta() for its trend";
    } else if (const std::string* suffix = mf.counter_suffix_for(name);
               q.native[i] || !suffix || suffix->empty()) {
      // A native histogram under histogram_quantile() & co.; an engine or exporter whose
      // counters keep their bare names (TGI, Triton, dcgm-exporter): the name may well be the
      // counter; or a name no catalog engine or exporter owns, whose exporter's naming the
      // audit cannot see (the application's own metrics, a recording rule's output).
      continue;
    } else {
      msg = fmt::format(
          "{}({}) in {}: the name does not end in _total/_count/_sum/_bucket, so "
          "it is not a counter sample (counters are exposed with _total)",
          t[i].text, name, where);
      fix = fmt::format("use the counter's exposed name (usually {}_total)", name);
    }
    f.emit("OBS002", at(name), msg, fix);
  }
}

void check_quantile_grouping(FileCtx& f, const Query& q, std::string_view where,
                             const std::function<Pos(const std::string&)>& at) {
  const auto& t = q.t;
  for (size_t i = 0; i + 1 < t.size(); ++i) {
    if (t[i].kind != PTok::kIdent || t[i].text != "histogram_quantile" || t[i + 1].text != "(")
      continue;
    size_t close = q.close_of(i + 1);
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
      if (q.is_metric(k) && ends_with(t[k].text, "_bucket")) classic = true;
    if (!classic) continue;
    std::vector<std::string> by, without;
    bool grouped = false;
    auto read_list = [&](size_t open, std::vector<std::string>& into) {
      size_t c = q.close_of(open);
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
      size_t body_close = q.close_of(k);
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

}  // namespace

void join_old_metrics(const ProjectFacts& facts, std::vector<Finding>& out) {
  for (const auto& m : facts.old_metrics) {
    std::vector<const std::string*> pins;
    for (const auto& p : facts.engine_pins)
      if (p.engine == m.engine) pins.push_back(&p.version);
    bool all_older = !m.since.empty() && !pins.empty();
    for (const std::string* v : pins)
      if (v->empty() || catalog::compare_versions(*v, m.since) >= 0) all_older = false;
    if (all_older) continue;  // current in every release of the engine this project deploys
    out.push_back(m.finding);
  }
}

namespace {

std::string_view trim_value(std::string_view v) {
  size_t hash = v.find(" #");
  if (hash != std::string_view::npos) v = v.substr(0, hash);
  while (!v.empty() && (v.front() == ' ' || v.front() == '"' || v.front() == '\''))
    v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '"' || v.back() == '\'' ||
                        v.back() == '\r' || v.back() == ','))
    v.remove_suffix(1);
  return v;
}

// "v0.6.3.post1" -> "0.6.3", "0.1.0-cuda" -> "0.1.0"; "" for latest, main, a variable, ...
std::string release_of(std::string_view tag) {
  if (!tag.empty() && (tag[0] == 'v' || tag[0] == 'V')) tag.remove_prefix(1);
  size_t i = 0;
  int dots = 0;
  while (i < tag.size() &&
         ((tag[i] >= '0' && tag[i] <= '9') || (tag[i] == '.' && i > 0 && i + 1 < tag.size() &&
                                               tag[i + 1] >= '0' && tag[i + 1] <= '9'))) {
    dots += tag[i] == '.';
    ++i;
  }
  if (dots == 0 || i == 0) return "";
  return std::string(tag.substr(0, i));
}

bool line_is_top(std::string_view l) { return !l.empty() && l[0] != ' ' && l[0] != '-'; }

// The catalog engine whose own build an image repository names (vllm-openai, nm-vllm-openai:
// vLLM), or nullptr.
const catalog::Engine* engine_of_repository(const catalog::Catalog& cat, std::string_view repo) {
  std::string l = to_lower(repo);
  size_t slash = l.find_last_of('/');
  std::string name = slash == std::string::npos ? l : l.substr(slash + 1);
  for (const auto& e : cat.engines)
    if (!e.id.empty() && contains(name, to_lower(e.id))) return &e;
  return nullptr;
}

}  // namespace

void collect_engine_pins(FileCtx& f) {
  bool any = false;
  for (const auto& e : f.cat.engines)
    if (!e.metrics.empty() && icontains(f.text, e.id)) any = true;
  if (!any) return;
  const bool chart = ends_with(f.rel, "Chart.yaml") || ends_with(f.rel, "Chart.yml");
  const catalog::Engine* chart_engine = nullptr;  // an engine chart: its name names the engine
  std::string_view pending_repo;                  // a Helm `repository:` waiting for its `tag:`
  std::string_view chart_app_version;
  int pending_line = 0;
  size_t start = 0;
  for (int line = 1; start <= f.text.size(); ++line) {
    size_t end = f.text.find('\n', start);
    std::string_view l = f.text.substr(start, end == std::string_view::npos ? end : end - start);
    start = end == std::string_view::npos ? f.text.size() + 1 : end + 1;
    size_t k = l.find_first_not_of(" -\t");
    if (k == std::string_view::npos || l[k] == '#') continue;
    std::string_view body = l.substr(k);
    auto value_of = [&](std::string_view key) -> std::optional<std::string_view> {
      if (!starts_with(body, key)) return std::nullopt;
      return trim_value(body.substr(key.size()));
    };
    // A tag that names no release (latest, nightly, main, a variable) may be any current
    // release: recorded as "" (newer than every version).
    auto pin = [&](const catalog::Engine* e, std::string_view tag) {
      if (!e || e->metrics.empty() || tag.empty()) return;
      f.facts.engine_pins.push_back({e->name, release_of(tag)});
    };
    if (auto v = value_of("image:"); v && !v->empty()) {
      std::string_view img = *v;
      size_t slash = img.find_last_of('/');
      size_t colon = img.find(':', slash == std::string_view::npos ? 0 : slash);
      pin(engine_of_repository(f.cat, img.substr(0, colon)),
          colon == std::string_view::npos ? std::string_view("latest") : img.substr(colon + 1));
    } else if (auto r = value_of("repository:"); r && !r->empty()) {
      pending_repo = *r;
      pending_line = line;
    } else if (auto t = value_of("tag:"); t && !pending_repo.empty() && line - pending_line <= 8) {
      pin(engine_of_repository(f.cat, pending_repo), *t);
      pending_repo = {};
    } else if (auto n = value_of("name:"); n && chart && !chart_engine && line_is_top(l)) {
      chart_engine = engine_of_repository(f.cat, *n);
    } else if (auto a = value_of("appVersion:"); a && chart && line_is_top(l)) {
      chart_app_version = *a;
    }
  }
  if (chart_engine && !chart_app_version.empty() && !chart_engine->metrics.empty())
    f.facts.engine_pins.push_back({chart_engine->name, release_of(chart_app_version)});
}

void add_obs_rule_docs(std::vector<RuleInfo>& out) {
  out.push_back(
      {"OBS001", "observability", S::kWarning,
       "Alert, dashboard or autoscaler on a deprecated or removed engine metric",
       "PromQL in Prometheus rules, PrometheusRule objects, Grafana dashboards (targets and "
       "variables), KEDA triggers or HPA external metrics uses a metric that the catalog lists "
       "in an engine metric's `replaces` (e.g. vllm:gpu_cache_usage_perc, "
       "vllm:time_per_output_token_seconds) or as removed without a successor (vLLM V0's "
       "vllm:num_requests_swapped, vllm:cpu_cache_usage_perc), with or without "
       "_bucket/_sum/_count and in the underscored form prometheus-adapter produces. The "
       "message gives the versions that deprecated and removed it. The name is judged against "
       "the engine releases the audited tree deploys: when every release it pins (an image tag "
       "of the engine's own build such as vllm/vllm-openai:v0.6.3 or nm-vllm-openai:v0.1.0, a "
       "Helm repository/tag pair, an engine chart's appVersion) is older than the release that "
       "deprecated (or removed) the name, the name is current there and is not reported; a "
       "floating tag (latest, nightly) or no pin at all keeps the finding.",
       "Deprecated metrics are hidden and then removed (vLLM: deprecated 0.9/0.11, hidden in "
       "the next minor, removed after; the V0 engine's metrics went with V0), so the alert "
       "never fires and the autoscaler sees nothing (vllm-project/vllm:vllm/v1/metrics/"
       "loggers.py). Research: agents-and-deploy.md §3.1, §4.2 item 33.",
       "Query the replacement metric the message names.", "expr: vllm:gpu_cache_usage_perc > 0.9"});
  out.push_back(
      {"OBS002", "observability", S::kWarning, "rate()/increase() over a non-counter name",
       "rate/irate/increase over a series named without _total/_count/_sum/_bucket that "
       "belongs to a catalog engine or exporter (by its name prefix: vllm:, sglang:, tgi_, "
       "trtllm_, nv_, DCGM_, ...), unless the catalog knows it as a counter or its owner "
       "exposes counters without a suffix (the catalog's counter_suffix: none, e.g. TGI's Rust "
       "exporter, Triton, dcgm-exporter). Names no catalog engine or exporter owns (an "
       "application's own metrics, recording-rule outputs) are not judged: how their exporter "
       "names counters is not visible. The message says whether the counter exists with "
       "_total (the series does not exist), the name is a histogram base name, or a gauge.",
       "Prometheus client libraries expose counters with a _total suffix, so rate(x[5m]) on "
       "the base name is always empty; vLLM's own example rule had rate(vllm:num_preemptions"
       "[5m]) (vllm-project/vllm:examples/online_serving/prometheus_grafana/k8s-monitoring/"
       "prometheusrule.yaml; docs/design/metrics.md). Research: agents-and-deploy.md §3.1, "
       "§4.2 item 34.",
       "Use the exposed counter name (name_total) or the histogram's _count/_sum/_bucket.",
       "rate(vllm:num_preemptions[5m])"});
  out.push_back(
      {"OBS003", "observability", S::kError, "histogram_quantile whose aggregation drops le",
       "histogram_quantile over an aggregation (sum, max, ...) of classic _bucket series "
       "without le in by (...), with le in without (...), or with no grouping at all; "
       "aggregations written either as sum by (le) (...) or sum(...) by (le) are understood; "
       "native histograms (no _bucket) are not flagged.",
       "histogram_quantile needs the le label to find bucket boundaries; without it the result "
       "is meaningless. vLLM's reference rules use sum by (le, model_name). Research: "
       "agents-and-deploy.md §3.1, §4.2 item 35.",
       "Keep le in the grouping: sum by (le, ...) (rate(x_bucket[5m])).",
       "histogram_quantile(0.99, sum(rate(vllm:e2e_request_latency_seconds_bucket[5m])))"});
  out.push_back(
      {"OBS004", "observability", S::kWarning, "Alert rule without `for:`",
       "An alerting rule (alert:) with no for: clause (or an empty one). Recording rules are "
       "not alerts. An explicit for: 0s / for: 0m is not reported: writing it is a decision to "
       "fire at once (an alert on a recorded fact such as a gauge holding the last load's "
       "duration, a heartbeat, an info alert), and the expression does not show the rule "
       "whether its series is spiky; the missing field is what goes wrong by default.",
       "Without a pending period one evaluation (a scrape gap, a short spike) pages someone; "
       "the vLLM reference rules all carry for:. Research: agents-and-deploy.md §4.2 item 35.",
       "Add for: (several evaluation intervals, e.g. 5m).",
       "- alert: VllmQueueHigh\n  expr: vllm:num_requests_waiting > 50"});
}

void check_promql(FileCtx& f, std::string_view expr, Pos pos, std::string_view where) {
  if (expr.empty()) return;
  Query q = parse_promql(expr);
  auto at = [&](const std::string& needle) { return f.find_from(pos.line, needle, pos, 200); };
  check_old_metrics(f, q, where, at);
  check_rate_targets(f, q, where, at);
  check_quantile_grouping(f, q, where, at);
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
      // Only a missing for: is reported: an explicit for: 0s/0m is the author's decision to
      // fire at once (a recorded fact such as a last-load-duration gauge, a heartbeat), which
      // the expression alone does not let the rule tell from a spiky series.
      const Node* fr = r.get("for");
      if (!fr || trim(fr->str()).empty())
        f.emit("OBS004", r.key_pos("alert"),
               fmt::format("alert '{}' has no for: clause, so it fires on a single evaluation: "
                           "one scrape gap or a short spike pages someone",
                           name),
               "add `for:` (e.g. for: 5m; at least a few evaluation intervals), or write "
               "for: 0s where firing at once is intended");
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

// Dashboards embedded in a ConfigMap's data: positions are re-found in the file text.
void check_dashboard_configmap(FileCtx& f, const Node& obj) {
  for (const auto& [k, v] : deref(obj.get("data")).map) {
    if (!v.is_scalar() || !contains(v.scalar, "\"panels\"")) continue;
    auto doc = parse_json(v.scalar);
    if (!doc) continue;
    FileCtx inner(f.auditor, f.path, f.rel, v.scalar);
    const Node* d = &*doc;
    if (const Node* dd = d->get("dashboard")) d = dd;
    check_grafana(inner, *d);
    auto outer_pos = [&](const Finding& fd) {
      std::string_view line = inner.line_text(fd.line);
      std::string needle = trim(line.substr(0, std::min<size_t>(line.size(), 60)));
      size_t q = needle.find_first_of("\"\\");
      if (q != std::string::npos && q > 8) needle = needle.substr(0, q);
      return f.find_from(v.pos.line, needle, v.pos, 100000);
    };
    for (auto& fd : inner.findings) f.emit(fd.rule, outer_pos(fd), fd.message, fd.fix, fd.severity);
    for (auto& m : inner.facts.old_metrics)
      if (auto fd = f.make(m.finding.rule, outer_pos(m.finding), m.finding.message, m.finding.fix,
                           m.finding.severity))
        f.facts.old_metrics.push_back({std::move(*fd), m.engine, m.since});
  }
}

}  // namespace llmctl::audit::detail
