// The plan spec's JSON Schema: what an AI solution architect (or any agent) hands llmctl as the
// deployment requirements. It mirrors docs/PLAN.md (the planner's fields) and docs/DEPLOY.md (the
// optional `deploy:` section). The parsers stay the authority — they check what a schema cannot
// (catalog ids, p95 >= p50, average <= peak) — and tests/integration/agent_schema.test.mjs ties
// the two together: every example spec validates, a spec using every property parses, and an
// unknown property fails both.
#include "agent/tools/plan_spec_schema.h"

#include <boost/json.hpp>

#include "agent/tools/params.h"

namespace llmctl::agent {
namespace {

constexpr std::string_view kPlanSpecSchema = R"json({
  "type": "object",
  "description": "Deployment requirements for `llmctl plan` and `llmctl deploy`: what to serve, the traffic, the SLOs, the budget, the constraints and (optionally) deployment settings. Exactly one of model, models, tier.",
  "additionalProperties": false,
  "required": ["traffic"],
  "oneOf": [{"required": ["model"]}, {"required": ["models"]}, {"required": ["tier"]}],
  "properties": {
    "name": {"type": "string", "minLength": 1, "description": "label for the output and the deployment's name"},
    "model": {"type": "string", "minLength": 1, "description": "a catalog model id (llama-3.1-70b) or a hosted model name (gpt-4o, openai/gpt-4o)"},
    "models": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}, "description": "several models, compared against each other"},
    "tier": {"enum": ["frontier", "strong", "fast", "small"], "description": "this quality tier or better"},
    "traffic": {
      "type": "object",
      "additionalProperties": false,
      "description": "peak/average requests per second and token lengths, or a CSV trace",
      "anyOf": [{"required": ["trace"]}, {"required": ["peak_qps", "input_tokens", "output_tokens"]}],
      "properties": {
        "peak_qps": {"type": "number", "exclusiveMinimum": 0, "description": "requests/s in the busiest minute; sizes the fleet"},
        "average_qps": {"type": "number", "exclusiveMinimum": 0, "description": "requests/s over the month (at most peak_qps); prices tokens"},
        "input_tokens": {"$ref": "#/definitions/lengths"},
        "output_tokens": {"$ref": "#/definitions/lengths"},
        "trace": {
          "description": "a CSV trace (TIMESTAMP,ContextTokens,GeneratedTokens) instead of the rates and lengths; relative to the spec's folder",
          "anyOf": [
            {"type": "string", "minLength": 1},
            {"type": "object", "additionalProperties": false, "required": ["file"],
             "properties": {"file": {"type": "string", "minLength": 1},
                            "qps_scale": {"type": "number", "exclusiveMinimum": 0}}}
          ]
        },
        "cacheable_input_share": {"type": "number", "minimum": 0, "maximum": 1, "description": "share of input tokens a prompt cache serves"},
        "batchable_share": {"type": "number", "minimum": 0, "maximum": 1, "description": "share of tokens that can wait for a batch API"},
        "autoscaling": {"type": "boolean", "description": "true: bill the average fleet; false: the peak fleet all month"}
      }
    },
    "slo": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "ttft_p95_ms": {"type": "number", "exclusiveMinimum": 0, "description": "p95 time to first token"},
        "tpot_p95_ms": {"type": "number", "exclusiveMinimum": 0, "description": "p95 time per output token"},
        "ttft_p99_ms": {"type": "number", "exclusiveMinimum": 0, "description": "p99 time to first token (at least ttft_p95_ms); held by the plan's simulation of its top options"},
        "tpot_p99_ms": {"type": "number", "exclusiveMinimum": 0, "description": "p99 time per output token (at least tpot_p95_ms); held by the plan's simulation of its top options"},
        "availability": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "description": "a fraction such as 0.999; >= 0.999 adds a spare replica"}
      }
    },
    "budget": {
      "type": "object",
      "additionalProperties": false,
      "required": ["monthly_usd"],
      "properties": {"monthly_usd": {"type": "number", "exclusiveMinimum": 0}}
    },
    "constraints": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "self_hosting": {"type": "boolean"},
        "api": {"type": "boolean"},
        "provisioned": {"type": "boolean", "description": "provisioned throughput on the APIs' platforms"},
        "serverless": {"type": "boolean", "description": "serverless GPUs billed by the second"},
        "gpus": {"$ref": "#/definitions/ids", "description": "GPU types available (catalog ids)"},
        "clouds": {"$ref": "#/definitions/ids", "description": "GPU price providers allowed"},
        "api_providers": {"$ref": "#/definitions/ids", "description": "hosted-API providers allowed"},
        "engines": {"$ref": "#/definitions/ids", "description": "serving engines"},
        "dtypes": {"anyOf": [{"$ref": "#/definitions/dtype"},
                             {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/dtype"}}]},
        "data_residency": {"enum": ["any", "on-prem"]},
        "max_tp": {"type": "integer", "enum": [1, 2, 4, 8, 16, 32, 64]},
        "gpu_usd_per_hour": {"type": "object", "additionalProperties": {"type": "number", "exclusiveMinimum": 0},
                             "description": "your own $ per GPU-hour by GPU id"}
      }
    },
    "deploy": {
      "type": "object",
      "additionalProperties": false,
      "description": "settings for `llmctl deploy` (docs/DEPLOY.md)",
      "properties": {
        "name": {"type": "string", "minLength": 1},
        "namespace": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63},
        "model_repo": {"type": "string", "minLength": 1},
        "revision": {"type": "string", "minLength": 1},
        "storage_class": {"type": "string", "minLength": 1},
        "node_selector": {"type": "object", "additionalProperties": {"type": "string"}},
        "load_bandwidth_mb_s": {"type": "number", "minimum": 1, "maximum": 100000},
        "prometheus_url": {"type": "string", "minLength": 1},
        "monitoring_labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "gateway": {"type": "object", "additionalProperties": false,
                    "properties": {"image": {"type": "string", "minLength": 1},
                                   "replicas": {"type": "integer", "minimum": 1, "maximum": 100}}},
        "autoscaling": {"type": "object", "additionalProperties": false,
                        "properties": {"scale_to_zero": {"type": "boolean"},
                                       "cold_start_budget_s": {"type": "integer", "minimum": 1, "maximum": 86400}}},
        "eval": {"type": "object", "additionalProperties": false,
                 "properties": {"command": {"type": "string", "minLength": 1},
                                "threshold": {"type": "number"}}},
        "platform": {"type": "object", "additionalProperties": false,
                     "description": "a managed platform's option: endpoint (Azure), region (Bedrock), deployment name (Azure)",
                     "properties": {"endpoint": {"type": "string", "pattern": "^https://"},
                                    "region": {"type": "string", "minLength": 1},
                                    "deployment": {"type": "string", "minLength": 1}}}
      }
    }
  },
  "definitions": {
    "lengths": {
      "description": "tokens per request: a number (the mean) or {mean, p50, p95}",
      "anyOf": [
        {"type": "number", "exclusiveMinimum": 0},
        {"type": "object", "additionalProperties": false, "required": ["mean"],
         "properties": {"mean": {"type": "number", "exclusiveMinimum": 0},
                        "p50": {"type": "number", "exclusiveMinimum": 0},
                        "p95": {"type": "number", "exclusiveMinimum": 0}}}
      ]
    },
    "ids": {"anyOf": [{"type": "string", "minLength": 1},
                      {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}}]},
    "dtype": {"enum": ["bf16", "fp16", "fp8", "fp4", "mxfp4", "int4"]}
  }
})json";

