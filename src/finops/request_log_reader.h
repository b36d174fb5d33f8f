// Reads the gateway's SQLite request log (table `requests`; docs/GATEWAY.md, "Request log") into
// a usage table. Accepts v1 files (no attribution or fingerprint columns) and v2 files
// (/work/briefs/request-log-v2.md columns: cache_write_tokens, max_tokens, finish_reason,
// has_tools, key_id, key_name, team, user, project, agent, session_id, tags, the fingerprints and
// feedback_score): columns are found by name, and an analysis that needs a missing one says so.
//
// This is the one finops reader that does I/O (the SQLite file); the file is opened read-only and
// never modified.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/result.h"
#include "finops/ingest.h"

namespace llmctl::finops {

// Called every few hundred thousand rows and at the end: rows read so far and the total to read.
using Progress = std::function<void(long long done, long long total)>;

Status read_request_log(const std::string& path, const ReadOptions& options, Ingest& out,
                        const Progress& progress = {});

}  // namespace llmctl::finops
