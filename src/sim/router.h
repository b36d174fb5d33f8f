// Which replica takes a request: the fleet runs the routing policies of src/route — the
// gateway's own strategies and the engine-side routers — over its ready replicas, with the
// replicas' live state behind route::Signals (fleet.cpp).
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "route/route.h"

namespace llmctl::sim {

// The strategy called `name`: route's names (round_robin, cache_aware...), where '-' may stand
// for '_' (round-robin). Errors list the known names.
Result<route::Strategy> parse_router(std::string_view name);
// The known names, comma-separated, for help texts.
std::string router_names();

}  // namespace llmctl::sim
