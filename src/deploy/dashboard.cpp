// The Grafana dashboard: engine, GPU, gateway and cost rows, each panel one PromQL query set.
#include <fmt/format.h>

#include "deploy/emit.h"
#include "deploy/internal.h"
#include "plan/capacity.h"
#include "plan/format.h"

namespace llmctl::deploy::detail {

namespace {

struct Target {
  std::string expr;
  std::string legend;
};

class Layout {
 public:
  void row(const std::string& title) {
    if (x_ != 0) y_ += 8, x_ = 0;
    panels_.push_back(
        json::object{{"type", "row"},
                     {"title", title},
                     {"id", next_id_++},
                     {"collapsed", false},
                     {"gridPos", json::object{{"h", 1}, {"w", 24}, {"x", 0}, {"y", y_}}},
                     {"panels", json::array{}}});
    y_ += 1;
  }
  void panel(const std::string& title, const std::string& unit, const std::vector<Target>& targets,
             const std::string& description = "") {
    json::array t;
    char ref = 'A';
    for (const auto& target : targets)
      t.push_back(json::object{{"refId", std::string(1, ref++)},
                               {"datasource", datasource()},
                               {"expr", target.expr},
                               {"legendFormat", target.legend}});
    json::object p{{"type", "timeseries"},
                   {"title", title},
                   {"id", next_id_++},
                   {"datasource", datasource()},
                   {"gridPos", json::object{{"h", 8}, {"w", 12}, {"x", x_}, {"y", y_}}},
                   {"fieldConfig", json::object{{"defaults", json::object{{"unit", unit}}},
                                                {"overrides", json::array{}}}},
                   {"targets", t}};
    if (!description.empty()) p["description"] = description;
    panels_.push_back(p);
    if (x_ == 0) {
      x_ = 12;
    } else {
      x_ = 0;
      y_ += 8;
    }
  }
  json::array take() { return std::move(panels_); }

