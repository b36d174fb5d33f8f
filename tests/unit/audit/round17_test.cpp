// Round 17 of the real-world audit: three false classes of round 16's held-out set, in general
// form.
// (a) OBS001 judges a query on a renamed or removed engine metric against the engine releases
//     the audited tree deploys (image tags of the engine's own build, Helm repository/tag,
//     a chart's appVersion): when every pinned release is older than the one that deprecated
//     the name, the name is current there and nothing is reported; a floating tag or no pin
//     at all keeps the finding.
// (b) K8S005: a :latest image whose path pins a release (a /1.18.0/ segment, a last component
//     ending in -2.4.0) is not floating; an image that is not the engine's own build is called
//     an image, not an engine image.
// (c) K8S002 names the collective library of the pod's accelerator (NCCL, RCCL, HCCL) and is
//     an error only for NCCL on NVIDIA GPUs, which is known to fail in the 64 MiB default.
#include <gtest/gtest.h>

#include <utility>

#include "audit/audit.h"
#include "audit_test_util.h"

namespace llmctl::audit {
namespace {

using test::cat;
using test::first;
using test::run;

std::vector<std::string> ids(const std::vector<Finding>& fs, std::string_view rule) {
  std::vector<std::string> out;
  for (const auto& f : fs)
    if (f.rule == rule) out.push_back(f.file + "@" + std::to_string(f.line));
  return out;
}

using V = std::vector<std::string>;

constexpr std::string_view kDashboard = R"json({
  "title": "vLLM",
  "panels": [
    {
      "type": "timeseries",
      "title": "KV cache",
      "targets": [
        {"expr": "avg(vllm:gpu_cache_usage_perc)"}
      ]
    }
  ]
}
)json";

constexpr std::string_view kOldValues = R"(image:
  # -- The image repository for the application.
  repository: ghcr.io/neuralmagic/nm-vllm-openai
  pullPolicy: IfNotPresent
  tag: v0.1.0
)";

TEST(AuditRound17, RenamedMetricCurrentInThePinnedEngineIsNotReported) {
  EXPECT_EQ(
      ids(run({{"dash/default.json", kDashboard}, {"nm-vllm/values.yaml", kOldValues}}), "OBS001"),
      V{});
}

TEST(AuditRound17, RenamedMetricIsReportedWhenTheEngineIsNewerFloatingOrNotShown) {
  const V want{"dash/default.json@8"};
  EXPECT_EQ(ids(run({{"dash/default.json", kDashboard}}), "OBS001"), want);
  constexpr std::string_view kNew = "image: vllm/vllm-openai:v0.10.1\n";
  EXPECT_EQ(ids(run({{"dash/default.json", kDashboard}, {"deploy/compose.yaml", kNew}}), "OBS001"),
            want);
  constexpr std::string_view kLatest = "image: vllm/vllm-openai:latest\n";
  EXPECT_EQ(
      ids(run({{"dash/default.json", kDashboard}, {"deploy/compose.yaml", kLatest}}), "OBS001"),
      want);
  // One old pin and one current one: some deployment of this project runs the newer engine.
  EXPECT_EQ(ids(run({{"dash/default.json", kDashboard},
                     {"nm-vllm/values.yaml", kOldValues},
                     {"deploy/compose.yaml", kNew}}),
                "OBS001"),
            want);
  // A pin of another engine says nothing about vLLM.
  constexpr std::string_view kSglang = "image: lmsysorg/sglang:v0.3.0\n";
  EXPECT_EQ(
      ids(run({{"dash/default.json", kDashboard}, {"deploy/compose.yaml", kSglang}}), "OBS001"),
      want);
}

TEST(AuditRound17, EngineChartAppVersionPinsTheEngine) {
  constexpr std::string_view kChart =
      "apiVersion: v2\nname: nm-vllm\nversion: 0.3.0\nappVersion: \"v0.4.2\"\n";
  EXPECT_EQ(ids(run({{"dash/default.json", kDashboard}, {"charts/nm-vllm/Chart.yaml", kChart}}),
                "OBS001"),
            V{});
  // A chart that is not an engine's says nothing about the engine's release.
  constexpr std::string_view kOther =
      "apiVersion: v2\nname: grafana-dashboards\nversion: 0.3.0\nappVersion: \"0.4.2\"\n";
  EXPECT_EQ(
      ids(run({{"dash/default.json", kDashboard}, {"charts/dash/Chart.yaml", kOther}}), "OBS001"),
      V{"dash/default.json@8"});
}

