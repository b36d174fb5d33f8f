// The engine behind a container: which server its command line or image runs, the flags it is
// given (mapped to catalog concepts), the model it serves and its parallel layout.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "audit/facts/serving.h"
#include "common/strings.h"

namespace llmctl::audit::detail {
namespace {

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

// Programs that load a model server instead of running one: the engines' own benchmark and chat
// clients (`vllm bench serve`, `vllm chat`, benchmarks/benchmark_serving.py,
// `python -m sglang.bench_serving`) and load generators (GuideLLM, GenAI-Perf, inference-perf,
// LLMPerf, Locust). Their command lines name an engine only as the API dialect they speak
// (`--backend vllm`), and their images may be the engine's own build (vllm/vllm-openai running
// `vllm bench serve`).
bool client_command(std::string_view s) {
  static constexpr std::string_view kClients[] = {
      "vllm bench",        "vllm chat",      "vllm complete",
      "benchmark_serving", "bench_serving",  "bench_one_batch_server",
      "guidellm",          "genai-perf",     "genai_perf",
      "inference-perf",    "inference_perf", "token_benchmark_ray",
      "llmperf",           "locust ",
  };
  for (auto m : kClients)
    if (contains(s, m)) return true;
  return false;
}

// The vllm CLI runs the server only as `vllm serve` (and `python -m vllm.entrypoints...`): every
// other subcommand (bench, chat, complete, collect-env, run-batch, `launch render`, a
// tokenizer/render sidecar) is a tool that loads no model server, whatever its image. True when
// the program a command runs is the vllm binary (not another flag's value) and its first word is
// a subcommand other than serve.
bool vllm_tool_command(const std::vector<Token>& argv) {
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& t = argv[i].text;
    // The value of another program's flag is not a program (a shell's -c script is).
    if (i > 0 && starts_with(argv[i - 1].text, "-") && argv[i - 1].text != "--" &&
        argv[i - 1].text != "-c")
      continue;
    if (t != "vllm" && !ends_with(t, "/vllm")) continue;
    if (i + 1 >= argv.size()) return false;
    const std::string& sub = argv[i + 1].text;
    return !sub.empty() && sub[0] != '-' && sub != "serve";
  }
  return false;
}

// Words of an image name that make it a client of the engine it is named after
// (acme/vllm-benchmark, sglang-bench-client), not the engine's build.
bool client_word(std::string_view w) {
  static constexpr std::string_view kWords[] = {"bench",  "benchmark", "benchmarks", "perf",
                                                "client", "loadgen",   "loadtest"};
  for (auto c : kWords)
    if (w == c) return true;
  return false;
}

// The engine an image's own name says it runs: the last path component without its tag
// ("vllm/vllm-openai:v0.11", "rocm/vllm:latest", "lmsysorg/sglang:v0.5-cu126"). The registry
// and organisation path say who publishes it, not what it runs: ghcr.io/vllm-project/.../llm-katan
// is a transformers server. `whole` says the name is the engine's build as a whole: every word
// besides the engine's is a build word (openai, cpu, rocm, ubi9, ...) or a version (cu121,
// py310, 0.7.0). An application named after the engine it calls
// (gradio-rag-milvus-vllm-openai) is not whole: its container must show the engine itself.
struct ImageEngine {
  std::string_view id;
  bool whole = false;
};

bool build_word(std::string_view w) {
  static constexpr std::string_view kBuildWords[] = {
      "openai",  "cpu",    "gpu",      "tpu",        "rocm",        "cuda",    "ubi",
      "ubi8",    "ubi9",   "neuron",   "gaudi",      "hpu",         "xpu",     "ascend",
      "npu",     "dev",    "nightly",  "release",    "repo",        "runtime", "serve",
      "server",  "worker", "base",     "env",        "slim",        "full",    "ray",
      "pytorch", "py",     "amd64",    "arm64",      "x86",         "aarch64", "rhel",
      "ubuntu",  "public", "official", "image",      "inference",   "llm",     "engine",
      "multi",   "arch",   "latest",   "stable",     "huggingface", "hf",      "aws",
      "gcp",     "azure",  "intel",    "amd",        "nvidia",      "metal",   "vulkan",
      "musa",    "sdk",    "build",    "prod",       "custom",      "fork",    "distributed",
      "lws",     "tgi",    "text",     "generation", "cpp",         "triton",  "multinode",
      "node"};
  if (w.empty()) return true;
  for (char c : w)
    if (std::isdigit(static_cast<unsigned char>(c))) return true;  // cu121, py310, sdk2
  for (auto b : kBuildWords)
    if (w == b) return true;
  return false;
}

// An image reference, lower-cased and without its digest: the registry and organisation path,
// the repository's own name (the last path component) and the tag.
struct ImageRef {
  std::string org, name, tag;
};

ImageRef split_image(std::string_view image) {
  ImageRef r;
  r.name = to_lower(image);
  if (size_t at = r.name.find('@'); at != std::string::npos) r.name.resize(at);
  if (size_t slash = r.name.rfind('/'); slash != std::string::npos) {
    r.org = r.name.substr(0, slash);
    r.name.erase(0, slash + 1);
  }
  if (size_t colon = r.name.find(':'); colon != std::string::npos) {
    r.tag = r.name.substr(colon + 1);
    r.name.resize(colon);
  }
  return r;
}

// The words of an image name, split at - _ . (empty words included: they are build words).
std::vector<std::string_view> name_words(std::string_view s) {
  std::vector<std::string_view> out;
  for (size_t b = 0; b <= s.size();) {
    size_t e = s.find_first_of("-_.", b);
    if (e == std::string_view::npos) e = s.size();
    out.push_back(s.substr(b, e - b));
    b = e + 1;
  }
  return out;
}

// The image's own name with the `len` characters at `at` (a server's word) taken out: what else
// the name says, for name_words.
std::string name_beside(const std::string& name, size_t at, size_t len) {
  return name.substr(0, at) + "-" + name.substr(at + len);
}

ImageEngine engine_from_image(std::string_view image) {
  // The repository's own name says what runs, not its tag (nvaie/jwyman:trtllm-client-0520.1 is
  // a client) -- except Triton's TensorRT-LLM build, which only its tag tells apart
  // (tritonserver:24.08-trtllm-python-py3).
  const ImageRef ref = split_image(image);
  const std::string& l = ref.name;
  if (contains(l, "tritonserver") && contains(ref.tag, "trtllm")) return {"trtllm", true};
  static constexpr std::pair<std::string_view, std::string_view> kWords[] = {
      {"text-generation-inference", "tgi"},
      {"tensorrt-llm", "trtllm"},
      {"tensorrt_llm", "trtllm"},
      {"llama.cpp", "llamacpp"},
      {"llama-cpp", "llamacpp"},
      {"vllm", "vllm"},
      {"sglang", "sglang"},
      {"trtllm", "trtllm"},
      {"llamacpp", "llamacpp"},
  };
  for (const auto& [word, id] : kWords) {
    size_t at = l.find(word);
    if (at == std::string::npos) continue;
    const std::string rest = name_beside(l, at, word.size());
    bool whole = true;
    for (std::string_view w : name_words(rest)) {
      if (client_word(w)) return {};  // a client named after the engine it loads
      whole = whole && build_word(w);
    }
    return {id, whole};
  }
  // llm-d's own vLLM builds (ghcr.io/llm-d/llm-d, llm-d-cuda, llm-d-rocm, llm-d-xpu, ...): the
  // name carries no engine word. Its other images (llm-d-inference-sim, -routing-sidecar,
  // -inference-scheduler) have words of their own and stay unknown.
  if (l == "llm-d" || starts_with(l, "llm-d-")) {
    const auto words = name_words(std::string_view(l).substr(5));
    if (std::all_of(words.begin(), words.end(), build_word)) return {"vllm", true};
  }
  return {};
}

// A simulator or mock of an engine (llm-d's llm-d-inference-sim, a vllm-sim build, an image
// held in ${VLLM_SIMULATOR_IMAGE}): it speaks the engine's API and takes its flags (--model,
// --port) but loads no weights and needs no GPU, so it is no model server. The evidence is the
// image's own name -- the last path component without its tag, or the name of the one variable
// an unexpanded image is -- having a word (split at - _ .) that says so; a workload's or
// container's name alone (a Deployment `vllm-sim` running vllm/vllm-openai) is not enough.
bool simulator_image(std::string_view image) {
  std::string name;
  if (starts_with(image, "$")) {
    // ${NAME}, ${NAME:-default}, $(NAME), $NAME: the variable's name.
    std::string_view v = image.substr(1);
    if (!v.empty() && (v[0] == '{' || v[0] == '(')) v.remove_prefix(1);
    size_t e = 0;
    while (e < v.size() && (std::isalnum(static_cast<unsigned char>(v[e])) || v[e] == '_')) ++e;
    name = to_lower(v.substr(0, e));
  } else {
    name = split_image(image).name;
  }
  static constexpr std::string_view kWords[] = {"sim",      "simulator", "simulated",
                                                "emulator", "mock",      "fake"};
  for (std::string_view w : name_words(name))
    for (auto k : kWords)
      if (w == k) return true;
  return false;
}

// llmctl's own mock server (`llmctl mock --port 8000 ...`): the program a command runs is the
// llmctl binary and its subcommand is mock.
bool llmctl_mock_command(const std::vector<Token>& argv) {
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    const std::string& t = argv[i].text;
    if (i > 0 && starts_with(argv[i - 1].text, "-") && argv[i - 1].text != "--") continue;
    if ((t == "llmctl" || ends_with(t, "/llmctl")) && argv[i + 1].text == "mock") return true;
  }
  return false;
}

