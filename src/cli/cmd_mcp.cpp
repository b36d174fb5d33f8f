// `llmctl mcp`: every llmctl tool, the knowledge base and the four interaction scripts to other
// agents over the Model Context Protocol (stdio, or Streamable HTTP with --http). Read-only by
// default: the deploy tool returns its files as a dry run unless --allow-write DIR, and then writes
// only under DIR; file reads are confined to --root (default: the folder it was started in).
// docs/AGENT.md.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "agent/explain/knowledge.h"
#include "agent/mcp/http.h"
#include "agent/mcp/library.h"
#include "agent/mcp/server.h"
#include "agent/mcp/stdio.h"
#include "cli/app.h"

#ifndef LLMCTL_VERSION
#define LLMCTL_VERSION "0.0.0"
#endif

namespace llmctl::cli {
namespace {

namespace fs = std::filesystem;

struct McpOpts {
  std::string http;  // HOST:PORT for Streamable HTTP; empty: stdio
  std::string root = ".";
  std::string allow_write;
  int max_calls = 4;
};

int run_mcp(const Context& ctx, const McpOpts& o) {
  auto cat = load_catalog(ctx.global);
  if (!cat) return input_error(cat.error());
  const auto& knowledge = agent::builtin_knowledge();
  if (!knowledge) return input_error(knowledge.error());
  std::optional<fs::path> write_root;
  if (!o.allow_write.empty()) {
    std::error_code ec;
    fs::create_directories(o.allow_write, ec);
    if (!fs::is_directory(o.allow_write, ec))
      return input_error(Error{
          fmt::format("--allow-write: '{}' is not a folder that can be created", o.allow_write)});
    write_root = fs::path(o.allow_write);
  }
  agent::mcp::ServerOptions options;
  options.files = agent::FileAccess::confined(o.root, write_root);
  options.version = LLMCTL_VERSION;
  options.max_concurrent_calls = o.max_calls;
  std::string host;
  int port = 0;
  if (!o.http.empty()) {
    auto colon = o.http.rfind(':');
    try {
      if (colon == std::string::npos) throw std::invalid_argument("no port");
      host = o.http.substr(0, colon);
      port = std::stoi(o.http.substr(colon + 1));
      if (host.empty() || port < 0 || port > 65535) throw std::out_of_range("port");
    } catch (...) {
      return input_error(Error{fmt::format(
          "--http: expected HOST:PORT such as 127.0.0.1:8765 (port 0: any free one), found \"{}\"",
          o.http)});
    }
  }
  agent::mcp::Library library(*cat, *knowledge);
  agent::mcp::Server server(agent::builtin_tools(), *cat, library, std::move(options));
  std::cerr << fmt::format("llmctl mcp: serving {} tools over {} ({}); reads under {}\n",
                           agent::builtin_tools().tools().size(),
                           o.http.empty() ? "stdio" : "Streamable HTTP",
                           write_root ? "writes under " + write_root->string() : "read-only",
                           fs::absolute(o.root).lexically_normal().string());
  if (!o.http.empty()) return agent::mcp::serve_http(server, host, port);
  agent::mcp::serve_stdio(server, std::cin, std::cout);
  return kExitOk;
}

}  // namespace

void register_mcp(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<McpOpts>();
  auto* cmd = app.add_subcommand(
      "mcp",
      "Serve llmctl's tools, knowledge and interaction scripts to other agents over the Model "
      "Context Protocol (stdio, or Streamable HTTP with --http)");
  cmd->add_option("--http", o->http,
                  "Serve Streamable HTTP at http://HOST:PORT/mcp instead of stdio (port 0: a free "
                  "one, printed)");
  cmd->add_option("--root", o->root, "Folder the tools may read (default: the current folder)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--allow-write", o->allow_write,
                  "Let the deploy tool write bundles, only under DIR (default: read-only)");
  cmd->add_option("--max-calls", o->max_calls, "Tool calls run at once (more wait)")
      ->check(CLI::Range(1, 64));
  cmd->callback([&ctx, o] { ctx.action = [&ctx, o] { return run_mcp(ctx, *o); }; });
}

namespace {
const CommandRegistrar kRegister(80, register_mcp);
}  // namespace

}  // namespace llmctl::cli
