// The finops core: every input format against its fixture (values and the errors of malformed
// rows), pricing, attribution totals, and what-ifs and anomalies on generated logs whose answers
// are known in advance.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "catalog/cost.h"
#include "catalog/loader.h"
#include "finops/gpu_metrics.h"
#include "finops/ingest.h"
#include "finops/pricing.h"
#include "finops/render.h"
#include "finops/report.h"

namespace llmctl::finops {
namespace {

const catalog::Catalog& cat() {
  static const catalog::Catalog c = *catalog::embedded_catalog();
  return c;
}

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(LLMCTL_SOURCE_DIR) + "/tests/data/costs/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Ingest read(InputFormat f, const std::string& name, ReadOptions o = {}) {
  Ingest in;
  o.name = name;
  auto st = parse_input(f, fixture(name), o, in);
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message);
  return in;
}

std::int64_t ts(const char* s) { return *parse_timestamp(s); }

TEST(FinopsTime, ParsesTheFormsExportsWrite) {
  EXPECT_EQ(ts("1970-01-02T00:00:00Z"), 86400000);
  EXPECT_EQ(ts("2025-12-01T00:00:00Z"), 1764547200000);
  EXPECT_EQ(ts("2025-12-01 00:00:00.250000"), 1764547200250);
  EXPECT_EQ(ts("2025-12-01T01:00:00+01:00"), 1764547200000);
  EXPECT_EQ(ts("2025-12-01"), 1764547200000);
  EXPECT_EQ(ts("1764547200"), 1764547200000);
  EXPECT_EQ(ts("1764547200000"), 1764547200000);
  EXPECT_EQ(ts("1764547200000000000"), 1764547200000);
  EXPECT_FALSE(parse_timestamp("yesterday"));
  EXPECT_FALSE(parse_timestamp("2025-13-01"));
  EXPECT_EQ(iso_time(1764547200000), "2025-12-01T00:00:00Z");
}

TEST(FinopsFormats, OpenAIUsagePages) {
  Ingest in = read(InputFormat::kOpenAIUsage, "openai_usage.json");
  ASSERT_EQ(in.table.size(), 3u);
  EXPECT_EQ(in.rows_rejected, 0);
  const UsageTable& t = in.table;
  EXPECT_EQ(t.text(Text::kModel, 0), "gpt-4o-2024-08-06");
  EXPECT_EQ(t.input_tokens[0], 1250000);  // includes the cached tokens
  EXPECT_EQ(t.cache_read_tokens[0], 400000);
  EXPECT_EQ(t.requests[0], 812);
  EXPECT_EQ(t.text(Text::kProject, 0), "proj_support");
  EXPECT_EQ(t.batch[1], 1);
  EXPECT_EQ(t.ts_ms[2], ts("2025-12-02T00:00:00Z"));
}

TEST(FinopsFormats, OpenAIUsageCsvRejectsABadCellByLineAndColumn) {
  Ingest in = read(InputFormat::kOpenAIUsage, "openai_usage.csv");
  EXPECT_EQ(in.table.size(), 2u);
  ASSERT_EQ(in.rows_rejected, 1);
  EXPECT_NE(in.errors[0].find("openai_usage.csv:4:"), std::string::npos) << in.errors[0];
  EXPECT_NE(in.errors[0].find("input_cached_tokens"), std::string::npos) << in.errors[0];
  EXPECT_NE(in.errors[0].find("not-a-number"), std::string::npos) << in.errors[0];
}

TEST(FinopsFormats, OpenAICostsKeepTheBilledDollars) {
  Ingest in = read(InputFormat::kOpenAICosts, "openai_costs.json");
  ASSERT_EQ(in.table.size(), 3u);
  EXPECT_DOUBLE_EQ(in.table.reported_cost_usd[0], 4.6125);
  EXPECT_EQ(in.table.text(Text::kModel, 0), "gpt-4o-2024-08-06");
  EXPECT_EQ(in.table.text(Text::kTags, 1), "line_item=output");
  PricingSummary p = price_rows(in.table, cat());
  EXPECT_EQ(p.reported_rows, 3);
  EXPECT_DOUBLE_EQ(in.table.cost_usd[1], 3.1);
}

TEST(FinopsFormats, AnthropicUsageAddsCacheReadsAndWritesToInput) {
  Ingest in = read(InputFormat::kAnthropicUsage, "anthropic_usage.json");
  ASSERT_EQ(in.table.size(), 2u);
  EXPECT_EQ(in.table.input_tokens[0], 220000 + 48000 + 910000);
  EXPECT_EQ(in.table.cache_read_tokens[0], 910000);
  EXPECT_EQ(in.table.cache_write_tokens[0], 48000);
  EXPECT_EQ(in.table.batch[1], 1);
  Ingest csv = read(InputFormat::kAnthropicUsage, "anthropic_usage.csv");
  ASSERT_EQ(csv.table.size(), 2u);
  EXPECT_EQ(csv.table.input_tokens[0], 180000 + 30000 + 800000);
  // Priced with the catalog: Sonnet 4.5 uncached input 3, cache write 3.75, cache read 0.3,
  // output 15 $/Mtok.
  price_rows(in.table, cat());
  double want = 0.22 * 3 + 0.048 * 3.75 + 0.91 * 0.3 + 0.095 * 15;
  EXPECT_NEAR(in.table.cost_usd[0], want, 1e-9);
}

TEST(FinopsFormats, AnthropicCostReportIsInCents) {
  Ingest in = read(InputFormat::kAnthropicCost, "anthropic_cost.json");
  ASSERT_EQ(in.table.size(), 3u);
  EXPECT_DOUBLE_EQ(in.table.reported_cost_usd[0], 0.66);
  EXPECT_DOUBLE_EQ(in.table.reported_cost_usd[2], 1.2);
}

