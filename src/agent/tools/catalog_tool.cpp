#include "agent/tools/catalog_tool.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "catalog/catalog_json.h"

namespace llmctl::agent {
namespace {

namespace json = boost::json;

const std::vector<std::string> kKinds = {
    "gpus",       "models",    "engines",           "prices",
    "efficiency", "exporters", "provisioned_units", "provisioned_models",
    "serverless"};

constexpr std::string_view kListSchema = R"json({
  "type": "object",
  "description": "one key, the kind asked for, listing every entry of it (each with source and as_of)",
  "minProperties": 1,
  "maxProperties": 1,
  "properties": {
    "gpus": {"type": "array", "items": {"type": "object", "required": ["id"]}},
    "models": {"type": "array", "items": {"type": "object", "required": ["id"]}},
    "engines": {"type": "array", "items": {"type": "object", "required": ["id"]}},
    "prices": {"type": "array", "items": {"type": "object", "required": ["id"]}},
    "efficiency": {"type": "array", "items": {"type": "object", "required": ["id"]}},
    "exporters": {"type": "array", "items": {"type": "object", "required": ["id"]}},
    "provisioned_units": {"type": "array", "items": {"type": "object", "required": ["id"]}},
    "provisioned_models": {"type": "array", "items": {"type": "object", "required": ["id"]}},
    "serverless": {"type": "array", "items": {"type": "object", "required": ["id"]}}
  },
  "additionalProperties": false
})json";

constexpr std::string_view kShowSchema = R"json({
  "type": "object",
  "required": ["id", "kind"],
  "properties": {
    "id": {"type": "string"},
    "kind": {"enum": ["gpu", "model", "engine", "price", "exporter"]}
  }
})json";

constexpr std::string_view kCostSchema = R"json({
  "type": "object",
  "required": ["total_usd", "input_usd", "cache_read_usd", "cache_write_usd", "output_usd", "batch", "price"],
  "additionalProperties": false,
  "properties": {
    "total_usd": {"type": "number"},
    "input_usd": {"type": "number"},
    "cache_read_usd": {"type": "number"},
    "cache_write_usd": {"type": "number"},
    "output_usd": {"type": "number"},
    "batch": {"type": "boolean"},
    "price": {"type": "object", "required": ["id", "source", "as_of"]}
  }
})json";

}  // namespace

const std::vector<Param>& catalog_list_params() {
  static const std::vector<Param> params = {
      Param::string("kind", "What to list").required().one_of(kKinds)};
  return params;
}

Result<json::value> catalog_list_json(const catalog::Catalog& cat, const json::object& args) {
  const std::string kind = *arg_string(args, "kind");
  json::array a;
  if (kind == "gpus")
    for (const auto& x : cat.gpus) a.push_back(catalog::to_json(x));
  if (kind == "models")
    for (const auto& x : cat.models) a.push_back(catalog::to_json(x));
  if (kind == "engines")
    for (const auto& x : cat.engines) a.push_back(catalog::to_json(x));
  if (kind == "prices")
    for (const auto& x : cat.prices) a.push_back(catalog::to_json(x));
  if (kind == "efficiency")
    for (const auto& x : cat.efficiency) a.push_back(catalog::to_json(x));
  if (kind == "exporters")
    for (const auto& x : cat.exporters) a.push_back(catalog::to_json(x));
  if (kind == "provisioned_units")
    for (const auto& x : cat.provisioned_units) a.push_back(catalog::to_json(x));
  if (kind == "provisioned_models")
    for (const auto& x : cat.provisioned_models) a.push_back(catalog::to_json(x));
  if (kind == "serverless")
    for (const auto& x : cat.serverless) a.push_back(catalog::to_json(x));
  return json::value(json::object{{kind, std::move(a)}});
}

const std::vector<Param>& catalog_show_params() {
  static const std::vector<Param> params = {
      Param::string("id", "Entry id or alias (GPU, model, engine or hosted-API price)").required()};
  return params;
}

Result<json::value> catalog_show_json(const catalog::Catalog& cat, const json::object& args) {
  const std::string id = *arg_string(args, "id");
  json::value v;
  std::string kind;
  if (auto* g = cat.find_gpu(id))
    v = catalog::to_json(*g), kind = "gpu";
  else if (auto* m = cat.find_model(id))
    v = catalog::to_json(*m), kind = "model";
  else if (auto* e = cat.find_engine(id))
    v = catalog::to_json(*e), kind = "engine";
  else if (auto* p = cat.find_price(id))
    v = catalog::to_json(*p), kind = "price";
  else if (auto* x = cat.find_exporter(id))
    v = catalog::to_json(*x), kind = "exporter";
  else
    return Error{fmt::format(
        "no catalog entry '{}'; known GPUs: {}; models: {}; engines: {}; prices: see `llmctl "
        "catalog list prices`",
        id, cat.gpu_ids(), cat.model_ids(), cat.engine_ids())};
  v.as_object()["kind"] = kind;
  return v;
}

