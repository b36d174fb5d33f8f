// simulate(): the event loop over a fleet of replicas (see sim.h and docs/SIM.md).
//
// Events, in time order (ties in the order they were scheduled, so runs are reproducible):
// arrivals, iteration ends of each replica, replicas becoming ready after a cold start,
// autoscaler polls, failures and recoveries, and time-series samples. A replica runs its next
// iteration as soon as one ends while it has work; an idle replica starts one when a request
// reaches it. Engine callbacks never dispatch synchronously: a closed-loop client's next request
// is an event, so a replica is never re-entered from inside its own iteration.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <memory>
#include <queue>

#include "perf/step.h"
#include "sim/engine.h"
#include "sim/histogram.h"
#include "sim/router.h"
#include "sim/sim.h"

namespace llmctl::sim {

namespace {

enum class Ev : std::uint8_t {
  kArrival,
  kClient,
  kEnqueue,
  kStepEnd,
  kReady,
  kTick,
  kSample,
  kFail,
  kRecover
};

struct Event {
  double t;
  std::uint64_t seq;
  Ev type;
  int a;            // replica, pool or client
  std::uint32_t b;  // epoch (step ends)
  bool operator>(const Event& o) const { return t != o.t ? t > o.t : seq > o.seq; }
};

class Fleet;

// Routes one replica's engine callbacks to the fleet, tagged with the replica.
class ReplicaObserver final : public EngineObserver {
 public:
  ReplicaObserver(Fleet* fleet, int replica) : fleet_(fleet), replica_(replica) {}
  void on_admitted(const Request& r, double queue_s, long long prompt, long long hit) override;
  void on_first_token(const Request& r, double t) override;
  void on_token_gap(double gap_s, std::uint64_t weight) override;
  void on_finished(const Request& r, double first_s, double t, int preemptions) override;
  void on_dropped(const Request& r, DropReason why, double t) override;

 private:
  Fleet* fleet_;
  int replica_;
};

struct Replica {
  enum class State { kStarting, kReady, kDraining, kGone };
  int pool = 0;
  int index = 0;  // within its pool, in creation order
  State state = State::kStarting;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<ReplicaObserver> observer;
  double provisioned_s = 0;
  double ready_s = -1;
  double gone_s = -1;
  bool stepping = false;
  std::uint32_t epoch = 0;
  long long routed = 0;
  int in_transit = 0;
  long long preemptions = 0;
  long long prompt_tokens = 0, hit_tokens = 0;
  double kv_integral = 0, kv_last_t = 0, kv_last = 0;
  double busy_s = 0;
  double ttft_ewma_ms = -1;
  double front_end_free_s = 0;   // when its serial API server finishes the requests it holds
  long long output_sampled = 0;  // engine->output_tokens() at the last sample
};

struct PoolState {
  const Pool* spec = nullptr;
  std::unique_ptr<perf::StepModel> step;
  EngineConfig engine;
  std::vector<int> replicas;  // fleet replica ids, creation order
  std::optional<double> usd_per_gpu_hour;
  double cold_start_s = 0;
  std::deque<std::pair<double, int>> recommendations;  // autoscaler (time, desired)
  double last_active_s = 0;
  long long routed_interval = 0;
  double last_tick_s = 0;
  int next_index = 0;
};

struct Pending {
  Request req;
  double since_s;
};

// A request on its way from the gateway to a replica (the replica's serial front end when the
// scenario sets one, HTTP and tokenisation: perf's ttft_overhead_ms), then its engine's queue.
struct Transit {
  Request req;
  int replica = -1;
  std::uint32_t epoch = 0;
};

class Fleet final : public route::Signals {
 public:
  Fleet(const catalog::Catalog& catalog, const Scenario& sc, const RunHooks& hooks)
      : catalog_(catalog), sc_(sc), hooks_(hooks), gen_(sc.workload, sc.seed) {}

  Result<SimResult> run();

  // Engine callbacks.
  void admitted(int rep, const Request& r, double queue_s, long long prompt, long long hit);
  void first_token(const Request& r, double t);
  void token_gap(double gap_s, std::uint64_t weight) {
    if (measuring_) itl_.add(gap_s, weight);
  }
  void finished(int rep, const Request& r, double first_s, double t);
  void dropped(const Request& r, DropReason why, double t);

  // route::Signals: the routing policy reads the replicas' live state (ids are replica indices;
  // the policy's members are the ready replicas).
  bool available(int id) const override { return replicas_[id].state == Replica::State::kReady; }
  int outstanding(int id) const override {
    return replicas_[id].engine->outstanding() + replicas_[id].in_transit;
  }
  double kv_usage(int id) const override { return replicas_[id].engine->kv_usage(); }
  int cached_prefix_blocks(int id, std::span<const std::uint64_t> blocks) const override {
    return replicas_[id].engine->cached_prefix(blocks);
  }
  double ttft_ewma_ms(int id) const override { return replicas_[id].ttft_ewma_ms; }

