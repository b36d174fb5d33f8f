#include "plan/planner.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "catalog/cost.h"
#include "common/strings.h"
#include "plan/format.h"

namespace llmctl::plan {
namespace {

// The ids of catalog entries, for "did you mean" hints.
template <typename T>
std::vector<std::string> ids_of(const std::vector<T>& items) {
  std::vector<std::string> ids;
  for (const auto& item : items) ids.push_back(item.id);
  return ids;
}

using catalog::Catalog;

std::string percent(double fraction) { return fmt::format("{:.0f}%", fraction * 100); }

std::string tokens_text(double tokens) {
  if (tokens >= 1e12) return fmt::format("{}T", num(tokens / 1e12));
  if (tokens >= 1e9) return fmt::format("{}B", num(tokens / 1e9));
  if (tokens >= 1e6) return fmt::format("{}M", num(tokens / 1e6));
  return group_thousands(std::llround(tokens));
}

// Everything the planner needs from the spec once catalog references are resolved.
struct Resolved {
  std::vector<const catalog::Model*> models;  // self-hosted candidates
  std::vector<const catalog::Price*> apis;    // hosted candidates
  std::vector<const catalog::Gpu*> gpus;
  std::vector<const catalog::Engine*> engines;
  std::set<std::string> clouds;                            // lower-case; empty = any
  std::set<std::string> api_providers;                     // lower-case; empty = any
  std::map<const catalog::Gpu*, double> gpu_usd_per_hour;  // the spec's overrides
};

// A price entry's quality tier: its own, else its maker's (a platform's entry of a model).
std::string price_tier(const Catalog& cat, const catalog::Price& p) {
  if (!p.quality_tier.empty() || p.first_party.empty()) return to_lower(p.quality_tier);
  const catalog::Price* maker = cat.find_price(p.first_party);
  return maker ? to_lower(maker->quality_tier) : "";
}

// The quality tier a catalog model gets from the first price entry that hosts it.
std::string model_tier(const Catalog& cat, const catalog::Model& m) {
  for (const auto& p : cat.prices)
    if (!p.open_model.empty() && iequals(p.open_model, m.id) && !p.quality_tier.empty())
      return to_lower(p.quality_tier);
  return "";
}

bool price_matches_name(const catalog::Price& p, std::string_view name) {
  if (p.kind != "chat") return false;  // an embedding endpoint serves no chat traffic
  if (iequals(p.id, name) || iequals(p.model, name)) return true;
  for (const auto& a : p.aliases)
    if (iequals(a, name)) return true;
  return false;
}

std::string known_providers(const std::set<std::string>& providers) {
  return join(std::vector<std::string>(providers.begin(), providers.end()), ", ");
}

Result<Resolved> resolve(const Catalog& cat, const Spec& spec) {
  Resolved r;
  std::set<std::string> seen_prices, seen_models;
  auto add_price = [&](const catalog::Price* p) {
    if (seen_prices.insert(p->id).second) r.apis.push_back(p);
  };
  auto add_model = [&](const catalog::Model* m) {
    if (seen_models.insert(m->id).second) r.models.push_back(m);
  };
  for (size_t i = 0; i < spec.models.size(); ++i) {
    const SpecRef& ref = spec.models[i];
    const std::string field = spec.models_listed ? fmt::format("models[{}]", i) : "model";
    if (const catalog::Model* m = cat.find_model(ref.value)) {
      add_model(m);
      for (const auto& p : cat.prices)
        if (!p.open_model.empty() && iequals(p.open_model, m->id)) add_price(&p);
      continue;
    }
    bool any = false;
    for (const auto& p : cat.prices)
      if (price_matches_name(p, ref.value)) add_price(&p), any = true;
    // The same model on every platform that sells it: the maker's entry and its platforms'.
    if (any)
      for (size_t n = r.apis.size(), i = 0; i < n; ++i) {
        const catalog::Price* p = r.apis[i];
        const std::string maker = p->first_party.empty() ? p->id : p->first_party;
        for (const auto& q : cat.prices)
          if (iequals(q.id, maker) || iequals(q.first_party, maker)) add_price(&q);
      }
    if (!any)
      return Error{fmt::format(
          "{}: {}: unknown model '{}'; {}expected a catalog model ({}) or a hosted model name "
          "from `llmctl catalog list prices`",
          where(spec, ref), field, ref.value, did_you_mean(to_lower(ref.value), ids_of(cat.models)),
          cat.model_ids())};
  }
  if (spec.tier) {
    const int want = tier_rank(spec.tier->value);
    for (const auto& m : cat.models)
      if (tier_rank(model_tier(cat, m)) >= want) add_model(&m);
    for (const auto& p : cat.prices)
      if (tier_rank(p.quality_tier) >= want) add_price(&p);
    if (r.models.empty() && r.apis.empty())
      return Error{
          fmt::format("{}: tier: no catalog price entry has quality_tier {} or better, so no model "
                      "qualifies",
                      where(spec, *spec.tier), spec.tier->value)};
  }

  const Constraints& c = spec.constraints;
  if (c.gpus.empty()) {
    for (const auto& g : cat.gpus) r.gpus.push_back(&g);
  } else {
    for (size_t i = 0; i < c.gpus.size(); ++i) {
      const catalog::Gpu* g = cat.find_gpu(c.gpus[i].value);
      if (!g)
        return Error{fmt::format("{}: constraints.gpus[{}]: unknown GPU '{}'; {}expected one of {}",
                                 where(spec, c.gpus[i]), i, c.gpus[i].value,
                                 did_you_mean(to_lower(c.gpus[i].value), ids_of(cat.gpus)),
                                 cat.gpu_ids())};
      if (std::find(r.gpus.begin(), r.gpus.end(), g) == r.gpus.end()) r.gpus.push_back(g);
    }
  }
  if (c.engines.empty()) {
    for (const auto& e : cat.engines) r.engines.push_back(&e);
  } else {
    for (size_t i = 0; i < c.engines.size(); ++i) {
      const catalog::Engine* e = cat.find_engine(c.engines[i].value);
      if (!e)
        return Error{fmt::format(
            "{}: constraints.engines[{}]: unknown engine '{}'; {}expected one of {}",
            where(spec, c.engines[i]), i, c.engines[i].value,
            did_you_mean(to_lower(c.engines[i].value), ids_of(cat.engines)), cat.engine_ids())};
      if (std::find(r.engines.begin(), r.engines.end(), e) == r.engines.end())
        r.engines.push_back(e);
    }
  }
  std::set<std::string> known_clouds, known_api;
  for (const auto& g : cat.gpus)
    for (const auto& p : g.prices) known_clouds.insert(to_lower(p.provider));
  for (const auto& s : cat.serverless) known_clouds.insert(to_lower(s.provider));
  for (const auto& p : cat.prices) known_api.insert(to_lower(p.provider));
  for (size_t i = 0; i < c.clouds.size(); ++i) {
    std::string v = to_lower(c.clouds[i].value);
    if (!known_clouds.count(v))
      return Error{fmt::format(
          "{}: constraints.clouds[{}]: no GPU price from '{}' in the catalog; expected "
          "one of {}",
          where(spec, c.clouds[i]), i, c.clouds[i].value, known_providers(known_clouds))};
    r.clouds.insert(v);
  }
  for (size_t i = 0; i < c.api_providers.size(); ++i) {
    std::string v = to_lower(c.api_providers[i].value);
    if (!known_api.count(v))
      return Error{
          fmt::format("{}: constraints.api_providers[{}]: no hosted-API price from '{}' in the "
                      "catalog; expected one of {}",
                      where(spec, c.api_providers[i]), i, c.api_providers[i].value,
                      known_providers(known_api))};
    r.api_providers.insert(v);
  }
  for (const auto& [id, ref] : c.gpu_price_refs) {
    const catalog::Gpu* g = cat.find_gpu(id);
    if (!g)
      return Error{
          fmt::format("{}: constraints.gpu_usd_per_hour.{}: unknown GPU; {}expected one of {}",
                      where(spec, ref), ref.value,
                      did_you_mean(to_lower(ref.value), ids_of(cat.gpus)), cat.gpu_ids())};
    r.gpu_usd_per_hour[g] = c.gpu_usd_per_hour.at(id);
  }
  return r;
}

// Collects options ruled out by constraints, by reason, in first-seen order.
class Exclusions {
 public:
  void add(const std::string& reason, int n = 1) {
    for (auto& e : list_)
      if (e.reason == reason) {
        e.options += n;
        return;
      }
    list_.push_back({reason, n});
  }
  std::vector<Exclusion> take() { return std::move(list_); }

