// `llmctl deploy SPEC.yaml --out DIR`: turns a plan option (or explicit choices) into a bundle of
// manifests, monitoring, CI and a runbook (src/deploy, docs/DEPLOY.md). The `deploy` tool
// (src/agent/tools/deploy_tool.h) reads the spec and the files already in DIR and writes the
// bundle atomically, refusing to overwrite files a person edited unless --force; this file maps
// flags to its arguments and reports.
#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "agent/tools/deploy_tool.h"
#include "cli/app.h"
#include "common/json_writer.h"
#include "common/strings.h"
#include "deploy/checksum.h"
#include "deploy/deploy.h"
#include "deploy/serving.h"
#include "deploy/settings.h"
#include "plan/planner.h"
#include "plan/spec.h"
#include "plan/trace.h"

namespace llmctl::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

struct Opts {
  std::string spec, out, option, target = "k8s", format;
  bool dry_run = false, force = false, check = false;
  deploy::ExplicitChoice choice;
  std::optional<int> max_replicas, max_model_len, max_num_seqs;
  std::optional<double> ttft, tpot, budget;
  // settings
  std::string name, ns, model_repo, revision, eval_command, gateway_image, prometheus_url,
      storage_class;
  std::optional<double> eval_threshold;
  std::optional<int> cold_start_budget, gateway_replicas;
  bool scale_to_zero = false;
};

json::object tool_args(const Opts& o) {
  json::object a{{"out", o.out},
                 {"target", o.target},
                 {"dry_run", o.dry_run},
                 {"check", o.check},
                 {"force", o.force}};
  auto str = [&](const char* key, const std::string& v) {
    if (!v.empty()) a[key] = v;
  };
  str("spec_path", o.spec);
  str("option", o.option);
  if (!o.choice.model.empty()) {
    const deploy::ExplicitChoice& c = o.choice;
    a["model"] = c.model;
    str("gpu", c.gpu);
    str("engine", c.engine);
    str("dtype", c.dtype);
    a["tp"] = c.tp;
    a["pp"] = c.pp;
    a["replicas"] = c.replicas;
    if (o.max_replicas) a["max_replicas"] = *o.max_replicas;
    if (o.max_model_len) a["max_model_len"] = *o.max_model_len;
    if (o.max_num_seqs) a["max_num_seqs"] = *o.max_num_seqs;
    a["input_tokens"] = c.input_tokens;
    a["output_tokens"] = c.output_tokens;
    if (o.ttft) a["ttft_slo_ms"] = *o.ttft;
    if (o.tpot) a["tpot_slo_ms"] = *o.tpot;
    a["availability"] = c.availability;
    str("fallback", c.fallback_price);
    if (o.budget) a["budget"] = *o.budget;
  }
  str("name", o.name);
  str("namespace", o.ns);
  str("model_repo", o.model_repo);
  str("revision", o.revision);
  str("eval_command", o.eval_command);
  str("gateway_image", o.gateway_image);
  str("prometheus_url", o.prometheus_url);
  str("storage_class", o.storage_class);
  if (o.eval_threshold) a["eval_threshold"] = *o.eval_threshold;
  if (o.cold_start_budget) a["cold_start_budget"] = *o.cold_start_budget;
  if (o.gateway_replicas) a["gateway_replicas"] = *o.gateway_replicas;
  if (o.scale_to_zero) a["scale_to_zero"] = true;
  return a;
}

