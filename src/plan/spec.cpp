#include "plan/spec.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "common/strings.h"
#include "common/yaml_text.h"

namespace llmctl::plan {
namespace {

// Thrown inside the parser only and turned into an Error at parse_spec's boundary: a spec is
// configuration, read once at start-up.
struct SpecError {
  std::string message;
};

// One YAML map of the spec, read field by field. The allowed keys are known up front, so an
// unknown key (usually a typo) fails at construction with the nearest allowed key.
class MapReader {
 public:
  MapReader(const std::string& file, const YAML::Node& node, std::string path,
            std::vector<std::string> allowed, const YAML::Node& parent_key = {})
      : file_(file), node_(node), path_(std::move(path)), allowed_(std::move(allowed)) {
    if (!node.IsMap()) {
      const YAML::Node& at = node.IsDefined() && !node.IsNull() ? node : parent_key;
      fail(at, path_,
           fmt::format("expected a map with fields {}, found {}", join(allowed_, ", "),
                       yaml_describe(node)));
    }
    std::set<std::string> seen;
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      if (!seen.insert(key).second) fail(kv.first, field(key), "appears twice");
      if (std::find(allowed_.begin(), allowed_.end(), key) != allowed_.end()) continue;
      std::string best;
      size_t best_distance = 3;
      for (const auto& a : allowed_) {
        size_t d = edit_distance(key, a);
        if (d < best_distance) best = a, best_distance = d;
      }
      std::string hint = best.empty() ? "" : fmt::format("did you mean '{}'? ", best);
      fail(kv.first, field(key),
           fmt::format("unknown field; {}expected one of: {}", hint, join(allowed_, ", ")));
    }
  }

  [[noreturn]] void fail(const YAML::Node& at, const std::string& field_path,
                         const std::string& what) const {
    YAML::Mark mark = at.IsDefined() ? at.Mark() : node_.Mark();
    throw SpecError{
        fmt::format("{}: field '{}': {}", yaml_position(file_, mark), field_path, what)};
  }

  std::string field(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
  }

  bool has(const std::string& key) const {
    YAML::Node n = node_[key];
    return n.IsDefined() && !n.IsNull();
  }

  YAML::Node get(const std::string& key) const { return node_[key]; }

  YAML::Node required(const std::string& key, const std::string& what) const {
    if (!has(key)) fail(node_, field(key), fmt::format("is required: {}", what));
    return node_[key];
  }

  // A number in [min, max]; `open_min` excludes min itself.
  double number(const std::string& key, double min, double max, bool open_min,
                const std::string& expected) const {
    YAML::Node n = node_[key];
    double v = 0;
    if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || !std::isfinite(v) || v < min ||
        v > max || (open_min && v == min))
      fail(n, field(key), fmt::format("expected {}, found {}", expected, yaml_describe(n)));
    return v;
  }

  double positive(const std::string& key) const {
    return number(key, 0, 1e300, true, "a number > 0");
  }

  double share(const std::string& key) const {
    return number(key, 0, 1, false, "a fraction between 0 and 1");
  }

  bool boolean(const std::string& key) const {
    YAML::Node n = node_[key];
    bool v = false;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v))
      fail(n, field(key), fmt::format("expected true or false, found {}", yaml_describe(n)));
    return v;
  }

  int integer(const std::string& key, int min) const {
    YAML::Node n = node_[key];
    long v = 0;
    if (!n.IsScalar() || !YAML::convert<long>::decode(n, v) || v < min || v > 1 << 20)
      fail(n, field(key),
           fmt::format("expected an integer >= {}, found {}", min, yaml_describe(n)));
    return static_cast<int>(v);
  }

  SpecRef ref(const YAML::Node& n, const std::string& field_path) const {
    if (!n.IsScalar() || trim(n.Scalar()).empty())
      fail(n, field_path, fmt::format("expected a non-empty string, found {}", yaml_describe(n)));
    return SpecRef{n.Scalar(), n.Mark().line + 1, n.Mark().column + 1};
  }

  SpecRef string(const std::string& key) const { return ref(node_[key], field(key)); }

  // A list of strings; a single string is accepted as a list of one.
  std::vector<SpecRef> strings(const std::string& key) const {
    YAML::Node n = node_[key];
    std::vector<SpecRef> out;
    if (n.IsScalar()) {
      out.push_back(ref(n, field(key)));
      return out;
    }
    if (!n.IsSequence() || n.size() == 0)
      fail(n, field(key),
           fmt::format("expected a non-empty list of strings, found {}", yaml_describe(n)));
    for (size_t i = 0; i < n.size(); ++i)
      out.push_back(ref(n[i], fmt::format("{}[{}]", field(key), i)));
    return out;
  }

  const std::string& file() const { return file_; }
  const YAML::Node& node() const { return node_; }

 private:
  const std::string& file_;
  YAML::Node node_;
  std::string path_;
  std::vector<std::string> allowed_;
};