// The Claude Console's tokens download (claude_api_tokens_YYYY_MM.csv). No licensed copy of a
// real one was found (tests/data/costs/real/SOURCE.md), so these rows were written here, with
// the header, the "≤ 200k" cell, the hourly date form and the trailing empty `speed` cell that
// the real exports have.
TEST(FinopsFormats, AnthropicConsoleTokensCsv) {
  const std::string text =
      "usage_date_utc,model_version,api_key,workspace,usage_type,context_window,"
      "usage_input_tokens_no_cache,usage_input_tokens_cache_write_5m,"
      "usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,usage_output_tokens,"
      "web_search_count,inference_geo,speed\n"
      "2026-02-01,claude-opus-4-5-20251101,sdk,Default,standard,≤ 200k,40,300000,0,3000000,"
      "30000,0,not_available,\n"
      "2026-02-01 02:00,claude-haiku-4-5-20251001,sdk,Default,batch,≤ 200k,1000,0,2000,0,500,3,"
      "global,\n"
      "2026-02-02,claude-haiku-4-5-20251001,sdk,Default,standard,≤ 200k,12x,0,0,0,5,0,global,\n";
  Ingest in;
  ReadOptions o;
  o.name = "claude_api_tokens_2026_02.csv";
  ASSERT_TRUE(parse_input(InputFormat::kAnthropicUsage, text, o, in).ok());
  ASSERT_EQ(in.table.size(), 2u);
  const UsageTable& t = in.table;
  EXPECT_EQ(t.text(Text::kModel, 0), "claude-opus-4-5-20251101");
  EXPECT_EQ(t.text(Text::kKey, 0), "sdk");
  EXPECT_EQ(t.text(Text::kProject, 0), "Default");
  EXPECT_EQ(t.input_tokens[0], 40 + 300000 + 3000000);
  EXPECT_EQ(t.cache_write_tokens[0], 300000);
  EXPECT_EQ(t.cache_read_tokens[0], 3000000);
  EXPECT_EQ(t.output_tokens[0], 30000);
  EXPECT_EQ(t.ts_ms[1], ts("2026-02-01T02:00:00Z"));  // the hourly form
  EXPECT_EQ(t.batch[1], 1);
  EXPECT_EQ(t.cache_write_tokens[1], 2000);
  EXPECT_EQ(t.text(Text::kTags, 1), "context_window=≤ 200k,inference_geo=global,usage_type=batch");
  // The bad cell is named by line and character column (the "≤" is one column, not three).
  ASSERT_EQ(in.rows_rejected, 1);
  EXPECT_NE(in.errors[0].find("claude_api_tokens_2026_02.csv:4:66: usage_input_tokens_no_cache"),
            std::string::npos)
      << in.errors[0];
  // 1-hour writes and web searches are not priced as Anthropic bills them: said, not hidden.
  std::string notes;
  for (const auto& n : in.notes) notes += n + "\n";
  EXPECT_NE(notes.find("1-hour cache writes"), std::string::npos) << notes;
  EXPECT_NE(notes.find("web searches"), std::string::npos) << notes;
  // Opus 4.5: uncached 5, 5-minute write 6.25, read 0.5, output 25 $/Mtok.
  price_rows(in.table, cat());
  EXPECT_NEAR(in.table.cost_usd[0], 40e-6 * 5 + 0.3 * 6.25 + 3.0 * 0.5 + 0.03 * 25, 1e-9);
}

TEST(FinopsFormats, AnthropicConsoleCostCsvMapsDisplayNamesThroughTheCatalog) {
  Ingest in = read(InputFormat::kAnthropicCost, "real/anthropic_console_cost_livechat.csv");
  ASSERT_EQ(in.table.size(), 24u);
  EXPECT_EQ(in.rows_rejected, 0);
  EXPECT_DOUBLE_EQ(in.table.reported_cost_usd[0], 0.07);  // dollars, not cents
  EXPECT_EQ(in.table.text(Text::kModel, 0), "");          // "--": a web-search line
  EXPECT_EQ(in.table.text(Text::kTags, 0), "cost_type=web_search");
  EXPECT_EQ(in.table.text(Text::kModel, 1), "Claude Haiku 4.5");
  price_rows(in.table, cat());
  EXPECT_EQ(in.table.text(Text::kModel, 1), "claude-haiku-4-5");
  EXPECT_EQ(in.table.text(Text::kModel, 5), "claude-sonnet-4-5");
  EXPECT_DOUBLE_EQ(in.table.cost_usd[6], 2.63);
}

TEST(FinopsFormats, LiteLLMSpendLogs) {
  Ingest in = read(InputFormat::kLiteLLM, "litellm_spend_logs.json");
  EXPECT_EQ(in.records_read, 4);
  ASSERT_EQ(in.rows_rejected, 1);
  EXPECT_NE(in.errors[0].find("prompt_tokens"), std::string::npos) << in.errors[0];
  EXPECT_NE(in.errors[0].find("litellm_spend_logs.json:"), std::string::npos) << in.errors[0];
  const UsageTable& t = in.table;
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t.text(Text::kKey, 0), "support-bot");
  EXPECT_EQ(t.text(Text::kTeam, 0), "support");
  EXPECT_EQ(t.text(Text::kProject, 0), "helpdesk");
  EXPECT_EQ(t.cache_read_tokens[0], 1024);
  EXPECT_EQ(t.text(Text::kTags, 0), "env=prod,feature=triage");
  EXPECT_EQ(t.text(Text::kModel, 1), "claude-sonnet");
  EXPECT_EQ(t.text(Text::kUpstreamModel, 1), "claude-sonnet-4-5-20250929");
  EXPECT_EQ(t.cache_write_tokens[1], 1500);
  EXPECT_EQ(t.status[2], 500);
  Ingest csv = read(InputFormat::kLiteLLM, "litellm_spend_logs.csv");
  ASSERT_EQ(csv.table.size(), 2u);
  EXPECT_EQ(csv.table.text(Text::kKey, 0), "search-api");
  EXPECT_EQ(csv.table.text(Text::kTags, 0), "feature=search");
}

