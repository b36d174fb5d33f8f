// The planner bound to the real performance model. Kept apart from planner.cpp so that code which
// only plans with its own Estimator (the unit tests) does not link perf::estimate.
#include <memory>
#include <utility>
#include <vector>

#include "perf/model.h"
#include "plan/planner.h"

namespace llmctl::plan {

Result<Plan> make_plan(const catalog::Catalog& catalog, const Spec& spec,
                       const PlanOptions& options) {
  // perf::estimate(catalog, ...) looks the efficiency entry up by engine and GPU arch on every
  // call; a plan makes ~10^4 calls over a handful of (engine, GPU) pairs, so resolve each pair
  // once (perf::efficiency_for, the same lookup) and call the explicit-parameters overload.
  struct Entry {
    const catalog::Engine* engine;
    const catalog::Gpu* gpu;
    std::string engine_version;
    perf::EfficiencyParams params;
  };
  auto cache = std::make_shared<std::vector<Entry>>();
  Estimator estimator = [&catalog, cache](const perf::Deployment& d, const perf::Workload& w) {
    if (!d.engine || !d.gpu) return perf::estimate(catalog, d, w);
    for (const Entry& e : *cache)
      if (e.engine == d.engine && e.gpu == d.gpu && e.engine_version == d.engine_version)
        return perf::estimate(d, w, e.params);
    cache->push_back({d.engine, d.gpu, d.engine_version,
                      perf::efficiency_for(catalog, d.engine->id, d.gpu->arch, d.engine_version)});
    return perf::estimate(d, w, cache->back().params);
  };
  return make_plan(catalog, spec, estimator, options);
}

}  // namespace llmctl::plan
