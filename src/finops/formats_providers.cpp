// Provider usage and cost exports: OpenAI's organization Usage and Costs APIs and Anthropic's
// Admin usage and cost reports. Each is a page of time buckets, each bucket a list of results
// (one per group_by combination); a CSV of the flattened results (one row per result, with the
// bucket's start time) reads the same way.
//
// OpenAI: input_tokens includes cached tokens (input_cached_tokens is a subset); the costs API
// gives dollars per line item ("gpt-4o-2024-08-06, input"). Anthropic: uncached input, cache
// reads and cache writes (5-minute and 1-hour) are separate counts; the cost report's `amount` is
// in cents as a decimal string ("123.45" = $1.2345).
//
// The Claude Console's own CSV downloads (Usage -> Export, Cost -> Export) have other columns
// than the Admin API and are told apart by their header: the tokens export
// (claude_api_tokens_YYYY_MM.csv: usage_date_utc, model_version, usage_input_tokens_no_cache,
// usage_input_tokens_cache_write_5m/_1h, usage_input_tokens_cache_read, usage_output_tokens,
// web_search_count, ...) and the cost export (claude_api_cost_*.csv: usage_date_utc, model as a
// display name such as "Claude Opus 4.5", token_type, cost_usd in dollars, cost_type, ...). The
// Console writes "--" for a cell that does not apply (the model of a web-search line).
#include <fmt/format.h>

#include <algorithm>

#include "common/strings.h"
#include "finops/formats.h"

