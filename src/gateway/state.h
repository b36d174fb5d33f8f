// Private to src/gateway: what the workers of one gateway run share. Created before the workers
// and destroyed after them. Workers write only their own shard and queue; the atomics here are
// the only cross-worker writes (max_concurrency slots, the draining flag).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "gateway/config.h"
#include "gateway/metrics.h"
#include "gateway/request_log.h"

namespace llmctl::gateway {

struct GatewayState {
  std::shared_ptr<const Config> config;
  std::vector<std::unique_ptr<MetricsShard>> shards;        // one per worker
  std::vector<std::unique_ptr<RecordQueue>> queues;         // one per worker
  std::unique_ptr<std::atomic<int>[]> deployment_inflight;  // per deployment, capped ones only
  std::atomic<bool> draining{false};
  std::unique_ptr<RequestLogWriter> writer;
  std::int64_t started_unix_s = 0;

  MetricsView view() const {
    MetricsView v;
    v.config = config.get();
    for (const auto& s : shards) v.shards.push_back(s.get());
    for (std::size_t d = 0; d < config->deployments.size(); ++d)
      v.deployment_inflight.push_back(deployment_inflight[d].load(std::memory_order_relaxed));
    if (writer) {
      v.log_written = writer->written();
      v.log_write_errors = writer->write_errors();
    }
    v.draining = draining.load(std::memory_order_relaxed);
    return v;
  }
  std::int64_t inflight() const {
    std::int64_t n = 0;
    for (const auto& s : shards) n += s->inflight_now();
    return n;
  }
};

}  // namespace llmctl::gateway
