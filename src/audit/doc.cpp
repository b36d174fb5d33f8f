#include "audit/doc.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>
#include <cstdlib>

#include "common/strings.h"

namespace llmctl::audit::detail {
namespace {

// A document expanded through aliases can be exponentially larger than its text (the "billion
// laughs" shape); past this many nodes the file is skipped.
constexpr int kMaxNodes = 200000;

struct YamlConverter {
  int nodes = 0;
  bool too_big = false;

  Node convert(const YAML::Node& y, int depth) {
    Node n;
    if (++nodes > kMaxNodes || depth > 200) {
      too_big = true;
      return n;
    }
    const YAML::Mark m = y.Mark();
    if (m.line >= 0) n.pos = Pos{m.line + 1, m.column + 1};
    switch (y.Type()) {
      case YAML::NodeType::Scalar:
        n.kind = Node::Kind::kScalar;
        n.scalar = y.Scalar();
        n.quoted = y.Tag() == "!";
        break;
      case YAML::NodeType::Sequence:
        n.kind = Node::Kind::kSeq;
        n.seq.reserve(y.size());
        for (const auto& item : y) n.seq.push_back(convert(item, depth + 1));
        break;
      case YAML::NodeType::Map:
        n.kind = Node::Kind::kMap;
        for (auto it = y.begin(); it != y.end(); ++it) {
          Node key = convert(it->first, depth + 1);
          Node value = convert(it->second, depth + 1);
          n.map.emplace_back(std::move(key), std::move(value));
        }
        break;
      default:
        break;
    }
    return n;
  }
};

class JsonParser {
 public:
  explicit JsonParser(std::string_view s) : s_(s) {}

  Result<Node> parse() {
    Node n;
    if (!value(n, 0)) return Error{error_};
    ws();
    if (i_ != s_.size()) return Error{where("trailing text after the JSON value")};
    return n;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;
  std::string error_;

  Pos pos() const { return Pos{line_, static_cast<int>(i_ - line_start_) + 1}; }
  std::string where(std::string_view what) const {
    return fmt::format("{}:{}: {}", line_, i_ - line_start_ + 1, what);
  }
  bool fail(std::string_view what) {
    if (error_.empty()) error_ = where(what);
    return false;
  }
  void ws() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '\n') {
        ++line_;
        line_start_ = ++i_;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++i_;
      } else {
        break;
      }
    }
  }
  bool string(std::string& out) {
    ++i_;  // opening quote
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') return true;
      if (c == '\n') return fail("newline in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) break;
      char e = s_[i_++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'u': {
          if (i_ + 4 > s_.size()) return fail("short \\u escape");
          unsigned cp = 0;
          auto r = std::from_chars(s_.data() + i_, s_.data() + i_ + 4, cp, 16);
          if (r.ptr != s_.data() + i_ + 4) return fail("bad \\u escape");
          i_ += 4;
          // Surrogate pairs are kept as two 3-byte sequences: positions and ASCII matter here,
          // not exact code points.
          if (cp < 0x80) {
            out += static_cast<char>(cp);
          } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          } else {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          }
          break;
        }
        default:
          out += e;
          break;
      }
    }
    return fail("unterminated string");
  }
  bool value(Node& n, int depth) {
    if (depth > 200) return fail("nesting too deep");
    ws();
    if (i_ >= s_.size()) return fail("unexpected end of input");
    n.pos = pos();
    char c = s_[i_];
    if (c == '{') {
      n.kind = Node::Kind::kMap;
      ++i_;
      ws();
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        return true;
      }
      while (true) {
        ws();
        if (i_ >= s_.size() || s_[i_] != '"') return fail("expected a string key");
        Node key;
        key.kind = Node::Kind::kScalar;
        key.quoted = true;
        key.pos = pos();
        if (!string(key.scalar)) return false;
        ws();
        if (i_ >= s_.size() || s_[i_] != ':') return fail("expected ':'");
        ++i_;
        Node v;
        if (!value(v, depth + 1)) return false;
        n.map.emplace_back(std::move(key), std::move(v));
        ws();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < s_.size() && s_[i_] == '}') {
          ++i_;
          return true;
        }
        return fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      n.kind = Node::Kind::kSeq;
      ++i_;
      ws();
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return true;
      }
      while (true) {
        Node v;
        if (!value(v, depth + 1)) return false;
        n.seq.push_back(std::move(v));
        ws();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < s_.size() && s_[i_] == ']') {
          ++i_;
          return true;
        }
        return fail("expected ',' or ']'");
      }
    }
    if (c == '"') {
      n.kind = Node::Kind::kScalar;
      n.quoted = true;
      return string(n.scalar);
    }
    size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '-' ||
                              s_[i_] == '+' || s_[i_] == '.'))
      ++i_;
    std::string_view word = s_.substr(start, i_ - start);
    if (word.empty()) return fail(fmt::format("unexpected character '{}'", c));
    if (word == "null") return true;
    n.kind = Node::Kind::kScalar;
    n.scalar = std::string(word);
    return true;
  }
};

}  // namespace

const Node& null_node() {
  static const Node kNull;
  return kNull;
}

const Node* Node::get(std::string_view key) const {
  if (kind != Kind::kMap) return nullptr;
  for (const auto& [k, v] : map)
    if (k.scalar == key) return &v;
  return nullptr;
}

