// GitHub Actions workflows: action pinning (CICD001), token permissions (CICD002), LLM secrets
// reachable from untrusted pull requests (CICD003) and model/prompt deployments without an
// evaluation gate (CICD004).
#include <fmt/format.h>

#include <cctype>
#include <functional>
#include <map>
#include <set>

#include "audit/facts/workflow.h"
#include "audit/rules/rules.h"
#include "common/strings.h"

namespace llmctl::audit::detail {
namespace {

using S = Severity;

bool full_sha(std::string_view ref) {
  if (ref.size() != 40) return false;
  for (char c : ref)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

bool llm_secret(std::string_view name) {
  std::string u = upper(name);
  for (std::string_view k :
       {"OPENAI",  "ANTHROPIC", "CLAUDE",       "GEMINI",     "GOOGLE_AI", "GOOGLE_API",
        "VERTEX",  "MISTRAL",   "COHERE",       "GROQ",       "TOGETHER",  "HF_TOKEN",
        "HUGGING", "LLM",       "AZURE_OPENAI", "BEDROCK",    "DEEPSEEK",  "OPENROUTER",
        "LITELLM", "PORTKEY",   "FIREWORKS",    "PERPLEXITY", "XAI_",      "REPLICATE"})
    if (contains(u, k)) return true;
  return false;
}

bool has_any(std::string_view l, std::initializer_list<std::string_view> ks) {
  for (auto k : ks)
    if (contains(l, k)) return true;
  return false;
}

// One command line that ships a model or a prompt: a serving-platform deploy, a cluster apply
// of model-serving manifests on the same line, or a prompt publish. Image builds (docker push)
// and other verbs in step names do not count.
bool deploy_line(std::string_view line) {
  std::string l = to_lower(line);
  if (has_any(l, {"sky serve up", "sky serve update", "llmctl deploy", "modal deploy",
                  "huggingface-cli upload", "hf upload", "truss push", "bentoml deploy",
                  "langfuse prompt"}))
    return true;
  if (has_any(l, {"docker push", "docker buildx", "docker build"})) return false;
  bool cluster = has_any(l, {"helm upgrade", "helm install", "kubectl apply", "kubectl rollout",
                             "kubectl set image", "kubectl create", "kubectl replace"});
  if (cluster && has_any(l, {"vllm", "sglang", "model", "inference", "llm", "serving", "kserve"}))
    return true;
  bool ship = has_any(l, {"deploy", "publish", "push", "release"});
  return ship && contains(l, "prompt");
}

// The script's command lines, continuations joined.
std::vector<std::string> command_lines(const std::string& run) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < run.size(); ++i) {
    if (run[i] == '\\' && i + 1 < run.size() && run[i + 1] == '\n') {
      out.back() += ' ';
      ++i;
    } else if (run[i] == '\n') {
      out.emplace_back();
    } else {
      out.back() += run[i];
    }
  }
  return out;
}

}  // namespace

