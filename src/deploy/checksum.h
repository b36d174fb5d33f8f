// The header every file `llmctl deploy` writes, and what it says about a file found on disk.
//
// Each generated file is one header line followed by the body. The header names the source and
// carries the SHA-256 of the body, so a later run can tell a file it wrote and nobody touched
// (safe to overwrite) from one a person edited or wrote (kept unless --force). The header is a
// comment in the file's own syntax: `# ...` for YAML and text, `<!-- ... -->` for Markdown, and a
// first member `"_llmctl": "..."` for JSON objects (JSON has no comments).
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace llmctl::deploy {

// Lower-case hex SHA-256 (FIPS 180-4) of `data`.
std::string sha256_hex(std::string_view data);

enum class FileSyntax { kYaml, kMarkdown, kJson };

// Prepends the header line to `body`. `origin` says what the file was generated from (one line,
// e.g. "examples/chat.yaml, option self:llama-3.1-8b/l4/bf16/tp1/vllm"). For kJson, `body` must
// be a pretty-printed JSON object whose first line is "{".
std::string with_header(FileSyntax syntax, std::string_view origin, std::string_view body);

// What a file on disk is, relative to the file about to be written there.
enum class FileState {
  kAbsent,     // no file: write it
  kUnchanged,  // byte-identical to the new content: nothing to do
  kGenerated,  // written by llmctl and not edited since (checksum matches): overwrite
  kEdited,     // llmctl header, but the body no longer matches its checksum: keep unless --force
  kForeign,    // no llmctl header (a person's file): keep unless --force
};
const char* to_string(FileState state);

// Classifies `existing` (nullopt when there is no file) against `generated`.
FileState classify(const std::optional<std::string>& existing, std::string_view generated);

// The checksum a header line declares, or nullopt when `text` does not start with one.
std::optional<std::string> declared_checksum(std::string_view text);

}  // namespace llmctl::deploy
