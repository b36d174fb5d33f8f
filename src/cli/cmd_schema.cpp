// `llmctl schema plan-spec`: the JSON Schema of the plan spec — the contract for deployment
// requirements an architect (person or agent) hands llmctl, and the `spec` argument the plan and
// deploy MCP tools accept.
#include <iostream>

#include "agent/tools/plan_spec_schema.h"
#include "cli/app.h"
#include "common/json_writer.h"

namespace llmctl::cli {

void register_schema(CLI::App& app, Context& ctx) {
  auto name = std::make_shared<std::string>();
  auto* cmd =
      app.add_subcommand("schema", "Print a JSON Schema: plan-spec (deployment requirements)");
  cmd->add_option("name", *name, "Which schema")->required()->check(CLI::IsMember({"plan-spec"}));
  cmd->callback([&ctx, name] {  // `name` must outlive parsing
    ctx.action = [] {
      std::cout << to_pretty_json(agent::plan_spec_schema_document());
      return kExitOk;
    };
  });
}

namespace {
const CommandRegistrar kRegister(75, register_schema);
}  // namespace

}  // namespace llmctl::cli
