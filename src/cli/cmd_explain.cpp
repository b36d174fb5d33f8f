// `llmctl explain [TOPIC] [--search WORDS]`: the knowledge base — decision frameworks, the
// anti-pattern catalog (linked to audit rules), the tool and technology map, workload profiles.
// The lookup and the JSON are the `explain` tool's (src/agent/tools/explain_tool.h).
#include <fmt/format.h>

#include <boost/json.hpp>
#include <iostream>

#include "agent/tools/explain_tool.h"
#include "cli/app.h"
#include "common/json_writer.h"
#include "common/strings.h"

namespace llmctl::cli {
namespace {

namespace json = boost::json;

struct ExplainOpts {
  std::string topic, format;
  std::vector<std::string> search;
};

std::string text_of(const agent::ExplainRun& run) {
  std::string out;
  if (run.matched == "entry") return agent::to_markdown(*run.entries.front());
  if (run.entries.empty()) return fmt::format("nothing matches \"{}\"\n", run.query);
  if (run.matched == "index") {
    for (auto kind : {agent::EntryKind::kFramework, agent::EntryKind::kAntipattern,
                      agent::EntryKind::kTool, agent::EntryKind::kWorkload}) {
      out += fmt::format("{}s:\n", agent::kind_name(kind));
      for (const auto* e : run.entries)
        if (e->kind == kind)
          out += fmt::format("  {:<30} {}\n", e->id,
                             e->kind == agent::EntryKind::kTool
                                 ? fmt::format("{} [{}]", e->title, e->category)
                                 : e->title);
    }
    out += "\n`llmctl explain TOPIC` shows one; `--search WORDS` searches them all.\n";
    return out;
  }
  for (const auto* e : run.entries) {
    std::string extra = e->kind == agent::EntryKind::kAntipattern && !e->audit_rules.empty()
                            ? " (audit " + join(e->audit_rules, ", ") + ")"
                        : e->kind == agent::EntryKind::kTool ? " [" + e->category + "]"
                                                             : "";
    out += fmt::format("{:<30} {:<12} {}{}\n", e->id, agent::kind_name(e->kind), e->title, extra);
  }
  if (run.entries.size() > 1)
    out += fmt::format("\n{} entries; `llmctl explain ID` shows one.\n", run.entries.size());
  else
    out += "\n" + agent::to_markdown(*run.entries.front());
  return out;
}

}  // namespace

void register_explain(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<ExplainOpts>();
  auto* cmd = app.add_subcommand(
      "explain",
      "Decision frameworks, AI-ops anti-patterns (linked to audit rules), the tool map and "
      "workload profiles, each with a source and date");
  cmd->add_option("topic", o->topic,
                  "Entry id, kind (frameworks, antipatterns, tools, workloads), tool category "
                  "(gateway, serving-engine, ...) or audit rule id; none: the index");
  cmd->add_option("--search", o->search, "Search words (all must match)")->expected(1, -1);
  add_format_option(cmd, o->format);
  cmd->callback([&ctx, o] {
    ctx.action = [o] {
      const auto& knowledge = agent::builtin_knowledge();
      if (!knowledge) return input_error(knowledge.error());
      json::object args;
      if (!o->topic.empty()) args["topic"] = o->topic;
      if (!o->search.empty()) args["search"] = join(o->search, " ");
      const auto& params = agent::explain_params();
      auto checked = agent::check_args(params, args);
      if (!checked) return input_error(flag_error(checked.error(), params));
      auto run = agent::run_explain(*knowledge, *checked);
      if (!run) return input_error(flag_error(run.error(), params));
      if (parse_format(o->format) == Format::kJson)
        std::cout << to_pretty_json(agent::explain_json(*run));
      else
        std::cout << text_of(*run);
      return run->entries.empty() ? kExitCheckFailed : kExitOk;
    };
  });
}

namespace {
const CommandRegistrar kRegister(70, register_explain);
}  // namespace

}  // namespace llmctl::cli
