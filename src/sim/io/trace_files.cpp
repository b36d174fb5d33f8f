#include "sim/io/trace_files.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/strings.h"
#include "sim/trace.h"

namespace llmctl::sim {

namespace fs = std::filesystem;

namespace {

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("cannot read trace '{}'", path)};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string guess_trace_format(const std::string& path) {
  const std::string ext = fs::path(path).extension().string();
  if (iequals(ext, ".db") || iequals(ext, ".sqlite") || iequals(ext, ".sqlite3")) return "llmctl";
  if (iequals(ext, ".jsonl") || iequals(ext, ".json")) return "mooncake";
  std::ifstream in(path);
  std::string header;
  std::getline(in, header);
  if (header.find("Request tokens") != std::string::npos) return "burstgpt";
  return "azure";
}

Result<Trace> read_trace_file(const std::string& path, const std::string& format) {
  if (format == "llmctl") return read_request_log(path);
  auto text = read_text(path);
  if (!text) return text.error();
  const std::string name = fs::path(path).filename().string();
  Result<Trace> t = format == "mooncake"   ? parse_mooncake_jsonl(*text, path)
                    : format == "burstgpt" ? parse_burstgpt_csv(*text, path)
                    : format == "azure"
                        ? parse_azure_csv(*text, path)
                        : Result<Trace>(Error{fmt::format(
                              "--trace-format: unknown \"{}\"; expected azure, mooncake, "
                              "burstgpt or llmctl",
                              format)});
  if (!t) return t.error();
  t->name = name;
  if (t->records.empty()) return Error{fmt::format("{}: the trace has no requests", path)};
  return t;
}

}  // namespace llmctl::sim
