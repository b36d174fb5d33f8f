#include "agent/tools/deploy_tool.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "agent/tools/plan_tool.h"
#include "agent/tools/spec_input.h"
#include "common/files.h"
#include "common/strings.h"
#include "deploy/checksum.h"
#include "deploy/settings.h"

namespace llmctl::agent {
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

deploy::Settings flag_settings(const json::object& a) {
  deploy::Settings s;
  s.name = arg_string(a, "name");
  s.ns = arg_string(a, "namespace");
  s.model_repo = arg_string(a, "model_repo");
  s.revision = arg_string(a, "revision");
  s.eval_command = arg_string(a, "eval_command");
  s.gateway_image = arg_string(a, "gateway_image");
  s.prometheus_url = arg_string(a, "prometheus_url");
  s.storage_class = arg_string(a, "storage_class");
  s.eval_threshold = arg_number(a, "eval_threshold");
  if (auto v = arg_integer(a, "cold_start_budget")) s.cold_start_budget_s = static_cast<int>(*v);
  if (auto v = arg_integer(a, "gateway_replicas")) s.gateway_replicas = static_cast<int>(*v);
  if (arg_bool(a, "scale_to_zero")) s.scale_to_zero = true;
  return s;
}

deploy::ExplicitChoice explicit_choice(const json::object& a) {
  deploy::ExplicitChoice c;
  c.model = arg_string(a, "model").value_or("");
  c.gpu = arg_string(a, "gpu").value_or("");
  c.engine = arg_string(a, "engine").value_or(c.engine);
  c.dtype = arg_string(a, "dtype").value_or(c.dtype);
  c.tp = static_cast<int>(arg_integer(a, "tp").value_or(c.tp));
  c.pp = static_cast<int>(arg_integer(a, "pp").value_or(c.pp));
  c.replicas = static_cast<int>(arg_integer(a, "replicas").value_or(c.replicas));
  if (auto v = arg_integer(a, "max_replicas")) c.max_replicas = static_cast<int>(*v);
  if (auto v = arg_integer(a, "max_model_len")) c.max_model_len = static_cast<int>(*v);
  if (auto v = arg_integer(a, "max_num_seqs")) c.max_num_seqs = static_cast<int>(*v);
  c.input_tokens = arg_number(a, "input_tokens").value_or(c.input_tokens);
  c.output_tokens = arg_number(a, "output_tokens").value_or(c.output_tokens);
  c.ttft_slo_ms = arg_number(a, "ttft_slo_ms");
  c.tpot_slo_ms = arg_number(a, "tpot_slo_ms");
  c.availability = arg_number(a, "availability").value_or(c.availability);
  c.fallback_price = arg_string(a, "fallback").value_or("");
  c.budget_monthly_usd = arg_number(a, "budget");
  return c;
}

constexpr std::string_view kOutputSchema = R"json({
  "type": "object",
  "required": ["option", "rank", "target", "out", "dry_run", "check", "written", "files", "blocked",
               "stale", "notes"],
  "additionalProperties": false,
  "properties": {
    "option": {"type": "string", "description": "the plan option deployed, or \"explicit\""},
    "rank": {"type": "integer", "description": "its rank in the plan (0: explicit choices)"},
    "target": {"enum": ["k8s", "kserve", "helm-production-stack", "skypilot", "compose"]},
    "out": {"type": "string"},
    "dry_run": {"type": "boolean"},
    "check": {"type": "boolean"},
    "written": {"type": "boolean", "description": "true when the files were written"},
    "files": {
      "type": "array",
      "items": {
        "type": "object",
        "required": ["path", "status", "blocked", "bytes", "sha256", "summary"],
        "additionalProperties": false,
        "properties": {
          "path": {"type": "string"},
          "status": {"enum": ["new", "unchanged", "updated", "edited", "not-generated"],
                     "description": "what is on disk now, relative to this file"},
          "blocked": {"type": "boolean", "description": "edited or foreign, not overwritten without force"},
          "bytes": {"type": "integer"},
          "sha256": {"type": "string"},
          "summary": {"type": "string"},
          "content": {"type": "string", "description": "the file (dry runs only)"}
        }
      }
    },
    "blocked": {"type": "array", "items": {"type": "string"}},
    "stale": {"type": "array", "items": {"type": "string"}},
    "notes": {"type": "array", "items": {"type": "string"}}
  }
})json";

}  // namespace

