#include <boost/json.hpp>

#include "common/json_writer.h"
#include "finops/render.h"

namespace llmctl::finops {
namespace {

namespace json = boost::json;

json::value money(double v) { return round_to(v, 6); }

json::object totals_json(const Totals& t) {
  return json::object{{"rows", t.rows},
                      {"requests", t.requests},
                      {"input_tokens", t.input_tokens},
                      {"cache_read_tokens", t.cache_read_tokens},
                      {"cache_write_tokens", t.cache_write_tokens},
                      {"output_tokens", t.output_tokens},
                      {"errors", t.errors},
                      {"cost_usd", money(t.cost_usd)}};
}

template <typename T>
json::value opt(const std::optional<T>& v, int digits = 6) {
  if (!v) return nullptr;
  return round_to(*v, digits);
}

json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

json::value to_json(const Report& r) {
  json::array groups;
  for (const Group& g : r.groups) {
    json::object key;
    for (std::size_t i = 0; i < g.key.size() && i < r.by.size(); ++i) key[r.by[i]] = g.key[i];
    groups.emplace_back(json::object{{"key", key},
                                     {"cost_usd", money(g.totals.cost_usd)},
                                     {"share", round_to(g.share, 6)},
                                     {"requests", g.totals.requests},
                                     {"input_tokens", g.totals.input_tokens},
                                     {"cache_read_tokens", g.totals.cache_read_tokens},
                                     {"cache_write_tokens", g.totals.cache_write_tokens},
                                     {"output_tokens", g.totals.output_tokens},
                                     {"errors", g.totals.errors},
                                     {"usd_per_request", opt(g.usd_per_request, 8)},
                                     {"usd_per_1k_output_tokens", opt(g.usd_per_1k_output, 8)},
                                     {"cache_read_share", round_to(g.cache_read_share, 6)},
                                     {"trend_pct", opt(g.trend_pct, 2)}});
  }
  json::array anomalies;
  for (const Anomaly& a : r.anomalies)
    anomalies.emplace_back(json::object{{"kind", a.kind},
                                        {"group", a.group},
                                        {"when", a.when},
                                        {"evidence", a.evidence},
                                        {"usd", money(a.usd)},
                                        {"score", round_to(a.score, 3)}});
  json::array what_if;
  for (const WhatIf& w : r.what_if) {
    json::array changes;
    for (const auto& [k, v] : w.changes)
      changes.emplace_back(json::array{json::string(k), json::string(v)});
    what_if.emplace_back(json::object{{"name", w.name},
                                      {"saving_usd", money(w.saving_usd)},
                                      {"saving_pct", round_to(w.saving_pct, 3)},
                                      {"assumption", w.assumption},
                                      {"risk", w.risk},
                                      {"computed", w.computed},
                                      {"missing", w.missing},
                                      {"monthly_saving_usd", money(w.monthly_saving_usd)},
                                      {"evidence", strings(w.evidence)},
                                      {"changes", changes}});
  }
  json::array daily;
  for (const DailyPoint& d : r.daily) {
    json::array s;
    for (double v : d.by_series) s.emplace_back(money(v));
    daily.emplace_back(json::object{{"date", d.date},
                                    {"cost_usd", money(d.cost_usd)},
                                    {"requests", d.requests},
                                    {"by_series", s}});
  }
  json::object pricing{{"priced_rows", r.pricing.priced_rows},
                       {"reported_cost_rows", r.pricing.reported_rows},
                       {"unpriced_rows", r.pricing.unpriced_rows},
                       {"unpriced_models", strings(r.pricing.unpriced_models)},
                       {"reconciled_rows", r.pricing.reconciled_rows},
                       {"reconciled_catalog_usd", money(r.pricing.reconciled_catalog_usd)},
                       {"reconciled_reported_usd", money(r.pricing.reconciled_reported_usd)}};
  return json::object{
      {"period", json::object{{"start", r.period.start_ms ? iso_time(r.period.start_ms) : ""},
                              {"end", r.period.end_ms ? iso_time(r.period.end_ms) : ""},
                              {"days", round_to(r.period.days, 4)}}},
      {"total_usd", money(r.totals.cost_usd)},
      {"groups", groups},
      {"anomalies", anomalies},
      {"what_if", what_if},
      {"forecast_usd", money(r.forecast_usd)},
      {"by", strings(r.by)},
      {"totals", totals_json(r.totals)},
      {"series", strings(r.series)},
      {"daily", daily},
      {"forecast", json::object{{"month", r.forecast_month}, {"method", r.forecast_method}}},
      {"input", json::object{{"source", r.source},
                             {"records_read", r.records_read},
                             {"rows_rejected", r.rows_rejected},
                             {"rows_outside_period", r.rows_outside_period},
                             {"rows_skipped", r.rows_skipped},
                             {"errors", strings(r.errors)},
                             {"pricing", pricing}}},
      {"notes", strings(r.notes)}};
}

}  // namespace llmctl::finops
