// A fast YAML reader for the subset that Kubernetes manifests, Helm values, compose files,
// workflows and rule files use: block maps and sequences (including "- key: v" compact maps),
// flow collections, plain / single- / double-quoted scalars (multi-line too), literal and folded
// block scalars, comments and `---` documents. It builds the same Node tree, with the same
// positions, as the yaml-cpp path (tests/unit/audit/yaml_test.cpp checks that on the corpus).
// Anything outside the subset (anchors, aliases, tags, complex keys, tabs in indentation,
// directives, surprising indentation) throws Unsupported and the caller falls back to yaml-cpp,
// so the subset only ever trades speed, never correctness. yaml-cpp is ~10x slower and was
// the audit's bottleneck (bench/audit_speed).
#include <cstdint>

#include "audit/doc.h"

namespace llmctl::audit::detail {
namespace {

struct Unsupported {};

bool is_null_word(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class FastYaml {
 public:
  explicit FastYaml(std::string_view s) {
    size_t b = 0;
    while (b <= s.size()) {
      size_t e = s.find('\n', b);
      if (e == std::string_view::npos) e = s.size();
      std::string_view l = s.substr(b, e - b);
      if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
      lines_.push_back(l);
      if (e == s.size()) break;
      b = e + 1;
    }
  }

  std::vector<Node> run() {
    std::vector<Node> docs;
    size_t start = 0;
    bool seen_marker = false;
    for (size_t i = 0; i <= lines_.size(); ++i) {
      bool end = i == lines_.size();
      bool marker = !end && is_marker(lines_[i]);
      if (!end && !lines_[i].empty() && lines_[i][0] == '%') throw Unsupported{};
      if (!end && !marker) continue;
      bool blank = true;
      for (size_t j = start; j < i && blank; ++j) blank = blank_or_comment(lines_[j], 0);
      // Only an empty stretch before the first `---` is not a document.
      if (!(blank && (!seen_marker || end))) docs.push_back(parse_document(start, i));
      if (marker) {
        std::string_view rest = lines_[i].substr(3);
        if (!blank_or_comment(rest, 0)) throw Unsupported{};  // `--- value` on the marker line
        if (lines_[i][0] == '.') throw Unsupported{};         // `...` document end
        seen_marker = true;
      }
      start = i + 1;
    }
    return docs;
  }

 private:
  std::vector<std::string_view> lines_;
  size_t li_ = 0, end_ = 0;  // current line, end of the current document (exclusive)
  size_t col_ = 0;           // current column (byte) in lines_[li_]

  static bool is_marker(std::string_view l) {
    return (l.substr(0, 3) == "---" || l.substr(0, 3) == "...") &&
           (l.size() == 3 || l[3] == ' ' || l[3] == '\t');
  }
  static bool blank_or_comment(std::string_view l, size_t from) {
    for (size_t i = from; i < l.size(); ++i) {
      if (l[i] == ' ' || l[i] == '\t') continue;
      return l[i] == '#';
    }
    return true;
  }
  std::string_view line() const { return li_ < end_ ? lines_[li_] : std::string_view{}; }
  char at(size_t c) const { return c < line().size() ? line()[c] : '\0'; }
  Pos pos() const { return Pos{static_cast<int>(li_) + 1, static_cast<int>(col_) + 1}; }

  Node parse_document(size_t b, size_t e) {
    li_ = b;
    end_ = e;
    col_ = 0;
    Node n;
    if (!skip_to_content()) return n;
    n = parse_at(static_cast<int>(col_), -1);
    if (skip_to_content()) throw Unsupported{};  // content left over: let yaml-cpp judge
    return n;
  }

  // Moves past blanks and comments (the rest of the current line first) to the next content;
  // col_ lands on its first non-space character. False at the end of the document.
  bool skip_to_content() {
    if (li_ >= end_) return false;
    if (!blank_or_comment(line(), col_)) {
      while (at(col_) == ' ') ++col_;
      return true;
    }
    for (++li_; li_ < end_; ++li_) {
      std::string_view l = line();
      size_t c = 0;
      while (c < l.size() && l[c] == ' ') ++c;
      if (c < l.size() && l[c] == '\t') {
        if (blank_or_comment(l, c)) continue;
        throw Unsupported{};  // tab in indentation
      }
      if (c == l.size() || l[c] == '#') continue;
      col_ = c;
      return true;
    }
    col_ = 0;
    return false;
  }

  bool dash_here() const {
    return at(col_) == '-' && (col_ + 1 >= line().size() || at(col_ + 1) == ' ');
  }

  // Is there a `key:` starting at the cursor on this line?
  bool key_here() const {
    std::string_view l = line();
    size_t c = col_;
    char first = at(c);
    if (first == '"' || first == '\'') {
      size_t e = c + 1;
      while (e < l.size()) {
        if (l[e] == '\\' && first == '"') {
          e += 2;
          continue;
        }
        if (l[e] == first) {
          if (first == '\'' && e + 1 < l.size() && l[e + 1] == '\'') {
            e += 2;
            continue;
          }
          break;
        }
        ++e;
      }
      if (e >= l.size()) return false;  // multi-line quoted scalar: a value, not a key
      ++e;
      while (e < l.size() && l[e] == ' ') ++e;
      return e < l.size() && l[e] == ':' && (e + 1 == l.size() || l[e + 1] == ' ');
    }
    if (first == '[' || first == '{' || first == '|' || first == '>') return false;
    if (first == '?' && (c + 1 == l.size() || l[c + 1] == ' ')) throw Unsupported{};
    for (size_t i = c; i < l.size(); ++i) {
      if (l[i] == '#' && i > c && l[i - 1] == ' ') return false;
      if (l[i] == ':' && (i + 1 == l.size() || l[i + 1] == ' ')) return true;
    }
    return false;
  }

  // A node whose first character is at the cursor (column `ind`); `parent` is the indentation
  // of the enclosing block (continuation lines of scalars must be deeper).
  Node parse_at(int ind, int parent) {
    char c = at(col_);
    if (c == '&' || c == '*' || c == '!') throw Unsupported{};
    if (dash_here()) return parse_seq(ind);
    if (key_here()) return parse_map(ind);
    return parse_value(parent);
  }

  Node parse_map(int ind) {
    Node m;
    m.kind = Node::Kind::kMap;
    m.pos = pos();
    while (true) {
      Node key = parse_key();
      while (at(col_) == ' ') ++col_;
      Node value;
      if (blank_or_comment(line(), col_)) {
        size_t save_li = li_, save_col = col_;
        Pos after = pos();
        if (skip_to_content() && static_cast<int>(col_) > ind) {
          value = parse_at(static_cast<int>(col_), ind);
        } else if (li_ < end_ && static_cast<int>(col_) == ind && dash_here()) {
          value = parse_seq(ind);  // key:\n- item (sequence at the key's indentation)
        } else {
          li_ = save_li;
          col_ = save_col;
          value.pos = after;
        }
      } else {
        value = parse_value(ind);
      }
      m.map.emplace_back(std::move(key), std::move(value));
      if (!skip_to_content()) break;
      if (static_cast<int>(col_) == ind && !dash_here()) {
        if (!key_here()) throw Unsupported{};
        continue;
      }
      if (static_cast<int>(col_) > ind) throw Unsupported{};
      break;
    }
    return m;
  }

  Node parse_key() {
    Node k;
    k.kind = Node::Kind::kScalar;
    k.pos = pos();
    char c = at(col_);
    if (c == '"' || c == '\'') {
      k.quoted = true;
      k.scalar = quoted(c);
      while (at(col_) == ' ') ++col_;
    } else {
      size_t b = col_;
      std::string_view l = line();
      while (col_ < l.size() && !(l[col_] == ':' && (col_ + 1 == l.size() || l[col_ + 1] == ' ')))
        ++col_;
      size_t e = col_;
      while (e > b && l[e - 1] == ' ') --e;
      k.scalar = std::string(l.substr(b, e - b));
      if (is_null_word(k.scalar)) k.kind = Node::Kind::kNull;
    }
    if (at(col_) != ':') throw Unsupported{};
    ++col_;
    return k;
  }

  Node parse_seq(int ind) {
    Node q;
    q.kind = Node::Kind::kSeq;
    q.pos = pos();
    while (true) {
      ++col_;  // '-'
      while (at(col_) == ' ') ++col_;
      Node item;
      if (blank_or_comment(line(), col_)) {
        size_t save_li = li_, save_col = col_;
        Pos after = pos();
        if (skip_to_content() && static_cast<int>(col_) > ind) {
          item = parse_at(static_cast<int>(col_), ind);
        } else {
          li_ = save_li;
          col_ = save_col;
          item.pos = after;
        }
      } else {
        item = parse_at(static_cast<int>(col_), ind);
      }
      q.seq.push_back(std::move(item));
      if (!skip_to_content()) break;
      if (static_cast<int>(col_) == ind && dash_here()) continue;
      if (static_cast<int>(col_) > ind) throw Unsupported{};
      break;
    }
    return q;
  }

  // A scalar or flow collection at the cursor, in block context.
  Node parse_value(int parent) {
    char c = at(col_);
    if (c == '&' || c == '*' || c == '!' || c == '%' || c == '@' || c == '`') throw Unsupported{};
    if (c == '|' || c == '>') return block_scalar(parent);
    if (c == '[' || c == '{') {
      Node n = flow();
      if (!blank_or_comment(line(), col_)) throw Unsupported{};
      return n;
    }
    Node n;
    n.kind = Node::Kind::kScalar;
    n.pos = pos();
    if (c == '"' || c == '\'') {
      n.quoted = true;
      n.scalar = quoted(c);
      if (!blank_or_comment(line(), col_)) throw Unsupported{};
      return n;
    }
    // Plain scalar, possibly continued on deeper lines.
    n.scalar = plain_rest();
    while (true) {
      size_t save_li = li_, save_col = col_;
      int blank_lines = 0;
      size_t l2 = li_ + 1;
      for (; l2 < end_; ++l2) {
        if (!blank_or_comment(lines_[l2], 0)) break;
        // A comment ends a plain scalar.
        size_t k = 0;
        while (k < lines_[l2].size() && lines_[l2][k] == ' ') ++k;
        if (k < lines_[l2].size()) {
          l2 = end_;
          break;
        }
        ++blank_lines;
      }
      if (l2 >= end_) break;
      std::string_view nl = lines_[l2];
      size_t ind = 0;
      while (ind < nl.size() && nl[ind] == ' ') ++ind;
      if (static_cast<int>(ind) <= parent) break;
      li_ = l2;
      col_ = ind;
      if (dash_here() || key_here() || at(col_) == '#') {
        li_ = save_li;
        col_ = save_col;
        throw Unsupported{};  // unusual: let yaml-cpp decide what this is
      }
      std::string more = plain_rest();
      n.scalar += blank_lines ? std::string(static_cast<size_t>(blank_lines), '\n') : " ";
      n.scalar += more;
    }
    if (is_null_word(n.scalar)) n.kind = Node::Kind::kNull;
    return n;
  }

  // The rest of a plain scalar on this line (up to " #"); ": " inside is not block YAML.
  std::string plain_rest() {
    std::string_view l = line();
    size_t b = col_;
    size_t e = b;
    while (e < l.size()) {
      if (l[e] == '#' && e > b && (l[e - 1] == ' ' || l[e - 1] == '\t')) break;
      if (l[e] == ':' && (e + 1 == l.size() || l[e + 1] == ' ')) throw Unsupported{};
      ++e;
    }
    col_ = e;
    while (e > b && (l[e - 1] == ' ' || l[e - 1] == '\t')) --e;
    return std::string(l.substr(b, e - b));
  }

  // Folds the line break inside a multi-line quoted scalar: one break becomes a space, n empty
  // lines become n newlines; leading white space of the next line is dropped.
  void fold_newline(std::string& out) {
    while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
    int empties = 0;
    for (++li_; li_ < end_; ++li_) {
      std::string_view l = line();
      size_t c = 0;
      while (c < l.size() && (l[c] == ' ' || l[c] == '\t')) ++c;
      if (c < l.size()) {
        col_ = c;
        break;
      }
      ++empties;
    }
    if (li_ >= end_) throw Unsupported{};
    if (is_marker(line())) throw Unsupported{};
    out += empties ? std::string(static_cast<size_t>(empties), '\n') : " ";
  }

  std::string quoted(char q) {
    ++col_;
    std::string out;
    while (true) {
      if (li_ >= end_) throw Unsupported{};
      std::string_view l = line();
      if (col_ >= l.size()) {
        fold_newline(out);
        continue;
      }
      char c = l[col_];
      if (c == q) {
        if (q == '\'' && col_ + 1 < l.size() && l[col_ + 1] == '\'') {
          out += '\'';
          col_ += 2;
          continue;
        }
        ++col_;
        return out;
      }
      if (q == '"' && c == '\\') {
        if (col_ + 1 >= l.size()) {  // escaped line break: join without a space
          ++li_;
          if (li_ >= end_) throw Unsupported{};
          col_ = 0;
          while (at(col_) == ' ' || at(col_) == '\t') ++col_;
          continue;
        }
        char e = l[col_ + 1];
        col_ += 2;
        switch (e) {
          case 'n':
            out += '\n';
            break;
          case 't':
          case '\t':
            out += '\t';
            break;
          case 'r':
            out += '\r';
            break;
          case '0':
            out += '\0';
            break;
          case 'a':
            out += '\a';
            break;
          case 'b':
            out += '\b';
            break;
          case 'e':
            out += '\x1b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'v':
            out += '\v';
            break;
          case ' ':
            out += ' ';
            break;
          case '"':
            out += '"';
            break;
          case '/':
            out += '/';
            break;
          case '\\':
            out += '\\';
            break;
          case 'x':
          case 'u':
          case 'U': {
            size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
            if (col_ + n > l.size()) throw Unsupported{};
            uint32_t cp = 0;
            for (size_t i = 0; i < n; ++i) {
              char h = l[col_ + i];
              cp <<= 4;
              if (h >= '0' && h <= '9')
                cp |= static_cast<uint32_t>(h - '0');
              else if (h >= 'a' && h <= 'f')
                cp |= static_cast<uint32_t>(h - 'a' + 10);
              else if (h >= 'A' && h <= 'F')
                cp |= static_cast<uint32_t>(h - 'A' + 10);
              else
                throw Unsupported{};
            }
            col_ += n;
            append_utf8(out, cp);
            break;
          }
          default:
            throw Unsupported{};
        }
        continue;
      }
      out += c;
      ++col_;
    }
  }

  Node block_scalar(int parent) {
    Node n;
    n.kind = Node::Kind::kScalar;
    n.quoted = true;  // yaml-cpp tags non-plain scalars "!"
    n.pos = pos();
    bool folded = at(col_) == '>';
    ++col_;
    char chomp = 'c';
    int explicit_indent = 0;
    for (int k = 0; k < 2; ++k) {
      char c = at(col_);
      if (c == '-' || c == '+')
        chomp = c, ++col_;
      else if (c >= '1' && c <= '9')
        explicit_indent = c - '0', ++col_;
    }
    if (!blank_or_comment(line(), col_)) throw Unsupported{};
    // Content lines: deeper than the parent, up to the first line that is not.
    std::vector<std::string_view> content;
    size_t indent =
        explicit_indent ? static_cast<size_t>(std::max(parent, 0) + explicit_indent) : 0;
    size_t l = li_ + 1;
    for (; l < end_; ++l) {
      std::string_view s = lines_[l];
      size_t c = 0;
      while (c < s.size() && s[c] == ' ') ++c;
      if (c == s.size()) {
        content.push_back({});
        continue;
      }
      if (indent == 0) {
        if (static_cast<int>(c) <= parent) break;
        if (s[c] == '\t') throw Unsupported{};
        indent = c;
      }
      if (c < indent) break;
      if (is_marker(s)) break;
      content.push_back(s.substr(indent));
    }
    // Give the trailing empty lines back unless they are inside the scalar's indentation.
    size_t trailing = 0;
    while (!content.empty() && content.back().empty()) content.pop_back(), ++trailing;
    li_ = l - 1;
    col_ = line().size();
    if (content.empty()) {
      n.scalar = chomp == '+' ? std::string(trailing, '\n') : "";
      return n;
    }
    std::string out;
    if (!folded) {
      for (size_t i = 0; i < content.size(); ++i) {
        if (i) out += '\n';
        out += content[i];
      }
    } else {
      bool first = true, prev_more = false;
      size_t empties = 0;
      for (auto s : content) {
        if (s.empty()) {
          ++empties;
          continue;
        }
        bool more = s[0] == ' ' || s[0] == '\t';
        if (!first) {
          if (empties == 0)
            out += (more || prev_more) ? "\n" : " ";
          else
            out += std::string(empties + ((more || prev_more) ? 1 : 0), '\n');
        } else if (empties) {
          out += std::string(empties, '\n');
        }
        out += s;
        first = false;
        prev_more = more;
        empties = 0;
      }
    }
    if (chomp == 'c') out += '\n';
    if (chomp == '+') out += std::string(trailing + 1, '\n');
    n.scalar = std::move(out);
    return n;
  }

  // Flow collections and their scalars; may span lines.
  void flow_ws() {
    while (true) {
      if (li_ >= end_) throw Unsupported{};
      std::string_view l = line();
      while (col_ < l.size() && (l[col_] == ' ' || l[col_] == '\t')) ++col_;
      if (col_ < l.size() && l[col_] != '#') return;
      ++li_;
      col_ = 0;
      if (li_ >= end_ || is_marker(line())) throw Unsupported{};
    }
  }

  Node flow() {
    Node n;
    n.pos = pos();
    char open = at(col_);
    char close = open == '[' ? ']' : '}';
    n.kind = open == '[' ? Node::Kind::kSeq : Node::Kind::kMap;
    ++col_;
    while (true) {
      flow_ws();
      if (at(col_) == close) {
        ++col_;
        return n;
      }
      if (open == '[') {
        Node item = flow_node(false);
        flow_ws();
        if (at(col_) == ':') throw Unsupported{};  // [a: b] single-pair maps
        n.seq.push_back(std::move(item));
      } else {
        Node key = flow_node(true);
        flow_ws();
        Node value;
        if (at(col_) == ':') {
          ++col_;
          flow_ws();
          if (at(col_) == ',' || at(col_) == '}')
            value.pos = pos();
          else
            value = flow_node(false);
        } else {
          value.pos = key.pos;
        }
        n.map.emplace_back(std::move(key), std::move(value));
      }
      flow_ws();
      if (at(col_) == ',') {
        ++col_;
        continue;
      }
      if (at(col_) == close) {
        ++col_;
        return n;
      }
      throw Unsupported{};
    }
  }

  Node flow_node(bool is_key) {
    char c = at(col_);
    if (c == '[' || c == '{') {
      if (is_key) throw Unsupported{};
      return flow();
    }
    if (c == '&' || c == '*' || c == '!' || c == '?' || c == '|' || c == '>' || c == '%' ||
        c == '@' || c == '`')
      throw Unsupported{};
    Node n;
    n.kind = Node::Kind::kScalar;
    n.pos = pos();
    if (c == '"' || c == '\'') {
      n.quoted = true;
      n.scalar = quoted(c);
      return n;
    }
    std::string_view l = line();
    size_t b = col_;
    size_t e = b;
    while (e < l.size()) {
      char x = l[e];
      if (x == ',' || x == '[' || x == ']' || x == '{' || x == '}') break;
      if (x == ':' && (e + 1 == l.size() || l[e + 1] == ' ' || l[e + 1] == ',' || l[e + 1] == ']' ||
                       l[e + 1] == '}'))
        break;
      if (x == '#' && e > b && l[e - 1] == ' ') break;
      ++e;
    }
    col_ = e;
    while (e > b && (l[e - 1] == ' ' || l[e - 1] == '\t')) --e;
    n.scalar = std::string(l.substr(b, e - b));
    if (n.scalar.empty()) throw Unsupported{};
    if (col_ == l.size() && !is_key) {
      // A plain scalar continued on the next line inside a flow collection.
      size_t save_li = li_, save_col = col_;
      ++li_;
      col_ = 0;
      if (li_ < end_) {
        while (at(col_) == ' ') ++col_;
        char d = at(col_);
        if (d != ',' && d != ']' && d != '}' && d != '#' && d != '\0') throw Unsupported{};
      }
      li_ = save_li;
      col_ = save_col;
    }
    if (is_null_word(n.scalar)) n.kind = Node::Kind::kNull;
    return n;
  }
};

}  // namespace

std::optional<std::vector<Node>> parse_yaml_fast(std::string_view text) {
  // Byte-order marks and anything non-UTF-8-ish are left to yaml-cpp.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") return std::nullopt;
  try {
    return FastYaml(text).run();
  } catch (const Unsupported&) {
    return std::nullopt;
  }
}

}  // namespace llmctl::audit::detail
