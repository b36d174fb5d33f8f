#include "finops/reader_util.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "common/strings.h"

namespace llmctl::finops::detail {

CsvReader::CsvReader(std::string_view text, std::string name)
    : text_(text), name_(std::move(name)) {
  // A UTF-8 byte-order mark (Excel's CSV export) is not part of the first header.
  if (text_.substr(0, 3) == "\xEF\xBB\xBF") text_.remove_prefix(3);
}

bool CsvReader::next(std::vector<std::string>& fields) {
  fields.clear();
  columns_.clear();
  // Skip blank lines.
  while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
    if (text_[pos_] == '\n') ++line_;
    ++pos_;
  }
  if (pos_ >= text_.size()) return false;
  record_line_ = line_;
  std::size_t line_start = pos_;
  // Columns count characters, not bytes, so that an editor's column matches the error's with
  // UTF-8 in the line (the Claude Console writes "≤ 200k"): bytes from line_start to `counted`
  // hold `chars` characters.
  std::size_t counted = pos_, chars = 0;
  auto column_here = [&] {
    for (; counted < pos_; ++counted)
      if ((static_cast<unsigned char>(text_[counted]) & 0xC0) != 0x80) ++chars;
    return static_cast<int>(chars) + 1;
  };
  std::string field;
  bool quoted = false, at_start = true;
  columns_.push_back(1);
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (quoted) {
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          field += '"';
          pos_ += 2;
          continue;
        }
        quoted = false;
        ++pos_;
        continue;
      }
      if (c == '\n') {
        ++line_;
        line_start = pos_ + 1;
        counted = line_start;
        chars = 0;
      }
      field += c;
      ++pos_;
      continue;
    }
    if (c == '"' && at_start) {
      quoted = true;
      at_start = false;
      ++pos_;
      continue;
    }
    if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      at_start = true;
      ++pos_;
      columns_.push_back(column_here());
      continue;
    }
    if (c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') {
      ++pos_;
      continue;
    }
    if (c == '\n') {
      ++pos_;
      ++line_;
      break;
    }
    at_start = false;
    field += c;
    ++pos_;
  }
  fields.push_back(std::move(field));
  return true;
}

std::optional<std::size_t> CsvHeader::find(std::string_view name) const {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return i;
  return std::nullopt;
}

std::optional<std::size_t> CsvHeader::find_any(
    std::initializer_list<std::string_view> candidates) const {
  for (auto c : candidates)
    if (auto i = find(c)) return i;
  return std::nullopt;
}

