// Private to src/gateway: builds the request handler of one gateway worker.
#pragma once

#include <memory>

#include "gateway/net.h"
#include "gateway/state.h"

namespace llmctl::gateway {

// The handler answering /v1/* proxy requests, /v1/models, /healthz, /readyz and /metrics on
// worker `worker` (index into state.shards and state.queues).
std::unique_ptr<net::Handler> make_gateway_handler(int worker, GatewayState& state, net::Worker& w);

}  // namespace llmctl::gateway
