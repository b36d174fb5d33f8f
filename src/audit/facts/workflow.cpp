#include "audit/facts/workflow.h"

#include <cctype>

#include "common/strings.h"

namespace llmctl::audit::detail {
namespace {

bool has(std::string_view s, std::string_view needle) {
  return s.find(needle) != std::string_view::npos;
}

std::set<std::string> triggers(const Node& doc) {
  std::set<std::string> out;
  const Node* on = doc.get("on");
  if (!on) on = doc.get("true");  // YAML 1.1 readers turn `on` into a boolean
  if (!on) return out;
  if (on->is_scalar()) out.insert(on->scalar);
  for (const auto& v : on->seq) out.insert(v.str());
  for (const auto& [k, v] : on->map) out.insert(k.scalar);
  return out;
}

bool ephemeral_cluster_text(std::string_view s) {
  std::string l = to_lower(s);
  for (std::string_view k : {"minikube", "kind create cluster", "kind load", "k3d cluster create",
                             "k3s", "helm/kind-action", "kind-cluster", "use-context kind-",
                             "medyagh/setup-minikube", "microk8s"})
    if (has(l, k)) return true;
  return false;
}

}  // namespace

void scalars_under(const Node& n, std::vector<const Node*>& out) {
  if (n.is_scalar()) out.push_back(&n);
  for (const auto& [k, v] : n.map) scalars_under(v, out);
  for (const auto& v : n.seq) scalars_under(v, out);
}

bool eval_text(std::string_view s) {
  std::string l = to_lower(s);
  for (std::string_view k :
       {"promptfoo", "ragas", "deepeval", "braintrust", "giskard", "lm_eval", "lm-eval",
        "llmctl eval", "inspect eval", "evals", "evaluate", "evaluation"})
    if (has(l, k)) return true;
  // A word "eval" that is not the shell builtin (`eval "$(ssh-agent)"`).
  for (size_t p = l.find("eval"); p != std::string::npos; p = l.find("eval", p + 1)) {
    bool left = p == 0 || !std::isalnum(static_cast<unsigned char>(l[p - 1]));
    bool right = p + 4 >= l.size() || !std::isalnum(static_cast<unsigned char>(l[p + 4]));
    std::string_view rest = std::string_view(l).substr(p + 4);
    bool builtin = starts_with(trim(rest), "\"$") || starts_with(trim(rest), "$(") ||
                   starts_with(trim(rest), "`");
    if (left && right && !builtin) return true;
  }
  return false;
}

Workflow read_workflow(const Node& doc) {
  Workflow w;
  w.triggers = triggers(doc);
  w.reusable_only = w.triggers.size() == 1 && w.triggers.count("workflow_call");
  for (const auto& [jk, job] : deref(doc.get("jobs")).map) {
    WorkflowJob j;
    j.name = jk.scalar;
    j.node = &job;
    for (const auto& st : deref(job.get("steps")).seq) {
      std::vector<const Node*> ss;
      scalars_under(st, ss);
      WorkflowStep step;
      step.node = &st;
      for (const Node* s : ss) step.text += s->scalar + "\n";
      step.run = deref(st.get("run")).str();
      j.ephemeral_cluster = j.ephemeral_cluster || ephemeral_cluster_text(step.text);
      j.tears_down = j.tears_down || has(step.run, "helm uninstall") ||
                     has(step.run, "helm delete") || has(step.run, "kubectl delete");
      j.steps.push_back(std::move(step));
    }
    if (job.get("uses")) j.steps.push_back({&job, deref(job.get("uses")).str(), ""});
    j.evaluates = eval_text(j.name) || eval_text(deref(job.get("name")).str());
    for (const auto& s : j.steps) j.evaluates = j.evaluates || eval_text(s.text);
    const Node& needs = deref(job.get("needs"));
    if (needs.is_scalar()) j.needs.push_back(needs.scalar);
    for (const auto& n : needs.seq) j.needs.push_back(n.str());
    w.jobs.push_back(std::move(j));
  }
  return w;
}

}  // namespace llmctl::audit::detail
