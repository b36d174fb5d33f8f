// What LLM code carries besides its calls: LLM004 (floating model aliases), LLM006 (hard-coded
// keys), LLM007 (dynamic values ahead of a long static prompt) and LLM009 (a long static system
// prompt to Anthropic without cache_control).
#include <fmt/format.h>

#include "audit/facts/code.h"
#include "audit/rules/rules.h"
#include "common/strings.h"

namespace llmctl::audit::detail {
namespace {

using S = Severity;

constexpr size_t kLongPromptChars = 4096;  // ~1,024 tokens: Anthropic's minimum cacheable

// A name the provider repoints to new snapshots: *-latest, chatgpt-*, the old preview aliases,
// Go SDK constants ending in Latest.
bool floating_alias(const std::string& value) {
  std::string name = value;
  if (size_t slash = name.find_last_of('/'); slash != std::string::npos)
    name = name.substr(slash + 1);
  std::string l = to_lower(name);
  return ends_with(l, "-latest") || ends_with(value, "Latest") || starts_with(l, "chatgpt-") ||
         l == "gpt-4-turbo-preview" || l == "gpt-4-vision-preview" || l == "gpt-3.5-turbo";
}

// The catalog's retired entry for a model value ("openai/gpt-4-0314" or "gpt-4-0314"), or nullptr.
// The names and dates are data (data/retired.yaml), kept with their source.
const catalog::RetiredModel* retired_model(const catalog::Catalog& cat, const std::string& value) {
  std::string_view name = value;
  if (std::size_t slash = name.find_last_of('/'); slash != std::string_view::npos)
    name = name.substr(slash + 1);
  return cat.find_retired(name);
}

}  // namespace

void add_llm_code_rule_docs(std::vector<RuleInfo>& out) {
  out.push_back(
      {"LLM004", "code", S::kWarning, "Floating model alias in production code",
       "A model argument, or a variable named like *model* assigned a model name, that the "
       "provider repoints silently: any name ending in -latest (claude-3-5-sonnet-latest, "
       "gemini-1.5-pro-latest, mistral-large-latest), chatgpt-* (chatgpt-4o-latest), "
       "gpt-4-turbo-preview, gpt-4-vision-preview, gpt-3.5-turbo, and Go SDK constants ending "
       "in Latest; also a name the provider has shut down, whose calls fail: the catalog's "
       "retired hosted models (data/retired.yaml, each with its shutdown date and the "
       "provider's deprecations notice; e.g. gpt-4-1106-preview, 2026-03-26). Undated "
       "names that providers move only with notice (gpt-4o, claude-sonnet-4-5) are deliberately "
       "not flagged. Only a name the file shows reaching a request is judged: a model argument "
       "of an LLM call, a request body field, a setting the file assigns (MODEL = ..., a class "
       "field, a Go const); a parameter default or keyword argument only where the file hands "
       "that name to a model field (model=strong_model), an object key only in an object with "
       "request fields (messages, prompt, max_tokens, ...). A model name used as a data key (an "
       "id looked up in arena data or a trained router's model list) is not a call. Tests, "
       "examples and docs are skipped.",
       "Aliases are repointed to new snapshots, so behaviour, cost and eval results change with "
       "no deploy; OpenAI staff recommend pinning dated snapshots and chatgpt-4o-latest is "
       "described as not suited for production. Research: agents-and-deploy.md §4.2 item 5 "
       "(community.openai.com thread 1246138; openrouter.ai/openai/chatgpt-4o-latest).",
       "Pin a dated snapshot (claude-sonnet-4-5-20250929, gpt-4.1-2025-04-14) and move it on "
       "purpose after evals.",
       "model=\"claude-3-5-sonnet-latest\""});
  out.push_back(
      {"LLM006", "code", S::kError, "Hard-coded API key",
       "A provider key in source code or comments: sk-... (OpenAI, incl. sk-proj-), sk-ant-... "
       "(Anthropic), AIza... (Google), hf_... (Hugging Face), gsk_... (Groq), xai-... (xAI). "
       "Keys must be long, mix upper/lower case and digits, and not be placeholders (sk-xxxx, "
       "sk-your-key-here). A key-shaped literal that documents a setting is not reported: the "
       "value (or a list element) of a parameter or key named examples/example, description, "
       "help, placeholder, title, summary or hint (a pydantic Field's examples=, a JSON-schema "
       "or OpenAPI example, argparse/click help=, an input's placeholder=), zod's .describe(), "
       "a Go struct tag's example:\"...\"; api_key=, a setting's default= and headers are. "
       "Applies to tests and examples too.",
       "A committed key is leaked to everyone with the repository and its history; "
       "kube-linter's env-var-secret and K8sGPT's plain-text key show the same class of "
       "problem. Research: agents-and-deploy.md §4.2 item 11.",
       "Revoke the key, then read it from the environment or a secret manager (the SDKs read "
       "OPENAI_API_KEY / ANTHROPIC_API_KEY themselves).",
       "client = OpenAI(api_key=\"sk-proj-...\")"});
  out.push_back(
      {"LLM007", "code", S::kWarning, "Dynamic content before a long static prompt",
       "An f-string, template literal or str.format() template of at least 2,048 characters "
       "whose first 512 characters interpolate a per-call value (datetime.now(), Date.now(), "
       "uuid, request/session/user ids, a variable assigned from those) before at least 2,048 "
       "characters of static text; also f\"{now}...\" + LONG_PROMPT.",
       "Provider prompt caches match on an exact prefix; a timestamp or id at the top of the "
       "system prompt changes the prefix on every call, so the long static part is never "
       "served from cache (full input price and latency). MCP's 2026-07-28 changelog asks for "
       "deterministic tools/list order for the same reason. Research: agents-and-deploy.md "
       "§4.2 item 8.",
       "Put the static instructions first and the dynamic values at the end of the prompt or in "
       "the user message.",
       "system = f\"Today is {datetime.now()}. {FIVE_PAGES_OF_RULES}\""});
  out.push_back(
      {"LLM009", "code", S::kWarning, "Long static system prompt to Anthropic without caching",
       "An Anthropic messages.create/stream (Python, JS, Go) whose system argument is static "
       "text of 4,096+ characters (~1,024 tokens: a literal, or a variable assigned a literal "
       "in the same file) while no cache_control appears anywhere in the call.",
       "Anthropic caches only prefixes marked with cache_control (minimum 1,024 tokens on most "
       "models); cache reads cost 10% of the input price, so a long system prompt sent without "
       "it is paid in full on every call. Research: agents-and-deploy.md §4.2 item 7 "
       "(docs.orq.ai prompt-caching summary of Anthropic's docs).",
       "system=[{\"type\": \"text\", \"text\": PROMPT, \"cache_control\": {\"type\": "
       "\"ephemeral\"}}]",
       "client.messages.create(system=LONG_PROMPT, ...)"});
}

void check_llm_code(FileCtx& f, const CodeFacts& code) {
  // LLM006: keys count everywhere, tests and examples included.
  for (const auto& k : code.keys)
    f.emit("LLM006", k.pos,
           fmt::format("hard-coded API key '{}...{}' ({} characters)", k.key.substr(0, 7),
                       k.key.substr(k.key.size() - 3), k.key.size()),
           "revoke the key, then read it from the environment or a secret manager "
           "(OPENAI_API_KEY / ANTHROPIC_API_KEY are read by the SDKs automatically)");
  if (!code.production) return;
  // LLM004: floating aliases in call arguments and model-named variables.
  auto alias = [&](const std::string& value, Pos at, bool in_call) {
    if (const catalog::RetiredModel* r = retired_model(f.cat, value)) {
      f.emit("LLM004", at,
             fmt::format("model '{}' is shut down by {} from {} (its deprecations page): "
                         "calls naming it fail",
                         value, r->provider, r->shutdown),
             fmt::format("move to a current model ({}) after evals, pinned to a dated snapshot",
                         r->replacement));
      return;
    }
    if (!floating_alias(value)) return;
    f.emit("LLM004", at,
           fmt::format("model '{}' is a floating alias: the provider repoints it to new "
                       "snapshots, so behaviour, cost and evals change without a deploy",
                       value),
           in_call ? "pin a dated snapshot (e.g. claude-sonnet-4-5-20250929, gpt-4.1-2025-04-14) "
                     "and move it deliberately after evals"
                   : "pin a dated snapshot and move it deliberately after evals");
  };
  for (const auto& c : code.calls)
    if (!c.fragment)
      for (const auto& [value, at] : c.model_values) alias(value, at, true);
  for (const auto& [value, at] : code.model_literals) alias(value, at, false);
  // LLM007: a dynamic head on a long static prompt.
  for (const auto& d : code.dynamic_prompts)
    f.emit("LLM007", d.pos,
           fmt::format("dynamic value {{{}}} is placed before {} characters of static prompt "
                       "text: the prompt prefix changes on every call, so provider prompt "
                       "caching never hits",
                       d.expr, d.after),
           "move the dynamic part (time, ids) to the end of the prompt or into the user "
           "message, and keep the long static instructions first");
  // LLM009: a long static system prompt to Anthropic without cache_control.
  for (const auto& c : code.calls) {
    if (c.fragment ||
        (c.provider != "anthropic" && c.provider != "aws-bedrock" && c.provider != "google-vertex"))
      continue;
    if (c.cache_control || c.system_length < kLongPromptChars) continue;
    f.emit("LLM009", c.system_pos,
           fmt::format("a {}-character static system prompt (~{} tokens) goes to Anthropic "
                       "without cache_control: every call pays full input price for it",
                       c.system_length, c.system_length / 4),
           "send system as [{\"type\": \"text\", \"text\": PROMPT, \"cache_control\": "
           "{\"type\": \"ephemeral\"}}] (cache reads cost 10% of input)");
  }
}

}  // namespace llmctl::audit::detail
