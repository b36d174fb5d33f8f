#include "agent/tools/explain_tool.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "common/strings.h"

namespace llmctl::agent {
namespace {

namespace json = boost::json;

std::optional<EntryKind> kind_of(const std::string& word) {
  const std::string w = to_lower(word);
  if (w == "framework" || w == "frameworks" || w == "decisions") return EntryKind::kFramework;
  if (w == "antipattern" || w == "antipatterns" || w == "anti-patterns" || w == "anti-pattern")
    return EntryKind::kAntipattern;
  if (w == "tool" || w == "tools" || w == "map" || w == "tool-map") return EntryKind::kTool;
  if (w == "workload" || w == "workloads") return EntryKind::kWorkload;
  return std::nullopt;
}

constexpr std::string_view kOutputSchema = R"json({
  "type": "object",
  "required": ["query", "matched", "entries"],
  "additionalProperties": false,
  "properties": {
    "query": {"type": "string"},
    "matched": {"enum": ["entry", "kind", "category", "rule", "search", "index"]},
    "entries": {
      "type": "array",
      "items": {
        "type": "object",
        "required": ["id", "kind", "title", "command", "tags", "related", "source", "as_of"],
        "properties": {
          "id": {"type": "string"},
          "kind": {"enum": ["framework", "antipattern", "tool", "workload"]},
          "title": {"type": "string"},
          "audit_rules": {"type": "array", "items": {"type": "string"}},
          "command": {"type": ["string", "null"]},
          "source": {"type": "string", "minLength": 1},
          "as_of": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
        }
      }
    }
  }
})json";

}  // namespace

const std::vector<Param>& explain_params() {
  static const std::vector<Param> params = {
      Param::string("topic",
                    "An entry id (api-vs-self-hosted), a kind (frameworks, antipatterns, tools, "
                    "workloads), a tool category (gateway, serving-engine, gpu-orchestration, "
                    "serverless-gpu, ...) or an audit rule id (LLM003)"),
      Param::string("search", "Words to search for (\"kv cache\"): entries matching all of them"),
  };
  return params;
}

Result<ExplainRun> run_explain(const Knowledge& k, const json::object& args) {
  ExplainRun run;
  auto topic = arg_string(args, "topic");
  auto query = arg_string(args, "search");
  if (topic && query) return Error{"search: give a topic or search words, not both"};
  if (query) {
    run.query = *query;
    run.matched = "search";
    for (const auto& hit : search(k, *query)) run.entries.push_back(hit.entry);
    return run;
  }
  if (!topic) {
    run.matched = "index";
    for (const auto& e : k.entries) run.entries.push_back(&e);
    return run;
  }
  run.query = *topic;
  if (const KnowledgeEntry* e = k.find(*topic)) {
    run.matched = "entry";
    run.entries.push_back(e);
    return run;
  }
  if (auto kind = kind_of(*topic)) {
    run.matched = "kind";
    for (const auto& e : k.entries)
      if (e.kind == *kind) run.entries.push_back(&e);
    return run;
  }
  for (const auto& e : k.entries)
    if (e.kind == EntryKind::kTool && iequals(e.category, *topic)) run.entries.push_back(&e);
  if (!run.entries.empty()) {
    run.matched = "category";
    return run;
  }
  for (const auto& e : k.entries)
    for (const auto& r : e.audit_rules)
      if (iequals(r, *topic)) run.entries.push_back(&e);
  if (!run.entries.empty()) {
    run.matched = "rule";
    return run;
  }
  for (const auto& hit : search(k, *topic)) run.entries.push_back(hit.entry);
  if (!run.entries.empty()) {
    run.matched = "search";
    return run;
  }
  std::vector<std::string> ids;
  for (const auto& e : k.entries) ids.push_back(e.id);
  std::string best;
  std::size_t best_distance = 4;
  for (const auto& id : ids) {
    std::size_t d = edit_distance(to_lower(*topic), id);
    if (d < best_distance) best = id, best_distance = d;
  }
  return Error{fmt::format(
      "topic: no entry, kind, category or rule '{}'{}; try `llmctl explain --search WORDS`, or "
      "`llmctl explain` for the index",
      *topic, best.empty() ? "" : fmt::format(" (did you mean '{}'?)", best))};
}

json::value explain_json(const ExplainRun& run) {
  json::array entries;
  for (const auto* e : run.entries) entries.push_back(to_json(*e));
  return json::object{{"query", run.query}, {"matched", run.matched}, {"entries", entries}};
}

Tool explain_tool() {
  Tool t;
  t.name = "explain";
  t.title = "Explain (knowledge base)";
  t.description =
      "llmctl's expertise with sources and dates: decision frameworks (when deploying X at Y "
      "scale use Z because ..., with the llmctl command that computes it), the anti-pattern "
      "catalog linked to the audit rules that detect each one, the tool and technology map "
      "(serving engines, gateways, GPU orchestration, serverless GPUs, observability, cost, "
      "ops agents; when llmctl is the better choice) and measured workload profiles. Look up a "
      "topic or search words. Same as `llmctl explain --format json`.";
  t.params = explain_params();
  t.output_schema = schema_literal(kOutputSchema);
  t.run = [](const json::object& args, const ToolEnv&) -> Result<json::value> {
    const auto& k = builtin_knowledge();
    if (!k) return k.error();
    auto run = run_explain(*k, args);
    if (!run) return run.error();
    return explain_json(*run);
  };
  return t;
}

}  // namespace llmctl::agent
