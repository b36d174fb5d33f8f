// The Content an llmctl MCP server offers: resources for every catalog entry (JSON), knowledge
// entry and audit rule (Markdown), the docs, and the plan-spec schema; prompts for the four
// interaction scripts (ask/scripts.h); completions from the catalog's ids.
#pragma once

#include "agent/explain/knowledge.h"
#include "agent/mcp/content.h"
#include "catalog/catalog.h"

namespace llmctl::agent::mcp {

class Library : public Content {
 public:
  // Both must outlive the Library.
  Library(const catalog::Catalog& catalog, const Knowledge& knowledge);

  std::vector<ResourceInfo> resources() const override;
  std::vector<ResourceTemplate> resource_templates() const override;
  Result<ResourceText> read(const std::string& uri) const override;
  std::vector<PromptInfo> prompts() const override;
  Result<PromptText> prompt(const std::string& name,
                            const std::map<std::string, std::string>& arguments) const override;
  Result<std::vector<std::string>> complete_prompt(const std::string& prompt,
                                                   const std::string& argument,
                                                   const std::string& prefix) const override;
  Result<std::vector<std::string>> complete_resource(const std::string& uri_template,
                                                     const std::string& argument,
                                                     const std::string& prefix) const override;

 private:
  std::vector<std::string> ids(const std::string& kind) const;
  static std::string fs_name(std::string_view path);
  const catalog::Catalog& catalog_;
  const Knowledge& knowledge_;
};

// "%2F" for '/' and other reserved characters: catalog ids ("openai/gpt-4o") inside one URI
// segment, as RFC 6570 simple expansion of {id} writes them.
std::string uri_encode(std::string_view s);
std::string uri_decode(std::string_view s);

}  // namespace llmctl::agent::mcp
