// llmctl's expertise as data (data/knowledge/*.yaml, embedded): decision frameworks ("when
// deploying X at Y scale use Z because ..., computed for your numbers by <command>"), the
// anti-pattern catalog (each linked to the audit rules that detect it), and the tool and
// technology map (what each tool is for, when to choose it, and when llmctl is the better
// choice). Every entry carries a source and the date it was read. `llmctl explain` and the
// explain tool search it; MCP serves each entry as a resource; `catalog validate` checks it.
//
// Pure: the loader takes file texts; no I/O. Immutable after loading.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace llmctl::agent {

enum class EntryKind { kFramework, kAntipattern, kTool, kWorkload };
std::string_view kind_name(EntryKind kind);  // framework | antipattern | tool | workload

struct KnowledgeEntry {
  EntryKind kind = EntryKind::kFramework;
  std::string id;     // unique across kinds, lower-case-with-dashes
  std::string title;  // one line
  std::vector<std::string> tags;
  // Decision framework: when (the situation: what, at which scale), use (the choice),
  // because (the reasons, with the numbers that decide).
  std::string when, use, because;
  // Anti-pattern: what it looks like, why it hurts, the fix; the audit rules that detect it.
  std::string symptom, why, fix;
  std::vector<std::string> audit_rules;
  // Tool: category, what it is, choose it when, avoid it when, where llmctl stands.
  std::string category, what, choose_when, avoid_when, llmctl, url;
  // Workload profile: measured request lengths (tokens) of an app type.
  double input_mean = 0, input_p95 = 0, output_mean = 0, output_p95 = 0;
  std::string command;               // the llmctl command that computes or checks it
  std::vector<std::string> related;  // other entry ids
  std::string source;                // URL or repository:path the facts come from
  std::string as_of;                 // YYYY-MM-DD the source was read
  std::string file;                  // where it was written (for messages)
  int line = 0;
};

// The tool map's categories, in display order.
const std::vector<std::string>& tool_categories();

struct Knowledge {
  std::vector<KnowledgeEntry> entries;  // in file order
  const KnowledgeEntry* find(std::string_view id) const;
};

// Loads every (name, YAML text) file; each holds `frameworks:`, `antipatterns:` and/or `tools:`
// lists. Errors name file:line:col and the field (yaml/fields.h), and reject duplicate ids,
// missing sources and dates, and references to entries that do not exist.
Result<Knowledge> load_knowledge(const std::vector<std::pair<std::string, std::string>>& files);
// The embedded data/knowledge/*.yaml, loaded once (an embedded file that does not load is a
// build defect the unit tests catch; the error is returned, not hidden).
const Result<Knowledge>& builtin_knowledge();

// Checks what the loader cannot know: every audit rule an anti-pattern names exists. Returns
// one message per problem ("file:line: antipatterns[id].audit_rules: no audit rule 'X'").
std::vector<std::string> check_audit_rules(const Knowledge& knowledge,
                                           const std::function<bool(std::string_view)>& exists);

struct SearchHit {
  const KnowledgeEntry* entry = nullptr;
  double score = 0;
};
// The workload profile an app type names ("chat", "chatbot"): by id or tag; nullptr if none.
const KnowledgeEntry* find_workload(const Knowledge& knowledge, std::string_view app);

// Entries matching every word of `query` (case-insensitive; "kv cache" finds "KV-cache"), best
// first: a word in the id or title counts most, then tags, then the text.
std::vector<SearchHit> search(const Knowledge& knowledge, std::string_view query);

boost::json::value to_json(const KnowledgeEntry& entry);
std::string to_markdown(const KnowledgeEntry& entry);

}  // namespace llmctl::agent