// GET /spend/logs/v2 (the endpoint LiteLLM's UI and maintainers point users to, issue #7955):
// rows under "data" with paging beside them, times with "+00:00", and the Anthropic usage as
// LiteLLM's Anthropic transformation writes it (prompt_tokens = input + cache read + cache
// creation, the two also in usage_object).
TEST(FinopsFormats, LiteLLMSpendLogsV2Page) {
  const std::string text = R"({"data": [
    {"request_id": "chatcmpl-1", "call_type": "acompletion", "api_key": "88dc28", "spend": 0.0123,
     "total_tokens": 12300, "prompt_tokens": 12000, "completion_tokens": 300,
     "startTime": "2026-08-06T14:30:00+00:00", "endTime": "2026-08-06T14:31:30+00:00",
     "model": "claude-sonnet-4-5-20250929", "model_group": "claude-sonnet",
     "custom_llm_provider": "anthropic", "status": "success", "request_tags": [],
     "metadata": {"user_api_key_alias": "batch-key",
                  "usage_object": {"prompt_tokens": 12000, "completion_tokens": 300,
                                   "cache_read_input_tokens": 10000,
                                   "cache_creation_input_tokens": 1500,
                                   "prompt_tokens_details": {"cached_tokens": 10000}}}}
  ], "total": 1, "page": 1, "page_size": 50, "total_pages": 1})";
  Ingest in;
  ReadOptions o;
  o.name = "spend_logs_v2.json";
  ASSERT_TRUE(parse_input(InputFormat::kLiteLLM, text, o, in).ok());
  EXPECT_EQ(in.rows_rejected, 0) << (in.errors.empty() ? "" : in.errors[0]);
  ASSERT_EQ(in.table.size(), 1u);
  EXPECT_EQ(in.table.ts_ms[0], ts("2026-08-06T14:30:00Z"));
  EXPECT_FLOAT_EQ(in.table.duration_ms[0], 90000);
  EXPECT_EQ(in.table.input_tokens[0], 12000);
  EXPECT_EQ(in.table.cache_read_tokens[0], 10000);
  EXPECT_EQ(in.table.cache_write_tokens[0], 1500);
  EXPECT_EQ(in.table.text(Text::kKey, 0), "batch-key");
  EXPECT_EQ(in.table.status[0], 200);
}

// Some LiteLLM versions added Anthropic's cache_read_input_tokens to prompt_tokens but not its
// cache_creation_input_tokens (BerriAI/litellm, llms/anthropic/chat/transformation.py,
// calculate_usage). A row whose prompt count holds its cache reads but is smaller than reads and
// writes together can only be such a row: read so, and said in a note, not rejected.
TEST(FinopsFormats, LiteLLMAnthropicPromptTokensWithoutCacheWrites) {
  const std::string text = R"([
    {"request_id": "r1", "call_type": "acompletion", "spend": 0.02, "prompt_tokens": 2010,
     "completion_tokens": 50, "startTime": "2025-06-01T10:00:00Z", "model": "claude-sonnet-4-5",
     "custom_llm_provider": "anthropic",
     "metadata": {"usage_object": {"prompt_tokens": 2010, "completion_tokens": 50,
                                   "cache_read_input_tokens": 2000,
                                   "cache_creation_input_tokens": 5000}}},
    {"request_id": "r2", "call_type": "acompletion", "spend": 0.01, "prompt_tokens": 100,
     "completion_tokens": 5, "startTime": "2025-06-01T10:01:00Z", "model": "claude-sonnet-4-5",
     "custom_llm_provider": "anthropic",
     "metadata": {"usage_object": {"prompt_tokens": 100, "completion_tokens": 5,
                                   "cache_read_input_tokens": 200}}}
  ])";
  Ingest in;
  ReadOptions o;
  o.name = "spend_logs.json";
  ASSERT_TRUE(parse_input(InputFormat::kLiteLLM, text, o, in).ok());
  ASSERT_EQ(in.table.size(), 1u);
  EXPECT_EQ(in.table.input_tokens[0], 2010 + 5000);
  EXPECT_EQ(in.table.cache_read_tokens[0], 2000);
  EXPECT_EQ(in.table.cache_write_tokens[0], 5000);
  std::string notes;
  for (const auto& n : in.notes) notes += n + "\n";
  EXPECT_NE(notes.find("cache writes"), std::string::npos) << notes;
  // Fewer prompt tokens than cache reads fits no LiteLLM version: still rejected, by line.
  ASSERT_EQ(in.rows_rejected, 1);
  EXPECT_NE(in.errors[0].find("spend_logs.json:"), std::string::npos) << in.errors[0];
  EXPECT_NE(in.errors[0].find("prompt_tokens"), std::string::npos) << in.errors[0];
}

TEST(FinopsFormats, LangfuseBucketsAreExclusive) {
  Ingest in = read(InputFormat::kLangfuse, "langfuse_observations.jsonl");
  EXPECT_EQ(in.rows_skipped, 1);  // the SPAN
  ASSERT_EQ(in.rows_rejected, 1);
  EXPECT_NE(in.errors[0].find("langfuse_observations.jsonl:4:1"), std::string::npos)
      << in.errors[0];
  ASSERT_EQ(in.table.size(), 2u);
  EXPECT_EQ(in.table.input_tokens[0], 86 + 17817);
  EXPECT_EQ(in.table.cache_read_tokens[0], 17817);
  EXPECT_EQ(in.table.text(Text::kSession, 0), "chat-9");
  EXPECT_EQ(in.table.input_tokens[1], 1200 + 30000 + 2000);
  EXPECT_EQ(in.table.text(Text::kErrorClass, 1), "error");
  Ingest api = read(InputFormat::kLangfuse, "langfuse_api.json");
  ASSERT_EQ(api.table.size(), 1u);
  EXPECT_EQ(api.table.input_tokens[0], 2400);
}

