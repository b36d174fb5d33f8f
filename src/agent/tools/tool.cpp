#include "agent/tools/tool.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace llmctl::agent {
namespace {

namespace fs = std::filesystem;

// `path` resolved from `root`, symlinks of existing parts followed, `..` folded.
fs::path resolve(const fs::path& root, const std::string& path) {
  fs::path p(path);
  if (p.is_relative()) p = root / p;
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(p, ec);
  return ec ? p.lexically_normal() : canonical;
}

bool is_under(const fs::path& path, const fs::path& root) {
  fs::path rel = path.lexically_relative(root);
  if (rel.empty()) return false;
  auto first = rel.begin();
  return first == rel.end() || *first != "..";
}

fs::path canonical_root(const fs::path& root) {
  std::error_code ec;
  fs::path base = root.empty() ? fs::current_path(ec) : root;
  fs::path c = fs::weakly_canonical(base, ec);
  return ec ? base.lexically_normal() : c;
}

}  // namespace

FileAccess FileAccess::unrestricted() {
  FileAccess a;
  a.unrestricted_ = true;
  return a;
}

FileAccess FileAccess::confined(fs::path root, std::optional<fs::path> write_root) {
  FileAccess a;
  a.root_ = canonical_root(root);
  if (write_root) a.write_root_ = canonical_root(*write_root);
  return a;
}

Result<fs::path> FileAccess::readable(const std::string& path) const {
  if (unrestricted_) return fs::path(path);
  fs::path p = resolve(root_, path);
  if (p != root_ && !is_under(p, root_))
    return Error{
        fmt::format("{}: outside the folder this server may read ({})", path, root_.string())};
  return p;
}

Result<fs::path> FileAccess::writable(const std::string& path) const {
  if (unrestricted_) return fs::path(path);
  if (!write_root_)
    return Error{fmt::format(
        "{}: writing is off (the server is read-only; start it with --allow-write DIR)", path)};
  fs::path p = resolve(*write_root_, path);
  if (p != *write_root_ && !is_under(p, *write_root_))
    return Error{fmt::format("{}: outside the folder this server may write (--allow-write {})",
                             path, write_root_->string())};
  return p;
}

std::string FileAccess::write_root_text() const { return write_root_ ? write_root_->string() : ""; }

ToolClock& system_clock() {
  class System final : public ToolClock {
   public:
    double now_s() const override {
      return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
          .count();
    }
    void sleep_s(double seconds) override {
      if (seconds > 0) std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    }
  };
  static System clock;
  return clock;
}

bool ToolEnv::sleep_s(double seconds) const {
  ToolClock& c = clock ? *clock : system_clock();
  while (seconds > 0) {
    if (cancelled()) return false;
    const double slice = std::min(seconds, 0.1);
    c.sleep_s(slice);
    seconds -= slice;
  }
  return !cancelled();
}

Result<boost::json::value> Tool::call(const boost::json::object& args, const ToolEnv& env) const {
  auto checked = check_args(params, args);
  if (!checked) return checked.error();
  return run(*checked, env);
}

void Registry::add(Tool tool) {
  if (find(tool.name)) {
    std::fprintf(stderr, "llmctl: internal error: tool '%s' registered twice\n", tool.name.c_str());
    std::abort();
  }
  tools_.push_back(std::move(tool));
}

const Tool* Registry::find(std::string_view name) const {
  for (const auto& t : tools_)
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace llmctl::agent
