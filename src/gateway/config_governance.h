// Private to src/gateway: the reader of the config's `governance:` block (config_governance.cpp).
#pragma once

#include "gateway/config.h"
#include "gateway/yaml_fields.h"

namespace llmctl::gateway::yaml {

// Top level `governance:`; call after the model groups are read (their names are checked).
void read_governance(Fields& f, Config& c, const Environment& env);

}  // namespace llmctl::gateway::yaml
