// Round 14 of the real-world audit: round 13's held-out false classes in general form.
// (a) The vllm CLI is the engine server only as `vllm serve` (and python -m
//     vllm.entrypoints...): every other subcommand (launch render, collect-env, run-batch, ...)
//     is a tool that serves no model, whatever its image.
// (b) An image that is one unexpanded variable with no default (`${VLLM_IMAGE}`) is unknown;
//     where the file's own comment on it says it may be a simulator, the claims that need the
//     real engine (a GPU limit, a weights volume) abstain.
// (c) A replicas field that is not an integer (`${REPLICAS}`) is unknown, not 1.
// (d) A wrapper that forwards its caller's request object sets no cap of its own: the cap is
//     the caller's (LLM003); a Go method declaration is not a call.
// (e) A base URL put into a kwargs dict before the spread (params.update(openai_api_base=...),
//     params["base_url"] = ...) and a Go WithBaseURL client option are endpoint overrides
//     (LLM005).
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

// A one-container Deployment with no GPU limit, probes or volumes. `replicas` is the field's
// text; `cmd` is YAML lines at the container's indentation (8 spaces) placed before the image
// line, so comments above the image can be given; the container starts on line 10.
std::string deployment(std::string_view replicas, std::string_view pre_image,
                       std::string_view image, std::string_view cmd) {
  return std::string(R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: )") +
         std::string(replicas) + R"(
  template:
    spec:
      containers:
      - name: app
)" + std::string(pre_image) +
         "        image: " + std::string(image) + "\n" + std::string(cmd);
}

// ---- (a) vllm subcommands other than serve ----

TEST(AuditRound14, VllmSubcommandsOtherThanServeAreNotTheServer) {
  for (
      std::string_view cmd : {
          R"(        command: ["vllm", "launch", "render"]
        args: ["Qwen/Qwen2.5-7B-Instruct", "--port=8000"]
)",
          R"(        command: ["vllm", "collect-env"]
)",
          R"(        command: ["/usr/local/bin/vllm", "run-batch", "-i", "in.jsonl", "-o", "out.jsonl", "--model", "Qwen/Qwen2.5-7B-Instruct"]
)",
          R"(        command: ["/bin/sh", "-c", "vllm launch render Qwen/Qwen2.5-7B-Instruct --port 8000"]
)"}) {
    SCOPED_TRACE(cmd);
    auto fs = run("deploy/render.yaml", deployment("1", "", "vllm/vllm-openai:v0.11.0", cmd));
    EXPECT_EQ(ids(fs, {"K8S001", "K8S007", "K8S017", "CAP005"}), V{});
  }
}

TEST(AuditRound14, VllmServeIsStillTheServer) {
  for (std::string_view cmd : {
           R"(        command: ["vllm", "serve", "Qwen/Qwen2.5-7B-Instruct"]
)",
           R"(        command: ["vllm"]
        args: ["serve", "Qwen/Qwen2.5-7B-Instruct"]
)",
           R"(        command: ["vllm", "--help"]
)"}) {
    SCOPED_TRACE(cmd);
    auto fs = run("deploy/vllm.yaml", deployment("2", "", "vllm/vllm-openai:v0.11.0", cmd));
    EXPECT_EQ(ids(fs, {"K8S001"}), V{"K8S001@10"});
  }
}

// ---- (b) a variable image the file says may be a simulator ----

const char* kSimArgs = R"(        args:
        - "--model=Qwen/Qwen2.5-7B-Instruct"
        - "--data-parallel-size=${DP}"
        - "--no-enable-prefix-caching"
)";

