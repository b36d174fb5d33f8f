// Serving-workload rules (K8S001-K8S012, K8S018) and the capacity rules (CAP001-CAP004) that
// run the perf model on what a manifest asks for.
#include "audit/serving.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "common/strings.h"
#include "perf/model.h"

namespace llmctl::audit::detail {
namespace {

// Seconds an engine needs before /health answers, for the startup budget rules: weights read
// at ~1 GiB/s (PVC or image cache; a first download from the Hub is slower) plus ~60 s of
// engine start (CUDA graphs, torch.compile, KV allocation). Deliberately optimistic, so a
// finding means the probe is short even in the good case.
constexpr double kLoadGiBPerS = 1.0;
constexpr double kEngineInitS = 60;
constexpr double kUnknownModelLoadS = 120;
constexpr long long kDefaultGraceS = 30;

std::string norm_flag(std::string_view f) {
  std::string out = to_lower(f);
  for (char& c : out)
    if (c == '_') c = '-';
  return out;
}

bool is_negative_number(std::string_view s) {
  return s.size() > 1 && s[0] == '-' &&
         (std::isdigit(static_cast<unsigned char>(s[1])) || s[1] == '.');
}

std::string expand_env(std::string s, const std::map<std::string, std::string>& env) {
  if (s.find('$') == std::string::npos) return s;
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '$' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    size_t start, end;
    char open = s[i + 1];
    if (open == '{' || open == '(') {
      char close = open == '{' ? '}' : ')';
      start = i + 2;
      end = s.find(close, start);
      if (end == std::string::npos) {
        out += s[i];
        continue;
      }
    } else {
      start = i + 1;
      end = start;
      while (end < s.size() && (std::isalnum(static_cast<unsigned char>(s[end])) || s[end] == '_'))
        ++end;
      if (end == start) {
        out += s[i];
        continue;
      }
    }
    std::string name = s.substr(start, end - start);
    auto it = env.find(name);
    if (it != env.end()) {
      out += it->second;
    } else {
      out += s.substr(i, (open == '{' || open == '(') ? end - i + 1 : end - i);
    }
    i = (open == '{' || open == '(') ? end : end - 1;
  }
  return out;
}

// Engine markers on a command line, most specific first.
struct Marker {
  std::string_view text;
  std::string_view engine;
};
constexpr Marker kMarkers[] = {
    {"vllm serve", "vllm"},
    {"vllm.entrypoints", "vllm"},
    {"sglang.launch_server", "sglang"},
    {"sglang serve", "sglang"},
    {"text-generation-launcher", "tgi"},
    {"trtllm-serve", "trtllm"},
    {"llama-server", "llamacpp"},
};

std::string_view engine_from_text(std::string_view s) {
  for (const auto& m : kMarkers)
    if (contains(s, m.text)) return m.engine;
  return {};
}

std::string_view engine_from_image(std::string_view image) {
  std::string l = to_lower(image);
  if (contains(l, "vllm")) return "vllm";
  if (contains(l, "sglang")) return "sglang";
  if (contains(l, "text-generation-inference")) return "tgi";
  if (contains(l, "tensorrt-llm") || contains(l, "tensorrt_llm") || contains(l, "trtllm"))
    return "trtllm";
  if (contains(l, "llama.cpp") || contains(l, "llama-cpp") || contains(l, "llamacpp"))
    return "llamacpp";
  return {};
}

// Short and abbreviated spellings the catalog's flag map does not list.
std::string_view alias_concept(std::string_view engine, std::string_view flag) {
  if (engine == "vllm") {
    if (flag == "-tp") return "tensor_parallel";
    if (flag == "-pp") return "pipeline_parallel";
    if (flag == "-dp") return "data_parallel";
    if (flag == "-q") return "quantization";
  }
  if (engine == "sglang") {
    if (flag == "--tp") return "tensor_parallel";
    if (flag == "--pp") return "pipeline_parallel";
    if (flag == "--dp") return "data_parallel";
    if (flag == "--model") return "model";
  }
  if (engine == "llamacpp") {
    if (flag == "-c") return "max_model_len";
    if (flag == "-m") return "model";
    if (flag == "-hf" || flag == "-hfr") return "hf_repo";
    if (flag == "-np") return "max_num_seqs";
    if (flag == "-ngl") return "gpu_layers";
  }
  return {};
}

void assign_concepts(Container& c) {
  if (!c.engine) return;
  std::map<std::string, std::string> by_flag;
  for (const auto& [role, flag] : c.engine->flags) by_flag[norm_flag(flag)] = role;
  for (auto& fl : c.flags) {
    auto it = by_flag.find(fl.name);
    if (it != by_flag.end()) {
      fl.role = it->second;
      continue;
    }
    if (auto a = alias_concept(c.engine->id, fl.name); !a.empty()) {
      fl.role = std::string(a);
      continue;
    }
    // vLLM's argparse accepts unambiguous prefixes ("--max-num-seq").
    if (c.engine->id == "vllm" && starts_with(fl.name, "--") && fl.name.size() > 6) {
      std::string hit;
      int n = 0;
      for (const auto& [flag, role] : by_flag)
        if (starts_with(flag, fl.name)) hit = role, ++n;
      if (n == 1) fl.role = hit;
    }
  }
}

std::vector<Flag> parse_flags(const std::vector<Token>& argv, std::string& positional_model,
                              Pos& positional_pos) {
  std::vector<Flag> flags;
  size_t first = 0;
  // Skip to the engine command ("vllm serve", "-m vllm.entrypoints...", "trtllm-serve").
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& t = argv[i].text;
    if (t == "serve" || contains(t, "vllm.entrypoints") || contains(t, "sglang.launch_server") ||
        ends_with(t, "trtllm-serve") || ends_with(t, "text-generation-launcher") ||
        ends_with(t, "llama-server")) {
      first = i + 1;
      // `vllm serve MODEL` and `trtllm-serve MODEL` take the model as a positional argument.
      if ((t == "serve" || ends_with(t, "trtllm-serve")) && first < argv.size() &&
          !starts_with(argv[first].text, "-")) {
        positional_model = argv[first].text;
        positional_pos = argv[first].pos;
        ++first;
      }
      break;
    }
  }
  for (size_t i = first; i < argv.size(); ++i) {
    const std::string& t = argv[i].text;
    if (t.size() < 2 || t[0] != '-' || is_negative_number(t)) continue;
    Flag fl;
    fl.pos = argv[i].pos;
    size_t eq = t.find('=');
    if (eq != std::string::npos) {
      fl.name = norm_flag(t.substr(0, eq));
      fl.value = t.substr(eq + 1);
      fl.has_value = true;
    } else {
      fl.name = norm_flag(t);
      if (i + 1 < argv.size() &&
          (!starts_with(argv[i + 1].text, "-") || is_negative_number(argv[i + 1].text))) {
        fl.value = argv[i + 1].text;
        fl.has_value = true;
        ++i;
      }
    }
    flags.push_back(std::move(fl));
  }
  return flags;
}

