// Round 15 of the real-world audit: round 14's held-out false classes in general form.
// (a) Severity discipline for literal secrets (K8S006, an error): a variable that names the
//     provider issuing its credential (HF_TOKEN, OPENAI_API_KEY, AWS_ACCESS_KEY_ID) holds a
//     secret only when its value has that provider's key shape or is a long high-entropy
//     token; a word phrase (HF_TOKEN=my-nsma-is-what) is a placeholder, not a token. The shapes
//     live in one table (audit.cpp kCredentialShapes).
// (b) A transparent proxy's handler, which forwards its incoming HTTP request to the provider
//     and writes the upstream status back to its own client, is no client that should retry
//     (LLM002): the caller's SDK sees the 429/5xx and retries.
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

// A vLLM compose service whose environment line 7 is `NAME=VALUE`.
std::string compose(std::string_view name, std::string_view value) {
  return std::string(R"(services:
  vllm:
    image: vllm/vllm-openai:v0.11.0
    command: --model google/gemma-3-4b-it --max-model-len 8192
    volumes: ["hf-cache:/root/.cache/huggingface"]
    environment:
      - )") +
         std::string(name) + "=" + std::string(value) + "\n    ports: [\"8000:8000\"]\n";
}

TEST(Round15Secrets, APhraseInAProviderNamedVariableIsNoToken) {
  // The held-out case: a made-up phrase where a Hugging Face token would go.
  EXPECT_EQ(ids(run("docker-compose.yml", compose("HF_TOKEN", "my-nsma-is-what")), "K8S006"), V{});
  // Longer phrases of words, with any separator, are no token either.
  for (std::string_view phrase :
       {"put-the-real-hf-token-in-here", "set_this_before_running_it", "my.token.goes.here.ok"})
    EXPECT_EQ(ids(run("docker-compose.yml", compose("HF_TOKEN", phrase)), "K8S006"), V{}) << phrase;
  EXPECT_EQ(
      ids(run("docker-compose.yml", compose("OPENAI_API_KEY", "not-my-openai-key")), "K8S006"),
      V{});
}

TEST(Round15Secrets, AProviderShapeOrAHighEntropyTokenIsStillAnError) {
  // The provider's own shape.
  auto hf = run("docker-compose.yml", compose("HF_TOKEN", "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"));
  ASSERT_EQ(ids(hf, "K8S006"), V{"K8S006@7"});
  EXPECT_EQ(std::find_if(hf.begin(), hf.end(), [](const Finding& f) { return f.rule == "K8S006"; })
                ->severity,
            Severity::kError);
  // A long high-entropy string without the prefix (an old-style token) is still a token.
  EXPECT_EQ(
      ids(run("docker-compose.yml", compose("HF_TOKEN", "Zq8vN3kLw0Rt5YpXc2Hm7Bd")), "K8S006"),
      V{"K8S006@7"});
  // Cloud credentials in the engine's environment: AWS access key ids and GitHub tokens.
  EXPECT_EQ(ids(run("docker-compose.yml", compose("AWS_ACCESS_KEY_ID", "AKIAQ3EGTR7NZK5LWX2M")),
                "K8S006"),
            V{"K8S006@7"});
  EXPECT_EQ(ids(run("docker-compose.yml",
                    compose("GH_TOKEN", "ghp_Qm4ZrTb8WkLpXc2VnYdHsGa9JfUeRoIqPwMt")),
                "K8S006"),
            V{"K8S006@7"});
  // A value with Anthropic's prefix but too short for its keys is not read as an OpenAI sk- key.
  EXPECT_EQ(ids(run("docker-compose.yml", compose("LLM_PROVIDER_KEY", "sk-ant-Qm4ZrTb8WkLpXc2V")),
                "K8S006"),
            V{});
  EXPECT_EQ(ids(run("docker-compose.yml", compose("LLM_PROVIDER_KEY", "sk-Qm4ZrTb8WkLpXc2VnYdHs")),
                "K8S006"),
            V{"K8S006@7"});
  // An AKIA value too short for an access key id, in a variable naming AWS: no key.
  EXPECT_EQ(ids(run("docker-compose.yml", compose("AWS_ACCESS_KEY_ID", "AKIA-not-set")), "K8S006"),
            V{});
}

TEST(Round15Secrets, AKeyTheDeploymentMakesUpItselfHasNoShapeToCheck) {
  // VLLM_API_KEY is whatever the deployment chooses: any non-placeholder literal is the key.
  EXPECT_EQ(ids(run("docker-compose.yml", compose("VLLM_API_KEY", "team-llm-2025-prod")), "K8S006"),
            V{"K8S006@7"});
  EXPECT_EQ(ids(run("docker-compose.yml", compose("VLLM_API_KEY", "${VLLM_API_KEY}")), "K8S006"),
            V{});
}

