// What a GitHub Actions workflow says: triggers, jobs, their steps (as text to match), what
// they need, and whether a job runs against a throwaway cluster. Internal to llmctl_audit.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "audit/doc.h"

namespace llmctl::audit::detail {

struct WorkflowStep {
  const Node* node = nullptr;
  std::string text;  // name + run + uses + with, one scalar per line
  std::string run;   // the run: script only
};

struct WorkflowJob {
  std::string name;
  const Node* node = nullptr;
  std::vector<WorkflowStep> steps;  // a reusable-workflow call (uses:) is one step
  std::vector<std::string> needs;
  bool evaluates = false;  // an evaluation step (promptfoo, lm-eval, an eval step) or job name
  bool ephemeral_cluster = false;  // kind / minikube / k3d: a test cluster, not a deployment
  bool tears_down = false;         // uninstalls what it installs (helm uninstall, kubectl delete)
};

struct Workflow {
  std::set<std::string> triggers;
  std::vector<WorkflowJob> jobs;
  bool reusable_only = false;  // `on: workflow_call` only: the caller's token and secrets apply
};

Workflow read_workflow(const Node& doc);

// Every scalar under a node (steps are small; this stays cheap).
void scalars_under(const Node& n, std::vector<const Node*>& out);
// Text that runs or names an evaluation (promptfoo, ragas, lm-eval, an `eval` word that is not
// the shell builtin).
bool eval_text(std::string_view s);

}  // namespace llmctl::audit::detail
