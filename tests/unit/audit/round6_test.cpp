// Round 6 of the real-world audit: the general forms of round 5's held-out false classes. A
// client handed an HTTP client built where the file does not show it carries that client's
// timeout; a client's name is resolved in the call's own function before the module, never in
// another function; the Assistants API (threads, their messages and runs) generates nothing
// under max_tokens; a TypeScript `body as T` is the variable `body`; an image the file calls a
// placeholder is not the image that runs. LLM003 is a note: capping a chat reply is a choice.
// Each case is the rule's stance, not the file it was found in.
#include <gtest/gtest.h>

#include <algorithm>

#include "audit/audit.h"
#include "audit_test_util.h"

namespace llmctl::audit {
namespace {

using test::cat;
using test::ids;
using test::run;

constexpr std::string_view kGoHead = R"(package llm

import (
	"context"
	"net/http"

	"github.com/openai/openai-go"
	"github.com/openai/openai-go/option"
)

type T struct{ client openai.Client }

func New(key string) *T {
	HC
	return &T{client: openai.NewClient(option.WithAPIKey(key), option.WithHTTPClient(hc))}
}

func (t *T) Ask(ctx context.Context, q string) {
	t.client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{MaxTokens: openai.Int(9)})
}
)";

std::string go_with(std::string_view hc) {
  std::string t(kGoHead);
  t.replace(t.find("HC"), 2, hc);
  return t;
}

TEST(Round6, HttpClientBuiltElsewhereCarriesItsTimeout) {
  // Built in another file of the package: its timeout is not visible, so not judged.
  EXPECT_EQ(ids(run("svc/llm.go", go_with("hc := newHTTPClient(true)")), {"LLM001"}),
            std::vector<std::string>{});
  // Built here without a time limit: judged, and nothing bounds the request.
  EXPECT_EQ(ids(run("svc/llm.go", go_with("hc := &http.Client{Transport: http.DefaultTransport}")),
                {"LLM001"}),
            std::vector<std::string>{"LLM001@19"});
  // Built here with one.
  EXPECT_EQ(
      ids(run("svc/llm.go", go_with("hc := &http.Client{Timeout: 30 * time.Second}")), {"LLM001"}),
      std::vector<std::string>{});
  // go-openai's config.HTTPClient = x is the same hand-over.
  const std::string go_openai = R"(package llm

import (
	"context"

	openai "github.com/sashabaranov/go-openai"
)

func Ask(ctx context.Context, key string) {
	cfg := openai.DefaultConfig(key)
	cfg.HTTPClient = sharedClient()
	c := openai.NewClientWithConfig(cfg)
	c.CreateChatCompletion(ctx, openai.ChatCompletionRequest{MaxTokens: 9})
}
)";
  EXPECT_EQ(ids(run("svc/ask.go", go_openai), {"LLM001"}), std::vector<std::string>{});
  // Python: http_client= from elsewhere is not judged; an httpx client built here is.
  const std::string py = R"(from openai import OpenAI
from app.http import make_client

client = OpenAI(http_client=HTTP)

def ask(q):
    return client.chat.completions.create(model="gpt-4o", max_tokens=9, messages=q)
)";
  auto with = [&](std::string_view v) {
    std::string t = py;
    t.replace(t.find("HTTP"), 4, v);
    return run("app/ask.py", t);
  };
  EXPECT_EQ(ids(with("make_client()"), {"LLM001"}), std::vector<std::string>{});
  EXPECT_EQ(ids(with("httpx.Client(proxy=P)"), {"LLM001"}), std::vector<std::string>{"LLM001@7"});
  EXPECT_EQ(ids(with("httpx.Client(timeout=30)"), {"LLM001"}), std::vector<std::string>{});
}

TEST(Round6, ClientNamesResolveInTheCallsOwnFunctionFirst) {
  const std::string py = R"(from openai import OpenAI
from anthropic import Anthropic

def ask_openai(q):
    client = OpenAI(timeout=30)
    return client.chat.completions.create(model="gpt-4o", max_tokens=9, messages=q)

def ask_with(client, q):
    return client.chat.completions.create(model="gpt-4o", max_tokens=9, messages=q)

def ask_azure(q):
    client = OpenAI(base_url=BASE)
    return client.chat.completions.create(model="gpt-4o", max_tokens=9, messages=q)

def ask_claude(q):
    client = Anthropic()
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=9, messages=q)
)";
  auto fs = run("app/ask.py", py);
  // Line 6 uses its own function's client (with a timeout), line 9 a parameter (unknown);
  // lines 13 and 17 their own clients, which set none.
  EXPECT_EQ(ids(fs, {"LLM001"}), (std::vector<std::string>{"LLM001@13", "LLM001@17"}));
  for (const auto& f : fs) {
    if (f.rule == "LLM001" && f.line == 13) {
      EXPECT_NE(f.message.find("client from line 12"), std::string::npos) << f.message;
    }
  }
  // A module-level client bound below the function that uses it is still that function's.
  const std::string module = R"(from openai import OpenAI

