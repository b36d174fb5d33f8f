// The simulator's settings as YAML fields, for the two files that hold them: a scenario
// (`llmctl mock --scenario`) and the gateway config's `simulator:` block. Uses yaml-cpp through
// yaml/fields.h, so include it only from .cpp files.
#pragma once

#include "mock/mock.h"
#include "yaml/fields.h"

namespace llmctl::mock {

// Reads the MockOptions fields of map `f` over `o` (fields absent keep their value). With
// `network_fields` false (the gateway's block) host and port are not accepted: the gateway
// chooses them. Throws yaml::FieldError.
void read_mock_fields(yaml::Fields& f, MockOptions& o, bool network_fields);

}  // namespace llmctl::mock