// A Go handler forwarding its request to OpenAI; `write_back` is the handler's reply.
std::string go_proxy(std::string_view write_back) {
  return std::string(R"(package main

import (
	"io"
	"net/http"
	"time"
)

var httpClient = &http.Client{Timeout: 120 * time.Second}

func handleProxy(w http.ResponseWriter, r *http.Request) {
	url := "https://api.openai.com" + r.URL.Path
	req, err := http.NewRequest(r.Method, url, r.Body)
	if err != nil {
		http.Error(w, "bad request", http.StatusInternalServerError)
		return
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		http.Error(w, "upstream", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
)") + std::string(write_back) +
         R"(
}

func main() {
	http.HandleFunc("/", handleProxy)
	http.ListenAndServe(":8080", nil)
}
)";
}

TEST(Round15Relay, AGoHandlerThatHandsTheUpstreamStatusBackDoesNotRetry) {
  auto relay = run("cmd/proxy/main.go",
                   go_proxy("\tw.WriteHeader(resp.StatusCode)\n\tio.Copy(w, resp.Body)"));
  EXPECT_EQ(ids(relay, "LLM002"), V{}) << testing::PrintToString(ids(relay, "LLM001"));
  // The same call whose handler answers 200 whatever came back: the caller never sees the 429,
  // so nothing retries it.
  auto swallow =
      run("cmd/proxy/main.go", go_proxy("\tw.WriteHeader(http.StatusOK)\n\tio.Copy(w, resp.Body)"));
  EXPECT_EQ(ids(swallow, "LLM002"), V{"LLM002@13"});
}

TEST(Round15Relay, AGoClientThatIsNoHandlerStillRetriesNothing) {
  // A function without an incoming request that copies a status into its own struct is a
  // client: the raw call without backoff is still reported.
  constexpr std::string_view kClient = R"(package main

import (
	"net/http"
	"strings"
	"time"
)

type result struct{ code int }

func ask(prompt string) result {
	c := &http.Client{Timeout: 60 * time.Second}
	req, _ := http.NewRequest("POST", "https://api.openai.com/v1/chat/completions", strings.NewReader(prompt))
	resp, _ := c.Do(req)
	return result{code: resp.StatusCode}
}
)";
  EXPECT_EQ(ids(run("internal/ask.go", kClient), "LLM002"), V{"LLM002@13"});
}

TEST(Round15Relay, PythonAndJavaScriptRelaysDoNotRetry) {
  constexpr std::string_view kFastApi = R"(import requests
from fastapi import FastAPI, Request, Response

app = FastAPI()


@app.post("/v1/chat/completions")
async def relay(request: Request):
    body = await request.body()
    r = requests.post("https://api.openai.com/v1/chat/completions", data=body, timeout=120)
    return Response(content=r.content, status_code=r.status_code)
)";
  EXPECT_EQ(ids(run("app/relay.py", kFastApi), "LLM002"), V{});
  std::string swallow(kFastApi);
  swallow.replace(swallow.find("status_code=r.status_code"), 25, "status_code=200");
  EXPECT_EQ(ids(run("app/relay.py", swallow), "LLM002"), V{"LLM002@10"});

  constexpr std::string_view kFlask = R"(import requests
from flask import Flask, request

app = Flask(__name__)


@app.route("/v1/messages", methods=["POST"])
def relay():
    r = requests.post("https://api.anthropic.com/v1/messages", data=request.data, timeout=120)
    return r.content, r.status_code
)";
  // Flask's view takes no parameter (the request is the module's `request`): the route
  // decorator says it is a handler.
  EXPECT_EQ(ids(run("app/relay_flask.py", kFlask), "LLM002"), V{});
  std::string flask_swallow(kFlask);
  flask_swallow.replace(flask_swallow.find("r.content, r.status_code"), 24, "r.json()");
  EXPECT_EQ(ids(run("app/relay_flask.py", flask_swallow), "LLM002"), V{"LLM002@9"});

  constexpr std::string_view kExpress = R"(import express from "express";

const app = express();
app.use(express.json());

app.post("/v1/chat/completions", async (req, res) => {
  const upstream = await fetch("https://api.openai.com/v1/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: req.headers.authorization },
    body: JSON.stringify(req.body),
    signal: AbortSignal.timeout(120000),
  });
  res.status(upstream.status).send(await upstream.text());
});

app.listen(8080);
)";
  EXPECT_EQ(ids(run("src/server.ts", kExpress), "LLM002"), V{});
  std::string js_swallow(kExpress);
  js_swallow.replace(js_swallow.find("res.status(upstream.status)"), 27, "res.status(200)");
  EXPECT_EQ(ids(run("src/server.ts", js_swallow), "LLM002"), V{"LLM002@7"});
}

}  // namespace
}  // namespace llmctl::audit
