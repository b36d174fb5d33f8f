#include "sim/trace.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <numeric>

#include "common/calendar.h"
#include "common/strings.h"

namespace llmctl::sim {

namespace {

bool parse_int(std::string_view s, long long& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parse_double(std::string_view s, double& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && std::isfinite(out);
}

// Sorts records by time (stable: equal times keep file order) and makes times relative to the
// first arrival.
void finish_trace(Trace& t) {
  std::stable_sort(t.records.begin(), t.records.end(),
                   [](const TraceRecord& a, const TraceRecord& b) { return a.t_s < b.t_s; });
  if (t.records.empty()) return;
  const double origin = t.records.front().t_s;
  for (auto& r : t.records) r.t_s -= origin;
}

// Column positions by header name (case-insensitive).
struct Columns {
  std::vector<std::string> header;
  int find(std::string_view name) const {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (iequals(trim(header[i]), name)) return static_cast<int>(i);
    return -1;
  }
};

}  // namespace

std::uint64_t segment_key(std::uint64_t id, std::uint64_t salt) {
  std::uint64_t z = id + salt + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return z ? z : 1;
}

Result<Trace> parse_azure_csv(std::string_view text, const std::string& name) {
  Trace t;
  t.name = name;
  t.format = "azure";
  std::vector<std::string> lines = split(text, '\n');
  if (lines.empty() || trim(lines[0]).empty())
    return Error{
        fmt::format("{}:1: expected a CSV header TIMESTAMP,ContextTokens,GeneratedTokens", name)};
  const Columns cols{split(trim(lines[0]), ',')};
  const int ts = cols.find("TIMESTAMP"), in = cols.find("ContextTokens"),
            out = cols.find("GeneratedTokens");
  if (ts < 0 || in < 0 || out < 0)
    return Error{fmt::format(
        "{}:1: expected a CSV header with TIMESTAMP, ContextTokens and GeneratedTokens, found "
        "\"{}\"",
        name, trim(lines[0]))};
  t.records.reserve(lines.size());
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string line = trim(lines[i]);
    if (line.empty()) continue;
    const std::vector<std::string> cells = split(line, ',');
    if (cells.size() != cols.header.size())
      return Error{fmt::format("{}:{}: expected {} columns, found {}", name, i + 1,
                               cols.header.size(), cells.size())};
    TraceRecord r;
    if (!parse_datetime(trim(cells[ts]), r.t_s))
      return Error{
          fmt::format("{}:{}: TIMESTAMP: expected YYYY-MM-DD HH:MM:SS[.fraction], found \"{}\"",
                      name, i + 1, cells[ts])};
    long long a = 0, b = 0;
    if (!parse_int(trim(cells[in]), a) || a < 0)
      return Error{fmt::format("{}:{}: ContextTokens: expected an integer >= 0, found \"{}\"", name,
                               i + 1, cells[in])};
    if (!parse_int(trim(cells[out]), b) || b < 0)
      return Error{fmt::format("{}:{}: GeneratedTokens: expected an integer >= 0, found \"{}\"",
                               name, i + 1, cells[out])};
    r.input_tokens = static_cast<int>(std::max(1LL, a));
    r.output_tokens = static_cast<int>(std::max(1LL, b));
    t.records.push_back(r);
  }
  finish_trace(t);
  return t;
}

Result<Trace> parse_mooncake_jsonl(std::string_view text, const std::string& name) {
  namespace json = boost::json;
  Trace t;
  t.name = name;
  t.format = "mooncake";
  std::size_t line_no = 0, pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (trim(line).empty()) continue;
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec || !v.is_object())
      return Error{fmt::format("{}:{}: expected a JSON object per line: {}", name, line_no,
                               ec ? ec.message() : "not an object")};
    const json::object& o = v.as_object();
    auto number = [&](const char* key, double& out) -> Status {
      const json::value* f = o.if_contains(key);
      if (!f || !(f->is_int64() || f->is_uint64() || f->is_double()))
        return Error{fmt::format("{}:{}: {}: expected a number", name, line_no, key)};
      out = f->to_number<double>();
      if (!(out >= 0)) return Error{fmt::format("{}:{}: {}: expected >= 0", name, line_no, key)};
      return {};
    };
    double ts = 0, in = 0, out = 0;
    if (Status st = number("timestamp", ts); !st) return st.error();
    if (Status st = number("input_length", in); !st) return st.error();
    if (Status st = number("output_length", out); !st) return st.error();
    TraceRecord r;
    r.t_s = ts / 1000.0;
    r.input_tokens = static_cast<int>(std::max(1.0, in));
    r.output_tokens = static_cast<int>(std::max(1.0, out));
    r.segments_begin = static_cast<std::uint32_t>(t.segments.hashes.size());
    if (const json::value* h = o.if_contains("hash_ids")) {
      if (!h->is_array())
        return Error{fmt::format("{}:{}: hash_ids: expected a list of integers", name, line_no)};
      int covered = 0;
      for (const json::value& id : h->as_array()) {
        if (!id.is_int64() && !id.is_uint64())
          return Error{fmt::format("{}:{}: hash_ids: expected integers", name, line_no)};
        if (covered >= r.input_tokens) break;
        const int n = std::min(kMooncakeBlockTokens, r.input_tokens - covered);
        t.segments.add(segment_key(id.to_number<std::uint64_t>(), 0x6d6f6f6eULL), n);
        covered += n;
        ++r.segments_count;
      }
    }
    t.records.push_back(r);
  }
  finish_trace(t);
  return t;
}

