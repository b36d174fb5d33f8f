// Pretty-printing for Boost.JSON values: two-space indent, keys in insertion order, so the
// output of `--format json` is stable and diffs review well.
#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace llmctl {

std::string to_pretty_json(const boost::json::value& v);

// Rounds to `digits` decimals, keeping JSON output free of float noise (0.30000000000000004).
double round_to(double v, int digits);

}  // namespace llmctl