 private:
  std::vector<Exclusion> list_;
};

struct GpuPriceChoice {
  bool found = false;
  std::string provider;
  double usd_per_hour = 0;
};

GpuPriceChoice gpu_price(const catalog::Gpu& g, const Resolved& r) {
  GpuPriceChoice choice;
  auto override_price = r.gpu_usd_per_hour.find(&g);
  if (override_price != r.gpu_usd_per_hour.end()) {
    choice = {true, "spec", override_price->second};
    return choice;
  }
  for (const auto& p : g.prices) {
    if (p.kind != "on_demand") continue;
    if (!r.clouds.empty() && !r.clouds.count(to_lower(p.provider))) continue;
    if (!choice.found || p.usd_per_hour < choice.usd_per_hour)
      choice = {true, p.provider, p.usd_per_hour};
  }
  return choice;
}

std::vector<std::string> dtypes_for(const catalog::Model& m, const Spec& spec) {
  std::vector<std::string> out;
  if (!spec.constraints.dtypes.empty()) {
    for (const auto& d : spec.constraints.dtypes)
      if (std::find(out.begin(), out.end(), d.value) == out.end()) out.push_back(d.value);
    return out;
  }
  out = {"bf16", "fp8"};
  for (const auto& [part, dtype] : m.weight_dtypes)
    if (std::find(out.begin(), out.end(), dtype) == out.end()) out.push_back(dtype);
  return out;
}

std::string self_id(const catalog::Model& m, const catalog::Gpu& g, const std::string& dtype,
                    int tp, int pp, const catalog::Engine& e) {
  std::string par = pp > 1 ? fmt::format("tp{}pp{}", tp, pp) : fmt::format("tp{}", tp);
  return fmt::format("self:{}/{}/{}/{}/{}", m.id, g.id, dtype, par, e.id);
}

double tokens_per_request(const Traffic& t) { return t.input_tokens.mean + t.output_tokens.mean; }

double monthly_tokens(const Traffic& t) {
  return t.average_qps * kSecondsPerMonth * tokens_per_request(t);
}

// The blended $/M tokens of an API for this traffic, through the catalog's one cost function.
double api_usd_per_mtok(const catalog::Price& p, const Traffic& t, double batch_share) {
  const double input_share = t.input_tokens.mean / tokens_per_request(t);
  const double interactive =
      catalog::blended_usd_per_mtok(p, input_share, t.cacheable_input_share, false);
  if (batch_share <= 0) return interactive;
  const double batch = catalog::blended_usd_per_mtok(p, input_share, t.cacheable_input_share, true);
  return (1 - batch_share) * interactive + batch_share * batch;
}

struct Planner {
  const Catalog& cat;
  const Spec& spec;
  const Estimator& estimator;
  const PlanOptions& options;
  const Resolved& r;
  Plan plan;
  Exclusions exclusions;
  std::vector<Option> costed;  // met the SLO (or an API); budget not yet applied
  // Every self-hosted configuration that met the SLO, also on GPUs evaluated only for serverless
  // offers (no hourly price): the serverless options run one of them.
  std::vector<Option> sized;
  std::unordered_map<std::string, size_t> costed_by_id;
  std::unordered_map<std::string, size_t> rejected_by_id;  // the first rejection of an id
  std::vector<double> profile_;  // the day's hourly request rates (explain())
  // Re-ranking after a simulated miss: the rejections from before the first rank(), and the
  // options the simulation rejected (rank() adds the budget rejections afresh each time).
  std::optional<size_t> pre_rank_rejected_;
  std::vector<Rejected> sim_rejected_;
  std::unordered_map<std::string, std::string> unverifiable_;  // id -> why it was not checked

  SloTargets slo() const { return {spec.slo.ttft_p95_ms, spec.slo.tpot_p95_ms}; }

  void reject(const std::string& id, OptionKind kind, const std::string& category,
              const std::string& reason, std::optional<double> monthly = std::nullopt) {
    plan.rejected.push_back({id, kind, category, reason, monthly});
  }

  void add_apis() {
    const Traffic& t = spec.traffic;
    const double request_tokens_p95 =
        t.input_tokens.p95_or_default() + t.output_tokens.p95_or_default();
    for (const catalog::Price* p : r.apis) {
      const std::string id = "api:" + p->id;
      if (!spec.constraints.api) {
        exclusions.add("constraints.api is false (hosted APIs)");
        continue;
      }
      if (spec.constraints.data_residency == "on-prem") {
        exclusions.add("constraints.data_residency on-prem forbids hosted APIs");
        continue;
      }
      if (!r.api_providers.empty() && !r.api_providers.count(to_lower(p->provider))) {
        exclusions.add("provider not in constraints.api_providers");
        continue;
      }
      ++plan.options_evaluated;
      if (p->context_window > 0 && request_tokens_p95 > p->context_window) {
        reject(
            id, OptionKind::kApi, "context",
            fmt::format("a p95 request ({} input + {} output tokens) exceeds the {}-token "
                        "context window",
                        num(t.input_tokens.p95_or_default()), num(t.output_tokens.p95_or_default()),
                        group_thousands(p->context_window)));
        continue;
      }
      if (p->max_output_tokens > 0 && t.output_tokens.p95_or_default() > p->max_output_tokens) {
        reject(id, OptionKind::kApi, "context",
               fmt::format("p95 output ({} tokens) exceeds the {}-token output limit",
                           num(t.output_tokens.p95_or_default()),
                           group_thousands(p->max_output_tokens)));
        continue;
      }
      Option o;
      o.id = id;
      o.kind = OptionKind::kApi;
      o.price = p;
      o.model = p->open_model.empty() ? p->model : p->open_model;
      o.tier = price_tier(cat, *p);
      o.quality = tier_rank(o.tier);
      o.cached_input_share = t.cacheable_input_share;
      o.batch_share = p->batch_discount ? t.batchable_share : 0;
      o.usd_per_mtok = api_usd_per_mtok(*p, t, o.batch_share);
      o.monthly_usd = o.usd_per_mtok * monthly_tokens(t) / 1e6;
      o.bottleneck = "price";
      costed.push_back(std::move(o));
    }
  }

  void add_self_hosted() {
    const Traffic& t = spec.traffic;
    const double request_tokens_p95 =
        t.input_tokens.p95_or_default() + t.output_tokens.p95_or_default();
    for (const catalog::Model* m : r.models) {
      const std::vector<std::string> dtypes = dtypes_for(*m, spec);
      // Configurations one model could have, for exclusion counts.
      const int per_gpu = static_cast<int>(r.engines.size() * dtypes.size());
      if (!spec.constraints.self_hosting)
        exclusions.add("constraints.self_hosting is false",
                       per_gpu * static_cast<int>(r.gpus.size()));
      if (!spec.constraints.self_hosting && !serverless_allowed()) continue;
      if (m->max_context > 0 && request_tokens_p95 > m->max_context) {
        ++plan.options_evaluated;
        reject("self:" + m->id, OptionKind::kSelfHosted, "context",
               fmt::format("a p95 request ({} tokens) exceeds {}'s {}-token context",
                           num(request_tokens_p95), m->id, group_thousands(m->max_context)));
        continue;
      }
      const std::string tier = model_tier(cat, *m);
      for (const catalog::Gpu* g : r.gpus) {
        GpuPriceChoice price = gpu_price(*g, r);
        if (!price.found && spec.constraints.self_hosting)
          exclusions.add(r.clouds.empty() ? "GPU has no on-demand price in the catalog"
                                          : "GPU has no on-demand price from constraints.clouds",
                         per_gpu);
        // Sized for serverless offers on the GPU even when it has no hourly price here.
        if ((!price.found || !spec.constraints.self_hosting) && !serverless_offered(*g)) continue;
        for (const catalog::Engine* e : r.engines) {
          for (const std::string& dtype : dtypes) {
            if (!e->supports_dtype(dtype)) {
              exclusions.add("engine does not serve the dtype");
              continue;
            }
            for (int tp = 1; tp <= spec.constraints.max_tp; tp *= 2) {
              // Pipeline stages only past the widest tensor parallelism allowed: a model that
              // needs them is too big for one node of these GPUs.
              for (int pp = 1; pp <= (tp == spec.constraints.max_tp ? 2 : 1); ++pp)
                add_config(*m, tier, *g, price, *e, dtype, tp, pp);
            }
          }
        }
      }
    }
  }

  // The mean request at the peak per-replica load; `explain` asks perf for its sentences, which
  // cost more than the arithmetic, so only ranked options get them.
  perf::Workload peak_shape(bool explain) const {
    const Traffic& t = spec.traffic;
    perf::Workload w{std::max(1, static_cast<int>(std::lround(t.input_tokens.mean))),
                     std::max(1, static_cast<int>(std::lround(t.output_tokens.mean))),
                     perf::LoadMode::kQps, 0};
    w.explain = explain;
    return w;
  }

