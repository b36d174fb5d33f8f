// Reading traces from disk: text formats through the pure parsers (sim/trace.h), the gateway's
// SQLite request log directly.
#pragma once

#include <string>

#include "common/result.h"
#include "sim/workload.h"

namespace llmctl::sim {

// azure | mooncake | burstgpt | llmctl. Errors name the file.
Result<Trace> read_trace_file(const std::string& path, const std::string& format);

// The format a file most likely has: .db/.sqlite/.sqlite3 -> llmctl, .jsonl -> mooncake, a CSV
// by its header (TIMESTAMP -> azure, "Request tokens" -> burstgpt). "azure" when unsure.
std::string guess_trace_format(const std::string& path);

// The gateway's request log (SQLite, table `requests`, schema v1 or v2; docs/GATEWAY.md): one
// record per generation request that produced output, at its arrival time. v2 columns give
// sessions, max_tokens and prefix segments (system prompt, then the leading prompt); a v1 file
// has none, and the notes say what that leaves out.
Result<Trace> read_request_log(const std::string& path);

}  // namespace llmctl::sim
