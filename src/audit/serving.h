// One model-serving workload, whatever it was written in (Kubernetes pod templates, KServe,
// production-stack Helm values, docker compose, SkyPilot): containers with their engine, flags,
// GPUs, probes and volumes. The serving rules (K8S0xx) and capacity rules (CAP0xx) run on this
// shape, so each input format only has to fill it in. Internal to llmctl_audit.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "audit/internal.h"

namespace llmctl::audit::detail {

enum class Platform { kKubernetes, kKServe, kHelm, kCompose, kSkyPilot };

struct Token {
  std::string text;
  Pos pos;
};

struct Flag {
  std::string name;  // as written, lower case, '_' -> '-' (e.g. "--max-model-len", "-tp")
  std::string role;  // catalog role ("tensor_parallel", ...) or empty
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
  long long budget() const { return initial_delay + failure * period; }
};

struct Container {
  std::string name;
  Pos pos;
  std::string image;
  Pos image_pos;
  const catalog::Engine* engine = nullptr;
  bool cpu_only = false;
  std::vector<Token> argv;  // command + args, shell scripts split, env references expanded
  std::vector<Flag> flags;
  std::string model;  // served model (HF id or path)
  Pos model_pos;
  std::vector<EnvVar> env;
  std::optional<long long> gpu_limit, gpu_request;  // -1: "all" / unknown count
  std::string gpu_resource;  // nvidia.com/gpu, amd.com/gpu, nvidia.com/gpu.shared, ...
  Pos gpu_pos, resources_pos;
  Probe startup, readiness, liveness;
  std::vector<std::pair<std::string, std::string>> mounts;  // (volume name, mount path)
  bool pre_stop = false;

  // Last value of a role's flag, or nullopt.
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
  std::vector<Container> containers;
  std::vector<Volume> volumes;
  std::optional<long long> grace;
  Pos grace_pos;
  std::optional<bool> service_links;
  bool host_ipc = false;
  bool shm_ok = false;          // compose ipc: host / shm_size, Helm shmSize
  bool cache_ok = false;        // Helm pvcStorage, compose volumes
  bool probes_managed = false;  // Helm chart / KServe runtime own the probes
  bool multi_node = false;
  int nodes = 1;
  std::map<std::string, std::string> labels, annotations;
  std::vector<std::pair<std::string, std::string>> node_hints;  // nodeSelector / affinity
  std::string gpu_type_hint;  // SkyPilot accelerator, Helm requestGPUType
  Pos gpu_type_pos;
  bool shared_gpu = false;
};

// Fills engine, flags and model of a container from its image, argv and env.
// `forced` names the engine when the input says so without a command line (KServe's Hugging Face
// runtime, production-stack values).
void resolve_engine(FileCtx& f, Container& c, const std::map<std::string, std::string>& extra_env,
                    std::string_view forced = {});
// Splits a shell script (sh -c, SkyPilot run:, compose command strings) into tokens with
// positions, expanding $VAR / ${VAR} / $(VAR) from `env`. Only the engine's command line is
// kept when one is found.
std::vector<Token> shell_tokens(FileCtx& f, const std::string& script, Pos at,
                                const std::map<std::string, std::string>& env);
// Runs every serving and capacity rule on one workload.
void check_workload(FileCtx& f, Workload& w);
// Kubernetes pod spec -> containers, volumes and pod-level settings.
void read_pod_spec(const Node& spec, Workload& w);

}  // namespace llmctl::audit::detail
