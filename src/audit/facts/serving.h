// What a serving manifest says, in one shape whatever it was written in (Kubernetes pod
// templates, LeaderWorkerSet, Ray clusters, KServe, KubeAI, production-stack Helm values, docker
// compose, SkyPilot): model servers with their engine, flags, GPUs, probes and volumes, grouped
// into the serving group they form. The readers in facts/ fill it; the rules in rules/ judge it.
// Internal to llmctl_audit.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "audit/internal.h"

namespace llmctl::audit::detail {

enum class Platform { kKubernetes, kKServe, kHelm, kCompose, kSkyPilot, kDstack, kRay, kKubeAI };

// A pod's part in its serving group. A group is one model server that may span several pods
// (LeaderWorkerSet, Ray head + workers, SGLang --nnodes): the leader (or a single pod) is judged
// for what the server does; workers only for what each pod needs on its own.
enum class Role { kSingle, kLeader, kWorker };

struct Token {
  std::string text;
  Pos pos;
};

struct Flag {
  std::string name;  // as written, lower case, '_' -> '-' (e.g. "--max-model-len", "-tp")
  std::string role;  // catalog concept ("tensor_parallel", ...) or empty
  std::string value;
  bool has_value = false;
  Pos pos;
};

struct EnvVar {
  std::string name;
  std::string value;  // literal value, when given
  bool literal = false;
  Pos pos;
};

struct Probe {
  bool present = false;
  Pos pos;
  long long initial_delay = 0, period = 10, failure = 3, timeout = 1;
  std::string handler;  // "httpGet /health 8000", "exec ...", "tcpSocket 8000"
  // Seconds of failures before the probe acts (restart for liveness).
  long long tolerance() const { return failure * period; }
  // Seconds from container start until the probe acts at the earliest.
  long long budget() const { return initial_delay + failure * period; }
};

struct Container {
  std::string name;
  Pos pos;
  std::string image;
  Pos image_pos;
  bool built_locally = false;  // compose `build:` (or pull_policy: build): the image is built here
  bool never_pulled = false;   // imagePullPolicy IfNotPresent / Never: a node-local image is used
  const catalog::Engine* engine = nullptr;
  bool cpu_only = false;
  std::vector<Token> argv;  // command + args, shell scripts split, env references expanded
  std::vector<Flag> flags;
  // Why the engine's settings are not all visible in the file, or empty: a reference left
  // unexpanded among the arguments ("$EXTRA_ARGS"), a config file the engine reads its flags
  // from (--config), or a command that is not the engine's own (a wrapper script, tritonserver).
  // Rules that judge a flag's absence or the parallel layout abstain then (the flag may be set
  // where the audit cannot see it); rules on what is visible still apply.
  std::string args_hidden;
  std::string model;  // served model (HF id or path); empty when the command names none
  Pos model_pos;
  std::vector<EnvVar> env;
  std::optional<long long> gpu_limit, gpu_request;  // -1: "all" / unknown count
  std::string gpu_resource;  // nvidia.com/gpu, amd.com/gpu, nvidia.com/gpu.shared, ...
  std::string
      accelerator;  // a non-GPU accelerator resource (aws.amazon.com/neuron, google.com/tpu)
  Pos gpu_pos, resources_pos;
  Probe startup, readiness, liveness;
  std::vector<std::pair<std::string, std::string>> mounts;  // (volume name, mount path)
  bool pre_stop = false;

  // Last value of a concept's flag, or nullptr.
  const Flag* flag(std::string_view role) const;
};

struct Volume {
  std::string name;
  bool memory = false;  // emptyDir medium: Memory
  bool data = false;    // can hold weights: PVC, hostPath, emptyDir on disk, NFS, CSI, ...
};

struct Workload {
  Platform platform = Platform::kKubernetes;
  std::string kind, name, ns;
  Pos pos;       // where the object starts (metadata.name, modelSpec entry, service key)
  Pos spec_pos;  // the pod spec
  std::optional<long long> replicas;
  Pos replicas_pos;
  // The replicas field is there but is not an integer (`${REPLICAS}`, `{{ .Values.n }}`): the
  // count is decided where the file cannot show it, so no rule about "one replica" judges it.
  bool replicas_unknown = false;
  std::vector<Container> containers;
  std::vector<Volume> volumes;
  std::optional<long long> grace;
  Pos grace_pos;
  std::optional<bool> service_links;
  bool host_ipc = false;
  bool shm_ok = false;            // compose ipc: host / shm_size, Helm shmSize
  bool cache_ok = false;          // Helm pvcStorage, compose volumes, KubeAI cacheProfile
  bool probes_managed = false;    // an operator or chart owns the probes (KServe, KubeAI, Helm)
  bool drain_managed = false;     // an operator owns shutdown (KubeAI, Ray Serve)
  bool resource_claims = false;   // DRA: devices come from resourceClaims, not limits
  bool runtime_template = false;  // KServe (Cluster)ServingRuntime: model and resources come
                                  // from each InferenceService; only probes, image and env count
  std::map<std::string, std::string> labels, annotations;
  std::vector<std::pair<std::string, std::string>> node_hints;  // nodeSelector / affinity
  std::string gpu_type_hint;  // SkyPilot accelerator, Helm requestGPUType, KubeAI profile
  Pos gpu_type_pos;
  bool shared_gpu = false;

