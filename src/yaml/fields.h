// The one YAML field reader behind every llmctl file format (catalog, plan spec, deploy settings,
// gateway config, scenarios, and every new reader). One error format everywhere:
//
//   file:line:col: path.to.field: what was found, what was expected
//
// with a "did you mean 'x'?" hint for unknown keys and for a required key whose near miss is
// present. Readers build a Fields over a map node, take each field with a typed getter, and call
// finish(), which rejects keys no getter asked for (a typo never silently drops a setting) and
// keys that appear twice. YAML merge keys are applied at parse (yaml/merge.h), and a top-level
// key starting with "x-" is an extension field that holds anchors (as in Compose files).
//
// Failures throw FieldError. That is deliberate and limited to load time: a public parse function
// catches it at its border and returns it as an Error value (common/result.h). This header uses
// yaml-cpp, so include it only from .cpp files.
#pragma once

#include <yaml-cpp/yaml.h>

#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace llmctl::yaml {

struct FieldError {
  std::string message;
};

// "file:line:col" (1-based) for a node's mark; the file alone when the mark is unknown.
std::string position(const std::string& file, const YAML::Mark& mark);

// What was found, for "expected X, found Y": "nothing", "\"text\"", "a list" or "a map".
std::string describe(const YAML::Node& n);

// Parses `text` (named `file` in messages) and applies YAML merge keys (yaml/merge.h). Throws
// FieldError "file:line:col: invalid YAML: ...".
YAML::Node parse(const std::string& file, const std::string& text);

class Fields {
 public:
  // `path` names the map in messages, e.g. "models[0].deployments[1]" (empty at top level).
  // Throws unless `node` is a map.
  Fields(std::string file, YAML::Node node, std::string path);

  const std::string& file() const { return file_; }
  const YAML::Node& node() const { return node_; }
  int line() const { return node_.Mark().line + 1; }
  // "path.key" (or "key" at top level).
  std::string path(const std::string& key) const;
  // "path[i]" for the i-th item of list field `key`.
  std::string item_path(const std::string& key, std::size_t i) const;

  [[noreturn]] void fail(const YAML::Node& at, const std::string& key,
                         const std::string& what) const;

  // True when the key is present and not null (does not mark it as read).
  bool has(const std::string& key) const;
  // Marks the key as known; returns it, or an undefined node when absent or null.
  YAML::Node get(const std::string& key, bool required = false);
  // Fails unless the key is present and not null: "is required but missing[: what]", or, when a
  // near-miss key is present, "unknown field; did you mean 'key'?" at that key. Marks it known.
  void require(const std::string& key, std::string_view what = "");

  std::string str(const std::string& key, const std::string& fallback = "", bool required = false);
  std::optional<std::string> opt_str(const std::string& key);
  // One of `allowed` (exact match); otherwise an error listing them, with a "did you mean".
  std::string one_of(const std::string& key, const std::vector<std::string>& allowed,
                     const std::string& fallback, bool required = false);
  double num(const std::string& key, double fallback, double min,
             double max = std::numeric_limits<double>::max());
  std::optional<double> opt_num(const std::string& key, double min,
                                double max = std::numeric_limits<double>::max());
  long long integer(const std::string& key, long long fallback, long long min,
                    long long max = std::numeric_limits<long long>::max());
  // Required forms of num and integer (require() first, then the range check).
  double req_num(const std::string& key, double min,
                 double max = std::numeric_limits<double>::max());
  long long req_integer(const std::string& key, long long min,
                        long long max = std::numeric_limits<long long>::max());
  // A number strictly greater than 0 (and at most `max`); nullopt when absent.
  std::optional<double> opt_positive(const std::string& key,
                                     double max = std::numeric_limits<double>::max());
  bool boolean(const std::string& key, bool fallback);
  std::vector<std::string> str_list(const std::string& key);
  // A nested map, read with its own Fields (path "path.key"); nullopt when absent.
  std::optional<Fields> map(const std::string& key, bool required = false);
  // The items of a list field; each item must be a map. Empty when absent.
  std::vector<Fields> map_list(const std::string& key, bool required = false);

  // Declares keys this reader accepts but reads by hand (node()[key]).
  void accept(std::initializer_list<std::string_view> keys);
  // Declares every key this map may hold and rejects any other now, before a value is read, so a
  // typo is the first error reported and the message lists every accepted key (finish() lists
  // the keys asked for so far).
  void only(std::initializer_list<std::string_view> keys);

  // Rejects keys no getter asked for (with "did you mean") and keys that appear twice.
  void finish() const;

 private:
  std::string file_;
  YAML::Node node_;
  std::string path_;
  std::set<std::string, std::less<>> seen_;
};

}  // namespace llmctl::yaml
