// Deployment validation and the KV dtype an engine picks, shared by estimate() and StepModel.
#include <fmt/format.h>

#include "common/strings.h"
#include "perf/internals.h"

namespace llmctl::perf {

namespace {

bool known_dtype(const std::string& d) {
  return d == "bf16" || d == "fp16" || d == "fp8" || d == "fp4" || d == "mxfp4" || d == "int4";
}

}  // namespace

Status validate_deployment(const Deployment& d, const EngineTraits& traits) {
  const catalog::Model& m = *d.model;
  const catalog::Gpu& g = *d.gpu;
  const catalog::Engine& e = *d.engine;
  if (d.tp < 1) return Error{fmt::format("tp: expected at least 1, found {}", d.tp)};
  if (d.pp < 1) return Error{fmt::format("pp: expected at least 1, found {}", d.pp)};
  if (d.gpus < 1) return Error{fmt::format("gpus: expected at least 1, found {}", d.gpus)};
  if (d.gpus % (d.tp * d.pp) != 0)
    return Error{fmt::format("gpus: {} is not a multiple of tp x pp = {} x {} = {}", d.gpus, d.tp,
                             d.pp, d.tp * d.pp)};
  if (m.attention_heads % d.tp != 0)
    return Error{fmt::format("tp: {} does not divide the {} attention heads of {}", d.tp,
                             m.attention_heads, m.id)};
  if (d.pp > m.layers)
    return Error{fmt::format("pp: {} exceeds the {} layers of {}", d.pp, m.layers, m.id)};
  if (!known_dtype(d.dtype))
    return Error{fmt::format("dtype: unknown \"{}\"; expected bf16, fp16, fp8, fp4, mxfp4 or int4",
                             d.dtype)};
  if (!e.runs_on(g.vendor))
    return Error{fmt::format("engine: {} does not run on {} GPUs ({}); it runs on {}", e.id,
                             g.vendor, g.id, join(e.gpu_vendors, ", "))};
  if (!e.supports_dtype(d.dtype))
    return Error{fmt::format("dtype: {} does not serve {} weights (it serves {})", e.id, d.dtype,
                             join(e.dtypes, ", "))};
  const bool has_fp8 = g.tflops.count("fp8") > 0;
  const bool has_fp4 = g.tflops.count("fp4") > 0;
  if (d.dtype == "fp8" && !has_fp8 && !traits.fp8_weight_only_fallback)
    return Error{fmt::format("dtype: {} needs fp8 tensor cores for fp8 and {} ({}) has none", e.id,
                             g.id, g.arch)};
  if (d.dtype == "fp4" && !has_fp4)
    return Error{fmt::format(
        "dtype: fp4 (NVFP4) needs FP4 tensor cores (Blackwell); {} ({}) has none", g.id, g.arch)};
  if (d.dtype == "mxfp4" && !has_fp8 && !has_fp4 && !traits.fp8_weight_only_fallback)
    return Error{
        fmt::format("dtype: {} runs mxfp4 only on Hopper or newer; {} is {}", e.id, g.id, g.arch)};
  if (d.dtype == "bf16" && !g.tflops.count("bf16"))
    return Error{fmt::format("dtype: {} has no bf16 tensor cores; use fp16", g.id)};
  if (!d.kv_dtype.empty() && d.kv_dtype != "bf16" && d.kv_dtype != "fp16" && d.kv_dtype != "fp8")
    return Error{fmt::format("kv_dtype: unknown \"{}\"; expected bf16, fp16 or fp8", d.kv_dtype)};
  if (d.gpu_memory_fraction && (*d.gpu_memory_fraction <= 0 || *d.gpu_memory_fraction > 1))
    return Error{fmt::format("gpu_memory_fraction: expected a fraction in (0, 1], found {}",
                             *d.gpu_memory_fraction)};
  if (d.max_num_seqs && *d.max_num_seqs < 1)
    return Error{fmt::format("max_num_seqs: expected at least 1, found {}", *d.max_num_seqs)};
  return {};
}

std::string default_kv_dtype(const Deployment& d, const EngineTraits& traits) {
  if (!d.kv_dtype.empty()) return d.kv_dtype == "fp16" ? "bf16" : d.kv_dtype;
  const bool quantized = d.dtype == "fp8" || d.dtype == "fp4" || d.dtype == "mxfp4";
  return quantized && traits.fp8_kv_with_quantized_weights ? "fp8" : "bf16";
}

}  // namespace llmctl::perf
