#include "gateway/control.h"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "common/thread_name.h"
#include "gateway/governance_runtime.h"
#include "gateway/keys_api.h"
#include "gateway/upstream.h"

namespace llmctl::gateway {

namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using net::Clock;
using net::Exchange;
using net::use_nothrow;
constexpr std::string_view kJson = "application/json";

std::int64_t mono_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}
std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json::object timeouts_json(const UpstreamTimeouts& t) {
  return {{"connect_ms", t.connect_ms},
          {"first_byte_ms", t.first_byte_ms},
          {"idle_ms", t.idle_ms},
          {"total_ms", t.total_ms}};
}

json::object breaker_json(const BreakerPolicy& b) {
  return {{"enabled", b.enabled},
          {"consecutive_failures", b.consecutive_failures},
          {"failure_rate", b.failure_rate},
          {"min_requests", b.min_requests},
          {"window_ms", b.window_ms},
          {"cooldown_ms", b.cooldown_ms},
          {"half_open_probes", b.half_open_probes}};
}

json::array names(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

bool bearer_matches(std::string_view header, std::string_view token) {
  constexpr std::string_view kPrefix = "Bearer ";
  if (token.empty() || header.size() != kPrefix.size() + token.size()) return false;
  // Compare the whole header at once so the time does not depend on where it differs.
  std::string expected = std::string(kPrefix) + std::string(token);
  return CRYPTO_memcmp(header.data(), expected.data(), expected.size()) == 0;
}

std::string config_json(const Config& c) {
  json::object o;
  o["source"] = c.source;
  o["listen"] = fmt::format("{}:{}", c.host, c.port);
  o["workers"] = c.workers;
  o["limits"] = json::object{{"max_body_bytes", c.max_body_bytes},
                             {"read_timeout_ms", c.read_timeout_ms},
                             {"keepalive_timeout_ms", c.keepalive_timeout_ms},
                             {"min_timeout_ms", c.min_timeout_ms}};
  o["shutdown"] = json::object{{"drain_timeout_ms", c.drain_timeout_ms}};
  o["logging"] = json::object{{"access_log", c.access_log},
                              {"request_log", json::object{{"path", c.request_log.path}}}};
  if (!c.admin.host.empty())
    o["admin"] = json::object{{"listen", fmt::format("{}:{}", c.admin.host, c.admin.port)},
                              {"token", "<redacted>"}};
  o["reload"] = json::object{{"watch", c.reload.watch}, {"interval_ms", c.reload.interval_ms}};
  json::array models;
  for (const auto& g : c.models) {
    json::array deps;
    for (int di : g.deployments) {
      const Deployment& d = c.deployments[static_cast<std::size_t>(di)];
      json::object dj{
          {"name", d.name},
          {"provider", provider_kind_name(d.kind)},
          {"base_url", d.base_url},
          {"model", d.model},
          {"weight", d.weight},
          {"max_concurrency", d.max_concurrency},
          {"timeouts", timeouts_json(d.timeouts)},
          {"breaker", breaker_json(d.breaker)},
          {"price", d.price_id.empty() ? json::value(nullptr) : json::value(d.price_id)}};
      if (!d.api_key.empty()) dj["api_key"] = "<redacted>";
      if (d.health_check.interval_ms > 0)
        dj["health_check"] = json::object{{"interval_ms", d.health_check.interval_ms},
                                          {"timeout_ms", d.health_check.timeout_ms},
                                          {"path", d.health_check.path}};
      deps.push_back(std::move(dj));
    }
    models.push_back(
        json::object{{"name", g.name},
                     {"routing", route::strategy_name(g.routing)},
                     {"max_attempts", g.max_attempts},
                     {"affinity", json::object{{"prefix_chars", g.affinity.prefix_chars},
                                               {"load_factor", g.affinity.load_factor},
                                               {"messages", g.affinity.messages},
                                               {"slack", g.affinity.slack}}},
                     {"retry", json::object{{"backoff_base_ms", g.retry.backoff_base_ms},
                                            {"backoff_max_ms", g.retry.backoff_max_ms},
                                            {"retry_after_max_ms", g.retry.retry_after_max_ms},
                                            {"budget_ratio", g.retry.budget_ratio},
                                            {"budget_min_per_s", g.retry.budget_min_per_s},
                                            {"budget_window_ms", g.retry.budget_window_ms}}},
                     {"fallbacks", names(g.fallbacks)},
                     {"context_window_fallbacks", names(g.context_window_fallbacks)},
                     {"deployments", std::move(deps)}});
  }
  o["models"] = std::move(models);
  return json::serialize(o);
}

std::string deployments_json(const Snapshot& s, std::int64_t now_ms) {
  json::array out;
  const Config& c = *s.config;
  for (std::size_t i = 0; i < c.deployments.size(); ++i) {
    const Deployment& d = c.deployments[i];
    const DeploymentRuntime& rt = *s.deployments[i];
    auto [requests, failures] = rt.breaker.window(now_ms);
    json::array errors;
    for (const auto& e : rt.recent_errors())
      errors.push_back(
          json::object{{"unix_ms", e.unix_ms}, {"class", e.error_class}, {"message", e.message}});
    const double ewma = rt.ttft_ms.get();
    const std::int64_t opened = rt.breaker.opened_at_ms();
    out.push_back(json::object{
        {"name", d.name},
        {"base_url", d.base_url},
        {"available", rt.available(now_ms)},
        {"breaker",
         json::object{
             {"state", breaker_state_name(rt.breaker.state())},
             {"consecutive_failures", rt.breaker.consecutive_failures()},
             {"window_requests", requests},
             {"window_failures", failures},
             {"opened_ms_ago", opened < 0 ? json::value(nullptr) : json::value(now_ms - opened)},
             {"transitions",
              json::object{{"open", rt.breaker.transitions(BreakerState::kOpen)},
                           {"half_open", rt.breaker.transitions(BreakerState::kHalfOpen)},
                           {"closed", rt.breaker.transitions(BreakerState::kClosed)}}}}},
        {"health", json::object{{"checked", d.health_check.interval_ms > 0},
                                {"healthy", rt.healthy.load()},
                                {"detail", rt.health_text()}}},
        {"in_flight", rt.outstanding.load()},
        {"ttft_ewma_ms", ewma < 0 ? json::value(nullptr) : json::value(ewma)},
        {"attempts", rt.attempts.load()},
        {"failures", rt.failures.load()},
        {"recent_errors", std::move(errors)}});
  }
  return json::serialize(json::object{{"generation", s.generation}, {"deployments", out}});
}

// ---- admin API ----

namespace {

// A key's budget state ("spend": spent and reserved this period) added to its admin answer.
void add_spend(AdminAnswer& a, GovernanceRuntime& rt) {
  boost::system::error_code ec;
  json::value v = json::parse(a.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("id")) return;
  const std::string id(v.as_object().at("id").as_string());
  auto k = rt.with_admin_store([&](store::KeyStore& ks) { return store::find_key(ks, id); });
  if (!k || !k->budget.any()) return;
  auto st = rt.budget_states({k->scope()}, unix_ms());
  if (!st || st->empty()) return;
  v.as_object()["spend"] = json::object{{"spent_usd", store::nanos_to_usd((*st)[0].spent)},
                                        {"reserved_usd", store::nanos_to_usd((*st)[0].reserved)}};
  a.body = json::serialize(v);
}

class AdminHandler final : public net::Handler {
 public:
  AdminHandler(ControlPlane& control, GatewayState& state) : control_(control), state_(state) {}

  asio::awaitable<void> handle(Exchange& ex) override {
    auto& req = ex.request();
    auto snap = state_.current();
    std::string_view target = req.target();
    target = target.substr(0, target.find('?'));
    if (!bearer_matches(req[net::http::field::authorization], snap->config->admin.token)) {
      co_await ex.respond(401, kJson,
                          openai_error_body("Missing or wrong admin token (Authorization: "
                                            "Bearer <admin token>).",
                                            "invalid_request_error", {}, "unauthorized"));
      co_return;
    }
    const bool get = req.method() == net::http::verb::get;
    const bool post = req.method() == net::http::verb::post;
    if (get && target == "/admin/config") {
      json::value v = json::parse(config_json(*snap->config));
      json::object& o = v.as_object();
      o["generation"] = snap->generation;
      {
        std::lock_guard lock(state_.reloads.mu);
        o["last_reload"] = json::object{{"ok", state_.reloads.ok.load()},
                                        {"errors", state_.reloads.failed.load()},
                                        {"unchanged", state_.reloads.unchanged.load()},
                                        {"last_error", state_.reloads.last_error},
                                        {"last_unix_ms", state_.reloads.last_unix_ms}};
      }
      co_await ex.respond(200, kJson, json::serialize(v));
      co_return;
    }
    if (get && target == "/admin/deployments") {
      co_await ex.respond(200, kJson, deployments_json(*snap, mono_ms()));
      co_return;
    }
    if (target == "/admin/keys" || target.starts_with("/admin/keys/")) {
      if (!state_.governance || !state_.governance->has_key_store()) {
        co_await ex.respond(404, kJson,
                            openai_error_body("This gateway keeps no keys (no request log file "
                                              "and no governance.sqlite_path).",
                                              "invalid_request_error", {}, "unknown_url"));
        co_return;
      }
      // The admin worker may block on its store for a round trip.
      const std::string method(req.method_string());
      AdminAnswer a = state_.governance->with_admin_store([&](store::KeyStore& ks) {
        return serve_keys_api(ks, method, target, req.body(), unix_ms());
      });
      if (a.status < 300 && method != "GET") state_.governance->poke();  // in force at once here
      if (a.status == 200 && method == "GET" && target.starts_with("/admin/keys/"))
        add_spend(a, *state_.governance);
      co_await ex.respond(static_cast<unsigned>(a.status), kJson, std::move(a.body));
      co_return;
    }
    if (post && target == "/admin/reload") {
      // Parsing takes milliseconds; the admin worker may block for it.
      ControlPlane::ReloadResult r = control_.reload("admin API");
      json::object o{{"result", r.ok ? (r.changed ? "ok" : "unchanged") : "error"},
                     {"generation", r.generation}};
      if (!r.ok) o["error"] = r.error;
      co_await ex.respond(r.ok ? 200 : 422, kJson, json::serialize(o));
      co_return;
    }
    co_await ex.respond(404, kJson,
                        openai_error_body(fmt::format("Unknown admin URL: {}.", target),
                                          "invalid_request_error", {}, "unknown_url"));
  }

 private:
  ControlPlane& control_;
  GatewayState& state_;
};

// ---- active health checks ----

class HealthChecker {
 public:
  explicit HealthChecker(GatewayState& state) : state_(state) {}
  ~HealthChecker() { stop(); }
  void start() {
    asio::co_spawn(io_, loop(), asio::detached);
    thread_ = std::thread([this] {
      name_this_thread("health-check");
      io_.run();
    });
  }
  void stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] {
      stopping_ = true;
      io_.stop();
    });
    thread_.join();
  }
  // A new config generation is current: look at its deployments now (their checks may have
  // changed), not at the next check that was due.
  void poke() {
    asio::post(io_, [this] { timer_.cancel(); });
  }

 private:
  // Wakes when the next check is due or a reload pokes it; never while no deployment has
  // checks. It woke every 50 ms before, with or without checks: 20 wake-ups a second of an idle
  // gateway (bench/gateway/idle.sh).
  asio::awaitable<void> loop() {
    while (!stopping_) {
      auto snap = state_.current();
      const auto now = Clock::now();
      auto next = Clock::time_point::max();
      for (std::size_t i = 0; i < snap->config->deployments.size(); ++i) {
        const Deployment& d = snap->config->deployments[i];
        if (d.health_check.interval_ms <= 0) {
          snap->deployments[i]->healthy.store(true);
          continue;
        }
        const std::string& key = snap->deployments[i]->key();
        auto [it, fresh] = due_.try_emplace(key, now);
        if (now >= it->second && !checking_[key]) {
          it->second = now + std::chrono::milliseconds(d.health_check.interval_ms);
          checking_[key] = true;
          asio::co_spawn(io_, check(d, snap->deployments[i]), asio::detached);
        }
        next = std::min(next, it->second);
      }
      timer_.expires_at(next);
      co_await timer_.async_wait(use_nothrow);
    }
  }

  // One GET {base_url}{path}; 2xx passes. unhealthy_after failures in a row take the
  // deployment out of rotation, healthy_after passes bring it back.
  asio::awaitable<void> check(Deployment d, std::shared_ptr<DeploymentRuntime> rt) {
    const HealthCheckPolicy p = d.health_check;
    PoolStats stats;
    UpstreamPool pool(io_, d, stats);
    const auto t0 = Clock::now();
    std::string detail;
    bool pass = false;
    Acquired a = co_await pool.connect_new(std::min(d.timeouts.connect_ms, p.timeout_ms));
    if (!a.conn) {
      detail = a.message;
    } else {
      net::http::request<net::http::string_body> req{net::http::verb::get, d.url.base_path + p.path,
                                                     11};
      req.set(net::http::field::host, d.url.host_header);
      req.set(net::http::field::user_agent, "llmctl-gateway-health");
      if (!d.api_key.empty()) req.set(net::http::field::authorization, "Bearer " + d.api_key);
      req.keep_alive(false);
      auto left = [&] {
        return std::max(1ms, std::chrono::duration_cast<std::chrono::milliseconds>(
                                 t0 + std::chrono::milliseconds(p.timeout_ms) - Clock::now()));
      };
      ResponseParser parser;
      parser.body_limit(boost::none);
      auto ec = co_await a.conn->write(req, left());
      if (!ec) ec = co_await a.conn->read_header(parser, left());
      if (ec) {
        detail = ec == beast::error::timeout ? fmt::format("no answer within {} ms", p.timeout_ms)
                                             : ec.message();
      } else {
        const int status = parser.status();
        pass = status >= 200 && status < 300;
        detail = fmt::format("GET {} answered {}", p.path, status);
      }
      pool.release(std::move(a.conn), false);
    }
    const int streak = rt->health_streak.load();
    const int next = pass ? std::max(0, streak) + 1 : std::min(0, streak) - 1;
    rt->health_streak.store(next);
    if (pass && next >= p.healthy_after) rt->healthy.store(true);
    if (!pass && -next >= p.unhealthy_after) rt->healthy.store(false);
    rt->set_health_text(
        fmt::format("{} at unix_ms {}: {}", pass ? "pass" : "fail", unix_ms(), detail));
    if (!pass) rt->note_error(unix_ms(), "health_check", detail);
    checking_[rt->key()] = false;
  }

  GatewayState& state_;
  asio::io_context io_;
  asio::steady_timer timer_{io_};
  std::thread thread_;
  bool stopping_ = false;
  std::unordered_map<std::string, Clock::time_point> due_;
  std::unordered_map<std::string, bool> checking_;
};

