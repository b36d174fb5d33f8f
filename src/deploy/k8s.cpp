// Kubernetes objects for the engine fleet, the gateway and Redis (target k8s).
#include <fmt/format.h>

#include <cmath>

#include "common/strings.h"
#include "deploy/emit.h"
#include "deploy/internal.h"
#include "plan/format.h"

namespace llmctl::deploy::detail {

namespace {

// The namespace Prometheus runs in, from its in-cluster URL (http://svc.NAMESPACE.svc:9090).
std::string prometheus_namespace(const Serving& s) {
  std::string host = s.prometheus_url;
  if (auto p = host.find("://"); p != std::string::npos) host = host.substr(p + 3);
  host = host.substr(0, host.find_first_of(":/"));
  auto parts = split(host, '.');
  return parts.size() >= 2 ? parts[1] : "monitoring";
}

json::object http_probe(const std::string& path, int period_s, int failures, int timeout_s) {
  return json::object{{"httpGet", json::object{{"path", path}, {"port", "http"}}},
                      {"periodSeconds", period_s},
                      {"timeoutSeconds", timeout_s},
                      {"failureThreshold", failures}};
}

json::object preferred_spread(const Serving& s, const std::string& component) {
  return json::object{
      {"podAntiAffinity",
       json::object{
           {"preferredDuringSchedulingIgnoredDuringExecution",
            json::array{json::object{
                {"weight", 100},
                {"podAffinityTerm",
                 json::object{{"topologyKey", "kubernetes.io/hostname"},
                              {"labelSelector",
                               json::object{{"matchLabels", selector(s, component)}}}}}}}}}}};
}

json::value pdb(const Serving& s, const std::string& name, const std::string& component) {
  return json::object{
      {"apiVersion", "policy/v1"},
      {"kind", "PodDisruptionBudget"},
      {"metadata", metadata(s, name, component)},
      {"spec", json::object{{"maxUnavailable", 1},
                            {"selector", json::object{{"matchLabels", selector(s, component)}}}}}};
}

json::value service(const Serving& s, const std::string& name, const std::string& component,
                    int port) {
  return json::object{
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", metadata(s, name, component)},
      {"spec", json::object{{"type", "ClusterIP"},
                            {"selector", selector(s, component)},
                            {"ports", json::array{json::object{{"name", "http"},
                                                               {"port", port},
                                                               {"targetPort", "http"},
                                                               {"protocol", "TCP"}}}}}}};
}

json::value engine_network_policy(const Serving& s) {
  const catalog::Engine& e = *s.engine;
  json::array from{
      json::object{{"podSelector", json::object{{"matchLabels", selector(s, "gateway")}}}},
      json::object{{"namespaceSelector",
                    json::object{{"matchLabels", json::object{{"kubernetes.io/metadata.name",
                                                               prometheus_namespace(s)}}}}}}};
  return json::object{
      {"apiVersion", "networking.k8s.io/v1"},
      {"kind", "NetworkPolicy"},
      {"metadata", metadata(s, engine_name(s), "engine")},
      {"spec",
       json::object{
           {"podSelector", json::object{{"matchLabels", selector(s, "engine")}}},
           {"policyTypes", json::array{"Ingress"}},
           {"ingress",
            json::array{json::object{
                {"from", from},
                {"ports", json::array{json::object{{"protocol", "TCP"}, {"port", e.port}}}}}}}}}};
}

json::value cache_claim(const Serving& s, const Sizing& z) {
  json::object spec{
      {"accessModes", json::array{z.cache_shared ? "ReadWriteMany" : "ReadWriteOnce"}},
      {"resources",
       json::object{{"requests", json::object{{"storage", gib(z.cache_volume_gib)}}}}}};
  if (!s.storage_class.empty()) spec["storageClassName"] = s.storage_class;
  json::object meta = metadata(s, cache_claim_name(s), "engine");
  meta["annotations"] = json::object{
      {"llmctl.io/size",
       fmt::format("{} = checkpoint {} GiB x 1.25 + 10 GiB, in 10 GiB steps{}",
                   gib(z.cache_volume_gib), plan::num(z.checkpoint_bytes / (1024.0 * 1024 * 1024)),
                   z.cache_shared
                       ? "; ReadWriteMany: every replica mounts it (needs an RWX storage class)"
                       : "")}};
  return json::object{
      {"apiVersion", "v1"}, {"kind", "PersistentVolumeClaim"}, {"metadata", meta}, {"spec", spec}};
}

json::value scaled_object(const Serving& s, const Sizing& z) {
  const std::string queue = engine_metric(*s.engine, EngineSignal::kQueue);
  json::array triggers;
  triggers.push_back(json::object{
      {"type", "prometheus"},
      {"metadata", json::object{{"serverAddress", s.prometheus_url},
                                {"query", fmt::format("sum({}{{{}}})", queue, engine_selector(s))},
                                {"threshold", std::to_string(z.queue_target)}}}});
  if (s.scale_to_zero) {
    // With no replica there is no engine queue to read: wake on the gateway's request rate.
    triggers.push_back(json::object{
        {"type", "prometheus"},
        {"metadata",
         json::object{{"serverAddress", s.prometheus_url},
                      {"query", fmt::format("sum(rate(llmctl_gateway_requests_total{{{}}}[2m]))",
                                            gateway_selector(s))},
                      {"threshold", format_number(std::max(0.01, s.capacity_qps * 0.8))},
                      {"activationThreshold", "0"}}}});
  }
  json::object meta = metadata(s, engine_name(s), "engine");
  json::object ann{
      {"llmctl.io/queue-target",
       fmt::format(
           "{} waiting requests per replica = {} req/s per replica x {} s of queueing "
           "({} of the {} ms TTFT SLO)",
           z.queue_target, plan::num(s.capacity_qps),
           plan::num(s.assume.queue_wait_share_of_ttft * s.ttft_slo_ms.value_or(1000) / 1000),
           plan::num(s.assume.queue_wait_share_of_ttft), plan::num(s.ttft_slo_ms.value_or(1000)))}};
  if (s.scale_to_zero && s.cold_start_budget_s)
    ann["llmctl.io/cold-start-budget"] = std::to_string(*s.cold_start_budget_s);
  meta["annotations"] = ann;
  json::object scale_up{{"stabilizationWindowSeconds", 0},
                        {"policies", json::array{json::object{
                                         {"type", "Pods"}, {"value", 2}, {"periodSeconds", 60}}}}};
  json::object scale_down{
      {"stabilizationWindowSeconds", std::max(600, z.startup_budget_s)},
      {"policies",
       json::array{json::object{{"type", "Pods"}, {"value", 1}, {"periodSeconds", 300}}}}};
  json::object advanced{
      {"horizontalPodAutoscalerConfig",
       json::object{{"behavior", json::object{{"scaleUp", scale_up}, {"scaleDown", scale_down}}}}}};
  json::object spec{
      {"scaleTargetRef",
       json::object{{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", engine_name(s)}}},
      {"minReplicaCount", s.replicas_min},
      {"maxReplicaCount", s.replicas_max},
      {"pollingInterval", 15},
      // Scale-in is slow on purpose: a replica costs minutes to bring back.
      {"cooldownPeriod", std::max(300, z.startup_budget_s)},
      {"fallback", json::object{{"failureThreshold", 3}, {"replicas", s.replicas_max}}},
      {"advanced", advanced},
      {"triggers", triggers}};
  return json::object{{"apiVersion", "keda.sh/v1alpha1"},
                      {"kind", "ScaledObject"},
                      {"metadata", meta},
                      {"spec", spec}};
}

}  // namespace

json::value engine_deployment(const Serving& s, const Sizing& z, bool canary) {
  const catalog::Engine& e = *s.engine;
  const std::string name = canary ? canary_name(s) : engine_name(s);
  json::object pod_labels = labels(s, "engine");
  pod_labels["llmctl.io/track"] = canary ? "canary" : "stable";
  json::object match = selector(s, "engine");
  match["llmctl.io/track"] = canary ? "canary" : "stable";

  json::array env{
      json::object{
          {"name", "HF_TOKEN"},
          {"valueFrom", json::object{{"secretKeyRef", json::object{{"name", hf_secret_name(s)},
                                                                   {"key", kHfSecretKey}}}}}},
      json::object{{"name", "HF_HOME"}, {"value", "/model-cache"}},
      json::object{{"name", "HF_HUB_CACHE"}, {"value", "/model-cache/hub"}}};
  const std::string gpus = std::to_string(z.gpus_per_replica);
  json::object container{
      {"name", e.id},
      {"image", e.image},
      {"command", strings(engine_command(e))},
      {"args", strings(engine_args(s))},
      {"ports",
       json::array{json::object{{"name", "http"}, {"containerPort", e.port}, {"protocol", "TCP"}}}},
      {"env", env},
      {"resources", json::object{{"requests", json::object{{"cpu", std::to_string(z.cpu_request)},
                                                           {"memory", gib(z.memory_gib)},
                                                           {"nvidia.com/gpu", gpus}}},
                                 {"limits", json::object{{"memory", gib(z.memory_gib)},
                                                         {"nvidia.com/gpu", gpus}}}}},
      // Start-up: the whole weight download and load, then readiness and liveness take over.
      {"startupProbe",
       http_probe(e.health_path, z.startup_period_s, z.startup_failure_threshold, 5)},
      {"readinessProbe", http_probe(e.ready_path, 5, 3, 3)},
      // Gentle: a restart reloads the model, so only minutes of failure restart it.
      {"livenessProbe", http_probe(e.health_path, 30, 5, 10)},
      {"lifecycle",
       json::object{
           {"preStop",
            json::object{
                {"exec",
                 json::object{
                     {"command", json::array{"sleep", std::to_string(s.assume.prestop_s)}}}}}}}},
      {"volumeMounts",
       json::array{json::object{{"name", "model-cache"}, {"mountPath", "/model-cache"}},
                   json::object{{"name", "dshm"}, {"mountPath", "/dev/shm"}}}}};

  json::object pod_spec{
      {"enableServiceLinks", false},
      {"terminationGracePeriodSeconds", z.grace_period_s},
      {"nodeSelector", node_selector(s)},
      {"tolerations", gpu_tolerations()},
      {"affinity", preferred_spread(s, "engine")},
      {"containers", json::array{container}},
      {"volumes",
       json::array{json::object{
                       {"name", "model-cache"},
                       {"persistentVolumeClaim", json::object{{"claimName", cache_claim_name(s)}}}},
                   json::object{{"name", "dshm"},
                                {"emptyDir", json::object{{"medium", "Memory"},
                                                          {"sizeLimit", gib(z.shm_gib)}}}}}}};

  json::object meta = metadata(s, name, "engine");
  meta["annotations"] = json::object{
      {"llmctl.io/plan-option", s.option_id},
      {"llmctl.io/startup-budget",
       fmt::format(
           "{} s = ({} s engine start + {} GB checkpoint / {} MB/s) x {}, rounded up to 10 s",
           z.startup_budget_s, plan::num(s.assume.engine_start_s),
           plan::num(z.checkpoint_bytes / 1e9),
           plan::num(s.assume.load_bandwidth_bytes_per_s / 1e6),
           plan::num(s.assume.startup_margin))},
      {"llmctl.io/grace-period",
       fmt::format("{} s = {} s preStop + {} s longest generation ({} ms TTFT + {} tokens x {} ms "
                   "TPOT, plan p95 at peak) + 10 s",
                   z.grace_period_s, s.assume.prestop_s, plan::num(z.longest_generation_s),
                   plan::num(s.ttft_p95_ms), z.longest_output_tokens, plan::num(s.tpot_p95_ms))}};
  // Why max-num-seqs x max-model-len exceeds the KV cache (docs/DEPLOY.md, "Engine limits").
  if (s.kv_cache_tokens > 0)
    meta["annotations"].as_object()["llmctl.io/engine-limits"] = fmt::format(
        "max-num-seqs {}: the sequences a {}-token KV cache holds at the spec's mean lengths, at "
        "most the engine's scheduler cap ({} in flight per replica at peak); max-model-len {}: "
        "2 x p95 request within the model's context, a per-request ceiling ({} sequences of that "
        "length fit at once)",
        s.max_num_seqs, s.kv_cache_tokens, plan::num(s.in_flight_at_peak), s.max_model_len,
        s.kv_cache_tokens / std::max(1, s.max_model_len));

  json::object spec{{"selector", json::object{{"matchLabels", match}}}};
  // With KEDA the autoscaler owns the replica count; re-applying the manifest must not reset it.
  bool keda = s.autoscaling && !canary;
  if (!keda) spec["replicas"] = canary ? 1 : s.replicas_max;
  spec["revisionHistoryLimit"] = 3;
  // A spare replica (N+1) absorbs one pod down; without one, surge (needs a free GPU node).
  spec["strategy"] =
      json::object{{"type", "RollingUpdate"},
                   {"rollingUpdate", s.spare_replicas > 0
                                         ? json::object{{"maxSurge", 0}, {"maxUnavailable", 1}}
                                         : json::object{{"maxSurge", 1}, {"maxUnavailable", 0}}}};
  spec["template"] =
      json::object{{"metadata", json::object{{"labels", pod_labels}}}, {"spec", pod_spec}};
  return json::object{
      {"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"metadata", meta}, {"spec", spec}};
}

void kubernetes_files(Files& out, const Serving& s, const Sizing& z) {
  json::object ns_meta{{"name", s.ns}, {"labels", labels(s, "namespace")}};
  add_yaml(out, s, "k8s/namespace.yaml", "Namespace",
           {json::object{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", ns_meta}}});
  add_yaml(
      out, s, "k8s/engine-deployment.yaml",
      fmt::format("{} Deployment: {} on {} x {} ({} TP{}{}), {} replicas", s.engine->name,
                  s.model->id, z.gpus_per_replica, s.gpu->id, s.dtype, s.tp,
                  s.pp > 1 ? fmt::format(" PP{}", s.pp) : "",
                  s.autoscaling ? fmt::format("{}-{}", s.replicas_min, s.replicas_max)
                                : std::to_string(s.replicas_max)),
      {engine_deployment(s, z, false)},
      fmt::format("Serving fleet from the plan (option {}). Secrets it reads, created by you:\n"
                  "  kubectl -n {} create secret generic {} --from-literal={}=$HF_TOKEN",
                  s.option_id, s.ns, hf_secret_name(s), kHfSecretKey));
  add_yaml(out, s, "k8s/engine-service.yaml", "engine Service (ClusterIP)",
           {service(s, engine_name(s), "engine", s.engine->port)});
  add_yaml(out, s, "k8s/engine-pdb.yaml", "engine PodDisruptionBudget (one pod at a time)",
           {pdb(s, engine_name(s), "engine")});
  add_yaml(out, s, "k8s/engine-networkpolicy.yaml",
           "engine NetworkPolicy: only the gateway and Prometheus reach the engine",
           {engine_network_policy(s)});
  add_yaml(out, s, "k8s/model-cache-pvc.yaml",
           fmt::format("model cache PersistentVolumeClaim ({})", gib(z.cache_volume_gib)),
           {cache_claim(s, z)});
  if (s.autoscaling)
    add_yaml(
        out, s, "k8s/engine-scaledobject.yaml",
        fmt::format("KEDA ScaledObject on {} ({}-{} replicas)",
                    engine_metric(*s.engine, EngineSignal::kQueue), s.replicas_min, s.replicas_max),
        {scaled_object(s, z)});
  gateway_files(out, s, z);
}

void gateway_files(Files& out, const Serving& s, const Sizing& z) {
  const std::string engine_url =
      fmt::format("http://{}.{}.svc.cluster.local:{}/v1", engine_name(s), s.ns, s.engine->port);
  // Several replicas share keys, limits and budgets through the Redis written beside them
  // (k8s/redis.yaml); one replica keeps them in its SQLite file, the gateway's default.
  const json::value config = gateway_config(s, z, engine_url, s.gateway_replicas > 1);
  const std::string config_text = to_yaml(config);
  add_yaml(out, s, "gateway/gateway.yaml",
           "llmctl gateway config (the same text as the ConfigMap; `llmctl gateway --config "
           "gateway/gateway.yaml --check`)",
           {config});

  json::object cm{{"apiVersion", "v1"},
                  {"kind", "ConfigMap"},
                  {"metadata", metadata(s, gateway_name(s), "gateway")},
                  {"data", json::object{{"gateway.yaml", config_text}}}};
  add_yaml(out, s, "k8s/gateway-configmap.yaml", "gateway ConfigMap", {cm});

  json::array env;
  if (s.fallback)
    env.push_back(json::object{
        {"name", s.fallback->key_env},
        {"valueFrom", json::object{{"secretKeyRef", json::object{{"name", api_secret_name(s)},
                                                                 {"key", s.fallback->key_env}}}}}});
  if (s.gateway_replicas > 1)
    env.push_back(json::object{{"name", "LLMCTL_REDIS_URL"},
                               {"value", fmt::format("redis://{}:{}", redis_name(s), kRedisPort)}});
  json::object container{
      {"name", "gateway"},
      {"image", s.gateway_image},
      {"command", json::array{"llmctl"}},
      {"args", json::array{"gateway", "--config", "/etc/llmctl/gateway.yaml"}},
      {"ports", json::array{json::object{
                    {"name", "http"}, {"containerPort", kGatewayPort}, {"protocol", "TCP"}}}},
      {"env", env},
      {"resources", json::object{{"requests", json::object{{"cpu", "1"}, {"memory", "512Mi"}}},
                                 {"limits", json::object{{"memory", "1Gi"}}}}},
      {"readinessProbe",
       json::object{{"httpGet", json::object{{"path", "/readyz"}, {"port", "http"}}},
                    {"periodSeconds", 5},
                    {"failureThreshold", 2}}},
      {"livenessProbe",
       json::object{{"httpGet", json::object{{"path", "/healthz"}, {"port", "http"}}},
                    {"periodSeconds", 20},
                    {"failureThreshold", 3},
                    {"timeoutSeconds", 5}}},
      {"lifecycle",
       json::object{
           {"preStop",
            json::object{{"exec", json::object{{"command", json::array{"sleep", "10"}}}}}}}},
      {"volumeMounts", json::array{json::object{
                           {"name", "config"}, {"mountPath", "/etc/llmctl"}, {"readOnly", true}}}}};
  json::object pod_meta{
      {"labels", labels(s, "gateway")},
      {"annotations", json::object{{"llmctl.io/config-sha256", sha256_hex(config_text)}}}};
  json::object dep{
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", metadata(s, gateway_name(s), "gateway")},
      {"spec",
       json::object{
           {"replicas", s.gateway_replicas},
           {"revisionHistoryLimit", 3},
           {"selector", json::object{{"matchLabels", selector(s, "gateway")}}},
           {"template",
            json::object{
                {"metadata", pod_meta},
                {"spec",
                 json::object{{"enableServiceLinks", false},
                              {"terminationGracePeriodSeconds", z.gateway_grace_s},
                              {"affinity", preferred_spread(s, "gateway")},
                              {"containers", json::array{container}},
                              {"volumes",
                               json::array{json::object{
                                   {"name", "config"},
                                   {"configMap", json::object{{"name", gateway_name(s)}}}}}}}}}}}}};
  add_yaml(out, s, "k8s/gateway-deployment.yaml",
           fmt::format("llmctl gateway Deployment ({} replicas)", s.gateway_replicas), {dep},
           s.fallback
               ? fmt::format("The fallback's API key comes from a Secret you create:\n"
                             "  kubectl -n {} create secret generic {} --from-literal={}=$...",
                             s.ns, api_secret_name(s), s.fallback->key_env)
               : "");
  add_yaml(out, s, "k8s/gateway-service.yaml", "gateway Service (what clients call)",
           {service(s, gateway_name(s), "gateway", kGatewayPort)});
  add_yaml(out, s, "k8s/gateway-pdb.yaml", "gateway PodDisruptionBudget",
           {pdb(s, gateway_name(s), "gateway")});

  if (s.gateway_replicas <= 1) return;
  // Redis holds what the gateway replicas must share: virtual keys, rate-limit windows, budget
  // reservations and spend (governance.store: redis, read from LLMCTL_REDIS_URL). Keys and spend
  // must survive a restart and must never be evicted, so: a StatefulSet with a volume, the
  // append-only file fsynced every second, and noeviction (a full Redis refuses writes, which the
  // gateway turns into its fail_mode, rather than dropping a key or a budget).
  json::object redis_container{
      {"name", "redis"},
      {"image", kRedisImage},
      {"args", json::array{"--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
                           "--maxmemory", "256mb", "--maxmemory-policy", "noeviction"}},
      {"ports", json::array{json::object{
                    {"name", "redis"}, {"containerPort", kRedisPort}, {"protocol", "TCP"}}}},
      {"resources", json::object{{"requests", json::object{{"cpu", "250m"}, {"memory", "384Mi"}}},
                                 {"limits", json::object{{"memory", "384Mi"}}}}},
      {"readinessProbe",
       json::object{{"exec", json::object{{"command", json::array{"redis-cli", "ping"}}}},
                    {"periodSeconds", 5}}},
      {"livenessProbe", json::object{{"tcpSocket", json::object{{"port", "redis"}}},
                                     {"periodSeconds", 20},
                                     {"failureThreshold", 3}}},
      {"volumeMounts", json::array{json::object{{"name", "data"}, {"mountPath", "/data"}}}}};
  json::object redis_sts{
      {"apiVersion", "apps/v1"},
      {"kind", "StatefulSet"},
      {"metadata", metadata(s, redis_name(s), "redis")},
      {"spec",
       json::object{
           {"replicas", 1},
           {"serviceName", redis_name(s)},
           {"selector", json::object{{"matchLabels", selector(s, "redis")}}},
           {"template",
            json::object{{"metadata", json::object{{"labels", labels(s, "redis")}}},
                         {"spec", json::object{{"enableServiceLinks", false},
                                               {"containers", json::array{redis_container}}}}}},
           {"volumeClaimTemplates",
            json::array{json::object{
                {"metadata", json::object{{"name", "data"}}},
                {"spec", json::object{
                             {"accessModes", json::array{"ReadWriteOnce"}},
                             {"resources",
                              json::object{{"requests", json::object{{"storage", "1Gi"}}}}}}}}}}}}};
  json::object redis_svc{
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", metadata(s, redis_name(s), "redis")},
      {"spec", json::object{{"type", "ClusterIP"},
                            {"selector", selector(s, "redis")},
                            {"ports", json::array{json::object{{"name", "redis"},
                                                               {"port", kRedisPort},
                                                               {"targetPort", "redis"},
                                                               {"protocol", "TCP"}}}}}}};
  json::object redis_np{
      {"apiVersion", "networking.k8s.io/v1"},
      {"kind", "NetworkPolicy"},
      {"metadata", metadata(s, redis_name(s), "redis")},
      {"spec",
       json::object{
           {"podSelector", json::object{{"matchLabels", selector(s, "redis")}}},
           {"policyTypes", json::array{"Ingress"}},
           {"ingress", json::array{json::object{
                           {"from", json::array{json::object{
                                        {"podSelector",
                                         json::object{{"matchLabels", selector(s, "gateway")}}}}}},
                           {"ports", json::array{json::object{{"protocol", "TCP"},
                                                              {"port", kRedisPort}}}}}}}}}};
  add_yaml(out, s, "k8s/redis.yaml",
           "Redis the gateway replicas share for keys, limits and budgets (StatefulSet with a "
           "volume, Service, NetworkPolicy)",
           {redis_sts, redis_svc, redis_np},
           "The gateway's governance store (gateway.yaml: governance.store: redis, its URL from\n"
           "LLMCTL_REDIS_URL): virtual keys, rate-limit windows, budget reservations and spend,\n"
           "shared by every replica. Append-only file on a 1Gi volume, noeviction: keys and spend\n"
           "survive a restart and are never evicted. Unreachable Redis: rate limits fail open,\n"
           "budgets fail closed (governance.fail_mode, docs/GATEWAY.md).");
}

json::value gateway_config(const Serving& s, const Sizing& z, const std::string& engine_url,
                           bool shared_redis) {
  json::array deployments;
  deployments.push_back(json::object{
      {"name", s.name + "-self-hosted"},
      {"provider", "openai-compatible"},
      {"base_url", engine_url},
      // The name the engine serves under: --served-model-name where the engine has it, else the
      // repository it loaded (trtllm-serve).
      {"model", s.engine->flags.count("served_model_name") ? s.served_model_name : s.model_repo},
      {"weight", 1},
      {"max_concurrency", z.gateway_max_concurrency},
      {"queue_timeout_ms",
       std::max(100, static_cast<int>(std::lround(s.ttft_slo_ms.value_or(1000) *
                                                  s.assume.queue_wait_share_of_ttft)))},
      {"timeouts", json::object{{"connect_ms", 2000},
                                {"first_byte_ms", z.gateway_first_byte_ms},
                                {"idle_ms", 30000},
                                {"total_ms", z.gateway_total_ms}}},
      {"price", "none"}});
  if (s.fallback) {
    const Fallback& f = *s.fallback;
    deployments.push_back(
        json::object{{"name", fmt::format("{}-fallback-{}", s.name, f.price->provider)},
                     {"provider", f.provider},
                     {"base_url", f.base_url},
                     {"model", f.price->model},
                     {"api_key_env", f.key_env},
                     {"weight", 0},
                     {"timeouts", json::object{{"connect_ms", 5000},
                                               {"first_byte_ms", z.gateway_first_byte_ms},
                                               {"idle_ms", 30000},
                                               {"total_ms", z.gateway_total_ms}}},
                     {"price", f.price->id}});
  }
  json::object config{{"listen", fmt::format("0.0.0.0:{}", kGatewayPort)},
                      {"workers", 0},
                      {"limits", json::object{{"max_body_bytes", 8 * 1024 * 1024},
                                              {"read_timeout_ms", 30000},
                                              {"keepalive_timeout_ms", 60000}}},
                      {"shutdown", json::object{{"drain_timeout_ms", z.gateway_total_ms}}},
                      {"logging", json::object{{"access_log", true}}},
                      {"models", json::array{json::object{{"name", s.served_model_name},
                                                          {"max_attempts", s.fallback ? 2 : 1},
                                                          {"deployments", deployments}}}}};
  if (shared_redis)
    config["governance"] = json::object{{"store", "redis"}, {"redis_url_env", "LLMCTL_REDIS_URL"}};
  return config;
}

}  // namespace llmctl::deploy::detail
