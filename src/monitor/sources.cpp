// Collection: Prometheus HTTP API, repeated scrapes, exposition files, rule files. The pure parts
// (parsing, merging, arithmetic) live in exposition/snapshot/rules; this file does the I/O and
// decides what to ask for from the catalog's metric facts.
#include "monitor/sources.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "common/strings.h"
#include "monitor/http_get.h"
#include "monitor/rules.h"
#include "monitor/signals.h"

namespace llmctl::monitor {

namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

class RealClock final : public Clock {
 public:
  double now_s() const override {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  void sleep_s(double s) override {
    if (s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(s));
  }
};

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("{}: cannot read the file", path)};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---- Prometheus HTTP API ----------------------------------------------------------------------

class PrometheusApi {
 public:
  PrometheusApi(std::string base, double timeout_s, std::string token)
      : base_(std::move(base)), timeout_s_(timeout_s), token_(std::move(token)) {
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
  }
  const std::string& base() const { return base_; }

  // The `data` member of a successful answer.
  Result<json::value> get(const std::string& path_and_query) const {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!token_.empty()) headers.emplace_back("Authorization", "Bearer " + token_);
    auto r = http_get(base_ + path_and_query, timeout_s_, headers);
    if (!r) return r.error();
    boost::system::error_code ec;
    json::value v = json::parse(r->body, ec);
    if (ec || !v.is_object())
      return Error{fmt::format("{}{}: HTTP {}: not a Prometheus API answer", base_,
                               path_and_query.substr(0, 80), r->status)};
    const auto& o = v.as_object();
    if (auto* st = o.if_contains("status");
        !st || !st->is_string() || st->as_string() != "success") {
      std::string err;
      if (auto* e = o.if_contains("error"); e && e->is_string()) err = std::string(e->as_string());
      return Error{fmt::format("{}: Prometheus answered HTTP {}: {}", base_, r->status, err)};
    }
    auto* data = o.if_contains("data");
    if (!data) return Error{fmt::format("{}: answer without data", base_)};
    return *data;
  }

  Result<json::value> query(const std::string& q, double t) const {
    return get(fmt::format("/api/v1/query?query={}&time={:.3f}", url_encode(q), t));
  }
  Result<json::value> query_range(const std::string& q, double start, double end,
                                  double step) const {
    return get(fmt::format("/api/v1/query_range?query={}&start={:.3f}&end={:.3f}&step={:.3f}",
                           url_encode(q), start, end, step));
  }

 private:
  std::string base_;
  double timeout_s_;
  std::string token_;
};

