// Round 21 of the real-world audit: the false classes of round 20's held-out set, in general form.
// (a) Every engine's quantisation setting (TGI --quantize / QUANTIZE, vLLM and SGLang
//     --quantization, TRT-LLM --qformat, GGUF types in a checkpoint's name) maps to the perf
//     model's weight dtype in one table (catalog_match.cpp kQuantNames); the capacity rules size
//     with it, and a quantisation whose width the setting does not fix is judged only at 2 bits per
//     parameter (CAP001 fires only if even that cannot fit; CAP002-CAP004 abstain).
// (b) The one placeholder table (audit.cpp kNotASecret) holds the values that say a key is not
//     needed or unused (not-used, unused, not-needed, no-key, ...), for every rule that judges a
//     literal credential (GW003, K8S006, the code rules); a master key stays judged.
// (c) LLM001's message for a fetch says what the runtime does: Node's undici gives up after 300 s
//     without headers or between body chunks, browsers and Workers set no deadline; requests,
//     axios and Go's default client wait forever.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "audit/audit.h"
#include "audit/facts/serving.h"
#include "audit/internal.h"
#include "audit_test_util.h"

namespace llmctl::audit {
namespace {

using test::cat;
using test::run;
using test::with_rule;

// A TGI Deployment on n L4s (GKE node selector) with the given env lines.
std::string tgi_on_l4(std::string_view model, int shards, std::string_view extra_env) {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: llm\nspec:\n  replicas: 1\n"
         "  selector:\n    matchLabels: {app: llm}\n  template:\n    metadata:\n"
         "      labels: {app: llm}\n    spec:\n      nodeSelector:\n"
         "        cloud.google.com/gke-accelerator: nvidia-l4\n      containers:\n"
         "      - name: llm\n        image: ghcr.io/huggingface/text-generation-inference:2.4.1\n"
         "        resources:\n          limits:\n            nvidia.com/gpu: \"" +
         std::to_string(shards) +
         "\"\n        env:\n        - name: MODEL_ID\n          value: " + std::string(model) +
         "\n        - name: NUM_SHARD\n          value: \"" + std::to_string(shards) + "\"\n" +
         std::string(extra_env);
}

// A vLLM Deployment on n GPUs of the given GKE accelerator with extra args.
std::string vllm_on(std::string_view accel, std::string_view model, int gpus,
                    std::string_view args) {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: vllm\nspec:\n  replicas: 1\n"
         "  selector:\n    matchLabels: {app: vllm}\n  template:\n    metadata:\n"
         "      labels: {app: vllm}\n    spec:\n      nodeSelector:\n"
         "        cloud.google.com/gke-accelerator: " +
         std::string(accel) +
         "\n      containers:\n      - name: vllm\n        image: vllm/vllm-openai:v0.8.5\n"
         "        args: [\"--model\", \"" +
         std::string(model) + "\", \"--tensor-parallel-size\", \"" + std::to_string(gpus) +
         "\", \"--max-model-len\", \"4096\"" + std::string(args) +
         "]\n        resources:\n          limits:\n            nvidia.com/gpu: \"" +
         std::to_string(gpus) + "\"\n";
}

// (a) The one table: what each engine's value names.
TEST(AuditRound21, QuantisationTableMapsEachEnginesValues) {
  using detail::quantization_dtype;
  EXPECT_EQ(quantization_dtype("tgi", "bitsandbytes-nf4"), "int4");
  EXPECT_EQ(quantization_dtype("tgi", "bitsandbytes-fp4"), "int4");
  EXPECT_EQ(quantization_dtype("tgi", "bitsandbytes"), "int8");  // LLM.int8
  EXPECT_EQ(quantization_dtype("tgi", "eetq"), "int8");
  EXPECT_EQ(quantization_dtype("tgi", "AWQ"), "int4");  // case-insensitive
  EXPECT_EQ(quantization_dtype("tgi", "marlin"), "int4");
  EXPECT_EQ(quantization_dtype("tgi", "fp8"), "fp8");
  EXPECT_EQ(quantization_dtype("vllm", "gptq_marlin"), "int4");
  EXPECT_EQ(quantization_dtype("vllm", "modelopt_fp4"), "fp4");
  EXPECT_EQ(quantization_dtype("sglang", "w8a8_int8"), "int8");
  EXPECT_EQ(quantization_dtype("trtllm", "int4_awq"), "int4");
  // The checkpoint decides the width: known setting, unknown size.
  EXPECT_EQ(quantization_dtype("vllm", "bitsandbytes"), "");
  EXPECT_EQ(quantization_dtype("tgi", "exl2"), "");
  EXPECT_EQ(quantization_dtype("vllm", "compressed-tensors"), "");
  // Not in the table at all.
  EXPECT_EQ(quantization_dtype("vllm", "my-new-scheme"), std::nullopt);
}

// (a) Round 20's false error: a 4-bit Llama-2-70B on 2 x L4 (GKE's tutorial layout) fits.
TEST(AuditRound21, TgiQuantizeEnvSizesTheWeights) {
  const std::string nf4 =
      tgi_on_l4("meta-llama/Llama-2-70b-chat-hf", 2,
                "        - name: QUANTIZE\n          value: bitsandbytes-nf4\n");
  EXPECT_TRUE(with_rule(run("k8s/tgi.yaml", nf4), "CAP001").empty());
  // The same pod in bf16 cannot fit (130 GiB over two 22.5 GiB cards): the rule still fires.
  const auto bf16 =
      with_rule(run("k8s/tgi.yaml", tgi_on_l4("meta-llama/Llama-2-70b-chat-hf", 2, "")), "CAP001");
  ASSERT_EQ(bf16.size(), 1u);
  EXPECT_EQ(bf16[0].severity, Severity::kError);
  // LLM.int8 (TGI's plain bitsandbytes) halves bf16: 70B still needs ~33 GiB per L4.
  const auto int8 = with_rule(
      run("k8s/tgi.yaml", tgi_on_l4("meta-llama/Llama-2-70b-chat-hf", 2,
                                    "        - name: QUANTIZE\n          value: bitsandbytes\n")),
      "CAP001");
  ASSERT_EQ(int8.size(), 1u);
  EXPECT_NE(int8[0].message.find("QUANTIZE=bitsandbytes"), std::string::npos) << int8[0].message;
}

// (a) The flag form (--quantize) reads through the same table as the env form.
TEST(AuditRound21, TgiQuantizeFlagSizesTheWeights) {
  std::string y = tgi_on_l4("meta-llama/Llama-2-70b-chat-hf", 2, "");
  y += "        args: [\"--quantize\", \"bitsandbytes-nf4\"]\n";
  EXPECT_TRUE(with_rule(run("k8s/tgi.yaml", y), "CAP001").empty());
}

// (a) A quantisation whose width the setting does not fix: CAP001 only when even 2 bits per
// parameter cannot fit.
TEST(AuditRound21, UnknownWidthIsJudgedAtTheSmallestPlausibleSize) {
  // 70B at 2 bits is ~16 GiB: it might fit one L4, so nothing is claimed.
  const auto maybe =
      run("k8s/vllm.yaml", vllm_on("nvidia-l4", "meta-llama/Llama-3.1-70B-Instruct", 1,
                                   ", \"--quantization\", \"compressed-tensors\""));
  EXPECT_TRUE(with_rule(maybe, "CAP001").empty());
  EXPECT_TRUE(with_rule(maybe, "CAP002").empty());  // the KV estimate needs the real size
  // 405B at 2 bits is ~94 GiB: no single L4 holds it whatever the checkpoint is.
  const auto never =
      with_rule(run("k8s/vllm.yaml", vllm_on("nvidia-l4", "meta-llama/Llama-3.1-405B-Instruct", 1,
                                             ", \"--quantization\", \"bitsandbytes\"")),
                "CAP001");
  ASSERT_EQ(never.size(), 1u);
  EXPECT_NE(never[0].message.find("even at 2 bits"), std::string::npos) << never[0].message;
  // A value the table lacks is sized the same way, not as bf16.
  EXPECT_TRUE(
      with_rule(run("k8s/vllm.yaml", vllm_on("nvidia-l4", "meta-llama/Llama-3.1-70B-Instruct", 1,
                                             ", \"--quantization\", \"some-new-4bit-scheme\"")),
                "CAP001")
          .empty());
}

// (a) A known 4-bit setting sizes exactly: AWQ 70B on one L4 (~34 GiB) cannot fit, on two
// A100-80GB it fits.
TEST(AuditRound21, KnownWidthSizesExactly) {
  EXPECT_EQ(with_rule(run("k8s/vllm.yaml", vllm_on("nvidia-l4", "meta-llama/Llama-3.1-70B-Instruct",
                                                   1, ", \"--quantization\", \"awq\"")),
                      "CAP001")
                .size(),
            1u);
  EXPECT_TRUE(with_rule(run("k8s/vllm.yaml",
                            vllm_on("nvidia-a100-80gb", "meta-llama/Llama-3.1-70B-Instruct", 1,
                                    ", \"--quantization\", \"awq\"")),
                        "CAP001")
                  .empty());
}

// (b) The placeholder words that say a key is unused are no credential for any rule.
TEST(AuditRound21, UnusedKeyWordsAreNoSecret) {
  for (std::string_view v : {"not-used", "NOT_USED", "unused-key", "not-needed",
                             "sk-no-key-required", "no-key-needed", "lm-studio", "noauth-local"})
    EXPECT_FALSE(detail::looks_like_secret(v)) << v;
  // A real-looking token still is one.
  EXPECT_TRUE(detail::looks_like_secret("q8Zt2LmX9vR4kPw7"));
}

TEST(AuditRound21, LiteLlmUnusedApiKeyIsNoLiteral) {
  const char* cfg = R"(model_list:
  - model_name: llama
    litellm_params:
      model: openai/meta-llama/Llama-3.1-8B-Instruct
      api_base: http://vllm-server:8000/v1
      api_key: "not-used"
  - model_name: llama
    litellm_params:
      model: openai/meta-llama/Llama-3.1-8B-Instruct
      api_base: http://vllm-server-2:8000/v1
      api_key: "unused"
litellm_settings:
  request_timeout: 60
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
)";
  EXPECT_TRUE(with_rule(run("litellm/config.yaml", cfg), "GW003").empty());
  // A key-looking literal to the same non-local server is still reported.
  std::string real = cfg;
  real.replace(real.find("\"unused\""), 8, "\"q8Zt2LmX9vR4kPw7\"");
  EXPECT_EQ(with_rule(run("litellm/config.yaml", real), "GW003").size(), 1u);
  // The master key is the gateway's own credential: any literal is one, whatever it says.
  std::string master = cfg;
  master.replace(master.find("os.environ/LITELLM_MASTER_KEY"), 29, "not-used");
  EXPECT_EQ(with_rule(run("litellm/config.yaml", master), "GW003").size(), 1u);
}

TEST(AuditRound21, EnvUnusedKeyIsNoSecret) {
  const char* compose = R"(services:
  app:
    image: ghcr.io/example/chat-app:1.2
    environment:
      OPENAI_API_BASE: http://vllm:8000/v1
      OPENAI_API_KEY: not-needed
)";
  EXPECT_TRUE(with_rule(run("compose.yaml", compose), "K8S006").empty());
}

