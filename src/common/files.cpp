#include "common/files.h"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>

namespace llmctl {

namespace fs = std::filesystem;

Status write_atomically(const fs::path& path, const std::string& text) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  if (ec)
    return Error{
        fmt::format("{}: cannot create folder: {}", path.parent_path().string(), ec.message())};
  fs::path tmp = path;
  tmp += fmt::format(".llmctl-tmp{}", getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Error{fmt::format("{}: cannot write", tmp.string())};
    out << text;
    out.flush();
    if (!out) {
      out.close();
      fs::remove(tmp, ec);
      return Error{fmt::format("{}: write failed", tmp.string())};
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Error{fmt::format("{}: cannot replace: {}", path.string(), ec.message())};
  }
  return {};
}

}  // namespace llmctl
