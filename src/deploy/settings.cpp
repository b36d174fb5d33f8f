#include "deploy/settings.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <set>
#include <vector>

#include "common/strings.h"
#include "common/yaml_text.h"

namespace llmctl::deploy {

namespace {

struct SettingsError {
  std::string message;
};

// One map of the section, read field by field; unknown keys fail up front.
class Reader {
 public:
  Reader(const std::string& file, const YAML::Node& node, std::string path,
         std::vector<std::string> allowed)
      : file_(file), node_(node), path_(std::move(path)) {
    if (!node.IsMap())
      fail(node, path_,
           fmt::format("expected a map with fields {}, found {}", join(allowed, ", "),
                       yaml_describe(node)));
    std::set<std::string> seen;
    for (const auto& kv : node) {
      std::string key = kv.first.Scalar();
      if (!seen.insert(key).second) fail(kv.first, field(key), "appears twice");
      bool known = false;
      for (const auto& a : allowed) known = known || a == key;
      if (!known)
        fail(kv.first, field(key),
             fmt::format("unknown field; expected one of: {}", join(allowed, ", ")));
    }
  }

  [[noreturn]] void fail(const YAML::Node& at, const std::string& field_path,
                         const std::string& what) const {
    YAML::Mark mark = at.IsDefined() ? at.Mark() : node_.Mark();
    throw SettingsError{
        fmt::format("{}: field '{}': {}", yaml_position(file_, mark), field_path, what)};
  }
  std::string field(const std::string& key) const { return path_ + "." + key; }
  bool has(const std::string& key) const {
    YAML::Node n = node_[key];
    return n.IsDefined() && !n.IsNull();
  }
  YAML::Node get(const std::string& key) const { return node_[key]; }

  std::optional<std::string> text(const std::string& key) const {
    if (!has(key)) return std::nullopt;
    YAML::Node n = node_[key];
    if (!n.IsScalar() || trim(n.Scalar()).empty())
      fail(n, field(key), fmt::format("expected a non-empty string, found {}", yaml_describe(n)));
    return n.Scalar();
  }
  std::optional<double> number(const std::string& key, double min, double max) const {
    if (!has(key)) return std::nullopt;
    YAML::Node n = node_[key];
    double v = 0;
    if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || !std::isfinite(v) || v < min ||
        v > max)
      fail(n, field(key),
           fmt::format("expected a number from {} to {}, found {}", min, max, yaml_describe(n)));
    return v;
  }
  std::optional<int> integer(const std::string& key, int min, int max) const {
    auto v = number(key, min, max);
    if (!v) return std::nullopt;
    if (std::floor(*v) != *v)
      fail(node_[key], field(key),
           fmt::format("expected a whole number, found {}", yaml_describe(node_[key])));
    return static_cast<int>(*v);
  }
  std::optional<bool> boolean(const std::string& key) const {
    if (!has(key)) return std::nullopt;
    YAML::Node n = node_[key];
    bool v = false;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v))
      fail(n, field(key), fmt::format("expected true or false, found {}", yaml_describe(n)));
    return v;
  }
  std::map<std::string, std::string> string_map(const std::string& key) const {
    std::map<std::string, std::string> out;
    if (!has(key)) return out;
    YAML::Node n = node_[key];
    if (!n.IsMap())
      fail(n, field(key), fmt::format("expected a map of strings, found {}", yaml_describe(n)));
    for (const auto& kv : n) {
      if (!kv.second.IsScalar())
        fail(kv.second, field(key) + "." + kv.first.Scalar(),
             fmt::format("expected a string, found {}", yaml_describe(kv.second)));
      out[kv.first.Scalar()] = kv.second.Scalar();
    }
    return out;
  }

 private:
  const std::string& file_;
  YAML::Node node_;
  std::string path_;
};

}  // namespace