TEST(AuditRound17, DashboardInAConfigMapFollowsThePinnedEngine) {
  constexpr std::string_view kConfigMap = R"y(apiVersion: v1
kind: ConfigMap
metadata:
  name: vllm-dashboard
data:
  vllm.json: |
    {
      "panels": [
        {
          "targets": [
            {"expr": "avg(vllm:gpu_cache_usage_perc)"}
          ]
        }
      ]
    }
)y";
  constexpr std::string_view kOldPod = R"(apiVersion: v1
kind: Pod
metadata:
  name: vllm
spec:
  containers:
    - name: vllm
      image: vllm/vllm-openai:v0.6.3.post1
      args: [--model, facebook/opt-125m]
)";
  EXPECT_EQ(ids(run({{"k8s/dashboard.yaml", kConfigMap}}), "OBS001"), V{"k8s/dashboard.yaml@11"});
  EXPECT_EQ(ids(run({{"k8s/dashboard.yaml", kConfigMap}, {"k8s/pod.yaml", kOldPod}}), "OBS001"),
            V{});
}

constexpr std::string_view kGaudi = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm-llama
spec:
  replicas: 1
  selector:
    matchLabels: {app: vllm}
  template:
    metadata:
      labels: {app: vllm}
    spec:
      containers:
        - image: vault.habana.ai/gaudi-docker/1.18.0/ubuntu22.04/habanalabs/pytorch-installer-2.4.0:latest
          name: vllm
          command: [python3, -m, vllm.entrypoints.openai.api_server]
          args: [--model, meta-llama/Llama-3.1-8B-Instruct, --tensor-parallel-size, "8", --max-model-len, "4096"]
          resources:
            limits:
              habana.ai/gaudi: 8
)";

TEST(AuditRound17, VendorImageWithReleaseInItsPathIsNotFloating) {
  EXPECT_EQ(ids(run({{"k8s/vllm.yaml", kGaudi}}), "K8S005"), V{});
  std::string pod = std::string(kGaudi);
  pod.replace(pod.find("image: vault"),
              pod.find('\n', pod.find("image: vault")) - pod.find("image: vault"),
              "image: pytorch/pytorch:latest");
  auto fs = run({{"k8s/vllm.yaml", pod}});
  ASSERT_EQ(ids(fs, "K8S005"), V{"k8s/vllm.yaml@14"});
  for (const auto& f : fs)
    if (f.rule == "K8S005") {
      EXPECT_EQ(f.message.rfind("image 'pytorch/pytorch:latest'", 0), 0u) << f.message;
    }
  // The engine's own build, unpinned, is still an engine image.
  std::string own = std::string(kGaudi);
  own.replace(own.find("image: vault"),
              own.find('\n', own.find("image: vault")) - own.find("image: vault"),
              "image: vllm/vllm-openai:latest");
  for (const auto& f : run({{"k8s/vllm.yaml", own}}))
    if (f.rule == "K8S005") {
      EXPECT_EQ(f.message.rfind("engine image", 0), 0u) << f.message;
    }
  EXPECT_EQ(ids(run({{"k8s/vllm.yaml", own}}), "K8S005"), V{"k8s/vllm.yaml@14"});
}

TEST(AuditRound17, SharedMemoryFindingNamesTheAcceleratorsLibrary) {
  auto gaudi = run({{"k8s/vllm.yaml", kGaudi}});
  const Finding* g = first(gaudi, "K8S002");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->severity, Severity::kWarning);
  EXPECT_NE(g->message.find("HCCL"), std::string::npos) << g->message;
  EXPECT_EQ(g->message.find("NCCL needs"), std::string::npos) << g->message;
  EXPECT_NE(g->message.find("8 HPU ranks"), std::string::npos) << g->message;

  auto with = [&](std::string_view resource) {
    std::string y = std::string(kGaudi);
    y.replace(y.find("habana.ai/gaudi: 8"), std::string_view("habana.ai/gaudi").size(), resource);
    return y;
  };
  // Each report kept in a variable: a finding points into the report that holds it.
  std::string amd_text = with("amd.com/gpu");
  auto amd = run({{"k8s/vllm.yaml", amd_text}});
  const Finding* a = first(amd, "K8S002");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->severity, Severity::kWarning);
  EXPECT_NE(a->message.find("RCCL needs shared memory"), std::string::npos) << a->message;

  std::string nv_text = with("nvidia.com/gpu");
  auto nvidia = run({{"k8s/vllm.yaml", nv_text}});
  const Finding* n = first(nvidia, "K8S002");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->severity, Severity::kError);
  EXPECT_NE(n->message.find("NCCL needs shared memory"), std::string::npos) << n->message;
}

}  // namespace
}  // namespace llmctl::audit
