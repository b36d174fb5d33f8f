// The Redis store (governance.store: redis), for gateway replicas that must agree: keys, rate
// counters and budget reservations in one Redis (a single instance or a primary; Redis Cluster
// is not supported: every script touches keys of several scopes).
//
// Each admission is one EVALSHA of the admit script (scripts.cpp): it checks and counts every
// scope of the request atomically, so N replicas see one count. A worker's RedisLimiter keeps one
// connection on the worker's own event loop and pipelines every request's command on it (no
// request waits for another's reply); the settlement after the response is a second, fire-and-
// forget script that the next request never waits for.
//
// When Redis does not answer (down, unreachable, or slower than timeout_ms) an admission comes
// back kUnavailable at once and the gateway applies its fail mode; settlements queue (bounded,
// overflow counted) and are replayed on reconnection, and those of requests admitted while open
// count the request, its tokens and its cost then ("reconcile"). Reconnection backs off
// exponentially (50 ms doubling to 2 s, jittered); nothing blocks a worker meanwhile.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/governance.h"
#include "store/keys.h"

struct redisContext;
struct redisAsyncContext;
struct redisReply;

namespace llmctl::store {

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;  // secret: from the URL or an environment variable, never logged
  std::string username;  // Redis 6 ACL user; empty: the default user
  int db = 0;
  std::string prefix = "llmctl:";   // every key this store writes starts with it
  int timeout_ms = 100;             // an admission not answered within it is kUnavailable
  int connect_timeout_ms = 1000;    // blocking client (control plane)
  std::int64_t lease_ms = 1800000;  // in-flight entries and reservations outliving it expire
  std::size_t max_queued_settlements = 100000;
};

// "redis://[[user]:password@]host[:port][/db]". Errors say what part is wrong (never echoing
// the password).
Result<RedisOptions> parse_redis_url(std::string_view url);
// "host:port/db" for messages (no credentials).
std::string redis_address(const RedisOptions& o);

// --- the scripts and their arguments (scripts.cpp), shared by both clients ---
const std::string& admit_script();
const std::string& settle_script();
std::vector<std::string> admit_args(const RedisOptions& o, const Admission& a);
std::vector<std::string> settle_args(const RedisOptions& o, const Settlement& s);
// `scopes`: the admission's (or settlement's) scopes, to map the reply's scope indices back.
AdmitResult parse_admit_reply(const redisReply* r, const std::vector<Scope>& scopes);
Result<std::vector<BudgetCrossing>> parse_settle_reply(const redisReply* r,
                                                       const std::vector<Scope>& scopes);

// Owns a reply (freeReplyObject on destruction).
struct ReplyDeleter {
  void operator()(redisReply* r) const;
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

// A blocking connection for the control plane (key CRUD, budget state, the CLI) and tests. It
// reconnects once per command when the connection was lost. Not thread-safe: one per thread.
class RedisClient {
 public:
  static Result<std::unique_ptr<RedisClient>> connect(const RedisOptions& o);
  ~RedisClient();
  // Runs one command; a Redis error reply is an Error with its text.
  Result<Reply> command(const std::vector<std::string>& argv);
  // The admit and settle scripts, blocking (EVALSHA, loading them on NOSCRIPT).
  Result<AdmitResult> admit(const Admission& a);
  Result<std::vector<BudgetCrossing>> settle(const Settlement& s);
  // Spend and reservations of each scope's budget in the period containing now_ms.
  Result<std::vector<BudgetState>> budget_states(const std::vector<Scope>& scopes,
                                                 std::int64_t now_ms);
  const RedisOptions& options() const { return o_; }

 private:
  explicit RedisClient(RedisOptions o) : o_(std::move(o)) {}
  Status open();
  Result<Reply> run_script(const std::string& script, std::string& sha,
                           const std::vector<std::string>& args);
  RedisOptions o_;
  redisContext* c_ = nullptr;
  std::string admit_sha_, settle_sha_;
};

// Keys in Redis: a hash of id -> record JSON, a hash of secret digest -> id, a version counter.
// Insert and replace are scripts, so concurrent admins on different replicas cannot clash.
class RedisKeyStore final : public KeyStore {
 public:
  explicit RedisKeyStore(std::unique_ptr<RedisClient> client) : c_(std::move(client)) {}
  Status insert(const KeyRecord& k) override;
  Status replace(const KeyRecord& k, std::int64_t expected_revision) override;
  Result<std::optional<KeyRecord>> get(const std::string& id) override;
  Result<std::vector<KeyRecord>> list() override;
  Result<std::int64_t> version() override;
  RedisClient& client() { return *c_; }

