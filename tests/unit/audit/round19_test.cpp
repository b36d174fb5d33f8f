// Round 19 of the real-world audit: the four false classes of round 18's held-out set, in general
// form.
// (a) YAML 1.1 merge keys (`<<: *anchor`, `<<: [*a, *b]`) are applied once, in the audit's shared
//     YAML reader (detail::parse_yaml), for compose, Kubernetes, Helm values and CI alike: a
//     map's own keys win over merged ones, an earlier source over a later one, merged maps bring
//     their own merges, and merged values keep the lines that wrote them.
// (b) The CI rules judge a workflow only where GitHub runs it: directly in .github/workflows/.
//     A workflow-shaped file elsewhere (deploy/workflows/_deprecated/) gets no finding.
// (c) LLM003 reads the cap in a raw request body the file builds and sends (data=json.dumps(body),
//     json=body, JSON.stringify(body)) and abstains when the body comes from elsewhere.
// (d) K8S011 claims the flag runs the repository's code: for a named model outside the catalog
//     it abstains unless the repository is known to ship code or the file says so.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>

#include "audit/audit.h"
#include "audit/doc.h"
#include "audit_test_util.h"

namespace llmctl::audit {
namespace {

using test::cat;
using test::ids;
using test::run;

using V = std::vector<std::string>;

const detail::Node& doc0(const Result<std::vector<detail::Node>>& docs) {
  EXPECT_TRUE(docs.ok());
  EXPECT_FALSE(docs->empty());
  return docs->front();
}

// --- (a) merge keys -------------------------------------------------------------------------

TEST(Round19MergeKeys, ExplicitKeysWinOverMergedOnes) {
  auto docs = detail::parse_yaml(R"(base: &base
  image: a:1
  port: 80
svc:
  <<: *base
  image: b:2
)");
  const auto& svc = detail::deref(doc0(docs).get("svc"));
  EXPECT_EQ(svc.get("image")->str(), "b:2");
  EXPECT_EQ(svc.get("port")->str(), "80");
  EXPECT_EQ(svc.get("<<"), nullptr);
  // The merged value keeps the line that wrote it (the anchor's), the own key its own.
  EXPECT_EQ(svc.get("port")->pos.line, 3);
  EXPECT_EQ(svc.get("image")->pos.line, 6);
}

TEST(Round19MergeKeys, EarlierSourcesWinInASequenceMerge) {
  auto docs = detail::parse_yaml(R"(a: &a {x: from-a, only_a: 1}
b: &b {x: from-b, only_b: 2}
m:
  <<: [*a, *b]
)");
  const auto& m = detail::deref(doc0(docs).get("m"));
  EXPECT_EQ(m.get("x")->str(), "from-a");
  EXPECT_EQ(m.get("only_a")->str(), "1");
  EXPECT_EQ(m.get("only_b")->str(), "2");
}

TEST(Round19MergeKeys, NestedMergesAndAnchorsFromOtherServices) {
  // web's anchor is defined inside another service; gpu merges base, and svc merges gpu.
  auto docs = detail::parse_yaml(R"(x-base: &base
  restart: always
  shm_size: 8g
x-gpu: &gpu
  <<: *base
  runtime: nvidia
services:
  web: &web
    image: web:1
    environment: {A: "1"}
  svc:
    <<: [*gpu, *web]
    shm_size: 16g
)");
  const auto& svc = detail::deref(doc0(docs).at("services.svc"));
  EXPECT_EQ(svc.get("runtime")->str(), "nvidia");
  EXPECT_EQ(svc.get("restart")->str(), "always");
  EXPECT_EQ(svc.get("shm_size")->str(), "16g");
  EXPECT_EQ(svc.get("image")->str(), "web:1");
  EXPECT_EQ(svc.at("environment.A")->str(), "1");
}

TEST(Round19MergeKeys, AQuotedKeyIsNoMergeAndAFlowMapMergesWithoutAnAnchor) {
  auto quoted = detail::parse_yaml("m:\n  \"<<\": {x: 1}\n  y: 2\n");
  const auto& m = detail::deref(doc0(quoted).get("m"));
  EXPECT_NE(m.get("<<"), nullptr);
  EXPECT_EQ(m.get("x"), nullptr);
  // No anchor: the fast reader parses it, and the merge still applies.
  auto flow = detail::parse_yaml("m:\n  <<: {x: 1, y: 1}\n  y: 2\n");
  const auto& f = detail::deref(doc0(flow).get("m"));
  EXPECT_EQ(f.get("x")->str(), "1");
  EXPECT_EQ(f.get("y")->str(), "2");
}

constexpr std::string_view kAnchoredCompose = R"(x-gpu: &gpu
  deploy:
    resources:
      reservations:
        devices:
          - driver: nvidia
            count: 1
            capabilities: [gpu]
services:
  vllm:
    <<: *gpu
    image: vllm/vllm-openai:v0.11.0
    command: [--model, Qwen/Qwen2.5-7B-Instruct, --max-model-len, "8192"]
)";

TEST(Round19MergeKeys, ComposeGpuReservationThroughAnAnchorIsSeen) {
  EXPECT_EQ(ids(run("docker-compose.yml", kAnchoredCompose), "K8S001"), V{});
  // The same service without the merge has no GPU: the finding the merge used to hide.
  std::string bare(kAnchoredCompose);
  bare.replace(bare.find("    <<: *gpu\n"), 13, "");
  EXPECT_EQ(ids(run("docker-compose.yml", bare), "K8S001").size(), 1u);
}

TEST(Round19MergeKeys, KubernetesContainerFieldsFromAnAnchorAreSeen) {
  // The GPU limit comes through an anchor defined in the first container; findings on merged
  // values name the anchor's line.
  constexpr std::string_view kDeploy = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: vllm}
spec:
  template:
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.11.0
          args: [--model, Qwen/Qwen2.5-7B-Instruct, --max-model-len, "8192"]
          resources: &gpu
            limits: {nvidia.com/gpu: 1}
        - name: vllm-b
          image: vllm/vllm-openai:v0.11.0
          args: [--model, Qwen/Qwen2.5-7B-Instruct, --max-model-len, "8192", --port, "8001"]
          resources:
            <<: *gpu
)";
  EXPECT_EQ(ids(run("deploy.yaml", kDeploy), "K8S001"), V{});
}

