// Round 5 of the real-world audit: the general forms of round 4's held-out false classes and its
// miss. A benchmark's or a demo's server is no service (the availability rules abstain); CAP004's
// cheaper GPU must hold the concurrency the file asks for; a chat REPL against a server on this
// machine is watched like a hand-run script, also when the URL is an f-string; raw HTTP to an
// OpenAI-compatible path on a configured host is an LLM call. Each case is the rule's stance, not
// the file it was found in.
#include <gtest/gtest.h>

#include <algorithm>

#include "audit/audit.h"
#include "audit_test_util.h"

namespace llmctl::audit {
namespace {

using test::cat;
using test::has;
using test::ids;
using test::run;

// One vLLM replica, no PDB, no preStop, the default grace period: K8S017 and K8S012 where it
// is a service.
constexpr std::string_view kServer = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm
  namespace: NS
spec:
  replicas: 1
  selector: {matchLabels: {app: vllm}}
  template:
    metadata: {labels: {app: vllm}}
    spec:
      nodeSelector: {cloud.google.com/gke-accelerator: nvidia-h100-80gb}
      containers:
      - name: vllm
        image: vllm/vllm-openai:latest
        args: [--model, meta-llama/Llama-3.1-8B-Instruct, --max-model-len, "512"SEQS]
        resources: {limits: {nvidia.com/gpu: 1}}
        readinessProbe: {httpGet: {path: /health, port: 8000}, periodSeconds: 10}
        volumeMounts: [{name: cache, mountPath: /root/.cache/huggingface}]
      volumes: [{name: cache, persistentVolumeClaim: {claimName: hf}}]
)";

std::string server(std::string_view ns, std::string_view seqs = "") {
  std::string t(kServer);
  t.replace(t.find("NS"), 2, ns);
  t.replace(t.find("SEQS"), 4, seqs);
  return t;
}

TEST(Round5, BenchmarkAndDemoServersAreNotServices) {
  auto prod = run("deploy/vllm.yaml", server("llm"));
  EXPECT_TRUE(has(prod, "K8S017")) << testing::PrintToString(ids(prod));
  EXPECT_TRUE(has(prod, "CAP004")) << testing::PrintToString(ids(prod));
  EXPECT_TRUE(has(prod, "K8S005")) << testing::PrintToString(ids(prod));
  EXPECT_TRUE(has(prod, "K8S012")) << testing::PrintToString(ids(prod));
  // The file says what the server is for: a demo or benchmark folder, or a namespace named for
  // a test, a benchmark or a demo. The availability rules and the cost note abstain (a
  // benchmark's GPU is what it measures); the rest still judge (K8S005: an untagged image).
  for (auto [path, ns] : std::vector<std::pair<std::string, std::string>>{
           {"demos/kubecon/vllm+batch_size/manifests.yaml", "llm"},
           {"benchmarks/vllm.yaml", "llm"},
           {"vllm-bench/server.yaml", "llm"},
           {"deploy/vllm.yaml", "test-ns"},
           {"deploy/vllm.yaml", "llm-benchmark"},
           {"deploy/vllm.yaml", "demo"}}) {
    auto fs = run(path, server(ns));
    EXPECT_FALSE(has(fs, "K8S017")) << path << " " << ns << testing::PrintToString(ids(fs));
    EXPECT_FALSE(has(fs, "K8S012")) << path << " " << ns;
    EXPECT_FALSE(has(fs, "CAP004")) << path << " " << ns;
    EXPECT_TRUE(has(fs, "K8S005")) << path << " " << ns << testing::PrintToString(ids(fs));
  }
  // Words inside a name do not count: `latest`, `contest` and `benchmark_results.yaml` are not
  // a test or a benchmark folder.
  for (auto [path, ns] :
       std::vector<std::pair<std::string, std::string>>{{"deploy/benchmark_results.yaml", "llm"},
                                                        {"deploy/vllm.yaml", "contest"},
                                                        {"latest/vllm.yaml", "prod"}}) {
    auto fs = run(path, server(ns));
    EXPECT_TRUE(has(fs, "K8S017")) << path << " " << ns << testing::PrintToString(ids(fs));
  }
}

TEST(Round5, ScaleToZeroInADemoNeedsNoColdStartBudget) {
  constexpr std::string_view kScaler = R"yaml(apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: vllm, namespace: NS}
spec:
  scaleTargetRef: {name: vllm}
  minReplicaCount: 0
  triggers:
  - type: prometheus
    metadata: {serverAddress: "http://prometheus:9090", query: "sum(vllm:num_requests_waiting)", threshold: "5"}
)yaml";
  std::string prod(kScaler), demo(kScaler);
  prod.replace(prod.find("NS"), 2, "llm");
  demo.replace(demo.find("NS"), 2, "keda-demo");
  EXPECT_TRUE(has(run("deploy/keda.yaml", prod), "K8S016"));
  EXPECT_FALSE(has(run("deploy/keda.yaml", demo), "K8S016"));
  EXPECT_FALSE(has(run("demo/keda.yaml", prod), "K8S016"));
}