 private:
  std::unique_ptr<RedisClient> c_;
};

// What an async Redis connection needs from its host's event loop (the gateway implements it on
// a worker's Asio io_context; tests on poll(2)). Every callback runs on the loop's thread.
class EventLoop {
 public:
  virtual ~EventLoop() = default;
  class Watch {
   public:
    virtual ~Watch() = default;
    virtual void want_read(bool on) = 0;
    virtual void want_write(bool on) = 0;
  };
  // Watches `fd` (never closed by the loop); on_read / on_write are called while wanted.
  virtual std::unique_ptr<Watch> watch(int fd, std::function<void()> on_read,
                                       std::function<void()> on_write) = 0;
  class Timer {
   public:
    virtual ~Timer() = default;
  };
  // Calls fn once after `ms` unless the Timer is destroyed first.
  virtual std::unique_ptr<Timer> after(std::int64_t ms, std::function<void()> fn) = 0;
  // Monotonic milliseconds.
  virtual std::int64_t steady_ms() = 0;
};

// Counters of one RedisLimiter: written on its loop's thread, readable from any (relaxed).
struct RedisLimiterStats {
  std::atomic<bool> connected{false};
  std::atomic<std::uint64_t> reconnects{0};  // connections made after the first
  std::atomic<std::uint64_t> errors{0};      // failed connects, disconnects, error replies
  std::atomic<std::uint64_t> timeouts{0};    // admissions not answered within timeout_ms
  std::atomic<std::uint64_t> queued{0};      // settlements waiting for Redis now
  std::atomic<std::uint64_t> dropped{0};     // settlements lost: a full queue, a hard error reply
  std::atomic<std::uint64_t> replayed{0};    // settlements sent after a reconnection
};

// The Limiter of one worker: one connection, on one event loop; called on its thread only.
class RedisLimiter final : public Limiter {
 public:
  RedisLimiter(RedisOptions o, EventLoop& loop, std::uint64_t seed);
  ~RedisLimiter() override;
  void admit(const Admission& a, AdmitDone done) override;
  void settle(Settlement s, SettleDone done) override;
  const RedisLimiterStats& stats() const { return stats_; }
  const std::string& last_error() const { return last_error_; }
  // Stops calling admission callbacks (the loop is stopping); pending ones are dropped.
  void shutdown();

 private:
  struct Pending;
  struct Queued {
    Settlement s;
    SettleDone done;
  };
  static void on_connect(const redisAsyncContext* ac, int status);
  static void on_disconnect(const redisAsyncContext* ac, int status);
  static void on_admit_reply(redisAsyncContext* ac, void* reply, void* priv);
  static void on_settle_reply(redisAsyncContext* ac, void* reply, void* priv);
  static void on_setup_reply(redisAsyncContext* ac, void* reply, void* priv);
  void connect();
  void lost(const std::string& why);
  void schedule_reconnect();
  void arm_timeouts();
  void check_timeouts();
  void send_settle(Queued q);
  void queue_settle(Queued q);
  void flush_queue();
  void sent();
  void answered();

  RedisOptions o_;
  EventLoop& loop_;
  std::mt19937_64 rng_;
  redisAsyncContext* ac_ = nullptr;
  bool ready_ = false;  // connected and the scripts are loaded
  bool stopping_ = false;
  std::unique_ptr<EventLoop::Watch> watch_;
  std::unique_ptr<EventLoop::Timer> reconnect_timer_, timeout_timer_;
  int backoff_step_ = 0;
  bool connected_once_ = false;
  std::deque<Pending*> pending_;  // admissions in flight, oldest first
  std::deque<Queued> queue_;      // settlements waiting for a connection
  std::string admit_sha_, settle_sha_;
  RedisLimiterStats stats_;
  std::int64_t unanswered_ = 0;  // commands sent on the current connection, not yet answered
  std::int64_t waiting_since_ms_ = 0;
  std::string last_error_;
};

}  // namespace llmctl::store