  void add_config(const catalog::Model& m, const std::string& tier, const catalog::Gpu& g,
                  const GpuPriceChoice& price, const catalog::Engine& e, const std::string& dtype,
                  int tp, int pp) {
    const Traffic& t = spec.traffic;
    const std::string id = self_id(m, g, dtype, tp, pp, e);
    if (m.attention_heads % tp != 0) {
      exclusions.add("tp does not divide the model's attention heads");
      return;
    }
    ++plan.options_evaluated;
    // Weights alone over the card's memory: no need to ask the model.
    const double weights_gib = perf::weight_bytes(m, dtype) / (tp * pp) / (1024.0 * 1024 * 1024);
    if (weights_gib > g.memory_gib) {
      reject(id, OptionKind::kSelfHosted, "fit",
             fmt::format("{} GiB of {} weights per GPU exceed the {}'s {} GiB", num(weights_gib),
                         dtype, g.id, num(g.memory_gib)));
      return;
    }
    perf::Deployment d;
    d.model = &m;
    d.gpu = &g;
    d.engine = &e;
    d.dtype = dtype;
    d.tp = tp;
    d.pp = pp;
    d.gpus = tp * pp;
    Capacity cap = replica_capacity(estimator, d, t.input_tokens, t.output_tokens, slo());
    plan.estimate_calls += cap.estimate_calls;
    if (!cap.feasible) {
      reject(id, OptionKind::kSelfHosted, cap.category, cap.reason);
      return;
    }
    Option o;
    o.id = id;
    o.kind = OptionKind::kSelfHosted;
    o.model = m.id;
    o.tier = tier;
    o.quality = tier_rank(tier);
    o.catalog_model = &m;
    o.gpu = &g;
    o.engine = &e;
    o.dtype = dtype;
    o.tp = tp;
    o.pp = pp;
    o.gpu_provider = price.provider;
    o.gpu_usd_per_hour = price.usd_per_hour;
    o.capacity = std::move(cap);
    o.analytic_capacity_qps = o.capacity.qps;
    size_fleet(o, d);
    sized.push_back(o);
    if (price.found && spec.constraints.self_hosting) costed.push_back(std::move(o));
  }

  // The fleet for a self-hosted option's per-replica capacity (o.capacity.qps): replicas at the
  // peak and the average, the bill, and the latency at the peak share of one replica.
  void size_fleet(Option& o, const perf::Deployment& d) {
    const Traffic& t = spec.traffic;
    o.replicas = count_replicas(t.peak_qps, t.average_qps, o.capacity.qps, spec.slo.availability,
                                t.autoscaling);
    o.gpus_billed = o.replicas.billed * o.tp * o.pp;
    o.monthly_usd = o.gpus_billed * o.gpu_usd_per_hour * kHoursPerMonth;
    o.usd_per_mtok = o.monthly_usd / (monthly_tokens(t) / 1e6);
    // Headroom where it is smallest: the peak spread over the replicas left with one down.
    LoadCheck peak = check_load(estimator, d, peak_shape(false), t.peak_qps / o.replicas.peak,
                                o.capacity.reference, slo());
    ++plan.estimate_calls;
    if (peak.ok) {
      o.at_peak = peak.estimate;
      o.p95_at_peak = peak.p95;
    } else {
      o.at_peak = o.capacity.at_capacity;
      o.p95_at_peak = o.capacity.p95_at_capacity;
    }
    o.headroom = slo_headroom(o.p95_at_peak, slo());
    o.bottleneck = o.at_peak.bottleneck;
  }

  // ---- Serverless GPUs ----

  bool serverless_allowed() const {
    return spec.constraints.serverless && spec.constraints.data_residency != "on-prem";
  }

  bool serverless_offer_allowed(const catalog::ServerlessGpu& s) const {
    if (!r.clouds.empty() && !r.clouds.count(to_lower(s.provider))) return false;
    return std::any_of(r.gpus.begin(), r.gpus.end(),
                       [&](const catalog::Gpu* g) { return iequals(g->id, s.gpu); });
  }

  bool serverless_offered(const catalog::Gpu& g) const {
    if (!serverless_allowed()) return false;
    for (const auto& s : cat.serverless)
      if (iequals(s.gpu, g.id) && serverless_offer_allowed(s)) return true;
    return false;
  }

  ServerlessInput serverless_input(const catalog::ServerlessGpu& s, const Option& config,
                                   const std::vector<double>& profile) const {
    ServerlessInput in;
    in.hourly_qps = profile;
    in.worker_capacity_qps = config.capacity.qps;
    in.request_seconds =
        (config.capacity.reference.prefill_ms_p95_input +
         spec.traffic.output_tokens.mean * config.capacity.reference.decode_ms_batch1) /
        1000;
    in.gpus_per_worker = config.tp * config.pp;
    in.usd_per_gpu_second = s.usd_per_gpu_second;
    in.warm_usd_per_gpu_second = s.warm_usd_per_gpu_second.value_or(s.usd_per_gpu_second);
    in.scale_to_zero = s.scale_to_zero;
    in.idle_timeout_s = s.idle_timeout_s.value_or(0);
    in.cold_start_s = s.cold_start_s;
    in.ttft_slo_ms = spec.slo.ttft_p95_ms;
    in.warm_ttft_p95_ms = config.p95_at_peak.ttft_ms;
    return in;
  }

  // One option per offer and model: the configuration on the offer's GPU that bills least.
  void add_serverless() {
    if (cat.serverless.empty() || r.models.empty()) return;
    if (!spec.constraints.serverless) {
      exclusions.add("constraints.serverless is false", static_cast<int>(cat.serverless.size()));
      return;
    }
    if (spec.constraints.data_residency == "on-prem") {
      exclusions.add("constraints.data_residency on-prem forbids serverless GPUs",
                     static_cast<int>(cat.serverless.size()));
      return;
    }
    const std::vector<double> profile =
        diurnal_profile(spec.traffic.peak_qps, spec.traffic.average_qps);
    for (const auto& s : cat.serverless) {
      if (!serverless_offer_allowed(s)) {
        exclusions.add(r.clouds.empty() || r.clouds.count(to_lower(s.provider))
                           ? "serverless GPU not in constraints.gpus"
                           : "serverless provider not in constraints.clouds");
        continue;
      }
      for (const catalog::Model* m : r.models) {
        const Option* best = nullptr;
        ServerlessCost best_cost;
        for (const auto& c : sized) {
          if (c.catalog_model != m || !iequals(c.gpu->id, s.gpu)) continue;
          ServerlessCost cost = serverless_cost(serverless_input(s, c, profile));
          if (!cost.feasible) continue;
          if (!best || cost.monthly_usd < best_cost.monthly_usd) best = &c, best_cost = cost;
        }
        ++plan.options_evaluated;
        const std::string id = fmt::format("serverless:{}/{}/{}", s.provider, m->id, s.gpu);
        if (!best) {
          reject(id, OptionKind::kServerless, "slo",
                 fmt::format("no configuration of {} on the {} meets the SLO (the self-hosted "
                             "rejections on {} say why)",
                             m->id, s.offer_name, s.gpu));
          continue;
        }
        Option o = *best;
        o.id = fmt::format("serverless:{}/{}", s.provider, best->id.substr(5));
        o.kind = OptionKind::kServerless;
        o.serverless = &s;
        o.serverless_cost = best_cost;
        o.gpu_provider = s.provider;
        o.gpu_usd_per_hour = s.usd_per_gpu_second * 3600;
        o.replicas =
            ReplicaCount{best_cost.peak_workers, best_cost.warm_minimum, 0, best_cost.peak_workers};
        o.gpus_billed = best_cost.peak_workers * best->tp * best->pp;
        o.monthly_usd = best_cost.monthly_usd;
        o.usd_per_mtok = o.monthly_usd / (monthly_tokens(spec.traffic) / 1e6);
        o.because.clear();
        costed.push_back(std::move(o));
      }
    }
  }

  // ---- Provisioned throughput ----

  // The term a provisioned option is costed at: the 1-month reservation when priced (the
  // shortest commitment that discounts), else the first priced term.
  static const catalog::ProvisionedTerm* costed_term(const catalog::ProvisionedUnit& u) {
    for (const auto& t : u.terms)
      if (t.term == "1-month") return &t;
    return u.terms.empty() ? nullptr : &u.terms.front();
  }

  UnitRule unit_rule(const catalog::ProvisionedModel& pm) const {
    return UnitRule{pm.input_tpm_per_unit, pm.output_token_weight, pm.cached_input_weight,
                    pm.min_units, pm.unit_increment};
  }

  TokenShape token_shape() const {
    return TokenShape{spec.traffic.input_tokens.mean, spec.traffic.output_tokens.mean,
                      spec.traffic.cacheable_input_share};
  }

