// Round 13 of the real-world audit: the general form of round 12's held-out false class. A
// container is an engine server only when its command or entrypoint IS the engine (vllm serve,
// python -m vllm.entrypoints..., sglang.launch_server, the engine's own image running its
// default entrypoint), not when the engine's name is the value of another program's flag
// (`--backend vllm` on SGLang's bench_serving) and not when the program is a client of the engine:
// `vllm bench serve`, benchmarks/benchmark_serving.py, GuideLLM, GenAI-Perf, inference-perf,
// LLMPerf -- even in the engine's own image. A client needs no GPU, no weights volume and no
// model-load probe.
#include <gtest/gtest.h>

#include <algorithm>

#include "audit/audit.h"
#include "audit/doc.h"
#include "audit_test_util.h"

namespace llmctl::audit {
namespace {

using test::cat;
using test::ids;
using test::run;

using V = std::vector<std::string>;

// The findings of the rules that judge a container as a model server.
std::vector<std::string> server(const std::vector<Finding>& fs) {
  return ids(fs, {"K8S001", "K8S003", "K8S005", "K8S007", "K8S019", "CAP001", "CAP005"});
}

// A one-container Job without GPU limit, probes or volumes; `cmd` is YAML lines at the
// container's indentation (8 spaces). The container starts on line 9.
std::string job(std::string_view image, std::string_view cmd) {
  return std::string(R"(apiVersion: batch/v1
kind: Job
metadata:
  name: bench
spec:
  template:
    spec:
      containers:
      - name: bench
        image: )") +
         std::string(image) + "\n" + std::string(cmd) + "      restartPolicy: Never\n";
}

// The same container as a Deployment's (starts on line 10).
std::string deployment(std::string_view image, std::string_view cmd) {
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
         std::string(image) + "\n" + std::string(cmd);
}

TEST(AuditRound13, BackendValueOfABenchmarkClientIsNotTheEngine) {
  // Round 12's held-out Job (volcano-sh/kthena): SGLang-style bench_serving arguments in a
  // benchmark image; `vllm` is the value of --backend.
  std::string args = R"(        args:
        - --host
        - "router.system"
        - --backend
        - "vllm"
        - --model
        - "meta-llama/Llama-3.1-8B-Instruct"
        - --request-rate
        - "800"
)";
  EXPECT_EQ(server(run("bench/job.yaml", job("ghcr.io/acme/benchmark:1.0", args))), V{});
}

TEST(AuditRound13, FlagValueAnywhereIsNotTheEngineBinary) {
  // No client marker at all: only the flag-value position tells `vllm` is not the program.
  std::string args = R"(        command: ["/app/loadtest"]
        args: ["--target", "http://llm:8000", "--api", "vllm", "--model", "Qwen/Qwen2.5-7B-Instruct"]
)";
  EXPECT_EQ(server(run("k8s/load.yaml", deployment("acme/traffic:2.1", args))), V{});
}

TEST(AuditRound13, VllmBenchServeIsAClientEvenInTheEnginesImage) {
  for (
      std::string_view cmd : {
          R"(        command: ["vllm", "bench", "serve"]
        args: ["--backend", "vllm", "--base-url", "http://vllm:8000", "--model", "Qwen/Qwen2.5-7B-Instruct"]
)",
          R"(        command: ["/bin/sh", "-c"]
        args:
        - |
          pip install pandas
          vllm bench serve --backend openai-chat --base-url http://vllm:8000 --model Qwen/Qwen2.5-7B-Instruct
)",
          R"(        command: ["python3", "benchmarks/benchmark_serving.py", "--backend", "vllm", "--model", "Qwen/Qwen2.5-7B-Instruct"]
)",
          R"(        command: ["python3", "-m", "sglang.bench_serving", "--backend", "sglang", "--model", "Qwen/Qwen2.5-7B-Instruct"]
)"}) {
    SCOPED_TRACE(cmd);
    EXPECT_EQ(server(run("bench/job.yaml", job("vllm/vllm-openai:v0.11.0", cmd))), V{});
    EXPECT_EQ(server(run("bench/job.yaml", job("lmsysorg/sglang:v0.5.2-cu126", cmd))), V{});
  }
}

