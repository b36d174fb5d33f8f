// One replica's serving engine: its scheduler, its KV cache and the time of each iteration.
//
// Iteration-level model of continuous batching. Each iteration (begin_step .. end_step) the
// scheduler picks what runs, exactly as the engines decide it:
//  - mixed batches (vLLM V1, TensorRT-LLM in-flight batching): every running sequence decodes
//    one token; partially prefilled prompts continue; waiting requests are admitted FCFS while
//    the token budget (max_num_batched_tokens / max_num_tokens), the sequence cap and the KV
//    cache allow, their prompts chunked to the budget when the engine chunks prefill;
//  - prefill batches (SGLang, TGI): when requests wait and can be admitted, an iteration
//    prefills them alone (decoding pauses); otherwise every running sequence decodes;
//  - KV allocation: on demand, a block when a sequence crosses into it, preempting the newest
//    sequence (recomputed later) when the cache is exhausted (vLLM, SGLang); or reserved whole
//    at admission (TensorRT-LLM GUARANTEED_NO_EVICT, TGI), never preempting;
//  - prefix caching: an admitted prompt reuses the leading segments its replica's cache holds;
//  - SGLang's --scheduler-recv-interval N: the scheduler takes arrived requests from its queue
//    only when the forward passes since its last receive weigh N (a decode 1, a prefill 1000,
//    an idle loop 1), and --stream-interval N: a request's tokens reach the client in chunks,
//    its first token alone, then every N-th and the last (docs/SIM.md, section 2).
// The iteration's duration is perf's step cost of what it processes (perf::StepModel).
//
// Cost: O(1) per iteration for decoding sequences (they advance together: block crossings are
// counted by phase, completions kept in a heap), O(log n) per request. Pure: no I/O, no clock.
#pragma once

#include <cstdint>
#include <deque>
#include <queue>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "perf/step.h"
#include "sim/kv_cache.h"
#include "sim/workload.h"

namespace llmctl::sim {

enum class DropReason {
  kTooLong,           // prompt + output exceed the model's context or the replica's KV cache
  kPromptOverBudget,  // prompt exceeds max_num_tokens and the engine does not chunk prefill
  kReplicaFailed,     // the replica failed after the request's first token
  kQueueTimeout,      // no replica could take it within the queue timeout
  kNoCapacity,        // no replica can ever serve it (none configured for its model)
};
const char* drop_reason_name(DropReason r);
// What a drop reason (as drop_reason_name spells it, the key of SimResult::dropped_by_reason)
// means to the person reading a result, with what would avoid it; the name itself when unknown.
std::string drop_reason_meaning(std::string_view name);
inline constexpr int kDropReasons = 5;

// What a replica reports as requests progress (the fleet's metrics).
class EngineObserver {
 public:
  virtual ~EngineObserver() = default;
  // First admission: waited `queue_s` in the engine's queue; its prompt had `hit_tokens` of
  // `prompt_tokens` in the prefix cache.
  virtual void on_admitted(const Request& r, double queue_s, long long prompt_tokens,
                           long long hit_tokens) = 0;
  virtual void on_first_token(const Request& r, double t) = 0;
  // `weight` streamed chunks each reached the client `gap_s` after the previous chunk of their
  // request (one token a chunk unless EngineConfig::stream_interval > 1).
  virtual void on_token_gap(double gap_s, std::uint64_t weight) = 0;
  virtual void on_finished(const Request& r, double first_token_s, double t, int preemptions) = 0;
  virtual void on_dropped(const Request& r, DropReason why, double t) = 0;
};

struct EngineConfig {
  const perf::StepModel* step = nullptr;
  const SegmentPool* segments = nullptr;
  int max_context = 1 << 30;   // the model's context window
  bool prefix_caching = true;  // engine default unless overridden
  bool unlimited_kv = false;   // an unlimited KV cache (tests, what-ifs)
  int max_num_seqs = 0;        // 0: the StepModel's
  int max_num_tokens = 0;      // 0: the StepModel's
  long long kv_blocks = 0;     // 0: the StepModel's capacity / block size
  // SGLang's --scheduler-recv-interval (SchedulerRecvSkipper): arrived requests wait outside
  // the scheduler until the forward passes since its last receive weigh this much. 1: every
  // iteration (every engine's behaviour). Meant for prefill-batch (SGLang) engines.
  int scheduler_recv_interval = 1;
  // SGLang's --stream-interval: the first token goes out alone, then a chunk whenever a request
  // holds 1 + k x N tokens, and the last token with whatever is left. 1: every token.
  int stream_interval = 1;
  // TensorRT-LLM's batch waiting (LLM API batch_wait_timeout_iters / batch_wait_max_tokens_ratio,
  // PyExecutor._waiting_requests): while requests are generating, new prompts are held back
  // until the iteration would schedule at least ratio x max_num_tokens tokens (prompts and
  // generated tokens together) or prompts have been held for timeout_iters iterations. Without
  // generating requests nothing is held. 0 and 0: off (the default). Meant for mixed-batch
  // (in-flight batching) engines.
  int batch_wait_timeout_iters = 0;
  double batch_wait_max_tokens_ratio = 0;
};

// A request that left a failed replica: already streaming (dropped) or not yet (retryable).
struct Displaced {
  Request request;
  bool started = false;
};

class Engine {
 public:
  Engine(const EngineConfig& config, EngineObserver* observer);

