// Renderings of a simulation: the one JSON document (`--format json`, the agent tool's output),
// the text summary, the time series as CSV and a self-contained HTML report. Pure: strings and
// JSON values out; the caller writes them where it wants.
#pragma once

#include <boost/json/value.hpp>
#include <string>

#include "sim/sim.h"

namespace llmctl::sim {

// Keys (stable; scripts depend on them): requests, completed, dropped, duration_s, ttft_ms,
// tpot_ms, itl_ms, e2e_ms, queue_ms ({mean, p50, p90, p95, p99}), requests_per_s,
// output_tokens_per_s, prefix_cache_hit_rate, preemptions, kv_usage_mean, slo_attainment,
// gpu_hours, cost_usd, replicas ({min, max, mean, final}); then details: dropped_by_reason,
// input_tokens_per_s, goodput_rps, per_replica, scenario, notes.
boost::json::value result_json(const Scenario& scenario, const SimResult& result);

std::string result_text(const Scenario& scenario, const SimResult& result);

// One row per sample: t_s, replicas_ready, replicas_starting, running, waiting, kv_usage,
// arrivals, completed, ttft_mean_ms, ttft_p99_ms, output_tokens_per_s, first_tokens,
// generated_tokens_per_s (TimePoint says what each counts; new columns go at the end).
std::string timeseries_csv(const SimResult& result);

// One HTML file with inline SVG charts (latency, replicas and load over time), the summary and
// the scenario; no scripts, no external resources.
std::string html_report(const Scenario& scenario, const SimResult& result);

// One line describing the fleet: "4 x llama-3.1-8b on h100-sxm (vllm, bf16, TP 1)".
std::string describe_pools(const Scenario& scenario);
// One line describing the workload.
std::string describe_workload(const WorkloadSpec& w);

}  // namespace llmctl::sim
