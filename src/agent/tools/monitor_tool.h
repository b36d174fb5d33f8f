// `monitor` as a tool: read a running system (a Prometheus server, metrics endpoints scraped over
// a short window, saved exposition files, the gateway's request log), diagnose it (SLO burn, KV
// cache, queues, idle GPUs, rate limits, spend, stale dashboards) and return the findings. The
// structured content is monitor::to_json(report), what `llmctl monitor --format json` prints.
//
// Time comes from the call's ToolClock (ToolEnv::clock): "now" ends the window, and the waits
// between scrapes sleep on it (in slices that stop when the call is cancelled).
#pragma once

#include <string>
#include <vector>

#include "agent/tools/tool.h"
#include "monitor/diagnose.h"
#include "monitor/sources.h"

namespace llmctl::agent {

const std::vector<Param>& monitor_params();
Tool monitor_tool();

// What a monitor run reads and how it judges, from arguments checked against monitor_params():
// the tool and `llmctl monitor` (which adds --watch and --fail-on) both build it here, so they
// validate alike. `scrape_window_s` is the window when only endpoints are scraped and none is
// given (a tool call waits for it; the CLI's default is longer).
struct MonitorSetup {
  monitor::SourceOptions sources;
  monitor::DiagnoseOptions diagnose;
  std::string db;        // the request log's path; empty: none
  std::string db_shown;  // as the arguments named it
};
Result<MonitorSetup> monitor_setup(const boost::json::object& args, const ToolEnv& env,
                                   double scrape_window_s);
// Diagnoses one snapshot, with the request log (enough history for the longest burn-rate window
// and a day's baseline) when the setup names one.
Result<monitor::Report> monitor_evaluate(const MonitorSetup& setup, const catalog::Catalog& cat,
                                         monitor::Snapshot snap);

}  // namespace llmctl::agent
