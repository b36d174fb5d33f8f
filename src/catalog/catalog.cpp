#include "catalog/catalog.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/strings.h"

namespace llmctl::catalog {
namespace {

template <typename T>
const T* find_by_id_or_alias(const std::vector<T>& items, std::string_view id) {
  for (const auto& item : items)
    if (iequals(item.id, id)) return &item;
  for (const auto& item : items)
    for (const auto& alias : item.aliases)
      if (iequals(alias, id)) return &item;
  return nullptr;
}

template <typename T>
std::string ids_of(const std::vector<T>& items) {
  std::vector<std::string> ids;
  for (const auto& item : items) ids.push_back(item.id);
  return join(ids, ", ");
}

// "unknown KIND 'id'; did you mean 'x'? known: ..." over ids and aliases, lower-cased, with a
// Hugging Face style "org/" prefix dropped from the key and the aliases alike.
template <typename T>
std::string unknown_entry(const std::vector<T>& items, std::string_view kind, std::string_view id) {
  auto bare = [](std::string_view s) {
    const auto slash = s.rfind('/');
    return to_lower(slash == std::string_view::npos ? s : s.substr(slash + 1));
  };
  std::vector<std::string> names;
  std::vector<const T*> owners;
  for (const auto& item : items) {
    names.push_back(bare(item.id)), owners.push_back(&item);
    for (const auto& alias : item.aliases) names.push_back(bare(alias)), owners.push_back(&item);
  }
  std::string hint;
  const std::string best = closest(bare(id), names);
  for (std::size_t i = 0; i < names.size() && !best.empty(); ++i)
    if (names[i] == best) {
      hint = fmt::format("did you mean '{}'? ", owners[i]->id);
      break;
    }
  return fmt::format("unknown {} '{}'; {}known: {}", kind, id, hint, ids_of(items));
}

}  // namespace

std::string Catalog::unknown_model(std::string_view id) const {
  return unknown_entry(models, "model", id);
}
std::string Catalog::unknown_gpu(std::string_view id) const {
  return unknown_entry(gpus, "GPU", id);
}

double Gpu::tflops_for(std::string_view dtype) const {
  static const std::vector<std::vector<std::string>> kFallbacks = {
      {"fp4", "fp8", "bf16"},  {"mxfp4", "fp4", "fp8", "bf16"},
      {"fp8", "bf16"},         {"int4", "int8", "fp8", "bf16"},
      {"int8", "fp8", "bf16"}, {"fp16", "bf16"},
      {"bf16", "fp16"}};
  for (const auto& chain : kFallbacks) {
    if (chain.front() != dtype) continue;
    for (const auto& d : chain) {
      auto it = tflops.find(d);
      if (it != tflops.end()) return it->second;
    }
  }
  auto it = tflops.find(std::string(dtype));
  return it == tflops.end() ? 0.0 : it->second;
}

std::optional<GpuPrice> Gpu::cheapest_price(std::string_view kind) const {
  std::optional<GpuPrice> best;
  for (const auto& p : prices)
    if (p.kind == kind && (!best || p.usd_per_hour < best->usd_per_hour)) best = p;
  return best;
}

bool Engine::supports_dtype(std::string_view dtype) const {
  return std::find(dtypes.begin(), dtypes.end(), dtype) != dtypes.end();
}

bool Engine::runs_on(std::string_view vendor) const {
  return std::find(gpu_vendors.begin(), gpu_vendors.end(), vendor) != gpu_vendors.end();
}

std::string Gpu::cloud_name(std::string_view kind) const {
  for (const auto& c : cloud_names)
    if (c.kind == kind && !c.prefix) return c.name;
  return "";
}

EngineTraits EngineScheduler::on(const Gpu& gpu) const {
  EngineTraits t = traits;
  if (!large_gpu || gpu.memory_gib < large_gpu->min_memory_gib) return t;
  const std::string name = to_lower(gpu.name);
  for (const auto& except : large_gpu->except_names)
    if (name.find(to_lower(except)) != std::string::npos) return t;
  if (large_gpu->max_num_seqs > 0) t.max_num_seqs = large_gpu->max_num_seqs;
  if (large_gpu->max_num_tokens > 0) t.max_num_tokens = large_gpu->max_num_tokens;
  return t;
}

const Gpu* Catalog::find_gpu(std::string_view id) const { return find_by_id_or_alias(gpus, id); }
const Model* Catalog::find_model(std::string_view id) const {
  return find_by_id_or_alias(models, id);
}
const Exporter* Catalog::find_exporter(std::string_view id) const {
  for (const auto& e : exporters)
    if (iequals(e.id, id)) return &e;
  return nullptr;
}

const CodeRepository* Catalog::find_code_repository(std::string_view model) const {
  std::string m(model);
  std::transform(m.begin(), m.end(), m.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& r : code_repositories)
    if (m.rfind(r.id, 0) == 0 && (r.unless.empty() || m.find(r.unless) == std::string::npos))
      return &r;
  return nullptr;
}

const RetiredModel* Catalog::find_retired(std::string_view model) const {
  for (const auto& r : retired) {
    if (iequals(r.model, model)) return &r;
    for (const auto& a : r.aliases)
      if (iequals(a, model)) return &r;
  }
  return nullptr;
}

const ProvisionedUnit* Catalog::find_provisioned_unit(std::string_view id) const {
  for (const auto& u : provisioned_units)
    if (iequals(u.id, id)) return &u;
  return nullptr;
}

double ProvisionedTerm::monthly_usd(double hours_per_month) const {
  if (usd_per_unit_month) return *usd_per_unit_month;
  return usd_per_unit_hour.value_or(0) * hours_per_month;
}

const Engine* Catalog::find_engine(std::string_view id) const {
  for (const auto& e : engines)
    if (iequals(e.id, id)) return &e;
  return nullptr;
}

const Price* Catalog::find_price(std::string_view model, std::string_view provider) const {
  for (const auto& p : prices)
    if (iequals(p.id, model)) return &p;
  auto slash = model.find('/');
  if (provider.empty() && slash != std::string_view::npos) {
    // "provider/model" whose model part is an alias.
    const Price* hit = find_price(model.substr(slash + 1), model.substr(0, slash));
    if (hit) return hit;
  }
  for (const auto& p : prices) {
    if (!provider.empty() && !iequals(p.provider, provider)) continue;
    if (iequals(p.model, model)) return &p;
    for (const auto& a : p.aliases)
      if (iequals(a, model)) return &p;
  }
  return nullptr;
}

int compare_versions(std::string_view a, std::string_view b) {
  auto part = [](std::string_view& v) {
    long long n = 0;
    std::size_t i = 0;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') n = n * 10 + (v[i++] - '0');
    while (i < v.size() && v[i] != '.') ++i;  // "0rc2" counts as 0
    v.remove_prefix(i);
    if (!v.empty()) v.remove_prefix(1);
    return n;
  };
  while (!a.empty() || !b.empty()) {
    const long long x = part(a), y = part(b);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

std::string Catalog::gpu_ids() const { return ids_of(gpus); }
std::string Catalog::model_ids() const { return ids_of(models); }
std::string Catalog::engine_ids() const { return ids_of(engines); }

}  // namespace llmctl::catalog
