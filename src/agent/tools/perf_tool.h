// `perf` as a tool: one deployment x one workload -> memory fit, latency, throughput, and why.
// The CLI (`llmctl perf`) and MCP both call run_perf() and perf_json(), so `--format json` and
// the tool's structured content are the same bytes for the same arguments.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "agent/tools/tool.h"
#include "perf/model.h"
#include "sim/sim.h"

namespace llmctl::agent {

struct PerfRun {
  perf::Deployment deployment;  // points into the catalog
  perf::Workload workload;
  perf::Estimate estimate;  // under load: TTFT and TPOT are the simulated means
  std::string mode_text;    // "open loop, 2 req/s"
  // Under load (qps or concurrency): sim::simulate_load of the same deployment and load, and
  // the analytic model's own TTFT and TPOT.
  std::optional<sim::SimResult> simulated;
  double analytic_ttft_ms = 0, analytic_tpot_ms = 0;
};

const std::vector<Param>& perf_params();
// `args` already checked against perf_params(). Errors name the argument ("tp: ...").
Result<PerfRun> run_perf(const catalog::Catalog& catalog, const boost::json::object& args);
boost::json::value perf_json(const PerfRun& run);
Tool perf_tool();

}  // namespace llmctl::agent