std::optional<long long> to_int(std::string_view s) {
  std::string t = trim(s);
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  long long v = std::strtoll(t.c_str(), &end, 10);
  if (end != t.c_str() + t.size()) return std::nullopt;
  return v;
}

std::optional<double> to_double(std::string_view s) {
  std::string t = trim(s);
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return std::nullopt;
  return v;
}

bool is_local_path(std::string_view m) {
  return starts_with(m, "/") || starts_with(m, "./") || starts_with(m, "~/") ||
         starts_with(m, "pvc://") || starts_with(m, "file://");
}

const catalog::Model* resolve_model(const catalog::Catalog& cat, std::string name) {
  if (name.empty()) return nullptr;
  for (std::string_view p : {"hf://", "huggingface://"})
    if (starts_with(name, p)) name = name.substr(p.size());
  if (size_t colon = name.find(':'); colon != std::string::npos && contains(name, "/"))
    name = name.substr(0, colon);  // hf://org/model:revision
  for (int strip = 0; strip < 4 && !name.empty(); ++strip) {
    if (auto* m = cat.find_model(name)) return m;
    size_t slash = name.find_last_of('/');
    if (slash != std::string::npos)
      if (auto* m = cat.find_model(name.substr(slash + 1))) return m;
    size_t dash = name.find_last_of('-');
    if (dash == std::string::npos || dash < (slash == std::string::npos ? 0 : slash + 1)) break;
    name = name.substr(0, dash);  // -FP8, -AWQ, -Instruct-2407, ...
  }
  return nullptr;
}

const catalog::Gpu* resolve_gpu_name(const catalog::Catalog& cat, std::string hint) {
  std::string l = to_lower(trim(hint));
  if (l.empty()) return nullptr;
  static const std::pair<std::string_view, std::string_view> kKnown[] = {
      // GKE accelerators, cloud instance families, SkyPilot names that differ from the catalog.
      {"nvidia-tesla-a100", "a100-40gb"},
      {"nvidia-a100-80gb", "a100-80gb"},
      {"nvidia-h100-80gb", "h100-sxm"},
      {"nvidia-h100-mega-80gb", "h100-sxm"},
      {"nvidia-h200-141gb", "h200"},
      {"nvidia-l4", "l4"},
      {"p4d.", "a100-40gb"},
      {"p4de.", "a100-80gb"},
      {"p5.", "h100-sxm"},
      {"p5e.", "h200"},
      {"p5en.", "h200"},
      {"g5.", "a10g"},
      {"g6.", "l4"},
      {"g6e.", "l40s"},
      {"a2-highgpu", "a100-40gb"},
      {"a2-ultragpu", "a100-80gb"},
      {"a3-highgpu", "h100-sxm"},
      {"a3-megagpu", "h100-sxm"},
      {"a3-ultragpu", "h200"},
      {"standard_nd96asr_v4", "a100-40gb"},
      {"standard_nd96amsr_a100_v4", "a100-80gb"},
      {"standard_nd96isr_h100_v5", "h100-sxm"},
      {"a100-80gb", "a100-80gb"},
      {"a100", "a100-40gb"},
  };
  for (const auto& [k, id] : kKnown)
    if (l == k || (ends_with(k, ".") && starts_with(l, k))) return cat.find_gpu(id);
  if (auto* g = cat.find_gpu(l)) return g;
  for (std::string_view p : {"nvidia-", "nvidia ", "tesla-", "amd-", "nvidia.com/"})
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
      contains(model, "gptq") || contains(model, "int4") || contains(model, "4bit"))
    return "int4";
  if (contains(model, "int8") || contains(model, "w8a8")) return "int8";
  return "bf16";
}

double load_seconds(const catalog::Model* m, const std::string& dtype) {
  if (!m) return kUnknownModelLoadS;
  return kEngineInitS + perf::weight_bytes(*m, dtype) / (1024.0 * 1024 * 1024) / kLoadGiBPerS;
}

std::string num(double v) { return format_sig(v, 3); }

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

}  // namespace

const Flag* Container::flag(std::string_view role) const {
  const Flag* last = nullptr;
  for (const auto& f : flags)
    if (f.role == role) last = &f;
  return last;
}

