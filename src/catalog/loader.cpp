#include "catalog/loader.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/strings.h"
#include "common/yaml_text.h"

namespace llmctl::catalog {

bool ends_with_latest(const std::string& image);

namespace {

namespace fs = std::filesystem;

// Thrown inside the loader only, turned into an Error at the boundary (load_from_sources).
struct LoadError {
  std::string message;
};

// A YAML map being read as one catalog entry: typed getters that throw LoadError naming the
// file:line, the entry and the field; finish() rejects fields nobody asked for (typos).
class Fields {
 public:
  Fields(const std::string& file, const YAML::Node& node, std::string entry)
      : file_(file), node_(node), entry_(std::move(entry)) {
    if (!node.IsMap())
      fail(node, "", fmt::format("expected a map of fields, found {}", yaml_describe(node)));
  }

  [[noreturn]] void fail(const YAML::Node& at, const std::string& field,
                         const std::string& what) const {
    std::string f = field.empty() ? "" : fmt::format(" field '{}':", field);
    throw LoadError{fmt::format("{}: {}{} {}",
                                yaml_position(file_, at.IsDefined() ? at.Mark() : node_.Mark()),
                                entry_, f, what)};
  }

  YAML::Node get(const std::string& key, bool required) {
    seen_.insert(key);
    YAML::Node n = node_[key];
    if (!n.IsDefined() || n.IsNull()) {
      if (required) {
        // A near-miss key is almost always a typo of the missing one: point at it.
        for (const auto& kv : node_) {
          const std::string& other = kv.first.Scalar();
          if (other != key && edit_distance(other, key) <= 2)
            fail(kv.first, other, fmt::format("unknown field; did you mean '{}'?", key));
        }
        fail(node_, key, "is required but missing");
      }
      return YAML::Node(YAML::NodeType::Undefined);
    }
    return n;
  }

  std::string str(const std::string& key, bool required = true) {
    YAML::Node n = get(key, required);
    if (!n.IsDefined()) return "";
    if (!n.IsScalar()) fail(n, key, fmt::format("expected a string, found {}", yaml_describe(n)));
    return n.Scalar();
  }

  std::optional<double> opt_num(const std::string& key, double min = 0) {
    YAML::Node n = get(key, false);
    if (!n.IsDefined()) return std::nullopt;
    return as_num(n, key, min);
  }

  double num(const std::string& key, double min = 0) {
    YAML::Node n = get(key, true);
    return as_num(n, key, min);
  }

  int integer(const std::string& key, bool required = true, long min = 0) {
    YAML::Node n = get(key, required);
    if (!n.IsDefined()) return 0;
    return as_int(n, key, min);
  }

  std::vector<std::string> str_list(const std::string& key) {
    YAML::Node n = get(key, false);
    std::vector<std::string> out;
    if (!n.IsDefined()) return out;
    if (!n.IsSequence())
      fail(n, key, fmt::format("expected a list of strings, found {}", yaml_describe(n)));
    for (const auto& item : n) {
      if (!item.IsScalar())
        fail(item, key, fmt::format("expected a string, found {}", yaml_describe(item)));
      out.push_back(item.Scalar());
    }
    return out;
  }

  std::string one_of(const std::string& key, std::initializer_list<const char*> allowed,
                     bool required = true, const char* fallback = "") {
    std::string v = str(key, required);
    if (v.empty() && !required) return fallback;
    for (const char* a : allowed)
      if (v == a) return v;
    std::vector<std::string> names(allowed.begin(), allowed.end());
    fail(node_[key], key, fmt::format("expected one of {}, found \"{}\"", join(names, ", "), v));
  }

  std::string date(const std::string& key) {
    std::string v = str(key);
    if (!is_iso_date(v))
      fail(node_[key], key, fmt::format("expected a date YYYY-MM-DD, found \"{}\"", v));
    return v;
  }

  Provenance provenance() {
    Provenance p;
    p.source = str("source");
    if (trim(p.source).empty()) fail(node_["source"], "source", "must not be empty");
    p.as_of = date("as_of");
    p.file = file_;
    p.line = node_.Mark().line + 1;
    return p;
  }

