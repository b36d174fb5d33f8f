#include "agent/mcp/library.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "agent/ask/scripts.h"
#include "agent/embedded.h"
#include "agent/tools/plan_spec_schema.h"
#include "audit/rules.h"
#include "catalog/catalog_json.h"
#include "common/json_writer.h"
#include "common/strings.h"

namespace llmctl::agent::mcp {
namespace {

namespace json = boost::json;

constexpr std::string_view kScheme = "llmctl://";
const std::vector<std::string> kCatalogKinds = {"gpus", "models", "engines", "prices"};

std::string rule_markdown(const audit::RuleInfo& r) {
  return fmt::format(
      "# {} — {}\n\nseverity: {}; category: {}\n\n## What it checks\n{}\n\n## Why\n{}\n\n## Fix\n"
      "{}\n\n## Example\n```\n{}\n```\n",
      r.id, r.title, audit::severity_name(r.severity), r.category, r.detects, r.why, r.fix,
      r.example);
}

std::vector<std::string> with_prefix(const std::vector<std::string>& values,
                                     const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& v : values)
    if (starts_with(to_lower(v), to_lower(prefix))) out.push_back(v);
  return out;
}

}  // namespace

std::string uri_encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::string uri_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

Library::Library(const catalog::Catalog& catalog, const Knowledge& knowledge)
    : catalog_(catalog), knowledge_(knowledge) {}

std::vector<std::string> Library::ids(const std::string& kind) const {
  std::vector<std::string> out;
  if (kind == "gpus")
    for (const auto& x : catalog_.gpus) out.push_back(x.id);
  if (kind == "models")
    for (const auto& x : catalog_.models) out.push_back(x.id);
  if (kind == "engines")
    for (const auto& x : catalog_.engines) out.push_back(x.id);
  if (kind == "prices")
    for (const auto& x : catalog_.prices) out.push_back(x.id);
  if (kind == "knowledge")
    for (const auto& x : knowledge_.entries) out.push_back(x.id);
  if (kind == "rules")
    for (const auto& r : audit::all_rules()) out.emplace_back(r.id);
  if (kind == "docs")
    for (const auto& [name, text] : embedded_files())
      if (name.size() > 3 && name.substr(name.size() - 3) == ".md") out.emplace_back(fs_name(name));
  return out;
}