std::vector<Token> shell_tokens(FileCtx& f, const std::string& script, Pos at,
                                const std::map<std::string, std::string>& env) {
  // Join continuation lines, then split into commands at newlines, ';', '&&', '||' and '|'.
  std::string s;
  for (size_t i = 0; i < script.size(); ++i) {
    if (script[i] == '\\' && i + 1 < script.size() && script[i + 1] == '\n') {
      s += ' ';
      ++i;
    } else {
      s += script[i];
    }
  }
  std::vector<std::vector<std::string>> commands(1);
  std::string cur;
  char quote = 0;
  auto flush = [&] {
    if (!cur.empty()) commands.back().push_back(cur), cur.clear();
  };
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == quote)
        quote = 0;
      else
        cur += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      continue;
    }
    if (c == '#' && cur.empty()) {  // comment to end of line
      while (i < s.size() && s[i] != '\n') ++i;
      flush();
      commands.emplace_back();
      continue;
    }
    if (c == '\n' || c == ';' || (c == '&' && i + 1 < s.size() && s[i + 1] == '&') || (c == '|')) {
      flush();
      commands.emplace_back();
      if (c == '&' || (c == '|' && i + 1 < s.size() && s[i + 1] == '|')) ++i;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      flush();
      continue;
    }
    cur += c;
  }
  flush();
  const std::vector<std::string>* chosen = nullptr;
  for (const auto& cmd : commands) {
    std::string joined = join(cmd, " ");
    if (!engine_from_text(joined).empty()) {
      chosen = &cmd;
      break;
    }
  }
  std::vector<std::string> flat;
  if (chosen) {
    flat = *chosen;
  } else {
    for (const auto& cmd : commands) flat.insert(flat.end(), cmd.begin(), cmd.end());
  }
  std::vector<Token> out;
  Pos cursor = at;
  for (const auto& raw : flat) {
    Pos p = f.find_after(cursor, raw, cursor);
    if (p.line != cursor.line || p.col != cursor.col) cursor = Pos{p.line, p.col + 1};
    out.push_back(Token{expand_env(raw, env), p});
  }
  return out;
}

void resolve_engine(FileCtx& f, Container& c, const std::map<std::string, std::string>& extra_env,
                    std::string_view forced) {
  std::map<std::string, std::string> env = extra_env;
  for (const auto& e : c.env)
    if (e.literal) env[e.name] = e.value;
  // Expand env references and split shell scripts (sh -c "vllm serve ...").
  std::vector<Token> argv;
  for (size_t i = 0; i < c.argv.size(); ++i) {
    const Token& t = c.argv[i];
    if (contains(t.text, " ") || contains(t.text, "\n")) {
      auto toks = shell_tokens(f, t.text, t.pos, env);
      argv.insert(argv.end(), toks.begin(), toks.end());
    } else {
      argv.push_back(Token{expand_env(t.text, env), t.pos});
    }
  }
  c.argv = std::move(argv);
  std::string joined;
  for (const auto& t : c.argv) joined += t.text + " ";
  std::string_view id = forced.empty() ? engine_from_text(joined) : forced;
  if (id.empty()) {
    // `-m vllm.entrypoints...` split into tokens, or a bare engine binary.
    for (const auto& t : c.argv) {
      if (t.text == "vllm" || ends_with(t.text, "/vllm")) id = "vllm";
      if (ends_with(t.text, "llama-server")) id = "llamacpp";
    }
  }
  if (id.empty()) id = engine_from_image(c.image);
  if (id.empty()) return;
  c.engine = f.cat.find_engine(id);
  if (!c.engine) return;
  std::string img = to_lower(c.image);
  c.cpu_only = contains(img, "-cpu") || contains(img, "cpu-") || contains(img, ":cpu");
  Pos mpos;
  std::string positional;
  c.flags = parse_flags(c.argv, positional, mpos);
  assign_concepts(c);
  for (const auto& fl : c.flags)
    if ((fl.name == "--device" && to_lower(fl.value) == "cpu")) c.cpu_only = true;
  if (id == "llamacpp") {
    bool gpu_image = contains(img, "cuda") || contains(img, "rocm") || contains(img, "vulkan") ||
                     contains(img, "musa");
    if (!gpu_image && !c.flag("gpu_layers") && !c.gpu_limit) c.cpu_only = true;
  }
  // TGI's launcher also reads its flags from the environment (MODEL_ID, NUM_SHARD, ...).
  if (id == "tgi") {
    static const std::pair<std::string_view, std::string_view> kTgiEnv[] = {
        {"MODEL_ID", "model"},
        {"NUM_SHARD", "tensor_parallel"},
        {"MAX_TOTAL_TOKENS", "max_model_len"},
        {"CUDA_MEMORY_FRACTION", "gpu_memory_fraction"},
        {"REVISION", "revision"},
        {"TRUST_REMOTE_CODE", "trust_remote_code"},
        {"QUANTIZE", "quantization"}};
    for (const auto& e : c.env)
      for (const auto& [name, role] : kTgiEnv)
        if (e.name == name && e.literal) {
          Flag fl;
          fl.name = "env:" + e.name;
          fl.role = std::string(role);
          fl.value = e.value;
          fl.has_value = true;
          fl.pos = e.pos;
          c.flags.push_back(fl);
        }
  }
  if (const Flag* m = c.flag("model")) {
    c.model = m->value;
    c.model_pos = m->pos;
  } else if (const Flag* h = c.flag("hf_repo")) {
    c.model = h->value;
    c.model_pos = h->pos;
  } else if (!positional.empty()) {
    c.model = positional;
    c.model_pos = mpos;
  }
}

