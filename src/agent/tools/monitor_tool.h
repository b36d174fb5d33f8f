// `monitor` as a tool: read a running system (a Prometheus server, metrics endpoints scraped over
// a short window, saved exposition files, the gateway's request log), diagnose it (SLO burn, KV
// cache, queues, idle GPUs, rate limits, spend, stale dashboards) and return the findings. The
// structured content is monitor::to_json(report), what `llmctl monitor --format json` prints.
//
// Time comes from the call's ToolClock (ToolEnv::clock): "now" ends the window, and the waits
// between scrapes sleep on it (in slices that stop when the call is cancelled).
#pragma once

#include <vector>

#include "agent/tools/tool.h"

namespace llmctl::agent {

const std::vector<Param>& monitor_params();
Tool monitor_tool();

}  // namespace llmctl::agent
