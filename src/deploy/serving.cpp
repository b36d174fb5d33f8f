#include "deploy/serving.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/strings.h"
#include "perf/model.h"
#include "plan/format.h"

namespace llmctl::deploy {

namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

int ceil_to(double v, int step) { return static_cast<int>(std::ceil(v / step - 1e-9)) * step; }

// The Hugging Face repository to pull: an alias shaped like a Hub id, an instruction-tuned one
// first (these bundles serve chat/completions APIs).
std::string hub_repo(const catalog::Model& m) {
  std::string first;
  for (const auto& a : m.aliases) {
    if (a.find('/') == std::string::npos) continue;
    if (first.empty()) first = a;
    std::string lower = to_lower(a);
    if (lower.size() >= 9 && lower.substr(lower.size() - 9) == "-instruct") return a;
  }
  return first;
}

struct ProviderEndpoint {
  const char* provider;
  const char* kind;  // gateway provider kind
  const char* base_url;
};

// OpenAI-compatible endpoints of the catalog's hosted-API providers, from each provider's API
// reference (read 2026-11): platform.openai.com/docs/api-reference, docs.together.ai,
// docs.fireworks.ai, console.groq.com/docs/openai, deepinfra.com/docs/openai_api,
// ai.google.dev/gemini-api/docs/openai, docs.mistral.ai/api, novita.ai/docs,
// docs.anthropic.com/en/api/openai-sdk.
constexpr ProviderEndpoint kEndpoints[] = {
    {"openai", "openai", "https://api.openai.com/v1"},
    {"together", "openai-compatible", "https://api.together.xyz/v1"},
    {"fireworks", "openai-compatible", "https://api.fireworks.ai/inference/v1"},
    {"groq", "openai-compatible", "https://api.groq.com/openai/v1"},
    {"deepinfra", "openai-compatible", "https://api.deepinfra.com/v1/openai"},
    {"google", "openai-compatible", "https://generativelanguage.googleapis.com/v1beta/openai"},
    {"mistral", "openai-compatible", "https://api.mistral.ai/v1"},
    {"novita", "openai-compatible", "https://api.novita.ai/v3/openai"},
    {"anthropic", "openai-compatible", "https://api.anthropic.com/v1"},
};

std::optional<Fallback> make_fallback(const catalog::Price* price, const std::string& option_id,
                                      int rank, std::optional<double> monthly) {
  if (!price) return std::nullopt;
  for (const auto& e : kEndpoints) {
    if (price->provider != e.provider) continue;
    Fallback f;
    f.price = price;
    f.option_id = option_id;
    f.rank = rank;
    f.provider = e.kind;
    f.base_url = e.base_url;
    std::string env;
    for (char c : price->provider)
      env += static_cast<char>(std::isalnum(static_cast<unsigned char>(c)) ? std::toupper(c) : '_');
    f.key_env = env + "_API_KEY";
    f.monthly_usd = monthly;
    return f;
  }
  return std::nullopt;
}

// The gateway's view of a managed platform's option: provider kind, endpoint, key variable.
Result<Managed> managed_option(const plan::Option& o, const Settings& st, const std::string& name,
                               std::vector<std::string>& notes) {
  const catalog::Price* p = o.price;
  if (!p) return Error{fmt::format("option {} has no price entry", o.id)};
  Managed m;
  m.price = p;
  m.provisioned = o.kind == plan::OptionKind::kProvisioned;
  m.public_model =
      p->first_party.empty() ? p->model : p->first_party.substr(p->first_party.find('/') + 1);
  m.upstream_model = p->model;
  m.monthly_usd = o.monthly_usd;
  if (m.provisioned) {
    m.units = o.units->id;
    m.unit_name = o.units->unit;
    m.unit_count = o.unit_sizing.units;
    m.term = o.term->term;
  }
  const std::string& provider = p->provider;
  if (provider == "azure-openai") {
    m.gateway_provider = "azure-openai";
    m.key_env = "AZURE_OPENAI_API_KEY";
    m.upstream_model = st.platform_deployment.value_or(p->model);
    if (st.platform_endpoint) {
      m.base_url = *st.platform_endpoint;
    } else {
      m.base_url = fmt::format("https://{}.openai.azure.com", name);
      notes.push_back(fmt::format(
          "gateway.yaml assumes the Azure OpenAI resource {}: set deploy.platform.endpoint to "
          "your resource's endpoint (https://<resource>.openai.azure.com)",
          m.base_url));
    }
    if (!st.platform_deployment)
      notes.push_back(
          fmt::format("the Azure deployment is assumed to be named {} (the model): set "
                      "deploy.platform.deployment when it is not",
                      p->model));
  } else if (provider == "bedrock") {
    m.gateway_provider = "bedrock";
    m.region = st.platform_region.value_or("");
    if (m.region.empty())
      notes.push_back(
          "gateway.yaml takes the Bedrock region from AWS_REGION when it loads: set "
          "deploy.platform.region to pin it");
  } else if (provider == "google") {
    m.gateway_provider = "gemini";
    m.key_env = "GEMINI_API_KEY";
  } else if (provider == "openai") {
    m.gateway_provider = "openai";
    m.key_env = "OPENAI_API_KEY";
  } else if (provider == "anthropic") {
    m.gateway_provider = "anthropic";
    m.key_env = "ANTHROPIC_API_KEY";
  } else if (provider == "vertex") {
    // Credentials (a service-account key in GOOGLE_APPLICATION_CREDENTIALS) and the project
    // (GOOGLE_CLOUD_PROJECT, else the key's own) come from the environment at load.
    m.gateway_provider = "vertex";
    m.region = st.platform_region.value_or("global");
    if (!st.platform_region)
      notes.push_back(
          "gateway.yaml uses Vertex AI's global endpoint (the prices the plan used): set "
          "deploy.platform.region to a region such as us-east5 to pin it");
  } else if (auto f = make_fallback(p, o.id, 0, o.monthly_usd)) {
    m.gateway_provider = f->provider;
    m.base_url = f->base_url;
    m.key_env = f->key_env;
  } else {
    return Error{
        fmt::format("option {}: the gateway has no upstream for provider {}", o.id, provider)};
  }
  return m;
}

// Settings that do not depend on where the choice came from.
void apply_settings(Serving& s, const Settings& st, const std::string& default_name,
                    const std::string& bundle_path) {
  s.name = dns_label(st.name.value_or(default_name));
  s.ns = st.ns.value_or(s.name);
  if (st.model_repo) {
    s.model_repo = *st.model_repo;
  } else {
    s.model_repo = hub_repo(*s.model);
    if (s.model_repo.empty()) {
      s.model_repo = s.model->id;
      s.notes.push_back(fmt::format(
          "the catalog has no Hugging Face id for {}; set deploy.model_repo (or --model-repo)",
          s.model->id));
    }
  }
  s.revision = st.revision.value_or("");
  s.served_model_name = s.model->id;
  s.storage_class = st.storage_class.value_or("");
  s.node_selector = st.node_selector;
  if (st.load_bandwidth_mb_s) s.assume.load_bandwidth_bytes_per_s = *st.load_bandwidth_mb_s * 1e6;
  s.prometheus_url = st.prometheus_url.value_or("http://prometheus-operated.monitoring.svc:9090");
  s.monitoring_labels = st.monitoring_labels;
  s.gateway_image = st.gateway_image.value_or("ghcr.io/llmctl/llmctl:v" LLMCTL_DEPLOY_VERSION);
  s.gateway_replicas = st.gateway_replicas.value_or(s.assume.gateway_replicas);
  s.eval_configured = st.eval_command.has_value();
  s.eval_command = st.eval_command.value_or("");
  s.eval_threshold = st.eval_threshold.value_or(0);
  if (!s.eval_configured)
    s.notes.push_back(
        "no evaluation command (deploy.eval.command or --eval-command): the CI workflow's eval "
        "gate fails until one is set");
  s.bundle_path = bundle_path;
  s.scale_to_zero = st.scale_to_zero.value_or(false);
  s.cold_start_budget_s = st.cold_start_budget_s;
}

// Serving `dtype` from the catalog's (bf16) Hub checkpoint needs an online-quantisation flag;
// otherwise a checkpoint already quantised to it (TensorRT-LLM at fp8, any engine at int4).
bool needs_quantised_checkpoint(const catalog::Model& m, const catalog::Engine& e,
                                const std::string& dtype) {
  if (dtype == "bf16" || dtype == "fp16" || !m.weight_dtypes.empty()) return false;
  return !(dtype == "fp8" && e.flags.count("quantization") > 0);
}

// Why the generator cannot deploy option `o` as planned without a choice only the user can make
// (a GPU vendor it does not generate for, a quantised checkpoint the catalog does not name), or
// "" when it can.
std::string undeployable(const plan::Option& o, const Settings& st) {
  if (!o.catalog_model || !o.gpu || !o.engine) return "incomplete option";
  if (o.gpu->vendor != "nvidia") return fmt::format("{} GPUs are not generated yet", o.gpu->vendor);
  if (!st.model_repo && needs_quantised_checkpoint(*o.catalog_model, *o.engine, o.dtype))
    return fmt::format("{} needs a checkpoint already quantised to {} (deploy.model_repo)",
                       o.engine->name, o.dtype);
  return "";
}

// Quantised serving needs either an online-quantisation flag or a quantised checkpoint.
void note_dtype(Serving& s) {
  if (s.model_repo != hub_repo(*s.model)) return;  // the user chose the checkpoint
  if (needs_quantised_checkpoint(*s.model, *s.engine, s.dtype))
    s.notes.push_back(fmt::format(
        "{} serves {} from a checkpoint already quantised to it: set deploy.model_repo (or "
        "--model-repo) to such a checkpoint of {}; the default {} is the bf16 one",
        s.engine->name, s.dtype, s.model->id, s.model_repo));
}

Status apply_autoscaling(Serving& s) {
  if (!s.scale_to_zero) return {};
  if (!s.cold_start_budget_s)
    return Error{
        "scale to zero needs a cold-start budget: set deploy.autoscaling.cold_start_budget_s (or "
        "--cold-start-budget SECONDS) to the wait you accept for the first request after idle"};
  s.autoscaling = true;
  s.replicas_min = 0;
  Sizing z = size(s);
  if (*s.cold_start_budget_s < z.startup_budget_s)
    s.notes.push_back(fmt::format(
        "the cold-start budget ({} s) is below the estimated start-up time ({} s): the first "
        "request after idle will wait longer than budgeted",
        *s.cold_start_budget_s, z.startup_budget_s));
  return {};
}

int context_limit(const catalog::Model& m, double in_p95, double out_p95, double factor,
                  long long kv_tokens, std::vector<std::string>& notes) {
  int want = ceil_to(factor * (in_p95 + out_p95), 1024);
  int limit = std::min(want, m.max_context);
  if (kv_tokens > 0 && limit > kv_tokens) {
    int fit = static_cast<int>(kv_tokens / 1024) * 1024;
    notes.push_back(
        fmt::format("max-model-len lowered from {} to {}: one replica's KV cache holds {} tokens",
                    limit, fit, kv_tokens));
    limit = std::max(fit, 1024);
  }
  return limit;
}

double capped_fraction(const catalog::Engine& e, std::vector<std::string>& notes) {
  double f = e.gpu_memory_fraction;
  if (f >= 0.95) {
    notes.push_back(fmt::format(
        "{}'s default memory fraction {} is capped at 0.9 (a fraction >= 0.95 leaves no room for "
        "the CUDA context and fails on shared GPUs); the plan's KV estimate used {}",
        e.name, plan::num(f), plan::num(f)));
    f = 0.9;
  }
  return f;
}

}  // namespace