// The CSV of Helicone's export tool (Helicone/helicone, examples/export/typescript/index.ts,
// convertToCSVRow): twelve columns and no request_id, every cell quoted, objects as JSON whose
// quotes are doubled twice (so the cell reads {""team"":""growth""} once unquoted), the dollars in
// `cost` (older) or `cost_usd`, the duration in `latency`. No cache or total column: Helicone keeps
// cached tokens out of prompt_tokens, so such rows are said to miss them.
TEST(FinopsFormats, HeliconeExportToolCsv) {
  const std::string text =
      "response_id,response_created_at,response_status,request_created_at,request_body,"
      "request_properties,request_user_id,model,prompt_tokens,completion_tokens,latency,cost_usd\n"
      R"("res-1","2025-12-01T11:00:02.400Z","200","2025-12-01T11:00:00.000Z",,)"
      R"("{""""team"""":""""growth"""",""""Helicone-Session-Id"""":""""s-77""""}",)"
      R"("user-1","gpt-4o","1264","300","2400","0.00702")"
      "\n"
      R"("res-2","2025-12-01T11:06:00.300Z","429","2025-12-01T11:06:00.000Z",,"{}","user-2",)"
      R"("gpt-4o","0","0","300","0")"
      "\n";
  Ingest in;
  ReadOptions o;
  o.name = "output.csv";
  ASSERT_TRUE(parse_input(InputFormat::kHelicone, text, o, in).ok());
  EXPECT_EQ(in.rows_rejected, 0) << (in.errors.empty() ? "" : in.errors[0]);
  ASSERT_EQ(in.table.size(), 2u);
  const UsageTable& t = in.table;
  EXPECT_EQ(t.text(Text::kModel, 0), "gpt-4o");
  EXPECT_EQ(t.input_tokens[0], 1264);
  EXPECT_EQ(t.output_tokens[0], 300);
  EXPECT_NEAR(t.reported_cost_usd[0], 0.00702, 1e-12);
  EXPECT_FLOAT_EQ(t.duration_ms[0], 2400);
  EXPECT_EQ(t.text(Text::kTeam, 0), "growth");
  EXPECT_EQ(t.text(Text::kSession, 0), "s-77");
  EXPECT_EQ(t.text(Text::kUser, 0), "user-1");
  EXPECT_EQ(t.text(Text::kErrorClass, 1), "http_429");
  std::string notes;
  for (const auto& n : in.notes) notes += n + "\n";
  EXPECT_NE(notes.find("prompt_cache_read_tokens"), std::string::npos) << notes;
}

// Langfuse tracks usage and cost on GENERATION and EMBEDDING observations (langfuse-docs,
// token-and-cost-tracking; its cost-by-user cookbook sums exactly those two types). The other
// observation types of Langfuse v4 (AGENT, TOOL, CHAIN, RETRIEVER, EVALUATOR, GUARDRAIL) carry
// none and are counted as skipped.
TEST(FinopsFormats, LangfuseEmbeddingsAreCallsToo) {
  const std::string text =
      R"({"id":"e1","trace_id":"t1","type":"EMBEDDING","start_time":"2025-12-01 14:00:00.000000",)"
      R"("provided_model_name":"text-embedding-3-small","usage_details":{"input":1200,"total":1200},)"
      R"("cost_details":{"input":0.000024,"total":0.000024},"total_cost":0.000024})"
      "\n"
      R"({"id":"a1","trace_id":"t1","type":"AGENT","start_time":"2025-12-01 14:00:00.000000"})"
      "\n"
      R"({"id":"g1","trace_id":"t1","type":"GENERATION","start_time":"2025-12-01 14:00:01.000000",)"
      R"("provided_model_name":"gpt-4o-mini","usage_details":{"input":100,"output":20},"total_cost":0.00003})"
      "\n";
  Ingest in;
  ReadOptions o;
  o.name = "observations.jsonl";
  ASSERT_TRUE(parse_input(InputFormat::kLangfuse, text, o, in).ok());
  EXPECT_EQ(in.rows_rejected, 0) << (in.errors.empty() ? "" : in.errors[0]);
  EXPECT_EQ(in.rows_skipped, 1);  // the AGENT
  ASSERT_EQ(in.table.size(), 2u);
  EXPECT_EQ(in.table.text(Text::kModel, 0), "text-embedding-3-small");
  EXPECT_EQ(in.table.text(Text::kEndpoint, 0), "embeddings");
  EXPECT_EQ(in.table.input_tokens[0], 1200);
  EXPECT_NEAR(in.table.reported_cost_usd[0], 0.000024, 1e-12);
}

TEST(FinopsFormats, HeliconeFollowsTheProvidersTokenConvention) {
  Ingest in = read(InputFormat::kHelicone, "helicone_requests.json");
  ASSERT_EQ(in.table.size(), 3u);
  // OpenAI, total 3100 = 2800 + 300: a prompt count that holds the cache (as Helicone's stream
  // processor logged OpenAI rows before 2025-08).
  EXPECT_EQ(in.table.input_tokens[0], 2800);
  EXPECT_EQ(in.table.cache_read_tokens[0], 1536);
  EXPECT_EQ(in.table.input_tokens[1], 600 + 5000 + 9000);  // Anthropic: it does not
  EXPECT_EQ(in.table.text(Text::kSession, 0), "s-77");
  EXPECT_EQ(in.table.text(Text::kTeam, 0), "growth");
  EXPECT_EQ(in.table.text(Text::kErrorClass, 2), "http_429");
}

