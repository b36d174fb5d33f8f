// `llmctl deploy SPEC.yaml --out DIR`: turns a plan option (or explicit choices) into a bundle of
// manifests, monitoring, CI and a runbook (src/deploy, docs/DEPLOY.md). This file does the I/O:
// it reads the spec and the files already in DIR, and writes the bundle atomically, refusing to
// overwrite files a person edited unless --force.
#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

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

std::optional<std::string> read_if_exists(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<std::string> read_file(const fs::path& path) {
  auto text = read_if_exists(path);
  if (!text) return Error{fmt::format("cannot read '{}'", path.string())};
  return *text;
}

// Temporary file in the same folder, then rename: a reader never sees half a file.
Status write_atomically(const fs::path& path, const std::string& text) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  if (ec)
    return Error{
        fmt::format("{}: cannot create folder: {}", path.parent_path().string(), ec.message())};
  fs::path tmp = path;
  tmp += fmt::format(".llmctl-tmp{}", getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Error{fmt::format("{}: cannot write", tmp.string())};
    out << text;
    out.flush();
    if (!out) return Error{fmt::format("{}: write failed", tmp.string())};
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Error{fmt::format("{}: cannot replace: {}", path.string(), ec.message())};
  }
  return {};
}

// The spec as the planner sees it (the deploy: section hidden), with its trace applied.
Result<plan::Spec> load_spec(const std::string& path, const std::string& text) {
  auto spec = plan::parse_spec(deploy::hide_deploy_section(text), path);
  if (!spec) return spec.error();
  if (spec->name.empty()) spec->name = fs::path(path).stem().string();
  if (spec->traffic.trace) {
    const plan::SpecRef& ref = spec->traffic.trace->file;
    fs::path trace_path = ref.value;
    if (trace_path.is_relative()) trace_path = fs::path(path).parent_path() / trace_path;
    auto csv = read_file(trace_path);
    if (!csv)
      return Error{
          fmt::format("{}: traffic.trace.file: {}", plan::where(*spec, ref), csv.error().message)};
    auto summary = plan::summarize_trace(*csv, trace_path.string());
    if (!summary) return summary.error();
    plan::apply_trace(spec->traffic, *summary, fs::path(ref.value).filename().string());
  }
  return spec;
}

