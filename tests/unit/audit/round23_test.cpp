// Round 23 of the real-world audit: the notes of round 22's held-out set, in general form.
// (a) data/retired.yaml lists Anthropic's retired Claude API models (Sonnet 3.7 and its -latest
//     alias, Sonnet 3.5, Opus 3, Haiku 3, Sonnet 4 / Opus 4, Claude 2.x, ...): LLM004 says a
//     call naming one fails, with the shutdown date, instead of calling the alias floating.
//     Bedrock model ids (anthropic.claude-3-7-sonnet-20250219-v1:0) follow Bedrock's own
//     schedule and are not matched; current models (claude-sonnet-4-5-20250929) are not flagged.
// (b) The Vercel AI SDK: generateText / streamText / generateObject / streamObject imported from
//     "ai" are LLM calls. The SDK retries twice by default and sets no timeout and no output cap;
//     its Anthropic provider always sends max_tokens. So LLM001 reports a call without
//     abortSignal (or timeout), LLM002 only maxRetries: 0, LLM003 a call to an OpenAI, Azure or
//     Google provider without maxTokens / maxOutputTokens, LLM004 the model id inside
//     openai('...'), and LLM005 counts the provider. A model the file does not build (a
//     parameter) or a provider built with a custom fetch is not judged for timeouts.
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

std::string anthropic_call(std::string_view model) {
  return "import anthropic\n\nclient = anthropic.Anthropic(timeout=60)\n\n\ndef ask(q):\n"
         "    return client.messages.create(\n        model=\"" +
         std::string(model) +
         "\",\n        max_tokens=512,\n        messages=[{\"role\": \"user\", \"content\": q}],\n"
         "    )\n";
}

// (a) The held-out file's case: claude-3-7-sonnet-latest is now a retired model, not an alias.
TEST(Round23Retired, ClaudeSonnet37AliasIsRetired) {
  auto l = with_rule(run("app/ask.py", anthropic_call("claude-3-7-sonnet-latest")), "LLM004");
  ASSERT_EQ(l.size(), 1u);
  EXPECT_NE(l[0].message.find("shut down by anthropic from 2026-02-19"), std::string::npos)
      << l[0].message;
  EXPECT_EQ(l[0].message.find("floating alias"), std::string::npos) << l[0].message;
}

// Dated snapshots of retired Claude models are reported too (they were silent before).
TEST(Round23Retired, DatedRetiredClaudeSnapshots) {
  for (std::string_view m :
       {"claude-3-7-sonnet-20250219", "claude-3-5-sonnet-20241022", "claude-3-opus-20240229",
        "claude-3-haiku-20240307", "claude-sonnet-4-20250514", "claude-2.1"}) {
    auto l = with_rule(run("app/ask.py", anthropic_call(m)), "LLM004");
    ASSERT_EQ(l.size(), 1u) << m;
    EXPECT_NE(l[0].message.find("shut down by anthropic"), std::string::npos) << l[0].message;
  }
}

// Current models and Bedrock's own ids are not flagged.
TEST(Round23Retired, CurrentAndBedrockIdsAreNotRetired) {
  for (std::string_view m : {"claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"})
    EXPECT_TRUE(with_rule(run("app/ask.py", anthropic_call(m)), "LLM004").empty()) << m;
  std::string bedrock =
      "import boto3\n\nbedrock = boto3.client(\"bedrock-runtime\")\n"
      "MODEL_ID = \"us.anthropic.claude-3-7-sonnet-20250219-v1:0\"\n\n\ndef ask(messages):\n"
      "    return bedrock.converse(modelId=MODEL_ID, messages=messages)\n";
  EXPECT_TRUE(with_rule(run("app/bedrock.py", bedrock), "LLM004").empty());
}

constexpr std::string_view kRoute =
    "import { openai } from '@ai-sdk/openai';\n"
    "import { streamText } from 'ai';\n\n"
    "export async function POST(req: Request) {\n"
    "  const { messages } = await req.json();\n"
    "  const result = streamText({\n"
    "    model: openai('gpt-4o-mini'),\n"
    "    messages,\n"
    "  });\n"
    "  return result.toDataStreamResponse();\n"
    "}\n";

// (b) A Next.js route streaming from OpenAI with no abortSignal and no output cap.
TEST(Round23VercelAi, StreamTextWithoutSignalOrCap) {
  auto fs = run("app/api/chat/route.ts", kRoute);
  auto l1 = with_rule(fs, "LLM001");
  ASSERT_EQ(l1.size(), 1u);
  EXPECT_EQ(l1[0].line, 6);
  EXPECT_NE(l1[0].message.find("streamText(...) has no abortSignal"), std::string::npos)
      << l1[0].message;
  EXPECT_NE(l1[0].message.find("300 s"), std::string::npos) << l1[0].message;
  auto l3 = with_rule(fs, "LLM003");
  ASSERT_EQ(l3.size(), 1u);
  EXPECT_EQ(l3[0].line, 6);
  EXPECT_TRUE(with_rule(fs, "LLM002").empty());  // the SDK retries twice by default
  auto l5 = with_rule(fs, "LLM005");
  ASSERT_EQ(l5.size(), 1u);
  EXPECT_NE(l5[0].message.find("openai"), std::string::npos) << l5[0].message;
}