  void add_provisioned() {
    std::set<std::string> noted;
    for (const catalog::Price* p : r.apis) {
      if (!spec.constraints.api || spec.constraints.data_residency == "on-prem") continue;
      if (!r.api_providers.empty() && !r.api_providers.count(to_lower(p->provider))) continue;
      for (const auto& u : cat.provisioned_units) {
        if (!iequals(u.provider, p->provider)) continue;
        if (!spec.constraints.provisioned) {
          exclusions.add("constraints.provisioned is false");
          continue;
        }
        if (!u.missing.empty()) {
          if (noted.insert(u.id).second)
            plan.notes.push_back(fmt::format("{} ({} provisioned throughput, {}): not costed: {}",
                                             u.id, u.provider, u.unit, u.missing));
          continue;
        }
        const catalog::ProvisionedModel* pm = nullptr;
        for (const auto& m : cat.provisioned_models)
          if (iequals(m.units, u.id) && cat.find_price(m.model, u.provider) == p) pm = &m;
        if (!pm) {
          if (noted.insert(u.id + "/" + p->model).second)
            plan.notes.push_back(fmt::format(
                "{}: no per-{} throughput for {} in the catalog, so its provisioned throughput "
                "is not costed",
                u.id, u.unit, p->model));
          continue;
        }
        const catalog::ProvisionedTerm* term = costed_term(u);
        if (!term) continue;
        ++plan.options_evaluated;
        Option o;
        o.id = fmt::format("provisioned:{}/{}", u.id, p->model);
        o.kind = OptionKind::kProvisioned;
        o.price = p;
        o.model = p->model;
        o.tier = price_tier(cat, *p);
        o.quality = tier_rank(o.tier);
        o.provisioned = pm;
        o.units = &u;
        o.term = term;
        o.cached_input_share = spec.traffic.cacheable_input_share;
        o.unit_sizing = size_units(unit_rule(*pm), token_shape(), spec.traffic.peak_qps);
        o.monthly_usd = o.unit_sizing.units * term->monthly_usd(kHoursPerMonth);
        o.usd_per_mtok = o.monthly_usd / (monthly_tokens(spec.traffic) / 1e6);
        o.bottleneck = "units";
        costed.push_back(std::move(o));
      }
    }
  }

  // Budget, dominance, ranking.
  void rank() {
    plan.ranked.clear();
    plan.dominated.clear();
    costed_by_id.clear();
    rejected_by_id.clear();
    if (!pre_rank_rejected_)
      pre_rank_rejected_ = plan.rejected.size();
    else
      plan.rejected.resize(*pre_rank_rejected_);
    plan.rejected.insert(plan.rejected.end(), sim_rejected_.begin(), sim_rejected_.end());
    std::vector<const Option*> in_budget;
    for (const auto& o : costed) {
      if (spec.budget_monthly_usd && o.monthly_usd > *spec.budget_monthly_usd) {
        reject(o.id, o.kind, "budget",
               fmt::format("{}/month exceeds the {}/month budget", money(o.monthly_usd),
                           money(*spec.budget_monthly_usd)),
               o.monthly_usd);
        continue;
      }
      in_budget.push_back(&o);
    }
    // Dominance within one way of running GPUs: a serverless option does not drop a self-hosted
    // one (an own cluster is a different commitment) nor the reverse; APIs and provisioned
    // throughput are compared with both. Two sweeps, each transitive on its own.
    std::vector<int> by(in_budget.size(), -1);
    for (OptionKind left_out : {OptionKind::kServerless, OptionKind::kSelfHosted}) {
      std::vector<size_t> index;
      std::vector<Merit> merits;
      for (size_t i = 0; i < in_budget.size(); ++i) {
        if (in_budget[i]->kind == left_out) continue;
        index.push_back(i);
        merits.push_back(
            {in_budget[i]->monthly_usd, in_budget[i]->headroom.value_or(0), in_budget[i]->quality});
      }
      std::vector<int> sweep = find_dominated(merits);
      for (size_t j = 0; j < index.size(); ++j)
        if (sweep[j] >= 0 && by[index[j]] < 0)
          by[index[j]] = static_cast<int>(index[static_cast<size_t>(sweep[j])]);
    }
    for (size_t i = 0; i < in_budget.size(); ++i) {
      const Option& o = *in_budget[i];
      if (by[i] >= 0)
        plan.dominated.push_back(
            {o.id, o.monthly_usd, o.headroom, in_budget[static_cast<size_t>(by[i])]->id});
      else
        plan.ranked.push_back(o);
    }
    std::stable_sort(plan.ranked.begin(), plan.ranked.end(), better);
    for (size_t i = 0; i < costed.size(); ++i) costed_by_id[costed[i].id] = i;
    for (size_t i = 0; i < plan.rejected.size(); ++i)
      rejected_by_id.emplace(plan.rejected[i].id, i);
  }

  // Checks the cheapest ranked self-hosted options by simulation (PlanOptions); one that misses
  // the SLO is rejected and the ranking redone, so the options shown are the checked ones.
  void verify() {
    if (!options.verifier || options.simulate_top <= 0) return;
    for (;;) {
      int passed = 0;
      bool rejected_one = false;
      for (Option& shown : plan.ranked) {
        if (shown.kind != OptionKind::kSelfHosted) continue;
        if (passed >= options.simulate_top) break;
        const size_t at = costed_by_id.at(shown.id);
        Option& o = costed[at];
        if (!o.simulated && !unverifiable_.count(o.id)) {
          if (plan.simulations >= options.max_simulations) {
            unverifiable_[o.id] =
                fmt::format("the plan's {} simulations went to cheaper options, which missed",
                            options.max_simulations);
            ++passed;
            continue;
          }
          ++plan.simulations;
          auto check = options.verifier(o, spec);
          if (!check)
            unverifiable_[o.id] = check.error().message;
          else
            o.simulated = std::move(*check);
        }
        shown.simulated = o.simulated;  // plan.ranked holds copies of the costed options
        if (!o.simulated || o.simulated->meets_slo) {
          ++passed;
          continue;
        }
        // A miss sizes the option up by one replica at the peak (the analytic capacity was too
        // optimistic for this traffic), up to options.max_size_ups times, then rejects it; either
        // way the ranking is redone, and a sized-up option is simulated again before it is shown.
        if (o.sized_up.size() < static_cast<size_t>(std::max(0, options.max_size_ups))) {
          o.sized_up.push_back(fmt::format("{} replica{} ({})", o.replicas.peak,
                                           o.replicas.peak == 1 ? "" : "s", o.simulated->miss));
          // What one replica may carry so that the peak needs one more of them (a hair over
          // peak / (n + 1), so that rounding cannot ask for n + 2).
          o.capacity.qps =
              std::min(o.capacity.qps, spec.traffic.peak_qps / (o.replicas.peak + 1) * (1 + 1e-9));
          const Option missed = o;
          o.simulated.reset();
          size_fleet(o, replica_deployment(o));
          reject_serverless_running(missed);  // may move `o`
          rejected_one = true;
          break;
        }
        sim_rejected_.push_back(
            {o.id, OptionKind::kSelfHosted, "slo",
             fmt::format("simulated at peak ({}): {} (the analytic p95s were TTFT {} ms, TPOT "
                         "{} ms){}",
                         o.simulated->workload, o.simulated->miss, num(o.p95_at_peak.ttft_ms),
                         num(o.p95_at_peak.tpot_ms),
                         o.sized_up.empty()
                             ? std::string()
                             : fmt::format(" with {} replicas at the peak; before, with {}",
                                           o.replicas.peak, fmt::join(o.sized_up, ", "))),
             o.monthly_usd});
        const Option failed = o;
        costed.erase(costed.begin() + static_cast<std::ptrdiff_t>(at));
        reject_serverless_running(failed);
        rejected_one = true;
        break;
      }
      if (!rejected_one) return;
      rank();
    }
  }

  // Serverless workers run the same configuration at the same per-worker load as the
  // self-hosted option that `failed` was when its simulation missed: they go too.
  void reject_serverless_running(const Option& failed) {
    std::erase_if(costed, [&](const Option& x) {
      if (x.kind != OptionKind::kServerless || x.catalog_model != failed.catalog_model ||
          x.gpu != failed.gpu || x.engine != failed.engine || x.dtype != failed.dtype ||
          x.tp != failed.tp || x.pp != failed.pp)
        return false;
      sim_rejected_.push_back({x.id, OptionKind::kServerless, "slo",
                               fmt::format("its workers run {}, which missed the SLO when "
                                           "simulated at peak: {}",
                                           failed.id, failed.simulated->miss),
                               x.monthly_usd});
      return true;
    });
  }