JsonLocator::JsonLocator(std::string_view text, std::string name, int first_line)
    : name_(std::move(name)) {
  int line = first_line, col = 1;
  bool in_string = false, escape = false;
  for (char c : text) {
    if (in_string) {
      if (escape)
        escape = false;
      else if (c == '\\')
        escape = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      starts_.emplace_back(line, col);
    }
    if (c == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
}

std::string JsonLocator::at(std::size_t n) const {
  if (n >= starts_.size()) return name_;
  return fmt::format("{}:{}:{}", name_, starts_[n].first, starts_[n].second);
}

std::size_t count_objects(const json::value& v) {
  if (v.is_object()) {
    std::size_t n = 1;
    for (const auto& kv : v.get_object()) n += count_objects(kv.value());
    return n;
  }
  if (v.is_array()) {
    std::size_t n = 0;
    for (const auto& e : v.get_array()) n += count_objects(e);
    return n;
  }
  return 0;
}

std::string value_text(const json::value* v) {
  if (!v) return "";
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  if (v->is_double()) return fmt::format("{}", v->get_double());
  if (v->is_bool()) return v->get_bool() ? "true" : "false";
  return "";
}

std::optional<double> value_number(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  if (v.is_string()) {
    bool bad = false;
    auto d = cell_number(v.get_string(), bad);
    if (!bad) return d;
  }
  return std::nullopt;
}

void Record::fail(std::string_view field, std::string_view what) const {
  std::string name = path.empty() ? std::string(field) : path + "." + std::string(field);
  if (cell_columns) {
    std::string head(field.substr(0, field.find('.')));
    for (const auto& [column, col] : *cell_columns)
      if (column == head)
        throw RowError{fmt::format("{}:{}:{}: {}: {}", csv_file, csv_line, col, name, what)};
  }
  throw RowError{fmt::format("{}: {}: {}", where, name, what)};
}

const json::value* Record::get(std::string_view key) const {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

const json::value* Record::get_path(std::string_view dotted) const {
  const json::object* cur = &o;
  while (true) {
    std::size_t dot = dotted.find('.');
    std::string_view key = dotted.substr(0, dot);
    auto it = cur->find(key);
    if (it == cur->end() || it->value().is_null()) return nullptr;
    if (dot == std::string_view::npos) return &it->value();
    if (!it->value().is_object()) return nullptr;
    cur = &it->value().get_object();
    dotted.remove_prefix(dot + 1);
  }
}

namespace {
std::string found(const json::value& v) {
  if (v.is_string()) return fmt::format("\"{}\"", std::string(v.get_string()).substr(0, 40));
  if (v.is_object()) return "an object";
  if (v.is_array()) return "a list";
  if (v.is_bool()) return v.get_bool() ? "true" : "false";
  return value_text(&v);
}
}  // namespace

std::optional<std::int64_t> Record::opt_integer(std::string_view key) const {
  const json::value* v = key.find('.') == std::string_view::npos ? get(key) : get_path(key);
  if (!v) return std::nullopt;
  auto d = value_number(*v);
  if (!d || *d < 0 || std::floor(*d) != *d || *d > 9.2e18)
    fail(key, fmt::format("expected a whole number of tokens (0 or more), found {}", found(*v)));
  return static_cast<std::int64_t>(*d);
}

std::int64_t Record::integer(std::string_view key, std::int64_t fallback) const {
  return opt_integer(key).value_or(fallback);
}

std::optional<double> Record::opt_number(std::string_view key) const {
  const json::value* v = key.find('.') == std::string_view::npos ? get(key) : get_path(key);
  if (!v) return std::nullopt;
  auto d = value_number(*v);
  if (!d || !std::isfinite(*d)) fail(key, fmt::format("expected a number, found {}", found(*v)));
  return d;
}

std::string Record::text(std::string_view key) const {
  return value_text(key.find('.') == std::string_view::npos ? get(key) : get_path(key));
}

std::optional<bool> Record::opt_bool(std::string_view key) const {
  const json::value* v = get(key);
  if (!v) return std::nullopt;
  if (v->is_bool()) return v->get_bool();
  if (v->is_string()) {
    std::string s = to_lower(v->get_string());
    if (s == "true" || s == "1") return true;
    if (s == "false" || s == "0") return false;
  }
  if (v->is_int64()) return v->get_int64() != 0;
  fail(key, fmt::format("expected true or false, found {}", found(*v)));
}

std::optional<std::int64_t> Record::opt_time(std::string_view key) const {
  const json::value* v = key.find('.') == std::string_view::npos ? get(key) : get_path(key);
  if (!v) return std::nullopt;
  std::string t = value_text(v);
  auto ms = parse_timestamp(t);
  if (!ms) fail(key, ms.error().message);
  return *ms;
}

std::int64_t Record::time(std::string_view key) const {
  auto t = opt_time(key);
  if (!t) fail(key, "missing: expected a timestamp");
  return *t;
}

std::optional<std::int64_t> cell_integer(std::string_view s, bool& bad) {
  std::string t = trim(s);
  if (t.empty() || t == "null" || t == "NULL") return std::nullopt;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec == std::errc() && p == t.data() + t.size()) return v;
  // "12.0" from spreadsheets is still a whole number.
  auto d = cell_number(t, bad);
  if (!bad && d && std::floor(*d) == *d) return static_cast<std::int64_t>(*d);
  bad = true;
  return std::nullopt;
}

std::optional<double> cell_number(std::string_view s, bool& bad) {
  std::string t = trim(s);
  if (t.empty() || t == "null" || t == "NULL") return std::nullopt;
  if (!t.empty() && t[0] == '$') t.erase(0, 1);
  double v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size() || !std::isfinite(v)) {
    bad = true;
    return std::nullopt;
  }
  return v;
}

bool looks_like_json(std::string_view text) {
  std::size_t i = text.find_first_not_of(" \t\r\n");
  if (text.substr(0, 3) == "\xEF\xBB\xBF") i = text.find_first_not_of(" \t\r\n", 3);
  return i != std::string_view::npos && (text[i] == '{' || text[i] == '[');
}

bool in_period(const ReadOptions& options, std::int64_t ts_ms, Ingest& out) {
  if (ts_ms < options.since_ms || ts_ms >= options.until_ms) {
    ++out.rows_outside_period;
    return false;
  }
  return true;
}

std::string normalise_provider(std::string_view p) {
  std::string s = to_lower(trim(p));
  if (s == "google-ai-studio" || s == "gemini" || s == "vertex_ai" || s == "vertex" ||
      s == "gcp.gemini" || s == "gcp.vertex_ai" || s == "gcp.gen_ai")
    return "google";
  if (s == "aws.bedrock") return "bedrock";
  if (s == "azure.ai.openai" || s == "azure_openai") return "azure";
  if (s == "together_ai" || s == "togetherai") return "together";
  if (s == "fireworks_ai") return "fireworks";
  if (s == "x" || s == "x_ai") return "xai";
  return s;
}

}  // namespace llmctl::finops::detail