std::string provider_base_url(const std::string& provider) {
  for (const auto& e : kEndpoints)
    if (provider == e.provider) return e.base_url;
  return "";
}

Sizing size(const Serving& s) {
  Sizing z;
  const catalog::Model& m = *s.model;
  z.gpus_per_replica = s.tp * s.pp;
  z.checkpoint_bytes = perf::weight_bytes(m, m.weight_dtypes.empty() ? "bf16" : s.dtype);
  z.weights_gib = perf::weight_bytes(m, s.dtype) / kGiB;
  const double load_s =
      s.assume.engine_start_s + z.checkpoint_bytes / s.assume.load_bandwidth_bytes_per_s;
  z.startup_budget_s = ceil_to(load_s * s.assume.startup_margin, 10);
  z.startup_failure_threshold =
      static_cast<int>(std::ceil(static_cast<double>(z.startup_budget_s) / z.startup_period_s));
  z.longest_output_tokens =
      static_cast<int>(std::ceil(s.assume.longest_output_over_p95 * s.output_tokens_p95));
  z.longest_generation_s = (s.ttft_p95_ms + z.longest_output_tokens * s.tpot_p95_ms) / 1000.0;
  z.grace_period_s =
      std::max(60, s.assume.prestop_s + static_cast<int>(std::ceil(z.longest_generation_s)) + 10);
  const double wait_s = s.assume.queue_wait_share_of_ttft * s.ttft_slo_ms.value_or(1000.0) / 1000.0;
  z.queue_target = std::max(1, static_cast<int>(std::floor(s.capacity_qps * wait_s)));
  z.cache_volume_gib = ceil_to(z.checkpoint_bytes / kGiB * 1.25 + 10, 10);
  z.cache_shared = s.replicas_max > 1;
  z.shm_gib = z.gpus_per_replica > 1 ? 16 : 2;
  z.cpu_request = std::min(32, 4 * z.gpus_per_replica + 2);
  z.memory_gib = 16 + 8 * z.gpus_per_replica + z.shm_gib;
  // Each gateway replica enforces its own cap (no shared state yet): split the fleet's slots.
  const int slots = std::max(1, s.replicas_max) * std::max(1, s.max_num_seqs);
  z.gateway_max_concurrency =
      (slots + std::max(1, s.gateway_replicas) - 1) / std::max(1, s.gateway_replicas);
  z.gateway_first_byte_ms = static_cast<int>(std::ceil(z.longest_generation_s + 10)) * 1000;
  z.gateway_total_ms = static_cast<int>(std::ceil(z.longest_generation_s + 20)) * 1000;
  z.gateway_grace_s = s.assume.prestop_s + z.gateway_total_ms / 1000 + 5;
  if (s.budget_monthly_usd && *s.budget_monthly_usd - s.monthly_usd > 0) {
    z.api_budget_monthly_usd = *s.budget_monthly_usd - s.monthly_usd;
    z.api_budget_from_spec = true;
  } else {
    z.api_budget_monthly_usd = std::max(1.0, 0.1 * s.monthly_usd);
  }
  return z;
}

