// The catalog as tools: list entries of one kind, show one entry by id or alias, and price one
// request's token usage with the catalog's cost function. `llmctl catalog list|show|cost
// --format json` print these functions' output.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <vector>

#include "agent/tools/tool.h"
#include "catalog/cost.h"

namespace llmctl::agent {

const std::vector<Param>& catalog_list_params();
Result<boost::json::value> catalog_list_json(const catalog::Catalog& catalog,
                                             const boost::json::object& args);

const std::vector<Param>& catalog_show_params();
// {..the entry.., "kind": "gpu|model|engine|price"}.
Result<boost::json::value> catalog_show_json(const catalog::Catalog& catalog,
                                             const boost::json::object& args);

struct CostRun {
  const catalog::Price* price = nullptr;
  catalog::Cost cost;
};
const std::vector<Param>& catalog_cost_params();
Result<CostRun> run_catalog_cost(const catalog::Catalog& catalog, const boost::json::object& args);

Tool catalog_list_tool();
Tool catalog_show_tool();
Tool catalog_cost_tool();

}  // namespace llmctl::agent
