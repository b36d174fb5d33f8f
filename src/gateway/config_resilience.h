// Private to src/gateway: parsing of the resilience, admin and reload parts of the config
// (kept apart from config.cpp so each part stays small). Each function reads its keys from the
// map being parsed, so Fields::finish() still rejects unknown keys; errors throw FieldError
// with file:line:col and the field path.
#pragma once

#include "gateway/config.h"
#include "gateway/yaml_fields.h"

namespace llmctl::gateway::yaml {

// models[i]: routing, affinity, breaker, retry, fallbacks, context_window_fallbacks.
void read_group_resilience(Fields& m, ModelGroup& g, BreakerPolicy& breaker);
// models[i].deployments[j]: health_check.
void read_deployment_resilience(Fields& d, Deployment& dep);
// Top level: admin, reload; limits.min_timeout_ms is read with the other limits.
void read_admin_and_reload(Fields& f, Config& c, const Environment& env);
// After every group is read: fallback names must name other groups.
void check_group_links(Fields& f, const Config& c);

}  // namespace llmctl::gateway::yaml
