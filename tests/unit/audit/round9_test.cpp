// Round 9 of the real-world audit: the general forms of round 8's held-out false classes. LLM004
// judges a model name only where the file shows it reaching a request: a model-named parameter
// default or keyword argument is a data key (RouteLLM's strong_model, an id looked up in arena
// data and a trained checkpoint) unless the file hands that name to a model field, and an object
// key only in an object that carries request fields. OBS004 reports a missing for: only; an
// explicit for: 0s/0m is a decision to fire at once (xinference's ModelLoadSlow on a gauge that
// holds the last load's duration).
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

TEST(Round9, RetiredNameAsADataKeyIsNotACall) {
  // RouteLLM's shape: the scoring pair is looked up in battle data; nothing sends it.
  const std::string py = R"(from openai import OpenAI

client = OpenAI(timeout=30)


class SWRankingRouter:
    def __init__(self, battles, strong_model="gpt-4-1106-preview", weak_model="mixtral-8x7b"):
        self.strong_model = strong_model
        self.weak_model = weak_model
        self.elo = battles.elo([strong_model, weak_model])

    def score(self, prompt):
        return self.elo[self.strong_model]


router = SWRankingRouter(load(), strong_model="gpt-4-0314")
)";
  EXPECT_EQ(ids(run("routellm/routers/routers.py", py), {"LLM004"}), V{});
}

TEST(Round9, RetiredParameterDefaultThatReachesACallIsReported) {
  // The same default handed to a call's model field, directly, through self. or through one
  // assignment, is a request that fails.
  const std::string py = R"(from openai import OpenAI

client = OpenAI(timeout=30)


def summarize(text, model="gpt-4-1106-preview"):
    return client.chat.completions.create(model=model, max_tokens=9, messages=[])


class Bot:
    def __init__(self, chat_model="gpt-4-0314"):
        self.chat_model = chat_model

    def ask(self, q, backup_model="gpt-4-0613"):
        chosen = self.chat_model if q else backup_model
        return client.chat.completions.create(model=chosen, max_tokens=9, messages=[])


answer = summarize("x", model="gpt-3.5-turbo-0125")
)";
  EXPECT_EQ(ids(run("app/bot.py", py), {"LLM004"}),
            (V{"LLM004@6", "LLM004@11", "LLM004@14", "LLM004@19"}));
}

TEST(Round9, SettingsAndCallArgumentsStillCount) {
  // A module constant, a class field and a Go const are the file's settings; a call's own
  // model argument is a request. Both were reported before round 9 and still are.
  const std::string py = R"(from openai import OpenAI

DEFAULT_MODEL = "gpt-4-0613"


class Settings:
    model_name: str = "chatgpt-4o-latest"


def ask(c: OpenAI, q):
    return c.chat.completions.create(model="gpt-4-0125-preview", timeout=9, max_tokens=9,
                                     messages=[])
)";
  EXPECT_EQ(ids(run("app/settings.py", py), {"LLM004"}), (V{"LLM004@3", "LLM004@7", "LLM004@11"}));
  const std::string go = R"(package ai

import "github.com/anthropics/anthropic-sdk-go"

const (
	defaultModel = "claude-3-5-sonnet-latest"
)

var _ = anthropic.NewClient
)";
  EXPECT_EQ(ids(run("pkg/ai/anthropic.go", go), {"LLM004"}), V{"LLM004@6"});
}

TEST(Round9, ObjectKeyCountsOnlyInARequest) {
  // A price table keyed by model names is data; a body with messages is a request.
  const std::string ts = R"(import OpenAI from "openai";
const openai = new OpenAI({ timeout: 30_000 });
export const PRICES = { old: { model: "gpt-4-0613", usdPerMtok: 30 } };
export async function go(text: string) {
  const body = { model: "gpt-4-0125-preview", max_tokens: 9, messages: [] };
  return openai.chat.completions.create(body);
}
)";
  EXPECT_EQ(ids(run("src/prices.ts", ts), {"LLM004"}), V{"LLM004@5"});
}

TEST(Round9, ExplicitZeroForIsADecisionNotAMissingField) {
  const std::string rules = R"(groups:
  - name: xinference
    rules:
      - alert: ModelLoadSlow
        expr: xinference:model_last_load_duration_seconds > 300
        for: 0m
      - alert: Watchdog
        expr: vector(1)
        for: 0s
      - alert: QueueDeep
        expr: app_queue_depth > 100
      - alert: QueueDeepDebounced
        expr: app_queue_depth > 100
        for: 5m
      - record: app:queue_depth:max
        expr: max(app_queue_depth)
)";
  std::vector<Finding> fs = run("monitor/alert/rules.yml", rules);
  EXPECT_EQ(ids(fs, {"OBS004"}), V{"OBS004@10"});
  // The same rules as a PrometheusRule object.
  std::string cr =
      "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n"
      "  name: x\nspec:\n";
  for (size_t b = 0, e; b < rules.size(); b = e + 1) {
    e = rules.find('\n', b);
    cr += "  " + rules.substr(b, e - b) + "\n";
  }
  EXPECT_EQ(ids(run("deploy/alerts.yaml", cr), {"OBS004"}), V{"OBS004@15"});
}

TEST(Round9, ComposeImageVariableIsJudgedByItsDefault) {
  // A recall miss found reading round 8's serving files (xinference's compose file): an image
  // given as ${VAR:-default} pulls its default unless the variable is set.
  auto compose = [](std::string_view image) {
    return "services:\n  vllm:\n    image: " + std::string(image) +
           "\n    command: --model Qwen/Qwen2.5-7B-Instruct --max-model-len 8192\n"
           "    volumes: [\"hf:/root/.cache/huggingface\"]\n    deploy:\n      resources:\n"
           "        reservations:\n          devices: [{driver: nvidia, count: 1, "
           "capabilities: [gpu]}]\n";
  };
  std::vector<Finding> fs =
      run("docker-compose.yml", compose("${VLLM_IMAGE:-vllm/vllm-openai:latest}"));
  EXPECT_EQ(ids(fs, {"K8S005"}), V{"K8S005@3"});
  for (const auto& f : fs)
    if (f.rule == "K8S005") {
      EXPECT_NE(f.message.find("the default of ${VLLM_IMAGE}"), std::string::npos) << f.message;
    }
  EXPECT_EQ(ids(run("docker-compose.yml", compose("${VLLM_IMAGE-vllm/vllm-openai}")), {"K8S005"}),
            V{"K8S005@3"});
  for (std::string_view quiet : {"${VLLM_IMAGE:-vllm/vllm-openai:v0.11.0}", "${VLLM_IMAGE}",
                                 "${VLLM_IMAGE:-${REGISTRY}/vllm-openai:latest}"})
    EXPECT_EQ(ids(run("docker-compose.yml", compose(quiet)), {"K8S005"}), V{}) << quiet;
}

}  // namespace
}  // namespace llmctl::audit
