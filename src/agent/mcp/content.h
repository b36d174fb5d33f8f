// What the MCP server offers besides tools: resources (read-only documents an agent can pull into
// its context) and prompts (workflows a person picks in their client), with completions for
// their arguments. The server only relays; the agent library fills it (library.h).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace llmctl::agent::mcp {

struct ResourceInfo {
  std::string uri;
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
};

struct ResourceTemplate {
  std::string uri_template;  // RFC 6570, e.g. llmctl://catalog/gpus/{id}
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
};

struct ResourceText {
  std::string uri;
  std::string mime_type;
  std::string text;
};

struct PromptArgument {
  std::string name;
  std::string description;
  bool required = false;
};

struct PromptInfo {
  std::string name;
  std::string title;
  std::string description;
  std::vector<PromptArgument> arguments;
};

struct PromptMessage {
  std::string role;  // user | assistant
  std::string text;
};

struct PromptText {
  std::string description;
  std::vector<PromptMessage> messages;
};

class Content {
 public:
  virtual ~Content() = default;
  virtual std::vector<ResourceInfo> resources() const = 0;
  virtual std::vector<ResourceTemplate> resource_templates() const = 0;
  // Errors say which URI and why ("no resource ...; see resources/list").
  virtual Result<ResourceText> read(const std::string& uri) const = 0;
  virtual std::vector<PromptInfo> prompts() const = 0;
  // Errors name the prompt or the missing argument.
  virtual Result<PromptText> prompt(const std::string& name,
                                    const std::map<std::string, std::string>& arguments) const = 0;
  // Values for an argument of a prompt, or of a resource template (its variable), starting with
  // `prefix` (case-insensitive). Errors for an unknown prompt, template or argument.
  virtual Result<std::vector<std::string>> complete_prompt(const std::string& prompt,
                                                           const std::string& argument,
                                                           const std::string& prefix) const = 0;
  virtual Result<std::vector<std::string>> complete_resource(const std::string& uri_template,
                                                             const std::string& argument,
                                                             const std::string& prefix) const = 0;
};

}  // namespace llmctl::agent::mcp
