#include "sim/router.h"

#include <fmt/format.h>

namespace llmctl::sim {

std::string router_names() {
  std::string names;
  for (route::Strategy s : route::all_strategies()) {
    if (!names.empty()) names += ", ";
    names += route::strategy_name(s);
  }
  return names;
}

Result<route::Strategy> parse_router(std::string_view name) {
  std::string canonical(name);
  for (char& c : canonical)
    if (c == '-') c = '_';
  if (auto s = route::parse_strategy(canonical)) return *s;
  return Error{fmt::format("router: unknown \"{}\"; expected one of {}", name, router_names())};
}

}  // namespace llmctl::sim
