#include "yaml/merge.h"

#include <fmt/format.h>

#include <vector>

#include "yaml/fields.h"

namespace llmctl::yaml {
namespace {

constexpr int kMaxDepth = 200;  // deeper than any real document; stops a cyclic alias

class Merger {
 public:
  explicit Merger(const std::string& file) : file_(file) {}

  void visit(YAML::Node node, int depth) {
    if (depth > kMaxDepth)
      throw FieldError{fmt::format("{}: YAML nested more than {} levels deep (a cyclic alias?)",
                                   position(file_, node.Mark()), kMaxDepth)};
    if (node.IsSequence()) {
      for (YAML::Node item : node) visit(item, depth + 1);
      return;
    }
    if (!node.IsMap()) return;
    // A mapping reached again through an alias is visited again: after the first visit it holds
    // no "<<", so the second changes nothing.
    for (auto kv : node) visit(kv.second, depth + 1);
    if (YAML::Node merge = node["<<"]; merge.IsDefined()) merge_into(node, merge, depth);
  }

 private:
  void merge_into(YAML::Node target, const YAML::Node& merge, int depth) {
    std::vector<YAML::Node> sources;
    if (merge.IsMap()) {
      sources.push_back(merge);
    } else if (merge.IsSequence()) {
      for (const YAML::Node& item : merge) {
        if (!item.IsMap())
          throw FieldError{fmt::format(
              "{}: <<: expected a mapping (a merge key takes *anchor or [*a, *b]), found {}",
              position(file_, item.Mark()), describe(item))};
        sources.push_back(item);
      }
    } else {
      throw FieldError{fmt::format(
          "{}: <<: expected a mapping or a list of mappings (*anchor or [*a, *b]), found {}",
          position(file_, merge.Mark()), describe(merge))};
    }
    for (YAML::Node& source : sources) visit(source, depth + 1);
    // Keys the mapping sets itself win; among the sources, the first to set a key wins.
    std::vector<std::pair<YAML::Node, YAML::Node>> added;
    for (const YAML::Node& source : sources)
      for (const auto& kv : source) {
        const std::string& key = kv.first.Scalar();
        if (key == "<<" || has_key(target, key)) continue;
        bool taken = false;
        for (const auto& [k, v] : added) taken = taken || k.Scalar() == key;
        if (!taken) added.emplace_back(kv.first, kv.second);
      }
    target.remove("<<");
    // force_insert keeps the key node itself, and with it the mark messages point at.
    for (auto& [k, v] : added) target.force_insert(k, v);
  }

  static bool has_key(const YAML::Node& map, const std::string& key) {
    for (const auto& kv : map)
      if (kv.first.IsScalar() && kv.first.Scalar() == key) return true;
    return false;
  }

  const std::string& file_;
};

}  // namespace

void apply_merge_keys(const std::string& file, YAML::Node& root) { Merger(file).visit(root, 0); }

}  // namespace llmctl::yaml
