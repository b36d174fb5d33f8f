// The gateway data plane as one call for the CLI: `llmctl gateway` and `llmctl up` parse a
// Config, then run_gateway() serves it until SIGINT/SIGTERM, drains, flushes the request log and
// returns the exit code. No Asio/Beast types here.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "gateway/config.h"

namespace llmctl::gateway {

struct GatewayOptions {
  std::shared_ptr<const Config> config;
  // Called once every listener is bound, before requests are served (the CLI prints
  // "listening on HOST:PORT" here). `port` is the real port when the config asked for 0.
  std::function<void(const std::string& host, int port)> on_listening;
  // Reload (SIGHUP, file change, POST /admin/reload): reads and parses the config again with
  // the same catalog and command-line overrides. Null: no reload (the built-in config).
  std::function<Result<Config>()> reload;
  std::string config_path;  // watched for changes when reload is set; empty: not watched
};

// Blocks until SIGINT/SIGTERM (SIGHUP reloads), then drains in-flight requests within
// drain_timeout_ms, aborts what is left and flushes the request log. Returns 0, or 2 when it cannot
// start (the reason is printed on stderr).
int run_gateway(const GatewayOptions& options);

}  // namespace llmctl::gateway
