// The other targets: KServe (Hugging Face runtime), vllm-project/production-stack Helm values,
// SkyPilot SkyServe and docker compose. Each reuses the engine flags and sizes of the k8s target.
#include <fmt/format.h>

#include "common/strings.h"
#include "deploy/emit.h"
#include "deploy/internal.h"
#include "plan/format.h"

namespace llmctl::deploy::detail {

namespace {

// Engine flags without the ones a target sets itself (model, served name, host, port).
std::vector<std::string> tuning_args(const Serving& s) {
  const auto& f = s.engine->flags;
  auto flag = [&](const char* c) {
    auto it = f.find(c);
    return it == f.end() ? std::string() : it->second;
  };
  std::vector<std::string> drop = {flag("model"), flag("served_model_name"), flag("host"),
                                   flag("port")};
  std::vector<std::string> all = engine_args(s), out;
  for (std::size_t i = 0; i < all.size(); ++i) {
    bool dropped = false;
    for (const auto& d : drop)
      if (!d.empty() && all[i] == d) dropped = true;
    if (flag("model").empty() && i == 0) dropped = true;  // positional model
    if (dropped) {
      ++i;  // and its value
      continue;
    }
    out.push_back(all[i]);
  }
  return out;
}

std::string shell_join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    bool plain = !w.empty() &&
                 w.find_first_not_of(
                     "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,") ==
                     std::string::npos;
    if (!out.empty()) out += " ";
    out += plain ? w : "'" + w + "'";
  }
  return out;
}

// SkyPilot accelerator names.
std::string sky_accelerator(const catalog::Gpu& g) {
  static const std::pair<const char*, const char*> kNames[] = {{"a10g", "A10G"},
                                                               {"l4", "L4"},
                                                               {"l40s", "L40S"},
                                                               {"a100-40gb", "A100"},
                                                               {"a100-80gb", "A100-80GB"},
                                                               {"h100-sxm", "H100"},
                                                               {"h100-pcie", "H100"},
                                                               {"h200", "H200"},
                                                               {"b200", "B200"}};
  for (const auto& [id, name] : kNames)
    if (g.id == id) return name;
  return to_lower(g.id);
}

std::pair<std::string, std::string> split_image(const std::string& image) {
  auto colon = image.rfind(':');
  if (colon == std::string::npos || image.find('/', colon) != std::string::npos) return {image, ""};
  return {image.substr(0, colon), image.substr(colon + 1)};
}

}  // namespace

void kserve_files(Files& out, const Serving& s, const Sizing& z) {
  const std::string gpus = std::to_string(z.gpus_per_replica);
  json::array args{json::string("--model_name=" + s.served_model_name),
                   json::string("--model_id=" + s.model_repo)};
  if (!s.revision.empty()) args.push_back(json::string("--model_revision=" + s.revision));
  if (s.engine->id == "vllm")
    for (const auto& a : tuning_args(s)) args.push_back(json::string(a));
  json::object model{
      {"modelFormat", json::object{{"name", "huggingface"}}},
      {"args", args},
      {"env",
       json::array{json::object{
           {"name", "HF_TOKEN"},
           {"valueFrom", json::object{{"secretKeyRef", json::object{{"name", hf_secret_name(s)},
                                                                    {"key", kHfSecretKey}}}}}}}},
      {"resources", json::object{{"requests", json::object{{"cpu", std::to_string(z.cpu_request)},
                                                           {"memory", gib(z.memory_gib)},
                                                           {"nvidia.com/gpu", gpus}}},
                                 {"limits", json::object{{"memory", gib(z.memory_gib)},
                                                         {"nvidia.com/gpu", gpus}}}}},
      {"volumeMounts", json::array{json::object{{"name", "dshm"}, {"mountPath", "/dev/shm"}}}}};
  json::object predictor{
      // RawDeployment scales with an HPA, which cannot go to zero replicas.
      {"minReplicas", std::max(1, s.replicas_min)},
      {"maxReplicas", s.replicas_max},
      {"terminationGracePeriodSeconds", z.grace_period_s},
      {"nodeSelector", node_selector(s)},
      {"tolerations", gpu_tolerations()},
      {"model", model},
      {"volumes",
       json::array{json::object{
           {"name", "dshm"},
           {"emptyDir", json::object{{"medium", "Memory"}, {"sizeLimit", gib(z.shm_gib)}}}}}}};
  json::object meta = metadata(s, s.name, "engine");
  json::object ann{{"serving.kserve.io/deploymentMode", "RawDeployment"},
                   {"llmctl.io/plan-option", s.option_id}};
  meta["annotations"] = ann;
  add_yaml(
      out, s, "kserve/inferenceservice.yaml",
      fmt::format("KServe InferenceService (Hugging Face runtime, vLLM backend), {}-{} replicas",
                  std::max(1, s.replicas_min), s.replicas_max),
      {json::object{{"apiVersion", "serving.kserve.io/v1beta1"},
                    {"kind", "InferenceService"},
                    {"metadata", meta},
                    {"spec", json::object{{"predictor", predictor}}}}},
      "The runtime downloads the model itself (HF_TOKEN from the Secret); vLLM flags pass "
      "through.");
  const std::string url =
      fmt::format("http://{}-predictor.{}.svc.cluster.local/openai/v1", s.name, s.ns);
  add_yaml(out, s, "gateway/gateway.yaml", "llmctl gateway config (routes to the InferenceService)",
           {gateway_config(s, z, url)});
}

