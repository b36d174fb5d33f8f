// The input driver: finds the records of a JSON document, JSON Lines file or CSV file and hands
// each to its format's reader (formats.h); the generic CSV with a column mapping; timestamps.
#include "finops/ingest.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "catalog/cost.h"
#include "common/strings.h"
#include "finops/formats.h"

namespace llmctl::finops {

namespace {

struct FormatName {
  InputFormat format;
  const char* name;
};
constexpr FormatName kFormats[] = {
    {InputFormat::kLlmctl, "llmctl"},
    {InputFormat::kOpenAIUsage, "openai-usage"},
    {InputFormat::kOpenAICosts, "openai-costs"},
    {InputFormat::kAnthropicUsage, "anthropic-usage"},
    {InputFormat::kAnthropicCost, "anthropic-cost"},
    {InputFormat::kLiteLLM, "litellm"},
    {InputFormat::kLangfuse, "langfuse"},
    {InputFormat::kHelicone, "helicone"},
    {InputFormat::kOtlp, "otlp"},
    {InputFormat::kCsv, "csv"},
};

}  // namespace

const char* input_format_name(InputFormat f) {
  for (const auto& n : kFormats)
    if (n.format == f) return n.name;
  return "?";
}

std::string input_format_names() {
  std::vector<std::string> names;
  for (const auto& n : kFormats) names.emplace_back(n.name);
  return join(names, ", ");
}

Result<InputFormat> parse_input_format(std::string_view name) {
  for (const auto& n : kFormats)
    if (iequals(name, n.name)) return n.format;
  std::string hint;
  std::size_t best = 99;
  for (const auto& n : kFormats)
    if (auto d = edit_distance(to_lower(name), n.name); d < best && d <= 3) {
      best = d;
      hint = fmt::format(" (did you mean '{}'?)", n.name);
    }
  return Error{fmt::format("--input-format: unknown format '{}'{}; expected one of: {}", name, hint,
                           input_format_names())};
}

void Ingest::reject(std::string message) {
  ++rows_rejected;
  if (errors.size() < kMaxKeptErrors) errors.push_back(std::move(message));
}

// ------------------------------------------------------------------------------- timestamps
void civil_from_days(std::int64_t z, int& y, int& m, int& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2));
}

namespace {
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}
}  // namespace

std::string iso_date(std::int64_t ts_ms) {
  int y, m, d;
  civil_from_days(floor_div(ts_ms, 86400000), y, m, d);
  return fmt::format("{:04}-{:02}-{:02}", y, m, d);
}

std::string iso_time(std::int64_t ts_ms) {
  std::int64_t day = floor_div(ts_ms, 86400000);
  std::int64_t ms = ts_ms - day * 86400000;
  int s = static_cast<int>(ms / 1000);
  return fmt::format("{}T{:02}:{:02}:{:02}Z", iso_date(ts_ms), s / 3600, s / 60 % 60, s % 60);
}