  // The serving group (see Role). `group_pods` pods form one server; `group_gpus` is the sum of
  // their GPUs (0: unknown). `replicas_share_group`: several model replicas are placed on the
  // group's GPUs (Ray Serve), so parallelism only has to fit, not match.
  Role role = Role::kSingle;
  int group_pods = 1;
  long long group_gpus = 0;
  std::string group_how;  // e.g. "LeaderWorkerSet size 2", "Ray head + 1 worker"
  bool replicas_share_group = false;
};

// Fills engine, flags and model of a container from its image, argv and env. `forced` names the
// engine when the input says so without a command line (KServe's Hugging Face runtime,
// production-stack values, KubeAI engine: VLLM).
void resolve_engine(const FileCtx& f, Container& c,
                    const std::map<std::string, std::string>& extra_env,
                    std::string_view forced = {});
// Splits a shell script (sh -c, SkyPilot run:, compose command strings) into tokens with
// positions found in `f`'s text, expanding $VAR / ${VAR} / $(VAR) from `env`. Only the engine's
// command line is kept when one is found.
std::vector<Token> shell_tokens(const FileCtx& f, const std::string& script, Pos at,
                                const std::map<std::string, std::string>& env);
// Kubernetes pod spec -> containers, volumes and pod-level settings.
void read_pod_spec(const Node& spec, Workload& w);
// An image that runs a model server the catalog does not model (NIM, Triton, Ollama, ...), or
// empty. Used for the "not understood" note.
std::string_view other_model_server(std::string_view image);
// Integer of a flag value, nullopt when not an integer.
std::optional<long long> to_int(std::string_view s);
std::optional<double> to_double(std::string_view s);

// The engine's parallel layout: tensor x pipeline x data ranks, nodes from --nnodes.
struct Parallelism {
  long long tp = 1, pp = 1, dp = 1;
  std::optional<long long> nnodes;  // --nnodes (SGLang, vLLM multi-node), when a number
  bool valid = true;  // every value was an integer, and no flag can hide (args_hidden empty)
  Pos tp_pos, pp_pos, dp_pos;
  long long ranks() const { return tp * pp * dp; }
};
Parallelism parallelism_of(const Container& c);

// Model, GPU and dtype as the catalog knows them.
const catalog::Model* resolve_model(const catalog::Catalog& cat, std::string name);
const catalog::Gpu* resolve_gpu(const catalog::Catalog& cat, const Workload& w);
const catalog::Gpu* resolve_gpu_name(const catalog::Catalog& cat, std::string hint);
std::string weight_dtype(const Container& c, const catalog::Model& m);
// The format the weights load in: the perf model's dtype class (bf16, fp8, int8, int4, fp4,
// mxfp4) from the engine's quantisation setting, else the checkpoint's name, else the catalog's
// native dtype. `known` is false where a quantisation is set whose width the setting does not fix
// (EXL2, GGUF without its type, compressed-tensors, a value the table lacks): `dtype` is then the
// smallest class ("int4") and the capacity rules judge only what cannot fit even at
// kSmallestBytesPerParam. `setting` names what was read (QUANTIZE=bitsandbytes-nf4, GGUF q4_k).
struct WeightFormat {
  std::string dtype = "bf16";
  bool known = true;
  std::string setting;
};
WeightFormat weight_format(const Container& c, const catalog::Model& m);
// The dtype class one engine's quantisation value names (the one table, catalog_match.cpp
// kQuantNames): "" for a setting whose width the checkpoint decides, nullopt for a value the
// table does not list.
std::optional<std::string> quantization_dtype(std::string_view engine, std::string_view value);
// The smallest size a quantised checkpoint plausibly has: 2 bits per parameter (EXL2's and
// GGUF Q2_K's floor; IQ1 formats exist but serve no production model).
inline constexpr double kSmallestBytesPerParam = 0.25;
// Catalog facts the serving rules read: whether a model repository ships code that
// --trust-remote-code would run (config.json auto_map), and the context an engine serves when its
// max-model-len flag is unset (0: the model's maximum).
bool ships_remote_code(const catalog::Model& m);
long long default_context(const catalog::Engine& e);

}  // namespace llmctl::audit::detail
