// One self-contained HTML report: inline CSS, charts drawn here as SVG, no scripts, no fonts or
// images from the network. Top to bottom in the order a reader asks: how much, how much could I
// save, where does it go over time, who spends it, what is abnormal, can I trust the input.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/strings.h"
#include "finops/render.h"

namespace llmctl::finops {
namespace {

std::string esc(std::string_view s) { return html_escape(s); }

std::string usd(double v) { return format_usd(v); }

constexpr const char* kPalette[] = {"#2563eb", "#16a34a", "#d97706",
                                    "#9333ea", "#dc2626", "#94a3b8"};

// A "nice" axis maximum: 1, 2 or 5 times a power of ten at or above v.
double nice_max(double v) {
  if (v <= 0) return 1;
  double p = std::pow(10, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= v) return m * p;
  return 10 * p;
}

std::string daily_chart(const Report& r) {
  if (r.daily.empty()) return "<p class=muted>No dated rows.</p>";
  const double W = 920, H = 260, L = 64, B = 28, T = 10;
  double max = 0;
  for (const auto& d : r.daily) max = std::max(max, d.cost_usd);
  double top = nice_max(max);
  double plot_w = W - L - 10, plot_h = H - B - T;
  double bw = plot_w / static_cast<double>(r.daily.size());
  std::string s = fmt::format(
      "<svg role=img aria-label=\"Daily spend\" viewBox=\"0 0 {} {}\" width=\"100%\" "
      "xmlns=\"http://www.w3.org/2000/svg\">",
      W, H);
  for (int k = 0; k <= 4; ++k) {
    double y = T + plot_h - plot_h * k / 4.0;
    s += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e5e7eb\"/>",
                     L, W - 10, y, y);
    s += fmt::format("<text x=\"{}\" y=\"{:.1f}\" class=axis text-anchor=end>{}</text>", L - 6,
                     y + 4, esc(usd(top * k / 4.0)));
  }
  for (std::size_t i = 0; i < r.daily.size(); ++i) {
    const DailyPoint& d = r.daily[i];
    double x = L + bw * static_cast<double>(i);
    double y = T + plot_h;
    for (std::size_t sIdx = 0; sIdx < d.by_series.size(); ++sIdx) {
      double h = d.by_series[sIdx] / top * plot_h;
      if (h <= 0) continue;
      y -= h;
      s += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\">"
          "<title>{} {}: {}</title></rect>",
          x + bw * 0.1, y, std::max(1.0, bw * 0.8), h, kPalette[std::min<std::size_t>(sIdx, 5)],
          esc(d.date), esc(r.series[sIdx]), esc(usd(d.by_series[sIdx])));
    }
  }
  // Dates: first, middle, last.
  std::vector<std::size_t> marks = {0, r.daily.size() / 2, r.daily.size() - 1};
  marks.erase(std::unique(marks.begin(), marks.end()), marks.end());
  for (std::size_t i : marks) {
    const char* anchor = i == 0 ? "start" : i + 1 == r.daily.size() ? "end" : "middle";
    double x = i == 0                    ? L
               : i + 1 == r.daily.size() ? W - 10
                                         : L + bw * (static_cast<double>(i) + 0.5);
    s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" class=axis text-anchor={}>{}</text>", x, H - 8,
                     anchor, esc(r.daily[i].date));
  }
  s += "</svg><div class=legend>";
  for (std::size_t i = 0; i < r.series.size(); ++i)
    s += fmt::format("<span><i style=\"background:{}\"></i>{}</span>",
                     kPalette[std::min<std::size_t>(i, 5)],
                     esc(r.series[i].empty() || r.series[i] == " / " ? "(none)" : r.series[i]));
  return s + "</div>";
}

