// Round 24 of the real-world audit: the recall notes of round 23's held-out set, in general form.
// (a) Mistral API keys: Mistral documents no key prefix (docs.mistral.ai admin/security-access/
//     api-keys shows none; TruffleHog's detector calls them "32-character mixed-case alphanumeric
//     strings without a documented prefix" and needs the word "mistral" nearby). Per the brief,
//     LLM006 is not taught a guessed shape; the test pins that a bare 32-character literal in a
//     Mistral call is still not reported as a key, so a later change is deliberate.
// (b) The Mistral SDKs and Bedrock's Converse API are read as LLM calls, judged by their own
//     defaults:
//     - Python mistralai: chat.complete / chat.stream (and *_async) time out by default
//       (timeout_ms 60000, then 300000; before, httpx's 5 s): no LLM001. It retries nothing
//       without a RetryConfig: LLM002 on a client the file builds, unless the file configures
//       retries. No max_tokens: LLM003 (a note).
//     - TypeScript @mistralai/mistralai: timeoutMs defaults to -1 (none) and retries to
//       { strategy: "none" }: LLM001 and LLM002; a timeoutMs or retryConfig clears them.
//     - boto3 bedrock-runtime converse / converse_stream: botocore's 60 s read timeout and
//       default retries protect the call (no LLM001/LLM002); inferenceConfig without maxTokens
//       (or none) leaves the cap at the model's maximum: LLM003.
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
using test::with_rule;

constexpr std::string_view kMistralPy =
    "import os\n"
    "from fastapi import FastAPI\n"
    "from mistralai import Mistral\n\n"
    "app = FastAPI()\n"
    "client = Mistral(api_key=os.environ[\"MISTRAL_API_KEY\"])\n\n\n"
    "@app.post(\"/ask\")\n"
    "def ask(q: str):\n"
    "    r = client.chat.complete(\n"
    "        model=\"mistral-large-latest\",\n"
    "        messages=[{\"role\": \"user\", \"content\": q}],\n"
    "    )\n"
    "    return r.choices[0].message.content\n";

// (b) Python: the SDK's default timeout protects (no LLM001); it does not retry (LLM002) and
// sets no cap (LLM003); the provider counts for LLM005.
TEST(Round24Mistral, PythonServiceCall) {
  auto fs = run("app/server.py", kMistralPy);
  EXPECT_TRUE(with_rule(fs, "LLM001").empty());
  auto l2 = with_rule(fs, "LLM002");
  ASSERT_EQ(l2.size(), 1u);
  EXPECT_EQ(l2[0].line, 11);
  EXPECT_NE(l2[0].message.find("retries nothing"), std::string::npos) << l2[0].message;
  auto l3 = with_rule(fs, "LLM003");
  ASSERT_EQ(l3.size(), 1u);
  EXPECT_EQ(l3[0].line, 11);
  auto l5 = with_rule(fs, "LLM005");
  ASSERT_EQ(l5.size(), 1u);
  EXPECT_NE(l5[0].message.find("mistral"), std::string::npos) << l5[0].message;
}

// A retry configuration on the client, and max_tokens on the call, clear LLM002 and LLM003.
TEST(Round24Mistral, PythonRetriesAndCapClear) {
  std::string text(kMistralPy);
  text.replace(text.find("client = Mistral("), std::string_view("client = Mistral(").size(),
               "client = Mistral(retry_config=RETRY, ");
  text.replace(text.find("        messages="), 0, "        max_tokens=512,\n");
  auto fs = run("app/server.py", text);
  EXPECT_TRUE(with_rule(fs, "LLM002").empty());
  EXPECT_TRUE(with_rule(fs, "LLM003").empty());
}

// A client the file does not build is not judged for retries (its builder decides).
TEST(Round24Mistral, ClientFromElsewhereNotJudgedForRetries) {
  std::string text =
      "from mistralai import Mistral\n\n\n"
      "def ask(client: Mistral, q):\n"
      "    return client.chat.stream(model=\"mistral-small-latest\", max_tokens=64,\n"
      "                              messages=[{\"role\": \"user\", \"content\": q}])\n";
  // "Mistral(" appears only in the annotation "client: Mistral)": no constructor call.
  auto fs = run("app/lib.py", text);
  EXPECT_TRUE(with_rule(fs, "LLM002").empty());
  EXPECT_TRUE(with_rule(fs, "LLM001").empty());
}

constexpr std::string_view kMistralTs =
    "import { Mistral } from '@mistralai/mistralai';\n\n"
    "const client = new Mistral({ apiKey: process.env.MISTRAL_API_KEY });\n\n"
    "export async function answer(q: string) {\n"
    "  const r = await client.chat.complete({\n"
    "    model: 'mistral-small-latest',\n"
    "    messages: [{ role: 'user', content: q }],\n"
    "  });\n"
    "  return r.choices[0].message.content;\n"
    "}\n";

// (b) TypeScript: no timeout by default (LLM001, Node's fetch bounds), no retries (LLM002), no
// cap (LLM003).
TEST(Round24Mistral, TypeScriptCall) {
  auto fs = run("src/answer.ts", kMistralTs);
  auto l1 = with_rule(fs, "LLM001");
  ASSERT_EQ(l1.size(), 1u);
  EXPECT_EQ(l1[0].line, 6);
  EXPECT_NE(l1[0].message.find("timeoutMs"), std::string::npos) << l1[0].message;
  EXPECT_NE(l1[0].message.find("300 s"), std::string::npos) << l1[0].message;
  EXPECT_EQ(with_rule(fs, "LLM002").size(), 1u);
  EXPECT_EQ(with_rule(fs, "LLM003").size(), 1u);
}