void helm_files(Files& out, const Serving& s, const Sizing& z) {
  auto [repo, tag] = split_image(s.engine->image);
  json::array extra;
  // vllmConfig covers these; the rest of the flags go to extraArgs (never both: no duplicates).
  for (const auto& a : tuning_args(s)) extra.push_back(json::string(a));
  json::array filtered;
  const std::vector<std::string> covered = {"--tensor-parallel-size",   "--max-model-len",
                                            "--gpu-memory-utilization", "--max-num-seqs",
                                            "--enable-prefix-caching",  "--dtype"};
  for (std::size_t i = 0; i < extra.size(); ++i) {
    std::string a(extra[i].as_string());
    bool skip = std::find(covered.begin(), covered.end(), a) != covered.end();
    if (skip) {
      if (a != "--enable-prefix-caching") ++i;
      continue;
    }
    filtered.push_back(extra[i]);
  }
  json::object vllm{{"enablePrefixCaching", s.prefix_caching},
                    {"maxModelLen", s.max_model_len},
                    {"tensorParallelSize", s.tp},
                    {"maxNumSeqs", s.max_num_seqs},
                    {"gpuMemoryUtilization", s.gpu_memory_fraction}};
  if (s.dtype == "bf16") vllm["dtype"] = "bfloat16";
  if (!filtered.empty()) vllm["extraArgs"] = filtered;
  json::array selector_terms;
  json::array exprs;
  for (const auto& [k, v] : node_selector(s))
    exprs.push_back(json::object{{"key", k}, {"operator", "In"}, {"values", json::array{v}}});
  selector_terms.push_back(json::object{{"matchExpressions", exprs}});
  json::object spec{
      {"name", s.name},
      {"repository", repo},
      {"tag", tag},
      {"modelURL", s.model_repo},
      {"replicaCount", s.replicas_max},
      {"requestCPU", z.cpu_request},
      {"requestMemory", gib(z.memory_gib)},
      {"requestGPU", z.gpus_per_replica},
      {"limitMemory", gib(z.memory_gib)},
      {"pvcStorage", gib(z.cache_volume_gib)},
      {"pvcAccessMode", json::array{z.cache_shared ? "ReadWriteMany" : "ReadWriteOnce"}},
      {"shmSize", gib(z.shm_gib)},
      {"hf_token", json::object{{"secretName", hf_secret_name(s)}, {"secretKey", kHfSecretKey}}},
      {"nodeSelectorTerms", selector_terms},
      {"tolerations", gpu_tolerations()},
      {"vllmConfig", vllm}};
  if (!s.storage_class.empty()) spec["storageClass"] = s.storage_class;
  if (s.autoscaling)
    spec["keda"] = json::object{
        {"enabled", true},
        // The chart's values carry no annotation to state a cold-start budget on, so the stack
        // keeps one warm replica (llmctl audit K8S016); the k8s target scales to zero.
        {"minReplicaCount", std::max(1, s.replicas_min)},
        {"maxReplicaCount", s.replicas_max},
        {"pollingInterval", 15},
        {"cooldownPeriod", std::max(300, z.startup_budget_s)},
        {"triggers",
         json::array{json::object{
             {"type", "prometheus"},
             {"metadata",
              json::object{
                  {"serverAddress", s.prometheus_url},
                  {"query", fmt::format("sum({}{{namespace=\"{}\"}})",
                                        engine_metric(*s.engine, EngineSignal::kQueue), s.ns)},
                  {"threshold", std::to_string(z.queue_target)}}}}}}};
  json::object values{
      {"servingEngineSpec",
       json::object{
           {"runtimeClassName", "nvidia"},
           {"containerPort", s.engine->port},
           {"startupProbe", json::object{{"initialDelaySeconds", 0},
                                         {"periodSeconds", z.startup_period_s},
                                         {"failureThreshold", z.startup_failure_threshold},
                                         {"httpGet", json::object{{"path", s.engine->health_path},
                                                                  {"port", s.engine->port}}}}},
           {"livenessProbe", json::object{{"initialDelaySeconds", 0},
                                          {"periodSeconds", 30},
                                          {"failureThreshold", 5},
                                          {"httpGet", json::object{{"path", s.engine->health_path},
                                                                   {"port", s.engine->port}}}}},
           {"readinessProbe", json::object{{"initialDelaySeconds", 0},
                                           {"periodSeconds", 5},
                                           {"failureThreshold", 3},
                                           {"httpGet", json::object{{"path", s.engine->ready_path},
                                                                    {"port", s.engine->port}}}}},
           {"modelSpec", json::array{spec}}}},
      {"routerSpec", json::object{{"enableRouter", true}, {"replicaCount", 2}}}};
  add_yaml(out, s, "helm/values.yaml",
           "values for vllm-project/production-stack's vllm-stack chart", {values},
           fmt::format("helm upgrade --install {} vllm/vllm-stack -n {} -f helm/values.yaml",
                       s.name, s.ns));
  const std::string url =
      fmt::format("http://{}-router-service.{}.svc.cluster.local/v1", s.name, s.ns);
  add_yaml(out, s, "gateway/gateway.yaml", "llmctl gateway config (routes to the stack's router)",
           {gateway_config(s, z, url)});
}

