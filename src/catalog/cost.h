// The one cost function every subsystem uses: token usage + model + provider -> dollars, with
// the price entry it used (so a recorded cost can always be traced to a dated source).
//
// Usage is normalised into the OpenAI-style convention before pricing: `input_tokens` counts
// every input token, including cache reads and cache writes. Providers that report otherwise
// (Anthropic's `input_tokens` excludes both) are converted with normalize_usage().
#pragma once

#include <string>
#include <string_view>

#include "catalog/catalog.h"
#include "common/result.h"

namespace llmctl::catalog {

struct Usage {
  long long input_tokens = 0;        // all input tokens, cached ones included
  long long cache_read_tokens = 0;   // subset of input read from the provider's prompt cache
  long long cache_write_tokens = 0;  // subset of input written to the prompt cache
  long long output_tokens = 0;       // all output tokens, reasoning included
  long long reasoning_tokens = 0;    // subset of output (informational; billed as output)
};

// Converts a provider's reported counts into Usage. For `input_excludes_cached` providers the
// reported input excludes cache reads and writes, so they are added back.
Usage normalize_usage(std::string_view usage_semantics, long long reported_input,
                      long long cache_read, long long cache_write, long long output,
                      long long reasoning = 0);

struct CostOptions {
  bool batch = false;  // priced through the provider's batch API
};

struct Cost {
  double input_usd = 0;  // uncached input
  double cache_read_usd = 0;
  double cache_write_usd = 0;
  double output_usd = 0;
  double total_usd = 0;
  bool batch = false;
  const Price* price = nullptr;  // the entry used; points into the catalog
};

// Prices `usage` with `price`. Fails when the usage is inconsistent (cached > input, negative).
Result<Cost> cost_of(const Price& price, const Usage& usage, const CostOptions& options = {});

// Finds the price for model (and provider, when not empty) in the catalog, then prices it.
Result<Cost> cost_of(const Catalog& catalog, std::string_view model, std::string_view provider,
                     const Usage& usage, const CostOptions& options = {});

// Blended $/M tokens for a workload with `input_share` of tokens being input (0..1) and
// `cached_share` of the input served from the prompt cache.
double blended_usd_per_mtok(const Price& price, double input_share, double cached_share = 0,
                            bool batch = false);

}  // namespace llmctl::catalog
