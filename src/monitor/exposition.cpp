#include "monitor/exposition.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace llmctl::monitor {

namespace {

bool name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }

// Reads one line's sample. Errors say what was expected at which column.
class LineReader {
 public:
  explicit LineReader(std::string_view line) : s_(line) {}

  bool sample(Sample& out, std::string& error) {
    std::size_t start = i_;
    if (i_ >= s_.size() || !name_start(s_[i_])) return fail(error, "a metric name");
    while (i_ < s_.size() && name_char(s_[i_])) ++i_;
    out.name = std::string(s_.substr(start, i_ - start));
    skip_blanks();
    if (i_ < s_.size() && s_[i_] == '{') {
      ++i_;
      if (!labels(out.labels, error)) return false;
    }
    skip_blanks();
    std::string_view value = token();
    if (value.empty()) return fail(error, "a sample value");
    auto v = parse_value(value);
    if (!v) return fail(error, fmt::format("a number, found '{}'", value));
    out.value = *v;
    skip_blanks();
    // OpenMetrics exemplar: "value # {labels} value [ts]" ends the sample.
    if (i_ < s_.size() && s_[i_] != '#') {
      std::string_view ts = token();
      std::int64_t ms = 0;
      // OpenMetrics timestamps are seconds with a fraction; 0.0.4 ones are integer milliseconds.
      if (ts.find('.') != std::string_view::npos) {
        auto sec = parse_value(ts);
        if (!sec) return fail(error, fmt::format("a timestamp, found '{}'", ts));
        ms = static_cast<std::int64_t>(std::llround(*sec * 1000));
      } else {
        auto [p, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), ms);
        if (ec != std::errc() || p != ts.data() + ts.size())
          return fail(error, fmt::format("a timestamp in milliseconds, found '{}'", ts));
      }
      out.timestamp_ms = ms;
      skip_blanks();
      if (i_ < s_.size() && s_[i_] != '#') return fail(error, "the end of the line");
    }
    std::sort(out.labels.begin(), out.labels.end());
    return true;
  }

 private:
  bool labels(Labels& out, std::string& error) {
    while (true) {
      skip_blanks();
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        return true;
      }
      std::size_t start = i_;
      if (i_ >= s_.size() || !(name_start(s_[i_]) && s_[i_] != ':'))
        return fail(error, "a label name or '}'");
      while (i_ < s_.size() && name_char(s_[i_])) ++i_;
      std::string key(s_.substr(start, i_ - start));
      skip_blanks();
      if (i_ >= s_.size() || s_[i_] != '=') return fail(error, "'=' after a label name");
      ++i_;
      skip_blanks();
      if (i_ >= s_.size() || s_[i_] != '"') return fail(error, "a quoted label value");
      ++i_;
      std::string value;
      bool closed = false;
      while (i_ < s_.size()) {
        char c = s_[i_++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && i_ < s_.size()) {
          char e = s_[i_++];
          value += e == 'n' ? '\n' : e;  // \\ and \" stand for themselves
        } else {
          value += c;
        }
      }
      if (!closed) return fail(error, "a closing '\"' of a label value");
      for (const auto& [k, v] : out)
        if (k == key) return fail(error, fmt::format("label '{}' once", key));
      out.emplace_back(std::move(key), std::move(value));
      skip_blanks();
      if (i_ < s_.size() && s_[i_] == ',') ++i_;
    }
  }

  std::string_view token() {
    std::size_t start = i_;
    while (i_ < s_.size() && s_[i_] != ' ' && s_[i_] != '\t') ++i_;
    return s_.substr(start, i_ - start);
  }
  void skip_blanks() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  bool fail(std::string& error, const std::string& expected) {
    error = fmt::format("column {}: expected {}", i_ + 1, expected);
    return false;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

std::string_view label(const Labels& labels, std::string_view name) {
  for (const auto& [k, v] : labels)
    if (k == name) return v;
  return {};
}

void set_label(Labels& labels, std::string name, std::string value) {
  auto it = std::lower_bound(labels.begin(), labels.end(), name,
                             [](const auto& p, const std::string& n) { return p.first < n; });
  if (it != labels.end() && it->first == name)
    it->second = std::move(value);
  else
    labels.insert(it, {std::move(name), std::move(value)});
}

std::string format_labels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ',';
    out += labels[i].first;
    out += "=\"";
    for (char c : labels[i].second) {
      if (c == '\\' || c == '"')
        out += '\\', out += c;
      else if (c == '\n')
        out += "\\n";
      else
        out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::optional<double> parse_value(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s == "NaN" || s == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (s == "+Inf" || s == "Inf" || s == "+inf" || s == "inf")
    return std::numeric_limits<double>::infinity();
  if (s == "-Inf" || s == "-inf") return -std::numeric_limits<double>::infinity();
  std::string_view t = s;
  if (t.front() == '+') t.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size()) return std::nullopt;
  return v;
}

Exposition parse_exposition(std::string_view text, std::string_view source) {
  Exposition out;
  std::size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;
    line.remove_prefix(first);
    if (line.front() == '#') {
      // "# TYPE name type"; HELP, UNIT, EOF and plain comments carry nothing we need.
      if (line.substr(0, 7) == "# TYPE ") {
        std::string_view rest = line.substr(7);
        std::size_t sp = rest.find(' ');
        if (sp != std::string_view::npos) {
          std::string_view type = rest.substr(sp + 1);
          while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
            type.remove_suffix(1);
          out.types[std::string(rest.substr(0, sp))] = std::string(type);
        }
      }
      continue;
    }
    Sample s;
    std::string error;
    if (LineReader(line).sample(s, error)) {
      out.samples.push_back(std::move(s));
    } else {
      if (out.skipped_lines++ == 0)
        out.first_error = fmt::format("{}:{}: {}", source, line_no, error);
    }
  }
  return out;
}

}  // namespace llmctl::monitor
