// YAML 1.1 merge keys (`<<: *anchor`, `<<: [*a, *b]`), which yaml-cpp parses as an ordinary key
// named "<<". Compose files, Kubernetes manifests and hand-written configs use them to share a
// block of settings; a reader that saw "<<" as a key would miss every merged setting (and ours
// would report it as an unknown field).
//
// apply_merge_keys rewrites a parsed document in place, as the merge-key spec says
// (https://yaml.org/type/merge.html): every mapping that holds "<<" gains the keys of the mapping
// (or of each mapping of the list) it names that it does not set itself; among a list, an
// earlier mapping wins over a later one; merged mappings are resolved first (nested merges);
// then "<<" is removed. Merged values keep their marks: a message about one points at the anchor
// that defined it. Throws FieldError (`file`:line:col) when "<<" names something other than a
// mapping or a list of mappings. Include from .cpp files only (yaml-cpp).
//
// The audit reads files it does not own with its own tolerant node type (audit/doc.cpp) and
// applies the same rule there, to that type; a change to one belongs in both.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

namespace llmctl::yaml {

void apply_merge_keys(const std::string& file, YAML::Node& root);

}  // namespace llmctl::yaml
