#include "deploy/settings.h"

#include <fmt/format.h>

#include <vector>

#include "common/strings.h"
#include "yaml/fields.h"

namespace llmctl::deploy {

namespace {

using yaml::FieldError;
using yaml::Fields;

std::optional<std::string> text(Fields& f, const std::string& key) {
  std::optional<std::string> v = f.opt_str(key);
  if (v && trim(*v).empty())
    f.fail(f.get(key), key, fmt::format("expected a non-empty string, found \"{}\"", *v));
  return v;
}

std::optional<int> count(Fields& f, const std::string& key, int min, int max) {
  if (!f.has(key)) return std::nullopt;
  return static_cast<int>(f.integer(key, 0, min, max));
}

std::map<std::string, std::string> string_map(Fields& f, const std::string& key) {
  std::map<std::string, std::string> out;
  if (std::optional<Fields> m = f.map(key)) {
    // Labels: any key is allowed; every value must be a string.
    for (const auto& kv : m->node()) out[kv.first.Scalar()] = m->str(kv.first.Scalar());
    m->finish();
  }
  return out;
}

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
  take(platform_endpoint, o.platform_endpoint);
  take(platform_region, o.platform_region);
  take(platform_deployment, o.platform_deployment);
}

Result<Settings> parse_deploy_section(std::string_view spec_yaml, const std::string& file) {
  Settings s;
  try {
    YAML::Node root = yaml::parse(file, std::string(spec_yaml));
    if (!root.IsMap()) return s;  // the planner reports a malformed spec
    YAML::Node d = root["deploy"];
    if (!d.IsDefined() || d.IsNull()) return s;
    Fields r(file, d, "deploy");
    r.only({"name", "namespace", "model_repo", "revision", "storage_class", "node_selector",
            "load_bandwidth_mb_s", "prometheus_url", "monitoring_labels", "gateway", "autoscaling",
            "eval", "platform"});
    s.name = text(r, "name");
    s.ns = text(r, "namespace");
    if (s.ns && dns_label(*s.ns, 63) != *s.ns)
      r.fail(
          r.get("namespace"), "namespace",
          fmt::format("expected a DNS-1123 label (lower-case letters, digits, '-'), found \"{}\"",
                      *s.ns));
    s.model_repo = text(r, "model_repo");
    s.revision = text(r, "revision");
    s.storage_class = text(r, "storage_class");
    s.node_selector = string_map(r, "node_selector");
    s.load_bandwidth_mb_s = r.opt_num("load_bandwidth_mb_s", 1, 100000);
    s.prometheus_url = text(r, "prometheus_url");
    s.monitoring_labels = string_map(r, "monitoring_labels");
    if (std::optional<Fields> g = r.map("gateway")) {
      g->only({"image", "replicas"});
      s.gateway_image = text(*g, "image");
      s.gateway_replicas = count(*g, "replicas", 1, 100);
    }
    if (std::optional<Fields> a = r.map("autoscaling")) {
      a->only({"scale_to_zero", "cold_start_budget_s"});
      if (a->has("scale_to_zero")) s.scale_to_zero = a->boolean("scale_to_zero", false);
      s.cold_start_budget_s = count(*a, "cold_start_budget_s", 1, 86400);
    }
    if (std::optional<Fields> pf = r.map("platform")) {
      pf->only({"endpoint", "region", "deployment"});
      s.platform_endpoint = text(*pf, "endpoint");
      if (s.platform_endpoint && !starts_with(*s.platform_endpoint, "https://"))
        pf->fail(pf->get("endpoint"), "endpoint",
                 fmt::format("expected an https:// URL, found \"{}\"", *s.platform_endpoint));
      s.platform_region = text(*pf, "region");
      s.platform_deployment = text(*pf, "deployment");
    }
    if (std::optional<Fields> e = r.map("eval")) {
      e->only({"command", "threshold"});
      s.eval_command = text(*e, "command");
      s.eval_threshold = e->opt_num("threshold", -1e12, 1e12);
    }
  } catch (const FieldError& e) {
    return Error{e.message};
  } catch (const YAML::Exception& e) {
    return Error{fmt::format("{}: invalid YAML: {}", yaml::position(file, e.mark), e.msg)};
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
