// Round 20 of the real-world audit: the four false classes of round 19's held-out set, in general
// form, and K8S011's list of code-shipping repositories moved from code into the catalog.
// (a) K8S009's idle-GPU warning counts each nvidia.com/gpu as a device, so it abstains when the
//     file or its project says the GPUs are shared (time-slicing, MPS, a shared-GPU resource or
//     label), and the device plugin's sharing config counts for the whole tree.
// (b) The client-code scanner tells definitions (def, func, function, class and object-literal
//     methods, TS methods with a return type) from calls for every name it recognises, and a
//     method of the object itself (this./super./self.) is not an HTTP library call.
// (c) K8S005 does not judge an image the project builds (compose `build:`) or a name with no
//     registry and no namespace (a local build or a base image: no registry releases an engine
//     there).
// (d) K8S017 does not judge a workload written at replicas: 0.
// (e) data/code_repositories.yaml: K8S011 reads the families through the catalog.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "audit/audit.h"
#include "audit_test_util.h"
#include "catalog/loader.h"

namespace llmctl::audit {
namespace {

using test::cat;
using test::run;
using test::selects;

std::vector<std::string> ids(const std::vector<Finding>& fs, std::string_view prefix) {
  std::vector<std::string> out;
  for (const auto& f : fs)
    if (selects(prefix, f.rule))
      out.push_back(f.file + ":" + f.rule + "@" + std::to_string(f.line));
  return out;
}

using V = std::vector<std::string>;

// --- (a) K8S009 on shared GPUs ----------------------------------------------------------------

// TP 1 on a two-GPU request: one GPU idle when each nvidia.com/gpu is a device.
std::string two_gpu_deploy(std::string_view comment = "") {
  return std::string(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: vllm}
spec:
  replicas: 1
  template:
    spec:
)") + std::string(comment) +
         R"(      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.11.0
          args: [--model, Qwen/Qwen2.5-7B-Instruct, --max-model-len, "8192", --tensor-parallel-size, "1"]
          resources: {limits: {nvidia.com/gpu: 2}}
)";
}

TEST(Round20SharedGpus, IdleGpusAreReportedWhenNothingSaysTheyAreShared) {
  EXPECT_EQ(ids(run("k8s/deploy.yaml", two_gpu_deploy()), "K8S009"),
            V{"k8s/deploy.yaml:K8S009@11"});
  // A word that merely contains the letters (timestamps, MPS without a GPU) says nothing.
  EXPECT_EQ(ids(run("k8s/deploy.yaml",
                    two_gpu_deploy("      # logs carry timestamps; MPS here is the office\n")),
                "K8S009")
                .size(),
            1u);
}

TEST(Round20SharedGpus, TheFileSayingTimeSlicingOrMpsAbstains) {
  for (std::string_view c :
       {"      # one GPU exposed via NVIDIA time-slicing as 8 nvidia.com/gpu replicas\n",
        "      # the GPU runs under CUDA MPS (Multi-Process Service)\n",
        "      # GPU shared with MPS\n"})
    EXPECT_EQ(ids(run("k8s/deploy.yaml", two_gpu_deploy(c)), "K8S009"), V{}) << c;
}

TEST(Round20SharedGpus, AnotherFileOfTheSameProjectSayingItAbstains) {
  const std::string said = two_gpu_deploy("      # nimbus: one GB10 exposed via time-slicing\n");
  // Same folder (no project marker): one project.
  EXPECT_EQ(
      ids(run({{"vllm/nimbus/a.yaml", two_gpu_deploy()}, {"vllm/nimbus/b.yaml", said}}), "K8S009"),
      V{});
  // Another folder is another project: its comment says nothing about this host.
  EXPECT_EQ(
      ids(run({{"vllm/cirrus/a.yaml", two_gpu_deploy()}, {"vllm/nimbus/b.yaml", said}}), "K8S009"),
      V{"vllm/cirrus/a.yaml:K8S009@11"});
}

TEST(Round20SharedGpus, ADevicePluginSharingConfigCountsForTheWholeTree) {
  constexpr std::string_view kConfig = R"(apiVersion: v1
kind: ConfigMap
metadata: {name: time-slicing-config, namespace: gpu-operator}
data:
  any: |-
    version: v1
    sharing:
      timeSlicing:
        resources:
          - name: nvidia.com/gpu
            replicas: 4
)";
  EXPECT_EQ(ids(run({{"apps/llm/deploy.yaml", two_gpu_deploy()},
                     {"cluster/gpu-operator/time-slicing.yaml", std::string(kConfig)}}),
                "K8S009"),
            V{});
}

