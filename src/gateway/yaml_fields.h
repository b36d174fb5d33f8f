// Private to src/gateway: the gateway's config and scenario readers use the one field reader
// (yaml/fields.h); the public parse functions catch its FieldError at their border.
#pragma once

#include "yaml/fields.h"

namespace llmctl::gateway::yaml {

// The one field reader (yaml/fields.h); the gateway's readers use it under these names.
using llmctl::yaml::describe;
using llmctl::yaml::FieldError;
using llmctl::yaml::Fields;
using llmctl::yaml::parse;
using llmctl::yaml::position;

}  // namespace llmctl::gateway::yaml

namespace llmctl::gateway {
struct MockOptions;
namespace yaml {
// Reads the MockOptions fields of a scenario map (also the gateway config's `simulator:` block,
// where `network_fields` is false: host and port are chosen by the gateway).
void read_mock_fields(Fields& f, MockOptions& o, bool network_fields);
}  // namespace yaml
}  // namespace llmctl::gateway
