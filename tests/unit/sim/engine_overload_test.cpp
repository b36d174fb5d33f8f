// The engine under KV pressure: a prompt too long for the blocks the running sequences leave
// must wait for them (SGLang charges the whole prompt at admission), never spin re-admitting and
// preempting itself while decoding stands still.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "perf/step.h"
#include "sim/engine.h"
#include "sim_test_util.h"

namespace llmctl::sim {
namespace {

struct Counter : EngineObserver {
  int finished = 0;
  int dropped = 0;
  void on_admitted(const Request&, double, long long, long long) override {}
  void on_first_token(const Request&, double) override {}
  void on_token_gap(double, std::uint64_t) override {}
  void on_finished(const Request&, double, double, int) override { ++finished; }
  void on_dropped(const Request&, DropReason, double) override { ++dropped; }
};

Request req(std::uint64_t id, int in, int out) {
  Request r;
  r.id = id;
  r.input_tokens = in;
  r.output_tokens = out;
  return r;
}

class EngineOverload : public ::testing::TestWithParam<std::string> {};

// 10 short requests fill half of a 4,000-block cache and decode; then a 3,000-token prompt,
// chunked 512 tokens at a time, arrives. It fits an empty cache but not beside the decoders.
// Before the fix SGLang admitted it on its first chunk's blocks; its fourth chunk found none,
// it preempted itself (the newest), was admitted again in the same iteration, and since SGLang's
// prefill batches pause decoding no decoder ever advanced: millions of iterations, no progress.
TEST_P(EngineOverload, LongPromptBesideDecodersCompletesInBoundedSteps) {
  const std::string engine = GetParam();
  const Pool p = test::pool("llama-3.1-8b", "h100-sxm", engine);
  auto step = perf::StepModel::make(test::cat(), p.deployment);
  ASSERT_TRUE(step.ok()) << step.error().message;
  const SegmentPool segments;
  EngineConfig cfg;
  cfg.step = &*step;
  cfg.segments = &segments;
  cfg.kv_blocks = 4000 / std::max(1, step->traits().block_size);
  // Chunked 512 tokens at a time; an engine that does not chunk (TensorRT-LLM's default) takes
  // the prompt whole, and reserves its blocks whole.
  cfg.max_num_tokens = step->traits().chunked_prefill ? 512 : 4096;
  Counter obs;
  Engine e(cfg, &obs);

  const int kShort = 10, kShortIn = 200, kShortOut = 100, kLongIn = 3000, kLongOut = 10;
  double now = 0;
  for (int i = 0; i < kShort; ++i) e.enqueue(req(i, kShortIn, kShortOut), now);
  // Let the short ones start decoding, then the long prompt arrives.
  for (int i = 0; i < 3 && !e.idle(); ++i) {
    now += e.begin_step(now);
    e.end_step(now);
  }
  e.enqueue(req(kShort, kLongIn, kLongOut), now);

  // Work is ~kShortOut decode iterations and a few prefill chunks: a generous cap, far below a
  // livelock's count.
  const long long cap = 20 * (kShortOut + kLongOut + kLongIn / 512 + 10);
  while (!e.idle() && e.steps() < cap) {
    const double d = e.begin_step(now);
    ASSERT_GT(d, 0) << "an engine with work must run an iteration";
    now += d;
    e.end_step(now);
  }
  EXPECT_TRUE(e.idle()) << engine << ": " << e.steps() << " iterations, " << e.preemptions()
                        << " preemptions, " << e.running() << " running, " << e.waiting()
                        << " waiting";
  EXPECT_EQ(obs.finished + obs.dropped, kShort + 1);
  // A preempted sequence recomputes its prompt. With prefill batches (SGLang) decoding pauses
  // while a prompt prefills, so the long prompt must be admitted only once it can finish: every
  // prompt token is then prefilled about once. Mixed batches (vLLM) decode beside the prompt
  // whatever happens to it: the prompt may be preempted and recomputed while the decoders free
  // blocks (the simulator does not keep a preempted prompt's blocks in the prefix cache), at
  // most once per iteration, and the decoders still finish.
  if (!step->traits().mixed_batches || !step->traits().preempts) {
    EXPECT_LE(e.prompt_tokens(), 2LL * (kShort * kShortIn + kLongIn)) << engine;
    EXPECT_LE(e.preemptions(), kShort) << engine;
  } else {
    EXPECT_LE(e.preemptions(), kShortOut + kLongOut) << engine;
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, EngineOverload, ::testing::Values("sglang", "vllm", "trtllm"));

}  // namespace
}  // namespace llmctl::sim
