#include <fmt/format.h>

#include <algorithm>

#include "common/strings.h"
#include "finops/render.h"

namespace llmctl::finops {
namespace {

std::string usd(double v) { return format_usd(v); }

std::string tokens(long long n) {
  if (n >= 10'000'000'000LL) return fmt::format("{:.1f}B", static_cast<double>(n) / 1e9);
  if (n >= 10'000'000) return fmt::format("{:.1f}M", static_cast<double>(n) / 1e6);
  return group_thousands(n);
}

// Left-aligned first columns, right-aligned numbers.
std::string table(const std::vector<std::string>& head,
                  const std::vector<std::vector<std::string>>& rows, std::size_t text_columns) {
  std::vector<std::size_t> w(head.size(), 0);
  for (std::size_t i = 0; i < head.size(); ++i) w[i] = head[i].size();
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], r[i].size());
  auto line = [&](const std::vector<std::string>& r) {
    std::string out;
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (i) out += "  ";
      if (i < text_columns)
        out += fmt::format("{:<{}}", r[i], w[i]);
      else
        out += fmt::format("{:>{}}", r[i], w[i]);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(head);
  for (const auto& r : rows) out += line(r);
  return out;
}

}  // namespace

// fmt, not "$" + text: GCC 12 at -O3 reports a false -Wrestrict overlap on a string built by
// prepending to a temporary (GCC bug 105329).
std::string format_usd(double v) {
  if (v != 0 && std::abs(v) < 0.01) return fmt::format("${:.4f}", v);
  if (std::abs(v) >= 1000)
    return fmt::format("${}", group_thousands(static_cast<long long>(std::llround(v))));
  return fmt::format("${:.2f}", v);
}

std::string render_text(const Report& r, bool color) {
  auto bold = [&](const std::string& s) { return color ? "\033[1m" + s + "\033[0m" : s; };
  std::string out;
  out += fmt::format("{} {}\n", bold("costs"), r.source);
  out += fmt::format("period {} .. {} ({:.1f} days): {} over {} requests\n",
                     r.period.start_ms ? iso_time(r.period.start_ms) : "-",
                     r.period.end_ms ? iso_time(r.period.end_ms) : "-", r.period.days,
                     bold(usd(r.totals.cost_usd)), group_thousands(r.totals.requests));
  if (!r.forecast_month.empty())
    out += fmt::format("forecast for {}: {} ({})\n", r.forecast_month, usd(r.forecast_usd),
                       r.forecast_method);
  out += "\n";
  std::vector<std::string> head;
  for (const auto& b : r.by) head.push_back(to_lower(b) == b ? b : b);
  for (auto& h : head) std::transform(h.begin(), h.end(), h.begin(), ::toupper);
  for (const char* h :
       {"COST", "SHARE", "REQUESTS", "IN TOK", "OUT TOK", "$/REQ", "$/1K OUT", "CACHED", "TREND"})
    head.emplace_back(h);
  std::vector<std::vector<std::string>> rows;
  std::size_t shown = std::min<std::size_t>(r.groups.size(), 25);
  for (std::size_t i = 0; i < shown; ++i) {
    const Group& g = r.groups[i];
    std::vector<std::string> row;
    for (const auto& k : g.key) row.push_back(k.empty() ? "(none)" : k);
    row.push_back(usd(g.totals.cost_usd));
    row.push_back(fmt::format("{:.1f}%", g.share * 100));
    row.push_back(group_thousands(g.totals.requests));
    row.push_back(tokens(g.totals.input_tokens));
    row.push_back(tokens(g.totals.output_tokens));
    row.push_back(g.usd_per_request ? usd(*g.usd_per_request) : "-");
    row.push_back(g.usd_per_1k_output ? usd(*g.usd_per_1k_output) : "-");
    row.push_back(fmt::format("{:.0f}%", g.cache_read_share * 100));
    row.push_back(g.trend_pct ? fmt::format("{:+.0f}%", *g.trend_pct) : "-");
    rows.push_back(std::move(row));
  }
  out += table(head, rows, r.by.size());
  if (r.groups.size() > shown)
    out += fmt::format("... {} more groups (--format json lists all)\n", r.groups.size() - shown);

  if (!r.what_if.empty()) {
    out += fmt::format("\n{}\n", bold("what if"));
    for (const WhatIf& w : r.what_if) {
      if (!w.computed) {
        out += fmt::format("  {:<15} not computed: {}\n", w.name, w.missing);
        continue;
      }
      out += fmt::format("  {:<15} saves {} ({:.1f}%, {}/month)\n", w.name, usd(w.saving_usd),
                         w.saving_pct, usd(w.monthly_saving_usd));
      for (const auto& e : w.evidence) out += fmt::format("      {}\n", e);
      out += fmt::format("      assumes: {}\n", w.assumption);
      out += fmt::format("      risk: {}\n", w.risk);
    }
  }
  if (!r.anomalies.empty()) {
    out += fmt::format("\n{}\n", bold("anomalies"));
    for (const Anomaly& a : r.anomalies) {
      if (a.kind == "not_checked") {
        out += fmt::format("  not checked: {}\n", a.evidence);
        continue;
      }
      out +=
          fmt::format("  {:<15} {} {} {}: {}\n", a.kind, usd(a.usd), a.group, a.when, a.evidence);
    }
  }
  // Input quality: what was read, rejected, priced.
  out += "\n";
  out += fmt::format(
      "input: {} records read, {} rejected, {} outside the period, {} not LLM "
      "calls\n",
      r.records_read, r.rows_rejected, r.rows_outside_period, r.rows_skipped);
  for (const auto& e : r.errors) out += fmt::format("  rejected: {}\n", e);
  if (r.rows_rejected > static_cast<long long>(r.errors.size()))
    out += fmt::format("  ... and {} more rejected rows\n",
                       r.rows_rejected - static_cast<long long>(r.errors.size()));
  const PricingSummary& p = r.pricing;
  out += fmt::format(
      "pricing: {} rows priced from the catalog, {} at the source's reported "
      "cost, {} unpriced{}\n",
      p.priced_rows, p.reported_rows, p.unpriced_rows,
      p.unpriced_models.empty() ? "" : " (" + join(p.unpriced_models, ", ") + ")");
  if (p.reconciled_rows > 0)
    out += fmt::format("  the source reported {} for {} rows the catalog prices at {}\n",
                       usd(p.reconciled_reported_usd), p.reconciled_rows,
                       usd(p.reconciled_catalog_usd));
  for (const auto& n : r.notes) out += fmt::format("note: {}\n", n);
  return out;
}

}  // namespace llmctl::finops
