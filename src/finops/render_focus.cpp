// FOCUS 1.2 (FinOps Open Cost and Usage Specification) cost and usage rows: one per usage row, so
// LLM token spend joins cloud bills in FinOps tools. The mandatory columns come first in the
// spec's alphabetical order, then the token detail as x_ custom columns (the spec's extension
// rule). List, contracted, billed and effective cost are the same: the catalog's list price, no
// negotiated discounts or commitments are known.
#include <fmt/format.h>

#include "catalog/catalog.h"
#include "common/strings.h"
#include "finops/grouping.h"
#include "finops/render.h"

namespace llmctl::finops {
namespace {

std::string csv(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out;
}

std::string focus_time(std::int64_t ms) { return iso_time(ms); }

constexpr const char* kColumns[] = {
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
    "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency",
    "ChargePeriodEnd", "ChargePeriodStart", "ConsumedQuantity", "ConsumedUnit", "ContractedCost",
    "ContractedUnitPrice", "EffectiveCost", "InvoiceIssuerName", "ListCost", "ListUnitPrice",
    "PricingCategory", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName",
    "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType", "ServiceCategory",
    "ServiceName", "SkuId", "SkuPriceId", "SubAccountId", "SubAccountName", "Tags",
    // llmctl's token detail
    "x_Model", "x_Requests", "x_InputTokens", "x_CacheReadTokens", "x_CacheWriteTokens",
    "x_OutputTokens", "x_ReasoningTokens", "x_PriceId", "x_PriceAsOf", "x_Team", "x_User", "x_Key",
    "x_Agent", "x_Session"};

}  // namespace

std::string render_focus(const UsageTable& t, const catalog::Catalog& catalog,
                         const std::string& account) {
  std::string out;
  out.reserve(t.size() * 400 + 1024);
  for (std::size_t i = 0; i < std::size(kColumns); ++i) {
    if (i) out += ',';
    out += kColumns[i];
  }
  out += '\n';
  for (std::size_t i = 0; i < t.size(); ++i) {
    const catalog::Price* p = t.price_index[i] >= 0
                                  ? &catalog.prices[static_cast<std::size_t>(t.price_index[i])]
                                  : nullptr;
    std::string provider = t.text(Text::kProvider, i);
    if (provider.empty() && p) provider = p->provider;
    if (provider.empty()) provider = "unknown";
    const std::string& model = t.text(Text::kModel, i);
    std::int64_t start = t.ts_ms[i];
    std::int64_t end =
        t.requests[i] == 1
            ? start + std::max<std::int64_t>(
                          1, static_cast<std::int64_t>(std::max(0.0f, t.duration_ms[i])))
            : start + 86400000;
    int y, m, d;
    civil_from_days(detail::day_of(start), y, m, d);
    std::int64_t bp_start = days_from_civil(y, m, 1) * 86400000;
    std::int64_t bp_end = days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) * 86400000;
    long long tokens = t.input_tokens[i] + t.output_tokens[i];
    std::string cost = fmt::format("{:.10f}", t.cost_usd[i]);
    // Tags: the row's tags plus its attribution.
    std::string tags = "{";
    auto add_tag = [&](std::string_view k, std::string_view v) {
      if (v.empty()) return;
      if (tags.size() > 1) tags += ',';
      tags += fmt::format("\"{}\":\"{}\"", json_escape(k), json_escape(v));
    };
    for (const auto& [k, v] : split_tags(t.text(Text::kTags, i))) add_tag(k, v);
    add_tag("team", t.text(Text::kTeam, i));
    add_tag("user", t.text(Text::kUser, i));
    add_tag("agent", t.text(Text::kAgent, i));
    tags += '}';
    std::string description =
        fmt::format("{}: {} input tokens ({} cached), {} output tokens", model, t.input_tokens[i],
                    t.cache_read_tokens[i], t.output_tokens[i]);
    const std::string& deployment = t.text(Text::kDeployment, i);
    const std::string& project = t.text(Text::kProject, i);
    std::vector<std::string> f = {
        cost, account, account, "USD", focus_time(bp_end), focus_time(bp_start), "Usage", "",
        description, "Usage-Based", focus_time(end), focus_time(start), std::to_string(tokens),
        "Tokens", cost, "", cost, provider, cost, "", "Standard", std::to_string(tokens), "Tokens",
        provider, provider, "", "", deployment.empty() ? model : deployment, model, "LLM model",
        "AI and Machine Learning", provider + " API", p ? p->id : "", "", project, project, tags,
        // x_
        model, std::to_string(t.requests[i]), std::to_string(t.input_tokens[i]),
        std::to_string(t.cache_read_tokens[i]), std::to_string(t.cache_write_tokens[i]),
        std::to_string(t.output_tokens[i]), std::to_string(t.reasoning_tokens[i]), p ? p->id : "",
        p ? p->provenance.as_of : "", t.text(Text::kTeam, i), t.text(Text::kUser, i),
        t.text(Text::kKey, i), t.text(Text::kAgent, i), t.text(Text::kSession, i)};
    for (std::size_t k = 0; k < f.size(); ++k) {
      if (k) out += ',';
      out += csv(f[k]);
    }
    out += '\n';
  }
  return out;
}

}  // namespace llmctl::finops