def ask(q):
    return client.chat.completions.create(model="gpt-4o", max_tokens=9, messages=q)

client = OpenAI()
)";
  EXPECT_EQ(ids(run("app/ask.py", module), {"LLM001"}), std::vector<std::string>{"LLM001@4"});
  // self.client stays resolved across methods.
  const std::string cls = R"(from openai import OpenAI

class Bot:
    def __init__(self):
        self.client = OpenAI()

    def ask(self, q):
        return self.client.chat.completions.create(model="gpt-4o", max_tokens=9, messages=q)
)";
  EXPECT_EQ(ids(run("app/bot.py", cls), {"LLM001"}), std::vector<std::string>{"LLM001@8"});
}

TEST(Round6, AssistantsApiIsNotGeneration) {
  const std::string py = R"(import requests
from openai import OpenAI

client = OpenAI(timeout=10)

def post(thread_id, text):
    client.beta.threads.messages.create(thread_id, role="user", content=text)
    client.beta.threads.runs.create(thread_id=thread_id, assistant_id="asst_1")
    requests.post(
        f"https://api.openai.com/v1/threads/{thread_id}/runs",
        json={"assistant_id": "asst_1"},
        timeout=10,
    )
    requests.post(
        "https://api.openai.com/v1/chat/completions",
        json={"model": "gpt-4o", "messages": []},
        timeout=10,
    )
)";
  // Only the chat completion is judged for a cap.
  EXPECT_EQ(ids(run("app/assist.py", py), {"LLM001", "LLM003"}),
            std::vector<std::string>{"LLM003@14"});
}

TEST(Round6, TypeScriptAssertionIsTheVariable) {
  const std::string ts = R"(import OpenAI from "openai";
const openai = new OpenAI({ timeout: 30_000 });
export async function f(text: string) {
  const body = { model: "gpt-4o", max_tokens: 9, messages: [] };
  await openai.chat.completions.create(body as ChatCompletionCreateParamsStreaming, { signal });
  const other = { model: "gpt-4o", messages: [] };
  await openai.chat.completions.create(other satisfies Params);
}
)";
  EXPECT_EQ(ids(run("src/f.ts", ts), {"LLM003"}), std::vector<std::string>{"LLM003@7"});
}

TEST(Round6, PlaceholderImageIsNotPulled) {
  const std::string k8s = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: llm, namespace: llm}
spec:
  replicas: 2
  selector: {matchLabels: {app: llm}}
  template:
    metadata: {labels: {app: llm}}
    spec:
      containers:
      - name: vllm
        IMAGE
        args: [--model, Qwen/Qwen2.5-7B-Instruct, --max-model-len, "8192"]
        resources: {limits: {nvidia.com/gpu: 1}}
)";
  auto with = [&](std::string_view image) {
    std::string t = k8s;
    t.replace(t.find("IMAGE"), 5, image);
    return ids(run("deploy/llm.yaml", t), {"K8S005"});
  };
  EXPECT_EQ(with("image: vllm/vllm-openai:latest # placeholder value, replaced by deployment "
                 "scripts"),
            std::vector<std::string>{});
  EXPECT_EQ(with("# overridden by the release pipeline\n        image: vllm/vllm-openai:latest"),
            std::vector<std::string>{});
  EXPECT_EQ(with("image: vllm/vllm-openai:latest # the newest engine"),
            std::vector<std::string>{"K8S005@12"});
  // A comment two lines up, or on a line that is not a comment, says nothing about this image.
  EXPECT_EQ(
      with("env: [{name: A, value: b}] # placeholder\n        image: vllm/vllm-openai:latest"),
      std::vector<std::string>{"K8S005@13"});
}

TEST(Round6, MissingOutputCapIsANote) {
  const std::string py = R"(from openai import OpenAI
client = OpenAI(timeout=30)
def ask(q):
    return client.chat.completions.create(model="gpt-4o", messages=q)
)";
  auto fs = run("app/ask.py", py);
  ASSERT_EQ(ids(fs, {"LLM003"}), std::vector<std::string>{"LLM003@4"});
  for (const auto& f : fs) {
    if (f.rule == "LLM003") {
      EXPECT_EQ(f.severity, Severity::kNote);
    }
  }
}

}  // namespace
}  // namespace llmctl::audit
