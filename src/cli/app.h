// Shared plumbing for subcommands: global options, catalog loading, output format, exit codes.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "agent/tools/params.h"
#include "catalog/catalog.h"
#include "common/result.h"

namespace llmctl::cli {

// Exit codes, the same for every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitCheckFailed = 1;  // a check failed, or findings at/above the threshold
inline constexpr int kExitUsage = 2;        // usage or input error

enum class Format { kText, kJson };

struct GlobalOptions {
  std::optional<std::string> catalog_dir;
};

// What a parsed subcommand will do; main() runs it after parsing succeeds.
using Action = std::function<int()>;

struct Context {
  GlobalOptions global;
  Action action;
};

// Adds `--format text|json` to a subcommand.
void add_format_option(CLI::App* cmd, std::string& format);
Format parse_format(const std::string& format);

// Loads the catalog per the global options (embedded, --catalog DIR, overlays).
Result<catalog::Catalog> load_catalog(const GlobalOptions& global);

// Prints "llmctl: <message>" to stderr and returns kExitUsage.
int input_error(const Error& error);

// A tool's error names its argument ("input_tokens: ..."); the CLI user typed a flag, so a
// message that starts with one of `params` gets the flag's name ("--input-tokens: "). `renames`
// give the flag where it is not the argument's name with dashes ({"scrapes", "--scrape"}); a
// rename's name may also be a message's compound prefix ({"db, input", "--db, --input"}).
using FlagRenames = std::vector<std::pair<std::string, std::string>>;
Error flag_error(const Error& error, const std::vector<agent::Param>& params,
                 const FlagRenames& renames = {});

// True when stdout is a terminal and NO_COLOR is unset; otherwise output stays plain.
bool color_enabled();
std::string bold(const std::string& s);

// Subcommands register themselves, one per file cmd_*.cpp:
//   static const CommandRegistrar kRegister(20, register_perf);
// `order` sorts them in --help. The CLI target is an OBJECT library so no registrar is dropped.
using RegisterFn = void (*)(CLI::App& app, Context& ctx);
struct CommandRegistrar {
  CommandRegistrar(int order, RegisterFn fn);
};

int run_main(int argc, char** argv);

}  // namespace llmctl::cli