// timeoutMs and retryConfig on the client, maxTokens on the call: nothing to report.
TEST(Round24Mistral, TypeScriptConfiguredClient) {
  std::string text(kMistralTs);
  text.replace(text.find("apiKey:"), 0, "timeoutMs: 60000, retryConfig: RETRY, ");
  text.replace(text.find("    messages:"), 0, "    maxTokens: 256,\n");
  auto fs = run("src/answer.ts", text);
  EXPECT_TRUE(with_rule(fs, "LLM001").empty());
  EXPECT_TRUE(with_rule(fs, "LLM002").empty());
  EXPECT_TRUE(with_rule(fs, "LLM003").empty());
}

// An agent loop reaching a Mistral call is an LLM loop (LLM008).
TEST(Round24Mistral, LoopOverMistralCallIsAnAgentLoop) {
  std::string text =
      "from mistralai import Mistral\n\n"
      "client = Mistral(api_key=KEY, retry_config=RETRY)\n\n\n"
      "def run(messages):\n"
      "    while True:\n"
      "        r = client.chat.complete(model=\"mistral-large-latest\", max_tokens=256,\n"
      "                                 messages=messages, tools=TOOLS)\n"
      "        if not r.choices[0].message.tool_calls:\n"
      "            return r\n";
  auto l8 = with_rule(run("app/agent.py", text), "LLM008");
  ASSERT_EQ(l8.size(), 1u);
  EXPECT_EQ(l8[0].line, 7);
}

// (a) No guessed key shape: a 32-character literal in a Mistral client is not an LLM006 key.
TEST(Round24Mistral, NoUndocumentedKeyShape) {
  std::string text =
      "from mistralai import Mistral\n\n"
      "client = Mistral(api_key=\"AbCdEfGhIjKlMnOpQrStUvWxYz012345\")\n";
  EXPECT_TRUE(with_rule(run("app/keys.py", text), "LLM006").empty());
}

constexpr std::string_view kConverse =
    "import boto3\n"
    "from fastapi import FastAPI\n\n"
    "app = FastAPI()\n"
    "bedrock = boto3.client(\"bedrock-runtime\", region_name=\"us-east-1\")\n\n\n"
    "@app.post(\"/ask\")\n"
    "def ask(q: str):\n"
    "    r = bedrock.converse(\n"
    "        modelId=\"us.anthropic.claude-sonnet-4-5-20250929-v1:0\",\n"
    "        messages=[{\"role\": \"user\", \"content\": [{\"text\": q}]}],\n"
    "    )\n"
    "    return r[\"output\"][\"message\"]\n";

// (b) Bedrock converse: botocore's defaults protect (no LLM001, LLM002); no inferenceConfig
// leaves maxTokens at the model's maximum (LLM003).
TEST(Round24Bedrock, ConverseWithoutInferenceConfig) {
  auto fs = run("app/server.py", kConverse);
  EXPECT_TRUE(with_rule(fs, "LLM001").empty());
  EXPECT_TRUE(with_rule(fs, "LLM002").empty());
  auto l3 = with_rule(fs, "LLM003");
  ASSERT_EQ(l3.size(), 1u);
  EXPECT_EQ(l3[0].line, 10);
  auto l5 = with_rule(fs, "LLM005");
  ASSERT_EQ(l5.size(), 1u);
  EXPECT_NE(l5[0].message.find("bedrock"), std::string::npos) << l5[0].message;
}

// A literal inferenceConfig with maxTokens, or a variable the file fills with maxTokens, caps
// the call; a literal without maxTokens does not.
TEST(Round24Bedrock, InferenceConfigForms) {
  std::string capped(kConverse);
  capped.replace(capped.find("    )\n"), 0, "        inferenceConfig={\"maxTokens\": 512},\n");
  EXPECT_TRUE(with_rule(run("app/server.py", capped), "LLM003").empty());
  std::string uncapped(kConverse);
  uncapped.replace(uncapped.find("    )\n"), 0,
                   "        inferenceConfig={\"temperature\": 0.2},\n");
  EXPECT_EQ(with_rule(run("app/server.py", uncapped), "LLM003").size(), 1u);
  std::string var(kConverse);
  var.replace(var.find("@app.post"), 0, "CFG = {\"maxTokens\": 1000}\n\n\n");
  var.replace(var.find("    )\n"), 0, "        inferenceConfig=CFG,\n");
  EXPECT_TRUE(with_rule(run("app/server.py", var), "LLM003").empty());
}

// converse_stream is the same call; a parameter holding the config is the caller's.
TEST(Round24Bedrock, ConverseStreamAndForwardedConfig) {
  std::string text =
      "import boto3\n\n"
      "client = boto3.client(\"bedrock-runtime\")\n\n\n"
      "def stream(messages, inference_config):\n"
      "    return client.converse_stream(modelId=MODEL, messages=messages,\n"
      "                                  inferenceConfig=inference_config)\n";
  EXPECT_TRUE(with_rule(run("app/stream.py", text), "LLM003").empty());
  std::string plain =
      "import boto3\n\n"
      "client = boto3.client(\"bedrock-runtime\")\n\n\n"
      "def stream(messages):\n"
      "    return client.converse_stream(modelId=MODEL, messages=messages)\n";
  EXPECT_EQ(with_rule(run("app/stream.py", plain), "LLM003").size(), 1u);
}

}  // namespace
}  // namespace llmctl::audit
