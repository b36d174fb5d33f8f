// The diagnosis entry point: finds the targets in a snapshot (engines by their catalog metric
// names, GPUs by their exporter's, gateways by llmctl's), runs every family, merges duplicates
// and orders the findings; plus the per-target summary that the text view and --watch show.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "common/strings.h"
#include "monitor/diag_internal.h"

namespace llmctl::monitor {

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kCritical:
      return "critical";
  }
  return "info";
}

std::optional<Severity> parse_severity(std::string_view s) {
  if (s == "info") return Severity::kInfo;
  if (s == "warning") return Severity::kWarning;
  if (s == "critical") return Severity::kCritical;
  return std::nullopt;
}

namespace detail {

std::string num(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  double a = std::abs(v);
  if (a >= 1000) return group_thousands(std::llround(v));
  return format_sig(v, 3);
}

std::string pct(double share) { return num(share * 100) + "%"; }

std::string plain(double v) {
  if (std::abs(v) >= 100) return fmt::format("{}", std::llround(v));
  return fmt::format("{:.3g}", v);
}

namespace {

std::string instance_of(const Series& s) {
  std::string_view i = label(s.labels, "instance");
  return std::string(i);
}

}  // namespace

Ctx::Ctx(const Snapshot& s, const LogSummary* l, const catalog::Catalog& c,
         const DiagnoseOptions& o)
    : snap(s), log(l), cat(c), opt(o), th(o.thresholds), mc(c) {
  // Names each instance exports, from the series (and what the source listed).
  std::map<std::string, std::set<std::string>> names;
  for (const auto& sr : snap.series) names[instance_of(sr)].insert(sr.name);
  for (const auto& [inst, ns] : snap.exported_names) names[inst].insert(ns.begin(), ns.end());
  double longest = 0;
  for (const auto& sr : snap.series) longest = std::max(longest, sr.span_s());
  window_covered_ = snap.window_s > 0 && longest >= 0.5 * snap.window_s;

  for (const auto& [inst, ns] : names) {
    // Each kind of set is detected separately: one instance may carry an engine and a GPU
    // exporter's series (a sidecar), never two engines.
    std::vector<std::string> list(ns.begin(), ns.end());
    const MetricFamilySet* best = nullptr;
    int best_hits = 0;
    for (const auto& set : mc.sets()) {
      if (set.kind != "engine") continue;
      int hits = 0;
      for (const auto& m : set.metrics) {
        std::vector<std::string> all = m.replaces;
        all.push_back(m.name);
        for (const auto& n : all) {
          bool present = ns.count(n) || ns.count(n + "_bucket") || ns.count(n + "_count");
          if (present) {
            ++hits;
            break;
          }
        }
      }
      if (hits > best_hits) best = &set, best_hits = hits;
    }
    if (best && best_hits >= 2) {
      EngineTarget t;
      t.instance = inst;
      t.engine = best->id;
      for (const auto& sr : snap.series)
        if (instance_of(sr) == inst)
          if (auto m = label(sr.labels, "model_name"); !m.empty()) {
            t.model = std::string(m);
            break;
          }
      t.display = fmt::format("{} {}", best->id, inst.empty() ? "(files)" : inst);
      engines.push_back(std::move(t));
    }
    bool gateway = false;
    for (const auto& n : ns)
      if (starts_with(n, "llmctl_gateway_")) gateway = true;
    if (gateway) {
      GatewayTarget g{inst, {}};
      std::set<std::string> models;
      for (const Series* sr : snap.named(gw::kRequests))
        if (instance_of(*sr) == inst)
          if (auto m = label(sr->labels, "model"); !m.empty() && m != "_unknown")
            models.insert(std::string(m));
      g.models.assign(models.begin(), models.end());
      gateways.push_back(std::move(g));
    }
  }
  // GPUs: one per (instance, gpu, UUID) of any GPU exporter signal.
  std::set<Labels> seen;
  for (const auto& set : mc.sets()) {
    if (set.kind != "exporter") continue;
    for (const auto& m : set.metrics) {
      if (m.signal.empty()) continue;
      std::vector<std::string> all = m.replaces;
      all.push_back(m.name);
      for (const auto& n : all)
        for (const Series* sr : snap.named(n)) {
          Labels id;
          for (const char* k : {"instance", "gpu", "UUID"})
            if (auto v = label(sr->labels, k); !v.empty()) id.emplace_back(k, std::string(v));
          if (!seen.insert(id).second) continue;
          GpuTarget g;
          g.id = id;
          g.model_name = std::string(label(sr->labels, "modelName"));
          g.host = std::string(label(sr->labels, "Hostname"));
          if (g.host.empty()) g.host = std::string(label(sr->labels, "instance"));
          std::string gpu = std::string(label(sr->labels, "gpu"));
          g.display = fmt::format("gpu {}{}{}", gpu.empty() ? "?" : gpu,
                                  g.host.empty() ? "" : " on " + g.host,
                                  label(sr->labels, "pod").empty()
                                      ? ""
                                      : fmt::format(" (pod {})", label(sr->labels, "pod")));
          gpus.push_back(std::move(g));
        }
    }
  }
}

std::vector<const Series*> Ctx::engine_series(const EngineTarget& t, std::string_view signal,
                                              std::string* used) const {
  for (const auto& name : mc.names(t.engine, signal)) {
    const MetricFamilySet* set = mc.find(t.engine);
    bool histogram = false;
    for (const auto& m : set->metrics)
      if (m.signal == signal && m.type == "histogram") histogram = true;
    std::vector<const Series*> out;
    for (const Series* s : snap.named(histogram ? name + "_bucket" : name))
      if (label(s->labels, "instance") == t.instance) out.push_back(s);
    if (!out.empty()) {
      if (used) *used = name;
      return out;
    }
  }
  return {};
}

const Series* Ctx::gpu_series(const GpuTarget& g, std::string_view signal,
                              std::string* used) const {
  for (const auto& set : mc.sets()) {
    if (set.kind != "exporter") continue;
    for (const auto& name : mc.names(set.id, signal))
      for (const Series* s : snap.named(name))
        if (matches(s->labels, g.id)) {
          if (used) *used = name;
          return s;
        }
  }
  return nullptr;
}

std::string Ctx::sel(std::string_view name, const Labels& match) const {
  return std::string(name) + format_labels(match);
}

void Ctx::note(std::string n) {
  if (std::find(notes.begin(), notes.end(), n) == notes.end()) notes.push_back(std::move(n));
}

EngineLoad engine_load(const Ctx& c, const EngineTarget& t) {
  EngineLoad l;
  if (!c.has_window()) return l;
  auto rate = [&](std::string_view signal) -> std::optional<double> {
    std::optional<double> total;
    for (const Series* s : c.engine_series(t, signal))
      if (auto inc = increase_over(c.snap, *s, c.window()))
        total = total.value_or(0) + *inc / c.window();
    return total;
  };
  l.requests_per_s = rate("requests_finished");
  auto prompt = rate("prompt_tokens");
  auto gen = rate("generation_tokens");
  if (l.requests_per_s && *l.requests_per_s > 0) {
    if (prompt) l.prompt_tokens_per_request = *prompt / *l.requests_per_s;
    if (gen) l.output_tokens_per_request = *gen / *l.requests_per_s;
  }
  return l;
}

Fix sizing_fix(const Ctx& c, const EngineTarget& t, const std::string& action) {
  Fix f;
  f.action = action;
  const catalog::Model* model = t.model.empty() ? nullptr : c.cat.find_model(t.model);
  const catalog::Gpu* gpu = c.opt.gpu.empty() ? nullptr : c.cat.find_gpu(c.opt.gpu);
  if (!gpu) {
    std::set<std::string> seen;
    for (const auto& g : c.gpus)
      if (!g.model_name.empty()) seen.insert(g.model_name);
    if (seen.size() == 1) gpu = c.cat.find_gpu(*seen.begin());
  }
  EngineLoad l = engine_load(c, t);
  const std::string qps = l.requests_per_s ? plain(*l.requests_per_s) : "<req/s>";
  const std::string in = l.prompt_tokens_per_request
                             ? fmt::format("{}", std::llround(*l.prompt_tokens_per_request))
                             : "<prompt tokens>";
  const std::string out = l.output_tokens_per_request
                              ? fmt::format("{}", std::llround(*l.output_tokens_per_request))
                              : "<output tokens>";
  if (model && gpu)
    f.command = fmt::format(
        "llmctl perf --model {} --gpu {} --gpus 1 --engine {} --dtype bf16 --input-tokens {} "
        "--output-tokens {} --qps {}",
        model->id, gpu->id, t.engine, in, out, qps);
  else
    f.command = fmt::format(
        "llmctl plan SPEC.yaml  # model: {}, traffic: {{peak_qps: {}, input_tokens: {}, "
        "output_tokens: {}}}",
        model ? model->id : (t.model.empty() ? "<model>" : t.model), qps, in, out);
  return f;
}

}  // namespace detail

