#include "catalog/loader.h"

#include <gtest/gtest.h>

namespace llmctl::catalog {
namespace {

const char* kGpu = R"(gpus:
  - id: test-gpu
    name: Test GPU
    vendor: nvidia
    arch: hopper
    memory_gib: 80
    memory_bandwidth_gbps: 3350
    tflops: {bf16: 989, fp8: 1978}
    interconnect: {kind: nvlink, gbps: 450}
    prices:
      - {provider: acme, kind: on_demand, usd_per_hour: 2.5, source: "acme.example/pricing", as_of: 2026-01-01}
    source: "datasheet"
    as_of: 2026-01-01
)";

TEST(CatalogLoader, LoadsAValidFile) {
  auto cat = load_from_sources({{"gpus.yaml", kGpu}});
  ASSERT_TRUE(cat.ok()) << cat.error().message;
  ASSERT_EQ(cat->gpus.size(), 1u);
  const Gpu* g = cat->find_gpu("TEST-GPU");
  ASSERT_NE(g, nullptr);
  EXPECT_DOUBLE_EQ(g->memory_gib, 80);
  EXPECT_DOUBLE_EQ(g->tflops_for("fp4"), 1978);  // falls back to fp8
  EXPECT_EQ(g->provenance.file, "gpus.yaml");
  EXPECT_EQ(g->provenance.line, 2);
  ASSERT_TRUE(g->cheapest_price().has_value());
}

TEST(CatalogLoader, WrongTypeNamesFileLineAndField) {
  std::string bad = kGpu;
  bad.replace(bad.find("memory_gib: 80"), 14, "memory_gib: eighty");
  auto cat = load_from_sources({{"gpus.yaml", bad}});
  ASSERT_FALSE(cat.ok());
  EXPECT_EQ(cat.error().message,
            "gpus.yaml:6:17: gpus[test-gpu].memory_gib: expected a number, found \"eighty\"");
}

TEST(CatalogLoader, UnknownFieldIsAnError) {
  std::string bad = kGpu;
  bad.replace(bad.find("memory_gib: 80"), 14, "memory_gb: 80");
  auto cat = load_from_sources({{"gpus.yaml", bad}});
  ASSERT_FALSE(cat.ok());
  EXPECT_EQ(cat.error().message,
            "gpus.yaml:6:5: gpus[test-gpu].memory_gb: unknown field; did you mean 'memory_gib'?");
}

TEST(CatalogLoader, MissingSourceIsAnError) {
  std::string bad = kGpu;
  bad.erase(bad.find("    source: \"datasheet\"\n"), 24);
  auto cat = load_from_sources({{"gpus.yaml", bad}});
  ASSERT_FALSE(cat.ok());
  EXPECT_EQ(cat.error().message, "gpus.yaml:2:5: gpus[test-gpu].source: is required but missing");
}

TEST(CatalogLoader, BadDateIsAnError) {
  std::string bad = kGpu;
  bad.replace(bad.rfind("as_of: 2026-01-01"), 17, "as_of: Jan 2026");
  auto cat = load_from_sources({{"gpus.yaml", bad}});
  ASSERT_FALSE(cat.ok());
  EXPECT_NE(cat.error().message.find("expected a date YYYY-MM-DD"), std::string::npos)
      << cat.error().message;
}

TEST(CatalogLoader, EfficiencyVersionBoundIsReadAndChecked) {
  const std::string entry = R"(efficiency:
  - id: any@1.0/any
    engine: any
    min_engine_version: "1.0"
    arch: any
    params: {allreduce_hop_us: 10}
    source: "a fit"
    as_of: 2026-01-01
)";
  auto cat = load_from_sources({{"efficiency.yaml", entry}});
  ASSERT_TRUE(cat.ok()) << cat.error().message;
  ASSERT_EQ(cat->efficiency.size(), 1u);
  EXPECT_EQ(cat->efficiency[0].min_engine_version, "1.0");
  std::string bad = entry;
  bad.replace(bad.find("\"1.0\""), 5, "latest");
  auto err = load_from_sources({{"efficiency.yaml", bad}});
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().message,
            "efficiency.yaml:4:25: efficiency[any@1.0/any].min_engine_version: expected a dotted "
            "version such as 1.0, got \"latest\"");
}

