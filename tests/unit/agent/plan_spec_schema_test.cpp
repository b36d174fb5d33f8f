// The plan spec's JSON Schema and its parsers must name the same fields at every level: an
// unknown field makes each parser list the fields it accepts ("expected one of: ..."), which must
// equal the schema's properties there. A field added to one and not the other fails here.
#include "agent/tools/plan_spec_schema.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <regex>
#include <set>

#include "agent/tools/spec_input.h"
#include "common/strings.h"
#include "deploy/settings.h"
#include "plan/spec.h"

namespace llmctl::agent {
namespace {

namespace json = boost::json;

std::set<std::string> schema_fields(const std::vector<std::string>& path) {
  const json::object* o = &plan_spec_schema();
  for (const auto& p : path) o = &o->at("properties").at(p).as_object();
  std::set<std::string> out;
  for (const auto& kv : o->at("properties").as_object()) out.insert(std::string(kv.key()));
  return out;
}

std::set<std::string> listed(const std::string& message) {
  std::smatch m;
  static const std::regex re(R"(expected one of: ([a-z0-9_, ]+))");
  std::set<std::string> out;
  if (!std::regex_search(message, m, re)) return out;
  for (auto& f : split(m[1].str(), ',')) out.insert(trim(f));
  return out;
}

json::object minimal() {
  return json::object{
      {"model", "llama-3.1-8b"},
      {"traffic", json::object{{"peak_qps", 1}, {"input_tokens", 100}, {"output_tokens", 10}}},
      {"slo", json::object{{"availability", 0.99}}},
      {"budget", json::object{{"monthly_usd", 100}}},
      {"constraints", json::object{{"api", true}}},
      {"deploy", json::object{{"gateway", json::object{{"replicas", 2}}},
                              {"autoscaling", json::object{{"scale_to_zero", false}}},
                              {"eval", json::object{{"threshold", 0}}}}}};
}

TEST(PlanSpecSchemaTest, EveryLevelNamesTheSameFieldsAsTheParsers) {
  const std::vector<std::vector<std::string>> levels = {{},
                                                        {"traffic"},
                                                        {"slo"},
                                                        {"budget"},
                                                        {"constraints"},
                                                        {"deploy"},
                                                        {"deploy", "gateway"},
                                                        {"deploy", "autoscaling"},
                                                        {"deploy", "eval"}};
  for (const auto& level : levels) {
    SCOPED_TRACE(join(level, "."));
    json::object spec = minimal();
    json::object* o = &spec;
    for (const auto& p : level) o = &(*o)[p].as_object();
    (*o)["zz_unknown"] = 1;
    const std::string text = yaml_from_json(spec);
    std::string message;
    if (!level.empty() && level[0] == "deploy") {
      auto s = deploy::parse_deploy_section(text, "spec");
      ASSERT_FALSE(s);
      message = s.error().message;
    } else {
      auto s = plan::parse_spec(deploy::hide_deploy_section(text), "spec");
      ASSERT_FALSE(s);
      message = s.error().message;
    }
    std::set<std::string> expected = schema_fields(level);
    if (level.empty()) expected.erase("deploy");  // deploy's own reader takes that section
    EXPECT_EQ(listed(message), expected) << message;
  }
}

TEST(PlanSpecSchemaTest, AValidSpecParsesAndIsSelfContained) {
  auto spec = plan::parse_spec(deploy::hide_deploy_section(yaml_from_json(minimal())), "spec");
  ASSERT_TRUE(spec) << spec.error().message;
  const std::string text = json::serialize(plan_spec_schema());
  EXPECT_EQ(text.find("$ref"), std::string::npos);
  EXPECT_EQ(plan_spec_schema_document().at("$schema"), "http://json-schema.org/draft-07/schema#");
}

}  // namespace
}  // namespace llmctl::agent
