// The YAML scenario file of `llmctl simulate` (every knob of sim.h: pools, workload, router,
// autoscaler, failures, SLOs), read with the one field reader (src/yaml/fields.h): unknown keys
// are errors with "did you mean", and every error reads `file:line:col: path.field: ...`.
// docs/SIM.md lists the fields. Pure: the caller reads the file (and the trace it names).
#pragma once

#include <string>

#include "catalog/catalog.h"
#include "common/result.h"
#include "sim/sim.h"

namespace llmctl::sim {

// Parses `text` (named `file` in errors), resolving catalog ids. A `workload.trace` is returned
// in Scenario::trace_file / trace_format for the caller to read (relative to the file).
Result<Scenario> parse_scenario(const std::string& text, const std::string& file,
                                const catalog::Catalog& catalog);

// Checks what the YAML reader and the flags cannot check field by field: a load is chosen and
// bounded, pool and failure references resolve, ranges hold. Messages name the field.
Status validate_scenario(const Scenario& scenario);

}  // namespace llmctl::sim
