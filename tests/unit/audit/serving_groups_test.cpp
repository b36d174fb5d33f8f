// Serving groups and operators' kinds: multi-node layouts (LeaderWorkerSet, Ray, SGLang --nnodes,
// production-stack raySpec, KServe workers) are judged as one group, workers through their
// leader; KServe LLMInferenceService, ServingRuntime, KubeAI Model and Ray Serve LLM are read;
// kinds the audit does not understand get one note; joins stay within a project root.
#include <gtest/gtest.h>

#include <algorithm>

#include "audit/audit.h"
#include "audit_test_util.h"

namespace llmctl::audit {
namespace {

using test::cat;
using test::first;
using test::has;
using test::ids;
using test::run;

// A LeaderWorkerSet running one SGLang TP-2 group over two pods with one GPU each.
constexpr std::string_view kLws = R"(apiVersion: leaderworkerset.x-k8s.io/v1
kind: LeaderWorkerSet
metadata: {name: sgl}
spec:
  replicas: 2
  leaderWorkerTemplate:
    size: 2
    leaderTemplate:
      spec:
        containers:
          - name: leader
            image: lmsysorg/sglang:v0.5.9
            command: [python3, -m, sglang.launch_server, --model-path, Qwen/Qwen3-8B,
                      --context-length, "8192", --tp, "TP", --nnodes, $(LWS_GROUP_SIZE),
                      --node-rank, $(LWS_WORKER_INDEX)]
            resources: {limits: {nvidia.com/gpu: 1}}
            readinessProbe: {tcpSocket: {port: 30000}}
    workerTemplate:
      spec:
        containers:
          - name: worker
            image: lmsysorg/sglang:v0.5.9
            command: [python3, -m, sglang.launch_server, --model-path, Qwen/Qwen3-8B,
                      --context-length, "8192", --tp, "TP", --nnodes, $(LWS_GROUP_SIZE),
                      --node-rank, $(LWS_WORKER_INDEX)]
            resources: {limits: {nvidia.com/gpu: 1}}
)";

std::string with_tp(std::string_view text, std::string_view tp) {
  std::string s(text);
  for (size_t at; (at = s.find("\"TP\"")) != std::string::npos;)
    s.replace(at, 4, "\"" + std::string(tp) + "\"");
  return s;
}

TEST(ServingGroups, LeaderWorkerSetGpusAreSummedOverTheGroup) {
  auto ok = run("lws.yaml", with_tp(kLws, "2"));
  EXPECT_FALSE(has(ok, "K8S009")) << testing::PrintToString(ids(ok));
  // Workers are judged through their leader: no second copy of the leader's findings.
  int weights = 0;
  for (const auto& f : ok) weights += f.rule == "K8S007";
  EXPECT_EQ(weights, 1) << testing::PrintToString(ids(ok));

  auto too_big = run("lws.yaml", with_tp(kLws, "4"));
  const Finding* k = first(too_big, "K8S009");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->severity, Severity::kError);
  EXPECT_NE(k->message.find("2 GPUs in the group (LeaderWorkerSet size 2"), std::string::npos)
      << k->message;
  EXPECT_EQ(k->line, 14);  // the leader's flag, once

  // One GPU idle is waste, not a failure: a warning.
  auto idle = run("lws.yaml", with_tp(kLws, "1"));
  k = first(idle, "K8S009");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->severity, Severity::kWarning);
}

TEST(ServingGroups, SglangNnodesMultipliesThePodsGpus) {
  // A StatefulSet whose two pods form one TP-16 group (sgl-project/sglang's k8s example).
  std::string sts = R"(apiVersion: apps/v1
kind: StatefulSet
metadata: {name: sgl}
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: s
          image: lmsysorg/sglang:v0.5.9
          command: [bash, -c]
          args:
            - |
              python3 -m sglang.launch_server --model-path /llm --tp 16 --nnodes 2 \
                --node-rank $POD_INDEX --trust-remote-code
          resources: {limits: {nvidia.com/gpu: "8"}}
)";
  auto fs = run("sts.yaml", sts);
  EXPECT_FALSE(has(fs, "K8S009")) << testing::PrintToString(ids(fs));
  // A local path: no remote code from a hub, no "not in the catalog" guess.
  EXPECT_FALSE(has(fs, "K8S011"));
  EXPECT_FALSE(has(fs, "CAP005"));
}