void skypilot_files(Files& out, const Serving& s, const Sizing& z) {
  std::vector<std::string> cmd = engine_command(*s.engine);
  for (const auto& a : engine_args(s)) cmd.push_back(a);
  json::object service{
      {"readiness_probe", json::object{{"path", s.engine->ready_path},
                                       {"initial_delay_seconds", z.startup_budget_s}}}};
  if (s.autoscaling)
    service["replica_policy"] =
        json::object{{"min_replicas", s.replicas_min},
                     {"max_replicas", s.replicas_max},
                     {"target_qps_per_replica", std::round(s.capacity_qps * 100) / 100}};
  else
    service["replicas"] = s.replicas_max;
  json::object doc{
      {"name", s.name},
      {"service", service},
      {"resources", json::object{{"accelerators", fmt::format("{}:{}", sky_accelerator(*s.gpu),
                                                              z.gpus_per_replica)},
                                 {"ports", s.engine->port},
                                 {"disk_size", std::max(100, z.cache_volume_gib + 50)},
                                 {"image_id", "docker:" + s.engine->image}}},
      {"envs", json::object{{"HF_HOME", "/model-cache"}}},
      // Passed at launch: `sky serve up ... --secret HF_TOKEN` (never written here).
      {"secrets", json::object{{"HF_TOKEN", nullptr}}},
      {"run", shell_join(cmd) + "\n"}};
  add_yaml(out, s, "skypilot/service.yaml",
           fmt::format("SkyServe service: {} x {} per replica", z.gpus_per_replica,
                       sky_accelerator(*s.gpu)),
           {doc}, "sky serve up skypilot/service.yaml --secret HF_TOKEN");
}

