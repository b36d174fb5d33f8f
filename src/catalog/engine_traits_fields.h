// The one list of EngineTraits fields, by their name in data/engines.yaml `scheduler:` and the
// least value each may take. The loader, the compiled-catalog codec and the JSON view all walk it,
// so a new trait is one line here (and its member in catalog.h).
#pragma once

#include "catalog/catalog.h"

namespace llmctl::catalog {

// Calls visit(name, member, min) for each field; Traits is EngineTraits or const EngineTraits.
template <typename Traits, typename Visit>
void visit_engine_traits(Traits& t, Visit&& visit) {
  visit("fp8_kv_with_quantized_weights", t.fp8_kv_with_quantized_weights, 0);
  visit("reserves_full_sequence", t.reserves_full_sequence, 0);
  visit("fraction_caps_weights_and_kv_only", t.fraction_caps_weights_and_kv_only, 0);
  visit("activation_factor", t.activation_factor, 1);
  visit("other_factor", t.other_factor, 1);
  visit("max_num_seqs", t.max_num_seqs, 1);
  visit("max_num_tokens", t.max_num_tokens, 1);
  visit("fp8_weight_only_fallback", t.fp8_weight_only_fallback, 0);
  visit("one_shot_allreduce", t.one_shot_allreduce, 0);
  visit("block_size", t.block_size, 1);
  visit("chunked_prefill", t.chunked_prefill, 0);
  visit("mixed_batches", t.mixed_batches, 0);
  visit("prefix_caching", t.prefix_caching, 0);
  visit("preempts", t.preempts, 0);
  visit("new_token_ratio", t.new_token_ratio, 0);
  visit("new_token_ratio_min", t.new_token_ratio_min, 0);
  visit("new_token_ratio_decay_steps", t.new_token_ratio_decay_steps, 0);
  visit("max_prefill_tokens", t.max_prefill_tokens, 0);
  visit("waiting_served_ratio", t.waiting_served_ratio, 0);
  visit("max_waiting_steps", t.max_waiting_steps, 0);
  visit("startup_s", t.startup_s, 0);
  visit("weight_load_gb_per_s", t.weight_load_gb_per_s, 0);
}

}  // namespace llmctl::catalog
