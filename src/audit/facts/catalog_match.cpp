// Names in manifests matched to catalog entries: models (HF ids, aliases, -FP8/-AWQ suffixes),
// GPUs (node labels, instance types, accelerator names) and the dtype the weights load in.
#include <cctype>

#include "audit/facts/serving.h"
#include "common/strings.h"

namespace llmctl::audit::detail {

namespace {

// A last name segment that changes the packaging of a model's weights, not the model: a
// precision or quantisation format, an instruction/chat tune of the same base, a release date or
// version, a file format.
bool same_weights_qualifier(std::string_view segment) {
  const std::string w = to_lower(segment);
  if (w.empty()) return false;
  bool digits = true;
  for (char c : w) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (digits) return true;  // -2407, -2507, -0528: a release date
  if (w.size() >= 2 && w[0] == 'v' && std::isdigit(static_cast<unsigned char>(w[1])))
    return true;  // -v0.3
  for (std::string_view q :
       {"fp8",   "fp4",  "nvfp4",   "mxfp4",  "int4",      "int8",       "w4a16", "w8a8",
        "w8a16", "awq",  "gptq",    "gguf",   "mlx",       "bnb",        "4bit",  "8bit",
        "bf16",  "fp16", "dynamic", "static", "quantized", "instruct",   "chat",  "it",
        "hf",    "base", "kv",      "block",  "marlin",    "fp8_dynamic"})
    if (w == q) return true;
  return false;
}

}  // namespace

const catalog::Model* resolve_model(const catalog::Catalog& cat, std::string name) {
  if (name.empty()) return nullptr;
  for (std::string_view p : {"hf://", "huggingface://"})
    if (starts_with(name, p)) name = name.substr(p.size());
  if (size_t colon = name.find(':'); colon != std::string::npos && contains(name, "/"))
    name = name.substr(0, colon);  // hf://org/model:revision
  // Re-uploads (neuralmagic/, RedHatAI/, unsloth/...) keep the original repository's name.
  auto by_repo_name = [&](std::string_view repo) -> const catalog::Model* {
    std::string want = to_lower(repo);
    for (const auto& m : cat.models)
      for (const auto& a : m.aliases) {
        size_t s = a.find_last_of('/');
        if (s != std::string::npos && to_lower(a.substr(s + 1)) == want) return &m;
      }
    return nullptr;
  };
  for (int strip = 0; strip < 4 && !name.empty(); ++strip) {
    if (auto* m = cat.find_model(name)) return m;
    size_t slash = name.find_last_of('/');
    if (slash != std::string::npos) {
      if (auto* m = cat.find_model(name.substr(slash + 1))) return m;
      if (auto* m = by_repo_name(name.substr(slash + 1))) return m;
    }
    size_t dash = name.find_last_of('-');
    if (dash == std::string::npos || dash < (slash == std::string::npos ? 0 : slash + 1)) break;
    // Only a qualifier of the same weights comes off (-FP8, -AWQ, -Instruct-2407): any other
    // word names another model (DeepSeek-R1-Distill-Qwen-7B is a 7B Qwen, not DeepSeek-R1;
    // -Lite, -Coder, -7B are other models too), which is then not in the catalog.
    if (!same_weights_qualifier(name.substr(dash + 1))) break;
    name = name.substr(0, dash);
  }
  return nullptr;
}

const catalog::Gpu* resolve_gpu_name(const catalog::Catalog& cat, std::string hint) {
  std::string l = to_lower(trim(hint));
  if (l.empty()) return nullptr;
  // The catalog's cloud names first: SkyPilot's "A100" is the 40 GB part while the catalog's
  // alias "a100" means the 80 GB one.
  for (const auto& g : cat.gpus)
    for (const auto& c : g.cloud_names) {
      std::string n = to_lower(c.name);
      if (l == n || (c.prefix && starts_with(l, n))) return &g;
    }
  if (auto* g = cat.find_gpu(l)) return g;
  // KubeAI resource profiles (nvidia-gpu-h100:8), vendor prefixes on node labels.
  if (size_t colon = l.find(':'); colon != std::string::npos) l = l.substr(0, colon);
  for (std::string_view p :
       {"nvidia-gpu-", "amd-gpu-", "nvidia-", "nvidia ", "tesla-", "amd-", "nvidia.com/"})
    if (starts_with(l, p))
      if (auto* g = cat.find_gpu(l.substr(p.size()))) return g;
  return nullptr;
}

const catalog::Gpu* resolve_gpu(const catalog::Catalog& cat, const Workload& w) {
  if (auto* g = resolve_gpu_name(cat, w.gpu_type_hint)) return g;
  for (const auto& [k, v] : w.node_hints) {
    if (k == "nvidia.com/gpu.product" || k == "cloud.google.com/gke-accelerator" ||
        k == "node.kubernetes.io/instance-type" || k == "beta.kubernetes.io/instance-type" ||
        k == "karpenter.k8s.aws/instance-gpu-name" || k == "accelerator" || k == "gpu-type" ||
        k == "nvidia.com/gpu.family" || k == "cloud.google.com/gce-accelerator")
      if (auto* g = resolve_gpu_name(cat, v)) return g;
  }
  return nullptr;
}

std::string weight_dtype(const Container& c, const catalog::Model& m) {
  std::string model = to_lower(c.model);
  std::string q = c.flag("quantization") ? to_lower(c.flag("quantization")->value) : "";
  auto native = m.weight_dtypes.find("experts");
  if (native != m.weight_dtypes.end() && q.empty()) return native->second;
  // A checkpoint released quantised (e.g. DeepSeek-V3's block-wise FP8), when the catalog
  // records it for all linear layers.
  for (const char* part : {"all", "linear", "default"}) {
    auto whole = m.weight_dtypes.find(part);
    if (whole != m.weight_dtypes.end() && q.empty()) return whole->second;
  }
  if (q == "fp8" || contains(model, "fp8")) return "fp8";
  if (contains(q, "awq") || contains(q, "gptq") || contains(model, "awq") ||
      contains(model, "gptq") || contains(model, "int4") || contains(model, "4bit") ||
      contains(model, "w4a16"))
    return "int4";
  if (contains(model, "int8") || contains(model, "w8a8")) return "int8";
  return "bf16";
}

bool ships_remote_code(const catalog::Model& m) { return m.remote_code; }

long long default_context(const catalog::Engine& e) { return e.default_context; }

}  // namespace llmctl::audit::detail
