// html_report(): one self-contained page (inline CSS and SVG, no scripts, nothing fetched).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/strings.h"
#include "sim/report.h"

namespace llmctl::sim {

namespace {

std::string esc(std::string_view s) { return html_escape(s); }

// A "nice" axis step (1, 2 or 5 x 10^k) giving about `ticks` intervals over [0, hi].
double nice_step(double hi, int ticks) {
  if (!(hi > 0)) return 1;
  const double raw = hi / ticks;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

// An axis tick: a multiple of a nice step, so its shortest form ("6", "0.5", "2000", "10k"),
// not three significant digits ("6.00" replicas).
std::string tick(double v) {
  if (std::fabs(v) < 1e-12) return "0";
  if (std::fabs(v) >= 1e6) return fmt::format("{:.4g}M", v / 1e6);
  if (std::fabs(v) >= 1e4) return fmt::format("{:.4g}k", v / 1e3);
  return fmt::format("{:.4g}", v);
}

struct Series {
  std::string name;
  std::string color;
  std::vector<double> y;  // NaN: no value there (the line breaks)
  bool step = false;      // draw as a step function (counts)
};

std::string chart(const std::string& title, const std::string& unit, const std::vector<double>& x,
                  const std::vector<Series>& series) {
  constexpr int kW = 760, kH = 260, kL = 64, kR = 16, kT = 30, kB = 36;
  const double pw = kW - kL - kR, ph = kH - kT - kB;
  double xmax = x.empty() ? 1 : std::max(1e-9, x.back());
  double ymax = 0;
  for (const auto& s : series)
    for (double v : s.y)
      if (!std::isnan(v)) ymax = std::max(ymax, v);
  const double ystep = nice_step(ymax > 0 ? ymax : 1, 5);
  ymax = std::max(ystep, std::ceil((ymax > 0 ? ymax : 1) / ystep) * ystep);
  const double xstep = nice_step(xmax, 8);
  auto X = [&](double v) { return kL + v / xmax * pw; };
  auto Y = [&](double v) { return kT + ph - v / ymax * ph; };
  std::string svg = fmt::format(
      "<svg class=\"chart\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\" "
      "aria-label=\"{}\">\n",
      kW, kH, kW, kH, esc(title));
  svg += fmt::format("<text x=\"{}\" y=\"18\" class=\"title\">{}</text>\n", kL, esc(title));
  for (double v = 0; v <= ymax + 1e-9; v += ystep) {
    svg += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" class=\"grid\"/>"
        "<text x=\"{}\" y=\"{:.1f}\" class=\"tick\" text-anchor=\"end\">{}</text>\n",
        kL, kW - kR, Y(v), Y(v), kL - 6, Y(v) + 4, tick(v));
  }
  for (double v = 0; v <= xmax + 1e-9; v += xstep) {
    svg +=
        fmt::format("<text x=\"{:.1f}\" y=\"{}\" class=\"tick\" text-anchor=\"middle\">{}</text>\n",
                    X(v), kH - kB + 16, tick(v));
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"tick\" text-anchor=\"end\">time (s)</text>\n",
                     kW - kR, kH - 4);
  svg += fmt::format(
      "<text x=\"12\" y=\"{}\" class=\"tick\" transform=\"rotate(-90 12 {})\" "
      "text-anchor=\"middle\">{}</text>\n",
      kT + ph / 2, kT + ph / 2, esc(unit));
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" class=\"frame\"/>\n", kL,
                     kT, pw, ph);
  // The legend starts after the title (~8 px a character at this size: "Requests in the fleet"
  // ran into it at a fixed 160).
  int legend_x = kL + std::max(160, static_cast<int>(title.size()) * 8 + 12);
  for (const auto& s : series) {
    // One polyline per run of values: a NaN (no value in that interval) leaves a gap.
    std::string pts;
    auto flush = [&] {
      if (!pts.empty())
        svg += fmt::format(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.8\"/>\n", pts,
            s.color);
      pts.clear();
    };
    for (std::size_t i = 0; i < x.size() && i < s.y.size(); ++i) {
      if (std::isnan(s.y[i])) {
        flush();
        continue;
      }
      if (s.step && i > 0 && !pts.empty())
        pts += fmt::format("{:.1f},{:.1f} ", X(x[i - 1]), Y(s.y[i]));
      pts += fmt::format("{:.1f},{:.1f} ", X(x[i]), Y(s.y[i]));
    }
    flush();
    svg += fmt::format(
        "<rect x=\"{}\" y=\"8\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"18\" "
        "class=\"tick\">{}</text>\n",
        legend_x, s.color, legend_x + 16, esc(s.name));
    legend_x += 24 + static_cast<int>(s.name.size()) * 7;
  }
  svg += "</svg>\n";
  return svg;
}

std::string latency_row(const char* name, const Latency& l) {
  return fmt::format(
      "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", name,
      format_sig(l.mean, 4), format_sig(l.p50, 4), format_sig(l.p90, 4), format_sig(l.p95, 4),
      format_sig(l.p99, 4));
}

}  // namespace