std::string savings_chart(const Report& r) {
  std::vector<const WhatIf*> shown;
  for (const auto& w : r.what_if)
    if (w.computed) shown.push_back(&w);
  if (shown.empty()) return "";
  double max = 0;
  for (auto* w : shown) max = std::max(max, w->saving_usd);
  double top = nice_max(max);
  const double W = 920, row = 30, L = 150;
  double H = row * static_cast<double>(shown.size()) + 10;
  std::string s = fmt::format(
      "<svg role=img aria-label=\"What-if savings\" viewBox=\"0 0 {} {}\" width=\"100%\" "
      "xmlns=\"http://www.w3.org/2000/svg\">",
      W, H);
  for (std::size_t i = 0; i < shown.size(); ++i) {
    const WhatIf& w = *shown[i];
    double y = 5 + row * static_cast<double>(i);
    double len = top > 0 ? w.saving_usd / top * (W - L - 220) : 0;
    s += fmt::format("<text x=\"{}\" y=\"{:.1f}\" class=label text-anchor=end>{}</text>", L - 8,
                     y + 18, esc(w.name));
    s += fmt::format(
        "<rect x=\"{}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"20\" fill=\"#16a34a\">"
        "<title>{}</title></rect>",
        L, y + 4, std::max(1.0, len), esc(w.assumption));
    s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=label>{} ({:.1f}%)</text>",
                     L + std::max(1.0, len) + 8, y + 18, esc(usd(w.saving_usd)), w.saving_pct);
  }
  return s + "</svg>";
}

}  // namespace

