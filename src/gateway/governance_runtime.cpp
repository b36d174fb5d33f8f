#include "gateway/governance_runtime.h"

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <tuple>

#include "common/thread_name.h"
#include "gateway/asio_event_loop.h"
#include "gateway/keys_api.h"

namespace llmctl::gateway {

namespace json = boost::json;

namespace {

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string num(double v) { return fmt::format("{:.10g}", v); }

// POSTs a JSON body (http or https, certificate verified); the answer must be 2xx within
// `timeout` for the whole exchange (connect, TLS, write, read): a receiver that accepts and
// never answers costs the alert thread that long, never more.
Status post_json(const std::string& url_text, const std::string& body,
                 std::chrono::milliseconds timeout) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace http = beast::http;
  auto url = parse_url(url_text);
  if (!url) return url.error();
  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  http::request<http::string_body> req{http::verb::post,
                                       url->base_path.empty() ? "/" : url->base_path, 11};
  req.set(http::field::host, url->host_header);
  req.set(http::field::user_agent, "llmctl-gateway");
  req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  http::response<http::string_body> res;
  beast::flat_buffer buf;
  beast::error_code result = asio::error::timed_out;
  auto exchange = [&](auto& stream) -> asio::awaitable<void> {
    auto [ec, _] = co_await http::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
    if (!ec)
      std::tie(ec, _) =
          co_await http::async_read(stream, buf, res, asio::as_tuple(asio::use_awaitable));
    result = ec;
  };
  auto run = [&]() -> asio::awaitable<void> {
    asio::ip::tcp::resolver resolver(io);
    auto [rec, eps] =
        co_await resolver.async_resolve(url->host, url->port, asio::as_tuple(asio::use_awaitable));
    if (rec) {
      result = rec;
      co_return;
    }
    if (url->tls) {
      tls.set_default_verify_paths();
      tls.set_verify_mode(asio::ssl::verify_peer);
      beast::ssl_stream<beast::tcp_stream> s(io, tls);
      SSL_set_tlsext_host_name(s.native_handle(), url->host.c_str());
      s.set_verify_callback(asio::ssl::host_name_verification(url->host));
      beast::get_lowest_layer(s).expires_after(timeout);  // one deadline for every step
      auto [cec, ep] = co_await beast::get_lowest_layer(s).async_connect(
          eps, asio::as_tuple(asio::use_awaitable));
      if (cec) {
        result = cec;
        co_return;
      }
      auto [hec] = co_await s.async_handshake(asio::ssl::stream_base::client,
                                              asio::as_tuple(asio::use_awaitable));
      if (hec) {
        result = hec;
        co_return;
      }
      co_await exchange(s);
    } else {
      beast::tcp_stream s(io);
      s.expires_after(timeout);  // one deadline for every step
      auto [cec, ep] = co_await s.async_connect(eps, asio::as_tuple(asio::use_awaitable));
      if (cec) {
        result = cec;
        co_return;
      }
      co_await exchange(s);
    }
  };
  asio::co_spawn(io, run(), asio::detached);
  // The stream's deadline ends every step but name resolution; a resolver that hangs past
  // twice the deadline is left behind (destroying the io_context frees it).
  io.run_for(2 * timeout);
  if (!io.stopped()) return Error{"name resolution did not finish"};
  if (result == beast::error::timeout)
    return Error{fmt::format("no answer within {} ms", timeout.count())};
  if (result) return Error{result.message()};
  if (res.result_int() >= 300) return Error{fmt::format("webhook answered {}", res.result_int())};
  return {};
}

}  // namespace

// --- KeyTablePublisher ---

void KeyTablePublisher::publish(std::shared_ptr<const KeyTable> t) {
  std::lock_guard lock(mu_);
  table_ = std::move(t);
  generation_.fetch_add(1, std::memory_order_release);
}

void KeyTablePublisher::refresh(std::shared_ptr<const KeyTable>& cached,
                                std::uint64_t& seen) const {
  const std::uint64_t g = generation_.load(std::memory_order_acquire);
  if (g == seen && cached) return;
  std::lock_guard lock(mu_);
  cached = table_;
  seen = g;
}

std::shared_ptr<const KeyTable> KeyTablePublisher::current() const {
  std::lock_guard lock(mu_);
  return table_;
}

// --- GovernanceShard ---

