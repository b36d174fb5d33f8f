// The fitter recovers parameters it generated data with, and the efficiency lookup merges
// entries from broad to specific.
#include "perf/calibrate.h"

#include <gtest/gtest.h>

#include <cmath>

#include "catalog/loader.h"

namespace llmctl::perf {
namespace {

const catalog::Catalog& cat() {
  static const catalog::Catalog c = [] {
    catalog::LoadOptions o;
    o.default_overlays = false;
    auto r = catalog::load_catalog(o);
    if (!r) ADD_FAILURE() << r.error().message;
    return r ? *r : catalog::Catalog{};
  }();
  return c;
}

CalibrationRow row(const std::string& id, const std::string& model, const std::string& gpu, int tp,
                   const std::string& dtype, Workload w, const std::string& engine = "trtllm") {
  CalibrationRow r;
  r.id = id;
  r.deployment.model = cat().find_model(model);
  r.deployment.gpu = cat().find_gpu(gpu);
  r.deployment.engine = cat().find_engine(engine);
  r.deployment.dtype = dtype;
  r.deployment.tp = r.deployment.gpus = tp;
  w.explain = false;
  r.workload = w;
  return r;
}

TEST(PerfCalibrate, RecoversTheParametersThatMadeTheData) {
  EfficiencyParams truth;
  truth.eta_mem = 0.7;
  truth.eta_flop = 0.45;
  truth.step_overhead_ms = 4;
  truth.ttft_overhead_ms = 12;
  std::vector<CalibrationRow> rows = {
      row("a", "llama-3.1-8b", "h100-sxm", 1, "fp8", {1000, 1000, LoadMode::kOffline, 0}),
      row("b", "llama-3.1-8b", "h100-sxm", 1, "bf16", {500, 200, LoadMode::kQps, 4}),
      row("c", "llama-3.1-70b", "h100-sxm", 4, "fp8", {2048, 128, LoadMode::kOffline, 0}),
      row("d", "llama-3.1-70b", "h200", 2, "fp8", {1000, 500, LoadMode::kConcurrency, 16}),
      row("e", "llama-3.1-8b", "h200", 1, "bf16", {2000, 1, LoadMode::kBatch, 1}),
      row("f", "llama-3.1-8b", "h200", 1, "bf16", {200, 100, LoadMode::kBatch, 1})};
  std::vector<const CalibrationRow*> ptrs;
  for (auto& r : rows) {
    auto e = estimate(r.deployment, r.workload, truth);
    ASSERT_TRUE(e.ok() && e->fits) << r.id;
    for (const char* m :
         {"output_tokens_per_s", "ttft_ms", "itl_ms", "prefill_ms", "decode_ms_per_token"})
      r.measured.emplace_back(m, *predicted_metric(*e, m));
    ptrs.push_back(&r);
  }
  FitOptions o;
  o.free = {"eta_mem", "eta_flop", "step_overhead_ms", "ttft_overhead_ms"};
  o.arch_free.clear();
  o.prior_weight = 1e-4;
  const FitResult fit = fit_efficiency(ptrs, EfficiencyParams{}, o);
  EXPECT_LT(fit.loss, 1e-6);
  EXPECT_NEAR(fit.params.eta_mem, 0.7, 0.01);
  EXPECT_NEAR(fit.params.eta_flop, 0.45, 0.01);
  EXPECT_NEAR(fit.params.step_overhead_ms, 4, 0.1);
  EXPECT_NEAR(fit.params.ttft_overhead_ms, 12, 0.3);
}

// Measures every metric of `r` as `truth` predicts it.
void measure(CalibrationRow& r, const EfficiencyParams& truth) {
  auto e = estimate(r.deployment, r.workload, truth);
  ASSERT_TRUE(e.ok() && e->fits) << r.id;
  for (const char* m : {"ttft_ms", "itl_ms"}) r.measured.emplace_back(m, *predicted_metric(*e, m));
}

TEST(PerfCalibrate, AnEngineFitsItsOwnParametersWithoutMovingTheShared) {
  EfficiencyParams truth;  // the reference engine's (TensorRT-LLM's) world
  truth.eta_mem = 0.7;
  truth.step_overhead_ms = 4;
  truth.allreduce_hop_us = 20;
  EfficiencyParams vllm = truth;  // another engine: its own overheads and all-reduce latency
  vllm.step_overhead_ms = 1;
  vllm.allreduce_hop_us = 40;
  vllm.ttft_overhead_ms = 30;
  std::vector<CalibrationRow> rows = {
      row("t1", "llama-3.1-8b", "h100-sxm", 1, "fp8", {1000, 1000, LoadMode::kConcurrency, 8}),
      row("t2", "llama-3.1-70b", "h100-sxm", 4, "fp8", {1000, 500, LoadMode::kConcurrency, 16}),
      row("t3", "llama-3.1-70b", "h200", 2, "fp8", {2000, 200, LoadMode::kConcurrency, 4}),
      row("v1", "llama-3.1-8b", "h100-sxm", 1, "fp8", {1000, 1000, LoadMode::kConcurrency, 4},
          "vllm"),
      row("v2", "llama-3.1-70b", "h100-sxm", 4, "fp8", {1000, 500, LoadMode::kConcurrency, 8},
          "vllm"),
      row("v3", "llama-3.1-70b", "h100-sxm", 8, "fp8", {2000, 200, LoadMode::kConcurrency, 4},
          "vllm")};
  for (auto& r : rows) measure(r, r.deployment.engine->id == "vllm" ? vllm : truth);
  std::vector<const CalibrationRow*> all, reference_only;
  for (const auto& r : rows) {
    all.push_back(&r);
    if (r.deployment.engine->id == "trtllm") reference_only.push_back(&r);
  }
  FitOptions o;
  o.free = {"eta_mem", "step_overhead_ms", "allreduce_hop_us"};
  o.arch_free.clear();
  o.engine_free = {"step_overhead_ms", "allreduce_hop_us", "ttft_overhead_ms"};
  o.prior_weight = 1e-4;
  const FitResult fit = fit_efficiency(all, EfficiencyParams{}, o);
  EXPECT_LT(fit.loss, 1e-6);
  EXPECT_NEAR(fit.params.eta_mem, 0.7, 0.01);
  EXPECT_NEAR(fit.params.step_overhead_ms, 4, 0.1);
  EXPECT_NEAR(fit.params.allreduce_hop_us, 20, 1);
  ASSERT_EQ(fit.engine_params.count("vllm"), 1u);
  EXPECT_EQ(fit.engine_params.count("trtllm"), 0u) << "the reference engine has no entry";
  EXPECT_NEAR(fit.engine_params.at("vllm").at("step_overhead_ms"), 1, 0.05);
  EXPECT_NEAR(fit.engine_params.at("vllm").at("allreduce_hop_us"), 40, 1);
  EXPECT_NEAR(fit.engine_params.at("vllm").at("ttft_overhead_ms"), 30, 0.5);
  // The shared parameters are the reference engine's rows' alone.
  const FitResult reference = fit_efficiency(reference_only, EfficiencyParams{}, o);
  for (const auto& name : EfficiencyParams::names())
    EXPECT_DOUBLE_EQ(*fit.params.field(name), *reference.params.field(name)) << name;
  // A row's parameters: the shared ones, then its engine's.
  EXPECT_NEAR(fit.for_row(rows[3]).step_overhead_ms, 1, 0.05);
  EXPECT_NEAR(fit.for_row(rows[0]).step_overhead_ms, 4, 0.1);
}

TEST(PerfCalibrate, AnEngineGenerationFitsItsOwnEntryAndLeavesTheOlderRowsTheReference) {
  EfficiencyParams truth;  // TensorRT-LLM 0.x: the reference
  truth.allreduce_hop_us = 40;
  EfficiencyParams v1 = truth;  // its 1.x generation: a faster all-reduce, a dearer API server
  v1.allreduce_hop_us = 10;
  v1.ttft_overhead_ms = 20;
  std::vector<CalibrationRow> rows = {
      row("o1", "llama-3.1-70b", "h100-sxm", 4, "fp8", {1000, 500, LoadMode::kConcurrency, 8}),
      row("o2", "llama-3.1-70b", "h200", 2, "fp8", {2000, 200, LoadMode::kConcurrency, 4}),
      row("o3", "llama-3.1-8b", "h100-sxm", 1, "fp8", {1000, 1000, LoadMode::kConcurrency, 8}),
      row("n1", "llama-3.1-70b", "h200", 4, "fp8", {1000, 1000, LoadMode::kConcurrency, 4}),
      row("n2", "llama-3.1-70b", "h200", 8, "fp8", {1000, 1000, LoadMode::kConcurrency, 4}),
      row("n3", "llama-3.1-70b", "h200", 2, "fp8", {2000, 500, LoadMode::kConcurrency, 4})};
  for (auto& r : rows) r.deployment.engine_version = r.id[0] == 'o' ? "0.17" : "1.1.0rc2.post2";
  rows[2].deployment.engine_version.clear();  // a row naming no version stays in the older one
  for (auto& r : rows) measure(r, r.id[0] == 'n' ? v1 : truth);
  std::vector<const CalibrationRow*> all;
  for (const auto& r : rows) all.push_back(&r);
  FitOptions o;
  o.free = {"allreduce_hop_us"};
  o.arch_free.clear();
  o.engine_generations = {{"trtllm", "1.0"}};
  o.prior_weight = 1e-4;
  const FitResult fit = fit_efficiency(all, EfficiencyParams{}, o);
  EXPECT_LT(fit.loss, 1e-6);
  EXPECT_NEAR(fit.params.allreduce_hop_us, 40, 1) << "0.x rows alone fix the shared value";
  ASSERT_EQ(fit.engine_params.count("trtllm@1.0"), 1u);
  EXPECT_EQ(fit.engine_params.count("trtllm"), 0u);
  EXPECT_NEAR(fit.engine_params.at("trtllm@1.0").at("allreduce_hop_us"), 10, 0.5);
  EXPECT_NEAR(fit.engine_params.at("trtllm@1.0").at("ttft_overhead_ms"), 20, 0.5);
  EXPECT_EQ(engine_key(rows[0], fit.engine_generations), "trtllm");
  EXPECT_EQ(engine_key(rows[2], fit.engine_generations), "trtllm");
  EXPECT_EQ(engine_key(rows[3], fit.engine_generations), "trtllm@1.0");
  EXPECT_NEAR(fit.for_row(rows[3]).allreduce_hop_us, 10, 0.5);
  EXPECT_NEAR(fit.for_row(rows[0]).allreduce_hop_us, 40, 1);
}

TEST(PerfCalibrate, ResidualsAreLogRatios) {
  CalibrationRow r =
      row("a", "llama-3.1-8b", "h100-sxm", 1, "fp8", {1000, 1000, LoadMode::kOffline, 0});
  auto e = estimate(r.deployment, r.workload, EfficiencyParams{});
  ASSERT_TRUE(e.ok());
  r.measured = {{"output_tokens_per_s", e->output_tokens_per_s * 2}};
  const auto res = row_residuals(r, EfficiencyParams{});
  ASSERT_EQ(res.size(), 1u);
  EXPECT_NEAR(res[0], -std::log(2.0), 1e-12);
}

TEST(PerfEfficiency, MergesFromBroadToSpecific) {
  catalog::Catalog c;
  auto entry = [](const std::string& engine, const std::string& arch,
                  std::map<std::string, double> params) {
    catalog::Efficiency e;
    e.id = engine + "/" + arch;
    e.engine = engine;
    e.arch = arch;
    e.params = std::move(params);
    return e;
  };
  // Listed most specific first: the order in the file must not matter.
  c.efficiency = {entry("vllm", "hopper", {{"eta_flop", 0.4}}),
                  entry("vllm", "any", {{"eta_flop", 0.3}, {"step_overhead_ms", 6}}),
                  entry("any", "hopper", {{"eta_mem", 0.9}}),
                  entry("any", "any", {{"eta_mem", 0.7}, {"eta_flop", 0.2}, {"unknown", 1}})};
  const EfficiencyParams hopper = efficiency_for(c, "vllm", "hopper");
  EXPECT_DOUBLE_EQ(hopper.eta_flop, 0.4);
  EXPECT_DOUBLE_EQ(hopper.step_overhead_ms, 6);
  EXPECT_DOUBLE_EQ(hopper.eta_mem, 0.9);
  const EfficiencyParams ampere = efficiency_for(c, "vllm", "ampere");
  EXPECT_DOUBLE_EQ(ampere.eta_flop, 0.3);
  EXPECT_DOUBLE_EQ(ampere.eta_mem, 0.7);
  const EfficiencyParams other = efficiency_for(c, "sglang", "ampere");
  EXPECT_DOUBLE_EQ(other.eta_flop, 0.2);
  EXPECT_DOUBLE_EQ(other.step_overhead_ms, EfficiencyParams{}.step_overhead_ms);
}

TEST(PerfEfficiency, AVersionBoundedEntryAppliesFromItsVersionOnAndToTheCurrentRelease) {
  catalog::Catalog c;
  auto entry = [](const std::string& id, const std::string& engine, const std::string& arch,
                  const std::string& min_version, std::map<std::string, double> params) {
    catalog::Efficiency e;
    e.id = id;
    e.engine = engine;
    e.arch = arch;
    e.min_engine_version = min_version;
    e.params = std::move(params);
    return e;
  };
  // Listed newest first: the order in the file must not matter.
  c.efficiency = {entry("trtllm@1.2/any", "trtllm", "any", "1.2", {{"ttft_overhead_ms", 9}}),
                  entry("trtllm@1.0/hopper", "trtllm", "hopper", "1.0", {{"eta_mem", 0.95}}),
                  entry("trtllm@1.0/any", "trtllm", "any", "1.0",
                        {{"allreduce_hop_us", 10}, {"ttft_overhead_ms", 20}, {"eta_mem", 0.9}}),
                  entry("trtllm/any", "trtllm", "any", "", {{"ttft_overhead_ms", 5}}),
                  entry("any/any", "any", "any", "", {{"allreduce_hop_us", 40}})};
  const EfficiencyParams old = efficiency_for(c, "trtllm", "hopper", "0.17");
  EXPECT_DOUBLE_EQ(old.allreduce_hop_us, 40);
  EXPECT_DOUBLE_EQ(old.ttft_overhead_ms, 5);
  const EfficiencyParams v11 = efficiency_for(c, "trtllm", "hopper", "1.1.0rc2.post2");
  EXPECT_DOUBLE_EQ(v11.allreduce_hop_us, 10);
  EXPECT_DOUBLE_EQ(v11.ttft_overhead_ms, 20);
  EXPECT_DOUBLE_EQ(v11.eta_mem, 0.95) << "the generation's /arch entry refines its /any";
  EXPECT_DOUBLE_EQ(efficiency_for(c, "trtllm", "ampere", "1.1").eta_mem, 0.9);
  const EfficiencyParams current = efficiency_for(c, "trtllm", "hopper");  // no version named
  EXPECT_DOUBLE_EQ(current.allreduce_hop_us, 10);
  EXPECT_DOUBLE_EQ(current.ttft_overhead_ms, 9) << "the newest bound applies last";
  EXPECT_DOUBLE_EQ(efficiency_for(c, "vllm", "hopper").allreduce_hop_us, 40);
}

TEST(CatalogVersions, CompareNumericallyPartByPart) {
  EXPECT_LT(catalog::compare_versions("0.4.2", "0.9.2"), 0);
  EXPECT_LT(catalog::compare_versions("0.9.2", "0.11"), 0);
  EXPECT_EQ(catalog::compare_versions("1.0", "1.0.0"), 0);
  EXPECT_GT(catalog::compare_versions("1.1.0rc2.post2", "1.0"), 0);
  EXPECT_LT(catalog::compare_versions("0.17", "1.0"), 0);
  EXPECT_LT(catalog::compare_versions("0", "0.10"), 0);
  EXPECT_EQ(catalog::compare_versions("", "0"), 0);
  // A suffix after a part's digits is ignored, and the walk always ends.
  EXPECT_EQ(catalog::compare_versions("1.0rc1", "1.0"), 0);
  EXPECT_EQ(catalog::compare_versions("v1", "0"), 0) << "no leading digits: 0";
}

TEST(PerfEfficiency, EmbeddedCatalogCarriesTheFit) {
  const catalog::Efficiency* any = nullptr;
  for (const auto& e : cat().efficiency)
    if (e.id == "any/any") any = &e;
  ASSERT_NE(any, nullptr) << "data/efficiency.yaml must hold an any/any entry";
  for (const auto& name : EfficiencyParams::names()) EXPECT_TRUE(any->params.count(name)) << name;
  EXPECT_NE(any->provenance.source.find("published_measurements.yaml"), std::string::npos);
  EXPECT_FALSE(any->fitted_on.empty());
}

}  // namespace
}  // namespace llmctl::perf