// What Helicone stores today (Helicone/helicone, valhalla/jawn/src/lib/shared/bodyProcessors/
// openaiBodyProcessor.ts): prompt_tokens = OpenAI's prompt_tokens - cached_tokens - audio_tokens,
// prompt_cache_read_tokens = cached_tokens, total_tokens = OpenAI's total. Its stream processor
// stored OpenAI's prompt_tokens unchanged until 2025-08 (Helicone PR #4574), and its Anthropic
// processor stores input_tokens (without the cache) with a total that counted the cache only
// from PR #4655 on. total_tokens tells the first two apart; Anthropic's is always without.
TEST(FinopsFormats, HeliconePromptTokensWithoutTheCacheAsHeliconeStoresThemToday) {
  const std::string text = R"({"data": [
    {"request_id": "r1", "request_created_at": "2025-12-01T11:00:00.000Z", "provider": "OPENAI",
     "model": "gpt-4o", "response_status": 200, "total_tokens": 10200, "prompt_tokens": 1000,
     "prompt_cache_read_tokens": 9000, "prompt_cache_write_tokens": 0, "completion_tokens": 200},
    {"request_id": "r2", "request_created_at": "2025-12-01T11:01:00.000Z", "provider": "OPENAI",
     "model": "gpt-4o-audio-preview", "response_status": 200, "total_tokens": 3400,
     "prompt_tokens": 2500, "prompt_audio_tokens": 500, "prompt_cache_read_tokens": 0,
     "completion_tokens": 400, "completion_audio_tokens": 0},
    {"request_id": "r3", "request_created_at": "2025-12-01T11:02:00.000Z", "provider": "OPENAI",
     "model": "gpt-4o", "response_status": 200, "prompt_tokens": 700,
     "prompt_cache_read_tokens": 300, "completion_tokens": 10},
    {"request_id": "r4", "request_created_at": "2025-12-01T11:03:00.000Z",
     "provider": "ANTHROPIC", "model": "claude-haiku-4-5", "response_status": 200,
     "total_tokens": 1600, "prompt_tokens": 600, "prompt_cache_write_tokens": 5000,
     "prompt_cache_read_tokens": 9000, "completion_tokens": 1000}
  ], "error": null})";
  Ingest in;
  ReadOptions o;
  o.name = "helicone_export.json";
  ASSERT_TRUE(parse_input(InputFormat::kHelicone, text, o, in).ok());
  EXPECT_EQ(in.rows_rejected, 0) << (in.errors.empty() ? "" : in.errors[0]);
  ASSERT_EQ(in.table.size(), 4u);
  const UsageTable& t = in.table;
  // total 10200 = 1000 + 9000 + 200: the prompt count is without the 9000 cached tokens.
  EXPECT_EQ(t.input_tokens[0], 10000);
  EXPECT_EQ(t.cache_read_tokens[0], 9000);
  EXPECT_EQ(t.output_tokens[0], 200);
  // Audio tokens are out of the text counts (as in OpenAI's Usage API): counted in a note.
  EXPECT_EQ(t.input_tokens[1], 2500);
  std::string notes;
  for (const auto& n : in.notes) notes += n + "\n";
  EXPECT_NE(notes.find("audio tokens"), std::string::npos) << notes;
  // No total: Helicone's current convention (without the cache).
  EXPECT_EQ(t.input_tokens[2], 1000);
  // Anthropic with the old total (input + output only): still without the cache.
  EXPECT_EQ(t.input_tokens[3], 600 + 5000 + 9000);
  EXPECT_EQ(t.cache_write_tokens[3], 5000);
}

TEST(FinopsFormats, OtlpGenAiSpans) {
  Ingest in = read(InputFormat::kOtlp, "otlp_traces.json");
  EXPECT_EQ(in.rows_skipped, 1);  // the HTTP span
  ASSERT_EQ(in.table.size(), 2u);
  const UsageTable& t = in.table;
  EXPECT_EQ(t.text(Text::kModel, 0), "gpt-4o-mini");
  EXPECT_EQ(t.input_tokens[0], 2200);
  EXPECT_EQ(t.cache_read_tokens[0], 1024);
  EXPECT_EQ(t.max_tokens[0], 4096);
  EXPECT_EQ(t.text(Text::kFinishReason, 0), "stop");
  EXPECT_EQ(t.text(Text::kSession, 0), "conv-88");
  EXPECT_EQ(t.text(Text::kTags, 0), "environment=prod,service=support-agent");
  EXPECT_EQ(t.ts_ms[0], 1764583200000);
  EXPECT_FLOAT_EQ(t.duration_ms[0], 1500);
  EXPECT_EQ(t.text(Text::kProvider, 1), "anthropic");
  EXPECT_EQ(t.status[1], 500);
}

TEST(FinopsFormats, GenericCsvWithAMapping) {
  ReadOptions o;
  o.mapping = *parse_mapping(
      "timestamp=when,model=llm,provider=vendor,input_tokens=prompt,output_tokens=completion,"
      "cache_read_tokens=cached,team=team_name,cost_usd=cost");
  Ingest in = read(InputFormat::kCsv, "generic.csv", o);
  ASSERT_EQ(in.table.size(), 3u);
  ASSERT_EQ(in.rows_rejected, 1);
  EXPECT_NE(in.errors[0].find("generic.csv:5:"), std::string::npos) << in.errors[0];
  EXPECT_NE(in.errors[0].find("column 'prompt'"), std::string::npos) << in.errors[0];
  EXPECT_EQ(in.table.ts_ms[2], ts("2025-12-02T09:00:00Z"));
  EXPECT_EQ(in.table.text(Text::kTeam, 1), "search");
  // A mapping that names a missing column fails as a whole, naming it.
  ReadOptions bad;
  bad.name = "generic.csv";
  bad.mapping = *parse_mapping("timestamp=when,model=nope");
  Ingest x;
  auto st = parse_input(InputFormat::kCsv, fixture("generic.csv"), bad, x);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("no column 'nope'"), std::string::npos);
  EXPECT_FALSE(parse_mapping("modle=llm"));
}

