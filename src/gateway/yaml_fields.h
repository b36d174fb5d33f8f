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