// (c) LLM001 says what a fetch without a signal does where the file runs.
TEST(AuditRound21, FetchTimeoutMessageFollowsTheRuntime) {
  const char* node = R"(const key = process.env.OPENAI_API_KEY;
export async function ask(messages) {
  const r = await fetch("https://api.openai.com/v1/chat/completions", {
    method: "POST",
    headers: { Authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: "gpt-4o-mini", messages, max_tokens: 200 }),
  });
  return r.json();
}
)";
  auto n = with_rule(run("src/api/ask.ts", node), "LLM001");
  ASSERT_EQ(n.size(), 1u);
  EXPECT_NE(n[0].message.find("undici"), std::string::npos) << n[0].message;
  EXPECT_NE(n[0].message.find("300 s"), std::string::npos) << n[0].message;
  EXPECT_EQ(n[0].message.find("forever"), std::string::npos) << n[0].message;

  const char* worker = R"(export default {
  async fetch(request, env) {
    const r = await fetch("https://api.openai.com/v1/chat/completions", {
      method: "POST",
      headers: { Authorization: `Bearer ${env.KEY}` },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [], max_tokens: 10 }),
    });
    return r;
  },
};
)";
  auto w = with_rule(run("src/worker.ts", worker), "LLM001");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].message.find("Worker"), std::string::npos) << w[0].message;

  // The file does not say where it runs: both defaults are named.
  std::string plain = node;
  plain.replace(plain.find("process.env.OPENAI_API_KEY"), 26, "globalThis.KEY");
  auto u = with_rule(run("src/ask.ts", plain), "LLM001");
  ASSERT_EQ(u.size(), 1u);
  EXPECT_NE(u[0].message.find("in Node"), std::string::npos) << u[0].message;
  EXPECT_NE(u[0].message.find("browsers"), std::string::npos) << u[0].message;

  // requests has no default at all.
  const char* py = R"(import os
import requests

def ask(messages):
    return requests.post("https://api.openai.com/v1/chat/completions",
                         headers={"Authorization": "Bearer " + os.environ["K"]},
                         json={"model": "gpt-4o-mini", "messages": messages, "max_tokens": 9})
)";
  auto p = with_rule(run("app/ask.py", py), "LLM001");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].message.find("requests waits forever"), std::string::npos) << p[0].message;
}

}  // namespace
}  // namespace llmctl::audit
