// `llmctl gateway` and `llmctl up`: the OpenAI-compatible gateway.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/app.h"
#include "gateway/config.h"
#include "gateway/gateway.h"

namespace llmctl::cli {
namespace {

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("{}: cannot read", path)};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct ServeFlags {
  std::string config;
  bool check = false;
  int workers = -1;
  int port = -1;
  std::string host;
  std::string db;
};

// Loads the catalog and parses the config text; exit code 2 on any error.
Result<gateway::Config> load_config(const Context& ctx, const std::string& text,
                                    const std::string& name) {
  auto cat = load_catalog(ctx.global);
  if (!cat) return cat.error();
  auto catalog = std::make_shared<const catalog::Catalog>(std::move(*cat));
  return gateway::parse_config(text, name, catalog);
}

void apply_overrides(gateway::Config& config, const ServeFlags& f, CLI::Option* port,
                     CLI::Option* workers, CLI::Option* host, CLI::Option* db) {
  if (port && port->count() > 0) config.port = f.port;
  if (workers && workers->count() > 0) config.workers = f.workers;
  if (host && host->count() > 0) config.host = f.host;
  if (db && db->count() > 0) config.request_log.path = f.db;
}

// `path` empty: the built-in config, which cannot be reloaded.
int serve(gateway::Config config, const std::string& path, const ServeFlags& f, CLI::Option* port,
          CLI::Option* workers, CLI::Option* host, CLI::Option* db) {
  apply_overrides(config, f, port, workers, host, db);
  gateway::GatewayOptions options;
  if (!path.empty()) {
    // The same catalog and the same command-line overrides as at start.
    options.config_path = path;
    options.reload = [catalog = config.catalog, path, f, port, workers, host,
                      db]() -> Result<gateway::Config> {
      auto text = read_text(path);
      if (!text) return text.error();
      auto parsed = gateway::parse_config(*text, path, catalog);
      if (!parsed) return parsed.error();
      apply_overrides(*parsed, f, port, workers, host, db);
      return parsed;
    };
  }
  options.config = std::make_shared<const gateway::Config>(std::move(config));
  options.on_listening = [](const std::string& h, int p) {
    fmt::print("listening on {}:{}\n", h, p);
    std::fflush(stdout);
  };
  return gateway::run_gateway(options);
}

}  // namespace

void register_gateway(CLI::App& app, Context& ctx) {
  // gateway
  auto g = std::make_shared<ServeFlags>();
  auto* gw = app.add_subcommand(
      "gateway",
      "Run the OpenAI-compatible gateway from a config file (routing, streaming, usage and cost, "
      "metrics, request log)");
  gw->add_option("--config", g->config, "Gateway config (YAML; see docs/GATEWAY.md)")
      ->required()
      ->check(CLI::ExistingFile);
  gw->add_flag("--check", g->check,
               "Validate the config and exit: 0 when valid, 2 with file:line and field otherwise");
  auto* gw_workers = gw->add_option("--workers", g->workers,
                                    "Worker threads (overrides the config; 0 = one per core)")
                         ->check(CLI::Range(0, 1024));
  auto* gw_port =
      gw->add_option("--port", g->port, "Port (overrides the config; 0 picks a free one)")
          ->check(CLI::Range(0, 65535));
  gw->callback([&ctx, g, gw_port, gw_workers] {
    ctx.action = [&ctx, g, gw_port, gw_workers] {
      auto text = read_text(g->config);
      if (!text) return input_error(text.error());
      auto config = load_config(ctx, *text, g->config);
      if (!config) return input_error(config.error());
      if (g->check) {
        fmt::print("{}: ok: {} model(s), {} deployment(s), listen {}:{}\n", g->config,
                   config->models.size(), config->deployments.size(), config->host, config->port);
        return kExitOk;
      }
      return serve(std::move(*config), g->config, *g, gw_port, gw_workers, nullptr, nullptr);
    };
  });

  // up
  auto u = std::make_shared<ServeFlags>();
  auto* up = app.add_subcommand(
      "up",
      "Start the gateway with built-in defaults: 127.0.0.1:8080, request log ./llmctl.db, the "
      "simulated model llmctl-sim (no key needed), OpenAI models when OPENAI_API_KEY is set");
  auto* up_port =
      up->add_option("--port", u->port, "Port (0 picks a free one)")->check(CLI::Range(0, 65535));
  auto* up_host = up->add_option("--host", u->host, "Address to listen on (default 127.0.0.1)");
  up->add_option("--config", u->config, "Use this gateway config instead of the built-in one")
      ->check(CLI::ExistingFile);
  auto* up_db = up->add_option(
      "--db", u->db, "SQLite request log path (default ./llmctl.db; empty: no request log)");
  auto* up_workers = up->add_option("--workers", u->workers, "Worker threads (0 = one per core)")
                         ->check(CLI::Range(0, 1024));
  up->callback([&ctx, u, up_port, up_host, up_db, up_workers] {
    ctx.action = [&ctx, u, up_port, up_host, up_db, up_workers] {
      std::string name = u->config.empty() ? "<built-in>" : u->config;
      std::string text;
      if (u->config.empty()) {
        text = gateway::default_config_yaml();
      } else {
        auto t = read_text(u->config);
        if (!t) return input_error(t.error());
        text = std::move(*t);
      }
      auto config = load_config(ctx, text, name);
      if (!config) return input_error(config.error());
      return serve(std::move(*config), u->config, *u, up_port, up_workers, up_host, up_db);
    };
  });
}

static const CommandRegistrar kRegisterGateway(60, register_gateway);

}  // namespace llmctl::cli