std::string html_report(const Scenario& sc, const SimResult& r) {
  std::vector<double> t;
  Series ttft_mean{"TTFT mean (ms)", "#1f77b4", {}}, ttft_p99{"TTFT p99 (ms)", "#d62728", {}};
  Series ready{"ready replicas", "#2ca02c", {}, true}, starting{"starting", "#ff7f0e", {}, true};
  Series running{"running requests", "#1f77b4", {}}, waiting{"waiting requests", "#d62728", {}};
  // As the engines generate them: counted when their requests complete instead, a long answer
  // lands in one interval and the line jumps with the completions, not with the load.
  Series tput{"output tokens/s generated", "#9467bd", {}}, kv{"KV usage (%)", "#8c564b", {}};
  for (const TimePoint& p : r.timeseries) {
    t.push_back(p.t_s);
    // No first token in the interval: no TTFT to draw (not 0 ms).
    const double none = std::numeric_limits<double>::quiet_NaN();
    ttft_mean.y.push_back(p.first_tokens ? p.ttft_mean_ms : none);
    ttft_p99.y.push_back(p.first_tokens ? p.ttft_p99_ms : none);
    ready.y.push_back(p.replicas_ready);
    starting.y.push_back(p.replicas_starting);
    running.y.push_back(p.running);
    waiting.y.push_back(p.waiting);
    tput.y.push_back(p.generated_tokens_per_s);
    kv.y.push_back(p.kv_usage * 100);
  }
  std::string title = sc.name.empty() ? "llmctl simulate" : "llmctl simulate: " + sc.name;
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += fmt::format("<title>{}</title>\n", esc(title));
  h += "<style>\n"
       "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#222;"
       "max-width:1000px}\n"
       "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}\n"
       ".sub{color:#555;margin:2px 0}\n"
       "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 10px;"
       "text-align:right}th{background:#f4f4f4}td.l,th.l{text-align:left}\n"
       ".kpis{display:flex;flex-wrap:wrap;gap:12px}.kpi{border:1px solid #ddd;border-radius:6px;"
       "padding:8px 14px;min-width:130px}.kpi b{display:block;font-size:20px}\n"
       ".chart{display:block;margin:10px 0}.title{font-size:14px;font-weight:600}"
       ".tick{font-size:11px;fill:#444}.grid{stroke:#eee}.frame{fill:none;stroke:#999}\n"
       "</style>\n</head>\n<body>\n";
  h += fmt::format("<h1>{}</h1>\n", esc(title));
  h += fmt::format("<p class=\"sub\">Fleet: {}</p>\n", esc(describe_pools(sc)));
  h += fmt::format("<p class=\"sub\">Workload: {}; router {}; seed {}</p>\n",
                   esc(describe_workload(sc.workload)), esc(sc.router), sc.seed);
  h += "<div class=\"kpis\">\n";
  auto kpi = [&](const std::string& label, const std::string& value) {
    h += fmt::format("<div class=\"kpi\">{}<b>{}</b></div>\n", esc(label), esc(value));
  };
  kpi("requests completed",
      fmt::format("{} / {}", group_thousands(r.completed), group_thousands(r.requests)));
  kpi("dropped", group_thousands(r.dropped));
  kpi("TTFT p99", format_sig(r.ttft.p99, 3) + " ms");
  kpi("TPOT p99", format_sig(r.tpot.p99, 3) + " ms");
  kpi("output tokens/s", group_thousands(static_cast<long long>(r.output_tokens_per_s + 0.5)));
  if (r.slo_attainment) kpi("SLO attainment", fmt::format("{:.1f}%", *r.slo_attainment * 100));
  kpi("GPU-hours", format_sig(r.gpu_hours, 3));
  if (r.cost_usd) kpi("cost", "$" + format_sig(*r.cost_usd, 4));
  h += "</div>\n";
  h += "<h2>Latency</h2>\n<table>\n<tr><th class=\"l\">ms</th><th>mean</th><th>p50</th>"
       "<th>p90</th><th>p95</th><th>p99</th></tr>\n";
  h += latency_row("TTFT", r.ttft);
  h += latency_row("TPOT", r.tpot);
  h += latency_row("ITL", r.itl);
  h += latency_row("end to end", r.e2e);
  h += latency_row("queue", r.queue);
  h += "</table>\n";
  h += "<h2>Over time</h2>\n";
  h += chart("Time to first token", "ms", t, {ttft_mean, ttft_p99});
  h += chart("Replicas", "replicas", t, {ready, starting});
  h += chart("Requests in the fleet", "requests", t, {running, waiting});
  h += chart("Throughput", "tokens/s", t, {tput});
  h += chart("KV-cache usage", "%", t, {kv});
  h += "<h2>Replicas</h2>\n<table>\n<tr><th class=\"l\">replica</th><th class=\"l\">GPU</th>"
       "<th>requests</th><th>busy</th><th>KV used</th><th>prefix hits</th><th>preemptions</th>"
       "<th>up (s)</th></tr>\n";
  for (const ReplicaStats& s : r.per_replica)
    h += fmt::format(
        "<tr><td class=\"l\">{}/{}</td><td class=\"l\">{}</td><td>{}</td><td>{:.0f}%</td>"
        "<td>{:.0f}%</td><td>{:.0f}%</td><td>{}</td><td>{}</td></tr>\n",
        esc(s.pool), s.index, esc(s.gpu), group_thousands(s.requests), s.busy_fraction * 100,
        s.kv_usage_mean * 100, s.prefix_cache_hit_rate * 100, s.preemptions, format_sig(s.up_s, 4));
  h += "</table>\n";
  if (!r.notes.empty()) {
    h += "<h2>Notes</h2>\n<ul>\n";
    for (const auto& n : r.notes) h += fmt::format("<li>{}</li>\n", esc(n));
    h += "</ul>\n";
  }
  h += "<p class=\"sub\">Generated by llmctl simulate: a discrete-event model of the engines' "
       "schedulers over the perf model's step costs (docs/SIM.md).</p>\n</body>\n</html>\n";
  return h;
}

}  // namespace llmctl::sim
