// `audit` as a tool: the AI-ops linter over paths (walked, filtered by extension and --exclude
// globs) and/or file contents passed inline, with an optional baseline. The CLI (`llmctl audit`)
// and MCP both call run_audit() and audit_json().
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <vector>

#include "agent/tools/tool.h"
#include "audit/report.h"

namespace llmctl::agent {

const std::vector<Param>& audit_params();
// `args` checked against audit_params(). Reports progress (files analysed of files found) and
// stops when the call is cancelled.
Result<audit::Report> run_audit(const boost::json::object& args, const ToolEnv& env);
boost::json::value audit_json(const audit::Report& report);
Tool audit_tool();

}  // namespace llmctl::agent
