// Fitting the efficiency parameters to published measurements (bench/perf_accuracy reads the
// calibration YAML; this part is pure: rows in, parameters out).
//
// The fit minimises the squared log-ratio predicted/measured over every measured metric of every
// row, plus a weak pull towards the prior (the published defaults in EfficiencyParams), by
// Levenberg-Marquardt in a transformed space that keeps each parameter in its physical range.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "perf/model.h"

namespace llmctl::perf {

// One measured configuration. The deployment's pointers must outlive the row.
struct CalibrationRow {
  std::string id;
  // Rows measured by a harness that is not a deployable engine (e.g. a research profiler) share
  // the physics but get their own copies of FitOptions::group_free, fitted and not stored
  // (nuisance parameters). Empty: the shared parameters only.
  std::string group;
  Deployment deployment;
  Workload workload;
  std::vector<std::pair<std::string, double>> measured;  // metric name -> value
};

// The metrics a calibration row may carry, as named in the calibration file:
// output_tokens_per_s, ttft_ms, itl_ms (= TPOT), prefill_ms, decode_ms_per_token.
const std::vector<std::string>& calibration_metrics();
// The estimate's value for a metric; nullopt for an unknown name.
std::optional<double> predicted_metric(const Estimate& estimate, std::string_view metric);

struct FitOptions {
  std::vector<std::string> free = EfficiencyParams::names();  // parameters the fit may move
  // Parameters each non-empty CalibrationRow::group fits for itself: the harness-specific fixed
  // overhead and all-reduce efficiency.
  std::vector<std::string> group_free = {"step_overhead_ms", "eta_comm", "allreduce_hop_us"};
  // Parameters each GPU arch other than `reference_arch` fits for itself when it has rows (stored
  // as any/<arch> entries); the reference arch and arches without rows use the shared values.
  std::vector<std::string> arch_free = {"eta_flop"};
  std::string reference_arch = "hopper";
  // Parameters each engine other than `reference_engine` fits for itself when it has rows
  // (stored as <engine>/any entries): its all-reduce kernels' latency, its API server's
  // per-request cost and its weight-only GEMM kernels' cost (an engine whose rows hold no
  // weight-only GEMM keeps the prior, 1). Not its per-iteration overhead: without TP 1 rows the fit
  // cannot tell it from the all-reduce (docs/PERF.md §5). The reference engine's rows set the
  // shared values, which engines without rows use.
  std::vector<std::string> engine_free = {"allreduce_hop_us", "ttft_overhead_ms",
                                          "dequant_flop_factor"};
  std::string reference_engine = "trtllm";
  // Engine generations: engine -> the first version of a generation whose kernels changed
  // (e.g. trtllm -> "1.0"). Rows of that engine at or above the version fit their own copies of
  // engine_free in the second stage, keyed "<engine>@<version>" (stored as an entry with
  // min_engine_version), even for the reference engine; its older rows stay where they were. A
  // row that names no version belongs to the older generation here: the fit keeps to what a
  // row says.
  std::map<std::string, std::string> engine_generations;
  double prior_weight = 0.15;  // residual weight per transformed unit away from the prior
  int max_iterations = 200;
};

struct FitResult {
  EfficiencyParams params;  // the shared parameters (data/efficiency.yaml's any/any)
  // Per-arch and per-group values of arch_free / group_free parameters.
  std::map<std::string, std::map<std::string, double>> arch_params;
  std::map<std::string, std::map<std::string, double>> engine_params;  // engine or generation key
  std::map<std::string, std::map<std::string, double>> group_params;
  std::map<std::string, std::string> engine_generations;  // FitOptions::engine_generations
  // The parameters that apply to a row: shared, then its arch's, its engine's, its engine
  // generation's, its group's (the order of efficiency_for: any/any, any/arch, engine/any,
  // engine@version/any).
  EfficiencyParams for_row(const CalibrationRow& row) const;
  double loss = 0;  // sum of squared log-ratios (without the prior term)
  int iterations = 0;
  int residuals = 0;  // how many measured values took part
};

// The second-stage key of a row: its engine generation's ("trtllm@1.0") where `generations`
// names one the row's version reaches, else its engine's id ("" without an engine).
std::string engine_key(const CalibrationRow& row,
                       const std::map<std::string, std::string>& generations);

// Fits `options.free` on `rows`, starting from (and pulled towards) `prior`.
FitResult fit_efficiency(const std::vector<const CalibrationRow*>& rows,
                         const EfficiencyParams& prior, const FitOptions& options = {});

// Log-ratio residuals of one row under `params`; a row that fails to estimate or does not fit
// scores a large residual per metric so the fit steers away from such parameters.
std::vector<double> row_residuals(const CalibrationRow& row, const EfficiencyParams& params);

}  // namespace llmctl::perf
