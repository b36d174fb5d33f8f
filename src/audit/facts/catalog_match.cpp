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

namespace {

// Every quantisation setting the audit sizes, in one place (round 21): what an engine's flag or
// environment variable (TGI --quantize / QUANTIZE, vLLM and SGLang --quantization, TRT-LLM
// --qformat) or a GGUF file's type names, as the perf model's weight dtype class, whose bytes per
// parameter perf::bytes_per_param gives (4-bit block formats: 0.53; int8/fp8: 1; fp4: 0.56).
// An empty dtype is a setting whose width the name does not fix (EXL2's 2-8 bits, GGUF without
// its type, compressed-tensors, bitsandbytes in vLLM/SGLang whose checkpoint says 4 or 8 bits):
// the capacity rules then know only the smallest plausible size (kSmallestBytesPerParam).
// Matched on the lower-cased value, exactly; `engine` empty means any engine.
struct QuantName {
  std::string_view engine;
  std::string_view value;
  std::string_view dtype;  // "" = width unknown
};
constexpr QuantName kQuantNames[] = {
    // TGI (text-generation-launcher --quantize): bitsandbytes is LLM.int8, -nf4/-fp4 are 4-bit
    // with an fp32 absmax per 64 weights; eetq is int8 weight-only; marlin runs GPTQ 4-bit.
    {"tgi", "bitsandbytes", "int8"},
    {"tgi", "bitsandbytes-nf4", "int4"},
    {"tgi", "bitsandbytes-fp4", "int4"},
    {"tgi", "eetq", "int8"},
    {"", "awq", "int4"},
    {"", "awq_marlin", "int4"},
    {"", "gptq", "int4"},
    {"", "gptq_marlin", "int4"},
    {"", "gptq_marlin_24", "int4"},
    {"", "marlin", "int4"},
    {"", "moe_wna16", "int4"},
    {"", "qqq", "int4"},
    {"", "int4_awq", "int4"},
    {"", "w4a8_awq", "int4"},
    {"", "w4a16", "int4"},
    {"", "int4_wo", "int4"},
    {"", "fp8", "fp8"},
    {"", "fbgemm_fp8", "fp8"},
    {"", "modelopt", "fp8"},
    {"", "modelopt_fp8", "fp8"},
    {"", "w8a8_fp8", "fp8"},
    {"", "ptpc_fp8", "fp8"},
    {"", "int8_sq", "int8"},
    {"", "int8_wo", "int8"},
    {"", "w8a8_int8", "int8"},
    {"", "experts_int8", "int8"},
    {"", "modelopt_fp4", "fp4"},
    {"", "nvfp4", "fp4"},
    {"", "mxfp4", "mxfp4"},
    // Width set by the checkpoint, not the flag.
    {"", "bitsandbytes", ""},
    {"", "exl2", ""},
    {"", "gguf", ""},
    {"", "compressed-tensors", ""},
    {"", "compressed_tensors", ""},
    {"", "hqq", ""},
    {"", "torchao", ""},
    {"", "quark", ""},
    {"", "bitblas", ""},
    {"", "gptq_bitblas", ""},
};

// GGUF tensor types named in a file or tag (Qwen3-8B-Q4_K_M.gguf, ...-GGUF:Q8_0) with their
// storage class; IQ1-IQ3, Q2_K and Q3_K are below 4 bits (the smallest size covers them).
constexpr std::pair<std::string_view, std::string_view> kGgufTypes[] = {
    {"q8_0", "int8"}, {"q6_k", "int8"}, {"q5_k", "int4"}, {"q5_0", "int4"},
    {"q5_1", "int4"}, {"q4_k", "int4"}, {"q4_0", "int4"}, {"q4_1", "int4"},
    {"iq4_", "int4"}, {"q3_k", ""},     {"q2_k", ""},     {"iq3_", ""},
    {"iq2_", ""},     {"iq1_", ""},     {"f16", "fp16"},  {"bf16", "bf16"},
};

}  // namespace

std::optional<std::string> quantization_dtype(std::string_view engine, std::string_view value) {
  const std::string v = to_lower(trim(value));
  for (const auto& q : kQuantNames)
    if ((q.engine.empty() || q.engine == engine) && v == q.value) return std::string(q.dtype);
  return std::nullopt;  // not a setting the table knows
}

WeightFormat weight_format(const Container& c, const catalog::Model& m) {
  WeightFormat out;
  const std::string model = to_lower(c.model);
  const Flag* qf = c.flag("quantization");
  const std::string q = qf ? to_lower(trim(qf->value)) : "";
  const std::string_view engine = c.engine ? std::string_view(c.engine->id) : "";
  if (qf) {
    std::string name = qf->name;
    if (starts_with(name, "env:")) name = name.substr(4);  // TGI's QUANTIZE
    out.setting = name + "=" + std::string(trim(qf->value));
  }
  auto with = [&out](std::string dtype) {
    out.dtype = std::move(dtype);
    return out;
  };
  auto native = m.weight_dtypes.find("experts");
  if (native != m.weight_dtypes.end() && q.empty()) return with(native->second);
  // A checkpoint released quantised (e.g. DeepSeek-V3's block-wise FP8), when the catalog
  // records it for all linear layers.
  for (const char* part : {"all", "linear", "default"}) {
    auto whole = m.weight_dtypes.find(part);
    if (whole != m.weight_dtypes.end() && q.empty()) return with(whole->second);
  }
  if (!q.empty() && q != "none" && q != "null" && q != "false" && q != "\"\"") {
    if (auto d = quantization_dtype(engine, q)) {
      out.known = !d->empty();
      return with(d->empty() ? "int4" : *d);
    }
    // A value the table does not know (a new scheme, a reference): sized as unknown.
    out.known = false;
    return with("int4");
  }
  // The checkpoint's name: GGUF types first (a GGUF file is quantised unless it says F16/BF16).
  if (contains(model, "gguf")) {
    for (const auto& [type, dtype] : kGgufTypes)
      if (contains(model, type)) {
        out.setting = std::string("GGUF ") + std::string(type);
        out.known = !dtype.empty();
        return with(dtype.empty() ? "int4" : std::string(dtype));
      }
    out.setting = "GGUF";
    out.known = false;
    return with("int4");
  }
  if (contains(model, "fp8")) return with("fp8");
  if (contains(model, "awq") || contains(model, "gptq") || contains(model, "int4") ||
      contains(model, "4bit") || contains(model, "w4a16") || contains(model, "bnb-4bit"))
    return with("int4");
  if (contains(model, "int8") || contains(model, "w8a8") || contains(model, "8bit"))
    return with("int8");
  return with("bf16");
}

std::string weight_dtype(const Container& c, const catalog::Model& m) {
  return weight_format(c, m).dtype;
}

bool ships_remote_code(const catalog::Model& m) { return m.remote_code; }

long long default_context(const catalog::Engine& e) { return e.default_context; }

}  // namespace llmctl::audit::detail