std::string Library::fs_name(std::string_view path) {
  auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::vector<ResourceInfo> Library::resources() const {
  std::vector<ResourceInfo> out;
  out.push_back({"llmctl://schema/plan-spec", "plan-spec", "Plan spec JSON Schema",
                 "The deployment requirements llmctl accepts (plan and deploy tools' spec)",
                 "application/schema+json"});
  for (const auto& name : ids("docs"))
    out.push_back({fmt::format("llmctl://docs/{}", name), name, "llmctl " + name,
                   "llmctl documentation", "text/markdown"});
  for (const auto& e : knowledge_.entries)
    out.push_back({fmt::format("llmctl://knowledge/{}", e.id), e.id, e.title,
                   fmt::format("{} (source: {}, {})", kind_name(e.kind), e.source, e.as_of),
                   "text/markdown"});
  for (const auto& r : audit::all_rules())
    out.push_back({fmt::format("llmctl://audit/rules/{}", r.id), std::string(r.id),
                   std::string(r.title), fmt::format("audit rule ({})", r.category),
                   "text/markdown"});
  for (const auto& kind : kCatalogKinds)
    for (const auto& id : ids(kind))
      out.push_back(
          {fmt::format("llmctl://catalog/{}/{}", kind, uri_encode(id)), id, id,
           fmt::format("catalog {} entry with source and date", kind.substr(0, kind.size() - 1)),
           "application/json"});
  return out;
}

std::vector<ResourceTemplate> Library::resource_templates() const {
  return {
      {"llmctl://catalog/{kind}/{id}", "catalog-entry", "Catalog entry",
       "A GPU, model, engine or hosted-API price (kind: gpus, models, engines, prices)",
       "application/json"},
      {"llmctl://knowledge/{id}", "knowledge", "Knowledge entry",
       "A decision framework, anti-pattern, tool or workload profile", "text/markdown"},
      {"llmctl://audit/rules/{id}", "audit-rule", "Audit rule",
       "What the rule checks, why, the fix", "text/markdown"},
      {"llmctl://docs/{name}", "doc", "Documentation", "README.md and docs/*.md", "text/markdown"},
  };
}

Result<ResourceText> Library::read(const std::string& uri) const {
  auto fail = [&]() -> Result<ResourceText> {
    return Error{
        fmt::format("no resource '{}' (see resources/list and resources/templates/list)", uri)};
  };
  if (!starts_with(uri, kScheme)) return fail();
  std::vector<std::string> parts = split(uri.substr(kScheme.size()), '/');
  if (parts.size() == 2 && parts[0] == "schema" && parts[1] == "plan-spec")
    return ResourceText{uri, "application/schema+json",
                        to_pretty_json(plan_spec_schema_document())};
  if (parts.size() == 2 && parts[0] == "docs")
    for (const auto& [name, text] : embedded_files())
      if (fs_name(name) == parts[1] && name.size() > 3 && name.substr(name.size() - 3) == ".md")
        return ResourceText{uri, "text/markdown", std::string(text)};
  if (parts.size() == 2 && parts[0] == "knowledge")
    if (const auto* e = knowledge_.find(uri_decode(parts[1])))
      return ResourceText{uri, "text/markdown", to_markdown(*e)};
  if (parts.size() == 3 && parts[0] == "audit" && parts[1] == "rules")
    if (const auto* r = audit::find_rule(uri_decode(parts[2])))
      return ResourceText{uri, "text/markdown", rule_markdown(*r)};
  if (parts.size() == 3 && parts[0] == "catalog") {
    const std::string id = uri_decode(parts[2]);
    json::value v;
    if (parts[1] == "gpus")
      if (const auto* g = catalog_.find_gpu(id)) v = catalog::to_json(*g);
    if (parts[1] == "models")
      if (const auto* m = catalog_.find_model(id)) v = catalog::to_json(*m);
    if (parts[1] == "engines")
      if (const auto* e = catalog_.find_engine(id)) v = catalog::to_json(*e);
    if (parts[1] == "prices")
      if (const auto* p = catalog_.find_price(id)) v = catalog::to_json(*p);
    if (!v.is_null()) return ResourceText{uri, "application/json", to_pretty_json(v)};
  }
  return fail();
}

std::vector<PromptInfo> Library::prompts() const {
  std::vector<PromptInfo> out;
  for (const auto& s : ask::scripts()) {
    PromptInfo p{s.id, s.title, s.description, {}};
    for (const auto& slot : s.slots) {
      const ask::SlotSpec* spec = ask::find_slot(slot);
      p.arguments.push_back(
          {slot, spec ? fmt::format("{} (e.g. {})", spec->question, spec->example) : slot, false});
    }
    out.push_back(std::move(p));
  }
  return out;
}

Result<PromptText> Library::prompt(const std::string& name,
                                   const std::map<std::string, std::string>& arguments) const {
  const ask::ScriptSpec* s = ask::find_script(name);
  if (!s) {
    std::vector<std::string> names;
    for (const auto& x : ask::scripts()) names.push_back(x.id);
    return Error{fmt::format("unknown prompt '{}'; prompts: {}", name, join(names, ", "))};
  }
  for (const auto& [k, v] : arguments)
    if (std::find(s->slots.begin(), s->slots.end(), k) == s->slots.end())
      return Error{
          fmt::format("arguments.{}: prompt '{}' takes {}", k, name, join(s->slots, ", "))};
  return PromptText{s->description, {{"user", ask::prompt_text(*s, arguments)}}};
}

Result<std::vector<std::string>> Library::complete_prompt(const std::string& prompt,
                                                          const std::string& argument,
                                                          const std::string& prefix) const {
  const ask::ScriptSpec* s = ask::find_script(prompt);
  if (!s) return Error{fmt::format("unknown prompt '{}'", prompt)};
  if (std::find(s->slots.begin(), s->slots.end(), argument) == s->slots.end())
    return Error{fmt::format("prompt '{}' has no argument '{}'", prompt, argument)};
  if (argument == "model") return with_prefix(ids("models"), prefix);
  if (argument == "gpu") return with_prefix(ids("gpus"), prefix);
  if (argument == "current_model") return with_prefix(ids("prices"), prefix);
  if (argument == "target")
    return with_prefix({"k8s", "kserve", "helm-production-stack", "skypilot", "compose"}, prefix);
  if (argument == "app") {
    std::vector<std::string> apps;
    for (const auto& e : knowledge_.entries)
      if (e.kind == EntryKind::kWorkload) apps.push_back(e.id);
    for (const char* a : {"rag", "agent", "summarization", "batch"}) apps.emplace_back(a);
    return with_prefix(apps, prefix);
  }
  return std::vector<std::string>{};
}

Result<std::vector<std::string>> Library::complete_resource(const std::string& uri_template,
                                                            const std::string& argument,
                                                            const std::string& prefix) const {
  if (uri_template == "llmctl://catalog/{kind}/{id}") {
    if (argument == "kind") return with_prefix(kCatalogKinds, prefix);
    if (argument == "id") {
      std::vector<std::string> all;
      for (const auto& k : kCatalogKinds)
        for (const auto& id : ids(k)) all.push_back(id);
      return with_prefix(all, prefix);
    }
  }
  if (uri_template == "llmctl://knowledge/{id}" && argument == "id")
    return with_prefix(ids("knowledge"), prefix);
  if (uri_template == "llmctl://audit/rules/{id}" && argument == "id")
    return with_prefix(ids("rules"), prefix);
  if (uri_template == "llmctl://docs/{name}" && argument == "name")
    return with_prefix(ids("docs"), prefix);
  return Error{fmt::format("no template '{}' with a variable '{}'", uri_template, argument)};
}

}  // namespace llmctl::agent::mcp
