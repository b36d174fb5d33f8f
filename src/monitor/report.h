// Renderers over one Report: JSON (`--format json`, the MCP tool's output), the text report, and
// the `--watch` screen. Pure: they return strings.
#pragma once

#include <boost/json/value.hpp>
#include <string>

#include "monitor/diagnose.h"

namespace llmctl::monitor {

// {"findings": [{"kind","severity","target","message","evidence","fix"}], "summary": {...}}
boost::json::value to_json(const Report& r);

std::string render_text(const Report& r, bool color);

// One screen of `--watch`: a header line, the per-target table, the open findings (as many as fit
// `rows`), trimmed to `columns`. `clock` is the time shown in the header ("14:03:22").
std::string render_watch(const Report& r, const std::string& clock, int columns, int rows,
                         bool color);

}  // namespace llmctl::monitor