namespace json = boost::json;

// Replaces {"$ref": "#/definitions/X", ...} by definition X (plus the siblings), so the schema is
// self-contained and can be nested inside a tool's input schema, where "#/" means another root.
json::value inline_refs(const json::value& v, const json::object& definitions) {
  if (v.is_array()) {
    json::array out;
    for (const auto& item : v.as_array()) out.push_back(inline_refs(item, definitions));
    return out;
  }
  if (!v.is_object()) return v;
  const json::object& o = v.as_object();
  json::object out;
  if (const json::value* ref = o.if_contains("$ref")) {
    std::string_view target = ref->as_string();
    constexpr std::string_view kPrefix = "#/definitions/";
    out = inline_refs(definitions.at(target.substr(kPrefix.size())), definitions).as_object();
  }
  for (const auto& kv : o) {
    if (kv.key() == "$ref" || kv.key() == "definitions") continue;
    out[kv.key()] = inline_refs(kv.value(), definitions);
  }
  return out;
}

}  // namespace

const boost::json::object& plan_spec_schema() {
  static const json::object schema = [] {
    json::object raw = schema_literal(kPlanSpecSchema);
    return inline_refs(raw, raw.at("definitions").as_object()).as_object();
  }();
  return schema;
}

boost::json::object plan_spec_schema_document() {
  json::object doc;
  doc["$schema"] = "http://json-schema.org/draft-07/schema#";
  doc["title"] = "llmctl plan spec";
  for (const auto& kv : plan_spec_schema()) doc[kv.key()] = kv.value();
  return doc;
}

}  // namespace llmctl::agent
