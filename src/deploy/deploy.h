// The generator's entry point: a resolved Serving (serving.h) in, the bundle of files out.
//
// Targets: k8s (default) writes serving, autoscaling, gateway, monitoring, CI and a runbook;
// kserve, helm-production-stack, skypilot and compose write their serving file plus the gateway
// config, monitoring rules (where Prometheus applies) and the runbook. Every file starts with the
// checksum header of checksum.h. Output is deterministic: the same inputs give the same bytes.
//
// Pure: no files are read or written here; the CLI compares the bundle with the output folder
// (classify()) and writes it atomically.
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "common/result.h"
#include "deploy/checksum.h"
#include "deploy/serving.h"

namespace llmctl::deploy {

enum class Target { kKubernetes, kKServe, kHelmProductionStack, kSkyPilot, kCompose };
const char* to_string(Target t);
// Parses "k8s", "kserve", "helm-production-stack", "skypilot", "compose".
Result<Target> parse_target(const std::string& text);

struct GeneratedFile {
  std::string path;     // relative to the output folder, '/'-separated
  std::string content;  // header line + body
  std::string summary;  // one line: what the file is, for --dry-run and the README
};

struct Bundle {
  Target target = Target::kKubernetes;
  std::vector<GeneratedFile> files;  // sorted by path
  std::vector<std::string> notes;    // the Serving's notes plus the generator's
};

Result<Bundle> generate(const catalog::Catalog& catalog, const Serving& serving, Target target);

}  // namespace llmctl::deploy
