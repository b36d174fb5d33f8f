// Prometheus rules (multiwindow burn-rate SLO alerts, engine saturation, GPU health, gateway),
// ServiceMonitors and the Grafana dashboard.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "common/strings.h"
#include "deploy/emit.h"
#include "deploy/internal.h"
#include "plan/format.h"
#include "protocol/gateway_metrics.h"

namespace llmctl::deploy::detail {

namespace gm = protocol::gateway_metrics;

namespace {

// Google SRE Workbook ch. 5, table 5-8: burn rate, long window, short window (1/12 of the long).
struct BurnWindow {
  const char* suffix;  // alert name suffix
  double burn;
  const char* long_w;
  const char* short_w;
  const char* severity;
  const char* for_;
  const char* budget_spent;  // share of a 30-day error budget spent when it fires
};
constexpr BurnWindow kBurnWindows[] = {
    {"Fast", 14.4, "1h", "5m", "critical", "2m", "2% in 1 hour"},
    {"Medium", 6, "6h", "30m", "critical", "15m", "5% in 6 hours"},
    {"Slow", 1, "3d", "6h", "warning", "1h", "10% in 3 days"},
};
constexpr const char* kWindows[] = {"5m", "30m", "1h", "6h", "3d"};

std::string threshold(double v) { return format_number(std::round(v * 1e6) / 1e6); }

struct Sli {
  std::string key;    // availability | ttft | tpot | ttft_p99 | tpot_p99
  std::string title;  // Availability | TTFT | TPOT | TTFTP99 | TPOTP99 (alert names)
  std::string words;  // the title in prose: Availability | TTFT | TPOT | TTFT p99 | TPOT p99
  double budget = 0;  // allowed bad-event fraction
  std::string objective;
  std::string bad_events;
  std::function<std::string(const std::string&)> ratio;  // window -> bad/all expression
};

std::string ratio_of_slow(const Serving& s, const std::string& hist, double bound,
                          const std::string& w) {
  const std::string g = gateway_selector(s);
  return fmt::format(
      "(sum(rate({0}_count{{{1}}}[{2}])) - sum(rate({0}_bucket{{{1},{3}}}[{2}]))) / "
      "clamp_min(sum(rate({0}_count{{{1}}}[{2}])), 1e-9)",
      hist, g, w, le_matcher(bound));
}

std::vector<Sli> slis(const Serving& s) {
  std::vector<Sli> out;
  const std::string g = gateway_selector(s);
  out.push_back(
      Sli{"availability", "Availability", "Availability", 1 - s.availability,
          fmt::format("{}% of requests answered without a 5xx", plan::num(s.availability * 100, 5)),
          "5xx responses from the gateway", [g](const std::string& w) {
            return fmt::format(
                "sum(rate(llmctl_gateway_requests_total{{{0},code=~\"5..\"}}[{1}])) / "
                "clamp_min(sum(rate(llmctl_gateway_requests_total{{{0}}}[{1}])), 1e-9)",
                g, w);
          }});
  // Latency: the share of streams slower than the target, from the gateway's histograms at the
  // bound nearest it; a p95 target allows 5% of streams over it, a p99 target 1%.
  const struct {
    const std::optional<double>& slo_ms;
    const char *key, *title, *words, *quantile;
    double budget;
    const char *what, *bad;
    const std::vector<double>& bounds;
    std::string_view histogram;
  } latency[] = {{s.ttft_slo_ms, "ttft", "TTFT", "TTFT", "p95", 0.05, "time to first token",
                  "streams whose first token took more than", gateway_ttft_bounds(),
                  gm::kTimeToFirstTokenSeconds},
                 {s.tpot_slo_ms, "tpot", "TPOT", "TPOT", "p95", 0.05, "time per output token",
                  "streams whose time per output token exceeded", gateway_tpot_bounds(),
                  gm::kTimePerOutputTokenSeconds},
                 {s.ttft_p99_slo_ms, "ttft_p99", "TTFTP99", "TTFT p99", "p99", 0.01,
                  "time to first token", "streams whose first token took more than",
                  gateway_ttft_bounds(), gm::kTimeToFirstTokenSeconds},
                 {s.tpot_p99_slo_ms, "tpot_p99", "TPOTP99", "TPOT p99", "p99", 0.01,
                  "time per output token", "streams whose time per output token exceeded",
                  gateway_tpot_bounds(), gm::kTimePerOutputTokenSeconds}};
  for (const auto& l : latency) {
    if (!l.slo_ms) continue;
    const double b = nearest_bound(l.bounds, *l.slo_ms / 1000);
    const std::string histogram(l.histogram);
    out.push_back(Sli{
        l.key, l.title, l.words, l.budget,
        fmt::format("{} {} <= {} ms", l.quantile, l.what, plan::num(*l.slo_ms)),
        fmt::format("{} {} s (the gateway's histogram bound nearest the SLO)", l.bad,
                    format_number(b)),
        [&s, b, histogram](const std::string& w) { return ratio_of_slow(s, histogram, b, w); }});
  }
  return out;
}

std::string slo_series(const Serving& s, const std::string& key, const std::string& w) {
  return fmt::format("llmctl:slo_errors:ratio_rate{}{{llmctl_deployment=\"{}\",slo=\"{}\"}}", w,
                     s.name, key);
}

}  // namespace

RuleSet rules(const Serving& s, const Sizing& z) {
  RuleSet r;
  const std::string slo_group = s.name + "-slo";
  const std::string E = engine_selector(s);
  const std::string G = gateway_selector(s);
  const std::string D = gpu_selector(s);

  // --- SLO burn rates ---
  for (const Sli& sli : slis(s)) {
    for (const char* w : kWindows)
      r.recordings.push_back(
          {slo_group, fmt::format("llmctl:slo_errors:ratio_rate{}", w), sli.ratio(w), sli.key});
    for (const BurnWindow& bw : kBurnWindows) {
      const double t = bw.burn * sli.budget;
      Alert a;
      a.group = slo_group;
      a.name = fmt::format("Serving{}BurnRate{}", sli.title, bw.suffix);
      a.severity = bw.severity;
      a.expr = fmt::format("{} > {} and {} > {}", slo_series(s, sli.key, bw.long_w), threshold(t),
                           slo_series(s, sli.key, bw.short_w), threshold(t));
      a.for_ = bw.for_;
      a.summary =
          fmt::format("{}: {} error budget burning at {}x", s.name, sli.words, plan::num(bw.burn));
      a.description = fmt::format(
          "Bad events ({}) exceed {}x the budget of the SLO \"{}\" over {} and {}: {} of the "
          "30-day "
          "error budget.",
          sli.bad_events, plan::num(bw.burn), sli.objective, bw.long_w, bw.short_w,
          bw.budget_spent);
      a.meaning = fmt::format(
          "The share of {} has been above {} (the {}x burn rate of a {} budget) over both the last "
          "{} and the last {}. At this pace the SLO \"{}\" is missed: {} of the month's error "
          "budget "
          "is gone.",
          sli.bad_events, threshold(t), plan::num(bw.burn), threshold(sli.budget), bw.long_w,
          bw.short_w, sli.objective, bw.budget_spent);
      if (sli.key == "availability")
        a.checks = {
            "Gateway errors by class: `sum by (class) (rate(llmctl_gateway_errors_total{" + G +
                "}[5m]))` (timeouts, connect errors, upstream 5xx).",
            "Engine pods: `kubectl -n " + s.ns +
                " get pods -l app.kubernetes.io/component=engine` "
                "— restarts, Pending (no GPU node), CrashLoopBackOff; then the pod's logs.",
            "Whether the fallback is taking traffic (ServingFallbackRateHigh) and its provider's "
            "status page; a failing fallback turns engine overload into errors."};
      else
        a.checks = {
            "Queueing: `" + engine_metric(*s.engine, EngineSignal::kQueue) +
                "` per pod and "
                "whether KEDA is at maxReplicaCount (`kubectl -n " +
                s.ns + " get hpa`).",
            "KV-cache pressure and preemptions (ServingKVCacheNearlyFull, ServingPreemptions): "
            "long prompts or a traffic mix unlike the plan's.",
            "Prompt and output lengths against the plan (p95 input " +
                plan::num(s.input_tokens_p95) + ", output " + plan::num(s.output_tokens_p95) +
                " tokens): re-plan with a trace if they grew."};
      r.alerts.push_back(a);
    }
  }

  // --- engine saturation (current metric names from the catalog) ---
  const std::string eng_group = s.name + "-engine";
  const std::string kv = engine_metric(*s.engine, EngineSignal::kKvUsage);
  const std::string queue = engine_metric(*s.engine, EngineSignal::kQueue);
  const std::string preempt = engine_metric(*s.engine, EngineSignal::kPreemptions);
  const std::string ttft = engine_metric(*s.engine, EngineSignal::kTtft);
  const std::string tpot = engine_metric(*s.engine, EngineSignal::kTpot);
  if (!kv.empty())
    r.alerts.push_back(Alert{
        eng_group,
        "ServingKVCacheNearlyFull",
        "warning",
        fmt::format("max by (pod) ({}{{{}}}) > 0.95", kv, E),
        "10m",
        fmt::format("{}: KV cache above 95% on a replica", s.name),
        fmt::format("{} above 0.95 for 10 minutes: new requests wait or preempt running ones.", kv),
        "A replica's KV cache has been almost full for 10 minutes, so the engine queues new "
        "requests or preempts running ones; latency rises before errors do.",
        {fmt::format(
             "Which pods: `max by (pod) ({}{{{}}})`, and whether the load is uneven across them.",
             kv, E),
         fmt::format("Request lengths: long prompts fill the cache faster than the plan's p95 "
                     "({} input tokens) assumed.",
                     plan::num(s.input_tokens_p95)),
         fmt::format("--max-num-seqs ({}) and --max-model-len ({}) against the KV capacity; add "
                     "replicas or lower them.",
                     s.max_num_seqs, s.max_model_len)}});
  if (!queue.empty())
    r.alerts.push_back(Alert{
        eng_group,
        "ServingQueueBacklog",
        "warning",
        fmt::format("sum({0}{{{1}}}) / clamp_min(count({0}{{{1}}}), 1) > {2}", queue, E,
                    2 * z.queue_target),
        "10m",
        fmt::format("{}: requests queueing faster than the fleet scales", s.name),
        fmt::format(
            "More than {} waiting requests per replica for 10 minutes (autoscaling target {}).",
            2 * z.queue_target, z.queue_target),
        fmt::format(
            "Replicas hold more than twice the autoscaler's target of {} waiting requests "
            "each: either the fleet is at its maximum ({} replicas) or new replicas are not "
            "starting.",
            z.queue_target, s.replicas_max),
        {fmt::format("`kubectl -n {} get scaledobject,hpa` — at maxReplicaCount? KEDA errors?",
                     s.ns),
         fmt::format("Pending engine pods (`kubectl -n {} get pods`): no free {} node, or a slow "
                     "start (the start-up budget is {} s).",
                     s.ns, s.gpu->id, z.startup_budget_s),
         "Traffic against the plan: sum(rate(llmctl_gateway_requests_total{...}[5m])) vs the "
         "peak " +
             plan::num(s.peak_qps) + " req/s the plan sized for."}});
  if (!preempt.empty())
    r.alerts.push_back(Alert{
        eng_group,
        "ServingPreemptions",
        "warning",
        fmt::format("sum(rate({}{{{}}}[5m])) > 0", preempt, E),
        "15m",
        fmt::format("{}: the engine keeps preempting requests", s.name),
        "Requests are being preempted (KV cache exhausted) for 15 minutes; each preemption "
        "recomputes a prefill.",
        "The engine ran out of KV blocks and evicted running requests to make room; they resume "
        "later with their prefill recomputed, so latency and GPU time grow.",
        {"ServingKVCacheNearlyFull on the same pods, and the prompt lengths behind it.",
         fmt::format("--max-num-seqs {}: lowering it trades queueing for preemption.",
                     s.max_num_seqs),
         "Whether one tenant sends very long contexts; route it elsewhere or cap max_tokens."}});
  if (!ttft.empty() && s.ttft_slo_ms)
    r.alerts.push_back(Alert{
        eng_group,
        "ServingEngineTTFTHigh",
        "warning",
        fmt::format("histogram_quantile(0.95, sum by (le) (rate({}_bucket{{{}}}[10m]))) > {}", ttft,
                    E, threshold(*s.ttft_slo_ms / 1000)),
        "15m",
        fmt::format("{}: engine p95 TTFT above the SLO", s.name),
        fmt::format("The engine's own p95 time to first token is above {} ms.",
                    plan::num(*s.ttft_slo_ms)),
        "Measured inside the engine (queue + prefill), without the gateway: if this fires with the "
        "TTFT burn-rate alerts, the engine is the cause; if only the burn rate fires, look at the "
        "gateway or the fallback.",
        {"Queue depth per replica (ServingQueueBacklog).",
         "Prefill load: prompt tokens per second against the plan's mean.",
         "GPU health on the slow pods (DCGM utilisation, XID errors)."}});
  if (!tpot.empty() && s.tpot_slo_ms)
    r.alerts.push_back(
        Alert{eng_group,
              "ServingEngineTPOTHigh",
              "warning",
              fmt::format("histogram_quantile(0.95, sum by (le) (rate({}_bucket{{{}}}[10m]))) > {}",
                          tpot, E, threshold(*s.tpot_slo_ms / 1000)),
              "15m",
              fmt::format("{}: engine p95 time per output token above the SLO", s.name),
              fmt::format("The engine's p95 inter-token latency is above {} ms.",
                          plan::num(*s.tpot_slo_ms)),
              "Decode steps are slow: the batch is larger than the plan assumed, or long prefills "
              "interrupt decoding.",
              {"Running requests per replica against --max-num-seqs.",
               "Chunked prefill and long prompts arriving in bursts.",
               "GPU clocks and throttling in DCGM (power, temperature)."}});
  if (s.replicas_min > 0)
    r.alerts.push_back(Alert{
        eng_group,
        "ServingReplicasDown",
        "critical",
        fmt::format("(sum(up{{{}}}) or vector(0)) < {}", E, s.replicas_min),
        "5m",
        fmt::format("{}: fewer engine replicas answering than the minimum", s.name),
        fmt::format("Fewer than {} engine targets are up.", s.replicas_min),
        "Prometheus reaches fewer engine pods than the fleet's minimum, so the fleet runs below "
        "the capacity (and the N+1 spare) the plan sized.",
        {fmt::format("`kubectl -n {} get pods -l app.kubernetes.io/component=engine -o wide`: "
                     "Pending, CrashLoopBackOff, or restarting on liveness.",
                     s.ns),
         "Events of a Pending pod: GPU quota, node selector or taints, the model-cache PVC.",
         "The ServiceMonitor and the engine's /metrics endpoint, if pods are Running."}});

  // --- GPU health (DCGM exporter) ---
  const std::string gpu_group = s.name + "-gpu";
  r.alerts.push_back(Alert{
      gpu_group,
      "ServingGpuXidErrors",
      "critical",
      fmt::format("max by (Hostname, gpu, pod) (DCGM_FI_DEV_XID_ERRORS{{{}}}) > 0", D),
      "1m",
      fmt::format("{}: a GPU reported an XID error", s.name),
      "DCGM_FI_DEV_XID_ERRORS is the last XID code a GPU serving this model reported.",
      "The driver logged an XID error on a GPU of an engine pod: anything from an application "
      "fault (13, 31, 43) to a GPU that has fallen off the bus (79) or needs a reset (48, 63, 64).",
      {"The XID code (the alert's value) and `dmesg` / the node's kernel log for NVRM lines.",
       "Whether the engine pod on that GPU still answers; cordon and drain the node for 48/79.",
       "Repeats on the same GPU: ask the provider to replace it."}});
  r.alerts.push_back(Alert{
      gpu_group,
      "ServingGpuMemoryNearFull",
      "warning",
      fmt::format(
          "max by (Hostname, gpu) (DCGM_FI_DEV_FB_USED{{{0}}} / (DCGM_FI_DEV_FB_USED{{{0}}} + "
          "DCGM_FI_DEV_FB_FREE{{{0}}})) > {1}",
          D, threshold(std::min(0.99, s.gpu_memory_fraction + 0.05))),
      "15m",
      fmt::format("{}: GPU memory beyond the engine's share", s.name),
      fmt::format("Framebuffer use above {} (the engine takes {}).",
                  threshold(std::min(0.99, s.gpu_memory_fraction + 0.05)),
                  format_number(s.gpu_memory_fraction)),
      "Something besides the engine's preallocated share uses GPU memory: another process on "
      "the GPU, or activations beyond the estimate; the next spike ends in an out-of-memory error.",
      {"`nvidia-smi` on the node: which processes hold memory.",
       "Whether the GPU is shared (time-slicing) with another pod.",
       fmt::format("--gpu-memory-utilization {}: lower it if the engine itself overshoots.",
                   format_number(s.gpu_memory_fraction))}});
  r.alerts.push_back(Alert{
      gpu_group,
      "ServingGpuUnderused",
      "info",
      fmt::format("avg(DCGM_FI_DEV_GPU_UTIL{{{}}}) < 10", D),
      "2h",
      fmt::format("{}: GPUs mostly idle", s.name),
      "Average GPU utilisation under 10% for 2 hours: the fleet is larger than the traffic.",
      "The fleet is paid for but idle: traffic is below the plan or the minimum replica count is "
      "too high. A cost signal, not an outage.",
      {fmt::format("Traffic against the plan's average of {} req/s.", plan::num(s.average_qps)),
       "The ScaledObject's minReplicaCount, if autoscaling is on.",
       "Re-plan with the measured traffic (`llmctl plan` with a trace)."}});

  // --- gateway ---
  const std::string gw_group = s.name + "-gateway";
  const std::string gw_job = fmt::format("namespace=\"{}\",job=\"{}\"", s.ns, gateway_name(s));
  r.alerts.push_back(Alert{
      gw_group,
      "ServingGatewayErrorRateHigh",
      "critical",
      fmt::format("sum(rate(llmctl_gateway_requests_total{{{0},code=~\"5..\"}}[10m])) / "
                  "clamp_min(sum(rate(llmctl_gateway_requests_total{{{0}}}[10m])), 1e-9) > 0.05",
                  G),
      "10m",
      fmt::format("{}: more than 5% of gateway responses are 5xx", s.name),
      "Over 5% of requests failed at the gateway for 10 minutes.",
      "Clients see errors: every candidate deployment (self-hosted and fallback) failed for those "
      "requests, or the gateway itself is failing.",
      {"`sum by (class) (rate(llmctl_gateway_errors_total{" + G + "}[5m]))`: which error class.",
       "The engine fleet (ServingReplicasDown, pod restarts) and the fallback provider's status.",
       "Gateway logs: `kubectl -n " + s.ns + " logs deploy/" + gateway_name(s) + "`."}});
  r.alerts.push_back(Alert{
      gw_group,
      "ServingGatewayDown",
      "critical",
      fmt::format("(sum(up{{{}}}) or vector(0)) < 1", gw_job),
      "5m",
      fmt::format("{}: no gateway replica is up", s.name),
      "Prometheus reaches no gateway replica.",
      "No gateway replica answers Prometheus; clients likely cannot reach the model at all.",
      {fmt::format("`kubectl -n {} get pods -l app.kubernetes.io/component=gateway`.", s.ns),
       "The gateway's config: `llmctl gateway --config gateway/gateway.yaml --check`.",
       "The fallback's API-key Secret: the gateway refuses to start when the variable is unset."}});
  if (s.fallback) {
    const std::string self = s.name + "-self-hosted";
    const std::string fb = fmt::format("{}-fallback-{}", s.name, s.fallback->price->provider);
    r.alerts.push_back(Alert{
        gw_group,
        "ServingFallbackRateHigh",
        "warning",
        fmt::format("sum(rate(llmctl_gateway_upstream_duration_seconds_count{{{0},deployment=\"{1}"
                    "\"}}[15m])) / "
                    "clamp_min(sum(rate(llmctl_gateway_upstream_duration_seconds_count{{{0},"
                    "deployment=~\"{2}|{1}\"}}[15m])), 1e-9) > 0.2",
                    gw_job, fb, self),
        "15m",
        fmt::format("{}: over 20% of traffic goes to the paid fallback", s.name),
        fmt::format("More than 20% of upstream exchanges went to {} for 15 minutes.",
                    s.fallback->price->id),
        "The self-hosted fleet is failing or saturated (every slot busy past the queue timeout), "
        "so "
        "the gateway sends traffic to the hosted API, which costs per token.",
        {"Self-hosted health: ServingReplicasDown, ServingQueueBacklog, engine logs.",
         fmt::format(
             "Queue timeouts: "
             "`rate(llmctl_gateway_upstream_queue_timeouts_total{{{},deployment=\"{}\"}}[5m])`.",
             gw_job, self),
         "Spend: ServingSpendBurn alerts and the dashboard's cost row."}});
    const double per_hour = z.api_budget_monthly_usd / plan::kHoursPerMonth;
    r.alerts.push_back(Alert{
        gw_group,
        "ServingSpendBurnFast",
        "critical",
        fmt::format("sum(increase(llmctl_gateway_cost_usd_total{{{0}}}[1h])) > {1} and "
                    "sum(increase(llmctl_gateway_cost_usd_total{{{0}}}[5m])) > {2}",
                    G, threshold(14.4 * per_hour), threshold(14.4 * per_hour / 12)),
        "5m",
        fmt::format("{}: API spend burning the monthly budget 14.4x too fast", s.name),
        fmt::format("Hosted-API spend over the last hour (and 5 minutes) is 14.4x the pace of a "
                    "${}/month budget.",
                    plan::num(z.api_budget_monthly_usd)),
        fmt::format("The fallback is spending at 14.4x the pace that would use its monthly budget "
                    "(${}{}): 2% of the month's budget in an hour.",
                    plan::num(z.api_budget_monthly_usd),
                    z.api_budget_from_spec ? ", the spec's budget minus the self-hosted fleet"
                                           : ", 10% of the self-hosted fleet's cost"),
        {"ServingFallbackRateHigh: is the self-hosted fleet down?",
         "Token volume by type: `sum by (type) (rate(llmctl_gateway_tokens_total{" + G +
             "}[15m]))`.",
         "A runaway client or agent loop: the gateway's request log by key/user."}});
    r.alerts.push_back(Alert{
        gw_group,
        "ServingSpendBurnSlow",
        "warning",
        fmt::format("sum(increase(llmctl_gateway_cost_usd_total{{{0}}}[3d])) > {1} and "
                    "sum(increase(llmctl_gateway_cost_usd_total{{{0}}}[6h])) > {2}",
                    G, threshold(72 * per_hour), threshold(6 * per_hour)),
        "1h",
        fmt::format("{}: API spend on pace to exceed the monthly budget", s.name),
        fmt::format("Hosted-API spend over 3 days (and 6 hours) is above the pace of ${}/month.",
                    plan::num(z.api_budget_monthly_usd)),
        "At the pace of the last three days the fallback will spend more than its monthly budget.",
        {"The fallback share over the last days (dashboard, cost row).",
         "Whether traffic grew beyond the plan (re-plan: more replicas may be cheaper than the "
         "API).",
         "The budget itself: the spec's budget.monthly_usd."}});
  }
  const std::string hits = engine_metric(*s.engine, EngineSignal::kPrefixHits);
  const std::string queries = engine_metric(*s.engine, EngineSignal::kPrefixQueries);
  if (s.cacheable_input_share >= 0.05) {
    // The self-hosted cache is the engine's prefix cache; the gateway only sees cached tokens when
    // an upstream reports them, which self-hosted engines do not by default.
    std::string ratio =
        !hits.empty() && !queries.empty()
            ? fmt::format("sum(rate({0}{{{2}}}[1h])) / clamp_min(sum(rate({1}{{{2}}}[1h])), 1e-9)",
                          hits, queries, E)
            : fmt::format(
                  "sum(rate(llmctl_gateway_tokens_total{{{0},type=\"cache_read\"}}[1h])) / "
                  "clamp_min(sum(rate(llmctl_gateway_tokens_total{{{0},type=~\"input|cache_read|"
                  "cache_write\"}}[1h])), 1e-9)",
                  G);
    r.alerts.push_back(Alert{
        gw_group,
        "ServingCacheHitRatioLow",
        "info",
        fmt::format("{} < {}", ratio, threshold(s.cacheable_input_share / 2)),
        "1h",
        fmt::format("{}: prompt-cache hit ratio under half the planned share", s.name),
        fmt::format("Cached share of input tokens below {} (the spec expects {} cacheable).",
                    threshold(s.cacheable_input_share / 2), threshold(s.cacheable_input_share)),
        "Fewer input tokens come from the prefix cache than the spec's cacheable share assumed, so "
        "prefill costs more GPU time (and the plan's capacity is optimistic).",
        {"Prompts: does dynamic content (dates, user ids) come before the shared system prompt?",
         "Routing: replicas each hold their own cache; more replicas dilute it.",
         "Whether prefix caching is on (--enable-prefix-caching for vLLM)."}});
  }
  return r;
}

void monitoring_files(Files& out, const Serving& s, const Sizing& z, bool kubernetes) {
  RuleSet rs = rules(s, z);
  // Groups in order of first appearance; recording rules before alerts of the same group.
  std::vector<std::string> order;
  auto note = [&](const std::string& g) {
    if (std::find(order.begin(), order.end(), g) == order.end()) order.push_back(g);
  };
  for (const auto& rec : rs.recordings) note(rec.group);
  for (const auto& a : rs.alerts) note(a.group);
  json::array groups;
  for (const auto& g : order) {
    json::array rules_json;
    for (const auto& rec : rs.recordings)
      if (rec.group == g)
        rules_json.push_back(json::object{
            {"record", rec.record},
            {"expr", rec.expr},
            {"labels", json::object{{"llmctl_deployment", s.name}, {"slo", rec.slo}}}});
    for (const auto& a : rs.alerts)
      if (a.group == g)
        rules_json.push_back(json::object{
            {"alert", a.name},
            {"expr", a.expr},
            {"for", a.for_},
            {"labels", json::object{{"severity", a.severity}, {"llmctl_deployment", s.name}}},
            {"annotations", json::object{{"summary", a.summary},
                                         {"description", a.description},
                                         {"runbook_url", "RUNBOOK.md#" + to_lower(a.name)}}}});
    groups.push_back(json::object{{"name", g}, {"rules", rules_json}});
  }
  add_yaml(
      out, s, "monitoring/rules.yaml",
      fmt::format("Prometheus rule file: {} recording rules, {} alerts (`promtool check rules`)",
                  rs.recordings.size(), rs.alerts.size()),
      {json::object{{"groups", groups}}});
  if (!kubernetes) return;
  json::object rule_meta = metadata(s, s.name, "monitoring");
  for (const auto& [k, v] : s.monitoring_labels) rule_meta["labels"].as_object()[k] = v;
  add_yaml(out, s, "monitoring/prometheusrule.yaml",
           "PrometheusRule (the same rules, for the Prometheus Operator)",
           {json::object{{"apiVersion", "monitoring.coreos.com/v1"},
                         {"kind", "PrometheusRule"},
                         {"metadata", rule_meta},
                         {"spec", json::object{{"groups", groups}}}}});
  auto monitor = [&](const std::string& name, const std::string& component,
                     const std::string& path) {
    json::object meta = metadata(s, name, component);
    for (const auto& [k, v] : s.monitoring_labels) meta["labels"].as_object()[k] = v;
    return json::value(json::object{
        {"apiVersion", "monitoring.coreos.com/v1"},
        {"kind", "ServiceMonitor"},
        {"metadata", meta},
        {"spec",
         json::object{
             {"selector", json::object{{"matchLabels", selector(s, component)}}},
             {"namespaceSelector", json::object{{"matchNames", json::array{json::string(s.ns)}}}},
             {"endpoints",
              json::array{json::object{{"port", "http"}, {"path", path}, {"interval", "15s"}}}}}}});
  };
  add_yaml(out, s, "monitoring/servicemonitor-engine.yaml", "ServiceMonitor: engine /metrics",
           {monitor(engine_name(s), "engine", s.engine->metrics_path)});
  add_yaml(out, s, "monitoring/servicemonitor-gateway.yaml", "ServiceMonitor: gateway /metrics",
           {monitor(gateway_name(s), "gateway", "/metrics")});
  add_json(out, s, "monitoring/dashboard.json", "Grafana dashboard: engine, GPU, gateway and cost",
           dashboard(s, z));
}

}  // namespace llmctl::deploy::detail