TEST(CatalogLoader, InvalidYamlNamesLine) {
  auto cat = load_from_sources({{"x.yaml", "gpus:\n  - id: [unclosed\n"}});
  ASSERT_FALSE(cat.ok());
  EXPECT_NE(cat.error().message.find("x.yaml:"), std::string::npos) << cat.error().message;
  EXPECT_NE(cat.error().message.find("invalid YAML"), std::string::npos) << cat.error().message;
}

TEST(CatalogLoader, OverlayReplacesById) {
  std::string overlay = kGpu;
  overlay.replace(overlay.find("memory_gib: 80"), 14, "memory_gib: 96");
  auto cat = load_from_sources({{"gpus.yaml", kGpu}}, {{"overlay.yaml", overlay}});
  ASSERT_TRUE(cat.ok()) << cat.error().message;
  ASSERT_EQ(cat->gpus.size(), 1u);
  EXPECT_DOUBLE_EQ(cat->gpus[0].memory_gib, 96);
  EXPECT_EQ(cat->gpus[0].provenance.file, "overlay.yaml");
}

TEST(CatalogLoader, DuplicateIdInBaseIsAnError) {
  auto cat = load_from_sources({{"a.yaml", kGpu}, {"b.yaml", kGpu}});
  ASSERT_FALSE(cat.ok());
  EXPECT_NE(cat.error().message.find("already defined in a.yaml:2"), std::string::npos)
      << cat.error().message;
}

TEST(CatalogLoader, UnknownTopLevelKey) {
  auto cat = load_from_sources({{"a.yaml", "gpu:\n  - id: x\n"}});
  ASSERT_FALSE(cat.ok());
  EXPECT_EQ(cat.error().message,
            "a.yaml:1:1: gpu: unknown field; did you mean 'gpus'? expected one of: "
            "code_repositories, efficiency, "
            "engines, exporters, gpus, models, prices, provisioned_models, provisioned_units, "
            "retired, serverless");
}

TEST(CatalogLoader, RetiredModelsAreFoundByNameOrAliasAndChecked) {
  const char* ok =
      "retired:\n"
      "  - {id: openai/gpt-x-0101, provider: openai, model: gpt-x-0101, aliases: [gpt-x], "
      "shutdown: 2026-01-02, replacement: gpt-y, source: s, as_of: 2026-12-05}\n";
  auto cat = load_from_sources({{"r.yaml", ok}});
  ASSERT_TRUE(cat.ok()) << cat.error().message;
  ASSERT_NE(cat->find_retired("GPT-X-0101"), nullptr);
  EXPECT_EQ(cat->find_retired("gpt-x")->shutdown, "2026-01-02");
  EXPECT_EQ(cat->find_retired("gpt-y"), nullptr);
  auto bad = load_from_sources(
      {{"r.yaml", std::string(ok).replace(std::string(ok).find("2026-01-02"), 10, "soon")}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("r.yaml:2"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("shutdown"), std::string::npos) << bad.error().message;
}

TEST(CatalogLoader, EntryWithoutAnIdIsNamedByPosition) {
  auto cat = load_from_sources({{"m.yaml", "models:\n  - name: x\n"}});
  ASSERT_FALSE(cat.ok());
  EXPECT_EQ(cat.error().message, "m.yaml:2:5: models[0].id: is required but missing");
}

TEST(CatalogLoader, NestedMapTypoSuggestsTheDtype) {
  std::string bad = kGpu;
  bad.replace(bad.find("bf16: 989"), 9, "bf15: 989");
  auto cat = load_from_sources({{"gpus.yaml", bad}});
  ASSERT_FALSE(cat.ok());
  EXPECT_NE(cat.error().message.find(
                "gpus.yaml:8:14: gpus[test-gpu].tflops.bf15: unknown field; did you mean 'bf16'?"),
            std::string::npos)
      << cat.error().message;
}

TEST(CatalogLoader, UnknownReferenceAcrossFilesSuggestsAnId) {
  const char* model = R"(models:
  - id: tiny-1b
    name: Tiny
    layers: 2
    hidden_size: 64
    attention_heads: 4
    kv_heads: 2
    head_dim: 16
    intermediate_size: 128
    vocab_size: 1000
    params_total_b: 1
    params_active_b: 1
    max_context: 4096
    attention: {kind: gqa}
    source: "model card"
    as_of: 2026-01-01
)";
  const char* price = R"(prices:
  - id: acme/tiny
    provider: acme
    model: tiny
    input_usd_per_mtok: 0.1
    output_usd_per_mtok: 0.2
    usage_semantics: input_includes_cached
    open_model: tiny-1c
    source: "acme.example/pricing"
    as_of: 2026-01-01
)";
  auto cat = load_from_sources({{"models.yaml", model}, {"prices.yaml", price}});
  ASSERT_FALSE(cat.ok());
  EXPECT_EQ(cat.error().message,
            "prices.yaml:2: prices[acme/tiny].open_model: unknown model \"tiny-1c\"; did you mean "
            "'tiny-1b'? expected one of tiny-1b");
}