  // "simulated at peak (...): TTFT p95 ..., p99 ...; ..."
  std::string simulated_text(const SimCheck& c) const {
    // "(881-1038 over the runs)" after a median p95; nothing for one run.
    auto spread = [&](const std::vector<double>& runs) -> std::string {
      if (runs.size() < 2) return "";
      const auto [lo, hi] = std::minmax_element(runs.begin(), runs.end());
      return fmt::format(" ({}-{} over the runs)", num(*lo), num(*hi));
    };
    std::string s = fmt::format(
        "simulated at peak ({}; {} requests over {} replica{}{}): TTFT p95 {} ms{}, p99 {} ms; "
        "TPOT p95 {} ms{}, p99 {} ms",
        c.workload, group_thousands(c.requests), c.replicas, c.replicas == 1 ? "" : "s",
        c.runs > 1 ? fmt::format(", the median of {} runs", c.runs) : "", num(c.ttft_p95_ms),
        spread(c.ttft_p95_ms_runs), num(c.ttft_p99_ms), num(c.tpot_p95_ms),
        spread(c.tpot_p95_ms_runs), num(c.tpot_p99_ms));
    if (c.prefix_cache_hit_rate > 0)
      s += fmt::format("; {} of prompt tokens from the prefix cache",
                       percent(c.prefix_cache_hit_rate));
    if (spec.slo.ttft_p95_ms || spec.slo.tpot_p95_ms)
      s += fmt::format("; {} of requests within {}", percent(c.slo_attainment), slo_text());
    // The median run met the SLO but not every run did: say so, the margin is thin.
    auto over = [](const std::vector<double>& runs, const std::optional<double>& slo) {
      return slo ? std::count_if(runs.begin(), runs.end(), [&](double v) { return v > *slo; }) : 0;
    };
    const auto ttft_over = over(c.ttft_p95_ms_runs, spec.slo.ttft_p95_ms);
    const auto tpot_over = over(c.tpot_p95_ms_runs, spec.slo.tpot_p95_ms);
    if (c.meets_slo && (ttft_over > 0 || tpot_over > 0))
      s += fmt::format(
          "; a thin margin: {} of the {} runs put the p95 {} over the SLO, so some stretches of "
          "peak traffic like these will miss it",
          std::max(ttft_over, tpot_over), c.runs,
          ttft_over && tpot_over ? "TTFT and TPOT"
          : ttft_over            ? "TTFT"
                                 : "TPOT");
    return s;
  }

  std::string scale_up_text(const SimCheck::ScaleUp& u) const {
    std::string when =
        u.seconds_to_peak_fleet
            ? fmt::format("{} replicas are ready after {} s", u.to_replicas,
                          num(*u.seconds_to_peak_fleet))
            : fmt::format("the fleet never reached {} replicas in the run", u.to_replicas);
    return fmt::format(
        "scale-up lag (autoscaling, simulated): when traffic steps from the average to the peak "
        "at once, {} replicas grow as the autoscaler sees it and {} (cold start {} s each); "
        "meanwhile TTFT p99 reaches {} ms (p95 over the step run {} ms) — keep more warm "
        "replicas if that matters",
        u.from_replicas, when, num(u.cold_start_s), num(u.ttft_p99_ms_worst), num(u.ttft_p95_ms));
  }

  // The ranking order: cheaper, then more headroom, then id.
  static bool better(const Option& a, const Option& b) {
    if (a.monthly_usd != b.monthly_usd) return a.monthly_usd < b.monthly_usd;
    if (a.headroom.value_or(0) != b.headroom.value_or(0))
      return a.headroom.value_or(0) > b.headroom.value_or(0);
    return a.id < b.id;
  }

  // The best option of a kind that met the SLO, budget aside (the break-even's ends).
  const Option* best_of(OptionKind kind) const {
    const Option* best = nullptr;
    for (const auto& o : costed)
      if (o.kind == kind && (!best || better(o, *best))) best = &o;
    return best;
  }

  // Lookups for the reasons; valid after rank().
  const Rejected* find_rejected(const std::string& id) const {
    auto it = rejected_by_id.find(id);
    return it == rejected_by_id.end() ? nullptr : &plan.rejected[it->second];
  }

  const Option* find_costed(const std::string& id) const {
    auto it = costed_by_id.find(id);
    return it == costed_by_id.end() ? nullptr : &costed[it->second];
  }

  std::string slo_text() const {
    std::vector<std::string> parts;
    if (spec.slo.ttft_p95_ms)
      parts.push_back(fmt::format("TTFT {} ms", num(*spec.slo.ttft_p95_ms)));
    if (spec.slo.tpot_p95_ms)
      parts.push_back(fmt::format("TPOT {} ms", num(*spec.slo.tpot_p95_ms)));
    return parts.empty() ? "no latency SLO" : "p95 " + join(parts, ", ");
  }
  // "within p95 TTFT 500 ms" or, with no SLO to be within, "with no latency SLO set".
  std::string within_slo_text() const {
    if (!spec.slo.ttft_p95_ms && !spec.slo.tpot_p95_ms) return "with no latency SLO set";
    return "within " + slo_text();
  }

  // "KV 61,440 tokens/replica (38 requests), weights 15.0 GiB/GPU"
  static std::string memory_text(const perf::Estimate& e) {
    return fmt::format(
        "KV cache {} tokens per replica (room for {} requests), weights {} GiB per GPU",
        group_thousands(e.memory.kv_cache_tokens), e.memory.max_concurrency,
        num(e.memory.weights_gib_per_gpu));
  }

  void explain_self_hosted(Option& o) {
    const Traffic& t = spec.traffic;
    const perf::Deployment d = replica_deployment(o);
    perf::Workload w = peak_shape(true);
    w.value = t.peak_qps / o.replicas.peak;
    if (auto e = estimator(d, w)) o.at_peak.explain = e->explain;
    ++plan.estimate_calls;

    const Capacity& cap = o.capacity;
    o.because.push_back(fmt::format(
        "{} req/s per replica {} (p95 at peak load: TTFT {} ms, TPOT {} ms; {} headroom); "
        "saturated throughput {} req/s",
        num(cap.qps), within_slo_text(), num(o.p95_at_peak.ttft_ms), num(o.p95_at_peak.tpot_ms),
        percent(o.headroom.value_or(0)), num(cap.saturated_qps)));
    std::string fleet =
        t.autoscaling ? fmt::format("autoscaled to the average fleet of {}", o.replicas.average)
                      : "the peak fleet billed all month";
    o.because.push_back(fmt::format(
        "peak {} req/s -> {} replica{}{}; {}: {} x {} GPU at {}/GPU-h ({}) = {}/month",
        num(t.peak_qps), o.replicas.peak, o.replicas.peak == 1 ? "" : "s",
        o.replicas.spare ? fmt::format(" + {} spare (availability {})", o.replicas.spare,
                                       percent_precise(spec.slo.availability))
                         : "",
        fleet, o.gpus_billed, o.gpu->id, money(o.gpu_usd_per_hour), o.gpu_provider,
        money(o.monthly_usd)));
    o.because.push_back(fmt::format("bottleneck {}: {}",
                                    o.bottleneck.empty() ? "unknown" : o.bottleneck,
                                    memory_text(o.at_peak)));

    // Another GPU: the best ranked option of the same model on a different card, else the
    // cheapest that met the SLO (dominated or over budget).
    auto other_gpu = [&o](const Option& x) {
      return x.kind == OptionKind::kSelfHosted && x.gpu != o.gpu &&
             x.catalog_model == o.catalog_model;
    };
    const Option* other = nullptr;
    for (const auto& x : plan.ranked)
      if (other_gpu(x)) {
        other = &x;
        break;
      }
    if (!other)
      for (const auto& x : costed)
        if (other_gpu(x) && (!other || better(x, *other))) other = &x;
    if (other) {
      std::string line = versus(o, *other, o.gpu->id, other->gpu->id);
      if (other->tp * other->pp != o.tp * o.pp)
        line += fmt::format("; {} vs {} GPUs per replica", o.tp * o.pp, other->tp * other->pp);
      const long long kv = o.at_peak.memory.kv_cache_tokens;
      const long long other_kv = other->at_peak.memory.kv_cache_tokens;
      // The H100-vs-H200 story: the other card is limited by how little KV its memory leaves.
      const bool kv_bound = other->bottleneck == "kv-capacity" ||
                            other->capacity.at_capacity.bottleneck == "kv-capacity";
      if (kv_bound && other_kv < kv)
        line += fmt::format("; on {}, {} {} leaves KV for only {} tokens per replica vs {}",
                            other->gpu->id, o.model, other->dtype, group_thousands(other_kv),
                            group_thousands(kv));
      o.because.push_back(line);
    }

    // Another dtype on the same card, engine and parallelism.
    for (const std::string& dtype : dtypes_for(*o.catalog_model, spec)) {
      if (dtype == o.dtype) continue;
      const std::string alt = self_id(*o.catalog_model, *o.gpu, dtype, o.tp, o.pp, *o.engine);
      if (const Option* a = find_costed(alt)) {
        o.because.push_back(fmt::format(
            "{}; {} vs {} GiB of weights per GPU", versus(o, *a, o.dtype, dtype),
            num(o.at_peak.memory.weights_gib_per_gpu), num(a->at_peak.memory.weights_gib_per_gpu)));
        break;  // one dtype comparison is enough
      }
      if (const Rejected* x = find_rejected(alt)) {
        o.because.push_back(
            fmt::format("{} at tp{} rejected ({}): {}", dtype, o.tp, x->category, x->reason));
        break;
      }
    }

    // The next smaller tensor parallelism, when it did not work or cost more.
    if (o.tp > 1) {
      const std::string alt = self_id(*o.catalog_model, *o.gpu, o.dtype, o.tp / 2, o.pp, *o.engine);
      if (const Option* a = find_costed(alt))
        o.because.push_back(fmt::format(
            "{}; {} vs {} req/s per GPU",
            versus(o, *a, fmt::format("tp{}", o.tp), fmt::format("tp{}", a->tp)),
            num(o.capacity.qps / (o.tp * o.pp)), num(a->capacity.qps / (a->tp * a->pp))));
      else if (const Rejected* x = find_rejected(alt))
        o.because.push_back(
            fmt::format("tp{} rejected ({}): {}", o.tp / 2, x->category, x->reason));
    }
    // The simulation's verdict right after the analytic sizing it checks.
    std::vector<std::string> checked;
    if (!o.sized_up.empty())
      checked.push_back(fmt::format(
          "sized up by simulation: the analytic {} req/s per replica missed the SLO when "
          "simulated with {}, so {} req/s per replica, {} at the peak{}",
          num(o.analytic_capacity_qps), fmt::join(o.sized_up, ", "), num(o.capacity.qps),
          o.replicas.peak,
          o.simulated ? "" : " (not simulated again: ranked below the options that were)"));
    if (o.simulated) {
      checked.push_back(simulated_text(*o.simulated));
      if (o.simulated->scale_up) checked.push_back(scale_up_text(*o.simulated->scale_up));
    } else if (auto u = unverifiable_.find(o.id); u != unverifiable_.end()) {
      checked.push_back("not checked by simulation: " + u->second);
    }
    o.because.insert(o.because.begin() + std::min<std::ptrdiff_t>(1, std::ssize(o.because)),
                     checked.begin(), checked.end());
  }