 private:
  Status setup();
  void push(double t, Ev type, int a = 0, std::uint32_t b = 0) {
    events_.push(Event{t, seq_++, type, a, b});
  }
  int add_replica(int pool, double now, bool warm);
  void dispatch(const Request& r, double now);
  void enqueue(int transit_slot, double now);
  void start_step(int rep, double now);
  void touch_kv(Replica& r, double now);
  void set_ready_count(double now);
  void rebuild_router();
  void schedule_next_arrival();
  void on_tick(int pool, double now);
  void on_fail(const Failure& f, double now);
  void retire(int rep, double now);
  void drain_pending(double now);
  void sample(double now);
  void client_done(const Request& r, double t);
  void issue_for_client(int client, double t);
  bool done() const;
  // Requests in the system (arrived, not yet completed or dropped), integrated over time.
  void change_in_flight(int delta, double now) {
    in_flight_integral_ += static_cast<double>(in_flight_) * (now - in_flight_last_t_);
    in_flight_last_t_ = now;
    in_flight_ += delta;
  }
  SimResult finish_result(double end);

  const catalog::Catalog& catalog_;
  const Scenario& sc_;
  const RunHooks& hooks_;
  Generator gen_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::uint64_t seq_ = 0;
  std::vector<PoolState> pools_;
  std::vector<Replica> replicas_;
  route::Strategy strategy_ = route::Strategy::kRoundRobin;
  std::unique_ptr<const route::Policy> policy_;  // over the ready replicas
  std::vector<int> candidates_;
  std::deque<Pending> pending_;
  std::vector<Transit> transit_;
  std::vector<int> free_transit_;
  Request next_arrival_;
  bool arrivals_left_ = false;
  std::vector<Request> client_next_;
  // Warm-up (WorkloadSpec::warmup_requests): warm-up requests issued and not yet finished;
  // closed-loop clients waiting for the warm-up phase to drain; whether measured requests have
  // started (ITL gaps count from then).
  long long warmup_open_ = 0, warmup_dropped_ = 0;
  std::vector<int> idle_clients_;
  bool measuring_ = true;
  double overhead_s_ = 0;
  Rng route_rng_{0};
  Rng jitter_rng_{0};

