#include "yaml/fields.h"

#include <fmt/format.h>

#include <cmath>

#include "common/strings.h"
#include "yaml/merge.h"

namespace llmctl::yaml {

std::string position(const std::string& file, const YAML::Mark& mark) {
  if (mark.line < 0) return file;
  return fmt::format("{}:{}:{}", file, mark.line + 1, mark.column + 1);
}

std::string describe(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsScalar()) return fmt::format("\"{}\"", n.Scalar());
  if (n.IsSequence()) return "a list";
  return "a map";
}

YAML::Node parse(const std::string& file, const std::string& text) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw FieldError{fmt::format("{}: invalid YAML: {}", position(file, e.mark), e.msg)};
  }
  if (text.find("<<") != std::string::npos) apply_merge_keys(file, root);
  return root;
}

Fields::Fields(std::string file, YAML::Node node, std::string path)
    : file_(std::move(file)), node_(std::move(node)), path_(std::move(path)) {
  if (!node_.IsMap()) fail(node_, "", fmt::format("expected a map, found {}", describe(node_)));
}

std::string Fields::path(const std::string& key) const {
  return path_.empty() ? key : fmt::format("{}.{}", path_, key);
}

std::string Fields::item_path(const std::string& key, std::size_t i) const {
  return fmt::format("{}[{}]", path(key), i);
}

void Fields::fail(const YAML::Node& at, const std::string& key, const std::string& what) const {
  const YAML::Mark mark = at.IsDefined() ? at.Mark() : node_.Mark();
  std::string field = key.empty() ? path_ : path(key);
  throw FieldError{
      fmt::format("{}: {}{}{}", position(file_, mark), field, field.empty() ? "" : ": ", what)};
}

bool Fields::has(const std::string& key) const {
  YAML::Node n = node_[key];
  return n.IsDefined() && !n.IsNull();
}

YAML::Node Fields::get(const std::string& key, bool required) {
  if (required) require(key);
  seen_.insert(key);
  YAML::Node n = node_[key];
  if (!n.IsDefined() || n.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
  return n;
}

void Fields::require(const std::string& key, std::string_view what) {
  seen_.insert(key);
  if (has(key)) return;
  // A near-miss key is almost always a typo of the missing one: point at it.
  for (const auto& kv : node_) {
    const std::string& other = kv.first.Scalar();
    if (other != key && !closest(other, {key}).empty())
      fail(kv.first, other, fmt::format("unknown field; did you mean '{}'?", key));
  }
  fail(node_, key,
       what.empty() ? std::string("is required but missing")
                    : fmt::format("is required but missing: {}", what));
}

std::string Fields::str(const std::string& key, const std::string& fallback, bool required) {
  YAML::Node n = get(key, required);
  if (!n.IsDefined()) return fallback;
  if (!n.IsScalar()) fail(n, key, fmt::format("expected a string, found {}", describe(n)));
  return n.Scalar();
}

std::optional<std::string> Fields::opt_str(const std::string& key) {
  if (!has(key)) {
    seen_.insert(key);
    return std::nullopt;
  }
  return str(key);
}

std::string Fields::one_of(const std::string& key, const std::vector<std::string>& allowed,
                           const std::string& fallback, bool required) {
  YAML::Node n = get(key, required);
  if (!n.IsDefined()) return fallback;
  if (!n.IsScalar()) fail(n, key, fmt::format("expected a string, found {}", describe(n)));
  const std::string& v = n.Scalar();
  for (const auto& a : allowed)
    if (a == v) return v;
  std::string hint = closest(v, allowed);
  fail(n, key,
       fmt::format("expected one of {}, found \"{}\"{}", join(allowed, ", "), v,
                   hint.empty() ? "" : fmt::format("; did you mean '{}'?", hint)));
}

double Fields::num(const std::string& key, double fallback, double min, double max) {
  std::optional<double> v = opt_num(key, min, max);
  return v ? *v : fallback;
}

std::optional<double> Fields::opt_num(const std::string& key, double min, double max) {
  YAML::Node n = get(key);
  if (!n.IsDefined()) return std::nullopt;
  double v = 0;
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || !std::isfinite(v))
    fail(n, key, fmt::format("expected a number, found {}", describe(n)));
  if (v < min || v > max)
    fail(n, key,
         max == std::numeric_limits<double>::max()
             ? fmt::format("must be at least {}, found {}", min, n.Scalar())
             : fmt::format("must be between {} and {}, found {}", min, max, n.Scalar()));
  return v;
}