  // "<this> over <alt>" when this option wins on cost (or ties with more headroom); "<this> vs
  // <alt>" when it costs more and is ranked for its headroom.
  static std::string versus(const Option& o, const Option& a, const std::string& mine,
                            const std::string& theirs) {
    const double h = o.headroom.value_or(0), ha = a.headroom.value_or(0);
    const bool wins = o.monthly_usd < a.monthly_usd || (o.monthly_usd == a.monthly_usd && h > ha);
    return fmt::format(
        "{} {} {}: {} vs {}/month, SLO headroom at peak {} vs {}, {} vs {} req/s per replica "
        "({}x)",
        mine, wins ? "over" : "vs", theirs, money(o.monthly_usd), money(a.monthly_usd), percent(h),
        percent(ha), num(o.capacity.qps), num(a.capacity.qps),
        num(o.capacity.qps / a.capacity.qps, 2));
  }

  static std::string percent_precise(double fraction) { return num(fraction * 100, 4) + "%"; }

  void explain_api(Option& o) {
    const Traffic& t = spec.traffic;
    const catalog::Price& p = *o.price;
    const double input_share = t.input_tokens.mean / tokens_per_request(t);
    std::string cached;
    if (o.cached_input_share > 0)
      cached = p.cache_read_usd_per_mtok
                   ? fmt::format(" ({} of it cached at {}/M)", percent(o.cached_input_share),
                                 money(*p.cache_read_usd_per_mtok))
                   : fmt::format(" ({} has no cache-read price)", p.provider);
    std::string batch;
    if (o.batch_share > 0)
      batch = fmt::format("; {} of tokens via the batch API at -{}", percent(o.batch_share),
                          percent(*p.batch_discount));
    else if (t.batchable_share > 0)
      batch = fmt::format("; {} has no batch API price", p.provider);
    o.because.push_back(fmt::format("{}/M tokens blended: {} input at {}/M{}, {} output at {}/M{}",
                                    money(o.usd_per_mtok), percent(input_share),
                                    money(p.input_usd_per_mtok), cached, percent(1 - input_share),
                                    money(p.output_usd_per_mtok), batch));
    o.because.push_back(fmt::format("{} tokens/month ({} req/s average x {} tokens) -> {}/month",
                                    tokens_text(monthly_tokens(t)), num(t.average_qps),
                                    num(tokens_per_request(t)), money(o.monthly_usd)));
    std::vector<std::string> vs;
    for (OptionKind k :
         {OptionKind::kProvisioned, OptionKind::kServerless, OptionKind::kSelfHosted})
      if (std::string v = versus_kind(o, k); !v.empty()) vs.push_back(v);
    if (!vs.empty()) o.because.push_back("vs " + join(vs, "; vs "));
    if (p.quota_tpm > 0 || p.quota_rpm > 0) {
      const double peak_tpm = t.peak_qps * 60 * tokens_per_request(t);
      const double peak_rpm = t.peak_qps * 60;
      std::vector<std::string> parts;
      bool over = false;
      if (p.quota_tpm > 0) {
        parts.push_back(fmt::format("{} of {} tokens/min", tokens_text(peak_tpm),
                                    tokens_text(static_cast<double>(p.quota_tpm))));
        over = over || peak_tpm > static_cast<double>(p.quota_tpm);
      }
      if (p.quota_rpm > 0) {
        parts.push_back(
            fmt::format("{} of {} requests/min", num(peak_rpm), group_thousands(p.quota_rpm)));
        over = over || peak_rpm > static_cast<double>(p.quota_rpm);
      }
      o.because.push_back(fmt::format(
          "peak minute uses {} of {}'s default quota per region{}", join(parts, " and "),
          p.provider,
          over ? ": over it, so request an increase or spread the traffic over regions before "
                 "launch"
               : ""));
    }
    o.because.push_back(
        "latency and rate limits of hosted APIs are not in the catalog: the SLO is assumed met, "
        "not checked");
  }

  // The cheapest costed option of a kind other than `o`'s own, for "vs" lines.
  std::string versus_kind(const Option& o, OptionKind kind) const {
    const Option* b = best_of(kind);
    if (!b || b->id == o.id) return "";
    const double d = o.monthly_usd - b->monthly_usd;
    return fmt::format("{} {}/month ({} {})", b->id, money(b->monthly_usd),
                       d <= 0 ? "saves" : "costs", money(std::fabs(d)));
  }

  void explain_provisioned(Option& o) {
    const Traffic& t = spec.traffic;
    const catalog::ProvisionedModel& pm = *o.provisioned;
    const catalog::ProvisionedUnit& u = *o.units;
    const UnitSizing& z = o.unit_sizing;
    const std::string cached =
        t.cacheable_input_share > 0 && pm.cached_input_weight < 1
            ? fmt::format(" ({} of it cached, counted x{})", percent(t.cacheable_input_share),
                          num(pm.cached_input_weight))
            : "";
    o.because.push_back(fmt::format(
        "{} {} for the peak minute: {} req/s x ({} input{} + {} x {} output tokens) = {} "
        "normalized tokens/min / {} per {} = {} {}, rounded up to steps of {} (minimum {})",
        z.units, u.unit, num(t.peak_qps), num(t.input_tokens.mean), cached,
        num(pm.output_token_weight), num(t.output_tokens.mean), tokens_text(z.peak_normalized_tpm),
        group_thousands(std::llround(pm.input_tpm_per_unit)), u.unit, num(z.units_needed), u.unit,
        pm.unit_increment, pm.min_units));
    std::vector<std::string> terms;
    for (const auto& x : u.terms)
      if (&x != o.term)
        terms.push_back(
            fmt::format("{} {}/month", x.term, money(z.units * x.monthly_usd(kHoursPerMonth))));
    o.because.push_back(fmt::format(
        "{} {} term at {}/{}-month = {}/month{}; billed whether used or not: the average minute "
        "uses {} of the units",
        u.deployment, o.term->term, money(o.term->monthly_usd(kHoursPerMonth)), u.unit,
        money(o.monthly_usd), terms.empty() ? "" : " (" + join(terms, ", ") + ")",
        percent(z.units_needed * (t.average_qps / t.peak_qps) / z.units)));
    // Against per-token billing of the same model on the same platform.
    const catalog::Price& p = *o.price;
    const double api_usd_per_mtok = api_usd_per_mtok_of(p);
    const double api_monthly = api_usd_per_mtok * monthly_tokens(t) / 1e6;
    const double api_per_qps = api_usd_per_mtok * tokens_per_request(t) * kSecondsPerMonth / 1e6;
    ProvisionedBreakEven be =
        provisioned_break_even(unit_rule(pm), token_shape(), t.peak_qps / t.average_qps,
                               o.term->monthly_usd(kHoursPerMonth), api_per_qps);
    std::string line = fmt::format("vs per-token api:{} at {}/month: ", p.id, money(api_monthly));
    if (be.found)
      line += fmt::format(
          "provisioned is cheaper from {} req/s average ({} tokens/month, {} {} at {}/month) "
          "with this peak/average ratio of {}",
          num(be.average_qps),
          tokens_text(be.average_qps * tokens_per_request(t) * kSecondsPerMonth), be.units, u.unit,
          money(be.monthly_usd), num(t.peak_qps / t.average_qps));
    else
      line += fmt::format(
          "no break-even: at a peak/average ratio of {} one {} costs more than the per-token "
          "traffic it carries",
          num(t.peak_qps / t.average_qps), u.unit);
    o.because.push_back(line);
    std::vector<std::string> vs;
    for (OptionKind k : {OptionKind::kServerless, OptionKind::kSelfHosted})
      if (std::string v = versus_kind(o, k); !v.empty()) vs.push_back(v);
    if (!vs.empty()) o.because.push_back("vs " + join(vs, "; vs "));
    o.because.push_back(
        "a provisioned deployment's latency is the platform's target, not modelled here: the SLO "
        "is assumed met");
  }

