// The simulate tool: arguments checked as the CLI's flags are, the same run for the same seed,
// progress as requests complete, cancellation stops the simulation, files only through the call's
// FileAccess.
#include "agent/tools/simulate_tool.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

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

class Control final : public CallControl {
 public:
  int cancel_after = -1;  // progress reports before cancelled() turns true; -1: never
  int progress_calls = 0;
  double last_done = -1;
  bool cancelled() const override { return cancel_after >= 0 && progress_calls >= cancel_after; }
  void progress(double done, std::optional<double> total, const std::string&) override {
    ++progress_calls;
    EXPECT_GE(done, last_done);
    EXPECT_EQ(total, 100);
    last_done = done;
  }
};

json::object small_fleet() {
  return json::object{{"model", "llama-3.1-8b"}, {"gpu", "l4"},      {"engine", "vllm"},
                      {"replicas", 2},           {"qps", 4},         {"input_tokens", 800},
                      {"output_tokens", 200},    {"requests", 2000}, {"seed", 3}};
}

Result<json::value> call(const json::object& args, const ToolEnv& env) {
  return simulate_tool().call(args, env);
}

TEST(SimulateTool, SameSeedSameAnswerAndProgressToTheEnd) {
  Control control;
  ToolEnv env;
  env.catalog = &cat();
  env.control = &control;
  auto a = call(small_fleet(), env);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_GT(control.progress_calls, 10);
  EXPECT_DOUBLE_EQ(control.last_done, 100);
  ToolEnv quiet;
  quiet.catalog = &cat();
  auto b = call(small_fleet(), quiet);
  ASSERT_TRUE(b);
  EXPECT_EQ(json::serialize(*a), json::serialize(*b));
  EXPECT_EQ(a->at("completed").as_int64(), 2000);
}

TEST(SimulateTool, CancelledCallStopsTheSimulation) {
  Control control;
  control.cancel_after = 3;
  ToolEnv env;
  env.catalog = &cat();
  env.control = &control;
  auto r = call(small_fleet(), env);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, kCancelledMessage);
  EXPECT_LT(control.progress_calls, 10);
}

TEST(SimulateTool, ArgumentErrorsNameTheArgument) {
  ToolEnv env;
  env.catalog = &cat();
  json::object a = small_fleet();
  a["gpu"] = "h1000";
  auto r = call(a, env);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.rfind("gpu: unknown GPU 'h1000'", 0), 0u) << r.error().message;
  a = small_fleet();
  a["concurrency"] = 8;
  r = call(a, env);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.rfind("qps: choose one load", 0), 0u) << r.error().message;
  a = small_fleet();
  a.erase("engine");
  r = call(a, env);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "engine: is required (or give a scenario file)");
  a.erase("gpu");
  r = call(a, env);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "gpu: is required (or give a scenario file); also missing: engine");
}

TEST(SimulateTool, ScenarioAndTraceOnlyThroughTheCallsFileAccess) {
  ToolEnv env;
  env.catalog = &cat();
  env.files = FileAccess::confined(LLMCTL_SOURCE_DIR "/tests", std::nullopt);
  auto r = call(json::object{{"scenario", "../examples/simulate/hetero-autoscale.yaml"}}, env);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.rfind("scenario: ", 0), 0u) << r.error().message;
  env.files = FileAccess::confined(LLMCTL_SOURCE_DIR, std::nullopt);
  r = call(json::object{{"scenario", "examples/simulate/hetero-autoscale.yaml"}}, env);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_GT(r->at("completed").as_int64(), 0);
}

}  // namespace
}  // namespace llmctl::agent
