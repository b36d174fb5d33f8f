// A lightweight lexer for Python, JavaScript/TypeScript and Go: identifiers, strings (with the
// interpolations of f-strings and template literals), numbers and punctuation, each with its
// byte offset. Comments are dropped. Good enough to find call sites and read their arguments;
// not a parser. Internal to llmctl_audit.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmctl::audit::detail {

enum class Lang { kPython, kJavaScript, kGo };

struct Tok {
  enum class Kind : unsigned char { kIdent, kString, kNumber, kPunct };
  Kind kind = Kind::kPunct;
  std::string_view text;  // raw text (strings include prefix and quotes)
  size_t offset = 0;      // byte offset of `text` in the file
  // Strings only: content without quotes; `interpolated` for f-strings / template literals,
  // whose `parts` hold (offset in content, expression text) of each {expr} / ${expr}.
  std::string value;
  size_t value_offset = 0;  // byte offset of the content in the file
  bool interpolated = false;
  std::vector<std::pair<size_t, std::string>> parts;

  bool is(std::string_view s) const { return text == s; }
  bool ident() const { return kind == Kind::kIdent; }
  bool string() const { return kind == Kind::kString; }
};

std::vector<Tok> lex(std::string_view text, Lang lang);

}  // namespace llmctl::audit::detail
