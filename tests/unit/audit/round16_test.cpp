// Round 16 of the real-world audit: one abstention principle for the code rules, in place of
// round-by-round variants of the same false class (a rule judging a call whose client or
// request the file does not build).
// (a) The client rules (LLM001 timeout, LLM002 retries set on a client, LLM005 provider and
//     base URL) judge only a client the file constructs, or an SDK's module-level default; a
//     client that arrives as a parameter or sits in a struct field set elsewhere is judged in
//     the file that builds it. Go calls were judged regardless until now.
// (b) The request rule (LLM003 output cap) judges only a request the file writes: keyword
//     arguments or a literal at the call, or a variable its own function (or the module)
//     assigns from a literal; a field (a.Params, this.params), a call's result or another
//     function's variable is not judged.
// (c) A module-level call in a Python script with no `__main__` guard runs when a person runs
//     the file: against a server on this machine it is watched, like a guarded script's.
#include <gtest/gtest.h>

#include "audit/audit.h"
#include "audit_test_util.h"

namespace llmctl::audit {
namespace {

using test::cat;
using test::ids;
using test::run;

using V = std::vector<std::string>;

// Round 15's budgie shape: the client and the request are struct fields the library's user
// sets through option functions in another file.
constexpr std::string_view kGoFields = R"(package agents

import (
	"context"

	"github.com/openai/openai-go"
)

type Agent struct {
	clientEngine openai.Client
	Params       openai.ChatCompletionNewParams
}

func (agent *Agent) Run(ctx context.Context) (string, error) {
	completion, err := agent.clientEngine.Chat.Completions.New(ctx, agent.Params)
	if err != nil {
		return "", err
	}
	return completion.Choices[0].Message.Content, nil
}
)";

TEST(Round16Abstain, GoFieldClientAndFieldRequestAreNotJudged) {
  EXPECT_EQ(ids(run("agents/completions.go", kGoFields), {"LLM001", "LLM003", "LLM005"}), V{});
}

TEST(Round16Abstain, GoClientAndRequestTheFileBuildsAreJudged) {
  std::string built(kGoFields);
  built.replace(built.find("agent.clientEngine"), 18, "client");
  built.replace(built.find("ctx, agent.Params)"), 18,
                "ctx, openai.ChatCompletionNewParams{Model: \"gpt-4o-mini\"})");
  built.replace(built.find("\tcompletion, err"), 1, "\tclient := openai.NewClient()\n\t");
  // The client and the request are now written at the call: both rules judge them, and the one
  // provider with no base URL draws LLM005.
  EXPECT_EQ(ids(run("agents/completions.go", built), {"LLM001", "LLM003", "LLM005"}),
            (V{"LLM001@16", "LLM003@16", "LLM005@16"}));
}

TEST(Round16Abstain, GoClientAsParameterIsNotJudged) {
  constexpr std::string_view kParam = R"(package llm

import (
	"context"

	"github.com/openai/openai-go"
)

func Ask(ctx context.Context, client *openai.Client, q string) (string, error) {
	resp, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model:     "gpt-4o-mini",
		MaxTokens: openai.Int(256),
		Messages:  []openai.ChatCompletionMessageParamUnion{openai.UserMessage(q)},
	})
	if err != nil {
		return "", err
	}
	return resp.Choices[0].Message.Content, nil
}
)";
  EXPECT_EQ(ids(run("llm/ask.go", kParam), {"LLM001", "LLM003", "LLM005"}), V{});
}

TEST(Round16Abstain, PythonRequestFromAFieldOrACallIsNotJudged) {
  constexpr std::string_view kPy = R"(from openai import OpenAI

client = OpenAI(timeout=30)


class Agent:
    def __init__(self, params):
        self.params = params

    def run(self, messages):
        return client.chat.completions.create(**self.params, messages=messages)


def build():
    return client.chat.completions.create(model="gpt-4o-mini", messages=[])
)";
  // **self.params carries the caller's settings; the keyword call at line 15 writes its request.
  EXPECT_EQ(ids(run("app/agent.py", kPy), {"LLM003"}), V{"LLM003@15"});
}

