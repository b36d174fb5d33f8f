// Round 11 of the real-world audit: the general form of round 10's held-out false class and two
// of its recall gaps. (a) A client pointed elsewhere through any alias of base_url the SDKs know
// (LangChain's openai_api_base, LlamaIndex's and LiteLLM's api_base), also when the arguments
// come from a dict or object the file builds and spreads into the constructor
// (ChatOpenAI(**openai_kwargs)), is a gateway or override: LLM005 does not say every call goes
// straight to the provider. (b) llm-d's own vLLM builds (ghcr.io/llm-d/llm-d-cuda) are read as
// vLLM, so a chart's values that run them get the coverage note; an OpenShift Template's
// objects[] are read as Kubernetes objects, and an image that is one $(parameter-with-dashes) is
// a parameter, not an untagged image.
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

// ---- (a) base_url aliases and spread arguments ----

// A LangChain factory whose ChatOpenAI arguments come from a dict; `url_key` is the dict's key
// for the endpoint (or a key that is not one).
std::string langchain_factory(std::string_view url_key) {
  return std::string(R"(from langchain_openai import ChatOpenAI


def get_llm(model, url):
    kwargs = {
        "model_name": model,
        ")") +
         std::string(url_key) + R"(": f"{url}/v1/guardrail",
        "max_tokens": 512,
    }
    return ChatOpenAI(**kwargs)
)";
}

TEST(AuditRound11, OpenaiApiBaseInASpreadDictIsAnOverride) {
  EXPECT_EQ(ids(run("app/llm.py", langchain_factory("openai_api_base")), {"LLM005"}), V{});
  EXPECT_EQ(ids(run("app/llm.py", langchain_factory("base_url")), {"LLM005"}), V{});
  // The same factory with no endpoint key: every call still goes to OpenAI.
  EXPECT_EQ(ids(run("app/llm.py", langchain_factory("organization")), {"LLM005"}), V{"LLM005@10"});
}

TEST(AuditRound11, SubscriptAssignmentOfTheSpreadDictCounts) {
  const std::string py = R"(from langchain_openai import ChatOpenAI

kwargs = {"model": "gpt-4o-mini", "max_tokens": 256}
if GATEWAY:
    kwargs["openai_api_base"] = GATEWAY
llm = ChatOpenAI(**kwargs)
)";
  EXPECT_EQ(ids(run("app/chain.py", py), {"LLM005"}), V{});
}

TEST(AuditRound11, OpenaiApiBaseKeywordOnAnSdkClient) {
  // LlamaIndex's OpenAI takes api_base; LangChain's ChatOpenAI openai_api_base directly.
  const std::string llama = R"(from llama_index.llms.openai import OpenAI

llm = OpenAI(model="gpt-4o-mini", api_base=os.environ["PROXY"], timeout=30)
print(llm.complete("hi"))
)";
  EXPECT_EQ(ids(run("app/rag.py", llama), {"LLM005"}), V{});
  const std::string lc = R"(from langchain_openai import ChatOpenAI

llm = ChatOpenAI(model="gpt-4o", openai_api_base=GUARDRAILS, timeout=30, max_tokens=100)
)";
  EXPECT_EQ(ids(run("app/lc.py", lc), {"LLM005"}), V{});
}

TEST(AuditRound11, JsObjectSpreadIntoTheClient) {
  const std::string js = R"(import OpenAI from "openai";

const options = { baseURL: process.env.GATEWAY, timeout: 30000 };
const client = new OpenAI({ ...options, maxRetries: 3 });

export async function ask(q) {
  return client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: q }], max_tokens: 100 });
}
)";
  EXPECT_EQ(ids(run("src/ask.js", js), {"LLM005"}), V{});
  // Without the base URL in the spread object the note stays.
  std::string plain = js;
  plain.replace(plain.find("baseURL: process.env.GATEWAY, "), 30, "");
  EXPECT_EQ(ids(run("src/ask.js", plain), {"LLM005"}), V{"LLM005@7"});
}

