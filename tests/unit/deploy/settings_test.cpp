// The spec's deploy: section: strict fields with file:line errors, hidden from the planner with
// its line numbers kept, and flags overriding it.
#include "deploy/settings.h"

#include <gtest/gtest.h>

#include "common/strings.h"
#include "plan/spec.h"

namespace llmctl::deploy {
namespace {

constexpr const char* kSpec = R"(name: chat
model: llama-3.1-8b
deploy:
  namespace: llm-prod
  gateway: {replicas: 3, image: "registry.local/llmctl:v9"}
  eval:
    command: python eval.py --suite smoke
    threshold: 0.82
  autoscaling: {scale_to_zero: true, cold_start_budget_s: 900}
  node_selector: {pool: gpu-a}
traffic:
  peak_qps: 2
  average_qps: 1
  input_tokens: {mean: 100}
  output_tokens: {mean: 50}
slo: {ttft_p95_ms: 800}
)";

TEST(Settings, ReadsTheDeploySection) {
  auto s = parse_deploy_section(kSpec, "chat.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(*s->ns, "llm-prod");
  EXPECT_EQ(*s->gateway_replicas, 3);
  EXPECT_EQ(*s->gateway_image, "registry.local/llmctl:v9");
  EXPECT_EQ(*s->eval_command, "python eval.py --suite smoke");
  EXPECT_DOUBLE_EQ(*s->eval_threshold, 0.82);
  EXPECT_TRUE(*s->scale_to_zero);
  EXPECT_EQ(*s->cold_start_budget_s, 900);
  EXPECT_EQ(s->node_selector.at("pool"), "gpu-a");
  EXPECT_FALSE(s->name.has_value());
}

TEST(Settings, AbsentSectionIsEmpty) {
  auto s = parse_deploy_section("name: x\nmodel: m\n", "x.yaml");
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->ns || s->eval_command || s->gateway_replicas);
}

TEST(Settings, ErrorsNameFileLineAndField) {
  auto bad = parse_deploy_section("name: x\ndeploy:\n  gatway: {replicas: 2}\n", "x.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "x.yaml:3:3: deploy.gatway: unknown field; did you mean 'gateway'? expected one of: "
            "autoscaling, eval, gateway, load_bandwidth_mb_s, model_repo, monitoring_labels, name, "
            "namespace, node_selector, platform, prometheus_url, revision, storage_class");
  auto range = parse_deploy_section("deploy:\n  gateway: {replicas: 0}\n", "y.yaml");
  ASSERT_FALSE(range.ok());
  EXPECT_EQ(range.error().message,
            "y.yaml:2:23: deploy.gateway.replicas: must be between 1 and 100, found 0");
  auto ns = parse_deploy_section("deploy:\n  namespace: Not_A_Label\n", "z.yaml");
  ASSERT_FALSE(ns.ok());
  EXPECT_NE(ns.error().message.find("z.yaml:2:14: deploy.namespace: expected a DNS-1123 label"),
            std::string::npos)
      << ns.error().message;
}

TEST(Settings, HiddenSectionKeepsLinesForThePlanner) {
  std::string hidden = hide_deploy_section(kSpec);
  EXPECT_EQ(split(hidden, '\n').size(), split(kSpec, '\n').size());
  EXPECT_EQ(hidden.find("gateway"), std::string::npos);
  auto spec = plan::parse_spec(hidden, "chat.yaml");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_DOUBLE_EQ(spec->traffic.peak_qps, 2);
  // Line numbers after the section still point into the user's file.
  auto broken =
      plan::parse_spec(hide_deploy_section(std::string(kSpec) + "bogus: 1\n"), "chat.yaml");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find("chat.yaml:17:1"), std::string::npos)
      << broken.error().message;
}

TEST(Settings, FlagsOverrideTheSpec) {
  Settings spec = *parse_deploy_section(kSpec, "chat.yaml");
  Settings flags;
  flags.ns = "other";
  flags.eval_threshold = 0.9;
  spec.merge(flags);
  EXPECT_EQ(*spec.ns, "other");
  EXPECT_DOUBLE_EQ(*spec.eval_threshold, 0.9);
  EXPECT_EQ(*spec.eval_command, "python eval.py --suite smoke");
  EXPECT_EQ(*spec.gateway_replicas, 3);
}

TEST(Settings, DnsLabels) {
  EXPECT_EQ(dns_label("Chat 8B / L4"), "chat-8b-l4");
  EXPECT_EQ(dns_label("--x--"), "x");
  EXPECT_EQ(dns_label(""), "llm");
  EXPECT_EQ(dns_label(std::string(80, 'a')).size(), 40u);
  EXPECT_EQ(dns_label("ab-" + std::string(37, 'c') + "-d", 40).back(), 'c');
}

}  // namespace
}  // namespace llmctl::deploy