TEST(Round20SharedGpus, TooFewGpusIsStillAnError) {
  std::string d = two_gpu_deploy("      # GPU time-slicing on this node\n");
  d.replace(d.find("--tensor-parallel-size, \"1\""), 27, "--tensor-parallel-size, \"4\"");
  EXPECT_EQ(ids(run("k8s/deploy.yaml", d), "K8S009"), V{"k8s/deploy.yaml:K8S009@12"});
}

// --- (b) definitions are not calls ------------------------------------------------------------

TEST(Round20Definitions, ATypeScriptMethodNamedFetchIsNoCall) {
  constexpr std::string_view kTs = R"(import { ProviderBase } from "../provider";

export class GoogleAiStudio extends ProviderBase {
  readonly baseUrlProp: string = "https://generativelanguage.googleapis.com";

  async fetch(
    pathname: string,
    init?: Parameters<typeof fetch>[1],
  ): ReturnType<typeof fetch> {
    const url = "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions";
    return super.fetch(pathname, { ...init, headers: { Authorization: `Bearer ${url}` } });
  }
}
)";
  EXPECT_EQ(ids(run("src/providers/google/provider.ts", kTs), "LLM"), V{});
}

TEST(Round20Definitions, ObjectShorthandAndFunctionDefinitionsAreNoCalls) {
  constexpr std::string_view kJs = R"(const URL = "https://api.openai.com/v1/chat/completions";
export default {
  async fetch(request, env) {
    return new Response("relay of " + URL);
  },
};
function post(url, body) {
  return body;
}
)";
  EXPECT_EQ(ids(run("worker.js", kJs), "LLM"), V{});
  // The same file with a real call to the global fetch is judged as before.
  std::string called(kJs);
  called.replace(called.find("return new Response(\"relay of \" + URL);"), 37,
                 "return fetch(URL, { method: \"POST\", body: await request.text() });");
  EXPECT_FALSE(ids(run("worker.js", called), "LLM").empty());
}

TEST(Round20Definitions, PythonAndGoDefinitionsAreNoCalls) {
  constexpr std::string_view kPy = R"(import requests

URL = "https://api.openai.com/v1/chat/completions"


class Client:
    def post(self, url, payload):
        return payload

    def ask(self, payload):
        return self.post(URL, payload)
)";
  EXPECT_EQ(ids(run("app/client.py", kPy), "LLM"), V{});
  // requests.post is the library call, and is judged.
  std::string real(kPy);
  real.replace(real.find("return self.post(URL, payload)"), 30,
               "return requests.post(URL, json=payload)");
  EXPECT_FALSE(ids(run("app/client.py", real), "LLM").empty());
}

TEST(Round20Definitions, ThisAndSuperRelaysAreNoLibraryCalls) {
  constexpr std::string_view kJs = R"(const URL = "https://api.openai.com/v1/chat/completions";
export class Relay extends Base {
  async send(body) {
    return this.post(URL, body);
  }
  async again(body) {
    return super.post(URL, body);
  }
}
)";
  EXPECT_EQ(ids(run("src/relay.js", kJs), "LLM"), V{});
}

// --- (c) K8S005 on images the project builds -------------------------------------------------

std::string compose(std::string_view image, std::string_view extra = "") {
  return std::string("services:\n  llama:\n    image: ") + std::string(image) + "\n" +
         std::string(extra) +
         R"(    command: [vllm, serve, Qwen/Qwen2.5-7B-Instruct, --max-model-len, "8192"]
    deploy:
      resources:
        reservations:
          devices: [{driver: nvidia, count: 1, capabilities: [gpu]}]
)";
}

