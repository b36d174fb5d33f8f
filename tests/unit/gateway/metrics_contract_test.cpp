// The gateway's Prometheus exposition is a contract with what `llmctl deploy` generates: both
// sides take names and bucket bounds from protocol/gateway_metrics.h, and this test ties them:
// the gateway exports exactly the listed families, and every llmctl_gateway_* series a generated
// rule, dashboard or CI gate queries is one of them, with `le` thresholds the gateway's buckets
// actually have.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "catalog/loader.h"
#include "deploy/deploy.h"
#include "deploy/serving.h"
#include "deploy/settings.h"
#include "gateway/state.h"
#include "plan/planner.h"
#include "plan/spec.h"
#include "protocol/gateway_metrics.h"
#include "test_env.h"

namespace llmctl::gateway {
namespace {

namespace gm = protocol::gateway_metrics;

std::set<std::string> listed_families() {
  return std::set<std::string>(gm::kFamilies.begin(), gm::kFamilies.end());
}

// What /metrics renders for a config with one simulated and one priced deployment.
std::string scrape() {
  testing::FakeEnvironment env;
  auto cfg = parse_config(R"(models:
  - name: chat
    fallbacks: [backup]
    deployments:
      - provider: simulated
  - name: backup
    deployments:
      - provider: simulated
)",
                          "gw.yaml", testing::embedded_catalog(), env);
  EXPECT_TRUE(cfg.ok()) << cfg.error().message;
  auto snapshot = make_snapshot(std::make_shared<const Config>(std::move(*cfg)), nullptr, 2);
  MetricsView view;
  view.config = snapshot->config.get();
  for (const auto& s : snapshot->shards) view.shards.push_back(s.get());
  view.deployment_inflight.assign(snapshot->config->deployments.size(), 0);
  ReloadStats reloads;
  return render_prometheus(view) + render_resilience_metrics(*snapshot, reloads, 0);
}

TEST(MetricsContract, TheGatewayExportsExactlyTheListedFamilies) {
  std::set<std::string> exported;
  std::istringstream in(scrape());
  std::string line;
  const std::regex type_line(R"(^# TYPE (\S+) (\S+)$)");
  std::smatch m;
  while (std::getline(in, line))
    if (std::regex_match(line, m, type_line)) exported.insert(m[1]);
  EXPECT_EQ(exported, listed_families());
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const catalog::Catalog& cat() { return *testing::embedded_catalog(); }

// Every file of every target for the example specs (with an eval gate, so CI is generated).
std::vector<deploy::GeneratedFile> generated() {
  std::vector<deploy::GeneratedFile> out;
  for (const char* example : {"examples/chat-8b-l4-l40s.yaml", "examples/rag-70b-h100-h200.yaml"}) {
    std::string text = read(std::string(LLMCTL_SOURCE_DIR) + "/" + example);
    auto spec = plan::parse_spec(deploy::hide_deploy_section(text), example);
    EXPECT_TRUE(spec.ok()) << spec.error().message;
    auto p = plan::make_plan(cat(), *spec);
    EXPECT_TRUE(p.ok()) << p.error().message;
    deploy::Settings st;
    st.eval_command = "python eval/run.py";
    st.eval_threshold = 0.8;
    auto s = deploy::from_plan(cat(), *p, "", st, example, "deploy", "");
    EXPECT_TRUE(s.ok()) << s.error().message;
    for (auto t : {deploy::Target::kKubernetes, deploy::Target::kKServe,
                   deploy::Target::kHelmProductionStack, deploy::Target::kSkyPilot,
                   deploy::Target::kCompose}) {
      auto b = deploy::generate(cat(), *s, t);
      if (!b.ok()) continue;  // a target this plan's engine does not support
      out.insert(out.end(), b->files.begin(), b->files.end());
    }
  }
  return out;
}

const std::vector<double>* bounds_of(const std::string& family) {
  static const std::vector<double> ttft(gm::kTtftBounds.begin(), gm::kTtftBounds.end());
  static const std::vector<double> tpot(gm::kTpotBounds.begin(), gm::kTpotBounds.end());
  static const std::vector<double> duration(gm::kDurationBounds.begin(), gm::kDurationBounds.end());
  static const std::vector<double> overhead(gm::kOverheadBounds.begin(), gm::kOverheadBounds.end());
  if (family == gm::kTimeToFirstTokenSeconds) return &ttft;
  if (family == gm::kTimePerOutputTokenSeconds) return &tpot;
  if (family == gm::kRequestDurationSeconds || family == gm::kUpstreamDurationSeconds)
    return &duration;
  if (family == gm::kOverheadSeconds) return &overhead;
  return nullptr;
}

TEST(MetricsContract, GeneratedQueriesUseExportedSeriesAndBuckets) {
  const std::set<std::string> families = listed_families();
  const std::regex series(R"(llmctl_gateway_[a-z_]+)");
  // A bucket selector and its `le` matcher: le="0.5" or le=~"1|1.0".
  const std::regex bucket(R"((llmctl_gateway_[a-z_]+)_bucket\{[^}]*le=~?\\?"([0-9.e+-]+))");
  std::size_t queried = 0, thresholds = 0;
  for (const auto& f : generated()) {
    for (std::sregex_iterator it(f.content.begin(), f.content.end(), series), end; it != end;
         ++it) {
      std::string name = it->str();
      for (const char* suffix : {"_bucket", "_count", "_sum"})
        if (name.size() > std::strlen(suffix) &&
            name.compare(name.size() - std::strlen(suffix), std::string::npos, suffix) == 0 &&
            families.count(name.substr(0, name.size() - std::strlen(suffix))))
          name.resize(name.size() - std::strlen(suffix));
      EXPECT_TRUE(families.count(name))
          << f.path << " queries " << it->str() << ", which the gateway does not export";
      ++queried;
    }
    for (std::sregex_iterator it(f.content.begin(), f.content.end(), bucket), end; it != end;
         ++it) {
      const std::string family = (*it)[1];
      const std::vector<double>* bounds = bounds_of(family);
      ASSERT_NE(bounds, nullptr) << f.path << ": " << family << " is not a histogram";
      const double le = std::stod((*it)[2]);
      bool found = false;
      for (double b : *bounds) found = found || std::abs(b - le) < 1e-12;
      EXPECT_TRUE(found) << f.path << ": " << family << " has no bucket le=" << (*it)[2];
      ++thresholds;
    }
  }
  EXPECT_GT(queried, 20u);  // the rules, dashboards and gates do query the gateway
  EXPECT_GT(thresholds, 0u);
}

}  // namespace
}  // namespace llmctl::gateway
