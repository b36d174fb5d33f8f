// Trace parsers: text in, a Trace (records sorted by time, prefix segments) out. Pure; the file
// and SQLite readers live in sim/io. Errors name the trace, the line and the field.
//
//  - azure: the Azure LLM inference trace 2023 CSV (TIMESTAMP,ContextTokens,GeneratedTokens;
//    columns by name, timestamps YYYY-MM-DD HH:MM:SS[.fraction]).
//  - mooncake: Mooncake FAST'25 JSONL ({timestamp (ms), input_length, output_length, hash_ids}):
//    each hash id is a 512-token prompt block; equal ids are reusable KV prefix blocks.
//  - burstgpt: BurstGPT CSV (Timestamp (s), Model, Request tokens, Response tokens, ...; the
//    v3 files add Session ID). Rows with 0 response tokens (failed requests) are skipped, and
//    counted in the notes.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "sim/workload.h"

namespace llmctl::sim {

Result<Trace> parse_azure_csv(std::string_view text, const std::string& name);
Result<Trace> parse_mooncake_jsonl(std::string_view text, const std::string& name);
Result<Trace> parse_burstgpt_csv(std::string_view text, const std::string& name);

// Mooncake's prompt block size (tokens per hash id), from the trace's documentation.
inline constexpr int kMooncakeBlockTokens = 512;

// A 64-bit content key for a segment from an external id (trace block ids, fingerprints):
// spread, and never 0 (0 marks anonymous content in the KV cache).
std::uint64_t segment_key(std::uint64_t id, std::uint64_t salt);

}  // namespace llmctl::sim