const std::vector<Param>& deploy_params() {
  static const std::vector<Param> params = [] {
    std::vector<Param> p = spec_params();
    auto more = {
        Param::string("out", "Folder to write the bundle to (MCP: under the --allow-write folder)")
            .fallback("deploy"),
        Param::string("option",
                      "Plan option to deploy: rank (1, 2, ...) or id (default: best self-hosted)"),
        Param::string("target", "Deployment target")
            .one_of({"k8s", "kserve", "helm-production-stack", "skypilot", "compose"})
            .fallback("k8s"),
        Param::boolean("dry_run", "Return the files with their contents; write nothing")
            .fallback(true),
        Param::boolean("check",
                       "Write nothing; report files in out that differ from what would be "
                       "generated"),
        Param::boolean("force",
                       "Overwrite files that were edited by hand or not written by llmctl"),
        // Explicit choices (instead of a spec).
        Param::string("model", "Explicit choice: catalog model id"),
        Param::string("gpu", "Explicit choice: catalog GPU id"),
        Param::string("engine", "Explicit choice: catalog engine id (default vllm)"),
        Param::string("dtype", "Explicit choice: weight dtype (default bf16)"),
        Param::integer("tp", "Explicit choice: tensor-parallel size").min(1).max(64),
        Param::integer("pp", "Explicit choice: pipeline-parallel size").min(1).max(64),
        Param::integer("replicas",
                       "Explicit choice: replicas (the minimum when max_replicas is larger)")
            .min(1)
            .max(1000),
        Param::integer("max_replicas", "Explicit choice: autoscaling maximum").min(1).max(1000),
        Param::integer("max_model_len", "Context limit (default from the lengths)")
            .min(256)
            .max(10000000),
        Param::integer("max_num_seqs", "Engine sequence cap (default from the KV cache)")
            .min(1)
            .max(100000),
        Param::number("input_tokens", "Explicit choice: mean prompt tokens (default 1000)")
            .min(0, true),
        Param::number("output_tokens", "Explicit choice: mean output tokens (default 250)")
            .min(0, true),
        Param::number("ttft_slo_ms", "Explicit choice: p95 TTFT SLO").min(0, true),
        Param::number("tpot_slo_ms", "Explicit choice: p95 TPOT SLO").min(0, true),
        Param::number("availability", "Explicit choice: availability SLO (default 0.99)")
            .min(0.5)
            .max(0.99999),
        Param::string("fallback", "Explicit choice: catalog price id of the hosted-API fallback"),
        Param::number("budget", "Explicit choice: monthly budget in USD").min(0, true),
        // Deployment settings (override the spec's deploy: section).
        Param::string("name", "Name prefix of every object (default: the spec's name)"),
        Param::string("namespace", "Kubernetes namespace (default: the name)"),
        Param::string("model_repo", "Hugging Face repository (default: from the catalog)"),
        Param::string("revision", "Pinned model revision (commit)"),
        Param::string("eval_command", "CI evaluation command; its last output line is the score"),
        Param::number("eval_threshold", "Minimum evaluation score"),
        Param::boolean("scale_to_zero",
                       "Let KEDA scale the engine to zero (needs cold_start_budget)"),
        Param::integer("cold_start_budget", "Seconds the first request after idle may wait")
            .min(1)
            .max(86400),
        Param::integer("gateway_replicas", "Gateway replicas (default 2; >1 adds Redis)")
            .min(1)
            .max(100),
        Param::string("gateway_image", "llmctl image for the gateway and CI"),
        Param::string("prometheus_url", "Prometheus for KEDA and canary analysis"),
        Param::string("storage_class", "Storage class of the model cache"),
    };
    p.insert(p.end(), more.begin(), more.end());
    return p;
  }();
  return params;
}

