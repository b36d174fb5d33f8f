// The catalog compiled into the binary: the data/*.yaml texts and their validated encoding,
// both generated at build time (cmake/embed_files.cmake, tools catalog_compile).
#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/codec.h"
#include "catalog/loader.h"

namespace llmctl::catalog {

const std::vector<std::pair<std::string_view, std::string_view>>& embedded_files();

std::vector<SourceFile> embedded_sources() {
  std::vector<SourceFile> out;
  for (const auto& [name, text] : embedded_files())
    if (name.size() > 5 && name.substr(name.size() - 5) == ".yaml")
      out.push_back({std::string(name), std::string(text)});
  return out;
}

Result<Catalog> embedded_catalog() {
  for (const auto& [name, text] : embedded_files())
    if (name == "catalog.json") return decode_catalog(text);
  return Error{"embedded catalog: missing catalog.json (build problem)"};
}

// Lives beside the embedded data (not in loader.cpp) so that catalog_compile, which produces
// that data, can link the loader without it.
Result<Catalog> load_catalog(const LoadOptions& options) {
  std::vector<std::string> overlay_paths = options.overlays;
  if (options.default_overlays)
    for (auto& p : default_overlay_paths()) overlay_paths.push_back(p);
  std::vector<SourceFile> overlays;
  for (const auto& p : overlay_paths) {
    auto r = read_sources(p);
    if (!r) return r.error().wrap("overlay");
    for (auto& s : r.value()) overlays.push_back(std::move(s));
  }
  if (!options.dir) {
    auto cat = embedded_catalog();
    if (!cat) return cat.error();
    return apply_overlays(std::move(cat.value()), overlays);
  }
  auto base = read_sources(*options.dir);
  if (!base) return base.error();
  if (base->empty())
    return Error{fmt::format("{}: no *.yaml catalog files in this folder", *options.dir)};
  return load_from_sources(*base, overlays);
}

}  // namespace llmctl::catalog