long long Fields::integer(const std::string& key, long long fallback, long long min,
                          long long max) {
  YAML::Node n = get(key);
  if (!n.IsDefined()) return fallback;
  long long v = 0;
  if (!n.IsScalar() || !YAML::convert<long long>::decode(n, v))
    fail(n, key, fmt::format("expected an integer, found {}", describe(n)));
  if (v < min || v > max)
    fail(n, key,
         max == std::numeric_limits<long long>::max()
             ? fmt::format("must be at least {}, found {}", min, v)
             : fmt::format("must be between {} and {}, found {}", min, max, v));
  return v;
}

double Fields::req_num(const std::string& key, double min, double max) {
  require(key);
  return *opt_num(key, min, max);
}

long long Fields::req_integer(const std::string& key, long long min, long long max) {
  require(key);
  return integer(key, 0, min, max);
}

std::optional<double> Fields::opt_positive(const std::string& key, double max) {
  std::optional<double> v = opt_num(key, std::numeric_limits<double>::lowest());
  if (v && (*v <= 0 || *v > max))
    fail(node_[key], key,
         max == std::numeric_limits<double>::max()
             ? fmt::format("must be greater than 0, found {}", node_[key].Scalar())
             : fmt::format("must be greater than 0 and at most {}, found {}", max,
                           node_[key].Scalar()));
  return v;
}

bool Fields::boolean(const std::string& key, bool fallback) {
  YAML::Node n = get(key);
  if (!n.IsDefined()) return fallback;
  bool v = false;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v))
    fail(n, key, fmt::format("expected true or false, found {}", describe(n)));
  return v;
}

std::vector<std::string> Fields::str_list(const std::string& key) {
  YAML::Node n = get(key);
  std::vector<std::string> out;
  if (!n.IsDefined()) return out;
  if (!n.IsSequence())
    fail(n, key, fmt::format("expected a list of strings, found {}", describe(n)));
  for (const auto& item : n) {
    if (!item.IsScalar())
      fail(item, key, fmt::format("expected a string, found {}", describe(item)));
    out.push_back(item.Scalar());
  }
  return out;
}

std::optional<Fields> Fields::map(const std::string& key, bool required) {
  YAML::Node n = get(key, required);
  if (!n.IsDefined()) return std::nullopt;
  if (!n.IsMap()) fail(n, key, fmt::format("expected a map, found {}", describe(n)));
  return Fields(file_, n, path(key));
}

std::vector<Fields> Fields::map_list(const std::string& key, bool required) {
  YAML::Node n = get(key, required);
  std::vector<Fields> out;
  if (!n.IsDefined()) return out;
  if (!n.IsSequence()) fail(n, key, fmt::format("expected a list, found {}", describe(n)));
  std::size_t i = 0;
  for (const auto& item : n) {
    if (!item.IsMap())
      fail(item, item_path(key, i).substr(path_.empty() ? 0 : path_.size() + 1),
           fmt::format("expected a map, found {}", describe(item)));
    out.emplace_back(file_, item, item_path(key, i));
    ++i;
  }
  return out;
}

void Fields::accept(std::initializer_list<std::string_view> keys) {
  for (auto k : keys) seen_.emplace(k);
}

void Fields::only(std::initializer_list<std::string_view> keys) {
  accept(keys);
  finish();
}

void Fields::finish() const {
  std::set<std::string, std::less<>> keys;
  for (const auto& kv : node_) {
    const std::string& key = kv.first.Scalar();
    if (!keys.insert(key).second) fail(kv.first, key, "appears twice");
    if (seen_.count(key)) continue;
    // Extension fields, as in Compose files: a top-level `x-...` key holds anchors for merge keys
    // (`x-defaults: &defaults {...}`, then `<<: *defaults`) and is otherwise ignored.
    if (path_.empty() && key.rfind("x-", 0) == 0) continue;
    std::vector<std::string> known(seen_.begin(), seen_.end());
    fail(kv.first, key,
         fmt::format("unknown field; {}expected one of: {}", did_you_mean(key, known),
                     join(known, ", ")));
  }
}

}  // namespace llmctl::yaml
