// `explain` as a tool: llmctl's knowledge base (agent/explain/knowledge.h) by topic — an entry id,
// a kind (frameworks, antipatterns, tools, workloads), a tool category (gateway, serving-engine,
// ...) or an audit rule id — or by search words. `llmctl explain --format json` prints its output.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "agent/explain/knowledge.h"
#include "agent/tools/tool.h"

namespace llmctl::agent {

struct ExplainRun {
  std::string query;
  std::string matched;  // entry | kind | category | rule | search | index
  std::vector<const KnowledgeEntry*> entries;
};

const std::vector<Param>& explain_params();
Result<ExplainRun> run_explain(const Knowledge& knowledge, const boost::json::object& args);
boost::json::value explain_json(const ExplainRun& run);
Tool explain_tool();

}  // namespace llmctl::agent
