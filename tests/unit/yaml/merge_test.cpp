// YAML merge keys (yaml/merge.h), applied by yaml::parse for every llmctl file format.
#include "yaml/merge.h"

#include <gtest/gtest.h>

#include "yaml/fields.h"

namespace llmctl::yaml {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse("f.yaml", text);
  } catch (const FieldError& e) {
    return e.message;
  }
  return "";
}

TEST(YamlMerge, AnchorMergedAndExplicitKeysWin) {
  const YAML::Node root = parse("f.yaml",
                                "base: &b {provider: openai, timeout_s: 30, model: m0}\n"
                                "one:\n  <<: *b\n  model: m1\n");
  const YAML::Node one = root["one"];
  EXPECT_EQ(one["provider"].as<std::string>(), "openai");
  EXPECT_EQ(one["timeout_s"].as<int>(), 30);
  EXPECT_EQ(one["model"].as<std::string>(), "m1") << "the mapping's own key wins";
  EXPECT_FALSE(one["<<"].IsDefined());
  EXPECT_EQ(one.size(), 3U);
  EXPECT_EQ(root["base"]["model"].as<std::string>(), "m0") << "the anchor is left as it was";
}

TEST(YamlMerge, ListOfAnchorsEarlierWins) {
  const YAML::Node root = parse("f.yaml",
                                "a: &a {x: 1, y: 1}\n"
                                "b: &b {y: 2, z: 2}\n"
                                "c: {<<: [*a, *b], w: 0}\n");
  const YAML::Node c = root["c"];
  EXPECT_EQ(c["x"].as<int>(), 1);
  EXPECT_EQ(c["y"].as<int>(), 1) << "the first mapping of the list wins";
  EXPECT_EQ(c["z"].as<int>(), 2);
  EXPECT_EQ(c["w"].as<int>(), 0);
  EXPECT_EQ(c.size(), 4U);
}

TEST(YamlMerge, NestedMergesAndMergesInLists) {
  const YAML::Node root = parse("f.yaml",
                                "base: &base {gpus: 1}\n"
                                "gpu: &gpu {<<: *base, shm: true}\n"
                                "services:\n"
                                "  - {name: a, <<: *gpu}\n"
                                "  - name: b\n"
                                "    <<: *gpu\n"
                                "    gpus: 2\n");
  const YAML::Node s = root["services"];
  EXPECT_EQ(s[0]["gpus"].as<int>(), 1) << "merged through the nested merge";
  EXPECT_TRUE(s[0]["shm"].as<bool>());
  EXPECT_EQ(s[1]["gpus"].as<int>(), 2);
  EXPECT_TRUE(s[1]["shm"].as<bool>());
  EXPECT_FALSE(root["gpu"]["<<"].IsDefined());
}

TEST(YamlMerge, MergedKeysKeepTheAnchorsMarks) {
  const YAML::Node root = parse("f.yaml",
                                "base: &b\n"
                                "  timeout_s: 30\n"
                                "one:\n"
                                "  <<: *b\n"
                                "  model: m1\n");
  // A message about the merged value points at the line that wrote it.
  EXPECT_EQ(root["one"]["timeout_s"].Mark().line, 1);
  for (const auto& kv : root["one"]) {
    if (kv.first.Scalar() == "timeout_s") {
      EXPECT_EQ(kv.first.Mark().line, 1);
    }
  }
}

TEST(YamlMerge, MergeOfSomethingElseIsAnError) {
  EXPECT_EQ(error_of("a:\n  <<: 3\n"),
            "f.yaml:2:7: <<: expected a mapping or a list of mappings (*anchor or [*a, *b]), "
            "found \"3\"");
  EXPECT_EQ(error_of("x: &x [1]\na:\n  <<: [*x]\n"),
            "f.yaml:1:4: <<: expected a mapping (a merge key takes *anchor or [*a, *b]), found a "
            "list");
}

TEST(YamlMerge, TextWithoutMergeKeysIsUntouched) {
  const YAML::Node root = parse("f.yaml", "a: {b: \"<<\"}\nc: 1\n");
  EXPECT_EQ(root["a"]["b"].as<std::string>(), "<<");
}

// Through a real reader: a Fields map sees merged keys as its own, and an unknown merged key is
// reported at the anchor's line.
TEST(YamlMerge, FieldsReadMergedKeys) {
  const YAML::Node root = parse("f.yaml",
                                "d: &d {replicas: 2, bogus: 1}\n"
                                "pool:\n"
                                "  <<: *d\n"
                                "  name: p\n");
  Fields f("f.yaml", root["pool"], "pool");
  EXPECT_EQ(f.str("name"), "p");
  EXPECT_EQ(f.integer("replicas", 1, 1), 2);
  try {
    f.finish();
    ADD_FAILURE() << "an unknown merged key is reported";
  } catch (const FieldError& e) {
    EXPECT_EQ(e.message.rfind("f.yaml:1:21: pool.bogus: unknown field", 0), 0U) << e.message;
  }
}

// A top-level x- key holds the anchors (as in Compose files) and is no unknown field; below the
// top level an x- key is still a typo to report.
TEST(YamlMerge, TopLevelExtensionFieldsHoldAnchors) {
  const YAML::Node root = parse("f.yaml",
                                "x-defaults: &d {replicas: 2}\n"
                                "pool: {<<: *d, name: p}\n");
  Fields top("f.yaml", root, "");
  auto pool = top.map("pool");
  ASSERT_TRUE(pool);
  EXPECT_EQ(pool->integer("replicas", 1, 1), 2);
  pool->str("name");
  pool->finish();
  EXPECT_NO_THROW(top.finish());
  const YAML::Node nested = parse("f.yaml", "pool: {x-extra: 1}\n");
  Fields t2("f.yaml", nested, "");
  auto p2 = t2.map("pool");
  ASSERT_TRUE(p2);
  EXPECT_THROW(p2->finish(), FieldError);
}

}  // namespace
}  // namespace llmctl::yaml