TEST(Round20LocalImages, AComposeBuildOrARootNamespaceNameIsNotJudged) {
  EXPECT_EQ(ids(run("docker-compose.yml", compose("vllm/vllm-openai:latest")), "K8S005"),
            V{"docker-compose.yml:K8S005@3"});
  EXPECT_EQ(ids(run("docker-compose.yml", compose("vllm/vllm-openai:latest", "    build: .\n")),
                "K8S005"),
            V{});
  EXPECT_EQ(
      ids(run("docker-compose.yml", compose("vllm/vllm-openai:latest", "    pull_policy: build\n")),
          "K8S005"),
      V{});
  EXPECT_EQ(ids(run("docker-compose.yml", compose("llama-cpp-docker")), "K8S005"), V{});
  EXPECT_EQ(ids(run("docker-compose.yml", compose("vllm:latest")), "K8S005"), V{});
  // A registry or a namespace is a pull: judged.
  EXPECT_EQ(ids(run("docker-compose.yml", compose("ghcr.io/acme/vllm")), "K8S005"),
            V{"docker-compose.yml:K8S005@3"});
}

// --- (d) K8S017 at replicas: 0 ----------------------------------------------------------------

TEST(Round20ScaledToZero, ReplicasZeroNeedsNoBudget) {
  std::string one = two_gpu_deploy();
  EXPECT_EQ(ids(run("k8s/deploy.yaml", one), "K8S017"), V{"k8s/deploy.yaml:K8S017@5"});
  std::string zero = one;
  zero.replace(zero.find("replicas: 1"), 11, "replicas: 0");
  EXPECT_EQ(ids(run("k8s/deploy.yaml", zero), "K8S017"), V{});
}

// --- (e) code-shipping repositories come from the catalog ------------------------------------

std::string remote_code(std::string_view model) {
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
         std::string(model) + R"(", --max-model-len, "8192", --trust-remote-code]
          resources: {limits: {nvidia.com/gpu: 1}}
)";
}

TEST(Round20CodeRepositories, TheCatalogListsFamiliesWithTheirSources) {
  const auto* r = cat().find_code_repository("deepseek-ai/DeepSeek-V3-0324");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->id, "deepseek-ai/deepseek-v3");
  EXPECT_NE(r->auto_map.find("modeling_deepseek"), std::string::npos);
  EXPECT_NE(r->provenance.source.find("huggingface.co"), std::string::npos);
  EXPECT_EQ(r->provenance.as_of, "2026-12-05");
  EXPECT_EQ(cat().find_code_repository("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"), nullptr);
  EXPECT_EQ(cat().find_code_repository("bigscience/bloom"), nullptr);
  for (const auto& e : cat().code_repositories) {
    EXPECT_FALSE(e.provenance.source.empty()) << e.id;
    EXPECT_FALSE(e.auto_map.empty()) << e.id;
  }
}

TEST(Round20CodeRepositories, AnOverlayFamilyIsJudgedWithoutACodeChange) {
  EXPECT_EQ(ids(run("deploy.yaml", remote_code("acme/coder-7b")), "K8S011"), V{});
  auto sources = catalog::embedded_sources();
  sources.push_back({"overlay.yaml", R"(code_repositories:
  - {id: acme/coder-, auto_map: "AutoModelForCausalLM: modeling_acme.AcmeForCausalLM", source: "https://huggingface.co/acme/coder-7b/blob/main/config.json", as_of: 2026-12-05}
)"});
  auto with = catalog::load_from_sources(sources);
  ASSERT_TRUE(with.ok()) << with.error().message;
  EXPECT_EQ(ids(run({{"deploy.yaml", remote_code("acme/coder-7b")}}, *with), "K8S011"),
            V{"deploy.yaml:K8S011@10"});
}

TEST(Round20CodeRepositories, ABadEntryNamesTheFileAndField) {
  auto sources = catalog::embedded_sources();
  sources.push_back({"overlay.yaml", R"(code_repositories:
  - {id: Acme/Coder-, auto_map: "x", source: "https://example.org", as_of: 2026-12-05}
)"});
  auto bad = catalog::load_from_sources(sources);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("overlay.yaml"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("id"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("lower-case"), std::string::npos) << bad.error().message;

  sources.back() = {"overlay.yaml", R"(code_repositories:
  - {id: acme/coder-, auto_map: "x", as_of: 2026-12-05}
)"};
  auto nosource = catalog::load_from_sources(sources);
  ASSERT_FALSE(nosource.ok());
  EXPECT_NE(nosource.error().message.find("source"), std::string::npos) << nosource.error().message;
}

}  // namespace
}  // namespace llmctl::audit
