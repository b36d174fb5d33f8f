// Gateway configuration rules (GW001-GW004) for LiteLLM proxy config.yaml and llmctl gateway
// configs. Both are treated as the same idea: model groups of deployments, limits, keys,
// timeouts.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "audit/rules/rules.h"
#include "common/strings.h"

namespace llmctl::audit::detail {
namespace {

bool env_reference(std::string_view v) {
  std::string t = trim(v);
  return starts_with(t, "os.environ/") || starts_with(t, "${") || starts_with(t, "$") || t.empty();
}

bool local_base(std::string_view url) {
  std::string l = to_lower(url);
  return contains(l, "localhost") || contains(l, "127.0.0.1") || contains(l, ".svc") ||
         contains(l, "0.0.0.0") || contains(l, "host.docker.internal");
}

// GW001: one note per file naming every group without a second deployment or fallback. Whether
// a group needs one is an availability decision; a warning per group buried the other findings.
void report_lonely_groups(FileCtx& f, std::vector<std::pair<Pos, std::string>> lonely,
                          std::string fix) {
  if (lonely.empty()) return;
  std::sort(lonely.begin(), lonely.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first.line, a.first.col) < std::tie(b.first.line, b.first.col);
  });
  std::vector<std::string> names;
  for (size_t i = 0; i < lonely.size() && i < 5; ++i) names.push_back("'" + lonely[i].second + "'");
  std::string list = join(names, ", ");
  if (lonely.size() > 5) list += fmt::format(" and {} more", lonely.size() - 5);
  f.emit("GW001", lonely.front().first,
         fmt::format("{} model group{} one deployment and no fallback: {}; when that "
                     "deployment fails, every request to the group fails",
                     lonely.size(), lonely.size() == 1 ? " has" : "s have each", list),
         std::move(fix));
}

}  // namespace

void add_gateway_rule_docs(std::vector<RuleInfo>& out) {
  using S = Severity;
  out.push_back(
      {"GW001", "gateway", S::kNote, "Model groups with no fallback",
       "LiteLLM: model_names with one deployment, not listed in router_settings/litellm_settings "
       "fallbacks and no default_fallbacks (wildcard groups excepted). llmctl gateway: model "
       "groups with one real (not simulated) deployment and no fallbacks. One note per file "
       "naming the groups: whether a group needs a second provider is an availability choice.",
       "With one deployment and no fallback, a provider outage or a 429 storm fails every "
       "request for that model; LiteLLM's router, Portkey, Bifrost and TensorZero all make "
       "fallbacks first-class (shared/research/gateways.md §1).",
       "Add a second deployment (another provider/region) or a fallback group.",
       "model_list: [{model_name: gpt-4o, litellm_params: {model: openai/gpt-4o}}]"});
  out.push_back(
      {"GW002", "gateway", S::kWarning, "No spend or rate limits",
       "LiteLLM: no max_budget (global, end-user, internal-user, key defaults), no rpm/tpm/"
       "max_parallel_requests anywhere, no provider budget config. llmctl gateway: no limits/"
       "budgets section and no deployment max_concurrency.",
       "A leaked key or a runaway agent spends without bound; budgets and limits are the "
       "gateways' core governance features (gateways.md §1.1 LiteLLM, §1.4 Bifrost) and their "
       "most reported bugs (§0, §7).",
       "Set budgets and rate limits (per key, per deployment).",
       "model_list: [...]  # and no limits anywhere"});
  out.push_back(
      {"GW003", "gateway", S::kError, "Master/admin or provider key as a literal",
       "LiteLLM general_settings.master_key not read from os.environ/, or litellm_params.api_key "
       "written as a key (placeholders for local OpenAI-compatible servers are fine). llmctl "
       "gateway: admin_key/master_key or a deployment api_key as a literal (use api_key_env / "
       "api_key_file). An upstream api_key that says it is blank, unneeded or unused (EMPTY, "
       "none, dummy, not-used, unused, not-needed, no-key, sk-no-key-required: the one "
       "placeholder table every literal-credential rule reads, audit.cpp kNotASecret) is what a "
       "client sends a server started without --api-key, not a credential. A master or admin "
       "key is judged whatever it says: the gateway itself accepts that literal as its key.",
       "Whoever reads the file administers the gateway or spends on the provider account; "
       "LiteLLM's docs use sk-1234 as the example master key, which then ships. Research: "
       "agents-and-deploy.md §4.2 item 11.",
       "Read keys from the environment (os.environ/NAME, api_key_env) backed by a Secret.",
       "general_settings: {master_key: sk-1234}"});
  out.push_back(
      {"GW004", "gateway", S::kWarning, "No request timeout",
       "LiteLLM: no litellm_settings.request_timeout, router_settings.timeout or per-deployment "
       "timeout (each deployment lacking one is reported when others have it). llmctl gateway: "
       "a deployment (not simulated) without timeouts: and no top-level timeouts.",
       "LiteLLM waits up to 6000 s by default (BerriAI/litellm:litellm/__init__.py "
       "request_timeout); llmctl's defaults allow 10 minutes in total. A stalled upstream then "
       "holds client connections and concurrency slots (gateways.md §5, Portkey #1797 on "
       "invisible mid-stream stalls).",
       "Set request and stream timeouts sized to the model's p99 latency.",
       "litellm_settings: {}  # no request_timeout"});
}