std::optional<std::filesystem::file_time_type> mtime(const std::string& path) {
  std::error_code ec;
  auto t = std::filesystem::last_write_time(path, ec);
  if (ec) return std::nullopt;
  return t;
}

}  // namespace

struct ControlPlane::Impl {
  std::unique_ptr<net::Server> admin;
  std::unique_ptr<HealthChecker> health;
  std::string last_text;
};

ControlPlane::ControlPlane(ControlDeps deps) : deps_(std::move(deps)), impl_(new Impl) {
  impl_->last_text = deps_.loaded_text_hint;
}

ControlPlane::~ControlPlane() { stop(); }

Result<int> ControlPlane::start() {
  GatewayState& state = *deps_.state;
  auto snap = state.current();
  int admin_port = 0;
  if (!snap->config->admin.host.empty()) {
    net::ServerLimits limits;
    limits.max_body_bytes = 64 * 1024;
    impl_->admin = std::make_unique<net::Server>(1, limits, "admin");
    impl_->admin->worker(0).set_handler(std::make_unique<AdminHandler>(*this, state));
    auto port = impl_->admin->listen(snap->config->admin.host, snap->config->admin.port);
    if (!port) return port.error().wrap("admin listener");
    admin_port = *port;
    impl_->admin->start();
  }
  impl_->health = std::make_unique<HealthChecker>(state);
  impl_->health->start();
  if (!deps_.watch_path.empty() && deps_.load)
    watcher_ = std::thread([this] {
      name_this_thread("config-watch");
      watch_loop();
    });
  return admin_port;
}