const char* kPlatformPrice = R"(prices:
  - id: acme/big
    provider: acme
    model: big
    input_usd_per_mtok: 2
    output_usd_per_mtok: 8
    usage_semantics: input_includes_cached
    quality_tier: strong
    source: "acme.example/pricing"
    as_of: 2026-01-01
  - id: cloudy/big
    provider: cloudy
    model: big
    input_usd_per_mtok: 2
    output_usd_per_mtok: 8
    usage_semantics: input_includes_cached
    first_party: acme/big
    quota_tpm: 1000000
    source: "cloudy.example/pricing"
    as_of: 2026-01-01
)";

const char* kPlatforms = R"(provisioned_units:
  - id: cloudy/global
    provider: cloudy
    unit: PTU
    deployment: global
    terms:
      - {term: hourly, usd_per_unit_hour: 1}
      - {term: 1-month, usd_per_unit_month: 260}
    source: "cloudy.example/ptu"
    as_of: 2026-01-01
  - id: cloudy/regional
    provider: cloudy
    unit: PTU
    deployment: regional
    missing: not published
    source: "cloudy.example/ptu"
    as_of: 2026-01-01
provisioned_models:
  - {id: cloudy/global/big, units: cloudy/global, model: big, min_units: 15, unit_increment: 5, input_tpm_per_unit: 3000, output_token_weight: 4, cached_input_weight: 0, source: "cloudy.example/sizing", as_of: 2026-01-01}
serverless:
  - {id: sls/test-gpu, provider: sls, gpu: test-gpu, offer_name: T, usd_per_gpu_second: 0.001, idle_timeout_s: 5, cold_start_s: 30, cold_start_source: "a measurement", source: "sls.example", as_of: 2026-01-01}
)";

TEST(CatalogLoader, LoadsPlatformsAndChecksTheirReferences) {
  auto cat = load_from_sources(
      {{"gpus.yaml", kGpu}, {"prices.yaml", kPlatformPrice}, {"platforms.yaml", kPlatforms}});
  ASSERT_TRUE(cat.ok()) << cat.error().message;
  ASSERT_EQ(cat->provisioned_units.size(), 2u);
  EXPECT_DOUBLE_EQ(cat->provisioned_units[0].terms[0].monthly_usd(730), 730);
  EXPECT_DOUBLE_EQ(cat->provisioned_units[0].terms[1].monthly_usd(730), 260);
  EXPECT_EQ(cat->provisioned_units[1].missing, "not published");
  ASSERT_EQ(cat->provisioned_models.size(), 1u);
  EXPECT_DOUBLE_EQ(cat->provisioned_models[0].cached_input_weight, 0);
  ASSERT_EQ(cat->serverless.size(), 1u);
  EXPECT_DOUBLE_EQ(*cat->serverless[0].cold_start_s, 30);
  EXPECT_EQ(cat->find_price("cloudy/big")->first_party, "acme/big");
  EXPECT_EQ(cat->find_price("cloudy/big")->quota_tpm, 1000000);
}

