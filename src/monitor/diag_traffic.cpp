// Traffic and spend diagnoses: rate_limited, cost_budget, token_anomaly, output_drift, and the
// request log's side of length_truncation.
#include <algorithm>
#include <cmath>

#include "common/psi.h"
#include "monitor/diag_internal.h"

namespace llmctl::monitor::detail {

namespace {

constexpr double kHoursPerMonth = 730;

// ---- rate_limited -----------------------------------------------------------------------------

void rate_limited(Ctx& c) {
  const CountWindow w{c.has_window() ? c.window() : 0};
  const std::string span = c.has_window() ? "in " + c.window_text() : "since the gateway started";
  for (const auto& g : c.gateways)
    for (const auto& model : g.models) {
      const Labels match{{"instance", g.instance}, {"model", model}};
      Labels limited = match;
      set_label(limited, "class", "rate_limited");
      auto n429 = sum_counter(c.snap, gw::kErrors, limited, w);
      auto requests = sum_counter(c.snap, gw::kRequests, match, w);
      if (!n429 || !requests || *n429 <= 0) continue;
      const double attempts = *requests + sum_counter(c.snap, gw::kRetries, match, w).value_or(0) +
                              sum_counter(c.snap, gw::kFallbacks, match, w).value_or(0);
      if (attempts <= 0) continue;
      const double share = *n429 / attempts;
      if (share < c.th.rate_limited_share) continue;
      Labels to_client = match;
      set_label(to_client, "code", "429");
      const double client = sum_counter(c.snap, gw::kRequests, to_client, w).value_or(0);
      Finding f;
      f.kind = "rate_limited";
      f.severity = client > 0 ? Severity::kCritical : Severity::kWarning;
      f.target = "model " + model;
      f.message =
          fmt::format("providers answered {} of {} upstream attempts with 429 {} ({}){}",
                      num(*n429), num(attempts), span, pct(share),
                      client > 0 ? fmt::format("; {} reached clients as 429", num(client))
                                 : "; retries and fallbacks absorbed them (at a latency and cost)");
      const std::string ws = c.window_text();
      f.evidence = {{"upstream_429", *n429, "count",
                     fmt::format("sum(increase({}[{}]))", c.sel(gw::kErrors, limited), ws)},
                    {"upstream_429_share", share, "ratio",
                     fmt::format("sum(increase({0}[{2}])) / (sum(increase({1}[{2}])) + "
                                 "sum(increase(llmctl_gateway_retries_total{3}[{2}])))",
                                 c.sel(gw::kErrors, limited), c.sel(gw::kRequests, match), ws,
                                 format_labels(match))},
                    {"client_429", client, "count",
                     fmt::format("sum(increase({}[{}]))", c.sel(gw::kRequests, to_client), ws)}};
      f.fix = {
          "Raise the provider's rate limit (tier), spread the model over more deployments or "
          "keys, or add a fallback group so 429s move to another provider",
          "llmctl gateway --check --config gateway.yaml  # models[].deployments, fallbacks"};
      c.add(std::move(f));
    }
  if (!c.log) return;
  for (const auto& model : c.log->models()) {
    LogBucket b = c.log->sum(model, c.window());
    if (b.requests < c.th.min_requests || b.rate_limited <= 0) continue;
    const double share = b.rate_limited / b.requests;
    if (share < c.th.rate_limited_share) continue;
    Finding f;
    f.kind = "rate_limited";
    f.severity = Severity::kCritical;
    f.target = "model " + model;
    f.message = fmt::format(
        "{} of {} requests in {} failed on a provider's 429 ({}; the log records the final "
        "answer, retried 429s only show in the gateway's metrics)",
        num(b.rate_limited), num(b.requests), c.window_text(), pct(share));
    f.evidence = {{"requests_429", b.rate_limited, "count",
                   fmt::format("SELECT count(*) FROM requests WHERE model = '{}' AND (status = 429 "
                               "OR error_class = 'rate_limited') AND ts_ms >= {}",
                               model, std::llround(c.from() * 1000))}};
    f.fix = {
        "Raise the provider's rate limit, spread the load over more keys or deployments, or "
        "add a fallback group",
        "llmctl gateway --check --config gateway.yaml  # models[].fallbacks"};
    c.add(std::move(f));
  }
}

// ---- cost_budget ------------------------------------------------------------------------------

void cost_budget(Ctx& c) {
  const bool has_cost = c.snap.has(gw::kCost) || (c.log && c.log->rows > 0);
  if (!c.opt.budget_monthly_usd) {
    if (has_cost) c.note("cost_budget: pass --budget-monthly-usd N to compare spend with a budget");
    return;
  }
  const double per_s = *c.opt.budget_monthly_usd / (kHoursPerMonth * 3600);
  // Spend over a window: the gateway's counters (every model), else the request log.
  auto spend = [&](double w) -> std::optional<double> {
    if (c.snap.has(gw::kCost)) return sum_counter(c.snap, gw::kCost, {}, CountWindow{w});
    if (c.log && c.log->rows > 0) return c.log->sum("", w).cost_usd;
    return std::nullopt;
  };
  auto query = [&](double w) {
    return c.snap.has(gw::kCost)
               ? fmt::format("sum(increase({}[{}]))", gw::kCost, duration_text(w))
               : fmt::format("SELECT sum(cost_usd) FROM requests WHERE ts_ms >= {}",
                             std::llround((c.snap.now_s - w) * 1000));
  };
  const std::string target = "spend (all models)";
  auto add = [&](Severity sev, const std::string& message, std::vector<Evidence> ev) {
    Finding f;
    f.kind = "cost_budget";
    f.severity = sev;
    f.target = target;
    f.message = message;
    f.evidence = std::move(ev);
    f.evidence.push_back(
        {"budget_monthly_usd", *c.opt.budget_monthly_usd, "usd", "--budget-monthly-usd"});
    f.fix = {
        "Find the spend by model and key (llmctl costs) and move traffic to cheaper options: "
        "the planner compares hosted APIs with self-hosting at the measured traffic",
        "llmctl plan SPEC.yaml  # budget.monthly_usd, traffic at the measured rate"};
    c.add(std::move(f));
  };
  bool any_pair = false;
  for (const auto& b : c.th.burns) {
    auto lo = spend(b.long_s), sh = spend(b.short_s);
    if (!lo || !sh) continue;
    any_pair = true;
    const double burn_long = *lo / b.long_s / per_s, burn_short = *sh / b.short_s / per_s;
    if (burn_long < b.rate || burn_short < b.rate) continue;
    add(b.severity,
        fmt::format("spent ${} in {} (${} in {}): {}x the pace of a ${}/month budget (threshold "
                    "{}x over both windows); at this pace the month costs ${}",
                    num(*lo), duration_text(b.long_s), num(*sh), duration_text(b.short_s),
                    num(burn_long), num(*c.opt.budget_monthly_usd), num(b.rate),
                    num(*lo / b.long_s * kHoursPerMonth * 3600)),
        {{"spend_" + duration_text(b.long_s), *lo, "usd", query(b.long_s)},
         {"spend_" + duration_text(b.short_s), *sh, "usd", query(b.short_s)},
         {"burn_rate", burn_long, "x", ""}});
    return;
  }
  if (any_pair || !c.has_window()) return;
  auto w = spend(c.window());
  if (!w) return;
  const double projected = *w / c.window() * kHoursPerMonth * 3600;
  if (projected <= *c.opt.budget_monthly_usd) return;
  add(Severity::kWarning,
      fmt::format("spent ${} in {}: ${}/month at this pace, over the ${}/month budget (longer "
                  "windows were not observed)",
                  num(*w), c.window_text(), num(projected), num(*c.opt.budget_monthly_usd)),
      {{"spend_" + c.window_text(), *w, "usd", query(c.window())},
       {"projected_monthly_usd", projected, "usd", "spend / window x 730 h"}});
}

// ---- token_anomaly ----------------------------------------------------------------------------

struct Robust {
  double median = 0, mad = 0;
};
Robust robust(std::vector<double> v) {
  auto med = [](std::vector<double>& x) {
    std::sort(x.begin(), x.end());
    const std::size_t n = x.size();
    return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
  };
  Robust r;
  r.median = med(v);
  std::vector<double> dev;
  for (double x : v) dev.push_back(std::abs(x - r.median));
  r.mad = med(dev);
  return r;
}

// The modified z-score of Iglewicz and Hoaglin: 0.6745 (x - median) / MAD.
double modified_z(double x, const Robust& r) {
  if (r.mad <= 0) return x == r.median ? 0 : std::numeric_limits<double>::infinity();
  return 0.6745 * (x - r.median) / r.mad;
}

void anomaly(Ctx& c, const std::string& target, const std::string& what, double current,
             const std::vector<double>& baseline, const std::string& unit, const std::string& query,
             const std::string& baseline_query) {
  if (static_cast<int>(baseline.size()) < c.th.anomaly_min_baseline) return;
  Robust r = robust(baseline);
  if (r.median <= 0) return;
  const double z = modified_z(current, r);
  if (z < c.th.anomaly_z || current < c.th.anomaly_ratio * r.median) return;
  Finding f;
  f.kind = "token_anomaly";
  f.severity = Severity::kWarning;
  f.target = target;
  f.message = fmt::format(
      "{} in the last {}: {} against a median of {} over the {} windows before (modified z {}, "
      "{}x): a runaway client, an agent loop or a prompt that grew",
      what, c.window_text(), num(current), num(r.median), baseline.size(),
      std::isinf(z) ? std::string("inf") : num(z), num(current / r.median));
  f.evidence = {{"current", current, unit, query},
                {"baseline_median", r.median, unit, baseline_query},
                {"baseline_mad", r.mad, unit, ""},
                {"modified_z", std::isinf(z) ? 1e9 : z, "", "0.6745 (x - median) / MAD"}};
  f.fix = {
      "Find the key, user or session behind the jump in the request log and cap it (max_tokens, "
      "a rate or budget limit); `llmctl costs` attributes the spend",
      "llmctl costs --db llmctl.db"};
  c.add(std::move(f));
}

void token_anomaly(Ctx& c) {
  const double w = c.window();
  if (w <= 0) return;
  bool any = false;
  // From the request log: windows of the same length back to a day.
  if (c.log && c.log->rows > 0) {
    const double history_s = std::min(86400.0, c.snap.now_s - c.log->first_ms / 1000.0);
    const int windows = static_cast<int>(std::floor(history_s / w)) - 1;
    for (const auto& model : c.log->models()) {
      LogBucket now = c.log->sum(model, w);
      std::vector<double> tokens, per_request;
      for (int k = 1; k <= windows; ++k) {
        LogBucket b = c.log->sum(model, w, k * w);
        tokens.push_back(b.input_tokens + b.output_tokens);
        if (b.requests > 0) per_request.push_back((b.input_tokens + b.output_tokens) / b.requests);
      }
      any = any || windows >= c.th.anomaly_min_baseline;
      const std::string sql = fmt::format(
          "SELECT sum(input_tokens + output_tokens) FROM requests WHERE model = '{}' AND ts_ms >= "
          "{}",
          model, std::llround((c.snap.now_s - w) * 1000));
      anomaly(c, "model " + model, "tokens", now.input_tokens + now.output_tokens, tokens, "tokens",
              sql, fmt::format("the same sum over each earlier {} (up to a day)", c.window_text()));
      if (now.requests >= c.th.min_requests)
        anomaly(c, "model " + model, "tokens per request",
                (now.input_tokens + now.output_tokens) / now.requests, per_request,
                "tokens/request", sql + " / count(*)", "per earlier window");
    }
  }
  // From a Prometheus range of the gateway's token counters (window-sized steps over a day).
  for (const auto& e : c.snap.expressions) {
    if (e.id != "tokens_by_model" || e.points.size() < 2) continue;
    any = true;
    std::vector<double> baseline;
    for (std::size_t i = 0; i + 1 < e.points.size(); ++i) baseline.push_back(e.points[i].v);
    const std::string model(label(e.labels, "model"));
    anomaly(c, "model " + model, "tokens", e.points.back().v, baseline, "tokens", e.query,
            e.query + " (earlier points)");
  }
  if (!any && (c.snap.has(gw::kTokens) || (c.log && c.log->rows > 0)))
    c.note(
        fmt::format("token_anomaly: needs at least {} earlier {} windows of history "
                    "(--prometheus or --db with older rows)",
                    c.th.anomaly_min_baseline, c.window_text()));
}

// ---- output_drift -----------------------------------------------------------------------------

double psi(const std::vector<double>& expected, const std::vector<double>& actual) {
  return population_stability_index(expected, actual);
}

double mean_of_bins(const std::vector<double>& counts, const std::vector<double>& mids) {
  double n = 0, s = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) n += counts[i], s += counts[i] * mids[i];
  return n > 0 ? s / n : 0;
}

void drift(Ctx& c, const std::string& target, const std::vector<double>& baseline,
           const std::vector<double>& current, const std::vector<double>& mids,
           const std::string& query, const std::string& source) {
  double nb = 0, nc = 0;
  for (double x : baseline) nb += x;
  for (double x : current) nc += x;
  if (nb < c.th.drift_min_requests || nc < c.th.drift_min_requests) return;
  const double p = psi(baseline, current);
  if (p < c.th.psi_moderate) return;
  const double mb = mean_of_bins(baseline, mids), mc = mean_of_bins(current, mids);
  Finding f;
  f.kind = "output_drift";
  f.severity = p >= c.th.psi_significant ? Severity::kWarning : Severity::kInfo;
  f.target = target;
  f.message = fmt::format(
      "output lengths shifted (PSI {}, {}): about {} tokens per answer in the last {} against "
      "about {} before ({} and {} answers)",
      num(p), p >= c.th.psi_significant ? "significant" : "moderate", num(mc), c.window_text(),
      num(mb), num(nc), num(nb));
  f.evidence = {{"psi", p, "", source},
                {"mean_output_tokens_now", mc, "tokens", query},
                {"mean_output_tokens_before", mb, "tokens", ""}};
  f.fix = {
      "A model, prompt or client change alters the answers: compare a sample of recent "
      "answers with older ones; re-plan if answers grew (TPOT and KV use grow with them)",
      "llmctl plan SPEC.yaml  # traffic.output_tokens at the measured mean"};
  c.add(std::move(f));
}

void output_drift(Ctx& c) {
  const double w = c.window();
  if (c.log && c.log->rows > 0 && w > 0) {
    std::vector<double> mids;
    for (int i = 0; i < kLengthBins; ++i) mids.push_back(i == 0 ? 0 : 1.5 * std::pow(2, i - 1));
    const double history_s = std::min(86400.0, c.snap.now_s - c.log->first_ms / 1000.0);
    for (const auto& model : c.log->models()) {
      LogBucket now = c.log->sum(model, w);
      LogBucket before = c.log->sum(model, std::max(w, history_s - w), w);
      drift(c, "model " + model,
            std::vector<double>(before.output_lengths.begin(), before.output_lengths.end()),
            std::vector<double>(now.output_lengths.begin(), now.output_lengths.end()), mids,
            fmt::format("SELECT output_tokens FROM requests WHERE model = '{}' AND ts_ms >= {}",
                        model, std::llround((c.snap.now_s - w) * 1000)),
            "request log output_tokens, log2 bins, last window vs the day before it");
    }
  }
  if (!c.has_window()) return;
  for (const auto& t : c.engines) {
    std::string name;
    if (c.engine_series(t, "request_generation_tokens", &name).empty()) continue;
    const Labels match{{"instance", t.instance}};
    Histogram life = histogram(c.snap, name, match, CountWindow{0});
    Histogram now = histogram(c.snap, name, match, CountWindow{w});
    if (life.buckets.size() != now.buckets.size() || life.buckets.empty()) continue;
    std::vector<double> before, current, mids;
    double prev_life = 0, prev_now = 0, prev_bound = 0;
    for (std::size_t i = 0; i < life.buckets.size(); ++i) {
      const double l = life.buckets[i].second - prev_life, n = now.buckets[i].second - prev_now;
      before.push_back(std::max(0.0, l - n));
      current.push_back(n);
      const double bound = life.buckets[i].first;
      mids.push_back(std::isinf(bound) ? prev_bound * 1.5 : (prev_bound + bound) / 2);
      prev_life = life.buckets[i].second, prev_now = now.buckets[i].second;
      if (!std::isinf(bound)) prev_bound = bound;
    }
    drift(c, t.display, before, current, mids,
          fmt::format("sum by (le) (increase({}_bucket{}[{}]))", name, format_labels(match),
                      c.window_text()),
          fmt::format("{} buckets, the window vs everything before it", name));
  }
}

// ---- length_truncation (request log) ----------------------------------------------------------

void log_truncation(Ctx& c) {
  if (!c.log || c.log->rows == 0) return;
  if (!c.log->has("finish_reason")) {
    c.note(
        "length_truncation from the request log needs the column finish_reason (request log "
        "v2); " +
        c.log->path + " has only v1 columns");
    return;
  }
  for (const auto& model : c.log->models()) {
    LogBucket b = c.log->sum(model, c.window());
    if (b.finish_known < c.th.min_requests) continue;
    const double share = b.finish_length / b.finish_known;
    if (share < c.th.truncation_share) continue;
    Finding f;
    f.kind = "length_truncation";
    f.severity = share >= c.th.truncation_critical_share ? Severity::kCritical : Severity::kWarning;
    f.target = "model " + model;
    f.message = fmt::format(
        "{} of {} answers in {} stopped at their token limit (finish_reason=length): users get "
        "cut-off answers",
        pct(share), num(b.finish_known), c.window_text());
    f.evidence = {{"length_share", share, "ratio",
                   fmt::format("SELECT avg(finish_reason = 'length') FROM requests WHERE model = "
                               "'{}' AND ts_ms >= {}",
                               model, std::llround(c.from() * 1000))}};
    f.fix = {
        "Raise max_tokens for the requests that hit it (the log's max_tokens column shows "
        "which) or shorten the prompts; re-plan the output length",
        "llmctl plan SPEC.yaml  # traffic.output_tokens"};
    c.add(std::move(f));
  }
}

}  // namespace

void diagnose_traffic(Ctx& c) {
  rate_limited(c);
  cost_budget(c);
  token_anomaly(c);
  output_drift(c);
  log_truncation(c);
}

}  // namespace llmctl::monitor::detail
