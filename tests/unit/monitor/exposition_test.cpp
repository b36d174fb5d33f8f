// The exposition parser and the snapshot arithmetic: counters across restarts, windows that are
// and are not covered, gauge slopes, Prometheus' histogram_quantile, durations.
#include "monitor/exposition.h"

#include <gtest/gtest.h>

#include <cmath>

#include "monitor/snapshot.h"

namespace llmctl::monitor {
namespace {

TEST(Exposition, ReadsSamplesLabelsTypesAndTimestamps) {
  Exposition e = parse_exposition(
      "# HELP vllm:num_requests_running Number of requests.\n"
      "# TYPE vllm:num_requests_running gauge\n"
      "vllm:num_requests_running{engine=\"0\",model_name=\"meta-llama/Llama-3.1-8B\"} 3.0\n"
      "\n"
      "# TYPE x histogram\n"
      "x_bucket{le=\"+Inf\"} 7 1700000000000\n"
      "esc{a=\"q\\\"uote\",b=\"back\\\\slash\",c=\"new\\nline\",} NaN\n"
      "bare 1e3\n"
      "inf_value -Inf\n",
      "t.prom");
  ASSERT_EQ(e.samples.size(), 5u);
  EXPECT_EQ(e.skipped_lines, 0);
  EXPECT_EQ(e.types["vllm:num_requests_running"], "gauge");
  EXPECT_EQ(e.types["x"], "histogram");
  EXPECT_EQ(e.samples[0].name, "vllm:num_requests_running");
  EXPECT_EQ(label(e.samples[0].labels, "model_name"), "meta-llama/Llama-3.1-8B");
  EXPECT_EQ(e.samples[0].value, 3.0);
  EXPECT_EQ(*e.samples[1].timestamp_ms, 1700000000000);
  EXPECT_EQ(label(e.samples[2].labels, "a"), "q\"uote");
  EXPECT_EQ(label(e.samples[2].labels, "b"), "back\\slash");
  EXPECT_EQ(label(e.samples[2].labels, "c"), "new\nline");
  EXPECT_TRUE(std::isnan(e.samples[2].value));
  EXPECT_EQ(e.samples[3].value, 1000);
  EXPECT_TRUE(std::isinf(e.samples[4].value));
  // Labels come back sorted and re-escape the same way.
  EXPECT_EQ(format_labels(e.samples[2].labels),
            "{a=\"q\\\"uote\",b=\"back\\\\slash\",c=\"new\\nline\"}");
}

TEST(Exposition, OpenMetricsExemplarsAndEofAreAccepted) {
  Exposition e = parse_exposition(
      "# TYPE foo counter\nfoo_total 17.0 1520879607.789 # {trace_id=\"KOO5S4vxi0o\"} 0.67\n"
      "# EOF\n",
      "om");
  ASSERT_EQ(e.samples.size(), 1u);
  EXPECT_EQ(*e.samples[0].timestamp_ms, 1520879607789);
}

TEST(Exposition, BadLinesAreCountedAndTheFirstIsNamed) {
  Exposition e = parse_exposition("ok 1\n9bad 2\nalso_ok 3\nno_value\nlbl{a=\"x} 1\n", "m.prom");
  EXPECT_EQ(e.samples.size(), 2u);
  EXPECT_EQ(e.skipped_lines, 3);
  EXPECT_EQ(e.first_error, "m.prom:2: column 1: expected a metric name");
  Exposition dup = parse_exposition("d{a=\"1\",a=\"2\"} 1\n", "d");
  EXPECT_EQ(dup.skipped_lines, 1);
  EXPECT_NE(dup.first_error.find("label 'a' once"), std::string::npos);
}

Series series(std::vector<Point> pts) { return Series{"c_total", {}, std::move(pts)}; }

TEST(Snapshot, CounterIncreaseCountsResets) {
  Series s = series({{0, 10}, {10, 20}, {20, 5}, {30, 8}});
  // 10 + (restart: 5) + 3
  EXPECT_DOUBLE_EQ(counter_increase(s), 18);
  EXPECT_DOUBLE_EQ(counter_increase(s, 20), 3);
}

TEST(Snapshot, IncreaseOverNeedsTheWindowCovered) {
  Snapshot snap;
  snap.now_s = 100;
  Series s = series({{40, 0}, {70, 30}, {100, 60}});
  EXPECT_DOUBLE_EQ(*increase_over(snap, s, 60), 60);
  EXPECT_DOUBLE_EQ(*increase_over(snap, s, 30), 30);
  EXPECT_FALSE(increase_over(snap, s, 3600).has_value());
  // A source-computed increase answers windows the points do not cover.
  snap.increases.push_back({"c_total", {}, 3600, 0, 1234});
  EXPECT_DOUBLE_EQ(*increase_over(snap, s, 3600), 1234);
}

TEST(Snapshot, ASeriesBornInsideTheWindowCountsFromZero) {
  // The gateway exports code="500" only after the first 500: by the time Prometheus or a scrape
  // sees it, it already holds the first errors. Its siblings covered the window, so it was born
  // inside it with every one of those errors.
  Snapshot snap;
  snap.now_s = 100;
  snap.series = {
      Series{
          "req_total", {{"code", "200"}, {"instance", "g:1"}}, {{80, 100}, {90, 150}, {100, 200}}},
      Series{"req_total", {{"code", "500"}, {"instance", "g:1"}}, {{90, 7}, {100, 23}}},
      Series{"req_total", {{"code", "500"}, {"instance", "other:1"}}, {{90, 4}, {100, 6}}},
  };
  snap.index();
  EXPECT_DOUBLE_EQ(*increase_over(snap, snap.series[0], 20), 100);
  EXPECT_DOUBLE_EQ(*increase_over(snap, snap.series[1], 20), 23);
  // Alone on its instance there is no sign the process was running before it appeared.
  EXPECT_FALSE(increase_over(snap, snap.series[2], 20).has_value());
  // Born before a shorter window: its own points answer, from their last step before it.
  EXPECT_DOUBLE_EQ(*increase_over(snap, snap.series[1], 5), 16);
}

TEST(Snapshot, GaugeStatsAndSlope) {
  Series s{"g", {}, {{0, 1}, {10, 3}, {20, 5}, {30, 7}}};
  GaugeStats g = gauge_stats(s);
  EXPECT_DOUBLE_EQ(g.min, 1);
  EXPECT_DOUBLE_EQ(g.max, 7);
  EXPECT_DOUBLE_EQ(g.avg, 4);
  EXPECT_NEAR(g.slope_per_s, 0.2, 1e-12);
  EXPECT_DOUBLE_EQ(g.share_at_or_above(5), 0.5);
  EXPECT_DOUBLE_EQ(gauge_stats(s, 15).first, 5);
}

TEST(Snapshot, HistogramQuantileMatchesPrometheus) {
  // Buckets 0.1: 50, 0.5: 90, 1: 100, +Inf: 100 (cumulative). p50 = 0.1 (rank 50 at the top of
  // the first bucket); p95 = 0.5 + 0.5 * (95 - 90) / 10 = 0.75 (Prometheus' linear interpolation).
  Snapshot snap;
  snap.now_s = 10;
  for (auto [le, c] : std::vector<std::pair<const char*, double>>{
           {"0.1", 50}, {"0.5", 90}, {"1", 100}, {"+Inf", 100}})
    snap.series.push_back(Series{"h_bucket", {{"le", le}}, {{10, c}}});
  snap.series.push_back(Series{"h_count", {}, {{10, 100}}});
  snap.series.push_back(Series{"h_sum", {}, {{10, 30}}});
  snap.index();
  Histogram h = histogram(snap, "h", {}, CountWindow{0});
  EXPECT_DOUBLE_EQ(h.count, 100);
  EXPECT_DOUBLE_EQ(h.sum, 30);
  EXPECT_NEAR(*h.quantile(0.5), 0.1, 1e-12);
  EXPECT_NEAR(*h.quantile(0.95), 0.75, 1e-12);
  EXPECT_NEAR(*h.share_above(0.5), 0.10, 1e-12);
  EXPECT_NEAR(*h.share_above(0.4), 0.10, 1e-12);  // read at the nearest bound, 0.5
  EXPECT_DOUBLE_EQ(h.nearest_bound(2.0), 1.0);
}

TEST(Snapshot, ScrapeMergerBuildsSeriesOverTime) {
  Snapshot snap;
  ScrapeMerger m(snap);
  m.add(parse_exposition("a_total 1\nb 5\n", "s"), 100, "h:1", "vllm");
  m.add(parse_exposition("a_total 4\nb 7\nc 1\n", "s"), 110, "h:1", "vllm");
  snap.now_s = 110;
  snap.window_s = 10;
  ASSERT_EQ(snap.named("a_total").size(), 1u);
  const Series& a = *snap.named("a_total")[0];
  EXPECT_EQ(label(a.labels, "instance"), "h:1");
  EXPECT_EQ(label(a.labels, "job"), "vllm");
  EXPECT_EQ(a.points.size(), 2u);
  EXPECT_DOUBLE_EQ(*increase_over(snap, a, 10), 3);
  EXPECT_EQ(snap.exported_names["h:1"], (std::vector<std::string>{"a_total", "b", "c"}));
}

TEST(Durations, ParseAndPrint) {
  EXPECT_DOUBLE_EQ(*parse_duration("30s"), 30);
  EXPECT_DOUBLE_EQ(*parse_duration("5m"), 300);
  EXPECT_DOUBLE_EQ(*parse_duration("1h30m"), 5400);
  EXPECT_DOUBLE_EQ(*parse_duration("3d"), 259200);
  EXPECT_DOUBLE_EQ(*parse_duration("250ms"), 0.25);
  EXPECT_DOUBLE_EQ(*parse_duration("90"), 90);
  EXPECT_FALSE(parse_duration("5x").has_value());
  EXPECT_FALSE(parse_duration("1h30").has_value());
  EXPECT_FALSE(parse_duration("").has_value());
  EXPECT_EQ(duration_text(300), "5m");
  EXPECT_EQ(duration_text(3600), "1h");
  EXPECT_EQ(duration_text(259200), "3d");
  EXPECT_EQ(duration_text(45), "45s");
}

}  // namespace
}  // namespace llmctl::monitor
