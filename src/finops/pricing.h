// Prices every row of a usage table with the one cost function (catalog/cost.h).
//
// Which price: the row's price_id when the source names one (the gateway's log), else the
// upstream model, else the requested model, with the row's provider when it has one. A row with
// tokens and a catalog price is priced from the catalog (so every figure traces to a dated
// source, and agrees with @pydantic/genai-prices); a row without a price keeps the cost its
// source reports; a row with neither costs 0 and is counted as unpriced, never dropped.
// Sources that report a cost and tokens are reconciled: the report shows both totals.
// A model named by a display name the catalog knows as an alias ("Claude Opus 4.5") is renamed
// to the catalog's model name first (pricing.cpp, canonical_display_names).
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "finops/table.h"

namespace llmctl::finops {

struct PricingSummary {
  long long priced_rows = 0;    // priced from the catalog
  long long reported_rows = 0;  // cost taken from the source (no catalog price, or cost-only rows)
  long long unpriced_rows = 0;  // neither: cost 0
  std::vector<std::string> unpriced_models;  // up to 10, for the message
  // Rows priced from the catalog that also carry a reported cost: the two totals.
  long long reconciled_rows = 0;
  double reconciled_catalog_usd = 0;
  double reconciled_reported_usd = 0;
  std::vector<std::string> errors;  // usage inconsistent with pricing (first 10)
};

// Fills table.cost_usd and table.price_index. Pure.
PricingSummary price_rows(UsageTable& table, const catalog::Catalog& catalog);

// Index of `p` in catalog.prices, or -1.
int price_index_of(const catalog::Catalog& catalog, const catalog::Price* p);

}  // namespace llmctl::finops
