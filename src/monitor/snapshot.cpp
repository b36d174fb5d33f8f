#include "monitor/snapshot.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>

namespace llmctl::monitor {

void Snapshot::index() {
  by_name_.clear();
  for (std::size_t i = 0; i < series.size(); ++i) by_name_[series[i].name].push_back(i);
}

std::vector<const Series*> Snapshot::named(std::string_view name) const {
  std::vector<const Series*> out;
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return out;
  for (std::size_t i : it->second) out.push_back(&series[i]);
  return out;
}

std::optional<double> Snapshot::stored_increase(const Series& s, double window_s,
                                                double offset_s) const {
  for (const auto& w : increases)
    if (w.name == s.name && std::abs(w.window_s - window_s) < 1e-6 &&
        std::abs(w.offset_s - offset_s) < 1e-6 && w.labels == s.labels)
      return w.value;
  return std::nullopt;
}

void ScrapeMerger::add(const Exposition& e, double t_s, const std::string& instance,
                       const std::string& job) {
  auto& names = snap_.exported_names[instance];
  std::set<std::string> seen(names.begin(), names.end());
  for (const Sample& sample : e.samples) {
    Labels labels = sample.labels;
    if (!instance.empty() && label(labels, "instance").empty())
      set_label(labels, "instance", instance);
    if (!job.empty() && label(labels, "job").empty()) set_label(labels, "job", job);
    std::string key = sample.name + format_labels(labels);
    const double t = sample.timestamp_ms ? static_cast<double>(*sample.timestamp_ms) / 1000 : t_s;
    auto [it, fresh] = index_.try_emplace(key, snap_.series.size());
    if (fresh) snap_.series.push_back(Series{sample.name, std::move(labels), {}});
    auto& points = snap_.series[it->second].points;
    if (!points.empty() && points.back().t_s >= t) continue;  // a repeated sample
    points.push_back({t, sample.value});
    seen.insert(sample.name);
  }
  names.assign(seen.begin(), seen.end());
  snap_.index();
}

namespace {

// Index of the last point at or before `from_s` (0 when all are later).
std::size_t start_index(const Series& s, double from_s) {
  std::size_t i = 0;
  while (i + 1 < s.points.size() && s.points[i + 1].t_s <= from_s) ++i;
  return i;
}

}  // namespace

double counter_increase(const Series& s, double from_s) {
  double total = 0;
  for (std::size_t i = start_index(s, from_s) + 1; i < s.points.size(); ++i) {
    double prev = s.points[i - 1].v, cur = s.points[i].v;
    total += cur >= prev ? cur - prev : cur;  // a drop is a restart: count from zero
  }
  return total;
}

namespace {

// The increase a series' own points show, when they cover the window; no inference from siblings.
std::optional<double> covered_increase(const Snapshot& snap, const Series& s, double window_s) {
  if (auto stored = snap.stored_increase(s, window_s)) return stored;
  if (s.points.size() < 2) return std::nullopt;
  const double from = snap.now_s - window_s;
  if (s.points.front().t_s > from + 0.1 * window_s) return std::nullopt;
  return counter_increase(s, from);
}

// True when `s` first appeared inside the window while a sibling (same name, same instance) was
// observed before it and covers the window: the exporter created it on its first event (the
// gateway's code="500" child appears with the first 500), so it counted up from zero.
bool born_inside(const Snapshot& snap, const Series& s, double window_s) {
  const double born = s.points.front().t_s;
  if (born <= snap.now_s - window_s) return false;
  const std::string_view instance = label(s.labels, "instance");
  for (const Series* q : snap.named(s.name)) {
    if (q == &s || q->points.empty() || label(q->labels, "instance") != instance) continue;
    if (q->points.front().t_s < born - 1e-6 && covered_increase(snap, *q, window_s)) return true;
  }
  return false;
}

}  // namespace

std::optional<double> increase_over(const Snapshot& snap, const Series& s, double window_s) {
  if (auto covered = covered_increase(snap, s, window_s)) return covered;
  if (s.points.empty() || !born_inside(snap, s, window_s)) return std::nullopt;
  return s.points.front().v + counter_increase(s);
}

double GaugeStats::share_at_or_above(double threshold) const {
  if (values.empty()) return 0;
  double n = 0;
  for (double v : values)
    if (v >= threshold) ++n;
  return n / static_cast<double>(values.size());
}

GaugeStats gauge_stats(const Series& s, double from_s) {
  GaugeStats g;
  std::size_t begin = 0;
  while (begin + 1 < s.points.size() && s.points[begin].t_s < from_s) ++begin;
  double sum = 0, st = 0, sv = 0, stt = 0, stv = 0;
  g.min = std::numeric_limits<double>::infinity();
  g.max = -std::numeric_limits<double>::infinity();
  const double t0 = s.points[begin].t_s;
  for (std::size_t i = begin; i < s.points.size(); ++i) {
    const Point& p = s.points[i];
    g.values.push_back(p.v);
    g.min = std::min(g.min, p.v);
    g.max = std::max(g.max, p.v);
    sum += p.v;
    const double t = p.t_s - t0;
    st += t, sv += p.v, stt += t * t, stv += t * p.v;
  }
  g.points = static_cast<int>(g.values.size());
  g.avg = sum / g.points;
  g.first = s.points[begin].v;
  g.last = s.points.back().v;
  const double n = g.points;
  const double den = n * stt - st * st;
  g.slope_per_s = g.points > 1 && den > 0 ? (n * stv - st * sv) / den : 0;
  return g;
}

std::optional<double> Histogram::quantile(double q) const {
  if (buckets.empty() || count <= 0) return std::nullopt;
  const double rank = q * buckets.back().second;
  double prev_bound = 0, prev_count = 0;
  for (const auto& [bound, cum] : buckets) {
    if (cum >= rank) {
      if (std::isinf(bound)) return prev_bound;  // Prometheus returns the last finite bound
      if (cum == prev_count) return bound;
      return prev_bound + (bound - prev_bound) * (rank - prev_count) / (cum - prev_count);
    }
    prev_bound = bound;
    prev_count = cum;
  }
  return prev_bound;
}

double Histogram::nearest_bound(double target) const {
  double best = target, best_ratio = std::numeric_limits<double>::infinity();
  for (const auto& [bound, cum] : buckets) {
    if (std::isinf(bound) || bound <= 0) continue;
    const double r = std::abs(std::log(bound / target));
    if (r < best_ratio - 1e-12) best = bound, best_ratio = r;
  }
  return best;
}

std::optional<double> Histogram::share_above(double bound) const {
  if (buckets.empty() || count <= 0) return std::nullopt;
  const double b = nearest_bound(bound);
  const double total = buckets.back().second;
  if (total <= 0) return std::nullopt;
  for (const auto& [le, cum] : buckets)
    if (std::abs(le - b) <= 1e-9 * std::max(1.0, b)) return (total - cum) / total;
  return std::nullopt;
}

bool matches(const Labels& labels, const Labels& match) {
  for (const auto& [k, v] : match)
    if (label(labels, k) != v) return false;
  return true;
}

namespace {

std::optional<double> count_of(const Snapshot& snap, const Series& s, CountWindow w) {
  if (w.window_s <= 0) return s.last();
  return increase_over(snap, s, w.window_s);
}

}  // namespace

Histogram histogram(const Snapshot& snap, std::string_view name, const Labels& match,
                    CountWindow w) {
  Histogram h;
  std::map<double, double> cum;
  bool any = false;
  for (const Series* s : snap.named(std::string(name) + "_bucket")) {
    if (!matches(s->labels, match)) continue;
    auto le = parse_value(label(s->labels, "le"));
    auto c = count_of(snap, *s, w);
    if (!le || !c) continue;
    cum[*le] += *c;
    any = true;
  }
  if (!any) return h;
  for (const auto& [le, c] : cum) h.buckets.emplace_back(le, c);
  // The +Inf bucket is the count; `_count` only when a histogram lacks +Inf (it never should).
  if (std::isinf(h.buckets.back().first)) {
    h.count = h.buckets.back().second;
  } else {
    for (const Series* s : snap.named(std::string(name) + "_count"))
      if (matches(s->labels, match))
        if (auto c = count_of(snap, *s, w)) h.count += *c;
    h.buckets.emplace_back(std::numeric_limits<double>::infinity(), h.count);
  }
  for (const Series* s : snap.named(std::string(name) + "_sum"))
    if (matches(s->labels, match))
      if (auto c = count_of(snap, *s, w)) h.sum += *c;
  return h;
}

std::optional<double> sum_counter(const Snapshot& snap, std::string_view name, const Labels& match,
                                  CountWindow w) {
  std::optional<double> total;
  for (const Series* s : snap.named(name)) {
    if (!matches(s->labels, match)) continue;
    auto c = count_of(snap, *s, w);
    if (!c) continue;
    total = total.value_or(0) + *c;
  }
  return total;
}

std::string duration_text(double seconds) {
  const long long s = std::llround(seconds);
  if (s > 0 && s % 86400 == 0) return fmt::format("{}d", s / 86400);
  if (s > 0 && s % 3600 == 0) return fmt::format("{}h", s / 3600);
  if (s > 0 && s % 60 == 0) return fmt::format("{}m", s / 60);
  return fmt::format("{}s", s);
}

std::optional<double> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
    if (i == start) return std::nullopt;
    double v = 0;
    auto [p, ec] = std::from_chars(text.data() + start, text.data() + i, v);
    if (ec != std::errc() || p != text.data() + i) return std::nullopt;
    double unit = 1;
    if (i < text.size()) {
      if (text.substr(i, 2) == "ms") {
        unit = 0.001;
        i += 2;
      } else {
        switch (text[i]) {
          case 's':
            unit = 1;
            break;
          case 'm':
            unit = 60;
            break;
          case 'h':
            unit = 3600;
            break;
          case 'd':
            unit = 86400;
            break;
          case 'w':
            unit = 7 * 86400;
            break;
          default:
            return std::nullopt;
        }
        ++i;
      }
    } else if (start != 0) {
      return std::nullopt;  // "1h30" lacks the last unit
    }
    total += v * unit;
  }
  return total;
}

}  // namespace llmctl::monitor
