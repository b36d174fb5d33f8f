#include "catalog/litellm_import.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <cmath>
#include <set>

#include "common/strings.h"

namespace llmctl::catalog {
namespace json = boost::json;

namespace {

// LiteLLM provider names -> catalog provider ids.
std::string provider_id(const std::string& litellm_provider) {
  static const std::map<std::string, std::string> kMap = {
      {"openai", "openai"},
      {"text-completion-openai", "openai"},
      {"anthropic", "anthropic"},
      {"gemini", "google"},
      {"vertex_ai-language-models", "google-vertex"},
      {"together_ai", "together"},
      {"fireworks_ai", "fireworks"},
      {"groq", "groq"},
      {"deepinfra", "deepinfra"},
      {"mistral", "mistral"},
      {"deepseek", "deepseek"},
      {"azure", "azure"},
      {"bedrock", "bedrock"},
      {"xai", "xai"},
      {"cohere_chat", "cohere"},
  };
  auto it = kMap.find(litellm_provider);
  return it == kMap.end() ? to_lower(litellm_provider) : it->second;
}

std::optional<double> number(const json::object& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end()) return std::nullopt;
  if (it->value().is_double()) return it->value().get_double();
  if (it->value().is_int64()) return static_cast<double>(it->value().get_int64());
  if (it->value().is_uint64()) return static_cast<double>(it->value().get_uint64());
  return std::nullopt;
}

// Per-token prices as $/M tokens, rounded to remove binary noise (2.5e-06 * 1e6).
double per_mtok(double per_token) { return std::round(per_token * 1e6 * 1e6) / 1e6; }

}  // namespace

Result<PriceImport> import_litellm_prices(const std::string& json_text,
                                          const std::string& source_name,
                                          const std::string& as_of) {
  boost::system::error_code ec;
  json::value root = json::parse(json_text, ec);
  if (ec) return Error{fmt::format("{}: invalid JSON: {}", source_name, ec.message())};
  if (!root.is_object())
    return Error{fmt::format("{}: expected a JSON object keyed by model name", source_name)};

  PriceImport out;
  std::set<std::string> seen;
  YAML::Emitter y;
  y << YAML::Comment(
      fmt::format("Imported by `llmctl catalog import-prices` from {} on {}.", source_name, as_of));
  y << YAML::BeginMap << YAML::Key << "prices" << YAML::Value << YAML::BeginSeq;
  for (const auto& kv : root.as_object()) {
    std::string key(kv.key());
    if (key == "sample_spec") continue;
    if (!kv.value().is_object()) {
      ++out.skipped["entry is not an object"];
      continue;
    }
    const json::object& e = kv.value().as_object();
    std::string mode = e.contains("mode") && e.at("mode").is_string()
                           ? std::string(e.at("mode").as_string())
                           : "chat";
    if (mode != "chat" && mode != "completion" && mode != "responses") {
      ++out.skipped["mode is not chat/completion (" + mode + ")"];
      continue;
    }
    auto in = number(e, "input_cost_per_token");
    auto outp = number(e, "output_cost_per_token");
    if (!in || !outp) {
      ++out.skipped["no per-token input/output price"];
      continue;
    }
    std::string lprov = e.contains("litellm_provider") && e.at("litellm_provider").is_string()
                            ? std::string(e.at("litellm_provider").as_string())
                            : "";
    if (lprov.empty()) {
      ++out.skipped["no litellm_provider"];
      continue;
    }
    std::string provider = provider_id(lprov);
    std::string model = key;
    // LiteLLM prefixes many keys with their provider route ("together_ai/meta-llama/...").
    if (starts_with(model, lprov + "/")) model = model.substr(lprov.size() + 1);
    auto ctx = number(e, "max_input_tokens");
    if (!ctx) ctx = number(e, "max_tokens");
    if (!ctx || *ctx < 1) {
      ++out.skipped["no context window"];
      continue;
    }
    std::string id = to_lower(provider + "/" + model);
    if (!is_catalog_id(id)) {
      ++out.skipped["model name has characters ids cannot hold"];
      continue;
    }
    if (!seen.insert(id).second) {
      ++out.skipped["duplicate provider/model"];
      continue;
    }
    y << YAML::BeginMap;
    y << YAML::Key << "id" << YAML::Value << id;
    y << YAML::Key << "provider" << YAML::Value << provider;
    y << YAML::Key << "model" << YAML::Value << to_lower(model);
    y << YAML::Key << "input_usd_per_mtok" << YAML::Value << per_mtok(*in);
    y << YAML::Key << "output_usd_per_mtok" << YAML::Value << per_mtok(*outp);
    if (auto r = number(e, "cache_read_input_token_cost"))
      y << YAML::Key << "cache_read_usd_per_mtok" << YAML::Value << per_mtok(*r);
    if (auto w = number(e, "cache_creation_input_token_cost"))
      y << YAML::Key << "cache_write_usd_per_mtok" << YAML::Value << per_mtok(*w);
    if (auto b = number(e, "input_cost_per_token_batches"); b && *in > 0) {
      double discount = std::round((1 - *b / *in) * 1000) / 1000;
      if (discount > 0 && discount < 1)
        y << YAML::Key << "batch_discount" << YAML::Value << discount;
    }
    y << YAML::Key << "context_window" << YAML::Value << static_cast<long long>(*ctx);
    if (auto mo = number(e, "max_output_tokens"))
      y << YAML::Key << "max_output_tokens" << YAML::Value << static_cast<long long>(*mo);
    y << YAML::Key << "usage_semantics" << YAML::Value
      << (provider == "anthropic" ? "input_excludes_cached" : "input_includes_cached");
    y << YAML::Key << "source" << YAML::Value
      << fmt::format("LiteLLM model_prices_and_context_window.json ({}), key \"{}\"", source_name,
                     key);
    y << YAML::Key << "as_of" << YAML::Value << as_of;
    y << YAML::EndMap;
    ++out.imported;
  }
  y << YAML::EndSeq << YAML::EndMap;
  out.yaml = std::string(y.c_str()) + "\n";
  return out;
}

}  // namespace llmctl::catalog
