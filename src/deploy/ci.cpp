// CI/CD: a GitHub Actions workflow (audit, bundle check, offline eval gate, canary with analysis
// on the gateway's metrics, promote or roll back), the canary Deployment and the Argo Rollouts
// analysis (template for Rollouts users, run for the workflow).
#include <fmt/format.h>

#include <cmath>

#include "common/strings.h"
#include "deploy/emit.h"
#include "deploy/internal.h"
#include "plan/format.h"
#include "protocol/gateway_metrics.h"

namespace llmctl::deploy::detail {

namespace gm = protocol::gateway_metrics;

namespace {

// actions/checkout v4.2.2, pinned by full commit SHA (tags can be moved).
constexpr const char* kCheckout = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683";

// POSIX single-quoting for a shell word.
std::string sh_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

json::object checkout_step() {
  return json::object{{"name", "Check out (actions/checkout v4.2.2)"},
                      {"uses", kCheckout},
                      {"with", json::object{{"persist-credentials", false}}}};
}

// The canary analysis: gateway metrics over the canary window, each as a share that cannot be NaN.
json::array analysis_metrics(const Serving& s) {
  const std::string G = gateway_selector(s);
  const double max_errors = std::min(0.05, std::max(0.01, 10 * (1 - s.availability)));
  json::array metrics;
  auto metric = [&](const std::string& name, const std::string& query,
                    const std::string& condition) {
    metrics.push_back(json::object{
        {"name", name},
        {"interval", "1m"},
        {"count", 10},
        {"failureLimit", 2},
        {"successCondition", condition},
        {"provider", json::object{{"prometheus", json::object{{"address", s.prometheus_url},
                                                              {"query", query}}}}}});
  };
  metric("gateway-error-ratio",
         fmt::format(
             "(sum(rate(llmctl_gateway_requests_total{{{0},code=~\"5..\"}}[5m])) / "
             "clamp_min(sum(rate(llmctl_gateway_requests_total{{{0}}}[5m])), 1e-9)) or vector(0)",
             G),
         fmt::format("result[0] <= {}", format_number(max_errors)));
  auto slow = [&](const std::string& hist, double bound) {
    return fmt::format(
        "((sum(rate({0}_count{{{1}}}[5m])) - sum(rate({0}_bucket{{{1},{2}}}[5m]))) / "
        "clamp_min(sum(rate({0}_count{{{1}}}[5m])), 1e-9)) or vector(0)",
        hist, G, le_matcher(bound));
  };
  if (s.ttft_slo_ms)
    metric("gateway-ttft-slow-share",
           slow(std::string(gm::kTimeToFirstTokenSeconds),
                nearest_bound(gateway_ttft_bounds(), *s.ttft_slo_ms / 1000)),
           "result[0] <= 0.05");
  if (s.tpot_slo_ms)
    metric("gateway-tpot-slow-share",
           slow(std::string(gm::kTimePerOutputTokenSeconds),
                nearest_bound(gateway_tpot_bounds(), *s.tpot_slo_ms / 1000)),
           "result[0] <= 0.05");
  if (s.fallback) {
    const std::string job = fmt::format("namespace=\"{}\",job=\"{}\"", s.ns, gateway_name(s));
    const std::string fb = fmt::format("{}-fallback-{}", s.name, s.fallback->price->provider);
    metric("gateway-fallback-share",
           fmt::format("(sum(rate(llmctl_gateway_upstream_duration_seconds_count{{{0},deployment="
                       "\"{1}\"}}[5m])) / "
                       "clamp_min(sum(rate(llmctl_gateway_upstream_duration_seconds_count{{{0}}}["
                       "5m])), 1e-9)) or vector(0)",
                       job, fb),
           "result[0] <= 0.2");
  }
  return metrics;
}

}  // namespace

void ci_files(Files& out, const Serving& s, const Sizing& z) {
  // Canary: one replica of the new engine spec beside the stable fleet, behind the same Service.
  add_yaml(out, s, "ci/canary-deployment.yaml",
           "canary Deployment (1 replica of the new engine spec, same Service)",
           {engine_deployment(s, z, true)},
           "Applied by the workflow's canary job; removed on promote or roll back.");

  json::object template_meta = metadata(s, s.name + "-canary", "ci");
  add_yaml(out, s, "ci/analysis-template.yaml",
           "Argo Rollouts AnalysisTemplate: the canary checks, for Rollout users",
           {json::object{{"apiVersion", "argoproj.io/v1alpha1"},
                         {"kind", "AnalysisTemplate"},
                         {"metadata", template_meta},
                         {"spec", json::object{{"metrics", analysis_metrics(s)}}}}});
  json::object run_meta{
      {"generateName", s.name + "-canary-"}, {"namespace", s.ns}, {"labels", labels(s, "ci")}};
  add_yaml(out, s, "ci/analysis-run.yaml",
           "Argo Rollouts AnalysisRun the workflow creates for each canary",
           {json::object{{"apiVersion", "argoproj.io/v1alpha1"},
                         {"kind", "AnalysisRun"},
                         {"metadata", run_meta},
                         {"spec", json::object{{"metrics", analysis_metrics(s)}}}}});

  // ---- the workflow ----
  const std::string bundle = s.bundle_path.empty() ? "." : s.bundle_path;
  json::object env{{"BUNDLE", bundle}, {"NAMESPACE", s.ns}};
  if (!s.spec_path.empty()) env["SPEC"] = s.spec_path;
  json::array paths{json::string(bundle + "/**")};
  if (!s.spec_path.empty()) paths.push_back(json::string(s.spec_path));

  // llmctl runs from its image (the gateway image: the same binary).
  json::object llmctl_container{{"image", s.gateway_image}};
  json::object jobs;
  jobs["audit"] = json::object{
      {"name", "llmctl audit"},
      {"runs-on", "ubuntu-latest"},
      {"timeout-minutes", 10},
      {"container", llmctl_container},
      {"steps", json::array{checkout_step(),
                            json::object{{"name", "Audit the bundle (AI-ops rules)"},
                                         {"run", "llmctl audit \"$BUNDLE\" --fail-on warning"}}}}};
  // The same settings as this run, so the comparison sees only drift and hand edits.
  std::string regen = "echo \"bundle generated from flags, not a spec: nothing to compare\"";
  if (!s.spec_path.empty()) {
    regen = fmt::format(
        "llmctl deploy \"$SPEC\" --out \"$BUNDLE\" --target k8s --check \\\n  --option {}",
        sh_quote(s.option_id));
    auto flag = [&](const char* name, const std::string& value) {
      regen += fmt::format(" \\\n  {} {}", name, sh_quote(value));
    };
    flag("--name", s.name);
    flag("--namespace", s.ns);
    flag("--model-repo", s.model_repo);
    if (!s.revision.empty()) flag("--revision", s.revision);
    if (!s.storage_class.empty()) flag("--storage-class", s.storage_class);
    flag("--prometheus-url", s.prometheus_url);
    flag("--gateway-image", s.gateway_image);
    flag("--gateway-replicas", std::to_string(s.gateway_replicas));
    if (s.eval_configured) {
      flag("--eval-command", s.eval_command);
      flag("--eval-threshold", format_number(s.eval_threshold));
    }
    if (s.scale_to_zero && s.cold_start_budget_s) {
      regen += " \\\n  --scale-to-zero";
      flag("--cold-start-budget", std::to_string(*s.cold_start_budget_s));
    }
    regen += "\n";
  }
  jobs["build"] = json::object{
      {"name", "Bundle matches the spec"},
      {"needs", json::array{"audit", "eval"}},
      {"runs-on", "ubuntu-latest"},
      {"timeout-minutes", 10},
      {"container", llmctl_container},
      {"steps",
       json::array{checkout_step(),
                   json::object{{"name", "Regenerate and compare (fails on drift or hand edits)"},
                                {"run", regen}}}}};
  std::string eval_run;
  if (s.eval_configured)
    eval_run = fmt::format(
        "set -eu\n"
        "score=\"$({} | tail -n 1)\"\n"
        "echo \"eval score: $score (threshold $EVAL_THRESHOLD)\"\n"
        "awk -v s=\"$score\" -v t=\"$EVAL_THRESHOLD\" 'BEGIN {{ exit !(s + 0 >= t + 0) }}' || "
        "{{ echo \"::error::evaluation score $score is below $EVAL_THRESHOLD\"; exit 1; }}\n",
        s.eval_command);
  else
    eval_run =
        "echo \"::error::no evaluation command: set deploy.eval.command and deploy.eval.threshold "
        "in the spec (or llmctl deploy --eval-command/--eval-threshold) and regenerate\"\n"
        "exit 1\n";
  jobs["eval"] = json::object{
      {"name", "Offline evaluation gate"},
      {"runs-on", "ubuntu-latest"},
      {"timeout-minutes", 60},
      {"env", json::object{{"EVAL_THRESHOLD", format_number(s.eval_threshold)}}},
      {"steps", json::array{checkout_step(),
                            json::object{{"name", "Evaluate (last output line is the score)"},
                                         {"run", eval_run}}}}};

  const int rollout_timeout = z.startup_budget_s + 300;
  // Replicas restart one at a time; GitHub ends a job after 6 hours, so stop waiting at 5.
  const int fleet_timeout = std::min(18000, rollout_timeout * std::max(1, s.replicas_max));
  std::string wait_analysis = fmt::format(
      "set -eu\n"
      "run=\"$(kubectl create -f \"$BUNDLE/ci/analysis-run.yaml\" -o name)\"\n"
      "echo \"analysis: $run\"\n"
      "for i in $(seq 1 40); do\n"
      "  phase=\"$(kubectl -n \"$NAMESPACE\" get \"$run\" -o jsonpath='{{.status.phase}}')\"\n"
      "  case \"$phase\" in\n"
      "    Successful) echo \"canary analysis passed\"; exit 0 ;;\n"
      "    Failed|Error|Inconclusive) kubectl -n \"$NAMESPACE\" get \"$run\" -o yaml; "
      "echo \"::error::canary analysis $phase\"; exit 1 ;;\n"
      "  esac\n"
      "  sleep 30\n"
      "done\n"
      "echo \"::error::canary analysis did not finish in 20 minutes\"; exit 1\n");
  std::string promote = fmt::format(
      "set -eu\n"
      "kubectl apply -f \"$BUNDLE/k8s/\"\n"
      "kubectl apply -f \"$BUNDLE/monitoring/prometheusrule.yaml\" -f "
      "\"$BUNDLE/monitoring/servicemonitor-engine.yaml\" -f "
      "\"$BUNDLE/monitoring/servicemonitor-gateway.yaml\"\n"
      "kubectl -n \"$NAMESPACE\" rollout status deployment/{} --timeout={}s\n"
      "kubectl -n \"$NAMESPACE\" rollout status deployment/{} --timeout=300s\n"
      "kubectl delete -f \"$BUNDLE/ci/canary-deployment.yaml\" --ignore-not-found\n",
      engine_name(s), fleet_timeout, gateway_name(s));
  std::string rollback = fmt::format(
      "kubectl delete -f \"$BUNDLE/ci/canary-deployment.yaml\" --ignore-not-found\n"
      "if [ \"$PROMOTE_OUTCOME\" = failure ]; then\n"
      "  kubectl -n \"$NAMESPACE\" rollout undo deployment/{}\n"
      "  echo \"::error::promotion failed: the engine rollout was undone\"\n"
      "else\n"
      "  echo \"::error::canary failed: the stable fleet was left as it was\"\n"
      "fi\n",
      engine_name(s));
  jobs["canary"] = json::object{
      {"name", "Canary, analyse, promote or roll back"},
      {"needs", json::array{"audit", "build", "eval"}},
      {"if", "github.ref == 'refs/heads/main'"},
      {"runs-on", "ubuntu-latest"},
      {"timeout-minutes", std::min(355, 45 + (rollout_timeout + fleet_timeout) / 60)},
      {"environment", "production"},
      {"concurrency", json::object{{"group", "deploy-" + s.name}, {"cancel-in-progress", false}}},
      {"steps",
       json::array{
           checkout_step(),
           json::object{
               {"name", "Cluster credentials"},
               {"env", json::object{{"KUBECONFIG_DATA", "${{ secrets.KUBECONFIG_DATA }}"}}},
               {"run",
                "umask 077\nmkdir -p \"$HOME/.kube\"\n"
                "printf '%s' \"$KUBECONFIG_DATA\" | base64 -d > \"$HOME/.kube/config\"\n"}},
           json::object{
               {"name", "Start the canary (one replica of the new spec)"},
               {"run", fmt::format(
                           "kubectl apply -f \"$BUNDLE/ci/canary-deployment.yaml\"\n"
                           "kubectl -n \"$NAMESPACE\" rollout status deployment/{} --timeout={}s\n",
                           canary_name(s), rollout_timeout)}},
           json::object{
               {"name", "Analyse the canary on the gateway's metrics (Argo Rollouts AnalysisRun)"},
               {"run", wait_analysis}},
           json::object{{"name", "Promote: apply the bundle, retire the canary"},
                        {"id", "promote"},
                        {"run", promote}},
           json::object{{"name", "Roll back: retire the canary (and undo a failed promotion)"},
                        {"if", "failure()"},
                        {"env", json::object{{"PROMOTE_OUTCOME", "${{ steps.promote.outcome }}"}}},
                        {"run", rollback}}}}};

  json::object workflow{
      {"name", fmt::format("deploy {}", s.name)},
      {"on",
       json::object{{"push", json::object{{"branches", json::array{"main"}}, {"paths", paths}}},
                    {"workflow_dispatch", json::object{}}}},
      {"permissions", json::object{{"contents", "read"}}},
      {"env", env},
      {"jobs", jobs}};
  add_yaml(
      out, s, "ci/github-workflow.yaml",
      "GitHub Actions workflow: audit, bundle check, eval gate, canary + analysis, promote/roll "
      "back",
      {workflow},
      fmt::format(
          "Copy to .github/workflows/deploy-{}.yaml. Needs: the secret KUBECONFIG_DATA (base64\n"
          "kubeconfig of a deployer in namespace {}), an environment named production, Argo\n"
          "Rollouts' controller in the cluster (it runs ci/analysis-run.yaml), and the eval\n"
          "command's own dependencies on the runner.",
          s.name, s.ns));
}

}  // namespace llmctl::deploy::detail
