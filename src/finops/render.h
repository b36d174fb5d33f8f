// Renderers over the one Report: JSON (the stable, documented keys), text for a terminal, a
// self-contained HTML page with SVG charts, FOCUS 1.2 CSV rows, and the gateway config that
// carries out the chosen savings. All pure: they return text.
#pragma once

#include <boost/json/value.hpp>
#include <string>

#include "catalog/catalog.h"
#include "finops/report.h"
#include "finops/table.h"

namespace llmctl::finops {

// Dollars as the text and HTML reports show them: $1,234 above a thousand, $0.0042 below a
// cent, $12.34 otherwise.
std::string format_usd(double v);

// Top-level keys, in order: period, total_usd, groups, anomalies, what_if, forecast_usd, then
// by, totals, daily, forecast, input, notes. docs/COSTS.md lists every key.
boost::json::value to_json(const Report& r);

std::string render_text(const Report& r, bool color);

// One HTML file: inline CSS and SVG, no scripts, no network.
std::string render_html(const Report& r);

// FOCUS 1.2 cost and usage rows, one per usage row (header included). `account` names the
// billing account (the request log file or input).
std::string render_focus(const UsageTable& t, const catalog::Catalog& catalog,
                         const std::string& account);

// Gateway config (docs/GATEWAY.md) that carries out the computed savings the gateway can carry
// out today (model groups for tiering), with comments for those it cannot yet (response cache,
// budgets, max_tokens caps). Valid under `llmctl gateway --check` once the named API key
// environment variables are set.
std::string render_gateway_config(const Report& r, const UsageTable& t,
                                  const catalog::Catalog& catalog);

}  // namespace llmctl::finops