namespace {

using detail::Ctx;

// One finding per (kind, target): the first source that found it keeps the message, the most
// severe severity wins, evidence is merged.
std::vector<Finding> merge(std::vector<Finding> in) {
  std::vector<Finding> out;
  for (auto& f : in) {
    auto it = std::find_if(out.begin(), out.end(), [&](const Finding& o) {
      return o.kind == f.kind && o.target == f.target;
    });
    if (it == out.end()) {
      out.push_back(std::move(f));
      continue;
    }
    if (f.severity > it->severity) {
      std::swap(it->message, f.message);
      it->severity = f.severity;
    }
    for (auto& e : f.evidence) it->evidence.push_back(std::move(e));
  }
  auto kind_rank = [](const std::string& k) {
    for (std::size_t i = 0; i < std::size(kKinds); ++i)
      if (kKinds[i] == k) return i;
    return std::size(kKinds);
  };
  std::stable_sort(out.begin(), out.end(), [&](const Finding& a, const Finding& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    if (a.kind != b.kind) return kind_rank(a.kind) < kind_rank(b.kind);
    return a.target < b.target;
  });
  return out;
}

std::optional<double> sum_rate(const Ctx& c, const std::vector<const Series*>& ss) {
  std::optional<double> total;
  if (!c.has_window()) return total;
  for (const Series* s : ss)
    if (auto inc = increase_over(c.snap, *s, c.window()))
      total = total.value_or(0) + *inc / c.window();
  return total;
}

std::optional<double> sum_last(const std::vector<const Series*>& ss) {
  std::optional<double> total;
  for (const Series* s : ss) total = total.value_or(0) + s->last();
  return total;
}

std::vector<TargetSummary> summarize(const Ctx& c) {
  std::vector<TargetSummary> out;
  const CountWindow w{c.has_window() ? c.window() : 0};
  for (const auto& g : c.gateways) {
    for (const auto& model : g.models) {
      TargetSummary t;
      t.target = fmt::format("gateway {} model {}", g.instance, model);
      t.kind = "gateway";
      Labels m{{"instance", g.instance}, {"model", model}};
      if (c.has_window()) {
        std::vector<const Series*> reqs, errs;
        for (const Series* s : c.snap.named(gw::kRequests))
          if (matches(s->labels, m)) {
            reqs.push_back(s);
            if (label(s->labels, "code").substr(0, 1) == "5") errs.push_back(s);
          }
        t.requests_per_s = sum_rate(c, reqs);
        if (t.requests_per_s && *t.requests_per_s > 0)
          t.error_share = sum_rate(c, errs).value_or(0) / *t.requests_per_s;
        std::vector<const Series*> cost;
        for (const Series* s : c.snap.named(gw::kCost))
          if (matches(s->labels, m)) cost.push_back(s);
        if (auto r = sum_rate(c, cost)) t.cost_per_hour_usd = *r * 3600;
        std::vector<const Series*> tok;
        for (const Series* s : c.snap.named(gw::kTokens))
          if (matches(s->labels, m)) tok.push_back(s);
        t.tokens_per_s = sum_rate(c, tok);
      }
      Histogram ttft = histogram(c.snap, gw::kTtft, m, w);
      t.ttft_p50_s = ttft.quantile(0.5);
      t.ttft_p95_s = ttft.quantile(0.95);
      t.tpot_p95_s = histogram(c.snap, gw::kTpot, m, w).quantile(0.95);
      t.e2e_p95_s = histogram(c.snap, gw::kDuration, m, w).quantile(0.95);
      out.push_back(std::move(t));
    }
  }
  for (const auto& e : c.engines) {
    TargetSummary t;
    t.target = e.display + (e.model.empty() ? "" : " " + e.model);
    t.kind = e.engine;
    t.requests_per_s = sum_rate(c, c.engine_series(e, "requests_finished"));
    auto gen = sum_rate(c, c.engine_series(e, "generation_tokens"));
    auto prompt = sum_rate(c, c.engine_series(e, "prompt_tokens"));
    if (gen || prompt) t.tokens_per_s = gen.value_or(0) + prompt.value_or(0);
    t.running = sum_last(c.engine_series(e, "running"));
    t.waiting = sum_last(c.engine_series(e, "queue"));
    if (auto kv = c.engine_series(e, "kv_usage"); !kv.empty()) {
      double mx = 0;
      for (const Series* s : kv) mx = std::max(mx, s->last());
      t.kv_usage = mx;
    }
    std::string name;
    if (!c.engine_series(e, "ttft", &name).empty()) {
      Histogram h = histogram(c.snap, name, {{"instance", e.instance}}, w);
      t.ttft_p50_s = h.quantile(0.5);
      t.ttft_p95_s = h.quantile(0.95);
    }
    if (!c.engine_series(e, "tpot", &name).empty())
      t.tpot_p95_s = histogram(c.snap, name, {{"instance", e.instance}}, w).quantile(0.95);
    if (!c.engine_series(e, "e2e", &name).empty())
      t.e2e_p95_s = histogram(c.snap, name, {{"instance", e.instance}}, w).quantile(0.95);
    out.push_back(std::move(t));
  }
  for (const auto& g : c.gpus) {
    TargetSummary t;
    t.target = g.display + (g.model_name.empty() ? "" : " " + g.model_name);
    t.kind = "gpu";
    if (const Series* u = c.gpu_series(g, "gpu_util"))
      t.gpu_util_pct = gauge_stats(*u, c.from()).avg;
    const Series* used = c.gpu_series(g, "gpu_fb_used");
    const Series* free = c.gpu_series(g, "gpu_fb_free");
    if (used && free && used->last() + free->last() > 0) {
      const Series* reserved = c.gpu_series(g, "gpu_fb_reserved");
      t.gpu_memory_share =
          used->last() / (used->last() + free->last() + (reserved ? reserved->last() : 0));
    }
    if (auto price = detail::gpu_price(c, g.model_name)) t.cost_per_hour_usd = price->usd_per_hour;
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

Report diagnose(const Snapshot& snapshot, const LogSummary* log, const catalog::Catalog& cat,
                const DiagnoseOptions& options) {
  Ctx c(snapshot, log, cat, options);
  if (!c.has_window() && !snapshot.series.empty())
    c.note(fmt::format(
        "the metrics cover one moment, not a {} window: rates, growth and burn rates need two "
        "scrapes (--scrape over --window) or a Prometheus server (--prometheus); figures that "
        "need them are read since each process started",
        duration_text(snapshot.window_s)));
  detail::diagnose_slos(c);
  detail::diagnose_engines(c);
  detail::diagnose_gpus(c);
  detail::diagnose_traffic(c);
  detail::diagnose_quality(c);
  detail::diagnose_stale(c);
  Report r;
  r.findings = merge(std::move(c.findings));
  r.targets = summarize(c);
  r.notes = snapshot.notes;
  for (auto& n : c.notes) r.notes.push_back(std::move(n));
  r.log_rows = log ? static_cast<long long>(log->rows) : 0;
  r.now_s = snapshot.now_s;
  r.window_s = snapshot.window_s;
  r.source = snapshot.source;
  return r;
}

}  // namespace llmctl::monitor
