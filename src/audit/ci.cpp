// GitHub Actions workflows: action pinning (CICD001), token permissions (CICD002), LLM secrets
// reachable from untrusted pull requests (CICD003) and model/prompt deployments without an
// evaluation gate (CICD004).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>

#include "audit/internal.h"
#include "common/strings.h"

namespace llmctl::audit::detail {
namespace {

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

// Every scalar under a node with its position (steps are small; this stays cheap).
void scalars(const Node& n, std::vector<const Node*>& out) {
  if (n.is_scalar()) out.push_back(&n);
  for (const auto& [k, v] : n.map) scalars(v, out);
  for (const auto& v : n.seq) scalars(v, out);
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

bool eval_text(std::string_view s) {
  std::string l = to_lower(s);
  for (std::string_view k :
       {"promptfoo", "ragas", "deepeval", "braintrust", "giskard", "lm_eval", "lm-eval",
        "llmctl eval", "inspect eval", "evals", "evaluate", "evaluation"})
    if (contains(l, k)) return true;
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

// A step that ships a model or a prompt: the deploy verb must come with a model/prompt noun.
bool model_deploy_text(std::string_view s) {
  std::string l = to_lower(s);
  for (std::string_view k : {"sky serve up", "sky serve update", "llmctl deploy", "modal deploy",
                             "huggingface-cli upload", "hf upload", "truss push", "bentoml deploy",
                             "promptlayer", "langfuse prompt"})
    if (contains(l, k)) return true;
  bool verb = false;
  for (std::string_view k :
       {"helm upgrade", "helm install", "kubectl apply", "kubectl rollout", "kubectl set image",
        "deploy", "publish", "push", "release", "rollout"})
    verb = verb || contains(l, k);
  if (!verb) return false;
  for (std::string_view k : {"vllm", "sglang", "model", "prompt", "inference", "llm", "serving",
                             "kserve", "inferenceservice"})
    if (contains(l, k)) return true;
  return false;
}

struct Step {
  const Node* node;
  std::string text;  // name + run + uses + with, for matching
};

}  // namespace

void check_workflow(FileCtx& f, const Node& doc) {
  const Node& jobs = deref(doc.get("jobs"));
  // CICD001: actions pinned to a tag or branch.
  for (const auto& [jk, job] : jobs.map) {
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
    check_uses(job.get("uses"));
    for (const auto& st : deref(job.get("steps")).seq) check_uses(st.get("uses"));
  }
  // CICD002: no least-privilege GITHUB_TOKEN.
  if (!doc.get("permissions") && !jobs.map.empty()) {
    std::vector<std::string> missing;
    for (const auto& [jk, job] : jobs.map)
      if (!job.get("permissions")) missing.push_back(jk.scalar);
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
  std::set<std::string> on = triggers(doc);
  if (on.count("pull_request_target")) {
    for (const auto& [jk, job] : jobs.map) {
      // Jobs guarded to plain pull_request events, or to PRs from this repository, never run a
      // fork's code with secrets.
      std::string cond = deref(job.get("if")).str();
      std::string squashed;
      for (char ch : cond)
        if (ch != ' ' && ch != '"' && ch != '\'') squashed += ch;
      if (contains(squashed, "event_name==pull_request") &&
          !contains(squashed, "event_name==pull_request_target"))
        continue;
      if (contains(squashed, "head.repo.full_name==github.repository")) continue;
      std::vector<const Node*> ss;
      scalars(job, ss);
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
                               jk.scalar, name),
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
  std::map<std::string, std::vector<Step>> steps_of;
  std::map<std::string, std::vector<std::string>> needs_of;
  std::map<std::string, bool> job_evals;
  for (const auto& [jk, job] : jobs.map) {
    std::vector<Step> steps;
    for (const auto& st : deref(job.get("steps")).seq) {
      std::vector<const Node*> ss;
      scalars(st, ss);
      std::string text;
      for (const Node* s : ss) text += s->scalar + "\n";
      steps.push_back({&st, text});
    }
    if (job.get("uses")) steps.push_back({&job, deref(job.get("uses")).str()});
    bool ev = eval_text(jk.scalar) || eval_text(deref(job.get("name")).str());
    for (const auto& s : steps) ev = ev || eval_text(s.text);
    job_evals[jk.scalar] = ev;
    const Node& needs = deref(job.get("needs"));
    if (needs.is_scalar()) needs_of[jk.scalar].push_back(needs.scalar);
    for (const auto& n : needs.seq) needs_of[jk.scalar].push_back(n.str());
    steps_of[jk.scalar] = std::move(steps);
  }
  std::function<bool(const std::string&, std::set<std::string>&)> upstream_eval =
      [&](const std::string& job, std::set<std::string>& seen) {
        for (const auto& n : needs_of[job]) {
          if (!seen.insert(n).second) continue;
          if (job_evals[n] || upstream_eval(n, seen)) return true;
        }
        return false;
      };
  for (const auto& [jk, job] : jobs.map) {
    const auto& steps = steps_of[jk.scalar];
    bool before = false;
    std::set<std::string> seen;
    bool upstream = upstream_eval(jk.scalar, seen);
    for (const auto& s : steps) {
      if (model_deploy_text(s.text) && !eval_text(s.text)) {
        if (!before && !upstream) {
          const Node* anchor = s.node->get("run");
          if (!anchor) anchor = s.node->get("uses");
          Pos at =
              s.node->get("name") ? s.node->key_pos("name") : (anchor ? anchor->pos : s.node->pos);
          std::string what = trim(s.text.substr(0, s.text.find('\n')));
          f.emit("CICD004", at,
                 fmt::format("job '{}' deploys a model or prompt ('{}') with no evaluation step "
                             "before it in the job or in the jobs it needs",
                             jk.scalar, what.substr(0, 80)),
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