  // A request reaches the engine at `now` (routing and tokenisation already done).
  void enqueue(const Request& r, double now);
  // Starts the next iteration at `now`; returns its duration in seconds, 0 when idle.
  double begin_step(double now);
  // Completes the iteration begun last; `now` is its end.
  void end_step(double now);
  // Every request the engine holds, waiting or running (a failed replica's, see Displaced).
  std::vector<Displaced> displaced() const;

  bool idle() const { return waiting_.empty() && pending_.empty() && running_ == 0; }
  int running() const { return running_; }
  // Waiting for admission, received by the scheduler or not yet (scheduler_recv_interval).
  int waiting() const { return static_cast<int>(waiting_.size() + pending_.size()); }
  int outstanding() const { return running_ + waiting(); }
  double kv_usage() const { return kv_.usage(); }
  // Leading segments of `hashes` this replica's prefix cache holds (cache-aware routing).
  int cached_prefix(std::span<const std::uint64_t> hashes) const { return kv_.match(hashes); }

  long long steps() const { return steps_; }
  long long preemptions() const { return preemptions_; }
  long long prompt_tokens() const { return prompt_tokens_; }
  long long output_tokens() const { return output_tokens_; }
  double busy_s() const { return busy_s_; }
  const KvCache& kv() const { return kv_; }
  int block_size() const { return block_; }

 private:
  struct Seq {
    Request req;
    double arrived_s = 0;  // at the engine
    double first_token_s = -1;
    double last_token_s = -1;
    bool admitted_once = false;
    bool running = false;
    bool decoding = false;
    int prompt_len = 0;         // tokens to have KV for before decoding
    int computed = 0;           // of them, with KV
    int generated = 0;          // output tokens emitted
    int max_new = 0;            // what the engine believes it may generate (max_tokens or output)
    int pinned_segs = 0;        // leading segments pinned (cache hits, then published)
    int seg_tokens = 0;         // tokens in those segments
    long long priv_blocks = 0;  // private blocks (prefill phase, or reserved whole)
    int preemptions = 0;
    std::uint32_t stamp = 0;  // bumped on every state change (lazy heap deletion)
    std::uint64_t admit_order = 0;
    // decoding: KV length L0 and generated g0 at decode step s0
    long long s0 = 0;
    int L0 = 0;
    int g0 = 0;
    // stream_interval > 1: when the last chunk reached the client (while decoding and not
    // chunk_steady), the decode steps (mod N) at which this sequence's chunks go out, and
    // whether it has sent one since it started decoding (then its last chunk was the previous
    // such step).
    double last_chunk_s = -1;
    int chunk_key = 0;
    bool chunk_steady = false;
  };
  struct Chunk {
    int slot;
    int tokens;
    int start;
  };
  struct Joined {
    double t;
    int count;
  };

