// Converts LiteLLM's model_prices_and_context_window.json (the de-facto open price table) into a
// catalog overlay with a `prices:` list. Pure: text in, text out; the CLI does the file I/O.
#pragma once

#include <map>
#include <string>

#include "common/result.h"

namespace llmctl::catalog {

struct PriceImport {
  std::string yaml;                    // the overlay file's text
  int imported = 0;                    // entries written
  std::map<std::string, int> skipped;  // reason -> count, so nothing is dropped silently
};

// `source_name` is cited as each entry's source; `as_of` (YYYY-MM-DD) as its date.
Result<PriceImport> import_litellm_prices(const std::string& json_text,
                                          const std::string& source_name, const std::string& as_of);

}  // namespace llmctl::catalog