void check_litellm(FileCtx& f, const Node& doc) {
  f.facts.gateway_or_override = true;
  const Node& list = deref(doc.get("model_list"));
  const Node& router = deref(doc.get("router_settings"));
  const Node& ls = deref(doc.get("litellm_settings"));
  const Node& gs = deref(doc.get("general_settings"));
  // Fallback declarations: [{group: [fallbacks]}] in router_settings or litellm_settings.
  std::set<std::string> has_fallback;
  bool default_fallbacks = false;
  for (const Node* settings : {&router, &ls}) {
    for (const auto& entry : deref(settings->get("fallbacks")).seq)
      for (const auto& [k, v] : entry.map)
        if (!v.seq.empty() || v.is_scalar()) has_fallback.insert(k.scalar);
    const Node* d = settings->get("default_fallbacks");
    if (d && (!d->seq.empty() || d->is_scalar())) default_fallbacks = true;
  }
  std::map<std::string, int> group_size;
  std::map<std::string, Pos> group_pos;
  bool any_limit = false, any_timeout_dep = false, all_timeout_dep = true;
  for (const auto& m : list.seq) {
    std::string group = deref(m.get("model_name")).str();
    if (!group_pos.count(group))
      group_pos[group] = m.get("model_name") ? m.get("model_name")->pos : m.pos;
    ++group_size[group];
    const Node& p = deref(m.get("litellm_params"));
    for (std::string_view k : {"rpm", "tpm", "max_parallel_requests", "max_budget"})
      if (p.get(k)) any_limit = true;
    bool t = p.get("timeout") || p.get("stream_timeout");
    any_timeout_dep = any_timeout_dep || t;
    all_timeout_dep = all_timeout_dep && t;
    // GW003: provider keys written into the config.
    if (const Node* key = p.get("api_key");
        key && key->is_scalar() && !env_reference(key->scalar)) {
      bool local = local_base(deref(p.get("api_base")).str());
      if (looks_like_provider_key(key->scalar) || (!local && looks_like_secret(key->scalar)))
        f.emit("GW003", key->pos,
               fmt::format("model '{}' has a literal api_key ('{}...') in the gateway config",
                           group, key->scalar.substr(0, 4)),
               "use api_key: os.environ/PROVIDER_API_KEY and keep the key in a Secret");
    }
  }
  // GW001: model groups with one deployment and no fallback, one note for the file.
  if (!default_fallbacks) {
    std::vector<std::pair<Pos, std::string>> lonely;
    for (const auto& [g, n] : group_size)
      if (n < 2 && !has_fallback.count(g) && !contains(g, "*"))
        lonely.emplace_back(group_pos[g], g);
    report_lonely_groups(f, lonely,
                         "add a second deployment or router_settings.fallbacks: "
                         "[{\"group\": [\"other-group\"]}] for the groups that must stay up");
  }
  // GW002: no spend or rate limits anywhere.
  for (std::string_view k : {"max_budget", "max_end_user_budget", "max_internal_user_budget",
                             "default_key_generate_params", "upperbound_key_generate_params",
                             "default_team_settings", "max_user_budget"})
    if (ls.get(k) || gs.get(k)) any_limit = true;
  for (std::string_view k :
       {"max_parallel_requests", "global_max_parallel_requests", "max_request_size_mb"})
    if (gs.get(k) && k != "max_request_size_mb") any_limit = true;
  if (router.get("provider_budget_config") || router.get("max_parallel_requests")) any_limit = true;
  if (!any_limit && !list.seq.empty())
    f.emit("GW002", doc.key_pos("model_list"),
           "no spend or rate limit is configured (no max_budget, rpm/tpm, max_parallel_requests "
           "or key budget defaults): a runaway client or leaked key spends without bound",
           "set litellm_settings.max_budget + budget_duration, per-deployment rpm/tpm, and "
           "general_settings.max_parallel_requests");
  // GW003: the master key as a literal.
  if (const Node* mk = gs.get("master_key"); mk && mk->is_scalar() && !env_reference(mk->scalar))
    f.emit("GW003", mk->pos,
           fmt::format("general_settings.master_key is a literal ('{}...'): anyone with this file "
                       "is a proxy admin",
                       mk->scalar.substr(0, std::min<size_t>(4, mk->scalar.size()))),
           "master_key: os.environ/LITELLM_MASTER_KEY, with the value in a Secret");
  // GW004: no request timeout (LiteLLM's default request_timeout is 6000 s).
  bool global_timeout = ls.get("request_timeout") || router.get("timeout") || ls.get("timeout") ||
                        router.get("stream_timeout");
  if (!global_timeout && !list.seq.empty()) {
    if (!any_timeout_dep) {
      f.emit("GW004", doc.key_pos("model_list"),
             "no request timeout (litellm_settings.request_timeout, router_settings.timeout or "
             "litellm_params.timeout): LiteLLM waits up to 6000 s for an upstream",
             "set litellm_settings.request_timeout (e.g. 60) and stream_timeout for streams");
    } else if (!all_timeout_dep) {
      for (const auto& m : list.seq) {
        const Node& p = deref(m.get("litellm_params"));
        if (!p.get("timeout") && !p.get("stream_timeout"))
          f.emit("GW004", m.get("model_name") ? m.get("model_name")->pos : m.pos,
                 fmt::format("deployment of '{}' has no timeout while others do; it waits up to "
                             "LiteLLM's default 6000 s",
                             deref(m.get("model_name")).str()),
                 "set litellm_params.timeout, or a global litellm_settings.request_timeout");
      }
    }
  }
}

