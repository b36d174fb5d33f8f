// Shared plumbing of the rule files: the per-file emission context and the entry point of each
// input family. Internal to llmctl_audit.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.h"
#include "audit/doc.h"

namespace llmctl::audit::detail {

// One file being audited: its text, where findings go, and the project facts it adds.
class FileCtx {
 public:
  FileCtx(const Auditor& auditor, std::string_view path, std::string_view rel,
          std::string_view text);

  const Auditor& auditor;
  const catalog::Catalog& cat;
  std::string_view path;  // what findings name
  std::string_view rel;   // relative to the audit root
  std::string_view text;
  std::vector<Finding> findings;
  ProjectFacts facts;
  int suppressed = 0;

  bool on(std::string_view rule) const { return auditor.enabled(rule); }
  // Adds a finding unless an inline `llmctl-ignore` covers it. `severity` defaults to the
  // rule's; `fix` to the rule's remedy.
  void emit(std::string_view rule, Pos pos, std::string message, std::string fix = {},
            std::optional<Severity> severity = std::nullopt);
  // Builds a finding (fingerprint included) for the project-level rules; nullopt when an inline
  // comment suppresses it or the rule is off.
  std::optional<Finding> make(std::string_view rule, Pos pos, std::string message,
                              std::string fix = {},
                              std::optional<Severity> severity = std::nullopt);

  // The text of a 1-based line (without the newline); empty past the end.
  std::string_view line_text(int line) const;
  // 1-based line and column of a byte offset in the text.
  Pos pos_of(size_t offset) const;
  // The first occurrence of `needle` at or after line `from` (1-based), within `max_lines`;
  // `fallback` when absent. Used to place findings inside block scalars.
  Pos find_from(int from, std::string_view needle, Pos fallback, int max_lines = 400) const;
  // The first occurrence of `needle` after `start` (within 64 KiB), or `fallback`.
  Pos find_after(Pos start, std::string_view needle, Pos fallback) const;
  // True for tests, examples, docs and notebooks (by rel path): not production code.
  bool non_production() const;
  // A test's own data (tests/, testdata/, fixtures/, e2e/, mocks/): manifests there deploy to a
  // throw-away cluster, so only the secret rules judge them. Examples and docs are not this:
  // users copy them, so they are judged as deployments.
  bool test_fixture() const;
  // A benchmark's or a demo's own files (a folder named demo(s), bench, benchmark(s),
  // benchmarking, loadtest): the servers there are targets of a measurement or a show, not
  // services anyone depends on, so the rules about users and running cost (drain,
  // scale-to-zero, disruption budget, oversized GPU) do not judge them. Everything else does.
  bool benchmark_or_demo() const;
  // Whether a folder of the file's path (not the file's own name), split into words at - _ + .,
  // has one of `words` (`vllm-benchmark/` has "benchmark", `async-inference-gpu/` "async").
  bool in_folder_named(std::initializer_list<std::string_view> words) const;

 private:
  bool suppressed_at(std::string_view rule, int line) const;
  std::string fingerprint(std::string_view rule, int line);
  std::vector<size_t> line_starts_;
  std::vector<std::pair<int, std::string>> ignores_;  // (line, upper-cased comment text)
  std::map<std::string, int> seen_keys_;              // occurrence indices for fingerprints
};

// Small string helpers shared by the rule files.
bool contains(std::string_view s, std::string_view needle);
bool icontains(std::string_view s, std::string_view needle);
bool ends_with(std::string_view s, std::string_view suffix);
std::string upper(std::string_view s);
// A value that looks like a real secret rather than a placeholder or a reference:
// long enough, not "<...>", "${...}", "changeme", "xxxx", and not mostly one character.
bool looks_like_secret(std::string_view value);
// A key the engines' or gateways' own documentation prints as its example (vLLM's
// token-abc123, LiteLLM's sk-1234): kept with the placeholder words in one table
// (audit.cpp kNotASecret). No leak, but no protection either: anyone who read the page has it.
struct SampleKey {
  std::string_view value;   // lower case
  std::string_view source;  // "vLLM's documentation"
};
const SampleKey* published_sample_key(std::string_view value);
// Provider key shapes: sk-..., sk-ant-..., sk-proj-..., AIza..., hf_..., gsk_..., xai-...
bool looks_like_provider_key(std::string_view value);
// The shape of a credential a provider issues, kept in one table (audit.cpp kCredentialShapes):
// the prefix its keys start with, the length of what follows, and the fragments of the variable
// names that hold it (HF_TOKEN, OPENAI_API_KEY).
struct CredentialShape {
  std::string_view provider;  // "Hugging Face"
  std::string_view prefix;    // "hf_"
  size_t min_tail = 0;        // characters after the prefix, at least
  size_t exact_length = 0;    // the whole key's length when fixed (AIza: 39), else 0
  bool llm = false;           // an LLM provider's key (LLM006, GW003, any container's env)
};
// The shape the value has (an LLM provider's key, or with `any_provider` also a cloud or GitHub
// credential: AKIA..., ghp_..., github_pat_...), or nullptr.
const CredentialShape* credential_shape(std::string_view value, bool any_provider);
// The provider a variable name names as the issuer of its credential (HF_TOKEN: Hugging Face,
// OPENAI_API_KEY: OpenAI, AWS_ACCESS_KEY_ID: AWS), or nullptr (VLLM_API_KEY names a key the
// deployment makes up itself, AZURE_OPENAI_API_KEY one without a prefix).
const CredentialShape* provider_of_credential_name(std::string_view name);
// A long, high-entropy string with no spaces that is not a phrase of words: 16+ characters, ten
// or more distinct ones, digits or mixed case, and not only letter words between - _ . (so
// "my-nsma-is-what" and "please-set-me-now" are not tokens, "9f8e7d6c5b4a3928..." is).
bool looks_like_generic_token(std::string_view value);

}  // namespace llmctl::audit::detail
