// The gateway config that carries out the computed savings (docs/GATEWAY.md). What the gateway can
// do today becomes config: one model group per priced OpenAI/Anthropic model seen in the data,
// and for model tiering a group for the cheaper model with the larger one as its fallback. What
// it cannot do yet (response cache, budgets, max_tokens caps, Anthropic cache_control) becomes a
// comment with the numbers, never an invented key.
#include <fmt/format.h>

#include <map>
#include <set>

#include "common/strings.h"
#include "finops/render.h"

namespace llmctl::finops {
namespace {

const WhatIf* find(const Report& r, std::string_view name) {
  for (const auto& w : r.what_if)
    if (w.name == name && w.computed) return &w;
  return nullptr;
}

const char* key_env(std::string_view provider) {
  return provider == "anthropic" ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY";
}

bool native(std::string_view provider) { return provider == "openai" || provider == "anthropic"; }

std::string yaml_str(const std::string& s) {
  if (!s.empty() && s.find_first_of(":#{}[],&*!|>'\"%@`") == std::string::npos && s[0] != '-' &&
      s[0] != ' ')
    return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string render_gateway_config(const Report& r, const UsageTable& t,
                                  const catalog::Catalog& catalog) {
  std::string out;
  out += "# Gateway config written by `llmctl costs --emit-gateway-config` from " + r.source + "\n";
  out += fmt::format("# period {} .. {}: ${:.2f}; docs/GATEWAY.md explains every key.\n",
                     iso_time(r.period.start_ms), iso_time(r.period.end_ms), r.totals.cost_usd);
  out += "# API keys come from the environment variables named below; set them before\n";
  out += "# `llmctl gateway --config FILE` (or `--check`).\n";
  out += "listen: 127.0.0.1:8080\n";
  out += "logging:\n  request_log:\n    path: ./llmctl.db\n";
  // Model groups: the priced models seen, by spend.
  std::map<int, double> spend;
  std::map<int, std::string> public_name;
  for (std::size_t i = 0; i < t.size(); ++i) {
    int pi = t.price_index[i];
    if (pi < 0) continue;
    spend[pi] += t.cost_usd[i];
    if (!public_name.count(pi)) public_name[pi] = t.text(Text::kModel, i);
  }
  std::vector<std::pair<double, int>> order;
  for (const auto& [pi, usd] : spend) order.emplace_back(-usd, pi);
  std::sort(order.begin(), order.end());
  std::set<std::string> names;
  std::vector<std::string> skipped;
  std::string models;
  auto group = [&](const std::string& name, const catalog::Price& p,
                   const std::vector<std::string>& fallbacks, const std::string& comment) {
    if (!names.insert(name).second) return;
    if (!comment.empty()) models += comment;
    models += fmt::format("  - name: {}\n", yaml_str(name));
    if (!fallbacks.empty()) {
      std::vector<std::string> q;
      for (const auto& f : fallbacks) q.push_back(yaml_str(f));
      models += fmt::format("    fallbacks: [{}]\n", join(q, ", "));
    }
    models += "    deployments:\n";
    models += fmt::format("      - provider: {}\n", p.provider);
    models += fmt::format("        model: {}\n", yaml_str(p.model));
    models += fmt::format("        api_key_env: {}\n", key_env(p.provider));
    models += fmt::format("        price: {}\n", yaml_str(p.id));
  };
  for (const auto& [neg, pi] : order) {
    const catalog::Price& p = catalog.prices[static_cast<std::size_t>(pi)];
    if (!native(p.provider)) {
      skipped.push_back(p.id);
      continue;
    }
    std::string name = public_name[pi].empty() ? p.model : public_name[pi];
    group(name, p, {}, fmt::format("  # ${:.2f} in the period\n", -neg));
  }
  if (const WhatIf* w = find(r, "model_tiering")) {
    for (const auto& [from, to] : w->changes) {
      const catalog::Price* big = catalog.find_price(from);
      const catalog::Price* small = catalog.find_price(to);
      if (!big || !small || !native(small->provider)) continue;
      std::string big_name = big->model;
      for (const auto& [pi, n] : public_name)
        if (&catalog.prices[static_cast<std::size_t>(pi)] == big && !n.empty()) big_name = n;
      group(small->model, *small,
            names.count(big_name) ? std::vector<std::string>{big_name} : std::vector<std::string>{},
            fmt::format("  # model tiering: send short, tool-free requests for {} here ({}); "
                        "{} answers when it fails\n",
                        big_name, fmt::format("${:.2f} in the period", w->saving_usd), big_name));
    }
  }
  if (names.empty()) {
    out += "# No priced OpenAI or Anthropic model in the data: nothing to route. The built-in\n";
    out += "# simulated model keeps this file valid.\n";
    out += "models:\n  - name: llmctl-sim\n    deployments:\n      - provider: simulated\n";
  } else {
    out += "models:\n" + models;
  }
  if (!skipped.empty())
    out += fmt::format("# Not routed here (need provider: openai-compatible with a base_url): {}\n",
                       join(skipped, ", "));
  // What the gateway cannot carry out yet.
  out +=
      "#\n# Savings this gateway cannot carry out yet (no config key exists; numbers from the "
      "what-ifs):\n";
  if (const WhatIf* w = find(r, "response_cache"))
    out += fmt::format(
        "# - response cache: ${:.2f} ({:.1f}%) with a {} s TTL; the gateway has no "
        "response cache\n",
        w->saving_usd, w->saving_pct,
        w->changes.empty() ? std::string("3600") : w->changes.front().second);
  if (const WhatIf* w = find(r, "prompt_caching"))
    out += fmt::format(
        "# - provider prompt caching: ${:.2f}; Anthropic needs cache_control "
        "breakpoints, which clients must send (the gateway passes them through)\n",
        w->saving_usd);
  if (const WhatIf* w = find(r, "max_tokens"))
    for (const auto& [model, cap] : w->changes)
      out += fmt::format("# - max_tokens {} for {} (clients set it; no gateway cap yet)\n", cap,
                         model);
  if (const WhatIf* w = find(r, "batch_api"))
    out += fmt::format(
        "# - batch API: ${:.2f}; batch jobs go to the provider's batch endpoint, "
        "not through the gateway\n",
        w->saving_usd);
  out += fmt::format(
      "# - budgets: forecast ${:.2f} for {}; per-key budgets come with the "
      "governance release\n",
      r.forecast_usd, r.forecast_month);
  return out;
}

}  // namespace llmctl::finops
