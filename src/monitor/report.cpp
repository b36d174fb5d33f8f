#include "monitor/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "common/json_writer.h"
#include "common/strings.h"

namespace llmctl::monitor {

namespace {

namespace json = boost::json;

json::value opt(const std::optional<double>& v, int digits = 6) {
  if (!v || std::isnan(*v) || std::isinf(*v)) return nullptr;
  return round_to(*v, digits);
}

std::string cell(const std::optional<double>& v, double scale, int sig, const char* unit) {
  if (!v || std::isnan(*v)) return "-";
  return format_sig(*v * scale, sig) + unit;
}

const char* color_of(Severity s) {
  switch (s) {
    case Severity::kCritical:
      return "\x1b[31m";
    case Severity::kWarning:
      return "\x1b[33m";
    case Severity::kInfo:
      return "\x1b[36m";
  }
  return "";
}

std::string sev(Severity s, bool color) {
  std::string name(severity_name(s));
  std::string padded = name + std::string(8 - name.size(), ' ');
  return color ? std::string(color_of(s)) + padded + "\x1b[0m" : padded;
}

struct Column {
  std::string title;
  bool right;
};

std::string table(const std::vector<Column>& cols,
                  const std::vector<std::vector<std::string>>& rows, int max_width) {
  std::vector<std::size_t> w(cols.size());
  for (std::size_t i = 0; i < cols.size(); ++i) w[i] = cols[i].title.size();
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
  auto line = [&](const std::vector<std::string>& r) {
    std::string out;
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (i) out += "  ";
      const std::size_t pad = w[i] - r[i].size();
      out += cols[i].right ? std::string(pad, ' ') + r[i] : r[i] + std::string(pad, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (max_width > 0 && static_cast<int>(out.size()) > max_width) out.resize(max_width);
    return out + "\n";
  };
  std::vector<std::string> head;
  for (const auto& c : cols) head.push_back(c.title);
  std::string out = line(head);
  for (const auto& r : rows) out += line(r);
  return out;
}

std::vector<std::vector<std::string>> target_rows(const Report& r) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : r.targets)
    rows.push_back({t.target, cell(t.requests_per_s, 1, 3, ""), cell(t.error_share, 100, 2, "%"),
                    cell(t.ttft_p50_s, 1000, 3, ""), cell(t.ttft_p95_s, 1000, 3, ""),
                    cell(t.tpot_p95_s, 1000, 3, ""), cell(t.e2e_p95_s, 1, 3, ""),
                    t.running || t.waiting
                        ? fmt::format("{}/{}", t.running ? format_sig(*t.running, 3) : "-",
                                      t.waiting ? format_sig(*t.waiting, 3) : "-")
                        : "-",
                    cell(t.kv_usage, 100, 3, "%"), cell(t.gpu_util_pct, 1, 3, "%"),
                    cell(t.gpu_memory_share, 100, 3, "%"), cell(t.tokens_per_s, 1, 3, ""),
                    t.cost_per_hour_usd ? "$" + format_sig(*t.cost_per_hour_usd, 3) : "-"});
  return rows;
}

const std::vector<Column> kTargetColumns = {
    {"TARGET", false}, {"REQ/S", true},       {"ERR", true},       {"TTFT p50 ms", true},
    {"p95 ms", true},  {"TPOT p95 ms", true}, {"E2E p95 s", true}, {"RUN/WAIT", true},
    {"KV", true},      {"GPU", true},         {"GPU MEM", true},   {"TOK/S", true},
    {"$/H", true}};

}  // namespace

