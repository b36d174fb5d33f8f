// The costs and monitor tools with an injected clock: "now" ends relative windows and the scrape
// window, waits advance the fake clock (no real sleeping), progress is reported and a cancelled
// call returns the cancellation.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "agent/tools/costs_tool.h"
#include "agent/tools/monitor_tool.h"
#include "catalog/loader.h"

namespace llmctl::agent {
namespace {

namespace json = boost::json;

const catalog::Catalog& cat() {
  static const catalog::Catalog c = [] {
    catalog::LoadOptions o;
    o.default_overlays = false;
    return *catalog::load_catalog(o);
  }();
  return c;
}

class FakeClock final : public ToolClock {
 public:
  explicit FakeClock(double now) : now_(now) {}
  double now_s() const override { return now_; }
  void sleep_s(double s) override {
    now_ += s;
    slept_ += s;
  }
  double slept() const { return slept_; }

 private:
  double now_;
  double slept_ = 0;
};

class Control final : public CallControl {
 public:
  bool cancel = false;
  int progress_calls = 0;
  double last_done = -1;
  bool cancelled() const override { return cancel; }
  void progress(double done, std::optional<double>, const std::string&) override {
    ++progress_calls;
    EXPECT_GE(done, last_done);  // monotonic
    last_done = done;
  }
};

std::string data(const std::string& rel) { return std::string(LLMCTL_SOURCE_DIR) + "/" + rel; }

// 2025-12-01T10:03:30Z: the fixture's requests run from 09:15:02 to 10:04:00.
constexpr double kNow = 1764583410;

TEST(CostsTool, SinceCountsBackFromTheCallsClock) {
  FakeClock clock(kNow);
  ToolEnv env;
  env.catalog = &cat();
  env.clock = &clock;
  const Tool tool = costs_tool();
  auto out = tool.call(json::object{{"input", data("tests/data/costs/litellm_spend_logs.json")},
                                    {"input_format", "litellm"},
                                    {"since", "30m"}},
                       env);
  ASSERT_TRUE(out) << out.error().message;
  const json::object& o = out->as_object();
  EXPECT_EQ(o.at("period").at("start").as_string(), "2025-12-01T09:33:30Z");
  // The 09:15 request is before the window: counted, not dropped silently.
  EXPECT_EQ(o.at("input").at("rows_outside_period").to_number<long long>(), 1);

  FakeClock later(kNow + 86400);
  env.clock = &later;
  auto none = tool.call(json::object{{"input", data("tests/data/costs/litellm_spend_logs.json")},
                                     {"input_format", "litellm"},
                                     {"since", "30m"}},
                        env);
  ASSERT_TRUE(none) << none.error().message;
  // Every valid row is outside the window (the fixture's one malformed row is rejected, and
  // counted as such).
  const auto& in = none->at("input");
  EXPECT_EQ(
      in.at("rows_outside_period").to_number<long long>(),
      in.at("records_read").to_number<long long>() - in.at("rows_rejected").to_number<long long>());
}

TEST(CostsTool, ErrorsNameTheArgument) {
  ToolEnv env;
  env.catalog = &cat();
  const Tool tool = costs_tool();
  auto no_format = tool.call(json::object{{"input", "x.json"}}, env);
  ASSERT_FALSE(no_format);
  EXPECT_EQ(no_format.error().message.rfind("input_format: required with input", 0), 0u)
      << no_format.error().message;
  auto both =
      tool.call(json::object{{"db", "a.db"}, {"input", "b.json"}, {"input_format", "csv"}}, env);
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().message.rfind("db, input:", 0), 0u) << both.error().message;
  auto by = tool.call(json::object{{"input", data("tests/data/costs/litellm_spend_logs.json")},
                                   {"input_format", "litellm"},
                                   {"by", json::array{"modle"}}},
                      env);
  ASSERT_FALSE(by);
  EXPECT_EQ(by.error().message.rfind("by: ", 0), 0u) << by.error().message;
  auto confined = ToolEnv{&cat(), FileAccess::confined(data("tests/data/agent"), std::nullopt)};
  auto outside = tool.call(
      json::object{{"input", "../costs/litellm_spend_logs.json"}, {"input_format", "litellm"}},
      confined);
  ASSERT_FALSE(outside);
  EXPECT_NE(outside.error().message.find("outside the folder this server may read"),
            std::string::npos)
      << outside.error().message;
}

TEST(CostsTool, CancelledCallReturnsTheCancellation) {
  Control control;
  control.cancel = true;
  ToolEnv env;
  env.catalog = &cat();
  env.control = &control;
  auto out =
      costs_tool().call(json::object{{"input", data("tests/data/costs/litellm_spend_logs.json")},
                                     {"input_format", "litellm"}},
                        env);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message, kCancelledMessage);
}

TEST(MonitorTool, NowComesFromTheCallsClock) {
  FakeClock clock(kNow);
  ToolEnv env;
  env.catalog = &cat();
  env.clock = &clock;
  auto out = monitor_tool().call(
      json::object{{"metrics_files", json::array{data("tests/data/agent/vllm_metrics.prom")}}},
      env);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->at("summary").at("now_s").to_number<double>(), kNow);
  EXPECT_EQ(out->at("summary").at("window_s").to_number<double>(), 300);
  EXPECT_EQ(clock.slept(), 0);  // a file is one moment: nothing to wait for
}

// A scrape target that refuses connections: the call still spends its (short, default) window
// between scrapes — on the injected clock, so the test does not wait — and reports progress.
TEST(MonitorTool, ScrapesWaitOnTheInjectedClockWithProgress) {
  FakeClock clock(kNow);
  Control control;
  ToolEnv env;
  env.catalog = &cat();
  env.clock = &clock;
  env.control = &control;
  auto out = monitor_tool().call(
      json::object{{"scrapes", json::array{"http://127.0.0.1:9/metrics"}}, {"timeout", "1s"}}, env);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->at("summary").at("window_s").to_number<double>(), 10);
  EXPECT_GT(clock.slept(), 5);
  EXPECT_LE(clock.slept(), 10.5);
  EXPECT_GT(control.progress_calls, 0);
}

TEST(MonitorTool, CancelledCallStopsWaiting) {
  FakeClock clock(kNow);
  Control control;
  control.cancel = true;
  ToolEnv env;
  env.catalog = &cat();
  env.clock = &clock;
  env.control = &control;
  auto out =
      monitor_tool().call(json::object{{"scrapes", json::array{"http://127.0.0.1:9/metrics"}},
                                       {"window", "1h"},
                                       {"timeout", "1s"}},
                          env);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message, kCancelledMessage);
  EXPECT_EQ(clock.slept(), 0);
}

TEST(MonitorTool, NothingToReadAndBadDurationsAreArgumentErrors) {
  ToolEnv env;
  env.catalog = &cat();
  auto none = monitor_tool().call(json::object{}, env);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message.rfind("nothing to read", 0), 0u);
  auto bad = monitor_tool().call(
      json::object{{"metrics_files", json::array{data("tests/data/agent/vllm_metrics.prom")}},
                   {"window", "five minutes"}},
      env);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.rfind("window: ", 0), 0u) << bad.error().message;
  auto missing =
      monitor_tool().call(json::object{{"metrics_files", json::array{"nope.prom"}}}, env);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "metrics_files: nope.prom: no such file");
}

}  // namespace
}  // namespace llmctl::agent
