// Workloads: what arrives when, how long the prompts and answers are, and which prompts share a
// cacheable prefix. Synthetic (open loop: Poisson, constant, gamma; closed loop: N clients) or a
// replayed trace (parsed records; the readers in trace.h and sim/io build them).
//
// Pure: no I/O, no clock. Randomness comes from the seed; the same spec and seed give the same
// requests on every platform.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "sim/rng.h"

namespace llmctl::sim {

// The cacheable content of prompts: segments, each a run of tokens identified by a hash of the
// prompt up to and including it (so equal hashes mean equal prefixes). A request's segments are
// a range of this pool; ranges may be shared (every request of a prefix group points at the
// group's segment). The rest of a prompt, beyond its segments, is its own.
struct SegmentPool {
  std::vector<std::uint64_t> hashes;
  std::vector<int> tokens;
  std::uint32_t add(std::uint64_t hash, int n) {
    hashes.push_back(hash);
    tokens.push_back(n);
    return static_cast<std::uint32_t>(hashes.size() - 1);
  }
};

struct Request {
  std::uint64_t id = 0;       // 0, 1, 2... in arrival order per source
  double arrival_s = 0;       // at the gateway
  int input_tokens = 1;       // prompt, shared prefix included
  int output_tokens = 1;      // tokens the answer will have
  int max_tokens = 0;         // the request's max_tokens (engines that reserve use it); 0: unset
  std::uint64_t session = 0;  // conversation / agent run; 0: none
  std::uint32_t segments_begin = 0;
  std::uint32_t segments_count = 0;
  int client = -1;      // closed loop: the client that sent it
  bool warmup = false;  // a benchmark's warm-up request: run, but left out of every metric
};

// A length distribution, in tokens.
struct LengthDist {
  enum class Kind { kFixed, kUniform, kLognormal };
  Kind kind = Kind::kFixed;
  double mean = 0;  // fixed value, or lognormal mean
  double min = 1;   // uniform bounds (inclusive)
  double max = 1;
  double p95 = 0;  // lognormal 95th percentile (> mean)
  std::string describe() const;
};
// The largest p95/mean a lognormal has: exp(z95^2 / 2).
inline constexpr double kLognormalMaxP95OverMean = 3.8681320923537834;
// Lognormal parameters for a mean and a p95 (p95/mean must be in (1, kLognormalMaxP95OverMean]).
Result<LengthDist> lognormal_from(double mean, double p95);
int sample_length(const LengthDist& d, Rng& rng);
// The share of the lengths `d` draws that exceed `tokens` (before sample_length's rounding).
double share_longer_than(const LengthDist& d, double tokens);

// One record of a trace, parsed (azure, mooncake, burstgpt, the gateway's request log).
struct TraceRecord {
  double t_s = 0;  // seconds from the trace's start
  int input_tokens = 1;
  int output_tokens = 1;
  int max_tokens = 0;
  std::uint64_t session = 0;
  std::uint32_t segments_begin = 0;  // into Trace::segments
  std::uint32_t segments_count = 0;
};

struct Trace {
  std::string name;    // file name, for messages
  std::string format;  // azure | mooncake | burstgpt | llmctl
  std::vector<TraceRecord> records;
  SegmentPool segments;
  std::vector<std::string> notes;  // what the reader could not know (e.g. a v1 request log)
};

struct WorkloadSpec {
  enum class Arrival { kPoisson, kConstant, kGamma, kClosedLoop, kTrace };
  Arrival arrival = Arrival::kPoisson;
  double qps = 1;            // open loop, all replicas together
  double burstiness_cv = 1;  // gamma: coefficient of variation of inter-arrival times
  int concurrency = 1;       // closed loop: clients
  double think_time_s = 0;   // closed loop: pause between a response and the next request
  LengthDist input{LengthDist::Kind::kFixed, 512};
  LengthDist output{LengthDist::Kind::kFixed, 256};
  // Shared prefixes: each request's prompt starts with one of `prefix_groups` prefixes of
  // `shared_prefix_tokens` tokens (system prompts), followed by its own `input` tokens.
  int shared_prefix_tokens = 0;
  int prefix_groups = 0;
  // A benchmark's prompt pool: every request sends one of `prompt_pool` distinct prompts, drawn
  // uniformly at random (0: every prompt is new). Serving benchmarks generate a fixed set of
  // synthetic prompts and reuse it until the run ends (aiperf and genai-perf: 100 by default),
  // so with prefix caching on a repeated prompt is a cache hit. Exclusive with shared prefixes.
  int prompt_pool = 0;
  // Warm-up: the first `warmup_requests` requests run but count in no metric, as a benchmark's
  // warm-up phase. Closed loop, as aiperf runs its phases: the warm-up requests are sent, the
  // phase drains, then every client sends its first measured request at once. Open loop: the
  // first requests are left out; ITL gaps count from the first measured arrival.
  long long warmup_requests = 0;
  // Limits: stop after `requests` measured arrivals (warm-up not counted) and/or `duration_s`
  // seconds (0: no limit; one is required for synthetic arrivals).
  long long requests = 0;
  double duration_s = 0;
  // Traces: the parsed records, timestamps multiplied by time_scale (0.5 replays twice as
  // fast), only records with window_start_s <= t < window_end_s (end 0: to the end).
  const Trace* trace = nullptr;
  double time_scale = 1;
  double window_start_s = 0;
  double window_end_s = 0;
};

// Produces the requests of a workload in arrival order (open loop, traces) or per client
// (closed loop). Request segments live in the generator's pool (copied from a trace's).
class Generator {
 public:
  Generator(const WorkloadSpec& spec, std::uint64_t seed);

  bool closed_loop() const { return spec_.arrival == WorkloadSpec::Arrival::kClosedLoop; }
  int clients() const { return spec_.concurrency; }
  // Open loop and traces: the next arrival; false once the workload is exhausted.
  bool next(Request& out);
  // Closed loop: client `client`'s next request, sent at `now`; false once exhausted.
  bool next_for_client(int client, double now, Request& out);
  // Requests issued so far (warm-up included).
  long long issued() const { return issued_; }
  // Whether the next request issued belongs to the warm-up.
  bool next_is_warmup() const { return issued_ < spec_.warmup_requests; }
  long long warmup_requests() const { return spec_.warmup_requests; }

  const SegmentPool& segments() const { return pool_; }
  std::span<const std::uint64_t> hashes(const Request& r) const {
    return {pool_.hashes.data() + r.segments_begin, r.segments_count};
  }

 private:
  void fill_lengths(Request& r);
  bool exhausted(double t) const;

  WorkloadSpec spec_;
  Rng rng_;
  SegmentPool pool_;
  std::vector<std::uint32_t> group_segment_;   // prefix group -> its segment in pool_
  std::vector<std::uint32_t> prompt_segment_;  // prompt pool entry -> its segment in pool_
  double clock_ = 0;                           // open loop: the last arrival
  std::size_t trace_pos_ = 0;
  double trace_origin_ = -1;
  long long issued_ = 0;
};

}  // namespace llmctl::sim
