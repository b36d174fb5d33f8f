// Round 18 of the real-world audit: two debatable classes of round 17's held-out set, in
// general form.
// (a) K8S006 (a literal secret, an error) read a documentation sample key (vLLM's docs'
//     `--api-key token-abc123`) as a leaked credential. A key an engine's or a gateway's own
//     documentation prints as its example is no leak but protects nothing: it is reported as a
//     warning that names it a publicly known sample key. Placeholders (changeme, your-api-key,
//     <...>, EMPTY, dummy) stay unreported. Both live in one table (audit.cpp kNotASecret).
// (b) A call whose arguments are placeholder tokens (messages="<messages>", prompt=...,
//     model=YOUR_MODEL) is a teaching fragment that does not run as written: the code rules
//     abstain on it. A real program whose strings merely contain angle brackets (HTML, an
//     f-string, chat-template special tokens) is still judged.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>

#include "audit/audit.h"
#include "audit_test_util.h"

namespace llmctl::audit {
namespace {

using test::cat;
using test::first;
using test::ids;
using test::run;

using V = std::vector<std::string>;

// A KServe-style vLLM container whose line 10 is `- --api-key=<key>`.
std::string deployment(std::string_view key) {
  return std::string(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: vllm}
spec:
  template:
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.11.0
          args: [--model, google/gemma-3-4b-it, --max-model-len, "8192", --api-key, ")") +
         std::string(key) + R"("]
          resources: {limits: {nvidia.com/gpu: 1}}
)";
}

TEST(Round18SampleKeys, VllmDocsSampleKeyIsAWarningThatSaysWhatItIs) {
  auto fs = run("deploy/vllm.yaml", deployment("token-abc123"));
  ASSERT_EQ(ids(fs, "K8S006"), V{"K8S006@10"});
  const Finding* f = first(fs, "K8S006");
  EXPECT_EQ(f->severity, Severity::kWarning);
  EXPECT_NE(f->message.find("sample key 'token-abc123'"), std::string::npos) << f->message;
  EXPECT_NE(f->message.find("vLLM's documentation"), std::string::npos) << f->message;
  EXPECT_EQ(f->message.find("literal API key"), std::string::npos) << f->message;
}

TEST(Round18SampleKeys, AKeyOfTheDeploymentsOwnIsStillAnError) {
  // The dev set's true finding: a real-looking key on the command line.
  auto fs = run("deploy/vllm.yaml", deployment("sk-kFJ12nQz7Lp0RtX9"));
  ASSERT_EQ(ids(fs, "K8S006"), V{"K8S006@10"});
  EXPECT_EQ(first(fs, "K8S006")->severity, Severity::kError);
  // A key that merely starts like the sample is not the sample.
  auto near = run("deploy/vllm.yaml", deployment("token-abc123-Qm4ZrTb8"));
  ASSERT_EQ(ids(near, "K8S006"), V{"K8S006@10"});
  EXPECT_EQ(first(near, "K8S006")->severity, Severity::kError);
}

TEST(Round18SampleKeys, PlaceholdersAreNotReported) {
  for (std::string_view p :
       {"changeme-please", "your-api-key", "<api-key>", "EMPTY-KEY-HERE", "dummy-key-1234"})
    EXPECT_EQ(ids(run("deploy/vllm.yaml", deployment(p)), "K8S006"), V{}) << p;
}

TEST(Round18SampleKeys, SampleKeyInAnAppContainersEnvIsAWarning) {
  // A compose app service (not the engine) handed LiteLLM's documented master key.
  constexpr std::string_view kCompose = R"(services:
  app:
    image: ghcr.io/acme/chat-ui:1.2.0
    environment:
      - OPENAI_API_KEY=sk-1234
      - LITELLM_MASTER_KEY=sk-1234
)";
  auto fs = run("docker-compose.yml", kCompose);
  // OPENAI_API_KEY names OpenAI: sk-1234 has no OpenAI key shape and is a sample anyway;
  // LITELLM_MASTER_KEY names no provider: the sample is said to be one.
  for (const auto& f : fs)
    if (f.rule == "K8S006") {
      EXPECT_EQ(f.severity, Severity::kWarning) << f.message;
      EXPECT_NE(f.message.find("LiteLLM's documentation"), std::string::npos) << f.message;
    }
}

// (b) A teaching fragment: the held-out file's shape.
constexpr std::string_view kFragment = R"(import os
from openai import OpenAI

client = OpenAI(
    api_key=os.getenv("OPENAI_API_KEY")
)

chat_completion = client.chat.completions.create(
    model="gpt-4",
    messages="<messages>"
)
)";

TEST(Round18Fragments, PlaceholderArgumentsMakeAFragmentTheCodeRulesAbstainOn) {
  auto fs = run("ai-101/openai-fragment.py", kFragment);
  EXPECT_EQ(ids(fs, "LLM001"), V{});
  EXPECT_EQ(ids(fs, "LLM003"), V{});
  EXPECT_EQ(ids(fs, "LLM004"), V{});
  // The other placeholder forms: Python's Ellipsis, YOUR_... names and strings, and a
  // placeholder inside the messages list.
  for (std::string_view args :
       {"model=\"gpt-4o\", messages=...", "model=YOUR_MODEL, messages=messages",
        "model=\"YOUR_DEPLOYMENT_NAME\", messages=messages",
        "model=\"gpt-4o\", messages=[{\"role\": \"user\", \"content\": \"<your prompt>\"}]"}) {
    std::string text =
        "from openai import OpenAI\nclient = OpenAI()\n\ndef ask(messages):\n"
        "    return client.chat.completions.create(" +
        std::string(args) + ")\n";
    auto r = run("app/ask.py", text);
    EXPECT_EQ(ids(r, "LLM001"), V{}) << args;
    EXPECT_EQ(ids(r, "LLM003"), V{}) << args;
  }
}

TEST(Round18Fragments, RealProgramsWithAngleBracketsAreStillJudged) {
  // The same call with real arguments: judged.
  std::string real(kFragment);
  real.replace(real.find("\"<messages>\""), 12, "[{\"role\": \"user\", \"content\": q}]");
  auto fs = run("app/chat.py", "def serve(q):\n    pass\n" + real);
  EXPECT_EQ(ids(fs, "LLM003").size(), 1u);
  // HTML, an f-string and chat-template special tokens are text, not placeholders.
  for (std::string_view content :
       {"\"<div>hello</div>\"", "f\"<b>{name}</b>\"", "\"<|im_start|>\"", "\"<br/>\""}) {
    std::string text =
        "from openai import OpenAI\nclient = OpenAI()\n\ndef ask(name):\n"
        "    return client.chat.completions.create(model=\"gpt-4o-2024-08-06\", "
        "messages=[{\"role\": \"user\", \"content\": " +
        std::string(content) + "}])\n";
    auto r = run("app/ask.py", text);
    EXPECT_EQ(ids(r, "LLM001"), V{"LLM001@5"}) << content;
    EXPECT_EQ(ids(r, "LLM003"), V{"LLM003@5"}) << content;
  }
  // JavaScript's spread (`...messages`) is no Python Ellipsis.
  constexpr std::string_view kJs = R"(import OpenAI from "openai";
const client = new OpenAI();
export async function ask(req) {
  const messages = [...req.history, { role: "user", content: req.q }];
  return client.chat.completions.create({ model: "gpt-4o-2024-08-06", messages: [...messages] });
}
)";
  auto js = run("src/ask.js", kJs);
  EXPECT_EQ(ids(js, "LLM001"), V{"LLM001@5"});
}

}  // namespace
}  // namespace llmctl::audit