int run(Context& ctx, const Opts& o) {
  const bool json_out = parse_format(o.format) == Format::kJson;
  const auto& params = agent::deploy_params();
  auto args = agent::check_args(params, tool_args(o));
  if (!args) return input_error(flag_error(args.error(), params));
  auto cat = load_catalog(ctx.global);
  if (!cat) return input_error(cat.error());
  agent::ToolEnv env;
  env.catalog = &*cat;
  auto result = agent::run_deploy(*args, env);
  if (!result) return input_error(flag_error(result.error(), params));
  const agent::DeployRun& r = *result;
  if (r.nothing_to_deploy) {
    fmt::print(stderr, "llmctl: {}\n", *r.nothing_to_deploy);
    return kExitCheckFailed;
  }
  const deploy::Bundle& bundle = r.bundle;
  const fs::path out(o.out);

  if (json_out) {
    std::cout << to_pretty_json(agent::deploy_json(r));
  } else {
    std::string verb = o.check             ? "checked"
                       : o.dry_run         ? "would write"
                       : r.blocked.empty() ? "wrote"
                                           : "refused to write";
    fmt::print("{} {} files {} {} (target {}, option {}{})\n", verb, bundle.files.size(),
               o.check || r.blocked.size() ? "for" : "to", o.out, deploy::to_string(r.target),
               r.serving.option_id,
               r.serving.option_rank ? fmt::format(", rank {}", r.serving.option_rank) : "");
    for (std::size_t i = 0; i < bundle.files.size(); ++i)
      fmt::print("  {:<13} {:<40} {}\n", deploy::to_string(r.states[i]), bundle.files[i].path,
                 bundle.files[i].summary);
    for (const auto& s : r.stale)
      fmt::print("  {:<13} {:<40} {}\n", "stale", s,
                 "generated before, not any more (left in place)");
    if (!bundle.notes.empty()) {
      fmt::print("notes:\n");
      for (const auto& n : bundle.notes) fmt::print("  - {}\n", n);
    }
  }
  if (!r.blocked.empty()) {
    for (const auto& b : r.blocked) {
      std::size_t i = 0;
      while (i < bundle.files.size() && bundle.files[i].path != b) ++i;
      fmt::print(stderr,
                 "llmctl: {}: {}; not overwritten (re-run with --force to replace it, or move the "
                 "change into the spec)\n",
                 (out / b).string(),
                 r.states[i] == deploy::FileState::kForeign
                     ? "not written by llmctl deploy"
                     : "edited since llmctl deploy wrote it (its checksum no longer matches)");
    }
    return kExitUsage;
  }
  for (const auto& e : r.write_errors) fmt::print(stderr, "llmctl: {}\n", e);
  if (!r.write_errors.empty()) return kExitUsage;
  if (o.check && r.changes > 0) {
    for (std::size_t i = 0; i < bundle.files.size(); ++i)
      if (r.states[i] != deploy::FileState::kUnchanged)
        fmt::print(stderr, "llmctl: {}: {}\n", (out / bundle.files[i].path).string(),
                   r.states[i] == deploy::FileState::kAbsent ? "missing"
                   : r.states[i] == deploy::FileState::kGenerated
                       ? "differs from what the spec generates"
                   : r.states[i] == deploy::FileState::kEdited ? "edited by hand"
                                                               : "not written by llmctl deploy");
    fmt::print(stderr, "llmctl: {} of {} files in {} differ from what the spec generates\n",
               r.changes, bundle.files.size(), o.out);
    return kExitCheckFailed;
  }
  return kExitOk;
}

}  // namespace