Result<std::int64_t> parse_timestamp(std::string_view text) {
  std::string t = trim(text);
  auto bad = [&] {
    return Error{fmt::format(
        "expected a timestamp (RFC 3339 such as 2026-11-02T10:00:00Z, or Unix seconds/ms/ns), "
        "found \"{}\"",
        t.substr(0, 40))};
  };
  if (t.empty()) return bad();
  // A number: the epoch, unit told apart by magnitude.
  if (t.find_first_not_of("0123456789") == std::string::npos && t.size() <= 19) {
    // Whole numbers exactly (nanoseconds do not fit a double's 53 bits).
    std::int64_t v = 0;
    std::from_chars(t.data(), t.data() + t.size(), v);
    if (v >= 100000000000000000LL) return v / 1000000;  // nanoseconds
    if (v >= 100000000000000LL) return v / 1000;        // microseconds
    if (v >= 100000000000LL) return v;                  // milliseconds
    return v * 1000;                                    // seconds
  }
  if (t.find_first_not_of("0123456789.") == std::string::npos) {
    double v = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || p != t.data() + t.size()) return bad();
    if (v >= 1e17) return static_cast<std::int64_t>(v / 1e6);  // nanoseconds
    if (v >= 1e14) return static_cast<std::int64_t>(v / 1e3);  // microseconds
    if (v >= 1e11) return static_cast<std::int64_t>(v);        // milliseconds
    return static_cast<std::int64_t>(std::llround(v * 1000));  // seconds
  }
  auto num = [&](std::size_t pos, std::size_t len, int& out) {
    if (pos + len > t.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (t[i] < '0' || t[i] > '9') return false;
      out = out * 10 + (t[i] - '0');
    }
    return true;
  };
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (!num(0, 4, y) || t.size() < 10 || t[4] != '-' || !num(5, 2, mo) || t[7] != '-' ||
      !num(8, 2, d) || mo < 1 || mo > 12 || d < 1 || d > 31)
    return bad();
  std::size_t i = 10;
  double frac = 0;
  std::int64_t offset_min = 0;
  if (i < t.size()) {
    if (t[i] != 'T' && t[i] != ' ' && t[i] != 't') return bad();
    if (!num(i + 1, 2, h) || t.size() < i + 6 || t[i + 3] != ':' || !num(i + 4, 2, mi))
      return bad();
    i += 6;
    if (i < t.size() && t[i] == ':') {
      if (!num(i + 1, 2, s)) return bad();
      i += 3;
    }
    if (i < t.size() && (t[i] == '.' || t[i] == ',')) {
      std::size_t j = i + 1;
      double scale = 0.1;
      while (j < t.size() && t[j] >= '0' && t[j] <= '9') {
        frac += (t[j] - '0') * scale;
        scale /= 10;
        ++j;
      }
      if (j == i + 1) return bad();
      i = j;
    }
    if (i < t.size()) {
      if (t[i] == 'Z' || t[i] == 'z') {
        ++i;
      } else if (t[i] == '+' || t[i] == '-') {
        int oh = 0, om = 0;
        if (!num(i + 1, 2, oh)) return bad();
        std::size_t j = i + 3;
        if (j < t.size() && t[j] == ':') ++j;
        if (j < t.size() && !num(j, 2, om)) return bad();
        if (j < t.size()) j += 2;
        offset_min = (t[i] == '-' ? -1 : 1) * (oh * 60 + om);
        i = j;
      } else if (t.substr(i) == " UTC") {
        i = t.size();
      }
      if (i != t.size()) return bad();
    }
    if (h > 23 || mi > 59 || s > 60) return bad();
  }
  std::int64_t days = days_from_civil(y, mo, d);
  std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + s - offset_min * 60;
  return secs * 1000 + static_cast<std::int64_t>(std::llround(frac * 1000));
}

