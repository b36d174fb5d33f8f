// The embedded catalog (without user overlays), loaded once, for tests that price usage.
#pragma once

#include <memory>

#include "catalog/loader.h"

namespace llmctl::protocol::testing {

inline std::shared_ptr<const catalog::Catalog> embedded_catalog() {
  static const auto cat = [] {
    catalog::LoadOptions opts;
    opts.default_overlays = false;
    auto c = catalog::load_catalog(opts);
    return std::make_shared<const catalog::Catalog>(std::move(*c));
  }();
  return cat;
}

}  // namespace llmctl::protocol::testing
