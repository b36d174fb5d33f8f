#include "plan/spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/strings.h"
#include "yaml/fields.h"

namespace llmctl::plan {
namespace {

using yaml::FieldError;
using yaml::Fields;

// A value written in the spec, with where it was written: a non-empty string.
SpecRef ref(const Fields& f, const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar() || trim(n.Scalar()).empty())
    f.fail(n, key, fmt::format("expected a non-empty string, found {}", yaml::describe(n)));
  return SpecRef{n.Scalar(), n.Mark().line + 1, n.Mark().column + 1};
}

SpecRef text(Fields& f, const std::string& key) { return ref(f, f.get(key), key); }

// A list of strings; a single string is accepted as a list of one.
std::vector<SpecRef> strings(Fields& f, const std::string& key) {
  YAML::Node n = f.get(key);
  std::vector<SpecRef> out;
  if (n.IsScalar()) {
    out.push_back(ref(f, n, key));
    return out;
  }
  if (!n.IsSequence() || n.size() == 0)
    f.fail(n, key,
           fmt::format("expected a non-empty list of strings, found {}", yaml::describe(n)));
  for (std::size_t i = 0; i < n.size(); ++i)
    out.push_back(ref(f, n[i], fmt::format("{}[{}]", key, i)));
  return out;
}

double positive(Fields& f, const std::string& key) { return *f.opt_positive(key); }

LengthDistribution parse_lengths(Fields& parent, const std::string& key) {
  LengthDistribution d;
  if (parent.get(key).IsScalar()) {
    d.mean = positive(parent, key);
    return d;
  }
  Fields r = *parent.map(key);
  r.only({"mean", "p50", "p95"});
  r.require("mean", "the mean tokens per request");
  d.mean = positive(r, "mean");
  d.p50 = r.opt_positive("p50");
  d.p95 = r.opt_positive("p95");
  if (d.p50 && d.p95 && *d.p95 < *d.p50)
    r.fail(r.get("p95"), "p95",
           fmt::format("expected a p95 >= the p50 ({}), found {}", *d.p50, *d.p95));
  return d;
}

Traffic parse_traffic(Fields& top) {
  top.require("traffic", "peak/average QPS and token lengths, or a trace");
  Fields r = *top.map("traffic");
  r.only({"peak_qps", "average_qps", "input_tokens", "output_tokens", "trace",
          "cacheable_input_share", "batchable_share", "autoscaling"});
  Traffic t;
  if (r.has("trace")) {
    // The trace supplies rates and lengths; stating them too would leave two sources of truth.
    for (const char* key : {"peak_qps", "average_qps", "input_tokens", "output_tokens"})
      if (r.has(key))
        r.fail(r.get(key), key,
               "must not be given with traffic.trace (the trace supplies it; scale the rate "
               "with trace.qps_scale)");
    TraceRef trace;
    if (r.get("trace").IsScalar()) {
      trace.file = text(r, "trace");
    } else {
      Fields tr = *r.map("trace");
      tr.only({"file", "qps_scale"});
      tr.require("file", "the CSV trace path, relative to this spec's folder");
      trace.file = text(tr, "file");
      trace.qps_scale = tr.opt_positive("qps_scale").value_or(trace.qps_scale);
    }
    t.trace = trace;
  } else {
    r.require("peak_qps", "requests per second at peak (or give traffic.trace)");
    t.peak_qps = positive(r, "peak_qps");
    t.average_qps = r.opt_positive("average_qps").value_or(t.peak_qps);
    if (t.average_qps > t.peak_qps)
      r.fail(r.get("average_qps"), "average_qps",
             fmt::format("expected at most peak_qps ({}), found {}", t.peak_qps, t.average_qps));
    r.require("input_tokens", "prompt tokens per request: a number (the mean) or {mean, p50, p95}");
    r.require("output_tokens",
              "generated tokens per request: a number (the mean) or {mean, p50, p95}");
    t.input_tokens = parse_lengths(r, "input_tokens");
    t.output_tokens = parse_lengths(r, "output_tokens");
  }
  t.cacheable_input_share = r.num("cacheable_input_share", t.cacheable_input_share, 0, 1);
  t.batchable_share = r.num("batchable_share", t.batchable_share, 0, 1);
  t.autoscaling = r.boolean("autoscaling", t.autoscaling);
  return t;
}

Slo parse_slo(Fields& top) {
  Slo s;
  std::optional<Fields> r = top.map("slo");
  if (!r) return s;
  r->only({"ttft_p95_ms", "tpot_p95_ms", "ttft_p99_ms", "tpot_p99_ms", "availability"});
  s.ttft_p95_ms = r->opt_positive("ttft_p95_ms");
  s.tpot_p95_ms = r->opt_positive("tpot_p95_ms");
  s.ttft_p99_ms = r->opt_positive("ttft_p99_ms");
  s.tpot_p99_ms = r->opt_positive("tpot_p99_ms");
  // A p99 is never below its p95: such a pair is a typo, not a target.
  auto ordered = [&](const char* p99_key, const std::optional<double>& p99, const char* p95_key,
                     const std::optional<double>& p95) {
    if (p99 && p95 && *p99 < *p95)
      r->fail(
          r->get(p99_key), p99_key,
          fmt::format("expected at least {} ({:g} ms): a p99 is never below its p95, found {:g}",
                      p95_key, *p95, *p99));
  };
  ordered("ttft_p99_ms", s.ttft_p99_ms, "ttft_p95_ms", s.ttft_p95_ms);
  ordered("tpot_p99_ms", s.tpot_p99_ms, "tpot_p95_ms", s.tpot_p95_ms);
  YAML::Node a = r->get("availability");
  if (a.IsDefined()) {
    double v = 0;
    if (!a.IsScalar() || !YAML::convert<double>::decode(a, v) || !(v > 0 && v <= 1))
      r->fail(a, "availability",
              fmt::format("expected a fraction such as 0.999 (not a percentage), found {}",
                          yaml::describe(a)));
    if (v >= 1)
      r->fail(a, "availability",
              "expected a fraction below 1 such as 0.999; 100% availability cannot be planned");
    s.availability = v;
  }
  return s;
}

const std::vector<std::string>& known_dtypes() {
  static const std::vector<std::string> kDtypes = {"bf16", "fp16", "fp8", "fp4", "mxfp4", "int4"};
  return kDtypes;
}

Constraints parse_constraints(Fields& top) {
  Constraints c;
  std::optional<Fields> r = top.map("constraints");
  if (!r) return c;
  r->only({"self_hosting", "api", "provisioned", "serverless", "gpus", "clouds", "api_providers",
           "engines", "dtypes", "data_residency", "max_tp", "gpu_usd_per_hour"});
  c.self_hosting = r->boolean("self_hosting", c.self_hosting);
  c.api = r->boolean("api", c.api);
  c.provisioned = r->boolean("provisioned", c.provisioned);
  c.serverless = r->boolean("serverless", c.serverless);
  if (r->has("gpus")) c.gpus = strings(*r, "gpus");
  if (r->has("clouds")) c.clouds = strings(*r, "clouds");
  if (r->has("api_providers")) c.api_providers = strings(*r, "api_providers");
  if (r->has("engines")) c.engines = strings(*r, "engines");
  if (r->has("dtypes")) {
    c.dtypes = strings(*r, "dtypes");
    YAML::Node list = r->get("dtypes");
    const auto& known = known_dtypes();
    for (std::size_t i = 0; i < c.dtypes.size(); ++i) {
      std::string v = to_lower(c.dtypes[i].value);
      if (std::find(known.begin(), known.end(), v) == known.end()) {
        r->fail(list.IsSequence() ? list[i] : list, fmt::format("dtypes[{}]", i),
                fmt::format("unknown dtype \"{}\"; {}expected one of {}", c.dtypes[i].value,
                            did_you_mean(v, known), join(known, ", ")));
      }
      c.dtypes[i].value = v;
    }
  }
  c.data_residency = r->one_of("data_residency", {"any", "on-prem"}, c.data_residency);
  c.max_tp = static_cast<int>(r->integer("max_tp", c.max_tp, 1, 1 << 20));
  if ((c.max_tp & (c.max_tp - 1)) != 0)
    r->fail(r->get("max_tp"), "max_tp",
            fmt::format("expected a power of two (1, 2, 4, 8, ...), found {}", c.max_tp));
  if (std::optional<Fields> prices = r->map("gpu_usd_per_hour")) {
    // GPU id -> $ per GPU-hour; the ids are checked against the catalog by the planner.
    for (const auto& kv : prices->node()) {
      std::string id = kv.first.Scalar();
      c.gpu_usd_per_hour[to_lower(id)] = *prices->opt_positive(id);
      c.gpu_price_refs[to_lower(id)] =
          SpecRef{id, kv.first.Mark().line + 1, kv.first.Mark().column + 1};
    }
    prices->finish();
  }
  if (!c.self_hosting && !c.api && !c.serverless)
    top.fail(r->node(), "constraints",
             "self_hosting, api and serverless are all false: there is nothing to plan");
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
    YAML::Node root = yaml::parse(file, std::string(yaml_text));
    Fields r(file, root, "");
    r.only({"name", "model", "models", "tier", "traffic", "slo", "budget", "constraints"});
    Spec s;
    s.file = file;
    if (r.has("name")) s.name = text(r, "name").value;

    int what = static_cast<int>(r.has("model")) + static_cast<int>(r.has("models")) +
               static_cast<int>(r.has("tier"));
    if (what != 1)
      r.fail(what ? r.get(r.has("model") ? "model" : "models") : root, "model",
             "expected exactly one of model (an id), models (a list of ids) or tier "
             "(frontier, strong, fast or small)");
    if (r.has("model")) s.models.push_back(text(r, "model"));
    if (r.has("models")) {
      s.models = strings(r, "models");
      s.models_listed = true;
    }
    if (r.has("tier")) {
      SpecRef t = text(r, "tier");
      if (tier_rank(t.value) < 0)
        r.fail(r.get("tier"), "tier",
               fmt::format("expected frontier, strong, fast or small, found \"{}\"", t.value));
      t.value = to_lower(t.value);
      s.tier = t;
    }

    s.traffic = parse_traffic(r);
    s.slo = parse_slo(r);
    if (std::optional<Fields> b = r.map("budget")) {
      b->only({"monthly_usd"});
      b->require("monthly_usd", "the monthly budget in US dollars");
      s.budget_monthly_usd = positive(*b, "monthly_usd");
    }
    s.constraints = parse_constraints(r);
    return s;
  } catch (const FieldError& e) {
    return Error{e.message};
  } catch (const YAML::Exception& e) {
    return Error{fmt::format("{}: {}", yaml::position(file, e.mark), e.msg)};
  }
}

}  // namespace llmctl::plan