TEST(CatalogLoader, PlatformErrorsNameTheField) {
  auto error_of = [](const std::string& prices, const std::string& platforms) {
    auto cat = load_from_sources(
        {{"gpus.yaml", kGpu}, {"prices.yaml", prices}, {"platforms.yaml", platforms}});
    return cat.ok() ? std::string("(loaded)") : cat.error().message;
  };
  std::string p = kPlatforms;
  std::string bad = p;
  bad.replace(bad.find("units: cloudy/global,"), 21, "units: cloudy/globl,");
  EXPECT_NE(error_of(kPlatformPrice, bad)
                .find("provisioned_models[cloudy/global/big].units: "
                      "unknown provisioned unit \"cloudy/globl\"; did "
                      "you mean 'cloudy/global'?"),
            std::string::npos)
      << error_of(kPlatformPrice, bad);
  bad = p;
  bad.replace(bad.find("model: big,"), 11, "model: bog,");
  EXPECT_NE(error_of(kPlatformPrice, bad).find("no cloudy price entry names \"bog\""),
            std::string::npos);
  bad = p;
  bad.replace(bad.find("gpu: test-gpu,"), 14, "gpu: tset-gpu,");
  EXPECT_NE(error_of(kPlatformPrice, bad).find("serverless[sls/test-gpu].gpu: unknown GPU"),
            std::string::npos);
  bad = p;
  bad.replace(bad.find("usd_per_unit_hour: 1}"), 21, "usd_per_unit_month: 1}");
  EXPECT_NE(error_of(kPlatformPrice, bad).find("an hourly term takes usd_per_unit_hour"),
            std::string::npos)
      << error_of(kPlatformPrice, bad);
  bad = p;
  bad.replace(bad.find(", cold_start_source: \"a measurement\""), 36, "");
  EXPECT_NE(error_of(kPlatformPrice, bad).find("cold_start_source"), std::string::npos);
  bad = p;
  bad.replace(bad.find("    missing: not published\n"), 27, "");
  EXPECT_NE(error_of(kPlatformPrice, bad).find("provisioned_units[cloudy/regional].terms"),
            std::string::npos)
      << error_of(kPlatformPrice, bad);
  std::string prices = kPlatformPrice;
  prices.replace(prices.find("first_party: acme/big"), 21, "first_party: acme/bug");
  EXPECT_NE(error_of(prices, p).find("prices[cloudy/big].first_party: unknown price"),
            std::string::npos);
}

TEST(CatalogLoader, EmbeddedCatalogLoads) {
  auto cat = load_from_sources(embedded_sources());
  ASSERT_TRUE(cat.ok()) << cat.error().message;
}

// What a new user types: Hugging Face names, short names, near misses. The hint names the entry
// by its catalog id; a name that matches nothing closely gets no guess.
TEST(CatalogLoader, UnknownModelOrGpuSuggestsTheCatalogId) {
  auto cat = load_from_sources(embedded_sources());
  ASSERT_TRUE(cat.ok()) << cat.error().message;
  auto hint = [](const std::string& message) {
    const auto a = message.find("did you mean '");
    if (a == std::string::npos) return std::string();
    const auto b = message.find('\'', a + 14);
    return message.substr(a + 14, b - a - 14);
  };
  EXPECT_EQ(hint(cat->unknown_model("qwen3-235b")), "qwen3-235b-a22b");  // cut short
  EXPECT_EQ(hint(cat->unknown_model("Qwen/Qwen3-235B")), "qwen3-235b-a22b");
  EXPECT_EQ(hint(cat->unknown_model("llama3-8b")), "llama-3.1-8b");  // a near miss
  EXPECT_EQ(hint(cat->unknown_model("gpt-oss")), "");                // 20b or 120b: no guess
  EXPECT_EQ(hint(cat->unknown_model("totally-unknown-model")), "");
  EXPECT_EQ(hint(cat->unknown_gpu("h1000")), "h100-sxm");
  const std::string m = cat->unknown_model("qwen3-235b");
  EXPECT_EQ(m.rfind("unknown model 'qwen3-235b'; did you mean 'qwen3-235b-a22b'? known: ", 0), 0u)
      << m;
}

}  // namespace
}  // namespace llmctl::catalog
