// The one tool registry: every tool llmctl offers to other agents is described here once — name,
// description, input and output JSON Schemas, and a run function from JSON arguments to JSON
// output — and served by the MCP server, by `llmctl ask` (and its --llm loop) and by the CLI,
// whose `--format json` output is the same run function's output. docs/AGENT.md has the recipe
// for adding a tool (one file plus one line in builtin_tools.cpp).
//
// Thread rules: a Registry is immutable once built and may be read from any thread. A tool's run
// function may be called concurrently; it reads the catalog (immutable) and its own arguments,
// and reports through its CallControl, which is per call.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/tools/params.h"
#include "catalog/catalog.h"
#include "common/result.h"

namespace llmctl::agent {

// Where a call may read and write files. The CLI reads and writes where its user says; the MCP
// server confines reads to its root (default: the folder it was started in) and writes to the
// --allow-write folder, none by default.
class FileAccess {
 public:
  // The CLI's: relative paths from the working directory, reads and writes anywhere.
  static FileAccess unrestricted();
  // Reads only under `root`; writes only under `write_root` (nullopt: no writes at all).
  static FileAccess confined(std::filesystem::path root,
                             std::optional<std::filesystem::path> write_root);

  // The path to open for reading `path` (relative paths resolve from the root), or an error
  // naming the path and the root it escapes.
  Result<std::filesystem::path> readable(const std::string& path) const;
  // The same for writing: under the write root only (relative paths resolve from it).
  Result<std::filesystem::path> writable(const std::string& path) const;
  bool can_write() const { return unrestricted_ || write_root_.has_value(); }
  // The write root as a caller should name it ("" when unrestricted or read-only).
  std::string write_root_text() const;

 private:
  bool unrestricted_ = false;
  std::filesystem::path root_;
  std::optional<std::filesystem::path> write_root_;
};

// Progress and cancellation of one call. The transport implements it (MCP: progress
// notifications and notifications/cancelled; the CLI: nothing). Tools poll cancelled() between
// units of work and report progress at most every few hundred units.
class CallControl {
 public:
  virtual ~CallControl() = default;
  virtual bool cancelled() const = 0;
  // `done` grows monotonically; `total` when known.
  virtual void progress(double done, std::optional<double> total, const std::string& message) = 0;
};

// "Now", and waiting, for tools whose answer depends on the time: a window ending now ("since
// 7d"), metrics scraped repeatedly over a window. Injected so tests are fast and exact.
class ToolClock {
 public:
  virtual ~ToolClock() = default;
  virtual double now_s() const = 0;  // Unix seconds
  virtual void sleep_s(double seconds) = 0;
};
// The system's wall clock and a real sleep.
ToolClock& system_clock();

// What a run function gets besides its arguments.
struct ToolEnv {
  const catalog::Catalog* catalog = nullptr;
  FileAccess files = FileAccess::unrestricted();
  CallControl* control = nullptr;  // null: no progress, never cancelled
  ToolClock* clock = nullptr;      // null: system_clock()

  bool cancelled() const { return control && control->cancelled(); }
  void progress(double done, std::optional<double> total, const std::string& message) const {
    if (control) control->progress(done, total, message);
  }
  double now_s() const { return (clock ? *clock : system_clock()).now_s(); }
  // Sleeps in slices of at most 100 ms and returns early (false) when the call is cancelled.
  bool sleep_s(double seconds) const;
};

// The error a cancelled call returns (its message, so a transport can tell it apart).
inline constexpr std::string_view kCancelledMessage = "cancelled by the client";

// MCP tool annotations: hints for clients deciding whether to ask the user first.
struct ToolHints {
  bool read_only = true;     // never changes anything
  bool destructive = false;  // may overwrite (only meaningful when !read_only)
  bool idempotent = true;    // the same arguments give the same result
  bool open_world = false;   // talks to systems outside llmctl (network)
};

struct Tool {
  std::string name;         // snake_case, stable: clients and prompts name it
  std::string title;        // for people
  std::string description;  // for models: what it computes, when to call it
  std::vector<Param> params;
  boost::json::object output_schema;
  ToolHints hints;
  // Checked arguments in (defaults filled), JSON out. Errors are the CLI's messages.
  std::function<Result<boost::json::value>(const boost::json::object& args, const ToolEnv& env)>
      run;

  boost::json::object input_schema() const { return agent::input_schema(params); }
  // check_args, then run.
  Result<boost::json::value> call(const boost::json::object& args, const ToolEnv& env) const;
};

class Registry {
 public:
  // Names must be unique; a duplicate is a programming error (aborts).
  void add(Tool tool);
  const Tool* find(std::string_view name) const;
  const std::vector<Tool>& tools() const { return tools_; }

 private:
  std::vector<Tool> tools_;
};

// Every tool llmctl has, built once (builtin_tools.cpp: one line per tool).
const Registry& builtin_tools();

}  // namespace llmctl::agent
