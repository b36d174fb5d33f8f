// Build tool: validates data/*.yaml with the same loader users get, and writes the compiled
// encoding (codec.h) that the binary embeds. A catalog error fails the build with file:line.
#include <fmt/format.h>

#include <fstream>

#include "catalog/codec.h"
#include "catalog/loader.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    fmt::print(stderr, "usage: catalog_compile OUT.json FILE.yaml...\n");
    return 2;
  }
  std::vector<llmctl::catalog::SourceFile> base;
  for (int i = 2; i < argc; ++i) {
    auto r = llmctl::catalog::read_sources(argv[i]);
    if (!r) {
      fmt::print(stderr, "{}\n", r.error().message);
      return 2;
    }
    for (auto& s : r.value()) {
      // Name files as users see them in errors and provenance: data/<name>.
      auto slash = s.name.rfind('/');
      s.name = "data/" + (slash == std::string::npos ? s.name : s.name.substr(slash + 1));
      base.push_back(std::move(s));
    }
  }
  auto cat = llmctl::catalog::load_from_sources(base);
  if (!cat) {
    fmt::print(stderr, "{}\n", cat.error().message);
    return 2;
  }
  std::string tmp = std::string(argv[1]) + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << llmctl::catalog::encode_catalog(*cat);
    if (!out) return 2;
  }
  return std::rename(tmp.c_str(), argv[1]) == 0 ? 0 : 2;
}