LengthDistribution parse_lengths(const MapReader& parent, const std::string& key) {
  YAML::Node n = parent.get(key);
  LengthDistribution d;
  if (n.IsScalar()) {
    d.mean = parent.positive(key);
    return d;
  }
  MapReader r(parent.file(), n, parent.field(key), {"mean", "p50", "p95"});
  r.required("mean", "the mean tokens per request");
  d.mean = r.positive("mean");
  if (r.has("p50")) d.p50 = r.positive("p50");
  if (r.has("p95")) d.p95 = r.positive("p95");
  if (d.p50 && d.p95 && *d.p95 < *d.p50)
    r.fail(r.get("p95"), r.field("p95"),
           fmt::format("expected a p95 >= the p50 ({}), found {}", *d.p50, *d.p95));
  return d;
}

Traffic parse_traffic(const MapReader& top) {
  MapReader r(top.file(), top.required("traffic", "peak/average QPS and token lengths, or a trace"),
              "traffic",
              {"peak_qps", "average_qps", "input_tokens", "output_tokens", "trace",
               "cacheable_input_share", "batchable_share", "autoscaling"});
  Traffic t;
  if (r.has("trace")) {
    // The trace supplies rates and lengths; stating them too would leave two sources of truth.
    for (const char* key : {"peak_qps", "average_qps", "input_tokens", "output_tokens"})
      if (r.has(key))
        r.fail(r.get(key), r.field(key),
               "must not be given with traffic.trace (the trace supplies it; scale the rate "
               "with trace.qps_scale)");
    YAML::Node tn = r.get("trace");
    TraceRef trace;
    if (tn.IsScalar()) {
      trace.file = r.string("trace");
    } else {
      MapReader tr(r.file(), tn, r.field("trace"), {"file", "qps_scale"});
      tr.required("file", "the CSV trace path, relative to this spec's folder");
      trace.file = tr.string("file");
      if (tr.has("qps_scale")) trace.qps_scale = tr.positive("qps_scale");
    }
    t.trace = trace;
  } else {
    r.required("peak_qps", "requests per second at peak (or give traffic.trace)");
    t.peak_qps = r.positive("peak_qps");
    t.average_qps = t.peak_qps;
    if (r.has("average_qps")) {
      t.average_qps = r.positive("average_qps");
      if (t.average_qps > t.peak_qps)
        r.fail(r.get("average_qps"), r.field("average_qps"),
               fmt::format("expected at most peak_qps ({}), found {}", t.peak_qps, t.average_qps));
    }
    r.required("input_tokens",
               "prompt tokens per request: a number (the mean) or {mean, p50, p95}");
    r.required("output_tokens",
               "generated tokens per request: a number (the mean) or {mean, p50, p95}");
    t.input_tokens = parse_lengths(r, "input_tokens");
    t.output_tokens = parse_lengths(r, "output_tokens");
  }
  if (r.has("cacheable_input_share")) t.cacheable_input_share = r.share("cacheable_input_share");
  if (r.has("batchable_share")) t.batchable_share = r.share("batchable_share");
  if (r.has("autoscaling")) t.autoscaling = r.boolean("autoscaling");
  return t;
}

Slo parse_slo(const MapReader& top) {
  Slo s;
  if (!top.has("slo")) return s;
  MapReader r(top.file(), top.get("slo"), "slo", {"ttft_p95_ms", "tpot_p95_ms", "availability"});
  if (r.has("ttft_p95_ms")) s.ttft_p95_ms = r.positive("ttft_p95_ms");
  if (r.has("tpot_p95_ms")) s.tpot_p95_ms = r.positive("tpot_p95_ms");
  if (r.has("availability"))
    s.availability =
        r.number("availability", 0, 1, true, "a fraction such as 0.999 (not a percentage)");
  if (s.availability >= 1)
    r.fail(r.get("availability"), r.field("availability"),
           "expected a fraction below 1 such as 0.999; 100% availability cannot be planned");
  return s;
}

const std::vector<std::string>& known_dtypes() {
  static const std::vector<std::string> kDtypes = {"bf16", "fp16", "fp8", "fp4", "mxfp4", "int4"};
  return kDtypes;
}

