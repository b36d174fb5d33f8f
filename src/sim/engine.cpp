#include "sim/engine.h"

#include <algorithm>
#include <cassert>

namespace llmctl::sim {

namespace {

// SGLang clips max_new_tokens at this when it estimates a request's future KV need
// (CLIP_MAX_NEW_TOKENS_ESTIMATION).
constexpr int kClipMaxNew = 4096;

// SchedulerRecvSkipper's weights of the last forward pass (SGLANG_SCHEDULER_RECV_SKIPPER_WEIGHT_*
// defaults): a decode (or target verify) 1, no batch 1, anything else (a prefill) 1000.
constexpr int kRecvWeightDecode = 1;
constexpr int kRecvWeightNone = 1;
constexpr int kRecvWeightDefault = 1000;

}  // namespace

const char* drop_reason_name(DropReason r) {
  switch (r) {
    case DropReason::kTooLong:
      return "too_long";
    case DropReason::kPromptOverBudget:
      return "prompt_over_token_budget";
    case DropReason::kReplicaFailed:
      return "replica_failed";
    case DropReason::kQueueTimeout:
      return "queue_timeout";
    case DropReason::kNoCapacity:
      return "no_capacity";
  }
  return "unknown";
}

std::string drop_reason_meaning(std::string_view name) {
  if (name == "prompt_over_token_budget")
    return "a prompt over the engine's token budget a step, which it does not chunk (a larger "
           "max_num_batched_tokens, or chunked prefill, serves it)";
  if (name == "too_long") return "prompt and answer over the context or the KV cache";
  if (name == "replica_failed") return "its replica failed";
  if (name == "queue_timeout") return "waited the queue timeout for a replica";
  if (name == "no_capacity") return "no replica serves its model";
  return std::string(name);
}

Engine::Engine(const EngineConfig& config, EngineObserver* observer)
    : cfg_(config),
      step_(*config.step),
      traits_(config.step->traits()),
      obs_(observer),
      kv_(config.unlimited_kv
              ? 0
              : std::max<long long>(1, config.kv_blocks > 0
                                           ? config.kv_blocks
                                           : config.step->kv_cache_tokens() /
                                                 std::max(1, config.step->traits().block_size)),
          config.prefix_caching),
      block_(std::max(1, config.step->traits().block_size)),
      max_seqs_(config.max_num_seqs > 0 ? config.max_num_seqs : config.step->max_num_seqs()),
      max_tokens_(config.max_num_tokens > 0 ? config.max_num_tokens
                                            : config.step->max_num_tokens()),
      reserve_whole_(!config.step->traits().preempts) {
  phase_.assign(static_cast<std::size_t>(block_), 0);
  token_ratio_ = traits_.new_token_ratio;
  cfg_.scheduler_recv_interval = std::max(1, cfg_.scheduler_recv_interval);
  cfg_.stream_interval = std::max(1, cfg_.stream_interval);
  if (cfg_.stream_interval > 1) {
    decode_end_.assign(static_cast<std::size_t>(cfg_.stream_interval) + 1, 0);
    chunk_steady_.assign(static_cast<std::size_t>(cfg_.stream_interval), 0);
    chunk_fresh_.resize(static_cast<std::size_t>(cfg_.stream_interval));
  }
}

int Engine::new_slot() {
  if (!free_slots_.empty()) {
    const int s = free_slots_.back();
    free_slots_.pop_back();
    slab_[s] = Seq{};
    return s;
  }
  slab_.emplace_back();
  return static_cast<int>(slab_.size() - 1);
}

void Engine::enqueue(const Request& r, double now) {
  const long long total = static_cast<long long>(r.input_tokens) + r.output_tokens;
  if (total > cfg_.max_context || (!kv_.unlimited() && blocks_for(total) > kv_.capacity())) {
    obs_->on_dropped(r, DropReason::kTooLong, now);
    return;
  }
  if (!traits_.chunked_prefill && r.input_tokens > max_tokens_) {
    obs_->on_dropped(r, DropReason::kPromptOverBudget, now);
    return;
  }
  const int slot = new_slot();
  Seq& s = slab_[slot];
  s.req = r;
  s.arrived_s = now;
  s.prompt_len = r.input_tokens;
  s.max_new = std::max(r.max_tokens, r.output_tokens);
  if (cfg_.scheduler_recv_interval > 1)
    pending_.push_back(slot);
  else
    waiting_.push_back(slot);
}

void Engine::maybe_receive() {
  // SGLang's event loop calls SchedulerRecvSkipper.handle(last_batch.forward_mode) before it
  // picks each batch: the last pass's weight is added, and at the interval the counter resets
  // and every request the tokenizer sent meanwhile is received. With nothing to run the loop
  // spins with no batch (weight 1 a turn, microseconds each): a request that finds the engine
  // idle is received at once.
  recv_counter_ += last_pass_ == Pass::kExtend   ? kRecvWeightDefault
                   : last_pass_ == Pass::kDecode ? kRecvWeightDecode
                                                 : kRecvWeightNone;
  if (recv_counter_ < cfg_.scheduler_recv_interval && (running_ > 0 || !waiting_.empty())) return;
  recv_counter_ = 0;
  waiting_.insert(waiting_.end(), pending_.begin(), pending_.end());
  pending_.clear();
}

int Engine::decode_phase_key(const Seq& s) const {
  const long long k = (static_cast<long long>(s.L0) - s.seg_tokens - s.s0) % block_;
  return static_cast<int>(k < 0 ? k + block_ : k);
}

void Engine::start_decoding(int slot, double now) {
  Seq& s = slab_[slot];
  prefilling_.erase(std::find(prefilling_.begin(), prefilling_.end(), slot));
  s.decoding = true;
  s.s0 = dec_step_;
  s.L0 = s.prompt_len;
  s.g0 = s.generated;
  ++s.stamp;
  ++n_dec_;
  ctx_const_ += s.L0 - s.s0;
  rem_const_ += s.max_new - s.g0 + s.s0;
  if (!reserve_whole_) ++phase_[decode_phase_key(s)];
  finish_heap_.emplace(s.s0 + (s.req.output_tokens - s.generated), slot, s.stamp);
  if (cfg_.stream_interval > 1) {
    // At decode step d the sequence holds g0 + d - s0 tokens and sends a chunk when that is
    // 1 modulo N.
    const long long n = cfg_.stream_interval;
    s.chunk_key = static_cast<int>(((1 - s.g0 + s.s0) % n + n) % n);
    s.chunk_steady = false;
    chunk_fresh_[static_cast<std::size_t>(s.chunk_key)].emplace_back(slot, s.stamp);
  }
  if (!joined_.empty() && joined_.back().t == now)
    ++joined_.back().count;
  else
    joined_.push_back({now, 1});
}

void Engine::stop_decoding(int slot) {
  Seq& s = slab_[slot];
  assert(s.decoding);
  s.decoding = false;
  ++s.stamp;
  --n_dec_;
  ctx_const_ -= s.L0 - s.s0;
  rem_const_ -= s.max_new - s.g0 + s.s0;
  if (!reserve_whole_) --phase_[decode_phase_key(s)];
  if (s.chunk_steady) --chunk_steady_[static_cast<std::size_t>(s.chunk_key)];
  s.chunk_steady = false;
}

double Engine::last_chunk_time(const Seq& s, bool emitting_now) const {
  if (!s.chunk_steady) return s.last_chunk_s;
  // A steady sequence sent its last chunk at the latest decode step of its key: before the
  // current one when it is sending (finishing) at the current step.
  const long long n = cfg_.stream_interval;
  const long long r = ((dec_step_ - s.chunk_key) % n + n) % n;
  const long long d = r == 0 && emitting_now ? dec_step_ - n : dec_step_ - r;
  return decode_end_[static_cast<std::size_t>(d % (n + 1))];
}

void Engine::emit_chunk_gaps(double now) {
  const long long n = cfg_.stream_interval;
  const auto key = static_cast<std::size_t>(dec_step_ % n);
  if (chunk_steady_[key] > 0)
    obs_->on_token_gap(now - decode_end_[static_cast<std::size_t>((dec_step_ - n) % (n + 1))],
                       static_cast<std::uint64_t>(chunk_steady_[key]));
  for (const auto& [slot, stamp] : chunk_fresh_[key]) {
    Seq& s = slab_[slot];
    if (!s.running || !s.decoding || s.stamp != stamp) continue;
    obs_->on_token_gap(now - s.last_chunk_s, 1);
    s.chunk_steady = true;
    ++chunk_steady_[key];
  }
  chunk_fresh_[key].clear();
}

void Engine::release_kv(int slot, int decoded_len) {
  Seq& s = slab_[slot];
  // A decoding sequence's private blocks follow its length (see decode_phase_key); otherwise
  // they are what admission and prefill chunks allocated (possibly for a chunk not yet run).
  const long long priv = !reserve_whole_ && decoded_len >= 0
                             ? blocks_for(std::max(0, decoded_len - s.seg_tokens))
                             : s.priv_blocks;
  if (!reserve_whole_ && kv_.prefix_caching())
    kv_.release_cached(priv, 0);
  else
    kv_.release(priv);
  s.priv_blocks = 0;
  const auto* hashes = cfg_.segments->hashes.data() + s.req.segments_begin;
  for (int i = 0; i < s.pinned_segs; ++i) kv_.unpin(hashes[i]);
  s.pinned_segs = 0;
  s.seg_tokens = 0;
}

void Engine::finish(int slot, double now) {
  Seq& s = slab_[slot];
  int kv_len = -1;
  if (s.decoding) {
    kv_len = s.L0 + static_cast<int>(dec_step_ - s.s0);
    // The last token goes out with whatever the stream interval held back.
    if (cfg_.stream_interval > 1) obs_->on_token_gap(now - last_chunk_time(s, true), 1);
    stop_decoding(slot);
  } else {
    auto it = std::find(prefilling_.begin(), prefilling_.end(), slot);
    if (it != prefilling_.end()) prefilling_.erase(it);
  }
  release_kv(slot, kv_len);
  s.running = false;
  --running_;
  obs_->on_finished(s.req, s.first_token_s, now, s.preemptions);
  free_slots_.push_back(slot);
}

void Engine::preempt(int slot) {
  Seq& s = slab_[slot];
  int kv_len = -1;
  if (s.decoding) {
    const long long p = dec_step_ - s.s0;
    kv_len = s.L0 + static_cast<int>(p);
    s.generated = s.g0 + static_cast<int>(p);
    // Planned to decode this iteration and crossing into a new block: that block was taken.
    if (step_has_decode_ && !reserve_whole_ && (decode_phase_key(s) + dec_step_) % block_ == 0)
      kv_.release(1);
    if (cfg_.stream_interval > 1) s.last_chunk_s = last_chunk_time(s, false);
    stop_decoding(slot);
  } else {
    prefilling_.erase(std::find(prefilling_.begin(), prefilling_.end(), slot));
    chunks_.erase(std::remove_if(chunks_.begin(), chunks_.end(),
                                 [&](const Chunk& c) { return c.slot == slot; }),
                  chunks_.end());
  }
  release_kv(slot, kv_len);
  s.running = false;
  --running_;
  ++s.preemptions;
  ++preemptions_;
  ++s.stamp;
  // Recompute: the prompt is now everything the sequence holds (prompt and tokens so far).
  s.prompt_len = s.req.input_tokens + s.generated;
  s.computed = 0;
  waiting_.push_front(slot);
  preempted_this_step_ = true;
  if (traits_.new_token_ratio > 0) token_ratio_ = traits_.new_token_ratio;
}

bool Engine::preempt_newest() {
  while (!admitted_.empty()) {
    const auto [slot, order] = admitted_.back();
    admitted_.pop_back();
    const Seq& s = slab_[slot];
    if (!s.running || s.admit_order != order) continue;
    preempt(slot);
    return true;
  }
  return false;
}

bool Engine::ensure_decode_blocks() {
  for (;;) {
    if (n_dec_ == 0) return false;
    const long long need = phase_[static_cast<std::size_t>((block_ - dec_step_ % block_) % block_)];
    if (kv_.allocate(need)) return true;
    if (!preempt_newest()) return false;
  }
}

void Engine::plan_decode() {
  if (n_dec_ == 0) return;
  if (!reserve_whole_ && !ensure_decode_blocks()) return;
  step_has_decode_ = n_dec_ > 0;
}

void Engine::publish_segments(Seq& s, int scheduled_end) {
  if (!kv_.prefix_caching()) return;
  const auto* hashes = cfg_.segments->hashes.data() + s.req.segments_begin;
  const auto* tokens = cfg_.segments->tokens.data() + s.req.segments_begin;
  // Private tokens are counted from the end of the pinned segments; a reserving engine holds
  // blocks for the whole sequence, an on-demand one up to what is scheduled.
  const long long span_end =
      reserve_whole_ ? static_cast<long long>(s.req.input_tokens) + s.max_new : scheduled_end;
  while (s.pinned_segs < static_cast<int>(s.req.segments_count)) {
    const int end = s.seg_tokens + tokens[s.pinned_segs];
    if (end > scheduled_end || end > s.req.input_tokens) break;
    const long long moved =
        blocks_for(span_end - s.seg_tokens) - blocks_for(std::max<long long>(0, span_end - end));
    kv_.publish(hashes[s.pinned_segs], moved);
    s.priv_blocks -= moved;
    s.seg_tokens = end;
    ++s.pinned_segs;
  }
}

bool Engine::admit(int slot, int budget, int* tokens_out) {
  Seq& s = slab_[slot];
  const auto* hashes = cfg_.segments->hashes.data() + s.req.segments_begin;
  const auto* tokens = cfg_.segments->tokens.data() + s.req.segments_begin;
  const int hit_segs = kv_.match({hashes, s.req.segments_count});
  int seg_tokens = 0;
  for (int i = 0; i < hit_segs; ++i) seg_tokens += tokens[i];
  seg_tokens = std::min(seg_tokens, s.req.input_tokens);
  // Pin the hits first so that allocating blocks for the rest cannot evict them.
  for (int i = 0; i < hit_segs; ++i) kv_.pin(hashes[i]);
  auto undo = [&] {
    for (int i = 0; i < hit_segs; ++i) kv_.unpin(hashes[i]);
    return false;
  };
  // A full hit still computes the last prompt token (its logits give the first output token).
  const int computed = std::min(seg_tokens, s.prompt_len - 1);
  int n = s.prompt_len - computed;
  if (n > budget) {
    if (!traits_.chunked_prefill) return undo();
    n = budget;
  }
  if (n <= 0) return undo();
  long long need;
  if (reserve_whole_)
    need = blocks_for(static_cast<long long>(s.req.input_tokens) + s.max_new - seg_tokens);
  else
    need = blocks_for(std::max(0, computed + n - seg_tokens));
  if (token_ratio_ > 0) {
    // SGLang (PrefillAdder.add_one_req): keep room for the running sequences' future tokens,
    // estimated at the ratio. The request is charged its whole uncached prompt
    // (extend_input_len), not only the chunk that runs now: charging the chunk admits a prompt
    // that cannot finish prefilling while the running sequences hold the cache; its next chunk
    // then finds no blocks, preempts the prompt itself (the newest), which is admitted again at
    // once, and since SGLang's prefill batches pause decoding nothing else ever runs.
    const long long prompt = blocks_for(std::max(0, s.prompt_len - seg_tokens));
    const double future = token_ratio_ * static_cast<double>(rem_const_ - n_dec_ * dec_step_);
    const double mine = token_ratio_ * std::min(s.max_new - s.generated, kClipMaxNew);
    if (static_cast<double>(kv_.available()) - future <
        static_cast<double>(std::max(need, prompt)) + mine)
      return undo();
  }
  if (!kv_.allocate(need)) return undo();
  waiting_.pop_front();
  s.pinned_segs = hit_segs;
  s.seg_tokens = seg_tokens;
  s.computed = computed;
  s.priv_blocks = need;
  s.running = true;
  ++running_;
  s.admit_order = ++admit_counter_;
  admitted_.emplace_back(slot, s.admit_order);
  prefilling_.push_back(slot);
  ++s.stamp;
  if (!s.admitted_once) {
    s.admitted_once = true;
    obs_->on_admitted(s.req, step_start_ - s.arrived_s, s.req.input_tokens, seg_tokens);
  }
  chunks_.push_back({slot, n, computed});
  // Like vLLM, blocks enter the prefix cache when they are scheduled: a request admitted later
  // in this same iteration already finds them.
  publish_segments(s, computed + n);
  *tokens_out = n;
  return true;
}

void Engine::plan_prefill_continuations(int& budget) {
  // Iterate over a copy: preemption may remove entries.
  const std::vector<int> order = prefilling_;
  for (int slot : order) {
    if (budget <= 0) break;
    Seq& s = slab_[slot];
    if (!s.running || s.decoding) continue;
    if (std::any_of(chunks_.begin(), chunks_.end(), [&](const Chunk& c) { return c.slot == slot; }))
      continue;
    const int n = std::min({s.prompt_len - s.computed, budget, max_tokens_});
    if (n <= 0) continue;
    if (!reserve_whole_) {
      const long long need = blocks_for(s.computed + n - s.seg_tokens) - s.priv_blocks;
      bool ok = kv_.allocate(need);
      while (!ok) {
        if (!preempt_newest() || !s.running) break;
        ok = kv_.allocate(need);
      }
      if (!ok) continue;
      s.priv_blocks += need;
    }
    chunks_.push_back({slot, n, s.computed});
    publish_segments(s, s.computed + n);
    budget -= n;
  }
}

void Engine::plan_admissions(int& budget, bool prefill_batch) {
  while (!waiting_.empty() && budget > 0 && running_ < max_seqs_) {
    int n = 0;
    const int cap = prefill_batch ? std::min(budget, max_tokens_) : budget;
    if (!admit(waiting_.front(), cap, &n)) break;
    budget -= n;
  }
}

bool Engine::batch_wait_holds(int budget) {
  if (cfg_.batch_wait_timeout_iters <= 0 && cfg_.batch_wait_max_tokens_ratio <= 0) return false;
  // PyExecutor._schedule: no wait without generation requests (it would never end).
  if (!step_has_decode_ || waiting_.empty()) return false;
  // The tokens the capacity scheduler would put in this iteration: the generated tokens and,
  // first come first served, the whole prompts that fit (as PyExecutor._waiting_requests counts
  // them, len(get_tokens(0)), cached or not).
  long long tokens = n_dec_;
  int room = budget;
  int seqs = running_;
  bool any = false;
  for (const int slot : waiting_) {
    const int n = slab_[slot].prompt_len;
    if (seqs >= max_seqs_ || (n > room && (any || !traits_.chunked_prefill))) break;
    tokens += std::min(n, room);
    room -= std::min(n, room);
    ++seqs;
    any = true;
  }
  if (!any) return false;
  if (batch_wait_iters_ >= cfg_.batch_wait_timeout_iters ||
      static_cast<double>(tokens) >= cfg_.batch_wait_max_tokens_ratio * max_tokens_) {
    batch_wait_iters_ = 0;
    return false;
  }
  ++batch_wait_iters_;
  return true;
}

bool Engine::prefill_wanted() const {
  if (!prefilling_.empty()) return true;  // a chunked prompt continues first
  if (waiting_.empty()) return false;
  if (traits_.waiting_served_ratio <= 0 || running_ == 0) return true;
  // TGI: interrupt decoding when enough requests wait, or they have waited long enough.
  if (traits_.max_waiting_steps > 0 && waiting_steps_ >= traits_.max_waiting_steps) return true;
  return static_cast<double>(waiting_.size()) >= traits_.waiting_served_ratio * running_;
}

double Engine::begin_step(double now) {
  chunks_.clear();
  step_has_decode_ = false;
  preempted_this_step_ = false;
  step_start_ = now;
  if (cfg_.scheduler_recv_interval > 1) maybe_receive();
  for (int guard = 0; guard < 1000 && !idle(); ++guard) {
    preempted_this_step_ = false;
    if (traits_.mixed_batches) {
      int budget = max_tokens_;
      plan_decode();
      if (step_has_decode_) budget -= n_dec_;
      plan_prefill_continuations(budget);
      if (!preempted_this_step_ && !batch_wait_holds(budget)) plan_admissions(budget, false);
    } else {
      int budget = traits_.max_prefill_tokens > 0 ? traits_.max_prefill_tokens : max_tokens_;
      if (prefill_wanted()) {
        plan_prefill_continuations(budget);
        plan_admissions(budget, true);
      }
      if (chunks_.empty()) plan_decode();
    }
    if (!chunks_.empty() || step_has_decode_) break;
    // Nothing could run. With nothing running, the head of the queue cannot fit even an
    // empty replica: it never will.
    if (running_ == 0 && !waiting_.empty()) {
      const int slot = waiting_.front();
      waiting_.pop_front();
      obs_->on_dropped(slab_[slot].req, DropReason::kTooLong, now);
      free_slots_.push_back(slot);
      continue;
    }
    // Prompts mid-prefill starved of blocks: make room.
    if (!preempt_newest()) break;
  }
  last_pass_ = !chunks_.empty() ? Pass::kExtend : step_has_decode_ ? Pass::kDecode : Pass::kNone;
  if (chunks_.empty() && !step_has_decode_) return 0;

  perf::StepLoad load;
  if (step_has_decode_) {
    load.decode_seqs = n_dec_;
    load.decode_context_tokens =
        static_cast<double>(ctx_const_ + static_cast<long long>(n_dec_) * (dec_step_ + 1));
  }
  for (const Chunk& c : chunks_) {
    load.prefill_tokens += c.tokens;
    load.prefill_pairs += perf::prefill_pairs(c.start, c.tokens);
  }
  const double d = step_.step_s(load);
  busy_s_ += d;
  ++steps_;
  return d;
}

void Engine::end_step(double now) {
  if (step_has_decode_) {
    ++dec_step_;
    if (cfg_.stream_interval > 1) {
      decode_end_[static_cast<std::size_t>(dec_step_ % (cfg_.stream_interval + 1))] = now;
    } else {
      int joiners = 0;
      for (const Joined& j : joined_) joiners += j.count;
      const int old = n_dec_ - joiners;
      if (old > 0 && last_decode_end_ >= 0)
        obs_->on_token_gap(now - last_decode_end_, static_cast<std::uint64_t>(old));
      for (const Joined& j : joined_)
        obs_->on_token_gap(now - j.t, static_cast<std::uint64_t>(j.count));
    }
    joined_.clear();
    last_decode_end_ = now;
    output_tokens_ += n_dec_;
    while (!finish_heap_.empty() && std::get<0>(finish_heap_.top()) <= dec_step_) {
      const auto [fin, slot, stamp] = finish_heap_.top();
      finish_heap_.pop();
      const Seq& s = slab_[slot];
      if (!s.running || !s.decoding || s.stamp != stamp) continue;
      // Tokens emitted: g0 + steps decoded.
      slab_[slot].generated = s.g0 + static_cast<int>(dec_step_ - s.s0);
      finish(slot, now);
    }
    // After the finishes: a sequence that ends at this step sends one chunk, its last.
    if (cfg_.stream_interval > 1) emit_chunk_gaps(now);
    if (traits_.new_token_ratio > 0 && traits_.new_token_ratio_decay_steps > 0)
      token_ratio_ =
          std::max(traits_.new_token_ratio_min,
                   token_ratio_ - (traits_.new_token_ratio - traits_.new_token_ratio_min) /
                                      traits_.new_token_ratio_decay_steps);
    if (!waiting_.empty())
      ++waiting_steps_;
    else
      waiting_steps_ = 0;
  } else if (!chunks_.empty()) {
    waiting_steps_ = 0;
  }
  for (const Chunk& c : chunks_) {
    Seq& s = slab_[c.slot];
    s.computed += c.tokens;
    prompt_tokens_ += c.tokens;
    if (s.computed < s.prompt_len) continue;
    ++s.generated;
    ++output_tokens_;
    if (s.first_token_s < 0) {
      // The first token goes out at once, whatever the stream interval (1 mod N == 1).
      s.first_token_s = now;
      s.last_chunk_s = now;
      obs_->on_first_token(s.req, now);
    } else if (cfg_.stream_interval <= 1) {
      obs_->on_token_gap(now - s.last_token_s, 1);
    } else if (s.generated % cfg_.stream_interval == 1 || s.generated >= s.req.output_tokens) {
      // A token from a recomputed prompt (after preemption) streams on the same rule.
      obs_->on_token_gap(now - s.last_chunk_s, 1);
      s.last_chunk_s = now;
    }
    s.last_token_s = now;
    if (s.generated >= s.req.output_tokens)
      finish(c.slot, now);
    else
      start_decoding(c.slot, now);
  }
  chunks_.clear();
  step_has_decode_ = false;
  // Drop stale preemption candidates now and then (finished sequences leave entries behind).
  if (admitted_.size() > 64 && admitted_.size() > 4 * static_cast<std::size_t>(running_)) {
    std::erase_if(admitted_, [&](const auto& a) {
      const Seq& s = slab_[a.first];
      return !s.running || s.admit_order != a.second;
    });
  }
}

std::vector<Displaced> Engine::displaced() const {
  std::vector<Displaced> out;
  for (int slot : waiting_) out.push_back({slab_[slot].req, slab_[slot].first_token_s >= 0});
  for (int slot : pending_) out.push_back({slab_[slot].req, false});
  for (const Seq& s : slab_)
    if (s.running) out.push_back({s.req, s.first_token_s >= 0});
  return out;
}

}  // namespace llmctl::sim
