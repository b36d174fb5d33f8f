#include "catalog/codec.h"

#include <boost/json.hpp>
#include <type_traits>

#include "catalog/catalog_json.h"
#include "catalog/engine_traits_fields.h"

namespace llmctl::catalog {
namespace json = boost::json;

namespace {

// 2: the entries are the `--format json` views (catalog_json.h), so one serializer serves both.
// 7: engines' one_shot_allreduce and the code_repositories list (each branch that added one
// had bumped 5 -> 6 on its own).
constexpr int kFormat = 8;

// ---- decoding: at() throws on a stale artifact; decode_catalog turns that into an Error ----
const json::value& at(const json::object& o, std::string_view k) { return o.at(k); }
std::string str(const json::object& o, std::string_view k) {
  return std::string(at(o, k).as_string());
}
double num(const json::object& o, std::string_view k) { return at(o, k).to_number<double>(); }
int integer(const json::object& o, std::string_view k) { return at(o, k).to_number<int>(); }
std::vector<std::string> strs(const json::object& o, std::string_view k) {
  std::vector<std::string> out;
  for (const auto& v : at(o, k).as_array()) out.emplace_back(v.as_string());
  return out;
}
std::map<std::string, double> num_map(const json::object& o, std::string_view k) {
  std::map<std::string, double> out;
  for (const auto& kv : at(o, k).as_object())
    out[std::string(kv.key())] = kv.value().to_number<double>();
  return out;
}
std::map<std::string, std::string> str_map(const json::object& o, std::string_view k) {
  std::map<std::string, std::string> out;
  for (const auto& kv : at(o, k).as_object())
    out[std::string(kv.key())] = std::string(kv.value().as_string());
  return out;
}
std::optional<double> opt_num(const json::object& o, std::string_view k) {
  const auto& v = at(o, k);
  if (v.is_null()) return std::nullopt;
  return v.to_number<double>();
}
Provenance prov(const json::object& o) {
  return Provenance{str(o, "source"), str(o, "as_of"), str(o, "file"), integer(o, "line")};
}
std::vector<EngineMetric> metrics(const json::object& o) {
  std::vector<EngineMetric> out;
  for (const auto& mv : at(o, "metrics").as_array()) {
    const auto& m = mv.as_object();
    out.push_back({str(m, "name"), str(m, "type"), str(m, "meaning"), strs(m, "replaces"),
                   str(m, "introduced_in"), str(m, "deprecated_in"), str(m, "removed_in"),
                   str(m, "signal")});
  }
  return out;
}
template <typename T>
json::array each(const std::vector<T>& entries) {
  json::array a;
  for (const auto& e : entries) a.push_back(to_json(e));
  return a;
}

}  // namespace

std::string encode_catalog(const Catalog& cat) {
  return json::serialize(json::object{{"format", kFormat},
                                      {"gpus", each(cat.gpus)},
                                      {"models", each(cat.models)},
                                      {"engines", each(cat.engines)},
                                      {"prices", each(cat.prices)},
                                      {"efficiency", each(cat.efficiency)},
                                      {"exporters", each(cat.exporters)},
                                      {"provisioned_units", each(cat.provisioned_units)},
                                      {"provisioned_models", each(cat.provisioned_models)},
                                      {"serverless", each(cat.serverless)},
                                      {"retired", each(cat.retired)},
                                      {"code_repositories", each(cat.code_repositories)}});
}

Result<Catalog> decode_catalog(std::string_view text) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec) return Error{"embedded catalog: corrupt encoding: " + ec.message()};
  Catalog cat;
  try {
    const auto& r = root.as_object();
    if (integer(r, "format") != kFormat) return Error{"embedded catalog: unknown encoding format"};
    for (const auto& v : at(r, "gpus").as_array()) {
      const auto& o = v.as_object();
      Gpu g;
      g.id = str(o, "id");
      g.name = str(o, "name");
      g.vendor = str(o, "vendor");
      g.arch = str(o, "arch");
      g.aliases = strs(o, "aliases");
      g.memory_gib = num(o, "memory_gib");
      g.memory_bandwidth_gbps = num(o, "memory_bandwidth_gbps");
      g.tflops = num_map(o, "tflops");
      const auto& ic = at(o, "interconnect").as_object();
      g.interconnect_kind = str(ic, "kind");
      g.interconnect_gbps = num(ic, "gbps");
      for (const auto& pv : at(o, "prices").as_array()) {
        const auto& p = pv.as_object();
        g.prices.push_back({str(p, "provider"), str(p, "kind"), num(p, "usd_per_hour"),
                            str(p, "source"), str(p, "as_of")});
      }
      for (const auto& cv : at(o, "cloud_names").as_array()) {
        const auto& c = cv.as_object();
        g.cloud_names.push_back({str(c, "name"), str(c, "kind"), at(c, "prefix").as_bool(),
                                 str(c, "source"), str(c, "as_of")});
      }
      g.provenance = prov(o);
      cat.gpus.push_back(std::move(g));
    }
    for (const auto& v : at(r, "models").as_array()) {
      const auto& o = v.as_object();
      Model m;
      m.id = str(o, "id");
      m.name = str(o, "name");
      m.aliases = strs(o, "aliases");
      m.layers = integer(o, "layers");
      m.hidden_size = integer(o, "hidden_size");
      m.attention_heads = integer(o, "attention_heads");
      m.kv_heads = integer(o, "kv_heads");
      m.head_dim = integer(o, "head_dim");
      m.intermediate_size = integer(o, "intermediate_size");
      m.vocab_size = integer(o, "vocab_size");
      m.params_total_b = num(o, "params_total_b");
      m.params_active_b = num(o, "params_active_b");
      m.max_context = integer(o, "max_context");
      m.weight_dtypes = str_map(o, "weight_dtypes");
      m.remote_code = at(o, "remote_code").as_bool();
      const auto& att = at(o, "attention").as_object();
      m.attention_kind = str(att, "kind");
      if (att.contains("kv_lora_rank"))
        m.mla = MlaAttention{integer(att, "kv_lora_rank"), integer(att, "q_lora_rank"),
                             integer(att, "qk_rope_head_dim"), integer(att, "qk_nope_head_dim"),
                             integer(att, "v_head_dim")};
      if (const auto& a = at(o, "sliding_window"); !a.is_null())
        m.sliding_window =
            SlidingWindow{integer(a.as_object(), "window"), integer(a.as_object(), "layers")};
      if (const auto& a = at(o, "moe"); !a.is_null()) {
        const auto& x = a.as_object();
        m.moe = Moe{integer(x, "experts"),        integer(x, "top_k"),
                    integer(x, "shared_experts"), integer(x, "expert_intermediate_size"),
                    integer(x, "dense_layers"),   num(x, "params_experts_b")};
      }
      m.provenance = prov(o);
      cat.models.push_back(std::move(m));
    }
    for (const auto& v : at(r, "engines").as_array()) {
      const auto& o = v.as_object();
      Engine e;
      e.id = str(o, "id");
      e.name = str(o, "name");
      e.dtypes = strs(o, "dtypes");
      e.gpu_vendors = strs(o, "gpu_vendors");
      e.gpu_memory_fraction = num(o, "gpu_memory_fraction");
      e.memory_fraction_of = str(o, "memory_fraction_of");
      e.image = str(o, "image");
      e.command = strs(o, "command");
      e.port = integer(o, "port");
      e.health_path = str(o, "health_path");
      e.ready_path = str(o, "ready_path");
      e.metrics_path = str(o, "metrics_path");
      e.flags = str_map(o, "flags");
      e.default_context = at(o, "default_context").to_number<long long>();
      e.counter_suffix = str(o, "counter_suffix");
      e.metrics = metrics(o);
      const auto& sched = at(o, "scheduler").as_object();
      visit_engine_traits(e.scheduler.traits, [&sched](const char* key, auto& member, int) {
        using T = std::remove_reference_t<decltype(member)>;
        if constexpr (std::is_same_v<T, bool>)
          member = at(sched, key).as_bool();
        else
          member = at(sched, key).to_number<T>();
      });
      if (const auto& lv = at(sched, "large_gpu"); !lv.is_null()) {
        const auto& l = lv.as_object();
        e.scheduler.large_gpu =
            EngineLargeGpu{num(l, "min_memory_gib"), strs(l, "except_names"),
                           integer(l, "max_num_seqs"), integer(l, "max_num_tokens")};
      }
      e.scheduler.source = str(sched, "source");
      e.scheduler.as_of = str(sched, "as_of");
      e.provenance = prov(o);
      cat.engines.push_back(std::move(e));
    }
    for (const auto& v : at(r, "exporters").as_array()) {
      const auto& o = v.as_object();
      Exporter e;
      e.id = str(o, "id");
      e.name = str(o, "name");
      e.port = integer(o, "port");
      e.metrics_path = str(o, "metrics_path");
      e.counter_suffix = str(o, "counter_suffix");
      e.metrics = metrics(o);
      e.provenance = prov(o);
      cat.exporters.push_back(std::move(e));
    }
    for (const auto& v : at(r, "retired").as_array()) {
      const auto& o = v.as_object();
      RetiredModel m;
      m.id = str(o, "id");
      m.provider = str(o, "provider");
      m.model = str(o, "model");
      m.aliases = strs(o, "aliases");
      m.shutdown = str(o, "shutdown");
      m.replacement = str(o, "replacement");
      m.provenance = prov(o);
      cat.retired.push_back(std::move(m));
    }
    for (const auto& v : at(r, "code_repositories").as_array()) {
      const auto& o = v.as_object();
      CodeRepository c;
      c.id = str(o, "id");
      c.unless = str(o, "unless");
      c.auto_map = str(o, "auto_map");
      c.provenance = prov(o);
      cat.code_repositories.push_back(std::move(c));
    }
    for (const auto& v : at(r, "prices").as_array()) {
      const auto& o = v.as_object();
      Price p;
      p.id = str(o, "id");
      p.provider = str(o, "provider");
      p.model = str(o, "model");
      p.aliases = strs(o, "aliases");
      p.kind = str(o, "kind");
      p.input_usd_per_mtok = num(o, "input_usd_per_mtok");
      p.output_usd_per_mtok = num(o, "output_usd_per_mtok");
      p.cache_read_usd_per_mtok = opt_num(o, "cache_read_usd_per_mtok");
      p.cache_write_usd_per_mtok = opt_num(o, "cache_write_usd_per_mtok");
      p.batch_discount = opt_num(o, "batch_discount");
      p.context_window = integer(o, "context_window");
      p.max_output_tokens = integer(o, "max_output_tokens");
      p.usage_semantics = str(o, "usage_semantics");
      p.reasoning_billed_as = str(o, "reasoning_billed_as");
      p.quality_tier = str(o, "quality_tier");
      p.open_model = str(o, "open_model");
      p.family = str(o, "family");
      p.cache_min_tokens = integer(o, "cache_min_tokens");
      p.cache_ttl_s = integer(o, "cache_ttl_s");
      p.first_party = str(o, "first_party");
      p.quota_tpm = at(o, "quota_tpm").to_number<long long>();
      p.quota_rpm = at(o, "quota_rpm").to_number<long long>();
      p.provenance = prov(o);
      cat.prices.push_back(std::move(p));
    }
    for (const auto& v : at(r, "efficiency").as_array()) {
      const auto& o = v.as_object();
      Efficiency e;
      e.id = str(o, "id");
      e.engine = str(o, "engine");
      e.arch = str(o, "arch");
      e.min_engine_version = str(o, "min_engine_version");
      e.params = num_map(o, "params");
      e.fitted_on = strs(o, "fitted_on");
      e.provenance = prov(o);
      cat.efficiency.push_back(std::move(e));
    }
    for (const auto& v : at(r, "provisioned_units").as_array()) {
      const auto& o = v.as_object();
      ProvisionedUnit u;
      u.id = str(o, "id");
      u.provider = str(o, "provider");
      u.unit = str(o, "unit");
      u.deployment = str(o, "deployment");
      for (const auto& tv : at(o, "terms").as_array()) {
        const auto& t = tv.as_object();
        u.terms.push_back(
            {str(t, "term"), opt_num(t, "usd_per_unit_hour"), opt_num(t, "usd_per_unit_month")});
      }
      u.missing = str(o, "missing");
      u.provenance = prov(o);
      cat.provisioned_units.push_back(std::move(u));
    }
    for (const auto& v : at(r, "provisioned_models").as_array()) {
      const auto& o = v.as_object();
      ProvisionedModel m;
      m.id = str(o, "id");
      m.units = str(o, "units");
      m.model = str(o, "model");
      m.min_units = integer(o, "min_units");
      m.unit_increment = integer(o, "unit_increment");
      m.input_tpm_per_unit = num(o, "input_tpm_per_unit");
      m.output_token_weight = num(o, "output_token_weight");
      m.cached_input_weight = num(o, "cached_input_weight");
      m.provenance = prov(o);
      cat.provisioned_models.push_back(std::move(m));
    }
    for (const auto& v : at(r, "serverless").as_array()) {
      const auto& o = v.as_object();
      ServerlessGpu g;
      g.id = str(o, "id");
      g.provider = str(o, "provider");
      g.gpu = str(o, "gpu");
      g.offer_name = str(o, "offer_name");
      g.usd_per_gpu_second = num(o, "usd_per_gpu_second");
      g.warm_usd_per_gpu_second = opt_num(o, "warm_usd_per_gpu_second");
      g.scale_to_zero = at(o, "scale_to_zero").as_bool();
      g.idle_timeout_s = opt_num(o, "idle_timeout_s");
      g.cold_start_s = opt_num(o, "cold_start_s");
      g.cold_start_source = str(o, "cold_start_source");
      g.provenance = prov(o);
      cat.serverless.push_back(std::move(g));
    }
  } catch (const std::exception& e) {
    return Error{std::string("embedded catalog: stale or corrupt encoding: ") + e.what()};
  }
  return cat;
}

}  // namespace llmctl::catalog
