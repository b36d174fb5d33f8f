// StepModel: the replica a simulator schedules, resolved once (see step.h).
#include "perf/step.h"

#include <fmt/format.h>

#include <algorithm>

namespace llmctl::perf {

Result<StepModel> StepModel::make(const catalog::Catalog& catalog, const Deployment& d) {
  if (!d.gpu || !d.engine) return make(d, EfficiencyParams{});
  return make(d, efficiency_for(catalog, d.engine->id, d.gpu->arch, d.engine_version));
}

Result<StepModel> StepModel::make(const Deployment& d, const EfficiencyParams& efficiency) {
  if (!d.model) return Error{"model: not set"};
  if (!d.gpu) return Error{"gpu: not set"};
  if (!d.engine) return Error{"engine: not set"};
  StepModel m;
  m.traits_ = traits_for(*d.engine, *d.gpu);
  if (Status st = validate_deployment(d, m.traits_); !st) return st.error();
  m.eff_ = efficiency;
  m.kv_dtype_ = default_kv_dtype(d, m.traits_);
  const Budget budget = budget_for(*d.model, *d.gpu, *d.engine, d, m.traits_, m.kv_dtype_);
  m.memory_ = budget.memory;
  m.shape_ = shape_for(*d.model, *d.gpu, d, m.traits_, m.kv_dtype_);
  m.max_num_seqs_ = d.max_num_seqs.value_or(m.traits_.max_num_seqs);
  m.gpus_per_replica_ = d.tp * d.pp;
  if (!budget.fits_weights || budget.memory.kv_cache_tokens < 1) {
    m.fits_ = false;
    m.reason_ = fmt::format(
        "does not fit: {:.1f} GiB of weights per GPU plus {:.2f} GiB of activations and overhead "
        "leave no KV cache within the {:.0f} GiB {} may use on a {:.0f} GiB {}",
        budget.memory.weights_gib_per_gpu,
        budget.memory.activation_gib_per_gpu + budget.memory.overhead_gib_per_gpu,
        budget.usable_gib, d.engine->id, d.gpu->memory_gib, d.gpu->id);
  }
  return m;
}

double StepModel::step_s(const StepLoad& load) const {
  const double ctx_dec = load.decode_seqs > 0 ? load.decode_context_tokens / load.decode_seqs : 0.0;
  const double ctx_pre = load.prefill_tokens > 0 ? load.prefill_pairs / load.prefill_tokens : 0.0;
  return iteration_s(shape_, eff_, load.decode_seqs, ctx_dec, load.prefill_tokens, ctx_pre);
}

double StepModel::prefill_alone_s(double tokens) const {
  return perf::prefill_alone_s(shape_, eff_, std::max(1.0, tokens));
}

}  // namespace llmctl::perf
