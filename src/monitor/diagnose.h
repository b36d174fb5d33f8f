// Diagnoses: one snapshot (and optionally the request log) in, findings out. Pure: the numbers
// come in the snapshot, "now" is the snapshot's, the catalog is passed in.
//
// A healthy system gives no findings. Each finding carries the numbers behind it and the PromQL
// (or SQL) that reproduces them, and a fix naming the llmctl command that sizes it.
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "monitor/finding.h"
#include "monitor/request_log.h"
#include "monitor/snapshot.h"

namespace llmctl::monitor {

// Per-target figures for the summary and `--watch` (each optional: not every target exports it).
struct TargetSummary {
  std::string target;  // "vllm 127.0.0.1:8000", "gateway 127.0.0.1:8080 model gpt-4o-mini"
  std::string kind;    // engine id, "gateway", "gpu"
  std::optional<double> requests_per_s, error_share, ttft_p50_s, ttft_p95_s, tpot_p95_s, e2e_p95_s,
      running, waiting, kv_usage, tokens_per_s, gpu_util_pct, gpu_memory_share, cost_per_hour_usd;
};

struct Report {
  std::vector<Finding> findings;  // by severity (critical first), then kind order, then target
  std::vector<TargetSummary> targets;
  std::vector<std::string> notes;  // what was not read and which diagnoses it left out
  double now_s = 0;
  double window_s = 0;
  std::string source;
};

Report diagnose(const Snapshot& snapshot, const LogSummary* log, const catalog::Catalog& cat,
                const DiagnoseOptions& options);

}  // namespace llmctl::monitor
