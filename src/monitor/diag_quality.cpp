// Answer-quality diagnoses from the gateway's checks (issue 15): empty_answers, refusals,
// invalid_output (JSON mode / structured outputs, tool-call arguments), the gateway side of
// length_truncation, input_drift and output_drift from the gateway's PSI gauges, and
// feedback_drop. Each reads the gateway's metrics (Prometheus or scrapes) and, when given, the
// request log's columns; the request log is judged only where the metrics said nothing.
#include <cmath>

#include "monitor/diag_internal.h"

namespace llmctl::monitor::detail {

namespace {

struct CheckKind {
  const char* check;   // the metric's check label
  const char* column;  // the request log's column
  const char* kind;
  const char* what;  // "empty answers"
  const char* fix_action;
};

constexpr CheckKind kCheckKinds[] = {
    {"empty", "empty_answer", "empty_answers", "answers were empty (no text, no tool call)",
     "Look at a sample of the empty answers in the request log: a max_tokens spent on reasoning, "
     "a stop sequence that matches at once, or a model that returns nothing for this prompt"},
    {"refusal", "refusal", "refusals", "answers were refusals",
     "A model or safety-policy change, or a prompt that now trips the provider's filter: compare "
     "the refused requests with earlier ones; pin the model version or route them to another "
     "deployment"},
    {"json", "invalid_json", "invalid_output",
     "answers under JSON mode or structured outputs did not parse as JSON",
     "Use strict structured outputs (json_schema with strict: true) where the provider has them, "
     "raise max_tokens when the JSON is cut (finish_reason=length), or move the model group to a "
     "deployment that enforces the schema"},
    {"tool_args", "invalid_tool_args", "invalid_output",
     "tool calls carried arguments that do not parse as a JSON object",
     "Enable strict function calling, shorten the tool schemas, or raise max_tokens when the "
     "arguments are cut"},
};

double threshold_of(const Ctx& c, const CheckKind& k) {
  if (std::string_view(k.kind) == "empty_answers") return c.th.empty_share;
  if (std::string_view(k.kind) == "refusals") return c.th.refusal_share;
  return c.th.invalid_output_share;
}

Severity severity_of(const Ctx& c, const CheckKind& k, double share) {
  if (std::string_view(k.kind) == "invalid_output" && share >= c.th.invalid_output_critical_share)
    return Severity::kCritical;
  return Severity::kWarning;
}

void add_check_finding(Ctx& c, const CheckKind& k, const std::string& model, double failed,
                       double checked, Evidence ev) {
  if (checked < c.th.min_requests || failed <= 0) return;
  const double share = failed / checked;
  if (share < threshold_of(c, k)) return;
  Finding f;
  f.kind = k.kind;
  f.severity = severity_of(c, k, share);
  f.target = "model " + model;
  f.message = fmt::format("{} of {} checked {} in {} ({}; threshold {})", num(failed), num(checked),
                          k.what, c.window_text(), pct(share), pct(threshold_of(c, k)));
  ev.value = share;
  f.evidence = {std::move(ev), {"failed", failed, "count", ""}, {"checked", checked, "count", ""}};
  f.fix = {k.fix_action, "llmctl gateway --check --config gateway.yaml  # models[].deployments"};
  c.add(std::move(f));
}

void answer_checks(Ctx& c) {
  bool from_metrics = false;
  const CountWindow w{c.has_window() ? c.window() : 0};
  for (const auto& g : c.gateways)
    for (const auto& model : g.models)
      for (const CheckKind& k : kCheckKinds) {
        const Labels base{{"instance", g.instance}, {"model", model}, {"check", k.check}};
        Labels fail = base, pass = base;
        set_label(fail, "result", "fail");
        set_label(pass, "result", "pass");
        auto nf = sum_counter(c.snap, gw::kAnswerChecks, fail, w);
        auto np = sum_counter(c.snap, gw::kAnswerChecks, pass, w);
        if (!nf || !np) continue;
        from_metrics = true;
        add_check_finding(c, k, model, *nf, *nf + *np,
                          {k.check + std::string("_fail_share"), 0, "ratio",
                           fmt::format("sum(increase({0}[{2}])) / sum(increase({1}[{2}]))",
                                       c.sel(gw::kAnswerChecks, fail),
                                       c.sel(gw::kAnswerChecks, Labels{{"instance", g.instance},
                                                                       {"model", model},
                                                                       {"check", k.check}}),
                                       c.window_text())});
      }
  if (from_metrics || !c.log || c.log->rows == 0) return;
  if (!c.log->has("empty_answer")) {
    c.note(
        "empty_answers, refusals, invalid_output from the request log need its quality "
        "columns (empty_answer, refusal, invalid_json, invalid_tool_args); " +
        c.log->path + " has none");
    return;
  }
  for (const auto& model : c.log->models()) {
    LogBucket b = c.log->sum(model, c.window());
    for (std::size_t i = 0; i < std::size(kCheckKinds); ++i) {
      const CheckKind& k = kCheckKinds[i];
      add_check_finding(c, k, model, b.failed[i], b.checked[i],
                        {std::string(k.column) + "_share", 0, "ratio",
                         fmt::format("SELECT avg({0}) FROM requests WHERE model = '{1}' AND {0} IS "
                                     "NOT NULL AND ts_ms >= {2}",
                                     k.column, model, std::llround(c.from() * 1000))});
    }
  }
}

// The gateway's finish reasons: the share cut at max_tokens (as the engine side does).
void gateway_truncation(Ctx& c) {
  const CountWindow w{c.has_window() ? c.window() : 0};
  for (const auto& g : c.gateways)
    for (const auto& model : g.models) {
      const Labels match{{"instance", g.instance}, {"model", model}};
      Labels length = match;
      set_label(length, "reason", "length");
      auto cut = sum_counter(c.snap, gw::kFinishReasons, length, w);
      double finished = 0;
      bool any = false;
      for (const char* r : {"stop", "length", "tool_calls", "content_filter"}) {
        Labels l = match;
        set_label(l, "reason", r);
        if (auto n = sum_counter(c.snap, gw::kFinishReasons, l, w)) finished += *n, any = true;
      }
      if (!cut || !any || finished < c.th.min_requests) continue;
      const double share = *cut / finished;
      if (share < c.th.truncation_share) continue;
      Finding f;
      f.kind = "length_truncation";
      f.severity =
          share >= c.th.truncation_critical_share ? Severity::kCritical : Severity::kWarning;
      f.target = "model " + model;
      f.message = fmt::format(
          "{} of {} answers through the gateway in {} stopped at their token limit "
          "(finish_reason=length): users get cut-off answers",
          pct(share), num(finished), c.window_text());
      f.evidence = {{"length_share", share, "ratio",
                     fmt::format("sum(increase({}[{}])) / sum(increase({}[{}]))",
                                 c.sel(gw::kFinishReasons, length), c.window_text(),
                                 c.sel(gw::kFinishReasons, match), c.window_text())}};
      f.fix = {
          "Raise max_tokens for the requests that hit it (the request log's max_tokens "
          "column shows which) or shorten the prompts; re-plan the output length",
          "llmctl plan SPEC.yaml  # traffic.output_tokens"};
      c.add(std::move(f));
    }
}

// The gateway's own PSI gauges: the last complete 5-minute window against the hour before.
void gateway_drift(Ctx& c) {
  for (const Series* s : c.snap.named(gw::kLengthPsi)) {
    if (s->points.empty()) continue;
    const double psi = s->points.back().v;
    if (psi < c.th.psi_moderate) continue;
    const std::string direction(label(s->labels, "direction"));
    const std::string model(label(s->labels, "model"));
    Finding f;
    f.kind = direction == "input" ? "input_drift" : "output_drift";
    f.severity = psi >= c.th.psi_significant ? Severity::kWarning : Severity::kInfo;
    f.target = "model " + model;
    f.message = fmt::format(
        "{} lengths shifted (PSI {}, {}): the gateway's last complete window against the hour "
        "before it, log2 token bins",
        direction == "input" ? "prompt" : "answer", num(psi),
        psi >= c.th.psi_significant ? "significant" : "moderate");
    f.evidence = {{"psi", psi, "", c.sel(gw::kLengthPsi, s->labels)}};
    f.fix = direction == "input"
                ? Fix{"Prompts changed (a client release, a RAG index, an agent loop): check the "
                      "prompt sizes by key and re-plan; longer prompts cost prefill and KV",
                      "llmctl plan SPEC.yaml  # traffic.input_tokens at the measured mean"}
                : Fix{"A model, prompt or client change alters the answers: compare a sample of "
                      "recent answers with older ones; re-plan if answers grew",
                      "llmctl plan SPEC.yaml  # traffic.output_tokens at the measured mean"};
    c.add(std::move(f));
  }
}

// The request log's input lengths, the window against the day before it (output lengths are
// diag_traffic's output_drift).
void log_input_drift(Ctx& c) {
  if (c.snap.has(gw::kLengthPsi) || !c.log || c.log->rows == 0 || c.window() <= 0) return;
  const double w = c.window();
  const double history_s = std::min(86400.0, c.snap.now_s - c.log->first_ms / 1000.0);
  for (const auto& model : c.log->models()) {
    LogBucket now = c.log->sum(model, w);
    LogBucket before = c.log->sum(model, std::max(w, history_s - w), w);
    double nb = 0, nc = 0;
    for (double x : before.input_lengths) nb += x;
    for (double x : now.input_lengths) nc += x;
    if (nb < c.th.drift_min_requests || nc < c.th.drift_min_requests) continue;
    const double p = population_stability_index(before.input_lengths, now.input_lengths);
    if (p < c.th.psi_moderate) continue;
    Finding f;
    f.kind = "input_drift";
    f.severity = p >= c.th.psi_significant ? Severity::kWarning : Severity::kInfo;
    f.target = "model " + model;
    f.message = fmt::format(
        "prompt lengths shifted (PSI {}, {}): {} requests in the last {} against {} before", num(p),
        p >= c.th.psi_significant ? "significant" : "moderate", num(nc), c.window_text(), num(nb));
    f.evidence = {
        {"psi", p, "", "request log input_tokens, log2 bins, last window vs the day before it"}};
    f.fix = {
        "Prompts changed (a client release, a RAG index, an agent loop): check the prompt "
        "sizes by key and re-plan",
        "llmctl plan SPEC.yaml  # traffic.input_tokens at the measured mean"};
    c.add(std::move(f));
  }
}

void feedback_finding(Ctx& c, const std::string& model, double mean_now, double n_now,
                      double mean_before, double n_before, std::optional<double> z,
                      Evidence query) {
  if (n_now < c.th.feedback_min_scores || n_before < c.th.feedback_min_scores) return;
  const double drop = mean_before - mean_now;
  if (drop <= 0 || drop < c.th.feedback_drop_ratio * std::abs(mean_before)) return;
  if (z && *z < c.th.feedback_drop_z) return;
  Finding f;
  f.kind = "feedback_drop";
  f.severity = Severity::kWarning;
  f.target = "model " + model;
  f.message = fmt::format(
      "users' feedback fell: mean score {} over {} scores in the last {} against {} over {} "
      "before{}",
      num(mean_now), num(n_now), c.window_text(), num(mean_before), num(n_before),
      z ? fmt::format(" (Welch z {})", num(*z)) : std::string());
  query.value = mean_now;
  f.evidence = {std::move(query), {"mean_score_before", mean_before, "score", ""}};
  if (z) f.evidence.push_back({"welch_z", *z, "", "(mean_before - mean_now) / SE"});
  f.fix = {
      "Read the low-scored requests with their comments (the request log's "
      "feedback_score and feedback_comment) and what changed with them: model, deployment, "
      "prompt",
      "sqlite3 llmctl.db \"SELECT request_id, deployment, feedback_score, feedback_comment "
      "FROM requests WHERE feedback_score IS NOT NULL ORDER BY ts_ms DESC LIMIT 50\""};
  c.add(std::move(f));
}

void feedback_drop(Ctx& c) {
  bool from_metrics = false;
  if (c.has_window())
    for (const auto& g : c.gateways)
      for (const auto& model : g.models) {
        const Labels match{{"instance", g.instance}, {"model", model}};
        auto n_all = sum_counter(c.snap, gw::kFeedback, match, CountWindow{0});
        auto n_now = sum_counter(c.snap, gw::kFeedback, match, CountWindow{c.window()});
        double sum_all = 0, sum_first = 0;
        bool have_sum = false;
        for (const Series* s : c.snap.named(gw::kFeedbackSum)) {
          if (!matches(s->labels, match) || s->points.empty()) continue;
          const GaugeStats gs = gauge_stats(*s, c.from());
          sum_all += s->points.back().v;
          sum_first += gs.first;
          have_sum = true;
        }
        if (!n_all || !n_now || !have_sum) continue;
        from_metrics = true;
        const double n_before = *n_all - *n_now;
        if (n_before <= 0 || *n_now <= 0) continue;
        const double mean_now = (sum_all - sum_first) / *n_now, mean_before = sum_first / n_before;
        feedback_finding(
            c, model, mean_now, *n_now, mean_before, n_before, std::nullopt,
            {"mean_score_now", 0, "score",
             fmt::format("delta({}[{}]) / increase({}[{}])", c.sel(gw::kFeedbackSum, match),
                         c.window_text(), c.sel(gw::kFeedback, match), c.window_text())});
      }
  if (from_metrics || !c.log || c.log->rows == 0 || !c.log->has("feedback_score")) return;
  const double w = c.window();
  const double history_s = std::min(86400.0, c.snap.now_s - c.log->first_ms / 1000.0);
  for (const auto& model : c.log->models()) {
    LogBucket now = c.log->sum(model, w);
    LogBucket before = c.log->sum(model, std::max(w, history_s - w), w);
    if (now.feedback_n < 2 || before.feedback_n < 2) continue;
    auto mean = [](const LogBucket& b) { return b.feedback_sum / b.feedback_n; };
    auto var = [&](const LogBucket& b) {
      return std::max(0.0, (b.feedback_sq - b.feedback_n * mean(b) * mean(b)) / (b.feedback_n - 1));
    };
    const double se = std::sqrt(var(now) / now.feedback_n + var(before) / before.feedback_n);
    const double z = se > 0 ? (mean(before) - mean(now)) / se : 1e9;
    feedback_finding(c, model, mean(now), now.feedback_n, mean(before), before.feedback_n, z,
                     {"mean_score_now", 0, "score",
                      fmt::format("SELECT avg(feedback_score) FROM requests WHERE model = '{}' AND "
                                  "feedback_score IS NOT NULL AND ts_ms >= {}",
                                  model, std::llround(c.from() * 1000))});
  }
}

}  // namespace

void diagnose_quality(Ctx& c) {
  answer_checks(c);
  gateway_truncation(c);
  gateway_drift(c);
  log_input_drift(c);
  feedback_drop(c);
}

}  // namespace llmctl::monitor::detail
