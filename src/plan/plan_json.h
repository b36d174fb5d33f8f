// The JSON view of a plan, for `llmctl plan --format json`: keys in a fixed order, numbers
// rounded so that goldens diff cleanly. docs/PLAN.md lists the keys.
#pragma once

#include <boost/json/value.hpp>

#include "plan/planner.h"

namespace llmctl::plan {

// `top` limits the ranked options shown (0: all); dominated, rejected and excluded are complete.
boost::json::value to_json(const Plan& plan, int top);

}  // namespace llmctl::plan
