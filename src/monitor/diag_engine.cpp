// Engine diagnoses: kv_saturation, preemption, queue_growth, prefix_cache_low and the engine side
// of length_truncation. Metric names come from the catalog's signals, so an older vLLM's
// gpu_cache_usage_perc is read where a newer one exports kv_cache_usage_perc.
#include <algorithm>
#include <cmath>

#include "monitor/diag_internal.h"

namespace llmctl::monitor::detail {

namespace {

Labels on(const EngineTarget& t) { return {{"instance", t.instance}}; }

// Increase over the window summed over series, or nullopt without a window.
std::optional<double> window_increase(const Ctx& c, const std::vector<const Series*>& ss) {
  if (!c.has_window()) return std::nullopt;
  std::optional<double> total;
  for (const Series* s : ss)
    if (auto inc = increase_over(c.snap, *s, c.window())) total = total.value_or(0) + *inc;
  return total;
}

void kv_saturation(Ctx& c, const EngineTarget& t, bool preempting) {
  std::string name;
  auto series = c.engine_series(t, "kv_usage", &name);
  const Series* worst = nullptr;
  GaugeStats worst_stats;
  for (const Series* s : series) {
    GaugeStats g = gauge_stats(*s, c.from());
    if (!worst || g.share_at_or_above(c.th.kv_usage) > worst_stats.share_at_or_above(c.th.kv_usage))
      worst = s, worst_stats = g;
  }
  if (!worst) return;
  const double share = worst_stats.share_at_or_above(c.th.kv_usage);
  if (share < c.th.kv_window_share || worst_stats.last < c.th.kv_usage * 0.9) return;
  Finding f;
  f.kind = "kv_saturation";
  f.severity = preempting ? Severity::kCritical : Severity::kWarning;
  f.target = t.display;
  f.message = fmt::format(
      "KV cache at {} on average over {} (max {}; at or above {} in {} of the samples){}: new "
      "requests wait for blocks{}",
      pct(worst_stats.avg), c.window_text(), pct(worst_stats.max), pct(c.th.kv_usage), pct(share),
      name == c.mc.names(t.engine, "kv_usage").front() ? "" : fmt::format(" ({})", name),
      preempting ? " and running ones are preempted" : "");
  const std::string s = c.sel(name, worst->labels);
  f.evidence = {
      {"kv_usage_avg", worst_stats.avg, "ratio",
       fmt::format("avg_over_time({}[{}])", s, c.window_text())},
      {"kv_usage_max", worst_stats.max, "ratio",
       fmt::format("max_over_time({}[{}])", s, c.window_text())},
      {"share_of_samples_at_or_above", share, "ratio",
       fmt::format("avg_over_time(({} >= bool {})[{}:])", s, c.th.kv_usage, c.window_text())}};
  f.fix = sizing_fix(c, t,
                     "Give each replica more KV memory (a larger GPU, a higher memory fraction, an "
                     "FP8 KV cache, a lower --max-num-seqs) or add a replica; the command sizes "
                     "the replicas at the measured load");
  c.add(std::move(f));
}

bool preemption(Ctx& c, const EngineTarget& t) {
  std::string name;
  auto series = c.engine_series(t, "preemptions", &name);
  if (series.empty()) return false;
  auto inc = window_increase(c, series);
  if (!inc) {
    // One moment only: report what the engine has counted since it started, as information.
    double total = 0;
    for (const Series* s : series) total += s->last();
    if (total <= 0) return false;
    Finding f;
    f.kind = "preemption";
    f.severity = Severity::kInfo;
    f.target = t.display;
    f.message = fmt::format(
        "{} preemptions since the engine started (one sample: whether they continue needs a "
        "window)",
        num(total));
    f.evidence = {{"preemptions_total", total, "count", c.sel(name, on(t))}};
    f.fix = sizing_fix(c, t,
                       "Observe over a window (--scrape ... --window 1m) to see whether "
                       "preemptions continue");
    c.add(std::move(f));
    return false;
  }
  if (*inc <= 0) return false;
  auto finished = window_increase(c, c.engine_series(t, "requests_finished"));
  Finding f;
  f.kind = "preemption";
  f.severity = Severity::kWarning;
  f.target = t.display;
  f.message = fmt::format(
      "{} preemptions in {} ({}/s{}): the engine ran out of KV blocks and evicted running "
      "requests, whose prefill is recomputed",
      num(*inc), c.window_text(), num(*inc / c.window()),
      finished && *finished > 0
          ? fmt::format(", {} per 100 finished requests", num(100 * *inc / *finished))
          : "");
  f.evidence = {{"preemptions", *inc, "count",
                 fmt::format("sum(increase({}[{}]))", c.sel(name, on(t)), c.window_text())},
                {"preemptions_per_s", *inc / c.window(), "1/s",
                 fmt::format("sum(rate({}[{}]))", c.sel(name, on(t)), c.window_text())}};
  f.fix = sizing_fix(c, t,
                     "KV cache exhausted: more KV memory per replica or another replica (lowering "
                     "--max-num-seqs trades preemption for queueing)");
  c.add(std::move(f));
  return true;
}

void queue_growth(Ctx& c, const EngineTarget& t) {
  std::string name;
  auto series = c.engine_series(t, "queue", &name);
  if (series.empty() || !c.has_window()) return;
  // The fleet's queue at this target: sum over the series (data-parallel ranks) point by point
  // is not needed: growth shows in each; take the series that grew most.
  const Series* worst = nullptr;
  GaugeStats ws;
  for (const Series* s : series) {
    GaugeStats g = gauge_stats(*s, c.from());
    if (!worst || g.last - g.first > ws.last - ws.first) worst = s, ws = g;
  }
  const double growth = ws.last - ws.first;
  if (ws.points < 3 || ws.slope_per_s <= 0 || growth < c.th.queue_growth_min ||
      ws.last < c.th.queue_growth_min)
    return;
  auto running = c.engine_series(t, "running");
  double run_now = 0;
  for (const Series* s : running) run_now += s->last();
  Finding f;
  f.kind = "queue_growth";
  f.severity = Severity::kWarning;
  f.target = t.display;
  f.message = fmt::format(
      "waiting requests grew from {} to {} over {} (+{}/min) with {} running: requests arrive "
      "faster than this replica finishes them",
      num(ws.first), num(ws.last), c.window_text(), num(ws.slope_per_s * 60), num(run_now));
  const std::string s = c.sel(name, worst->labels);
  f.evidence = {{"waiting_now", ws.last, "requests", s},
                {"waiting_growth", growth, "requests",
                 fmt::format("{0} - {0} offset {1}", s, c.window_text())},
                {"waiting_slope_per_min", ws.slope_per_s * 60, "requests/min",
                 fmt::format("deriv({}[{}]) * 60", s, c.window_text())}};
  f.fix = sizing_fix(c, t,
                     "Add replicas (or raise the autoscaler's maximum): the command sizes "
                     "the fleet for the measured arrival rate");
  c.add(std::move(f));
}

void prefix_cache_low(Ctx& c, const EngineTarget& t) {
  std::string hits_name, queries_name;
  auto hits = c.engine_series(t, "prefix_hits", &hits_name);
  auto queries = c.engine_series(t, "prefix_queries", &queries_name);
  if (hits.empty() || queries.empty()) return;
  double life_hits = 0, life_queries = 0;
  for (const Series* s : hits) life_hits += s->last();
  for (const Series* s : queries) life_queries += s->last();
  auto wh = window_increase(c, hits);
  auto wq = window_increase(c, queries);
  if (!wh || !wq || *wq <= 0 || life_queries <= 0) return;
  const double window_rate = *wh / *wq;
  const double life_rate = life_hits / life_queries;
  // The lifetime includes the window: compare with the time before it.
  const double before_q = life_queries - *wq;
  const double before_rate = before_q > 0 ? (life_hits - *wh) / before_q : life_rate;
  std::optional<double> achievable;
  if (c.log && c.log->has("prefix_fingerprint") && c.log->window_prefix_input_tokens > 0)
    achievable = c.log->window_prefix_tokens_repeated / c.log->window_prefix_input_tokens;
  std::string why;
  double reference = 0;
  if (achievable && *achievable >= c.th.prefix_min_lifetime &&
      window_rate < c.th.prefix_drop_ratio * *achievable) {
    reference = *achievable;
    why = fmt::format("the request log shows {} of input tokens in repeated prefixes",
                      pct(*achievable));
  } else if (before_q > 0 && before_rate >= c.th.prefix_min_lifetime &&
             window_rate < c.th.prefix_drop_ratio * before_rate) {
    reference = before_rate;
    why = fmt::format("it was {} before this window", pct(before_rate));
  } else {
    return;
  }
  Finding f;
  f.kind = "prefix_cache_low";
  f.severity = Severity::kWarning;
  f.target = t.display;
  f.message = fmt::format(
      "prefix-cache hit rate {} over {}, while {}: prefill recomputes prompts the cache should "
      "hold",
      pct(window_rate), c.window_text(), why);
  f.evidence = {
      {"hit_rate_window", window_rate, "ratio",
       fmt::format("sum(increase({}[{w}])) / sum(increase({}[{w}]))", c.sel(hits_name, on(t)),
                   c.sel(queries_name, on(t)), fmt::arg("w", c.window_text()))},
      {"hit_rate_reference", reference, "ratio",
       achievable && reference == *achievable
           ? "SELECT prefix_fingerprint, prefix_tokens FROM requests (repeats in the window)"
           : fmt::format("sum({} offset {w}) / sum({} offset {w})", c.sel(hits_name, on(t)),
                         c.sel(queries_name, on(t)), fmt::arg("w", c.window_text()))}};
  f.fix = {
      "Check that prompts keep shared content first (no timestamps or ids before the system "
      "prompt), that the gateway routes by prefix (routing: prefix), and that replicas were "
      "not added or restarted (each holds its own cache)",
      "llmctl gateway --check --config gateway.yaml  # models[].routing: prefix"};
  c.add(std::move(f));
}

void truncation(Ctx& c, const EngineTarget& t) {
  std::string name;
  auto series = c.engine_series(t, "requests_finished", &name);
  if (series.empty()) return;
  double length = 0, total = 0;
  const bool windowed = c.has_window();
  for (const Series* s : series) {
    double n = 0;
    if (windowed) {
      auto inc = increase_over(c.snap, *s, c.window());
      if (!inc) continue;
      n = *inc;
    } else {
      n = s->last();
    }
    total += n;
    std::string_view reason = label(s->labels, "finished_reason");
    if (reason.empty()) reason = label(s->labels, "finish_reason");
    if (reason == "length") length += n;
  }
  if (total < c.th.min_requests) return;
  const double share = length / total;
  if (share < c.th.truncation_share) return;
  Finding f;
  f.kind = "length_truncation";
  f.severity = share >= c.th.truncation_critical_share ? Severity::kCritical : Severity::kWarning;
  f.target = t.display;
  f.message = fmt::format(
      "{} of {} finished requests stopped at their token limit (finished_reason=length) {}: "
      "answers are cut off",
      pct(share), num(total), windowed ? "in " + c.window_text() : "since the engine started");
  const std::string w = windowed ? fmt::format("increase({{}}[{}])", c.window_text()) : "{}";
  f.evidence = {
      {"length_share", share, "ratio",
       fmt::format("sum({}) / sum({})",
                   fmt::format(fmt::runtime(w), c.sel(name, {{"finished_reason", "length"},
                                                             {"instance", t.instance}})),
                   fmt::format(fmt::runtime(w), c.sel(name, on(t))))},
      {"finished_requests", total, "count", ""}};
  f.fix = {
      "Raise max_tokens where answers are cut (or --max-model-len when prompts fill the "
      "context); re-plan the output length: the KV cache and TPOT grow with it",
      sizing_fix(c, t, "").command};
  c.add(std::move(f));
}

}  // namespace

void diagnose_engines(Ctx& c) {
  for (const auto& t : c.engines) {
    const bool preempting = preemption(c, t);
    kv_saturation(c, t, preempting);
    queue_growth(c, t);
    prefix_cache_low(c, t);
    truncation(c, t);
  }
}

}  // namespace llmctl::monitor::detail