Result<Trace> parse_burstgpt_csv(std::string_view text, const std::string& name) {
  Trace t;
  t.name = name;
  t.format = "burstgpt";
  std::vector<std::string> lines = split(text, '\n');
  if (lines.empty() || trim(lines[0]).empty())
    return Error{fmt::format(
        "{}:1: expected a CSV header Timestamp,Model,Request tokens,Response tokens,...", name)};
  const Columns cols{split(trim(lines[0]), ',')};
  const int ts = cols.find("Timestamp"), in = cols.find("Request tokens"),
            out = cols.find("Response tokens"), session = cols.find("Session ID");
  if (ts < 0 || in < 0 || out < 0)
    return Error{fmt::format(
        "{}:1: expected a CSV header with Timestamp, Request tokens and Response tokens, found "
        "\"{}\"",
        name, trim(lines[0]))};
  long long failed = 0;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string line = trim(lines[i]);
    if (line.empty()) continue;
    const std::vector<std::string> cells = split(line, ',');
    if (cells.size() != cols.header.size())
      return Error{fmt::format("{}:{}: expected {} columns, found {}", name, i + 1,
                               cols.header.size(), cells.size())};
    TraceRecord r;
    if (!parse_double(trim(cells[ts]), r.t_s) || r.t_s < 0)
      return Error{fmt::format("{}:{}: Timestamp: expected seconds >= 0, found \"{}\"", name, i + 1,
                               cells[ts])};
    long long a = 0, b = 0;
    if (!parse_int(trim(cells[in]), a) || a < 0)
      return Error{fmt::format("{}:{}: Request tokens: expected an integer >= 0, found \"{}\"",
                               name, i + 1, cells[in])};
    if (!parse_int(trim(cells[out]), b) || b < 0)
      return Error{fmt::format("{}:{}: Response tokens: expected an integer >= 0, found \"{}\"",
                               name, i + 1, cells[out])};
    if (b == 0) {
      ++failed;
      continue;
    }
    r.input_tokens = static_cast<int>(std::max(1LL, a));
    r.output_tokens = static_cast<int>(b);
    if (session >= 0 && !trim(cells[session]).empty()) {
      const std::string s = trim(cells[session]);
      r.session = segment_key(std::accumulate(s.begin(), s.end(), 1469598103934665603ULL,
                                              [](std::uint64_t h, char c) {
                                                return (h ^ static_cast<unsigned char>(c)) *
                                                       1099511628211ULL;
                                              }),
                              0x73657373ULL);
    }
    t.records.push_back(r);
  }
  if (failed > 0)
    t.notes.push_back(
        fmt::format("{}: skipped {} rows with 0 response tokens (failed requests)", name, failed));
  finish_trace(t);
  return t;
}

}  // namespace llmctl::sim