TEST(Round5, CheaperGpuMustHoldTheConcurrencyTheFileAsksFor) {
  // Llama-3.1-8B at 512 tokens on an H100: a cheaper GPU holds 8 sequences, so CAP004 suggests
  // it; with --max-num-seqs 512 (262k tokens of KV, about what the H100 holds) the suggestion
  // must hold those too, and no cheaper catalog GPU does.
  auto plain = run("deploy/vllm.yaml", server("llm"));
  ASSERT_TRUE(has(plain, "CAP004")) << testing::PrintToString(ids(plain));
  auto batch = run("deploy/vllm.yaml", server("llm", ", --max-num-seqs, \"512\""));
  EXPECT_FALSE(has(batch, "CAP004")) << testing::PrintToString(ids(batch));
  // A small explicit batch is still a like-for-like move.
  auto small = run("deploy/vllm.yaml", server("llm", ", --max-num-seqs, \"4\""));
  EXPECT_TRUE(has(small, "CAP004")) << testing::PrintToString(ids(small));
}

// An interactive chat: the user types, the model answers on a server the same command started.
constexpr std::string_view kRepl = R"(import openai

def chat(port):
    client = openai.OpenAI(base_url=URL, api_key="local")
    messages = []
    while True:
        message = input("user: ")
        messages.append({"role": "user", "content": message})
        r = client.chat.completions.create(model="m", messages=messages, max_tokens=512)
        print(r.choices[0].message.content)
)";

std::string repl(std::string_view url) {
  std::string t(kRepl);
  t.replace(t.find("URL"), 3, url);
  return t;
}

TEST(Round5, ChatReplAgainstALocalServerIsWatched) {
  EXPECT_EQ(ids(run("cli/local.py", repl("f\"http://localhost:{port}/v1\""))),
            std::vector<std::string>{});
  EXPECT_EQ(ids(run("cli/local.py", repl("\"http://127.0.0.1:8000/v1\""))),
            std::vector<std::string>{});
  // Not this machine, or a host the file does not show: judged.
  EXPECT_EQ(ids(run("cli/local.py", repl("f\"https://llm.internal:{port}/v1\""))),
            std::vector<std::string>{"LLM001@9"});
  EXPECT_EQ(ids(run("cli/local.py", repl("f\"{host}/v1\""))), std::vector<std::string>{"LLM001@9"});
  EXPECT_EQ(ids(run("cli/local.py", repl("f\"{scheme}://localhost:{port}/v1\""))),
            std::vector<std::string>{"LLM001@9"});
  // The same loop fed by a queue (a worker, no person reading along) is judged, and is an
  // unbounded loop as well.
  std::string worker = repl("f\"http://localhost:{port}/v1\"");
  worker.replace(worker.find("input(\"user: \")"), 15, "jobs.get()");
  EXPECT_EQ(ids(run("cli/local.py", worker)), (std::vector<std::string>{"LLM008@6", "LLM001@9"}));
}

TEST(Round5, RawHttpToAnOpenAiCompatiblePathIsAnLlmCall) {
  const std::string text = R"(import requests

class Pipeline:
    def pipe(self, messages):
        r = requests.post(
            url=f"{self.valves.OPENAI_API_BASE_URL}/chat/completions",
            json={"model": self.valves.MODEL, "messages": messages},
            headers={"Authorization": f"Bearer {self.valves.OPENAI_API_KEY}"},
        )
        return r.json()
)";
  // No timeout and no cap; retries are not judged on a configured host (it may be a gateway).
  EXPECT_EQ(ids(run("blueprints/pipeline.py", text)),
            (std::vector<std::string>{"LLM001@5", "LLM003@5"}));
  std::string bounded = text;
  bounded.replace(bounded.find("\"messages\": messages}"), 21,
                  "\"messages\": messages, \"max_tokens\": 256}, timeout=60");
  EXPECT_EQ(ids(run("blueprints/pipeline.py", bounded)), std::vector<std::string>{});
  // base + "/v1/messages" (Anthropic-compatible) is a call too.
  const std::string concat = R"(import requests

def ask(base, body):
    return requests.post(base + "/v1/messages", json=body)
)";
  EXPECT_EQ(ids(run("app/ask.py", concat)), std::vector<std::string>{"LLM001@4"});
  // A server's own routes are not requests, nor are paths without an LLM API.
  const std::string routes = R"(from fastapi import FastAPI
import requests
app = FastAPI()

@app.post("/v1/chat/completions")
async def chat(req):
    return requests.post(f"{UPSTREAM}/v1/embeddings", json=req, timeout=5).json()
)";
  EXPECT_EQ(ids(run("app/server.py", routes)), std::vector<std::string>{});
  const std::string express = R"(const express = require("express");
const app = express();
app.post("/v1/chat/completions", async (req, res) => res.json({}));
)";
  EXPECT_EQ(ids(run("src/server.js", express)), std::vector<std::string>{});
  // fetch to a configured base URL: judged like requests.
  const std::string js = R"(export async function chat(baseUrl, messages) {
  const r = await fetch(`${baseUrl}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "m", messages, max_tokens: 100 }),
  });
  return r.json();
}
)";
  EXPECT_EQ(ids(run("src/chat.js", js)), std::vector<std::string>{"LLM001@2"});
  // A hand-run script against a literal loopback server is watched.
  const std::string script = R"(import requests
URL = "http://localhost:8000/v1/chat/completions"
if __name__ == "__main__":
    print(requests.post(URL, json={"model": "m", "messages": [], "max_tokens": 8}).json())
)";
  EXPECT_EQ(ids(run("bench.py", script)), std::vector<std::string>{});
}

}  // namespace
}  // namespace llmctl::audit
