// `simulate` as a tool: a serving fleet under a workload, simulated (src/sim) — latency
// percentiles, throughput, KV cache, autoscaling, SLO attainment, cost. The CLI (`llmctl
// simulate`) maps its flags onto these arguments and calls run_simulate(), so a value is checked
// the same way however it arrives, and `--format json` is simulate_json() of the same run.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <vector>

#include "agent/tools/tool.h"
#include "sim/scenario.h"
#include "sim/sim.h"

namespace llmctl::agent {

struct SimulateRun {
  std::unique_ptr<sim::Trace> trace;  // the replayed trace; scenario.workload.trace points here
  sim::Scenario scenario;
  sim::SimResult result;
};

const std::vector<Param>& simulate_params();
// `args` already checked against simulate_params(). The scenario and trace files are read
// through env.files; progress and cancellation go through env. Errors name the argument
// ("qps: ...") or the scenario's field ("scenario.yaml:3:5: pools[0].tp: ...").
Result<SimulateRun> run_simulate(const boost::json::object& args, const ToolEnv& env);
boost::json::value simulate_json(const SimulateRun& run);
Tool simulate_tool();

}  // namespace llmctl::agent