TEST(AuditRound13, LoadGeneratorsAreClients) {
  for (
      std::string_view cmd : {
          R"(        command: ["guidellm", "benchmark", "--target", "http://vllm:8000", "--backend-type", "openai_http", "--model", "Qwen/Qwen2.5-7B-Instruct"]
)",
          R"(        command: ["genai-perf", "profile", "-m", "Qwen/Qwen2.5-7B-Instruct", "--service-kind", "openai", "--backend", "vllm"]
)",
          R"(        command: ["inference-perf", "--config_file", "/etc/config.yml"]
)"}) {
    SCOPED_TRACE(cmd);
    EXPECT_EQ(server(run("bench/job.yaml", job("ghcr.io/acme/tools:1.0", cmd))), V{});
  }
}

TEST(AuditRound13, ClientImagesNamedAfterTheEngine) {
  std::string args =
      R"(        args: ["--model", "Qwen/Qwen2.5-7B-Instruct", "--num-prompts", "100"]
)";
  for (std::string_view image :
       {"acme/vllm-benchmark:1.0", "ghcr.io/acme/sglang-bench:2", "acme/vllm-client:0.3"}) {
    SCOPED_TRACE(image);
    EXPECT_EQ(server(run("bench/job.yaml", job(image, args))), V{});
  }
}

TEST(AuditRound13, ServersAreStillServers) {
  // The engine as the program: bare binary first, module entry point, engine image with only
  // its flags, a server and its benchmark in one script (the server wins).
  for (
      std::string_view cmd : {
          R"(        command: ["vllm"]
        args: ["serve", "Qwen/Qwen2.5-7B-Instruct", "--max-model-len", "8192"]
)",
          R"(        command: ["/usr/local/bin/vllm", "serve", "Qwen/Qwen2.5-7B-Instruct"]
)",
          R"(        command: ["python3", "-m", "vllm.entrypoints.openai.api_server", "--model", "Qwen/Qwen2.5-7B-Instruct"]
)",
          R"(        args: ["--model", "Qwen/Qwen2.5-7B-Instruct", "--max-model-len", "8192"]
)",
          R"(        command: ["/bin/sh", "-c"]
        args:
        - |
          vllm serve Qwen/Qwen2.5-7B-Instruct --max-model-len 8192 &
          sleep 60 && vllm bench serve --backend vllm --model Qwen/Qwen2.5-7B-Instruct
          wait
)"}) {
    SCOPED_TRACE(cmd);
    EXPECT_EQ(ids(run("k8s/vllm.yaml", deployment("vllm/vllm-openai:v0.11.0", cmd)), {"K8S001"}),
              V{"K8S001@10"});
  }
  // The engine binary after an option terminator is still the program.
  std::string term = R"(        command: ["tini", "--", "vllm", "serve", "Qwen/Qwen2.5-7B-Instruct"]
)";
  EXPECT_EQ(ids(run("k8s/vllm.yaml", deployment("acme/base:1.0", term)), {"K8S001"}),
            V{"K8S001@10"});
}

TEST(AuditRound13, StrayFlowEntryIsReportedNotHung) {
  // yaml-cpp 0.7 never returns on these (a mangled LiteLLM config of the corpus, minimised): the
  // file is reported unparsable instead. Under ctest, a regression is a timeout.
  for (std::string_view text :
       {", b\nc: 2\n", "# c\n, GW002, GW003\n  max_parallel_requests: 2 0\n"}) {
    SCOPED_TRACE(text);
    Auditor a(cat(), {});
    FileResult r = a.audit_file("config.yaml", "config.yaml", text);
    EXPECT_TRUE(r.findings.empty());
  }
  // A comma inside a multi-line flow sequence is still YAML.
  auto docs = detail::parse_yaml_cpp("args: [a\n  , b]\n");
  ASSERT_TRUE(docs.ok());
}

}  // namespace
}  // namespace llmctl::audit