void register_deploy(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "deploy",
      "Generate a deployment bundle from a plan: serving manifests, autoscaling, gateway config, "
      "alerts, dashboard, CI and runbook");
  cmd->add_option("spec", o->spec,
                  "Plan spec (YAML; an optional deploy: section, see docs/DEPLOY.md)");
  cmd->add_option("--out", o->out, "Folder to write the bundle to")->required();
  cmd->add_option("--option", o->option,
                  "Plan option to deploy: rank (1, 2, ...) or id (default: best self-hosted)");
  cmd->add_option("--target", o->target,
                  "k8s (default), kserve, helm-production-stack, skypilot or compose")
      ->check(CLI::IsMember({"k8s", "kserve", "helm-production-stack", "skypilot", "compose"}));
  cmd->add_flag("--dry-run", o->dry_run,
                "Print the files it would write (JSON: with contents); write nothing");
  cmd->add_flag("--check", o->check,
                "Write nothing; exit 1 when a file in --out differs from what would be generated");
  cmd->add_flag("--force", o->force,
                "Overwrite files that were edited by hand or not written by llmctl");
  add_format_option(cmd, o->format);

  auto* g = "Explicit choices (instead of a spec)";
  cmd->add_option("--model", o->choice.model, "Catalog model id")->group(g);
  cmd->add_option("--gpu", o->choice.gpu, "Catalog GPU id")->group(g);
  cmd->add_option("--engine", o->choice.engine, "Catalog engine id (default vllm)")->group(g);
  cmd->add_option("--dtype", o->choice.dtype, "Weight dtype (default bf16)")->group(g);
  cmd->add_option("--tp", o->choice.tp, "Tensor-parallel size")->check(CLI::Range(1, 64))->group(g);
  cmd->add_option("--pp", o->choice.pp, "Pipeline-parallel size")
      ->check(CLI::Range(1, 64))
      ->group(g);
  cmd->add_option("--replicas", o->choice.replicas,
                  "Replicas (the minimum when --max-replicas is larger)")
      ->check(CLI::Range(1, 1000))
      ->group(g);
  cmd->add_option("--max-replicas", o->max_replicas, "Autoscaling maximum")
      ->check(CLI::Range(1, 1000))
      ->group(g);
  cmd->add_option("--max-model-len", o->max_model_len, "Context limit (default from the lengths)")
      ->check(CLI::Range(256, 10000000))
      ->group(g);
  cmd->add_option("--max-num-seqs", o->max_num_seqs,
                  "Engine sequence cap (default from the KV cache)")
      ->check(CLI::Range(1, 100000))
      ->group(g);
  cmd->add_option("--input-tokens", o->choice.input_tokens, "Mean prompt tokens (default 1000)")
      ->check(CLI::PositiveNumber)
      ->group(g);
  cmd->add_option("--output-tokens", o->choice.output_tokens, "Mean output tokens (default 250)")
      ->check(CLI::PositiveNumber)
      ->group(g);
  cmd->add_option("--ttft-slo-ms", o->ttft, "p95 TTFT SLO")->check(CLI::PositiveNumber)->group(g);
  cmd->add_option("--tpot-slo-ms", o->tpot, "p95 TPOT SLO")->check(CLI::PositiveNumber)->group(g);
  cmd->add_option("--availability", o->choice.availability, "Availability SLO (default 0.99)")
      ->check(CLI::Range(0.5, 0.99999))
      ->group(g);
  cmd->add_option("--fallback", o->choice.fallback_price,
                  "Catalog price id of the hosted-API fallback")
      ->group(g);
  cmd->add_option("--budget", o->budget, "Monthly budget in USD")
      ->check(CLI::PositiveNumber)
      ->group(g);

  auto* st = "Deployment settings (override the spec's deploy: section)";
  cmd->add_option("--name", o->name, "Name prefix of every object (default: the spec's name)")
      ->group(st);
  cmd->add_option("--namespace", o->ns, "Kubernetes namespace (default: the name)")->group(st);
  cmd->add_option("--model-repo", o->model_repo,
                  "Hugging Face repository (default: from the catalog)")
      ->group(st);
  cmd->add_option("--revision", o->revision, "Pinned model revision (commit)")->group(st);
  cmd->add_option("--eval-command", o->eval_command,
                  "CI evaluation command; its last output line is the score")
      ->group(st);
  cmd->add_option("--eval-threshold", o->eval_threshold, "Minimum evaluation score")->group(st);
  cmd->add_flag("--scale-to-zero", o->scale_to_zero,
                "Let KEDA scale the engine to zero (needs --cold-start-budget)")
      ->group(st);
  cmd->add_option("--cold-start-budget", o->cold_start_budget,
                  "Seconds the first request after idle may wait")
      ->check(CLI::Range(1, 86400))
      ->group(st);
  cmd->add_option("--gateway-replicas", o->gateway_replicas,
                  "Gateway replicas (default 2; >1 adds Redis)")
      ->check(CLI::Range(1, 100))
      ->group(st);
  cmd->add_option("--gateway-image", o->gateway_image, "llmctl image for the gateway and CI")
      ->group(st);
  cmd->add_option("--prometheus-url", o->prometheus_url, "Prometheus for KEDA and canary analysis")
      ->group(st);
  cmd->add_option("--storage-class", o->storage_class, "Storage class of the model cache")
      ->group(st);

  cmd->callback([&ctx, o] { ctx.action = [&ctx, o] { return run(ctx, *o); }; });
}

namespace {
const CommandRegistrar kRegister(50, register_deploy);
}  // namespace

}  // namespace llmctl::cli
