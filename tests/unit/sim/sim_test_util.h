// Shared helpers for the simulator tests: the embedded catalog and scenario builders.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "catalog/loader.h"
#include "sim/sim.h"

namespace llmctl::sim::test {

inline const catalog::Catalog& cat() {
  static const catalog::Catalog c = [] {
    catalog::LoadOptions o;
    o.default_overlays = false;  // the embedded catalog only: hermetic
    auto r = catalog::load_catalog(o);
    if (!r) ADD_FAILURE() << r.error().message;
    return r ? *r : catalog::Catalog{};
  }();
  return c;
}

inline Pool pool(const std::string& model, const std::string& gpu, const std::string& engine,
                 const std::string& dtype = "bf16", int tp = 1, int replicas = 1) {
  Pool p;
  p.name = gpu;
  p.deployment.model = cat().find_model(model);
  p.deployment.gpu = cat().find_gpu(gpu);
  p.deployment.engine = cat().find_engine(engine);
  EXPECT_TRUE(p.deployment.model && p.deployment.gpu && p.deployment.engine)
      << model << " " << gpu << " " << engine;
  p.deployment.dtype = dtype;
  p.deployment.tp = tp;
  p.deployment.gpus = tp;
  p.replicas = replicas;
  return p;
}

// Open-loop Poisson traffic with fixed lengths.
inline WorkloadSpec poisson(double qps, long long requests, int in = 467, int out = 256) {
  WorkloadSpec w;
  w.arrival = WorkloadSpec::Arrival::kPoisson;
  w.qps = qps;
  w.requests = requests;
  w.input = LengthDist{LengthDist::Kind::kFixed, static_cast<double>(in)};
  w.output = LengthDist{LengthDist::Kind::kFixed, static_cast<double>(out)};
  return w;
}

inline SimResult run(const Scenario& sc) {
  auto r = simulate(cat(), sc);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : SimResult{};
}

}  // namespace llmctl::sim::test