void check_gateway_config(FileCtx& f, const Node& doc) {
  f.facts.gateway_or_override = true;
  const char* list_key = doc.get("model_groups") ? "model_groups" : "models";
  const Node& groups = deref(doc.get(list_key));
  bool any_limit =
      doc.get("limits") || doc.get("budgets") || doc.get("rate_limits") || doc.get("budget");
  bool global_timeout = doc.get("timeouts") || doc.at("defaults.timeouts");
  bool any_real = false;
  std::vector<std::pair<Pos, std::string>> lonely;
  for (const auto& g : groups.seq) {
    std::string name = deref(g.get("name")).str();
    const Node& deps = deref(g.get("deployments"));
    if (g.get("limits") || g.get("budget")) any_limit = true;
    // The built-in simulator has no upstream to fail, cost or hang.
    bool real = false;
    for (const auto& d : deps.seq) real = real || deref(d.get("provider")).str() != "simulated";
    any_real = any_real || real;
    if (real && deps.seq.size() < 2 && !g.get("fallbacks") && !g.get("fallback"))
      lonely.emplace_back(g.get("name") ? g.get("name")->pos : g.pos, name);
    for (size_t di = 0; di < deps.seq.size(); ++di) {
      const Node& d = deps.seq[di];
      std::string dep_name = deref(d.get("name")).str(fmt::format("#{}", di + 1));
      if (deref(d.get("max_concurrency")).integer().value_or(0) > 0) any_limit = true;
      std::string provider = deref(d.get("provider")).str();
      if (const Node* key = d.get("api_key");
          key && key->is_scalar() && !env_reference(key->scalar) && looks_like_secret(key->scalar))
        f.emit("GW003", key->pos,
               fmt::format("deployment {} of '{}' has a literal api_key ('{}...')", dep_name, name,
                           key->scalar.substr(0, 4)),
               "use api_key_env: NAME or api_key_file: PATH");
      if (!global_timeout && !d.get("timeouts") && provider != "simulated")
        f.emit("GW004", d.get("name") ? d.get("name")->pos : d.pos,
               fmt::format("deployment {} of '{}' sets no timeouts: the defaults allow 2 "
                           "minutes to the first byte and 10 minutes in total",
                           dep_name, name),
               "set timeouts: {first_byte_ms: ..., total_ms: ...} sized to the model's p99");
    }
  }
  report_lonely_groups(f, lonely,
                       "add a second deployment (another provider or region; weight: 0 makes it "
                       "fallback-only) to the groups that must stay up");
  if (!any_limit && any_real)
    f.emit("GW002", doc.key_pos(list_key),
           "no spend or rate limits: no limits/budgets section and no deployment sets "
           "max_concurrency",
           "add per-deployment max_concurrency and key budgets (limits:)");
  for (std::string_view k : {"admin_key", "master_key"}) {
    const Node* key = doc.get(k);
    if (!key) key = doc.at(std::string("admin.") + std::string(k == "admin_key" ? "key" : k));
    if (key && key->is_scalar() && !env_reference(key->scalar))
      f.emit("GW003", key->pos,
             fmt::format("{} is a literal ('{}...'): anyone with this file administers the "
                         "gateway",
                         k, key->scalar.substr(0, std::min<size_t>(4, key->scalar.size()))),
             "use admin_key_env: NAME (or a file) and keep the value in a Secret");
  }
}

}  // namespace llmctl::audit::detail
