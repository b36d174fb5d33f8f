#include "finops/pricing.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "catalog/cost.h"

namespace llmctl::finops {

int price_index_of(const catalog::Catalog& catalog, const catalog::Price* p) {
  if (!p) return -1;
  return static_cast<int>(p - catalog.prices.data());
}

namespace {

// A model named by a display name ("Claude Opus 4.5", as the Claude Console's cost export names
// it: API model names never hold a space) that the catalog knows as an alias is reported under
// the catalog's model name ("claude-opus-4-5"), so it groups, prices and joins with the token
// exports that use API names. The mapping is the catalog's data (prices.yaml aliases); a display
// name the catalog does not know is kept as the source wrote it.
void canonical_display_names(UsageTable& t, const catalog::Catalog& catalog) {
  auto& models = t.codes(Text::kModel);
  const auto& providers = t.codes(Text::kProvider);
  std::unordered_map<std::uint64_t, std::uint32_t> renamed;  // (model, provider) -> model
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (!models[i]) continue;
    std::uint64_t key = (static_cast<std::uint64_t>(models[i]) << 32) | providers[i];
    auto it = renamed.find(key);
    if (it == renamed.end()) {
      std::uint32_t to = models[i];
      const std::string& name = t.dict(Text::kModel).at(models[i]);
      if (name.find(' ') != std::string::npos)
        if (const catalog::Price* p =
                catalog.find_price(name, t.dict(Text::kProvider).at(providers[i])))
          to = t.dict(Text::kModel).intern(p->model);
      it = renamed.emplace(key, to).first;
    }
    models[i] = it->second;
  }
}

}  // namespace

PricingSummary price_rows(UsageTable& t, const catalog::Catalog& catalog) {
  PricingSummary s;
  canonical_display_names(t, catalog);
  const auto& price_ids = t.codes(Text::kPriceId);
  const auto& models = t.codes(Text::kModel);
  const auto& upstream = t.codes(Text::kUpstreamModel);
  const auto& providers = t.codes(Text::kProvider);
  // Price lookups are by distinct (price id, upstream model, model, provider): a few hundred
  // combinations in ten million rows.
  std::unordered_map<std::uint64_t, const catalog::Price*> cache;
  auto lookup = [&](std::size_t i) -> const catalog::Price* {
    std::uint64_t key = (static_cast<std::uint64_t>(price_ids[i]) << 48) ^
                        (static_cast<std::uint64_t>(upstream[i]) << 32) ^
                        (static_cast<std::uint64_t>(models[i]) << 12) ^ providers[i];
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    const catalog::Price* p = nullptr;
    const std::string& provider = t.dict(Text::kProvider).at(providers[i]);
    if (price_ids[i]) p = catalog.find_price(t.dict(Text::kPriceId).at(price_ids[i]));
    if (!p && upstream[i])
      p = catalog.find_price(t.dict(Text::kUpstreamModel).at(upstream[i]), provider);
    if (!p && models[i]) p = catalog.find_price(t.dict(Text::kModel).at(models[i]), provider);
    // A provider the catalog does not sell through (a proxy's label): try the model alone.
    if (!p && !provider.empty() && upstream[i])
      p = catalog.find_price(t.dict(Text::kUpstreamModel).at(upstream[i]));
    if (!p && !provider.empty() && models[i])
      p = catalog.find_price(t.dict(Text::kModel).at(models[i]));
    cache.emplace(key, p);
    return p;
  };
  for (std::size_t i = 0; i < t.size(); ++i) {
    bool has_tokens = t.input_tokens[i] > 0 || t.output_tokens[i] > 0;
    double reported = t.reported_cost_usd[i];
    const catalog::Price* p = has_tokens ? lookup(i) : nullptr;
    if (p) {
      catalog::Usage u;
      u.input_tokens = t.input_tokens[i];
      u.cache_read_tokens = t.cache_read_tokens[i];
      u.cache_write_tokens = t.cache_write_tokens[i];
      u.output_tokens = t.output_tokens[i];
      u.reasoning_tokens = std::min(t.reasoning_tokens[i], t.output_tokens[i]);
      catalog::CostOptions opt;
      opt.batch = t.batch[i] && p->batch_discount.has_value();
      auto c = catalog::cost_of(*p, u, opt);
      if (c) {
        t.cost_usd[i] = c->total_usd;
        t.price_index[i] = price_index_of(catalog, p);
        ++s.priced_rows;
        if (reported >= 0) {
          ++s.reconciled_rows;
          s.reconciled_catalog_usd += c->total_usd;
          s.reconciled_reported_usd += reported;
        }
        continue;
      }
      if (s.errors.size() < 10) s.errors.push_back(c.error().message);
    }
    if (reported >= 0) {
      t.cost_usd[i] = reported;
      ++s.reported_rows;
      continue;
    }
    t.cost_usd[i] = 0;
    if (has_tokens) {
      ++s.unpriced_rows;
      std::string m = t.text(Text::kModel, i);
      if (s.unpriced_models.size() < 10 &&
          std::find(s.unpriced_models.begin(), s.unpriced_models.end(), m) ==
              s.unpriced_models.end())
        s.unpriced_models.push_back(m);
    }
  }
  return s;
}

}  // namespace llmctl::finops
