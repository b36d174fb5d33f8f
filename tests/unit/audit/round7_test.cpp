// Round 7 of the real-world audit: the general forms of round 6's held-out false classes and its
// miss. An image is a model server when its repository name is the engine's build as a whole
// (vllm-openai, vllm-openai-rocm, sglang) or its container shows the engine (a flag the engine
// takes, an environment variable it reads); an application named after the engine it calls
// (gradio-rag-milvus-vllm-openai) is neither. A loop whose growing delay is compared with a
// ceiling is bounded, and a loop that repeats only when the LLM call raises is a retry loop, not
// an agent loop. A dated snapshot the provider has shut down is LLM004.
#include <gtest/gtest.h>

#include <algorithm>

#include "audit/audit.h"
#include "audit_test_util.h"

namespace llmctl::audit {
namespace {

using test::cat;
using test::ids;
using test::run;

constexpr std::string_view kDeployment = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: team}
spec:
  replicas: 1
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers:
      - name: server
        image: IMAGE
        CONTAINER
)";

std::vector<std::string> k8s(std::string_view image, std::string_view container) {
  std::string t(kDeployment);
  t.replace(t.find("IMAGE"), 5, image);
  t.replace(t.find("CONTAINER"), 9, container);
  return ids(run("deploy/app.yaml", t), {"K8S001", "K8S005", "K8S017", "K8S020"});
}

TEST(Round7, ApplicationImageNamedAfterAnEngineIsNotAModelServer) {
  const std::string_view app =
      "env: [{name: INFERENCE_SERVER_URL, value: 'http://vllm:8000/v1'}]\n"
      "        ports: [{containerPort: 7860}]";
  // Before round 7 each of these was a vLLM/SGLang server: K8S001 (no GPU limit), K8S005, K8S017.
  EXPECT_EQ(k8s("quay.io/acme/gradio-rag-milvus-vllm-openai:latest", app),
            std::vector<std::string>{});
  EXPECT_EQ(k8s("ghcr.io/acme/sglang-chat-ui:latest", app), std::vector<std::string>{});
  EXPECT_EQ(k8s("acme/streamlit-vllm-demo:1.0", app), std::vector<std::string>{});
}

TEST(Round7, EngineBuildsAndEngineContainersStayModelServers) {
  const std::string_view none = "ports: [{containerPort: 8000}]";
  // The engine's own builds: every other word of the name is a build word or a version.
  for (std::string_view image :
       {"vllm/vllm-openai:latest", "rocm/vllm-dev:latest", "acme/vllm-openai-ubi9:latest",
        "lmsysorg/sglang:latest", "acme/ray-2.41.0-py310-cu118-vllm0.7.0:latest"}) {
    auto got = k8s(image, none);
    EXPECT_NE(std::find(got.begin(), got.end(), "K8S005@12"), got.end()) << image;
  }
  // A name with other words still runs the engine when the container shows it.
  auto flags = k8s("acme/chat-vllm-server:latest",
                   "args: [--model, Qwen/Qwen2.5-7B-Instruct, --max-model-len, \"8192\"]");
  EXPECT_NE(std::find(flags.begin(), flags.end(), "K8S005@12"), flags.end());
  auto env = k8s("acme/chat-vllm-server:latest", "env: [{name: VLLM_USE_V1, value: '1'}]");
  EXPECT_NE(std::find(env.begin(), env.end(), "K8S005@12"), env.end());
}

TEST(Round7, DelayCeilingBoundsALoop) {
  const std::string py = R"(import time
from openai import OpenAI
client = OpenAI(timeout=30, max_retries=0)
RETRY_TIMEOUT = 60

def ask(messages):
    delay = 0.125
    while True:
        r = client.chat.completions.create(model="gpt-4o-2024-08-06", messages=messages,
                                           max_tokens=100)
        if r.choices[0].finish_reason == "stop":
            return r
        delay *= 2
        if delay > RETRY_TIMEOUT:
            raise TimeoutError()
        time.sleep(delay)
)";
  EXPECT_EQ(ids(run("app/ask.py", py), {"LLM008"}), std::vector<std::string>{});
  // Without the ceiling the model's own output is the only exit: an agent loop.
  std::string open = py;
  open.erase(
      open.find("        if delay > RETRY_TIMEOUT:"),
      std::string("        if delay > RETRY_TIMEOUT:\n            raise TimeoutError()\n").size());
  EXPECT_EQ(ids(run("app/ask.py", open), {"LLM008"}), std::vector<std::string>{"LLM008@8"});
}

TEST(Round7, LoopThatRepeatsOnlyOnFailureIsARetryLoop) {
  const std::string py = R"(import time
from openai import OpenAI, APIError
client = OpenAI(timeout=30, max_retries=0)

def ask(messages):
    while True:
        try:
            r = client.chat.completions.create(model="gpt-4o-2024-08-06", messages=messages,
                                               max_tokens=100)
            return r.choices[0].message.content
        except APIError:
            time.sleep(1)
            continue
)";
  EXPECT_EQ(ids(run("app/ask.py", py), {"LLM008"}), std::vector<std::string>{});
  // The same loop that feeds the answer back instead of returning it is an agent loop.
  std::string agent = py;
  agent.replace(agent.find("            return r.choices[0].message.content"),
                std::string("            return r.choices[0].message.content").size(),
                "            messages.append(r.choices[0].message)");
  EXPECT_EQ(ids(run("app/ask.py", agent), {"LLM008"}), std::vector<std::string>{"LLM008@6"});
  // A return only under a condition does not make it a retry loop.
  std::string cond = py;
  cond.replace(cond.find("            return r.choices"), 12,
               "            if not r.choices[0].message.tool_calls:\n                return");
  EXPECT_EQ(ids(run("app/ask.py", cond), {"LLM008"}), std::vector<std::string>{"LLM008@6"});
}

TEST(Round7, RetiredSnapshotIsLlm004) {
  auto on = [](std::string_view model) {
    std::string ts = R"(import OpenAI from "openai";
const openai = new OpenAI({ timeout: 30000 });
export async function run(prompt: string) {
  return openai.chat.completions.create({
    model: "MODEL",
    max_tokens: 100,
    messages: [{ role: "user", content: prompt }],
  });
}
)";
    ts.replace(ts.find("MODEL"), 5, model);
    return ids(run("app/api/run.ts", ts), {"LLM004"});
  };
  EXPECT_EQ(on("gpt-4-1106-preview"), std::vector<std::string>{"LLM004@5"});
  EXPECT_EQ(on("gpt-4-0613"), std::vector<std::string>{"LLM004@5"});
  EXPECT_EQ(on("gpt-4o-2024-08-06"), std::vector<std::string>{});
  EXPECT_EQ(on("gpt-4.1-2025-04-14"), std::vector<std::string>{});
}

}  // namespace
}  // namespace llmctl::audit
