// How a model server is configured: K8S005 (floating image), K8S006 (literal secrets), K8S007
// (nowhere to keep the weights), K8S008 (context length unset), K8S010 (a flag twice), K8S011
// (remote code without a pinned revision), K8S012 (no drain on shutdown).
#include <fmt/format.h>

#include <cctype>
#include <cmath>

#include "audit/rules/rules.h"
#include "common/strings.h"
#include "perf/model.h"

namespace llmctl::audit::detail {
namespace {

using S = Severity;

constexpr long long kDefaultGraceS = 30;
// Weights below this re-download in seconds: a cache volume saves nothing worth a finding.
constexpr double kSmallWeightsGiB = 2.0;
// A context this short needs no cap (opt-125m: 2,048; distilgpt2: 1,024).
constexpr long long kShortContext = 8192;

bool is_local_path(std::string_view m) {
  return starts_with(m, "/") || starts_with(m, "./") || starts_with(m, "~/") ||
         starts_with(m, "pvc://") || starts_with(m, "file://");
}

// Where the served weights come from when they are not a Hugging Face Hub repository: a path
// with a URL scheme other than hf:// (gs://, s3://, az://, abfss://, oci://, ...) is the
// operator's own copy in object storage or a registry, and --load-format runai_streamer (or
// tensorizer) streams the weights from such a store. Neither is a hub download a volume should
// cache, nor a repository whose moving head --revision could pin.
bool model_from_object_store(const Container& c) {
  std::string m = to_lower(c.model);
  size_t scheme = m.find("://");
  if (scheme != std::string::npos && scheme > 0 && !starts_with(m, "hf://") &&
      !starts_with(m, "http://") && !starts_with(m, "https://"))
    return true;
  for (const auto& fl : c.flags)
    if (fl.name == "--load-format" && fl.has_value &&
        (to_lower(fl.value) == "runai_streamer" || to_lower(fl.value) == "tensorizer"))
      return true;
  return false;
}

bool values_equal(const Flag& a, const Flag& b) {
  std::string va = a.has_value ? to_lower(a.value) : "true";
  std::string vb = b.has_value ? to_lower(b.value) : "true";
  if (va == vb) return true;
  auto da = to_double(va), db = to_double(vb);
  return da && db && std::fabs(*da - *db) < 1e-9;
}

bool hex_revision(std::string_view r) {
  if (r.size() < 7 || r.size() > 64) return false;
  for (char c : r)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

bool secret_name(std::string_view name) {
  std::string u = upper(name);
  for (char& c : u)
    if (c == '-' || c == '.') c = '_';
  std::vector<std::string> segs = split(u, '_');
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string& s = segs[i];
    if (s == "TOKEN" || s == "SECRET" || s == "PASSWORD" || s == "PASSWD" || s == "APIKEY" ||
        s == "ACCESSKEY")
      return true;
    if (s == "KEY" && i > 0 &&
        (segs[i - 1] == "API" || segs[i - 1] == "ACCESS" || segs[i - 1] == "PRIVATE" ||
         segs[i - 1] == "MASTER" || segs[i - 1] == "SECRET" || segs[i - 1] == "ADMIN"))
      return true;
  }
  return false;
}

// Names of credentials for LLM providers and gateways (OPENAI_API_KEY, HF_TOKEN, ...).
bool llm_secret_name(std::string_view name) {
  if (!secret_name(name)) return false;
  std::string u = upper(name);
  for (std::string_view k : {"OPENAI", "ANTHROPIC", "CLAUDE", "GEMINI", "GOOGLE_API", "MISTRAL",
                             "COHERE", "GROQ", "TOGETHER", "HF_", "HUGGING", "LITELLM", "LLM",
                             "DEEPSEEK", "OPENROUTER", "VLLM", "AZURE_OPENAI", "FIREWORKS"})
    if (contains(u, k)) return true;
  return false;
}

// A catalog GPU on which the model's weights fit at this parallelism but one sequence of its full
// context does not: the unset context is then a real risk that depends on the GPU type.
const catalog::Gpu* full_context_fails_on(const FileCtx& f, const Server& s) {
  const catalog::Model& m = *s.model;
  perf::Workload load;
  load.input_tokens = static_cast<int>(m.max_context - 1);
  load.output_tokens = 1;
  load.mode = perf::LoadMode::kBatch;
  load.value = 1;
  load.explain = false;
  const catalog::Gpu* worst = nullptr;
  for (const auto& g : f.cat.gpus) {
    perf::Deployment d;
    d.model = &m;
    d.gpu = &g;
    d.engine = s.c.engine;
    d.dtype = s.dtype;
    d.tp = static_cast<int>(s.par.tp);
    d.pp = static_cast<int>(s.par.pp);
    d.gpus = d.tp * d.pp;
    auto est = perf::estimate(f.cat, d, load);
    if (!est || est->memory.kv_budget_gib_per_gpu <= 0) continue;  // the weights do not fit
    if (est->memory.kv_cache_tokens < m.max_context && (!worst || g.memory_gib > worst->memory_gib))
      worst = &g;
  }
  return worst;
}

std::string secret_fix(Platform p) {
  return p == Platform::kSkyPilot
             ? "leave the value empty and pass it with `sky launch --secret NAME` or --env"
         : p == Platform::kDstack
             ? "list the name without a value under env: and set it with `dstack secret set` or "
               "the shell environment"
         : p == Platform::kCompose
             ? "use ${VAR} interpolation from the environment or a compose secret"
             : "use valueFrom.secretKeyRef (a Secret), not value:";
}

}  // namespace

bool placeholder_literal(std::string_view value) {
  std::string v = to_lower(value);
  if (v.find('<') != std::string::npos && v.find('>') != std::string::npos) return true;
  for (std::string_view p : {"replaced-by", "replaced_by", "replace-me", "replace_me", "replaceme",
                             "placeholder", "changeme", "change-me", "change_me"})
    if (contains(v, p)) return true;
  return false;
}

bool template_base(const Workload& w) {
  if (w.platform != Platform::kKubernetes) return false;
  if (placeholder_literal(w.ns)) return true;
  for (const auto& [k, v] : w.labels)
    if (placeholder_literal(v)) return true;
  for (const auto& c : w.containers)
    if (placeholder_literal(c.image)) return true;
  return false;
}

bool maybe_simulator_image(const FileCtx& f, const Container& c) {
  std::string_view img = c.image;
  auto name_char = [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
  };
  size_t body = 0, end = img.size();
  if (starts_with(img, "${") && ends_with(img, "}")) {
    body = 2, end = img.size() - 1;
  } else if (starts_with(img, "$(") && ends_with(img, ")")) {
    body = 2, end = img.size() - 1;
  } else if (starts_with(img, "$")) {
    body = 1;
  } else {
    return false;
  }
  if (body >= end) return false;
  for (size_t i = body; i < end; ++i)
    if (!name_char(img[i])) return false;  // ${NAME:-default}, ${A}/${B}: not a bare variable
  const int line = c.image_pos.line;
  if (line < 1) return false;
  auto says_simulator = [](std::string_view comment) {
    for (std::string_view w : {"simulat", "emulat", "mock", "fake", "stub"})
      if (icontains(comment, w)) return true;
    return false;
  };
  std::string_view own = f.line_text(line);
  if (size_t hash = own.find(" #");
      hash != std::string_view::npos && says_simulator(own.substr(hash)))
    return true;
  // The comment block right above the image (a comment may be wrapped over a few lines).
  for (int l = line - 1; l >= 1 && l >= line - 4; --l) {
    std::string_view t = f.line_text(l);
    size_t first = t.find_first_not_of(" \t");
    if (first == std::string_view::npos || t[first] != '#') break;
    if (says_simulator(t.substr(first))) return true;
  }
  return false;
}

namespace {

// An image the file itself calls a placeholder that something else fills in at deploy time
// (`image: app:latest # placeholder value, replaced by deployment scripts`): the comment on the
// image's line, or a comment line right above it, says so. The tag written is never pulled, so
// pinning it changes nothing; the value that runs is decided where the file cannot show it.
bool placeholder_image(const FileCtx& f, int line) {
  auto comment_of = [&](int l) -> std::string_view {
    std::string_view t = f.line_text(l);
    size_t hash = t.find(" #");
    if (hash == std::string_view::npos) {
      size_t first = t.find_first_not_of(" \t");
      if (first == std::string_view::npos || t[first] != '#') return {};
      hash = first;
    }
    return t.substr(hash);
  };
  for (int l : {line, line - 1}) {
    if (l < 1) continue;
    std::string_view c = comment_of(l);
    if (l != line && c.empty()) continue;
    if (l != line && f.line_text(l).find_first_not_of(" \t") != f.line_text(l).find('#')) continue;
    if (icontains(c, "placeholder") || icontains(c, "replaced by") || icontains(c, "replaced at") ||
        icontains(c, "overridden by") || icontains(c, "substituted by") ||
        icontains(c, "set by the pipeline") || icontains(c, "set at deploy"))
      return true;
  }
  return false;
}

// An image written as one shell/compose variable with a default, ${NAME:-default} or
// ${NAME-default}: replaces `image` by the default and returns NAME; "" (image untouched) for
// anything else, a nested ${...} in the default included.
std::string image_variable_default(std::string& image) {
  if (!starts_with(image, "${") || !ends_with(image, "}")) return "";
  size_t i = 2;
  while (i < image.size() &&
         (std::isalnum(static_cast<unsigned char>(image[i])) || image[i] == '_'))
    ++i;
  if (i == 2 || i >= image.size()) return "";
  size_t def = image.compare(i, 2, ":-") == 0 ? i + 2 : image[i] == '-' ? i + 1 : 0;
  if (def == 0) return "";
  std::string value = image.substr(def, image.size() - 1 - def);
  if (value.empty() || contains(value, "$") || contains(value, "}")) return "";
  std::string name = image.substr(2, i - 2);
  image = value;
  return name;
}

// Whether an image's path (without its tag) pins a release: a path segment that is a version
// (vault.habana.ai/gaudi-docker/1.18.0/...) or a last component ending in one
// (pytorch-installer-2.4.0). Such vendor images publish one build per release path, and
// `latest` there is the vendor's documented tag, not a floating engine.
bool is_version(std::string_view v) {
  if (!v.empty() && (v[0] == 'v' || v[0] == 'V')) v.remove_prefix(1);
  int dots = 0;
  bool digit = false;
  for (char ch : v) {
    if (ch == '.') {
      if (!digit) return false;
      ++dots;
      digit = false;
    } else if (std::isdigit(static_cast<unsigned char>(ch))) {
      digit = true;
    } else {
      return false;
    }
  }
  return dots > 0 && digit;
}
bool release_in_path(std::string_view repo) {
  size_t slash = repo.find('/');
  if (slash == std::string_view::npos) return false;  // docker.io/library/<name>: no path
  std::string_view rest = repo.substr(slash + 1);
  while (true) {
    size_t next = rest.find('/');
    std::string_view seg = rest.substr(0, next);
    if (next == std::string_view::npos) {
      size_t dash = seg.find_last_of('-');
      return is_version(seg) ||
             (dash != std::string_view::npos && is_version(seg.substr(dash + 1)));
    }
    if (is_version(seg)) return true;
    rest = rest.substr(next + 1);
  }
}
// Whether the image is the engine's own build (its name carries the engine's: vllm-openai,
// lmsysorg/sglang, text-generation-inference) rather than a base image the command installs or
// starts the engine in (a PyTorch or CUDA base).
bool engine_build(std::string_view img, const catalog::Engine& e) {
  std::string l = to_lower(img);
  std::string id = to_lower(e.id);
  if (contains(l, id)) return true;
  std::string catalog_image = to_lower(e.image);
  size_t slash = catalog_image.find_last_of('/');
  size_t colon = catalog_image.find(':', slash == std::string::npos ? 0 : slash);
  std::string name =
      catalog_image.substr(slash == std::string::npos ? 0 : slash + 1,
                           colon == std::string::npos ? std::string::npos : colon - slash - 1);
  return !name.empty() && contains(l, name);
}

}  // namespace

void add_config_rule_docs(std::vector<RuleInfo>& out) {
  out.push_back(
      {"K8S005", "serving", S::kWarning, "Engine image :latest or untagged",
       "An inference-engine image (pod, KServe, Helm repository/tag, compose, SkyPilot "
       "image_id, Ray) that is untagged or tagged latest/main/nightly and not pinned by digest. "
       "A registry port (localhost:5000/vllm) is not mistaken for a tag; an image the project "
       "builds itself (a compose service with `build:` or pull_policy: build) or named with no "
       "registry and no namespace (llama-cpp-docker, vllm:latest) is not reported: Docker Hub's "
       "root namespace holds only Docker Official Images, none of them an inference engine, so "
       "such a name is a local build or a base image whose engine comes from elsewhere (the "
       "audit does not read Dockerfiles, so it cannot check which). Nor is an image whose comment "
       "(on its line or the line above) calls it a "
       "placeholder that deployment scripts or a pipeline replace. An image written as "
       "${VAR:-default} (compose, shell) is judged by its default, which is what runs unless "
       "the variable is set; an image that is one variable with no default (${IMAGE}, or an "
       "operator's parameter such as $(vllm-cuda-image)) is not judged, nor is a placeholder "
       "literal (replaced-by-kustomize, PLACEHOLDER, <image>, "
       "changeme) that a Kustomize overlay or a pipeline replaces. A :latest or untagged "
       "image whose path pins a release (a version segment such as /1.18.0/, or a last "
       "component ending in one, pytorch-installer-2.4.0) is not floating: the vendor "
       "publishes one build per release path. An image that is not the engine's own build "
       "(its name does not carry the engine's, e.g. a PyTorch base the command starts vLLM "
       "in) is called an image, not an engine image.",
       "Engine releases change flags, defaults and metric names (vLLM renamed and removed "
       "metrics across 0.9-0.13); :latest makes every pull a different engine. kube-linter's "
       "latest-tag check; the GIE reference pins vllm/vllm-openai:v0.11.0. Research: "
       "agents-and-deploy.md §4.2 item 18.",
       "Pin a release tag or a digest (the catalog's engine image is a tested choice).",
       "image: vllm/vllm-openai:latest"});
  out.push_back(
      {"K8S006", "serving", S::kError, "Token or API key as a literal in config",
       "An env var named like a secret (TOKEN, SECRET, PASSWORD, API_KEY, ACCESS_KEY, ... as a "
       "name segment: TOKENIZERS_PARALLELISM and MAX_TOKENS do not count) with a literal value "
       "that looks like a secret, any env value shaped like a provider key, a literal --api-key "
       "on the engine command line, production-stack hf_token / vllmApiKey as strings, SkyPilot "
       "envs values; in the other containers and compose services (a gateway, an app), env "
       "values shaped like provider keys or LLM credentials by name (OPENAI_API_KEY, HF_TOKEN, "
       "...). A variable that names the provider issuing it (HF_TOKEN, OPENAI_API_KEY, "
       "AWS_ACCESS_KEY_ID) counts only with that provider's key shape or a long high-entropy "
       "token, so a phrase (HF_TOKEN=my-nsma-is-what) is no secret; the shapes live in one "
       "table (audit.cpp kCredentialShapes). Placeholders (<your-token>, ${VAR}, changeme, "
       "EMPTY, dummy, your-api-key) and secretKeyRef are fine. A key an engine's or gateway's "
       "documentation prints as its example (vLLM's token-abc123, LiteLLM's sk-1234) is no "
       "leaked secret: it is reported as a warning that names it a publicly known sample key, "
       "which protects nothing. Placeholder words and sample keys live in one table "
       "(audit.cpp kNotASecret).",
       "Literals end up in the manifest, the release history and every copy of the file; "
       "kube-linter's env-var-secret; vLLM's guide uses secretKeyRef for HF tokens; "
       "production-stack's hf_token string form and SkyPilot's llm/vllm/service.yaml invite "
       "literals. Research: agents-and-deploy.md §4.2 item 19.",
       "Reference a Secret (valueFrom.secretKeyRef, hf_token: {secretName, secretKey}, sky "
       "--secret).",
       "env: [{name: HF_TOKEN, value: hf_AbC...}]"});
  out.push_back(
      {"K8S007", "serving", S::kWarning, "No volume for model weights",
       "A model server that downloads its weights from a hub (an HF id, not a local path or a "
       "model baked into the image) and mounts no data volume (PVC, hostPath, emptyDir on disk, "
       "NFS, CSI, ephemeral; /dev/shm and config volumes do not count); Helm values without "
       "pvcStorage; KubeAI models without a cacheProfile; an engine compose service without "
       "volumes. Catalog models under 2 GiB of weights are exempt, and workers of a multi-node "
       "group are judged through their leader. Weights in object storage (gs://, s3://, az:// "
       "model paths, --load-format runai_streamer or tensorizer) are no hub download.",
       "Without a cache every container restart downloads the weights again (tens to hundreds "
       "of GiB), multiplying cold starts and Hub traffic; vLLM's guide mounts a PVC at "
       "/root/.cache/huggingface. Research: agents-and-deploy.md §2.1, §4.2 item 20.",
       "Mount a PVC (or a node-local cache) at the Hugging Face cache or the model path.",
       "containers: [{image: vllm/vllm-openai:v0.11.0, args: [--model, ...]}]  # no volumeMounts"});
  out.push_back(
      {"K8S008", "serving", S::kNote, "Context length unset and not checked",
       "The engine's context-length flag is absent (vLLM --max-model-len, SGLang "
       "--context-length, TGI --max-total-tokens, TensorRT-LLM --max_seq_len; production-stack "
       "vllmConfig.maxModelLen, KubeAI args), no engine config file is passed, the engine then "
       "serves the model's full context (the catalog's engine default_context; llama.cpp "
       "defaults to its own 4,096), the catalog model's context is longer than 8,192 tokens, "
       "the GPU type is not given, and on some catalog GPU that holds the weights at this "
       "parallelism one full-length sequence does not fit the KV cache (perf model). With a "
       "known GPU CAP002 decides; unknown models get CAP005.",
       "Unset, the engine takes the model's full context (128k for Llama 3.1) and refuses to "
       "start when one sequence does not fit the KV cache (vLLM engine args docs: default from "
       "the model config). Research: agents-and-deploy.md §2.1, §4.2 item 21.",
       "Set the flag to the longest prompt + output you serve, or name the GPU type "
       "(nodeSelector) so the audit can check the fit.",
       "args: [--model, meta-llama/Llama-3.1-8B-Instruct]"});
  out.push_back(
      {"K8S010", "serving", S::kWarning, "The same engine flag twice with different values",
       "A flag (or its alias: -tp / --tensor-parallel-size, prefixes vLLM's argparse accepts) "
       "given twice with different values on one command line; production-stack vllmConfig "
       "fields are rendered before extraArgs and compared with them.",
       "The last value wins silently, so what the file says is not what runs; production-stack's "
       "own chart example sets gpuMemoryUtilization: 0.95 and extraArgs --gpu-memory-utilization "
       "0.4 (vllm-project/production-stack:helm/values.yaml). Research: agents-and-deploy.md "
       "§2.3, §4.2 item 23.",
       "Keep one setting.",
       "gpuMemoryUtilization: 0.95 + extraArgs: [--gpu-memory-utilization, \"0.4\"]"});
  out.push_back(
      {"K8S011", "serving", S::kWarning, "--trust-remote-code without a pinned revision",
       "--trust-remote-code (TGI TRUST_REMOTE_CODE) on a hub model whose repository ships code "
       "(the catalog's remote_code: config.json has an auto_map, e.g. DeepSeek-V3/R1, Kimi-K2) "
       "without --revision set to a commit hash (a branch or tag like main does not pin). A "
       "model the file leaves open (${MODEL}, <model-id>) is a note: the flag runs the code of "
       "whichever model is filled in. For a named model outside the catalog the rule abstains "
       "unless the catalog's code_repositories (data/code_repositories.yaml: families whose "
       "config.json has an auto_map, each with its source) names its family, or the file says "
       "the repository ships code (it sets --code-revision): otherwise whether it does is "
       "unknown, and for most models the flag is inert. Catalog models without code are "
       "not reported either. Local model paths and object-storage paths (gs://, s3://, az://, "
       "--load-format runai_streamer) are fine.",
       "Remote code executes in the serving pod; without a pinned commit whatever is pushed to "
       "the model repository next runs with the pod's credentials. KServe's HF storage pins "
       "hf://repo/model:hash; vLLM has --revision/--code-revision. Research: "
       "agents-and-deploy.md §4.2 item 25.",
       "Pin --revision (and --code-revision) to a reviewed commit hash.",
       "args: [--model, deepseek-ai/DeepSeek-R1, --trust-remote-code]"});
  out.push_back(
      {"K8S012", "serving", S::kWarning, "No preStop drain and a short grace period",
       "A model server in a Kubernetes workload (not a Job) without lifecycle.preStop whose "
       "terminationGracePeriodSeconds is under 60 s (the default is 30). Workers of a "
       "multi-node group serve no traffic and are not reported; operators that own shutdown "
       "(KubeAI, Ray Serve) are skipped, and so are a benchmark's or a demo's servers (a folder "
       "named demo(s), bench, benchmark(s) or loadtest, or a namespace named for a test, a "
       "benchmark or a demo), which no user depends on.",
       "vLLM stops accepting connections on SIGTERM; without a preStop sleep the load balancer "
       "still sends requests, and a short grace period kills in-flight generations. The GIE "
       "reference uses preStop sleep 30 s and terminationGracePeriodSeconds 130 derived from "
       "the worst-case drain (gateway-api-inference-extension gpu-deployment.yaml). Research: "
       "agents-and-deploy.md §4.2 item 26.",
       "Add lifecycle.preStop.sleep.seconds: 30 and a grace period above the longest "
       "generation + 30 s.",
       "terminationGracePeriodSeconds: 30  # no preStop"});
}

void check_secrets(FileCtx& f, const Workload& w, const Container& c) {
  bool engine = c.engine != nullptr;
  for (const auto& e : c.env) {
    if (!e.literal) continue;
    // A published sample key (vLLM's docs' token-abc123) is no leak: a warning that says what
    // it is, since anyone who read the same page holds it.
    if (const SampleKey* sample = published_sample_key(e.value);
        sample && (engine ? secret_name(e.name) : llm_secret_name(e.name))) {
      f.emit("K8S006", e.pos,
             fmt::format("env {} holds the sample key '{}' that {} prints: no leaked secret, "
                         "but a publicly known one that protects nothing",
                         e.name, sample->value, sample->source),
             "generate a key of your own and read it from a Secret", Severity::kWarning);
      continue;
    }
    // An error only when the value is a credential for certain: a provider's key shape, or,
    // for a variable that names the provider issuing it (HF_TOKEN), that provider's shape or a
    // long high-entropy token; a word phrase there (HF_TOKEN=my-nsma-is-what) is a placeholder.
    // A key the deployment makes up itself (VLLM_API_KEY) has no shape: any non-placeholder.
    const CredentialShape* named = provider_of_credential_name(e.name);
    const bool secret_value =
        named ? looks_like_generic_token(e.value) : looks_like_secret(e.value);
    bool hit =
        engine ? ((secret_name(e.name) && secret_value) ||
                  credential_shape(e.value, /*any_provider=*/true))
               : (looks_like_provider_key(e.value) || (llm_secret_name(e.name) && secret_value));
    if (!hit) continue;
    std::string head = e.value.substr(0, std::min<size_t>(4, e.value.size()));
    f.emit("K8S006", e.pos,
           engine ? fmt::format("env {} holds a literal secret ('{}...')", e.name, head)
                  : fmt::format("env {} of container '{}' holds a literal LLM credential ('{}...')",
                                e.name, c.name, head),
           secret_fix(w.platform));
  }
  if (!engine) return;
  if (const Flag* k = c.flag("api_key"); k && k->has_value) {
    if (const SampleKey* sample = published_sample_key(k->value)) {
      f.emit("K8S006", k->pos,
             fmt::format("{} passes the sample key '{}' that {} prints: no leaked secret, but a "
                         "publicly known one, so the endpoint is open to anyone who read it",
                         k->name, sample->value, sample->source),
             "generate a key of your own and pass it from a Secret (--api-key $(VLLM_API_KEY) "
             "with valueFrom.secretKeyRef)",
             Severity::kWarning);
      return;
    }
  }
  if (const Flag* k = c.flag("api_key"); k && k->has_value && looks_like_secret(k->value))
    f.emit("K8S006", k->pos,
           fmt::format("{} passes a literal API key on the command line ('{}...')", k->name,
                       k->value.substr(0, 4)),
           "read it from a Secret through an env var (e.g. --api-key $(VLLM_API_KEY) with "
           "valueFrom.secretKeyRef) or set VLLM_API_KEY from a Secret");
}

void check_config(FileCtx& f, const Server& s) {
  const Workload& w = s.w;
  const Container& c = s.c;
  const catalog::Model* model = s.model;
  // K8S005: floating engine image.
  if (!c.image.empty()) {
    // A compose-style ${VAR:-default} (or ${VAR-default}) is what `docker compose up` pulls
    // unless the variable is set: its default is judged.
    std::string img = c.image;
    std::string variable = image_variable_default(img);
    // An image that is one variable with no default ($IMAGE, ${IMAGE}, $(IMAGE)) is set by whoever
    // deploys it: the file does not show it, so it is not judged.
    bool whole_variable = starts_with(img, "$") && img.size() > 1;
    for (size_t i = 1; whole_variable && i < img.size(); ++i) {
      char ch = img[i];
      bool edge =
          (i == 1 && (ch == '{' || ch == '(')) || (i + 1 == img.size() && (ch == '}' || ch == ')'));
      // Kubernetes' $(VAR) and the parameters kustomize or an operator fill in
      // ($(vllm-cuda-image)) may hold '-' and '.' in their names.
      const bool bracketed = img[1] == '(' || img[1] == '{';
      whole_variable = edge || std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' ||
                       (bracketed && (ch == '-' || ch == '.'));
    }
    bool digest = contains(img, "@sha256:");
    size_t slash = img.find_last_of('/');
    size_t colon = img.find(':', slash == std::string::npos ? 0 : slash);
    std::string tag = colon == std::string::npos ? "" : img.substr(colon + 1);
    std::string lt = to_lower(tag);
    // An image built here (compose `build:`) or a name with no registry and no namespace is not
    // an engine release a registry hands out: Docker Hub's root namespace holds only Docker
    // Official Images, and none of them is an inference engine, so such a name is a local
    // build (compose and a node use a present image before pulling) or a general base image
    // whose engine comes from elsewhere. Either way no pull brings another engine release.
    bool local = c.built_locally || slash == std::string::npos;
    if (!digest && !local && !whole_variable &&
        (tag.empty() || lt == "latest" || lt == "main" || lt == "nightly") &&
        !release_in_path(colon == std::string::npos ? img : img.substr(0, colon)) &&
        !placeholder_image(f, c.image_pos.line) && !placeholder_literal(img))
      f.emit("K8S005", c.image_pos,
             fmt::format("{} '{}'{} is {}: every pull may bring a different engine "
                         "version (flags, metrics and defaults change between releases)",
                         engine_build(img, *c.engine) ? "engine image" : "image", img,
                         variable.empty() ? "" : " (the default of ${" + variable + "})",
                         tag.empty() ? "untagged (implicitly :latest)" : "tagged :" + tag),
             fmt::format("pin a release tag or digest, e.g. {}", c.engine->image));
  }
  if (!s.serves || w.runtime_template) return;  // the rest is the server's, judged on the leader
  // K8S007: nowhere to keep the weights.
  const bool hub_model = !c.model.empty() && !is_local_path(c.model) && !model_from_object_store(c);
  const bool small =
      model && perf::weight_bytes(*model, s.dtype) / (1024.0 * 1024 * 1024) < kSmallWeightsGiB;
  const bool k8s_like = s.k8s || w.platform == Platform::kHelm ||
                        w.platform == Platform::kCompose || w.platform == Platform::kKubeAI;
  if (k8s_like && hub_model && !small && !w.cache_ok && w.platform != Platform::kRay &&
      w.platform != Platform::kKServe && !maybe_simulator_image(f, c)) {
    bool data = false;
    for (const auto& [vol, path] : c.mounts) {
      if (path == "/dev/shm") continue;
      if (w.platform == Platform::kCompose) data = true;
      for (const auto& v : w.volumes)
        if (v.name == vol && v.data) data = true;
    }
    if (!data)
      f.emit("K8S007", c.pos,
             fmt::format("{} container '{}' mounts no volume for model weights ({}{}): every "
                         "restart downloads the model again",
                         c.engine->name, c.name, c.model,
                         model ? fmt::format(", {} GiB in {}",
                                             format_sig(perf::weight_bytes(*model, s.dtype) /
                                                            (1024.0 * 1024 * 1024),
                                                        3),
                                             s.dtype)
                               : ""),
             w.platform == Platform::kHelm ? "set pvcStorage (and pvcAccessMode) in the "
                                             "modelSpec entry"
             : w.platform == Platform::kKubeAI
                 ? "set spec.cacheProfile so KubeAI keeps the weights on a shared volume"
             : w.platform == Platform::kCompose
                 ? "mount a volume at /root/.cache/huggingface"
                 : "mount a PersistentVolumeClaim (or a node-local cache) at the Hugging Face "
                   "cache (/root/.cache/huggingface) or the model path");
  }
  // K8S008: context unset, long, and not checkable for lack of a GPU type.
  if (!c.flag("max_model_len") && c.engine->flags.count("max_model_len") && model &&
      default_context(*c.engine) == 0 && model->max_context > kShortContext && !s.gpu &&
      s.par.valid) {
    // s.par.valid: no flag can be hidden (a config file, $EXTRA_ARGS) that sets the context.
    const catalog::Gpu* fails_on = full_context_fails_on(f, s);
    if (fails_on)
      f.emit("K8S008", c.model_pos.line ? c.model_pos : c.pos,
             fmt::format("{} is not set for {}: the engine accepts prompts up to {} tokens and "
                         "refuses to start when one such sequence does not fit its KV cache, as "
                         "on {} x {}; no GPU type is given, so the fit was not checked",
                         c.engine->flags.at("max_model_len"), c.model,
                         group_thousands(model->max_context), s.par.tp * s.par.pp, fails_on->id),
             fmt::format("set {} to the longest prompt + output you serve, or pin the GPU type "
                         "(nodeSelector) so CAP002 can check it",
                         c.engine->flags.at("max_model_len")));
  }
  // K8S010: the same flag twice with different values.
  for (size_t i = 0; i < c.flags.size(); ++i)
    for (size_t j = i + 1; j < c.flags.size(); ++j) {
      const Flag& a = c.flags[i];
      const Flag& b = c.flags[j];
      bool same = a.name == b.name || (!a.role.empty() && a.role == b.role);
      if (same && !values_equal(a, b)) {
        f.emit("K8S010", b.pos,
               fmt::format("{} is set twice: '{}' then '{}' ({} wins, the other is silently "
                           "ignored)",
                           b.name, a.has_value ? a.value : "true", b.has_value ? b.value : "true",
                           b.has_value ? b.value : "true"),
               "keep one setting");
        break;
      }
    }
  // K8S011: remote code without a pinned revision. The claim is that
  // the flag runs Python from the model's repository, so it holds only for a repository that ships
  // code: a catalog model with remote_code, or a model the file leaves open (a variable or
  // placeholder: the flag applies to whatever is filled in). A model named in the file but unknown
  // to the catalog is judged only when the file itself says it has code to pin (--code-revision);
  // otherwise whether it ships code is unknown and the rule abstains (round 19: bigscience/bloom
  // ships none, and the flag is inert).
  const bool open_model = c.model.find_first_of("$<>{}") != std::string::npos;
  // A repository outside the models list ships code when the catalog's code_repositories
  // (data/code_repositories.yaml: each family's config.json auto_map) names its family.
  const bool says_code = contains(f.text, "code-revision") || contains(f.text, "code_revision") ||
                         f.cat.find_code_repository(c.model) != nullptr;
  if (const Flag* trc = c.flag("trust_remote_code");
      trc && (!trc->has_value || to_lower(trc->value) != "false") && hub_model &&
      c.args_hidden.empty() &&  // --revision may be set where the audit cannot see it
      (model ? ships_remote_code(*model) : open_model || says_code)) {
    const Flag* rev = c.flag("revision");
    std::string r = rev && rev->has_value ? rev->value : "";
    if (!hex_revision(r))
      f.emit(
          "K8S011", trc->pos,
          fmt::format("--trust-remote-code runs Python from the model repository {} {}{}", c.model,
                      r.empty() ? "with no --revision: whatever is pushed next runs in your "
                                  "pod"
                                : "at revision '" + r + "', a branch or tag that can move",
                      model       ? ""
                      : says_code ? " (the repository ships code)"
                                  : " (the model is left to whoever fills it in: one that "
                                    "ships code runs it)"),
          "pin --revision to a commit hash (and --code-revision where the engine has it)",
          model ? S::kWarning : S::kNote);
  }
  // K8S012: no drain on shutdown.
  if (s.k8s && !w.drain_managed && w.kind != "Job" && w.kind != "CronJob" && !c.pre_stop &&
      w.grace.value_or(kDefaultGraceS) < 60 && judged_as_service(f, w.ns))
    f.emit("K8S012", w.grace ? w.grace_pos : c.pos,
           fmt::format("no preStop drain and terminationGracePeriodSeconds {}{}: a rollout "
                       "drops in-flight generations",
                       w.grace.value_or(kDefaultGraceS), w.grace ? "" : " (default)"),
           "add lifecycle.preStop.sleep.seconds: 30 and terminationGracePeriodSeconds >= the "
           "longest generation + 30 s (e.g. 130)");
}

}  // namespace llmctl::audit::detail
