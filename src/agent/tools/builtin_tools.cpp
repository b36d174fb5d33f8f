// Every tool llmctl offers, one line each. To add one: write tools/<name>_tool.cpp with a
// `Tool <name>_tool()` (docs/AGENT.md has the recipe) and add its line here.
#include "agent/tools/audit_tool.h"
#include "agent/tools/catalog_tool.h"
#include "agent/tools/costs_tool.h"
#include "agent/tools/deploy_tool.h"
#include "agent/tools/explain_tool.h"
#include "agent/tools/monitor_tool.h"
#include "agent/tools/perf_tool.h"
#include "agent/tools/plan_tool.h"
#include "agent/tools/simulate_tool.h"

namespace llmctl::agent {

const Registry& builtin_tools() {
  static const Registry registry = [] {
    Registry r;
    r.add(perf_tool());
    r.add(simulate_tool());
    r.add(plan_tool());
    r.add(deploy_tool());
    r.add(audit_tool());
    r.add(catalog_list_tool());
    r.add(catalog_show_tool());
    r.add(catalog_cost_tool());
    r.add(explain_tool());
    r.add(costs_tool());
    r.add(monitor_tool());
    return r;
  }();
  return registry;
}

}  // namespace llmctl::agent
