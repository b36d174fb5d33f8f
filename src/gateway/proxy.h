// Private to src/gateway: builds the request handler of one gateway worker.
#pragma once

#include <memory>

#include "gateway/state.h"
#include "net/net.h"

namespace llmctl::gateway {

// A worker's handler that can be given a new config snapshot (reload). adopt() must run on the
// worker's thread (post it to the worker's io_context).
class SnapshotSink : public net::Handler {
 public:
  virtual void adopt(std::shared_ptr<const Snapshot> snapshot) = 0;
};

// The handler answering /v1/* proxy requests, /v1/models, /healthz, /readyz and /metrics on
// worker `worker` (index into the snapshot's shards and state.queues); starts on
// state.current().
std::unique_ptr<SnapshotSink> make_gateway_handler(int worker, GatewayState& state, net::Worker& w);

}  // namespace llmctl::gateway
