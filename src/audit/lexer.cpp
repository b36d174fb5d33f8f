#include "audit/lexer.h"

#include <cctype>

#include "audit/internal.h"

namespace llmctl::audit::detail {
namespace {

bool ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Reads an interpolation starting after `{` (Python) or `${` (JS) at s[i]; returns the index of
// the closing brace. Nested braces and simple strings inside are skipped.
size_t interpolation_end(std::string_view s, size_t i) {
  int depth = 1;
  while (i < s.size()) {
    char c = s[i];
    if (c == '{') ++depth;
    if (c == '}' && --depth == 0) return i;
    if (c == '"' || c == '\'') {
      char q = c;
      ++i;
      while (i < s.size() && s[i] != q && s[i] != '\n') i += s[i] == '\\' ? 2 : 1;
    }
    ++i;
  }
  return s.size();
}

class Lexer {
 public:
  Lexer(std::string_view s, Lang lang) : s_(s), lang_(lang) {}

  std::vector<Tok> run() {
    std::vector<Tok> out;
    out.reserve(s_.size() / 6);
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '\n' || c == ' ' || c == '\t' || c == '\r' || c == '\f') {
        ++i_;
        continue;
      }
      if (lang_ == Lang::kPython && c == '#') {
        skip_line();
        continue;
      }
      if (lang_ != Lang::kPython && c == '/' && i_ + 1 < s_.size()) {
        if (s_[i_ + 1] == '/') {
          skip_line();
          continue;
        }
        if (s_[i_ + 1] == '*') {
          size_t e = s_.find("*/", i_ + 2);
          i_ = e == std::string_view::npos ? s_.size() : e + 2;
          continue;
        }
        if (lang_ == Lang::kJavaScript && regex_allowed(out)) {
          regex();
          continue;
        }
      }
      if (ident_start(c)) {
        size_t b = i_;
        while (i_ < s_.size() && ident_char(s_[i_])) ++i_;
        // Python string prefixes: f"", rb'', ...
        if (lang_ == Lang::kPython && i_ - b <= 2 && i_ < s_.size() &&
            (s_[i_] == '"' || s_[i_] == '\'')) {
          std::string_view prefix = s_.substr(b, i_ - b);
          bool ok = true;
          bool f = false;
          for (char p : prefix) {
            char l = static_cast<char>(std::tolower(static_cast<unsigned char>(p)));
            if (l == 'f') f = true;
            if (l != 'f' && l != 'r' && l != 'b' && l != 'u') ok = false;
          }
          if (ok) {
            out.push_back(py_string(b, f));
            continue;
          }
        }
        Tok t;
        t.kind = Tok::Kind::kIdent;
        t.text = s_.substr(b, i_ - b);
        t.offset = b;
        out.push_back(std::move(t));
        continue;
      }
      if (std::isdigit(static_cast<unsigned char>(c))) {
        size_t b = i_;
        while (i_ < s_.size() &&
               (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' || s_[i_] == '_'))
          ++i_;
        Tok t;
        t.kind = Tok::Kind::kNumber;
        t.text = s_.substr(b, i_ - b);
        t.offset = b;
        out.push_back(std::move(t));
        continue;
      }
      if (c == '"' || c == '\'') {
        if (lang_ == Lang::kPython) {
          out.push_back(py_string(i_, false));
        } else if (lang_ == Lang::kGo && c == '\'') {
          out.push_back(simple_string(c));  // rune
        } else {
          out.push_back(simple_string(c));
        }
        continue;
      }
      if (c == '`') {
        out.push_back(lang_ == Lang::kGo ? raw_string() : template_string());
        continue;
      }
      // Punctuation; a few two/three-character operators matter to the rules.
      Tok t;
      t.kind = Tok::Kind::kPunct;
      t.offset = i_;
      size_t n = 1;
      std::string_view rest = s_.substr(i_, 3);
      for (std::string_view op : {"...", "===", "!==", "**", "==", "!=", ">=", "<=", ":=", "=>",
                                  "?.", "&&", "||", "->", "+=", "-="})
        if (rest.substr(0, op.size()) == op) {
          n = op.size();
          break;
        }
      t.text = s_.substr(i_, n);
      if (t.text == "?.") t.text = s_.substr(i_ + 1, 1);  // optional chaining reads as '.'
      i_ += n;
      out.push_back(std::move(t));
    }
    return out;
  }

 private:
  std::string_view s_;
  Lang lang_;
  size_t i_ = 0;