Labels labels_of(const json::object& metric, std::string* name) {
  Labels out;
  for (const auto& [k, v] : metric) {
    if (!v.is_string()) continue;
    if (k == "__name__") {
      if (name) *name = std::string(v.as_string());
      continue;
    }
    out.emplace_back(std::string(k), std::string(v.as_string()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

double number(const json::value& v) {
  if (v.is_string()) return parse_value(std::string(v.as_string())).value_or(std::nan(""));
  if (v.is_number()) return v.to_number<double>();
  return std::nan("");
}

// Each series of a `vector` result: labels, name, value.
template <typename F>
void each_vector(const json::value& data, F&& f) {
  if (!data.is_object()) return;
  auto* result = data.as_object().if_contains("result");
  if (!result || !result->is_array()) return;
  for (const auto& item : result->as_array()) {
    const auto& o = item.as_object();
    std::string name;
    Labels labels = labels_of(o.at("metric").as_object(), &name);
    const auto& pair = o.at("value").as_array();
    f(name, std::move(labels), number(pair.at(1)));
  }
}

template <typename F>
void each_matrix(const json::value& data, F&& f) {
  if (!data.is_object()) return;
  auto* result = data.as_object().if_contains("result");
  if (!result || !result->is_array()) return;
  for (const auto& item : result->as_array()) {
    const auto& o = item.as_object();
    std::string name;
    Labels labels = labels_of(o.at("metric").as_object(), &name);
    std::vector<Point> points;
    for (const auto& pv : o.at("values").as_array()) {
      const auto& pair = pv.as_array();
      const double v = number(pair.at(1));
      if (!std::isnan(v)) points.push_back({number(pair.at(0)), v});
    }
    if (!points.empty()) f(name, std::move(labels), std::move(points));
  }
}

// Names monitor reads: every catalog metric with a signal (current and older names), every
// gateway metric; histograms as their _bucket/_sum/_count series.
std::set<std::string> wanted_names(const MetricCatalog& mc) {
  std::set<std::string> out;
  for (const auto& set : mc.sets())
    for (const auto& m : set.metrics) {
      if (m.signal.empty() && set.kind != "gateway") continue;
      std::vector<std::string> names = m.replaces;
      names.push_back(m.name);
      for (const auto& n : names) {
        if (m.type == "histogram") {
          out.insert(n + "_bucket");
          out.insert(n + "_sum");
          out.insert(n + "_count");
        } else {
          out.insert(n);
        }
      }
    }
  return out;
}

// Counters whose long-window increases the burn-rate diagnoses need.
std::vector<std::string> burn_names(const MetricCatalog& mc, const std::set<std::string>& present) {
  std::vector<std::string> out;
  auto add = [&](const std::string& n) {
    if (present.count(n) && std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  };
  add(std::string(gw::kRequests));
  add(std::string(gw::kCost));
  for (std::string_view h : {gw::kTtft, gw::kTpot}) {
    add(std::string(h) + "_bucket");
    add(std::string(h) + "_count");
  }
  for (const char* signal : {"ttft", "tpot"})
    for (const auto& n : mc.engine_names(signal)) {
      add(n + "_bucket");
      add(n + "_count");
    }
  return out;
}

void collect_prometheus(const SourceOptions& o, const MetricCatalog& mc, const Thresholds& th,
                        double now, Snapshot& snap) {
  PrometheusApi api(o.prometheus, o.timeout_s, o.bearer_token);
  snap.prometheus = true;
  // 1. Which names exist, per target.
  std::vector<std::string> prefixes;
  for (const auto& set : mc.sets())
    if (auto p = name_prefix(set); !p.empty()) prefixes.push_back(p);
  std::string regex;
  for (const auto& p : prefixes) regex += (regex.empty() ? "" : "|") + p + ".*";
  const std::string names_query =
      fmt::format("group by (__name__, instance, job) ({{__name__=~\"{}\"}})", regex);
  auto names = api.query(names_query, now);
  if (!names) {
    snap.notes.push_back(names.error().message);
    return;
  }
  std::set<std::string> present;
  std::map<std::string, std::set<std::string>> by_instance;
  each_vector(*names, [&](const std::string& name, Labels labels, double) {
    present.insert(name);
    by_instance[std::string(label(labels, "instance"))].insert(name);
  });
  for (auto& [inst, ns] : by_instance) snap.exported_names[inst] = {ns.begin(), ns.end()};
  if (present.empty())
    snap.notes.push_back(
        fmt::format("{}: no series of a known engine, GPU exporter or llmctl gateway ({})",
                    api.base(), names_query));

  // 2. Raw series over the window.
  std::vector<std::string> fetch;
  for (const auto& n : wanted_names(mc))
    if (present.count(n)) fetch.push_back(n);
  const double step = std::max(1.0, std::round(o.window_s / 30));
  for (std::size_t i = 0; i < fetch.size(); i += 20) {
    std::string re;
    for (std::size_t j = i; j < std::min(fetch.size(), i + 20); ++j)
      re += (re.empty() ? "" : "|") + fetch[j];
    auto r = api.query_range(fmt::format("{{__name__=~\"{}\"}}", re), now - o.window_s, now, step);
    if (!r) {
      snap.notes.push_back(r.error().message);
      continue;
    }
    each_matrix(*r, [&](const std::string& name, Labels labels, std::vector<Point> points) {
      snap.series.push_back(Series{name, std::move(labels), std::move(points)});
    });
  }
  snap.index();

  // 3. Long-window increases for the burn rates (every window of every pair), for the series
  // the server holds a whole window of: a sample at least that old (`offset`). A server that
  // started 20 s ago would otherwise report 20 s of errors or spend as the last hour's.
  std::set<double> windows;
  for (const auto& b : th.burns) windows.insert(b.long_s), windows.insert(b.short_s);
  for (const auto& name : burn_names(mc, present))
    for (double w : windows) {
      auto r = api.query(
          fmt::format("increase({0}[{1}]) and {0} offset {1}", name, duration_text(w)), now);
      if (!r) {
        snap.notes.push_back(r.error().message);
        continue;
      }
      each_vector(*r, [&](const std::string&, Labels labels, double v) {
        if (!std::isnan(v)) snap.increases.push_back({name, std::move(labels), w, 0, v});
      });
    }

  // 4. Token baselines: window-sized steps over the last day.
  if (present.count(std::string(gw::kTokens)) && o.window_s > 0) {
    const std::string w = duration_text(o.window_s);
    const double range = std::min(86400.0, o.window_s * 5000);
    const std::string q = fmt::format("sum by (model) (increase({}[{}]))", gw::kTokens, w);
    if (auto r = api.query_range(q, now - range, now, o.window_s))
      each_matrix(*r, [&](const std::string&, Labels labels, std::vector<Point> points) {
        snap.expressions.push_back({"tokens_by_model", std::move(labels), std::move(points), q});
      });
    else
      snap.notes.push_back(r.error().message);
  }

  // 5. The server's rules, and its targets' health.
  if (auto r = api.get("/api/v1/rules"); r && r->is_object()) {
    if (auto* groups = r->as_object().if_contains("groups"); groups && groups->is_array())
      for (const auto& g : groups->as_array()) {
        const auto& go = g.as_object();
        const std::string group = go.contains("name") ? std::string(go.at("name").as_string()) : "";
        if (auto* rules = go.if_contains("rules"); rules && rules->is_array())
          for (const auto& rule : rules->as_array()) {
            const auto& ro = rule.as_object();
            if (!ro.contains("query")) continue;
            const std::string type =
                ro.contains("type") ? std::string(ro.at("type").as_string()) : "rule";
            const std::string name =
                ro.contains("name") ? std::string(ro.at("name").as_string()) : "";
            snap.rules.push_back({fmt::format("prometheus {} {} (group {})",
                                              type == "alerting" ? "alert" : "record", name, group),
                                  std::string(ro.at("query").as_string())});
          }
      }
  } else if (!r) {
    snap.notes.push_back(r.error().message);
  }
  if (auto r = api.get("/api/v1/targets?state=active"); r && r->is_object()) {
    if (auto* active = r->as_object().if_contains("activeTargets"); active && active->is_array())
      for (const auto& t : active->as_array()) {
        const auto& to = t.as_object();
        TargetInfo info;
        if (auto* l = to.if_contains("labels"); l && l->is_object()) {
          Labels ls = labels_of(l->as_object(), nullptr);
          info.instance = std::string(label(ls, "instance"));
          info.job = std::string(label(ls, "job"));
        }
        info.origin = "prometheus";
        info.up = to.contains("health") && to.at("health").as_string() == "up";
        if (auto* e = to.if_contains("lastError"); e && e->is_string())
          info.error = std::string(e->as_string());
        if (!info.up)
          snap.notes.push_back(
              fmt::format("target {} (job {}) is down: {}", info.instance, info.job, info.error));
        snap.targets.push_back(std::move(info));
      }
  }
}

// ---- scrapes and files ------------------------------------------------------------------------

std::string instance_of(const Url& u) { return u.host + ":" + u.port; }

}  // namespace

Clock& real_clock() {
  static RealClock c;
  return c;
}

namespace {

class SourceCollector final : public Collector {
 public:
  SourceCollector(SourceOptions o, const catalog::Catalog& cat, Clock& clock)
      : o_(std::move(o)), mc_(cat), clock_(clock), scraped_merger_(scraped_) {}

  Status prepare() {
    for (const auto& s : o_.scrapes) {
      auto u = parse_url(s);
      if (!u) return Error{"--scrape " + u.error().message};
      urls_.push_back(*u);
    }
    failed_.assign(urls_.size(), false);
    if (!o_.prometheus.empty())
      if (auto u = parse_url(o_.prometheus); !u) return Error{"--prometheus " + u.error().message};
    for (const auto& f : o_.files)
      if (!fs::is_regular_file(f)) return Error{fmt::format("--metrics-file {}: no such file", f)};
    for (const auto& f : o_.rules) {
      auto text = read_file(f);
      if (!text) return Error{"--rules " + text.error().message};
      auto exprs = rule_exprs(*text, f);
      if (!exprs) return Error{"--rules " + exprs.error().message};
      if (exprs->empty())
        rule_notes_.push_back(
            fmt::format("--rules {}: no PromQL expression found (expected a rule "
                        "file, a PrometheusRule or a Grafana dashboard)",
                        f));
      rules_.insert(rules_.end(), exprs->begin(), exprs->end());
    }
    interval_ = o_.interval_s > 0 ? o_.interval_s : std::max(1.0, o_.window_s / 6);
    return {};
  }

  Snapshot collect() override {
    if (!urls_.empty()) {
      const int ticks =
          o_.window_s > 0 ? static_cast<int>(std::floor(o_.window_s / interval_ + 1e-9)) + 1 : 1;
      const double start = clock_.now_s();
      for (int k = 0; k < ticks; ++k) {
        clock_.sleep_s(start + k * interval_ - clock_.now_s());
        scrape_once(k == 0);
      }
      scrape_text_ = fmt::format("{} endpoint{} scraped {} times, {} apart", urls_.size(),
                                 urls_.size() == 1 ? "" : "s", ticks, duration_text(interval_));
    }
    return assemble();
  }

  Snapshot refresh() override {
    if (!urls_.empty()) {
      scrape_once(refreshes_ == 0);
      // Keep a window of scrapes (and one before it, so the window is covered).
      const double keep_from = clock_.now_s() - o_.window_s - interval_;
      for (auto& s : scraped_.series) {
        auto& p = s.points;
        while (p.size() > 1 && p.front().t_s < keep_from) p.erase(p.begin());
      }
      scrape_text_ = fmt::format("{} endpoint{} scraped every {}", urls_.size(),
                                 urls_.size() == 1 ? "" : "s", duration_text(interval_));
    }
    ++refreshes_;
    return assemble();
  }

  double refresh_interval_s() const override {
    if (!urls_.empty()) return interval_;
    return std::clamp(o_.window_s / 30, 2.0, 15.0);
  }

 private:
  void scrape_once(bool first) {
    for (std::size_t i = 0; i < urls_.size(); ++i) {
      const double t = clock_.now_s();
      auto r = http_get(o_.scrapes[i], o_.timeout_s);
      std::string error;
      if (!r)
        error = r.error().message;
      else if (r->status != 200)
        error = fmt::format("GET {}: HTTP {}", o_.scrapes[i], r->status);
      if (!error.empty()) {
        if (!failed_[i]) scrape_notes_.push_back(error);
        failed_[i] = true;
        continue;
      }
      Exposition e = parse_exposition(r->body, o_.scrapes[i]);
      if (first) note_parse(scrape_notes_, e);
      scraped_merger_.add(e, t, instance_of(urls_[i]), "");
    }
  }

  static void note_parse(std::vector<std::string>& notes, const Exposition& e) {
    if (e.skipped_lines > 0)
      notes.push_back(fmt::format("{} line{} skipped (first: {})", e.skipped_lines,
                                  e.skipped_lines == 1 ? "" : "s", e.first_error));
  }

  Snapshot assemble() {
    Snapshot snap = scraped_;
    snap.window_s = o_.window_s;
    // Scrapes that span less than the window (the first refreshes of --watch) are judged over
    // what they span, and say so.
    double span = 0;
    for (const auto& s : scraped_.series) span = std::max(span, s.span_s());
    if (!scraped_.series.empty() && span > 0 && span < o_.window_s * 0.9) {
      snap.window_s = span;
      snap.notes.push_back(fmt::format("the scrapes span {} so far, less than the {} window",
                                       duration_text(span), duration_text(o_.window_s)));
    }
    snap.rules = rules_;
    snap.notes = rule_notes_;
    snap.notes.insert(snap.notes.end(), scrape_notes_.begin(), scrape_notes_.end());
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < urls_.size(); ++i)
      snap.targets.push_back({instance_of(urls_[i]), "", o_.scrapes[i], !failed_[i], ""});
    if (!scrape_text_.empty()) parts.push_back(scrape_text_);
    // Files: one observation each, at its modification time.
    ScrapeMerger merger(snap);
    for (const auto& f : o_.files) {
      auto text = read_file(f);
      if (!text) {
        snap.notes.push_back(text.error().message);
        continue;
      }
      Exposition e = parse_exposition(*text, f);
      note_parse(snap.notes, e);
      double t = clock_.now_s();
      struct stat st {};
      if (::stat(f.c_str(), &st) == 0)
        t = static_cast<double>(st.st_mtim.tv_sec) + static_cast<double>(st.st_mtim.tv_nsec) / 1e9;
      merger.add(e, t, fs::path(f).filename().string(), "");
      snap.targets.push_back({fs::path(f).filename().string(), "", f, true, ""});
    }
    if (!o_.files.empty())
      parts.push_back(fmt::format("{} file{}", o_.files.size(), o_.files.size() == 1 ? "" : "s"));
    snap.now_s = clock_.now_s();
    if (!o_.prometheus.empty()) {
      collect_prometheus(o_, mc_, Thresholds{}, snap.now_s, snap);
      parts.push_back("Prometheus " + o_.prometheus);
    }
    snap.index();
    snap.source = join(parts, ", ");
    return snap;
  }

  SourceOptions o_;
  MetricCatalog mc_;
  Clock& clock_;
  std::vector<Url> urls_;
  std::vector<bool> failed_;
  std::vector<RuleExpr> rules_;
  std::vector<std::string> rule_notes_, scrape_notes_;
  Snapshot scraped_;
  ScrapeMerger scraped_merger_;
  std::string scrape_text_;
  double interval_ = 1;
  int refreshes_ = 0;
};

}  // namespace

Result<std::unique_ptr<Collector>> Collector::create(const SourceOptions& options,
                                                     const catalog::Catalog& cat, Clock& clock) {
  auto c = std::make_unique<SourceCollector>(options, cat, clock);
  if (auto st = c->prepare(); !st.ok()) return st.error();
  return std::unique_ptr<Collector>(std::move(c));
}

}  // namespace llmctl::monitor