Constraints parse_constraints(const MapReader& top) {
  Constraints c;
  if (!top.has("constraints")) return c;
  MapReader r(top.file(), top.get("constraints"), "constraints",
              {"self_hosting", "api", "gpus", "clouds", "api_providers", "engines", "dtypes",
               "data_residency", "max_tp", "gpu_usd_per_hour"});
  if (r.has("self_hosting")) c.self_hosting = r.boolean("self_hosting");
  if (r.has("api")) c.api = r.boolean("api");
  if (r.has("gpus")) c.gpus = r.strings("gpus");
  if (r.has("clouds")) c.clouds = r.strings("clouds");
  if (r.has("api_providers")) c.api_providers = r.strings("api_providers");
  if (r.has("engines")) c.engines = r.strings("engines");
  if (r.has("dtypes")) {
    c.dtypes = r.strings("dtypes");
    for (size_t i = 0; i < c.dtypes.size(); ++i) {
      const auto& known = known_dtypes();
      if (std::find(known.begin(), known.end(), to_lower(c.dtypes[i].value)) == known.end())
        r.fail(
            r.get("dtypes").IsSequence() ? r.get("dtypes")[i] : r.get("dtypes"),
            fmt::format("constraints.dtypes[{}]", i),
            fmt::format("expected one of {}, found \"{}\"", join(known, ", "), c.dtypes[i].value));
      c.dtypes[i].value = to_lower(c.dtypes[i].value);
    }
  }
  if (r.has("data_residency")) {
    std::string v = r.string("data_residency").value;
    if (v != "any" && v != "on-prem")
      r.fail(r.get("data_residency"), r.field("data_residency"),
             fmt::format("expected any or on-prem, found \"{}\"", v));
    c.data_residency = v;
  }
  if (r.has("max_tp")) {
    c.max_tp = r.integer("max_tp", 1);
    if ((c.max_tp & (c.max_tp - 1)) != 0)
      r.fail(r.get("max_tp"), r.field("max_tp"),
             fmt::format("expected a power of two (1, 2, 4, 8, ...), found {}", c.max_tp));
  }
  if (r.has("gpu_usd_per_hour")) {
    YAML::Node n = r.get("gpu_usd_per_hour");
    if (!n.IsMap())
      r.fail(n, r.field("gpu_usd_per_hour"),
             fmt::format("expected a map GPU id -> $ per GPU-hour, found {}", yaml_describe(n)));
    for (const auto& kv : n) {
      std::string id = kv.first.Scalar();
      std::string path = fmt::format("constraints.gpu_usd_per_hour.{}", id);
      double v = 0;
      if (!kv.second.IsScalar() || !YAML::convert<double>::decode(kv.second, v) ||
          !std::isfinite(v) || v <= 0)
        r.fail(kv.second, path,
               fmt::format("expected $ per GPU-hour > 0, found {}", yaml_describe(kv.second)));
      c.gpu_usd_per_hour[to_lower(id)] = v;
      c.gpu_price_refs[to_lower(id)] =
          SpecRef{id, kv.first.Mark().line + 1, kv.first.Mark().column + 1};
    }
  }
  if (!c.self_hosting && !c.api)
    r.fail(r.node(), "constraints",
           "self_hosting and api are both false: there is nothing to plan");
  return c;
}

}  // namespace

double LengthDistribution::p95_or_default() const {
  return p95 ? *p95 : mean * kDefaultP95OverMean;
}

int tier_rank(std::string_view tier) {
  for (int i = 0; i < 4; ++i)
    if (iequals(tier, kTiers[i])) return i;
  return -1;
}

std::string where(const Spec& spec, const SpecRef& ref) {
  return fmt::format("{}:{}:{}", spec.file, ref.line, ref.column);
}

Result<Spec> parse_spec(std::string_view yaml_text, const std::string& file) {
  try {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(yaml_text));
    } catch (const YAML::ParserException& e) {
      return Error{fmt::format("{}: YAML syntax error: {}", yaml_position(file, e.mark), e.msg)};
    }
    if (!root.IsMap())
      return Error{fmt::format(
          "{}: expected a map with fields name, model|models|tier, traffic, slo, budget, "
          "constraints; found {}",
          file, yaml_describe(root))};
    MapReader r(file, root, "",
                {"name", "model", "models", "tier", "traffic", "slo", "budget", "constraints"});
    Spec s;
    s.file = file;
    if (r.has("name")) s.name = r.string("name").value;

    int what = static_cast<int>(r.has("model")) + static_cast<int>(r.has("models")) +
               static_cast<int>(r.has("tier"));
    if (what != 1)
      r.fail(what ? r.get(r.has("model") ? "model" : "models") : root, "model",
             "expected exactly one of model (an id), models (a list of ids) or tier "
             "(frontier, strong, fast or small)");
    if (r.has("model")) s.models.push_back(r.string("model"));
    if (r.has("models")) {
      s.models = r.strings("models");
      s.models_listed = true;
    }
    if (r.has("tier")) {
      SpecRef t = r.string("tier");
      if (tier_rank(t.value) < 0)
        r.fail(r.get("tier"), "tier",
               fmt::format("expected frontier, strong, fast or small, found \"{}\"", t.value));
      t.value = to_lower(t.value);
      s.tier = t;
    }

    s.traffic = parse_traffic(r);
    s.slo = parse_slo(r);
    if (r.has("budget")) {
      MapReader b(file, r.get("budget"), "budget", {"monthly_usd"});
      b.required("monthly_usd", "the monthly budget in US dollars");
      s.budget_monthly_usd = b.positive("monthly_usd");
    }
    s.constraints = parse_constraints(r);
    return s;
  } catch (const SpecError& e) {
    return Error{e.message};
  } catch (const YAML::Exception& e) {
    return Error{fmt::format("{}: {}", yaml_position(file, e.mark), e.msg)};
  }
}

}  // namespace llmctl::plan