  void skip_line() {
    while (i_ < s_.size() && s_[i_] != '\n') ++i_;
  }

  bool regex_allowed(const std::vector<Tok>& out) const {
    if (out.empty()) return true;
    const Tok& p = out.back();
    if (p.kind == Tok::Kind::kIdent)
      return p.text == "return" || p.text == "typeof" || p.text == "case" || p.text == "in" ||
             p.text == "of";
    if (p.kind != Tok::Kind::kPunct) return false;
    return !(p.text == ")" || p.text == "]" || p.text == "}");
  }

  void regex() {
    ++i_;
    bool cls = false;
    while (i_ < s_.size() && s_[i_] != '\n') {
      char c = s_[i_];
      if (c == '\\') {
        i_ += 2;
        continue;
      }
      if (c == '[') cls = true;
      if (c == ']') cls = false;
      ++i_;
      if (c == '/' && !cls) break;
    }
    while (i_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[i_]))) ++i_;
  }

  Tok simple_string(char q) {
    Tok t;
    t.kind = Tok::Kind::kString;
    t.offset = i_;
    size_t b = ++i_;
    while (i_ < s_.size() && s_[i_] != q && s_[i_] != '\n') i_ += s_[i_] == '\\' ? 2 : 1;
    if (i_ > s_.size()) i_ = s_.size();
    t.value = std::string(s_.substr(b, i_ - b));
    t.value_offset = b;
    if (i_ < s_.size()) ++i_;
    t.text = s_.substr(t.offset, i_ - t.offset);
    return t;
  }

  Tok raw_string() {
    Tok t;
    t.kind = Tok::Kind::kString;
    t.offset = i_;
    size_t b = ++i_;
    size_t e = s_.find('`', b);
    if (e == std::string_view::npos) e = s_.size();
    t.value = std::string(s_.substr(b, e - b));
    t.value_offset = b;
    i_ = std::min(e + 1, s_.size());
    t.text = s_.substr(t.offset, i_ - t.offset);
    return t;
  }

  Tok template_string() {
    Tok t;
    t.kind = Tok::Kind::kString;
    t.offset = i_;
    t.value_offset = ++i_;
    while (i_ < s_.size() && s_[i_] != '`') {
      if (s_[i_] == '\\') {
        t.value += s_.substr(i_, std::min<size_t>(2, s_.size() - i_));
        i_ += 2;
        continue;
      }
      if (s_[i_] == '$' && i_ + 1 < s_.size() && s_[i_ + 1] == '{') {
        size_t e = interpolation_end(s_, i_ + 2);
        t.interpolated = true;
        t.parts.emplace_back(t.value.size(), std::string(s_.substr(i_ + 2, e - i_ - 2)));
        t.value += "${}";
        i_ = e + 1;
        continue;
      }
      t.value += s_[i_++];
    }
    if (i_ < s_.size()) ++i_;
    if (i_ > s_.size()) i_ = s_.size();
    t.text = s_.substr(t.offset, i_ - t.offset);
    return t;
  }

  Tok py_string(size_t start, bool f) {
    Tok t;
    t.kind = Tok::Kind::kString;
    t.offset = start;
    char q = s_[i_];
    bool triple = i_ + 2 < s_.size() && s_[i_ + 1] == q && s_[i_ + 2] == q;
    i_ += triple ? 3 : 1;
    t.value_offset = i_;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '\\') {
        t.value += s_.substr(i_, std::min<size_t>(2, s_.size() - i_));
        i_ += 2;
        continue;
      }
      if (!triple && c == '\n') break;
      if (c == q && (!triple || (i_ + 2 < s_.size() && s_[i_ + 1] == q && s_[i_ + 2] == q))) {
        i_ += triple ? 3 : 1;
        break;
      }
      if (f && c == '{') {
        if (i_ + 1 < s_.size() && s_[i_ + 1] == '{') {
          t.value += '{';
          i_ += 2;
          continue;
        }
        size_t e = interpolation_end(s_, i_ + 1);
        t.interpolated = true;
        t.parts.emplace_back(t.value.size(), std::string(s_.substr(i_ + 1, e - i_ - 1)));
        t.value += "{}";
        i_ = e + 1;
        continue;
      }
      t.value += c;
      ++i_;
    }
    if (i_ > s_.size()) i_ = s_.size();
    t.text = s_.substr(start, i_ - start);
    return t;
  }
};

}  // namespace

std::vector<Tok> lex(std::string_view text, Lang lang) { return Lexer(text, lang).run(); }

}  // namespace llmctl::audit::detail
