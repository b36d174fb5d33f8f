// One engine replica driven by hand, for step-by-step scheduler tests: iterations run back to
// back, each ending at the time the engine's own step cost says, and an observer records when
// each request was admitted, got its first token, streamed and finished.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "perf/step.h"
#include "sim/engine.h"
#include "sim_test_util.h"

namespace llmctl::sim::test {

struct Recorder : EngineObserver {
  std::map<std::uint64_t, double> admitted_at;  // request id -> time of its first admission
  std::map<std::uint64_t, double> first_token;
  std::map<std::uint64_t, std::pair<double, double>> finished;  // first token, last token
  std::vector<double> gaps;                                     // one entry per chunk
  void on_admitted(const Request& r, double queue_s, long long, long long) override {
    admitted_at[r.id] = r.arrival_s + queue_s;
  }
  void on_first_token(const Request& r, double t) override { first_token[r.id] = t; }
  void on_token_gap(double gap_s, std::uint64_t weight) override {
    gaps.insert(gaps.end(), weight, gap_s);
  }
  void on_finished(const Request& r, double first, double t, int) override {
    finished[r.id] = {first, t};
  }
  void on_dropped(const Request&, DropReason, double) override { ADD_FAILURE() << "dropped"; }
};

inline Request request(std::uint64_t id, int in, int out, double at) {
  Request r;
  r.id = id;
  r.input_tokens = in;
  r.output_tokens = out;
  r.arrival_s = at;
  return r;
}

// Llama-3.1-8B on one H100 under `engine`, with an unlimited KV cache; `configure` sets the
// engine options under test.
class EngineDriver {
 public:
  EngineDriver(const std::string& engine, const std::function<void(EngineConfig&)>& configure)
      : pool_(pool("llama-3.1-8b", "h100-sxm", engine)),
        step_(*perf::StepModel::make(cat(), pool_.deployment)) {
    cfg_.step = &step_;
    cfg_.segments = &segments_;
    cfg_.unlimited_kv = true;
    configure(cfg_);
    engine_ = std::make_unique<Engine>(cfg_, &obs_);
  }
  void enqueue(const Request& r) { engine_->enqueue(r, now_); }
  // Runs one iteration; returns its end.
  double iterate() {
    const double d = engine_->begin_step(now_);
    EXPECT_GT(d, 0) << "an engine with work runs an iteration";
    now_ += d;
    engine_->end_step(now_);
    return now_;
  }
  double now() const { return now_; }
  const Engine& engine() const { return *engine_; }
  Recorder& obs() { return obs_; }

 private:
  Pool pool_;
  perf::StepModel step_;
  SegmentPool segments_;
  EngineConfig cfg_;
  Recorder obs_;
  std::unique_ptr<Engine> engine_;
  double now_ = 0;
};

}  // namespace llmctl::sim::test