  // Rejects keys that no getter asked for: a typo must not silently drop a number.
  void finish() const {
    for (const auto& kv : node_) {
      std::string key = kv.first.Scalar();
      if (!seen_.count(key)) {
        std::vector<std::string> known(seen_.begin(), seen_.end());
        fail(kv.first, key, fmt::format("unknown field; expected one of: {}", join(known, ", ")));
      }
    }
  }

  double as_num(const YAML::Node& n, const std::string& key, double min) const {
    double v = 0;
    if (!n.IsScalar() || !YAML::convert<double>::decode(n, v))
      fail(n, key, fmt::format("expected a number, found {}", yaml_describe(n)));
    if (v < min) fail(n, key, fmt::format("expected a number >= {}, found {}", min, v));
    return v;
  }

  int as_int(const YAML::Node& n, const std::string& key, long min) const {
    long v = 0;
    if (!n.IsScalar() || !YAML::convert<long>::decode(n, v))
      fail(n, key, fmt::format("expected an integer, found {}", yaml_describe(n)));
    if (v < min) fail(n, key, fmt::format("expected an integer >= {}, found {}", min, v));
    return static_cast<int>(v);
  }

  const std::string& file() const { return file_; }
  const YAML::Node& node() const { return node_; }

 private:
  const std::string& file_;
  YAML::Node node_;
  std::string entry_;
  std::set<std::string> seen_;
};

std::string entry_label(const char* kind, size_t index, const YAML::Node& n) {
  std::string id = n.IsMap() && n["id"].IsScalar() ? n["id"].Scalar() : "";
  return id.empty() ? fmt::format("{}[{}]", kind, index) : fmt::format("{} '{}'", kind, id);
}

std::string lower_id(Fields& f) {
  std::string id = f.str("id");
  if (!is_catalog_id(id))
    f.fail(f.node()["id"], "id",
           fmt::format("expected an id of letters, digits and . _ / : @ + -, found \"{}\"", id));
  return id;
}

Gpu parse_gpu(Fields& f) {
  Gpu g;
  g.id = lower_id(f);
  g.name = f.str("name");
  g.vendor = f.one_of("vendor", {"nvidia", "amd"});
  g.arch = f.one_of("arch", {"ampere", "ada", "hopper", "blackwell", "cdna3"});
  g.aliases = f.str_list("aliases");
  g.memory_gib = f.num("memory_gib", 1);
  g.memory_bandwidth_gbps = f.num("memory_bandwidth_gbps", 1);
  YAML::Node tf = f.get("tflops", true);
  if (!tf.IsMap())
    f.fail(tf, "tflops",
           fmt::format("expected a map dtype -> TFLOPS, found {}", yaml_describe(tf)));
  static const std::set<std::string> kDtypes = {"bf16", "fp16", "fp8",  "fp4",
                                                "int8", "int4", "tf32", "fp32"};
  for (const auto& kv : tf) {
    std::string d = kv.first.Scalar();
    if (!kDtypes.count(d))
      f.fail(
          kv.first, "tflops",
          fmt::format(
              "unknown dtype \"{}\"; expected one of bf16, fp16, fp8, fp4, int8, int4, tf32, fp32",
              d));
    g.tflops[d] = f.as_num(kv.second, "tflops." + d, 0);
  }
  if (!g.tflops.count("bf16") && !g.tflops.count("fp16"))
    f.fail(tf, "tflops", "expected at least bf16 or fp16");
  YAML::Node ic = f.get("interconnect", true);
  {
    Fields icf(f.file(), ic, "gpu '" + g.id + "' interconnect");
    g.interconnect_kind = icf.one_of("kind", {"nvlink", "pcie", "infinity-fabric"});
    g.interconnect_gbps = icf.num("gbps", 1);
    icf.finish();
  }
  YAML::Node prices = f.get("prices", false);
  if (prices.IsDefined()) {
    if (!prices.IsSequence()) f.fail(prices, "prices", "expected a list of prices");
    for (size_t i = 0; i < prices.size(); ++i) {
      Fields pf(f.file(), prices[i], fmt::format("gpu '{}' prices[{}]", g.id, i));
      GpuPrice p;
      p.provider = pf.str("provider");
      p.kind = pf.one_of("kind", {"on_demand", "spot", "reserved"});
      p.usd_per_hour = pf.num("usd_per_hour", 0.01);
      p.source = pf.str("source");
      p.as_of = pf.date("as_of");
      pf.finish();
      g.prices.push_back(std::move(p));
    }
  }
  g.provenance = f.provenance();
  return g;
}

Model parse_model(Fields& f) {
  Model m;
  m.id = lower_id(f);
  m.name = f.str("name");
  m.aliases = f.str_list("aliases");
  m.layers = f.integer("layers", true, 1);
  m.hidden_size = f.integer("hidden_size", true, 1);
  m.attention_heads = f.integer("attention_heads", true, 1);
  m.kv_heads = f.integer("kv_heads", true, 1);
  m.head_dim = f.integer("head_dim", true, 1);
  m.intermediate_size = f.integer("intermediate_size", true, 1);
  m.vocab_size = f.integer("vocab_size", true, 1);
  m.params_total_b = f.num("params_total_b", 0.001);
  m.params_active_b = f.num("params_active_b", 0.001);
  m.max_context = f.integer("max_context", true, 1);
  if (m.params_active_b > m.params_total_b * 1.0001)
    f.fail(f.node()["params_active_b"], "params_active_b",
           fmt::format("expected at most params_total_b ({}), found {}", m.params_total_b,
                       m.params_active_b));
  if (m.attention_heads % m.kv_heads != 0)
    f.fail(f.node()["kv_heads"], "kv_heads",
           fmt::format("expected a divisor of attention_heads ({}), found {}", m.attention_heads,
                       m.kv_heads));
  YAML::Node att = f.get("attention", true);
  {
    Fields af(f.file(), att, "model '" + m.id + "' attention");
    m.attention_kind = af.one_of("kind", {"gqa", "mla"});
    if (m.attention_kind == "mla") {
      MlaAttention mla;
      mla.kv_lora_rank = af.integer("kv_lora_rank", true, 1);
      mla.q_lora_rank = af.integer("q_lora_rank", false, 0);
      mla.qk_rope_head_dim = af.integer("qk_rope_head_dim", true, 0);
      mla.qk_nope_head_dim = af.integer("qk_nope_head_dim", true, 0);
      mla.v_head_dim = af.integer("v_head_dim", true, 1);
      m.mla = mla;
    }
    af.finish();
  }
  YAML::Node sw = f.get("sliding_window", false);
  if (sw.IsDefined()) {
    Fields sf(f.file(), sw, "model '" + m.id + "' sliding_window");
    m.sliding_window = SlidingWindow{sf.integer("window", true, 1), sf.integer("layers", true, 1)};
    if (m.sliding_window->layers > m.layers)
      sf.fail(sw["layers"], "layers",
              fmt::format("expected at most the model's {} layers", m.layers));
    sf.finish();
  }
  YAML::Node moe = f.get("moe", false);
  if (moe.IsDefined()) {
    Fields mf(f.file(), moe, "model '" + m.id + "' moe");
    Moe x;
    x.experts = mf.integer("experts", true, 1);
    x.top_k = mf.integer("top_k", true, 1);
    x.shared_experts = mf.integer("shared_experts", false, 0);
    x.expert_intermediate_size = mf.integer("expert_intermediate_size", true, 1);
    x.dense_layers = mf.integer("dense_layers", false, 0);
    x.params_experts_b = mf.num("params_experts_b", 0.001);
    if (x.top_k > x.experts) mf.fail(moe["top_k"], "top_k", "expected at most `experts`");
    if (x.params_experts_b > m.params_total_b)
      mf.fail(moe["params_experts_b"], "params_experts_b", "expected at most params_total_b");
    mf.finish();
    m.moe = x;
  }
  YAML::Node wd = f.get("weight_dtypes", false);
  if (wd.IsDefined()) {
    if (!wd.IsMap()) f.fail(wd, "weight_dtypes", "expected a map part -> dtype");
    for (const auto& kv : wd) {
      std::string part = kv.first.Scalar();
      if (part != "experts" && part != "all")
        f.fail(kv.first, "weight_dtypes",
               fmt::format("expected part 'experts' or 'all', found \"{}\"", part));
      m.weight_dtypes[part] = kv.second.Scalar();
    }
  }
  m.provenance = f.provenance();
  return m;
}

Engine parse_engine(Fields& f) {
  Engine e;
  e.id = lower_id(f);
  e.name = f.str("name");
  e.dtypes = f.str_list("dtypes");
  if (e.dtypes.empty()) f.fail(f.node(), "dtypes", "expected a non-empty list of dtypes");
  e.gpu_vendors = f.str_list("gpu_vendors");
  if (e.gpu_vendors.empty())
    f.fail(f.node(), "gpu_vendors", "expected a non-empty list of vendors");
  for (const auto& v : e.gpu_vendors)
    if (v != "nvidia" && v != "amd")
      f.fail(f.node()["gpu_vendors"], "gpu_vendors",
             fmt::format("expected nvidia or amd, found \"{}\"", v));
  // Engines without a memory-fraction knob (llama.cpp) size the cache by flags; the perf model
  // then assumes the common 0.9.
  e.gpu_memory_fraction = f.opt_num("gpu_memory_fraction", 0.05).value_or(0.9);
  if (e.gpu_memory_fraction > 1.0)
    f.fail(f.node()["gpu_memory_fraction"], "gpu_memory_fraction", "expected a fraction in (0, 1]");
  e.memory_fraction_of = f.one_of("memory_fraction_of", {"total", "free"}, false, "total");
  e.image = f.str("image");
  if (e.image.find(':') == std::string::npos || ends_with_latest(e.image))
    f.fail(f.node()["image"], "image",
           fmt::format("expected a pinned image repo:tag (not :latest), found \"{}\"", e.image));
  e.port = f.integer("port", true, 1);
  e.health_path = f.str("health_path");
  e.ready_path = f.str("ready_path", false);
  if (e.ready_path.empty()) e.ready_path = e.health_path;
  e.metrics_path = f.str("metrics_path");
  YAML::Node flags = f.get("flags", true);
  if (!flags.IsMap()) f.fail(flags, "flags", "expected a map concept -> flag");
  for (const auto& kv : flags) e.flags[kv.first.Scalar()] = kv.second.Scalar();
  YAML::Node metrics = f.get("metrics", true);
  if (!metrics.IsSequence()) f.fail(metrics, "metrics", "expected a list of metrics");
  for (size_t i = 0; i < metrics.size(); ++i) {
    Fields mf(f.file(), metrics[i], fmt::format("engine '{}' metrics[{}]", e.id, i));
    EngineMetric m;
    m.name = mf.str("name");
    m.type = mf.one_of("type", {"counter", "gauge", "histogram"});
    m.meaning = mf.str("meaning");
    m.replaces = mf.str_list("replaces");
    m.deprecated_in = mf.str("deprecated_in", false);
    mf.finish();
    e.metrics.push_back(std::move(m));
  }
  e.provenance = f.provenance();
  return e;
}

Price parse_price(Fields& f) {
  Price p;
  p.id = lower_id(f);
  p.provider = f.str("provider");
  p.model = f.str("model");
  if (!iequals(p.id, p.provider + "/" + p.model))
    f.fail(f.node()["id"], "id",
           fmt::format("expected \"{}/{}\" (provider/model), found \"{}\"", p.provider, p.model,
                       p.id));
  p.aliases = f.str_list("aliases");
  p.input_usd_per_mtok = f.num("input_usd_per_mtok");
  p.output_usd_per_mtok = f.num("output_usd_per_mtok");
  p.cache_read_usd_per_mtok = f.opt_num("cache_read_usd_per_mtok");
  p.cache_write_usd_per_mtok = f.opt_num("cache_write_usd_per_mtok");
  p.batch_discount = f.opt_num("batch_discount");
  if (p.batch_discount && *p.batch_discount >= 1)
    f.fail(f.node()["batch_discount"], "batch_discount", "expected a fraction in [0, 1)");
  p.context_window = f.integer("context_window", false, 1);  // 0: not published
  p.max_output_tokens = f.integer("max_output_tokens", false, 0);
  p.usage_semantics =
      f.one_of("usage_semantics", {"input_includes_cached", "input_excludes_cached"});
  p.reasoning_billed_as = f.one_of("reasoning_billed_as", {"output"}, false, "output");
  p.quality_tier = f.one_of("quality_tier", {"frontier", "strong", "fast", "small"}, false, "");
  p.open_model = f.str("open_model", false);
  p.family = f.str("family", false);
  p.cache_min_tokens = f.integer("cache_min_tokens", false, 1);
  p.cache_ttl_s = f.integer("cache_ttl_s", false, 1);
  p.provenance = f.provenance();
  return p;
}

Efficiency parse_efficiency(Fields& f) {
  Efficiency e;
  e.id = lower_id(f);
  e.engine = f.str("engine");
  e.arch = f.str("arch");
  YAML::Node params = f.get("params", true);
  if (!params.IsMap()) f.fail(params, "params", "expected a map name -> number");
  for (const auto& kv : params)
    e.params[kv.first.Scalar()] = f.as_num(kv.second, "params." + kv.first.Scalar(), -1e9);
  e.fitted_on = f.str_list("fitted_on");
  e.provenance = f.provenance();
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

template <typename T, typename Parse>
void read_list(Catalog& cat, std::vector<T>& items, const YAML::Node& list, const char* kind,
               const SourceFile& src, bool allow_override, Parse parse) {
  (void)cat;
  if (!list.IsSequence())
    throw LoadError{fmt::format("{}: '{}s' must be a list of entries, found {}",
                                yaml_position(src.name, list.Mark()), kind, yaml_describe(list))};
  std::set<std::string> ids;
  for (size_t i = 0; i < list.size(); ++i) {
    Fields f(src.name, list[i], entry_label(kind, i, list[i]));
    T item = parse(f);
    f.finish();
    int line = item.provenance.line;
    upsert(items, std::move(item), allow_override, ids, src.name, line);
  }
}

void read_file(Catalog& cat, const SourceFile& src, bool allow_override) {
  YAML::Node root;
  try {
    root = YAML::Load(src.text);
  } catch (const YAML::ParserException& e) {
    throw LoadError{fmt::format("{}: invalid YAML: {}", yaml_position(src.name, e.mark), e.msg)};
  }
  if (root.IsNull()) return;  // an empty overlay is fine
  if (!root.IsMap())
    throw LoadError{fmt::format(
        "{}: expected a map with keys gpus, models, engines, prices or efficiency", src.name)};
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& list = kv.second;
    if (key == "gpus")
      read_list(cat, cat.gpus, list, "gpu", src, allow_override, parse_gpu);
    else if (key == "models")
      read_list(cat, cat.models, list, "model", src, allow_override, parse_model);
    else if (key == "engines")
      read_list(cat, cat.engines, list, "engine", src, allow_override, parse_engine);
    else if (key == "prices")
      read_list(cat, cat.prices, list, "price", src, allow_override, parse_price);
    else if (key == "efficiency")
      read_list(cat, cat.efficiency, list, "efficiency", src, allow_override, parse_efficiency);
    else
      throw LoadError{fmt::format(
          "{}: unknown top-level key '{}'; expected gpus, models, engines, prices or efficiency",
          yaml_position(src.name, kv.first.Mark()), key)};
  }
}

// Checks that hold across files: references between entries and unique aliases.
void cross_check(const Catalog& cat) {
  auto at = [](const Provenance& p) { return fmt::format("{}:{}", p.file, p.line); };
  for (const auto& p : cat.prices)
    if (!p.open_model.empty() && !cat.find_model(p.open_model))
      throw LoadError{
          fmt::format("{}: price '{}' field 'open_model': unknown model \"{}\"; expected one of {}",
                      at(p.provenance), p.id, p.open_model, cat.model_ids())};
  for (const auto& e : cat.efficiency)
    if (e.engine != "any" && !cat.find_engine(e.engine))
      throw LoadError{fmt::format(
          "{}: efficiency '{}' field 'engine': unknown engine \"{}\"; expected one of {}",
          at(e.provenance), e.id, e.engine, cat.engine_ids())};
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
