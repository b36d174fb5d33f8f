// Kubernetes objects (workloads, KServe, Service, HPA, PDB, KEDA, PrometheusRule, dashboard
// ConfigMaps) and the other serving formats (production-stack Helm values, docker compose,
// SkyPilot) mapped onto the one Workload shape that the serving rules check.
#include <fmt/format.h>

#include <algorithm>

#include "audit/serving.h"
#include "common/strings.h"

namespace llmctl::audit::detail {
namespace {

constexpr std::string_view kColdStartAnnotation = "llmctl.io/cold-start-budget";

std::map<std::string, std::string> string_map(const Node* n) {
  std::map<std::string, std::string> out;
  if (n)
    for (const auto& [k, v] : n->map) out[k.scalar] = v.str();
  return out;
}

bool is_gpu_engine(const Workload& w) {
  for (const auto& c : w.containers)
    if (c.engine && !c.cpu_only) return true;
  return false;
}

void workload_facts(FileCtx& f, Workload& w) {
  bool gpu_engine = is_gpu_engine(w);
  f.facts.workloads.push_back({w.ns, w.kind, w.name, gpu_engine});
  if (w.platform != Platform::kKubernetes || !gpu_engine) return;
  // K8S013: candidate until a Service named `vllm` shows up in the same namespace.
  if (w.service_links.value_or(true)) {
    for (const auto& c : w.containers) {
      if (!c.engine || c.engine->id != "vllm") continue;
      if (auto fd = f.make("K8S013", c.pos,
                           fmt::format("pod of {} '{}' keeps enableServiceLinks (default true) "
                                       "while a Service named 'vllm' exists: Kubernetes injects "
                                       "VLLM_PORT=tcp://<ip>:<port>, which vLLM reads as its "
                                       "own port setting and crashes",
                                       w.kind, w.name))) {
        ProjectFacts::Candidate cand;
        cand.finding = std::move(*fd);
        cand.ns = w.ns;
        f.facts.service_links.push_back(std::move(cand));
      }
      break;
    }
  }
  // K8S017: candidate until a PodDisruptionBudget or an autoscaler with min >= 2 covers it.
  if ((w.kind == "Deployment" || w.kind == "StatefulSet") && w.replicas.value_or(1) <= 1) {
    if (auto fd = f.make("K8S017", w.replicas ? w.replicas_pos : w.pos,
                         fmt::format("{} '{}' serves with {} replica and no PodDisruptionBudget "
                                     "selects it: a node drain or rollout takes the model offline "
                                     "for the whole reload",
                                     w.kind, w.name, w.replicas.value_or(1)))) {
      ProjectFacts::Candidate cand;
      cand.finding = std::move(*fd);
      cand.ns = w.ns;
      cand.name = w.name;
      cand.labels = w.labels;
      f.facts.single_replica.push_back(std::move(cand));
    }
  }
}

void check_pod_workload(FileCtx& f, const Node& obj, const std::string& kind, const Node& spec,
                        const Node* tmpl_meta) {
  Workload w;
  w.platform = Platform::kKubernetes;
  w.kind = kind;
  const Node& meta = deref(obj.get("metadata"));
  w.name = deref(meta.get("name")).str();
  w.ns = deref(meta.get("namespace")).str();
  w.pos = meta.get("name") ? meta.get("name")->pos : obj.pos;
  w.annotations = string_map(meta.get("annotations"));
  w.labels = string_map(tmpl_meta ? tmpl_meta->get("labels") : meta.get("labels"));
  if (const Node* r = obj.at("spec.replicas")) {
    w.replicas = r->integer();
    w.replicas_pos = deref(obj.get("spec")).key_pos("replicas");
  }
  if (kind == "LeaderWorkerSet") w.multi_node = true;
  read_pod_spec(spec, w);
  // StatefulSet volumeClaimTemplates are PVC-backed volumes of every pod.
  for (const auto& t : deref(obj.at("spec.volumeClaimTemplates")).seq)
    w.volumes.push_back(Volume{deref(t.at("metadata.name")).str(), false, true});
  for (auto& c : w.containers) resolve_engine(f, c, {});
  for (const auto& c : w.containers)
    for (const auto& fl : c.flags)
      if (fl.name == "--distributed-executor-backend" && fl.value == "ray") w.multi_node = true;
  check_workload(f, w);
  workload_facts(f, w);
}

void check_kserve(FileCtx& f, const Node& obj) {
  const Node& meta = deref(obj.get("metadata"));
  const Node& pred = deref(obj.at("spec.predictor"));
  if (!pred.is_map()) return;
  Workload w;
  w.platform = Platform::kKServe;
  w.kind = "InferenceService";
  w.name = deref(meta.get("name")).str();
  w.ns = deref(meta.get("namespace")).str();
  w.pos = meta.get("name") ? meta.get("name")->pos : obj.pos;
  w.annotations = string_map(meta.get("annotations"));
  w.probes_managed = true;
  read_pod_spec(pred, w);
  for (auto& c : w.containers) resolve_engine(f, c, {});
  if (const Node* model = pred.get("model"); model && model->is_map()) {
    // The model spec is one container whose image comes from the serving runtime.
    Node fake;
    fake.kind = Node::Kind::kMap;
    Node key;
    key.kind = Node::Kind::kScalar;
    key.scalar = "containers";
    Node list;
    list.kind = Node::Kind::kSeq;
    list.seq.push_back(*model);
    fake.map.emplace_back(key, list);
    Workload tmp;
    read_pod_spec(fake, tmp);
    Container c = std::move(tmp.containers.front());
    c.name = "kserve-container";
    c.pos = pred.key_pos("model");
    std::string format = to_lower(deref(model->at("modelFormat.name")).str());
    std::string joined;
    for (const auto& t : c.argv) joined += t.text + " ";
    bool hf_vllm = format == "huggingface" && !contains(joined, "--backend=huggingface");
    resolve_engine(f, c, {}, hf_vllm ? "vllm" : "");
    if (c.engine) {
      for (const auto& fl : c.flags)
        if (fl.name == "--model-id" && fl.has_value) c.model = fl.value, c.model_pos = fl.pos;
      if (c.model.empty())
        if (const Node* uri = model->get("storageUri")) {
          c.model = uri->str();
          c.model_pos = uri->pos;
        }
    }
    w.containers.push_back(std::move(c));
  }
  check_workload(f, w);
  workload_facts(f, w);
  // K8S016: scale to zero (Knative) without a cold-start budget.
  if (const Node* mr = pred.get("minReplicas");
      mr && mr->integer() == 0 && is_gpu_engine(w) &&
      !w.annotations.count(std::string(kColdStartAnnotation)))
    f.emit("K8S016", mr->pos,
           fmt::format("InferenceService '{}' scales to zero (minReplicas: 0): the first request "
                       "after idle waits for a node, an image pull and the whole model load",
                       w.name),
           fmt::format("keep minReplicas >= 1, or accept it explicitly with the annotation {}: "
                       "\"<seconds>\" after measuring the cold start",
                       kColdStartAnnotation));
}

void check_hpa(FileCtx& f, const Node& obj) {
  const Node& meta = deref(obj.get("metadata"));
  const Node& spec = deref(obj.get("spec"));
  std::string ns = deref(meta.get("namespace")).str();
  std::string target = deref(spec.at("scaleTargetRef.name")).str();
  std::string target_kind = deref(spec.at("scaleTargetRef.kind")).str();
  int min = static_cast<int>(deref(spec.get("minReplicas")).integer().value_or(1));
  f.facts.scalers.push_back({ns, target, min});
  std::vector<std::pair<std::string, Pos>> resources;
  if (const Node* cpu = spec.get("targetCPUUtilizationPercentage"))
    resources.emplace_back("cpu", cpu->pos);
  for (const auto& m : deref(spec.get("metrics")).seq) {
    std::string type = deref(m.get("type")).str();
    if (type == "Resource" || type == "ContainerResource") {
      const Node& r = deref(m.get(type == "Resource" ? "resource" : "containerResource"));
      resources.emplace_back(deref(r.get("name")).str(), m.pos);
    } else {
      for (std::string_view k : {"external", "pods", "object"}) {
        const Node* name = m.at(std::string(k) + ".metric.name");
        if (name) check_promql(f, name->str(), name->pos, "HPA metric");
      }
    }
  }
  for (const auto& [res, pos] : resources) {
    if (res != "cpu" && res != "memory") continue;
    if (auto fd = f.make("K8S014", pos,
                         fmt::format("HorizontalPodAutoscaler '{}' scales '{}' on {} "
                                     "utilisation, which does not track GPU inference load (the "
                                     "engine is GPU-bound and queues requests at flat CPU)",
                                     deref(meta.get("name")).str(), target, res))) {
      ProjectFacts::Candidate cand;
      cand.finding = std::move(*fd);
      cand.ns = ns;
      cand.target_kind = target_kind;
      cand.target_name = target;
      f.facts.hpa_resource.push_back(std::move(cand));
    }
  }
}

void check_keda(FileCtx& f, const Node& obj) {
  const Node& meta = deref(obj.get("metadata"));
  const Node& spec = deref(obj.get("spec"));
  std::string ns = deref(meta.get("namespace")).str();
  std::string name = deref(meta.get("name")).str();
  std::string target = deref(spec.at("scaleTargetRef.name")).str();
  auto annotations = string_map(meta.get("annotations"));
  // KEDA's default minReplicaCount is 0.
  const Node* min_node = spec.get("minReplicaCount");
  long long min = min_node ? min_node->integer().value_or(1) : 0;
  const Node* idle = spec.get("idleReplicaCount");
  f.facts.scalers.push_back({ns, target, static_cast<int>(min)});
  bool to_zero = min == 0 || (idle && idle->integer() == 0);
  if (to_zero && !annotations.count(std::string(kColdStartAnnotation))) {
    Pos at = idle && idle->integer() == 0 ? idle->pos
             : min_node                   ? min_node->pos
                                          : (meta.get("name") ? meta.get("name")->pos : obj.pos);
    f.emit("K8S016", at,
           fmt::format("ScaledObject '{}' scales '{}' to zero ({}): the first request after idle "
                       "waits for a node, an image pull and the whole model load",
                       name, target,
                       idle && idle->integer() == 0 ? "idleReplicaCount: 0"
                       : min_node                   ? "minReplicaCount: 0"
                                                    : "minReplicaCount unset, KEDA's default is 0"),
           fmt::format("set minReplicaCount: 1, or accept the cold start explicitly with the "
                       "annotation {}: \"<seconds>\"",
                       kColdStartAnnotation));
  }
  for (const auto& t : deref(spec.get("triggers")).seq) {
    std::string type = deref(t.get("type")).str();
    const Node& md = deref(t.get("metadata"));
    if (const Node* mn = md.get("metricName"))
      f.emit("K8S015", md.key_pos("metricName"),
             fmt::format("KEDA {} trigger sets metricName '{}': deprecated in KEDA 2.10 and "
                         "removed in 2.12, where the ScaledObject is rejected",
                         type, mn->str()));
    if (const Node* q = md.get("query")) check_promql(f, q->str(), q->pos, "KEDA trigger");
    if (type == "cpu" || type == "memory") {
      if (auto fd = f.make("K8S014", t.pos,
                           fmt::format("ScaledObject '{}' scales '{}' on {} utilisation, which "
                                       "does not track GPU inference load",
                                       name, target, type))) {
        ProjectFacts::Candidate cand;
        cand.finding = std::move(*fd);
        cand.ns = ns;
        cand.target_name = target;
        f.facts.hpa_resource.push_back(std::move(cand));
      }
    }
  }
}

void check_dashboard_configmap(FileCtx& f, const Node& obj) {
  for (const auto& [k, v] : deref(obj.get("data")).map) {
    if (!v.is_scalar() || !contains(v.scalar, "\"panels\"")) continue;
    auto doc = parse_json(v.scalar);
    if (!doc) continue;
    // Positions inside the embedded JSON are re-found in the file text.
    FileCtx inner(f.auditor, f.path, f.rel, v.scalar);
    const Node* d = &*doc;
    if (const Node* dd = d->get("dashboard")) d = dd;
    check_grafana(inner, *d);
    for (auto& fd : inner.findings) {
      std::string_view line = inner.line_text(fd.line);
      std::string needle = trim(line.substr(0, std::min<size_t>(line.size(), 60)));
      size_t q = needle.find_first_of("\"\\");
      if (q != std::string::npos && q > 8) needle = needle.substr(0, q);
      Pos p = f.find_from(v.pos.line, needle, v.pos, 100000);
      f.emit(fd.rule, p, fd.message, fd.fix, fd.severity);
    }
  }
}

}  // namespace

void check_kubernetes(FileCtx& f, const std::vector<const Node*>& docs) {
  for (const Node* doc : docs) {
    const Node& obj = *doc;
    std::string kind = deref(obj.get("kind")).str();
    std::string api = deref(obj.get("apiVersion")).str();
    const Node& spec = deref(obj.get("spec"));
    const Node& meta = deref(obj.get("metadata"));
    if (kind == "Pod") {
      check_pod_workload(f, obj, kind, spec, &meta);
    } else if (kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet" ||
               kind == "ReplicaSet" || kind == "Job") {
      check_pod_workload(f, obj, kind, deref(spec.at("template.spec")),
                         spec.at("template.metadata"));
    } else if (kind == "CronJob") {
      check_pod_workload(f, obj, kind, deref(spec.at("jobTemplate.spec.template.spec")),
                         spec.at("jobTemplate.spec.template.metadata"));
    } else if (kind == "LeaderWorkerSet") {
      const Node& lwt = deref(spec.get("leaderWorkerTemplate"));
      for (std::string_view part : {"leaderTemplate", "workerTemplate"})
        if (const Node* t = lwt.get(part))
          check_pod_workload(f, obj, kind, deref(t->get("spec")), t->get("metadata"));
    } else if (kind == "InferenceService" && contains(api, "serving.kserve.io")) {
      check_kserve(f, obj);
    } else if (kind == "Service") {
      f.facts.services.emplace_back(deref(meta.get("namespace")).str(),
                                    deref(meta.get("name")).str());
    } else if (kind == "HorizontalPodAutoscaler") {
      check_hpa(f, obj);
    } else if (kind == "PodDisruptionBudget") {
      f.facts.pdbs.push_back(
          {deref(meta.get("namespace")).str(), string_map(spec.at("selector.matchLabels"))});
    } else if (kind == "ScaledObject" && contains(api, "keda.sh")) {
      check_keda(f, obj);
    } else if (kind == "PrometheusRule") {
      check_prometheus_groups(f, deref(spec.get("groups")));
    } else if (kind == "ConfigMap") {
      check_dashboard_configmap(f, obj);
    }
  }
}

// ---- production-stack Helm values ----

void check_helm_values(FileCtx& f, const Node& doc) {
  const Node& ses = deref(doc.get("servingEngineSpec"));
  // Engine-wide probes: the chart ships a startupProbe; a values override can shorten it.
  const Node* startup = ses.get("startupProbe");
  for (const auto& ms : deref(ses.get("modelSpec")).seq) {
    Workload w;
    w.platform = Platform::kHelm;
    w.kind = "modelSpec";
    w.name = deref(ms.get("name")).str();
    w.pos = ms.pos;
    w.probes_managed = true;
    w.shm_ok = ms.get("shmSize") != nullptr;
    w.cache_ok = ms.get("pvcStorage") != nullptr;
    if (const Node* rc = ms.get("replicaCount")) {
      w.replicas = rc->integer();
      w.replicas_pos = rc->pos;
    }
    if (const Node* t = ms.get("requestGPUType")) {
      w.gpu_type_hint = t->str();
      w.gpu_type_pos = t->pos;
      if (contains(to_lower(t->str()), "shared")) w.shared_gpu = true;
    }
    for (const auto& term : deref(ms.get("nodeSelectorTerms")).seq)
      for (const auto& e : deref(term.get("matchExpressions")).seq) {
        const Node& vals = deref(e.get("values"));
        if (vals.is_seq() && vals.seq.size() == 1)
          w.node_hints.emplace_back(deref(e.get("key")).str(), vals.seq[0].str());
      }
    Container c;
    c.name = w.name;
    c.pos = ms.pos;
    const Node* repo = ms.get("repository");
    const Node* tag = ms.get("tag");
    c.image = deref(repo).str() + (tag ? ":" + tag->str() : "");
    c.image_pos = tag ? tag->pos : (repo ? repo->pos : ms.pos);
    if (const Node* g = ms.get("requestGPU")) {
      c.gpu_limit = g->integer().value_or(-1);
      c.gpu_pos = g->pos;
    }
    for (const auto& e : deref(ms.get("env")).seq) {
      EnvVar ev;
      ev.name = deref(e.get("name")).str();
      ev.pos = e.pos;
      if (const Node* v = e.get("value"); v && v->is_scalar()) {
        ev.value = v->scalar;
        ev.literal = true;
        ev.pos = v->pos;
      }
      c.env.push_back(ev);
    }
    // vllmConfig fields become the flags the chart renders, extraArgs follow them.
    static const std::pair<std::string_view, std::string_view> kVllmConfig[] = {
        {"maxModelLen", "--max-model-len"},
        {"tensorParallelSize", "--tensor-parallel-size"},
        {"pipelineParallelSize", "--pipeline-parallel-size"},
        {"gpuMemoryUtilization", "--gpu-memory-utilization"},
        {"maxNumSeqs", "--max-num-seqs"},
        {"dtype", "--dtype"},
        {"enablePrefixCaching", "--enable-prefix-caching"},
        {"enableChunkedPrefill", "--enable-chunked-prefill"},
        {"maxLoras", "--max-loras"},
    };
    c.argv.push_back(Token{"vllm", ms.pos});
    c.argv.push_back(Token{"serve", ms.pos});
    if (const Node* url = ms.get("modelURL")) c.argv.push_back(Token{url->str(), url->pos});
    const Node& vc = deref(ms.get("vllmConfig"));
    for (const auto& [key, flag] : kVllmConfig) {
      const Node* v = vc.get(key);
      if (!v || !v->is_scalar()) continue;
      auto b = v->boolean();
      if (b && *b == false) continue;  // the chart renders no flag for false
      c.argv.push_back(Token{std::string(flag), vc.key_pos(key)});
      if (!b) c.argv.push_back(Token{v->scalar, v->pos});
    }
    for (const auto& a : deref(vc.get("extraArgs")).seq) c.argv.push_back(Token{a.str(), a.pos});
    resolve_engine(f, c, {}, "vllm");
    if (c.model.empty())
      if (const Node* url = ms.get("modelURL")) c.model = url->str(), c.model_pos = url->pos;
    // Secrets given as literal strings in values.
    for (std::string_view key : {"hf_token", "vllmApiKey"}) {
      const Node* t = ms.get(key);
      if (!t) t = key == "vllmApiKey" ? ses.get(key) : nullptr;
      if (t && t->is_scalar() && looks_like_secret(t->scalar))
        f.emit(
            "K8S006", t->pos,
            fmt::format("{} is a literal string ('{}...') in Helm values: it ends up in the "
                        "release manifest and in every copy of this file",
                        key, t->scalar.substr(0, 4)),
            fmt::format("use {}: {{secretName: ..., secretKey: ...}} pointing at a Secret", key));
    }
    w.containers.push_back(std::move(c));
    if (startup && startup->is_map()) {
      long long budget = deref(startup->get("initialDelaySeconds")).integer().value_or(0) +
                         deref(startup->get("failureThreshold")).integer().value_or(3) *
                             deref(startup->get("periodSeconds")).integer().value_or(10);
      if (budget < 120)
        f.emit("K8S003", ses.key_pos("startupProbe"),
               fmt::format("servingEngineSpec.startupProbe gives up after {} s; loading {} "
                           "takes longer",
                           budget, w.containers.front().model));
    }
    check_workload(f, w);
    // K8S016 for the chart's KEDA block.
    const Node& keda = deref(ms.get("keda"));
    if (deref(keda.get("enabled")).boolean().value_or(false)) {
      const Node* min = keda.get("minReplicaCount");
      const Node* idle = keda.get("idleReplicaCount");
      if ((min && min->integer() == 0) || (idle && idle->integer() == 0))
        f.emit("K8S016", (idle && idle->integer() == 0) ? idle->pos : min->pos,
               fmt::format("modelSpec '{}' scales to zero through KEDA: the first request after "
                           "idle waits for a node, an image pull and the whole model load",
                           w.name));
      for (const auto& t : deref(keda.get("triggers")).seq) {
        const Node& md = deref(t.get("metadata"));
        if (const Node* mn = md.get("metricName"))
          f.emit("K8S015", md.key_pos("metricName"),
                 fmt::format("KEDA trigger sets metricName '{}': deprecated in KEDA 2.10 and "
                             "removed in 2.12",
                             mn->str()));
        if (const Node* q = md.get("query")) check_promql(f, q->str(), q->pos, "KEDA trigger");
      }
    }
  }
}

// ---- docker compose ----

void check_compose(FileCtx& f, const Node& doc) {
  for (const auto& [key, svc] : deref(doc.get("services")).map) {
    if (!svc.is_map()) continue;
    Workload w;
    w.platform = Platform::kCompose;
    w.kind = "service";
    w.name = key.scalar;
    w.pos = key.pos;
    w.shm_ok = deref(svc.get("ipc")).str() == "host" || svc.get("shm_size") != nullptr;
    Container c;
    c.name = key.scalar;
    c.pos = key.pos;
    c.image = deref(svc.get("image")).str();
    c.image_pos = svc.get("image") ? svc.get("image")->pos : key.pos;
    const Node& envn = deref(svc.get("environment"));
    for (const auto& [k, v] : envn.map) {
      EnvVar ev;
      ev.name = k.scalar;
      ev.value = v.str();
      ev.literal = v.is_scalar();
      ev.pos = v.is_scalar() ? v.pos : k.pos;
      c.env.push_back(ev);
    }
    for (const auto& item : envn.seq) {
      std::string s = item.str();
      size_t eq = s.find('=');
      EnvVar ev;
      ev.name = s.substr(0, eq);
      ev.pos = item.pos;
      if (eq != std::string::npos) ev.value = s.substr(eq + 1), ev.literal = true;
      c.env.push_back(ev);
    }
    for (std::string_view part : {"entrypoint", "command"}) {
      const Node& cmd = deref(svc.get(part));
      if (cmd.is_seq())
        for (const auto& a : cmd.seq) c.argv.push_back(Token{a.str(), a.pos});
      else if (cmd.is_scalar())
        c.argv.push_back(Token{cmd.scalar + " ", cmd.pos});  // a shell-style string
    }
    for (const auto& d : deref(svc.at("deploy.resources.reservations.devices")).seq) {
      bool gpu = false;
      for (const auto& cap : deref(d.get("capabilities")).seq) gpu = gpu || cap.str() == "gpu";
      if (!gpu && deref(d.get("driver")).str() != "nvidia") continue;
      const Node* count = d.get("count");
      const Node* ids = d.get("device_ids");
      c.gpu_limit = count ? count->integer().value_or(-1)
                          : (ids && ids->is_seq() ? static_cast<long long>(ids->seq.size()) : -1);
      c.gpu_pos = d.pos;
    }
    if (const Node* g = svc.get("gpus")) {
      c.gpu_limit = g->integer().value_or(-1);
      c.gpu_pos = g->pos;
    }
    if (deref(svc.get("runtime")).str() == "nvidia" && !c.gpu_limit) c.gpu_limit = -1;
    for (const auto& v : deref(svc.get("volumes")).seq) {
      std::string s = v.is_scalar() ? v.scalar : deref(v.get("target")).str();
      size_t colon = s.find(':');
      std::string target = colon == std::string::npos ? s : s.substr(colon + 1);
      if (size_t c2 = target.find(':'); c2 != std::string::npos) target = target.substr(0, c2);
      c.mounts.emplace_back("volume", target);
    }
    resolve_engine(f, c, {});
    w.containers.push_back(std::move(c));
    check_workload(f, w);
  }
}

// ---- SkyPilot ----

void check_skypilot(FileCtx& f, const Node& doc) {
  Workload w;
  w.platform = Platform::kSkyPilot;
  w.kind = "task";
  w.name = deref(doc.get("name")).str();
  w.pos = doc.pos;
  w.nodes = static_cast<int>(deref(doc.get("num_nodes")).integer().value_or(1));
  w.multi_node = w.nodes > 1;
  Container c;
  c.name = w.name.empty() ? "run" : w.name;
  std::map<std::string, std::string> env;
  for (const auto& [k, v] : deref(doc.get("envs")).map) {
    EnvVar ev;
    ev.name = k.scalar;
    ev.pos = v.is_scalar() ? v.pos : k.pos;
    if (v.is_scalar()) {
      ev.value = v.scalar;
      ev.literal = true;
      env[k.scalar] = v.scalar;
    }
    c.env.push_back(ev);
  }
  const Node& res = deref(doc.get("resources"));
  const Node& acc = deref(res.get("accelerators"));
  auto parse_acc = [&](const std::string& s, Pos p) {
    size_t colon = s.find(':');
    w.gpu_type_hint = s.substr(0, colon);
    w.gpu_type_pos = p;
    c.gpu_limit = colon == std::string::npos ? 1 : std::atoll(s.c_str() + colon + 1);
    c.gpu_pos = p;
  };
  if (acc.is_scalar()) {
    parse_acc(acc.scalar, acc.pos);
  } else if (acc.is_map() && !acc.map.empty()) {
    // {L4: 1, A10G: 1}: any of these; the type is known only when there is one.
    long long n = acc.map.front().second.integer().value_or(1);
    bool same = true;
    for (const auto& [k, v] : acc.map) same = same && v.integer().value_or(1) == n;
    if (acc.map.size() == 1) w.gpu_type_hint = acc.map.front().first.scalar;
    if (same) c.gpu_limit = n, c.gpu_pos = acc.pos;
  } else if (acc.is_seq() && acc.seq.size() == 1) {
    parse_acc(acc.seq.front().str(), acc.seq.front().pos);
  }
  env["SKYPILOT_NUM_GPUS_PER_NODE"] = c.gpu_limit ? std::to_string(*c.gpu_limit) : "1";
  env["SKYPILOT_NUM_NODES"] = std::to_string(w.nodes);
  std::string image = deref(res.get("image_id")).str();
  if (starts_with(image, "docker:")) {
    c.image = image.substr(7);
    c.image_pos = res.get("image_id")->pos;
  }
  const Node& run = deref(doc.get("run"));
  c.pos = run.is_scalar() ? run.pos : doc.pos;
  if (run.is_scalar()) c.argv = shell_tokens(f, run.scalar, run.pos, env);
  resolve_engine(f, c, env);
  if (!c.engine) {
    // A task without an engine still must not carry literal tokens.
    for (const auto& e : c.env)
      if (e.literal && looks_like_provider_key(e.value))
        f.emit("K8S006", e.pos, fmt::format("envs {} holds a literal secret", e.name));
    return;
  }
  w.containers.push_back(std::move(c));
  check_workload(f, w);
}

}  // namespace llmctl::audit::detail
