// Test helpers for the gateway unit tests: a map-backed Environment and the embedded catalog.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "catalog/loader.h"
#include "gateway/config.h"

namespace llmctl::gateway::testing {

class FakeEnvironment : public Environment {
 public:
  std::map<std::string, std::string> vars, files;
  std::optional<std::string> get(const std::string& name) const override {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  }
  Result<std::string> read_file(const std::string& path) const override {
    auto it = files.find(path);
    if (it == files.end()) return Error{path + ": cannot read"};
    return it->second;
  }
};

inline std::shared_ptr<const catalog::Catalog> embedded_catalog() {
  static const auto cat = [] {
    catalog::LoadOptions opts;
    opts.default_overlays = false;
    auto c = catalog::load_catalog(opts);
    return std::make_shared<const catalog::Catalog>(std::move(*c));
  }();
  return cat;
}

}  // namespace llmctl::gateway::testing