Result<DeployRun> run_deploy(const json::object& args, const ToolEnv& env) {
  DeployRun run;
  const catalog::Catalog& cat = *env.catalog;
  auto target = deploy::parse_target(arg_string(args, "target").value_or("k8s"));
  if (!target) return target.error();
  run.target = *target;
  run.out = arg_string(args, "out").value_or("deploy");
  run.dry_run = arg_bool(args, "dry_run", true);
  run.check = arg_bool(args, "check");
  const bool force = arg_bool(args, "force");
  const deploy::ExplicitChoice choice = explicit_choice(args);

  auto source = spec_text(args, env.files);
  if (!source) return source.error();
  if (source->has_value() == !choice.model.empty())
    return Error{
        "give a plan spec (llmctl deploy SPEC.yaml --out DIR) or explicit choices (--model M "
        "--gpu G ...), not both"};
  if (auto ns = arg_string(args, "namespace"); ns && deploy::dns_label(*ns, 63) != *ns)
    return Error{fmt::format("namespace: expected a DNS-1123 label, found \"{}\"", *ns)};
  // Where the bundle is compared and written: under the write root when there is one.
  const bool writing = !run.dry_run && !run.check;
  if (writing && !env.files.can_write()) return env.files.writable(run.out).error();
  auto out_dir = env.files.can_write() ? env.files.writable(run.out) : env.files.readable(run.out);
  if (!out_dir) return out_dir.error();
  run.out_dir = *out_dir;
  const std::string bundle_path = normalize_bundle_path(run.out);

  Result<deploy::Serving> serving = Error{""};
  if (*source) {
    const SpecText& text = **source;
    auto settings = deploy::parse_deploy_section(text.text, text.name);
    if (!settings) return settings.error();
    settings->merge(flag_settings(args));
    std::string trace_csv;
    auto spec = load_spec(text, env.files, /*hide_deploy=*/true, &trace_csv);
    if (!spec) return spec.error();
    // The option deployed is the one `llmctl plan` shows first: checked by the same simulation.
    auto checks = simulation_options(*spec, trace_csv, cat, plan::PlanOptions{}.simulate_top);
    if (!checks) return checks.error();
    auto p = plan_with_progress(*spec, env, *checks);
    if (!p) return p.error();
    const std::string option = arg_string(args, "option").value_or("");
    bool any_self = false;
    for (const auto& opt : p->ranked)
      any_self = any_self || opt.kind == plan::OptionKind::kSelfHosted;
    if (!any_self && option.empty()) {
      run.nothing_to_deploy =
          fmt::format("{}: the plan ranks no self-hosted option to deploy (see `llmctl plan {}`)",
                      text.name, text.name);
      return run;
    }
    // KServe's Hugging Face runtime and production-stack run vLLM: default to its best option.
    const bool vllm_only =
        *target == deploy::Target::kKServe || *target == deploy::Target::kHelmProductionStack;
    serving = deploy::from_plan(cat, *p, option, *settings, text.name, bundle_path,
                                vllm_only ? "vllm" : "");
  } else {
    serving = deploy::from_explicit(cat, choice, flag_settings(args), bundle_path);
  }
  if (!serving) return serving.error();
  run.serving = std::move(*serving);
  auto bundle = deploy::generate(cat, run.serving, *target);
  if (!bundle) return bundle.error();
  run.bundle = std::move(*bundle);
  if (env.cancelled()) return Error{std::string(kCancelledMessage)};

  // Compare with what is on disk.
  std::set<std::string> paths;
  for (const auto& f : run.bundle.files) {
    auto state = deploy::classify(read_if_exists(run.out_dir / f.path), f.content);
    run.states.push_back(state);
    paths.insert(f.path);
    // check writes nothing, so nothing is blocked: an edited file is a difference.
    if ((state == deploy::FileState::kEdited || state == deploy::FileState::kForeign) && !force &&
        !run.check)
      run.blocked.push_back(f.path);
  }
  run.stale = stale_files(run.out_dir, paths);
  for (auto st : run.states) run.changes += st != deploy::FileState::kUnchanged;

  run.wrote = writing && run.blocked.empty();
  if (run.wrote) {
    for (std::size_t i = 0; i < run.bundle.files.size(); ++i) {
      if (run.states[i] == deploy::FileState::kUnchanged) continue;
      if (auto st =
              write_atomically(run.out_dir / run.bundle.files[i].path, run.bundle.files[i].content);
          !st)
        run.write_errors.push_back(st.error().message);
    }
  }
  return run;
}