TEST(AuditRound14, VariableImageCommentedAsMaybeASimulatorAbstains) {
  for (std::string_view comment :
       {"        # VLLM_IMAGE can be a simulator (e.g. llm-d-inference-sim) or a real vLLM "
        "image\n",
        "        # The image may be the vLLM emulator in CI\n        # or vllm/vllm-openai.\n"}) {
    SCOPED_TRACE(comment);
    auto fs =
        run("deploy/components/decode.yaml", deployment("2", comment, "${VLLM_IMAGE}", kSimArgs));
    EXPECT_EQ(ids(fs, {"K8S001", "K8S007"}), V{});
  }
  // The comment on the image's own line.
  auto own = run("deploy/decode.yaml",
                 deployment("2", "", "${VLLM_IMAGE}  # real vLLM or the mock server", kSimArgs));
  EXPECT_EQ(ids(own, {"K8S001", "K8S007"}), V{});
}

TEST(AuditRound14, VariableImageWithoutSuchCommentIsStillJudged) {
  // No comment: the flags show vLLM, and a variable alone does not make it a simulator.
  auto bare = run("deploy/decode.yaml", deployment("2", "", "${VLLM_IMAGE}", kSimArgs));
  EXPECT_EQ(ids(bare, {"K8S001", "K8S007"}), (V{"K8S001@10", "K8S007@10"}));
  // A simulator comment over a literal engine image: the image is known, so it is judged.
  auto literal =
      run("deploy/decode.yaml", deployment("2", "        # can be swapped for a simulator\n",
                                           "vllm/vllm-openai:v0.11.0", kSimArgs));
  EXPECT_EQ(ids(literal, {"K8S001", "K8S007"}), (V{"K8S001@10", "K8S007@10"}));
  // A comment that does not say simulator.
  auto other = run("deploy/decode.yaml",
                   deployment("2", "        # set by the Makefile\n", "${VLLM_IMAGE}", kSimArgs));
  EXPECT_EQ(ids(other, {"K8S001", "K8S007"}), (V{"K8S001@10", "K8S007@10"}));
  // A GPU limit the file asks for is still checked against requests.
  std::string gpu = std::string(kSimArgs) + R"(        resources:
          requests:
            nvidia.com/gpu: 1
)";
  auto asked = run("deploy/decode.yaml",
                   deployment("2", "        # may be a simulator\n", "${VLLM_IMAGE}", gpu));
  EXPECT_EQ(ids(asked, {"K8S001"}), V{"K8S001@19"});
}

// ---- (c) replicas given as a variable ----

TEST(AuditRound14, NonIntegerReplicasAreUnknownNotOne) {
  const std::string cmd = R"(        command: ["vllm", "serve", "Qwen/Qwen2.5-7B-Instruct"]
)";
  for (std::string_view replicas : {"${VLLM_REPLICA_COUNT_D}", "$(REPLICAS)", "\"{{ n }}\""}) {
    SCOPED_TRACE(replicas);
    EXPECT_EQ(
        ids(run("deploy/vllm.yaml", deployment(replicas, "", "vllm/vllm-openai:v0.11.0", cmd)),
            {"K8S017"}),
        V{});
  }
  // 1, and an empty (null) field, which Kubernetes defaults to 1, are one replica.
  for (std::string_view replicas : {"1", "", "null"}) {
    SCOPED_TRACE(replicas);
    EXPECT_EQ(
        ids(run("deploy/vllm.yaml", deployment(replicas, "", "vllm/vllm-openai:v0.11.0", cmd)),
            {"K8S017"}),
        V{std::string(replicas == "1" ? "K8S017@6" : "K8S017@4")});
  }
}

// ---- (d) pass-through wrappers ----

TEST(AuditRound14, GoWrapperForwardingItsCallersRequestSetsNoCapOfItsOwn) {
  const std::string go = R"(package llm

import (
	"context"

	openai "github.com/sashabaranov/go-openai"
)

type Client struct{ inner *openai.Client }

// CreateChatCompletion forwards the caller's request.
func (c *Client) CreateChatCompletion(ctx context.Context, req openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error) {
	req.Stream = false
	return c.inner.CreateChatCompletion(ctx, req)
}

func Summarize(ctx context.Context, c *openai.Client, text string) (openai.ChatCompletionResponse, error) {
	req := openai.ChatCompletionRequest{Model: openai.GPT4oMini, Messages: []openai.ChatCompletionMessage{{Role: "user", Content: text}}}
	return c.CreateChatCompletion(ctx, req)
}
)";
  // The wrapper (line 12's declaration, line 14's forward) is not reported; the function that
  // builds its own request without a cap is.
  EXPECT_EQ(ids(run("pkg/llm/client.go", go), {"LLM003"}), V{"LLM003@19"});
}

