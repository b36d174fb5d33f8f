#include "catalog/cost.h"

#include <gtest/gtest.h>

#include "catalog/litellm_import.h"
#include "catalog/loader.h"

namespace llmctl::catalog {
namespace {

Price anthropic_like() {
  Price p;
  p.id = "anthropic/test";
  p.provider = "anthropic";
  p.model = "test";
  p.input_usd_per_mtok = 3;
  p.output_usd_per_mtok = 15;
  p.cache_read_usd_per_mtok = 0.3;
  p.cache_write_usd_per_mtok = 3.75;
  p.batch_discount = 0.5;
  p.usage_semantics = "input_excludes_cached";
  return p;
}

TEST(Cost, SplitsInputIntoUncachedReadAndWrite) {
  Price p = anthropic_like();
  Usage u{.input_tokens = 10000,
          .cache_read_tokens = 6000,
          .cache_write_tokens = 2000,
          .output_tokens = 1000};
  auto c = cost_of(p, u);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_NEAR(c->input_usd, 2000 * 3e-6, 1e-12);
  EXPECT_NEAR(c->cache_read_usd, 6000 * 0.3e-6, 1e-12);
  EXPECT_NEAR(c->cache_write_usd, 2000 * 3.75e-6, 1e-12);
  EXPECT_NEAR(c->output_usd, 1000 * 15e-6, 1e-12);
  EXPECT_NEAR(c->total_usd, 0.006 + 0.0018 + 0.0075 + 0.015, 1e-12);
  EXPECT_EQ(c->price, &p);
}

TEST(Cost, NormalizesAnthropicUsageBeforePricing) {
  // Anthropic reports input_tokens without cache reads/writes; counting them twice is the most
  // common cost bug in the ecosystem (LiteLLM #9812).
  Usage u = normalize_usage("input_excludes_cached", 2000, 6000, 2000, 1000);
  EXPECT_EQ(u.input_tokens, 10000);
  Usage o = normalize_usage("input_includes_cached", 10000, 6000, 0, 1000);
  EXPECT_EQ(o.input_tokens, 10000);
}

TEST(Cost, CachedPricesFallBackToInputPrice) {
  Price p = anthropic_like();
  p.cache_read_usd_per_mtok.reset();
  p.cache_write_usd_per_mtok.reset();
  auto c = cost_of(p, Usage{.input_tokens = 1000000, .cache_read_tokens = 500000});
  ASSERT_TRUE(c.ok());
  EXPECT_NEAR(c->total_usd, 3.0, 1e-9);
}

TEST(Cost, BatchDiscountAppliesToEveryPart) {
  Price p = anthropic_like();
  auto c = cost_of(p, Usage{.input_tokens = 1000000, .output_tokens = 1000000}, {.batch = true});
  ASSERT_TRUE(c.ok());
  EXPECT_NEAR(c->total_usd, 9.0, 1e-9);
  p.batch_discount.reset();
  EXPECT_FALSE(cost_of(p, Usage{.input_tokens = 1}, {.batch = true}).ok());
}

TEST(Cost, RejectsInconsistentUsage) {
  Price p = anthropic_like();
  EXPECT_FALSE(cost_of(p, Usage{.input_tokens = 10, .cache_read_tokens = 11}).ok());
  EXPECT_FALSE(cost_of(p, Usage{.input_tokens = -1}).ok());
  EXPECT_FALSE(cost_of(p, Usage{.output_tokens = 5, .reasoning_tokens = 6}).ok());
}

TEST(Cost, BlendedPrice) {
  Price p = anthropic_like();
  EXPECT_NEAR(blended_usd_per_mtok(p, 0.75), 0.75 * 3 + 0.25 * 15, 1e-12);
  EXPECT_NEAR(blended_usd_per_mtok(p, 1.0, 0.5), 0.5 * 3 + 0.5 * 0.3, 1e-12);
  EXPECT_NEAR(blended_usd_per_mtok(p, 0.75, 0, true), (0.75 * 3 + 0.25 * 15) / 2, 1e-12);
}

TEST(Cost, FindsPricesInTheEmbeddedCatalog) {
  auto cat = load_from_sources(embedded_sources());
  ASSERT_TRUE(cat.ok()) << cat.error().message;
  ASSERT_FALSE(cat->prices.empty());
  const Price& first = cat->prices.front();
  EXPECT_EQ(cat->find_price(first.id), &first);
  EXPECT_EQ(cat->find_price(first.model, first.provider), &first);
  auto c = cost_of(*cat, first.model, first.provider, Usage{.input_tokens = 1000000});
  ASSERT_TRUE(c.ok());
  EXPECT_NEAR(c->total_usd, first.input_usd_per_mtok, 1e-9);
  EXPECT_FALSE(cost_of(*cat, "no-such-model", "", Usage{}).ok());
}

TEST(LitellmImport, ConvertsPerTokenPricesAndCountsSkips) {
  const char* json = R"({
    "gpt-x": {"max_input_tokens": 1000, "input_cost_per_token": 2.5e-06,
              "output_cost_per_token": 1e-05, "cache_read_input_token_cost": 1.25e-06,
              "input_cost_per_token_batches": 1.25e-06, "litellm_provider": "openai",
              "mode": "chat"},
    "emb": {"max_input_tokens": 1000, "input_cost_per_token": 1e-08, "litellm_provider": "openai",
            "mode": "embedding"},
    "nop": {"max_input_tokens": 1000, "litellm_provider": "openai", "mode": "chat"}
  })";
  auto r = import_litellm_prices(json, "prices.json", "2026-11-27");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->imported, 1);
  int skipped = 0;
  for (const auto& [why, n] : r->skipped) skipped += n;
  EXPECT_EQ(skipped, 2);
  auto cat = load_from_sources({{"overlay.yaml", r->yaml}});
  ASSERT_TRUE(cat.ok()) << cat.error().message << "\n" << r->yaml;
  const Price* p = cat->find_price("gpt-x", "openai");
  ASSERT_NE(p, nullptr);
  EXPECT_DOUBLE_EQ(p->input_usd_per_mtok, 2.5);
  EXPECT_DOUBLE_EQ(p->output_usd_per_mtok, 10);
  EXPECT_DOUBLE_EQ(*p->cache_read_usd_per_mtok, 1.25);
  EXPECT_DOUBLE_EQ(*p->batch_discount, 0.5);
  EXPECT_EQ(p->context_window, 1000);
}

TEST(LitellmImport, RejectsInvalidJson) {
  auto r = import_litellm_prices("{not json", "bad.json", "2026-11-27");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("bad.json: invalid JSON"), std::string::npos);
}

}  // namespace
}  // namespace llmctl::catalog
