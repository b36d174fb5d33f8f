// Snapshots (config + carried-over runtime state) and the resilience metric families.
#include <fmt/format.h>

#include <unordered_map>

#include "gateway/state.h"

namespace llmctl::gateway {

namespace {

std::string runtime_key(const Deployment& d) { return d.name + "\n" + d.base_url; }

bool same_labels(const Config& a, const Config& b) {
  if (a.models.size() != b.models.size() || a.deployments.size() != b.deployments.size())
    return false;
  for (std::size_t i = 0; i < a.models.size(); ++i)
    if (a.models[i].name != b.models[i].name) return false;
  for (std::size_t i = 0; i < a.deployments.size(); ++i)
    if (a.deployments[i].name != b.deployments[i].name) return false;
  return true;
}

// Prometheus label value escaping (backslash, quote, newline).
std::string esc(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::shared_ptr<const Snapshot> make_snapshot(std::shared_ptr<const Config> config,
                                              const Snapshot* previous, int workers) {
  auto s = std::make_shared<Snapshot>();
  s->config = config;
  s->generation = previous ? previous->generation + 1 : 1;
  std::unordered_map<std::string, std::shared_ptr<DeploymentRuntime>> old_deployments;
  std::unordered_map<std::string, std::shared_ptr<GroupRuntime>> old_groups;
  if (previous) {
    for (std::size_t i = 0; i < previous->deployments.size(); ++i)
      old_deployments.emplace(previous->deployments[i]->key(), previous->deployments[i]);
    for (std::size_t i = 0; i < previous->groups.size(); ++i)
      old_groups.emplace(previous->config->models[i].name, previous->groups[i]);
  }
  for (const Deployment& d : config->deployments) {
    const std::string key = runtime_key(d);
    auto it = old_deployments.find(key);
    if (it != old_deployments.end() && it->second->breaker.policy() == d.breaker)
      s->deployments.push_back(it->second);
    else
      s->deployments.push_back(std::make_shared<DeploymentRuntime>(key, d.breaker));
  }
  for (const ModelGroup& g : config->models) {
    auto it = old_groups.find(g.name);
    if (it != old_groups.end() && it->second->budget.policy() == g.retry)
      s->groups.push_back(it->second);
    else
      s->groups.push_back(std::make_shared<GroupRuntime>(g.retry));
  }
  if (previous && same_labels(*previous->config, *config) &&
      previous->shards.size() == static_cast<std::size_t>(workers)) {
    s->shards = previous->shards;
    s->quality = previous->quality;
  } else {
    for (int i = 0; i < workers; ++i)
      s->shards.push_back(
          std::make_shared<MetricsShard>(config->models.size(), config->deployments.size()));
    for (int i = 0; i < workers; ++i)
      s->quality.push_back(std::make_shared<QualityShard>(config->models.size()));
  }
  return s;
}

std::string render_resilience_metrics(const Snapshot& s, const ReloadStats& reloads,
                                      std::int64_t now_ms) {
  const Config& c = *s.config;
  std::string out;
  auto family = [&](std::string_view name, std::string_view type, std::string_view help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  family("llmctl_gateway_breaker_state", "gauge",
         "Circuit breaker state per deployment: 0 closed, 1 open, 2 half-open.");
  for (std::size_t d = 0; d < c.deployments.size(); ++d)
    out += fmt::format("llmctl_gateway_breaker_state{{deployment=\"{}\"}} {}\n",
                       esc(c.deployments[d].name),
                       static_cast<int>(s.deployments[d]->breaker.state()));
  family("llmctl_gateway_breaker_transitions_total", "counter",
         "Circuit breaker transitions per deployment, by the state entered.");
  for (std::size_t d = 0; d < c.deployments.size(); ++d)
    for (auto st : {BreakerState::kOpen, BreakerState::kHalfOpen, BreakerState::kClosed})
      out += fmt::format(
          "llmctl_gateway_breaker_transitions_total{{deployment=\"{}\",to=\"{}\"}} {}\n",
          esc(c.deployments[d].name), breaker_state_name(st),
          s.deployments[d]->breaker.transitions(st));
  family("llmctl_gateway_deployment_available", "gauge",
         "1 when the deployment is in rotation (healthy and its breaker lets requests through).");
  for (std::size_t d = 0; d < c.deployments.size(); ++d)
    out += fmt::format("llmctl_gateway_deployment_available{{deployment=\"{}\"}} {}\n",
                       esc(c.deployments[d].name), s.deployments[d]->available(now_ms) ? 1 : 0);
  family("llmctl_gateway_deployment_healthy", "gauge",
         "Active health check result per deployment (1 when no checks are configured).");
  for (std::size_t d = 0; d < c.deployments.size(); ++d)
    out += fmt::format("llmctl_gateway_deployment_healthy{{deployment=\"{}\"}} {}\n",
                       esc(c.deployments[d].name), s.deployments[d]->healthy.load() ? 1 : 0);
  family("llmctl_gateway_retries_total", "counter",
         "Upstream attempts after a request's first within its model group.");
  for (std::size_t m = 0; m < c.models.size(); ++m)
    out += fmt::format("llmctl_gateway_retries_total{{model=\"{}\"}} {}\n", esc(c.models[m].name),
                       s.groups[m]->retries.load());
  family("llmctl_gateway_fallbacks_total", "counter",
         "Requests moved to another model group, by kind (group, context_window).");
  for (std::size_t m = 0; m < c.models.size(); ++m) {
    out += fmt::format("llmctl_gateway_fallbacks_total{{model=\"{}\",kind=\"group\"}} {}\n",
                       esc(c.models[m].name), s.groups[m]->fallbacks_group.load());
    out +=
        fmt::format("llmctl_gateway_fallbacks_total{{model=\"{}\",kind=\"context_window\"}} {}\n",
                    esc(c.models[m].name), s.groups[m]->fallbacks_context.load());
  }
  family("llmctl_gateway_retry_budget_exhausted_total", "counter",
         "Retries or fallbacks not tried because the model group's retry budget was spent.");
  for (std::size_t m = 0; m < c.models.size(); ++m)
    out += fmt::format("llmctl_gateway_retry_budget_exhausted_total{{model=\"{}\"}} {}\n",
                       esc(c.models[m].name), s.groups[m]->budget_exhausted.load());
  family("llmctl_gateway_no_deployment_available_total", "counter",
         "Times a model group had no deployment in rotation (all unhealthy or breaker-open).");
  for (std::size_t m = 0; m < c.models.size(); ++m)
    out += fmt::format("llmctl_gateway_no_deployment_available_total{{model=\"{}\"}} {}\n",
                       esc(c.models[m].name), s.groups[m]->all_unavailable.load());
  family("llmctl_gateway_config_reload_total", "counter",
         "Config reloads by result (ok, error, unchanged).");
  out += fmt::format("llmctl_gateway_config_reload_total{{result=\"ok\"}} {}\n", reloads.ok.load());
  out += fmt::format("llmctl_gateway_config_reload_total{{result=\"error\"}} {}\n",
                     reloads.failed.load());
  out += fmt::format("llmctl_gateway_config_reload_total{{result=\"unchanged\"}} {}\n",
                     reloads.unchanged.load());
  family("llmctl_gateway_config_generation", "gauge",
         "Generation of the config in use (1 at start).");
  out += fmt::format("llmctl_gateway_config_generation {}\n", s.generation);
  return out;
}

}  // namespace llmctl::gateway
