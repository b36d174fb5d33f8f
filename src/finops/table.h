// The one usage table every `costs` input becomes: one row per request (or per aggregated bucket,
// for provider usage exports), stored column by column with dictionary-coded text so that
// grouping ten million rows by two keys reads a few hundred megabytes, not gigabytes.
//
// Token counts follow catalog/cost.h: input_tokens counts every input token, cache reads and
// cache writes included; output_tokens includes reasoning. Readers normalise their source into
// this convention (catalog::normalize_usage). A row's `requests` is 1 for request logs and the
// bucket's request count for aggregated exports.
//
// Columns a source does not have stay at their "unknown" value (-1, 0 or the empty text) and the
// table says which ones it has (has()), so an analysis that needs a column can say which one is
// missing instead of guessing. Not thread-safe for writing; read-only sharing is fine.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace llmctl::finops {

// Text columns, dictionary-coded. Code 0 is always the empty string (unknown / NULL).
enum class Text : std::uint8_t {
  kModel,     // model as the client asked for it (the gateway's public name)
  kProvider,  // openai, anthropic, ...
  kDeployment,
  kEndpoint,  // chat, completions, embeddings, messages
  kKey,       // virtual/API key name (never the secret)
  kTeam,
  kUser,
  kProject,
  kAgent,
  kSession,
  kErrorClass,    // empty when the request succeeded
  kFinishReason,  // stop, length, tool_calls, content_filter, error, interrupted
  kPriceId,       // the catalog price entry the row was priced with
  kTags,          // canonical "k=v,k2=v2" (keys sorted)
  kUpstreamModel,
  kCount
};
inline constexpr std::size_t kTextColumns = static_cast<std::size_t>(Text::kCount);
const char* text_column_name(Text t);

// Optional columns whose presence matters to an analysis (has()).
enum class Column : std::uint8_t {
  kTimestamp,
  kCacheRead,
  kCacheWrite,
  kReasoning,
  kStatus,
  kStream,
  kMaxTokens,
  kHasTools,
  kDuration,
  kAttempts,
  kRequestFingerprint,
  kSystemFingerprint,
  kPrefixFingerprint,
  kPrefixTokens,
  kReportedCost,
  kCount
};
const char* column_name(Column c);

// Interned strings: code <-> text. Code 0 is "".
class Dict {
 public:
  Dict();
  std::uint32_t intern(std::string_view s);
  // Code of `s`, or -1 when absent.
  long long find(std::string_view s) const;
  const std::string& at(std::uint32_t code) const { return values_[code]; }
  std::size_t size() const { return values_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::string> values_;
  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> index_;
};

// One row as a reader builds it, before it is appended.
struct UsageRow {
  std::int64_t ts_ms = 0;
  std::array<std::string, kTextColumns> text;
  std::int64_t requests = 1;
  std::int64_t input_tokens = 0;  // includes cache reads and writes
  std::int64_t cache_read_tokens = 0;
  std::int64_t cache_write_tokens = 0;
  std::int64_t output_tokens = 0;  // includes reasoning
  std::int64_t reasoning_tokens = 0;
  double reported_cost_usd = -1;  // what the source says it cost; -1 when it says nothing
  int status = 0;                 // HTTP status; 0 unknown
  int stream = -1;                // 1 streamed, 0 not, -1 unknown
  int has_tools = -1;
  int batch = 0;  // 1 when the source says it went through a batch API
  std::int64_t max_tokens = -1;
  int attempts = 0;
  float duration_ms = -1;
  std::uint64_t request_fp = 0, system_fp = 0, prefix_fp = 0;  // 0 = none
  std::int32_t prefix_tokens = -1, system_tokens = -1;

  std::string& operator[](Text t) { return text[static_cast<std::size_t>(t)]; }
};

class UsageTable {
 public:
  std::size_t size() const { return ts_ms.size(); }
  void reserve(std::size_t n);
  void append(const UsageRow& row);

  bool has(Column c) const { return (present_ >> static_cast<int>(c)) & 1U; }
  void set_has(Column c) { present_ |= 1U << static_cast<int>(c); }

  const Dict& dict(Text t) const { return dicts_[static_cast<std::size_t>(t)]; }
  Dict& dict(Text t) { return dicts_[static_cast<std::size_t>(t)]; }
  const std::vector<std::uint32_t>& codes(Text t) const {
    return text_[static_cast<std::size_t>(t)];
  }
  std::vector<std::uint32_t>& codes(Text t) { return text_[static_cast<std::size_t>(t)]; }
  const std::string& text(Text t, std::size_t row) const { return dict(t).at(codes(t)[row]); }

  // Columns (one entry per row). Public for speed: analyses scan them directly.
  std::vector<std::int64_t> ts_ms;
  std::vector<std::int64_t> requests;
  std::vector<std::int64_t> input_tokens, cache_read_tokens, cache_write_tokens, output_tokens,
      reasoning_tokens;
  std::vector<double> cost_usd;           // priced by pricing.h (or the reported cost)
  std::vector<std::int32_t> price_index;  // into Catalog::prices (pricing.h); -1: none
  std::vector<double> reported_cost_usd;  // -1: none
  std::vector<std::int16_t> status;
  std::vector<std::int8_t> stream, has_tools, batch;
  std::vector<std::int64_t> max_tokens;
  std::vector<std::int16_t> attempts;
  std::vector<float> duration_ms;
  std::vector<std::uint64_t> request_fp, system_fp, prefix_fp;
  std::vector<std::int32_t> prefix_tokens, system_tokens;

 private:
  std::array<std::vector<std::uint32_t>, kTextColumns> text_;
  std::array<Dict, kTextColumns> dicts_;
  std::uint32_t present_ = 0;
};

// Canonical tag text: "k=v" pairs sorted by key, joined by ','. Commas and '=' inside keys or
// values are replaced by '_' so the text splits back unambiguously.
std::string canonical_tags(std::vector<std::pair<std::string, std::string>> tags);
// Splits canonical tag text back into pairs.
std::vector<std::pair<std::string, std::string>> split_tags(std::string_view canonical);

}  // namespace llmctl::finops
