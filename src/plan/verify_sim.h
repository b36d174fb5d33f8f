// The planner's check by simulation: a PlanOptions::verifier that runs the fleet simulator
// (src/sim) on a sized self-hosted option, with the spec's peak traffic or its trace. Kept apart
// from planner.cpp, as planner_perf.cpp is, so that the planner's unit tests need no simulator.
#pragma once

#include <memory>

#include "catalog/catalog.h"
#include "plan/planner.h"
#include "sim/workload.h"

namespace llmctl::plan {

// Shared system prompts assumed when the spec gives a cacheable input share: its prompts start
// with one of this many prefixes, which together hold that share of the input tokens.
inline constexpr int kAssumedPrefixGroups = 4;

// The verifier. With `trace` (the spec's traffic.trace, parsed), the trace is replayed at its
// qps_scale instead of Poisson arrivals at the peak rate. The catalog (and the trace) must
// outlive the verifier.
Verifier simulation_verifier(const catalog::Catalog& catalog,
                             std::shared_ptr<const sim::Trace> trace = nullptr);

}  // namespace llmctl::plan
