// Worker threads ask the kernel for a 100 µs scheduling slice (net.h, request_short_slice), so
// that a worker woken by a request preempts another thread's run on its core (the request-log
// writer's transaction) instead of waiting out that thread's slice: bench/gateway/README.md,
// "Paired repeats". Custom slices exist from Linux 6.12 (EEVDF, sched_setattr's sched_runtime
// for SCHED_OTHER); /proc/<pid>/task/<tid>/sched shows them as `se.slice` (nanoseconds). Where
// the kernel has none, or a filter refuses the call, a scratch thread's request shows it and the
// test is skipped.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/net.h"

namespace llmctl::net {
namespace {

// The `se.slice` of one thread of this process, when the kernel reports it.
std::optional<long long> slice_of(const std::filesystem::path& task) {
  std::ifstream in(task / "sched");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("se.slice", 0) == 0) {
      const auto colon = line.find(':');
      if (colon == std::string::npos) return std::nullopt;
      return std::stoll(line.substr(colon + 1));
    }
  return std::nullopt;
}

std::vector<long long> slices_of_this_process() {
  std::vector<long long> out;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task"))
    if (auto s = slice_of(task.path())) out.push_back(*s);
  return out;
}

// Whether this kernel lets a thread of this process choose its slice: a scratch thread asks.
bool custom_slices_here() {
  std::optional<long long> got;
  std::thread([&] {
    request_short_slice(100'000);
    got = slice_of("/proc/thread-self");
  }).join();
  return got == 100'000;
}

TEST(Worker, AsksForAShortSchedulingSliceWhereTheKernelHasThem) {
  if (!custom_slices_here())
    GTEST_SKIP() << "this kernel has no custom scheduling slices (Linux 6.12+), or refuses them";
  const long long own = *slice_of("/proc/thread-self");
  ASSERT_NE(own, 100'000) << "the test thread must start with the default slice";

  Server server(2, ServerLimits{});
  ASSERT_TRUE(server.listen("127.0.0.1", 0).ok());
  server.start();
  // The workers set their slice as their threads start: wait (bounded) until both have.
  int short_slices = 0;
  for (int i = 0; i < 200 && short_slices < 2; ++i) {
    short_slices = 0;
    for (long long s : slices_of_this_process()) short_slices += s == 100'000;
    if (short_slices < 2) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  server.stop();
  EXPECT_EQ(short_slices, 2) << "each of the two workers should run with a 100 us slice";
  EXPECT_EQ(*slice_of("/proc/thread-self"), own) << "only the workers change their slice";
}

// Each worker's thread carries the server's name and its index (common/thread_name.h), so
// `top -H` and perf tell a gateway's workers from its admin listener and its other threads.
TEST(Worker, NamesItsThreadServerNameDashIndex) {
  auto names = [] {
    std::vector<std::string> out;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      std::ifstream in(task.path() / "comm");
      std::string name;
      std::getline(in, name);
      out.push_back(name);
    }
    return out;
  };
  Server server(2, ServerLimits{}, "probe");
  ASSERT_TRUE(server.listen("127.0.0.1", 0).ok());
  server.start();
  int named = 0;
  for (int i = 0; i < 200 && named < 2; ++i) {  // the threads name themselves as they start
    named = 0;
    for (const std::string& n : names()) named += n == "probe-0" || n == "probe-1";
    if (named < 2) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  server.stop();
  EXPECT_EQ(named, 2);
}

}  // namespace
}  // namespace llmctl::net
