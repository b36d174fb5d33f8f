// Every diagnosis kind against scrapes built to show it, a healthy system that shows nothing, an
// older vLLM's metric names, and the burn-rate windows a Prometheus server adds.
#include "monitor/diagnose.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "catalog/loader.h"
#include "monitor/exposition.h"
#include "monitor/report.h"

namespace llmctl::monitor {
namespace {

const catalog::Catalog& cat() {
  static const catalog::Catalog c = *catalog::embedded_catalog();
  return c;
}

// ---- exposition builders ----------------------------------------------------------------------

struct Vllm {
  double running = 4, waiting = 0, kv = 0.4;
  double preemptions = 2, prompt = 0, generation = 0;
  double stop = 0, length = 0;
  double hits = 0, queries = 0;
  double ttft_fast = 0, ttft_slow = 0;  // observations under 0.1 s / above 1 s
  bool old_names = false;               // vLLM <= 0.9: gpu_cache_usage_perc, gpu_prefix_cache_*
};

std::string vllm_text(const Vllm& v) {
  const std::string m = "engine=\"0\",model_name=\"meta-llama/Llama-3.1-8B-Instruct\"";
  std::string t;
  t += fmt::format("vllm:num_requests_running{{{}}} {}\n", m, v.running);
  t += fmt::format("vllm:num_requests_waiting{{{}}} {}\n", m, v.waiting);
  t += fmt::format("vllm:{}{{{}}} {}\n",
                   v.old_names ? "gpu_cache_usage_perc" : "kv_cache_usage_perc", m, v.kv);
  t += fmt::format("vllm:num_preemptions_total{{{}}} {}\n", m, v.preemptions);
  t += fmt::format("vllm:prompt_tokens_total{{{}}} {}\n", m, v.prompt);
  t += fmt::format("vllm:generation_tokens_total{{{}}} {}\n", m, v.generation);
  t += fmt::format("vllm:request_success_total{{{},finished_reason=\"stop\"}} {}\n", m, v.stop);
  t += fmt::format("vllm:request_success_total{{{},finished_reason=\"length\"}} {}\n", m, v.length);
  const char* pfx = v.old_names ? "gpu_prefix_cache" : "prefix_cache";
  t += fmt::format("vllm:{}_hits_total{{{}}} {}\n", pfx, m, v.hits);
  t += fmt::format("vllm:{}_queries_total{{{}}} {}\n", pfx, m, v.queries);
  const double n = v.ttft_fast + v.ttft_slow;
  t += fmt::format("vllm:time_to_first_token_seconds_bucket{{{},le=\"0.1\"}} {}\n", m, v.ttft_fast);
  t += fmt::format("vllm:time_to_first_token_seconds_bucket{{{},le=\"0.5\"}} {}\n", m, v.ttft_fast);
  t += fmt::format("vllm:time_to_first_token_seconds_bucket{{{},le=\"1.0\"}} {}\n", m, v.ttft_fast);
  t += fmt::format("vllm:time_to_first_token_seconds_bucket{{{},le=\"+Inf\"}} {}\n", m, n);
  t += fmt::format("vllm:time_to_first_token_seconds_count{{{}}} {}\n", m, n);
  t += fmt::format("vllm:time_to_first_token_seconds_sum{{{}}} {}\n", m,
                   0.05 * v.ttft_fast + 2 * v.ttft_slow);
  return t;
}

struct Gateway {
  double ok = 0, e5xx = 0, e429_upstream = 0, retries = 0, cost = 0;
  double ttft_fast = 0, ttft_slow = 0;
};

std::string gateway_text(const Gateway& g) {
  const std::string m = "model=\"gpt-4o-mini\"";
  std::string t;
  t += fmt::format("llmctl_gateway_requests_total{{{},endpoint=\"chat\",code=\"200\"}} {}\n", m,
                   g.ok);
  t += fmt::format("llmctl_gateway_requests_total{{{},endpoint=\"chat\",code=\"502\"}} {}\n", m,
                   g.e5xx);
  t += fmt::format("llmctl_gateway_errors_total{{{},class=\"rate_limited\"}} {}\n", m,
                   g.e429_upstream);
  t += fmt::format("llmctl_gateway_retries_total{{{}}} {}\n", m, g.retries);
  t += fmt::format("llmctl_gateway_cost_usd_total{{{}}} {}\n", m, g.cost);
  const double n = g.ttft_fast + g.ttft_slow;
  for (const char* le : {"0.1", "0.25", "0.5"})
    t += fmt::format("llmctl_gateway_time_to_first_token_seconds_bucket{{{},le=\"{}\"}} {}\n", m,
                     le, g.ttft_fast);
  for (const char* le : {"1", "2.5", "+Inf"})
    t += fmt::format("llmctl_gateway_time_to_first_token_seconds_bucket{{{},le=\"{}\"}} {}\n", m,
                     le, n);
  t += fmt::format("llmctl_gateway_time_to_first_token_seconds_count{{{}}} {}\n", m, n);
  t += fmt::format("llmctl_gateway_time_to_first_token_seconds_sum{{{}}} {}\n", m, n * 0.2);
  return t;
}

struct Dcgm {
  double util = 70, fb_used = 60000, fb_free = 20000, xid = 0, reasons = 0;
};

std::string dcgm_text(const Dcgm& d) {
  const std::string m =
      "gpu=\"0\",UUID=\"GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52\",device=\"nvidia0\","
      "modelName=\"NVIDIA H100 80GB HBM3\",Hostname=\"node-7\"";
  std::string t;
  t += fmt::format("DCGM_FI_DEV_GPU_UTIL{{{}}} {}\n", m, d.util);
  t += fmt::format("DCGM_FI_DEV_FB_USED{{{}}} {}\n", m, d.fb_used);
  t += fmt::format("DCGM_FI_DEV_FB_FREE{{{}}} {}\n", m, d.fb_free);
  t += fmt::format("DCGM_FI_DEV_XID_ERRORS{{{}}} {}\n", m, d.xid);
  t += fmt::format("DCGM_FI_DEV_CLOCKS_EVENT_REASONS{{{}}} {}\n", m, d.reasons);
  return t;
}

// `scrapes` scrapes 10 s apart ending at t = 1000; step(i) gives each target's text at scrape i.
struct Step {
  std::string vllm, gateway, dcgm;
};
Snapshot scrape(int scrapes, const std::function<Step(int)>& step) {
  Snapshot snap;
  ScrapeMerger m(snap);
  const double end = 1000, dt = 10;
  for (int i = 0; i < scrapes; ++i) {
    const double t = end - dt * (scrapes - 1 - i);
    Step s = step(i);
    if (!s.vllm.empty()) m.add(parse_exposition(s.vllm, "vllm"), t, "10.0.0.5:8000", "");
    if (!s.gateway.empty()) m.add(parse_exposition(s.gateway, "gw"), t, "10.0.0.9:8080", "");
    if (!s.dcgm.empty()) m.add(parse_exposition(s.dcgm, "dcgm"), t, "10.0.0.5:9400", "");
  }
  snap.now_s = end;
  snap.window_s = dt * (scrapes - 1);
  snap.source = "test scrapes";
  return snap;
}

// A healthy system: steady traffic, everything in range.
Step healthy(int i, Vllm v = {}, Gateway g = {}, Dcgm d = {}) {
  v.prompt += 2000.0 * i * 10;
  v.generation += 300.0 * i * 10;
  v.stop += 2.0 * i * 10;
  v.queries += 2000.0 * i * 10;
  v.hits += 1000.0 * i * 10;
  v.ttft_fast += 20.0 * i;
  g.ok += 20.0 * i;
  g.ttft_fast += 20.0 * i;
  g.cost += 0.001 * i;
  return {vllm_text(v), gateway_text(g), dcgm_text(d)};
}

DiagnoseOptions options() {
  DiagnoseOptions o;
  o.slo.ttft_p95_ms = 500;
  o.slo.availability = 0.99;
  o.budget_monthly_usd = 10000;
  return o;
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

TEST(Diagnose, HealthySystemHasNoFindings) {
  Snapshot snap = scrape(7, [](int i) { return healthy(i); });
  Report r = diagnose(snap, nullptr, cat(), options());
  EXPECT_TRUE(r.findings.empty()) << render_text(r, false);
  // The summary still describes each target.
  ASSERT_EQ(r.targets.size(), 3u) << render_text(r, false);
  bool engine = false;
  for (const auto& t : r.targets)
    if (t.kind == "vllm") {
      engine = true;
      EXPECT_NEAR(*t.requests_per_s, 2, 1e-9);
      EXPECT_NEAR(*t.kv_usage, 0.4, 1e-9);
    }
  EXPECT_TRUE(engine);
}

TEST(Diagnose, KvSaturationWithPreemptionsIsCriticalAndNamesThePlanner) {
  Snapshot snap = scrape(7, [](int i) {
    Vllm v;
    v.kv = 0.985;
    v.preemptions = 2 + 3.0 * i;
    return healthy(i, v);
  });
  Report r = diagnose(snap, nullptr, cat(), options());
  EXPECT_EQ(kinds(r), (std::set<std::string>{"kv_saturation", "preemption"}))
      << render_text(r, false);
  const Finding* kv = find(r, "kv_saturation");
  EXPECT_EQ(kv->severity, Severity::kCritical);
  EXPECT_EQ(kv->target, "vllm 10.0.0.5:8000");
  // The model (from model_name) and GPU (from DCGM's modelName) are in the catalog: the fix is a
  // runnable perf command at the measured load (2 req/s, 1000 prompt and 150 output tokens).
  EXPECT_EQ(kv->fix.command,
            "llmctl perf --model llama-3.1-8b --gpu h100-sxm --gpus 1 --engine vllm --dtype bf16 "
            "--input-tokens 1000 --output-tokens 150 --qps 2");
  const Finding* p = find(r, "preemption");
  EXPECT_NEAR(p->evidence[0].value, 18, 1e-9);
}

TEST(Diagnose, OlderVllmNamesAreReadThroughTheCatalog) {
  Snapshot snap = scrape(7, [](int i) {
    Vllm v;
    v.old_names = true;
    v.kv = 0.99;
    return healthy(i, v);
  });
  Report r = diagnose(snap, nullptr, cat(), options());
  ASSERT_NE(find(r, "kv_saturation"), nullptr) << render_text(r, false);
  EXPECT_NE(find(r, "kv_saturation")->message.find("vllm:gpu_cache_usage_perc"), std::string::npos);
}

TEST(Diagnose, QueueGrowth) {
  Snapshot snap = scrape(7, [](int i) {
    Vllm v;
    v.waiting = 4.0 * i;
    return healthy(i, v);
  });
  Report r = diagnose(snap, nullptr, cat(), options());
  EXPECT_EQ(kinds(r), std::set<std::string>{"queue_growth"}) << render_text(r, false);
  // A queue that is long but steady is not growth.
  Snapshot steady = scrape(7, [](int i) {
    Vllm v;
    v.waiting = 30;
    return healthy(i, v);
  });
  EXPECT_TRUE(diagnose(steady, nullptr, cat(), options()).findings.empty());
}

TEST(Diagnose, PrefixCacheDrop) {
  // 50% hits for an hour before the window, then 5%.
  Snapshot snap = scrape(7, [](int i) {
    Vllm v;  // healthy() adds 20,000 queries and 10,000 hits per scrape
    v.queries = 1e6;
    v.hits = 5e5 - 9000.0 * i;
    return healthy(i, v);
  });
  Report r = diagnose(snap, nullptr, cat(), options());
  EXPECT_EQ(kinds(r), std::set<std::string>{"prefix_cache_low"}) << render_text(r, false);
}

TEST(Diagnose, GpuIdleCostsDollars) {
  Snapshot snap = scrape(7, [](int i) {
    Dcgm d;
    d.util = 0;
    return healthy(i, {}, {}, d);
  });
  Report r = diagnose(snap, nullptr, cat(), options());
  ASSERT_EQ(kinds(r), std::set<std::string>{"gpu_idle"}) << render_text(r, false);
  const Finding* f = find(r, "gpu_idle");
  EXPECT_EQ(f->target, "1 GPU on node-7");
  bool dollars = false;
  for (const auto& e : f->evidence)
    if (e.name == "wasted_usd_per_hour") dollars = e.value > 1;
  EXPECT_TRUE(dollars) << render_text(r, false);
}

TEST(Diagnose, GpuHealthXidThrottleMemory) {
  Snapshot snap = scrape(7, [](int i) {
    Dcgm d;
    d.xid = 79;
    d.reasons = 0x40;
    d.fb_used = 80500;
    d.fb_free = 500;
    return healthy(i, {}, {}, d);
  });
  Report r = diagnose(snap, nullptr, cat(), options());
  EXPECT_EQ(kinds(r), (std::set<std::string>{"gpu_xid", "gpu_throttle", "gpu_memory"}))
      << render_text(r, false);
  EXPECT_EQ(find(r, "gpu_xid")->severity, Severity::kCritical);
  EXPECT_EQ(find(r, "gpu_memory")->severity, Severity::kCritical);  // 99.4% used
  // Idle (0x1) and application clocks (0x2) are not throttling.
  Snapshot idle = scrape(7, [](int i) {
    Dcgm d;
    d.reasons = 0x3;
    return healthy(i, {}, {}, d);
  });
  EXPECT_TRUE(diagnose(idle, nullptr, cat(), options()).findings.empty());
}

TEST(Diagnose, RateLimitedBurst) {
  Snapshot snap = scrape(7, [](int i) {
    Gateway g;
    g.e429_upstream = 5.0 * i;
    g.retries = 5.0 * i;
    return healthy(i, {}, g);
  });
  Report r = diagnose(snap, nullptr, cat(), options());
  ASSERT_EQ(kinds(r), std::set<std::string>{"rate_limited"}) << render_text(r, false);
  EXPECT_EQ(find(r, "rate_limited")->severity, Severity::kWarning);  // no 429 reached clients
}

TEST(Diagnose, LengthTruncation) {
  Snapshot snap = scrape(7, [](int i) {
    Vllm v;
    v.length = 1.0 * i * 10;  // one in three finished requests
    return healthy(i, v);
  });
  Report r = diagnose(snap, nullptr, cat(), options());
  ASSERT_EQ(kinds(r), std::set<std::string>{"length_truncation"}) << render_text(r, false);
  EXPECT_EQ(find(r, "length_truncation")->severity, Severity::kCritical);
}

TEST(Diagnose, TtftBurnAndErrorsFromTheGatewayOverOneWindow) {
  Snapshot snap = scrape(7, [](int i) {
    Gateway g;
    g.ttft_slow = 60.0 * i;  // 75% of the streams over the SLO: 15x a 5% budget
    g.e5xx = 4.0 * i;        // 4 of 24 answers: 16.7x a 1% budget
    return healthy(i, {}, g);
  });
  Report r = diagnose(snap, nullptr, cat(), options());
  EXPECT_EQ(kinds(r), (std::set<std::string>{"slo_burn_ttft", "error_rate"}))
      << render_text(r, false);
  // Only the observed minute: warnings, and a note naming what was missing.
  EXPECT_EQ(find(r, "slo_burn_ttft")->severity, Severity::kWarning);
  EXPECT_EQ(find(r, "slo_burn_ttft")->target, "model gpt-4o-mini");
  bool noted = false;
  for (const auto& n : r.notes) noted = noted || n.find("1h/6h/3d") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(Diagnose, MultiwindowBurnFromPrometheusIncreases) {
  // The same scrapes, plus the increases a Prometheus server computes over 5m, 30m, 1h and 6h: a
  // third of the streams slow is a 6.7x burn of a 5% budget, so the 6h/30m pair (6x) fires and
  // the 1h/5m pair (14.4x) does not; the 3d window is missing, so the 1x pair cannot be judged.
  Snapshot snap = scrape(7, [](int i) {
    Gateway g;
    g.ttft_slow = 10.0 * i;
    return healthy(i, {}, g);
  });
  for (double w : {300.0, 1800.0, 3600.0, 21600.0})
    for (const Series& s : std::vector<Series>(snap.series))
      if (s.name == "llmctl_gateway_time_to_first_token_seconds_bucket") {
        auto le = label(s.labels, "le");
        const double n = w / 10 * 30;  // 30 streams per 10 s
        const double fast = w / 10 * 20;
        snap.increases.push_back(
            {s.name, s.labels, w, 0, le == "+Inf" || le == "1" || le == "2.5" ? n : fast});
      }
  Report r = diagnose(snap, nullptr, cat(), options());
  const Finding* f = find(r, "slo_burn_ttft");
  ASSERT_NE(f, nullptr) << render_text(r, false);
  EXPECT_EQ(f->severity, Severity::kCritical);
  EXPECT_NE(f->message.find("over 6h"), std::string::npos) << f->message;
}

TEST(Diagnose, CostBudget) {
  Snapshot snap = scrape(7, [](int i) {
    Gateway g;
    g.cost = 0.5 * i;  // $3/min: about $131k a month
    return healthy(i, {}, g);
  });
  Report r = diagnose(snap, nullptr, cat(), options());
  ASSERT_EQ(kinds(r), std::set<std::string>{"cost_budget"}) << render_text(r, false);
}

TEST(Diagnose, OneFileIsReadSinceStartWithANote) {
  Snapshot snap = scrape(1, [](int) {
    Vllm v;
    v.stop = 700;
    v.length = 300;
    v.kv = 0.97;
    return Step{vllm_text(v), "", ""};
  });
  Report r = diagnose(snap, nullptr, cat(), options());
  EXPECT_EQ(kinds(r), (std::set<std::string>{"kv_saturation", "length_truncation", "preemption"}))
      << render_text(r, false);
  EXPECT_EQ(find(r, "preemption")->severity, Severity::kInfo);
  EXPECT_NE(find(r, "length_truncation")->message.find("since the engine started"),
            std::string::npos);
  EXPECT_FALSE(r.notes.empty());
}

TEST(Report, JsonHasTheIssueShape) {
  Snapshot snap = scrape(7, [](int i) {
    Vllm v;
    v.kv = 0.99;
    return healthy(i, v);
  });
  Report r = diagnose(snap, nullptr, cat(), options());
  auto j = to_json(r).as_object();
  ASSERT_TRUE(j.contains("findings"));
  ASSERT_TRUE(j.contains("summary"));
  const auto& f = j["findings"].as_array().at(0).as_object();
  for (const char* k : {"kind", "severity", "target", "message", "evidence", "fix"})
    EXPECT_TRUE(f.contains(k)) << k;
  EXPECT_EQ(j["summary"].as_object()["findings"].as_object()["warning"].as_int64(), 1);
  std::string screen = render_watch(r, "12:00:00", 120, 30, false);
  EXPECT_NE(screen.find("OPEN FINDINGS"), std::string::npos);
  EXPECT_NE(screen.find("kv_saturation"), std::string::npos);
  // Every line fits 120 characters on the screen, the counts first in the header.
  for (std::size_t p = 0, q; (q = screen.find('\n', p)) != std::string::npos; p = q + 1) {
    int chars = 0;
    for (std::size_t i = p; i < q; ++i)
      chars += (static_cast<unsigned char>(screen[i]) & 0xC0) != 0x80;
    EXPECT_LE(chars, 120);
  }
  EXPECT_EQ(screen.rfind("llmctl monitor 12:00:00 — findings: 0 critical, 1 warning, 0 info", 0),
            0u)
      << screen;
  // A narrow terminal cuts whole characters: the line stays valid UTF-8.
  std::string narrow = render_watch(r, "12:00:00", 15, 30, false);
  EXPECT_EQ(narrow.substr(0, narrow.find('\n')), "llmctl monitor ");
  narrow = render_watch(r, "12:00:00", 25, 30, false);
  EXPECT_EQ(narrow.substr(0, narrow.find('\n')), "llmctl monitor 12:00:00 —");
}

}  // namespace
}  // namespace llmctl::monitor