TEST(FinopsFormats, UnknownFormatSuggestsTheNearest) {
  auto f = parse_input_format("openai-usgae");
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message.find("did you mean 'openai-usage'"), std::string::npos);
}

// ---- generated logs with known answers -------------------------------------------------

UsageRow request(std::int64_t ts_ms, const std::string& model, std::int64_t in, std::int64_t out) {
  UsageRow r;
  r.ts_ms = ts_ms;
  r[Text::kModel] = model;
  r[Text::kProvider] = "openai";
  r.input_tokens = in;
  r.output_tokens = out;
  r.status = 200;
  r.stream = 0;
  r.has_tools = 0;
  return r;
}

Ingest with_columns(Ingest in) {
  for (Column c :
       {Column::kTimestamp, Column::kRequestFingerprint, Column::kStream, Column::kHasTools,
        Column::kStatus, Column::kMaxTokens, Column::kPrefixFingerprint, Column::kPrefixTokens})
    in.table.set_has(c);
  return in;
}

Report run(Ingest& in, AnalyzeOptions o = {}) {
  o.what_ifs.self_hosting = false;
  auto p = price_rows(in.table, cat());
  auto r = analyze(in, p, cat(), o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return *r;
}

const WhatIf& what_if(const Report& r, const std::string& name) {
  for (const auto& w : r.what_if)
    if (w.name == name) return w;
  static WhatIf none;
  ADD_FAILURE() << "no what-if " << name;
  return none;
}

TEST(FinopsForecast, TooLittleDataIsNotExtrapolated) {
  // One request (found as a $16M forecast for the month), then ten seconds of requests.
  for (int n : {1, 10}) {
    Ingest in;
    const std::int64_t t0 = ts("2025-12-01T00:00:00Z");
    for (int i = 0; i < n; ++i) in.table.append(request(t0 + i * 1000, "gpt-4o", 2000, 300));
    Report r = run(in);
    EXPECT_NEAR(r.forecast_usd, r.totals.cost_usd, 1e-9) << n;
    EXPECT_NE(r.forecast_method.find("too little for a run rate"), std::string::npos)
        << r.forecast_method;
  }
  // An hour is a run rate: the rest of the month is extrapolated.
  Ingest in;
  const std::int64_t t0 = ts("2025-12-01T00:00:00Z");
  for (int i = 0; i <= 60; ++i) in.table.append(request(t0 + i * 60000, "gpt-4o", 2000, 300));
  Report r = run(in);
  EXPECT_GT(r.forecast_usd, r.totals.cost_usd * 100);
}

TEST(FinopsWhatIf, ExactlyOneThousandDuplicatesAreOneThousandCacheHits) {
  Ingest in;
  const std::int64_t t0 = ts("2025-12-01T00:00:00Z");
  // 500 distinct requests, then the first one repeated 1,000 times within the hour.
  for (int i = 0; i < 500; ++i) {
    UsageRow r = request(t0 + i * 1000, "gpt-4o", 2000, 300);
    r.request_fp = 1000 + static_cast<std::uint64_t>(i);
    in.table.append(r);
  }
  for (int i = 0; i < 1000; ++i) {
    UsageRow r = request(t0 + 600000 + i * 1000, "gpt-4o", 2000, 300);
    r.request_fp = 1000;
    in.table.append(r);
  }
  in = with_columns(std::move(in));
  Report r = run(in);
  const WhatIf& w = what_if(r, "response_cache");
  ASSERT_TRUE(w.computed);
  double one = catalog::cost_of(cat(), "gpt-4o", "openai", {2000, 0, 0, 300, 0})->total_usd;
  EXPECT_NEAR(w.saving_usd, 1000 * one, 1e-9);
  EXPECT_NEAR(w.saving_pct, 1000.0 / 1500 * 100, 1e-9);
}

TEST(FinopsWhatIf, CacheEntriesExpireAndFailuresDoNotFillTheCache) {
  Ingest in;
  const std::int64_t t0 = ts("2025-12-01T00:00:00Z");
  UsageRow failed = request(t0, "gpt-4o", 1000, 0);
  failed.request_fp = 7;
  failed.status = 500;
  failed[Text::kErrorClass] = "upstream_error";
  in.table.append(failed);
  UsageRow ok = request(t0 + 1000, "gpt-4o", 1000, 100);  // fills the cache
  ok.request_fp = 7;
  in.table.append(ok);
  UsageRow hit = ok;
  hit.ts_ms = t0 + 1000 + 3600 * 1000;  // exactly at the TTL: a hit
  in.table.append(hit);
  UsageRow late = ok;
  late.ts_ms = t0 + 1000 + 3601 * 1000 + 1;  // past the TTL of the first fill
  in.table.append(late);
  in = with_columns(std::move(in));
  Report r = run(in);
  double one = catalog::cost_of(cat(), "gpt-4o", "openai", {1000, 0, 0, 100, 0})->total_usd;
  EXPECT_NEAR(what_if(r, "response_cache").saving_usd, one, 1e-12);
}

TEST(FinopsWhatIf, TieringMovesShortToolFreeRequestsToTheCheaperSibling) {
  Ingest in;
  const std::int64_t t0 = ts("2025-12-01T00:00:00Z");
  for (int i = 0; i < 100; ++i) in.table.append(request(t0 + i * 60000, "gpt-4o", 800, 100));
  for (int i = 0; i < 50; ++i) in.table.append(request(t0 + i * 60000, "gpt-4o", 5000, 100));
  UsageRow tools = request(t0, "gpt-4o", 500, 50);
  tools.has_tools = 1;
  in.table.append(tools);
  in = with_columns(std::move(in));
  Report r = run(in);
  const WhatIf& w = what_if(r, "model_tiering");
  ASSERT_TRUE(w.computed);
  double big = catalog::cost_of(cat(), "gpt-4o", "openai", {800, 0, 0, 100, 0})->total_usd;
  double small = catalog::cost_of(cat(), "gpt-4o-mini", "openai", {800, 0, 0, 100, 0})->total_usd;
  EXPECT_NEAR(w.saving_usd, 100 * (big - small), 1e-9);
  ASSERT_EQ(w.changes.size(), 1u);
  EXPECT_EQ(w.changes[0].first, "openai/gpt-4o");
  EXPECT_EQ(w.changes[0].second, "openai/gpt-4o-mini");
}

TEST(FinopsWhatIf, BatchApiOnMarkedRequestsAtTheCatalogDiscount) {
  Ingest in;
  const std::int64_t t0 = ts("2025-12-01T00:00:00Z");
  for (int i = 0; i < 10; ++i) {
    UsageRow r = request(t0 + i, "gpt-4.1", 10000, 2000);
    r[Text::kTags] = "latency=batch";
    in.table.append(r);
  }
  in.table.append(request(t0 + 99, "gpt-4.1", 10000, 2000));
  in = with_columns(std::move(in));
  Report r = run(in);
  const WhatIf& w = what_if(r, "batch_api");
  double one = catalog::cost_of(cat(), "gpt-4.1", "openai", {10000, 0, 0, 2000, 0})->total_usd;
  EXPECT_NEAR(w.saving_usd, 10 * one * 0.5, 1e-9);
  EXPECT_EQ(w.assumption.find("UPPER BOUND"), std::string::npos);
}

TEST(FinopsWhatIf, MaxTokensCapsTheTail) {
  Ingest in;
  const std::int64_t t0 = ts("2025-12-01T00:00:00Z");
  for (int i = 0; i < 99; ++i) {
    UsageRow r = request(t0 + i, "gpt-4o-mini", 100, 200);
    r.max_tokens = 4096;
    in.table.append(r);
  }
  UsageRow runaway = request(t0 + 100, "gpt-4o-mini", 100, 4000);
  runaway.max_tokens = 4096;
  in.table.append(runaway);
  in = with_columns(std::move(in));
  Report r = run(in);
  const WhatIf& w = what_if(r, "max_tokens");
  // p99 of 100 answers is 200 (nearest rank 99): cap ceil(220 / 64) * 64 = 256.
  ASSERT_EQ(w.changes.size(), 1u);
  EXPECT_EQ(w.changes[0].second, "256");
  const catalog::Price* p = cat().find_price("gpt-4o-mini", "openai");
  EXPECT_NEAR(w.saving_usd, (4000 - 256) * p->output_usd_per_mtok * 1e-6, 1e-12);
}

TEST(FinopsWhatIf, PromptCachingCountsRepeatedLongPrefixesOnly) {
  Ingest in;
  const std::int64_t t0 = ts("2025-12-01T00:00:00Z");
  // 10 requests sharing a 3,000-token prefix, 1 minute apart; 10 with a 500-token prefix.
  for (int i = 0; i < 10; ++i) {
    UsageRow r = request(t0 + i * 60000, "gpt-4.1", 3500, 100);
    r.prefix_fp = 42;
    r.prefix_tokens = 3000;
    in.table.append(r);
    UsageRow s = request(t0 + i * 60000 + 1, "gpt-4.1", 800, 100);
    s.prefix_fp = 43;
    s.prefix_tokens = 500;
    in.table.append(s);
  }
  in = with_columns(std::move(in));
  Report r = run(in);
  const WhatIf& w = what_if(r, "prompt_caching");
  ASSERT_TRUE(w.computed);
  const catalog::Price* p = cat().find_price("gpt-4.1", "openai");
  double per_hit = 3000 * (p->input_usd_per_mtok - *p->cache_read_usd_per_mtok) * 1e-6;
  EXPECT_NEAR(w.saving_usd, 9 * per_hit, 1e-12);  // the first request only writes
}

TEST(FinopsWhatIf, MissingColumnsAreNamedNotGuessed) {
  Ingest in = read(InputFormat::kOpenAIUsage, "openai_usage.json");
  Report r = run(in);
  const WhatIf& w = what_if(r, "response_cache");
  EXPECT_FALSE(w.computed);
  EXPECT_NE(w.missing.find("request_fingerprint"), std::string::npos);
  EXPECT_FALSE(what_if(r, "max_tokens").computed);
}

TEST(FinopsAttribution, TotalsEqualTheSumOfGroups) {
  Ingest in = read(InputFormat::kLiteLLM, "litellm_spend_logs.json");
  for (const char* by : {"model", "team", "model,team", "tag:feature", "day", "key,session"}) {
    AnalyzeOptions o;
    o.by.clear();
    for (auto& f : std::vector<std::string>{by}) {
      std::stringstream ss(f);
      std::string part;
      while (std::getline(ss, part, ',')) o.by.push_back(part);
    }
    Report r = run(in, o);
    double sum = 0;
    long long req = 0;
    for (const auto& g : r.groups) {
      sum += g.totals.cost_usd;
      req += g.totals.requests;
    }
    EXPECT_NEAR(sum, r.totals.cost_usd, 1e-12) << by;
    EXPECT_EQ(req, r.totals.requests) << by;
  }
  EXPECT_FALSE(check_group_fields({"modle"}).ok());
}

TEST(FinopsAttribution, GroupingUsesThreadsWithTheSameAnswer) {
  Ingest in;
  const std::int64_t t0 = ts("2025-12-01T00:00:00Z");
  // Enough rows for two threads (group_rows gives each at least 100,000), built from a few
  // prepared rows so the test stays fast in a Debug build.
  std::vector<UsageRow> kinds;
  for (int k = 0; k < 105; ++k) {
    kinds.push_back(request(t0, k % 3 ? "gpt-4o" : "gpt-4o-mini", 100 + k % 7, 10));
    kinds.back()[Text::kTeam] = "team" + std::to_string(k % 5);
  }
  for (int i = 0; i < 210000; ++i) {
    UsageRow& r = kinds[static_cast<std::size_t>(i % 105)];
    r.ts_ms = t0 + i * 1000;
    in.table.append(r);
  }
  price_rows(in.table, cat());
  auto one = group_rows(in.table, {"model", "team"}, 1);
  auto four = group_rows(in.table, {"model", "team"}, 4);
  ASSERT_TRUE(one && four);
  ASSERT_EQ(one->size(), 10u);
  for (std::size_t i = 0; i < one->size(); ++i) {
    EXPECT_EQ((*one)[i].key, (*four)[i].key);
    EXPECT_EQ((*one)[i].totals.input_tokens, (*four)[i].totals.input_tokens);
    EXPECT_NEAR((*one)[i].totals.cost_usd, (*four)[i].totals.cost_usd, 1e-9);
  }
}

TEST(FinopsAnomalies, FindsTheSpikeDayAndTheRunawaySession) {
  Ingest in;
  const std::int64_t t0 = ts("2025-12-01T00:00:00Z");
  for (int day = 0; day < 14; ++day)
    for (int i = 0; i < (day == 9 ? 100 : 10 + day % 2); ++i) {
      UsageRow r = request(t0 + day * 86400000LL + i * 60000, "gpt-4o", 1000, 200);
      r[Text::kSession] = "s" + std::to_string(day * 100 + i);
      in.table.append(r);
    }
  // A loop: 30 identical calls within 5 minutes in one session.
  for (int i = 0; i < 30; ++i) {
    UsageRow r = request(t0 + 5 * 86400000LL + 3600000 + i * 10000, "gpt-4o", 4200, 50);
    r[Text::kSession] = "loop-1";
    in.table.append(r);
  }
  in = with_columns(std::move(in));
  AnalyzeOptions o;
  o.what_if = false;
  Report r = run(in, o);
  bool spike = false, loop = false;
  for (const auto& a : r.anomalies) {
    if (a.kind == "spend_spike" && a.when == "2025-12-10") spike = true;
    if (a.kind == "runaway_session" && a.group == "session loop-1") {
      loop = true;
      double one = catalog::cost_of(cat(), "gpt-4o", "openai", {4200, 0, 0, 50, 0})->total_usd;
      EXPECT_NEAR(a.usd, 30 * one, 1e-9);
    }
    EXPECT_FALSE(a.kind == "spend_spike" && a.when != "2025-12-10" && a.when != "2025-12-06")
        << a.when;
  }
  EXPECT_TRUE(spike);
  EXPECT_TRUE(loop);
}

TEST(FinopsGpu, IdleHoursAtTheCatalogPrice) {
  std::vector<std::string> rejected;
  auto s = parse_gpu_metrics(fixture("gpu_metrics.csv"), "gpu_metrics.csv", rejected);
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->size(), 6u);
  Ingest in = read(InputFormat::kLiteLLM, "litellm_spend_logs.json");
  price_rows(in.table, cat());
  AnalyzeOptions o;
  o.what_ifs.self_hosting = false;
  auto r = analyze(in, {}, cat(), o, *s);
  ASSERT_TRUE(r);
  const WhatIf& w = what_if(*r, "idle_gpu");
  ASSERT_TRUE(w.computed);
  double price = cat().find_gpu("h100-sxm")->cheapest_price()->usd_per_hour;
  EXPECT_NEAR(w.saving_usd, 3 * 8 * price, 1e-9);  // 3 idle hours x 8 GPUs
  EXPECT_NEAR(w.saving_pct, 50, 1e-9);
}

