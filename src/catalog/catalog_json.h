// JSON views of catalog entries, for `--format json` and the MCP/agent front.
#pragma once

#include <boost/json/value.hpp>

#include "catalog/catalog.h"
#include "catalog/cost.h"

namespace llmctl::catalog {

boost::json::value to_json(const Gpu& g);
boost::json::value to_json(const Model& m);
boost::json::value to_json(const Engine& e);
boost::json::value to_json(const Exporter& e);
boost::json::value to_json(const Price& p);
boost::json::value to_json(const RetiredModel& r);
boost::json::value to_json(const CodeRepository& r);
boost::json::value to_json(const Efficiency& e);
boost::json::value to_json(const ProvisionedUnit& u);
boost::json::value to_json(const ProvisionedModel& m);
boost::json::value to_json(const ServerlessGpu& s);
boost::json::value to_json(const Cost& c);
boost::json::value to_json(const Provenance& p);

}  // namespace llmctl::catalog