void read_pod_spec(const Node& spec, Workload& w) {
  w.spec_pos = spec.pos;
  if (auto g = deref(spec.get("terminationGracePeriodSeconds")).integer()) {
    w.grace = *g;
    w.grace_pos = spec.key_pos("terminationGracePeriodSeconds");
  }
  if (auto b = deref(spec.get("enableServiceLinks")).boolean()) w.service_links = *b;
  w.host_ipc = deref(spec.get("hostIPC")).boolean().value_or(false);
  if (const Node* sel = spec.get("nodeSelector"))
    for (const auto& [k, v] : sel->map) w.node_hints.emplace_back(k.scalar, v.str());
  if (const Node* terms =
          spec.at("affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
                  "nodeSelectorTerms")) {
    for (const auto& term : terms->seq)
      for (const auto& e : deref(term.get("matchExpressions")).seq) {
        const Node& vals = deref(e.get("values"));
        if (vals.is_seq() && vals.seq.size() == 1)
          w.node_hints.emplace_back(deref(e.get("key")).str(), vals.seq[0].str());
        else if (e.get("key") && deref(e.get("key")).str() == "nvidia.com/gpu.sharing-strategy")
          w.node_hints.emplace_back("nvidia.com/gpu.sharing-strategy", "time-slicing");
      }
  }
  for (const auto& v : deref(spec.get("volumes")).seq) {
    Volume vol;
    vol.name = deref(v.get("name")).str();
    if (const Node* ed = v.get("emptyDir")) {
      vol.memory = deref(ed->get("medium")).str() == "Memory";
      vol.data = !vol.memory;
    }
    for (std::string_view k : {"persistentVolumeClaim", "hostPath", "nfs", "csi", "ephemeral",
                               "image", "gcePersistentDisk", "awsElasticBlockStore"})
      if (v.get(k)) vol.data = true;
    w.volumes.push_back(vol);
  }
  for (const auto& cn : deref(spec.get("containers")).seq) {
    Container c;
    c.pos = cn.pos;
    c.name = deref(cn.get("name")).str();
    c.image = deref(cn.get("image")).str();
    c.image_pos = cn.get("image") ? cn.get("image")->pos : cn.pos;
    for (std::string_view part : {"command", "args"}) {
      const Node& list = deref(cn.get(part));
      if (list.is_seq()) {
        for (const auto& a : list.seq) c.argv.push_back(Token{a.str(), a.pos});
      } else if (list.is_scalar()) {
        c.argv.push_back(Token{list.scalar, list.pos});
      }
    }
    for (const auto& e : deref(cn.get("env")).seq) {
      EnvVar ev;
      ev.name = deref(e.get("name")).str();
      ev.pos = e.pos;
      if (const Node* val = e.get("value"); val && val->is_scalar()) {
        ev.value = val->scalar;
        ev.literal = true;
        ev.pos = val->pos;
      }
      c.env.push_back(ev);
    }
    if (const Node* res = cn.get("resources")) {
      c.resources_pos = cn.key_pos("resources");
      for (std::string_view part : {"limits", "requests"}) {
        const Node& m = deref(res->get(part));
        for (const auto& [k, v] : m.map) {
          const std::string& key = k.scalar;
          bool gpu = key == "nvidia.com/gpu" || key == "amd.com/gpu" ||
                     key == "nvidia.com/gpu.shared" || starts_with(key, "nvidia.com/mig-") ||
                     key == "gpu.intel.com/i915" || key == "habana.ai/gaudi";
          if (!gpu) continue;
          long long n = v.integer().value_or(-1);
          if (part == "limits") {
            c.gpu_limit = n;
            c.gpu_pos = k.pos;
          } else {
            c.gpu_request = n;
            if (!c.gpu_limit) c.gpu_pos = k.pos;
          }
          c.gpu_resource = key;
          if (key == "nvidia.com/gpu.shared") w.shared_gpu = true;
        }
      }
    } else {
      c.resources_pos = cn.pos;
    }
    auto probe = [&](std::string_view key, Probe& p) {
      const Node* n = cn.get(key);
      if (!n || !n->is_map()) return;
      p.present = true;
      p.pos = cn.key_pos(key);
      p.initial_delay = deref(n->get("initialDelaySeconds")).integer().value_or(0);
      p.period = deref(n->get("periodSeconds")).integer().value_or(10);
      p.failure = deref(n->get("failureThreshold")).integer().value_or(3);
      p.timeout = deref(n->get("timeoutSeconds")).integer().value_or(1);
      if (const Node* h = n->get("httpGet"))
        p.handler =
            fmt::format("httpGet {} {}", deref(h->get("path")).str(), deref(h->get("port")).str());
      else if (const Node* t = n->get("tcpSocket"))
        p.handler = fmt::format("tcpSocket {}", deref(t->get("port")).str());
      else if (const Node* ex = n->get("exec")) {
        p.handler = "exec";
        for (const auto& a : deref(ex->get("command")).seq) p.handler += " " + a.str();
      } else if (const Node* g = n->get("grpc"))
        p.handler = fmt::format("grpc {}", deref(g->get("port")).str());
    };
    probe("startupProbe", c.startup);
    probe("readinessProbe", c.readiness);
    probe("livenessProbe", c.liveness);
    for (const auto& m : deref(cn.get("volumeMounts")).seq)
      c.mounts.emplace_back(deref(m.get("name")).str(), deref(m.get("mountPath")).str());
    c.pre_stop = cn.at("lifecycle.preStop") != nullptr;
    w.containers.push_back(std::move(c));
  }
  for (const auto& [k, v] : w.node_hints) {
    std::string lv = to_lower(v);
    if ((k == "nvidia.com/gpu.sharing-strategy" && lv != "none") ||
        (k == "nvidia.com/gpu.replicas" && to_int(v).value_or(1) > 1) ||
        (k == "nvidia.com/device-plugin.config" && (contains(lv, "shar") || contains(lv, "slic") ||
                                                    contains(lv, "time") || contains(lv, "mps"))))
      w.shared_gpu = true;
  }
}

