// Number formatting shared by the planner's reasons and the `plan` renderers, so a number reads
// the same in a "because" line, the table and the JSON summary.
#pragma once

#include <string>

namespace llmctl::plan {

// `digits` significant digits without trailing zeros: 50 -> "50", 0.125 -> "0.125", 1234.5 ->
// "1235".
std::string num(double v, int digits = 3);

// Dollars: "$12,345" from $100 up, else three significant digits ("$0.42", "$1").
std::string money(double usd);

}  // namespace llmctl::plan
