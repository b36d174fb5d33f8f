// Which catalog model a served model name is. A name loses only qualifiers of the same weights
// (-FP8, -AWQ, -Instruct, -2407, -v0.3) on its way to a catalog id; any other word names another
// model. Round 12's held-out set had vllm serving deepseek-ai/DeepSeek-R1-Distill-Qwen-7B on one
// GPU, resolved (by stripping -7B, -Qwen and -Distill) to the 671B DeepSeek-R1 and reported as a
// CAP001 error "does not fit": the distilled model is a 7B Qwen, not in the catalog.
#include <gtest/gtest.h>

#include <algorithm>

#include "audit/audit.h"
#include "audit_test_util.h"

namespace llmctl::audit {
namespace {

using test::cat;

// The capacity findings (CAP001 does not fit, CAP005 not in the catalog) of a one-GPU vLLM
// Deployment serving `model`.
std::vector<std::string> capacity(std::string_view model) {
  const std::string text = std::string(R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: llm
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.11.0
          args: ["--model", ")") +
                           std::string(model) + R"(", "--max-model-len", "8192"]
          resources:
            limits:
              nvidia.com/gpu: 1
      nodeSelector:
        nvidia.com/gpu.product: NVIDIA-H100-80GB-HBM3
)";
  Auditor a(cat(), {});
  FileResult r = a.audit_file("llm.yaml", "llm.yaml", text);
  std::vector<Finding> all = r.findings;
  for (auto& f : a.finish(r.facts)) all.push_back(f);
  std::vector<std::string> out;
  for (const auto& f : all)
    if (f.rule == "CAP001" || f.rule == "CAP005") out.push_back(f.rule);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ModelNames, ADistilledModelIsNotItsTeacher) {
  EXPECT_EQ(capacity("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"),
            std::vector<std::string>{"CAP005"});
  // A distilled model the catalog lists, under its own architecture (an alias of the Llama 70B
  // it was distilled into): 140 GB of bf16 weights do not fit one H100, and that is true.
  EXPECT_EQ(capacity("deepseek-ai/DeepSeek-R1-Distill-Llama-70B"),
            std::vector<std::string>{"CAP001"});
  EXPECT_EQ(capacity("Qwen/Qwen2.5-Coder-7B-Instruct"), std::vector<std::string>{"CAP005"});
}

TEST(ModelNames, QualifiersOfTheSameWeightsStillResolve) {
  // The 671B teacher itself does not fit one H100; a re-upload with a date or format suffix is
  // still it; an 8B model with a quantisation suffix fits.
  EXPECT_EQ(capacity("deepseek-ai/DeepSeek-R1"), std::vector<std::string>{"CAP001"});
  EXPECT_EQ(capacity("deepseek-ai/DeepSeek-R1-0528"), std::vector<std::string>{"CAP001"});
  EXPECT_EQ(capacity("RedHatAI/Meta-Llama-3.1-8B-Instruct-FP8-dynamic"),
            std::vector<std::string>{});
  EXPECT_EQ(capacity("mistralai/Mistral-7B-Instruct-v0.3"), std::vector<std::string>{});
}

}  // namespace
}  // namespace llmctl::audit
