// Private to src/gateway: typed reads of a YAML map for config and scenario files. Every failure
// throws FieldError with "file:line:col: path.field: what was found, what was expected"; the
// public parse functions catch it at their border and return it as an Error. Unknown keys are
// errors (finish()), so a typo never silently drops a setting.
#pragma once

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/yaml_text.h"

namespace llmctl::gateway::yaml {

struct FieldError {
  std::string message;
};

// The shared spelling of places and found values (common/yaml_text.h).
using llmctl::yaml_describe;
using llmctl::yaml_position;

class Fields {
 public:
  // `path` names the map in messages, e.g. "models[0].deployments[1]" (empty at top level).
  Fields(const std::string& file, const YAML::Node& node, std::string path)
      : file_(file), node_(node), path_(std::move(path)) {
    if (!node.IsMap()) fail(node, "", fmt::format("expected a map, found {}", yaml_describe(node)));
  }

  const std::string& file() const { return file_; }
  const YAML::Node& node() const { return node_; }
  int line() const { return node_.Mark().line + 1; }
  std::string path(const std::string& key) const {
    return path_.empty() ? key : fmt::format("{}.{}", path_, key);
  }

  [[noreturn]] void fail(const YAML::Node& at, const std::string& key,
                         const std::string& what) const {
    const YAML::Mark mark = at.IsDefined() ? at.Mark() : node_.Mark();
    std::string field = key.empty() ? path_ : path(key);
    throw FieldError{fmt::format("{}: {}{}{}", yaml_position(file_, mark), field,
                                 field.empty() ? "" : ": ", what)};
  }

  bool has(const std::string& key) const {
    YAML::Node n = node_[key];
    return n.IsDefined() && !n.IsNull();
  }

  YAML::Node get(const std::string& key, bool required = false) {
    seen_.insert(key);
    YAML::Node n = node_[key];
    if (!n.IsDefined() || n.IsNull()) {
      if (required) fail(node_, key, "is required but missing");
      return YAML::Node(YAML::NodeType::Undefined);
    }
    return n;
  }

  std::string str(const std::string& key, const std::string& fallback = "", bool required = false) {
    YAML::Node n = get(key, required);
    if (!n.IsDefined()) return fallback;
    if (!n.IsScalar()) fail(n, key, fmt::format("expected a string, found {}", yaml_describe(n)));
    return n.Scalar();
  }

  double num(const std::string& key, double fallback, double min,
             double max = std::numeric_limits<double>::max()) {
    YAML::Node n = get(key);
    if (!n.IsDefined()) return fallback;
    double v = 0;
    if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || !std::isfinite(v))
      fail(n, key, fmt::format("expected a number, found {}", yaml_describe(n)));
    if (v < min || v > max)
      fail(n, key,
           max == std::numeric_limits<double>::max()
               ? fmt::format("must be at least {}, found {}", min, n.Scalar())
               : fmt::format("must be between {} and {}, found {}", min, max, n.Scalar()));
    return v;
  }

  long long integer(const std::string& key, long long fallback, long long min,
                    long long max = std::numeric_limits<long long>::max()) {
    YAML::Node n = get(key);
    if (!n.IsDefined()) return fallback;
    long long v = 0;
    if (!n.IsScalar() || !YAML::convert<long long>::decode(n, v))
      fail(n, key, fmt::format("expected an integer, found {}", yaml_describe(n)));
    if (v < min || v > max)
      fail(n, key,
           max == std::numeric_limits<long long>::max()
               ? fmt::format("must be at least {}, found {}", min, v)
               : fmt::format("must be between {} and {}, found {}", min, max, v));
    return v;
  }

  bool boolean(const std::string& key, bool fallback) {
    YAML::Node n = get(key);
    if (!n.IsDefined()) return fallback;
    bool v = false;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v))
      fail(n, key, fmt::format("expected true or false, found {}", yaml_describe(n)));
    return v;
  }

  std::vector<std::string> str_list(const std::string& key) {
    YAML::Node n = get(key);
    std::vector<std::string> out;
    if (!n.IsDefined()) return out;
    if (!n.IsSequence())
      fail(n, key, fmt::format("expected a list of strings, found {}", yaml_describe(n)));
    for (const auto& item : n) {
      if (!item.IsScalar())
        fail(item, key, fmt::format("expected a string, found {}", yaml_describe(item)));
      out.push_back(item.Scalar());
    }
    return out;
  }

  // Rejects keys no getter asked for.
  void finish() const {
    for (const auto& kv : node_) {
      const std::string& key = kv.first.Scalar();
      if (!seen_.count(key)) {
        std::vector<std::string> known(seen_.begin(), seen_.end());
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        throw FieldError{fmt::format("{}: {}: unknown field (known fields here: {})",
                                     yaml_position(file_, kv.first.Mark()), path(key), list)};
      }
    }
  }

 private:
  std::string file_;
  YAML::Node node_;
  std::string path_;
  std::set<std::string> seen_;
};

}  // namespace llmctl::gateway::yaml

namespace llmctl::gateway {
struct MockOptions;
namespace yaml {
// Reads the MockOptions fields of a scenario map (also the gateway config's `simulator:` block,
// where `network_fields` is false: host and port are chosen by the gateway).
void read_mock_fields(Fields& f, MockOptions& o, bool network_fields);
}  // namespace yaml
}  // namespace llmctl::gateway
