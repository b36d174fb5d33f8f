#include "yaml/fields.h"

#include <gtest/gtest.h>

namespace llmctl::yaml {
namespace {

std::string error_of(const std::string& text, void (*read)(Fields&)) {
  try {
    Fields f("f.yaml", parse("f.yaml", text), "");
    read(f);
    f.finish();
  } catch (const FieldError& e) {
    return e.message;
  }
  return "";
}

TEST(YamlFields, UnknownKeySuggestsTheClosestKnownOne) {
  std::string e = error_of("name: a\nreplcas: 2\n", [](Fields& f) {
    f.str("name");
    f.integer("replicas", 1, 1);
  });
  EXPECT_EQ(e,
            "f.yaml:2:1: replcas: unknown field; did you mean 'replicas'? expected one of: name, "
            "replicas");
}

TEST(YamlFields, MissingRequiredKeyPointsAtItsNearMiss) {
  std::string e = error_of("modle: x\n", [](Fields& f) { f.str("model", "", true); });
  EXPECT_EQ(e, "f.yaml:1:1: modle: unknown field; did you mean 'model'?");
  e = error_of("other: x\n", [](Fields& f) { f.str("model", "", true); });
  EXPECT_EQ(e, "f.yaml:1:1: model: is required but missing");
}

TEST(YamlFields, NestedPathsAndRanges) {
  std::string e = error_of("groups:\n  - name: a\n    weight: -1\n", [](Fields& f) {
    for (Fields& g : f.map_list("groups")) {
      g.str("name");
      g.num("weight", 1, 0);
      g.finish();
    }
  });
  EXPECT_EQ(e, "f.yaml:3:13: groups[0].weight: must be at least 0, found -1");
}

TEST(YamlFields, OneOfNamesTheChoices) {
  std::string e = error_of("engine: vlm\n", [](Fields& f) {
    f.one_of("engine", {"vllm", "sglang"}, "vllm");
  });
  EXPECT_EQ(e,
            "f.yaml:1:9: engine: expected one of vllm, sglang, found \"vlm\"; did you mean "
            "'vllm'?");
}

TEST(YamlFields, DuplicateKeysAndBadYaml) {
  EXPECT_EQ(error_of("a: 1\na: 2\n", [](Fields& f) { f.integer("a", 0, 0); }),
            "f.yaml:2:1: a: appears twice");
  EXPECT_NE(error_of("a: [1,\n", [](Fields&) {}).find("f.yaml:"), std::string::npos);
}

TEST(YamlFields, TypedReadsReturnValuesAndDefaults) {
  Fields f("f.yaml", parse("f.yaml", "n: 3\nb: true\nl: [x, y]\n"), "");
  EXPECT_EQ(f.integer("n", 0, 0), 3);
  EXPECT_TRUE(f.boolean("b", false));
  EXPECT_EQ(f.str_list("l"), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(f.num("absent", 2.5, 0), 2.5);
  EXPECT_FALSE(f.opt_str("none").has_value());
  f.finish();
}

}  // namespace
}  // namespace llmctl::yaml