// ------------------------------------------------------------------------------- driver
namespace detail {

const FormatReader& format_reader(InputFormat f) {
  switch (f) {
    case InputFormat::kOpenAIUsage:
      return kOpenAIUsageReader;
    case InputFormat::kOpenAICosts:
      return kOpenAICostsReader;
    case InputFormat::kAnthropicUsage:
      return kAnthropicUsageReader;
    case InputFormat::kAnthropicCost:
      return kAnthropicCostReader;
    case InputFormat::kLiteLLM:
      return kLiteLLMReader;
    case InputFormat::kLangfuse:
      return kLangfuseReader;
    case InputFormat::kHelicone:
      return kHeliconeReader;
    default:
      return kOtlpReader;
  }
}

const json::value* inherited(const Record& r, const Ancestors& up, std::string_view key) {
  if (const json::value* v = r.get(key)) return v;
  for (auto it = up.rbegin(); it != up.rend(); ++it)
    if (auto f = (*it)->find(key); f != (*it)->end() && !f->value().is_null()) return &f->value();
  return nullptr;
}

void note_once(Ingest& out, const char* note) {
  if (std::find(out.notes.begin(), out.notes.end(), note) == out.notes.end())
    out.notes.emplace_back(note);
}

void add_row(UsageRow& row, const ReadOptions& options, Ingest& out) {
  if (!in_period(options, row.ts_ms, out)) return;
  out.table.append(row);
}

namespace {

// Pre-order walk over objects; `n` is the pre-order number of the next object.
void visit(const json::value& v, std::size_t& n, Ancestors& up, const std::string& path,
           const FormatReader& reader, const JsonLocator& loc, const ReadOptions& options,
           Ingest& out) {
  if (v.is_array()) {
    const auto& a = v.get_array();
    for (std::size_t i = 0; i < a.size(); ++i)
      visit(a[i], n, up, fmt::format("{}[{}]", path, i), reader, loc, options, out);
    return;
  }
  if (!v.is_object()) return;
  const json::object& o = v.get_object();
  std::size_t index = n++;
  if (reader.is_record(o)) {
    ++out.records_read;
    try {
      Record r{o, loc.at(index), path};
      reader.read(r, up, options, out);
    } catch (const RowError& e) {
      out.reject(e.message);
    }
    n += count_objects(v) - 1;
    return;
  }
  up.push_back(&o);
  for (const auto& kv : o)
    visit(kv.value(), n, up,
          path.empty() ? std::string(kv.key()) : path + "." + std::string(kv.key()), reader, loc,
          options, out);
  up.pop_back();
}

Status parse_json_format(const FormatReader& reader, std::string_view text,
                         const ReadOptions& options, Ingest& out) {
  long long before = out.records_read;
  auto st = for_each_json_document(
      text, options.name, out, [&](const json::value& doc, const JsonLocator& loc, bool lines) {
        std::size_t n = 0;
        Ancestors up;
        long long seen = out.records_read;
        visit(doc, n, up, "", reader, loc, options, out);
        // A JSON Lines document without a single record is a malformed line, not silence.
        if (out.records_read == seen && lines) {
          ++out.records_read;
          out.reject(fmt::format("{}: not a {} record", loc.at(0), reader.source));
        }
      });
  if (!st.ok()) return st;
  if (out.records_read == before)
    return Error{fmt::format("{}: no {} records found (is --input-format right?)", options.name,
                             reader.source)};
  return {};
}

// A CSV cell as a JSON value: JSON objects/arrays are parsed (LiteLLM metadata, tags),
// everything else stays text; empty cells are null.
json::value cell_value(const std::string& cell) {
  if (cell.empty()) return nullptr;
  if (cell.front() == '{' || cell.front() == '[') {
    boost::system::error_code ec;
    json::value v = json::parse(cell, ec);
    if (!ec) return v;
  }
  return json::string(cell);
}

Status parse_csv_format(const FormatReader& reader, std::string_view text,
                        const ReadOptions& options, Ingest& out) {
  CsvReader csv(text, options.name);
  std::vector<std::string> header, fields;
  if (!csv.next(header)) return Error{options.name + ": empty file"};
  for (auto& h : header) h = trim(h);
  while (csv.next(fields)) {
    ++out.records_read;
    std::string where = fmt::format("{}:{}:1", options.name, csv.record_line());
    if (fields.size() != header.size()) {
      out.reject(fmt::format("{}: expected {} fields as in the header, found {}", where,
                             header.size(), fields.size()));
      continue;
    }
    json::object o;
    std::vector<std::pair<std::string, int>> cols;
    for (std::size_t i = 0; i < header.size(); ++i) {
      o[header[i]] = cell_value(fields[i]);
      cols.emplace_back(header[i], csv.field_column(i));
    }
    if (!reader.is_record(o)) {
      out.reject(
          fmt::format("{}: not a {} row (the header lacks its columns)", where, reader.source));
      continue;
    }
    try {
      Record r{o, where, "", &cols, options.name, csv.record_line()};
      reader.read(r, {}, options, out);
    } catch (const RowError& e) {
      out.reject(e.message);
    }
  }
  return {};
}

// ---------------------------------------------------------------- generic CSV with a mapping
struct MappedField {
  const char* name;
  const char* meaning;
};
constexpr MappedField kMappable[] = {
    {"timestamp", "request time (RFC 3339 or Unix epoch); required"},
    {"model", "model name; required"},
    {"provider", "provider (openai, anthropic, ...)"},
    {"input_tokens", "input tokens (cached included unless input_excludes_cached is mapped)"},
    {"output_tokens", "output tokens (reasoning included)"},
    {"cache_read_tokens", "input tokens read from the provider's cache"},
    {"cache_write_tokens", "input tokens written to the provider's cache"},
    {"reasoning_tokens", "reasoning tokens (part of output)"},
    {"cost_usd", "cost the source reports, in USD"},
    {"requests", "requests the row stands for (default 1)"},
    {"status", "HTTP status"},
    {"duration_ms", "latency in ms"},
    {"max_tokens", "the request's max_tokens"},
    {"deployment", ""},
    {"endpoint", ""},
    {"key", "API/virtual key name"},
    {"team", ""},
    {"user", ""},
    {"project", ""},
    {"agent", ""},
    {"session", "agent run / conversation id"},
    {"finish_reason", ""},
    {"error_class", "empty when the request succeeded"},
    {"tags", "k=v,k2=v2 or a JSON object"},
    {"request_fingerprint", "hash of the full request (equal = an exact cache would hit)"},
    {"prefix_fingerprint", "hash of the leading prompt part"},
    {"prefix_tokens", "tokens of that leading part"},
};

}  // namespace
}  // namespace detail