Result<Serving> from_plan(const catalog::Catalog& catalog, const plan::Plan& p,
                          const std::string& option, const Settings& settings,
                          const std::string& spec_path, const std::string& bundle_path,
                          const std::string& engine_only) {
  const plan::Option* chosen = nullptr;
  int rank = 0;
  std::vector<std::string> self_ids;
  for (std::size_t i = 0; i < p.ranked.size(); ++i)
    if (p.ranked[i].kind == plan::OptionKind::kSelfHosted)
      self_ids.push_back(fmt::format("{} ({})", i + 1, p.ranked[i].id));
  std::vector<std::string> skipped;  // better-ranked options the default choice passed over
  if (option.empty()) {
    // The best-ranked option the generator can serve as planned; when there is none, the best
    // one (its error or note then says what is missing).
    const plan::Option* first = nullptr;
    int first_rank = 0;
    for (std::size_t i = 0; i < p.ranked.size() && !chosen; ++i) {
      const plan::Option& o = p.ranked[i];
      if (o.kind != plan::OptionKind::kSelfHosted ||
          !(engine_only.empty() || (o.engine && o.engine->id == engine_only)))
        continue;
      if (!first) first = &o, first_rank = static_cast<int>(i) + 1;
      if (std::string why = undeployable(o, settings); !why.empty()) {
        skipped.push_back(fmt::format("{} ({}: {})", i + 1, o.id, why));
        continue;
      }
      chosen = &o, rank = static_cast<int>(i) + 1;
    }
    if (!chosen && first) {
      chosen = first, rank = first_rank;
      skipped.clear();
    }
    if (!chosen && !engine_only.empty())
      return Error{
          fmt::format("the plan ranks no self-hosted {} option for this target; "
                      "self-hosted options: {}",
                      engine_only, self_ids.empty() ? "none" : join(self_ids, ", "))};
    if (!chosen)
      return Error{
          "the plan ranks no self-hosted option to deploy (see `llmctl plan`); relax the "
          "SLOs, budget or constraints, or deploy explicit choices with --model/--gpu"};
  } else {
    bool numeric = !option.empty() && std::all_of(option.begin(), option.end(), ::isdigit);
    for (std::size_t i = 0; i < p.ranked.size(); ++i) {
      bool match = numeric ? std::to_string(i + 1) == option : p.ranked[i].id == option;
      if (match) chosen = &p.ranked[i], rank = static_cast<int>(i) + 1;
    }
    if (!chosen)
      return Error{fmt::format("--option {}: no such ranked option; self-hosted options: {}",
                               option, self_ids.empty() ? "none" : join(self_ids, ", "))};
    if (chosen->kind == plan::OptionKind::kServerless)
      return Error{fmt::format(
          "--option {}: {} runs on {}, which llmctl deploy does not write for; deploy the same "
          "configuration self-hosted ({}) or a platform option; self-hosted options: {}",
          option, chosen->id, chosen->serverless->provider, chosen->id.substr(11),
          self_ids.empty() ? "none" : join(self_ids, ", "))};
    if (chosen->kind != plan::OptionKind::kSelfHosted) {
      // A managed platform's option: the gateway config routes to it, no GPU manifests.
      Serving s;
      s.name = dns_label(settings.name.value_or(p.spec.name));
      s.ns = settings.ns.value_or(s.name);
      s.spec_name = p.spec.name;
      s.spec_path = spec_path;
      s.option_id = chosen->id;
      s.option_rank = rank;
      s.origin = fmt::format("{}, option {}", spec_path, chosen->id);
      s.bundle_path = bundle_path;
      s.ttft_slo_ms = p.spec.slo.ttft_p95_ms;
      s.ttft_p99_slo_ms = p.spec.slo.ttft_p99_ms;
      s.budget_monthly_usd = p.spec.budget_monthly_usd;
      s.monthly_usd = chosen->monthly_usd;
      auto m = managed_option(*chosen, settings, s.name, s.notes);
      if (!m) return m.error();
      s.served_model_name = m->public_model;
      s.managed = std::move(*m);
      return s;
    }
  }
  const plan::Option& o = *chosen;
  const plan::Spec& spec = p.spec;

  Serving s;
  if (!skipped.empty())
    s.notes.push_back(fmt::format(
        "deploying rank {}, the best-ranked option the generator can serve as planned; passed "
        "over: {} (--option deploys one of them as chosen)",
        rank, join(skipped, "; ")));
  s.spec_name = spec.name;
  s.spec_path = spec_path;
  s.option_id = o.id;
  s.option_rank = rank;
  s.origin = fmt::format("{}, option {}", spec_path, o.id);
  s.model = o.catalog_model;
  s.gpu = o.gpu;
  s.engine = o.engine;
  s.dtype = o.dtype;
  s.tp = o.tp;
  s.pp = o.pp;
  if (!s.model || !s.gpu || !s.engine) return Error{fmt::format("option {} is incomplete", o.id)};
  if (s.gpu->vendor != "nvidia")
    return Error{fmt::format(
        "option {}: {} GPUs are not supported by the generator yet (the catalog's engine images "
        "are CUDA builds and the manifests request nvidia.com/gpu); choose an NVIDIA option",
        o.id, s.gpu->vendor)};

  const plan::Traffic& t = spec.traffic;
  s.peak_qps = t.peak_qps;
  s.average_qps = t.average_qps;
  s.input_tokens_p95 = t.input_tokens.p95_or_default();
  s.output_tokens_p95 = t.output_tokens.p95_or_default();
  s.cacheable_input_share = t.cacheable_input_share;
  s.ttft_slo_ms = spec.slo.ttft_p95_ms;
  s.tpot_slo_ms = spec.slo.tpot_p95_ms;
  s.ttft_p99_slo_ms = spec.slo.ttft_p99_ms;
  s.tpot_p99_slo_ms = spec.slo.tpot_p99_ms;
  s.availability = spec.slo.availability;
  s.budget_monthly_usd = spec.budget_monthly_usd;
  s.ttft_p95_ms = o.p95_at_peak.ttft_ms;
  s.tpot_p95_ms = o.p95_at_peak.tpot_ms;
  s.capacity_qps = o.capacity.qps;
  s.kv_cache_tokens = o.at_peak.memory.kv_cache_tokens;
  s.in_flight_at_peak = o.at_peak.concurrency;
  s.gpu_usd_per_hour = o.gpu_usd_per_hour;
  s.gpu_price_source = o.gpu_provider;
  s.monthly_usd = o.monthly_usd;

  s.max_model_len =
      context_limit(*s.model, s.input_tokens_p95, s.output_tokens_p95,
                    s.assume.max_model_len_over_p95, o.at_peak.memory.kv_cache_tokens, s.notes);
  s.max_num_seqs = std::max(1, o.at_peak.memory.max_concurrency);
  s.gpu_memory_fraction = capped_fraction(*s.engine, s.notes);
  s.prefix_caching = s.engine->flags.count("prefix_caching") > 0;

  s.autoscaling = t.autoscaling;
  s.spare_replicas = o.replicas.spare;
  s.replicas_max = o.replicas.peak + o.replicas.spare;
  s.replicas_min = t.autoscaling ? o.replicas.average + o.replicas.spare : s.replicas_max;
  if (!t.autoscaling) {
    // Say what autoscaling would change only where it would: a fleet whose average needs as
    // many replicas as its peak has nothing to scale.
    const int floor_replicas = o.replicas.average + o.replicas.spare;
    s.notes.push_back(fmt::format(
        "traffic.autoscaling is off, so the plan billed the peak fleet: {} fixed replica{} and no "
        "KEDA ScaledObject{}",
        s.replicas_max, s.replicas_max == 1 ? "" : "s",
        floor_replicas < s.replicas_max
            ? fmt::format(" (set traffic.autoscaling: true to scale between {} and {})",
                          floor_replicas, s.replicas_max)
            : ""));
  }

  // The fallback: the hosted API the plan ranked best, else one it found dominated.
  for (std::size_t i = 0; i < p.ranked.size() && !s.fallback; ++i)
    if (p.ranked[i].kind == plan::OptionKind::kApi)
      s.fallback = make_fallback(p.ranked[i].price, p.ranked[i].id, static_cast<int>(i) + 1,
                                 p.ranked[i].monthly_usd);
  for (const auto& d : p.dominated) {
    if (s.fallback || !starts_with(d.id, "api:")) continue;
    s.fallback = make_fallback(catalog.find_price(d.id.substr(4)), d.id, 0, d.monthly_usd);
  }
  if (!s.fallback)
    s.notes.push_back(
        "the plan has no hosted API with a known OpenAI-compatible endpoint to fall back to: the "
        "gateway routes to the self-hosted fleet only");

  apply_settings(s, settings, spec.name, bundle_path);
  note_dtype(s);
  if (auto st = apply_autoscaling(s); !st) return st.error();
  return s;
}