TEST(ServingGroups, RayClusterWithTheEngineInTheHead) {
  std::string fleet = R"(apiVersion: ray.io/v1
kind: RayCluster
metadata: {name: r}
spec:
  headGroupSpec:
    template:
      spec:
        containers:
          - name: head
            image: vllm/vllm-openai:v0.11.0
            command: [/bin/bash, -lc, --]
            args: ["ray start --head; vllm serve Qwen/Qwen3-8B --max-model-len 8192 --tensor-parallel-size 4 --distributed-executor-backend ray"]
            resources: {limits: {nvidia.com/gpu: 2}}
  workerGroupSpecs:
    - replicas: 1
      template:
        spec:
          containers:
            - name: w
              image: vllm/vllm-openai:v0.11.0
              resources: {limits: {nvidia.com/gpu: 2}}
)";
  auto fs = run("ray.yaml", fleet);
  EXPECT_FALSE(has(fs, "K8S009")) << testing::PrintToString(ids(fs));
  std::string short_of_gpus = fleet;
  short_of_gpus.replace(short_of_gpus.find("replicas: 1"), 11, "replicas: 0");
  auto bad = run("ray.yaml", short_of_gpus);
  const Finding* k = first(bad, "K8S009");
  ASSERT_NE(k, nullptr) << testing::PrintToString(ids(bad));
  EXPECT_EQ(k->severity, Severity::kError);
}

TEST(ServingGroups, RayServeLlmConfigsAreRead) {
  std::string svc = R"(apiVersion: ray.io/v1
kind: RayService
metadata: {name: llm}
spec:
  serveConfigV2: |
    applications:
    - name: llms
      import_path: ray.serve.llm:build_openai_app
      args:
        llm_configs:
        - model_loading_config:
            model_id: big
            model_source: Qwen/Qwen3-235B-A22B
          engine_kwargs:
            tensor_parallel_size: 8
            max_model_len: 8192
    - name: custom
      import_path: my_app:deployment
  rayClusterConfig:
    headGroupSpec:
      template:
        spec:
          containers: [{name: head, image: rayproject/ray-llm:2.52.0-py311-cu128}]
    workerGroupSpecs:
    - replicas: 1
      template:
        spec:
          containers:
          - name: w
            image: rayproject/ray-llm:2.52.0-py311-cu128
            resources: {limits: {nvidia.com/gpu: "4"}}
)";
  auto fs = run("svc.yaml", svc);
  // TP 8 on a cluster of 4 GPUs cannot be placed.
  const Finding* k = first(fs, "K8S009");
  ASSERT_NE(k, nullptr) << testing::PrintToString(ids(fs));
  EXPECT_EQ(k->line, 15);  // tensor_parallel_size inside the serve config block
  // The application given as code gets the note, once.
  int notes = 0;
  for (const auto& f : fs) notes += f.rule == "K8S020";
  EXPECT_EQ(notes, 1);
  // Ray's pods hold the GPUs by design (a head without one is normal).
  EXPECT_FALSE(has(fs, "K8S001"));
}

TEST(ServingGroups, ProductionStackRaySpecCountsTheHeadAndTheWorkers) {
  std::string values = R"(servingEngineSpec:
  modelSpec:
  - name: pp
    repository: lmcache/vllm-openai
    tag: v0.3.1
    modelURL: meta-llama/Llama-3.1-8B-Instruct
    replicaCount: 1
    requestGPU: 1
    pvcStorage: 50Gi
    vllmConfig:
      maxModelLen: 8192
      tensorParallelSize: 1
      pipelineParallelSize: 2
    shmSize: 20Gi
    raySpec:
      enabled: true
      headNode: {requestGPU: 1}
  - name: off
    enabled: false
    repository: vllm/vllm-openai
    tag: latest
    modelURL: facebook/opt-125m
    requestGPU: 1
)";
  auto fs = run("values.yaml", values);
  EXPECT_TRUE(fs.empty()) << testing::PrintToString(ids(fs));
}

