#include "gateway/metrics.h"

#include <gtest/gtest.h>

namespace llmctl::gateway {
namespace {

Config two_models() {
  Config c;
  for (const char* name : {"a", "b\"q"}) {
    Deployment d;
    d.name = std::string(name) + "/0";
    c.deployments.push_back(d);
    ModelGroup g;
    g.name = name;
    g.deployments = {static_cast<int>(c.deployments.size()) - 1};
    c.models.push_back(g);
  }
  c.index();
  return c;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(Metrics, SumsShardsAndRendersPrometheusText) {
  Config c = two_models();
  MetricsShard s0(2, 2), s1(2, 2);
  s0.count_request(0, Endpoint::kChat, 200);
  s1.count_request(0, Endpoint::kChat, 200);
  s1.count_request(1, Endpoint::kEmbeddings, 404);
  s1.count_request(-1, Endpoint::kChat, 404);  // unknown model
  s0.count_request(0, Endpoint::kChat, 418);   // no own series: "other"
  s0.count_error(0, ErrorClass::kStreamInterrupted);
  catalog::Usage u{.input_tokens = 100, .cache_read_tokens = 40, .output_tokens = 20};
  s0.add_usage(0, u, false, 0.25);
  s1.add_usage(0, u, true, 0.5);
  s0.ttft(0).observe(0.03);
  s1.ttft(0).observe(0.3);
  s0.pool(0).opened.add(2);
  s1.pool(0).idle.add(1);
  MetricsView v;
  v.config = &c;
  v.shards = {&s0, &s1};
  v.deployment_inflight = {0, 0};
  v.log_written = 4;
  std::string text = render_prometheus(v);

  EXPECT_TRUE(has_line(text, "# TYPE llmctl_gateway_requests_total counter"));
  EXPECT_TRUE(
      has_line(text, R"(llmctl_gateway_requests_total{model="a",endpoint="chat",code="200"} 2)"));
  EXPECT_TRUE(has_line(
      text, R"(llmctl_gateway_requests_total{model="b\"q",endpoint="embeddings",code="404"} 1)"));
  EXPECT_TRUE(has_line(
      text, R"(llmctl_gateway_requests_total{model="_unknown",endpoint="chat",code="404"} 1)"));
  EXPECT_TRUE(
      has_line(text, R"(llmctl_gateway_requests_total{model="a",endpoint="chat",code="other"} 1)"));
  EXPECT_TRUE(
      has_line(text, R"(llmctl_gateway_errors_total{model="a",class="stream_interrupted"} 1)"));
  EXPECT_TRUE(has_line(text, R"(llmctl_gateway_tokens_total{model="a",type="input"} 120)"));
  EXPECT_TRUE(has_line(text, R"(llmctl_gateway_tokens_total{model="a",type="cache_read"} 80)"));
  EXPECT_TRUE(has_line(text, R"(llmctl_gateway_tokens_total{model="a",type="output"} 40)"));
  EXPECT_TRUE(has_line(text, R"(llmctl_gateway_usage_estimated_total{model="a"} 1)"));
  EXPECT_TRUE(has_line(text, R"(llmctl_gateway_cost_usd_total{model="a"} 0.75)"));
  // Cumulative buckets, OpenTelemetry bounds.
  EXPECT_TRUE(has_line(
      text, R"(llmctl_gateway_time_to_first_token_seconds_bucket{model="a",le="0.02"} 0)"));
  EXPECT_TRUE(has_line(
      text, R"(llmctl_gateway_time_to_first_token_seconds_bucket{model="a",le="0.04"} 1)"));
  EXPECT_TRUE(has_line(
      text, R"(llmctl_gateway_time_to_first_token_seconds_bucket{model="a",le="0.25"} 1)"));
  EXPECT_TRUE(
      has_line(text, R"(llmctl_gateway_time_to_first_token_seconds_bucket{model="a",le="0.5"} 2)"));
  EXPECT_TRUE(has_line(
      text, R"(llmctl_gateway_time_to_first_token_seconds_bucket{model="a",le="+Inf"} 2)"));
  EXPECT_TRUE(has_line(text, R"(llmctl_gateway_time_to_first_token_seconds_count{model="a"} 2)"));
  EXPECT_TRUE(
      has_line(text, R"(llmctl_gateway_upstream_connections_opened_total{deployment="a/0"} 2)"));
  EXPECT_TRUE(has_line(text, R"(llmctl_gateway_upstream_connections_idle{deployment="a/0"} 1)"));
  EXPECT_TRUE(has_line(text, "llmctl_gateway_request_log_written_total 4"));
  EXPECT_TRUE(has_line(text, "llmctl_gateway_workers 2"));
  // Histograms with no observations are left out; every family still has HELP and TYPE.
  EXPECT_EQ(text.find(R"(llmctl_gateway_time_per_output_token_seconds_count)"), std::string::npos);
  EXPECT_TRUE(has_line(text, "# TYPE llmctl_gateway_time_per_output_token_seconds histogram"));
}

TEST(Metrics, HistogramBucketsAreUpperInclusive) {
  OwnedHistogram h(kTpotBounds);
  h.observe(0.01);   // == first bound: first bucket
  h.observe(0.011);  // second
  h.observe(100);    // +Inf
  EXPECT_EQ(h.bucket(0), 1u);
  EXPECT_EQ(h.bucket(1), 1u);
  EXPECT_EQ(h.bucket(kTpotBounds.size()), 1u);
  EXPECT_EQ(h.count(), 3u);
  EXPECT_NEAR(h.sum(), 100.021, 1e-9);
}

}  // namespace
}  // namespace llmctl::gateway