// The defaults that protect: a signal, a cap and the default retries leave nothing to report.
TEST(Round23VercelAi, SignalAndCapAreEnough) {
  std::string text(kRoute);
  text.replace(text.find("    messages,\n"), 14,
               "    messages,\n    abortSignal: AbortSignal.timeout(60_000),\n"
               "    maxOutputTokens: 1024,\n");
  auto fs = run("app/api/chat/route.ts", text);
  EXPECT_TRUE(with_rule(fs, "LLM001").empty());
  EXPECT_TRUE(with_rule(fs, "LLM003").empty());
  std::string v4(kRoute);
  v4.replace(v4.find("    messages,\n"), 14,
             "    messages,\n    timeout: 60_000,\n    maxTokens: 1024,\n");
  fs = run("app/api/chat/route.ts", v4);
  EXPECT_TRUE(with_rule(fs, "LLM001").empty());
  EXPECT_TRUE(with_rule(fs, "LLM003").empty());
}

// Retries switched off are reported; the Anthropic provider's own cap is not a missing cap.
TEST(Round23VercelAi, RetriesOffAndAnthropicCap) {
  std::string text =
      "import { anthropic } from '@ai-sdk/anthropic';\n"
      "import { generateText } from 'ai';\n\n"
      "export async function summarize(doc: string) {\n"
      "  const { text } = await generateText({\n"
      "    model: anthropic('claude-3-7-sonnet-20250219'),\n"
      "    prompt: doc,\n"
      "    maxRetries: 0,\n"
      "    abortSignal: AbortSignal.timeout(30_000),\n"
      "  });\n"
      "  return text;\n"
      "}\n";
  auto fs = run("lib/summarize.ts", text);
  auto l2 = with_rule(fs, "LLM002");
  ASSERT_EQ(l2.size(), 1u);
  EXPECT_EQ(l2[0].line, 8);
  EXPECT_NE(l2[0].message.find("maxRetries: 0"), std::string::npos) << l2[0].message;
  EXPECT_TRUE(with_rule(fs, "LLM003").empty());
  auto l4 = with_rule(fs, "LLM004");
  ASSERT_EQ(l4.size(), 1u);
  EXPECT_EQ(l4[0].line, 6);
  EXPECT_NE(l4[0].message.find("2026-02-19"), std::string::npos) << l4[0].message;
}

// A model handed in as a parameter, or a provider built with a custom fetch, may carry its own
// deadline: no LLM001. A file that does not import from "ai" is not read as the AI SDK.
TEST(Round23VercelAi, ModelsBuiltElsewhereAreNotJudged) {
  std::string param =
      "import { generateText, type LanguageModel } from 'ai';\n\n"
      "export async function run(model: LanguageModel, prompt: string) {\n"
      "  return generateText({ model, prompt });\n"
      "}\n";
  auto fs = run("lib/run.ts", param);
  EXPECT_TRUE(with_rule(fs, "LLM001").empty());
  EXPECT_TRUE(with_rule(fs, "LLM003").empty());
  EXPECT_TRUE(with_rule(fs, "LLM005").empty());
  std::string custom =
      "import { createOpenAI } from '@ai-sdk/openai';\n"
      "import { generateText } from 'ai';\n\n"
      "const provider = createOpenAI({ fetch: timedFetch });\n\n"
      "export async function run(prompt: string) {\n"
      "  return generateText({ model: provider('gpt-4.1'), prompt, maxOutputTokens: 256 });\n"
      "}\n";
  fs = run("lib/custom.ts", custom);
  EXPECT_TRUE(with_rule(fs, "LLM001").empty());
  EXPECT_EQ(with_rule(fs, "LLM005").size(), 1u);
  std::string other =
      "import { generateText } from './my-ai';\n"
      "import { openai } from '@ai-sdk/openai';\n\n"
      "export const go = () => generateText({ model: openai('gpt-4o'), prompt: 'x' });\n";
  fs = run("lib/other.ts", other);
  EXPECT_TRUE(with_rule(fs, "LLM001").empty());
  EXPECT_TRUE(with_rule(fs, "LLM003").empty());
}

// A gateway id names the provider and the model: 'openai/gpt-4.1' is an OpenAI call for LLM003.
TEST(Round23VercelAi, GatewayModelId) {
  std::string text =
      "import { generateObject } from 'ai';\n"
      "import { z } from 'zod';\n\n"
      "export async function recipe() {\n"
      "  const { object } = await generateObject({\n"
      "    model: 'openai/gpt-4.1',\n"
      "    schema: z.object({ name: z.string() }),\n"
      "    prompt: 'Generate a recipe.',\n"
      "  });\n"
      "  return object;\n"
      "}\n";
  auto fs = run("lib/recipe.ts", text);
  EXPECT_EQ(with_rule(fs, "LLM001").size(), 1u);
  EXPECT_EQ(with_rule(fs, "LLM003").size(), 1u);
}

}  // namespace
}  // namespace llmctl::audit