namespace {

void check_capacity(FileCtx& f, const Workload& w, const Container& c, const catalog::Model* m,
                    const std::string& dtype, int tp, int pp, Pos tp_pos) {
  if (!m) return;
  const catalog::Engine* engine = c.engine;
  if (tp > 0 && m->attention_heads > 0 && m->attention_heads % tp != 0)
    f.emit("CAP003", tp_pos,
           fmt::format("tensor-parallel size {} does not divide {}'s {} attention heads", tp, m->id,
                       m->attention_heads),
           fmt::format("use a tensor-parallel size that divides {} (e.g. {}), and add pipeline "
                       "parallelism for the rest",
                       m->attention_heads, [&] {
                         int best = 1;
                         for (int t = 1; t <= tp; ++t)
                           if (m->attention_heads % t == 0) best = t;
                         return best;
                       }()));
  if (tp <= 0 || pp <= 0 || m->attention_heads % tp != 0) return;
  const Flag* len_flag = c.flag("max_model_len");
  std::optional<long long> max_len = len_flag ? to_int(len_flag->value) : std::nullopt;
  const Flag* seqs_flag = c.flag("max_num_seqs");
  const long long max_seqs = seqs_flag ? to_int(seqs_flag->value).value_or(0) : 0;
  const Flag* frac_flag = c.flag("gpu_memory_fraction");
  const double frac = frac_flag ? to_double(frac_flag->value).value_or(0) : 0;
  const catalog::Gpu* gpu = resolve_gpu(f.cat, w);
  Pos at = c.model_pos.line ? c.model_pos : c.pos;
  if (!gpu) {
    // Without the GPU type, only "fits on no GPU at all" is certain.
    double largest = 0;
    std::string largest_id;
    for (const auto& g : f.cat.gpus)
      if (g.memory_gib > largest) largest = g.memory_gib, largest_id = g.id;
    double per_gpu = perf::weight_bytes(*m, dtype) / (1024.0 * 1024 * 1024) / (tp * pp);
    if (largest > 0 && per_gpu > largest * 0.95)
      f.emit("CAP001", at,
             fmt::format("{} in {} needs {} GiB of weights per GPU at TP {} x PP {}, more than "
                         "the largest GPU in the catalog ({}, {} GiB)",
                         m->id, dtype, num(per_gpu), tp, pp, largest_id, num(largest)));
    return;
  }
  if (!engine) return;
  perf::Deployment d;
  d.model = m;
  d.gpu = gpu;
  d.engine = engine;
  d.dtype = dtype;
  d.gpus = tp * pp;
  d.tp = tp;
  d.pp = pp;
  if (frac > 0 && frac <= 1) d.gpu_memory_fraction = frac;
  if (max_seqs > 0) d.max_num_seqs = static_cast<int>(max_seqs);
  long long len = std::min<long long>(max_len.value_or(m->max_context), m->max_context);
  if (len < 2) len = 2;
  perf::Workload load;
  load.input_tokens = static_cast<int>(len - 1);
  load.output_tokens = 1;
  load.mode = perf::LoadMode::kBatch;
  load.value = 1;
  load.explain = false;
  auto est = perf::estimate(f.cat, d, load);
  if (!est) return;  // e.g. a dtype the engine lacks: not this rule's business
  const perf::Memory& mem = est->memory;
  bool weights_fit =
      mem.kv_budget_gib_per_gpu > 0 && (est->fits || !contains(est->reason, "weights"));
  if (!weights_fit) {
    f.emit("CAP001", at,
           fmt::format("{} in {} does not fit {} x {} ({} GiB each): {} GiB of weights per GPU "
                       "at TP {} x PP {}",
                       m->id, dtype, tp * pp, gpu->id, num(gpu->memory_gib),
                       num(mem.weights_gib_per_gpu), tp, pp),
           fmt::format("request more GPUs (raise tensor/pipeline parallelism), a larger GPU, or a "
                       "quantised checkpoint (fp8 halves the weights)"));
    return;
  }
  Pos len_pos = len_flag ? len_flag->pos : at;
  // Output of `llmctl deploy` was sized by the planner against the spec's length distribution:
  // max-num-seqs is the concurrency the KV cache holds at the planned lengths, max-model-len the
  // tail of single requests. Every sequence at max-model-len at once is not a load that traffic
  // produces (docs/DEPLOY.md, "Engine limits"), so only the start-up check (error) applies.
  const bool planned = w.annotations.count("llmctl.io/plan-option") > 0 ||
                       contains(f.text, "Generated by llmctl deploy");
  if (mem.kv_cache_tokens < len) {
    f.emit("CAP002", len_pos,
           fmt::format("the KV cache holds about {} tokens per replica ({} on {} x {}), fewer "
                       "than one sequence of max-model-len {}{}: the engine refuses to start",
                       group_thousands(mem.kv_cache_tokens), m->id, tp * pp, gpu->id,
                       group_thousands(len), len_flag ? "" : " (unset: the model's maximum)"),
           fmt::format("set --max-model-len to at most {}, or add GPUs / use fp8 weights or KV",
                       group_thousands(mem.kv_cache_tokens)),
           Severity::kError);
  } else if (!planned && max_seqs > 0 && max_len &&
             static_cast<double>(max_seqs) * static_cast<double>(len) >
                 static_cast<double>(mem.kv_cache_tokens)) {
    f.emit("CAP002", seqs_flag->pos,
           fmt::format("max-num-seqs {} x max-model-len {} = {} tokens of KV, but the cache holds "
                       "about {} ({} on {} x {}): only {} full-length sequences fit before "
                       "preemption",
                       max_seqs, group_thousands(len), group_thousands(max_seqs * len),
                       group_thousands(mem.kv_cache_tokens), m->id, tp * pp, gpu->id,
                       mem.kv_cache_tokens / len),
           "lower --max-num-seqs or --max-model-len to what the cache holds, or add KV memory "
           "(more GPUs, fp8 KV cache)");
  }
  // CAP004: a big GPU for a small model: a cheaper catalog GPU holds the same configuration.
  // Output of `llmctl deploy` was sized by the planner for the actual load: not second-guessed.
  if (!est->fits || planned) return;
  if (mem.weights_gib_per_gpu > 0.25 * gpu->memory_gib) return;
  auto price = gpu->cheapest_price();
  if (!price) return;
  const catalog::Gpu* best = nullptr;
  double best_price = price->usd_per_hour;
  long long best_tokens = 0;
  for (const auto& g : f.cat.gpus) {
    if (g.memory_gib >= gpu->memory_gib || g.vendor != gpu->vendor) continue;
    auto p = g.cheapest_price();
    if (!p || p->usd_per_hour >= best_price) continue;
    perf::Deployment d2 = d;
    d2.gpu = &g;
    auto e2 = perf::estimate(f.cat, d2, load);
    if (!e2 || !e2->fits || e2->memory.kv_cache_tokens < 8 * len) continue;
    best = &g;
    best_price = p->usd_per_hour;
    best_tokens = e2->memory.kv_cache_tokens;
  }
  if (best)
    f.emit("CAP004", at,
           fmt::format("{} takes {} GiB of weights per GPU on a {} GiB {}; a {} (${}/h vs ${}/h "
                       "on demand) holds it with ~{} tokens of KV cache",
                       m->id, num(mem.weights_gib_per_gpu), num(gpu->memory_gib), gpu->id, best->id,
                       num(best_price), num(price->usd_per_hour), group_thousands(best_tokens)),
           fmt::format("consider {} unless the load needs {}'s bandwidth or KV room (check with "
                       "`llmctl plan`)",
                       best->id, gpu->id));
}

}  // namespace

