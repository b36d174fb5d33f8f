// run_gateway: builds the shared state, the request-log writer, the optional in-process
// simulator and the workers; serves until a termination signal; then drains and flushes.
#include "gateway/gateway.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "gateway/control.h"
#include "gateway/governance_runtime.h"
#include "gateway/proxy.h"
#include "gateway/state.h"
#include "mock/mock.h"
#include "net/net.h"

namespace llmctl::gateway {

namespace {
int start_error(const std::string& message) {
  std::fflush(stdout);
  fmt::print(stderr, "llmctl: {}\n", message);
  return 2;
}
}  // namespace

int run_gateway(const GatewayOptions& options) {
  net::ignore_sigpipe();
  // Before any thread starts, so every thread inherits the blocked mask and the signal waits
  // for sigwait below.
  net::block_gateway_signals();

  auto config = std::make_shared<Config>(*options.config);
  std::unique_ptr<mock::MockServer> simulator;
  if (config->uses_simulator()) {
    mock::MockOptions sim = config->simulator;
    sim.host = "127.0.0.1";
    sim.port = 0;
    auto started = mock::MockServer::start(sim);
    if (!started) return start_error(started.error().wrap("built-in simulator").message);
    simulator = std::move(*started);
    config->attach_simulator(simulator->port());
  }
  config->index();

  const int workers = config->workers > 0
                          ? config->workers
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  GatewayState state;
  state.workers = workers;
  state.set_current(make_snapshot(config, nullptr, workers));
  state.started_unix_s = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  std::vector<RecordQueue*> queues;
  for (int i = 0; i < workers; ++i) {
    state.queues.push_back(std::make_unique<RecordQueue>(config->request_log.queue_capacity));
    queues.push_back(state.queues.back().get());
  }
  std::vector<std::unique_ptr<RecordSink>> sinks;
  if (config->access_log) sinks.push_back(stderr_access_log());
  if (!config->request_log.path.empty()) {
    auto sink = open_sqlite_sink(config->request_log);
    if (!sink) return start_error(sink.error().message);
    sinks.push_back(std::move(*sink));
  }
  state.writer = std::make_unique<RequestLogWriter>(std::move(queues), std::move(sinks),
                                                    config->request_log.flush_interval_ms,
                                                    config->request_log.batch_size);
  // Issue 15: spans over OTLP (a thread of its own) and the feedback store (the request log's
  // file, its own connection and thread).
  if (config->telemetry.enabled) {
    telemetry::Resource resource;
    resource.service_name = config->telemetry.service_name;
    resource.service_version = LLMCTL_VERSION;
    resource.service_instance_id = fmt::format("{:x}-{}", state.started_unix_s, ::getpid());
    state.telemetry = std::make_unique<SpanExporter>(config->telemetry, workers, resource);
  }
  if (!config->request_log.path.empty()) {
    auto fb = FeedbackStore::open(config->request_log);
    if (!fb) return start_error(fb.error().message);
    state.feedback = std::move(*fb);
  }
  // Keys, limits and budgets: opened before the workers (each takes its limiter from it) and
  // stopped after them (the last spend is written then).
  auto governance = GovernanceRuntime::open(*config);
  if (!governance) return start_error(governance.error().message);
  state.governance = governance->get();
  (*governance)->set_config(config);

  {
    net::ServerLimits limits;
    limits.max_body_bytes = config->max_body_bytes;
    limits.read_timeout_ms = config->read_timeout_ms;
    limits.keepalive_timeout_ms = config->keepalive_timeout_ms;
    net::Server server(workers, limits);
    ControlDeps deps;
    deps.state = &state;
    for (std::size_t i = 0; i < server.size(); ++i) {
      auto handler = make_gateway_handler(static_cast<int>(i), state, server.worker(i));
      deps.handlers.push_back(handler.get());
      deps.workers.push_back(&server.worker(i));
      server.worker(i).set_handler(std::move(handler));
    }
    auto port = server.listen(config->host, config->port);
    if (!port) return start_error(port.error().message);
    if (options.reload) {
      const int sim_port = simulator ? simulator->port() : 0;
      deps.load = [reload = options.reload, sim_port]() -> Result<std::shared_ptr<Config>> {
        auto parsed = reload();
        if (!parsed) return parsed.error();
        auto next = std::make_shared<Config>(std::move(*parsed));
        if (next->uses_simulator()) {
          if (sim_port == 0)
            return Error{
                "a simulated deployment needs the built-in simulator, which this run "
                "did not start; restart to add the first one"};
          next->attach_simulator(sim_port);
        }
        next->index();
        return next;
      };
      deps.watch_path = options.config_path;
      if (!deps.watch_path.empty()) {
        std::ifstream in(deps.watch_path, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        deps.loaded_text_hint = text.str();
      }
    }
    ControlPlane control(std::move(deps));
    auto admin_port = control.start();
    if (!admin_port) return start_error(admin_port.error().message);

    state.writer->start();
    if (state.telemetry) state.telemetry->start();
    if (state.feedback) state.feedback->start();
    (*governance)->start();
    server.start();
    fmt::print(
        stderr,
        "llmctl gateway: {} worker(s), {} model(s), {} deployment(s) from {}; request log {}\n",
        workers, config->models.size(), config->deployments.size(), config->source,
        config->request_log.path.empty() ? "off" : config->request_log.path);
    if (options.on_listening) options.on_listening(config->host, *port);
    if (*admin_port > 0) {
      fmt::print("admin listening on {}:{}\n", config->admin.host, *admin_port);
      std::fflush(stdout);
    }

    if (state.telemetry)
      fmt::print(stderr, "llmctl gateway: traces to {} ({}), sample ratio {}\n",
                 config->telemetry.traces_url, config->telemetry.source,
                 config->telemetry.sample_ratio);
    while (net::wait_for_signal() == SIGHUP) control.reload("SIGHUP");
    control.stop();
    // Feedback answers what is queued now (its answers go to workers that are still running).
    if (state.feedback) state.feedback->stop();
    state.draining.store(true, std::memory_order_relaxed);
    fmt::print(stderr, "llmctl gateway: draining ({} request(s) in flight, deadline {} ms)\n",
               state.inflight(), config->drain_timeout_ms);
    server.drain_and_stop(std::chrono::milliseconds(config->drain_timeout_ms),
                          [&state] { return state.inflight() == 0; });
  }  // workers destroyed here; their last records are in the queues
  (*governance)->stop();
  state.writer->stop();
  if (state.telemetry) state.telemetry->stop();  // the workers' last spans go out once
  if (simulator) simulator->stop();
  fmt::print(stderr, "llmctl gateway: stopped; {} request record(s) written\n",
             state.writer->written());
  return 0;
}

}  // namespace llmctl::gateway