  double api_usd_per_mtok_of(const catalog::Price& p) const {
    return api_usd_per_mtok(p, spec.traffic, p.batch_discount ? spec.traffic.batchable_share : 0);
  }

  void explain_serverless(Option& o) {
    const Traffic& t = spec.traffic;
    const catalog::ServerlessGpu& s = *o.serverless;
    const ServerlessCost& c = o.serverless_cost;
    const int gpus = o.tp * o.pp;
    o.because.push_back(
        fmt::format("{} req/s per worker {} ({} x {} {} {}, sized as for self-hosting: p95 TTFT {} "
                    "ms, TPOT {} ms at its share of the peak)",
                    num(o.capacity.qps), within_slo_text(), gpus, o.gpu->id, o.engine->id, o.dtype,
                    num(o.p95_at_peak.ttft_ms), num(o.p95_at_peak.tpot_ms)));
    o.because.push_back(fmt::format(
        "{} {} at {}/GPU-s ({}/GPU-h{}); the day's traffic from {} to {} req/s: {} worker{} at "
        "the peak, {} GPU-hours/day billed{}",
        s.provider, s.offer_name, num(s.usd_per_gpu_second, 3), money(s.usd_per_gpu_second * 3600),
        s.warm_usd_per_gpu_second
            ? fmt::format(", always-on {}/GPU-h", money(*s.warm_usd_per_gpu_second * 3600))
            : "",
        num(*std::min_element(profile_.begin(), profile_.end())), num(t.peak_qps), c.peak_workers,
        c.peak_workers == 1 ? "" : "s", num(c.flex_gpu_hours_per_day + c.warm_gpu_hours_per_day),
        c.warm_minimum ? fmt::format(" ({} warm)", num(c.warm_gpu_hours_per_day)) : ""));
    const std::string start =
        s.cold_start_s
            ? fmt::format("cold start {} s ({})", num(*s.cold_start_s), s.cold_start_source)
            : fmt::format("{} publishes no measured LLM cold start", s.provider);
    if (c.warm_minimum == 0) {
      if (c.cold_starts_per_day > 0)
        o.because.push_back(fmt::format(
            "scales to zero ({} h/day with no worker, idle timeout {} s): {} requests/day ({}) "
            "wait for a start; {}; within the TTFT SLO's tail budget of {}",
            num(c.hours_at_zero_per_day), num(s.idle_timeout_s.value_or(0)),
            num(c.cold_starts_per_day), percent_precise(c.cold_share), start,
            percent(kColdStartTailBudget)));
      else
        o.because.push_back(fmt::format(
            "never at zero workers at this traffic (idle timeout {} s): no request waits for a "
            "cold start",
            num(s.idle_timeout_s.value_or(0))));
    } else {
      std::string why;
      if (c.warm_reason == "budget")
        why = fmt::format(
            "scaling to zero would make {} of requests ({}/day) wait for a start, over the TTFT "
            "SLO's tail budget of {}; {} (scale to zero would bill {}/month)",
            percent_precise(c.scale_to_zero_cold_share),
            num(c.scale_to_zero_cold_share * c.requests_per_day), percent(kColdStartTailBudget),
            start, money(c.scale_to_zero_monthly_usd));
      else if (c.warm_reason == "unmeasured")
        why = fmt::format("{}, so a scale-from-zero start cannot be checked against the TTFT SLO",
                          start);
      else if (c.warm_reason == "no-scale-to-zero")
        why = fmt::format("{} does not scale this offer to zero", s.provider);
      else
        why = fmt::format("the always-on rate costs less than scaling to zero ({}/month)",
                          money(c.scale_to_zero_monthly_usd));
      o.because.push_back(fmt::format("keeps {} warm worker{} all month: {}", c.warm_minimum,
                                      c.warm_minimum == 1 ? "" : "s", why));
    }
    std::vector<std::string> vs;
    for (OptionKind k : {OptionKind::kApi, OptionKind::kProvisioned, OptionKind::kSelfHosted})
      if (std::string v = versus_kind(o, k); !v.empty()) vs.push_back(v);
    if (!vs.empty()) o.because.push_back("vs " + join(vs, "; vs "));
    if (const Option* api = best_of(OptionKind::kApi))
      o.because.push_back(serverless_break_even(o, *api));
  }

  // The average traffic, scaling the spec's with its shape, where the serverless bill meets the
  // best API's: a geometric scan of the scale, then bisection (the bill is not linear).
  std::string serverless_break_even(const Option& o, const Option& api) const {
    const Traffic& t = spec.traffic;
    const Option* config = nullptr;
    for (const auto& c : sized)
      if (o.id == "serverless:" + o.serverless->provider + "/" + c.id.substr(5)) config = &c;
    if (!config) return "";
    auto diff = [&](double scale) {
      ServerlessInput in = serverless_input(
          *o.serverless, *config, diurnal_profile(t.peak_qps * scale, t.average_qps * scale));
      ServerlessCost c = serverless_cost(in);
      return (c.feasible ? c.monthly_usd : 1e300) - api.monthly_usd * scale;
    };
    const bool cheaper_now = o.monthly_usd <= api.monthly_usd;
    double prev = 1, found = 0;
    for (int i = 1; i <= 160 && found == 0; ++i) {
      const double scale = cheaper_now ? std::pow(1.05, -i) : std::pow(1.05, i);
      if ((diff(scale) <= 0) != cheaper_now) {
        double lo = std::min(prev, scale), hi = std::max(prev, scale);
        for (int k = 0; k < 50; ++k) {
          const double mid = std::sqrt(lo * hi);
          ((diff(mid) <= 0) == (diff(hi) <= 0) ? hi : lo) = mid;
        }
        found = std::sqrt(lo * hi);
      }
      prev = scale;
    }
    if (found == 0)
      return fmt::format(
          "no break-even with {} between {}x and {}x this traffic: serverless "
          "stays {}",
          api.id, num(std::pow(1.05, -160)), num(std::pow(1.05, 160)),
          cheaper_now ? "cheaper" : "dearer");
    // The scan walks from this traffic toward where the sign flips, so just above the crossing
    // serverless is the cheaper (worker steps make its bill a staircase, so it may cross again).
    return fmt::format(
        "break-even with {} at {} req/s average ({}x this traffic): serverless is cheaper just "
        "above it",
        api.id, num(t.average_qps * found), num(found));
  }

  void explain() {
    profile_ = diurnal_profile(spec.traffic.peak_qps, spec.traffic.average_qps);
    for (auto& o : plan.ranked) {
      switch (o.kind) {
        case OptionKind::kSelfHosted:
          explain_self_hosted(o);
          break;
        case OptionKind::kApi:
          explain_api(o);
          break;
        case OptionKind::kProvisioned:
          explain_provisioned(o);
          break;
        case OptionKind::kServerless:
          explain_serverless(o);
          break;
      }
    }
    for (OptionKind k : {OptionKind::kApi, OptionKind::kProvisioned, OptionKind::kServerless,
                         OptionKind::kSelfHosted}) {
      const Option* b = best_of(k);
      if (!b) continue;
      bool ranked = false;
      for (const auto& x : plan.ranked) ranked = ranked || x.id == b->id;
      plan.best_by_kind.push_back({k, b->id, b->monthly_usd, ranked});
    }
  }