// Files under `out` that carry an llmctl header but are not part of this bundle.
std::vector<std::string> stale_files(const fs::path& out, const std::set<std::string>& generated) {
  std::vector<std::string> stale;
  std::error_code ec;
  if (!fs::is_directory(out, ec)) return stale;
  for (auto it = fs::recursive_directory_iterator(out, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string rel = fs::relative(it->path(), out, ec).generic_string();
    if (generated.count(rel)) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::string first;
    std::getline(in, first);
    if (deploy::declared_checksum(first)) stale.push_back(rel);
  }
  std::sort(stale.begin(), stale.end());
  return stale;
}

std::string normalize_bundle_path(const std::string& out) {
  std::string p = fs::path(out).lexically_normal().generic_string();
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p.empty() ? "." : p;
}

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

deploy::Settings flag_settings(const Opts& o) {
  deploy::Settings s;
  auto set = [](std::optional<std::string>& dst, const std::string& v) {
    if (!v.empty()) dst = v;
  };
  set(s.name, o.name);
  set(s.ns, o.ns);
  set(s.model_repo, o.model_repo);
  set(s.revision, o.revision);
  set(s.eval_command, o.eval_command);
  set(s.gateway_image, o.gateway_image);
  set(s.prometheus_url, o.prometheus_url);
  set(s.storage_class, o.storage_class);
  s.eval_threshold = o.eval_threshold;
  s.cold_start_budget_s = o.cold_start_budget;
  s.gateway_replicas = o.gateway_replicas;
  if (o.scale_to_zero) s.scale_to_zero = true;
  return s;
}

int run(Context& ctx, const Opts& o) {
  const bool json_out = parse_format(o.format) == Format::kJson;
  auto target = deploy::parse_target(o.target);
  if (!target) return input_error(target.error());
  if (o.spec.empty() == o.choice.model.empty())
    return input_error(
        Error{"give a plan spec (llmctl deploy SPEC.yaml --out DIR) or explicit "
              "choices (--model M --gpu G ...), not both"});
  if (!o.ns.empty() && deploy::dns_label(o.ns, 63) != o.ns)
    return input_error(
        Error{fmt::format("--namespace: expected a DNS-1123 label, found \"{}\"", o.ns)});
  auto cat = load_catalog(ctx.global);
  if (!cat) return input_error(cat.error());
  const std::string bundle_path = normalize_bundle_path(o.out);

  Result<deploy::Serving> serving = Error{""};
  if (!o.spec.empty()) {
    auto text = read_file(o.spec);
    if (!text) return input_error(text.error());
    auto settings = deploy::parse_deploy_section(*text, o.spec);
    if (!settings) return input_error(settings.error());
    settings->merge(flag_settings(o));
    auto spec = load_spec(o.spec, *text);
    if (!spec) return input_error(spec.error());
    auto p = plan::make_plan(*cat, *spec);
    if (!p) return input_error(p.error());
    bool any_self = false;
    for (const auto& opt : p->ranked)
      any_self = any_self || opt.kind == plan::OptionKind::kSelfHosted;
    if (!any_self && o.option.empty()) {
      fmt::print(
          stderr,
          "llmctl: {}: the plan ranks no self-hosted option to deploy (see `llmctl plan {}`)\n",
          o.spec, o.spec);
      return kExitCheckFailed;
    }
    // KServe's Hugging Face runtime and production-stack run vLLM: default to its best option.
    const bool vllm_only =
        *target == deploy::Target::kKServe || *target == deploy::Target::kHelmProductionStack;
    serving = deploy::from_plan(*cat, *p, o.option, *settings, o.spec, bundle_path,
                                vllm_only ? "vllm" : "");
  } else {
    deploy::ExplicitChoice c = o.choice;
    c.max_replicas = o.max_replicas;
    c.max_model_len = o.max_model_len;
    c.max_num_seqs = o.max_num_seqs;
    c.ttft_slo_ms = o.ttft;
    c.tpot_slo_ms = o.tpot;
    c.budget_monthly_usd = o.budget;
    serving = deploy::from_explicit(*cat, c, flag_settings(o), bundle_path);
  }
  if (!serving) return input_error(serving.error());
  auto bundle = deploy::generate(*cat, *serving, *target);
  if (!bundle) return input_error(bundle.error());

  // Compare with what is on disk.
  const fs::path out(o.out);
  std::vector<deploy::FileState> states;
  std::vector<std::string> blocked;
  std::set<std::string> paths;
  for (const auto& f : bundle->files) {
    auto state = deploy::classify(read_if_exists(out / f.path), f.content);
    states.push_back(state);
    paths.insert(f.path);
    // --check writes nothing, so nothing is blocked: an edited file is a difference (exit 1).
    if ((state == deploy::FileState::kEdited || state == deploy::FileState::kForeign) && !o.force &&
        !o.check)
      blocked.push_back(f.path);
  }
  const std::vector<std::string> stale = stale_files(out, paths);
  int changes = 0;
  for (auto st : states) changes += st != deploy::FileState::kUnchanged;

  const bool write = !o.dry_run && !o.check && blocked.empty();
  std::vector<std::string> write_errors;
  if (write) {
    for (std::size_t i = 0; i < bundle->files.size(); ++i) {
      if (states[i] == deploy::FileState::kUnchanged) continue;
      if (auto st = write_atomically(out / bundle->files[i].path, bundle->files[i].content); !st)
        write_errors.push_back(st.error().message);
    }
  }

  if (json_out) {
    json::array files;
    for (std::size_t i = 0; i < bundle->files.size(); ++i) {
      const auto& f = bundle->files[i];
      json::object fo{
          {"path", f.path},
          {"status", deploy::to_string(states[i])},
          {"blocked", std::find(blocked.begin(), blocked.end(), f.path) != blocked.end()},
          {"bytes", f.content.size()},
          {"sha256", deploy::sha256_hex(f.content)},
          {"summary", f.summary}};
      if (o.dry_run) fo["content"] = f.content;
      files.push_back(fo);
    }
    json::array notes, stale_json, blocked_json;
    for (const auto& n : bundle->notes) notes.push_back(json::string(n));
    for (const auto& s : stale) stale_json.push_back(json::string(s));
    for (const auto& b : blocked) blocked_json.push_back(json::string(b));
    std::cout << to_pretty_json(json::object{{"option", serving->option_id},
                                             {"rank", serving->option_rank},
                                             {"target", deploy::to_string(*target)},
                                             {"out", o.out},
                                             {"dry_run", o.dry_run},
                                             {"check", o.check},
                                             {"written", write && write_errors.empty()},
                                             {"files", files},
                                             {"blocked", blocked_json},
                                             {"stale", stale_json},
                                             {"notes", notes}});
  } else {
    std::string verb = o.check           ? "checked"
                       : o.dry_run       ? "would write"
                       : blocked.empty() ? "wrote"
                                         : "refused to write";
    fmt::print("{} {} files {} {} (target {}, option {}{})\n", verb, bundle->files.size(),
               o.check || blocked.size() ? "for" : "to", o.out, deploy::to_string(*target),
               serving->option_id,
               serving->option_rank ? fmt::format(", rank {}", serving->option_rank) : "");
    for (std::size_t i = 0; i < bundle->files.size(); ++i)
      fmt::print("  {:<13} {:<40} {}\n", deploy::to_string(states[i]), bundle->files[i].path,
                 bundle->files[i].summary);
    for (const auto& s : stale)
      fmt::print("  {:<13} {:<40} {}\n", "stale", s,
                 "generated before, not any more (left in place)");
    if (!bundle->notes.empty()) {
      fmt::print("notes:\n");
      for (const auto& n : bundle->notes) fmt::print("  - {}\n", n);
    }
  }
  if (!blocked.empty()) {
    for (const auto& b : blocked)
      fmt::print(stderr,
                 "llmctl: {}: {}; not overwritten (re-run with --force to replace it, or move the "
                 "change into the spec)\n",
                 (out / b).string(),
                 deploy::classify(read_if_exists(out / b), "") == deploy::FileState::kForeign
                     ? "not written by llmctl deploy"
                     : "edited since llmctl deploy wrote it (its checksum no longer matches)");
    return kExitUsage;
  }
  for (const auto& e : write_errors) fmt::print(stderr, "llmctl: {}\n", e);
  if (!write_errors.empty()) return kExitUsage;
  if (o.check && changes > 0) {
    for (std::size_t i = 0; i < bundle->files.size(); ++i)
      if (states[i] != deploy::FileState::kUnchanged)
        fmt::print(stderr, "llmctl: {}: {}\n", (out / bundle->files[i].path).string(),
                   states[i] == deploy::FileState::kAbsent ? "missing"
                   : states[i] == deploy::FileState::kGenerated
                       ? "differs from what the spec generates"
                   : states[i] == deploy::FileState::kEdited ? "edited by hand"
                                                             : "not written by llmctl deploy");
    fmt::print(stderr, "llmctl: {} of {} files in {} differ from what the spec generates\n",
               changes, bundle->files.size(), o.out);
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
