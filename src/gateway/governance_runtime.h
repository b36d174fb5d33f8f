// Private to src/gateway: governance state of one gateway run (GovernanceRuntime) and of one
// worker (WorkerGovernance).
//
// Threads:
//   - a sync thread polls the key store's version every governance.sync_interval_ms and, when
//     it moved, loads every key and publishes a new KeyTable (workers pick it up at their next
//     request: one relaxed load when nothing changed) — so a revocation or rotation on any
//     replica is in force everywhere within the interval plus a request; it also writes the
//     embedded store's changed spend every 200 ms and refreshes the budget gauges every second;
//   - an alert thread logs soft-budget crossings and POSTs them to the optional webhook (5 s per
//     POST at most, a bounded queue), so a slow webhook delays nothing else;
//   - workers: each has a WorkerGovernance with its Limiter (the shared embedded one, or its own
//     Redis connection on its io_context) and its counters.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "gateway/config.h"
#include "gateway/governance.h"
#include "gateway/governance_stages.h"
#include "gateway/metrics.h"
#include "store/memory.h"
#include "store/redis.h"
#include "store/sqlite_store.h"

namespace boost::asio {
class io_context;
}

namespace llmctl::gateway {

// The latest KeyTable, for workers that look without a lock on their request path.
class KeyTablePublisher {
 public:
  void publish(std::shared_ptr<const KeyTable> t);
  // Replaces `cached` when a newer table was published since `seen` (the usual case: one
  // relaxed load).
  void refresh(std::shared_ptr<const KeyTable>& cached, std::uint64_t& seen) const;
  std::shared_ptr<const KeyTable> current() const;

 private:
  std::atomic<std::uint64_t> generation_{0};
  mutable std::mutex mu_;
  std::shared_ptr<const KeyTable> table_ = std::make_shared<KeyTable>();
};

// One key's attributed traffic on one worker.
struct KeyCounters {
  std::string key_name, team;
  OwnedCounter requests, input_tokens, output_tokens;
  OwnedSum cost_usd;
};

// Counters of one worker (one writer; scrapes read them relaxed).
class GovernanceShard {
 public:
  OwnedCounter& auth_failure(AuthFailure f) { return auth_[static_cast<int>(f)]; }
  OwnedCounter& refused(store::ScopeKind k, store::LimitKind l) {
    return refused_[static_cast<int>(k) * 5 + static_cast<int>(l)];
  }
  OwnedCounter& fail_open() { return fail_open_; }
  OwnedCounter& fail_closed() { return fail_closed_; }
  // Set once by a worker with a Redis connection (its counters, for scrapes).
  std::atomic<const store::RedisLimiterStats*> redis{nullptr};
  // The counters of a key (created on its first request on this worker).
  KeyCounters& key(const store::KeyRecord& k);

  std::uint64_t auth_failures(int f) const { return auth_[f].get(); }
  std::uint64_t refusals(int kind, int limit) const { return refused_[kind * 5 + limit].get(); }
  std::uint64_t fail_open_count() const { return fail_open_.get(); }
  std::uint64_t fail_closed_count() const { return fail_closed_.get(); }
  // Calls fn(id, counters) for every key seen (under the shard's insert lock).
  template <typename Fn>
  void for_each_key(Fn fn) const {
    std::lock_guard lock(keys_mu_);
    for (const auto& [id, c] : keys_) fn(id, *c);
  }

 private:
  OwnedCounter auth_[kAuthFailureCount];
  OwnedCounter refused_[store::kScopeKindCount * 5];
  OwnedCounter fail_open_, fail_closed_;
  mutable std::mutex keys_mu_;  // held to insert (the worker) and to iterate (a scrape)
  std::unordered_map<std::string, std::unique_ptr<KeyCounters>> keys_;
};

class GovernanceRuntime;

class WorkerGovernance final : public KeySource {
 public:
  WorkerGovernance(GovernanceRuntime& rt, int index);
  ~WorkerGovernance() override;
  // Called on the worker's thread before it serves (the Redis connection lives there).
  void start(boost::asio::io_context& io);
  store::Limiter& limiter() { return *limiter_; }
  // KeySource (the auth stage): the latest key table, the unix clock, refusal counters.
  const KeyTable& keys() override;
  std::int64_t now_ms() const override;
  void auth_failed(AuthFailure f) override { shard_->auth_failure(f).add(); }
  GovernanceShard& metrics() { return *shard_; }
  GovernanceRuntime& runtime() { return rt_; }
  const store::RedisLimiterStats* redis_stats() const;

