// Request logs of other tools: LiteLLM's spend logs, Langfuse observations, Helicone requests and
// OpenTelemetry GenAI spans. One record per LLM call.
//
// Token conventions (normalised to catalog/cost.h's, where input includes cached tokens):
// - LiteLLM prompt_tokens is OpenAI-style (includes cached); cache counts come from
//   metadata.usage_object (prompt_tokens_details.cached_tokens, cache_creation_input_tokens).
// - Langfuse usage_details are mutually exclusive buckets (input excludes cache reads/writes).
// - Helicone prompt_tokens excludes cache reads and writes (and audio) as Helicone stores it
//   today for every provider (Helicone/helicone, valhalla/jawn/src/lib/shared/bodyProcessors/:
//   the OpenAI processor subtracts cached_tokens and audio_tokens, the Anthropic one stores
//   input_tokens); rows its OpenAI stream processor stored before 2025-08 (Helicone PR #4574)
//   kept OpenAI's count, which includes them. total_tokens tells the two apart.
// - OTel gen_ai.usage.input_tokens includes cached tokens (gen_ai.usage.cache_read.input_tokens
//   and gen_ai.usage.cache_creation.input_tokens are subsets).
#include <fmt/format.h>

#include "catalog/cost.h"
#include "common/strings.h"
#include "finops/formats.h"

