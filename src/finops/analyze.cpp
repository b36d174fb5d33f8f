// analyze(): period, totals, groups with trends, the daily series and the month-end forecast,
// then the anomaly and what-if stages.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <thread>
#include <unordered_map>

#include "common/strings.h"
#include "finops/grouping.h"
#include "finops/report.h"

namespace llmctl::finops {
namespace {

constexpr std::size_t kSeries = 5;  // top groups drawn as their own series

Totals totals_of(const UsageTable& t) {
  Totals s;
  detail::ErrorTest is_error(t);
  for (std::size_t i = 0; i < t.size(); ++i) {
    s.requests += t.requests[i];
    s.input_tokens += t.input_tokens[i];
    s.cache_read_tokens += t.cache_read_tokens[i];
    s.cache_write_tokens += t.cache_write_tokens[i];
    s.output_tokens += t.output_tokens[i];
    s.cost_usd += t.cost_usd[i];
    if (is_error(i)) s.errors += t.requests[i];
  }
  s.rows = static_cast<long long>(t.size());
  return s;
}

// Daily cost per group for the top groups (and "other"), the trend of every shown group, and
// the daily totals.
void daily_and_trends(const UsageTable& t, const detail::Grouper& g, Report& r) {
  if (t.size() == 0) return;
  std::int64_t first_day = detail::day_of(r.period.start_ms);
  std::int64_t last_day = detail::day_of(std::max(r.period.start_ms, r.period.end_ms - 1));
  std::size_t days = static_cast<std::size_t>(last_day - first_day + 1);
  // key -> index of group in r.groups (only keys of shown groups).
  std::unordered_map<std::uint64_t, std::size_t> slot;
  std::map<std::vector<std::string>, std::size_t> by_labels;
  for (std::size_t i = 0; i < r.groups.size(); ++i) by_labels.emplace(r.groups[i].key, i);
  std::vector<std::vector<double>> cost(r.groups.size(), std::vector<double>(days, 0));
  r.daily.assign(days, DailyPoint{});
  for (std::size_t d = 0; d < days; ++d)
    r.daily[d].date = iso_date((first_day + static_cast<std::int64_t>(d)) * 86400000);
  for (std::size_t i = 0; i < t.size(); ++i) {
    std::int64_t day = detail::day_of(t.ts_ms[i]);
    if (day < first_day || day > last_day) continue;
    auto d = static_cast<std::size_t>(day - first_day);
    r.daily[d].cost_usd += t.cost_usd[i];
    r.daily[d].requests += t.requests[i];
    std::uint64_t k = g.key(i);
    auto it = slot.find(k);
    if (it == slot.end()) {
      auto b = by_labels.find(g.labels(k));
      it = slot.emplace(k, b == by_labels.end() ? SIZE_MAX : b->second).first;
    }
    if (it->second != SIZE_MAX) cost[it->second][d] += t.cost_usd[i];
  }
  std::size_t shown = std::min(kSeries, r.groups.size());
  for (std::size_t s = 0; s < shown; ++s) r.series.push_back(join(r.groups[s].key, " / "));
  if (r.groups.size() > shown) r.series.emplace_back("other");
  for (std::size_t d = 0; d < days; ++d) {
    double rest = r.daily[d].cost_usd;
    for (std::size_t s = 0; s < shown; ++s) {
      r.daily[d].by_series.push_back(cost[s][d]);
      rest -= cost[s][d];
    }
    if (r.groups.size() > shown) r.daily[d].by_series.push_back(std::max(0.0, rest));
  }
  // Trend: the last 7 days against the 7 before; with fewer than 14 days, the two halves.
  if (days >= 2) {
    std::size_t w = days >= 14 ? 7 : days / 2;
    for (std::size_t gi = 0; gi < r.groups.size(); ++gi) {
      double recent = 0, before = 0;
      for (std::size_t d = days - w; d < days; ++d) recent += cost[gi][d];
      for (std::size_t d = days - 2 * w; d < days - w; ++d) before += cost[gi][d];
      if (before > 0) r.groups[gi].trend_pct = (recent - before) / before * 100;
    }
  }
}

// The shortest span of data a run rate is drawn from: ten minutes.
constexpr double kMinRunRateDays = 10.0 / 1440;

void forecast(const UsageTable& t, Report& r) {
  std::int64_t end = r.period.end_ms;
  int y, m, d;
  civil_from_days(detail::day_of(end - 1), y, m, d);
  std::int64_t month_start = days_from_civil(y, m, 1) * 86400000;
  int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
  std::int64_t month_end = days_from_civil(ny, nm, 1) * 86400000;
  r.forecast_month = fmt::format("{:04}-{:02}", y, m);
  double mtd = 0;
  // Run rate: the last 7 days of data (or the whole period when shorter).
  std::int64_t window_start = std::max<std::int64_t>(r.period.start_ms, end - 7 * 86400000LL);
  double window = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t.ts_ms[i] >= month_start && t.ts_ms[i] < end) mtd += t.cost_usd[i];
    if (t.ts_ms[i] >= window_start && t.ts_ms[i] < end) window += t.cost_usd[i];
  }
  double window_days = static_cast<double>(end - window_start) / 86400000.0;
  double remaining = static_cast<double>(month_end - end) / 86400000.0;
  if (window_days < kMinRunRateDays) {
    // A few requests seconds apart are no run rate: multiplied out to a month they forecast
    // absurd sums (one request gave $16M). Say so and forecast what was spent.
    r.forecast_usd = mtd;
    r.forecast_method = fmt::format(
        "${:.2f} spent to {}; the data spans {:.0f} s, too little for a run rate (at least {:.0f} "
        "minutes), so nothing is extrapolated for the {:.1f} days left in {}",
        mtd, iso_time(end), window_days * 86400, kMinRunRateDays * 1440, remaining,
        r.forecast_month);
    return;
  }
  double rate = window / window_days;
  r.forecast_usd = mtd + rate * std::max(0.0, remaining);
  r.forecast_method = fmt::format(
      "{} spent from {} to {} plus the run rate of the last {:.1f} days (${:.2f}/day) for the "
      "{:.1f} days left in {}",
      fmt::format("${:.2f}", mtd), iso_date(std::max(month_start, r.period.start_ms)),
      iso_time(end), window_days, rate, remaining, r.forecast_month);
  if (window_days < 1)
    r.forecast_method += "; less than a day of data, so the run rate is a rough extrapolation";
  if (month_start < r.period.start_ms)
    r.forecast_method += "; the data starts after the month began, so spend before " +
                         iso_date(r.period.start_ms) + " is not included";
}

}  // namespace