TEST(Round16Abstain, JsRequestIsJudgedOnlyWhereTheFileWritesIt) {
  constexpr std::string_view kTs = R"(import OpenAI from "openai";

const client = new OpenAI({ timeout: 30_000 });

function makeRequest(q: string) {
  const literal = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: q }] };
  return literal;
}

export class Chat {
  constructor(private params: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming) {}
  field() {
    return client.chat.completions.create(this.params);
  }
  fromCall(q: string) {
    return client.chat.completions.create(makeRequest(q));
  }
  fromVariableOfACall(q: string) {
    const req = makeRequest(q);
    return client.chat.completions.create(req);
  }
  written(q: string) {
    const req = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: q }] };
    return client.chat.completions.create(req);
  }
}
)";
  EXPECT_EQ(ids(run("src/chat.ts", kTs), {"LLM003"}), V{"LLM003@24"});
}

TEST(Round16Abstain, AVariableAssignedOnlyInAnotherFunctionIsNotThisCallsRequest) {
  constexpr std::string_view kTs = R"(import OpenAI from "openai";

const client = new OpenAI({ timeout: 30_000 });

function setup() {
  const request = { model: "gpt-4o-mini", messages: [] };
  return request;
}

export function send() {
  return client.chat.completions.create(request);
}
)";
  EXPECT_EQ(ids(run("src/send.ts", kTs), {"LLM003"}), V{});
  // The same literal at module level is the file's own request, judged wherever it is sent.
  constexpr std::string_view kModule = R"(import OpenAI from "openai";

const client = new OpenAI({ timeout: 30_000 });
const request = { model: "gpt-4o-mini", messages: [] };

export function send() {
  return client.chat.completions.create(request);
}
)";
  EXPECT_EQ(ids(run("src/send.ts", kModule), {"LLM003"}), V{"LLM003@7"});
}

// Round 15's LLMInfra client.py shape: a module-level smoke test of a local server.
constexpr std::string_view kSmoke = R"(from openai import OpenAI

client = OpenAI(base_url="http://localhost:15000/v1", api_key="EMPTY")
completion = client.chat.completions.create(
    model="Qwen2.5-7B-Instruct",
    messages=[{"role": "user", "content": "Hello!"}],
)
print(completion.choices[0].message.content)
)";

TEST(Round16Script, AModuleLevelLocalCallWithoutAGuardIsWatched) {
  EXPECT_EQ(ids(run("infra/client.py", kSmoke), {"LLM001"}), V{});
}

TEST(Round16Script, TheExemptionStillNeedsALocalServerAndNoService) {
  std::string remote(kSmoke);
  remote.replace(remote.find("base_url=\"http://localhost:15000/v1\", "), 38, "");
  EXPECT_EQ(ids(run("infra/client.py", remote), {"LLM001"}), V{"LLM001@4"});
  // A service module (FastAPI imported): a module-level call runs in the server's process.
  std::string service = "from fastapi import FastAPI\n" + std::string(kSmoke);
  EXPECT_EQ(ids(run("infra/client.py", service), {"LLM001"}), V{"LLM001@5"});
  // The call inside a function: not a statement the file runs as it is run (the function may
  // be a library's), so only a guarded script's functions are watched.
  constexpr std::string_view kInFunction = R"(from openai import OpenAI

client = OpenAI(base_url="http://localhost:15000/v1", api_key="EMPTY")


def ask(q):
    return client.chat.completions.create(model="m", messages=[{"role": "user", "content": q}])
)";
  EXPECT_EQ(ids(run("infra/ask.py", kInFunction), {"LLM001"}), V{"LLM001@7"});
}

}  // namespace
}  // namespace llmctl::audit