// An environment variable that tells a client where the engine is (VLLM_URL, SGLANG_ENDPOINT,
// VLLM_BASE_URL): the container talks to that engine, it does not run it.
bool client_address(std::string_view name, std::string_view prefix) {
  if (!starts_with(name, prefix)) return false;
  for (std::string_view suffix : {"_URL", "_URI", "_ENDPOINT", "_BASE_URL", "_API_BASE"})
    if (ends_with(name, suffix)) return true;
  return false;
}

// Does the container itself show the engine: a flag the engine takes, or an environment variable
// it reads? Used when only an image name that is not the engine's own build named the engine.
// The engine's prefix on a container that also says where to reach that engine (Llama Stack's
// distribution-remote-vllm with VLLM_URL, VLLM_API_TOKEN, VLLM_MAX_TOKENS) names a client's
// settings, not the server's.
// Flags any server takes (--host, --port, --api-key) do not show which one runs.
bool shows_engine(const Container& c) {
  for (const auto& fl : c.flags)
    if (!fl.role.empty() && fl.role != "host" && fl.role != "port" && fl.role != "api_key")
      return true;
  static constexpr std::string_view kEnvPrefixes[] = {"VLLM_", "SGLANG_", "LLAMA_ARG_", "TRTLLM_"};
  auto client_of = [&](std::string_view p) {
    return std::any_of(c.env.begin(), c.env.end(),
                       [&](const auto& e) { return client_address(e.name, p); });
  };
  for (const auto& e : c.env) {
    for (auto p : kEnvPrefixes)
      if (starts_with(e.name, p) && !client_of(p)) return true;
    if (c.engine && c.engine->id == "tgi" && (e.name == "MODEL_ID" || e.name == "NUM_SHARD"))
      return true;
  }
  return false;
}

