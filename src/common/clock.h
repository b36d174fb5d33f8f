// Time as an interface, so logic that depends on it (breakers, backoff, Retry-After, cool-downs,
// deadlines, simulated fleets) is tested with a fake clock instead of real sleeps.
//
// Clock gives two times: now(), monotonic, for durations and deadlines; wall(), the calendar
// time, for timestamps and HTTP dates. real_clock() reads the system's; FakeClock moves only
// when told. Both are safe to read from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace llmctl {

class Clock {
 public:
  using Steady = std::chrono::steady_clock;
  using Wall = std::chrono::system_clock;
  virtual ~Clock() = default;
  virtual Steady::time_point now() const = 0;
  virtual Wall::time_point wall() const = 0;

  // now() as milliseconds since the steady clock's epoch (the unit of the pure resilience
  // objects: breakers, budgets, cool-downs).
  std::int64_t now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(now().time_since_epoch()).count();
  }
  // wall() as milliseconds since the Unix epoch.
  std::int64_t unix_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(wall().time_since_epoch()).count();
  }
};

// The system's clocks (std::chrono::steady_clock and system_clock).
const Clock& real_clock();

// A clock that moves only when advance() is called; both times move together. Starts at the
// given monotonic offset and Unix time (defaults: 1000 s, 2025-01-01T00:00:00Z).
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::chrono::nanoseconds start = std::chrono::seconds(1000),
                     std::chrono::seconds unix_start = std::chrono::seconds(1735689600))
      : steady_ns_(start.count()), wall_offset_ns_((unix_start - start).count()) {}
  Steady::time_point now() const override {
    return Steady::time_point(std::chrono::nanoseconds(steady_ns_.load()));
  }
  Wall::time_point wall() const override {
    return Wall::time_point(std::chrono::duration_cast<Wall::duration>(
        std::chrono::nanoseconds(steady_ns_.load() + wall_offset_ns_)));
  }
  void advance(std::chrono::nanoseconds d) { steady_ns_.fetch_add(d.count()); }

 private:
  std::atomic<std::int64_t> steady_ns_;
  std::int64_t wall_offset_ns_;
};

}  // namespace llmctl