namespace llmctl::finops::detail {
namespace {

std::string first_text(const Record& r, std::initializer_list<std::string_view> keys) {
  for (auto k : keys) {
    std::string t = r.text(k);
    if (!t.empty()) return t;
  }
  return "";
}

std::optional<std::int64_t> first_int(const Record& r,
                                      std::initializer_list<std::string_view> keys) {
  for (auto k : keys)
    if (auto v = r.opt_integer(k)) return v;
  return std::nullopt;
}

void add_duration(UsageRow& row, const Record& r, std::string_view end_key) {
  if (auto end = r.opt_time(end_key); end && *end >= row.ts_ms)
    row.duration_ms = static_cast<float>(*end - row.ts_ms);
}

// Tags from a JSON list of "key:value" / "key=value" / "flag" strings, or an object.
std::vector<std::pair<std::string, std::string>> tags_of(const json::value* v) {
  std::vector<std::pair<std::string, std::string>> tags;
  if (!v) return tags;
  json::value parsed;
  if (v->is_string()) {  // a CSV cell holding JSON, or one "a:b" tag
    boost::system::error_code ec;
    parsed = json::parse(v->get_string(), ec);
    if (ec) parsed = json::array{v->get_string()};
    v = &parsed;
  }
  if (v->is_array()) {
    for (const auto& e : v->get_array()) {
      std::string s = value_text(&e);
      std::size_t sep = s.find_first_of(":=");
      if (sep == std::string::npos)
        tags.emplace_back(s, "true");
      else
        tags.emplace_back(trim(s.substr(0, sep)), trim(s.substr(sep + 1)));
    }
  } else if (v->is_object()) {
    for (const auto& kv : v->get_object())
      tags.emplace_back(std::string(kv.key()), value_text(&kv.value()));
  }
  return tags;
}

// ---------------------------------------------------------------------------- LiteLLM
// Some LiteLLM versions added Anthropic's cache_read_input_tokens to prompt_tokens but not its
// cache_creation_input_tokens (llms/anthropic/chat/transformation.py, calculate_usage); others
// add both. A row whose prompt count holds its cache reads but not reads and writes together can
// only be the first kind.
constexpr const char* kLiteLLMNoWritesNote =
    "some rows count fewer prompt_tokens than their cache reads and cache writes together: they "
    "were read as LiteLLM versions wrote Anthropic usage that left cache writes out of "
    "prompt_tokens (input = prompt_tokens + cache_creation_input_tokens); rows of those versions "
    "with fewer cache writes cannot be told apart and may count too few input tokens";

bool litellm_is_record(const json::object& o) {
  return o.contains("request_id") && o.contains("spend") &&
         (o.contains("startTime") || o.contains("start_time"));
}

std::string litellm_endpoint(std::string call_type) {
  if (call_type.starts_with("a")) call_type.erase(0, 1);  // acompletion -> completion
  if (call_type == "completion") return "chat";
  if (call_type == "text_completion") return "completions";
  if (call_type == "embedding") return "embeddings";
  if (call_type == "anthropic_messages") return "messages";
  return call_type;
}

void litellm_read(const Record& r, const Ancestors&, const ReadOptions& options, Ingest& out) {
  UsageRow row;
  std::string start_key = r.get("startTime") ? "startTime" : "start_time";
  row.ts_ms = r.time(start_key);
  add_duration(row, r, r.get("endTime") ? "endTime" : "end_time");
  if (auto d = r.opt_number("request_duration_ms")) row.duration_ms = static_cast<float>(*d);
  std::string group = r.text("model_group");
  std::string model = r.text("model");
  row[Text::kModel] = group.empty() ? model : group;
  row[Text::kUpstreamModel] = model;
  row[Text::kProvider] = normalise_provider(r.text("custom_llm_provider"));
  row[Text::kEndpoint] = litellm_endpoint(r.text("call_type"));
  // metadata may be an object or (CSV) JSON text.
  json::value meta_parsed;
  const json::object* meta = nullptr;
  if (const json::value* m = r.get("metadata")) {
    if (m->is_object()) {
      meta = &m->get_object();
    } else if (m->is_string() && !m->get_string().empty()) {
      boost::system::error_code ec;
      meta_parsed = json::parse(m->get_string(), ec);
      if (ec || !meta_parsed.is_object()) r.fail("metadata", "expected a JSON object");
      meta = &meta_parsed.get_object();
    }
  }
  std::optional<Record> md;
  if (meta) md.emplace(Record{*meta, r.where, r.path.empty() ? "metadata" : r.path + ".metadata"});
  std::string key_alias = md ? md->text("user_api_key_alias") : "";
  row[Text::kKey] = key_alias.empty() ? r.text("api_key") : key_alias;
  std::string team_alias = md ? md->text("user_api_key_team_alias") : "";
  row[Text::kTeam] = team_alias.empty() ? r.text("team_id") : team_alias;
  row[Text::kUser] = first_text(r, {"user", "end_user"});
  row[Text::kSession] = r.text("session_id");
  row[Text::kAgent] = r.text("agent_id");
  if (md) row[Text::kProject] = md->text("project_id");
  row.input_tokens = r.integer("prompt_tokens");
  row.output_tokens = r.integer("completion_tokens");
  if (md) {
    row.cache_read_tokens = md->integer("usage_object.prompt_tokens_details.cached_tokens");
    if (row.cache_read_tokens == 0)
      row.cache_read_tokens = md->integer("usage_object.cache_read_input_tokens");
    row.cache_write_tokens = md->integer("usage_object.cache_creation_input_tokens");
    row.reasoning_tokens = md->integer("usage_object.completion_tokens_details.reasoning_tokens");
  }
  if (row.cache_read_tokens + row.cache_write_tokens > row.input_tokens &&
      row.cache_read_tokens <= row.input_tokens) {
    // Only a prompt count without the cache writes fits (see kLiteLLMNoWritesNote).
    row.input_tokens += row.cache_write_tokens;
    note_once(out, kLiteLLMNoWritesNote);
  }
  if (row.cache_read_tokens + row.cache_write_tokens > row.input_tokens)
    r.fail("prompt_tokens",
           fmt::format("{} prompt tokens are fewer than the {} cached ones", row.input_tokens,
                       row.cache_read_tokens + row.cache_write_tokens));
  row.reported_cost_usd = r.opt_number("spend").value_or(-1);
  std::string status = to_lower(r.text("status"));
  if (status == "failure" || status == "error") {
    row.status = 500;
    row[Text::kErrorClass] = "upstream_error";
  } else if (status == "success") {
    row.status = 200;
  }
  std::string cache_hit = to_lower(r.text("cache_hit"));
  auto tags = tags_of(r.get("request_tags"));
  if (cache_hit == "true") tags.emplace_back("litellm_cache_hit", "true");
  row[Text::kTags] = canonical_tags(tags);
  add_row(row, options, out);
}

// ---------------------------------------------------------------------------- Langfuse
bool langfuse_is_record(const json::object& o) {
  return o.contains("type") && (o.contains("trace_id") || o.contains("traceId")) &&
         (o.contains("start_time") || o.contains("startTime"));
}

void langfuse_read(const Record& r, const Ancestors&, const ReadOptions& options, Ingest& out) {
  // Langfuse tracks usage and cost on generations and embeddings only; spans, events, agents,
  // tools, chains, retrievers, evaluators and guardrails carry none.
  std::string type = to_lower(r.text("type"));
  if (type != "generation" && type != "embedding") {
    ++out.rows_skipped;
    return;
  }
  UsageRow row;
  if (type == "embedding") row[Text::kEndpoint] = "embeddings";
  bool snake = r.get("start_time") != nullptr;
  row.ts_ms = r.time(snake ? "start_time" : "startTime");
  add_duration(row, r, snake ? "end_time" : "endTime");
  row[Text::kModel] =
      first_text(r, {"provided_model_name", "providedModelName", "model", "model_id"});
  row[Text::kUser] = first_text(r, {"user_id", "userId"});
  row[Text::kSession] = first_text(r, {"session_id", "sessionId"});
  row[Text::kAgent] = first_text(r, {"trace_name", "traceName"});
  row[Text::kProject] = first_text(r, {"project_id", "projectId"});
  std::string level = r.text("level");
  if (level == "ERROR") {
    row[Text::kErrorClass] = "error";
    row.status = 500;
  }
  const json::value* ud = r.get(snake ? "usage_details" : "usageDetails");
  json::value parsed;
  if (ud && ud->is_string()) {
    boost::system::error_code ec;
    parsed = json::parse(ud->get_string(), ec);
    if (ec || !parsed.is_object())
      r.fail(snake ? "usage_details" : "usageDetails", "expected a JSON object");
    ud = &parsed;
  }
  if (ud && ud->is_object()) {
    Record u{ud->get_object(), r.where,
             (r.path.empty() ? "" : r.path + ".") + (snake ? "usage_details" : "usageDetails")};
    // Exclusive buckets: input is the uncached part.
    std::int64_t input = first_int(u, {"input", "prompt_tokens", "input_tokens"}).value_or(0);
    std::int64_t read = first_int(u, {"cache_read_input_tokens", "input_cached_tokens",
                                      "input_cache_read", "cached_tokens"})
                            .value_or(0);
    std::int64_t write =
        first_int(u, {"cache_creation_input_tokens", "input_cache_creation", "input_cache_write"})
            .value_or(0);
    row.input_tokens = input + read + write;
    row.cache_read_tokens = read;
    row.cache_write_tokens = write;
    row.output_tokens = first_int(u, {"output", "completion_tokens", "output_tokens"}).value_or(0);
    row.reasoning_tokens =
        first_int(u, {"output_reasoning_tokens", "output_reasoning", "reasoning_tokens"})
            .value_or(0);
    // Reasoning is its own bucket in Langfuse; the catalog bills it as output.
    if (u.get("output_reasoning_tokens") || u.get("output_reasoning"))
      row.output_tokens += row.reasoning_tokens;
  } else {
    row.input_tokens = first_int(r, {"promptTokens", "prompt_tokens", "usage.input"}).value_or(0);
    row.output_tokens =
        first_int(r, {"completionTokens", "completion_tokens", "usage.output"}).value_or(0);
  }
  if (auto c = r.opt_number(snake ? "total_cost" : "totalCost"))
    row.reported_cost_usd = *c;
  else if (auto c2 = r.opt_number("calculatedTotalCost"))
    row.reported_cost_usd = *c2;
  else if (auto c3 = r.opt_number(snake ? "cost_details.total" : "costDetails.total"))
    row.reported_cost_usd = *c3;
  auto tags = tags_of(r.get("tags"));
  if (!r.text("environment").empty()) tags.emplace_back("environment", r.text("environment"));
  row[Text::kTags] = canonical_tags(tags);
  if (row[Text::kModel].empty())
    r.fail(snake ? "provided_model_name" : "model", fmt::format("missing: the {}'s model", type));
  add_row(row, options, out);
}

// ---------------------------------------------------------------------------- Helicone
constexpr const char* kHeliconeAudioNote =
    "the export counts audio tokens (prompt_audio_tokens, completion_audio_tokens): Helicone "
    "keeps them out of prompt_tokens and completion_tokens, and they are not priced here";

constexpr const char* kHeliconeNoCacheNote =
    "some rows have no prompt_cache_read_tokens (the CSV of Helicone's export tool has none): "
    "Helicone counts cached tokens apart from prompt_tokens, so those rows' cached input is not "
    "counted; the cost Helicone reports for them includes it";

// The export tool's CSV has response_id but no request_id.
bool helicone_is_record(const json::object& o) {
  return (o.contains("request_id") || o.contains("response_id")) &&
         (o.contains("request_created_at") || o.contains("created_at"));
}

// request_properties: an object, JSON text, or (the export tool's CSV, which doubles the quotes
// of JSON it then quotes again) JSON text with every quote doubled.
std::vector<std::pair<std::string, std::string>> helicone_properties(const json::value* v) {
  if (v && v->is_string()) {
    std::string text(v->get_string());
    boost::system::error_code ec;
    json::value parsed = json::parse(text, ec);
    if (ec && text.find("\"\"") != std::string::npos) {
      std::string undoubled;
      for (std::size_t i = 0; i < text.size(); ++i) {
        undoubled += text[i];
        if (text[i] == '"' && i + 1 < text.size() && text[i + 1] == '"') ++i;
      }
      parsed = json::parse(undoubled, ec);
    }
    if (!ec) return tags_of(&parsed);
  }
  return tags_of(v);
}

void helicone_read(const Record& r, const Ancestors&, const ReadOptions& options, Ingest& out) {
  UsageRow row;
  row.ts_ms = r.time(r.get("request_created_at") ? "request_created_at" : "created_at");
  row[Text::kModel] = first_text(r, {"model", "request_model", "response_model", "model_override"});
  row[Text::kUpstreamModel] = r.text("response_model");
  row[Text::kProvider] = normalise_provider(r.text("provider"));
  row[Text::kUser] = first_text(r, {"request_user_id", "user_id"});
  if (auto d = r.opt_number("delay_ms"))
    row.duration_ms = static_cast<float>(*d);
  else if (auto l = r.opt_number("latency"))
    row.duration_ms = static_cast<float>(*l);
  if (auto s = r.opt_integer("response_status")) row.status = static_cast<int>(*s);
  if (row.status >= 400) row[Text::kErrorClass] = fmt::format("http_{}", row.status);
  std::int64_t prompt = r.integer("prompt_tokens");
  std::int64_t read = r.integer("prompt_cache_read_tokens");
  std::int64_t write = r.integer("prompt_cache_write_tokens");
  std::int64_t completion = r.integer("completion_tokens");
  std::int64_t audio = r.integer("prompt_audio_tokens") + r.integer("completion_audio_tokens");
  if (audio > 0) note_once(out, kHeliconeAudioNote);
  // Without the cache unless the row's total says the prompt count holds it (OpenAI's total
  // counts every token; an old Anthropic total counted only input + output, so Anthropic rows
  // are always without). A prompt count smaller than its cached part cannot hold it.
  bool includes = row[Text::kProvider] != "anthropic" && read + write > 0 &&
                  read + write <= prompt && r.opt_integer("total_tokens") == prompt + completion;
  catalog::Usage u =
      catalog::normalize_usage(includes ? "input_includes_cached" : "input_excludes_cached", prompt,
                               read, write, completion);
  row.input_tokens = u.input_tokens;
  row.cache_read_tokens = u.cache_read_tokens;
  row.cache_write_tokens = u.cache_write_tokens;
  row.output_tokens = u.output_tokens;
  if (!r.o.contains("prompt_cache_read_tokens")) note_once(out, kHeliconeNoCacheNote);
  if (auto c = r.opt_number("cost"))
    row.reported_cost_usd = *c;
  else if (auto c2 = r.opt_number("cost_usd"))
    row.reported_cost_usd = *c2;
  else if (auto c3 = r.opt_number("costUSD"))
    row.reported_cost_usd = *c3;
  // Custom properties (Helicone-Property-*) become tags; the usual attribution names also
  // fill their own columns.
  auto props = helicone_properties(r.get("request_properties"));
  if (props.empty()) props = helicone_properties(r.get("properties"));
  for (const auto& [k, v] : props) {
    std::string lk = to_lower(k);
    if (lk == "helicone-session-id" || lk == "session" || lk == "session_id")
      row[Text::kSession] = v;
    else if (lk == "team")
      row[Text::kTeam] = v;
    else if (lk == "project")
      row[Text::kProject] = v;
    else if (lk == "agent")
      row[Text::kAgent] = v;
  }
  row[Text::kTags] = canonical_tags(props);
  if (row[Text::kModel].empty()) r.fail("model", "missing: the request's model");
  add_row(row, options, out);
}

// ---------------------------------------------------------------------------- OTLP GenAI spans
bool otlp_is_record(const json::object& o) {
  return o.contains("spanId") && o.contains("startTimeUnixNano");
}

// OTLP attribute list -> key -> value (AnyValue unwrapped; arrays joined by ',').
std::map<std::string, std::string, std::less<>> otlp_attributes(const json::object& holder) {
  std::map<std::string, std::string, std::less<>> out;
  auto it = holder.find("attributes");
  if (it == holder.end() || !it->value().is_array()) return out;
  for (const auto& a : it->value().get_array()) {
    if (!a.is_object()) continue;
    const auto& ao = a.get_object();
    auto k = ao.find("key");
    auto v = ao.find("value");
    if (k == ao.end() || v == ao.end() || !k->value().is_string() || !v->value().is_object())
      continue;
    std::string text;
    for (const auto& kv : v->value().get_object()) {
      if (kv.key() == "arrayValue" && kv.value().is_object()) {
        auto vals = kv.value().get_object().find("values");
        if (vals != kv.value().get_object().end() && vals->value().is_array())
          for (const auto& e : vals->value().get_array()) {
            if (!e.is_object()) continue;
            for (const auto& ev : e.get_object()) {
              if (!text.empty()) text += ',';
              text += value_text(&ev.value());
            }
          }
      } else {
        text = value_text(&kv.value());
      }
    }
    out[std::string(k->value().get_string())] = text;
  }
  return out;
}

void otlp_read(const Record& r, const Ancestors& up, const ReadOptions& options, Ingest& out) {
  auto attrs = otlp_attributes(r.o);
  auto has = [&](std::string_view k) { return attrs.find(k) != attrs.end(); };
  if (!has("gen_ai.operation.name") && !has("gen_ai.request.model") && !has("gen_ai.system") &&
      !has("gen_ai.provider.name")) {
    ++out.rows_skipped;  // not an LLM call: an HTTP, DB or tool span
    return;
  }
  std::map<std::string, std::string, std::less<>> resource;
  for (const json::object* a : up)
    if (auto it = a->find("resource"); it != a->end() && it->value().is_object())
      resource = otlp_attributes(it->value().get_object());
  auto get = [&](std::string_view k) -> std::string {
    auto it = attrs.find(k);
    if (it != attrs.end()) return it->second;
    auto rt = resource.find(k);
    return rt != resource.end() ? rt->second : "";
  };
  auto get_int = [&](std::string_view k) -> std::optional<std::int64_t> {
    std::string t = get(k);
    if (t.empty()) return std::nullopt;
    bool bad = false;
    auto v = cell_integer(t, bad);
    if (bad || (v && *v < 0))
      r.fail("attributes." + std::string(k),
             fmt::format("expected a token count, found \"{}\"", t));
    return v;
  };
  UsageRow row;
  row.ts_ms = r.time("startTimeUnixNano");
  add_duration(row, r, "endTimeUnixNano");
  row[Text::kModel] = get("gen_ai.request.model");
  row[Text::kUpstreamModel] = get("gen_ai.response.model");
  if (row[Text::kModel].empty()) row[Text::kModel] = row[Text::kUpstreamModel];
  std::string provider = get("gen_ai.provider.name");
  if (provider.empty()) provider = get("gen_ai.system");
  row[Text::kProvider] = normalise_provider(provider);
  std::string op = get("gen_ai.operation.name");
  row[Text::kEndpoint] = op == "text_completion" ? "completions" : op;
  row.input_tokens = get_int("gen_ai.usage.input_tokens").value_or(0);
  row.output_tokens = get_int("gen_ai.usage.output_tokens").value_or(0);
  row.cache_read_tokens = get_int("gen_ai.usage.cache_read.input_tokens").value_or(0);
  row.cache_write_tokens = get_int("gen_ai.usage.cache_creation.input_tokens").value_or(0);
  row.reasoning_tokens = get_int("gen_ai.usage.reasoning.output_tokens").value_or(0);
  if (row.cache_read_tokens + row.cache_write_tokens > row.input_tokens)
    r.fail("attributes.gen_ai.usage.input_tokens",
           fmt::format("{} input tokens are fewer than the {} cached ones", row.input_tokens,
                       row.cache_read_tokens + row.cache_write_tokens));
  if (auto mt = get_int("gen_ai.request.max_tokens")) row.max_tokens = *mt;
  std::string finish = get("gen_ai.response.finish_reasons");
  row[Text::kFinishReason] = finish.substr(0, finish.find(','));
  row[Text::kSession] = get("gen_ai.conversation.id");
  row[Text::kAgent] = get("gen_ai.agent.name");
  row[Text::kUser] = get("user.id");
  row[Text::kErrorClass] = get("error.type");
  if (const json::value* st = r.get("status"); st && st->is_object()) {
    auto code = st->get_object().find("code");
    if (code != st->get_object().end() && value_text(&code->value()) == "2") {
      row.status = 500;
      if (row[Text::kErrorClass].empty()) row[Text::kErrorClass] = "error";
    }
  }
  if (auto cost = get("gen_ai.usage.cost"); !cost.empty()) {
    bool bad = false;
    if (auto c = cell_number(cost, bad); c && !bad) row.reported_cost_usd = *c;
  }
  std::vector<std::pair<std::string, std::string>> tags;
  if (auto s = get("service.name"); !s.empty()) tags.emplace_back("service", s);
  if (auto e = get("deployment.environment.name"); !e.empty()) tags.emplace_back("environment", e);
  row[Text::kTags] = canonical_tags(tags);
  add_row(row, options, out);
}

}  // namespace

const FormatReader kLiteLLMReader{InputFormat::kLiteLLM, "LiteLLM spend logs", litellm_is_record,
                                  litellm_read};
const FormatReader kLangfuseReader{InputFormat::kLangfuse, "Langfuse observations",
                                   langfuse_is_record, langfuse_read};
const FormatReader kHeliconeReader{InputFormat::kHelicone, "Helicone requests", helicone_is_record,
                                   helicone_read};
const FormatReader kOtlpReader{InputFormat::kOtlp, "OpenTelemetry GenAI spans (OTLP/JSON)",
                               otlp_is_record, otlp_read};

}  // namespace llmctl::finops::detail