void compose_files(Files& out, const Serving& s, const Sizing& z) {
  std::vector<std::string> test;
  const std::string health =
      fmt::format("http://localhost:{}{}", s.engine->port, s.engine->health_path);
  if (s.engine->id == "vllm" || s.engine->id == "sglang" || s.engine->id == "trtllm")
    test = {"CMD", "python3", "-c",
            fmt::format("import urllib.request; urllib.request.urlopen('{}')", health)};
  else
    test = {"CMD", "curl", "-fsS", health};
  json::object engine{
      {"image", s.engine->image},
      {"entrypoint", strings(engine_command(*s.engine))},
      {"command", strings(engine_args(s))},
      {"ports", json::array{json::string(fmt::format("{0}:{0}", s.engine->port))}},
      {"environment", json::object{{"HF_TOKEN", "${HF_TOKEN:?set HF_TOKEN}"},
                                   {"HF_HOME", "/model-cache"},
                                   {"HF_HUB_CACHE", "/model-cache/hub"}}},
      {"volumes", json::array{"model-cache:/model-cache"}},
      {"ipc", "host"},
      {"deploy",
       json::object{{"resources",
                     json::object{{"reservations",
                                   json::object{{"devices",
                                                 json::array{json::object{
                                                     {"driver", "nvidia"},
                                                     {"count", z.gpus_per_replica},
                                                     {"capabilities", json::array{"gpu"}}}}}}}}}}},
      {"healthcheck", json::object{{"test", strings(test)},
                                   {"interval", "10s"},
                                   {"timeout", "5s"},
                                   {"retries", 3},
                                   {"start_period", fmt::format("{}s", z.startup_budget_s)}}},
      {"stop_grace_period", fmt::format("{}s", z.grace_period_s)},
      {"restart", "unless-stopped"}};
  json::object gw_env;
  if (s.fallback)
    gw_env[s.fallback->key_env] = fmt::format("${{{0}:?set {0}}}", s.fallback->key_env);
  json::object gateway{
      {"image", s.gateway_image},
      {"entrypoint", json::array{"llmctl"}},
      {"command", json::array{"gateway", "--config", "/etc/llmctl/gateway.yaml"}},
      {"ports", json::array{json::string(fmt::format("{0}:{0}", kGatewayPort))}},
      {"environment", gw_env},
      {"volumes", json::array{"../gateway/gateway.yaml:/etc/llmctl/gateway.yaml:ro"}},
      {"depends_on", json::object{{"engine", json::object{{"condition", "service_healthy"}}}}},
      {"stop_grace_period", fmt::format("{}s", z.gateway_grace_s)},
      {"restart", "unless-stopped"}};
  json::object doc{{"name", s.name},
                   {"services", json::object{{"engine", engine}, {"gateway", gateway}}},
                   {"volumes", json::object{{"model-cache", json::object{}}}}};
  add_yaml(
      out, s, "compose/docker-compose.yaml",
      fmt::format("docker compose: one {} replica on {} x {} and the gateway", s.engine->name,
                  z.gpus_per_replica, s.gpu->id),
      {doc},
      "Single node: one replica. HF_TOKEN (and the fallback's key) come from your environment.");
  // One engine replica behind one gateway: the gateway may fill that replica's sequences.
  Sizing one = z;
  one.gateway_max_concurrency = std::max(1, s.max_num_seqs);
  add_yaml(out, s, "gateway/gateway.yaml", "llmctl gateway config (routes to the compose engine)",
           {gateway_config(s, one, fmt::format("http://engine:{}/v1", s.engine->port))});
}

}  // namespace llmctl::deploy::detail
