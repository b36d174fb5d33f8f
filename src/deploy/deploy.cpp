#include "deploy/deploy.h"

#include <fmt/format.h>

#include <algorithm>

#include "deploy/internal.h"

namespace llmctl::deploy {

const char* to_string(Target t) {
  switch (t) {
    case Target::kKubernetes:
      return "k8s";
    case Target::kKServe:
      return "kserve";
    case Target::kHelmProductionStack:
      return "helm-production-stack";
    case Target::kSkyPilot:
      return "skypilot";
    case Target::kCompose:
      return "compose";
  }
  return "k8s";
}

Result<Target> parse_target(const std::string& text) {
  for (Target t : {Target::kKubernetes, Target::kKServe, Target::kHelmProductionStack,
                   Target::kSkyPilot, Target::kCompose})
    if (text == to_string(t)) return t;
  return Error{fmt::format(
      "--target: expected k8s, kserve, helm-production-stack, skypilot or compose, found \"{}\"",
      text)};
}

Result<Bundle> generate(const catalog::Catalog& catalog, const Serving& s, Target target) {
  (void)catalog;
  if (s.managed) {
    Bundle b;
    b.target = target;
    b.notes = s.notes;
    b.notes.push_back(
        fmt::format("{} is served by {}: the bundle is the gateway config that routes to it (no {} "
                    "manifests)",
                    s.option_id, s.managed->price->provider, to_string(target)));
    detail::Files files;
    detail::managed_files(files, s);
    std::sort(files.begin(), files.end(),
              [](const GeneratedFile& a, const GeneratedFile& c) { return a.path < c.path; });
    b.files = std::move(files);
    return b;
  }
  if (!s.model || !s.gpu || !s.engine)
    return Error{"incomplete deployment: model, GPU and engine are required"};
  if (detail::engine_command(*s.engine).empty())
    return Error{fmt::format("engine {} has no known entry point", s.engine->id)};
  Bundle b;
  b.target = target;
  b.notes = s.notes;
  const Sizing z = size(s);
  detail::Files files;
  switch (target) {
    case Target::kKubernetes: {
      if (s.autoscaling && detail::engine_metric(*s.engine, detail::EngineSignal::kQueue).empty())
        return Error{fmt::format("{} exports no queue-depth metric in the catalog to autoscale on",
                                 s.engine->name)};
      detail::kubernetes_files(files, s, z);
      detail::monitoring_files(files, s, z, true);
      detail::ci_files(files, s, z);
      detail::runbook_file(files, s, z, detail::rules(s, z));
      break;
    }
    case Target::kKServe:
      if (s.engine->id != "vllm")
        b.notes.push_back(fmt::format(
            "KServe's Hugging Face runtime serves with vLLM; the plan chose {}, so its numbers may "
            "not hold (choose a vLLM option with --option)",
            s.engine->name));
      if (s.replicas_min == 0)
        b.notes.push_back(
            "KServe's RawDeployment mode scales with an HPA, which cannot remove the last "
            "replica: minReplicas is 1 (the k8s target's KEDA ScaledObject scales to zero)");
      detail::kserve_files(files, s, z);
      break;
    case Target::kHelmProductionStack:
      if (s.engine->id != "vllm")
        return Error{
            fmt::format("production-stack serves vLLM only; the option uses {} (choose a "
                        "vLLM option with --option)",
                        s.engine->name)};
      if (s.replicas_min == 0)
        b.notes.push_back(
            "production-stack's values have no place for the cold-start budget annotation, so "
            "its KEDA block keeps one warm replica (minReplicaCount 1); the k8s target's "
            "ScaledObject scales to zero");
      detail::helm_files(files, s, z);
      break;
    case Target::kSkyPilot:
      detail::skypilot_files(files, s, z);
      break;
    case Target::kCompose:
      if (s.replicas_max > 1)
        b.notes.push_back(
            fmt::format("compose runs one replica on one node; the plan sized {}", s.replicas_max));
      detail::compose_files(files, s, z);
      break;
  }
  std::sort(files.begin(), files.end(),
            [](const GeneratedFile& a, const GeneratedFile& c) { return a.path < c.path; });
  detail::readme_file(files, s, z, target, files);
  std::sort(files.begin(), files.end(),
            [](const GeneratedFile& a, const GeneratedFile& c) { return a.path < c.path; });
  b.files = std::move(files);
  return b;
}

}  // namespace llmctl::deploy