std::string render_html(const Report& r) {
  std::string h;
  h += "<!doctype html><html lang=en><head><meta charset=utf-8>";
  h += "<meta name=viewport content=\"width=device-width, initial-scale=1\">";
  h += "<title>LLM costs: " + esc(usd(r.totals.cost_usd)) + "</title><style>";
  h += "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#111827;"
       "margin:0;background:#f9fafb}main{max-width:980px;margin:0 auto;padding:24px}"
       "h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}"
       ".muted{color:#6b7280}.cards{display:flex;gap:12px;margin:16px 0}"
       ".card{flex:1;background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px 16px}"
       ".card b{display:block;font-size:26px}.card.save b{color:#15803d}"
       "table{border-collapse:collapse;width:100%;background:#fff}"
       "th,td{padding:6px 8px;border-bottom:1px solid #e5e7eb;text-align:right}"
       "th:first-child,td:first-child{text-align:left}th{font-weight:600;background:#f3f4f6}"
       ".axis{font-size:11px;fill:#6b7280}.label{font-size:12px;fill:#111827}"
       ".legend span{margin-right:14px;font-size:12px}.legend i{display:inline-block;width:10px;"
       "height:10px;margin-right:4px;border-radius:2px}"
       ".wi{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:10px 14px;"
       "margin:8px 0}.wi p{margin:4px 0}.anom{color:#b91c1c}</style></head><body><main>";
  h += "<h1>LLM costs</h1>";
  h += fmt::format("<div class=muted>{} &middot; {} to {} ({:.1f} days)</div>", esc(r.source),
                   esc(r.period.start_ms ? iso_time(r.period.start_ms) : "-"),
                   esc(r.period.end_ms ? iso_time(r.period.end_ms) : "-"), r.period.days);
  // Headline cards: spend, forecast, the best saving. The eye goes to the green card first, so it
  // shows the largest saving that is an estimate; a ceiling (upper_bound) only when no estimate
  // exists, and then as "up to".
  const WhatIf* best = nullptr;
  const WhatIf* best_ceiling = nullptr;
  for (const auto& w : r.what_if) {
    if (!w.computed || w.saving_usd <= 0) continue;
    const WhatIf*& slot = w.upper_bound ? best_ceiling : best;
    if (!slot || w.saving_usd > slot->saving_usd) slot = &w;
  }
  h += "<div class=cards>";
  h += fmt::format("<div class=card>Spend<b>{}</b><span class=muted>{} requests</span></div>",
                   esc(usd(r.totals.cost_usd)), group_thousands(r.totals.requests));
  h += fmt::format("<div class=card>Forecast {}<b>{}</b><span class=muted>month-end</span></div>",
                   esc(r.forecast_month), esc(usd(r.forecast_usd)));
  if (best)
    h += fmt::format(
        "<div class=\"card save\">Biggest saving<b>{}</b><span class=muted>{} ({:.1f}%, "
        "{}/month)</span></div>",
        esc(usd(best->saving_usd)), esc(best->name), best->saving_pct,
        esc(usd(best->monthly_saving_usd)));
  else if (best_ceiling)
    h += fmt::format(
        "<div class=\"card save\">Possible saving<b>up to {}</b><span class=muted>{}, a ceiling: "
        "see its assumption ({:.1f}%, {}/month)</span></div>",
        esc(usd(best_ceiling->saving_usd)), esc(best_ceiling->name), best_ceiling->saving_pct,
        esc(usd(best_ceiling->monthly_saving_usd)));
  h += "</div>";

  if (!r.what_if.empty()) {
    h += "<h2>What each change would save</h2>";
    h += savings_chart(r);
    for (const auto& w : r.what_if) {
      h += "<div class=wi>";
      if (!w.computed) {
        h += fmt::format("<p><b>{}</b> <span class=muted>not computed: {}</span></p>", esc(w.name),
                         esc(w.missing));
      } else {
        h += fmt::format("<p><b>{}</b>: saves <b>{}{}</b> ({:.1f}%, {}/month)</p>", esc(w.name),
                         w.upper_bound ? "up to " : "", esc(usd(w.saving_usd)), w.saving_pct,
                         esc(usd(w.monthly_saving_usd)));
        for (const auto& e : w.evidence) h += "<p class=muted>" + esc(e) + "</p>";
        h += "<p><i>Assumes</i> " + esc(w.assumption) + "</p>";
        h += "<p><i>Risk</i> " + esc(w.risk) + "</p>";
      }
      h += "</div>";
    }
  }

  h += "<h2>Daily spend</h2>" + daily_chart(r);

  h += fmt::format("<h2>Spend by {}</h2><table><tr>", esc(join(r.by, ", ")));
  for (const auto& b : r.by) h += "<th>" + esc(b) + "</th>";
  h += "<th>cost</th><th>share</th><th>requests</th><th>$/request</th><th>$/1k output</th>"
       "<th>cache-read share</th><th>trend</th></tr>";
  std::size_t shown = std::min<std::size_t>(r.groups.size(), 50);
  for (std::size_t i = 0; i < shown; ++i) {
    const Group& g = r.groups[i];
    h += "<tr>";
    for (std::size_t k = 0; k < g.key.size(); ++k)
      h += (k ? "<td style=\"text-align:left\">" : "<td>") +
           esc(g.key[k].empty() ? "(none)" : g.key[k]) + "</td>";
    h += fmt::format(
        "<td>{}</td><td>{:.1f}%</td><td>{}</td><td>{}</td><td>{}</td><td>{:.0f}%</td><td>{}</td>"
        "</tr>",
        esc(usd(g.totals.cost_usd)), g.share * 100, group_thousands(g.totals.requests),
        g.usd_per_request ? esc(usd(*g.usd_per_request)) : "-",
        g.usd_per_1k_output ? esc(usd(*g.usd_per_1k_output)) : "-", g.cache_read_share * 100,
        g.trend_pct ? fmt::format("{:+.0f}%", *g.trend_pct) : "-");
  }
  h += "</table>";
  if (r.groups.size() > shown)
    h += fmt::format("<p class=muted>{} more groups in --format json</p>", r.groups.size() - shown);

  h += "<h2>Anomalies</h2>";
  bool any = false;
  for (const auto& a : r.anomalies) {
    any = true;
    if (a.kind == "not_checked") {
      h += "<p class=muted>Not checked: " + esc(a.evidence) + "</p>";
      continue;
    }
    h += fmt::format("<p><span class=anom>{}</span> <b>{}</b> {} {}: {}</p>", esc(a.kind),
                     esc(usd(a.usd)), esc(a.group), esc(a.when), esc(a.evidence));
  }
  if (!any) h += "<p class=muted>None found (or not requested: --anomalies).</p>";

  h += "<h2>Input</h2>";
  h += fmt::format(
      "<p class=muted>{} records read, {} rejected, {} outside the period, {} not LLM "
      "calls. {} rows priced from the catalog, {} at the source's reported cost, {} "
      "unpriced.</p>",
      r.records_read, r.rows_rejected, r.rows_outside_period, r.rows_skipped, r.pricing.priced_rows,
      r.pricing.reported_rows, r.pricing.unpriced_rows);
  for (const auto& e : r.errors) h += "<p class=muted>rejected: " + esc(e) + "</p>";
  for (const auto& n : r.notes) h += "<p class=muted>" + esc(n) + "</p>";
  h += fmt::format("<p class=muted>Forecast: {}</p>", esc(r.forecast_method));
  h += "</main></body></html>\n";
  return h;
}

}  // namespace llmctl::finops
