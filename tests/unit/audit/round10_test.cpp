// Round 10 of the real-world audit: the general forms of round 9's held-out false classes.
// (a) A Kustomize base is not the deployed object: an image named like a placeholder
// (replaced-by-kustomize, PLACEHOLDER, <image>, changeme) is no untagged engine image (K8S005),
// and a base whose image, namespace or labels are such placeholders leaves the accelerator to
// its overlays (K8S001 abstains when no GPU field is set). (b) A model streamed from object
// storage (gs://, s3://, az://, --load-format runai_streamer) is no hub download: no weights
// volume (K8S007) and no --revision (K8S011) is asked for. (c) A single-replica worker fed by a
// queue (an env var naming a subscription or queue, or a folder named for asynchronous or batch
// inference) is not taken "offline" by a drain: K8S017 abstains.
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

// A vLLM Deployment; `image`, `ns`, `resources` and `model_args` vary per test.
std::string vllm(std::string_view ns, std::string_view image, std::string_view resources,
                 std::string_view model_args, std::string_view env = "", int replicas = 2) {
  return std::string(R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm
  namespace: )") +
         std::string(ns) + "\nspec:\n  replicas: " + std::to_string(replicas) + R"(
  selector:
    matchLabels:
      app: vllm
  template:
    metadata:
      labels:
        app: vllm
    spec:
      containers:
        - name: inference-server
          image: )" +
         std::string(image) + R"(
          command: ["python3", "-m", "vllm.entrypoints.openai.api_server"]
          args:
)" + std::string(model_args) +
         R"(          env:
            - name: HF_HOME
              value: /data
)" + std::string(env) +
         R"(          resources:
)" + std::string(resources);
}

constexpr std::string_view kHubArgs =
    "            - --model=acme/custom-llm-7b\n"
    "            - --trust-remote-code\n";
constexpr std::string_view kNoResources = "            {}\n";
constexpr std::string_view kGpu =
    "            limits:\n              nvidia.com/gpu: \"1\"\n"
    "            requests:\n              nvidia.com/gpu: \"1\"\n";

TEST(Round10, KustomizeBasePlaceholdersAreNotJudged) {
  // GKE's inference reference architecture: the overlay's images: and patch-resources.yaml fill
  // these in.
  auto fs = run("k8s/vllm/base/deployment.yaml",
                vllm("replaced-by-kustomize", "replaced-by-kustomize", kNoResources, kHubArgs));
  EXPECT_EQ(ids(fs, {"K8S005", "K8S001"}), V{});
}

TEST(Round10, PlaceholderImageSpellings) {
  for (std::string_view img : {"PLACEHOLDER", "<image>", "vllm/vllm-openai:<tag>", "changeme",
                               "registry.example/REPLACE_ME"}) {
    auto fs = run("deploy.yaml", vllm("serving", img, kGpu, kHubArgs));
    EXPECT_EQ(ids(fs, {"K8S005"}), V{}) << img;
  }
}

TEST(Round10, RealUntaggedImageStillReported) {
  // The same manifest with a real image and a real namespace is the deployed object.
  auto fs = run("deploy.yaml", vllm("serving", "vllm/vllm-openai", kNoResources, kHubArgs));
  EXPECT_EQ(ids(fs, {"K8S005", "K8S001"}), (V{"K8S005@18", "K8S001@26"}));
}

TEST(Round10, BaseWithAGpuFieldIsStillChecked) {
  // A base that sets the GPU itself is judged on what it sets: a request without a limit.
  auto fs = run("base/deployment.yaml",
                vllm("replaced-by-kustomize", "replaced-by-kustomize",
                     "            requests:\n              nvidia.com/gpu: \"1\"\n", kHubArgs));
  EXPECT_EQ(ids(fs, {"K8S001"}), V{"K8S001@28"});
}

TEST(Round10, ModelFromObjectStorageIsNoHubDownload) {
  for (std::string_view args :
       {"            - --model=gs://$(MODEL_BUCKET)/Qwen/Qwen2.5-7B-Instruct\n"
        "            - --trust-remote-code\n",
        "            - --model=s3://models/qwen2.5-7b\n            - --trust-remote-code\n",
        "            - --model=Qwen/Qwen2.5-7B-Instruct\n            - "
        "--load-format=runai_streamer\n"
        "            - --trust-remote-code\n"}) {
    auto fs = run("deploy.yaml", vllm("serving", "vllm/vllm-openai:v0.9.1", kGpu, args));
    EXPECT_EQ(ids(fs, {"K8S007", "K8S011"}), V{}) << args;
  }
}

TEST(Round10, HubModelStillAsksForVolumeAndRevision) {
  auto fs = run("deploy.yaml", vllm("serving", "vllm/vllm-openai:v0.9.1", kGpu, kHubArgs));
  // acme/custom-llm-7b is unknown to the catalog and nothing says it ships code: since round 19
  // K8S011 abstains on it; a code-shipping repository still asks for a revision.
  EXPECT_EQ(ids(fs, {"K8S007", "K8S011"}), (V{"K8S007@17"}));
  auto code = run("deploy.yaml", vllm("serving", "vllm/vllm-openai:v0.9.1", kGpu,
                                      "            - --model=deepseek-ai/DeepSeek-V2-Lite-Chat\n"
                                      "            - --trust-remote-code\n"));
  EXPECT_EQ(ids(code, {"K8S011"}), (V{"K8S011@22"}));
  // hf:// names the Hub: still a download.
  auto hf = run("deploy.yaml", vllm("serving", "vllm/vllm-openai:v0.9.1", kGpu,
                                    "            - --model=hf://Qwen/Qwen2.5-7B-Instruct\n"));
  EXPECT_EQ(ids(hf, {"K8S007"}), V{"K8S007@17"});
}

TEST(Round10, QueueFedSingleReplicaIsNotTakenOffline) {
  const std::string env =
      "            - name: PUBSUB_SUBSCRIPTION\n"
      "              value: projects/p/subscriptions/prompts\n";
  auto fs = run("deploy.yaml", vllm("serving", "vllm/vllm-openai:v0.9.1", kGpu, kHubArgs, env, 1));
  EXPECT_EQ(ids(fs, {"K8S017"}), V{});
  // A folder named for asynchronous inference says the same.
  auto async = run("async-inference-gpu/vllm/base/deployment.yaml",
                   vllm("serving", "vllm/vllm-openai:v0.9.1", kGpu, kHubArgs, "", 1));
  EXPECT_EQ(ids(async, {"K8S017"}), V{});
  // An online server with one replica is still reported.
  auto online = run("online-inference-gpu/vllm/deployment.yaml",
                    vllm("serving", "vllm/vllm-openai:v0.9.1", kGpu, kHubArgs, "", 1));
  EXPECT_EQ(ids(online, {"K8S017"}), V{"K8S017@7"});
}

}  // namespace
}  // namespace llmctl::audit