 private:
  GovernanceRuntime& rt_;
  int index_;
  std::shared_ptr<GovernanceShard> shard_;
  std::unique_ptr<store::EventLoop> loop_;
  std::unique_ptr<store::RedisLimiter> redis_;
  store::Limiter* limiter_ = nullptr;
  std::shared_ptr<const KeyTable> keys_;
  std::uint64_t keys_seen_ = ~std::uint64_t{0};
};

class GovernanceRuntime {
 public:
  // Opens the store the config names and loads the keys (and, embedded, the spend). Errors
  // name the store. Nothing starts yet.
  static Result<std::unique_ptr<GovernanceRuntime>> open(const Config& c);
  ~GovernanceRuntime();
  void start();
  // Writes the last spend, stops the threads. Idempotent.
  void stop();

  StoreKind kind() const { return kind_; }
  const std::string& replica_id() const { return replica_id_; }
  const store::RedisOptions& redis_options() const { return redis_; }
  store::EmbeddedLimiter* embedded() { return embedded_.get(); }
  KeyTablePublisher& tables() { return tables_; }
  std::shared_ptr<GovernanceShard> new_shard();

  // The admin API's view (its own store connection; serialised).
  template <typename Fn>
  auto with_admin_store(Fn fn) {
    std::lock_guard lock(admin_mu_);
    return fn(*admin_keys_);
  }
  // False when keys have nowhere to live (embedded, with neither a request log nor
  // governance.sqlite_path): the admin API's key routes are then absent.
  bool has_key_store() const { return admin_keys_ != nullptr; }
  // A key changed through this replica: look again now instead of at the next poll.
  void poke();
  // Budget state of these scopes now (admin API).
  Result<std::vector<store::BudgetState>> budget_states(const std::vector<store::Scope>& scopes,
                                                        std::int64_t now_ms);
  // A settlement crossed a soft budget (or reached a hard one): counted, logged, webhooked.
  void alert(const store::Scope& scope, const store::BudgetCrossing& c, std::int64_t now_ms);

  // The governance families of /metrics.
  std::string render_metrics(const Config& c, std::int64_t now_ms) const;
  // Sets which budgets the gauges show (from the current config and keys) and where alerts go;
  // at start and on every reload. The gauges are refreshed at once.
  void set_config(std::shared_ptr<const Config> c);

 private:
  GovernanceRuntime() = default;
  void sync_loop();
  void alert_loop();
  Status load_keys();
  void refresh_budgets(std::int64_t now_ms);

  StoreKind kind_ = StoreKind::kSqlite;
  std::string replica_id_;
  store::RedisOptions redis_;
  std::string alert_webhook_;  // under alert_mu_ (a reload changes it)
  int sync_interval_ms_ = 250;
  std::unique_ptr<store::KeyStore> sync_keys_;   // the sync thread's
  std::unique_ptr<store::KeyStore> admin_keys_;  // the admin API's
  std::mutex admin_mu_;
  std::unique_ptr<store::RedisClient> budget_client_;  // redis: budget gauges (sync thread)
  std::mutex budget_client_mu_;
  store::SqliteStore* sqlite_ = nullptr;  // = sync_keys_ when embedded
  std::unique_ptr<store::EmbeddedLimiter> embedded_;
  KeyTablePublisher tables_;
  std::int64_t keys_version_ = -1;

  mutable std::mutex shards_mu_;
  std::vector<std::shared_ptr<GovernanceShard>> shards_;

  mutable std::mutex state_mu_;
  std::shared_ptr<const Config> config_;
  std::vector<store::BudgetState> budgets_;  // last refresh, for the gauges
  std::atomic<bool> budgets_stale_{false};   // the config changed: refresh the gauges now
  std::uint64_t sync_errors_ = 0;
  std::string last_sync_error_;

  struct Alert {
    std::string scope;
    store::Nanos spent = 0, soft = 0, hard = 0;
    bool hard_reached = false;
    std::int64_t at_ms = 0;
  };
  std::mutex alert_mu_;
  std::condition_variable alert_cv_;
  std::deque<Alert> alerts_;
  static constexpr std::size_t kAlertQueueCapacity = 1024;
  static constexpr std::chrono::milliseconds kAlertTimeout{5000};  // one webhook POST, in all
  std::atomic<std::uint64_t> alerts_seen_{0}, alerts_sent_{0}, alerts_failed_{0},
      alerts_dropped_{0};

  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  bool poked_ = false;
  std::atomic<bool> stop_{false};
  std::thread sync_, alerter_;
};

}  // namespace llmctl::gateway
