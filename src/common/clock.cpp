#include "common/clock.h"

namespace llmctl {

namespace {
class RealClock final : public Clock {
 public:
  Steady::time_point now() const override { return Steady::now(); }
  Wall::time_point wall() const override { return Wall::now(); }
};
}  // namespace

const Clock& real_clock() {
  static const RealClock clock;
  return clock;
}

}  // namespace llmctl