namespace llmctl::finops::detail {
namespace {

std::int64_t bucket_time(const Record& r, const Ancestors& up,
                         std::initializer_list<std::string_view> keys) {
  for (auto key : keys) {
    const json::value* v = inherited(r, up, key);
    if (!v) continue;
    auto ms = parse_timestamp(value_text(v));
    if (!ms) r.fail(key, ms.error().message);
    return *ms;
  }
  r.fail(*keys.begin(), "missing: expected the bucket's start time");
}

// Appends a row that stands for a time bucket (a day of usage), so that the period ends where the
// last bucket ends, not where it starts: a daily export from the 12th to the 15th covers four
// days. `end_key` names the bucket's end (inherited from the bucket); without one the row is an
// instant.
void add_bucket_row(UsageRow& row, const Record& r, const Ancestors& up, std::string_view end_key,
                    const ReadOptions& options, Ingest& out) {
  std::int64_t end = row.ts_ms;
  if (const json::value* v = inherited(r, up, end_key)) {
    auto ms = parse_timestamp(value_text(v));
    if (!ms) r.fail(end_key, ms.error().message);
    if (*ms < row.ts_ms)
      r.fail(end_key, fmt::format("the bucket ends ({}) before it starts ({})", iso_time(*ms),
                                  iso_time(row.ts_ms)));
    end = *ms;
  }
  if (!in_period(options, row.ts_ms, out)) return;
  out.table.append(row);
  out.data_end_ms = std::max(out.data_end_ms, end);
}

// The Console's usage_date_utc: a day ("2026-02-12") or an hour ("2026-03-31 02:00"); the row's
// bucket is that day or hour.
void add_console_row(UsageRow& row, const Record& r, const ReadOptions& options, Ingest& out) {
  bool hourly = trim(r.text("usage_date_utc")).size() > 10;
  if (!in_period(options, row.ts_ms, out)) return;
  out.table.append(row);
  out.data_end_ms = std::max(out.data_end_ms, row.ts_ms + (hourly ? 3600000 : 86400000));
}

constexpr const char* kNoModelNote =
    "some results name no model (exported without grouping by model): their tokens are counted "
    "but cannot be priced; export with group_by=model (and project_id, api_key_id) to price and "
    "attribute them";

constexpr const char* kOneHourWriteNote =
    "the export counts 1-hour cache writes: they are priced at the catalog's cache-write price, "
    "which is the 5-minute write (1.25x input); Anthropic bills 1-hour writes at 2x input, so "
    "those tokens are under-priced by 0.75x input";

constexpr const char* kWebSearchNote =
    "the export counts web searches (web_search_count): they are billed per search, not per "
    "token, and are not priced here";

constexpr const char* kAudioNote =
    "the export counts audio tokens (input_audio_tokens, output_audio_tokens): they are not in "
    "the text token counts and are not priced here";

// ---------------------------------------------------------------------------- OpenAI usage
bool openai_usage_is_record(const json::object& o) {
  if (auto it = o.find("object"); it != o.end() && it->value().is_string())
    return it->value().get_string().ends_with(".usage.completions.result");
  return o.contains("input_tokens") && o.contains("output_tokens") &&
         (o.contains("num_model_requests") || o.contains("start_time"));
}

void openai_usage_read(const Record& r, const Ancestors& up, const ReadOptions& options,
                       Ingest& out) {
  UsageRow row;
  row.ts_ms = bucket_time(r, up, {"start_time", "start_time_iso"});
  row[Text::kModel] = r.text("model");
  row[Text::kProvider] = "openai";
  row[Text::kProject] = r.text("project_id");
  row[Text::kUser] = r.text("user_id");
  row[Text::kKey] = r.text("api_key_id");
  row.input_tokens = r.integer("input_tokens");
  row.cache_read_tokens = r.integer("input_cached_tokens");
  row.output_tokens = r.integer("output_tokens");
  row.requests = r.integer("num_model_requests");
  if (row.cache_read_tokens > row.input_tokens)
    r.fail("input_cached_tokens",
           fmt::format("{} cached tokens exceed the {} input tokens that include them",
                       row.cache_read_tokens, row.input_tokens));
  if (r.integer("input_audio_tokens") + r.integer("output_audio_tokens") > 0)
    note_once(out, kAudioNote);
  if (auto b = r.opt_bool("batch")) row.batch = *b ? 1 : 0;
  std::string tier = r.text("service_tier");
  if (!tier.empty()) row[Text::kTags] = canonical_tags({{"service_tier", tier}});
  // Without group_by=model the API returns "model": null (the OpenAI cookbook's own example
  // shows it): the tokens still count, but nothing can be priced from them.
  if (row[Text::kModel].empty()) note_once(out, kNoModelNote);
  add_bucket_row(row, r, up, "end_time", options, out);
}

// ---------------------------------------------------------------------------- OpenAI costs
bool openai_costs_is_record(const json::object& o) {
  if (auto it = o.find("object"); it != o.end() && it->value().is_string())
    return it->value().get_string() == "organization.costs.result";
  return o.contains("amount") && o.contains("line_item");
}

void openai_costs_read(const Record& r, const Ancestors& up, const ReadOptions& options,
                       Ingest& out) {
  UsageRow row;
  row.ts_ms = bucket_time(r, up, {"start_time"});
  row[Text::kProvider] = "openai";
  row[Text::kProject] = r.text("project_id");
  std::optional<double> value;
  std::string currency = "usd";
  if (const json::value* a = r.get("amount"); a && a->is_object()) {
    Record amount{a->get_object(), r.where, r.path.empty() ? "amount" : r.path + ".amount"};
    value = amount.opt_number("value");
    if (!amount.text("currency").empty()) currency = to_lower(amount.text("currency"));
  } else {
    value = r.opt_number("amount.value");
    if (!value) value = r.opt_number("amount");
    if (!r.text("amount.currency").empty()) currency = to_lower(r.text("amount.currency"));
  }
  if (!value) r.fail("amount", "missing: expected {value, currency}");
  if (currency != "usd")
    r.fail("amount.currency", "only USD amounts are supported, found " + currency);
  row.reported_cost_usd = *value;
  row.requests = 0;
  // "gpt-4o-2024-08-06, input" -> model gpt-4o-2024-08-06, tag line_item=input
  std::string item = r.text("line_item");
  std::size_t comma = item.rfind(", ");
  row[Text::kModel] = comma == std::string::npos ? item : item.substr(0, comma);
  if (comma != std::string::npos)
    row[Text::kTags] = canonical_tags({{"line_item", item.substr(comma + 2)}});
  add_bucket_row(row, r, up, "end_time", options, out);
}

// ---------------------------------------------------------------------------- Anthropic usage
bool anthropic_usage_is_record(const json::object& o) {
  return o.contains("uncached_input_tokens") || o.contains("usage_input_tokens_no_cache");
}

// A Console cell: "--" means "does not apply".
std::string console_text(const Record& r, std::string_view key) {
  std::string t = r.text(key);
  return t == "--" ? "" : t;
}

// Tags every Console export carries, when present.
void console_tags(const Record& r, std::vector<std::pair<std::string, std::string>>& tags) {
  for (const char* k : {"usage_type", "context_window", "inference_geo", "speed"}) {
    std::string v = console_text(r, k);
    if (!v.empty() && v != "not_available") tags.emplace_back(k, v);
  }
}

// The Console's tokens export: one row per (day or hour, model, key, workspace, usage type,
// context window), with every input bucket apart, as the Admin API has them.
void anthropic_console_usage_read(const Record& r, const ReadOptions& options, Ingest& out) {
  UsageRow row;
  row.ts_ms = r.time("usage_date_utc");
  row[Text::kModel] = console_text(r, "model_version");
  row[Text::kProvider] = "anthropic";
  row[Text::kKey] = console_text(r, "api_key");
  row[Text::kProject] = console_text(r, "workspace");
  std::int64_t uncached = r.integer("usage_input_tokens_no_cache");
  std::int64_t write_5m = r.integer("usage_input_tokens_cache_write_5m");
  std::int64_t write_1h = r.integer("usage_input_tokens_cache_write_1h");
  // Older exports have one cache-write column.
  std::int64_t write_any = r.integer("usage_input_tokens_cache_write");
  std::int64_t read = r.integer("usage_input_tokens_cache_read");
  row.cache_read_tokens = read;
  row.cache_write_tokens = write_5m + write_1h + write_any;
  row.input_tokens = uncached + read + row.cache_write_tokens;
  row.output_tokens = r.integer("usage_output_tokens");
  row.requests = 0;  // the export counts tokens, not requests
  if (write_1h > 0) note_once(out, kOneHourWriteNote);
  if (r.integer("web_search_count") > 0) note_once(out, kWebSearchNote);
  std::string usage_type = console_text(r, "usage_type");
  if (usage_type == "batch") row.batch = 1;
  std::vector<std::pair<std::string, std::string>> tags;
  console_tags(r, tags);
  row[Text::kTags] = canonical_tags(tags);
  if (row[Text::kModel].empty()) note_once(out, kNoModelNote);
  add_console_row(row, r, options, out);
}

void anthropic_usage_read(const Record& r, const Ancestors& up, const ReadOptions& options,
                          Ingest& out) {
  if (r.o.contains("usage_input_tokens_no_cache"))
    return anthropic_console_usage_read(r, options, out);
  UsageRow row;
  row.ts_ms = bucket_time(r, up, {"starting_at", "start_time"});
  row[Text::kModel] = r.text("model");
  row[Text::kProvider] = "anthropic";
  row[Text::kKey] = r.text("api_key_id");
  row[Text::kProject] = r.text("workspace_id");
  std::int64_t uncached = r.integer("uncached_input_tokens");
  std::int64_t read = r.integer("cache_read_input_tokens");
  std::int64_t write = 0;
  if (const json::value* cc = r.get("cache_creation"); cc && cc->is_object()) {
    Record c{cc->get_object(), r.where,
             r.path.empty() ? "cache_creation" : r.path + ".cache_creation"};
    write = c.integer("ephemeral_5m_input_tokens") + c.integer("ephemeral_1h_input_tokens");
    if (c.integer("ephemeral_1h_input_tokens") > 0) note_once(out, kOneHourWriteNote);
  } else {
    if (r.integer("cache_creation.ephemeral_1h_input_tokens") +
            r.integer("cache_creation_1h_input_tokens") >
        0)
      note_once(out, kOneHourWriteNote);
    write = r.integer("cache_creation.ephemeral_5m_input_tokens") +
            r.integer("cache_creation.ephemeral_1h_input_tokens") +
            r.integer("cache_creation_5m_input_tokens") +
            r.integer("cache_creation_1h_input_tokens") + r.integer("cache_creation_input_tokens");
  }
  row.input_tokens = uncached + read + write;
  row.cache_read_tokens = read;
  row.cache_write_tokens = write;
  row.output_tokens = r.integer("output_tokens");
  row.requests = 0;  // the usage report counts tokens, not requests
  std::string tier = r.text("service_tier");
  if (tier == "batch") row.batch = 1;
  std::vector<std::pair<std::string, std::string>> tags;
  if (!tier.empty()) tags.emplace_back("service_tier", tier);
  if (!r.text("context_window").empty())
    tags.emplace_back("context_window", r.text("context_window"));
  row[Text::kTags] = canonical_tags(tags);
  if (row[Text::kModel].empty()) note_once(out, kNoModelNote);
  add_bucket_row(row, r, up, "ending_at", options, out);
}

// ---------------------------------------------------------------------------- Anthropic cost
bool anthropic_cost_is_record(const json::object& o) {
  if (o.contains("cost_usd") && (o.contains("token_type") || o.contains("cost_type")))
    return true;  // the Console's cost export
  return o.contains("amount") && (o.contains("cost_type") || o.contains("token_type") ||
                                  o.contains("description") || o.contains("currency"));
}

// The Console's cost export: dollars (not cents) per (day, model, workspace, key, usage type,
// context window, token type). The model is a display name ("Claude Opus 4.5"); pricing.h maps
// it to the catalog's model through the catalog's aliases. Lines that are not per-token (web
// search, code execution) name no model ("--") and keep their cost_type.
void anthropic_console_cost_read(const Record& r, const ReadOptions& options, Ingest& out) {
  UsageRow row;
  row.ts_ms = r.time("usage_date_utc");
  row[Text::kProvider] = "anthropic";
  row[Text::kModel] = console_text(r, "model");
  row[Text::kProject] = console_text(r, "workspace");
  row[Text::kKey] = console_text(r, "api_key");
  auto usd = r.opt_number("cost_usd");
  if (!usd) r.fail("cost_usd", "missing: expected the cost in US dollars");
  row.reported_cost_usd = *usd;
  row.requests = 0;
  std::vector<std::pair<std::string, std::string>> tags;
  console_tags(r, tags);
  for (const char* k : {"cost_type", "token_type"})
    if (auto v = console_text(r, k); !v.empty()) tags.emplace_back(k, v);
  if (console_text(r, "usage_type") == "batch") row.batch = 1;
  row[Text::kTags] = canonical_tags(tags);
  add_console_row(row, r, options, out);
}

void anthropic_cost_read(const Record& r, const Ancestors& up, const ReadOptions& options,
                         Ingest& out) {
  if (r.o.contains("cost_usd") && !r.o.contains("amount"))
    return anthropic_console_cost_read(r, options, out);
  UsageRow row;
  row.ts_ms = bucket_time(r, up, {"starting_at", "start_time"});
  row[Text::kProvider] = "anthropic";
  row[Text::kModel] = r.text("model");
  row[Text::kProject] = r.text("workspace_id");
  std::string currency = to_lower(r.text("currency"));
  if (!currency.empty() && currency != "usd")
    r.fail("currency", "only USD amounts are supported, found " + currency);
  auto cents = r.opt_number("amount");
  if (!cents) r.fail("amount", "missing: expected the cost in cents as a decimal string");
  row.reported_cost_usd = *cents / 100.0;
  row.requests = 0;
  std::vector<std::pair<std::string, std::string>> tags;
  for (const char* k : {"cost_type", "token_type", "service_tier", "context_window"})
    if (!r.text(k).empty()) tags.emplace_back(k, r.text(k));
  if (r.text("service_tier") == "batch") row.batch = 1;
  row[Text::kTags] = canonical_tags(tags);
  if (row[Text::kModel].empty()) row[Text::kModel] = r.text("description");
  add_bucket_row(row, r, up, "ending_at", options, out);
}

}  // namespace

const FormatReader kOpenAIUsageReader{InputFormat::kOpenAIUsage, "OpenAI usage export",
                                      openai_usage_is_record, openai_usage_read};
const FormatReader kOpenAICostsReader{InputFormat::kOpenAICosts, "OpenAI costs export",
                                      openai_costs_is_record, openai_costs_read};
const FormatReader kAnthropicUsageReader{InputFormat::kAnthropicUsage, "Anthropic usage report",
                                         anthropic_usage_is_record, anthropic_usage_read};
const FormatReader kAnthropicCostReader{InputFormat::kAnthropicCost, "Anthropic cost report",
                                        anthropic_cost_is_record, anthropic_cost_read};

}  // namespace llmctl::finops::detail