const Node* Node::at(std::string_view dotted) const {
  const Node* n = this;
  size_t start = 0;
  while (n && start <= dotted.size()) {
    size_t dot = dotted.find('.', start);
    std::string_view part =
        dotted.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    n = n->get(part);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return n;
}

Pos Node::key_pos(std::string_view key) const {
  if (kind == Kind::kMap)
    for (const auto& [k, v] : map)
      if (k.scalar == key) return k.pos;
  return pos;
}

std::string Node::str(std::string_view fallback) const {
  return kind == Kind::kScalar ? scalar : std::string(fallback);
}

std::optional<long long> Node::integer() const {
  if (kind != Kind::kScalar) return std::nullopt;
  std::string t = trim(scalar);
  long long v = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size()) return std::nullopt;
  return v;
}

bool Node::non_integer() const {
  if (integer()) return false;
  if (kind != Kind::kScalar) return kind != Kind::kNull;
  std::string t = trim(scalar);
  return !t.empty() && t != "null" && t != "~" && t != "Null" && t != "NULL";
}

std::optional<double> Node::number() const {
  if (kind != Kind::kScalar) return std::nullopt;
  std::string t = trim(scalar);
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return std::nullopt;
  return v;
}

std::optional<bool> Node::boolean() const {
  if (kind != Kind::kScalar) return std::nullopt;
  std::string t = to_lower(trim(scalar));
  if (t == "true" || t == "yes" || t == "on") return true;
  if (t == "false" || t == "no" || t == "off") return false;
  return std::nullopt;
}

namespace {

bool merge_key(const Node& key) { return key.is_scalar() && !key.quoted && key.scalar == "<<"; }

// YAML 1.1 merge keys (https://yaml.org/type/merge.html), which yaml-cpp leaves as a plain "<<"
// key: `<<: *base` or `<<: [*a, *b]` copies the keys of the map(s) into the map holding it.
// Keys the map writes itself win over merged ones, and in a sequence an earlier map wins over a
// later one. Children are merged first, so a merged map brings its own merges along. Merged
// nodes keep the positions of the text they were written at (the anchor's lines).
void apply_merge_keys(Node& n) {
  for (auto& item : n.seq) apply_merge_keys(item);
  if (!n.is_map()) return;
  bool any = false;
  for (auto& [k, v] : n.map) {
    apply_merge_keys(v);
    any = any || merge_key(k);
  }
  if (!any) return;
  std::vector<std::pair<Node, Node>> own;
  std::vector<Node> sources;  // in precedence order
  for (auto& [k, v] : n.map) {
    if (!merge_key(k)) {
      own.emplace_back(std::move(k), std::move(v));
    } else if (v.is_map()) {
      sources.push_back(std::move(v));
    } else if (v.is_seq()) {
      for (auto& item : v.seq)
        if (item.is_map()) sources.push_back(std::move(item));
    }
  }
  auto present = [&](const Node& key) {
    for (const auto& [k, v] : own)
      if (k.is_scalar() && key.is_scalar() && k.scalar == key.scalar) return true;
    return false;
  };
  for (auto& src : sources)
    for (auto& [k, v] : src.map)
      if (!present(k)) own.emplace_back(std::move(k), std::move(v));
  n.map = std::move(own);
}

}  // namespace

Result<std::vector<Node>> parse_yaml(std::string_view text) {
  auto docs = [&]() -> Result<std::vector<Node>> {
    if (auto fast = parse_yaml_fast(text)) return std::move(*fast);
    return parse_yaml_cpp(text);
  }();
  // Only a text with "<<" can hold a merge key: the walk is skipped for every other file.
  if (docs && text.find("<<") != std::string_view::npos)
    for (auto& d : *docs) apply_merge_keys(d);
  return docs;
}

// yaml-cpp 0.7 never returns on a flow entry (',') that starts a line outside any flow
// collection when a block mapping follows (", b\nc: 2": found by the mangled-input test). Such a
// line is invalid YAML, so it is reported here, before yaml-cpp sees it. Flow depth is tracked
// over brackets outside quotes and comments; a block scalar line that starts with ',' makes a
// valid file unparsable (skipped and named in the report), which beats a hang.
std::optional<std::string> stray_flow_entry(std::string_view text) {
  int depth = 0;
  size_t line = 1;
  size_t i = 0;
  while (i < text.size()) {
    size_t eol = text.find('\n', i);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view l = text.substr(i, eol - i);
    size_t b = l.find_first_not_of(" \t");
    if (b != std::string_view::npos && l[b] == ',' && depth == 0)
      return fmt::format("{}:{}: ',' outside a flow collection", line, b + 1);
    char quote = 0;
    for (size_t k = 0; k < l.size(); ++k) {
      char c = l[k];
      if (quote) {
        if (c == quote) quote = 0;
        continue;
      }
      if (c == '#' && (k == 0 || l[k - 1] == ' ' || l[k - 1] == '\t')) break;
      if ((c == '"' || c == '\'') &&
          (k == 0 || std::string_view(" \t[{,:").find(l[k - 1]) != std::string_view::npos))
        quote = c;
      else if (c == '[' || c == '{')
        ++depth;
      else if ((c == ']' || c == '}') && depth > 0)
        --depth;
    }
    i = eol + 1;
    ++line;
  }
  return std::nullopt;
}

Result<std::vector<Node>> parse_yaml_cpp(std::string_view text) {
  if (auto bad = stray_flow_entry(text)) return Error{*bad};
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return Error{e.mark.line >= 0
                     ? fmt::format("{}:{}: {}", e.mark.line + 1, e.mark.column + 1, e.msg)
                     : e.msg};
  }
  YamlConverter conv;
  std::vector<Node> out;
  out.reserve(docs.size());
  for (const auto& d : docs) {
    out.push_back(conv.convert(d, 0));
    if (conv.too_big) return Error{"document too large after alias expansion"};
  }
  return out;
}

Result<Node> parse_json(std::string_view text) { return JsonParser(text).parse(); }

}  // namespace llmctl::audit::detail
