#include "cli/app.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <vector>

#include "catalog/loader.h"
#include "common/strings.h"

#ifndef LLMCTL_VERSION
#define LLMCTL_VERSION "0.0.0"
#endif

namespace llmctl::cli {
namespace {
std::vector<std::pair<int, RegisterFn>>& registry() {
  static std::vector<std::pair<int, RegisterFn>> commands;
  return commands;
}
}  // namespace

CommandRegistrar::CommandRegistrar(int order, RegisterFn fn) { registry().emplace_back(order, fn); }

void add_format_option(CLI::App* cmd, std::string& format) {
  cmd->add_option("--format", format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_val("text");
}

Format parse_format(const std::string& format) {
  return format == "json" ? Format::kJson : Format::kText;
}

Result<catalog::Catalog> load_catalog(const GlobalOptions& global) {
  catalog::LoadOptions opts;
  opts.dir = global.catalog_dir;
  return catalog::load_catalog(opts);
}

int input_error(const Error& error) {
  std::fflush(stdout);
  fmt::print(stderr, "llmctl: {}\n", error.message);
  return kExitUsage;
}

Error flag_error(const Error& error, const std::vector<agent::Param>& params,
                 const FlagRenames& renames) {
  auto flag_of = [&](const std::string& name) {
    for (const auto& [from, flag] : renames)
      if (from == name) return flag;
    std::string flag = "--" + name;
    std::replace(flag.begin(), flag.end(), '_', '-');
    return flag;
  };
  auto is_name = [&](const std::string& name) {
    for (const auto& [from, flag] : renames)
      if (from == name) return true;
    for (const auto& p : params)
      if (p.name == name) return true;
    return false;
  };
  std::string message = error.message;
  // check_args' list of the other missing arguments, as flags.
  if (const auto at = message.find(agent::kAlsoMissing); at != std::string::npos) {
    std::vector<std::string> flags;
    for (const auto& name : split(message.substr(at + agent::kAlsoMissing.size()), ','))
      flags.push_back(is_name(trim(name)) ? flag_of(trim(name)) : trim(name));
    message = message.substr(0, at) + std::string(agent::kAlsoMissing) + join(flags, ", ");
  }
  const auto colon = message.find(": ");
  if (colon != std::string::npos && is_name(message.substr(0, colon)))
    return Error{flag_of(message.substr(0, colon)) + message.substr(colon)};
  return Error{message};
}

bool color_enabled() {
  static const bool enabled = [] {
    const char* no_color = std::getenv("NO_COLOR");
    if (no_color && *no_color) return false;
    const char* term = std::getenv("TERM");
    if (term && std::string(term) == "dumb") return false;
    return isatty(STDOUT_FILENO) == 1;
  }();
  return enabled;
}

std::string bold(const std::string& s) { return color_enabled() ? "\033[1m" + s + "\033[0m" : s; }

int run_main(int argc, char** argv) {
  CLI::App app{
      "llmctl — an AI DevOps engineer in one binary: plan, deploy, run and cost LLM apps.\n"
      "Exit codes: 0 success, 1 a check failed, 2 usage or input error.",
      "llmctl"};
  app.set_version_flag("--version", std::string("llmctl ") + LLMCTL_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  Context ctx;
  app.add_option("--catalog", ctx.global.catalog_dir,
                 "Use the catalog in DIR instead of the embedded one (overlays still apply)")
      ->check(CLI::ExistingDirectory);

  auto commands = registry();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [order, fn] : commands) fn(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  if (!ctx.action) {
    std::cerr << app.help();
    return kExitUsage;
  }
  return ctx.action();
}

}  // namespace llmctl::cli