  // Metrics.
  Histogram ttft_, tpot_, itl_, e2e_, queue_;
  Histogram interval_ttft_;
  long long requests_ = 0, completed_ = 0, dropped_ = 0, in_flight_ = 0;
  double in_flight_integral_ = 0, in_flight_last_t_ = 0;
  std::map<std::string, long long> drops_;
  long long slo_met_ = 0;
  long long input_tokens_ = 0, output_tokens_ = 0;
  long long prompt_tokens_ = 0, hit_tokens_ = 0;
  double first_arrival_ = -1, last_event_ = 0;
  int ready_count_ = 0, ready_min_ = std::numeric_limits<int>::max(), ready_max_ = 0;
  double ready_integral_ = 0, ready_last_t_ = 0;
  std::vector<TimePoint> series_;
  double sample_interval_ = 1;
  long long interval_arrivals_ = 0, interval_completed_ = 0, interval_output_ = 0;
  long long interval_generated_ = 0;  // by engines replaced since the last sample (failures)
  double last_sample_t_ = 0;
  long long events_n_ = 0;
  std::vector<std::string> notes_;
};

void ReplicaObserver::on_admitted(const Request& r, double q, long long p, long long h) {
  fleet_->admitted(replica_, r, q, p, h);
}
void ReplicaObserver::on_first_token(const Request& r, double t) { fleet_->first_token(r, t); }
void ReplicaObserver::on_token_gap(double g, std::uint64_t w) { fleet_->token_gap(g, w); }
void ReplicaObserver::on_finished(const Request& r, double f, double t, int) {
  fleet_->finished(replica_, r, f, t);
}
void ReplicaObserver::on_dropped(const Request& r, DropReason why, double t) {
  fleet_->dropped(r, why, t);
}

Status Fleet::setup() {
  if (sc_.pools.empty()) return Error{"pools: expected at least one pool"};
  if (sc_.workload.prompt_pool > 0 && sc_.workload.shared_prefix_tokens > 0)
    return Error{"workload.prompt_pool: a prompt pool and shared prefixes exclude each other"};
  const std::string& model = sc_.pools.front().deployment.model->id;
  for (std::size_t i = 0; i < sc_.pools.size(); ++i) {
    const Pool& p = sc_.pools[i];
    const std::string field = fmt::format("pools[{}]", i);
    if (p.deployment.model->id != model)
      return Error{fmt::format("{}.model: every pool must serve the same model ({}), found {}",
                               field, model, p.deployment.model->id)};
    auto step = perf::StepModel::make(catalog_, p.deployment);
    if (!step) return step.error().wrap(field);
    if (!step->fits()) return Error{fmt::format("{}: {}", field, step->reason())};
    PoolState ps;
    ps.spec = &p;
    ps.step = std::make_unique<perf::StepModel>(std::move(*step));
    ps.engine.step = ps.step.get();
    ps.engine.segments = &gen_.segments();
    ps.engine.max_context = p.deployment.model->max_context;
    ps.engine.prefix_caching = p.prefix_caching.value_or(ps.step->traits().prefix_caching);
    ps.engine.unlimited_kv = p.unlimited_kv;
    if (p.max_num_batched_tokens) ps.engine.max_num_tokens = *p.max_num_batched_tokens;
    ps.engine.scheduler_recv_interval = p.scheduler_recv_interval;
    ps.engine.stream_interval = p.stream_interval;
    ps.engine.batch_wait_timeout_iters = p.batch_wait_timeout_iters;
    ps.engine.batch_wait_max_tokens_ratio = p.batch_wait_max_tokens_ratio;
    ps.usd_per_gpu_hour = p.usd_per_gpu_hour;
    if (!ps.usd_per_gpu_hour)
      if (auto price = p.deployment.gpu->cheapest_price())
        ps.usd_per_gpu_hour = price->usd_per_hour;
    if (!ps.usd_per_gpu_hour)
      notes_.push_back(
          fmt::format("pool {}: the catalog has no on-demand price for {}; cost_usd "
                      "leaves it out (set usd_per_gpu_hour)",
                      p.name, p.deployment.gpu->id));
    const double load = p.load_gb_per_s.value_or(ps.step->traits().weight_load_gb_per_s);
    ps.cold_start_s = p.startup_s.value_or(ps.step->traits().startup_s) +
                      ps.step->weight_bytes_per_gpu() / (load * 1e9);
    pools_.push_back(std::move(ps));
  }
  overhead_s_ = pools_.front().step->ttft_overhead_s();
  if (sc_.workload.trace)
    notes_.insert(notes_.end(), sc_.workload.trace->notes.begin(), sc_.workload.trace->notes.end());
  auto strategy = parse_router(sc_.router);
  if (!strategy) return strategy.error();
  strategy_ = *strategy;
  return {};
}

int Fleet::add_replica(int pool, double now, bool warm) {
  PoolState& ps = pools_[pool];
  Replica r;
  r.pool = pool;
  r.index = ps.next_index++;
  r.provisioned_s = now;
  const int id = static_cast<int>(replicas_.size());
  r.observer = std::make_unique<ReplicaObserver>(this, id);
  r.engine = std::make_unique<Engine>(ps.engine, r.observer.get());
  r.kv_last_t = now;
  replicas_.push_back(std::move(r));
  ps.replicas.push_back(id);
  if (warm) {
    replicas_[id].state = Replica::State::kReady;
    replicas_[id].ready_s = now;
  } else {
    push(now + ps.cold_start_s, Ev::kReady, id);
  }
  return id;
}

void Fleet::set_ready_count(double now) {
  ready_integral_ += ready_count_ * (now - ready_last_t_);
  ready_last_t_ = now;
  int n = 0;
  for (const Replica& r : replicas_) n += r.state == Replica::State::kReady;
  ready_count_ = n;
  ready_min_ = std::min(ready_min_, n);
  ready_max_ = std::max(ready_max_, n);
  rebuild_router();
}

void Fleet::rebuild_router() {
  std::vector<route::Member> members;
  for (std::size_t i = 0; i < replicas_.size(); ++i) {
    const Replica& r = replicas_[i];
    if (r.state != Replica::State::kReady) continue;
    members.push_back({static_cast<int>(i), pools_[r.pool].spec->weight,
                       fmt::format("{}/{}", pools_[r.pool].spec->name, r.index)});
  }
  candidates_.reserve(members.size());
  policy_ = route::make_policy(strategy_, std::move(members));
}

void Fleet::touch_kv(Replica& r, double now) {
  if (r.state == Replica::State::kReady || r.state == Replica::State::kDraining)
    r.kv_integral += r.kv_last * (now - r.kv_last_t);
  r.kv_last_t = now;
  r.kv_last = r.engine->kv_usage();
}

void Fleet::start_step(int id, double now) {
  Replica& r = replicas_[id];
  touch_kv(r, now);
  double d = r.engine->begin_step(now);
  if (d > 0 && sc_.step_jitter_cv > 0)
    d *= std::clamp(1 + sc_.step_jitter_cv * jitter_rng_.normal(), 0.5, 1.5);
  touch_kv(r, now);
  if (d > 0) {
    r.stepping = true;
    r.busy_s += d;
    push(now + d, Ev::kStepEnd, id, r.epoch);
  } else {
    r.stepping = false;
    if (r.state == Replica::State::kDraining && r.engine->idle()) retire(id, now);
  }
}

void Fleet::dispatch(const Request& r, double now) {
  // The gateway's affinity key hashes the prompt's leading ~2 KiB (about one 512-token block):
  // here the first segment's hash, else the session, else nothing shared.
  const std::span<const std::uint64_t> blocks = gen_.hashes(r);
  const route::Request rr{.random = route_rng_.next(),
                          .affinity_key = !blocks.empty() ? blocks.front()
                                          : r.session     ? r.session
                                                          : r.id + 1,
                          .prefix_blocks = blocks,
                          .session = r.session};
  const int id = policy_ && policy_->order(rr, *this, candidates_) != route::Reason::kNoneAvailable
                     ? candidates_.front()
                     : -1;
  if (id < 0) {
    pending_.push_back({r, now});
    return;
  }
  Replica& rep = replicas_[id];
  ++rep.routed;
  ++rep.in_transit;
  PoolState& ps = pools_[rep.pool];
  ++ps.routed_interval;
  ps.last_active_s = now;
  int slot;
  if (!free_transit_.empty()) {
    slot = free_transit_.back();
    free_transit_.pop_back();
  } else {
    slot = static_cast<int>(transit_.size());
    transit_.emplace_back();
  }
  transit_[slot] = Transit{r, id, rep.epoch};
  double at = now;
  if (sc_.front_end.any()) {
    at = std::max(now, rep.front_end_free_s) + sc_.front_end.per_request_ms * 1e-3 +
         sc_.front_end.per_prompt_token_us * 1e-6 * r.input_tokens;
    rep.front_end_free_s = at;
  }
  push(at + overhead_s_, Ev::kEnqueue, slot);
}

void Fleet::enqueue(int slot, double now) {
  const Transit t = transit_[slot];
  free_transit_.push_back(slot);
  Replica& rep = replicas_[t.replica];
  if (t.epoch != rep.epoch || rep.state == Replica::State::kGone) {
    dispatch(t.req, now);  // the replica went away meanwhile: the gateway retries
    return;
  }
  --rep.in_transit;
  rep.engine->enqueue(t.req, now);
  if (!rep.stepping) start_step(t.replica, now);
}

void Fleet::admitted(int rep, const Request& r, double queue_s, long long prompt, long long hit) {
  if (r.warmup) return;
  queue_.add(queue_s);
  prompt_tokens_ += prompt;
  hit_tokens_ += hit;
  replicas_[rep].prompt_tokens += prompt;
  replicas_[rep].hit_tokens += hit;
}

void Fleet::first_token(const Request& r, double t) {
  if (r.warmup) return;
  const double ttft = t - r.arrival_s;
  ttft_.add(ttft);
  interval_ttft_.add(ttft);
}

bool Fleet::done() const {
  return !arrivals_left_ && in_flight_ == 0 && warmup_open_ == 0 && pending_.empty() &&
         std::all_of(client_next_.begin(), client_next_.end(),
                     [](const Request& q) { return q.client < 0; });
}

void Fleet::issue_for_client(int client, double t) {
  Request next;
  if (gen_.next_for_client(client, t, next)) {
    if (next.warmup) ++warmup_open_;
    client_next_[client] = next;
    push(next.arrival_s, Ev::kClient, client);
  }
}

void Fleet::client_done(const Request& r, double t) {
  if (r.client < 0) return;
  if (!r.warmup || gen_.next_is_warmup()) {
    issue_for_client(r.client, t);
    return;
  }
  // The warm-up is all sent: this client waits for the phase to drain, then every client sends
  // its first measured request at once (aiperf runs its phases one after the other).
  idle_clients_.push_back(r.client);
  if (warmup_open_ > 0) return;
  std::sort(idle_clients_.begin(), idle_clients_.end());
  for (int c : idle_clients_) issue_for_client(c, t);
  idle_clients_.clear();
}

void Fleet::finished(int rep, const Request& r, double first_s, double t) {
  if (r.warmup) {
    --warmup_open_;
    const double ttft_ms = (first_s - r.arrival_s) * 1e3;
    Replica& rr = replicas_[rep];  // live routing state sees every request
    rr.ttft_ewma_ms = rr.ttft_ewma_ms < 0 ? ttft_ms : 0.8 * rr.ttft_ewma_ms + 0.2 * ttft_ms;
    client_done(r, t);
    return;
  }
  change_in_flight(-1, t);
  ++completed_;
  ++interval_completed_;
  input_tokens_ += r.input_tokens;
  output_tokens_ += r.output_tokens;
  interval_output_ += r.output_tokens;
  const double e2e = t - r.arrival_s;
  e2e_.add(e2e);
  double tpot = 0;
  if (r.output_tokens > 1) {
    tpot = (t - first_s) / (r.output_tokens - 1);
    tpot_.add(tpot);
  }
  const double ttft = first_s - r.arrival_s;
  Replica& rr = replicas_[rep];
  rr.ttft_ewma_ms = rr.ttft_ewma_ms < 0 ? ttft * 1e3 : 0.8 * rr.ttft_ewma_ms + 0.2 * ttft * 1e3;
  if (sc_.slo.any()) {
    bool ok = true;
    if (sc_.slo.ttft_ms) ok &= ttft * 1e3 <= *sc_.slo.ttft_ms;
    if (sc_.slo.tpot_ms && r.output_tokens > 1) ok &= tpot * 1e3 <= *sc_.slo.tpot_ms;
    if (sc_.slo.e2e_ms) ok &= e2e * 1e3 <= *sc_.slo.e2e_ms;
    slo_met_ += ok;
  }
  last_event_ = std::max(last_event_, t);
  client_done(r, t);
}

void Fleet::dropped(const Request& r, DropReason why, double t) {
  if (r.warmup) {
    --warmup_open_;
    ++warmup_dropped_;
    client_done(r, t);
    return;
  }
  change_in_flight(-1, t);
  ++dropped_;
  ++drops_[drop_reason_name(why)];
  last_event_ = std::max(last_event_, t);
  client_done(r, t);
}

void Fleet::schedule_next_arrival() {
  arrivals_left_ = gen_.next(next_arrival_);
  if (arrivals_left_) {
    if (next_arrival_.warmup) ++warmup_open_;
    push(next_arrival_.arrival_s, Ev::kArrival);
  }
}

void Fleet::retire(int id, double now) {
  Replica& r = replicas_[id];
  touch_kv(r, now);
  r.state = Replica::State::kGone;
  r.gone_s = now;
  ++r.epoch;
  set_ready_count(now);
}

void Fleet::drain_pending(double now) {
  while (!pending_.empty()) {
    Pending p = pending_.front();
    if (now - p.since_s > sc_.queue_timeout_s) {
      pending_.pop_front();
      dropped(p.req, DropReason::kQueueTimeout, now);
      continue;
    }
    if (ready_count_ == 0) return;
    pending_.pop_front();
    dispatch(p.req, now);
  }
}

void Fleet::on_fail(const Failure& f, double now) {
  int pool = -1;
  for (std::size_t i = 0; i < pools_.size(); ++i)
    if (pools_[i].spec->name == f.pool) pool = static_cast<int>(i);
  std::vector<int> live;
  for (int id : pools_[pool].replicas)
    if (replicas_[id].state != Replica::State::kGone) live.push_back(id);
  if (f.replica >= static_cast<int>(live.size())) {
    notes_.push_back(
        fmt::format("failure at {:g} s: pool {} had {} live replicas, none with "
                    "index {}; nothing failed",
                    f.at_s, f.pool, live.size(), f.replica));
    return;
  }
  const int id = live[f.replica];
  Replica& r = replicas_[id];
  const std::vector<Displaced> displaced = r.engine->displaced();
  r.preemptions += r.engine->preemptions();
  retire(id, now);
  r.stepping = false;
  // The tokens it generated since the last sample were streamed; they stay in the series.
  interval_generated_ += r.engine->output_tokens() - r.output_sampled;
  r.output_sampled = 0;
  r.engine = std::make_unique<Engine>(pools_[pool].engine, r.observer.get());
  for (const Displaced& d : displaced) {
    if (d.started) {
      dropped(d.request, DropReason::kReplicaFailed, now);
    } else {
      dispatch(d.request, now);  // the gateway retries on another replica
    }
  }
  if (f.recover_after_s > 0) push(now + f.recover_after_s, Ev::kRecover, pool);
}

void Fleet::on_tick(int pool, double now) {
  PoolState& ps = pools_[pool];
  const Autoscaler& as = ps.spec->autoscaler;
  int provisioned = 0, ready = 0;
  double metric = 0;
  for (int id : ps.replicas) {
    const Replica& r = replicas_[id];
    if (r.state == Replica::State::kGone || r.state == Replica::State::kDraining) continue;
    ++provisioned;
    if (r.state != Replica::State::kReady) continue;
    ++ready;
    if (as.metric == "concurrency") metric += r.engine->outstanding();
    if (as.metric == "waiting") metric += r.engine->waiting();
    if (as.metric == "running") metric += r.engine->running();
    if (as.metric == "kv_usage") metric += r.engine->kv_usage();
  }
  const double elapsed = std::max(1e-9, now - ps.last_tick_s);
  if (as.metric == "qps") metric = static_cast<double>(ps.routed_interval) / elapsed;
  // Requests held at the gateway count as waiting work for queue metrics.
  if (as.metric == "concurrency" || as.metric == "waiting" || as.metric == "qps")
    metric += as.metric == "qps" ? static_cast<double>(pending_.size()) / elapsed
                                 : static_cast<double>(pending_.size());
  ps.routed_interval = 0;
  ps.last_tick_s = now;
  // HPA: desired = ceil(current x metric per replica / target), unchanged within tolerance.
  int desired = provisioned;
  const double per_replica = ready > 0 ? metric / ready : (metric > 0 ? 1e18 : 0);
  const double ratio = per_replica / as.target;
  if (provisioned == 0) {
    desired = metric > 0 ? 1 : 0;
  } else if (std::fabs(ratio - 1) > as.tolerance) {
    desired = static_cast<int>(std::ceil(std::min(1e6, provisioned * ratio)));
  }
  if (metric > 0 || !pending_.empty()) ps.last_active_s = now;
  // KEDA: scale to zero only after cooldown_s without activity.
  if (desired == 0 && now - ps.last_active_s < as.cooldown_s) desired = 1;
  desired = std::clamp(desired, as.min_replicas, as.max_replicas);
  ps.recommendations.emplace_back(now, desired);
  const double keep = std::max(as.scale_up_stabilization_s, as.scale_down_stabilization_s);
  while (!ps.recommendations.empty() && ps.recommendations.front().first < now - keep)
    ps.recommendations.pop_front();
  // Stabilisation: scale up to the lowest recommendation of the up window, down to the highest
  // of the down window.
  int up = desired, down = desired;
  for (const auto& [t, d] : ps.recommendations) {
    if (t >= now - as.scale_up_stabilization_s) up = std::min(up, d);
    if (t >= now - as.scale_down_stabilization_s) down = std::max(down, d);
  }
  int target = provisioned;
  if (up > provisioned) target = up;
  if (down < provisioned) target = down;
  for (int i = provisioned; i < target; ++i) add_replica(pool, now, false);
  if (target < provisioned) {
    // Remove starting replicas first (newest first), then the ready ones with least work.
    std::vector<int> order;
    for (auto it = ps.replicas.rbegin(); it != ps.replicas.rend(); ++it)
      if (replicas_[*it].state == Replica::State::kStarting) order.push_back(*it);
    std::vector<int> ready_ids;
    for (int id : ps.replicas)
      if (replicas_[id].state == Replica::State::kReady) ready_ids.push_back(id);
    std::stable_sort(ready_ids.begin(), ready_ids.end(), [&](int a, int b) {
      return replicas_[a].engine->outstanding() < replicas_[b].engine->outstanding();
    });
    order.insert(order.end(), ready_ids.begin(), ready_ids.end());
    for (int k = 0; k < provisioned - target && k < static_cast<int>(order.size()); ++k) {
      Replica& r = replicas_[order[k]];
      if (r.state == Replica::State::kStarting || r.engine->idle()) {
        retire(order[k], now);
      } else {
        r.state = Replica::State::kDraining;  // no new requests; leaves when idle
        set_ready_count(now);
      }
    }
  }
  if (!done()) push(now + as.polling_interval_s, Ev::kTick, pool);
}

void Fleet::sample(double now) {
  TimePoint p;
  p.t_s = now;
  long long generated = interval_generated_;
  for (Replica& r : replicas_) {
    generated += r.engine->output_tokens() - r.output_sampled;
    r.output_sampled = r.engine->output_tokens();
    if (r.state == Replica::State::kStarting) ++p.replicas_starting;
    if (r.state == Replica::State::kReady) ++p.replicas_ready;
    if (r.state == Replica::State::kReady || r.state == Replica::State::kDraining) {
      p.running += r.engine->running();
      p.waiting += r.engine->waiting();
      p.kv_usage += r.engine->kv_usage();
    }
  }
  const int serving = std::max(1, p.replicas_ready);
  p.kv_usage /= serving;
  p.waiting += static_cast<int>(pending_.size());
  p.arrivals = interval_arrivals_;
  p.completed = interval_completed_;
  p.first_tokens = static_cast<long long>(interval_ttft_.count());
  p.ttft_mean_ms = interval_ttft_.mean() * 1e3;
  p.ttft_p99_ms = interval_ttft_.quantile(0.99) * 1e3;
  const double interval_s = std::max(1e-9, now - last_sample_t_);
  p.output_tokens_per_s = static_cast<double>(interval_output_) / interval_s;
  p.generated_tokens_per_s = static_cast<double>(generated) / interval_s;
  series_.push_back(p);
  interval_ttft_.clear();
  interval_arrivals_ = interval_completed_ = interval_output_ = interval_generated_ = 0;
  last_sample_t_ = now;
  // Keep the series short: beyond 400 points, merge neighbours and sample half as often.
  if (series_.size() > 400) {
    std::vector<TimePoint> merged;
    for (std::size_t i = 0; i + 1 < series_.size(); i += 2) {
      TimePoint a = series_[i], b = series_[i + 1];
      b.arrivals += a.arrivals;
      b.completed += a.completed;
      // The merged mean weighs each half by its first tokens (an empty half is no 0 ms TTFT);
      // the p99 is the larger half's, an upper bound of the merged one.
      if (const long long n = a.first_tokens + b.first_tokens; n > 0)
        b.ttft_mean_ms = (a.ttft_mean_ms * static_cast<double>(a.first_tokens) +
                          b.ttft_mean_ms * static_cast<double>(b.first_tokens)) /
                         static_cast<double>(n);
      b.first_tokens += a.first_tokens;
      b.ttft_p99_ms = std::max(a.ttft_p99_ms, b.ttft_p99_ms);
      b.output_tokens_per_s = (a.output_tokens_per_s + b.output_tokens_per_s) / 2;
      b.generated_tokens_per_s = (a.generated_tokens_per_s + b.generated_tokens_per_s) / 2;
      merged.push_back(b);
    }
    if (series_.size() % 2) merged.push_back(series_.back());
    series_ = std::move(merged);
    sample_interval_ *= 2;
  }
  // Requests stuck at the gateway past the timeout leave.
  drain_pending(now);
  if (!done()) push(now + sample_interval_, Ev::kSample);
}

Result<SimResult> Fleet::run() {
  if (Status st = setup(); !st) return st.error();
  for (std::size_t p = 0; p < pools_.size(); ++p)
    for (int i = 0; i < sc_.pools[p].replicas; ++i) add_replica(static_cast<int>(p), 0, true);
  set_ready_count(0);
  route_rng_ = Rng(sc_.seed ^ 0x726f757465ULL);
  jitter_rng_ = Rng(sc_.seed ^ 0x6a6974746572ULL);

  // Expected span, for the sampling interval.
  const WorkloadSpec& w = sc_.workload;
  double span = w.duration_s;
  if (span <= 0 && w.requests > 0 && w.arrival != WorkloadSpec::Arrival::kClosedLoop &&
      w.arrival != WorkloadSpec::Arrival::kTrace)
    span = static_cast<double>(w.requests) / w.qps;
  if (span <= 0 && w.trace && !w.trace->records.empty())
    span = (w.trace->records.back().t_s - w.trace->records.front().t_s) * w.time_scale;
  sample_interval_ = sc_.timeseries_interval_s > 0 ? sc_.timeseries_interval_s
                                                   : std::max(0.05, span > 0 ? span / 200 : 1.0);

  measuring_ = gen_.warmup_requests() == 0;
  if (gen_.closed_loop()) {
    client_next_.assign(static_cast<std::size_t>(gen_.clients()), Request{});
    const bool phased = gen_.warmup_requests() > 0;
    for (int c = 0; c < gen_.clients(); ++c) {
      // With a warm-up shorter than the clients, the rest wait for the measured phase.
      if (phased && !gen_.next_is_warmup()) {
        idle_clients_.push_back(c);
        continue;
      }
      const long long before = gen_.issued();
      issue_for_client(c, 0);
      if (gen_.issued() == before) break;
    }
  } else {
    schedule_next_arrival();
  }
  for (std::size_t p = 0; p < pools_.size(); ++p)
    if (pools_[p].spec->autoscaler.enabled)
      push(pools_[p].spec->autoscaler.polling_interval_s, Ev::kTick, static_cast<int>(p));
  for (std::size_t i = 0; i < sc_.failures.size(); ++i)
    push(sc_.failures[i].at_s, Ev::kFail, static_cast<int>(i));
  push(sample_interval_, Ev::kSample);

  const long long expected = w.requests;
  long long next_progress = 0;
  double now = 0;
  while (!events_.empty()) {
    const Event e = events_.top();
    events_.pop();
    now = e.t;
    ++events_n_;
    switch (e.type) {
      case Ev::kArrival:
      case Ev::kClient: {
        Request r;
        if (e.type == Ev::kArrival) {
          r = next_arrival_;
          schedule_next_arrival();
        } else {
          r = client_next_[e.a];
          client_next_[e.a].client = -1;
        }
        ++interval_arrivals_;
        if (!r.warmup) {
          if (first_arrival_ < 0) first_arrival_ = now;
          measuring_ = true;
          ++requests_;
          change_in_flight(+1, now);
        }
        dispatch(r, now);
        break;
      }
      case Ev::kEnqueue:
        enqueue(e.a, now);
        break;
      case Ev::kStepEnd: {
        Replica& r = replicas_[e.a];
        if (e.b != r.epoch || !r.stepping) break;
        r.stepping = false;
        r.engine->end_step(now);
        start_step(e.a, now);
        break;
      }
      case Ev::kReady: {
        Replica& r = replicas_[e.a];
        if (r.state != Replica::State::kStarting) break;
        r.state = Replica::State::kReady;
        r.ready_s = now;
        r.kv_last_t = now;
        set_ready_count(now);
        drain_pending(now);
        break;
      }
      case Ev::kTick:
        on_tick(e.a, now);
        break;
      case Ev::kSample:
        sample(now);
        break;
      case Ev::kFail:
        on_fail(sc_.failures[e.a], now);
        break;
      case Ev::kRecover:
        add_replica(e.a, now, false);
        break;
    }
    if (expected > 0 && completed_ + dropped_ >= next_progress) {
      if (hooks_.progress)
        hooks_.progress(static_cast<double>(completed_ + dropped_) / static_cast<double>(expected));
      if (hooks_.cancelled && hooks_.cancelled()) return Error{hooks_.cancelled_message};
      next_progress += std::max<long long>(1, expected / 1000);
    }
  }
  // Whatever still waits at the gateway has no replica to go to.
  while (!pending_.empty()) {
    const Pending p = pending_.front();
    pending_.pop_front();
    dropped(p.req, DropReason::kNoCapacity, now);
  }
  return finish_result(now);
}

SimResult Fleet::finish_result(double end) {
  SimResult out;
  out.requests = requests_;
  out.completed = completed_;
  out.dropped = dropped_;
  out.dropped_by_reason = drops_;
  const double start = std::max(0.0, first_arrival_);
  out.duration_s = std::max(0.0, last_event_ - start);
  change_in_flight(0, last_event_);
  out.in_flight_mean = out.duration_s > 0 ? in_flight_integral_ / out.duration_s : 0.0;
  auto lat = [](const Histogram& h) {
    Latency l;
    l.mean = h.mean() * 1e3;
    l.p50 = h.quantile(0.50) * 1e3;
    l.p90 = h.quantile(0.90) * 1e3;
    l.p95 = h.quantile(0.95) * 1e3;
    l.p99 = h.quantile(0.99) * 1e3;
    return l;
  };
  out.ttft = lat(ttft_);
  out.tpot = lat(tpot_);
  out.itl = lat(itl_);
  out.e2e = lat(e2e_);
  out.queue = lat(queue_);
  if (out.duration_s > 0) {
    out.requests_per_s = static_cast<double>(completed_) / out.duration_s;
    out.output_tokens_per_s = static_cast<double>(output_tokens_) / out.duration_s;
    out.input_tokens_per_s = static_cast<double>(input_tokens_) / out.duration_s;
  }
  if (sc_.slo.any()) {
    out.slo_attainment = requests_ > 0 ? static_cast<double>(slo_met_) / requests_ : 0.0;
    out.goodput_rps = out.duration_s > 0 ? static_cast<double>(slo_met_) / out.duration_s : 0.0;
  }
  out.prefix_cache_hit_rate =
      prompt_tokens_ > 0 ? static_cast<double>(hit_tokens_) / prompt_tokens_ : 0.0;
  set_ready_count(end);
  double kv_num = 0, kv_den = 0, cost = 0;
  bool priced = true;
  for (Replica& r : replicas_) {
    touch_kv(r, end);
    const PoolState& ps = pools_[r.pool];
    const double gone = r.gone_s >= 0 ? r.gone_s : end;
    const double up = std::max(0.0, gone - r.provisioned_s);
    const double ready_time = r.ready_s >= 0 ? std::max(0.0, gone - r.ready_s) : 0.0;
    const double gpu_h = up * ps.step->gpus_per_replica() / 3600.0;
    out.gpu_hours += gpu_h;
    if (ps.usd_per_gpu_hour)
      cost += gpu_h * *ps.usd_per_gpu_hour;
    else
      priced = false;
    ReplicaStats st;
    st.pool = ps.spec->name;
    st.index = r.index;
    st.gpu = ps.spec->deployment.gpu->id;
    st.requests = r.routed;
    st.preemptions = r.preemptions + r.engine->preemptions();
    out.preemptions += st.preemptions;
    st.busy_fraction = ready_time > 0 ? std::min(1.0, r.busy_s / ready_time) : 0.0;
    st.kv_usage_mean = ready_time > 0 ? r.kv_integral / ready_time : 0.0;
    st.prefix_cache_hit_rate =
        r.prompt_tokens > 0 ? static_cast<double>(r.hit_tokens) / r.prompt_tokens : 0.0;
    st.up_s = up;
    kv_num += r.kv_integral;
    kv_den += ready_time;
    out.per_replica.push_back(st);
  }
  out.kv_usage_mean = kv_den > 0 ? kv_num / kv_den : 0.0;
  if (priced) out.cost_usd = cost;
  out.replicas_min = ready_min_ == std::numeric_limits<int>::max() ? 0 : ready_min_;
  out.replicas_max = ready_max_;
  out.replicas_final = ready_count_;
  out.replicas_mean = end > 0 ? ready_integral_ / end : ready_count_;
  out.timeseries = std::move(series_);
  if (gen_.warmup_requests() > 0)
    notes_.push_back(fmt::format(
        "{} warm-up requests ran first and count in no metric{}", gen_.warmup_requests(),
        warmup_dropped_ > 0 ? fmt::format(" ({} of them dropped)", warmup_dropped_) : ""));
  out.notes = std::move(notes_);
  out.events = events_n_;
  return out;
}

}  // namespace

Result<SimResult> simulate(const catalog::Catalog& catalog, const Scenario& scenario,
                           const RunHooks& hooks) {
  Fleet fleet(catalog, scenario, hooks);
  return fleet.run();
}

}  // namespace llmctl::sim
