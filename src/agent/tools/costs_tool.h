// `costs` as a tool: the FinOps analyst (src/finops) over the gateway's request log or a usage
// export — spend by group, anomalies, what-if savings, month-end forecast. The structured content
// is finops::to_json(report), the function `llmctl costs --format json` prints, so the two cannot
// drift. Read-only: the tool writes nothing (the CLI's --out and --emit-gateway-config stay CLI
// flags).
#pragma once

#include <string>
#include <vector>

#include "agent/tools/tool.h"
#include "finops/ingest.h"
#include "finops/report.h"

namespace llmctl::agent {

const std::vector<Param>& costs_params();
Tool costs_tool();

// One analysis, as the tool and `llmctl costs` both run it: the rows read (the CLI's FOCUS
// export and gateway config need them) and the report.
struct CostsRun {
  finops::Ingest in;
  finops::Report report;
  std::string source;  // the file read, as the arguments named it
};
// Arguments checked against costs_params(); files are read through env.files, progress and
// cancellation go through env. Errors name the argument ("since: ...").
Result<CostsRun> run_costs_analysis(const boost::json::object& args, const ToolEnv& env);
// `strict`: an error when any row was rejected (after the caller has shown the rejections).
Status check_strict(const boost::json::object& args, const finops::Ingest& in);

}  // namespace llmctl::agent