std::string csv_mapping_fields() {
  std::vector<std::string> names;
  for (const auto& f : detail::kMappable) names.emplace_back(f.name);
  return join(names, ", ");
}

Result<std::map<std::string, std::string>> parse_mapping(std::string_view spec) {
  std::map<std::string, std::string> out;
  for (const std::string& part : split(spec, ',')) {
    std::string p = trim(part);
    if (p.empty()) continue;
    std::size_t eq = p.find('=');
    if (eq == std::string::npos) return Error{fmt::format("--map: '{}' is not field=column", p)};
    std::string field = trim(p.substr(0, eq)), column = trim(p.substr(eq + 1));
    bool known = field == "input_excludes_cached";
    for (const auto& f : detail::kMappable) known = known || field == f.name;
    if (!known) {
      std::string hint;
      for (const auto& f : detail::kMappable)
        if (edit_distance(field, f.name) <= 2) hint = fmt::format(" (did you mean '{}'?)", f.name);
      return Error{fmt::format("--map: unknown field '{}'{}; fields: {}", field, hint,
                               csv_mapping_fields())};
    }
    out[field] = column;
  }
  return out;
}

namespace detail {
namespace {

std::uint64_t parse_fingerprint(std::string_view s, bool& bad) {
  std::string t = trim(s);
  if (t.empty()) return 0;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v, 16);
  if (ec != std::errc() || p != t.data() + t.size()) bad = true;
  return v == 0 ? 1 : v;  // 0 means "none"
}

Status parse_mapped_csv(std::string_view text, const ReadOptions& options, Ingest& out) {
  CsvReader csv(text, options.name);
  std::vector<std::string> header, fields;
  if (!csv.next(header)) return Error{options.name + ": empty file"};
  for (auto& h : header) h = trim(h);
  // field -> column index. Without a mapping, columns named like fields map to themselves.
  std::map<std::string, std::size_t> col;
  std::map<std::string, std::string> mapping = options.mapping;
  if (mapping.empty())
    for (const auto& f : kMappable) mapping[f.name] = f.name;
  for (const auto& [field, column] : mapping) {
    std::size_t i = 0;
    while (i < header.size() && header[i] != column) ++i;
    if (i < header.size()) {
      col[field] = i;
    } else if (!options.mapping.empty()) {
      return Error{fmt::format("{}:{}:1: --map {}={}: no column '{}' in the header (columns: {})",
                               options.name, csv.record_line(), field, column, column,
                               join(header, ", "))};
    }
  }
  for (const char* required : {"timestamp", "model"})
    if (!col.count(required))
      return Error{
          fmt::format("{}:{}:1: no column for '{}': name it with --map {}=COLUMN (columns: {})",
                      options.name, csv.record_line(), required, required, join(header, ", "))};
  if (!col.count("input_tokens") && !col.count("output_tokens") && !col.count("cost_usd"))
    return Error{
        fmt::format("{}: map input_tokens and output_tokens (or cost_usd) to columns with --map",
                    options.name)};
  bool excludes = false;
  if (auto it = options.mapping.find("input_excludes_cached"); it != options.mapping.end())
    excludes = iequals(it->second, "true") || it->second == "1";
  static const std::pair<const char*, Text> kTexts[] = {{"model", Text::kModel},
                                                        {"provider", Text::kProvider},
                                                        {"deployment", Text::kDeployment},
                                                        {"endpoint", Text::kEndpoint},
                                                        {"key", Text::kKey},
                                                        {"team", Text::kTeam},
                                                        {"user", Text::kUser},
                                                        {"project", Text::kProject},
                                                        {"agent", Text::kAgent},
                                                        {"session", Text::kSession},
                                                        {"finish_reason", Text::kFinishReason},
                                                        {"error_class", Text::kErrorClass}};
  while (csv.next(fields)) {
    ++out.records_read;
    int line = csv.record_line();
    if (fields.size() != header.size()) {
      out.reject(fmt::format("{}:{}:1: expected {} fields as in the header, found {}", options.name,
                             line, header.size(), fields.size()));
      continue;
    }
    try {
      auto cell = [&](const char* field) -> std::string {
        auto it = col.find(field);
        return it == col.end() ? std::string() : fields[it->second];
      };
      auto fail = [&](const char* field, const std::string& what) {
        std::size_t i = col.at(field);
        throw RowError{fmt::format("{}:{}:{}: {} (column '{}'): {}", options.name, line,
                                   csv.field_column(i), field, header[i], what)};
      };
      auto integer = [&](const char* field) -> std::int64_t {
        bool bad = false;
        auto v = cell_integer(cell(field), bad);
        if (bad || (v && *v < 0))
          fail(field, fmt::format("expected a whole number, found \"{}\"", cell(field)));
        return v.value_or(0);
      };
      UsageRow row;
      auto ts = parse_timestamp(cell("timestamp"));
      if (!ts) fail("timestamp", ts.error().message);
      row.ts_ms = *ts;
      for (const auto& [field, t] : kTexts) row[t] = trim(cell(field));
      row[Text::kProvider] = normalise_provider(row[Text::kProvider]);
      if (row[Text::kModel].empty()) fail("model", "empty: expected a model name");
      catalog::Usage u = catalog::normalize_usage(
          excludes ? "input_excludes_cached" : "input_includes_cached", integer("input_tokens"),
          integer("cache_read_tokens"), integer("cache_write_tokens"), integer("output_tokens"),
          integer("reasoning_tokens"));
      if (u.cache_read_tokens + u.cache_write_tokens > u.input_tokens)
        fail("input_tokens",
             fmt::format("{} input tokens are fewer than the {} cached ones", u.input_tokens,
                         u.cache_read_tokens + u.cache_write_tokens));
      row.input_tokens = u.input_tokens;
      row.cache_read_tokens = u.cache_read_tokens;
      row.cache_write_tokens = u.cache_write_tokens;
      row.output_tokens = u.output_tokens;
      row.reasoning_tokens = u.reasoning_tokens;
      if (col.count("requests") && !trim(cell("requests")).empty())
        row.requests = integer("requests");
      if (col.count("status")) row.status = static_cast<int>(integer("status"));
      if (col.count("max_tokens") && !trim(cell("max_tokens")).empty())
        row.max_tokens = integer("max_tokens");
      if (col.count("prefix_tokens") && !trim(cell("prefix_tokens")).empty())
        row.prefix_tokens = static_cast<std::int32_t>(integer("prefix_tokens"));
      bool bad = false;
      if (auto c = cell_number(cell("cost_usd"), bad); c) row.reported_cost_usd = *c;
      if (bad) fail("cost_usd", fmt::format("expected a number, found \"{}\"", cell("cost_usd")));
      if (auto d = cell_number(cell("duration_ms"), bad); d)
        row.duration_ms = static_cast<float>(*d);
      if (bad)
        fail("duration_ms", fmt::format("expected a number, found \"{}\"", cell("duration_ms")));
      row.request_fp = parse_fingerprint(cell("request_fingerprint"), bad);
      if (bad) fail("request_fingerprint", "expected up to 16 hex digits");
      row.prefix_fp = parse_fingerprint(cell("prefix_fingerprint"), bad);
      if (bad) fail("prefix_fingerprint", "expected up to 16 hex digits");
      std::string tags = trim(cell("tags"));
      if (!tags.empty()) {
        std::vector<std::pair<std::string, std::string>> pairs;
        if (tags.front() == '{') {
          boost::system::error_code ec;
          json::value v = json::parse(tags, ec);
          if (ec || !v.is_object()) fail("tags", "expected a JSON object or k=v,k2=v2");
          for (const auto& kv : v.get_object())
            pairs.emplace_back(std::string(kv.key()), value_text(&kv.value()));
        } else {
          pairs = split_tags(tags);
        }
        row[Text::kTags] = canonical_tags(pairs);
      }
      add_row(row, options, out);
    } catch (const RowError& e) {
      out.reject(e.message);
    }
  }
  for (auto [field, column] :
       {std::pair{"cache_read_tokens", Column::kCacheRead},
        std::pair{"cache_write_tokens", Column::kCacheWrite},
        std::pair{"reasoning_tokens", Column::kReasoning}, std::pair{"status", Column::kStatus},
        std::pair{"max_tokens", Column::kMaxTokens}, std::pair{"duration_ms", Column::kDuration},
        std::pair{"request_fingerprint", Column::kRequestFingerprint},
        std::pair{"prefix_fingerprint", Column::kPrefixFingerprint},
        std::pair{"prefix_tokens", Column::kPrefixTokens},
        std::pair{"cost_usd", Column::kReportedCost}})
    if (col.count(field)) out.table.set_has(column);
  return {};
}

void mark_columns(InputFormat f, UsageTable& t) {
  t.set_has(Column::kTimestamp);
  switch (f) {
    case InputFormat::kOpenAIUsage:
      t.set_has(Column::kCacheRead);
      break;
    case InputFormat::kOpenAICosts:
    case InputFormat::kAnthropicCost:
      t.set_has(Column::kReportedCost);
      break;
    case InputFormat::kAnthropicUsage:
      t.set_has(Column::kCacheRead);
      t.set_has(Column::kCacheWrite);
      break;
    case InputFormat::kLiteLLM:
    case InputFormat::kHelicone:
    case InputFormat::kLangfuse:
      t.set_has(Column::kCacheRead);
      t.set_has(Column::kCacheWrite);
      t.set_has(Column::kStatus);
      t.set_has(Column::kDuration);
      t.set_has(Column::kReportedCost);
      if (f != InputFormat::kHelicone) t.set_has(Column::kReasoning);
      break;
    case InputFormat::kOtlp:
      t.set_has(Column::kCacheRead);
      t.set_has(Column::kCacheWrite);
      t.set_has(Column::kReasoning);
      t.set_has(Column::kStatus);
      t.set_has(Column::kDuration);
      t.set_has(Column::kMaxTokens);
      break;
    default:
      break;
  }
}

}  // namespace
}  // namespace detail

Status parse_input(InputFormat format, std::string_view text, const ReadOptions& options,
                   Ingest& out) {
  if (format == InputFormat::kLlmctl)
    return Error{"the llmctl request log is SQLite: read it with --db FILE"};
  if (format == InputFormat::kCsv) {
    out.source = fmt::format("CSV {}", options.name);
    detail::mark_columns(format, out.table);
    out.table.set_has(Column::kTimestamp);
    return detail::parse_mapped_csv(text, options, out);
  }
  const detail::FormatReader& reader = detail::format_reader(format);
  out.source = fmt::format("{} {}", reader.source, options.name);
  detail::mark_columns(format, out.table);
  if (detail::looks_like_json(text)) return detail::parse_json_format(reader, text, options, out);
  if (format == InputFormat::kOtlp)
    return Error{options.name +
                 ":1:1: OTLP input must be OTLP/JSON (the protobuf encoding is "
                 "not supported); expected '{'"};
  return detail::parse_csv_format(reader, text, options, out);
}

}  // namespace llmctl::finops
