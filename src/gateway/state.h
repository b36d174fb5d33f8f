// Private to src/gateway: what the workers of one gateway run share. Created before the workers
// and destroyed after them.
//
// The configuration is published as a Snapshot: the immutable Config plus the runtime state its
// deployments and groups use (breakers, health, load, retry budgets; carried over a reload for
// unchanged deployments) and the per-worker metric shards. A reload builds a new Snapshot off
// the hot path and posts it to every worker; a request keeps the snapshot it started with.
// Workers write only their own shard and queue; the runtime objects are the only cross-worker
// writes (atomics), besides the draining flag.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gateway/config.h"
#include "gateway/feedback.h"
#include "gateway/metrics.h"
#include "gateway/quality_metrics.h"
#include "gateway/request_log.h"
#include "gateway/resilience.h"
#include "gateway/response_store.h"
#include "gateway/telemetry_export.h"

namespace llmctl::gateway {

struct Snapshot {
  std::shared_ptr<const Config> config;
  std::vector<std::shared_ptr<DeploymentRuntime>> deployments;  // by Config::deployments index
  std::vector<std::shared_ptr<GroupRuntime>> groups;            // by Config::models index
  std::vector<std::shared_ptr<MetricsShard>> shards;            // one per worker
  std::vector<std::shared_ptr<QualityShard>> quality;           // one per worker (issue 15)
  std::uint64_t generation = 1;
};

// Builds the snapshot for `config`, reusing from `previous` (may be null) the runtime of every
// deployment whose name and base URL are unchanged (and whose breaker policy is the same), the
// runtime of every group whose name and retry policy are unchanged, and the metric shards when
// the model and deployment names are the same in the same order.
std::shared_ptr<const Snapshot> make_snapshot(std::shared_ptr<const Config> config,
                                              const Snapshot* previous, int workers);

struct ReloadStats {
  std::atomic<std::uint64_t> ok{0}, failed{0}, unchanged{0};
  mutable std::mutex mu;
  std::string last_error;  // empty after a successful reload
  std::int64_t last_unix_ms = 0;
};

class GovernanceRuntime;

struct GatewayState {
  std::vector<std::unique_ptr<RecordQueue>> queues;  // one per worker
  // Keys, limits and budgets (governance_runtime.h); owned by run_gateway, outlives the workers.
  GovernanceRuntime* governance = nullptr;
  std::atomic<bool> draining{false};
  std::unique_ptr<RequestLogWriter> writer;
  std::int64_t started_unix_s = 0;
  int workers = 1;
  ReloadStats reloads;
  ResponseStore responses;  // Responses API answers (GET /v1/responses/{id}, previous_response_id)
  // Issue 15: OpenTelemetry span export (null: telemetry off) and POST /v1/feedback (null: no
  // request log to store it in).
  std::unique_ptr<SpanExporter> telemetry;
  std::unique_ptr<FeedbackStore> feedback;

  // The snapshot workers were last given (control thread, scrapes, admin API).
  std::shared_ptr<const Snapshot> current() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  void set_current(std::shared_ptr<const Snapshot> s) {
    std::lock_guard lock(mu_);
    current_ = std::move(s);
  }

  MetricsView view(const Snapshot& s) const {
    MetricsView v;
    v.config = s.config.get();
    for (const auto& sh : s.shards) v.shards.push_back(sh.get());
    for (const auto& d : s.deployments)
      v.deployment_inflight.push_back(d->capped_inflight.load(std::memory_order_relaxed));
    if (writer) {
      v.log_written = writer->written();
      v.log_write_errors = writer->write_errors();
    }
    v.draining = draining.load(std::memory_order_relaxed);
    return v;
  }
  std::int64_t inflight() const {
    auto s = current();
    std::int64_t n = 0;
    for (const auto& sh : s->shards) n += sh->inflight_now();
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> current_;
};

// The resilience families of /metrics (breaker state and transitions, health, retries,
// fallbacks, retry budget, config reloads), appended after render_prometheus().
std::string render_resilience_metrics(const Snapshot& s, const ReloadStats& reloads,
                                      std::int64_t now_ms);

}  // namespace llmctl::gateway
