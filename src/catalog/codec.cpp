#include "catalog/codec.h"

#include <boost/json.hpp>

namespace llmctl::catalog {
namespace json = boost::json;

namespace {

// ---- encoding ----
json::value enc(const Provenance& p) {
  return json::array{json::value(p.source), json::value(p.as_of), json::value(p.file),
                     json::value(p.line)};
}
json::value enc(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}
json::value enc(const std::map<std::string, double>& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}
json::value enc(const std::map<std::string, std::string>& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}
json::value enc(const std::optional<double>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

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
  const auto& a = at(o, "provenance").as_array();
  return Provenance{std::string(a.at(0).as_string()), std::string(a.at(1).as_string()),
                    std::string(a.at(2).as_string()), a.at(3).to_number<int>()};
}

}  // namespace

std::string encode_catalog(const Catalog& cat) {
  json::array gpus, models, engines, prices, efficiency;
  for (const auto& g : cat.gpus) {
    json::array ps;
    for (const auto& p : g.prices)
      ps.push_back(json::object{{"provider", p.provider},
                                {"kind", p.kind},
                                {"usd_per_hour", p.usd_per_hour},
                                {"source", p.source},
                                {"as_of", p.as_of}});
    gpus.push_back(json::object{{"id", g.id},
                                {"name", g.name},
                                {"vendor", g.vendor},
                                {"arch", g.arch},
                                {"aliases", enc(g.aliases)},
                                {"memory_gib", g.memory_gib},
                                {"memory_bandwidth_gbps", g.memory_bandwidth_gbps},
                                {"tflops", enc(g.tflops)},
                                {"interconnect_kind", g.interconnect_kind},
                                {"interconnect_gbps", g.interconnect_gbps},
                                {"prices", ps},
                                {"provenance", enc(g.provenance)}});
  }
  for (const auto& m : cat.models) {
    json::object o{{"id", m.id},
                   {"name", m.name},
                   {"aliases", enc(m.aliases)},
                   {"layers", m.layers},
                   {"hidden_size", m.hidden_size},
                   {"attention_heads", m.attention_heads},
                   {"kv_heads", m.kv_heads},
                   {"head_dim", m.head_dim},
                   {"intermediate_size", m.intermediate_size},
                   {"vocab_size", m.vocab_size},
                   {"params_total_b", m.params_total_b},
                   {"params_active_b", m.params_active_b},
                   {"max_context", m.max_context},
                   {"attention_kind", m.attention_kind},
                   {"weight_dtypes", enc(m.weight_dtypes)},
                   {"provenance", enc(m.provenance)}};
    o["mla"] = m.mla ? json::value(json::array{m.mla->kv_lora_rank, m.mla->q_lora_rank,
                                               m.mla->qk_rope_head_dim, m.mla->qk_nope_head_dim,
                                               m.mla->v_head_dim})
                     : json::value(nullptr);
    o["sliding_window"] =
        m.sliding_window
            ? json::value(json::array{m.sliding_window->window, m.sliding_window->layers})
            : json::value(nullptr);
    o["moe"] = m.moe ? json::value(json::array{m.moe->experts, m.moe->top_k, m.moe->shared_experts,
                                               m.moe->expert_intermediate_size, m.moe->dense_layers,
                                               m.moe->params_experts_b})
                     : json::value(nullptr);
    models.push_back(std::move(o));
  }
  for (const auto& e : cat.engines) {
    json::array ms;
    for (const auto& m : e.metrics)
      ms.push_back(json::object{{"name", m.name},
                                {"type", m.type},
                                {"meaning", m.meaning},
                                {"replaces", enc(m.replaces)},
                                {"deprecated_in", m.deprecated_in}});
    engines.push_back(json::object{{"id", e.id},
                                   {"name", e.name},
                                   {"dtypes", enc(e.dtypes)},
                                   {"gpu_vendors", enc(e.gpu_vendors)},
                                   {"gpu_memory_fraction", e.gpu_memory_fraction},
                                   {"memory_fraction_of", e.memory_fraction_of},
                                   {"image", e.image},
                                   {"port", e.port},
                                   {"health_path", e.health_path},
                                   {"ready_path", e.ready_path},
                                   {"metrics_path", e.metrics_path},
                                   {"flags", enc(e.flags)},
                                   {"metrics", ms},
                                   {"provenance", enc(e.provenance)}});
  }
  for (const auto& p : cat.prices)
    prices.push_back(json::object{{"id", p.id},
                                  {"provider", p.provider},
                                  {"model", p.model},
                                  {"aliases", enc(p.aliases)},
                                  {"input_usd_per_mtok", p.input_usd_per_mtok},
                                  {"output_usd_per_mtok", p.output_usd_per_mtok},
                                  {"cache_read_usd_per_mtok", enc(p.cache_read_usd_per_mtok)},
                                  {"cache_write_usd_per_mtok", enc(p.cache_write_usd_per_mtok)},
                                  {"batch_discount", enc(p.batch_discount)},
                                  {"context_window", p.context_window},
                                  {"max_output_tokens", p.max_output_tokens},
                                  {"usage_semantics", p.usage_semantics},
                                  {"reasoning_billed_as", p.reasoning_billed_as},
                                  {"quality_tier", p.quality_tier},
                                  {"open_model", p.open_model},
                                  {"provenance", enc(p.provenance)}});
  for (const auto& e : cat.efficiency)
    efficiency.push_back(json::object{{"id", e.id},
                                      {"engine", e.engine},
                                      {"arch", e.arch},
                                      {"params", enc(e.params)},
                                      {"fitted_on", enc(e.fitted_on)},
                                      {"provenance", enc(e.provenance)}});
  return json::serialize(json::object{{"format", 1},
                                      {"gpus", gpus},
                                      {"models", models},
                                      {"engines", engines},
                                      {"prices", prices},
                                      {"efficiency", efficiency}});
}

Result<Catalog> decode_catalog(std::string_view text) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec) return Error{"embedded catalog: corrupt encoding: " + ec.message()};
  Catalog cat;
  try {
    const auto& r = root.as_object();
    if (integer(r, "format") != 1) return Error{"embedded catalog: unknown encoding format"};
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
      g.interconnect_kind = str(o, "interconnect_kind");
      g.interconnect_gbps = num(o, "interconnect_gbps");
      for (const auto& pv : at(o, "prices").as_array()) {
        const auto& p = pv.as_object();
        g.prices.push_back({str(p, "provider"), str(p, "kind"), num(p, "usd_per_hour"),
                            str(p, "source"), str(p, "as_of")});
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
      m.attention_kind = str(o, "attention_kind");
      m.weight_dtypes = str_map(o, "weight_dtypes");
      if (const auto& a = at(o, "mla"); !a.is_null()) {
        const auto& x = a.as_array();
        m.mla = MlaAttention{x.at(0).to_number<int>(), x.at(1).to_number<int>(),
                             x.at(2).to_number<int>(), x.at(3).to_number<int>(),
                             x.at(4).to_number<int>()};
      }
      if (const auto& a = at(o, "sliding_window"); !a.is_null()) {
        const auto& x = a.as_array();
        m.sliding_window = SlidingWindow{x.at(0).to_number<int>(), x.at(1).to_number<int>()};
      }
      if (const auto& a = at(o, "moe"); !a.is_null()) {
        const auto& x = a.as_array();
        m.moe =
            Moe{x.at(0).to_number<int>(), x.at(1).to_number<int>(), x.at(2).to_number<int>(),
                x.at(3).to_number<int>(), x.at(4).to_number<int>(), x.at(5).to_number<double>()};
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
      e.port = integer(o, "port");
      e.health_path = str(o, "health_path");
      e.ready_path = str(o, "ready_path");
      e.metrics_path = str(o, "metrics_path");
      e.flags = str_map(o, "flags");
      for (const auto& mv : at(o, "metrics").as_array()) {
        const auto& m = mv.as_object();
        e.metrics.push_back({str(m, "name"), str(m, "type"), str(m, "meaning"), strs(m, "replaces"),
                             str(m, "deprecated_in")});
      }
      e.provenance = prov(o);
      cat.engines.push_back(std::move(e));
    }
    for (const auto& v : at(r, "prices").as_array()) {
      const auto& o = v.as_object();
      Price p;
      p.id = str(o, "id");
      p.provider = str(o, "provider");
      p.model = str(o, "model");
      p.aliases = strs(o, "aliases");
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
      p.provenance = prov(o);
      cat.prices.push_back(std::move(p));
    }
    for (const auto& v : at(r, "efficiency").as_array()) {
      const auto& o = v.as_object();
      Efficiency e;
      e.id = str(o, "id");
      e.engine = str(o, "engine");
      e.arch = str(o, "arch");
      e.params = num_map(o, "params");
      e.fitted_on = strs(o, "fitted_on");
      e.provenance = prov(o);
      cat.efficiency.push_back(std::move(e));
    }
  } catch (const std::exception& e) {
    return Error{std::string("embedded catalog: stale or corrupt encoding: ") + e.what()};
  }
  return cat;
}

}  // namespace llmctl::catalog
