// The one metric snapshot every diagnosis reads, whatever the source (a Prometheus server, direct
// scrapes, saved exposition files): raw series as points over the observed window, plus the
// longer-window increases a Prometheus server can compute and a few scrapes cannot. Pure data and
// pure arithmetic on it (rates, increases with counter resets, gauge statistics, histogram
// quantiles); no I/O, no clock: `now_s` is stamped by whoever collected it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/exposition.h"

namespace llmctl::monitor {

struct Point {
  double t_s = 0;  // unix seconds
  double v = 0;
};

// One series as exported (`vllm:num_preemptions_total{engine="0",...}`). Labels include the
// target's identity: `instance` (host:port, or the file name) and `job`.
struct Series {
  std::string name;
  Labels labels;
  std::vector<Point> points;  // oldest first, at least one

  double last() const { return points.back().v; }
  double span_s() const { return points.back().t_s - points.front().t_s; }
};

// A counter's increase over [now - offset - window, now - offset], computed by the source (a
// Prometheus `increase()`), for windows longer than the points cover.
struct WindowIncrease {
  std::string name;
  Labels labels;
  double window_s = 0;
  double offset_s = 0;
  double value = 0;
};

// A series of an expression evaluated over a longer range (a Prometheus range query), e.g. token
// counts per window over the last day: the baselines that anomaly diagnoses compare against.
struct ExprSeries {
  std::string id;  // what the collection plan asked for
  Labels labels;
  std::vector<Point> points;
  std::string query;  // the PromQL behind it
};

// One scraped endpoint or one Prometheus target.
struct TargetInfo {
  std::string instance;
  std::string job;
  std::string origin;  // "http://host:port/metrics", "file.prom", "prometheus"
  bool up = true;
  std::string error;  // why it could not be read
};

// A PromQL expression found in an alert rule, recording rule or dashboard panel, to check against
// the names the running targets export (stale_metrics).
struct RuleExpr {
  std::string
      origin;  // "monitoring/rules.yaml: alert ServingKVCacheNearlyFull", "prometheus rule ..."
  std::string expr;
};

struct Snapshot {
  double now_s = 0;         // end of the observation
  double window_s = 0;      // the window the diagnoses look at
  std::string source;       // human description of where the numbers came from
  bool prometheus = false;  // the numbers came from a Prometheus server's API
  std::vector<Series> series;
  std::vector<WindowIncrease> increases;
  std::vector<ExprSeries> expressions;
  std::vector<TargetInfo> targets;
  std::vector<RuleExpr> rules;
  // Metric names each (job, instance) exported when the snapshot was taken, when the source told
  // us (scrapes and files: everything parsed; Prometheus: a `group by (__name__, ...)` query).
  std::map<std::string, std::vector<std::string>> exported_names;  // instance -> sorted names
  std::vector<std::string> notes;  // what could not be read, and why

  // Builds the name index; call after filling `series` (collectors do).
  void index();
  // Series with this exact name (every label set).
  std::vector<const Series*> named(std::string_view name) const;
  bool has(std::string_view name) const { return !named(name).empty(); }
  // The source-computed increase for a series over (window, offset), if there is one.
  std::optional<double> stored_increase(const Series& s, double window_s,
                                        double offset_s = 0) const;

 private:
  std::map<std::string, std::vector<std::size_t>, std::less<>> by_name_;
};

// Folds successive scrapes of targets into a snapshot's series: each sample becomes a point of
// the series with its labels plus `instance` and `job` (when given and the sample lacks them).
// A sample's own timestamp wins over the scrape time. Records what each instance exported.
class ScrapeMerger {
 public:
  explicit ScrapeMerger(Snapshot& snap) : snap_(snap) {}
  void add(const Exposition& e, double t_s, const std::string& instance, const std::string& job);

 private:
  Snapshot& snap_;
  std::map<std::string, std::size_t> index_;
};

// ---- arithmetic over points (pure) -----------------------------------------------------------

// Counter increase over the points newer than `from_s` (all points when from_s <= first),
// counting a drop as a reset (the new value is the increase since the reset), as Prometheus does.
double counter_increase(const Series& s, double from_s = -1e300);
// Increase over the last `window_s` before the snapshot's end: the source's stored increase when
// it has one, else the points when they cover the window (within 10%); else, for a series born
// inside the window while a sibling on the same instance covers it, its whole value (it counted
// from zero: a labelled child appears on its first event); nullopt otherwise.
std::optional<double> increase_over(const Snapshot& snap, const Series& s, double window_s);

struct GaugeStats {
  double min = 0, max = 0, avg = 0, first = 0, last = 0;
  double slope_per_s = 0;  // least-squares slope; 0 with one point
  int points = 0;
  double share_at_or_above(double threshold) const;
  std::vector<double> values;
};
GaugeStats gauge_stats(const Series& s, double from_s = -1e300);

// A histogram assembled from `<name>_bucket` series sharing the same labels apart from `le`:
// the counts observed in the window (increases) or since the process started (last values).
struct Histogram {
  std::vector<std::pair<double, double>> buckets;  // (upper bound, cumulative count), +Inf last
  double count = 0;
  double sum = 0;

  // Prometheus' histogram_quantile: linear interpolation inside the bucket, the lower bound of
  // the first bucket taken as 0; nullopt with no observations.
  std::optional<double> quantile(double q) const;
  // Share of observations above `bound` (read at the bucket bound nearest it).
  std::optional<double> share_above(double bound) const;
  // The bucket bound nearest `target` by ratio (ties: the lower).
  double nearest_bound(double target) const;
  bool empty() const { return count <= 0; }
};

// How to read counts out of series: the increase over a window, or the lifetime total.
struct CountWindow {
  double window_s = 0;  // 0: lifetime (last values)
};

// Sums the histogram `name` over every series whose labels match `match` (each pair must be
// equal; an empty value matches an absent label), grouped into one histogram.
Histogram histogram(const Snapshot& snap, std::string_view name, const Labels& match,
                    CountWindow w);

// True when every (name, value) of `match` is in `labels`.
bool matches(const Labels& labels, const Labels& match);

// Sum over matching series of a counter's window increase (or lifetime total with window 0);
// nullopt when no series matches or the window is not covered.
std::optional<double> sum_counter(const Snapshot& snap, std::string_view name, const Labels& match,
                                  CountWindow w);

// Duration literal for PromQL and people: 300 -> "5m", 5400 -> "90m", 86400 -> "1d".
std::string duration_text(double seconds);
// Parses "30s", "5m", "1h", "3d", "1h30m", or bare seconds. nullopt when malformed.
std::optional<double> parse_duration(std::string_view text);

}  // namespace llmctl::monitor