 private:
  static json::object datasource() {
    return json::object{{"type", "prometheus"}, {"uid", "${datasource}"}};
  }
  json::array panels_;
  int next_id_ = 1;
  int x_ = 0;
  int y_ = 0;
};

}  // namespace

json::value dashboard(const Serving& s, const Sizing& z) {
  const std::string E = engine_selector(s);
  const std::string G = gateway_selector(s);
  const std::string D = gpu_selector(s);
  const catalog::Engine& e = *s.engine;
  Layout l;

  l.row(fmt::format("Engine: {} ({})", e.name, engine_name(s)));
  std::vector<Target> load;
  if (auto m = engine_metric(e, EngineSignal::kRunning); !m.empty())
    load.push_back({fmt::format("sum({}{{{}}})", m, E), "running"});
  if (auto m = engine_metric(e, EngineSignal::kQueue); !m.empty())
    load.push_back({fmt::format("sum({}{{{}}})", m, E), "waiting"});
  load.push_back({fmt::format("count(up{{{}}} == 1)", E), "replicas up"});
  l.panel("Requests running and waiting", "short", load,
          fmt::format("KEDA adds a replica per {} waiting requests.", z.queue_target));
  if (auto m = engine_metric(e, EngineSignal::kKvUsage); !m.empty())
    l.panel("KV-cache usage", "percentunit",
            {{fmt::format("max by (pod) ({}{{{}}})", m, E), "{{pod}}"}});
  std::vector<Target> latency;
  if (auto m = engine_metric(e, EngineSignal::kTtft); !m.empty())
    latency.push_back(
        {fmt::format("histogram_quantile(0.95, sum by (le) (rate({}_bucket{{{}}}[5m])))", m, E),
         "TTFT p95"});
  if (auto m = engine_metric(e, EngineSignal::kTpot); !m.empty())
    latency.push_back(
        {fmt::format("histogram_quantile(0.95, sum by (le) (rate({}_bucket{{{}}}[5m])))", m, E),
         "TPOT p95"});
  if (!latency.empty())
    l.panel("Engine latency p95", "s", latency,
            fmt::format("SLO: TTFT {} ms, TPOT {} ms (p95)",
                        s.ttft_slo_ms ? plan::num(*s.ttft_slo_ms) : "-",
                        s.tpot_slo_ms ? plan::num(*s.tpot_slo_ms) : "-"));
  std::vector<Target> tokens;
  if (auto m = engine_metric(e, EngineSignal::kPromptTokens); !m.empty())
    tokens.push_back({fmt::format("sum(rate({}{{{}}}[5m]))", m, E), "prompt tokens/s"});
  if (auto m = engine_metric(e, EngineSignal::kGenerationTokens); !m.empty())
    tokens.push_back({fmt::format("sum(rate({}{{{}}}[5m]))", m, E), "generated tokens/s"});
  if (!tokens.empty()) l.panel("Token throughput", "short", tokens);
  if (auto m = engine_metric(e, EngineSignal::kPreemptions); !m.empty())
    l.panel("Preemptions", "ops",
            {{fmt::format("sum(rate({}{{{}}}[5m]))", m, E), "preemptions/s"}});
  auto hits = engine_metric(e, EngineSignal::kPrefixHits);
  auto queries = engine_metric(e, EngineSignal::kPrefixQueries);
  if (!hits.empty() && !queries.empty())
    l.panel("Prefix-cache hit ratio", "percentunit",
            {{fmt::format("sum(rate({}{{{}}}[15m])) / clamp_min(sum(rate({}{{{}}}[15m])), 1e-9)",
                          hits, E, queries, E),
              "hit ratio"}},
            fmt::format("The spec expects {} of input tokens to be cacheable.",
                        format_number(s.cacheable_input_share)));

  l.row("GPU (DCGM exporter)");
  l.panel("GPU utilisation", "percent",
          {{fmt::format("avg by (Hostname, gpu) (DCGM_FI_DEV_GPU_UTIL{{{}}})", D),
            "{{Hostname}} gpu {{gpu}}"}});
  l.panel(
      "GPU memory used", "percentunit",
      {{fmt::format("max by (Hostname, gpu) (DCGM_FI_DEV_FB_USED{{{0}}} / "
                    "(DCGM_FI_DEV_FB_USED{{{0}}} + DCGM_FI_DEV_FB_FREE{{{0}}}))",
                    D),
        "{{Hostname}} gpu {{gpu}}"}},
      fmt::format("The engine preallocates {} of each GPU.", format_number(s.gpu_memory_fraction)));
  l.panel("XID errors (last code)", "none",
          {{fmt::format("max by (Hostname, gpu) (DCGM_FI_DEV_XID_ERRORS{{{}}})", D),
            "{{Hostname}} gpu {{gpu}}"}});

  l.row(fmt::format("Gateway ({})", gateway_name(s)));
  l.panel("Requests by status", "reqps",
          {{fmt::format("sum by (code) (rate(llmctl_gateway_requests_total{{{}}}[5m]))", G),
            "{{code}}"}});
  l.panel("Error ratio (5xx)", "percentunit",
          {{fmt::format("sum(rate(llmctl_gateway_requests_total{{{0},code=~\"5..\"}}[5m])) / "
                        "clamp_min(sum(rate(llmctl_gateway_requests_total{{{0}}}[5m])), 1e-9)",
                        G),
            "5xx share"}},
          fmt::format("Availability SLO {}%: error budget {}.", plan::num(s.availability * 100, 5),
                      format_number(1 - s.availability)));
  l.panel("Upstream exchanges by deployment", "reqps",
          {{fmt::format("sum by (deployment) "
                        "(rate(llmctl_gateway_upstream_duration_seconds_count{{namespace=\"{}\","
                        "job=\"{}\"}}[5m]))",
                        s.ns, gateway_name(s)),
            "{{deployment}}"}},
          "Traffic to the hosted-API fallback shows here as its own deployment.");
  l.panel("Gateway latency p95", "s",
          {{fmt::format("histogram_quantile(0.95, sum by (le) "
                        "(rate(llmctl_gateway_time_to_first_token_seconds_bucket{{{}}}[5m])))",
                        G),
            "TTFT p95"},
           {fmt::format("histogram_quantile(0.95, sum by (le) "
                        "(rate(llmctl_gateway_time_per_output_token_seconds_bucket{{{}}}[5m])))",
                        G),
            "TPOT p95"}});
  l.panel("Prompt-cache share of input tokens (gateway)", "percentunit",
          {{fmt::format("sum(rate(llmctl_gateway_tokens_total{{{0},type=\"cache_read\"}}[15m])) / "
                        "clamp_min(sum(rate(llmctl_gateway_tokens_total{{{0},type=~\"input|cache_"
                        "read|cache_write\"}}[15m])), 1e-9)",
                        G),
            "cached share"}});

  l.row("Cost");
  const double replica_usd_per_hour = s.gpu_usd_per_hour * z.gpus_per_replica;
  l.panel(
      "Spend rate ($/hour)", "currencyUSD",
      {{fmt::format(
            "sum(kube_deployment_status_replicas{{namespace=\"{}\",deployment=~\"{}|{}\"}}) * {}",
            s.ns, engine_name(s), canary_name(s), format_number(replica_usd_per_hour)),
        "self-hosted GPUs"},
       {fmt::format("sum(rate(llmctl_gateway_cost_usd_total{{{}}}[1h])) * 3600", G),
        "hosted-API fallback"}},
      fmt::format("GPUs at ${}/GPU-hour ({}), {} per replica; replicas from kube-state-metrics.",
                  format_number(s.gpu_usd_per_hour), s.gpu_price_source, z.gpus_per_replica));
  l.panel("Fallback spend, projected per month", "currencyUSD",
          {{fmt::format("sum(increase(llmctl_gateway_cost_usd_total{{{}}}[1d])) * {}", G,
                        format_number(plan::kHoursPerMonth / 24)),
            "at the last day's pace"},
           {fmt::format("vector({})", format_number(std::round(z.api_budget_monthly_usd))),
            "fallback budget"}});

  json::object templating{{"list", json::array{json::object{{"name", "datasource"},
                                                            {"label", "Prometheus"},
                                                            {"type", "datasource"},
                                                            {"query", "prometheus"},
                                                            {"current", json::object{}},
                                                            {"hide", 0}}}}};
  return json::object{
      {"title", fmt::format("{} (llmctl)", s.name)},
      {"uid", s.name.substr(0, 40)},
      {"description", fmt::format("{} on {} x {}, {} ({}); generated from {}", s.model->id,
                                  z.gpus_per_replica, s.gpu->id, e.name, s.option_id, s.origin)},
      {"tags", json::array{"llmctl", "llm"}},
      {"timezone", "browser"},
      {"editable", true},
      {"schemaVersion", 39},
      {"version", 1},
      {"refresh", "30s"},
      {"time", json::object{{"from", "now-6h"}, {"to", "now"}}},
      {"templating", templating},
      {"annotations", json::object{{"list", json::array{}}}},
      {"panels", l.take()}};
}

}  // namespace llmctl::deploy::detail