  int new_slot();
  long long blocks_for(long long tokens) const { return (tokens + block_ - 1) / block_; }
  bool admit(int slot, int budget, int* tokens_out);
  bool ensure_decode_blocks();
  bool preempt_newest();
  void preempt(int slot);
  void start_decoding(int slot, double now);
  void stop_decoding(int slot);
  void finish(int slot, double now);
  void release_kv(int slot, int decoded_len);  // decoded_len < 0: not decoding
  void publish_segments(Seq& s, int scheduled_end);
  int decode_phase_key(const Seq& s) const;
  bool prefill_wanted() const;
  void plan_decode();
  void plan_prefill_continuations(int& budget);
  void plan_admissions(int& budget, bool prefill_batch);
  // TensorRT-LLM's batch waiting (EngineConfig): true when this iteration holds new prompts back.
  bool batch_wait_holds(int budget);
  void maybe_receive();
  double last_chunk_time(const Seq& s, bool emitting_now) const;
  void emit_chunk_gaps(double now);

  EngineConfig cfg_;
  const perf::StepModel& step_;
  const perf::EngineTraits& traits_;
  EngineObserver* obs_;
  KvCache kv_;
  int block_;
  int max_seqs_;
  int max_tokens_;
  bool reserve_whole_;

  std::vector<Seq> slab_;
  std::vector<int> free_slots_;
  std::deque<int> waiting_;
  std::deque<int> pending_;      // arrived, not yet received by the scheduler (recv interval)
  std::vector<int> prefilling_;  // admitted, prompt not done, in admission order
  std::vector<std::pair<int, std::uint64_t>> admitted_;  // (slot, admit_order), LIFO victims
  int running_ = 0;
  std::uint64_t admit_counter_ = 0;

  // Decoding sequences, advanced together (see header comment).
  long long dec_step_ = 0;
  int n_dec_ = 0;
  long long ctx_const_ = 0;  // sum of (L0 - s0): KV length sum = ctx_const_ + n_dec_ x step
  long long rem_const_ = 0;  // sum of (max_new - g0 + s0): remaining = rem_const_ - n x step
  std::vector<int> phase_;   // decoders by block-crossing phase
  using HeapItem = std::tuple<long long, int, std::uint32_t>;  // finish step, slot, stamp
  std::priority_queue<HeapItem, std::vector<HeapItem>, std::greater<>> finish_heap_;
  double last_decode_end_ = -1;
  std::vector<Joined> joined_;  // sequences that started decoding since the last decode step

  // The iteration in flight.
  bool step_has_decode_ = false;
  int step_decoders_ = 0;
  std::vector<Chunk> chunks_;
  double step_start_ = 0;
  bool preempted_this_step_ = false;

  // SchedulerRecvSkipper: weight of the forward passes since the last receive, and what the
  // last iteration ran.
  enum class Pass { kNone, kDecode, kExtend };
  int recv_counter_ = 0;
  Pass last_pass_ = Pass::kNone;

  // stream_interval > 1: end times of the last N + 1 decode steps (by step mod N + 1), the
  // steady decoders by chunk key, and those that have sent no chunk since they started
  // decoding (slot, stamp), by chunk key.
  std::vector<double> decode_end_;
  std::vector<int> chunk_steady_;
  std::vector<std::vector<std::pair<int, std::uint32_t>>> chunk_fresh_;

  double token_ratio_ = 0;    // SGLang new_token_ratio
  int waiting_steps_ = 0;     // TGI: decode steps while requests wait
  int batch_wait_iters_ = 0;  // TensorRT-LLM: iterations prompts have been held back

  long long steps_ = 0;
  long long preemptions_ = 0;
  long long prompt_tokens_ = 0;
  long long output_tokens_ = 0;
  double busy_s_ = 0;
};

}  // namespace llmctl::sim
