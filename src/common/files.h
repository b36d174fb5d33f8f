// Writing files so that nothing is lost or half-written.
#pragma once

#include <filesystem>
#include <string>

#include "common/result.h"

namespace llmctl {

// Writes `text` to a temporary file beside `path` and renames it over `path` (creating the
// folder first), so a reader never sees half a file and a failure leaves the old one in place.
// Errors name the file and what failed.
Status write_atomically(const std::filesystem::path& path, const std::string& text);

}  // namespace llmctl
