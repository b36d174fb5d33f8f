#include "catalog/codec.h"

#include <gtest/gtest.h>

#include "catalog/loader.h"

namespace llmctl::catalog {
namespace {

// The compiled form must carry every field the YAML loader fills: decode(encode(c)) re-encodes
// to the same text, and the nested shapes (MLA, MoE, sliding window, optional prices) survive.
TEST(CatalogCodec, RoundTripsTheShippedCatalog) {
  auto loaded = load_from_sources(embedded_sources());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const std::string text = encode_catalog(*loaded);
  auto decoded = decode_catalog(text);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(encode_catalog(*decoded), text);

  const Catalog& c = *decoded;
  ASSERT_EQ(c.models.size(), loaded->models.size());
  ASSERT_EQ(c.prices.size(), loaded->prices.size());
  int mla = 0, moe = 0, window = 0, uncached = 0;
  for (std::size_t i = 0; i < c.models.size(); ++i) {
    const Model& a = loaded->models[i];
    const Model& b = c.models[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.provenance.file, b.provenance.file);
    EXPECT_EQ(a.provenance.line, b.provenance.line);
    EXPECT_EQ(a.attention_kind, b.attention_kind);
    ASSERT_EQ(a.mla.has_value(), b.mla.has_value()) << a.id;
    if (a.mla) {
      ++mla;
      EXPECT_EQ(a.mla->v_head_dim, b.mla->v_head_dim);
    }
    ASSERT_EQ(a.moe.has_value(), b.moe.has_value()) << a.id;
    if (a.moe) {
      ++moe;
      EXPECT_DOUBLE_EQ(a.moe->params_experts_b, b.moe->params_experts_b);
    }
    ASSERT_EQ(a.sliding_window.has_value(), b.sliding_window.has_value()) << a.id;
    if (a.sliding_window) {
      ++window;
      EXPECT_EQ(a.sliding_window->layers, b.sliding_window->layers);
    }
  }
  for (std::size_t i = 0; i < c.prices.size(); ++i) {
    EXPECT_EQ(loaded->prices[i].reasoning_billed_as, c.prices[i].reasoning_billed_as);
    EXPECT_EQ(loaded->prices[i].cache_read_usd_per_mtok, c.prices[i].cache_read_usd_per_mtok);
    if (!c.prices[i].cache_read_usd_per_mtok) ++uncached;
  }
  // The shipped data exercises every optional shape, so the checks above are not vacuous.
  EXPECT_GT(mla, 0);
  EXPECT_GT(moe, 0);
  EXPECT_GT(window, 0);
  EXPECT_GT(uncached, 0);
}

TEST(CatalogCodec, RejectsAStaleFormat) {
  auto decoded = decode_catalog(R"({"format":1,"gpus":[]})");
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.error().message.find("unknown encoding format"), std::string::npos);
  EXPECT_FALSE(decode_catalog("{not json").ok());
}

}  // namespace
}  // namespace llmctl::catalog
