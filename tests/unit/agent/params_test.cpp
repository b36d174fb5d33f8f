// Tool arguments: one declaration gives the input schema and the checks, with errors that name
// the argument and what was expected.
#include "agent/tools/params.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "agent/tools/tool.h"

namespace llmctl::agent {
namespace {

namespace json = boost::json;

const std::vector<Param>& params() {
  static const std::vector<Param> p = {
      Param::string("model", "Model id").required(),
      Param::integer("gpus", "Total GPUs").required().min(1),
      Param::number("qps", "Requests per second").min(0, true),
      Param::string("engine", "Engine").one_of({"vllm", "sglang"}).fallback("vllm"),
      Param::boolean("dry_run", "Write nothing").fallback(true),
      Param::strings("paths", "Paths"),
  };
  return p;
}

TEST(ParamsTest, FillsDefaultsAndKeepsValues) {
  auto a = check_args(params(), json::object{{"model", "m"}, {"gpus", 2}});
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(arg_string(*a, "engine"), "vllm");
  EXPECT_TRUE(arg_bool(*a, "dry_run", false));
  EXPECT_EQ(arg_integer(*a, "gpus"), 2);
  EXPECT_FALSE(arg_number(*a, "qps"));
}

TEST(ParamsTest, ErrorsNameTheArgumentAndWhatWasExpected) {
  auto missing = check_args(params(), json::object{{"gpus", 1}});
  EXPECT_EQ(missing.error().message, "model: is required: Model id");
  // Every missing argument in one error, so a user fixes them in one go.
  auto both = check_args(params(), json::object{});
  EXPECT_EQ(both.error().message, "model: is required: Model id; also missing: gpus");
  auto type = check_args(params(), json::object{{"model", "m"}, {"gpus", "two"}});
  EXPECT_EQ(type.error().message, "gpus: expected an integer >= 1, found \"two\"");
  auto fraction = check_args(params(), json::object{{"model", "m"}, {"gpus", 1.5}});
  EXPECT_EQ(fraction.error().message, "gpus: expected an integer >= 1, found 1.5");
  auto range = check_args(params(), json::object{{"model", "m"}, {"gpus", 1}, {"qps", 0}});
  EXPECT_EQ(range.error().message, "qps: expected a number > 0, found 0");
  auto choice = check_args(params(), json::object{{"model", "m"}, {"gpus", 1}, {"engine", "vlm"}});
  EXPECT_EQ(choice.error().message,
            "engine: expected one of: vllm, sglang, found \"vlm\" (did you mean 'vllm'?)");
  auto unknown = check_args(params(), json::object{{"model", "m"}, {"gpus", 1}, {"gpu", "x"}});
  EXPECT_EQ(unknown.error().message,
            "gpu: unknown argument (did you mean 'gpus'?); expected one of: model, gpus, qps, "
            "engine, dry_run, paths");
  auto list = check_args(params(), json::object{{"model", "m"}, {"gpus", 1}, {"paths", "a"}});
  EXPECT_EQ(list.error().message, "paths: expected a list of strings, found \"a\"");
}

TEST(ParamsTest, SchemaListsRequiredAndForbidsOthers) {
  json::object s = input_schema(params());
  EXPECT_EQ(s.at("type"), "object");
  EXPECT_EQ(s.at("additionalProperties"), false);
  EXPECT_EQ(json::serialize(s.at("required")), R"(["model","gpus"])");
  const json::object& props = s.at("properties").as_object();
  EXPECT_EQ(props.at("gpus").at("type"), "integer");
  EXPECT_EQ(props.at("gpus").at("minimum"), 1.0);
  EXPECT_EQ(props.at("qps").at("exclusiveMinimum"), 0.0);
  EXPECT_EQ(json::serialize(props.at("engine").at("enum")), R"(["vllm","sglang"])");
  EXPECT_EQ(props.at("dry_run").at("default"), true);
}

TEST(ParamsTest, EveryBuiltinToolHasSchemasAndUniqueArguments) {
  for (const Tool& t : builtin_tools().tools()) {
    SCOPED_TRACE(t.name);
    EXPECT_FALSE(t.description.empty());
    EXPECT_EQ(t.output_schema.at("type"), "object");
    std::set<std::string> names;
    for (const auto& p : t.params) EXPECT_TRUE(names.insert(p.name).second) << p.name;
  }
}

TEST(FileAccessTest, ConfinesReadsAndWrites) {
  auto a = FileAccess::confined("/srv/app", std::optional<std::filesystem::path>("/srv/out"));
  EXPECT_TRUE(a.readable("examples/x.yaml"));
  EXPECT_FALSE(a.readable("../etc/passwd"));
  EXPECT_FALSE(a.readable("/etc/passwd"));
  EXPECT_TRUE(a.writable("bundle/k8s"));
  EXPECT_FALSE(a.writable("../app/file"));
  auto ro = FileAccess::confined("/srv/app", std::nullopt);
  EXPECT_FALSE(ro.can_write());
  EXPECT_NE(ro.writable("x").error().message.find("read-only"), std::string::npos);
}

}  // namespace
}  // namespace llmctl::agent
