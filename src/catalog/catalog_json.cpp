#include "catalog/catalog_json.h"

#include <boost/json.hpp>

#include "catalog/engine_traits_fields.h"
#include "common/json_writer.h"

namespace llmctl::catalog {
namespace json = boost::json;

namespace {
json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}
template <typename T>
json::value opt(const std::optional<T>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

// Every entry ends with where its facts come from and where it was declared.
void add_provenance(json::object& o, const Provenance& p) {
  o["source"] = p.source;
  o["as_of"] = p.as_of;
  o["file"] = p.file;
  o["line"] = p.line;
}
}  // namespace

json::value to_json(const Provenance& p) {
  return json::object{{"source", p.source}, {"as_of", p.as_of}, {"file", p.file}, {"line", p.line}};
}

json::value to_json(const Gpu& g) {
  json::object tf;
  for (const auto& [k, v] : g.tflops) tf[k] = v;
  json::array prices;
  for (const auto& p : g.prices)
    prices.push_back(json::object{{"provider", p.provider},
                                  {"kind", p.kind},
                                  {"usd_per_hour", p.usd_per_hour},
                                  {"source", p.source},
                                  {"as_of", p.as_of}});
  json::object o{
      {"id", g.id},
      {"name", g.name},
      {"vendor", g.vendor},
      {"arch", g.arch},
      {"aliases", strings(g.aliases)},
      {"memory_gib", g.memory_gib},
      {"memory_bandwidth_gbps", g.memory_bandwidth_gbps},
      {"tflops", tf},
      {"interconnect", json::object{{"kind", g.interconnect_kind}, {"gbps", g.interconnect_gbps}}},
      {"prices", prices}};
  json::array cloud;
  for (const auto& c : g.cloud_names)
    cloud.push_back(json::object{{"name", c.name},
                                 {"kind", c.kind},
                                 {"prefix", c.prefix},
                                 {"source", c.source},
                                 {"as_of", c.as_of}});
  o["cloud_names"] = cloud;
  add_provenance(o, g.provenance);
  return o;
}

json::value to_json(const Model& m) {
  json::object o{{"id", m.id},
                 {"name", m.name},
                 {"aliases", strings(m.aliases)},
                 {"layers", m.layers},
                 {"hidden_size", m.hidden_size},
                 {"attention_heads", m.attention_heads},
                 {"kv_heads", m.kv_heads},
                 {"head_dim", m.head_dim},
                 {"intermediate_size", m.intermediate_size},
                 {"vocab_size", m.vocab_size},
                 {"params_total_b", m.params_total_b},
                 {"params_active_b", m.params_active_b},
                 {"max_context", m.max_context}};
  json::object att{{"kind", m.attention_kind}};
  if (m.mla) {
    att["kv_lora_rank"] = m.mla->kv_lora_rank;
    att["q_lora_rank"] = m.mla->q_lora_rank;
    att["qk_rope_head_dim"] = m.mla->qk_rope_head_dim;
    att["qk_nope_head_dim"] = m.mla->qk_nope_head_dim;
    att["v_head_dim"] = m.mla->v_head_dim;
  }
  o["attention"] = att;
  o["sliding_window"] = m.sliding_window
                            ? json::value(json::object{{"window", m.sliding_window->window},
                                                       {"layers", m.sliding_window->layers}})
                            : json::value(nullptr);
  if (m.moe)
    o["moe"] = json::object{{"experts", m.moe->experts},
                            {"top_k", m.moe->top_k},
                            {"shared_experts", m.moe->shared_experts},
                            {"expert_intermediate_size", m.moe->expert_intermediate_size},
                            {"dense_layers", m.moe->dense_layers},
                            {"params_experts_b", m.moe->params_experts_b}};
  else
    o["moe"] = nullptr;
  json::object wd;
  for (const auto& [k, v] : m.weight_dtypes) wd[k] = v;
  o["weight_dtypes"] = wd;
  o["remote_code"] = m.remote_code;
  add_provenance(o, m.provenance);
  return o;
}

static json::array metrics_json(const std::vector<EngineMetric>& ms) {
  json::array metrics;
  for (const auto& m : ms)
    metrics.push_back(json::object{{"name", m.name},
                                   {"type", m.type},
                                   {"meaning", m.meaning},
                                   {"replaces", strings(m.replaces)},
                                   {"introduced_in", m.introduced_in},
                                   {"deprecated_in", m.deprecated_in},
                                   {"removed_in", m.removed_in},
                                   {"signal", m.signal}});
  return metrics;
}

json::value to_json(const Engine& e) {
  json::object flags;
  for (const auto& [k, v] : e.flags) flags[k] = v;
  json::array metrics = metrics_json(e.metrics);
  json::object scheduler;
  visit_engine_traits(e.scheduler.traits, [&scheduler](const char* key, const auto& member, int) {
    scheduler[key] = member;
  });
  if (const auto& l = e.scheduler.large_gpu)
    scheduler["large_gpu"] = json::object{{"min_memory_gib", l->min_memory_gib},
                                          {"except_names", strings(l->except_names)},
                                          {"max_num_seqs", l->max_num_seqs},
                                          {"max_num_tokens", l->max_num_tokens}};
  else
    scheduler["large_gpu"] = nullptr;
  scheduler["source"] = e.scheduler.source;
  scheduler["as_of"] = e.scheduler.as_of;
  json::object o{{"id", e.id},
                 {"name", e.name},
                 {"dtypes", strings(e.dtypes)},
                 {"gpu_vendors", strings(e.gpu_vendors)},
                 {"gpu_memory_fraction", e.gpu_memory_fraction},
                 {"memory_fraction_of", e.memory_fraction_of},
                 {"image", e.image},
                 {"command", strings(e.command)},
                 {"port", e.port},
                 {"health_path", e.health_path},
                 {"ready_path", e.ready_path},
                 {"metrics_path", e.metrics_path},
                 {"flags", flags},
                 {"default_context", e.default_context},
                 {"counter_suffix", e.counter_suffix},
                 {"metrics", metrics},
                 {"scheduler", scheduler}};
  add_provenance(o, e.provenance);
  return o;
}

json::value to_json(const RetiredModel& r) {
  json::array aliases;
  for (const auto& a : r.aliases) aliases.push_back(json::value(a));
  json::object o{{"id", r.id},
                 {"provider", r.provider},
                 {"model", r.model},
                 {"aliases", std::move(aliases)},
                 {"shutdown", r.shutdown},
                 {"replacement", r.replacement}};
  add_provenance(o, r.provenance);
  return o;
}

json::value to_json(const CodeRepository& r) {
  json::object o{{"id", r.id}, {"unless", r.unless}, {"auto_map", r.auto_map}};
  add_provenance(o, r.provenance);
  return o;
}

json::value to_json(const Exporter& e) {
  json::object o{{"id", e.id},
                 {"name", e.name},
                 {"port", e.port},
                 {"metrics_path", e.metrics_path},
                 {"counter_suffix", e.counter_suffix},
                 {"metrics", metrics_json(e.metrics)}};
  add_provenance(o, e.provenance);
  return o;
}

json::value to_json(const Price& p) {
  json::object o{{"id", p.id},
                 {"provider", p.provider},
                 {"model", p.model},
                 {"aliases", strings(p.aliases)},
                 {"input_usd_per_mtok", p.input_usd_per_mtok},
                 {"output_usd_per_mtok", p.output_usd_per_mtok},
                 {"cache_read_usd_per_mtok", opt(p.cache_read_usd_per_mtok)},
                 {"cache_write_usd_per_mtok", opt(p.cache_write_usd_per_mtok)},
                 {"batch_discount", opt(p.batch_discount)},
                 {"context_window", p.context_window},
                 {"max_output_tokens", p.max_output_tokens},
                 {"usage_semantics", p.usage_semantics},
                 {"reasoning_billed_as", p.reasoning_billed_as},
                 {"quality_tier", p.quality_tier},
                 {"open_model", p.open_model},
                 {"family", p.family},
                 {"kind", p.kind},
                 {"cache_min_tokens", p.cache_min_tokens},
                 {"cache_ttl_s", p.cache_ttl_s},
                 {"first_party", p.first_party},
                 {"quota_tpm", p.quota_tpm},
                 {"quota_rpm", p.quota_rpm}};
  add_provenance(o, p.provenance);
  return o;
}

json::value to_json(const ProvisionedUnit& u) {
  json::array terms;
  for (const auto& t : u.terms)
    terms.push_back(json::object{{"term", t.term},
                                 {"usd_per_unit_hour", opt(t.usd_per_unit_hour)},
                                 {"usd_per_unit_month", opt(t.usd_per_unit_month)}});
  json::object o{{"id", u.id},     {"provider", u.provider},
                 {"unit", u.unit}, {"deployment", u.deployment},
                 {"terms", terms}, {"missing", u.missing}};
  add_provenance(o, u.provenance);
  return o;
}

json::value to_json(const ProvisionedModel& m) {
  json::object o{{"id", m.id},
                 {"units", m.units},
                 {"model", m.model},
                 {"min_units", m.min_units},
                 {"unit_increment", m.unit_increment},
                 {"input_tpm_per_unit", m.input_tpm_per_unit},
                 {"output_token_weight", m.output_token_weight},
                 {"cached_input_weight", m.cached_input_weight}};
  add_provenance(o, m.provenance);
  return o;
}

json::value to_json(const ServerlessGpu& s) {
  json::object o{{"id", s.id},
                 {"provider", s.provider},
                 {"gpu", s.gpu},
                 {"offer_name", s.offer_name},
                 {"usd_per_gpu_second", s.usd_per_gpu_second},
                 {"warm_usd_per_gpu_second", opt(s.warm_usd_per_gpu_second)},
                 {"scale_to_zero", s.scale_to_zero},
                 {"idle_timeout_s", opt(s.idle_timeout_s)},
                 {"cold_start_s", opt(s.cold_start_s)},
                 {"cold_start_source", s.cold_start_source}};
  add_provenance(o, s.provenance);
  return o;
}

json::value to_json(const Efficiency& e) {
  json::object params;
  for (const auto& [k, v] : e.params) params[k] = v;
  json::object o{{"id", e.id},       {"engine", e.engine},
                 {"arch", e.arch},   {"min_engine_version", e.min_engine_version},
                 {"params", params}, {"fitted_on", strings(e.fitted_on)}};
  add_provenance(o, e.provenance);
  return o;
}

json::value to_json(const Cost& c) {
  json::object o{{"total_usd", round_to(c.total_usd, 10)},
                 {"input_usd", round_to(c.input_usd, 10)},
                 {"cache_read_usd", round_to(c.cache_read_usd, 10)},
                 {"cache_write_usd", round_to(c.cache_write_usd, 10)},
                 {"output_usd", round_to(c.output_usd, 10)},
                 {"batch", c.batch}};
  if (c.price)
    o["price"] = json::object{{"id", c.price->id},
                              {"source", c.price->provenance.source},
                              {"as_of", c.price->provenance.as_of}};
  return o;
}

}  // namespace llmctl::catalog
