// Metrics: per-worker shards written without locks, summed and rendered in the Prometheus text
// format at scrape time.
//
// Thread rules: each MetricsShard has one writer, its worker thread. Values are relaxed atomics
// that the owner updates with a plain load + store (no lock prefix, no contention); any thread
// may read them for a scrape, which sees each value whole but not a cross-metric snapshot.
// Shapes (model x endpoint x status ...) are fixed when the shard is built from a Config.
// Histogram bounds follow the OpenTelemetry GenAI semantic conventions.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "catalog/cost.h"
#include "gateway/config.h"
#include "gateway/protocol.h"
#include "protocol/gateway_metrics.h"

namespace llmctl::gateway {

// Bucket bounds: the exposition contract (protocol/gateway_metrics.h), shared with `llmctl deploy`.
using protocol::gateway_metrics::kDurationBounds;
using protocol::gateway_metrics::kOverheadBounds;
using protocol::gateway_metrics::kTpotBounds;
using protocol::gateway_metrics::kTtftBounds;

// Status codes with their own series; anything else is counted as "other".
inline constexpr std::array<int, 15> kStatusCodes = {200, 400, 401, 403, 404, 405, 408, 413,
                                                     422, 429, 499, 500, 502, 503, 504};

class OwnedCounter {
 public:
  void add(std::uint64_t n = 1) {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::uint64_t get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

class OwnedGauge {
 public:
  void add(std::int64_t d) {
    v_.store(v_.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
  }
  std::int64_t get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> v_{0};
};

class OwnedSum {
 public:
  void add(double d) {
    v_.store(v_.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
  }
  double get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

class OwnedHistogram {
 public:
  explicit OwnedHistogram(std::span<const double> bounds)
      : bounds_(bounds), counts_(new OwnedCounter[bounds.size() + 1]) {}
  void observe(double v);
  std::span<const double> bounds() const { return bounds_; }
  // Non-cumulative count of bucket i (i == bounds().size(): above the last bound).
  std::uint64_t bucket(std::size_t i) const { return counts_[i].get(); }
  std::uint64_t count() const { return count_.get(); }
  double sum() const { return sum_.get(); }

 private:
  std::span<const double> bounds_;
  std::unique_ptr<OwnedCounter[]> counts_;
  OwnedCounter count_;
  OwnedSum sum_;
};

enum class TokenType { kInput, kOutput, kCacheRead, kCacheWrite, kReasoning };
inline constexpr int kTokenTypeCount = 5;

// Per-deployment upstream connection-pool and concurrency numbers of one worker.
struct PoolStats {
  OwnedGauge idle;      // keep-alive connections parked
  OwnedGauge active;    // connections carrying a request
  OwnedCounter opened;  // new connections (TCP + TLS)
  OwnedCounter reused;  // requests sent on a kept-alive connection
  OwnedCounter connect_errors;
  OwnedCounter queue_timeouts;  // requests that found no slot under max_concurrency in time
};

class MetricsShard {
 public:
  // `models`: number of model groups (one more slot counts requests for unknown models).
  MetricsShard(std::size_t models, std::size_t deployments);

  std::size_t models() const { return models_; }
  std::size_t deployments() const { return deployments_; }
  int unknown_model() const { return static_cast<int>(models_); }

  void count_request(int model, Endpoint endpoint, int status);
  void count_error(int model, ErrorClass c);
  void add_usage(int model, const catalog::Usage& usage, bool estimated, double cost_usd);
  OwnedHistogram& request_duration(int model) { return *request_duration_[slot(model)]; }
  OwnedHistogram& ttft(int model) { return *ttft_[slot(model)]; }
  OwnedHistogram& tpot(int model) { return *tpot_[slot(model)]; }
  OwnedHistogram& upstream_duration(int deployment) {
    return *upstream_duration_[static_cast<std::size_t>(deployment)];
  }
  OwnedHistogram& overhead() { return overhead_; }
  PoolStats& pool(int deployment) { return pools_[static_cast<std::size_t>(deployment)]; }
  OwnedGauge& inflight() { return inflight_; }
  OwnedCounter& log_dropped() { return log_dropped_; }

  // Readers for rendering.
  std::uint64_t requests(std::size_t model, int endpoint, std::size_t status_slot) const;
  std::uint64_t errors(std::size_t model, int error_class) const;
  std::uint64_t tokens(std::size_t model, int type) const;
  std::uint64_t estimated(std::size_t model) const { return estimated_[model].get(); }
  double cost(std::size_t model) const { return cost_[model].get(); }
  const OwnedHistogram& request_duration(std::size_t m) const { return *request_duration_[m]; }
  const OwnedHistogram& ttft(std::size_t m) const { return *ttft_[m]; }
  const OwnedHistogram& tpot(std::size_t m) const { return *tpot_[m]; }
  const OwnedHistogram& upstream_duration(std::size_t d) const { return *upstream_duration_[d]; }
  const OwnedHistogram& overhead() const { return overhead_; }
  const PoolStats& pool(std::size_t d) const { return pools_[d]; }
  std::int64_t inflight_now() const { return inflight_.get(); }
  std::uint64_t log_dropped_count() const { return log_dropped_.get(); }

 private:
  std::size_t slot(int model) const {
    return model < 0 || static_cast<std::size_t>(model) >= models_
               ? models_
               : static_cast<std::size_t>(model);
  }
  std::size_t models_, deployments_;
  std::unique_ptr<OwnedCounter[]> requests_;  // [model slot][endpoint][status slot]
  std::unique_ptr<OwnedCounter[]> errors_;    // [model slot][error class]
  std::unique_ptr<OwnedCounter[]> tokens_;    // [model slot][token type]
  std::unique_ptr<OwnedCounter[]> estimated_;
  std::unique_ptr<OwnedSum[]> cost_;
  std::vector<std::unique_ptr<OwnedHistogram>> request_duration_, ttft_, tpot_, upstream_duration_;
  OwnedHistogram overhead_{kOverheadBounds};
  std::unique_ptr<PoolStats[]> pools_;
  OwnedGauge inflight_;
  OwnedCounter log_dropped_;
};

// What a scrape renders: the config (for label values), every worker's shard, and numbers that
// live outside the shards.
struct MetricsView {
  const Config* config = nullptr;
  std::vector<const MetricsShard*> shards;
  std::vector<std::int64_t> deployment_inflight;  // shared max_concurrency counters
  std::uint64_t log_written = 0;
  std::uint64_t log_write_errors = 0;
  bool draining = false;
};

// Prometheus text exposition format 0.0.4; passes `promtool check metrics`.
std::string render_prometheus(const MetricsView& view);

}  // namespace llmctl::gateway