Result<Serving> from_explicit(const catalog::Catalog& catalog, const ExplicitChoice& c,
                              const Settings& settings, const std::string& bundle_path) {
  Serving s;
  s.model = catalog.find_model(c.model);
  if (!s.model)
    return Error{
        fmt::format("--model: no catalog model '{}'; known: {}", c.model, catalog.model_ids())};
  s.gpu = catalog.find_gpu(c.gpu);
  if (!s.gpu)
    return Error{fmt::format("--gpu: no catalog GPU '{}'; known: {}", c.gpu, catalog.gpu_ids())};
  s.engine = catalog.find_engine(c.engine);
  if (!s.engine)
    return Error{
        fmt::format("--engine: no catalog engine '{}'; known: {}", c.engine, catalog.engine_ids())};
  if (s.gpu->vendor != "nvidia")
    return Error{fmt::format("--gpu {}: only NVIDIA GPUs are supported by the generator", c.gpu)};
  s.dtype = c.dtype;
  s.tp = c.tp;
  s.pp = c.pp;
  s.option_id = "explicit";
  s.spec_name = fmt::format("{}-{}", s.model->id, s.gpu->id);
  s.origin = fmt::format("flags --model {} --gpu {} --engine {} --dtype {} --tp {}{}", s.model->id,
                         s.gpu->id, s.engine->id, s.dtype, s.tp,
                         s.pp > 1 ? fmt::format(" --pp {}", s.pp) : "");

  perf::Deployment d;
  d.model = s.model;
  d.gpu = s.gpu;
  d.engine = s.engine;
  d.dtype = s.dtype;
  d.tp = s.tp;
  d.pp = s.pp;
  d.gpus = s.tp * s.pp;
  perf::Workload w;
  w.input_tokens = static_cast<int>(c.input_tokens);
  w.output_tokens = static_cast<int>(c.output_tokens);
  w.mode = perf::LoadMode::kOffline;
  w.explain = false;
  auto est = perf::estimate(catalog, d, w);
  if (!est) return est.error().wrap("--model/--gpu/--tp");
  if (!est->fits) return Error{fmt::format("the model does not fit: {}", est->reason)};

  s.input_tokens_p95 = c.input_tokens * plan::kDefaultP95OverMean;
  s.output_tokens_p95 = c.output_tokens * plan::kDefaultP95OverMean;
  s.ttft_slo_ms = c.ttft_slo_ms;
  s.tpot_slo_ms = c.tpot_slo_ms;
  s.availability = c.availability;
  s.budget_monthly_usd = c.budget_monthly_usd;
  // Saturated timings: the slowest the engine gets, so grace periods and timeouts cover it.
  s.ttft_p95_ms = est->ttft_ms;
  s.tpot_p95_ms = est->tpot_ms;
  s.capacity_qps = est->requests_per_s;
  s.kv_cache_tokens = est->memory.kv_cache_tokens;
  s.in_flight_at_peak = est->concurrency;
  s.notes.push_back(fmt::format(
      "explicit choices: timings are the performance model's at saturation ({} req/s per "
      "replica, TTFT {} ms, TPOT {} ms for {}/{} tokens); `llmctl plan` sizes against SLOs",
      plan::num(est->requests_per_s), plan::num(est->ttft_ms), plan::num(est->tpot_ms),
      plan::num(c.input_tokens), plan::num(c.output_tokens)));
  s.max_model_len = c.max_model_len.value_or(
      context_limit(*s.model, s.input_tokens_p95, s.output_tokens_p95,
                    s.assume.max_model_len_over_p95, est->memory.kv_cache_tokens, s.notes));
  s.max_num_seqs = c.max_num_seqs.value_or(std::max(1, est->memory.max_concurrency));
  s.gpu_memory_fraction = capped_fraction(*s.engine, s.notes);
  s.prefix_caching = s.engine->flags.count("prefix_caching") > 0;
  s.replicas_min = c.replicas;
  s.replicas_max = std::max(c.replicas, c.max_replicas.value_or(c.replicas));
  s.autoscaling = s.replicas_max > s.replicas_min;
  auto price = s.gpu->cheapest_price();
  if (price) {
    s.gpu_usd_per_hour = price->usd_per_hour;
    s.gpu_price_source = price->provider;
  }
  s.monthly_usd = s.gpu_usd_per_hour * s.tp * s.pp * s.replicas_max * plan::kHoursPerMonth;
  if (!c.fallback_price.empty()) {
    const catalog::Price* pr = catalog.find_price(c.fallback_price);
    if (!pr) return Error{fmt::format("--fallback: no catalog price '{}'", c.fallback_price)};
    s.fallback = make_fallback(pr, "flag", 0, std::nullopt);
    if (!s.fallback)
      return Error{
          fmt::format("--fallback {}: provider '{}' has no known OpenAI-compatible endpoint",
                      c.fallback_price, pr->provider)};
  }
  apply_settings(s, settings, s.spec_name, bundle_path);
  note_dtype(s);
  if (auto st = apply_autoscaling(s); !st) return st.error();
  return s;
}

}  // namespace llmctl::deploy
