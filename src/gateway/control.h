// Private to src/gateway: the control plane of one gateway run — config reload (SIGHUP, file
// change, POST /admin/reload), active health checks and the admin API. Nothing here runs on a
// worker's request path: a reload parses and validates on the calling thread, builds a Snapshot
// and posts it to every worker; health checks run on their own thread and io_context and only
// flip DeploymentRuntime::healthy.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "gateway/proxy.h"
#include "gateway/state.h"
#include "net/net.h"

namespace llmctl::gateway {

struct ControlDeps {
  GatewayState* state = nullptr;
  std::vector<SnapshotSink*> handlers;  // one per worker, same order as workers
  std::vector<net::Worker*> workers;
  // Reads and parses the config again (same catalog, same CLI overrides), ready to serve
  // (simulator attached, indexed). Null: reload is not possible (built-in config).
  std::function<Result<std::shared_ptr<Config>>()> load;
  std::string watch_path;  // the config file; empty: nothing to watch
  std::string loaded_text_hint;
};

class ControlPlane {
 public:
  explicit ControlPlane(ControlDeps deps);
  ~ControlPlane();
  // Starts the admin listener (when configured), the health checker and the file watcher.
  // Returns the admin port (0: no admin API) or why the listener failed.
  Result<int> start();
  void stop();

  struct ReloadResult {
    bool ok = false;
    bool changed = false;
    std::uint64_t generation = 0;
    std::string error;
  };
  // Thread-safe; serialised. An invalid config keeps the current one (error says why).
  ReloadResult reload(std::string_view trigger);

 private:
  void watch_loop();
  // Sleeps `d` or until stop(); false when stopped.
  bool sleep_unless_stopped(std::chrono::milliseconds d);
  struct Impl;
  ControlDeps deps_;
  std::unique_ptr<Impl> impl_;
  std::mutex reload_mu_;
  std::mutex stop_mu_;  // with stop_cv_: stop() ends the watcher's sleep
  std::condition_variable stop_cv_;
  std::atomic<bool> stop_{false};
  std::thread watcher_;
};

// JSON of a config for the admin API: every setting, secrets (API keys, the admin token)
// replaced by "<redacted>".
std::string config_json(const Config& c);
// JSON of every deployment's live state: breaker, health, in flight, TTFT EWMA, recent errors.
std::string deployments_json(const Snapshot& s, std::int64_t now_ms);
// Constant-time comparison of an Authorization header with "Bearer <token>".
bool bearer_matches(std::string_view header, std::string_view token);

}  // namespace llmctl::gateway