TEST(AuditRound14, PythonWrapperForwardingItsCallersRequest) {
  const std::string py = R"(from openai import OpenAI

client = OpenAI(timeout=30)


class Chat:
    def create(self, request):
        return client.chat.completions.create(**request)

    def send(self, body):
        return client.chat.completions.create(body)


def ask(question):
    return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": question}])
)";
  EXPECT_EQ(ids(run("app/chat.py", py), {"LLM003"}), V{"LLM003@15"});
}

TEST(AuditRound14, OnlyTheEnclosingFunctionsParametersAreTheCallers) {
  // `body` is forward()'s parameter, but ask() builds its own: only ask() is judged.
  const std::string js = R"(import OpenAI from "openai";
const client = new OpenAI({ timeout: 30000 });

export function forward(body) {
  return client.chat.completions.create(body);
}

export async function ask(q) {
  const body = { model: "gpt-4o-mini", messages: [{ role: "user", content: q }] };
  return client.chat.completions.create(body);
}
)";
  EXPECT_EQ(ids(run("src/llm.js", js), {"LLM003"}), V{"LLM003@10"});
}

// ---- (e) base URLs put into the kwargs before the spread; Go WithBaseURL ----

std::string update_factory(std::string_view how) {
  return std::string(R"(from langchain_openai import ChatOpenAI


def get_llm(model, info):
    params = dict(model_name=model, max_tokens=512)
)") + std::string(how) +
         R"(    return ChatOpenAI(**params)
)";
}

TEST(AuditRound14, BaseUrlAddedToTheKwargsBeforeTheSpread) {
  for (std::string_view how :
       {"    params.update(openai_api_base=info.get(\"api_base_url\"), openai_api_key=\"EMPTY\")\n",
        "    params.update({\"base_url\": info.url})\n", "    params[\"base_url\"] = info.url\n"}) {
    SCOPED_TRACE(how);
    EXPECT_EQ(ids(run("app/llm.py", update_factory(how)), {"LLM005"}), V{});
  }
  // Other keys added the same way leave every call with OpenAI.
  EXPECT_EQ(
      ids(run("app/llm.py", update_factory("    params.update(temperature=0.2)\n")), {"LLM005"}),
      V{"LLM005@7"});
}

TEST(AuditRound14, GoWithBaseUrlOptionIsAnOverride) {
  // The option built before the constructor, or a library's own WithBaseURL option.
  auto go = [](std::string_view extra) {
    return std::string(R"(package main

import (
	"context"

	"github.com/openai/openai-go"
	"github.com/openai/openai-go/option"
)

func main() {
	opts := []option.RequestOption{option.WithAPIKey("x")}
	client := openai.NewClient(opts...)
	client.Chat.Completions.New(context.TODO(), openai.ChatCompletionNewParams{Model: openai.ChatModelGPT4o, MaxTokens: openai.Int(100)})
}
)") + std::string(extra);
  };
  EXPECT_EQ(ids(run("cmd/app/main.go", go("\nfunc gateway(u string) option.RequestOption { return "
                                          "option.WithBaseURL(u) }\n")),
                {"LLM005"}),
            V{});
  EXPECT_EQ(ids(run("cmd/app/main.go",
                    go("\ntype Option func(*Config)\n\nfunc WithBaseURL(u string) Option { "
                       "return func(c *Config) { c.url = u } }\n")),
                {"LLM005"}),
            V{});
  EXPECT_EQ(ids(run("cmd/app/main.go", go("")), {"LLM005"}), V{"LLM005@13"});
}

}  // namespace
}  // namespace llmctl::audit
