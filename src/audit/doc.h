// A small document tree with positions, built from YAML (through yaml-cpp) or JSON (our own
// parser), so every config rule reads one shape and can point at a line and column.
// Internal to llmctl_audit.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace llmctl::audit::detail {

struct Pos {
  int line = 0;  // 1-based; 0 when unknown
  int col = 0;
};

struct Node {
  enum class Kind : unsigned char { kNull, kScalar, kMap, kSeq };
  Kind kind = Kind::kNull;
  bool quoted = false;  // scalar written in quotes
  Pos pos;
  std::string scalar;
  std::vector<std::pair<Node, Node>> map;  // key, value (keys are scalars)
  std::vector<Node> seq;

  bool is_map() const { return kind == Kind::kMap; }
  bool is_seq() const { return kind == Kind::kSeq; }
  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_null() const { return kind == Kind::kNull; }

  // Map lookup; nullptr when this is not a map or the key is absent.
  const Node* get(std::string_view key) const;
  // Dotted path lookup through maps: "spec.template.spec".
  const Node* at(std::string_view dotted) const;
  // Position of a key inside this map (the key itself), or this node's position.
  Pos key_pos(std::string_view key) const;
  // Scalar text, or `fallback` when not a scalar.
  std::string str(std::string_view fallback = "") const;
  std::optional<long long> integer() const;
  // A value that is written but is not an integer (`${REPLICAS}`, a template expression); an
  // empty, null or ~ scalar is unset, not this.
  bool non_integer() const;
  std::optional<double> number() const;
  std::optional<bool> boolean() const;
};

// The null node returned for absent paths, so callers can chain without checks.
const Node& null_node();
inline const Node& deref(const Node* n) { return n ? *n : null_node(); }

// Every document of a YAML stream. A fast parser for the subset configs use (block and flow
// collections, plain/quoted/block scalars, comments, `---`) handles most files; anything else
// (anchors, tags, complex keys, tabs, odd indentation) goes to yaml-cpp, whose errors carry its
// message and position. YAML 1.1 merge keys (`<<: *base`, `<<: [*a, *b]`) are applied here, for
// every reader of the audit: a map's own keys win over merged ones, an earlier source over a
// later one, and merged values keep the positions of the lines that wrote them.
Result<std::vector<Node>> parse_yaml(std::string_view text);
// The two halves, for tests that check they agree: nullopt from the fast one means "not in my
// subset", never "invalid".
std::optional<std::vector<Node>> parse_yaml_fast(std::string_view text);
Result<std::vector<Node>> parse_yaml_cpp(std::string_view text);
// A JSON document. Errors name line:column.
Result<Node> parse_json(std::string_view text);

}  // namespace llmctl::audit::detail
