// `plan` as a tool: a spec (file, object or YAML) -> ranked hosted-API and self-hosted options
// with reasons, the break-even traffic, and every rejected option with why. The CLI (`llmctl plan`)
// and MCP both call run_plan() and plan::to_json().
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "agent/tools/tool.h"
#include "plan/planner.h"

namespace llmctl::agent {

const std::vector<Param>& plan_params();
// `args` checked against plan_params(). Reports progress (performance estimates made) and stops
// early when the call is cancelled.
Result<plan::Plan> run_plan(const boost::json::object& args, const ToolEnv& env);
// Plans a spec already loaded, with the same progress and cancellation (deploy uses it).
Result<plan::Plan> plan_with_progress(const plan::Spec& spec, const ToolEnv& env,
                                      const plan::PlanOptions& options = {});
// The simulation check of the `top` cheapest self-hosted options (0: none), replaying the
// spec's trace when it has one (`trace_csv`: its text, from load_spec).
Result<plan::PlanOptions> simulation_options(const plan::Spec& spec, const std::string& trace_csv,
                                             const catalog::Catalog& catalog, int top);
Tool plan_tool();

}  // namespace llmctl::agent
