// The quality kinds (issue 15) against gateway scrapes and request-log rows built to show them:
// empty_answers, refusals, invalid_output, the gateway side of length_truncation, input_drift
// and output_drift from the gateway's PSI gauges and from the log, feedback_drop; and a healthy
// gateway that shows none.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "catalog/loader.h"
#include "monitor/diagnose.h"
#include "monitor/exposition.h"
#include "monitor/request_log.h"

namespace llmctl::monitor {
namespace {

const catalog::Catalog& cat() {
  static const catalog::Catalog c = *catalog::embedded_catalog();
  return c;
}

struct Quality {
  double ok = 0;                  // requests answered
  double empty = 0, refusal = 0;  // failed checks
  double json_pass = 0, json_fail = 0;
  double length = 0;                 // finish_reason=length
  double psi_out = -1, psi_in = -1;  // gauges (-1: absent)
  double feedback_n = 0, feedback_sum = 0;
};

std::string text(const Quality& q) {
  const std::string m = "model=\"chat\"";
  std::string t;
  t += fmt::format("llmctl_gateway_requests_total{{{},endpoint=\"chat\",code=\"200\"}} {}\n", m,
                   q.ok);
  t += fmt::format("llmctl_gateway_finish_reasons_total{{{},reason=\"stop\"}} {}\n", m,
                   q.ok - q.length);
  t += fmt::format("llmctl_gateway_finish_reasons_total{{{},reason=\"length\"}} {}\n", m, q.length);
  auto check = [&](const char* name, double pass, double fail) {
    t += fmt::format("llmctl_gateway_answer_checks_total{{{},check=\"{}\",result=\"pass\"}} {}\n",
                     m, name, pass);
    t += fmt::format("llmctl_gateway_answer_checks_total{{{},check=\"{}\",result=\"fail\"}} {}\n",
                     m, name, fail);
  };
  check("empty", q.ok - q.empty, q.empty);
  check("refusal", q.ok - q.refusal, q.refusal);
  check("json", q.json_pass, q.json_fail);
  check("tool_args", 0, 0);
  if (q.psi_out >= 0)
    t += fmt::format("llmctl_gateway_length_psi{{{},direction=\"output\"}} {}\n", m, q.psi_out);
  if (q.psi_in >= 0)
    t += fmt::format("llmctl_gateway_length_psi{{{},direction=\"input\"}} {}\n", m, q.psi_in);
  if (q.feedback_n > 0) {
    t += fmt::format("llmctl_gateway_feedback_score_count{{{}}} {}\n", m, q.feedback_n);
    t += fmt::format("llmctl_gateway_feedback_score_sum{{{}}} {}\n", m, q.feedback_sum);
  }
  return t;
}

// 7 scrapes 10 s apart ending at t = 1000; step(i) is the gateway at scrape i.
Snapshot scrape(const std::function<Quality(int)>& step) {
  Snapshot snap;
  ScrapeMerger m(snap);
  for (int i = 0; i < 7; ++i)
    m.add(parse_exposition(text(step(i)), "gw"), 1000 - 10.0 * (6 - i), "10.0.0.9:8080", "");
  snap.now_s = 1000;
  snap.window_s = 60;
  snap.source = "test scrapes";
  return snap;
}

std::set<std::string> kinds(const Report& r) {
  std::set<std::string> out;
  for (const auto& f : r.findings) out.insert(f.kind);
  return out;
}

const Finding* find(const Report& r, const std::string& kind) {
  for (const auto& f : r.findings)
    if (f.kind == kind) return &f;
  return nullptr;
}

// 100 answers in the window plus a past: the base every case changes one thing of.
Quality base(int i) {
  Quality q;
  q.ok = 1000 + 100.0 * i;
  q.json_pass = 100 + 20.0 * i;
  q.psi_out = 0.02;
  q.psi_in = 0.01;
  q.feedback_n = 100 + 10.0 * i;
  q.feedback_sum = 0.8 * q.feedback_n;
  return q;
}

TEST(QualityDiag, AHealthyGatewayShowsNothing) {
  Report r = diagnose(scrape(base), nullptr, cat(), DiagnoseOptions{});
  EXPECT_TRUE(r.findings.empty()) << r.findings.front().kind << ": " << r.findings.front().message;
}

TEST(QualityDiag, EmptyAnswersRefusalsAndInvalidJsonFromTheChecks) {
  Report r = diagnose(scrape([](int i) {
                        Quality q = base(i);
                        q.empty = 5.0 * i;      // 5% of the window's answers
                        q.refusal = 8.0 * i;    // 8%
                        q.json_fail = 2.0 * i;  // 2 of 22 per step: 9%
                        return q;
                      }),
                      nullptr, cat(), DiagnoseOptions{});
  EXPECT_EQ(kinds(r), (std::set<std::string>{"empty_answers", "refusals", "invalid_output"}));
  const Finding* inv = find(r, "invalid_output");
  ASSERT_TRUE(inv);
  EXPECT_EQ(inv->severity, Severity::kCritical);  // >= 5%
  EXPECT_NEAR(inv->evidence[0].value, 12.0 / 132.0, 1e-9);
  EXPECT_NE(inv->evidence[0].query.find("llmctl_gateway_answer_checks_total"), std::string::npos);
  EXPECT_EQ(find(r, "empty_answers")->target, "model chat");
}

TEST(QualityDiag, TruncationAndDriftFromTheGateway) {
  Report r = diagnose(scrape([](int i) {
                        Quality q = base(i);
                        q.length = 30.0 * i;  // 30%
                        q.psi_out = 0.4;
                        q.psi_in = 0.15;
                        return q;
                      }),
                      nullptr, cat(), DiagnoseOptions{});
  EXPECT_EQ(kinds(r), (std::set<std::string>{"length_truncation", "output_drift", "input_drift"}));
  EXPECT_EQ(find(r, "length_truncation")->severity, Severity::kCritical);
  EXPECT_EQ(find(r, "output_drift")->severity, Severity::kWarning);
  EXPECT_EQ(find(r, "input_drift")->severity, Severity::kInfo);  // moderate
}

TEST(QualityDiag, FeedbackDropFromTheMetrics) {
  Report r = diagnose(scrape([](int i) {
                        Quality q = base(i);
                        // Before: 100 scores averaging 0.8; in the window: 60 averaging 0.3.
                        q.feedback_sum = 80 + 0.3 * 10.0 * i;
                        return q;
                      }),
                      nullptr, cat(), DiagnoseOptions{});
  const Finding* f = find(r, "feedback_drop");
  ASSERT_TRUE(f);
  EXPECT_NEAR(f->evidence[0].value, 0.3, 1e-9);
  EXPECT_NEAR(f->evidence[1].value, 0.8, 1e-9);
}

// Rows over two hours ending at now; `late` changes the last 5 minutes' rows.
LogSummary log_of(const std::function<void(LogRow&, bool late, int i)>& late) {
  const double now_s = 100000;
  std::set<std::string> cols(std::begin(kLogRequiredColumns), std::end(kLogRequiredColumns));
  for (const char* c : kLogV2Columns) cols.insert(c);
  LogAggregator agg("t.db", cols, Slo{}, now_s, 300);
  for (int i = 0; i < 2400; ++i) {
    LogRow r;
    r.ts_ms = static_cast<std::int64_t>((now_s - 7200) * 1000) + i * 3000;
    const bool in_window = r.ts_ms >= (now_s - 300) * 1000;
    r.model = "chat";
    r.status = 200;
    r.input_tokens = 100 + i % 7;
    r.output_tokens = 30 + i % 5;
    r.finish_reason = "stop";
    r.empty_answer = 0;
    r.refusal = 0;
    r.feedback_score = (i % 3 == 0) ? std::optional<double>(4 + (i % 2)) : std::nullopt;
    late(r, in_window, i);
    agg.add(r);
  }
  return std::move(agg).finish();
}

TEST(QualityDiag, FromTheRequestLog) {
  Snapshot snap;
  snap.now_s = 100000;
  snap.window_s = 300;
  LogSummary quiet = log_of([](LogRow&, bool, int) {});
  EXPECT_TRUE(diagnose(snap, &quiet, cat(), DiagnoseOptions{}).findings.empty());

  LogSummary bad = log_of([](LogRow& r, bool late, int i) {
    if (!late) return;
    r.input_tokens = i % 2 ? 20 : 186;    // the same tokens in all, other prompt sizes
    if (i % 10 == 0) r.empty_answer = 1;  // 10% empty
    if (r.feedback_score) r.feedback_score = 1 + (i % 2);  // scores fell from ~4.5 to ~1.5
  });
  Report r = diagnose(snap, &bad, cat(), DiagnoseOptions{});
  EXPECT_EQ(kinds(r), (std::set<std::string>{"empty_answers", "input_drift", "feedback_drop"}));
  const Finding* fb = find(r, "feedback_drop");
  ASSERT_TRUE(fb);
  EXPECT_NE(fb->evidence[0].query.find("feedback_score"), std::string::npos);
}

}  // namespace
}  // namespace llmctl::monitor