json::value to_json(const Report& r) {
  json::array findings;
  json::object counts{{"critical", 0}, {"warning", 0}, {"info", 0}};
  for (const auto& f : r.findings) {
    json::array ev;
    for (const auto& e : f.evidence)
      ev.push_back(json::object{
          {"name", e.name}, {"value", opt(e.value)}, {"unit", e.unit}, {"query", e.query}});
    findings.push_back(
        json::object{{"kind", f.kind},
                     {"severity", severity_name(f.severity)},
                     {"target", f.target},
                     {"message", f.message},
                     {"evidence", ev},
                     {"fix", json::object{{"action", f.fix.action}, {"command", f.fix.command}}}});
    auto& n = counts[severity_name(f.severity)];
    n = n.as_int64() + 1;
  }
  json::array targets;
  for (const auto& t : r.targets)
    targets.push_back(json::object{{"target", t.target},
                                   {"kind", t.kind},
                                   {"requests_per_s", opt(t.requests_per_s)},
                                   {"error_share", opt(t.error_share)},
                                   {"ttft_p50_s", opt(t.ttft_p50_s)},
                                   {"ttft_p95_s", opt(t.ttft_p95_s)},
                                   {"tpot_p95_s", opt(t.tpot_p95_s)},
                                   {"e2e_p95_s", opt(t.e2e_p95_s)},
                                   {"running", opt(t.running)},
                                   {"waiting", opt(t.waiting)},
                                   {"kv_usage", opt(t.kv_usage)},
                                   {"tokens_per_s", opt(t.tokens_per_s)},
                                   {"gpu_util_pct", opt(t.gpu_util_pct)},
                                   {"gpu_memory_share", opt(t.gpu_memory_share)},
                                   {"cost_per_hour_usd", opt(t.cost_per_hour_usd)}});
  json::array notes;
  for (const auto& n : r.notes) notes.emplace_back(n);
  return json::object{{"findings", findings},
                      {"summary", json::object{{"source", r.source},
                                               {"now_s", round_to(r.now_s, 3)},
                                               {"window_s", round_to(r.window_s, 3)},
                                               {"findings", counts},
                                               {"targets", targets},
                                               {"notes", notes}}}};
}

std::string render_text(const Report& r, bool color) {
  std::string out;
  out += fmt::format("llmctl monitor: {} ({} window)\n\n", r.source, duration_text(r.window_s));
  if (!r.targets.empty()) out += table(kTargetColumns, target_rows(r), 0) + "\n";
  if (r.findings.empty()) {
    out += "No findings: nothing in these metrics needs attention.\n";
  } else {
    for (const auto& f : r.findings) {
      out += fmt::format("{} {:<18} {}\n", sev(f.severity, color), f.kind, f.target);
      out += fmt::format("  {}\n", f.message);
      for (const auto& e : f.evidence)
        if (!e.query.empty())
          out += fmt::format("  · {} = {}{}   {}\n", e.name, format_sig(e.value, 4),
                             e.unit.empty() ? "" : " " + e.unit, e.query);
      if (!f.fix.action.empty()) out += fmt::format("  fix: {}\n", f.fix.action);
      if (!f.fix.command.empty()) out += fmt::format("       $ {}\n", f.fix.command);
      out += "\n";
    }
  }
  if (!r.notes.empty()) {
    out += "notes:\n";
    for (const auto& n : r.notes) out += "  - " + n + "\n";
  }
  int crit = 0, warn = 0, info = 0;
  for (const auto& f : r.findings)
    (f.severity == Severity::kCritical ? crit : f.severity == Severity::kWarning ? warn : info)++;
  out += fmt::format("\n{} findings: {} critical, {} warning, {} info\n", r.findings.size(), crit,
                     warn, info);
  return out;
}

namespace {
// Cuts `s` to `columns` characters on the screen (UTF-8: a character is one lead byte), never
// inside a character.
void fit(std::string& s, int columns) {
  if (columns <= 0) return;
  int seen = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;  // continuation byte
    if (++seen > columns) {
      s.resize(i);
      return;
    }
  }
}
}  // namespace

std::string render_watch(const Report& r, const std::string& clock, int columns, int rows,
                         bool color) {
  std::string out;
  int crit = 0, warn = 0, info = 0;
  for (const auto& f : r.findings)
    (f.severity == Severity::kCritical ? crit : f.severity == Severity::kWarning ? warn : info)++;
  // What matters first: a narrow terminal cuts the source, not the counts.
  std::string head =
      fmt::format("llmctl monitor {} — findings: {} critical, {} warning, {} info — window {} — {}",
                  clock, crit, warn, info, duration_text(r.window_s), r.source);
  fit(head, columns);
  out += (color ? "\x1b[1m" + head + "\x1b[0m" : head) + "\n\n";
  out += table(kTargetColumns, target_rows(r), columns);
  out += "\n";
  int used = 4 + static_cast<int>(r.targets.size());
  if (r.findings.empty()) {
    out += "no open findings\n";
  } else {
    out += "OPEN FINDINGS\n";
    ++used;
    for (const auto& f : r.findings) {
      if (rows > 0 && used >= rows - 2) {
        out += fmt::format("... {} more (q quits; run without --watch for details)\n",
                           r.findings.size() - static_cast<std::size_t>(&f - r.findings.data()));
        break;
      }
      std::string line =
          fmt::format("{} {:<18} {:<28} {}", sev(f.severity, false), f.kind, f.target, f.message);
      fit(line, columns);
      if (color) line = std::string(color_of(f.severity)) + line + "\x1b[0m";
      out += line + "\n";
      ++used;
    }
  }
  return out;
}

}  // namespace llmctl::monitor
