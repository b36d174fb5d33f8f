#include "plan/spec.h"

#include <gtest/gtest.h>

namespace llmctl::plan {
namespace {

const char* kValid = R"(name: chat
model: llama-3.1-8b
traffic:
  peak_qps: 12
  average_qps: 5
  input_tokens: {mean: 600, p50: 450, p95: 1800}
  output_tokens: 200
  cacheable_input_share: 0.25
slo:
  ttft_p95_ms: 800
  tpot_p95_ms: 60
  availability: 0.999
budget:
  monthly_usd: 8000
constraints:
  gpus: [l4, l40s]
  engines: vllm
  dtypes: [bf16, FP8]
  max_tp: 4
  gpu_usd_per_hour: {l4: 0.5}
)";

// Replaces the first occurrence of `from` in kValid.
std::string edit(const std::string& from, const std::string& to) {
  std::string s = kValid;
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  s.replace(at, from.size(), to);
  return s;
}

std::string error_of(const std::string& text) {
  auto spec = parse_spec(text, "spec.yaml");
  EXPECT_FALSE(spec.ok());
  return spec.ok() ? "" : spec.error().message;
}

TEST(plan_spec, ParsesEveryField) {
  auto spec = parse_spec(kValid, "spec.yaml");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->name, "chat");
  ASSERT_EQ(spec->models.size(), 1u);
  EXPECT_EQ(spec->models[0].value, "llama-3.1-8b");
  EXPECT_EQ(spec->models[0].line, 2);
  EXPECT_DOUBLE_EQ(spec->traffic.peak_qps, 12);
  EXPECT_DOUBLE_EQ(spec->traffic.average_qps, 5);
  EXPECT_DOUBLE_EQ(spec->traffic.input_tokens.mean, 600);
  EXPECT_DOUBLE_EQ(*spec->traffic.input_tokens.p95, 1800);
  // A bare number is the mean; its p95 is assumed.
  EXPECT_DOUBLE_EQ(spec->traffic.output_tokens.mean, 200);
  EXPECT_FALSE(spec->traffic.output_tokens.p95.has_value());
  EXPECT_DOUBLE_EQ(spec->traffic.output_tokens.p95_or_default(), 200 * kDefaultP95OverMean);
  EXPECT_DOUBLE_EQ(spec->traffic.cacheable_input_share, 0.25);
  EXPECT_DOUBLE_EQ(*spec->slo.ttft_p95_ms, 800);
  EXPECT_DOUBLE_EQ(spec->slo.availability, 0.999);
  EXPECT_DOUBLE_EQ(*spec->budget_monthly_usd, 8000);
  ASSERT_EQ(spec->constraints.gpus.size(), 2u);
  EXPECT_EQ(spec->constraints.gpus[1].value, "l40s");
  EXPECT_EQ(spec->constraints.gpus[1].line, 16);
  ASSERT_EQ(spec->constraints.engines.size(), 1u);  // a single string is a list of one
  EXPECT_EQ(spec->constraints.dtypes[1].value, "fp8");
  EXPECT_EQ(spec->constraints.max_tp, 4);
  EXPECT_DOUBLE_EQ(spec->constraints.gpu_usd_per_hour.at("l4"), 0.5);
}

TEST(plan_spec, UnknownFieldNamesTheFieldTheLineAndTheNearestName) {
  std::string msg = error_of(edit("  average_qps: 5", "  average_qsp: 5"));
  EXPECT_EQ(msg,
            "spec.yaml:5:3: traffic.average_qsp: unknown field; did you mean 'average_qps'? "
            "expected one of: autoscaling, average_qps, batchable_share, cacheable_input_share, "
            "input_tokens, output_tokens, peak_qps, trace");
}

TEST(plan_spec, UnknownTopLevelFieldListsTheAllowedOnes) {
  std::string msg = error_of(std::string(kValid) + "notes: hello\n");
  EXPECT_EQ(msg,
            "spec.yaml:21:1: notes: unknown field; expected one of: budget, constraints, model, "
            "models, name, slo, tier, traffic");
}

TEST(plan_spec, WrongTypeSaysWhatWasExpected) {
  std::string msg = error_of(edit("peak_qps: 12", "peak_qps: lots"));
  EXPECT_EQ(msg, "spec.yaml:4:13: traffic.peak_qps: expected a number, found \"lots\"");
  msg = error_of(edit("peak_qps: 12", "peak_qps: 0"));
  EXPECT_EQ(msg, "spec.yaml:4:13: traffic.peak_qps: must be greater than 0, found 0");
}

