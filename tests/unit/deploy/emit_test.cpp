// The YAML emitter: typed values survive (a string that looks like a number stays a string),
// key order is kept, multi-line strings become literal blocks, numbers never use exponents.
#include "deploy/emit.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>

namespace llmctl::deploy {
namespace {

namespace json = boost::json;

TEST(Emit, QuotesStringsThatReadAsOtherTypes) {
  for (const char* s : {"8000", "0.9", "1e3", "on", "Off", "yes", "true", "null", "~", "", "1:30",
                        "0x1F", ".5", "-1", "+2"})
    EXPECT_TRUE(yaml_needs_quotes(s)) << s;
  for (const char* s : {"v0.11.0", "vllm/vllm-openai:v0.11.0", "--max-model-len", "bfloat16",
                        "nvidia.com/gpu", "16Gi", "sum(rate(x_total[5m]))", "http://a:80/v1"})
    EXPECT_FALSE(yaml_needs_quotes(s)) << s;
}

TEST(Emit, KeepsTypesAndOrder) {
  json::object o{{"zeta", "8000"},
                 {"alpha", 8000},
                 {"flag", "true"},
                 {"on", true},
                 {"ratio", 0.9},
                 {"tiny", 1e-9},
                 {"args", json::array{"--tp", "2"}},
                 {"empty", json::object{}},
                 {"none", json::array{}}};
  std::string y = to_yaml(o);
  EXPECT_LT(y.find("zeta"), y.find("alpha"));  // insertion order, not sorted
  EXPECT_NE(y.find("zeta: \"8000\""), std::string::npos) << y;
  EXPECT_NE(y.find("alpha: 8000"), std::string::npos) << y;
  EXPECT_NE(y.find("flag: \"true\""), std::string::npos) << y;
  EXPECT_NE(y.find("\"on\": true"), std::string::npos) << y;
  EXPECT_NE(y.find("- \"2\""), std::string::npos) << y;
  EXPECT_EQ(y.find("e-"), std::string::npos) << y;  // no exponent
  EXPECT_NE(y.find("empty: {}"), std::string::npos) << y;
  EXPECT_NE(y.find("none: []"), std::string::npos) << y;
  YAML::Node n = YAML::Load(y);
  EXPECT_EQ(n["zeta"].as<std::string>(), "8000");
  EXPECT_EQ(n["ratio"].as<double>(), 0.9);
  EXPECT_EQ(n["args"][1].as<std::string>(), "2");
  EXPECT_EQ(to_yaml(o), y);  // deterministic
}

TEST(Emit, MultiLineStringsAreLiteralBlocks) {
  json::object o{{"run", "set -eu\necho \"a: b\"\nexit 0\n"}, {"next", 1}};
  std::string y = to_yaml(o);
  EXPECT_NE(y.find("run: |"), std::string::npos) << y;
  YAML::Node n = YAML::Load(y);
  EXPECT_EQ(n["run"].as<std::string>(), "set -eu\necho \"a: b\"\nexit 0\n");
  EXPECT_EQ(n["next"].as<int>(), 1);
}

TEST(Emit, DocumentsAndNumbers) {
  EXPECT_EQ(to_yaml_documents({json::object{{"a", 1}}, json::object{{"b", 2}}}),
            "a: 1\n---\nb: 2\n");
  EXPECT_EQ(format_number(14.4), "14.4");
  EXPECT_EQ(format_number(2.0), "2");
  EXPECT_EQ(format_number(0.0000001), "0");
  EXPECT_EQ(format_number(0.0144), "0.0144");
  EXPECT_EQ(yaml_comment("one\n\ntwo"), "# one\n#\n# two\n");
  std::string j = to_json_text(json::object{{"x", 1e-9}, {"y", 3.0}});
  EXPECT_EQ(j.find("e-"), std::string::npos) << j;
  EXPECT_NE(j.find("\"y\": 3"), std::string::npos) << j;
}

}  // namespace
}  // namespace llmctl::deploy