TEST(OperatorKinds, LlmInferenceServiceParallelismAndWorkers) {
  std::string llm = R"(apiVersion: serving.kserve.io/v1alpha2
kind: LLMInferenceService
metadata: {name: dp}
spec:
  model: {uri: "hf://Qwen/Qwen3-30B-A3B", name: Qwen/Qwen3-30B-A3B}
  parallelism: {data: 16, dataLocal: 8, tensor: 1, expert: true}
  template:
    containers:
      - name: main
        env: [{name: VLLM_ADDITIONAL_ARGS, value: "--max-model-len 8192"}]
        resources: {limits: {nvidia.com/gpu: "8"}}
  worker:
    containers:
      - name: main
        resources: {limits: {nvidia.com/gpu: "8"}}
)";
  auto fs = run("llm.yaml", llm);
  EXPECT_FALSE(has(fs, "K8S009")) << testing::PrintToString(ids(fs));
  EXPECT_FALSE(has(fs, "K8S002"));  // the config template mounts /dev/shm
  EXPECT_FALSE(has(fs, "K8S008"));  // from VLLM_ADDITIONAL_ARGS
  EXPECT_FALSE(has(fs, "CAP005"));
  std::string wrong = llm;
  wrong.replace(wrong.find("tensor: 1"), 9, "tensor: 2");
  EXPECT_TRUE(has(run("llm.yaml", wrong), "K8S009"));
}

TEST(OperatorKinds, ServingRuntimeProbesAreTheRuntimes) {
  std::string rt = R"(apiVersion: serving.kserve.io/v1alpha1
kind: ClusterServingRuntime
metadata: {name: hf}
spec:
  containers:
    - name: kserve-container
      image: kserve/huggingfaceserver:v0.15.0
      livenessProbe: {exec: {command: [true]}, periodSeconds: 5, failureThreshold: 2}
)";
  // The runtime's liveness is every InferenceService's: 10 s of failures, and no startupProbe
  // to cover the load.
  auto fs = run("rt.yaml", rt);
  EXPECT_EQ(ids(fs), (std::vector<std::string>{"K8S003@6", "K8S004@8"}));
}

TEST(OperatorKinds, KubeAiModel) {
  std::string model = R"(apiVersion: kubeai.org/v1
kind: Model
metadata: {name: big}
spec:
  url: hf://neuralmagic/Meta-Llama-3.1-70B-Instruct-FP8
  engine: VLLM
  args: [--max-model-len=8192, --tensor-parallel-size=1]
  minReplicas: 1
  resourceProfile: nvidia-gpu-l4:1
---
apiVersion: kubeai.org/v1
kind: Model
metadata: {name: small}
spec:
  url: ollama://gemma3:27b
  engine: OLlama
  minReplicas: 1
  resourceProfile: nvidia-gpu-l4:1
)";
  auto fs = run("models.yaml", model);
  // A re-upload (neuralmagic/...-FP8) resolves to the catalog model, in fp8: 70B does not fit
  // one L4.
  EXPECT_TRUE(has(fs, "CAP001")) << testing::PrintToString(ids(fs));
  EXPECT_TRUE(has(fs, "K8S007"));  // no cacheProfile
  const Finding* note = first(fs, "K8S020");
  ASSERT_NE(note, nullptr);
  EXPECT_NE(note->message.find("OLlama"), std::string::npos);
}

TEST(OperatorKinds, UnknownKindRunningAModelServerGetsOneNote) {
  std::string nim = R"(apiVersion: apps.nvidia.com/v1alpha1
kind: NIMService
metadata: {name: llama}
spec:
  image: {repository: nvcr.io/nim/meta/llama3-8b-instruct, tag: 1.0.3}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec: {template: {spec: {containers: [{name: c, image: nginx:1.27}]}}}
)";
  auto fs = run("nim.yaml", nim);
  EXPECT_EQ(ids(fs), std::vector<std::string>{"K8S020@3"});
  EXPECT_EQ(fs[0].severity, Severity::kNote);
}

