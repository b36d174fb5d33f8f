// Loading and validating the catalog.
//
// Sources, in order, later ones overriding earlier entries with the same id:
//   1. the files embedded at build time from data/*.yaml, or every *.yaml in `dir` when given
//      (`--catalog DIR` replaces the embedded catalog entirely);
//   2. overlays: each path in $LLMCTL_CATALOG_PATH (':'-separated files or folders), then
//      ~/.config/llmctl/catalog/ when it exists.
// Errors use the one YAML reader's format (yaml/fields.h), "file:line:col: path: message", where
// the path names the entry by id ("gpus[h100-sxm].memory_gib"; by position, "gpus[3]", when it
// has no valid id), with a "did you mean" for misspelt fields and unknown references.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "common/result.h"

namespace llmctl::catalog {

struct LoadOptions {
  std::optional<std::string> dir;     // replaces the embedded files
  std::vector<std::string> overlays;  // files or folders, applied in order
  bool default_overlays = true;       // also read $LLMCTL_CATALOG_PATH and ~/.config/llmctl/catalog
};

// A named YAML text (name is used in error messages, e.g. "data/gpus.yaml").
struct SourceFile {
  std::string name;
  std::string text;
};

Result<Catalog> load_catalog(const LoadOptions& options);

// Parses `files` in order into one catalog; entries with an id seen earlier replace the earlier
// entry when `allow_override` (overlays), and are a duplicate-id error within one file.
Result<Catalog> load_from_sources(const std::vector<SourceFile>& base,
                                  const std::vector<SourceFile>& overlays = {});

// Applies overlay files (entries replace same-id ones) and the cross-file checks.
Result<Catalog> apply_overlays(Catalog catalog, const std::vector<SourceFile>& overlays);

// The embedded data/*.yaml files, by name (the YAML text, for tools that re-validate it).
std::vector<SourceFile> embedded_sources();

// The embedded catalog, validated at build time and decoded from its compiled form (codec.h).
Result<Catalog> embedded_catalog();

// Reads every *.yaml / *.yml file of a folder (sorted by name), or one file.
Result<std::vector<SourceFile>> read_sources(const std::string& path);

// The overlay paths that apply by default ($LLMCTL_CATALOG_PATH, ~/.config/llmctl/catalog).
std::vector<std::string> default_overlay_paths();

}  // namespace llmctl::catalog