void add_ci_rule_docs(std::vector<RuleInfo>& out) {
  out.push_back(
      {"CICD001", "ci", S::kWarning, "Action pinned to a tag instead of a full SHA",
       "uses: owner/repo@ref (steps and reusable workflows) where ref is not a 40-character "
       "commit SHA, and docker:// actions without a digest. Local actions (./) are fine.",
       "Tags and branches can be moved to malicious code (the tj-actions/changed-files "
       "compromise); pinning full SHAs is GitHub's hardening advice, OpenSSF Scorecard's "
       "Pinned-Dependencies check and zizmor's unpinned-uses default since 1.20 (first-party "
       "actions included), and StepSecurity's standard fix (e.g. nodejs/doc-kit#114). "
       "Research: agents-and-deploy.md §4.2 item 37.",
       "Pin the commit SHA and keep the tag in a comment (uses: actions/checkout@<sha> # v4).",
       "uses: actions/checkout@v4"});
  out.push_back(
      {"CICD002", "ci", S::kWarning, "Workflow without permissions:",
       "No top-level permissions: and at least one job without its own permissions:. Reusable "
       "workflows (on: workflow_call only) are skipped: they run with the caller's token.",
       "Without it GITHUB_TOKEN gets the repository default, often read/write on contents, "
       "packages and more, for every step and action. Research: agents-and-deploy.md §4.2 item "
       "37 (strix PR #862, StepSecurity PRs).",
       "Add permissions: {contents: read} at the top and widen per job.",
       "on: [push]\njobs: {build: {runs-on: ubuntu-latest, steps: [...]}}"});
  out.push_back(
      {"CICD003", "ci", S::kError, "LLM API secrets reachable from untrusted pull requests",
       "A workflow triggered by pull_request_target whose job checks out or fetches the pull "
       "request's code (github.event.pull_request.head.*, github.head_ref, gh pr checkout, "
       "refs/pull/) and references an LLM provider secret (OPENAI, ANTHROPIC, GEMINI, HF_TOKEN, "
       "LITELLM, ... in the secret name). pull_request workflows are safe: forks get no "
       "secrets.",
       "pull_request_target runs with the base repository's secrets; running the PR's code next "
       "to them lets any fork exfiltrate or spend the key (\"pwn request\"). Research: "
       "agents-and-deploy.md §4.2 item 38.",
       "Run PR code under pull_request, or gate on a maintainer label/environment and never mix "
       "the head checkout with secrets.",
       "on: pull_request_target + checkout head.sha + env: OPENAI_API_KEY"});
  out.push_back(
      {"CICD004", "ci", S::kWarning, "Model or prompt deployment without an evaluation step",
       "A command that deploys a model or prompt (sky serve up/update, llmctl deploy, modal "
       "deploy, huggingface-cli upload, helm/kubectl applying vllm/model/inference/serving "
       "manifests on the same command line, a prompt publish/push) with no evaluation "
       "(promptfoo, lm-eval, deepeval, ragas, an eval/evaluate step) earlier in the job or in a "
       "job it needs (transitively). Jobs that run against a throwaway cluster (kind, minikube, "
       "k3d), or that uninstall what they install, are tests, not deployments; image builds and "
       "pushes are not model deployments.",
       "Model and prompt changes regress silently; promptfoo-action runs before/after evals on "
       "PRs (typpo/promptfoo-action) and HolmesGPT gates on regression evals "
       "(HolmesGPT/holmesgpt:pyproject.toml). Research: agents-and-deploy.md §4.2 items 13 "
       "and 39.",
       "Run the eval suite in an earlier step or a needs: job and fail on regression.",
       "- run: helm upgrade vllm ./charts/vllm"});
}