// Short and abbreviated spellings the catalog's flag map does not list.
std::string_view alias_concept(std::string_view engine, std::string_view flag) {
  if (engine == "vllm") {
    if (flag == "-tp") return "tensor_parallel";
    if (flag == "-pp") return "pipeline_parallel";
    if (flag == "-dp") return "data_parallel";
    if (flag == "-q") return "quantization";
    if (flag == "--nnodes") return "nnodes";
    if (flag == "--data-parallel-size-local") return "data_parallel_local";
  }
  if (engine == "sglang") {
    if (flag == "--tp" || flag == "--tensor-parallel-size") return "tensor_parallel";
    if (flag == "--pp" || flag == "--pipeline-parallel-size") return "pipeline_parallel";
    if (flag == "--dp" || flag == "--data-parallel-size") return "data_parallel";
    if (flag == "--model") return "model";
    if (flag == "--nnodes") return "nnodes";
    if (flag == "--enable-dp-attention") return "dp_attention";
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

// `hidden` says why flags may be set outside what the file shows (Container::args_hidden).
std::vector<Flag> parse_flags(const std::vector<Token>& argv, std::string& positional_model,
                              Pos& positional_pos, std::string& hidden) {
  std::vector<Flag> flags;
  size_t first = 0;
  bool found = false;
  // Skip to the engine command ("vllm serve", "-m vllm.entrypoints...", "trtllm-serve").
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& t = argv[i].text;
    if (t == "serve" || contains(t, "vllm.entrypoints") || contains(t, "sglang.launch_server") ||
        ends_with(t, "trtllm-serve") || ends_with(t, "text-generation-launcher") ||
        ends_with(t, "llama-server")) {
      first = i + 1;
      found = true;
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
  // A command that is not the engine's own (a wrapper script, tritonserver reading its model
  // repository): the server's real command line is elsewhere.
  if (!found && !argv.empty() && !starts_with(argv.front().text, "-"))
    hidden = fmt::format("the container runs `{}`, not the engine's own command line",
                         argv.front().text);
  for (size_t i = first; i < argv.size(); ++i) {
    const std::string& t = argv[i].text;
    if (t.size() < 2 || t[0] != '-' || is_negative_number(t)) {
      // A bare reference nothing in the file expands ($EXTRA_ARGS, "$@"): flags come from it.
      if (hidden.empty() && (starts_with(t, "$") || contains(t, "${") || contains(t, "$(")))
        hidden = fmt::format("the command line passes {}, which is set outside the file", t);
      continue;
    }
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

}  // namespace

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

const Flag* Container::flag(std::string_view role) const {
  const Flag* last = nullptr;
  for (const auto& f : flags)
    if (f.role == role) last = &f;
  return last;
}

namespace {

// Is `word` in the image's own name (the last path component, without its tag) the server's
// build as a whole, or is it an application named after the server it calls? As for the engines
// (engine_from_image): every other word of the name is a build word or a version -- unless the
// organisation publishing it is the server's own (ollama/ollama-with-models is Ollama's).
// llamastack/distribution-ollama is a Llama Stack server whose inference provider is an Ollama.
bool names_server(std::string_view image, std::string_view word) {
  const ImageRef ref = split_image(image);
  size_t at = ref.name.find(word);
  if (at == std::string::npos) return false;
  if (contains(ref.org, word)) return true;
  const std::string rest = name_beside(ref.name, at, word.size());
  const auto words = name_words(rest);
  return std::all_of(words.begin(), words.end(), build_word);
}

}  // namespace

std::string_view other_model_server(std::string_view image) {
  std::string l = to_lower(image);
  if (contains(l, "nvcr.io/nim/") || contains(l, "/nim-llm")) return "NVIDIA NIM";
  if (contains(l, "tritonserver")) return "Triton Inference Server";
  if (names_server(l, "ollama")) return "Ollama";
  if (names_server(l, "lmdeploy")) return "LMDeploy";
  if (names_server(l, "huggingfaceserver")) return "KServe Hugging Face server";
  if (names_server(l, "ray-llm")) return "Ray Serve LLM";
  if (contains(l, "maxengine") || contains(l, "jetstream")) return "JetStream (TPU)";
  return {};
}

std::vector<Token> shell_tokens(const FileCtx& f, const std::string& script, Pos at,
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

void resolve_engine(const FileCtx& f, Container& c,
                    const std::map<std::string, std::string>& extra_env, std::string_view forced) {
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
  // A benchmark client or load generator is not a server, whatever engine its flags or its
  // image name (a server started in the same script is found above and wins).
  if (id.empty() && (client_command(joined) || vllm_tool_command(c.argv))) return;
  // A simulator or mock of an engine is not a model server, whatever API and flags it mimics,
  // unless the command itself starts the engine (found above).
  if (id.empty() && (simulator_image(c.image) || llmctl_mock_command(c.argv))) return;
  if (id.empty()) {
    // `-m vllm.entrypoints...` split into tokens, or a bare engine binary -- the program a
    // command runs, not the value of another program's flag (`--backend vllm`).
    for (size_t i = 0; i < c.argv.size(); ++i) {
      const std::string& t = c.argv[i].text;
      if (i > 0 && starts_with(c.argv[i - 1].text, "-") && c.argv[i - 1].text != "--") continue;
      if (t == "vllm" || ends_with(t, "/vllm")) id = "vllm";
      if (ends_with(t, "llama-server")) id = "llamacpp";
    }
  }
  bool named_only = false;  // only an image name that is not the engine's own build names it
  if (id.empty()) {
    ImageEngine ie = engine_from_image(c.image);
    id = ie.id;
    named_only = !ie.whole;
  }
  if (id.empty()) return;
  c.engine = f.cat.find_engine(id);
  if (!c.engine) return;
  std::string img = to_lower(c.image);
  c.cpu_only = contains(img, "-cpu") || contains(img, "cpu-") || contains(img, ":cpu");
  Pos mpos;
  std::string positional;
  c.flags = parse_flags(c.argv, positional, mpos, c.args_hidden);
  assign_concepts(c);
  if (named_only && !shows_engine(c)) {
    // An application image named after the engine it calls: not a model server.
    c.engine = nullptr;
    c.cpu_only = false;
    c.flags.clear();
    c.args_hidden.clear();
    return;
  }
  // Engines that read their flags from a file: --config (vLLM, SGLang), TensorRT-LLM's
  // --extra_llm_api_options (max_seq_len, KV cache settings).
  for (const auto& fl : c.flags)
    if (c.args_hidden.empty() && (fl.name == "--config" || fl.name == "--extra-llm-api-options" ||
                                  fl.name == "--config-file"))
      c.args_hidden =
          fmt::format("{} {} holds engine settings the audit does not read", fl.name, fl.value);
  for (const auto& fl : c.flags)
    if (fl.name == "--device" && to_lower(fl.value) == "cpu") c.cpu_only = true;
  if (id == "llamacpp") {
    bool gpu_image = contains(img, "cuda") || contains(img, "rocm") || contains(img, "vulkan") ||
                     contains(img, "musa");
    // --n-gpu-layers also offloads to RPC backends; only a GPU build or a GPU limit means a GPU.
    if (!gpu_image && !c.gpu_limit) c.cpu_only = true;
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

Parallelism parallelism_of(const Container& c) {
  Parallelism p;
  auto read = [&](std::string_view role, long long& into, Pos& pos) {
    const Flag* fl = c.flag(role);
    if (!fl) return;
    pos = fl->pos;
    if (!fl->has_value) return;
    if (auto v = to_int(fl->value); v && *v > 0)
      into = *v;
    else
      p.valid = false;  // "$TP", "$(($A * $B))": not known here
  };
  read("tensor_parallel", p.tp, p.tp_pos);
  read("pipeline_parallel", p.pp, p.pp_pos);
  read("data_parallel", p.dp, p.dp_pos);
  // SGLang's DP attention runs its data-parallel ranks inside the tensor-parallel group.
  if (c.flag("dp_attention")) p.dp = 1;
  if (const Flag* n = c.flag("nnodes"); n && n->has_value) p.nnodes = to_int(n->value);
  if (!c.args_hidden.empty()) p.valid = false;  // the layout may be set where we cannot see
  return p;
}

}  // namespace llmctl::audit::detail
