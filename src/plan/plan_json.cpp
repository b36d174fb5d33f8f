#include "plan/plan_json.h"

#include <boost/json.hpp>

#include "common/json_writer.h"

namespace llmctl::plan {
namespace {

namespace json = boost::json;

json::value optional_number(const std::optional<double>& v, int digits) {
  if (!v) return nullptr;
  return round_to(*v, digits);
}

json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

json::object lengths(const LengthDistribution& d) {
  return json::object{{"mean", round_to(d.mean, 2)},
                      {"p50", optional_number(d.p50, 2)},
                      {"p95", round_to(d.p95_or_default(), 2)},
                      {"p95_assumed", !d.p95.has_value()}};
}

json::object self_hosted(const Option& o) {
  const perf::Estimate& e = o.at_peak;
  return json::object{{"gpu", o.gpu->id},
                      {"engine", o.engine->id},
                      {"dtype", o.dtype},
                      {"tp", o.tp},
                      {"pp", o.pp},
                      {"gpus_per_replica", o.tp * o.pp},
                      {"gpu_usd_per_hour", round_to(o.gpu_usd_per_hour, 4)},
                      {"gpu_price_provider", o.gpu_provider},
                      {"replica_capacity_qps", round_to(o.capacity.qps, 4)},
                      {"analytic_capacity_qps", round_to(o.analytic_capacity_qps, 4)},
                      {"sized_up", strings(o.sized_up)},
                      {"saturated_qps", round_to(o.capacity.saturated_qps, 4)},
                      {"replicas", json::object{{"peak", o.replicas.peak},
                                                {"average", o.replicas.average},
                                                {"spare", o.replicas.spare},
                                                {"billed", o.replicas.billed}}},
                      {"gpus_billed", o.gpus_billed},
                      {"at_peak", json::object{{"ttft_p95_ms", round_to(o.p95_at_peak.ttft_ms, 2)},
                                               {"tpot_p95_ms", round_to(o.p95_at_peak.tpot_ms, 2)},
                                               {"ttft_mean_ms", round_to(e.ttft_ms, 2)},
                                               {"tpot_mean_ms", round_to(e.tpot_ms, 2)},
                                               {"concurrency", round_to(e.concurrency, 2)}}},
                      {"kv_cache_tokens", e.memory.kv_cache_tokens},
                      {"max_concurrency", e.memory.max_concurrency},
                      {"weights_gib_per_gpu", round_to(e.memory.weights_gib_per_gpu, 2)},
                      {"explain", strings(e.explain)}};
}

json::object api(const Option& o) {
  const catalog::Price& p = *o.price;
  return json::object{{"price_id", p.id},
                      {"provider", p.provider},
                      {"input_usd_per_mtok", p.input_usd_per_mtok},
                      {"output_usd_per_mtok", p.output_usd_per_mtok},
                      {"cache_read_usd_per_mtok", optional_number(p.cache_read_usd_per_mtok, 4)},
                      {"batch_discount", optional_number(p.batch_discount, 4)},
                      {"cached_input_share", round_to(o.cached_input_share, 4)},
                      {"batch_share", round_to(o.batch_share, 4)},
                      {"as_of", p.provenance.as_of}};
}

json::object provisioned(const Option& o) {
  const catalog::ProvisionedUnit& u = *o.units;
  const catalog::ProvisionedModel& m = *o.provisioned;
  json::array terms;
  for (const auto& t : u.terms)
    terms.push_back(json::object{
        {"term", t.term},
        {"monthly_usd", round_to(o.unit_sizing.units * t.monthly_usd(kHoursPerMonth), 2)}});
  return json::object{{"units_id", u.id},
                      {"provider", u.provider},
                      {"unit", u.unit},
                      {"deployment", u.deployment},
                      {"per_token_price_id", o.price->id},
                      {"input_tpm_per_unit", m.input_tpm_per_unit},
                      {"output_token_weight", m.output_token_weight},
                      {"cached_input_weight", m.cached_input_weight},
                      {"min_units", m.min_units},
                      {"unit_increment", m.unit_increment},
                      {"peak_normalized_tpm", round_to(o.unit_sizing.peak_normalized_tpm, 0)},
                      {"units_needed", round_to(o.unit_sizing.units_needed, 3)},
                      {"units", o.unit_sizing.units},
                      {"term", o.term->term},
                      {"terms", terms},
                      {"as_of", u.provenance.as_of}};
}

json::object serverless(const Option& o) {
  const catalog::ServerlessGpu& s = *o.serverless;
  const ServerlessCost& c = o.serverless_cost;
  return json::object{
      {"offer", s.id},
      {"provider", s.provider},
      {"gpu", o.gpu->id},
      {"engine", o.engine->id},
      {"dtype", o.dtype},
      {"tp", o.tp},
      {"pp", o.pp},
      {"usd_per_gpu_second", s.usd_per_gpu_second},
      {"warm_usd_per_gpu_second", optional_number(s.warm_usd_per_gpu_second, 6)},
      {"worker_capacity_qps", round_to(o.capacity.qps, 4)},
      {"peak_workers", c.peak_workers},
      {"warm_minimum", c.warm_minimum},
      {"warm_reason", c.warm_reason},
      {"gpu_hours_per_day", round_to(c.flex_gpu_hours_per_day + c.warm_gpu_hours_per_day, 3)},
      {"hours_at_zero_per_day", round_to(c.hours_at_zero_per_day, 3)},
      {"cold_start_s", optional_number(s.cold_start_s, 2)},
      {"cold_starts_per_day", round_to(c.cold_starts_per_day, 3)},
      {"cold_start_share", round_to(c.cold_share, 6)},
      {"scale_to_zero_monthly_usd", round_to(c.scale_to_zero_monthly_usd, 2)},
      {"scale_to_zero_cold_start_share", round_to(c.scale_to_zero_cold_share, 6)},
      {"at_peak", json::object{{"ttft_p95_ms", round_to(o.p95_at_peak.ttft_ms, 2)},
                               {"tpot_p95_ms", round_to(o.p95_at_peak.tpot_ms, 2)}}},
      {"as_of", s.provenance.as_of}};
}

json::value simulated(const SimCheck& c) {
  json::array ttft_runs, tpot_runs;
  for (double v : c.ttft_p95_ms_runs) ttft_runs.push_back(round_to(v, 2));
  for (double v : c.tpot_p95_ms_runs) tpot_runs.push_back(round_to(v, 2));
  json::object j{{"workload", c.workload},
                 {"requests", c.requests},
                 {"replicas", c.replicas},
                 {"runs", c.runs},
                 {"ttft_p95_ms_runs", std::move(ttft_runs)},
                 {"tpot_p95_ms_runs", std::move(tpot_runs)},
                 {"ttft_p95_ms", round_to(c.ttft_p95_ms, 2)},
                 {"ttft_p99_ms", round_to(c.ttft_p99_ms, 2)},
                 {"tpot_p95_ms", round_to(c.tpot_p95_ms, 2)},
                 {"tpot_p99_ms", round_to(c.tpot_p99_ms, 2)},
                 {"slo_attainment", round_to(c.slo_attainment, 4)},
                 {"prefix_cache_hit_rate", round_to(c.prefix_cache_hit_rate, 4)},
                 {"dropped", c.dropped},
                 {"meets_slo", c.meets_slo},
                 {"notes", strings(c.notes)}};
  if (c.scale_up) {
    const auto& u = *c.scale_up;
    j["scale_up"] =
        json::object{{"from_replicas", u.from_replicas},
                     {"to_replicas", u.to_replicas},
                     {"seconds_to_peak_fleet", optional_number(u.seconds_to_peak_fleet, 1)},
                     {"cold_start_s", round_to(u.cold_start_s, 1)},
                     {"ttft_p99_ms_worst", round_to(u.ttft_p99_ms_worst, 2)},
                     {"ttft_p95_ms", round_to(u.ttft_p95_ms, 2)}};
  }
  return j;
}

json::object option(const Option& o, int rank) {
  json::object j{{"rank", rank},
                 {"id", o.id},
                 {"kind", to_string(o.kind)},
                 {"model", o.model},
                 {"tier", o.tier.empty() ? json::value(nullptr) : json::value(o.tier)},
                 {"monthly_usd", round_to(o.monthly_usd, 2)},
                 {"usd_per_mtok", round_to(o.usd_per_mtok, 4)},
                 {"headroom", optional_number(o.headroom, 4)},
                 {"bottleneck", o.bottleneck}};
  switch (o.kind) {
    case OptionKind::kApi:
      j["api"] = api(o);
      break;
    case OptionKind::kSelfHosted:
      j["self_hosted"] = self_hosted(o);
      break;
    case OptionKind::kProvisioned:
      j["provisioned"] = provisioned(o);
      break;
    case OptionKind::kServerless:
      j["serverless"] = serverless(o);
      break;
  }
  if (o.simulated) j["simulated"] = simulated(*o.simulated);
  j["because"] = strings(o.because);
  return j;
}

}  // namespace

json::value to_json(const Plan& plan, int top) {
  const Spec& s = plan.spec;
  const Traffic& t = s.traffic;
  json::array models;
  for (const auto& m : s.models) models.emplace_back(m.value);
  json::object spec{{"name", s.name},
                    {"models", models},
                    {"tier", s.tier ? json::value(s.tier->value) : json::value(nullptr)},
                    {"traffic", json::object{{"source", t.source},
                                             {"peak_qps", round_to(t.peak_qps, 4)},
                                             {"average_qps", round_to(t.average_qps, 4)},
                                             {"input_tokens", lengths(t.input_tokens)},
                                             {"output_tokens", lengths(t.output_tokens)},
                                             {"cacheable_input_share", t.cacheable_input_share},
                                             {"batchable_share", t.batchable_share},
                                             {"autoscaling", t.autoscaling}}},
                    {"slo", json::object{{"ttft_p95_ms", optional_number(s.slo.ttft_p95_ms, 2)},
                                         {"tpot_p95_ms", optional_number(s.slo.tpot_p95_ms, 2)},
                                         {"ttft_p99_ms", optional_number(s.slo.ttft_p99_ms, 2)},
                                         {"tpot_p99_ms", optional_number(s.slo.tpot_p99_ms, 2)},
                                         {"availability", s.slo.availability}}},
                    {"budget_monthly_usd", optional_number(s.budget_monthly_usd, 2)}};

  json::array options;
  int shown = top > 0 ? std::min<int>(top, static_cast<int>(plan.ranked.size()))
                      : static_cast<int>(plan.ranked.size());
  for (int i = 0; i < shown; ++i) options.push_back(option(plan.ranked[i], i + 1));

  json::value break_even = nullptr;
  if (plan.break_even) {
    const BreakEvenReport& b = *plan.break_even;
    json::object at{{"found", b.at.found}};
    if (b.at.found) {
      at["average_qps"] = round_to(b.at.average_qps, 4);
      at["tokens_per_month"] = round_to(b.at.tokens_per_month, 0);
      at["monthly_usd"] = round_to(b.at.monthly_usd, 2);
      at["billed_replicas"] = b.at.billed_replicas;
    }
    break_even = json::object{{"api", b.api_id},
                              {"self_hosted", b.self_hosted_id},
                              {"api_monthly_usd", round_to(b.api_monthly_usd, 2)},
                              {"self_hosted_monthly_usd", round_to(b.self_hosted_monthly_usd, 2)},
                              {"break_even", at},
                              {"summary", b.summary}};
  }

  json::array dominated;
  for (const auto& d : plan.dominated)
    dominated.push_back(json::object{{"id", d.id},
                                     {"monthly_usd", round_to(d.monthly_usd, 2)},
                                     {"headroom", optional_number(d.headroom, 4)},
                                     {"dominated_by", d.dominated_by}});
  json::array rejected;
  for (const auto& r : plan.rejected)
    rejected.push_back(json::object{{"id", r.id},
                                    {"kind", to_string(r.kind)},
                                    {"category", r.category},
                                    {"reason", r.reason},
                                    {"monthly_usd", optional_number(r.monthly_usd, 2)}});
  json::array excluded;
  for (const auto& e : plan.excluded)
    excluded.push_back(json::object{{"reason", e.reason}, {"options", e.options}});

  return json::object{{"spec", spec},
                      {"assumptions", strings(plan.assumptions)},
                      {"summary", json::object{{"options_evaluated", plan.options_evaluated},
                                               {"ranked", plan.ranked.size()},
                                               {"shown", shown},
                                               {"simulations", plan.simulations},
                                               {"dominated", plan.dominated.size()},
                                               {"rejected", plan.rejected.size()},
                                               {"excluded",
                                                [&] {
                                                  int n = 0;
                                                  for (const auto& e : plan.excluded)
                                                    n += e.options;
                                                  return n;
                                                }()},
                                               {"best_by_kind",
                                                [&] {
                                                  json::array a;
                                                  for (const auto& k : plan.best_by_kind)
                                                    a.push_back(json::object{
                                                        {"kind", to_string(k.kind)},
                                                        {"id", k.id},
                                                        {"monthly_usd", round_to(k.monthly_usd, 2)},
                                                        {"ranked", k.ranked}});
                                                  return a;
                                                }()}}},
                      {"options", options},
                      {"break_even", break_even},
                      {"notes", strings(plan.notes)},
                      {"dominated", dominated},
                      {"rejected", rejected},
                      {"excluded", excluded}};
}

}  // namespace llmctl::plan
