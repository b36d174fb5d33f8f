// Internal to the finops readers: one record reader per input format. The driver (ingest.cpp)
// finds the records of a JSON document (or turns each CSV row into an object with the header's
// names) and calls the format's reader on each; a reader throws detail::RowError on a malformed
// record, which the driver counts and keeps.
#pragma once

#include <vector>

#include "finops/reader_util.h"

namespace llmctl::finops::detail {

// Enclosing objects of a record, outermost first (a usage bucket, an OTLP resourceSpans entry).
using Ancestors = std::vector<const json::object*>;

struct FormatReader {
  InputFormat format;
  const char* source;  // how the report names the input
  // True for the objects that are this format's records (the driver descends into others).
  bool (*is_record)(const json::object& o);
  void (*read)(const Record& r, const Ancestors& up, const ReadOptions& options, Ingest& out);
};

const FormatReader& format_reader(InputFormat f);

// The readers (formats_providers.cpp, formats_tools.cpp).
extern const FormatReader kOpenAIUsageReader, kOpenAICostsReader, kAnthropicUsageReader,
    kAnthropicCostReader, kLiteLLMReader, kLangfuseReader, kHeliconeReader, kOtlpReader;

// The first ancestor (nearest first) or the record itself that has `key`.
const json::value* inherited(const Record& r, const Ancestors& up, std::string_view key);

// Appends the row when it is inside the period.
void add_row(UsageRow& row, const ReadOptions& options, Ingest& out);

// Adds `note` to the input's notes unless it is there already.
void note_once(Ingest& out, const char* note);

}  // namespace llmctl::finops::detail
