#include "catalog/loader.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <type_traits>

#include "catalog/engine_traits_fields.h"
#include "common/strings.h"
#include "yaml/fields.h"

namespace llmctl::catalog {

bool ends_with_latest(const std::string& image);

namespace {

namespace fs = std::filesystem;

using yaml::FieldError;
using yaml::Fields;

// Thrown for errors that span entries (duplicate ids, cross-file references); field errors are
// yaml::FieldError. Both become an Error at the boundary (load_from_sources, apply_overlays).
struct LoadError {
  std::string message;
};

// An entry's path in messages: "gpus[h100]" by its id (unique within a list, so the same path
// names it in cross-file checks), or "gpus[3]" by position when it has no usable id.
std::string entry_path(const std::string& list, std::size_t index, const YAML::Node& n) {
  YAML::Node id_node = n.IsMap() ? n["id"] : YAML::Node();
  std::string id = id_node.IsDefined() && id_node.IsScalar() ? id_node.Scalar() : "";
  return is_catalog_id(id) ? fmt::format("{}[{}]", list, id) : fmt::format("{}[{}]", list, index);
}

int count(Fields& f, const std::string& key, int min) {
  return static_cast<int>(f.req_integer(key, min, std::numeric_limits<int>::max()));
}

int opt_count(Fields& f, const std::string& key, int min) {
  return static_cast<int>(f.integer(key, 0, min, std::numeric_limits<int>::max()));
}

std::string date(Fields& f, const std::string& key) {
  std::string v = f.str(key, "", true);
  if (!is_iso_date(v))
    f.fail(f.node()[key], key, fmt::format("expected a date YYYY-MM-DD, found \"{}\"", v));
  return v;
}

// Every entry says where its numbers come from and when they were read.
Provenance provenance(Fields& f) {
  Provenance p;
  p.source = f.str("source", "", true);
  if (trim(p.source).empty()) f.fail(f.node()["source"], "source", "must not be empty");
  p.as_of = date(f, "as_of");
  p.file = f.file();
  p.line = f.line();
  return p;
}

bool is_label_value(const std::string& v) {
  if (v.empty() || v.size() > 63 || !std::isalnum(static_cast<unsigned char>(v.front())) ||
      !std::isalnum(static_cast<unsigned char>(v.back())))
    return false;
  return std::all_of(v.begin(), v.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

std::string lower_id(Fields& f) {
  std::string id = f.str("id", "", true);
  if (!is_catalog_id(id))
    f.fail(f.node()["id"], "id",
           fmt::format("expected an id of letters, digits and . _ / : @ + -, found \"{}\"", id));
  return id;
}

Gpu parse_gpu(Fields& f) {
  Gpu g;
  g.id = lower_id(f);
  g.name = f.str("name", "", true);
  g.vendor = f.one_of("vendor", {"nvidia", "amd"}, "", true);
  g.arch = f.one_of("arch", {"ampere", "ada", "hopper", "blackwell", "cdna3"}, "", true);
  g.aliases = f.str_list("aliases");
  g.memory_gib = f.req_num("memory_gib", 1);
  g.memory_bandwidth_gbps = f.req_num("memory_bandwidth_gbps", 1);
  {
    // Dense TFLOPS per dtype: a fixed set of keys, so a typo gets a "did you mean".
    Fields tf = *f.map("tflops", true);
    for (const char* dtype : {"bf16", "fp16", "fp8", "fp4", "int8", "int4", "tf32", "fp32"})
      if (auto v = tf.opt_num(dtype, 0)) g.tflops[dtype] = *v;
    tf.finish();
    if (!g.tflops.count("bf16") && !g.tflops.count("fp16"))
      f.fail(tf.node(), "tflops", "expected at least bf16 or fp16");
  }
  {
    Fields icf = *f.map("interconnect", true);
    g.interconnect_kind = icf.one_of("kind", {"nvlink", "pcie", "infinity-fabric"}, "", true);
    g.interconnect_gbps = icf.req_num("gbps", 1);
    icf.finish();
  }
  for (Fields& pf : f.map_list("prices")) {
    GpuPrice p;
    p.provider = pf.str("provider", "", true);
    p.kind = pf.one_of("kind", {"on_demand", "spot", "reserved"}, "", true);
    p.usd_per_hour = pf.req_num("usd_per_hour", 0.01);
    p.source = pf.str("source", "", true);
    p.as_of = date(pf, "as_of");
    pf.finish();
    g.prices.push_back(std::move(p));
  }
  // Names clouds and schedulers use for this GPU (node labels, instance types, accelerators).
  for (Fields& cf : f.map_list("cloud_names")) {
    CloudName c;
    c.name = cf.str("name", "", true);
    c.kind =
        cf.one_of("kind", {"gke-accelerator", "instance-type", "skypilot", "node-label"}, "", true);
    c.prefix = cf.boolean("prefix", false);
    // A node label's value goes into generated nodeSelectors: Kubernetes accepts at most 63
    // characters of letters, digits, '-', '_' and '.', starting and ending alphanumeric.
    if (c.kind == "node-label" && !is_label_value(c.name))
      cf.fail(cf.node()["name"], "name",
              fmt::format("expected a Kubernetes label value (letters, digits, '-', '_', '.'; "
                          "at most 63), found \"{}\"",
                          c.name));
    if (c.kind == "node-label" && c.prefix)
      cf.fail(cf.node()["prefix"], "prefix", "a node-label name is matched whole, not as a prefix");
    c.source = cf.str("source", "", true);
    c.as_of = date(cf, "as_of");
    cf.finish();
    g.cloud_names.push_back(std::move(c));
  }
  g.provenance = provenance(f);
  return g;
}

Model parse_model(Fields& f) {
  Model m;
  m.id = lower_id(f);
  m.name = f.str("name", "", true);
  m.aliases = f.str_list("aliases");
  m.layers = count(f, "layers", 1);
  m.hidden_size = count(f, "hidden_size", 1);
  m.attention_heads = count(f, "attention_heads", 1);
  m.kv_heads = count(f, "kv_heads", 1);
  m.head_dim = count(f, "head_dim", 1);
  m.intermediate_size = count(f, "intermediate_size", 1);
  m.vocab_size = count(f, "vocab_size", 1);
  m.params_total_b = f.req_num("params_total_b", 0.001);
  m.params_active_b = f.req_num("params_active_b", 0.001);
  m.max_context = count(f, "max_context", 1);
  if (m.params_active_b > m.params_total_b * 1.0001)
    f.fail(f.node()["params_active_b"], "params_active_b",
           fmt::format("expected at most params_total_b ({}), found {}", m.params_total_b,
                       m.params_active_b));
  if (m.attention_heads % m.kv_heads != 0)
    f.fail(f.node()["kv_heads"], "kv_heads",
           fmt::format("expected a divisor of attention_heads ({}), found {}", m.attention_heads,
                       m.kv_heads));
  {
    Fields af = *f.map("attention", true);
    m.attention_kind = af.one_of("kind", {"gqa", "mla"}, "", true);
    if (m.attention_kind == "mla") {
      MlaAttention mla;
      mla.kv_lora_rank = count(af, "kv_lora_rank", 1);
      mla.q_lora_rank = opt_count(af, "q_lora_rank", 0);
      mla.qk_rope_head_dim = count(af, "qk_rope_head_dim", 0);
      mla.qk_nope_head_dim = count(af, "qk_nope_head_dim", 0);
      mla.v_head_dim = count(af, "v_head_dim", 1);
      m.mla = mla;
    }
    af.finish();
  }
  if (auto sf = f.map("sliding_window")) {
    m.sliding_window = SlidingWindow{count(*sf, "window", 1), count(*sf, "layers", 1)};
    if (m.sliding_window->layers > m.layers)
      sf->fail(sf->node()["layers"], "layers",
               fmt::format("expected at most the model's {} layers", m.layers));
    sf->finish();
  }
  if (auto mf = f.map("moe")) {
    Moe x;
    x.experts = count(*mf, "experts", 1);
    x.top_k = count(*mf, "top_k", 1);
    x.shared_experts = opt_count(*mf, "shared_experts", 0);
    x.expert_intermediate_size = count(*mf, "expert_intermediate_size", 1);
    x.dense_layers = opt_count(*mf, "dense_layers", 0);
    x.params_experts_b = mf->req_num("params_experts_b", 0.001);
    if (x.top_k > x.experts) mf->fail(mf->node()["top_k"], "top_k", "expected at most `experts`");
    if (x.params_experts_b > m.params_total_b)
      mf->fail(mf->node()["params_experts_b"], "params_experts_b",
               "expected at most params_total_b");
    mf->finish();
    m.moe = x;
  }
  if (auto wf = f.map("weight_dtypes")) {
    // Which parts of the weights ship in a narrower dtype: all of them, or the experts only.
    for (const char* part : {"experts", "all"})
      if (auto dtype = wf->opt_str(part)) m.weight_dtypes[part] = *dtype;
    wf->finish();
  }
  m.remote_code = f.boolean("remote_code", false);
  m.provenance = provenance(f);
  return m;
}

// The `metrics:` list of an engine or an exporter: names, types, renames and the signal monitor
// reads from each (one of kMetricSignals).
std::vector<EngineMetric> parse_metrics(Fields& f) {
  static const std::vector<std::string> signals(std::begin(kMetricSignals),
                                                std::end(kMetricSignals));
  std::vector<EngineMetric> out;
  std::vector<Fields> metrics = f.map_list("metrics", true);
  for (Fields& mf : metrics) {
    EngineMetric m;
    m.name = mf.str("name", "", true);
    m.type = mf.one_of("type", {"counter", "gauge", "histogram"}, "", true);
    m.meaning = mf.str("meaning", "", true);
    m.replaces = mf.str_list("replaces");
    m.introduced_in = mf.str("introduced_in");
    m.deprecated_in = mf.str("deprecated_in");
    m.removed_in = mf.str("removed_in");
    m.signal = mf.has("signal") ? mf.one_of("signal", signals, "") : "";
    mf.finish();
    out.push_back(std::move(m));
  }
  return out;
}

// data/engines.yaml `scheduler:`: every trait optional (the EngineTraits initialisers are the
// defaults), with its own source and as_of.
EngineScheduler parse_scheduler(Fields& f) {
  EngineScheduler s;
  visit_engine_traits(s.traits, [&f](const char* key, auto& member, int min) {
    using T = std::remove_reference_t<decltype(member)>;
    if constexpr (std::is_same_v<T, bool>)
      member = f.boolean(key, member);
    else if constexpr (std::is_same_v<T, int>)
      member = static_cast<int>(f.integer(key, member, min, std::numeric_limits<int>::max()));
    else
      member = f.num(key, member, min);
  });
  if (s.traits.new_token_ratio > 1)
    f.fail(f.node()["new_token_ratio"], "new_token_ratio",
           fmt::format("expected a fraction in [0, 1], found {}", s.traits.new_token_ratio));
  if (s.traits.new_token_ratio_min > s.traits.new_token_ratio)
    f.fail(f.node()["new_token_ratio_min"], "new_token_ratio_min",
           fmt::format("expected at most new_token_ratio ({}), found {}", s.traits.new_token_ratio,
                       s.traits.new_token_ratio_min));
  if (s.traits.weight_load_gb_per_s <= 0)
    f.fail(f.node()["weight_load_gb_per_s"], "weight_load_gb_per_s",
           fmt::format("expected a bandwidth above 0, found {}", s.traits.weight_load_gb_per_s));
  if (std::optional<Fields> lf = f.map("large_gpu")) {
    EngineLargeGpu l;
    l.min_memory_gib = lf->req_num("min_memory_gib", 1);
    l.except_names = lf->str_list("except_names");
    l.max_num_seqs = opt_count(*lf, "max_num_seqs", 1);
    l.max_num_tokens = opt_count(*lf, "max_num_tokens", 1);
    if (l.max_num_seqs == 0 && l.max_num_tokens == 0)
      lf->fail(lf->node(), "max_num_seqs",
               "expected max_num_seqs or max_num_tokens (what changes on a large GPU)");
    lf->finish();
    s.large_gpu = std::move(l);
  }
  s.source = f.str("source", "", true);
  if (trim(s.source).empty()) f.fail(f.node()["source"], "source", "must not be empty");
  s.as_of = date(f, "as_of");
  f.finish();
  return s;
}

Engine parse_engine(Fields& f) {
  Engine e;
  e.id = lower_id(f);
  e.name = f.str("name", "", true);
  e.dtypes = f.str_list("dtypes");
  if (e.dtypes.empty()) f.fail(f.node()["dtypes"], "dtypes", "expected a non-empty list of dtypes");
  e.gpu_vendors = f.str_list("gpu_vendors");
  if (e.gpu_vendors.empty())
    f.fail(f.node()["gpu_vendors"], "gpu_vendors", "expected a non-empty list of vendors");
  for (const auto& v : e.gpu_vendors)
    if (v != "nvidia" && v != "amd")
      f.fail(f.node()["gpu_vendors"], "gpu_vendors",
             fmt::format("expected nvidia or amd, found \"{}\"", v));
  // Engines without a memory-fraction knob (llama.cpp) size the cache by flags; the perf model
  // then assumes the common 0.9.
  e.gpu_memory_fraction = f.num("gpu_memory_fraction", 0.9, 0.05, 1.0);
  e.memory_fraction_of = f.one_of("memory_fraction_of", {"total", "free"}, "total");
  e.image = f.str("image", "", true);
  if (e.image.find(':') == std::string::npos || ends_with_latest(e.image))
    f.fail(f.node()["image"], "image",
           fmt::format("expected a pinned image repo:tag (not :latest), found \"{}\"", e.image));
  e.command = f.str_list("command");
  e.port = count(f, "port", 1);
  e.health_path = f.str("health_path", "", true);
  e.ready_path = f.str("ready_path");
  if (e.ready_path.empty()) e.ready_path = e.health_path;
  e.metrics_path = f.str("metrics_path", "", true);
  {
    // concept -> the engine's flag for it (names vary by engine, so any key is allowed).
    Fields ff = *f.map("flags", true);
    for (const auto& kv : ff.node()) e.flags[kv.first.Scalar()] = ff.str(kv.first.Scalar());
    ff.finish();
  }
  e.default_context = f.integer("default_context", 0, 0);
  e.counter_suffix = f.one_of("counter_suffix", {"_total", "none"}, "_total");
  if (e.counter_suffix == "none") e.counter_suffix.clear();
  if (std::optional<Fields> sf = f.map("scheduler")) e.scheduler = parse_scheduler(*sf);
  e.metrics = parse_metrics(f);
  e.provenance = provenance(f);
  return e;
}

Exporter parse_exporter(Fields& f) {
  Exporter e;
  e.id = lower_id(f);
  e.name = f.str("name", "", true);
  e.port = count(f, "port", 1);
  e.metrics_path = f.str("metrics_path", "", true);
  e.counter_suffix = f.one_of("counter_suffix", {"_total", "none"}, "_total");
  if (e.counter_suffix == "none") e.counter_suffix.clear();
  e.metrics = parse_metrics(f);
  e.provenance = provenance(f);
  return e;
}

RetiredModel parse_retired(Fields& f) {
  RetiredModel r;
  r.id = lower_id(f);
  r.provider = f.str("provider", "", true);
  r.model = f.str("model", "", true);
  if (!iequals(r.id, r.provider + "/" + r.model))
    f.fail(f.node()["id"], "id",
           fmt::format("expected \"{}/{}\" (provider/model), found \"{}\"", r.provider, r.model,
                       r.id));
  r.aliases = f.str_list("aliases");
  r.shutdown = date(f, "shutdown");
  r.replacement = f.str("replacement", "", true);
  r.provenance = provenance(f);
  return r;
}

CodeRepository parse_code_repository(Fields& f) {
  CodeRepository r;
  r.id = lower_id(f);
  std::string lower = r.id;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower != r.id)
    f.fail(
        f.node()["id"], "id",
        fmt::format("expected a lower-case repository prefix (\"{}\"), found \"{}\"", lower, r.id));
  r.unless = f.str("unless", "", false);
  r.auto_map = f.str("auto_map", "", true);
  if (trim(r.auto_map).empty()) f.fail(f.node()["auto_map"], "auto_map", "must not be empty");
  r.provenance = provenance(f);
  return r;
}

Price parse_price(Fields& f) {
  Price p;
  p.id = lower_id(f);
  p.provider = f.str("provider", "", true);
  p.model = f.str("model", "", true);
  if (!iequals(p.id, p.provider + "/" + p.model))
    f.fail(f.node()["id"], "id",
           fmt::format("expected \"{}/{}\" (provider/model), found \"{}\"", p.provider, p.model,
                       p.id));
  p.aliases = f.str_list("aliases");
  p.kind = f.one_of("kind", {"chat", "embedding"}, "chat");
  p.input_usd_per_mtok = f.req_num("input_usd_per_mtok", 0);
  p.output_usd_per_mtok = f.req_num("output_usd_per_mtok", 0);
  p.cache_read_usd_per_mtok = f.opt_num("cache_read_usd_per_mtok", 0);
  p.cache_write_usd_per_mtok = f.opt_num("cache_write_usd_per_mtok", 0);
  p.batch_discount = f.opt_num("batch_discount", 0);
  if (p.batch_discount && *p.batch_discount >= 1)
    f.fail(f.node()["batch_discount"], "batch_discount", "expected a fraction in [0, 1)");
  p.context_window = opt_count(f, "context_window", 1);  // 0: not published
  p.max_output_tokens = opt_count(f, "max_output_tokens", 0);
  p.usage_semantics =
      f.one_of("usage_semantics", {"input_includes_cached", "input_excludes_cached"}, "", true);
  p.reasoning_billed_as = f.one_of("reasoning_billed_as", {"output"}, "output");
  p.quality_tier = f.one_of("quality_tier", {"frontier", "strong", "fast", "small"}, "");
  p.open_model = f.str("open_model");
  p.family = f.str("family");
  p.cache_min_tokens = opt_count(f, "cache_min_tokens", 1);
  p.cache_ttl_s = opt_count(f, "cache_ttl_s", 1);
  p.first_party = f.str("first_party");
  p.quota_tpm = f.integer("quota_tpm", 0, 1);
  p.quota_rpm = f.integer("quota_rpm", 0, 1);
  p.provenance = provenance(f);
  return p;
}

ProvisionedUnit parse_provisioned_unit(Fields& f) {
  ProvisionedUnit u;
  u.id = lower_id(f);
  u.provider = f.str("provider", "", true);
  u.unit = f.str("unit", "", true);
  u.deployment = f.str("deployment", "", true);
  for (Fields& tf : f.map_list("terms")) {
    ProvisionedTerm t;
    t.term = tf.one_of("term", {"hourly", "1-week", "1-month", "3-month", "6-month", "1-year"}, "",
                       true);
    t.usd_per_unit_hour = tf.opt_num("usd_per_unit_hour", 0);
    t.usd_per_unit_month = tf.opt_num("usd_per_unit_month", 0);
    const bool hourly = t.term == "hourly";
    if (hourly && (!t.usd_per_unit_hour || t.usd_per_unit_month))
      tf.fail(tf.node(), "usd_per_unit_hour",
              "an hourly term takes usd_per_unit_hour (and no usd_per_unit_month)");
    if (!hourly && (!t.usd_per_unit_month || t.usd_per_unit_hour))
      tf.fail(tf.node(), "usd_per_unit_month",
              fmt::format("a {} term takes usd_per_unit_month (and no usd_per_unit_hour)", t.term));
    tf.finish();
    u.terms.push_back(std::move(t));
  }
  u.missing = f.str("missing");
  if (u.terms.empty() && trim(u.missing).empty())
    f.fail(f.node(), "terms", "give the prices per term, or say in `missing` why there are none");
  u.provenance = provenance(f);
  return u;
}

ProvisionedModel parse_provisioned_model(Fields& f) {
  ProvisionedModel m;
  m.id = lower_id(f);
  m.units = f.str("units", "", true);
  m.model = f.str("model", "", true);
  m.min_units = count(f, "min_units", 1);
  m.unit_increment = count(f, "unit_increment", 1);
  m.input_tpm_per_unit = f.req_num("input_tpm_per_unit", 1);
  m.output_token_weight = f.req_num("output_token_weight", 0);
  m.cached_input_weight = f.num("cached_input_weight", 1, 0, 1);
  m.provenance = provenance(f);
  return m;
}

ServerlessGpu parse_serverless(Fields& f) {
  ServerlessGpu s;
  s.id = lower_id(f);
  s.provider = f.str("provider", "", true);
  s.gpu = f.str("gpu", "", true);
  s.offer_name = f.str("offer_name", "", true);
  s.usd_per_gpu_second = f.req_num("usd_per_gpu_second", 0);
  s.warm_usd_per_gpu_second = f.opt_num("warm_usd_per_gpu_second", 0);
  s.scale_to_zero = f.boolean("scale_to_zero", true);
  s.idle_timeout_s = f.opt_num("idle_timeout_s", 0);
  s.cold_start_s = f.opt_num("cold_start_s", 0);
  s.cold_start_source = f.str("cold_start_source");
  if (s.cold_start_s && trim(s.cold_start_source).empty())
    f.fail(f.node()["cold_start_s"], "cold_start_source",
           "a cold-start figure needs the measurement it comes from");
  s.provenance = provenance(f);
  return s;
}

Efficiency parse_efficiency(Fields& f) {
  Efficiency e;
  e.id = lower_id(f);
  e.engine = f.str("engine", "", true);
  e.arch = f.str("arch", "", true);
  e.min_engine_version = f.str("min_engine_version", "");
  if (!e.min_engine_version.empty() &&
      (e.min_engine_version[0] < '0' || e.min_engine_version[0] > '9'))
    f.fail(f.node()["min_engine_version"], "min_engine_version",
           "expected a dotted version such as 1.0, got \"" + e.min_engine_version + "\"");
  {
    // name -> fitted value; the perf model names its parameters, so any key is allowed here.
    Fields pf = *f.map("params", true);
    for (const auto& kv : pf.node())
      e.params[kv.first.Scalar()] = pf.num(kv.first.Scalar(), 0, -1e9);
    pf.finish();
  }
  e.fitted_on = f.str_list("fitted_on");
  e.provenance = provenance(f);
  return e;
}

template <typename T>
void upsert(std::vector<T>& items, T item, bool allow_override, std::set<std::string>& ids_in_file,
            const std::string& file, int line) {
  if (!ids_in_file.insert(item.id).second)
    throw LoadError{fmt::format("{}:{}: duplicate id '{}' in the same file", file, line, item.id)};
  for (auto& existing : items) {
    if (existing.id == item.id) {
      if (!allow_override)
        throw LoadError{fmt::format("{}:{}: id '{}' already defined in {}:{}", file, line, item.id,
                                    existing.provenance.file, existing.provenance.line)};
      existing = std::move(item);
      return;
    }
  }
  items.push_back(std::move(item));
}

// Reads the list `key` of a catalog file into `items` (entries with an id seen earlier replace it
// when `allow_override`, as overlays do).
template <typename T, typename Parse>
void read_list(Fields& top, const std::string& key, std::vector<T>& items, bool allow_override,
               Parse parse) {
  YAML::Node list = top.get(key);
  if (!list.IsDefined()) return;
  if (!list.IsSequence())
    top.fail(list, key, fmt::format("expected a list of entries, found {}", yaml::describe(list)));
  std::set<std::string> ids;
  for (std::size_t i = 0; i < list.size(); ++i) {
    Fields f(top.file(), list[i], entry_path(key, i, list[i]));
    T item = parse(f);
    f.finish();
    int line = item.provenance.line;
    upsert(items, std::move(item), allow_override, ids, top.file(), line);
  }
}

// One catalog file: any of the lists below (one line per list).
void read_file(Catalog& cat, const SourceFile& src, bool allow_override) {
  YAML::Node root = yaml::parse(src.name, src.text);
  if (root.IsNull()) return;  // an empty overlay is fine
  Fields top(src.name, root, "");
  read_list(top, "gpus", cat.gpus, allow_override, parse_gpu);
  read_list(top, "models", cat.models, allow_override, parse_model);
  read_list(top, "engines", cat.engines, allow_override, parse_engine);
  read_list(top, "prices", cat.prices, allow_override, parse_price);
  read_list(top, "efficiency", cat.efficiency, allow_override, parse_efficiency);
  read_list(top, "exporters", cat.exporters, allow_override, parse_exporter);
  read_list(top, "provisioned_units", cat.provisioned_units, allow_override,
            parse_provisioned_unit);
  read_list(top, "provisioned_models", cat.provisioned_models, allow_override,
            parse_provisioned_model);
  read_list(top, "serverless", cat.serverless, allow_override, parse_serverless);
  read_list(top, "retired", cat.retired, allow_override, parse_retired);
  read_list(top, "code_repositories", cat.code_repositories, allow_override, parse_code_repository);
  top.finish();
}

// Checks that hold across files: references between entries and unique aliases.
void cross_check(const Catalog& cat) {
  auto at = [](const Provenance& p) { return fmt::format("{}:{}", p.file, p.line); };
  auto unknown = [](const std::string& kind, const std::string& value,
                    const std::vector<std::string>& known) {
    return fmt::format("unknown {} \"{}\"; {}expected one of {}", kind, value,
                       did_you_mean(value, known), join(known, ", "));
  };
  std::vector<std::string> model_ids, engine_ids;
  for (const auto& m : cat.models) model_ids.push_back(m.id);
  for (const auto& e : cat.engines) engine_ids.push_back(e.id);
  for (const auto& p : cat.prices)
    if (!p.open_model.empty() && !cat.find_model(p.open_model))
      throw LoadError{fmt::format("{}: prices[{}].open_model: {}", at(p.provenance), p.id,
                                  unknown("model", p.open_model, model_ids))};
  std::vector<std::string> price_ids, unit_ids, gpu_ids;
  for (const auto& p : cat.prices) price_ids.push_back(p.id);
  for (const auto& u : cat.provisioned_units) unit_ids.push_back(u.id);
  for (const auto& g : cat.gpus) gpu_ids.push_back(g.id);
  for (const auto& p : cat.prices)
    if (!p.first_party.empty() && !cat.find_price(p.first_party))
      throw LoadError{fmt::format("{}: prices[{}].first_party: {}", at(p.provenance), p.id,
                                  unknown("price", p.first_party, price_ids))};
  for (const auto& m : cat.provisioned_models) {
    const ProvisionedUnit* u = cat.find_provisioned_unit(m.units);
    if (!u)
      throw LoadError{fmt::format("{}: provisioned_models[{}].units: {}", at(m.provenance), m.id,
                                  unknown("provisioned unit", m.units, unit_ids))};
    if (!cat.find_price(m.model, u->provider))
      throw LoadError{fmt::format(
          "{}: provisioned_models[{}].model: no {} price entry names \"{}\" (the units' provider)",
          at(m.provenance), m.id, u->provider, m.model)};
  }
  for (const auto& s : cat.serverless)
    if (!cat.find_gpu(s.gpu))
      throw LoadError{fmt::format("{}: serverless[{}].gpu: {}", at(s.provenance), s.id,
                                  unknown("GPU", s.gpu, gpu_ids))};
  for (const auto& e : cat.efficiency)
    if (e.engine != "any" && !cat.find_engine(e.engine))
      throw LoadError{fmt::format("{}: efficiency[{}].engine: {}", at(e.provenance), e.id,
                                  unknown("engine", e.engine, engine_ids))};
  std::map<std::string, std::string> names;
  auto claim = [&](const std::string& kind, const std::string& name, const std::string& owner,
                   const Provenance& p) {
    auto [it, inserted] = names.emplace(kind + ":" + to_lower(name), owner);
    if (!inserted && it->second != owner)
      throw LoadError{fmt::format("{}: {} name \"{}\" of '{}' is already used by '{}'", at(p), kind,
                                  name, owner, it->second)};
  };
  for (const auto& g : cat.gpus) {
    claim("gpu", g.id, g.id, g.provenance);
    for (const auto& a : g.aliases) claim("gpu", a, g.id, g.provenance);
  }
  for (const auto& m : cat.models) {
    claim("model", m.id, m.id, m.provenance);
    for (const auto& a : m.aliases) claim("model", a, m.id, m.provenance);
  }
}

}  // namespace

Result<Catalog> load_from_sources(const std::vector<SourceFile>& base,
                                  const std::vector<SourceFile>& overlays) {
  Catalog cat;
  try {
    for (const auto& src : base) read_file(cat, src, /*allow_override=*/false);
  } catch (const FieldError& e) {
    return Error{e.message};
  } catch (const LoadError& e) {
    return Error{e.message};
  } catch (const YAML::Exception& e) {
    return Error{fmt::format("catalog: {}", e.what())};
  }
  return apply_overlays(std::move(cat), overlays);
}

Result<Catalog> apply_overlays(Catalog cat, const std::vector<SourceFile>& overlays) {
  try {
    for (const auto& src : overlays) read_file(cat, src, /*allow_override=*/true);
    cross_check(cat);
  } catch (const FieldError& e) {
    return Error{e.message};
  } catch (const LoadError& e) {
    return Error{e.message};
  } catch (const YAML::Exception& e) {
    return Error{fmt::format("catalog: {}", e.what())};
  }
  return cat;
}

Result<std::vector<SourceFile>> read_sources(const std::string& path) {
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      auto ext = entry.path().extension().string();
      if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml"))
        files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
  } else if (fs::is_regular_file(path, ec)) {
    files.push_back(path);
  } else {
    return Error{fmt::format("{}: no such catalog file or folder", path)};
  }
  std::vector<SourceFile> out;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) return Error{fmt::format("{}: cannot read", f.string())};
    std::stringstream ss;
    ss << in.rdbuf();
    out.push_back({f.string(), ss.str()});
  }
  return out;
}

std::vector<std::string> default_overlay_paths() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("LLMCTL_CATALOG_PATH"))
    for (auto& p : split(env, ':'))
      if (!p.empty()) out.push_back(p);
  if (const char* home = std::getenv("HOME")) {
    fs::path dir = fs::path(home) / ".config/llmctl/catalog";
    std::error_code ec;
    if (fs::is_directory(dir, ec)) out.push_back(dir.string());
  }
  return out;
}

bool ends_with_latest(const std::string& image) {
  auto colon = image.rfind(':');
  return colon == std::string::npos || image.substr(colon + 1) == "latest";
}

}  // namespace llmctl::catalog
