// Round 12 of the real-world audit: the general form of round 11's held-out false class. An image
// is an engine (or another model server) only if it is that server's own build, not an
// application named after the server it calls. (a) Llama Stack's distribution-remote-vllm sets
// VLLM_URL, VLLM_MAX_TOKENS and VLLM_API_TOKEN for its client and runs its own server with
// --port: neither a client's settings under the engine's prefix nor a flag every server takes
// shows vLLM. (b) Llama Stack's distribution-ollama is named after its inference provider: the
// Ollama note is for images whose name is Ollama's build as a whole (ollama/ollama,
// acme/ollama-rocm) or whose organisation is Ollama's.
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

// A one-container Deployment without GPU limit or probes; `env` and `cmd` are YAML lines at the
// container's indentation (8 spaces). The container starts on line 10.
std::string deployment(std::string_view image, std::string_view env, std::string_view cmd) {
  return std::string(R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: app
        image: )") +
         std::string(image) + "\n" + std::string(env) + std::string(cmd);
}

constexpr std::string_view kClientEnv = R"(        env:
        - name: VLLM_URL
          value: "http://vllm:8000/v1"
        - name: VLLM_MAX_TOKENS
          value: "4096"
        - name: VLLM_API_TOKEN
          value: "fake"
)";

constexpr std::string_view kLlamaStackCmd =
    R"(        command: ["python", "-m", "llama_stack.distribution.server.server"]
        args: ["--config", "/app/run.yaml", "--port", "8321"]
)";

// ---- (a) an application named after the engine it calls ----

TEST(AuditRound12, LlamaStackRemoteVllmIsNotAnEngine) {
  auto fs = run("k8s/llamastack.yaml", deployment("llamastack/distribution-remote-vllm:0.2.1",
                                                  kClientEnv, kLlamaStackCmd));
  EXPECT_EQ(ids(fs, {"K8S001", "K8S019", "K8S005", "K8S003", "K8S012"}), V{});
}

TEST(AuditRound12, ClientAddressMakesTheEnvAClients) {
  // No command line at all: only the env vars could show the engine, and VLLM_URL says they are
  // a client's.
  auto fs = run("k8s/rag.yaml", deployment("acme/rag-vllm:1.4", kClientEnv, ""));
  EXPECT_EQ(ids(fs, {"K8S001", "K8S019"}), V{});
}

TEST(AuditRound12, EngineSideEnvStillShowsTheEngine) {
  // A custom build named after vLLM with a variable vLLM itself reads and no client address:
  // the engine, judged as one.
  std::string env = R"(        env:
        - name: VLLM_ATTENTION_BACKEND
          value: FLASHINFER
)";
  auto fs = run("k8s/custom.yaml", deployment("acme/llama-vllm-server:1.0", env, ""));
  EXPECT_EQ(ids(fs, {"K8S001"}), V{"K8S001@10"});
}

TEST(AuditRound12, PortAloneDoesNotShowTheEngineButAnEngineFlagDoes) {
  std::string port_only = R"(        args: ["--port", "8321", "--host", "0.0.0.0"]
)";
  EXPECT_EQ(ids(run("k8s/a.yaml", deployment("acme/chat-vllm:2.0", "", port_only)), {"K8S001"}),
            V{});
  std::string tp = R"(        args: ["--port", "8000", "--tensor-parallel-size", "2"]
)";
  EXPECT_EQ(ids(run("k8s/b.yaml", deployment("acme/chat-vllm:2.0", "", tp)), {"K8S001"}),
            V{"K8S001@10"});
}

TEST(AuditRound12, EnginesOwnBuildNeedsNothingElse) {
  // vllm/vllm-openai is the engine's build whatever its env says.
  auto fs = run("k8s/vllm.yaml", deployment("vllm/vllm-openai:v0.9.1", kClientEnv, ""));
  EXPECT_EQ(ids(fs, {"K8S001"}), V{"K8S001@10"});
}

// ---- (b) a Llama Stack distribution named after its inference provider ----

std::string compose(std::string_view image) {
  return std::string("services:\n  app:\n    image: ") + std::string(image) +
         "\n    ports:\n      - \"8321:8321\"\n";
}

TEST(AuditRound12, LlamaStackDistributionOllamaIsNotOllama) {
  EXPECT_EQ(
      ids(run("docker-compose.yml", compose("llamastack/distribution-ollama:0.2.9")), {"K8S020"}),
      V{});
  EXPECT_EQ(ids(run("docker-compose.yml", compose("ghcr.io/acme/rag-ollama-ui:1.0")), {"K8S020"}),
            V{});
}

TEST(AuditRound12, OllamasOwnBuildsAreOllama) {
  for (std::string_view image : {"ollama/ollama:0.9.0", "docker.io/ollama/ollama:0.9.0-rocm",
                                 "acme/ollama-rocm:0.9", "ollama/ollama-with-models:1"}) {
    SCOPED_TRACE(image);
    EXPECT_EQ(ids(run("docker-compose.yml", compose(image)), {"K8S020"}), V{"K8S020@3"});
  }
}

}  // namespace
}  // namespace llmctl::audit