KeyCounters& GovernanceShard::key(const store::KeyRecord& k) {
  // Only this worker inserts, so finding without the lock is safe; scrapes iterate under it.
  auto it = keys_.find(k.id);
  if (it != keys_.end()) return *it->second;
  auto c = std::make_unique<KeyCounters>();
  c->key_name = k.name;
  c->team = k.team;
  std::lock_guard lock(keys_mu_);
  return *keys_.emplace(k.id, std::move(c)).first->second;
}

// --- WorkerGovernance ---

WorkerGovernance::WorkerGovernance(GovernanceRuntime& rt, int index)
    : rt_(rt), index_(index), shard_(rt.new_shard()) {
  limiter_ = rt.embedded();
}

WorkerGovernance::~WorkerGovernance() = default;

void WorkerGovernance::start(boost::asio::io_context& io) {
  if (rt_.kind() != StoreKind::kRedis) return;
  loop_ = std::make_unique<AsioEventLoop>(io);
  std::uint64_t seed = 0;
  store::system_random().fill(reinterpret_cast<unsigned char*>(&seed), sizeof seed);
  redis_ = std::make_unique<store::RedisLimiter>(rt_.redis_options(), *loop_,
                                                 seed + static_cast<std::uint64_t>(index_));
  shard_->redis.store(&redis_->stats(), std::memory_order_release);
  limiter_ = redis_.get();
}

const KeyTable& WorkerGovernance::keys() {
  rt_.tables().refresh(keys_, keys_seen_);
  return *keys_;
}

std::int64_t WorkerGovernance::now_ms() const { return unix_ms(); }

const store::RedisLimiterStats* WorkerGovernance::redis_stats() const {
  return redis_ ? &redis_->stats() : nullptr;
}

// --- GovernanceRuntime ---

