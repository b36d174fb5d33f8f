// A compact JSON encoding of a whole Catalog, provenance included. The build validates
// data/*.yaml once (tools: catalog_compile) and embeds this encoding, so a run decodes JSON in
// about a millisecond instead of parsing YAML (tens of ms): `llmctl perf` stays under 10 ms.
#pragma once

#include <string>
#include <string_view>

#include "catalog/catalog.h"
#include "common/result.h"

namespace llmctl::catalog {

std::string encode_catalog(const Catalog& catalog);

// Decodes what encode_catalog() wrote. The input is trusted build output; errors only guard
// against a stale or corrupt artifact.
Result<Catalog> decode_catalog(std::string_view json);

}  // namespace llmctl::catalog