void check_workload(FileCtx& f, Workload& w) {
  const bool k8s = w.platform == Platform::kKubernetes;
  const bool podlike = k8s || w.platform == Platform::kKServe;
  for (auto& c : w.containers) {
    bool engine = c.engine != nullptr;
    bool gpu_wanted = (c.gpu_limit && *c.gpu_limit != 0) || (c.gpu_request && *c.gpu_request != 0);
    // K8S001: GPU container without a GPU limit, or requests != limits.
    if ((podlike || w.platform == Platform::kCompose) && ((engine && !c.cpu_only) || gpu_wanted)) {
      Pos at = c.gpu_pos.line ? c.gpu_pos : (c.resources_pos.line ? c.resources_pos : c.pos);
      std::string res = c.gpu_resource.empty() ? "nvidia.com/gpu" : c.gpu_resource;
      if (w.platform == Platform::kCompose) {
        if (!c.gpu_limit)
          f.emit("K8S001", c.pos,
                 fmt::format("{} service '{}' reserves no GPU (no deploy.resources.reservations."
                             "devices with capabilities [gpu], no `gpus:`)",
                             c.engine ? c.engine->name : "GPU", c.name),
                 "add deploy.resources.reservations.devices: [{driver: nvidia, count: N, "
                 "capabilities: [gpu]}]");
      } else if (!c.gpu_limit && c.gpu_request) {
        f.emit("K8S001", at,
               fmt::format("container '{}' requests {}: {} but sets no limit; GPUs are "
                           "scheduled from limits",
                           c.name, res, *c.gpu_request));
      } else if (!c.gpu_limit) {
        f.emit("K8S001", at,
               fmt::format("{} container '{}' has no {} limit: it lands on a node without a GPU "
                           "or shares one unaccounted",
                           c.engine ? c.engine->name : "GPU", c.name, res));
      } else if (c.gpu_request && *c.gpu_request != *c.gpu_limit) {
        f.emit("K8S001", at,
               fmt::format("container '{}' requests {} {} but limits {}; GPU requests must equal "
                           "limits",
                           c.name, *c.gpu_request, res, *c.gpu_limit));
      }
    }
    if (!engine) {
      // Any container next to the engine (a gateway, an app) must not carry LLM keys either.
      for (const auto& e : c.env)
        if (e.literal && (looks_like_provider_key(e.value) ||
                          (llm_secret_name(e.name) && looks_like_secret(e.value))))
          f.emit(
              "K8S006", e.pos,
              fmt::format("env {} of container '{}' holds a literal LLM credential ('{}...')",
                          e.name, c.name, e.value.substr(0, std::min<size_t>(4, e.value.size()))),
              w.platform == Platform::kCompose
                  ? "use ${VAR} interpolation from the environment or a compose secret"
                  : "use valueFrom.secretKeyRef (a Secret), not value:");
      continue;
    }
    const catalog::Model* model = resolve_model(f.cat, c.model);
    std::string dtype = model ? weight_dtype(c, *model) : "bf16";
    auto int_of = [&](std::string_view role, long long dflt, Pos& pos) -> std::optional<long long> {
      const Flag* fl = c.flag(role);
      if (!fl) return dflt;
      pos = fl->pos;
      if (!fl->has_value) return dflt;
      return to_int(fl->value);
    };
    Pos tp_pos = c.pos, pp_pos = c.pos, dp_pos = c.pos;
    auto tp = int_of("tensor_parallel", 1, tp_pos);
    auto pp = int_of("pipeline_parallel", 1, pp_pos);
    auto dp = int_of("data_parallel", 1, dp_pos);
    if (c.engine->id == "tgi" && !c.flag("tensor_parallel"))
      tp = c.gpu_limit && *c.gpu_limit > 0 ? *c.gpu_limit : 1;  // TGI shards over all GPUs
    // K8S002: multi-GPU engine without memory-backed /dev/shm.
    if (tp && pp && (*tp > 1 || *pp > 1) && w.platform != Platform::kSkyPilot) {
      bool shm = w.host_ipc || w.shm_ok;
      for (const auto& [vol, path] : c.mounts)
        if (path == "/dev/shm")
          for (const auto& v : w.volumes)
            if (v.name == vol && v.memory) shm = true;
      if (!shm)
        f.emit("K8S002", c.flag("tensor_parallel") ? tp_pos : pp_pos,
               fmt::format("{} runs tensor-parallel {} x pipeline-parallel {} but /dev/shm is the "
                           "container default (64 MiB); NCCL needs shared memory between ranks",
                           c.engine->name, *tp, *pp),
               w.platform == Platform::kHelm ? "set shmSize (e.g. \"20Gi\") in the modelSpec entry"
               : w.platform == Platform::kCompose
                   ? "add `ipc: host` or `shm_size: 16gb` to the service"
                   : "mount an emptyDir {medium: Memory, sizeLimit: 16Gi} at /dev/shm");
    }
    double load_s = load_seconds(model, dtype);
    std::string load_text =
        model ? fmt::format("~{} s to load {} ({} GiB in {} at {} GiB/s + {} s engine start)",
                            num(load_s), model->id,
                            num(perf::weight_bytes(*model, dtype) / (1024.0 * 1024 * 1024)), dtype,
                            num(kLoadGiBPerS), num(kEngineInitS))
              : fmt::format("~{} s assumed load time (model not in the catalog)", num(load_s));
    // K8S003: no startup budget for the weight load.
    if (k8s && !w.probes_managed) {
      if (!c.startup.present) {
        f.emit("K8S003", c.pos,
               fmt::format("{} container '{}' has no startupProbe; {}, and until then liveness "
                           "and readiness judge a pod that is still loading",
                           c.engine->name, c.name, load_text),
               fmt::format("add a startupProbe on {} with failureThreshold x periodSeconds >= {} "
                           "s (e.g. periodSeconds: 10, failureThreshold: {})",
                           c.engine->health_path, num(std::ceil(load_s * 1.5)),
                           static_cast<long long>(std::ceil(load_s * 1.5 / 10))));
      } else if (static_cast<double>(c.startup.budget()) < load_s) {
        f.emit("K8S003", c.startup.pos,
               fmt::format("startupProbe gives up after {} s (initialDelay {} + {} x {} s) but "
                           "the engine needs {}",
                           c.startup.budget(), c.startup.initial_delay, c.startup.failure,
                           c.startup.period, load_text),
               fmt::format("raise failureThreshold so the budget is >= {} s",
                           num(std::ceil(load_s * 1.5))));
      }
    }
    // K8S004: aggressive liveness.
    if (k8s && !w.probes_managed && c.liveness.present) {
      const Probe& l = c.liveness;
      const Probe& r = c.readiness;
      if (l.failure * l.period < 60) {
        f.emit("K8S004", l.pos,
               fmt::format("livenessProbe restarts the engine after {} s of failures ({} x {} s); "
                           "a restart reloads the whole model ({})",
                           l.failure * l.period, l.failure, l.period, load_text),
               "give liveness at least 60 s of failures (e.g. periodSeconds: 10, "
               "failureThreshold: 6) and let readiness take the pod out of rotation first");
      } else if (!c.startup.present && static_cast<double>(l.budget()) < load_s) {
        f.emit("K8S004", l.pos,
               fmt::format("without a startupProbe, liveness kills the pod {} s after start "
                           "(initialDelay {} + {} x {} s), before the weights load ({})",
                           l.budget(), l.initial_delay, l.failure, l.period, load_text),
               "add a startupProbe sized for the load time (liveness only starts after it "
               "succeeds)");
      } else if (r.present && l.handler == r.handler && l.period == r.period &&
                 l.failure == r.failure && l.initial_delay == r.initial_delay &&
                 l.timeout == r.timeout) {
        f.emit("K8S004", l.pos,
               fmt::format("livenessProbe is identical to readinessProbe ({}, every {} s, {} "
                           "failures): an overloaded pod is restarted instead of only taken out "
                           "of rotation",
                           l.handler, l.period, l.failure),
               "make liveness more tolerant than readiness (higher failureThreshold or period)");
      }
    }
    // K8S005: floating engine image.
    if (!c.image.empty()) {
      std::string img = c.image;
      bool digest = contains(img, "@sha256:");
      size_t slash = img.find_last_of('/');
      size_t colon = img.find(':', slash == std::string::npos ? 0 : slash);
      std::string tag = colon == std::string::npos ? "" : img.substr(colon + 1);
      if (!digest && (tag.empty() || to_lower(tag) == "latest" || to_lower(tag) == "main" ||
                      to_lower(tag) == "nightly"))
        f.emit("K8S005", c.image_pos,
               fmt::format("engine image '{}' is {}: every pull may bring a different engine "
                           "version (flags, metrics and defaults change between releases)",
                           img, tag.empty() ? "untagged (implicitly :latest)" : "tagged :" + tag),
               fmt::format("pin a release tag or digest, e.g. {}", c.engine->image));
    }
    // K8S006: literal secrets in env or on the command line.
    for (const auto& e : c.env)
      if (e.literal &&
          ((secret_name(e.name) && looks_like_secret(e.value)) || looks_like_provider_key(e.value)))
        f.emit("K8S006", e.pos,
               fmt::format("env {} holds a literal secret ('{}...')", e.name,
                           e.value.substr(0, std::min<size_t>(4, e.value.size()))),
               w.platform == Platform::kSkyPilot
                   ? "leave the value empty and pass it with `sky launch --secret NAME` or --env"
               : w.platform == Platform::kCompose
                   ? "use ${VAR} interpolation from the environment or a compose secret"
                   : "use valueFrom.secretKeyRef (a Secret), not value:");
    if (const Flag* k = c.flag("api_key"); k && k->has_value && looks_like_secret(k->value))
      f.emit("K8S006", k->pos,
             fmt::format("{} passes a literal API key on the command line ('{}...')", k->name,
                         k->value.substr(0, 4)),
             "read it from a Secret through an env var (e.g. --api-key $(VLLM_API_KEY) with "
             "valueFrom.secretKeyRef) or set VLLM_API_KEY from a Secret");
    // K8S007: nowhere to keep the weights.
    if ((k8s || w.platform == Platform::kHelm || w.platform == Platform::kCompose) && !w.cache_ok) {
      bool data = false;
      for (const auto& [vol, path] : c.mounts) {
        if (path == "/dev/shm") continue;
        if (w.platform == Platform::kCompose) data = true;
        for (const auto& v : w.volumes)
          if (v.name == vol && v.data) data = true;
      }
      if (!data)
        f.emit("K8S007", c.pos,
               fmt::format("{} container '{}' mounts no volume for model weights{}: every "
                           "restart downloads the model again",
                           c.engine->name, c.name,
                           c.model.empty() ? "" : fmt::format(" ({})", c.model)),
               w.platform == Platform::kHelm
                   ? "set pvcStorage (and pvcAccessMode) in the modelSpec entry"
               : w.platform == Platform::kCompose
                   ? "mount a volume at /root/.cache/huggingface"
                   : "mount a PersistentVolumeClaim (or a node-local cache) at the Hugging "
                     "Face cache (/root/.cache/huggingface) or the model path");
    }
    // K8S008: max context unset.
    if (!c.flag("max_model_len") && c.engine->flags.count("max_model_len")) {
      bool config_file = false;
      for (const auto& fl : c.flags)
        if (fl.name == "--config" || fl.name == "--extra-llm-api-options") config_file = true;
      if (!config_file)
        f.emit("K8S008", c.model_pos.line ? c.model_pos : c.pos,
               fmt::format(
                   "{} is not set{}: the engine sizes for the model's full context{}",
                   c.engine->flags.at("max_model_len"),
                   c.model.empty() ? "" : fmt::format(" for {}", c.model),
                   model ? fmt::format(" ({} tokens)", group_thousands(model->max_context)) : ""),
               fmt::format("set {} to the longest prompt + output you serve",
                           c.engine->flags.at("max_model_len")));
    }
    // K8S009: parallelism vs GPUs requested.
    long long gpus = c.gpu_limit.value_or(0);
    if (gpus > 0 && tp && pp && dp && c.engine->id != "llamacpp" && !c.cpu_only) {
      long long per_node = *tp * *pp * *dp;
      long long total = gpus * std::max(1, w.nodes);
      bool ok = per_node == gpus || per_node == total || (w.multi_node && *tp == gpus);
      if (!ok)
        f.emit("K8S009", c.flag("tensor_parallel") ? tp_pos : (c.gpu_pos.line ? c.gpu_pos : c.pos),
               fmt::format("tensor-parallel {} x pipeline {} x data {} = {} GPUs, but {} GPU{} "
                           "requested",
                           *tp, *pp, *dp, per_node, gpus, gpus == 1 ? " is" : "s are"),
               fmt::format("make {} x pipeline x data parallel equal the GPUs requested ({}), or "
                           "request {} GPUs",
                           c.engine->flags.count("tensor_parallel")
                               ? c.engine->flags.at("tensor_parallel")
                               : "tensor parallel",
                           gpus, per_node));
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
    // K8S011: remote code without a pinned revision.
    if (const Flag* trc = c.flag("trust_remote_code");
        trc && (!trc->has_value || to_lower(trc->value) != "false") && !is_local_path(c.model)) {
      const Flag* rev = c.flag("revision");
      std::string r = rev && rev->has_value ? rev->value : "";
      if (!hex_revision(r))
        f.emit("K8S011", trc->pos,
               fmt::format("--trust-remote-code runs Python from the model repository{} {}",
                           c.model.empty() ? "" : " " + c.model,
                           r.empty() ? "with no --revision: whatever is pushed next runs in "
                                       "your pod"
                                     : "at revision '" + r + "', a branch or tag that can move"),
               "pin --revision to a commit hash (and --code-revision where the engine has it)");
    }
    // K8S012: no drain on shutdown.
    if (k8s && !c.pre_stop && w.grace.value_or(kDefaultGraceS) < 60)
      f.emit("K8S012", w.grace ? w.grace_pos : c.pos,
             fmt::format("no preStop drain and terminationGracePeriodSeconds {}{}: a rollout "
                         "drops in-flight generations",
                         w.grace.value_or(kDefaultGraceS), w.grace ? "" : " (default)"),
             "add lifecycle.preStop.sleep.seconds: 30 and terminationGracePeriodSeconds >= the "
             "longest generation + 30 s (e.g. 130)");
    // K8S018: near-full memory fraction on a shared GPU.
    if (const Flag* fr = c.flag("gpu_memory_fraction"); fr && w.shared_gpu) {
      if (auto v = to_double(fr->value); v && *v >= 0.95)
        f.emit("K8S018", fr->pos,
               fmt::format("{} {} on a time-sliced/shared GPU: time-slicing has no memory "
                           "isolation, so the other tenants (or this pod's next start) fail with "
                           "out-of-memory",
                           fr->name, fr->value),
               "use MIG or a dedicated GPU, or leave memory for the other tenants (e.g. 0.45 "
               "with two replicas)");
    }
    // Capacity rules.
    if (tp && pp && *tp > 0 && *pp > 0)
      check_capacity(f, w, c, model, dtype, static_cast<int>(*tp), static_cast<int>(*pp), tp_pos);
  }
}

}  // namespace llmctl::audit::detail
