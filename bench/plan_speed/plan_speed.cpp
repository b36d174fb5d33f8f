// How long `llmctl plan` takes, and how much of it is the performance model.
//
// For each spec: the catalog load (what every CLI run pays), make_plan() (median and best of
// several runs), and the floor: the same perf::estimate calls the planner made (efficiency
// parameters resolved beforehand, as the planner does), replayed back to back with nothing else.
// The target is the whole catalog under 200 ms end to end.
//
//   plan_speed [--runs N] [SPEC.yaml ...]   (default: examples/*.yaml and a whole-catalog spec)
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "catalog/loader.h"
#include "perf/model.h"
#include "plan/planner.h"
#include "plan/spec.h"
#include "plan/trace.h"

namespace {

namespace fs = std::filesystem;
using namespace llmctl;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct NamedSpec {
  std::string name;
  plan::Spec spec;
};

Result<plan::Spec> load_spec(const fs::path& path) {
  auto spec = plan::parse_spec(read(path), path.string());
  if (!spec) return spec;
  if (spec->traffic.trace) {
    fs::path trace = spec->traffic.trace->file.value;
    if (trace.is_relative()) trace = path.parent_path() / trace;
    auto summary = plan::summarize_trace(read(trace), trace.string());
    if (!summary) return summary.error();
    plan::apply_trace(spec->traffic, *summary, trace.filename().string());
  }
  return spec;
}

// Every model, GPU, engine, default dtype and TP up to 8: the widest search the catalog allows.
plan::Spec whole_catalog(const catalog::Catalog& cat) {
  plan::Spec s;
  s.file = "whole-catalog";
  s.name = "whole-catalog";
  for (const auto& m : cat.models) s.models.push_back({m.id, 1, 1});
  s.traffic.peak_qps = 20;
  s.traffic.average_qps = 8;
  s.traffic.input_tokens = {1000, 700, 3000};
  s.traffic.output_tokens = {250, 200, 700};
  s.slo.ttft_p95_ms = 1500;
  s.slo.tpot_p95_ms = 60;
  s.slo.availability = 0.999;
  return s;
}

struct Call {
  perf::Deployment deployment;
  perf::Workload workload;
  perf::EfficiencyParams efficiency;  // resolved before timing, as the planner caches it
};

}  // namespace

int main(int argc, char** argv) {
  int runs = 7;
  std::vector<fs::path> paths;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc)
      runs = std::max(1, std::atoi(argv[++i]));
    else
      paths.emplace_back(a);
  }
  const bool defaults = paths.empty();
  if (defaults) {
    for (const auto& e : fs::directory_iterator(fs::path(LLMCTL_SOURCE_DIR) / "examples"))
      if (e.path().extension() == ".yaml") paths.push_back(e.path());
    std::sort(paths.begin(), paths.end());
  }

  catalog::LoadOptions load;
  load.default_overlays = false;
  std::vector<double> load_ms;
  Result<catalog::Catalog> cat = Error{""};
  for (int r = 0; r < runs; ++r) {
    auto t0 = Clock::now();
    cat = catalog::load_catalog(load);
    load_ms.push_back(ms_since(t0));
  }
  if (!cat) {
    fmt::print(stderr, "catalog: {}\n", cat.error().message);
    return 1;
  }

  std::vector<NamedSpec> specs;
  for (const auto& p : paths) {
    auto s = load_spec(p);
    if (!s) {
      fmt::print(stderr, "{}\n", s.error().message);
      return 1;
    }
    specs.push_back({p.stem().string(), std::move(*s)});
  }
  if (defaults) specs.push_back({"whole-catalog", whole_catalog(*cat)});

  fmt::print("catalog load (embedded, no overlays): median {:.2f} ms over {} runs\n\n",
             median(load_ms), runs);
  fmt::print("{:<26} {:>8} {:>10} {:>10} {:>10} {:>12} {:>10} {:>13}\n", "SPEC", "OPTIONS",
             "PERF CALLS", "PLAN ms", "BEST ms", "PERF-ONLY ms", "OVERHEAD", "+LOAD ms");
  std::vector<std::string> search_stats;
  for (const auto& [name, spec] : specs) {
    // Record the calls once, then time the planner and the bare calls separately.
    std::vector<Call> calls;
    plan::Estimator recording = [&](const perf::Deployment& d, const perf::Workload& w) {
      calls.push_back({d, w, perf::efficiency_for(*cat, d.engine->id, d.gpu->arch)});
      return perf::estimate(*cat, d, w);
    };
    auto first = plan::make_plan(*cat, spec, recording);
    if (!first) {
      fmt::print(stderr, "{}: {}\n", name, first.error().message);
      return 1;
    }
    std::vector<double> plan_ms, floor_ms;
    for (int r = 0; r < runs; ++r) {
      auto t0 = Clock::now();
      auto p = plan::make_plan(*cat, spec);
      plan_ms.push_back(ms_since(t0));
      if (!p) return 1;
      t0 = Clock::now();
      double sink = 0;
      for (const auto& c : calls) {
        auto e = perf::estimate(c.deployment, c.workload, c.efficiency);
        if (e) sink += e->ttft_ms;
      }
      floor_ms.push_back(ms_since(t0));
      if (sink == -1) fmt::print("");  // keeps the calls from being optimised away
    }
    const double plan_median = median(plan_ms), floor_median = median(floor_ms);
    // Calls per configuration, to see how quickly the capacity search converges.
    std::map<std::string, int> per_config;
    for (const auto& c : calls)
      ++per_config[fmt::format("{}/{}/{}/{}/{}/{}", c.deployment.model->id, c.deployment.gpu->id,
                               c.deployment.engine->id, c.deployment.dtype, c.deployment.tp,
                               c.deployment.pp)];
    std::vector<double> counts;
    for (const auto& [key, n] : per_config) counts.push_back(n);
    std::sort(counts.begin(), counts.end());
    search_stats.push_back(
        fmt::format("{}: {} configurations reached the model; calls per "
                    "configuration p50 {}, p90 {}, max {}",
                    name, counts.size(), counts[counts.size() / 2], counts[counts.size() * 9 / 10],
                    counts.back()));
    fmt::print("{:<26} {:>8} {:>10} {:>10.2f} {:>10.2f} {:>12.2f} {:>9.0f}% {:>13.2f}\n", name,
               first->options_evaluated, calls.size(), plan_median,
               *std::min_element(plan_ms.begin(), plan_ms.end()), floor_median,
               100 * (plan_median - floor_median) / std::max(floor_median, 1e-9),
               plan_median + median(load_ms));
  }
  fmt::print(
      "\nPLAN ms: make_plan() median of {} runs; PERF-ONLY ms: the same perf::estimate calls "
      "replayed alone (the floor);\nOVERHEAD: planner time beyond the floor; +LOAD ms: plan + "
      "catalog load, roughly `llmctl plan` minus process start and printing. Target: < 200 ms.\n",
      runs);
  for (const auto& line : search_stats) fmt::print("{}\n", line);
  return 0;
}