TEST(FinopsRender, JsonHasTheDocumentedKeysInOrder) {
  Ingest in = read(InputFormat::kHelicone, "helicone_requests.json");
  Report r = run(in);
  auto v = to_json(r);
  const auto& o = v.as_object();
  std::vector<std::string> keys;
  for (const auto& kv : o) keys.emplace_back(kv.key());
  ASSERT_GE(keys.size(), 6u);
  EXPECT_EQ(std::vector<std::string>(keys.begin(), keys.begin() + 6),
            (std::vector<std::string>{"period", "total_usd", "groups", "anomalies", "what_if",
                                      "forecast_usd"}));
  for (const auto& w : o.at("what_if").as_array())
    for (const char* k : {"name", "saving_usd", "saving_pct", "assumption", "risk"})
      EXPECT_TRUE(w.as_object().contains(k)) << k;
}

TEST(FinopsRender, FocusHasOneRowPerUsageRowAndTheMandatoryColumns) {
  Ingest in = read(InputFormat::kOtlp, "otlp_traces.json");
  price_rows(in.table, cat());
  std::string csv = render_focus(in.table, cat(), "acct");
  std::size_t lines = std::count(csv.begin(), csv.end(), '\n');
  EXPECT_EQ(lines, 3u);
  for (const char* col :
       {"BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ChargePeriodStart",
        "ChargePeriodEnd", "ServiceCategory", "ProviderName", "BillingCurrency", "ChargeCategory"})
    EXPECT_NE(csv.find(col), std::string::npos) << col;
  EXPECT_NE(csv.find("AI and Machine Learning"), std::string::npos);
}

}  // namespace
}  // namespace llmctl::finops