void ControlPlane::stop() {
  {
    std::lock_guard lock(stop_mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  if (impl_->health) impl_->health->stop();
  if (impl_->admin) impl_->admin->stop();
}

bool ControlPlane::sleep_unless_stopped(std::chrono::milliseconds d) {
  std::unique_lock lock(stop_mu_);
  return !stop_cv_.wait_for(lock, d, [this] { return stop_.load(); });
}

void ControlPlane::watch_loop() {
  auto seen = mtime(deps_.watch_path);
  while (!stop_) {
    auto snap = deps_.state->current();
    // One wake-up an interval (stop() ends the wait): it slept in 50 ms slices before, 20
    // wake-ups a second of an idle gateway.
    if (!sleep_unless_stopped(std::chrono::milliseconds(snap->config->reload.interval_ms))) break;
    if (!snap->config->reload.watch) continue;
    auto now = mtime(deps_.watch_path);
    if (!now || now == seen) continue;
    // Editors and `echo >` truncate, then write: wait until the file has been still for 100 ms
    // so a half-written file is not parsed (it would only be rejected, but noisily).
    for (int settle = 0; settle < 20; ++settle) {
      if (!sleep_unless_stopped(100ms)) return;
      auto again = mtime(deps_.watch_path);
      if (again == now) break;
      now = again;
    }
    seen = now;
    reload("file change");
  }
}

ControlPlane::ReloadResult ControlPlane::reload(std::string_view trigger) {
  std::lock_guard lock(reload_mu_);
  GatewayState& state = *deps_.state;
  ReloadResult r;
  auto current = state.current();
  r.generation = current->generation;
  auto fail = [&](std::string error) {
    r.error = std::move(error);
    state.reloads.failed.fetch_add(1);
    std::lock_guard l(state.reloads.mu);
    state.reloads.last_error = r.error;
    state.reloads.last_unix_ms = unix_ms();
    fmt::print(stderr, "llmctl gateway: reload ({}) rejected, keeping generation {}: {}\n", trigger,
               r.generation, r.error);
    return r;
  };
  if (!deps_.load) return fail("this gateway runs the built-in config; there is no file to reload");
  std::string text;
  if (!deps_.watch_path.empty()) {
    std::ifstream in(deps_.watch_path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  if (!text.empty() && text == impl_->last_text) {
    state.reloads.unchanged.fetch_add(1);
    r.ok = true;
    return r;
  }
  auto loaded = deps_.load();
  if (!loaded) return fail(loaded.error().message);
  std::shared_ptr<Config> next = *loaded;
  // What the running listeners and writer were built with cannot change without a restart.
  const Config& cur = *current->config;
  std::string restart;
  if (next->host != cur.host || next->port != cur.port) restart += " listen";
  if (next->workers != cur.workers) restart += " workers";
  if (next->request_log.path != cur.request_log.path) restart += " logging.request_log";
  if (next->telemetry != cur.telemetry) restart += " telemetry";
  if (next->admin.host != cur.admin.host || next->admin.port != cur.admin.port)
    restart += " admin.listen";
  // The governance store and its connections were opened with these (limits, budgets, scopes
  // and the alert webhook reload; where the counts live does not).
  const GovernanceConfig &ng = next->governance, &cg = cur.governance;
  if (ng.store != cg.store || ng.redis_url != cg.redis_url || ng.redis_prefix != cg.redis_prefix ||
      ng.sqlite_path != cg.sqlite_path || ng.timeout_ms != cg.timeout_ms ||
      ng.lease_ms != cg.lease_ms || ng.sync_interval_ms != cg.sync_interval_ms)
    restart += " governance.store";
  if (!restart.empty())
    return fail(fmt::format("{}: changed{}: these need a restart; change them back or restart",
                            next->source, restart));
  impl_->last_text = text;
  auto snap = make_snapshot(next, current.get(), static_cast<int>(deps_.workers.size()));
  state.set_current(snap);
  if (impl_->health) impl_->health->poke();
  // Budget gauges and limits in /metrics follow the new config at once, not at the next refresh.
  if (state.governance) state.governance->set_config(next);
  for (std::size_t i = 0; i < deps_.workers.size(); ++i)
    asio::post(deps_.workers[i]->io(), [h = deps_.handlers[i], snap] { h->adopt(snap); });
  state.reloads.ok.fetch_add(1);
  {
    std::lock_guard l(state.reloads.mu);
    state.reloads.last_error.clear();
    state.reloads.last_unix_ms = unix_ms();
  }
  r.ok = r.changed = true;
  r.generation = snap->generation;
  fmt::print(stderr, "llmctl gateway: reload ({}): generation {}: {} model(s), {} deployment(s)\n",
             trigger, snap->generation, next->models.size(), next->deployments.size());
  return r;
}

}  // namespace llmctl::gateway
