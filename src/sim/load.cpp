// simulate_load: perf's deployment and load, simulated (sim.h).
#include <fmt/format.h>

#include <algorithm>

#include "sim/sim.h"

namespace llmctl::sim {

Scenario load_scenario(const perf::Deployment& d, const perf::Workload& w, long long requests) {
  Scenario sc;
  sc.name = "perf-load";
  Pool p;
  p.name = d.gpu ? d.gpu->id : "pool";
  p.deployment = d;
  p.deployment.gpus = d.tp * d.pp;
  p.replicas = std::max(1, d.gpus / std::max(1, d.tp * d.pp));
  sc.pools.push_back(p);
  sc.router = "least_outstanding";
  WorkloadSpec& ws = sc.workload;
  ws.input = {LengthDist::Kind::kFixed, static_cast<double>(w.input_tokens)};
  ws.output = {LengthDist::Kind::kFixed, static_cast<double>(w.output_tokens)};
  if (w.mode == perf::LoadMode::kQps) {
    ws.arrival = WorkloadSpec::Arrival::kPoisson;
    ws.qps = w.value;
    // A minute of traffic, 500 requests at least (a serving benchmark's size), 20,000 at most.
    ws.requests =
        requests > 0 ? requests : std::clamp(static_cast<long long>(w.value * 60), 500LL, 20000LL);
  } else {
    ws.arrival = WorkloadSpec::Arrival::kClosedLoop;
    ws.concurrency = std::max(1, static_cast<int>(w.value + 0.5));
    // Ten requests per client, as closed-loop sweeps send, 200 at least.
    ws.requests = requests > 0 ? requests : std::max(200LL, 10LL * ws.concurrency);
  }
  sc.seed = 1;
  // Benchmarks start their clients together with equal lengths; real step-to-step variance
  // spreads them out within a few requests (sim.h, step_jitter_cv).
  sc.step_jitter_cv = kLoadStepJitterCv;
  return sc;
}

Result<SimResult> simulate_load(const catalog::Catalog& catalog, const perf::Deployment& d,
                                const perf::Workload& w, long long requests) {
  if (w.mode != perf::LoadMode::kQps && w.mode != perf::LoadMode::kConcurrency)
    return Error{"load: a simulation needs an open-loop rate (qps) or a concurrency"};
  if (!(w.value > 0)) return Error{"load: expected a positive rate or concurrency"};
  return simulate(catalog, load_scenario(d, w, requests));
}

}  // namespace llmctl::sim