TEST(ProjectScope, JoinsStayInsideAProjectRoot) {
  Auditor a(cat(), {});
  std::string svc = "apiVersion: v1\nkind: Service\nmetadata: {name: vllm}\n";
  std::string pod = R"(apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: vllm
      image: vllm/vllm-openai:v0.11.0
      args: [--model, Qwen/Qwen3-8B, --max-model-len, "8192"]
      resources: {limits: {nvidia.com/gpu: 1}}
)";
  auto joined = [&](std::vector<std::pair<std::string, std::string>> files) {
    ProjectFacts facts;
    for (const auto& [rel, text] : files) facts.merge(a.audit_file(rel, rel, text).facts);
    return ids(a.finish(facts));
  };
  // Same folder: one project.
  EXPECT_EQ(joined({{"deploy/pod.yaml", pod}, {"deploy/svc.yaml", svc}}),
            std::vector<std::string>{"K8S013@6"});
  // Sibling folders without a marker: two projects, no join.
  EXPECT_TRUE(joined({{"a/pod.yaml", pod}, {"b/svc.yaml", svc}}).empty());
  // A kustomization above both makes them one project.
  EXPECT_EQ(joined({{"app/kustomization.yaml", "resources: [a/pod.yaml, b/svc.yaml]\n"},
                    {"app/a/pod.yaml", pod},
                    {"app/b/svc.yaml", svc}}),
            std::vector<std::string>{"K8S013@6"});
  // Different namespaces never join.
  std::string svc_ns = "apiVersion: v1\nkind: Service\nmetadata: {name: vllm, namespace: x}\n";
  EXPECT_TRUE(joined({{"deploy/pod.yaml", pod}, {"deploy/svc.yaml", svc_ns}}).empty());
}

}  // namespace

// Round 3 (the round-2 held-out set's false classes and gaps), each as a general case.

TEST(Round3, UnresolvedModelReferenceIsNotAModelOutsideTheCatalog) {
  for (std::string_view model : {"${LLM_MODEL_ID}", "$(MODEL)", "{{ .Values.model }}"}) {
    std::string compose = std::string(R"(services:
  vllm:
    image: vllm/vllm-openai:v0.11.0
    ipc: host
    command: ["--model", ")") +
                          std::string(model) + R"("]
    deploy:
      resources:
        reservations:
          devices: [{driver: nvidia, count: 1, capabilities: [gpu]}]
)";
    auto fs = run("compose.yaml", compose);
    EXPECT_FALSE(has(fs, "CAP005")) << model << " " << testing::PrintToString(ids(fs));
  }
  // A literal model outside the catalog still gets its note.
  auto fs = run("compose.yaml", R"(services:
  vllm:
    image: vllm/vllm-openai:v0.11.0
    ipc: host
    command: ["--model", "my-org/private-model"]
    deploy:
      resources:
        reservations:
          devices: [{driver: nvidia, count: 1, capabilities: [gpu]}]
)");
  EXPECT_TRUE(has(fs, "CAP005")) << testing::PrintToString(ids(fs));
}

TEST(Round3, RocmDevicesInComposeAreGpus) {
  constexpr std::string_view kRocm = R"(services:
  vllm:
    image: rocm/vllm:rocm6.4_vllm_0.10.1
    ipc: host
    devices:
      - /dev/kfd:/dev/kfd
      - /dev/dri:/dev/dri
    group_add: [video]
    command: --model Qwen/Qwen2.5-7B-Instruct --max-model-len 8192
)";
  auto fs = run("compose.yaml", kRocm);
  EXPECT_FALSE(has(fs, "K8S001")) << testing::PrintToString(ids(fs));
  // CDI device names and AMD device requests count too.
  auto cdi = run("compose.yaml", R"(services:
  vllm:
    image: rocm/vllm:rocm6.4_vllm_0.10.1
    ipc: host
    devices: ["amd.com/gpu=all"]
    command: --model Qwen/Qwen2.5-7B-Instruct --max-model-len 8192
  sgl:
    image: lmsysorg/sglang:v0.5.2-rocm630
    ipc: host
    command: python3 -m sglang.launch_server --model-path Qwen/Qwen2.5-7B-Instruct --context-length 8192
    deploy:
      resources:
        reservations:
          devices: [{driver: amd, count: 1}]
)");
  EXPECT_FALSE(has(cdi, "K8S001")) << testing::PrintToString(ids(cdi));
  // Without any device the error stays.
  auto none = run("compose.yaml", R"(services:
  vllm:
    image: rocm/vllm:rocm6.4_vllm_0.10.1
    ipc: host
    command: --model Qwen/Qwen2.5-7B-Instruct --max-model-len 8192
)");
  EXPECT_TRUE(has(none, "K8S001")) << testing::PrintToString(ids(none));
}

