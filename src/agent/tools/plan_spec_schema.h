// The plan spec's JSON Schema (`llmctl schema plan-spec`): the contract for deployment
// requirements handed to llmctl by an architect agent, accepted inline by the plan and deploy
// tools. Self-contained (no $ref), in the keyword subset shared by draft-07 and 2020-12.
#pragma once

#include <boost/json/object.hpp>

namespace llmctl::agent {

// The schema of one spec object.
const boost::json::object& plan_spec_schema();
// The same as a standalone document ($schema and title added), as `llmctl schema` prints it.
boost::json::object plan_spec_schema_document();

}  // namespace llmctl::agent
