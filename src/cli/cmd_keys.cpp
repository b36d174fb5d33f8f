// `llmctl keys create|list|show|update|revoke|rotate`: virtual keys of a gateway, on its store
// (the SQLite file or Redis its config names; ./llmctl.db, what `llmctl up` uses, by default)
// or through a running gateway's admin API (--admin URL).
#include <fmt/format.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/app.h"
#include "cli/table.h"
#include "common/json_writer.h"
#include "common/strings.h"
#include "gateway/keys_api.h"

namespace llmctl::cli {
namespace {

namespace json = boost::json;

struct KeyFlags {
  std::string config, db, admin, admin_token_env = "LLMCTL_ADMIN_TOKEN", format = "text";
  std::string id;  // show/update/revoke/rotate: id or name
  // create/update fields (CLI11 options record whether each was given)
  std::string name, team, user, project, agent, models, budget_period, expires;
  long long rpm = 0, tpm = 0, max_parallel = 0;
  double budget_usd = 0, soft_budget_usd = 0;
  std::vector<std::string> tags;
  std::map<std::string, CLI::Option*> given;
};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("{}: cannot read", path)};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool has(const KeyFlags& f, const std::string& name) {
  auto it = f.given.find(name);
  return it != f.given.end() && it->second->count() > 0;
}

// The flags given, as the admin API's JSON body (the one format both paths share).
Result<json::object> fields_json(const KeyFlags& f) {
  json::object o;
  for (const char* k : {"name", "team", "user", "project", "agent"})
    if (has(f, k))
      o[k] = std::string(k) == "name"      ? f.name
             : std::string(k) == "team"    ? f.team
             : std::string(k) == "user"    ? f.user
             : std::string(k) == "project" ? f.project
                                           : f.agent;
  if (has(f, "models")) {
    json::array a;
    for (const auto& m : split(f.models, ','))
      if (!trim(m).empty()) a.emplace_back(trim(m));
    o["models"] = std::move(a);
  }
  if (has(f, "rpm")) o["rpm"] = f.rpm;
  if (has(f, "tpm")) o["tpm"] = f.tpm;
  if (has(f, "max-parallel")) o["max_parallel"] = f.max_parallel;
  if (has(f, "budget-usd")) o["budget_usd"] = f.budget_usd;
  if (has(f, "soft-budget-usd")) o["soft_budget_usd"] = f.soft_budget_usd;
  if (has(f, "budget-period")) o["budget_period"] = f.budget_period;
  if (has(f, "expires")) o["expires"] = f.expires;
  if (has(f, "tag")) {
    json::object tags;
    for (const auto& t : f.tags) {
      auto eq = t.find('=');
      if (eq == std::string::npos || eq == 0)
        return Error{fmt::format("--tag: expected KEY=VALUE, found \"{}\"", t)};
      tags[t.substr(0, eq)] = t.substr(eq + 1);
    }
    o["tags"] = std::move(tags);
  }
  return o;
}

std::string usd(double v) { return v > 0 ? fmt::format("${:.2f}", v) : "-"; }
std::string count(const json::value& v) {
  return v.to_number<long long>() > 0 ? group_thousands(v.to_number<long long>()) : "-";
}
std::string str(const json::value& v) {
  return v.is_string() && !v.get_string().empty() ? std::string(v.get_string()) : "-";
}

void print_keys(const json::array& keys) {
  Table t({"ID", "NAME", "STATUS", "TEAM", "USER", "PROJECT", "AGENT", "MODELS", "RPM", "TPM",
           "PARALLEL", "BUDGET", "PERIOD", "EXPIRES", "KEY"},
          {false, false, false, false, false, false, false, false, true, true, true, true, false,
           false, false});
  for (const auto& kv : keys) {
    const json::object& k = kv.get_object();
    std::string models;
    for (const auto& m : k.at("models").get_array())
      models += (models.empty() ? "" : ",") + std::string(m.get_string());
    t.add_row({str(k.at("id")), str(k.at("name")), str(k.at("status")), str(k.at("team")),
               str(k.at("user")), str(k.at("project")), str(k.at("agent")),
               models.empty() ? "all" : models, count(k.at("rpm")), count(k.at("tpm")),
               count(k.at("max_parallel")), usd(k.at("budget_usd").to_number<double>()),
               str(k.at("budget_period")),
               k.at("expires").is_string() ? std::string(k.at("expires").get_string()) : "never",
               "sk-llmctl-..." + std::string(k.at("hint").get_string())});
  }
  fmt::print("{}", t.render());
}

void print_key(const json::object& k) {
  auto line = [](std::string_view label, const std::string& value) {
    fmt::print("{:<16}{}\n", label, value);
  };
  line("id", str(k.at("id")));
  line("name", str(k.at("name")));
  line("status", str(k.at("status")));
  for (const char* f : {"team", "user", "project", "agent"}) line(f, str(k.at(f)));
  std::string models;
  for (const auto& m : k.at("models").get_array())
    models += (models.empty() ? "" : ", ") + std::string(m.get_string());
  line("models", models.empty() ? "all" : models);
  line("rpm", count(k.at("rpm")));
  line("tpm", count(k.at("tpm")));
  line("max parallel", count(k.at("max_parallel")));
  line("budget", fmt::format("{} per {}", usd(k.at("budget_usd").to_number<double>()),
                             str(k.at("budget_period"))));
  line("soft budget", usd(k.at("soft_budget_usd").to_number<double>()));
  if (const auto* b = k.if_contains("spend"); b && b->is_object())
    line("spent",
         fmt::format("${:.6f} this {} (reserved ${:.6f})", b->at("spent_usd").to_number<double>(),
                     str(k.at("budget_period")), b->at("reserved_usd").to_number<double>()));
  line("expires",
       k.at("expires").is_string() ? std::string(k.at("expires").get_string()) : "never");
  std::string tags;
  for (const auto& [tk, tv] : k.at("tags").get_object())
    tags += (tags.empty() ? "" : ", ") + std::string(tk) + "=" + std::string(tv.get_string());
  line("tags", tags.empty() ? "-" : tags);
  line("created", str(k.at("created")));
  line("updated", str(k.at("updated")));
  if (k.at("revoked").is_string()) line("revoked", str(k.at("revoked")));
  line("key", "sk-llmctl-..." + std::string(k.at("hint").get_string()));
}

// Runs one operation on the local store; the result is what the admin API would answer.
Result<json::value> run_local(const KeyFlags& f, const std::string& op) {
  gateway::StoreSettings settings;
  if (!f.config.empty()) {
    auto text = read_text(f.config);
    if (!text) return text.error();
    auto s = gateway::read_store_settings(*text, f.config);
    if (!s) return s.error();
    settings = *s;
  } else {
    settings.sqlite_path = f.db.empty() ? "./llmctl.db" : f.db;
  }
  if (!f.db.empty()) {
    settings.kind = gateway::StoreKind::kSqlite;
    settings.sqlite_path = f.db;
  }
  auto opened = gateway::open_key_store(settings);
  if (!opened) return opened.error();
  store::KeyStore& ks = **opened;
  const std::int64_t now = now_ms();
  auto fields = [&]() -> Result<store::KeyFields> {
    auto body = fields_json(f);
    if (!body) return body.error();
    return gateway::key_fields_from_api(*body);
  };
  if (op == "list") {
    auto all = ks.list();
    if (!all) return all.error();
    json::array out;
    for (const auto& k : *all) out.push_back(gateway::key_to_api(k, now));
    return json::value(std::move(out));
  }
  if (op == "create") {
    auto kf = fields();
    if (!kf) return kf.error();
    auto created = store::create_key(ks, *kf, store::system_random(), now);
    if (!created) return created.error();
    json::object o = gateway::key_to_api(created->record, now);
    o["key"] = created->secret;
    return json::value(std::move(o));
  }
  if (op == "rotate") {
    auto rotated = store::rotate_key(ks, f.id, store::system_random(), now);
    if (!rotated) return rotated.error();
    json::object o = gateway::key_to_api(rotated->record, now);
    o["key"] = rotated->secret;
    return json::value(std::move(o));
  }
  Result<store::KeyRecord> k = Error{""};
  if (op == "show") {
    k = store::find_key(ks, f.id);
  } else if (op == "update") {
    auto kf = fields();
    if (!kf) return kf.error();
    k = store::update_key(ks, f.id, *kf, now);
  } else {
    k = store::revoke_key(ks, f.id, now);
  }
  if (!k) return k.error();
  return json::value(gateway::key_to_api(*k, now));
}

// The same through a running gateway's admin API.
Result<json::value> run_admin(const KeyFlags& f, const std::string& op) {
  const char* token = std::getenv(f.admin_token_env.c_str());
  if (!token || !*token)
    return Error{
        fmt::format("--admin: the admin token is read from ${}, which is not set "
                    "(--admin-token-env names another variable)",
                    f.admin_token_env)};
  std::string method = "GET", target = "/admin/keys", body;
  if (op != "list" && op != "create") target += "/" + f.id;
  if (op == "create" || op == "update") {
    auto o = fields_json(f);
    if (!o) return o.error();
    body = json::serialize(*o);
    method = op == "create" ? "POST" : "PATCH";
  } else if (op == "revoke") {
    method = "DELETE";
  } else if (op == "rotate") {
    method = "POST";
    target += "/rotate";
  }
  auto answer = gateway::admin_call(f.admin, method, target, token, body);
  if (!answer) return answer.error();
  boost::system::error_code ec;
  json::value v = json::parse(answer->body, ec);
  if (answer->status >= 300) {
    std::string message = answer->body;
    if (!ec && v.is_object())
      if (const auto* e = v.get_object().if_contains("error"); e && e->is_object())
        if (const auto* m = e->get_object().if_contains("message"); m && m->is_string())
          message = std::string(m->get_string());
    return Error{fmt::format("admin API answered {}: {}", answer->status, message)};
  }
  if (ec) return Error{fmt::format("admin API: the answer is not JSON: {}", ec.message())};
  if (op == "list" && v.is_object() && v.get_object().contains("keys"))
    return v.get_object().at("keys");
  return v;
}

int run(const KeyFlags& f, const std::string& op) {
  if (!f.admin.empty() && (!f.config.empty() || !f.db.empty()))
    return input_error(Error{"give --admin, or --config/--db, not both"});
  auto result = f.admin.empty() ? run_local(f, op) : run_admin(f, op);
  if (!result) return input_error(result.error());
  if (parse_format(f.format) == Format::kJson) {
    fmt::print("{}\n", to_pretty_json(*result));
    return kExitOk;
  }
  if (op == "list") {
    print_keys(result->get_array());
    return kExitOk;
  }
  const json::object& k = result->get_object();
  if (const auto* secret = k.if_contains("key")) {
    fmt::print("{} key {} \"{}\". The secret is shown this once; store it now:\n\n  {}\n\n",
               op == "create" ? "Created" : "Rotated", str(k.at("id")), str(k.at("name")),
               std::string(secret->get_string()));
    return kExitOk;
  }
  if (op == "revoke") {
    fmt::print("Revoked key {} \"{}\"; every gateway replica refuses it within a second.\n",
               str(k.at("id")), str(k.at("name")));
    return kExitOk;
  }
  print_key(k);
  return kExitOk;
}

void add_store_options(CLI::App* cmd, KeyFlags& f) {
  cmd->add_option("--config", f.config,
                  "Gateway config: keys live in its governance store (SQLite file or Redis)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--db", f.db, "SQLite file of the embedded store (default ./llmctl.db)");
  cmd->add_option("--admin", f.admin, "A running gateway's admin API, e.g. http://127.0.0.1:9090");
  cmd->add_option("--admin-token-env", f.admin_token_env,
                  "Environment variable holding the admin token (default LLMCTL_ADMIN_TOKEN)");
  add_format_option(cmd, f.format);
}

void add_field_options(CLI::App* cmd, KeyFlags& f, bool create) {
  auto opt = [&](const std::string& name, auto& target, const std::string& help) {
    f.given[name] = cmd->add_option("--" + name, target, help);
    return f.given[name];
  };
  auto* name = opt("name", f.name, "Key name (unique among active keys)");
  if (create) name->required();
  opt("team", f.team, "Team (attribution; team limits and budgets apply)");
  opt("user", f.user, "User (attribution; user limits and budgets apply)");
  opt("project", f.project, "Project (attribution)");
  opt("agent", f.agent, "Agent (attribution; agent budgets apply)");
  opt("models", f.models, "Allowed models, comma-separated (default: all)");
  opt("rpm", f.rpm, "Requests per minute (0: none)")->check(CLI::NonNegativeNumber);
  opt("tpm", f.tpm, "Tokens per minute (0: none)")->check(CLI::NonNegativeNumber);
  opt("max-parallel", f.max_parallel, "Requests in flight (0: none)")
      ->check(CLI::NonNegativeNumber);
  opt("budget-usd", f.budget_usd, "Hard budget in dollars per period (0: none)")
      ->check(CLI::NonNegativeNumber);
  opt("soft-budget-usd", f.soft_budget_usd, "Soft budget: alert when crossed (0: none)")
      ->check(CLI::NonNegativeNumber);
  opt("budget-period", f.budget_period, "day, week, month (default) or total")
      ->check(CLI::IsMember({"day", "week", "month", "total"}));
  opt("expires", f.expires, "YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (UTC) or never");
  f.given["tag"] = cmd->add_option("--tag", f.tags, "Tag KEY=VALUE (repeatable)");
}

void register_keys(CLI::App& app, Context& ctx) {
  auto* keys = app.add_subcommand(
      "keys", "Virtual keys of the gateway: create, list, show, update, revoke, rotate");
  keys->require_subcommand(1);
  struct Op {
    const char* name;
    const char* help;
    bool takes_id, fields, create;
  };
  for (const Op& op :
       {Op{"create", "Create a key; prints its secret once", false, true, true},
        Op{"list", "List keys (revoked ones too)", false, false, false},
        Op{"show", "Show one key (id or name)", true, false, false},
        Op{"update", "Change a key's attribution, limits, budget or expiry", true, true, false},
        Op{"revoke", "Revoke a key (refused by every replica within 1 s)", true, false, false},
        Op{"rotate", "Give a key a new secret (the old one stops working)", true, false, false}}) {
    auto f = std::make_shared<KeyFlags>();
    auto* cmd = keys->add_subcommand(op.name, op.help);
    if (op.takes_id) cmd->add_option("ID", f->id, "Key id or name")->required();
    if (op.fields) add_field_options(cmd, *f, op.create);
    add_store_options(cmd, *f);
    const std::string name = op.name;
    cmd->callback([&ctx, f, name] { ctx.action = [f, name] { return run(*f, name); }; });
  }
}

static const CommandRegistrar kRegisterKeys(65, register_keys);

}  // namespace
}  // namespace llmctl::cli