TEST(plan_spec, NestedLengthFieldIsNamedInFull) {
  std::string msg = error_of(edit("p95: 1800", "p99: 1800"));
  EXPECT_NE(msg.find("spec.yaml:6:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("traffic.input_tokens.p99: unknown field; did you mean 'p95'?"),
            std::string::npos)
      << msg;
}

TEST(plan_spec, AverageAbovePeakIsAnError) {
  std::string msg = error_of(edit("average_qps: 5", "average_qps: 50"));
  EXPECT_NE(msg.find("spec.yaml:5:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected at most peak_qps (12)"), std::string::npos) << msg;
}

TEST(plan_spec, P95BelowP50IsAnError) {
  std::string msg = error_of(edit("p95: 1800", "p95: 100"));
  EXPECT_NE(msg.find("traffic.input_tokens.p95: expected a p95 >= the p50"), std::string::npos)
      << msg;
}

TEST(plan_spec, MissingTrafficIsRequired) {
  std::string msg = error_of("model: x\n");
  EXPECT_EQ(msg,
            "spec.yaml:1:1: traffic: is required but missing: peak/average QPS and token lengths, "
            "or a trace");
  msg = error_of("model: x\ntrafic: {peak_qps: 1}\n");
  EXPECT_EQ(msg,
            "spec.yaml:2:1: trafic: unknown field; did you mean 'traffic'? expected one of: "
            "budget, constraints, model, models, name, slo, tier, traffic");
}

TEST(plan_spec, ModelAndTierTogetherIsAnError) {
  std::string msg = error_of(edit("model: llama-3.1-8b", "model: llama-3.1-8b\ntier: strong"));
  EXPECT_NE(msg.find("spec.yaml:2:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected exactly one of model"), std::string::npos) << msg;
}

TEST(plan_spec, UnknownTierIsAnError) {
  std::string msg = error_of(edit("model: llama-3.1-8b", "tier: best"));
  EXPECT_NE(msg.find("spec.yaml:2:7: tier: expected frontier, strong, fast or small"),
            std::string::npos)
      << msg;
}

TEST(plan_spec, TraceExcludesStatedRates) {
  std::string msg = error_of(edit("  output_tokens: 200", "  trace: azure.csv"));
  EXPECT_NE(msg.find("spec.yaml:4:13: traffic.peak_qps: must not be given with traffic.trace"),
            std::string::npos)
      << msg;
}

TEST(plan_spec, TraceAloneParses) {
  auto spec =
      parse_spec("tier: strong\ntraffic:\n  trace: {file: ../t.csv, qps_scale: 2}\n", "spec.yaml");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  ASSERT_TRUE(spec->traffic.trace.has_value());
  EXPECT_EQ(spec->traffic.trace->file.value, "../t.csv");
  EXPECT_EQ(spec->traffic.trace->file.line, 3);
  EXPECT_DOUBLE_EQ(spec->traffic.trace->qps_scale, 2);
  EXPECT_EQ(spec->tier->value, "strong");
}

TEST(plan_spec, UnknownDtypeNamesTheListItem) {
  std::string msg = error_of(edit("dtypes: [bf16, FP8]", "dtypes: [bf16, fp6]"));
  EXPECT_EQ(msg,
            "spec.yaml:18:18: constraints.dtypes[1]: unknown dtype \"fp6\"; did you mean 'fp16'? "
            "expected one of bf16, fp16, fp8, fp4, mxfp4, int4");
}

TEST(plan_spec, AvailabilityMustBeAFraction) {
  std::string msg = error_of(edit("availability: 0.999", "availability: 99.9"));
  EXPECT_NE(msg.find("spec.yaml:12:17: slo.availability: expected a fraction"), std::string::npos)
      << msg;
}

// p99 targets beside the p95s; a p99 below its p95 is refused at the p99's line, naming both.
TEST(plan_spec, P99TargetsAreReadAndNeverBelowTheirP95) {
  auto spec = parse_spec(edit("  availability: 0.999",
                              "  ttft_p99_ms: 2000\n  tpot_p99_ms: 90\n"
                              "  availability: 0.999"),
                         "spec.yaml");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->slo.ttft_p99_ms, 2000);
  EXPECT_EQ(spec->slo.tpot_p99_ms, 90);
  EXPECT_FALSE(parse_spec(kValid, "spec.yaml")->slo.ttft_p99_ms.has_value());
  EXPECT_EQ(error_of(edit("  availability: 0.999", "  tpot_p99_ms: 50\n  availability: 0.999")),
            "spec.yaml:12:16: slo.tpot_p99_ms: expected at least tpot_p95_ms (60 ms): a p99 is "
            "never below its p95, found 50");
}

TEST(plan_spec, MaxTpMustBeAPowerOfTwo) {
  std::string msg = error_of(edit("max_tp: 4", "max_tp: 3"));
  EXPECT_NE(msg.find("constraints.max_tp: expected a power of two"), std::string::npos) << msg;
}

TEST(plan_spec, BooleansAreChecked) {
  std::string msg = error_of(edit("  max_tp: 4", "  api: maybe"));
  EXPECT_NE(msg.find("constraints.api: expected true or false"), std::string::npos) << msg;
}

TEST(plan_spec, NothingToPlanIsAnError) {
  std::string msg =
      error_of(edit("  max_tp: 4", "  api: false\n  self_hosting: false\n  serverless: false"));
  EXPECT_NE(msg.find("there is nothing to plan"), std::string::npos) << msg;
}

TEST(plan_spec, DataResidencyIsChecked) {
  std::string msg = error_of(edit("  max_tp: 4", "  data_residency: eu"));
  EXPECT_NE(msg.find("constraints.data_residency: expected one of any, on-prem, found \"eu\""),
            std::string::npos)
      << msg;
}

TEST(plan_spec, DuplicateKeyIsAnError) {
  std::string msg = error_of(edit("  average_qps: 5", "  average_qps: 5\n  average_qps: 6"));
  EXPECT_NE(msg.find("traffic.average_qps: appears twice"), std::string::npos) << msg;
}

TEST(plan_spec, SyntaxErrorHasALine) {
  std::string msg = error_of("model: x\ntraffic: [1, 2\n");
  EXPECT_NE(msg.find("spec.yaml:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("invalid YAML"), std::string::npos) << msg;
}

TEST(plan_spec, SectionMustBeAMap) {
  std::string msg = error_of(edit("budget:\n  monthly_usd: 8000", "budget: 8000"));
  EXPECT_EQ(msg, "spec.yaml:13:9: budget: expected a map, found \"8000\"");
}

TEST(plan_spec, TierRanksOrderQuality) {
  EXPECT_LT(tier_rank("small"), tier_rank("fast"));
  EXPECT_LT(tier_rank("fast"), tier_rank("strong"));
  EXPECT_LT(tier_rank("strong"), tier_rank("Frontier"));
  EXPECT_EQ(tier_rank(""), -1);
}

}  // namespace
}  // namespace llmctl::plan