TEST(Round3, EngineComesFromTheImageNameNotItsOrganisation) {
  constexpr std::string_view kKatan = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: katan}
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: katan
          image: ghcr.io/vllm-project/semantic-router/llm-katan:v0.1.0
          readinessProbe: {httpGet: {path: /health, port: 8000}}
          resources: {requests: {cpu: "1", memory: 3Gi}}
)";
  auto fs = run("katan.yaml", kKatan);
  EXPECT_FALSE(has(fs, "K8S001")) << testing::PrintToString(ids(fs));
  // The same organisation path with an engine image is still the engine.
  std::string vllm(kKatan);
  vllm.replace(vllm.find("semantic-router/llm-katan:v0.1.0"), 32, "aibrix/vllm-openai:v0.10.2");
  EXPECT_TRUE(has(run("vllm.yaml", vllm), "K8S001"));
}

TEST(Round3, ServingOperatorKindsWithoutAnEngineGetOneNote) {
  constexpr std::string_view kKaito = R"(apiVersion: kaito.sh/v1beta1
kind: Workspace
metadata: {name: ws}
resource: {instanceType: Standard_NC24ads_A100_v4}
inference: {preset: {name: phi-4}}
---
apiVersion: inference.llmaz.io/v1alpha1
kind: Playground
metadata: {name: qwen}
spec: {replicas: 1, modelClaim: {modelName: qwen2-0--5b}}
---
apiVersion: llmaz.io/v1alpha1
kind: OpenModel
metadata: {name: qwen2-0--5b}
spec: {familyName: qwen2, source: {modelHub: {modelID: Qwen/Qwen2-0.5B-Instruct}}}
)";
  auto fs = run("kinds.yaml", kKaito);
  // OpenModel declares a model (the Playground serves it): no note of its own.
  EXPECT_EQ(ids(fs), (std::vector<std::string>{"K8S020@3", "K8S020@9"}));
  EXPECT_NE(fs[0].message.find("KAITO"), std::string::npos);
  EXPECT_NE(fs[1].message.find("llmaz"), std::string::npos);
}

TEST(Round3, ModelServersOutsideTheCatalogAreSeen) {
  // JetStream on TPU in a Deployment without probes: the readiness gate is missing whatever the
  // engine, and the server is named as not understood.
  constexpr std::string_view kJetstream = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: maxengine-server}
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: maxengine-server
        image: us-docker.pkg.dev/cloud-tpu-images/inference/maxengine-server:v0.2.2
        args: [model_name=gemma-7b]
        resources: {limits: {google.com/tpu: 8}}
      - name: jetstream-http
        image: us-docker.pkg.dev/cloud-tpu-images/inference/jetstream-http:v0.2.2
)";
  auto fs = run("jetstream.yaml", kJetstream);
  EXPECT_EQ(ids(fs), (std::vector<std::string>{"K8S019@9", "K8S020@10"}))
      << testing::PrintToString(ids(fs));
  std::string probed(kJetstream);
  probed += "        readinessProbe: {httpGet: {path: /healthcheck, port: 8000}}\n";
  EXPECT_FALSE(has(run("jetstream.yaml", probed), "K8S019"));
  // NIM in compose: one note per service, never silence.
  auto nim = run("compose.yaml", R"(services:
  llm:
    image: nvcr.io/nim/meta/llama3-8b-instruct:1.0.3
    shm_size: 20gb
)");
  EXPECT_EQ(ids(nim), std::vector<std::string>{"K8S020@3"}) << testing::PrintToString(ids(nim));
}

}  // namespace llmctl::audit
