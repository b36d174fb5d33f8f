// GPUs and the engine's parallel layout: K8S001 (GPU limits), K8S002 (/dev/shm for multi-GPU
// pods), K8S009 (parallelism vs the GPUs of the serving group), K8S018 (memory fraction on a
// shared GPU).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "audit/rules/rules.h"
#include "common/strings.h"

namespace llmctl::audit::detail {
namespace {

using S = Severity;

// An image that only runs on a GPU: the engine's official CUDA/ROCm builds. A generic image
// (ubuntu + pip install) or a llama.cpp CPU build says nothing about the accelerator.
bool gpu_only_image(const Container& c) {
  std::string img = to_lower(c.image);
  if (img.empty() || c.cpu_only) return false;
  for (std::string_view k : {"vllm/vllm-openai", "lmsysorg/sglang", "text-generation-inference",
                             "tensorrt-llm", "tritonserver", "cuda", "rocm"})
    if (contains(img, k)) return true;
  return false;
}

// GPU ranks that one pod runs: the whole tensor x pipeline layout for a single pod, the pod's own
// GPUs for a member of a multi-node group.
long long ranks_in_pod(const Server& s) {
  if (s.w.role != Role::kSingle || s.par.nnodes.value_or(1) > 1) return s.c.gpu_limit.value_or(1);
  if (s.c.engine->id == "tgi" && !s.c.flag("tensor_parallel")) return s.c.gpu_limit.value_or(1);
  if (!s.par.valid) return 1;
  return s.par.tp * s.par.pp;
}

// The collective library a pod's ranks use, by its accelerator resource: NCCL on NVIDIA GPUs
// (or a GPU count with no vendor resource, the engines' CUDA default), RCCL on AMD, HCCL on
// Gaudi; none named for anything else. `certain`: the 64 MiB default is known to break it.
struct CollectiveLib {
  std::string name, unit;
  bool certain = false;
};
CollectiveLib collective_library(const Container& c) {
  const std::string& r = c.gpu_resource;
  if (starts_with(c.accelerator, "habana.ai/") || starts_with(r, "habana.ai/"))
    return {"HCCL", "HPU", false};
  if (!c.accelerator.empty()) return {"", "accelerator", false};
  if (starts_with(r, "amd.com/")) return {"RCCL", "GPU", false};
  if (r.empty() || starts_with(r, "nvidia.com/")) return {"NCCL", "GPU", true};
  return {"", "GPU", false};
}

}  // namespace

void add_resource_rule_docs(std::vector<RuleInfo>& out) {
  out.push_back(
      {"K8S001", "serving", S::kError, "GPU container without a GPU limit, or requests != limits",
       "An inference-engine container (vLLM, SGLang, TGI, TensorRT-LLM; detected from the image "
       "and command line) or any container requesting GPUs, in a pod template, KServe "
       "predictor or compose service, without an nvidia.com/gpu (amd.com/gpu, MIG, shared) "
       "limit, or with requests different from limits. Compose services need a GPU device "
       "reservation. Pods that get their devices otherwise (DRA resourceClaims, AWS Neuron, "
       "TPU) and llama.cpp CPU builds are not flagged, nor is a Kustomize base (image, namespace "
       "or a pod label is a placeholder such as replaced-by-kustomize) that sets no GPU field: "
       "its overlays set the accelerator. An error when the image is a GPU-only engine build "
       "(it cannot start without a GPU), a warning when the image does not say.",
       "Kubernetes schedules extended resources from limits; requests, if given, must equal "
       "them (kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus). Without a limit the pod "
       "lands on a node without a GPU or shares one unaccounted. Research: "
       "agents-and-deploy.md §2.1, §4.2 item 14.",
       "Set resources.limits[nvidia.com/gpu] to the GPUs the engine uses (requests equal or "
       "omitted).",
       "resources: {requests: {nvidia.com/gpu: 1}}"});
  out.push_back(
      {"K8S002", "serving", S::kError, "Multi-GPU engine without memory-backed /dev/shm",
       "A pod whose engine runs more than one GPU rank in it (tensor x pipeline parallel > 1 on "
       "one pod; TGI: all its GPUs by default; a multi-node member with several GPUs) and no "
       "emptyDir {medium: Memory} mounted at /dev/shm (nor hostIPC); Helm values without "
       "shmSize; compose without ipc: host or shm_size. The message names the collective "
       "library of the pod's accelerator (NCCL on NVIDIA GPUs, RCCL on AMD, HCCL on Gaudi; "
       "none for another accelerator); an error only for NCCL, which is known to fail or hang "
       "in the default, a warning for the others (not certain to break).",
       "vLLM's Kubernetes guide mounts a Memory emptyDir at /dev/shm: \"vLLM needs to access "
       "the host's shared memory for tensor parallel inference\" (vllm-project/vllm:docs/"
       "deployment/k8s.md); Docker needs --ipc=host or --shm-size. The container default of "
       "64 MiB makes NCCL fail or hang. Research: agents-and-deploy.md §2.1, §4.2 item 15.",
       "Mount an emptyDir {medium: Memory, sizeLimit: 16Gi} at /dev/shm.",
       "args: [--tensor-parallel-size, \"4\"]  # and no /dev/shm volume"});
  out.push_back(
      {"K8S009", "serving", S::kError, "Parallelism does not match the GPUs of the serving group",
       "tensor x pipeline x data parallel (SGLang DP attention runs inside TP) compared with the "
       "GPUs of the serving group: the container's GPUs, times --nnodes or SkyPilot num_nodes, "
       "or summed over a multi-node group (LeaderWorkerSet leader + workers, Ray head + worker "
       "groups, production-stack raySpec, KServe worker specs). Error when the layout needs more "
       "GPUs than the group has (the engine cannot start); warning when GPUs would sit idle. "
       "Workers are judged through their leader; Ray Serve applications only need to fit the "
       "cluster; TGI without NUM_SHARD and llama.cpp are not checked. The idle-GPU warning "
       "counts each nvidia.com/gpu as a device, so it abstains when the GPUs are shared: the "
       "pod asks for nvidia.com/gpu.shared or selects nodes labelled for sharing (K8S018's "
       "evidence), or the file, or another file of its project root, shows time-slicing or MPS "
       "(a device-plugin config with sharing.timeSlicing or sharing.mps, which counts for the "
       "whole audited tree since it configures the cluster's nodes; or text naming "
       "time-slicing, the Multi-Process Service or MPS beside the word GPU, such as a comment "
       "saying the GPU is exposed as time-sliced replicas). Then a request for N "
       "nvidia.com/gpu reserves N replicas of fewer physical GPUs, and nothing sits idle.",
       "Extra GPUs sit idle at full price; too few make the engine fail to start. llm-d derives "
       "both from one parallelism setting (llm-d/llm-d:guides/inference-scheduling/"
       "ms-inference-scheduling/values.yaml); LeaderWorkerSet's vLLM and SGLang examples run "
       "one TP group across pods (kubernetes-sigs/lws:docs/examples). Research: "
       "agents-and-deploy.md §4.2 item 22.",
       "Make the parallel sizes multiply to the GPUs of the group.",
       "--tensor-parallel-size 4 with nvidia.com/gpu: 8"});
  out.push_back(
      {"K8S018", "serving", S::kWarning, "GPU memory fraction >= 0.95 on a shared GPU",
       "--gpu-memory-utilization / --mem-fraction-static / --cuda-memory-fraction >= 0.95 on a "
       "time-sliced or MPS GPU (nvidia.com/gpu.shared resource, node labels "
       "nvidia.com/gpu.sharing-strategy, nvidia.com/gpu.replicas > 1, a device-plugin config "
       "naming sharing/time-slicing, Helm requestGPUType containing 'shared').",
       "Time-slicing has no memory isolation (NVIDIA GPU operator gpu-sharing docs); an engine "
       "that takes 95% of the memory leaves the other tenants, or its own restart, out of "
       "memory. vLLM's default is 0.9. Research: agents-and-deploy.md §2.8, §4.2 items 24 and "
       "32.",
       "Use MIG or a dedicated GPU, or size the fraction for all tenants.",
       "--gpu-memory-utilization 0.95 on nvidia.com/gpu.shared"});
}

GpuSharing gpu_sharing_evidence(std::string_view text) {
  GpuSharing g;
  // The NVIDIA device plugin's config (sharing: {timeSlicing: ...} or sharing: {mps: ...}).
  g.cluster_config =
      contains(text, "timeSlicing:") || (contains(text, "sharing:") && contains(text, "mps:"));
  bool named = g.cluster_config;
  for (std::string_view w : {"time-slic", "time slic", "timeslic", "multi-process service",
                             "nvidia.com/gpu.shared", "gpu.sharing-strategy"})
    named = named || icontains(text, w);
  // MPS as a word (not "timestamps") on a line that also speaks of the GPU.
  for (size_t at = text.find("MPS"); !named && at != std::string_view::npos;
       at = text.find("MPS", at + 3)) {
    auto word = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) != 0; };
    if ((at > 0 && word(text[at - 1])) || (at + 3 < text.size() && word(text[at + 3]))) continue;
    size_t b = text.rfind('\n', at);
    size_t e = text.find('\n', at);
    std::string_view line = text.substr(b == std::string_view::npos ? 0 : b + 1,
                                        (e == std::string_view::npos ? text.size() : e) -
                                            (b == std::string_view::npos ? 0 : b + 1));
    named = icontains(line, "gpu");
  }
  g.any = named;
  return g;
}

