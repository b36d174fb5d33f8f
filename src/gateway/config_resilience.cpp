#include "gateway/config_resilience.h"

#include <fmt/format.h>

#include "common/strings.h"

namespace llmctl::gateway::yaml {

void read_group_resilience(Fields& m, ModelGroup& g, BreakerPolicy& breaker) {
  YAML::Node rn = m.get("routing");
  if (rn.IsDefined()) {
    std::string name = m.str("routing");
    auto s = route::parse_strategy(name);
    if (!s)
      m.fail(rn, "routing",
             fmt::format("expected one of weighted, least_outstanding, latency, prefix, found "
                         "\"{}\"",
                         name));
    g.routing = *s;
  }
  YAML::Node an = m.get("affinity");
  if (an.IsDefined()) {
    Fields a(m.file(), an, m.path("affinity"));
    g.affinity.prefix_chars =
        static_cast<int>(a.integer("prefix_chars", g.affinity.prefix_chars, 16, 1 << 20));
    g.affinity.load_factor = a.num("load_factor", g.affinity.load_factor, 1.0, 100.0);
    g.affinity.messages = static_cast<int>(a.integer("messages", g.affinity.messages, 0, 1000000));
    g.affinity.slack = static_cast<int>(a.integer("slack", g.affinity.slack, 0, 1000000));
    a.finish();
  }
  YAML::Node bn = m.get("breaker");
  if (bn.IsDefined()) {
    Fields b(m.file(), bn, m.path("breaker"));
    breaker.enabled = b.boolean("enabled", breaker.enabled);
    breaker.consecutive_failures = static_cast<int>(
        b.integer("consecutive_failures", breaker.consecutive_failures, 0, 1000000));
    breaker.failure_rate = b.num("failure_rate", breaker.failure_rate, 0, 1);
    breaker.min_requests =
        static_cast<int>(b.integer("min_requests", breaker.min_requests, 1, 1000000));
    breaker.window_ms = static_cast<int>(b.integer("window_ms", breaker.window_ms, 100, 3600000));
    breaker.cooldown_ms =
        static_cast<int>(b.integer("cooldown_ms", breaker.cooldown_ms, 1, 3600000));
    breaker.half_open_probes =
        static_cast<int>(b.integer("half_open_probes", breaker.half_open_probes, 1, 1000));
    b.finish();
  }
  YAML::Node tn = m.get("retry");
  if (tn.IsDefined()) {
    Fields r(m.file(), tn, m.path("retry"));
    RetryPolicy& p = g.retry;
    p.backoff_base_ms = static_cast<int>(r.integer("backoff_base_ms", p.backoff_base_ms, 0, 60000));
    p.backoff_max_ms = static_cast<int>(r.integer("backoff_max_ms", p.backoff_max_ms, 0, 600000));
    p.retry_after_max_ms =
        static_cast<int>(r.integer("retry_after_max_ms", p.retry_after_max_ms, 0, 3600000));
    p.budget_ratio = r.num("budget_ratio", p.budget_ratio, 0, 100);
    p.budget_min_per_s = r.num("budget_min_per_s", p.budget_min_per_s, 0, 1e6);
    p.budget_window_ms =
        static_cast<int>(r.integer("budget_window_ms", p.budget_window_ms, 100, 3600000));
    r.finish();
  }
  g.fallbacks = m.str_list("fallbacks");
  g.context_window_fallbacks = m.str_list("context_window_fallbacks");
}

void read_deployment_resilience(Fields& d, Deployment& dep) {
  YAML::Node hn = d.get("health_check");
  if (!hn.IsDefined()) return;
  if (dep.kind == ProviderKind::kSimulated)
    d.fail(hn, "health_check", "not used by provider simulated (it runs in the gateway)");
  if (dep.kind == ProviderKind::kBedrock || dep.kind == ProviderKind::kAzureOpenAI ||
      dep.kind == ProviderKind::kGemini || dep.kind == ProviderKind::kVertex ||
      dep.kind == ProviderKind::kVertexAnthropic)
    d.fail(hn, "health_check",
           fmt::format("not supported for provider {}: the platform has no unauthenticated "
                       "health endpoint; the circuit breaker judges it by its answers",
                       provider_kind_name(dep.kind)));
  Fields h(d.file(), hn, d.path("health_check"));
  HealthCheckPolicy& p = dep.health_check;
  p.interval_ms = static_cast<int>(h.integer("interval_ms", p.interval_ms, 0, 86400000));
  p.timeout_ms = static_cast<int>(h.integer("timeout_ms", p.timeout_ms, 1, 600000));
  p.path = h.str("path", p.path);
  if (p.path.empty() || p.path.front() != '/')
    h.fail(h.get("path"), "path", fmt::format("must start with /, found \"{}\"", p.path));
  p.unhealthy_after = static_cast<int>(h.integer("unhealthy_after", p.unhealthy_after, 1, 1000));
  p.healthy_after = static_cast<int>(h.integer("healthy_after", p.healthy_after, 1, 1000));
  h.finish();
}

void read_admin_and_reload(Fields& f, Config& c, const Environment& env) {
  YAML::Node an = f.get("admin");
  if (an.IsDefined()) {
    Fields a(f.file(), an, "admin");
    YAML::Node ln = a.get("listen", true);
    std::string s = a.str("listen");
    std::size_t colon = s.rfind(':');
    int port = -1;
    if (colon != std::string::npos && colon + 1 < s.size()) {
      try {
        std::size_t used = 0;
        port = std::stoi(s.substr(colon + 1), &used);
        if (used != s.size() - colon - 1) port = -1;
      } catch (...) {
        port = -1;
      }
    }
    std::string host = colon == std::string::npos ? "" : s.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    if (port < 0 || port > 65535 || host.empty())
      a.fail(ln, "listen", fmt::format("expected \"HOST:PORT\", found \"{}\"", s));
    c.admin.host = host;
    c.admin.port = port;
    YAML::Node te = a.get("token_env");
    YAML::Node tf = a.get("token_file");
    if (te.IsDefined() == tf.IsDefined())
      a.fail(an, "token_env", "give exactly one of token_env or token_file");
    if (te.IsDefined()) {
      std::string name = a.str("token_env");
      auto v = env.get(name);
      if (!v || trim(*v).empty())
        a.fail(te, "token_env", fmt::format("environment variable {} is not set", name));
      c.admin.token = trim(*v);
    } else {
      std::string path = a.str("token_file");
      auto text = env.read_file(path);
      if (!text) a.fail(tf, "token_file", text.error().message);
      c.admin.token = trim(*text);
      if (c.admin.token.empty()) a.fail(tf, "token_file", fmt::format("{} is empty", path));
    }
    if (c.admin.token.size() < 16)
      a.fail(te.IsDefined() ? te : tf, te.IsDefined() ? "token_env" : "token_file",
             "the admin token must be at least 16 characters");
    a.finish();
  }
  YAML::Node rn = f.get("reload");
  if (rn.IsDefined()) {
    Fields r(f.file(), rn, "reload");
    c.reload.watch = r.boolean("watch", c.reload.watch);
    c.reload.interval_ms =
        static_cast<int>(r.integer("interval_ms", c.reload.interval_ms, 50, 3600000));
    r.finish();
  }
}

void check_group_links(Fields& f, const Config& c) {
  YAML::Node list = f.get("models");
  for (std::size_t i = 0; i < c.models.size(); ++i) {
    const ModelGroup& g = c.models[i];
    for (const char* key : {"fallbacks", "context_window_fallbacks"}) {
      const auto& names =
          std::string_view(key) == "fallbacks" ? g.fallbacks : g.context_window_fallbacks;
      for (std::size_t k = 0; k < names.size(); ++k) {
        YAML::Node at = list[i][key][k];
        std::string field = fmt::format("models[{}].{}", i, key);
        auto fail = [&](const std::string& what) {
          throw FieldError{fmt::format("{}: {}: {}", position(f.file(), at.Mark()), field, what)};
        };
        if (names[k] == g.name) fail(fmt::format("\"{}\" names its own group", names[k]));
        if (!c.find_model(names[k])) {
          std::vector<std::string> groups;
          for (const ModelGroup& other : c.models) groups.push_back(other.name);
          fail(fmt::format("no model group named \"{}\"; {}expected one of {}", names[k],
                           did_you_mean(names[k], groups), join(groups, ", ")));
        }
      }
    }
  }
}

}  // namespace llmctl::gateway::yaml