namespace detail {
void finish_what_if(WhatIf& w, const Report& r) {
  w.saving_pct = r.totals.cost_usd > 0 ? w.saving_usd / r.totals.cost_usd * 100 : 0;
  w.monthly_saving_usd = r.period.days > 0 ? w.saving_usd / r.period.days * 30 : 0;
}
}  // namespace detail

Result<Report> analyze(const Ingest& input, const PricingSummary& pricing,
                       const catalog::Catalog& catalog, const AnalyzeOptions& options,
                       const std::vector<GpuSample>& gpu) {
  const UsageTable& t = input.table;
  Report r;
  r.source = input.source;
  r.by = options.by;
  r.records_read = input.records_read;
  r.rows_rejected = input.rows_rejected;
  r.rows_outside_period = input.rows_outside_period;
  r.rows_skipped = input.rows_skipped;
  r.errors = input.errors;
  r.notes = input.notes;
  r.pricing = pricing;
  // Period: the options' bounds when given, else the data's (end exclusive; for aggregated
  // exports the end of the last bucket).
  std::int64_t lo = std::numeric_limits<std::int64_t>::max(), hi = 0;
  for (std::int64_t ts : t.ts_ms) {
    lo = std::min(lo, ts);
    hi = std::max(hi, ts);
  }
  if (t.size() == 0) lo = hi = 0;
  r.period.start_ms = options.period_start_ms ? options.period_start_ms : lo;
  r.period.end_ms =
      options.period_end_ms ? options.period_end_ms : std::max(hi + 1, input.data_end_ms);
  r.period.days =
      std::max(0.0, static_cast<double>(r.period.end_ms - r.period.start_ms) / 86400000.0);
  r.totals = totals_of(t);

  auto grouper = detail::Grouper::make(t, options.by);
  if (!grouper) return grouper.error();
  auto groups = group_rows(t, options.by,
                           static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  if (!groups) return groups.error();
  r.groups = std::move(*groups);
  if (t.size() > 0) {
    daily_and_trends(t, *grouper, r);
    forecast(t, r);
  }
  if (options.top_groups > 0 && r.groups.size() > static_cast<std::size_t>(options.top_groups)) {
    r.notes.push_back(fmt::format("{} groups; the report shows the top {} by spend",
                                  r.groups.size(), options.top_groups));
  }
  if (options.anomalies) r.anomalies = detail::find_anomalies(t, r, options);
  if (options.what_if) r.what_if = detail::find_what_ifs(t, catalog, r, options, gpu);
  if (options.top_groups > 0 && r.groups.size() > static_cast<std::size_t>(options.top_groups))
    r.groups.resize(static_cast<std::size_t>(options.top_groups));
  return r;
}

}  // namespace llmctl::finops