void collect_gpu_sharing(FileCtx& f) {
  GpuSharing g = gpu_sharing_evidence(f.text);
  if (g.any) f.facts.gpu_sharing.emplace_back(f.rel);
  if (g.cluster_config) f.facts.gpu_sharing_cluster = true;
}

void check_resources(FileCtx& f, const Server& s) {
  const Workload& w = s.w;
  const Container& c = s.c;
  // K8S001: the pod must ask for the GPU the engine needs.
  const bool pod_resources =
      (s.k8s && w.platform != Platform::kRay) || w.platform == Platform::kCompose;
  const bool gpu_wanted =
      (c.gpu_limit && *c.gpu_limit != 0) || (c.gpu_request && *c.gpu_request != 0);
  const bool other_device = w.resource_claims || !c.accelerator.empty();
  // A Kustomize base leaves the accelerator to its overlays (patches that set nvidia.com/gpu or
  // a TPU resource): with no GPU field at all, the deployed pod's resources are not in the file.
  const bool left_to_overlay = template_base(w) && !c.gpu_limit && !c.gpu_request;
  // An image the file says may be a simulator needs no GPU unless the file asks for one.
  const bool maybe_sim = !gpu_wanted && maybe_simulator_image(f, c);
  if (pod_resources && (!c.cpu_only || gpu_wanted) && !other_device && !left_to_overlay &&
      !maybe_sim) {
    Pos at = c.gpu_pos.line ? c.gpu_pos : (c.resources_pos.line ? c.resources_pos : c.pos);
    std::string res = c.gpu_resource.empty() ? "nvidia.com/gpu" : c.gpu_resource;
    Severity sev = gpu_only_image(c) ? S::kError : S::kWarning;
    if (w.platform == Platform::kCompose) {
      if (!c.gpu_limit && (gpu_only_image(c) || gpu_wanted))
        f.emit("K8S001", c.pos,
               fmt::format("{} service '{}' reserves no GPU (no deploy.resources.reservations."
                           "devices with capabilities [gpu], no `gpus:`)",
                           c.engine->name, c.name),
               "add deploy.resources.reservations.devices: [{driver: nvidia, count: N, "
               "capabilities: [gpu]}]",
               sev);
    } else if (!c.gpu_limit && c.gpu_request) {
      f.emit("K8S001", at,
             fmt::format("container '{}' requests {}: {} but sets no limit; GPUs are "
                         "scheduled from limits",
                         c.name, res, *c.gpu_request),
             {}, S::kError);
    } else if (!c.gpu_limit) {
      f.emit("K8S001", at,
             fmt::format("{} container '{}' has no {} limit{}", c.engine->name, c.name, res,
                         sev == S::kError
                             ? fmt::format(": the {} image needs a GPU, so the pod lands on a "
                                           "node without one and crashes, or shares one "
                                           "unaccounted",
                                           c.engine->name)
                             : ": it lands on a node without a GPU unless it is meant to run on "
                               "CPU or another accelerator"),
             {}, sev);
    } else if (c.gpu_request && *c.gpu_request != *c.gpu_limit) {
      f.emit("K8S001", at,
             fmt::format("container '{}' requests {} {} but limits {}; GPU requests must equal "
                         "limits (the API server rejects the pod)",
                         c.name, *c.gpu_request, res, *c.gpu_limit),
             {}, S::kError);
    }
  }
  // K8S002: the collective library between ranks of one pod needs shared memory. NCCL on
  // NVIDIA GPUs fails or hangs in the 64 MiB default (an error); another accelerator's library
  // (RCCL on AMD, HCCL on Gaudi) or one the file does not show is not certain to break (a
  // warning that names the library the pod uses, or none).
  if (w.platform != Platform::kSkyPilot && w.platform != Platform::kDstack &&
      w.platform != Platform::kKubeAI && w.platform != Platform::kRay && ranks_in_pod(s) > 1) {
    bool shm = w.host_ipc || w.shm_ok;
    for (const auto& [vol, path] : c.mounts)
      if (path == "/dev/shm")
        for (const auto& v : w.volumes)
          if (v.name == vol && v.memory) shm = true;
    if (!shm) {
      const CollectiveLib lib = collective_library(c);
      f.emit("K8S002", c.flag("tensor_parallel") ? s.par.tp_pos : c.pos,
             fmt::format("{} runs {} {} ranks in this pod but /dev/shm is the container default "
                         "(64 MiB); {}",
                         c.engine->name, ranks_in_pod(s), lib.unit,
                         lib.name.empty()
                             ? std::string("the ranks exchange tensors through shared memory, "
                                           "which may not fit")
                             : fmt::format("{} needs shared memory between ranks", lib.name)),
             w.platform == Platform::kHelm ? "set shmSize (e.g. \"20Gi\") in the modelSpec entry"
             : w.platform == Platform::kCompose
                 ? "add `ipc: host` or `shm_size: 16gb` to the service"
                 : "mount an emptyDir {medium: Memory, sizeLimit: 16Gi} at /dev/shm",
             lib.certain ? S::kError : S::kWarning);
    }
  }
  // K8S009: the layout against the GPUs of the whole serving group.
  const bool tgi_default = c.engine->id == "tgi" && !c.flag("tensor_parallel");
  if (s.serves && s.par.valid && !c.cpu_only && c.engine->id != "llamacpp" && !tgi_default) {
    long long per_pod = c.gpu_limit.value_or(0);
    long long nodes = std::max<long long>(s.par.nnodes.value_or(1), w.group_pods);
    long long have = w.group_gpus > 0 ? w.group_gpus : (per_pod > 0 ? per_pod * nodes : 0);
    long long need = s.par.ranks();
    Pos at = c.flag("tensor_parallel") ? s.par.tp_pos : (c.gpu_pos.line ? c.gpu_pos : c.pos);
    std::string group =
        w.group_how.empty()
            ? (nodes > 1 ? fmt::format("{} GPUs per pod x {} nodes", per_pod, nodes)
                         : fmt::format("{} GPU{} requested", have, have == 1 ? "" : "s"))
            : fmt::format("{} GPUs in the group ({})", have, w.group_how);
    std::string layout = fmt::format("tensor-parallel {} x pipeline {} x data {} = {} GPUs",
                                     s.par.tp, s.par.pp, s.par.dp, need);
    if (have > 0 && need > have) {
      f.emit(
          "K8S009", at,
          fmt::format("{}, but the serving group has {}: the engine cannot start", layout, group),
          fmt::format("request {} GPUs for the group, or lower the parallel sizes", need),
          S::kError);
    } else if (have > 0 && need < have && !w.replicas_share_group && !w.shared_gpu &&
               !gpu_sharing_evidence(f.text).any) {
      // Idle GPUs hold only if each nvidia.com/gpu is a device: with time-slicing or MPS the
      // request counts replicas of fewer physical GPUs, which the project may say in another
      // file (join_project drops the candidate then).
      if (auto fd = f.make(
              "K8S009", at,
              fmt::format("{}, but the serving group has {}: {} GPU{} sit idle", layout, group,
                          have - need, have - need == 1 ? "" : "s"),
              fmt::format("request {} GPUs, or raise the parallel sizes to use all {}", need, have),
              S::kWarning)) {
        ProjectFacts::Candidate cand;
        cand.finding = std::move(*fd);
        cand.name = std::string(f.rel);
        f.facts.idle_gpus.push_back(std::move(cand));
      }
    }
  }
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
}

}  // namespace llmctl::audit::detail
