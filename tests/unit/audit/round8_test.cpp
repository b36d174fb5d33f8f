// Round 8 of the real-world audit: the general forms of round 7's held-out false class and two
// smaller ones. A key-shaped literal that documents a setting (a pydantic Field's examples=, a
// JSON-schema or OpenAPI example, argparse/click help=, a placeholder attribute, zod's
// .describe(), a Go struct tag's example:"...") is not a credential the code uses; a literal the
// code sends (api_key=, a setting's default=, a header) still is. LLM008 reads loop counters as
// whole words of an identifier ("return" is not "turn"), and a name the loop body steps counts
// its passes; counted for/while headers in JS, TS and Go are not agent loops.
#include <gtest/gtest.h>

#include <algorithm>

#include "audit/audit.h"
#include "audit_test_util.h"

namespace llmctl::audit {
namespace {

using test::cat;
using test::ids;
using test::run;

using V = std::vector<std::string>;

// A made-up key of the shape LLM006 reports (upper, lower and digits after the prefix).
constexpr std::string_view kKey = "sk-proj-Q8wX3mZ7pL2vN9rT4kB6yH1cF5dJ0sA7eG3uI8oW";

std::string with_key(std::string text) {
  for (size_t at; (at = text.find("KEY")) != std::string::npos;) text.replace(at, 3, kKey);
  return text;
}

TEST(Round8, KeyShapedExampleInASettingsSchemaIsNotAKey) {
  // guidellm's shape: the api_key setting's pydantic Field documents an example value.
  const std::string py = with_key(R"(from pydantic import BaseModel, Field, SecretStr

class Settings(BaseModel):
    api_key: SecretStr | None = Field(
        default=None,
        description="HTTP Bearer token API key for authentication to server",
        examples=["KEY"],
    )
    other: dict = Field(json_schema_extra={"example": "KEY"})
)");
  EXPECT_EQ(ids(run("src/app/settings.py", py), {"LLM006"}), V{});
  // The same key as the setting's default is a credential the code sends.
  std::string def = py;
  def.replace(def.find("default=None"), 12, with_key("default=\"KEY\""));
  EXPECT_EQ(ids(run("src/app/settings.py", def), {"LLM006"}), V{"LLM006@5"});
  // A JSON-schema example sits beside the header that sends a key: only the header counts.
  const std::string body = with_key(R"(import httpx
SCHEMA = {"type": "string", "examples": ["KEY"], "description": "e.g. KEY"}
headers = {"Authorization": "Bearer KEY"}
)");
  EXPECT_EQ(ids(run("src/app/http.py", body), {"LLM006"}), V{"LLM006@3"});
}

TEST(Round8, KeyShapedHelpTextIsNotAKeyButAnArgumentDefaultIs) {
  const std::string py = with_key(R"(import argparse
import click

p = argparse.ArgumentParser()
p.add_argument("--api-key", help="your OpenAI key, e.g. " "KEY")

@click.option("--key", help=f"key such as KEY")
def main(key):
    pass

q = argparse.ArgumentParser()
q.add_argument("--api-key", default="KEY")
)");
  EXPECT_EQ(ids(run("src/app/cli.py", py), {"LLM006"}), V{"LLM006@12"});
}

TEST(Round8, PlaceholderAndDescribeInTypeScriptAreNotKeys) {
  const std::string tsx = with_key(R"(import OpenAI from "openai";
import { z } from "zod";

export const Settings = z.object({ apiKey: z.string().describe("an OpenAI key: KEY") });

export function KeyInput() {
  return <input type="password" placeholder="KEY" title={"KEY"} />;
}

const client = new OpenAI({ apiKey: "KEY", timeout: 30000 });
)");
  EXPECT_EQ(ids(run("src/app/settings.tsx", tsx), {"LLM006"}), V{"LLM006@10"});
}

TEST(Round8, GoStructTagExampleIsNotAKey) {
  const std::string go = with_key(R"(package api

import "github.com/openai/openai-go/option"

type Settings struct {
	APIKey string `json:"api_key" example:"KEY"`
}

var opt = option.WithAPIKey("KEY")
)");
  EXPECT_EQ(ids(run("internal/api/settings.go", go), {"LLM006"}), V{"LLM006@9"});
}

TEST(Round8, KeysInCommentsAndDocstringsStillCount) {
  // Documentation context is a named parameter or key; a pasted key in prose is still a leak.
  const std::string py = with_key(R"(def connect():
    """Connect with KEY."""
    # the old key was KEY
    return None
)");
  EXPECT_EQ(ids(run("src/app/conn.py", py), {"LLM006"}), (V{"LLM006@2", "LLM006@3"}));
}

constexpr std::string_view kLoop = R"(from openai import OpenAI
client = OpenAI(timeout=30)

def solve(messages):
    while True:
        r = client.chat.completions.create(model="gpt-4o-2024-08-06", messages=messages,
                                           max_tokens=100)
        messages.append(r.choices[0].message)
        CHECK
)";

std::vector<std::string> loop_with(std::string_view check) {
  std::string py(kLoop);
  py.replace(py.find("CHECK"), 5, check);
  return ids(run("app/agent.py", py), {"LLM008"});
}

TEST(Round8, ReturnIsNotATurnCounter) {
  // `return state == FINAL_STATE`: "return" holds "turn", but no counter bounds this loop.
  EXPECT_EQ(loop_with("if tool_done(r):\n            return state == FINAL_STATE"), V{"LLM008@5"});
  // Whole words still count: turns, maxTurns, MAX_TURNS, num_attempts, retries.
  EXPECT_EQ(loop_with("if numTurns > MAX_TURNS:\n            break"), V{});
  EXPECT_EQ(loop_with("if num_attempts >= limit:\n            break"), V{});
  EXPECT_EQ(loop_with("if retries > 3:\n            return None"), V{});
}

TEST(Round8, NameTheLoopStepsBoundsIt) {
  EXPECT_EQ(loop_with("k += 1\n        if k >= 8:\n            break"), V{});
  EXPECT_EQ(loop_with("k = k + 1\n        if k >= 8:\n            break"), V{});
  // Compared but never stepped: not a counter.
  EXPECT_EQ(loop_with("if k >= 8:\n            break"), V{"LLM008@5"});
}

TEST(Round8, CountedLoopHeadersInJsAndGoAreNotAgentLoops) {
  const std::string ts = R"(import OpenAI from "openai";
const client = new OpenAI({ timeout: 30000 });
export async function ask(messages: any[], maxRetries: number) {
  for (let attempt = 0; attempt < maxRetries; attempt++) {
    const r = await client.chat.completions.create({ model: "gpt-4o-2024-08-06", messages, max_tokens: 100 });
    messages.push(r.choices[0].message);
  }
  for (;;) {
    const r = await client.chat.completions.create({ model: "gpt-4o-2024-08-06", messages, max_tokens: 100 });
    messages.push(r.choices[0].message);
    attempt++;
    if (attempt >= maxRetries) return r;
  }
}
)";
  EXPECT_EQ(ids(run("src/agent.ts", ts), {"LLM008"}), V{});
  const std::string go = R"(package agent

import (
	"context"

	openai "github.com/sashabaranov/go-openai"
)

func Ask(ctx context.Context, c *openai.Client, req openai.ChatCompletionRequest, retries int) {
	for i := 0; i < retries; i++ {
		r, _ := c.CreateChatCompletion(ctx, req)
		req.Messages = append(req.Messages, r.Choices[0].Message)
	}
	n := 0
	for {
		r, _ := c.CreateChatCompletion(ctx, req)
		req.Messages = append(req.Messages, r.Choices[0].Message)
		n++
		if n > retries {
			return
		}
	}
}
)";
  EXPECT_EQ(ids(run("internal/agent/ask.go", go), {"LLM008"}), V{});
  // The same Go loop without its counter is an agent loop.
  std::string open = go;
  open.erase(open.find("\t\tn++\n"), 5);
  open.replace(open.find("if n > retries"), 14, "if r.Choices[0].FinishReason == \"stop\"");
  EXPECT_EQ(ids(run("internal/agent/ask.go", open), {"LLM008"}), V{"LLM008@15"});
}

}  // namespace
}  // namespace llmctl::audit
