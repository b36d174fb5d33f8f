// SLO burn rates (Google SRE Workbook, multiwindow multi-burn-rate): slo_burn_ttft, slo_burn_tpot
// and error_rate, from the gateway's histograms and status counters, the engines' latency
// histograms, and the request log. A pair fires when both its long and its short window burn
// faster than its rate; with only the observed window (a few scrapes), a burn above the fastest
// pair's rate is reported as a warning and the note says which windows were missing.
#include <cmath>
#include <functional>

#include "monitor/diag_internal.h"

namespace llmctl::monitor::detail {

namespace {

struct Ratio {
  double bad = 0, total = 0;
};
using RatioAt = std::function<std::optional<Ratio>(double window_s)>;
using QueryAt = std::function<std::string(double window_s)>;

struct Sli {
  std::string kind;       // slo_burn_ttft | slo_burn_tpot | error_rate
  std::string what;       // "streams slower than 2.5 s to the first token"
  double budget = 0;      // allowed bad share
  std::string objective;  // "p95 TTFT <= 2000 ms"
};

void burn(Ctx& c, const Sli& sli, const std::string& target, const RatioAt& ratio,
          const QueryAt& query, const std::string& source) {
  auto share = [&](double w) -> std::optional<double> {
    auto r = ratio(w);
    if (!r || r->total < c.th.min_requests) return std::nullopt;
    return r->bad / r->total;
  };
  bool any_pair = false;
  for (const auto& b : c.th.burns) {
    auto lo = share(b.long_s), sh = share(b.short_s);
    if (!lo || !sh) continue;
    any_pair = true;
    const double burn_long = *lo / sli.budget, burn_short = *sh / sli.budget;
    if (burn_long < b.rate || burn_short < b.rate) continue;
    Finding f;
    f.kind = sli.kind;
    f.severity = b.severity;
    f.target = target;
    f.message = fmt::format(
        "{} of requests were {} over {} ({} over {}): the error budget of \"{}\" burns {}x "
        "(threshold {}x over both windows), {} of a 30-day budget per {}",
        pct(*lo), sli.what, duration_text(b.long_s), pct(*sh), duration_text(b.short_s),
        sli.objective, num(burn_long), num(b.rate),
        pct(std::min(1.0, burn_long * b.long_s / (30 * 86400))), duration_text(b.long_s));
    f.evidence = {{"bad_share_" + duration_text(b.long_s), *lo, "ratio", query(b.long_s)},
                  {"bad_share_" + duration_text(b.short_s), *sh, "ratio", query(b.short_s)},
                  {"burn_rate_" + duration_text(b.long_s), burn_long, "x", source},
                  {"budget", sli.budget, "ratio", sli.objective}};
    c.add(std::move(f));
    return;  // the most severe pair that fires
  }
  if (any_pair || c.window() <= 0) return;
  // Only the observed window: no multiwindow confirmation, so a warning at most.
  auto w = share(c.window());
  if (!w) return;
  const double rate = *w / sli.budget;
  if (rate < c.th.burns.front().rate) return;
  c.note(
      fmt::format("{} on {}: burn rate over {} only; the 1h/6h/3d windows were not observed "
                  "(they need a Prometheus server or a request log that holds them)",
                  sli.kind, target, c.window_text()));
  Finding f;
  f.kind = sli.kind;
  f.severity = Severity::kWarning;
  f.target = target;
  f.message = fmt::format(
      "{} of requests were {} over {}: the error budget of \"{}\" burns {}x (the fast-burn "
      "threshold is {}x; longer windows were not observed)",
      pct(*w), sli.what, c.window_text(), sli.objective, num(rate), num(c.th.burns.front().rate));
  f.evidence = {{"bad_share_" + c.window_text(), *w, "ratio", query(c.window())},
                {"burn_rate", rate, "x", source},
                {"budget", sli.budget, "ratio", sli.objective}};
  c.add(std::move(f));
}

Fix latency_fix(const std::string& what) {
  return {fmt::format("Find where the time goes ({}): queueing (add replicas), long prompts "
                      "(prefill), or a slow fallback; the planner sizes the fleet for the SLO",
                      what),
          "llmctl plan SPEC.yaml  # slo.ttft_p95_ms / slo.tpot_p95_ms, traffic at the measured "
          "peak"};
}

// Histogram-based latency SLI over `name` for the series matching `match`.
void latency_from_histogram(Ctx& c, const Sli& sli, const std::string& target,
                            const std::string& name, const Labels& match, double slo_s,
                            const std::string& source, Fix fix) {
  Histogram probe = histogram(c.snap, name, match, CountWindow{0});
  if (probe.buckets.empty()) return;
  const double bound = probe.nearest_bound(slo_s);
  Sli s = sli;
  s.what = fmt::format("{} {} s (the histogram bound nearest the SLO)", sli.what, plain(bound));
  auto ratio = [&](double w) -> std::optional<Ratio> {
    Histogram h = histogram(c.snap, name, match, CountWindow{w});
    if (h.buckets.empty()) return std::nullopt;
    auto share = h.share_above(bound);
    if (!share) return Ratio{0, h.count};
    return Ratio{*share * h.count, h.count};
  };
  auto query = [&](double w) {
    const std::string ws = duration_text(w);
    Labels le = match;
    set_label(le, "le", fmt::format("{}", bound));
    return fmt::format("1 - sum(increase({0}_bucket{1}[{3}])) / sum(increase({0}_count{2}[{3}]))",
                       name, format_labels(le), format_labels(match), ws);
  };
  const std::size_t before = c.findings.size();
  burn(c, s, target, ratio, query, source);
  if (c.findings.size() > before) c.findings.back().fix = std::move(fix);
}

void gateway_slos(Ctx& c) {
  for (const auto& g : c.gateways)
    for (const auto& model : g.models) {
      const std::string target = "model " + model;
      const Labels match{{"instance", g.instance}, {"model", model}};
      const std::string src = fmt::format("llmctl gateway {}", g.instance);
      if (c.opt.slo.ttft_p95_ms)
        latency_from_histogram(
            c,
            {"slo_burn_ttft", "slower to the first token than", c.th.latency_budget,
             fmt::format("p95 TTFT <= {} ms", num(*c.opt.slo.ttft_p95_ms))},
            target, std::string(gw::kTtft), match, *c.opt.slo.ttft_p95_ms / 1000, src,
            latency_fix("TTFT"));
      if (c.opt.slo.tpot_p95_ms)
        latency_from_histogram(
            c,
            {"slo_burn_tpot", "slower per output token than", c.th.latency_budget,
             fmt::format("p95 TPOT <= {} ms", num(*c.opt.slo.tpot_p95_ms))},
            target, std::string(gw::kTpot), match, *c.opt.slo.tpot_p95_ms / 1000, src,
            latency_fix("TPOT"));
      // Availability: 5xx answers over all answers.
      auto ratio = [&](double w) -> std::optional<Ratio> {
        Ratio r;
        bool any = false;
        for (const Series* s : c.snap.named(gw::kRequests)) {
          if (!matches(s->labels, match)) continue;
          auto inc = increase_over(c.snap, *s, w);
          if (!inc) return std::nullopt;
          any = true;
          r.total += *inc;
          if (label(s->labels, "code").substr(0, 1) == "5") r.bad += *inc;
        }
        if (!any) return std::nullopt;
        return r;
      };
      auto query = [&](double w) {
        const std::string ws = duration_text(w);
        return fmt::format(
            "sum(increase({0}{{instance=\"{1}\",model=\"{2}\",code=~\"5..\"}}[{3}])) / "
            "sum(increase({0}{{instance=\"{1}\",model=\"{2}\"}}[{3}]))",
            gw::kRequests, g.instance, model, ws);
      };
      const std::size_t before = c.findings.size();
      burn(c,
           {"error_rate", "answered with a 5xx", 1 - c.opt.slo.availability,
            fmt::format("{} of requests without a 5xx", pct(c.opt.slo.availability))},
           target, ratio, query, src);
      if (c.findings.size() > before)
        c.findings.back().fix = {
            "Errors by class show the cause (timeouts, connect errors, upstream 5xx): "
            "sum by (class) (rate(llmctl_gateway_errors_total[5m])); a fallback deployment "
            "turns upstream outages into slower answers instead of errors",
            "llmctl gateway --check --config gateway.yaml  # models[].fallbacks, breaker"};
    }
}

void engine_slos(Ctx& c) {
  for (const auto& t : c.engines) {
    const Labels match{{"instance", t.instance}};
    const std::string src = t.display;
    std::string name;
    if (c.opt.slo.ttft_p95_ms && !c.engine_series(t, "ttft", &name).empty())
      latency_from_histogram(
          c,
          {"slo_burn_ttft", "slower to the first token than", c.th.latency_budget,
           fmt::format("p95 TTFT <= {} ms", num(*c.opt.slo.ttft_p95_ms))},
          t.display, name, match, *c.opt.slo.ttft_p95_ms / 1000, src,
          sizing_fix(c, t,
                     "Queueing and prefill inside the engine: add replicas at the measured "
                     "load"));
    if (c.opt.slo.tpot_p95_ms && !c.engine_series(t, "tpot", &name).empty())
      latency_from_histogram(
          c,
          {"slo_burn_tpot", "slower per output token than", c.th.latency_budget,
           fmt::format("p95 TPOT <= {} ms", num(*c.opt.slo.tpot_p95_ms))},
          t.display, name, match, *c.opt.slo.tpot_p95_ms / 1000, src,
          sizing_fix(c, t,
                     "Decode steps are slow: the batch is larger than the plan assumed; "
                     "more replicas or a lower --max-num-seqs"));
  }
}

void log_slos(Ctx& c) {
  if (!c.log) return;
  const std::string src = "request log " + c.log->path;
  for (const auto& model : c.log->models()) {
    const std::string target = "model " + model;
    auto sql = [&](const std::string& cond, double w) {
      return fmt::format("SELECT avg({}) FROM requests WHERE model = '{}' AND ts_ms >= {} - {}",
                         cond, model, std::llround(c.snap.now_s * 1000), std::llround(w * 1000));
    };
    if (c.opt.slo.ttft_p95_ms) {
      const std::string cond = fmt::format("ttft_ms > {}", num(*c.opt.slo.ttft_p95_ms));
      const std::size_t before = c.findings.size();
      burn(
          c,
          {"slo_burn_ttft",
           fmt::format("slower to the first token than {} ms", num(*c.opt.slo.ttft_p95_ms)),
           c.th.latency_budget, fmt::format("p95 TTFT <= {} ms", num(*c.opt.slo.ttft_p95_ms))},
          target,
          [&](double w) -> std::optional<Ratio> {
            LogBucket b = c.log->sum(model, w);
            return Ratio{b.ttft_slow, b.ttft_measured};
          },
          [&](double w) { return sql(cond, w) + " AND ttft_ms IS NOT NULL"; }, src);
      if (c.findings.size() > before) c.findings.back().fix = latency_fix("TTFT");
    }
    if (c.opt.slo.tpot_p95_ms) {
      const std::string cond = fmt::format("(duration_ms - ttft_ms) / (output_tokens - 1) > {}",
                                           num(*c.opt.slo.tpot_p95_ms));
      const std::size_t before = c.findings.size();
      burn(
          c,
          {"slo_burn_tpot",
           fmt::format("slower per output token than {} ms", num(*c.opt.slo.tpot_p95_ms)),
           c.th.latency_budget, fmt::format("p95 TPOT <= {} ms", num(*c.opt.slo.tpot_p95_ms))},
          target,
          [&](double w) -> std::optional<Ratio> {
            LogBucket b = c.log->sum(model, w);
            return Ratio{b.tpot_slow, b.tpot_measured};
          },
          [&](double w) { return sql(cond, w) + " AND ttft_ms IS NOT NULL AND output_tokens > 1"; },
          src);
      if (c.findings.size() > before) c.findings.back().fix = latency_fix("TPOT");
    }
    const std::size_t before = c.findings.size();
    burn(
        c,
        {"error_rate", "answered with a 5xx", 1 - c.opt.slo.availability,
         fmt::format("{} of requests without a 5xx", pct(c.opt.slo.availability))},
        target,
        [&](double w) -> std::optional<Ratio> {
          LogBucket b = c.log->sum(model, w);
          return Ratio{b.server_errors, b.requests};
        },
        [&](double w) { return sql("status >= 500", w); }, src);
    if (c.findings.size() > before)
      c.findings.back().fix = {
          "The log's error_class column shows the cause: SELECT error_class, count(*) FROM "
          "requests WHERE status >= 500 GROUP BY 1",
          "llmctl gateway --check --config gateway.yaml  # models[].fallbacks, breaker"};
  }
}

}  // namespace

void diagnose_slos(Ctx& c) {
  gateway_slos(c);
  engine_slos(c);
  log_slos(c);
}

}  // namespace llmctl::monitor::detail
