// `costs` as a tool: the FinOps analyst (src/finops) over the gateway's request log or a usage
// export — spend by group, anomalies, what-if savings, month-end forecast. The structured content
// is finops::to_json(report), the function `llmctl costs --format json` prints, so the two cannot
// drift. Read-only: the tool writes nothing (the CLI's --out and --emit-gateway-config stay CLI
// flags).
#pragma once

#include <vector>

#include "agent/tools/tool.h"

namespace llmctl::agent {

const std::vector<Param>& costs_params();
Tool costs_tool();

}  // namespace llmctl::agent
