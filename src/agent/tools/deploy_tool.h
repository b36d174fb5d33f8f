// `deploy` as a tool: a plan option (from a spec) or explicit choices -> the bundle of manifests,
// autoscaling, gateway config, alerts, dashboard, CI and runbook. It compares the bundle with the
// files already in the output folder and writes what changed atomically, refusing to overwrite a
// file a person edited unless `force`. The CLI (`llmctl deploy`) and MCP both call run_deploy()
// and deploy_json(); MCP defaults to a dry run (the files and their contents come back) and may
// write only under its --allow-write folder (ToolEnv::files).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "agent/tools/tool.h"
#include "deploy/deploy.h"

namespace llmctl::agent {

struct DeployRun {
  deploy::Target target = deploy::Target::kKubernetes;
  deploy::Serving serving;
  deploy::Bundle bundle;
  std::string out;                // as given
  std::filesystem::path out_dir;  // where it was compared and written
  bool dry_run = false, check = false;
  std::vector<deploy::FileState> states;  // per bundle file, against what is on disk
  std::vector<std::string> blocked;       // edited or foreign files not overwritten (no force)
  std::vector<std::string> stale;         // llmctl files in out_dir this bundle no longer has
  int changes = 0;                        // files whose state is not unchanged
  bool wrote = false;                     // tried to write (not dry-run, check or blocked)
  std::vector<std::string> write_errors;
  // Set when the spec's plan ranks no self-hosted option: nothing was generated.
  std::optional<std::string> nothing_to_deploy;
};

const std::vector<Param>& deploy_params();
// `args` checked against deploy_params().
Result<DeployRun> run_deploy(const boost::json::object& args, const ToolEnv& env);
boost::json::value deploy_json(const DeployRun& run);
Tool deploy_tool();

}  // namespace llmctl::agent
