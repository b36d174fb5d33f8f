// Efficiency parameters: names, and the any/any <- engine/any <- engine/arch merge.
#include <algorithm>

#include "common/strings.h"
#include "perf/model.h"

namespace llmctl::perf {

const std::vector<std::string>& EfficiencyParams::names() {
  static const std::vector<std::string> kNames = {
      "eta_mem",          "eta_flop",           "eta_comm",         "eta_comm_pcie",
      "allreduce_hop_us", "step_overhead_ms",   "ttft_overhead_ms", "overlap_loss",
      "moe_flop_factor",  "dequant_flop_factor"};
  return kNames;
}

const double* EfficiencyParams::field(std::string_view name) const {
  if (name == "eta_mem") return &eta_mem;
  if (name == "eta_flop") return &eta_flop;
  if (name == "eta_comm") return &eta_comm;
  if (name == "eta_comm_pcie") return &eta_comm_pcie;
  if (name == "allreduce_hop_us") return &allreduce_hop_us;
  if (name == "step_overhead_ms") return &step_overhead_ms;
  if (name == "ttft_overhead_ms") return &ttft_overhead_ms;
  if (name == "overlap_loss") return &overlap_loss;
  if (name == "moe_flop_factor") return &moe_flop_factor;
  if (name == "dequant_flop_factor") return &dequant_flop_factor;
  return nullptr;
}

double* EfficiencyParams::field(std::string_view name) {
  return const_cast<double*>(static_cast<const EfficiencyParams&>(*this).field(name));
}

namespace {

void apply(const catalog::Efficiency& entry, EfficiencyParams& out) {
  for (const auto& [name, value] : entry.params)
    if (double* f = out.field(name)) *f = value;
}

}  // namespace

EfficiencyParams efficiency_for(const catalog::Catalog& catalog, std::string_view engine,
                                std::string_view arch, std::string_view engine_version) {
  // Passes in specificity order (any/any, any/arch, engine/any, engine/arch, then the engine's
  // version-bounded entries that apply, oldest bound first, each /any before its /arch) so an
  // overlay's partial entry refines, not replaces, the broader fit. The list holds a handful of
  // entries; no index is worth its upkeep.
  EfficiencyParams p;
  auto unbounded = [](const catalog::Efficiency& e) { return e.min_engine_version.empty(); };
  for (const auto& e : catalog.efficiency)
    if (e.engine == "any" && e.arch == "any") apply(e, p);
  for (const auto& e : catalog.efficiency)
    if (e.engine == "any" && e.arch != "any" && iequals(e.arch, arch)) apply(e, p);
  for (const auto& e : catalog.efficiency)
    if (iequals(e.engine, engine) && e.arch == "any" && unbounded(e)) apply(e, p);
  for (const auto& e : catalog.efficiency)
    if (iequals(e.engine, engine) && iequals(e.arch, arch) && e.arch != "any" && unbounded(e))
      apply(e, p);
  std::vector<const catalog::Efficiency*> bounded;
  for (const auto& e : catalog.efficiency)
    if (iequals(e.engine, engine) && !unbounded(e) && (e.arch == "any" || iequals(e.arch, arch)) &&
        (engine_version.empty() ||
         catalog::compare_versions(engine_version, e.min_engine_version) >= 0))
      bounded.push_back(&e);
  std::stable_sort(bounded.begin(), bounded.end(), [](const auto* x, const auto* y) {
    const int c = catalog::compare_versions(x->min_engine_version, y->min_engine_version);
    return c != 0 ? c < 0 : (x->arch == "any" && y->arch != "any");
  });
  for (const auto* e : bounded) apply(*e, p);
  return p;
}

}  // namespace llmctl::perf
