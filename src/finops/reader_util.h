// Internal to the finops readers: a CSV reader that knows lines and columns, a map from parsed
// JSON objects back to their line:col in the text, and typed field getters whose failures name
// the place. Not part of the library's interface.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "finops/ingest.h"

namespace llmctl::finops::detail {

namespace json = boost::json;

// A malformed record: thrown inside one record's parse and caught by the loop that counts it.
struct RowError {
  std::string message;  // complete: "file:line:col: field: what was wrong"
};

// RFC 4180 CSV with the 1-based line and column of each field. Quoted fields may hold commas,
// doubled quotes and newlines.
class CsvReader {
 public:
  CsvReader(std::string_view text, std::string name);
  // Reads the next record into fields; false at the end of the text. Blank lines are skipped.
  bool next(std::vector<std::string>& fields);
  int record_line() const { return record_line_; }
  // 1-based column (in UTF-8 characters from the start of its line) where field i of the last
  // record starts.
  int field_column(std::size_t i) const { return i < columns_.size() ? columns_[i] : 1; }
  const std::string& name() const { return name_; }

 private:
  std::string_view text_;
  std::string name_;
  std::size_t pos_ = 0;
  int line_ = 1;
  int record_line_ = 0;
  std::vector<int> columns_;
};

// Header of a CSV: column name (lower-cased, trimmed) -> index.
struct CsvHeader {
  std::vector<std::string> names;
  std::optional<std::size_t> find(std::string_view name) const;
  std::optional<std::size_t> find_any(std::initializer_list<std::string_view> names) const;
};

// Where each JSON object of a document starts: objects are numbered in document (pre-order)
// order, which is the order of their '{' in the text.
class JsonLocator {
 public:
  JsonLocator(std::string_view text, std::string name, int first_line = 1);
  // "file:line:col" of the object with pre-order number n.
  std::string at(std::size_t n) const;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::vector<std::pair<int, int>> starts_;  // line, col
};

// Number of JSON objects in v, v itself included (for skipping subtrees in pre-order).
std::size_t count_objects(const json::value& v);

// A record being read: the object, where it is, and the path prefix for field names.
struct Record {
  Record(const json::object& obj, std::string where_, std::string path_,
         const std::vector<std::pair<std::string, int>>* cells = nullptr, std::string file = "",
         int line = 0)
      : o(obj),
        where(std::move(where_)),
        path(std::move(path_)),
        cell_columns(cells),
        csv_file(std::move(file)),
        csv_line(line) {}

  const json::object& o;
  std::string where;  // "file:line:col" of the record
  std::string path;   // "data[0].results[2]" (may be empty)
  // CSV records: the file, line and each field's column, so an error points at the cell.
  const std::vector<std::pair<std::string, int>>* cell_columns = nullptr;
  std::string csv_file;
  int csv_line = 0;

  [[noreturn]] void fail(std::string_view field, std::string_view what) const;
  const json::value* get(std::string_view key) const;  // nullptr when absent or null
  // Follows "a.b.c" through nested objects.
  const json::value* get_path(std::string_view dotted) const;
  std::int64_t integer(std::string_view key, std::int64_t fallback = 0) const;
  std::optional<std::int64_t> opt_integer(std::string_view key) const;
  std::optional<double> opt_number(std::string_view key) const;
  std::string text(std::string_view key) const;  // "" when absent; numbers are printed
  std::optional<bool> opt_bool(std::string_view key) const;
  std::int64_t time(std::string_view key) const;  // required timestamp
  std::optional<std::int64_t> opt_time(std::string_view key) const;
};

// The value of a field as text, numbers and booleans printed ("" for null/absent/containers).
std::string value_text(const json::value* v);
// A JSON number or a numeric string as a double; nullopt when neither.
std::optional<double> value_number(const json::value& v);

// Whole-number parse of a CSV cell; nullopt on empty, error text in `bad` when malformed.
std::optional<std::int64_t> cell_integer(std::string_view s, bool& bad);
std::optional<double> cell_number(std::string_view s, bool& bad);

// Parses JSON text that is either one document or JSON Lines (one document per line); calls
// fn(value, locator_for_that_document, is_json_lines) for each. A line that is not JSON is
// rejected (counted) and the rest continue; a single document that does not parse fails.
template <typename Fn>
Status for_each_json_document(std::string_view text, const std::string& name, Ingest& out, Fn&& fn);

// True when the text looks like JSON (first non-space byte is '{' or '[').
bool looks_like_json(std::string_view text);

// Keeps a row when inside the period; counts it otherwise.
bool in_period(const ReadOptions& options, std::int64_t ts_ms, Ingest& out);

// Lower-cased provider names as the catalog spells them ("OPENAI" -> "openai",
// "google-ai-studio" -> "google").
std::string normalise_provider(std::string_view p);

// ------------------------------------------------------------------------------------------
template <typename Fn>
Status for_each_json_document(std::string_view text, const std::string& name, Ingest& out,
                              Fn&& fn) {
  // One document first: most exports are one page or one array.
  boost::system::error_code ec;
  json::value whole = json::parse(text, ec);
  if (!ec) {
    JsonLocator loc(text, name);
    fn(whole, loc, false);
    return {};
  }
  // JSON Lines: each non-blank line is a document.
  std::size_t pos = 0;
  int line = 0;
  bool any = false;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view l =
        text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos);
    ++line;
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    std::size_t first = l.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) continue;
    boost::system::error_code lec;
    json::value v = json::parse(l, lec);
    if (lec) {
      if (!any && line == 1 && l.find_first_of("{[") != first)
        return Error{name + ":1:1: neither JSON nor JSON Lines (" + ec.message() + ")"};
      ++out.records_read;
      out.reject(name + ":" + std::to_string(line) + ":1: not a JSON document: " + lec.message());
      continue;
    }
    any = true;
    JsonLocator loc(l, name, line);
    fn(v, loc, true);
  }
  if (!any) return Error{name + ": no JSON document found (" + ec.message() + ")"};
  return {};
}

}  // namespace llmctl::finops::detail
