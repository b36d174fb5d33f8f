// stale_metrics against real and generated rule files, PromQL name extraction, and the request
// log's diagnoses (burn rates, truncation, token anomalies, drift, what a v1 log cannot say).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "catalog/loader.h"
#include "deploy/deploy.h"
#include "deploy/serving.h"
#include "deploy/settings.h"
#include "monitor/diagnose.h"
#include "monitor/exposition.h"
#include "monitor/report.h"
#include "monitor/rules.h"
#include "plan/planner.h"
#include "plan/spec.h"

namespace llmctl::monitor {
namespace {

const catalog::Catalog& cat() {
  static const catalog::Catalog c = *catalog::embedded_catalog();
  return c;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::set<std::string> kinds(const Report& r) {
  std::set<std::string> out;
  for (const auto& f : r.findings) out.insert(f.kind);
  return out;
}

TEST(PromQL, MetricNamesOnly) {
  EXPECT_EQ(promql_metric_names(
                "histogram_quantile(0.95, sum by (le, model_name) (rate(vllm:e2e_request_latency_"
                "seconds_bucket{le=\"1.0\",job=~\"a|b\"}[5m] offset 1h))) > 2 and on (pod) "
                "up{job=\"x\"} == 1 unless vector(0)"),
            (std::vector<std::string>{"vllm:e2e_request_latency_seconds_bucket", "up"}));
  EXPECT_EQ(promql_metric_names("sum(rate(x_total[5m])) / clamp_min(sum(rate(y_total[5m])), 1e-9)"),
            (std::vector<std::string>{"x_total", "y_total"}));
  EXPECT_EQ(promql_metric_names("avg_over_time((a >= bool 0.95)[10m:])"),
            std::vector<std::string>{"a"});
}

// A running vLLM (current names) as one file snapshot.
Snapshot running_vllm() {
  Snapshot snap;
  ScrapeMerger m(snap);
  std::string t;
  for (const char* n :
       {"vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
        "vllm:num_preemptions_total", "vllm:prompt_tokens_total", "vllm:generation_tokens_total",
        "vllm:prefix_cache_hits_total", "vllm:prefix_cache_queries_total"})
    t += fmt::format("{}{{model_name=\"m\"}} 0\n", n);
  for (const char* h : {"vllm:e2e_request_latency_seconds", "vllm:time_to_first_token_seconds",
                        "vllm:inter_token_latency_seconds", "vllm:request_generation_tokens"})
    t += fmt::format(
        "{0}_bucket{{le=\"+Inf\",model_name=\"m\"}} 1\n{0}_count{{model_name=\"m\"}} "
        "1\n{0}_sum{{model_name=\"m\"}} 1\n",
        h);
  t += "vllm:request_success_total{finished_reason=\"stop\",model_name=\"m\"} 1\n";
  m.add(parse_exposition(t, "vllm.prom"), 100, "vllm.prom", "");
  snap.now_s = 100;
  snap.window_s = 300;
  return snap;
}

TEST(StaleMetrics, RealVllmRuleFileReadsACounterWithoutTotal) {
  Snapshot snap = running_vllm();
  const std::string file =
      std::string(LLMCTL_SOURCE_DIR) + "/tests/data/monitor/real/vllm-prometheusrule.yaml";
  auto rules = rule_exprs(read(file), "vllm-prometheusrule.yaml");
  ASSERT_TRUE(rules.ok()) << rules.error().message;
  EXPECT_EQ(rules->size(), 8u);
  snap.rules = *rules;
  Report r = diagnose(snap, nullptr, cat(), {});
  ASSERT_EQ(r.findings.size(), 1u) << render_text(r, false);
  const Finding& f = r.findings[0];
  EXPECT_EQ(f.kind, "stale_metrics");
  EXPECT_NE(f.target.find("alert VllmPreemptionSpike"), std::string::npos) << f.target;
  EXPECT_NE(f.message.find("vllm:num_preemptions_total"), std::string::npos) << f.message;
  EXPECT_NE(f.fix.action.find("vllm:num_preemptions -> vllm:num_preemptions_total"),
            std::string::npos);
}

TEST(StaleMetrics, RenamedAndRemovedNamesAgainstANewerEngine) {
  Snapshot snap = running_vllm();
  snap.rules = {{"old.yaml: alert KV", "vllm:gpu_cache_usage_perc > 0.9"},
                {"old.yaml: alert TPOT",
                 "histogram_quantile(0.9, rate(vllm:time_per_output_token_seconds_bucket[5m]))"},
                {"old.yaml: alert Swapped", "vllm:num_requests_swapped > 0"},
                {"old.yaml: alert Gpu", "DCGM_FI_DEV_GPU_UTIL < 10"},  // no GPU exporter runs
                {"ok.yaml: alert Fine", "vllm:num_requests_waiting > 10"}};
  Report r = diagnose(snap, nullptr, cat(), {});
  ASSERT_EQ(r.findings.size(), 3u) << render_text(r, false);
  std::string all;
  for (const auto& f : r.findings) all += f.message + "\n";
  EXPECT_NE(all.find("vllm:gpu_cache_usage_perc (renamed vllm:kv_cache_usage_perc in vllm 0.9.2"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("exports vllm:inter_token_latency_seconds_bucket"), std::string::npos) << all;
  EXPECT_NE(all.find("vllm:num_requests_swapped (not exported by the running vllm"),
            std::string::npos)
      << all;
}

TEST(StaleMetrics, RulesLlmctlDeployWritesAreCurrent) {
  // Every expression of the rules and dashboard `llmctl deploy` generates for a vLLM option reads
  // only names the running vLLM (and gateway, GPU exporter) export.
  const std::string example = "examples/chat-8b-l4-l40s.yaml";
  auto spec = plan::parse_spec(
      deploy::hide_deploy_section(read(std::string(LLMCTL_SOURCE_DIR) + "/" + example)), example);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  auto p = plan::make_plan(cat(), *spec);
  ASSERT_TRUE(p.ok()) << p.error().message;
  auto serving = deploy::from_plan(cat(), *p, "", {}, example, "deploy", "vllm");
  ASSERT_TRUE(serving.ok()) << serving.error().message;
  auto bundle = deploy::generate(cat(), *serving, deploy::Target::kKubernetes);
  ASSERT_TRUE(bundle.ok()) << bundle.error().message;
  Snapshot snap = running_vllm();
  ScrapeMerger m(snap);
  m.add(parse_exposition(
            "llmctl_gateway_requests_total{model=\"m\",code=\"200\",endpoint=\"chat\"} 1\n"
            "llmctl_gateway_errors_total{model=\"m\",class=\"timeout\"} 1\n"
            "llmctl_gateway_tokens_total{model=\"m\",type=\"input\"} 1\n"
            "llmctl_gateway_cost_usd_total{model=\"m\"} 1\n"
            "llmctl_gateway_upstream_queue_timeouts_total{deployment=\"d\"} 1\n"
            "llmctl_gateway_upstream_duration_seconds_count{deployment=\"d\"} 1\n"
            "llmctl_gateway_time_to_first_token_seconds_bucket{model=\"m\",le=\"+Inf\"} 1\n"
            "llmctl_gateway_time_to_first_token_seconds_count{model=\"m\"} 1\n"
            "llmctl_gateway_time_per_output_token_seconds_bucket{model=\"m\",le=\"+Inf\"} 1\n"
            "llmctl_gateway_time_per_output_token_seconds_count{model=\"m\"} 1\n"
            "llmctl_gateway_request_duration_seconds_bucket{model=\"m\",le=\"+Inf\"} 1\n",
            "gw"),
        100, "gw:8080", "");
  m.add(parse_exposition("DCGM_FI_DEV_GPU_UTIL{gpu=\"0\"} 50\nDCGM_FI_DEV_FB_USED{gpu=\"0\"} 1\n"
                         "DCGM_FI_DEV_FB_FREE{gpu=\"0\"} 1\nDCGM_FI_DEV_XID_ERRORS{gpu=\"0\"} 0\n",
                         "dcgm"),
        100, "dcgm:9400", "");
  int exprs = 0;
  for (const auto& file : bundle->files) {
    if (file.path != "monitoring/rules.yaml" && file.path != "monitoring/dashboard.json") continue;
    auto rules = rule_exprs(file.content, file.path);
    ASSERT_TRUE(rules.ok()) << rules.error().message;
    exprs += static_cast<int>(rules->size());
    snap.rules.insert(snap.rules.end(), rules->begin(), rules->end());
  }
  EXPECT_GT(exprs, 20);
  Report r = diagnose(snap, nullptr, cat(), {});
  for (const auto& f : r.findings)
    EXPECT_NE(f.kind, "stale_metrics") << f.target << ": " << f.message;
}

// ---- request log ------------------------------------------------------------------------------

struct LogGen {
  double now_s = 1'000'000;
  std::vector<LogRow> rows;
  // One request per `every_s` seconds over [now - span_s, now).
  void steady(double span_s, double every_s, const std::function<void(LogRow&, double)>& shape) {
    for (double t = now_s - span_s; t < now_s; t += every_s) {
      LogRow r;
      r.ts_ms = static_cast<std::int64_t>(t * 1000);
      r.model = "gpt-4o-mini";
      r.status = 200;
      r.stream = true;
      r.input_tokens = 500;
      r.output_tokens = 100;
      r.cost_usd = 0.0001;
      r.duration_ms = 1100;
      r.ttft_ms = 100;
      r.finish_reason = "stop";
      shape(r, now_s - t);
      rows.push_back(r);
    }
  }
  LogSummary summary(double window_s, const Slo& slo, bool v2 = true) const {
    std::set<std::string> cols(std::begin(kLogRequiredColumns), std::end(kLogRequiredColumns));
    if (v2) cols.insert("finish_reason");
    LogAggregator a("llmctl.db", cols, slo, now_s, window_s);
    for (auto r : rows) {
      if (!v2) r.finish_reason.reset();
      a.add(r);
    }
    return std::move(a).finish();
  }
};

DiagnoseOptions log_options() {
  DiagnoseOptions o;
  o.slo.ttft_p95_ms = 500;
  o.slo.tpot_p95_ms = 50;
  return o;
}

Snapshot empty_snapshot(double now_s, double window_s) {
  Snapshot s;
  s.now_s = now_s;
  s.window_s = window_s;
  s.source = "request log";
  return s;
}

TEST(RequestLog, HealthyDayHasNoFindings) {
  LogGen g;
  g.steady(86400, 5, [](LogRow&, double) {});
  LogSummary log = g.summary(300, log_options().slo);
  Report r = diagnose(empty_snapshot(g.now_s, 300), &log, cat(), log_options());
  EXPECT_TRUE(r.findings.empty()) << render_text(r, false);
}

TEST(RequestLog, MultiwindowTtftBurnAndErrors) {
  LogGen g;
  // The last 90 minutes: one request in five fails with a 502 (20x a 1% budget) and every
  // answered stream waits 900 ms for its first token (20x a 5% budget), over 1 h and over 5 m:
  // the fast pair fires for both.
  int n = 0;
  g.steady(86400, 5, [&](LogRow& r, double age) {
    if (age >= 5400) return;
    if (n++ % 5 == 0)
      r.status = 502, r.error_class = "upstream_server";
    else
      r.ttft_ms = 900;
  });
  LogSummary log = g.summary(300, log_options().slo);
  Report r = diagnose(empty_snapshot(g.now_s, 300), &log, cat(), log_options());
  ASSERT_EQ(kinds(r), (std::set<std::string>{"slo_burn_ttft", "error_rate"}))
      << render_text(r, false);
  for (const auto& f : r.findings) {
    EXPECT_EQ(f.severity, Severity::kCritical) << f.kind;
    EXPECT_EQ(f.target, "model gpt-4o-mini");
  }
}

TEST(RequestLog, TruncationNeedsTheV2Column) {
  LogGen g;
  int n = 0;
  g.steady(3600, 5, [&](LogRow& r, double) {
    if (n++ % 4 == 0) r.finish_reason = "length";
  });
  LogSummary v2 = g.summary(300, log_options().slo);
  Report r = diagnose(empty_snapshot(g.now_s, 300), &v2, cat(), log_options());
  EXPECT_EQ(kinds(r), std::set<std::string>{"length_truncation"}) << render_text(r, false);
  LogSummary v1 = g.summary(300, log_options().slo, false);
  Report r1 = diagnose(empty_snapshot(g.now_s, 300), &v1, cat(), log_options());
  EXPECT_TRUE(r1.findings.empty());
  bool noted = false;
  for (const auto& note : r1.notes)
    noted = noted || note.find("finish_reason") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(RequestLog, TokenAnomalyAgainstTheDay) {
  LogGen g;
  g.steady(86400, 5, [&](LogRow& r, double age) {
    if (age < 300) r.input_tokens = 6000;  // a prompt that grew 12x in the last 5 minutes
  });
  LogSummary log = g.summary(300, log_options().slo);
  Report r = diagnose(empty_snapshot(g.now_s, 300), &log, cat(), log_options());
  // The prompts' length distribution moved too (input_drift, issue 15).
  ASSERT_EQ(kinds(r), (std::set<std::string>{"token_anomaly", "input_drift"}))
      << render_text(r, false);
}

TEST(RequestLog, OutputDrift) {
  LogGen g;
  int n = 0;
  g.steady(86400, 5, [&](LogRow& r, double age) {
    r.output_tokens = 100 + (n++ % 50);
    if (age < 600) r.output_tokens = 700 + (n % 50);  // answers got 6x longer
    r.duration_ms = 100 + 5.0 * static_cast<double>(r.output_tokens);
  });
  LogSummary log = g.summary(600, log_options().slo);
  Report r = diagnose(empty_snapshot(g.now_s, 600), &log, cat(), log_options());
  EXPECT_TRUE(kinds(r).count("output_drift")) << render_text(r, false);
}

TEST(RequestLog, RateLimitedAndCostBudget) {
  LogGen g;
  int n = 0;
  g.steady(7200, 2, [&](LogRow& r, double age) {
    r.cost_usd = 0.05;  // $90/h against a $1,000/month budget
    if (age < 300 && n++ % 5 == 0) r.status = 429, r.error_class = "rate_limited";
  });
  DiagnoseOptions o = log_options();
  o.budget_monthly_usd = 1000;
  LogSummary log = g.summary(300, o.slo);
  Report r = diagnose(empty_snapshot(g.now_s, 300), &log, cat(), o);
  EXPECT_TRUE(kinds(r).count("rate_limited")) << render_text(r, false);
  EXPECT_TRUE(kinds(r).count("cost_budget")) << render_text(r, false);
}

}  // namespace
}  // namespace llmctl::monitor