void Settings::merge(const Settings& o) {
  auto take = [](auto& mine, const auto& theirs) {
    if (theirs) mine = theirs;
  };
  take(name, o.name);
  take(ns, o.ns);
  take(model_repo, o.model_repo);
  take(revision, o.revision);
  take(storage_class, o.storage_class);
  if (!o.node_selector.empty()) node_selector = o.node_selector;
  take(load_bandwidth_mb_s, o.load_bandwidth_mb_s);
  take(prometheus_url, o.prometheus_url);
  if (!o.monitoring_labels.empty()) monitoring_labels = o.monitoring_labels;
  take(gateway_image, o.gateway_image);
  take(gateway_replicas, o.gateway_replicas);
  take(scale_to_zero, o.scale_to_zero);
  take(cold_start_budget_s, o.cold_start_budget_s);
  take(eval_command, o.eval_command);
  take(eval_threshold, o.eval_threshold);
}

Result<Settings> parse_deploy_section(std::string_view spec_yaml, const std::string& file) {
  Settings s;
  try {
    YAML::Node root = YAML::Load(std::string(spec_yaml));
    if (!root.IsMap()) return s;  // the planner reports a malformed spec
    YAML::Node d = root["deploy"];
    if (!d.IsDefined() || d.IsNull()) return s;
    Reader r(file, d, "deploy",
             {"name", "namespace", "model_repo", "revision", "storage_class", "node_selector",
              "load_bandwidth_mb_s", "prometheus_url", "monitoring_labels", "gateway",
              "autoscaling", "eval"});
    s.name = r.text("name");
    s.ns = r.text("namespace");
    if (s.ns && dns_label(*s.ns, 63) != *s.ns)
      r.fail(
          r.get("namespace"), "deploy.namespace",
          fmt::format("expected a DNS-1123 label (lower-case letters, digits, '-'), found \"{}\"",
                      *s.ns));
    s.model_repo = r.text("model_repo");
    s.revision = r.text("revision");
    s.storage_class = r.text("storage_class");
    s.node_selector = r.string_map("node_selector");
    s.load_bandwidth_mb_s = r.number("load_bandwidth_mb_s", 1, 100000);
    s.prometheus_url = r.text("prometheus_url");
    s.monitoring_labels = r.string_map("monitoring_labels");
    if (r.has("gateway")) {
      Reader g(file, r.get("gateway"), "deploy.gateway", {"image", "replicas"});
      s.gateway_image = g.text("image");
      s.gateway_replicas = g.integer("replicas", 1, 100);
    }
    if (r.has("autoscaling")) {
      Reader a(file, r.get("autoscaling"), "deploy.autoscaling",
               {"scale_to_zero", "cold_start_budget_s"});
      s.scale_to_zero = a.boolean("scale_to_zero");
      s.cold_start_budget_s = a.integer("cold_start_budget_s", 1, 86400);
    }
    if (r.has("eval")) {
      Reader e(file, r.get("eval"), "deploy.eval", {"command", "threshold"});
      s.eval_command = e.text("command");
      s.eval_threshold = e.number("threshold", -1e12, 1e12);
    }
  } catch (const SettingsError& e) {
    return Error{e.message};
  } catch (const YAML::Exception& e) {
    return Error{fmt::format("{}: invalid YAML: {}", yaml_position(file, e.mark), e.msg)};
  }
  return s;
}

std::string hide_deploy_section(std::string_view spec_yaml) {
  std::vector<std::string> lines = split(spec_yaml, '\n');
  bool inside = false;
  for (auto& line : lines) {
    bool top_level = !line.empty() && line[0] != ' ' && line[0] != '\t' && line[0] != '#';
    if (top_level) inside = starts_with(line, "deploy:") || starts_with(line, "\"deploy\":");
    if (inside) line.assign(1, '#');
  }
  return join(lines, "\n");
}

std::string dns_label(std::string_view text, std::size_t max_len) {
  std::string out;
  for (char c : text) {
    char l = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9');
    if (ok)
      out += l;
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  if (out.size() > max_len) out.resize(max_len);
  while (!out.empty() && out.back() == '-') out.pop_back();
  while (!out.empty() && out.front() == '-') out.erase(out.begin());
  return out.empty() ? "llm" : out;
}

}  // namespace llmctl::deploy