// --- (b) where workflows are judged ----------------------------------------------------------

constexpr std::string_view kWorkflow = R"(name: build
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
)";

TEST(Round19Workflows, OnlyFilesDirectlyInGithubWorkflowsAreJudged) {
  EXPECT_EQ(ids(run(".github/workflows/build.yml", kWorkflow), "CICD"),
            (V{"CICD002@2", "CICD001@7"}));
  for (std::string_view p :
       {"deploy/workflows/_deprecated/build.yml", "workflows/build.yml", "ci/build.yaml",
        ".github/workflows/old/build.yml", ".github/build.yml"}) {
    Auditor a(cat(), {});
    FileResult r = a.audit_file(p, p, kWorkflow);
    EXPECT_EQ(r.findings.size(), 0u) << p;
    EXPECT_NE(r.kind, InputKind::kGithubWorkflow) << p;
  }
}

TEST(Round19Workflows, ATemplateThatSaysItGoesThereIsJudged) {
  // llmctl deploy writes ci/github-workflow.yaml with "Copy to .github/workflows/...": it runs
  // once installed as the file says. An archived copy says nothing of the kind.
  std::string tmpl = "# Copy to .github/workflows/deploy-chat.yaml. Needs: KUBECONFIG_DATA.\n" +
                     std::string(kWorkflow);
  EXPECT_EQ(ids(run("bundle/ci/github-workflow.yaml", tmpl), "CICD"),
            (V{"CICD002@3", "CICD001@8"}));
  std::string note =
      "# moved out of .github/ when the service was retired\n" + std::string(kWorkflow);
  EXPECT_EQ(ids(run("deploy/workflows/_deprecated/build.yml", note), "CICD"), V{});
}

TEST(Round19Workflows, AnAuditRootInsideTheWorkflowsFolderStillCounts) {
  // `llmctl audit .github/workflows/`: the relative path is the bare file name.
  auto fs = run("repo/.github/workflows/build.yml", kWorkflow, "build.yml");
  EXPECT_EQ(ids(fs, "CICD"), (V{"CICD002@2", "CICD001@7"}));
}

// --- (c) LLM003 on raw bodies ----------------------------------------------------------------