void check_workflow(FileCtx& f, const Node& doc) {
  const Workflow wf = read_workflow(doc);
  // CICD001: actions pinned to a tag or branch.
  for (const auto& job : wf.jobs) {
    auto check_uses = [&](const Node* u) {
      if (!u || !u->is_scalar()) return;
      std::string s = trim(u->scalar);
      if (starts_with(s, "./") || starts_with(s, "docker://")) {
        if (starts_with(s, "docker://") && !contains(s, "@sha256:"))
          f.emit("CICD001", u->pos,
                 fmt::format("container action '{}' is pinned to a mutable tag", s),
                 "pin the image by digest (docker://image@sha256:...)");
        return;
      }
      size_t at = s.find('@');
      std::string ref = at == std::string::npos ? "" : s.substr(at + 1);
      if (!full_sha(ref))
        f.emit("CICD001", u->pos,
               fmt::format("'{}' is pinned to {}: tags and branches can be moved to other code "
                           "(as in the tj-actions/changed-files compromise)",
                           s, ref.empty() ? "nothing" : "'" + ref + "', not a commit"),
               fmt::format("pin the full 40-character commit SHA and keep the tag in a comment: "
                           "{}@<sha> # {}",
                           s.substr(0, at), ref.empty() ? "vX" : ref));
    };
    check_uses(job.node->get("uses"));
    for (const auto& st : deref(job.node->get("steps")).seq) check_uses(st.get("uses"));
  }
  // CICD002: no least-privilege GITHUB_TOKEN.
  if (!doc.get("permissions") && !wf.jobs.empty() && !wf.reusable_only) {
    std::vector<std::string> missing;
    for (const auto& job : wf.jobs)
      if (!job.node->get("permissions")) missing.push_back(job.name);
    if (!missing.empty()) {
      Pos at = doc.get("on") ? doc.key_pos("on") : doc.key_pos("jobs");
      f.emit("CICD002", at,
             fmt::format("workflow sets no permissions: (top level, nor in job{} {}), so "
                         "GITHUB_TOKEN gets the repository default, often read/write on "
                         "everything",
                         missing.size() == 1 ? "" : "s", join(missing, ", ")),
             "add a top-level `permissions: {contents: read}` and widen per job where needed");
    }
  }
  // CICD003: LLM secrets in a pull_request_target job that runs the PR's code.
  if (wf.triggers.count("pull_request_target")) {
    for (const auto& job : wf.jobs) {
      // Jobs guarded to plain pull_request events, or to PRs from this repository, never run a
      // fork's code with secrets.
      std::string cond = deref(job.node->get("if")).str();
      std::string squashed;
      for (char ch : cond)
        if (ch != ' ' && ch != '"' && ch != '\'') squashed += ch;
      if (contains(squashed, "event_name==pull_request") &&
          !contains(squashed, "event_name==pull_request_target"))
        continue;
      if (contains(squashed, "head.repo.full_name==github.repository")) continue;
      std::vector<const Node*> ss;
      scalars_under(*job.node, ss);
      bool head = false;
      for (const Node* s : ss) {
        const std::string& v = s->scalar;
        if (contains(v, "github.event.pull_request.head") || contains(v, "github.head_ref") ||
            contains(v, "gh pr checkout") || contains(v, "refs/pull/") || contains(v, "pull/${{"))
          head = true;
      }
      if (!head) continue;
      for (const Node* s : ss) {
        size_t p = s->scalar.find("secrets.");
        while (p != std::string::npos) {
          size_t e = p + 8;
          while (e < s->scalar.size() &&
                 (std::isalnum(static_cast<unsigned char>(s->scalar[e])) || s->scalar[e] == '_'))
            ++e;
          std::string name = s->scalar.substr(p + 8, e - p - 8);
          if (llm_secret(name)) {
            Pos at = f.find_from(s->pos.line, "secrets." + name, s->pos, 50);
            f.emit("CICD003", at,
                   fmt::format("job '{}' runs on pull_request_target, checks out the pull "
                               "request's code and exposes secrets.{}: any fork can open a PR "
                               "that prints or spends the key",
                               job.name, name),
                   "run untrusted PR code under `pull_request` (no secrets for forks), or gate "
                   "the job on a maintainer label/environment approval and never check out the "
                   "head ref next to secrets");
            break;
          }
          p = s->scalar.find("secrets.", e);
        }
      }
    }
  }
  // CICD004: model/prompt deployment with no evaluation before it.
  std::map<std::string, const WorkflowJob*> by_name;
  for (const auto& job : wf.jobs) by_name[job.name] = &job;
  std::function<bool(const WorkflowJob&, std::set<std::string>&)> upstream_eval =
      [&](const WorkflowJob& job, std::set<std::string>& seen) {
        for (const auto& n : job.needs) {
          if (!seen.insert(n).second) continue;
          auto it = by_name.find(n);
          if (it == by_name.end()) continue;
          if (it->second->evaluates || upstream_eval(*it->second, seen)) return true;
        }
        return false;
      };
  // A job that installs into a throwaway cluster, or installs and uninstalls again, tests the
  // chart; it does not deploy a model.
  for (const auto& job : wf.jobs) {
    if (job.ephemeral_cluster || job.tears_down) continue;
    std::set<std::string> seen;
    bool upstream = upstream_eval(job, seen);
    bool before = false;
    for (const auto& s : job.steps) {
      bool deploys = false;
      std::string what;
      for (const auto& line : command_lines(s.run.empty() ? s.text : s.run))
        if (deploy_line(line)) {
          deploys = true;
          what = trim(line);
          break;
        }
      if (deploys && !eval_text(s.text)) {
        if (!before && !upstream) {
          const Node* anchor = s.node->get("run");
          if (!anchor) anchor = s.node->get("uses");
          Pos at =
              s.node->get("name") ? s.node->key_pos("name") : (anchor ? anchor->pos : s.node->pos);
          f.emit("CICD004", at,
                 fmt::format("job '{}' deploys a model or prompt ('{}') with no evaluation step "
                             "before it in the job or in the jobs it needs",
                             job.name, what.substr(0, 80)),
                 "run an eval (promptfoo, lm-eval, your regression suite) in an earlier step or "
                 "a job listed in needs:, and fail the workflow when it regresses");
        }
        break;
      }
      before = before || eval_text(s.text);
    }
  }
}

}  // namespace llmctl::audit::detail
