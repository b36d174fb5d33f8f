// The files embedded into llmctl_agent at build time (cmake/embed_files.cmake): README.md,
// docs/*.md and data/knowledge/*.yaml, as (path in the repository, text) pairs.
#pragma once

#include <string_view>
#include <utility>
#include <vector>

namespace llmctl::agent {

const std::vector<std::pair<std::string_view, std::string_view>>& embedded_files();

}  // namespace llmctl::agent