json::value deploy_json(const DeployRun& run) {
  json::array files;
  for (std::size_t i = 0; i < run.bundle.files.size(); ++i) {
    const auto& f = run.bundle.files[i];
    json::object fo{
        {"path", f.path},
        {"status", deploy::to_string(run.states[i])},
        {"blocked", std::find(run.blocked.begin(), run.blocked.end(), f.path) != run.blocked.end()},
        {"bytes", f.content.size()},
        {"sha256", deploy::sha256_hex(f.content)},
        {"summary", f.summary}};
    if (run.dry_run) fo["content"] = f.content;
    files.push_back(fo);
  }
  json::array notes, stale, blocked;
  for (const auto& n : run.bundle.notes) notes.push_back(json::string(n));
  for (const auto& s : run.stale) stale.push_back(json::string(s));
  for (const auto& b : run.blocked) blocked.push_back(json::string(b));
  return json::object{{"option", run.serving.option_id},
                      {"rank", run.serving.option_rank},
                      {"target", deploy::to_string(run.target)},
                      {"out", run.out},
                      {"dry_run", run.dry_run},
                      {"check", run.check},
                      {"written", run.wrote && run.write_errors.empty()},
                      {"files", files},
                      {"blocked", blocked},
                      {"stale", stale},
                      {"notes", notes}};
}

Tool deploy_tool() {
  Tool t;
  t.name = "deploy";
  t.title = "Deployment bundle";
  t.description =
      "Generate the deployment bundle for a plan option (from a plan spec) or explicit choices: "
      "serving manifests (k8s, kserve, helm-production-stack, skypilot, compose), KEDA "
      "autoscaling, the llmctl gateway config with an API fallback, Prometheus alerts, a Grafana "
      "dashboard, CI and a runbook. Dry run by default: returns every file with its contents. "
      "Writes (dry_run: false) only when the server was started with --allow-write DIR, and only "
      "under DIR. Same as `llmctl deploy --format json`.";
  t.params = deploy_params();
  t.output_schema = schema_literal(kOutputSchema);
  t.hints.read_only = false;
  t.hints.destructive = false;  // never overwrites a person's edits without force
  t.hints.idempotent = true;
  t.run = [](const json::object& args, const ToolEnv& env) -> Result<json::value> {
    auto run = run_deploy(args, env);
    if (!run) return run.error();
    if (run->nothing_to_deploy) return Error{*run->nothing_to_deploy};
    if (!run->blocked.empty())
      return Error{fmt::format(
          "{}: edited by hand or not written by llmctl deploy; not overwritten (pass force: true "
          "to replace, or move the change into the spec)",
          join(run->blocked, ", "))};
    if (!run->write_errors.empty()) return Error{join(run->write_errors, "; ")};
    return deploy_json(*run);
  };
  return t;
}

}  // namespace llmctl::agent
