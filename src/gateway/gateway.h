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
};

// Blocks until SIGINT/SIGTERM, then drains in-flight requests within drain_timeout_ms, aborts
// what is left and flushes the request log. Returns 0, or 2 when it cannot start (the reason is
// printed on stderr).
int run_gateway(const GatewayOptions& options);

}  // namespace llmctl::gateway
