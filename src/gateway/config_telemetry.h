// Private to src/gateway: the reader of the config's `telemetry:` block (config_telemetry.cpp)
// and of the OpenTelemetry environment variables it falls back to.
#pragma once

#include "gateway/config.h"
#include "gateway/yaml_fields.h"

namespace llmctl::gateway::yaml {

// Top level `telemetry:`; without one (or without an endpoint in it) the standard environment:
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is), OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/traces),
// OTEL_EXPORTER_OTLP_(TRACES_)HEADERS, OTEL_SERVICE_NAME; OTEL_SDK_DISABLED=true turns it off.
void read_telemetry(Fields& f, Config& c, const Environment& env);

}  // namespace llmctl::gateway::yaml