  // For each allowed GPU with no costed option: the most telling rejection.
  void why_not() {
    if (!spec.constraints.self_hosting || r.models.empty()) return;
    static const std::vector<std::string> kOrder = {"budget", "slo", "fit", "unsupported"};
    for (const catalog::Gpu* g : r.gpus) {
      if (!gpu_price(*g, r).found) continue;  // excluded (or sized for serverless offers only)
      bool any = false;
      for (const auto& o : costed)
        if (o.kind == OptionKind::kSelfHosted && o.gpu == g &&
            !(spec.budget_monthly_usd && o.monthly_usd > *spec.budget_monthly_usd))
          any = true;
      if (any) continue;
      const Rejected* best = nullptr;
      size_t best_rank = kOrder.size();
      const std::string marker = "/" + g->id + "/";
      for (const auto& x : plan.rejected) {
        if (x.kind != OptionKind::kSelfHosted || x.id.find(marker) == std::string::npos) continue;
        size_t rank = static_cast<size_t>(std::find(kOrder.begin(), kOrder.end(), x.category) -
                                          kOrder.begin());
        bool cheaper = best && rank == best_rank && x.monthly_usd && best->monthly_usd &&
                       *x.monthly_usd < *best->monthly_usd;
        if (rank < best_rank || cheaper) best = &x, best_rank = rank;
      }
      if (best)
        plan.notes.push_back(
            fmt::format("{}: no option within the SLO and budget; closest: {} "
                        "({}: {})",
                        g->id, best->id, best->category, best->reason));
    }
  }

  void compute_break_even() {
    const Option* api = best_of(OptionKind::kApi);
    const Option* self = best_of(OptionKind::kSelfHosted);
    if (!api || !self) return;
    const Traffic& t = spec.traffic;
    BreakEvenReport b;
    b.api_id = api->id;
    b.self_hosted_id = self->id;
    b.api_monthly_usd = api->monthly_usd;
    b.self_hosted_monthly_usd = self->monthly_usd;
    const double replica_usd = self->tp * self->pp * self->gpu_usd_per_hour * kHoursPerMonth;
    const double billed_per_average = t.autoscaling ? 1.0 : t.peak_qps / t.average_qps;
    b.at = break_even(api->usd_per_mtok, tokens_per_request(t), replica_usd, self->capacity.qps,
                      billed_per_average, self->replicas.spare);
    std::string now =
        fmt::format("at {} req/s average: {} {}/month vs {} {}/month", num(t.average_qps), api->id,
                    money(api->monthly_usd), self->id, money(self->monthly_usd));
    if (b.at.found) {
      b.summary = fmt::format(
          "{} and {} cost the same at {} req/s average ({} tokens/month, {} billed replica{}, "
          "{}/month); above that self-hosting is cheaper, below it the API ({})",
          self->id, api->id, num(b.at.average_qps), tokens_text(b.at.tokens_per_month),
          b.at.billed_replicas, b.at.billed_replicas == 1 ? "" : "s", money(b.at.monthly_usd), now);
    } else {
      const double carried_usd = api->usd_per_mtok * tokens_per_request(t) * kSecondsPerMonth /
                                 1e6 * self->capacity.qps / billed_per_average;
      b.summary = fmt::format(
          "no break-even: one {} replica costs {}/month and carries {} req/s of average traffic, "
          "which {} serves for {}/month; the API stays cheaper at any traffic ({})",
          self->gpu->id, money(replica_usd), num(self->capacity.qps / billed_per_average), api->id,
          money(carried_usd), now);
    }
    plan.break_even = b;
  }

  void assumptions() {
    const Traffic& t = spec.traffic;
    auto& a = plan.assumptions;
    a.push_back(fmt::format("traffic from {}", t.source));
    if (!t.input_tokens.p95 || !t.output_tokens.p95)
      a.push_back(
          fmt::format("p95 lengths not given are {}x the mean (input p95 {}, output p95 "
                      "{} tokens)",
                      num(kDefaultP95OverMean), num(t.input_tokens.p95_or_default()),
                      num(t.output_tokens.p95_or_default())));
    a.push_back(
        "p95 TTFT = p95 prompt's prefill + ln(20) x mean queueing; p95 TPOT = mean + decode-step "
        "slope x 1.645 sqrt(batch) (docs/PLAN.md)");
    const bool simulated = options.verifier && options.simulate_top > 0;
    if (simulated)
      a.push_back(fmt::format(
          "the {} cheapest ranked self-hosted option{} are checked by simulating the peak "
          "traffic request by request (the spec's lengths as lognormal distributions, or the "
          "trace replayed; three runs, the median deciding); one that misses the SLO there gets "
          "one more replica at a time, up to {}, and is rejected if it still misses "
          "(docs/PLAN.md)",
          options.simulate_top, options.simulate_top == 1 ? "" : "s", options.max_size_ups));
    if (spec.slo.ttft_p99_ms || spec.slo.tpot_p99_ms)
      a.push_back(
          simulated
              ? "p99 SLOs: the analytic sizing works on p95s; the p99s are held by the simulation "
                "of the checked self-hosted options only (APIs, serverless and unchecked options "
                "are not held to them)"
              : "p99 SLOs are not checked: only the simulation (--simulate N) measures p99s, and "
                "it is off");
    a.push_back(t.autoscaling
                    ? (simulated ? "autoscaling: billed at the average fleet (ceil(average QPS / "
                                   "capacity)); the checked options' scale-up lag is simulated "
                                   "for a step from the average to the peak"
                                 : "autoscaling: billed at the average fleet (ceil(average QPS / "
                                   "capacity)); the peak fleet must be obtainable, scale-up lag "
                                   "is not modelled")
                    : "no autoscaling: the peak fleet is billed all month");
    a.push_back(spare_replicas(spec.slo.availability)
                    ? "availability >= 99.9%: one spare replica (N+1); headroom is measured with "
                      "the peak on N replicas"
                    : "availability < 99.9%: no spare replica");
    a.push_back(fmt::format("a month is {} hours; GPUs at the cheapest on-demand $/GPU-h{}",
                            num(kHoursPerMonth),
                            spec.constraints.clouds.empty() ? "" : " of constraints.clouds"));
    if (spec.constraints.data_residency == "on-prem")
      a.push_back(
          "on-prem: GPU-hours priced at cloud on-demand rates unless "
          "constraints.gpu_usd_per_hour says otherwise");
    if (t.cacheable_input_share > 0)
      a.push_back(simulated
                      ? "prompt caching is priced for APIs; self-hosted prefix caching is "
                        "simulated for the checked options (the cacheable share as shared "
                        "system prompts), the analytic sizing leaves it out (conservative)"
                      : "prompt caching is priced for APIs; self-hosted prefix caching is not "
                        "modelled (self-hosted TTFT is conservative)");
    a.push_back(
        "hosted APIs: latency and rate limits are not in the catalog, so their SLO is "
        "assumed met");
  }
};

}  // namespace

perf::Deployment replica_deployment(const Option& o) {
  perf::Deployment d;
  d.model = o.catalog_model;
  d.gpu = o.gpu;
  d.engine = o.engine;
  d.dtype = o.dtype;
  d.tp = o.tp;
  d.pp = o.pp;
  d.gpus = o.tp * o.pp;
  return d;
}

const char* to_string(OptionKind kind) {
  switch (kind) {
    case OptionKind::kApi:
      return "api";
    case OptionKind::kSelfHosted:
      return "self-hosted";
    case OptionKind::kProvisioned:
      return "provisioned";
    case OptionKind::kServerless:
      return "serverless";
  }
  return "api";
}

Result<Plan> make_plan(const Catalog& catalog, const Spec& spec, const Estimator& estimator,
                       const PlanOptions& options) {
  auto resolved = resolve(catalog, spec);
  if (!resolved) return resolved.error();
  if (spec.traffic.peak_qps <= 0 || spec.traffic.input_tokens.mean <= 0 ||
      spec.traffic.output_tokens.mean <= 0)
    return Error{
        fmt::format("{}: traffic: no rates or lengths (a trace must be applied "
                    "before planning)",
                    spec.file)};
  Planner p{catalog, spec, estimator, options, *resolved, Plan{}, Exclusions{}, {}, {},
            {},      {},   {},        {},      {},        {}};
  p.plan.spec = spec;
  p.assumptions();
  p.add_apis();
  p.add_provisioned();
  p.add_self_hosted();
  p.add_serverless();
  p.rank();
  p.verify();
  p.compute_break_even();
  p.explain();
  p.why_not();
  p.plan.excluded = p.exclusions.take();
  return std::move(p.plan);
}

}  // namespace llmctl::plan