TEST(Round19RawBodies, CapInABodyDictSentThroughJsonDumpsIsRead) {
  constexpr std::string_view kPy = R"(import json
import requests

URL = "http://localhost:8000/v1/chat/completions"


def ask(messages, max_tokens=100):
    data = {"messages": messages, "max_tokens": max_tokens}
    data["model"] = "m"
    r = requests.post(URL, data=json.dumps(data), timeout=60)
    return r.json()


def ask_encoded(messages):
    body = {"messages": messages, "max_completion_tokens": 64}
    return requests.post(URL, data=json.dumps(body).encode("utf-8"), timeout=60)
)";
  EXPECT_EQ(ids(run("app/chat.py", kPy), "LLM003"), V{});
}

TEST(Round19RawBodies, BodyWithoutACapIsStillJudged) {
  constexpr std::string_view kPy = R"(import json
import httpx

URL = "http://localhost:8000/v1/chat/completions"


async def ask(messages):
    payload = {"model": "m", "messages": messages}
    async with httpx.AsyncClient(timeout=60) as c:
        return await c.post(URL, content=None, json=payload)


def ask_dumps(messages):
    payload = {"model": "m", "messages": messages}
    return httpx.post(URL, data=json.dumps(payload), timeout=60)
)";
  EXPECT_EQ(ids(run("app/chat.py", kPy), "LLM003"), (V{"LLM003@10", "LLM003@15"}));
}

TEST(Round19RawBodies, BodyFromElsewhereIsNotJudged) {
  constexpr std::string_view kPy = R"(import json
import requests

URL = "http://localhost:8000/v1/chat/completions"


def build(messages):
    return {"model": "m", "messages": messages}


def relay(body):
    return requests.post(URL, json=body, timeout=60)


def built_elsewhere(messages):
    return requests.post(URL, data=json.dumps(build(messages)), timeout=60)


def text_body(raw):
    return requests.post(URL, data=raw, timeout=60)
)";
  EXPECT_EQ(ids(run("app/chat.py", kPy), "LLM003"), V{});
}

TEST(Round19RawBodies, JavaScriptStringifiedVariableIsRead) {
  constexpr std::string_view kJs = R"(const URL = "http://localhost:8000/v1/chat/completions";
export async function ask(messages) {
  const payload = { model: "m", messages, max_tokens: 200 };
  const r = await fetch(URL, { method: "POST", body: JSON.stringify(payload), signal: AbortSignal.timeout(60000) });
  return r.json();
}
export async function bare(messages) {
  const payload = { model: "m", messages };
  return fetch(URL, { method: "POST", body: JSON.stringify(payload), signal: AbortSignal.timeout(60000) });
}
)";
  EXPECT_EQ(ids(run("src/chat.js", kJs), "LLM003"), V{"LLM003@9"});
}

// --- (d) K8S011 ------------------------------------------------------------------------------

std::string vllm(std::string_view model, std::string_view extra = "") {
  return std::string(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: vllm}
spec:
  template:
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.11.0
          args: [--model, ")") +
         std::string(model) + R"(", --max-model-len, "8192", --trust-remote-code)" +
         std::string(extra) + R"(]
          resources: {limits: {nvidia.com/gpu: 1}}
)";
}

TEST(Round19RemoteCode, NamedModelOutsideTheCatalogWithoutCodeIsNotReported) {
  for (std::string_view m :
       {"bigscience/bloom", "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", "acme/custom-llm-7b"})
    EXPECT_EQ(ids(run("deploy.yaml", vllm(m)), "K8S011"), V{}) << m;
}

TEST(Round19RemoteCode, CodeShippingOpenOrDeclaredModelsAreStillReported) {
  // A repository known to ship code (auto_map) though outside the catalog.
  EXPECT_EQ(ids(run("deploy.yaml", vllm("microsoft/Phi-3.5-MoE-instruct")), "K8S011"),
            V{"K8S011@10"});
  // A model left to whoever fills it in: the flag runs whatever that model ships.
  EXPECT_EQ(ids(run("deploy.yaml", vllm("${MODEL_ID}")), "K8S011"), V{"K8S011@10"});
  // The file says there is code: it pins --code-revision but not --revision.
  EXPECT_EQ(
      ids(run("deploy.yaml", vllm("acme/custom-llm-7b", ", --code-revision, 0123abc")), "K8S011"),
      V{"K8S011@10"});
  // Pinned to a commit: nothing to say.
  EXPECT_EQ(ids(run("deploy.yaml", vllm("microsoft/Phi-3.5-MoE-instruct",
                                        ", --revision, 0a1b2c3d4e5f60718293a4b5c6d7e8f901234567")),
                "K8S011"),
            V{});
}

}  // namespace
}  // namespace llmctl::audit
