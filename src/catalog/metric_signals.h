// The one lookup of "which metric of this engine carries a signal today", for what llmctl writes
// (deploy's alerts, dashboards and autoscaler queries) and says (`ask`'s watch list). monitor
// reads old names too (monitor/signals.h), since a running engine may be an older version.
#pragma once

#include <string>
#include <string_view>

#include "catalog/catalog.h"

namespace llmctl::catalog {

// The current name of the engine metric that carries `signal` (one of kMetricSignals): the
// entry with that signal and no `removed_in`; "" when the catalog lists none.
inline std::string current_metric(const Engine& e, std::string_view signal) {
  for (const auto& m : e.metrics)
    if (m.signal == signal && m.removed_in.empty()) return m.name;
  return "";
}

}  // namespace llmctl::catalog
