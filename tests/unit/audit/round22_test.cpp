// Round 22 of the real-world audit: the false classes of round 21's held-out set, in general form.
// (a) A container whose image's own name (or the one variable an unexpanded image is) says it is
//     a simulator or mock of an engine (llm-d-inference-sim, vllm-sim, ${VLLM_SIMULATOR_IMAGE}),
//     or whose command is `llmctl mock`, is no model server: no serving, probe, capacity or GPU
//     rule judges it. A workload's name alone is not evidence, and a command that starts the
//     engine itself still is the engine.
// (b) LLM003 does not judge the legacy completions API (/v1/completions, Completion.create,
//     CreateCompletion, litellm.text_completion), whose max_tokens defaults to 16; chat calls and
//     raw bodies to /chat/completions are still judged.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "audit/audit.h"
#include "audit_test_util.h"

namespace llmctl::audit {
namespace {

using test::cat;
using test::run;
using test::selects;
using test::with_rule;

std::vector<std::string> serving_rules(const std::vector<Finding>& fs) {
  std::vector<std::string> out;
  for (const auto& f : fs)
    if (selects("K8S", f.rule) || selects("CAP", f.rule)) out.push_back(f.rule);
  return out;
}

// A Deployment `name` with one container running `image` with the given args (YAML list items),
// no GPU limit, no probes, no preStop, one replica: a real vLLM so written gets K8S001 and more.
std::string deployment(std::string_view name, std::string_view image, std::string_view args) {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + std::string(name) +
         "\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: " + std::string(name) +
         "\n  template:\n    metadata:\n      labels:\n        app: " + std::string(name) +
         "\n    spec:\n      containers:\n      - name: " + std::string(name) +
         "\n        image: " + std::string(image) + "\n        args:\n" + std::string(args) +
         "        ports:\n        - containerPort: 8000\n";
}

constexpr std::string_view kSimArgs =
    "        - \"--model\"\n        - \"${MODEL_NAME}\"\n        - \"--port\"\n"
    "        - \"8000\"\n";

constexpr std::string_view kServeArgs =
    "        - \"--model\"\n        - \"Qwen/Qwen2.5-7B-Instruct\"\n        - \"--port\"\n"
    "        - \"8000\"\n";

// (a) The held-out file's shape: image ${VLLM_SIMULATOR_IMAGE}, Deployment and container vllm-sim,
// vLLM's flags: no finding of the serving rules.
TEST(Round22Simulator, VariableNamedForASimulatorIsNoEngine) {
  auto fs =
      run("deploy/deployments.yaml", deployment("vllm-sim", "${VLLM_SIMULATOR_IMAGE}", kSimArgs));
  EXPECT_TRUE(serving_rules(fs).empty()) << ::testing::PrintToString(serving_rules(fs));
}

TEST(Round22Simulator, SimulatorImagesByNameAreNoEngine) {
  for (std::string_view image :
       {"ghcr.io/llm-d/llm-d-inference-sim:v0.5.0", "acme/vllm-sim:latest",
        "registry.local/vllm-simulator", "acme/sglang-mock:1.0", "$(FAKE_VLLM_IMAGE)",
        "${VLLM_SIM_IMAGE:-ghcr.io/llm-d/llm-d-inference-sim:latest}"}) {
    auto fs = run("deploy/sim.yaml", deployment("llm", image, kServeArgs));
    EXPECT_TRUE(serving_rules(fs).empty())
        << image << ": " << ::testing::PrintToString(serving_rules(fs));
  }
}

TEST(Round22Simulator, LlmctlMockIsNoEngine) {
  std::string text = deployment("vllm", "vllm/vllm-openai:v0.8.5",
                                "        - \"llmctl\"\n        - \"mock\"\n"
                                "        - \"--port\"\n        - \"8000\"\n");
  auto fs = run("deploy/mock.yaml", text);
  EXPECT_TRUE(serving_rules(fs).empty()) << ::testing::PrintToString(serving_rules(fs));
}

// The counter-cases: a Deployment named vllm-sim that runs the real engine image is judged
// (the workload's name is no evidence), and so is a simulator-named image whose command starts
// the engine itself.
TEST(Round22Simulator, NameAloneOrAnEngineCommandStaysJudged) {
  auto real =
      run("deploy/real.yaml", deployment("vllm-sim", "vllm/vllm-openai:v0.8.5", kServeArgs));
  EXPECT_EQ(with_rule(real, "K8S001").size(), 1u) << ::testing::PrintToString(serving_rules(real));
  std::string serve = deployment("llm", "acme/vllm-sim:latest",
                                 "        - \"vllm\"\n        - \"serve\"\n"
                                 "        - \"Qwen/Qwen2.5-7B-Instruct\"\n");
  auto fs = run("deploy/serve.yaml", serve);
  EXPECT_EQ(with_rule(fs, "K8S001").size(), 1u) << ::testing::PrintToString(serving_rules(fs));
  // A variable whose name says nothing about a simulator is still read from its flags.
  auto var = run("deploy/var.yaml", deployment("llm", "${VLLM_IMAGE}", kServeArgs));
  EXPECT_EQ(with_rule(var, "K8S001").size(), 1u) << ::testing::PrintToString(serving_rules(var));
  // "simple" and "sima" are not the word sim.
  auto simple = run("deploy/simple.yaml", deployment("llm", "acme/simple-vllm:1", kServeArgs));
  EXPECT_EQ(with_rule(simple, "K8S001").size(), 1u)
      << ::testing::PrintToString(serving_rules(simple));
}

// (b) The held-out file's shape: a requests body without max_tokens to /v1/completions.
TEST(Round22Completions, RawLegacyCompletionsBodyIsNotJudged) {
  std::string py =
      "import requests\n\nMODEL = \"m\"\n\ndef ask(prompt):\n"
      "    headers = {\"Content-Type\": \"application/json\"}\n"
      "    payload = {\n        \"model\": MODEL,\n        \"prompt\": prompt,\n"
      "        \"temperature\": 0.0,\n    }\n"
      "    response = requests.post(\"http://localhost:8000/v1/completions\", headers=headers, "
      "json=payload, timeout=60)\n"
      "    return response.json()[\"choices\"][0][\"text\"]\n";
  auto fs = run("generator_llms/local.py", py);
  EXPECT_TRUE(with_rule(fs, "LLM003").empty());
  // The same body to /v1/chat/completions with messages is judged.
  std::string chat = py;
  chat.replace(chat.find("/v1/completions"), 15, "/v1/chat/completions");
  chat.replace(chat.find("\"prompt\": prompt"), 16, "\"messages\": prompt");
  auto c = run("generator_llms/local_chat.py", chat);
  EXPECT_EQ(with_rule(c, "LLM003").size(), 1u);
  // An Azure deployment's completions path, with a query string, is the legacy API too.
  std::string azure = py;
  azure.replace(azure.find("http://localhost:8000/v1/completions"), 36,
                "https://x.openai.azure.com/openai/deployments/d/completions?api-version=1");
  EXPECT_TRUE(with_rule(run("generator_llms/azure.py", azure), "LLM003").empty());
}

TEST(Round22Completions, SdkLegacyCompletionsAreNotJudged) {
  std::string legacy =
      "import openai\n\ndef ask(p):\n"
      "    return openai.Completion.create(model=\"gpt-3.5-turbo-instruct\", prompt=p, "
      "timeout=30)\n";
  EXPECT_TRUE(with_rule(run("app/legacy.py", legacy), "LLM003").empty());
  std::string lite =
      "import litellm\n\ndef ask(p):\n"
      "    return litellm.text_completion(model=\"gpt-3.5-turbo-instruct\", prompt=p, "
      "timeout=30)\n";
  EXPECT_TRUE(with_rule(run("app/lite.py", lite), "LLM003").empty());
  // The chat calls beside them are still judged.
  std::string chat =
      "import openai\n\ndef ask(p):\n"
      "    return openai.ChatCompletion.create(model=\"gpt-4o\", messages=p, timeout=30)\n";
  EXPECT_EQ(with_rule(run("app/chat.py", chat), "LLM003").size(), 1u);
  std::string lchat =
      "import litellm\n\ndef ask(p):\n"
      "    return litellm.completion(model=\"gpt-4o\", messages=p, timeout=30)\n";
  EXPECT_EQ(with_rule(run("app/lchat.py", lchat), "LLM003").size(), 1u);
}

}  // namespace
}  // namespace llmctl::audit