Result<std::unique_ptr<GovernanceRuntime>> GovernanceRuntime::open(const Config& c) {
  std::unique_ptr<GovernanceRuntime> rt(new GovernanceRuntime());
  const GovernanceConfig& g = c.governance;
  rt->kind_ = g.store;
  rt->sync_interval_ms_ = g.sync_interval_ms;
  rt->alert_webhook_ = g.alert_webhook;
  unsigned char id[4];
  store::system_random().fill(id, sizeof id);
  rt->replica_id_ = fmt::format("{:02x}{:02x}{:02x}{:02x}", id[0], id[1], id[2], id[3]);
  const StoreSettings settings = store_settings(c);
  if (g.store == StoreKind::kSqlite) {
    rt->embedded_ = std::make_unique<store::EmbeddedLimiter>();
    if (!settings.sqlite_path.empty()) {
      auto sync = store::SqliteStore::open(settings.sqlite_path);
      if (!sync) return sync.error().wrap("governance store");
      auto admin = store::SqliteStore::open(settings.sqlite_path);
      if (!admin) return admin.error().wrap("governance store");
      rt->sqlite_ = sync->get();
      auto spend = rt->sqlite_->load_spend();
      if (!spend) return spend.error().wrap("governance store");
      rt->embedded_->load(*spend);
      rt->sync_keys_ = std::move(*sync);
      rt->admin_keys_ = std::move(*admin);
    }
  } else {
    auto o = store::parse_redis_url(settings.redis_url);
    if (!o) return o.error().wrap("governance.redis_url");
    o->prefix = g.redis_prefix;
    o->timeout_ms = g.timeout_ms;
    o->lease_ms = g.lease_ms;
    rt->redis_ = *o;
    // Redis may still be starting next to us (a fresh deployment): try for a few seconds.
    Result<std::unique_ptr<store::RedisClient>> first = Error{""};
    for (int attempt = 0; attempt < 20; ++attempt) {
      first = store::RedisClient::connect(*o);
      if (first) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    if (!first) return first.error().wrap("governance store");
    auto admin = store::RedisClient::connect(*o);
    if (!admin) return admin.error().wrap("governance store");
    auto budget = store::RedisClient::connect(*o);
    if (!budget) return budget.error().wrap("governance store");
    rt->sync_keys_ = std::make_unique<store::RedisKeyStore>(std::move(*first));
    rt->admin_keys_ = std::make_unique<store::RedisKeyStore>(std::move(*admin));
    rt->budget_client_ = std::move(*budget);
  }
  if (rt->sync_keys_)
    if (auto st = rt->load_keys(); !st.ok()) return st.error().wrap("governance store");
  return rt;
}

GovernanceRuntime::~GovernanceRuntime() { stop(); }

std::shared_ptr<GovernanceShard> GovernanceRuntime::new_shard() {
  auto s = std::make_shared<GovernanceShard>();
  std::lock_guard lock(shards_mu_);
  shards_.push_back(s);
  return s;
}

Status GovernanceRuntime::load_keys() {
  auto v = sync_keys_->version();
  if (!v) return v.error();
  if (*v == keys_version_) return {};
  auto all = sync_keys_->list();
  if (!all) return all.error();
  tables_.publish(std::make_shared<KeyTable>(std::move(*all), *v));
  keys_version_ = *v;
  return {};
}

void GovernanceRuntime::start() {
  if (sync_.joinable()) return;
  sync_ = std::thread([this] {
    name_this_thread("governance");
    sync_loop();
  });
  alerter_ = std::thread([this] {
    name_this_thread("budget-alerts");
    alert_loop();
  });
}

void GovernanceRuntime::stop() {
  if (!sync_.joinable()) return;
  stop_.store(true);
  {
    std::lock_guard lock(wake_mu_);
    poked_ = true;
  }
  wake_cv_.notify_all();
  alert_cv_.notify_all();
  sync_.join();
  alerter_.join();
  // The last spend, written after every worker has stopped.
  if (embedded_ && sqlite_) {
    auto rows = embedded_->take_dirty();
    if (auto st = sqlite_->save_spend(rows, unix_ms()); !st.ok())
      fmt::print(stderr, "llmctl gateway: governance: saving budget spend failed: {}\n",
                 st.error().message);
  }
}

void GovernanceRuntime::poke() {
  {
    std::lock_guard lock(wake_mu_);
    poked_ = true;
  }
  wake_cv_.notify_all();
}

void GovernanceRuntime::set_config(std::shared_ptr<const Config> c) {
  {
    std::lock_guard lock(alert_mu_);
    alert_webhook_ = c->governance.alert_webhook;
  }
  {
    std::lock_guard lock(state_mu_);
    config_ = std::move(c);
  }
  // The budget gauges follow at once (a reload), not at the next second's refresh.
  budgets_stale_.store(true);
  poke();
}

void GovernanceRuntime::sync_loop() {
  std::int64_t last_flush = 0, last_budgets = 0;
  std::vector<store::SpendRow> unsaved;
  while (!stop_.load()) {
    {
      std::unique_lock lock(wake_mu_);
      wake_cv_.wait_for(lock, std::chrono::milliseconds(sync_interval_ms_),
                        [this] { return poked_; });
      poked_ = false;
    }
    if (stop_.load()) break;
    const std::int64_t now = unix_ms();
    if (sync_keys_) {
      if (auto st = load_keys(); !st.ok()) {
        std::lock_guard lock(state_mu_);
        if (last_sync_error_ != st.error().message)
          fmt::print(stderr, "llmctl gateway: governance: key sync failed (retrying): {}\n",
                     st.error().message);
        ++sync_errors_;
        last_sync_error_ = st.error().message;
      } else {
        std::lock_guard lock(state_mu_);
        last_sync_error_.clear();
      }
    }
    if (embedded_ && sqlite_ && now - last_flush >= 200) {
      last_flush = now;
      auto rows = embedded_->take_dirty();
      // Rows a failed write left behind go again (newer values of the same row win).
      for (auto& r : unsaved) {
        bool newer = std::any_of(rows.begin(), rows.end(), [&](const store::SpendRow& x) {
          return x.scope == r.scope && x.period_start_ms == r.period_start_ms;
        });
        if (!newer) rows.push_back(r);
      }
      unsaved.clear();
      if (auto st = sqlite_->save_spend(rows, now); !st.ok()) {
        unsaved = std::move(rows);
        std::lock_guard lock(state_mu_);
        ++sync_errors_;
        last_sync_error_ = st.error().message;
      }
    }
    if (now - last_budgets >= 1000 || budgets_stale_.exchange(false)) {
      last_budgets = now;
      refresh_budgets(now);
    }
  }
}

void GovernanceRuntime::refresh_budgets(std::int64_t now_ms) {
  std::vector<store::Scope> scopes;
  {
    std::lock_guard lock(state_mu_);
    if (config_) {
      auto add = [&](store::ScopeKind kind, const std::map<std::string, ScopeLimits>& m) {
        for (const auto& [name, s] : m) {
          if (!s.budget.any()) continue;
          store::Scope sc;
          sc.kind = kind;
          sc.name = name;
          sc.budget = s.budget;
          scopes.push_back(std::move(sc));
        }
      };
      add(store::ScopeKind::kTeam, config_->governance.teams);
      add(store::ScopeKind::kUser, config_->governance.users);
      add(store::ScopeKind::kAgent, config_->governance.agents);
    }
  }
  // The keys as load_keys published them (this loop, this tick): listing the store again every
  // second read the same records with a compiled query (SQLite) or a round trip (Redis).
  tables_.current()->for_each([&](const store::KeyRecord& k) {
    if (!k.revoked() && k.budget.any()) scopes.push_back(k.scope());
  });
  auto states = budget_states(scopes, now_ms);
  if (!states) return;
  std::lock_guard lock(state_mu_);
  budgets_ = std::move(*states);
}

Result<std::vector<store::BudgetState>> GovernanceRuntime::budget_states(
    const std::vector<store::Scope>& scopes, std::int64_t now_ms) {
  if (embedded_) {
    std::vector<store::BudgetState> out;
    for (const auto& s : scopes) out.push_back(embedded_->budget_state(s, now_ms));
    return out;
  }
  std::lock_guard lock(budget_client_mu_);
  return budget_client_->budget_states(scopes, now_ms);
}

void GovernanceRuntime::alert(const store::Scope& scope, const store::BudgetCrossing& c,
                              std::int64_t now_ms) {
  alerts_seen_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(alert_mu_);
    // A webhook that cannot keep up must not grow memory without bound: past the queue's
    // capacity alerts are dropped (counted; the crossing is still in the budget gauges).
    if (alerts_.size() >= kAlertQueueCapacity) {
      alerts_dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    alerts_.push_back({scope.id(), c.spent, scope.budget.soft, scope.budget.hard,
                       c.hard_reached && !c.soft_crossed, now_ms});
  }
  alert_cv_.notify_one();
}

void GovernanceRuntime::alert_loop() {
  while (true) {
    Alert a;
    std::string webhook;
    {
      std::unique_lock lock(alert_mu_);
      alert_cv_.wait(lock, [this] { return stop_.load() || !alerts_.empty(); });
      if (alerts_.empty()) return;
      a = std::move(alerts_.front());
      alerts_.pop_front();
      webhook = alert_webhook_;
    }
    json::object o{{"event", a.hard_reached ? "budget_exhausted" : "budget_soft_limit_crossed"},
                   {"ts_ms", a.at_ms},
                   {"scope", a.scope},
                   {"spent_usd", store::nanos_to_usd(a.spent)},
                   {"soft_budget_usd", store::nanos_to_usd(a.soft)},
                   {"budget_usd", store::nanos_to_usd(a.hard)},
                   {"replica", replica_id_}};
    const std::string body = json::serialize(o);
    fmt::print(stderr, "llmctl gateway: governance alert: {}\n", body);
    std::fflush(stderr);
    if (webhook.empty()) continue;
    // Shutting down: what is still queued is logged above, not posted (a receiver that hangs
    // must not hold the exit for kAlertTimeout per alert).
    if (stop_.load()) {
      alerts_dropped_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (auto st = post_json(webhook, body, kAlertTimeout); st.ok()) {
      ++alerts_sent_;
    } else {
      ++alerts_failed_;
      fmt::print(stderr, "llmctl gateway: governance alert webhook failed: {}\n",
                 st.error().message);
    }
  }
}

std::string GovernanceRuntime::render_metrics(const Config& c, std::int64_t now_ms) const {
  (void)c;
  std::string out;
  auto family = [&](std::string_view name, std::string_view type, std::string_view help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  std::vector<std::shared_ptr<GovernanceShard>> shards;
  {
    std::lock_guard lock(shards_mu_);
    shards = shards_;
  }
  auto sum = [&](auto get) {
    std::uint64_t n = 0;
    for (const auto& s : shards) n += get(*s);
    return n;
  };

  family("llmctl_gateway_auth_failures_total", "counter",
         "Requests refused by the key check, by reason.");
  for (int f = 1; f < kAuthFailureCount; ++f)
    out += fmt::format("llmctl_gateway_auth_failures_total{{reason=\"{}\"}} {}\n",
                       auth_failure_name(static_cast<AuthFailure>(f)),
                       sum([&](const GovernanceShard& s) { return s.auth_failures(f); }));

  family("llmctl_gateway_governance_refusals_total", "counter",
         "Requests refused by a scope's rate limit or budget (429).");
  for (int k = 0; k < store::kScopeKindCount; ++k)
    for (int l = 1; l < 5; ++l) {
      const std::uint64_t n = sum([&](const GovernanceShard& s) { return s.refusals(k, l); });
      if (n == 0) continue;
      out +=
          fmt::format("llmctl_gateway_governance_refusals_total{{scope=\"{}\",limit=\"{}\"}} {}\n",
                      store::scope_kind_name(static_cast<store::ScopeKind>(k)),
                      store::limit_kind_name(static_cast<store::LimitKind>(l)), n);
    }

  family("llmctl_gateway_governance_store_unavailable_total", "counter",
         "Admissions the store did not answer, by what the fail mode did (admitted, refused).");
  out += fmt::format(
      "llmctl_gateway_governance_store_unavailable_total{{outcome=\"admitted\"}} {}\n"
      "llmctl_gateway_governance_store_unavailable_total{{outcome=\"refused\"}} {}\n",
      sum([](const GovernanceShard& s) { return s.fail_open_count(); }),
      sum([](const GovernanceShard& s) { return s.fail_closed_count(); }));

  if (kind_ == StoreKind::kRedis) {
    std::uint64_t up = 0, workers = 0, queued = 0, dropped = 0, replayed = 0, timeouts = 0,
                  reconnects = 0, errors = 0;
    for (const auto& s : shards) {
      const store::RedisLimiterStats* st = s->redis.load(std::memory_order_acquire);
      if (!st) continue;
      ++workers;
      up += st->connected.load() ? 1 : 0;
      queued += st->queued.load();
      dropped += st->dropped.load();
      replayed += st->replayed.load();
      timeouts += st->timeouts.load();
      reconnects += st->reconnects.load();
      errors += st->errors.load();
    }
    family("llmctl_gateway_governance_store_up", "gauge",
           "Share of workers whose Redis connection is up (1: all).");
    out += fmt::format("llmctl_gateway_governance_store_up {}\n",
                       workers ? num(static_cast<double>(up) / static_cast<double>(workers)) : "0");
    family("llmctl_gateway_governance_settlements_queued", "gauge",
           "Settlements waiting for Redis to come back.");
    out += fmt::format("llmctl_gateway_governance_settlements_queued {}\n", queued);
    family("llmctl_gateway_governance_settlements_dropped_total", "counter",
           "Settlements lost to a full queue during an outage.");
    out += fmt::format("llmctl_gateway_governance_settlements_dropped_total {}\n", dropped);
    family("llmctl_gateway_governance_settlements_replayed_total", "counter",
           "Settlements sent after Redis came back (reconciliation).");
    out += fmt::format("llmctl_gateway_governance_settlements_replayed_total {}\n", replayed);
    family("llmctl_gateway_governance_store_timeouts_total", "counter",
           "Admissions Redis did not answer within governance.timeout_ms.");
    out += fmt::format("llmctl_gateway_governance_store_timeouts_total {}\n", timeouts);
    family("llmctl_gateway_governance_store_reconnects_total", "counter",
           "Redis connections made again after a loss.");
    out += fmt::format("llmctl_gateway_governance_store_reconnects_total {}\n", reconnects);
    family("llmctl_gateway_governance_store_errors_total", "counter",
           "Failed connects, disconnections and error replies from Redis.");
    out += fmt::format("llmctl_gateway_governance_store_errors_total {}\n", errors);
  }

  // Attributed traffic per key.
  struct Totals {
    std::string name, team;
    std::uint64_t requests = 0, input = 0, output = 0;
    double cost = 0;
  };
  std::map<std::string, Totals> keys;
  for (const auto& s : shards)
    s->for_each_key([&](const std::string& id, const KeyCounters& k) {
      Totals& t = keys[id];
      t.name = k.key_name;
      t.team = k.team;
      t.requests += k.requests.get();
      t.input += k.input_tokens.get();
      t.output += k.output_tokens.get();
      t.cost += k.cost_usd.get();
    });
  family("llmctl_gateway_key_requests_total", "counter", "Requests per virtual key.");
  for (const auto& [id, t] : keys)
    out += fmt::format(
        "llmctl_gateway_key_requests_total{{key_id=\"{}\",key_name=\"{}\",team=\"{}\"}} {}\n",
        label(id), label(t.name), label(t.team), t.requests);
  family("llmctl_gateway_key_tokens_total", "counter", "Tokens per virtual key.");
  for (const auto& [id, t] : keys) {
    out += fmt::format(
        "llmctl_gateway_key_tokens_total{{key_id=\"{}\",key_name=\"{}\",team=\"{}\",type=\"input\"}"
        "} {}\n",
        label(id), label(t.name), label(t.team), t.input);
    out += fmt::format(
        "llmctl_gateway_key_tokens_total{{key_id=\"{}\",key_name=\"{}\",team=\"{}\",type="
        "\"output\"}} {}\n",
        label(id), label(t.name), label(t.team), t.output);
  }
  family("llmctl_gateway_key_cost_usd_total", "counter", "Cost per virtual key (catalog prices).");
  for (const auto& [id, t] : keys)
    out += fmt::format(
        "llmctl_gateway_key_cost_usd_total{{key_id=\"{}\",key_name=\"{}\",team=\"{}\"}} {}\n",
        label(id), label(t.name), label(t.team), num(t.cost));

  // Budgets (refreshed every second by the sync thread).
  std::vector<store::BudgetState> budgets;
  {
    std::lock_guard lock(state_mu_);
    budgets = budgets_;
  }
  family("llmctl_gateway_budget_spent_usd", "gauge", "Spend of each budget in its current period.");
  for (const auto& b : budgets)
    out += fmt::format("llmctl_gateway_budget_spent_usd{{scope=\"{}\",period=\"{}\"}} {}\n",
                       label(b.scope), store::period_name(b.period),
                       num(store::nanos_to_usd(b.spent)));
  family("llmctl_gateway_budget_reserved_usd", "gauge",
         "Worst-case cost reserved by requests in flight.");
  for (const auto& b : budgets)
    out += fmt::format("llmctl_gateway_budget_reserved_usd{{scope=\"{}\",period=\"{}\"}} {}\n",
                       label(b.scope), store::period_name(b.period),
                       num(store::nanos_to_usd(b.reserved)));
  family("llmctl_gateway_budget_limit_usd", "gauge", "Budget limits (hard and soft).");
  for (const auto& b : budgets) {
    if (b.hard > 0)
      out += fmt::format(
          "llmctl_gateway_budget_limit_usd{{scope=\"{}\",period=\"{}\",kind=\"hard\"}} {}\n",
          label(b.scope), store::period_name(b.period), num(store::nanos_to_usd(b.hard)));
    if (b.soft > 0)
      out += fmt::format(
          "llmctl_gateway_budget_limit_usd{{scope=\"{}\",period=\"{}\",kind=\"soft\"}} {}\n",
          label(b.scope), store::period_name(b.period), num(store::nanos_to_usd(b.soft)));
  }
  family("llmctl_gateway_budget_alerts_total", "counter",
         "Soft-budget crossings and exhausted budgets seen by this replica.");
  out += fmt::format("llmctl_gateway_budget_alerts_total {}\n", alerts_seen_.load());
  family("llmctl_gateway_budget_alert_webhooks_total", "counter",
         "Alert webhook deliveries by result (sent: 2xx; failed: error, non-2xx or no answer in "
         "time; dropped: queue full or shutting down).");
  out += fmt::format(
      "llmctl_gateway_budget_alert_webhooks_total{{result=\"sent\"}} {}\n"
      "llmctl_gateway_budget_alert_webhooks_total{{result=\"failed\"}} {}\n"
      "llmctl_gateway_budget_alert_webhooks_total{{result=\"dropped\"}} {}\n",
      alerts_sent_.load(), alerts_failed_.load(), alerts_dropped_.load());

  family("llmctl_gateway_keys", "gauge", "Virtual keys known to this replica, by state.");
  std::uint64_t active = 0, revoked = 0, expired = 0;
  if (auto t = tables_.current()) {
    t->for_each([&](const store::KeyRecord& k) {
      if (k.revoked())
        ++revoked;
      else if (k.expired(now_ms))
        ++expired;
      else
        ++active;
    });
  }
  out += fmt::format(
      "llmctl_gateway_keys{{state=\"active\"}} {}\nllmctl_gateway_keys{{state=\"revoked\"}} {}\n"
      "llmctl_gateway_keys{{state=\"expired\"}} {}\n",
      active, revoked, expired);
  return out;
}

}  // namespace llmctl::gateway
