// SGLang's --scheduler-recv-interval and --stream-interval in the engine model, step by step
// with the step times the engine itself returns (docs/SIM.md, section 2):
//  - SchedulerRecvSkipper: a request that arrives while the engine decodes is received only when
//    the passes since the last receive weigh N (decode 1, prefill 1000, idle 1);
//  - stream_output_generation: a request's first token goes out alone, then the tokens that bring
//    it to 1 + k x N, then its last; the client's TTFT and TPOT are unchanged, its ITL is per
//    chunk.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "engine_driver.h"
#include "sim/scenario.h"

namespace llmctl::sim {
namespace {

using test::request;

// One SGLang replica with the receive and stream intervals under test.
class Driver : public test::EngineDriver {
 public:
  Driver(int recv_interval, int stream_interval)
      : EngineDriver("sglang", [&](EngineConfig& c) {
          c.scheduler_recv_interval = recv_interval;
          c.stream_interval = stream_interval;
        }) {}
};

// A arrives at an idle engine and is prefilled at once; B arrives just after the receive that
// opens A's first decode step and waits out N decode steps; C arrives during B's prefill and is
// received right after it (a prefill weighs 1000).
void check_receive_points(int n) {
  Driver e(n, 1);
  e.enqueue(request(1, 200, 100, 0));
  const double prefill_a = e.iterate();
  EXPECT_DOUBLE_EQ(e.obs().admitted_at.at(1), 0) << "an idle engine receives at once";
  EXPECT_DOUBLE_EQ(e.obs().first_token.at(1), prefill_a);

  // Decode step 1 begins (its receive point: the last pass was a prefill); B arrives after it.
  std::vector<double> decode_ends;
  decode_ends.push_back(e.iterate());
  e.enqueue(request(2, 300, 50, e.now()));
  const double b_arrival = e.now();
  // Under N = 1 the next iteration receives B; under N it takes decode steps 2..N first.
  for (int k = 2; k <= n; ++k) {
    decode_ends.push_back(e.iterate());
    EXPECT_EQ(e.obs().admitted_at.count(2), 0U) << "received before decode step " << k + 1;
    EXPECT_EQ(e.engine().waiting(), 1);
  }
  const double prefill_b = e.iterate();
  ASSERT_EQ(e.obs().admitted_at.count(2), 1U) << "B not received after " << n << " decode steps";
  EXPECT_DOUBLE_EQ(e.obs().admitted_at.at(2), decode_ends.back());
  EXPECT_DOUBLE_EQ(e.obs().admitted_at.at(2) - b_arrival, decode_ends.back() - decode_ends.front());
  EXPECT_DOUBLE_EQ(e.obs().first_token.at(2), prefill_b);

  // C arrives while B prefills (enqueued before the iteration that follows it): the prefill
  // weighs 1000 >= N, so the next iteration receives and prefills C.
  e.enqueue(request(3, 100, 10, prefill_b));
  const double prefill_c = e.iterate();
  ASSERT_EQ(e.obs().admitted_at.count(3), 1U);
  EXPECT_DOUBLE_EQ(e.obs().admitted_at.at(3), prefill_b);
  EXPECT_DOUBLE_EQ(e.obs().first_token.at(3), prefill_c);
}

TEST(SglangRecvInterval, DefaultReceivesEveryIteration) { check_receive_points(1); }
TEST(SglangRecvInterval, TenWaitsTenDecodeSteps) { check_receive_points(10); }
TEST(SglangRecvInterval, ThirtyWaitsThirtyDecodeSteps) { check_receive_points(30); }

// Requests that arrive together between receive points are received together at the next one.
TEST(SglangRecvInterval, ArrivalsBetweenReceivePointsAreTakenTogether) {
  Driver e(4, 1);
  e.enqueue(request(1, 200, 100, 0));
  e.iterate();                    // prefill A
  const double d1 = e.iterate();  // decode 1 (a receive point)
  e.enqueue(request(2, 100, 20, d1));
  const double d2 = e.iterate();  // decode 2
  e.enqueue(request(3, 100, 20, d2));
  e.iterate();                    // decode 3
  const double d4 = e.iterate();  // decode 4
  EXPECT_EQ(e.engine().waiting(), 2);
  e.iterate();  // receives B and C, prefills both in one batch
  EXPECT_DOUBLE_EQ(e.obs().admitted_at.at(2), d4);
  EXPECT_DOUBLE_EQ(e.obs().admitted_at.at(3), d4);
  EXPECT_DOUBLE_EQ(e.obs().first_token.at(2), e.obs().first_token.at(3));
}

// Two requests decoding at different phases: A (8 tokens) and B (6 tokens), B prefilled after
// A's first decode step. Tokens: A's k-th at decode step k - 1 (its first from its prefill), B's
// k-th at decode step k. With N = 3 the client gets A's tokens 1, 4, 7 and 8 (its last), B's 1,
// 4 and 6: ITL is one gap per chunk; TTFT and TPOT stay those of the tokens' own times.
TEST(SglangStreamInterval, FirstTokenAloneThenEveryNthAndTheLast) {
  for (int n : {1, 3}) {
    Driver e(1, n);
    e.enqueue(request(1, 200, 8, 0));
    const double p1 = e.iterate();  // prefill A: token 1
    std::vector<double> dec;        // dec[k] = end of decode step k (dec[0] unused)
    dec.push_back(0);
    dec.push_back(e.iterate());  // decode 1: A token 2
    e.enqueue(request(2, 300, 6, e.now()));
    const double p2 = e.iterate();  // prefill B: token 1
    for (int k = 2; k <= 7; ++k) dec.push_back(e.iterate());
    EXPECT_TRUE(e.engine().idle());
    std::vector<double> want;
    if (n == 1) {
      // Every token: A's 2..8 at decode steps 1..7, B's 2..6 at decode steps 2..6.
      want.push_back(dec[1] - p1);
      for (int k = 2; k <= 7; ++k) want.push_back(dec[k] - dec[k - 1]);
      want.push_back(dec[2] - p2);
      for (int k = 3; k <= 6; ++k) want.push_back(dec[k] - dec[k - 1]);
    } else {
      want = {dec[3] - p1, dec[6] - dec[3], dec[7] - dec[6],  // A: tokens 4, 7, 8
              dec[4] - p2, dec[6] - dec[4]};                  // B: tokens 4, 6
    }
    std::vector<double> got = e.obs().gaps;
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    ASSERT_EQ(got.size(), want.size()) << "stream interval " << n;
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_DOUBLE_EQ(got[i], want[i]) << i;
    EXPECT_DOUBLE_EQ(e.obs().first_token.at(1), p1);
    EXPECT_DOUBLE_EQ(e.obs().first_token.at(2), p2);
    EXPECT_DOUBLE_EQ(e.obs().finished.at(1).second, dec[7]);
    EXPECT_DOUBLE_EQ(e.obs().finished.at(2).second, dec[6]);
  }
}

// The flags are SGLang's: any other engine rejects them, naming the field and the flag.
TEST(SglangIntervals, OtherEnginesRejectThem) {
  for (const char* engine : {"vllm", "trtllm", "tgi"}) {
    Scenario sc;
    sc.pools.push_back(test::pool("llama-3.1-8b", "h100-sxm", engine));
    sc.workload = test::poisson(1, 10);
    EXPECT_TRUE(validate_scenario(sc).ok());
    sc.pools[0].scheduler_recv_interval = 10;
    auto st = validate_scenario(sc);
    ASSERT_FALSE(st.ok()) << engine;
    EXPECT_NE(st.error().message.find("pools[0].scheduler_recv_interval"), std::string::npos)
        << st.error().message;
    EXPECT_NE(st.error().message.find("--scheduler-recv-interval is an SGLang server flag"),
              std::string::npos)
        << st.error().message;
    sc.pools[0].scheduler_recv_interval = 1;
    sc.pools[0].stream_interval = 30;
    st = validate_scenario(sc);
    ASSERT_FALSE(st.ok()) << engine;
    EXPECT_NE(st.error().message.find("pools[0].stream_interval"), std::string::npos)
        << st.error().message;
  }
  Scenario sc;
  sc.pools.push_back(test::pool("llama-3.1-8b", "h100-sxm", "sglang"));
  sc.workload = test::poisson(1, 10);
  sc.pools[0].scheduler_recv_interval = 30;
  sc.pools[0].stream_interval = 30;
  EXPECT_TRUE(validate_scenario(sc).ok());
  sc.pools[0].stream_interval = 0;
  EXPECT_FALSE(validate_scenario(sc).ok());
}

// Through the whole simulator: a closed loop of SGLang clients waits for receive points (TTFT
// grows), while TPOT and the tokens/s barely move; the stream interval leaves TTFT and TPOT
// exactly as they were and only coarsens ITL.
TEST(SglangIntervals, FleetTtftGrowsWithTheRecvIntervalAndStreamLeavesTpot) {
  auto run = [](int recv, int stream) {
    Scenario sc;
    sc.pools.push_back(test::pool("llama-3.1-8b", "h100-sxm", "sglang"));
    sc.pools[0].scheduler_recv_interval = recv;
    sc.pools[0].stream_interval = stream;
    sc.workload.arrival = WorkloadSpec::Arrival::kClosedLoop;
    sc.workload.concurrency = 16;
    sc.workload.requests = 320;
    sc.workload.input = LengthDist{LengthDist::Kind::kFixed, 1000};
    sc.workload.output = LengthDist{LengthDist::Kind::kUniform, 250, 200, 300};
    return test::run(sc);
  };
  const SimResult base = run(1, 1), recv = run(10, 1), stream = run(1, 10);
  // Receive points every 10 forward passes (~9 ms decode steps here): an arrival waits for the
  // next one, ~40 ms on average, on top of SGLang's per-request overhead (data/efficiency.yaml).
  EXPECT_GT(recv.ttft.mean, base.ttft.mean + 25);
  EXPECT_EQ(stream.ttft.mean, base.ttft.mean);
  EXPECT_EQ(stream.tpot.mean, base.tpot.mean);
  EXPECT_GT(stream.itl.mean, 5 * base.itl.mean);
}

}  // namespace
}  // namespace llmctl::sim