TEST(AuditRound11, AnUnresolvedSpreadIsStillUnknown) {
  // **kwargs handed in by the caller: nothing is known, so no override is invented and no
  // timeout is demanded (the arguments are not all visible).
  const std::string py = R"(from langchain_openai import ChatOpenAI


def make(**kwargs):
    return ChatOpenAI(**kwargs)
)";
  EXPECT_EQ(ids(run("app/make.py", py), {"LLM001", "LLM005"}), V{"LLM005@5"});
}

// ---- (b) llm-d images, OpenShift Templates ----

TEST(AuditRound11, LlmdVllmBuildInUnreadChartValuesGetsTheCoverageNote) {
  const std::string values = R"(decode:
  containers:
    - name: vllm
      image: "ghcr.io/llm-d/llm-d-cuda:latest"
      modelCommand: vllmServe
)";
  EXPECT_EQ(ids(run("examples/values-pd.yaml", values), {"K8S020"}), V{"K8S020@4"});
  for (std::string_view image : {"ghcr.io/llm-d/llm-d:v0.2.0", "ghcr.io/llm-d/llm-d-rocm:v0.3.0",
                                 "ghcr.io/llm-d/llm-d-xpu:v0.3.0"}) {
    std::string v = values;
    const std::string_view cuda = "\"ghcr.io/llm-d/llm-d-cuda:latest\"";
    v.replace(v.find(cuda), cuda.size(), std::string(image));
    EXPECT_EQ(ids(run("values.yaml", v), {"K8S020"}), V{"K8S020@4"}) << image;
  }
}

TEST(AuditRound11, LlmdToolImagesAreNotModelServers) {
  for (std::string_view image :
       {"ghcr.io/llm-d/llm-d-inference-sim:latest", "ghcr.io/llm-d/llm-d-routing-sidecar:latest",
        "ghcr.io/llm-d/llm-d-inference-scheduler:v0.2.0"}) {
    std::string values =
        "decode:\n  containers:\n    - name: sim\n      image: " + std::string(image) + "\n";
    EXPECT_EQ(ids(run("values.yaml", values), {"K8S020"}), V{}) << image;
  }
}

TEST(AuditRound11, OpenShiftTemplateObjectsAreRead) {
  const std::string tpl = R"(apiVersion: template.openshift.io/v1
kind: Template
metadata:
  name: t
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: vllm
    spec:
      replicas: 2
      selector: {matchLabels: {app: vllm}}
      template:
        metadata: {labels: {app: vllm}}
        spec:
          containers:
            - name: vllm
              image: vllm/vllm-openai:latest
              args: [--model, Qwen/Qwen2.5-7B-Instruct]
              resources: {limits: {nvidia.com/gpu: 1}}
)";
  EXPECT_EQ(ids(run("deploy/template.yaml", tpl), {"K8S005"}), V{"K8S005@18"});
  // Another kind named Template (not OpenShift's) is not unwrapped.
  std::string other = tpl;
  other.replace(0, 30, "apiVersion: example.com/v1    ");
  EXPECT_EQ(ids(run("deploy/template.yaml", other), {"K8S005"}), V{});
}

TEST(AuditRound11, ParameterImageWithDashesIsNotJudged) {
  const std::string rt = R"(apiVersion: serving.kserve.io/v1alpha1
kind: ServingRuntime
metadata:
  name: vllm-runtime
spec:
  supportedModelFormats: [{name: vLLM, autoSelect: true}]
  containers:
    - name: kserve-container
      image: IMAGE
      command: [python, -m, vllm.entrypoints.openai.api_server]
      args: ["--port=8080", "--model=/mnt/models"]
)";
  auto with = [&](std::string_view image) {
    std::string s = rt;
    s.replace(s.find("IMAGE"), 5, std::string(image));
    return ids(run("runtime.yaml", s), {"K8S005"});
  };
  EXPECT_EQ(with("$(vllm-cuda-image)"), V{});
  EXPECT_EQ(with("${vllm.image}"), V{});
  EXPECT_EQ(with("quay.io/modh/vllm"), V{"K8S005@9"});  // untagged: still judged
}

}  // namespace
}  // namespace llmctl::audit