const std::vector<Param>& catalog_cost_params() {
  static const std::vector<Param> params = {
      Param::string("model", "Model name, alias, or provider/model").required(),
      Param::string("provider", "Provider (openai, anthropic, google, ...)"),
      Param::integer("input_tokens", "Input tokens, cache reads and writes included")
          .min(0)
          .fallback(0),
      Param::integer("output_tokens", "Output tokens, reasoning included").min(0).fallback(0),
      Param::integer("cache_read_tokens", "Input tokens read from the prompt cache")
          .min(0)
          .fallback(0),
      Param::integer("cache_write_tokens", "Input tokens written to the prompt cache")
          .min(0)
          .fallback(0),
      Param::integer("reasoning_tokens", "Reasoning tokens (part of output)").min(0).fallback(0),
      Param::boolean("provider_usage",
                     "input_tokens is as the provider reports it (Anthropic's excludes cached "
                     "tokens)"),
      Param::boolean("batch", "Priced through the provider's batch API"),
  };
  return params;
}

Result<CostRun> run_catalog_cost(const catalog::Catalog& cat, const json::object& args) {
  const std::string model = *arg_string(args, "model");
  const std::string provider = arg_string(args, "provider").value_or("");
  CostRun run;
  run.price = cat.find_price(model, provider);
  if (!run.price)
    return Error{fmt::format("no price for model '{}'{} (see `llmctl catalog list prices`)", model,
                             provider.empty() ? "" : " from provider '" + provider + "'")};
  const long long input = *arg_integer(args, "input_tokens");
  const long long output = *arg_integer(args, "output_tokens");
  const long long cache_read = *arg_integer(args, "cache_read_tokens");
  const long long cache_write = *arg_integer(args, "cache_write_tokens");
  const long long reasoning = *arg_integer(args, "reasoning_tokens");
  catalog::Usage usage = arg_bool(args, "provider_usage")
                             ? catalog::normalize_usage(run.price->usage_semantics, input,
                                                        cache_read, cache_write, output, reasoning)
                             : catalog::Usage{input, cache_read, cache_write, output, reasoning};
  auto c = catalog::cost_of(*run.price, usage, {arg_bool(args, "batch")});
  if (!c) return c.error();
  run.cost = *c;
  return run;
}

Tool catalog_list_tool() {
  Tool t;
  t.name = "catalog_list";
  t.title = "List catalog entries";
  t.description =
      "List llmctl's catalog of one kind: GPUs (memory, bandwidth, TFLOPS, $/GPU-hour by "
      "provider), models (architecture), engines (images, flags, metrics), hosted-API prices "
      "($/M tokens, cache and batch prices, context), or fitted efficiencies. Every entry has a "
      "source and a date. Same as `llmctl catalog list KIND --format json`.";
  t.params = catalog_list_params();
  t.output_schema = schema_literal(kListSchema);
  t.run = [](const json::object& args, const ToolEnv& env) {
    return catalog_list_json(*env.catalog, args);
  };
  return t;
}

Tool catalog_show_tool() {
  Tool t;
  t.name = "catalog_show";
  t.title = "Show a catalog entry";
  t.description =
      "Show one catalog entry (GPU, model, engine or hosted-API price) by id or alias, with its "
      "source and date. Same as `llmctl catalog show ID --format json`.";
  t.params = catalog_show_params();
  t.output_schema = schema_literal(kShowSchema);
  t.run = [](const json::object& args, const ToolEnv& env) {
    return catalog_show_json(*env.catalog, args);
  };
  return t;
}

Tool catalog_cost_tool() {
  Tool t;
  t.name = "catalog_cost";
  t.title = "Price one request";
  t.description =
      "Price one request's token usage (input, output, cache reads and writes, reasoning, batch) "
      "with the catalog's hosted-API prices and its one cost function. Same as `llmctl catalog "
      "cost --format json`.";
  t.params = catalog_cost_params();
  t.output_schema = schema_literal(kCostSchema);
  t.run = [](const json::object& args, const ToolEnv& env) -> Result<json::value> {
    auto run = run_catalog_cost(*env.catalog, args);
    if (!run) return run.error();
    return catalog::to_json(run->cost);
  };
  return t;
}

}  // namespace llmctl::agent
