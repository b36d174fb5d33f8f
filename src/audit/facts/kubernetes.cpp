// Core Kubernetes objects: workloads (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
// CronJob, LeaderWorkerSet), Services, PodDisruptionBudgets, HPAs and KEDA ScaledObjects, the
// objects that carry alert rules and dashboards, and the note for kinds that run a model server
// the audit does not read.
#include <fmt/format.h>

#include "audit/facts/manifests.h"
#include "common/strings.h"

namespace llmctl::audit::detail {
namespace {

std::map<std::string, std::string> string_map(const Node* n) {
  std::map<std::string, std::string> out;
  if (n)
    for (const auto& [k, v] : n->map) out[k.scalar] = v.str();
  return out;
}

// The first container image or command in an object that runs a model server, for the note on
// kinds the audit does not read.
void find_model_server(const FileCtx& f, const Node& n, int depth, std::string& what, Pos& at) {
  if (depth > 12 || !what.empty()) return;
  if (n.is_map()) {
    if (const Node* img = n.get("image"); img && img->is_scalar()) {
      Container c;
      c.image = img->scalar;
      for (std::string_view part : {"command", "args"}) {
        const Node& list = deref(n.get(part));
        for (const auto& a : list.seq) c.argv.push_back(Token{a.str(), a.pos});
        if (list.is_scalar()) c.argv.push_back(Token{list.scalar, list.pos});
      }
      resolve_engine(f, c, {});
      if (c.engine) {
        what = c.engine->name;
        at = img->pos;
        return;
      }
      if (auto other = other_model_server(img->scalar); !other.empty()) {
        what = std::string(other);
        at = img->pos;
        return;
      }
    }
    // Image blocks: NIMService's and Helm charts' {repository: ..., tag: ...}, Triton's chart
    // {name: nvcr.io/nvidia/tritonserver:...}.
    for (std::string_view key : {"repository", "name"}) {
      const Node* repo = n.get(key);
      if (!repo || !repo->is_scalar()) continue;
      if (key == "name" && !contains(repo->scalar, "/")) continue;  // a name, not an image
      if (auto other = other_model_server(repo->scalar); !other.empty()) {
        what = std::string(other);
        at = repo->pos;
        return;
      }
      Container c;
      c.image = repo->scalar;
      resolve_engine(f, c, {});
      if (c.engine) {
        what = c.engine->name;
        at = repo->pos;
        return;
      }
    }
    for (const auto& [k, v] : n.map) find_model_server(f, v, depth + 1, what, at);
  } else if (n.is_seq()) {
    for (const auto& v : n.seq) find_model_server(f, v, depth + 1, what, at);
  }
}

// Kinds of serving operators whose objects run a model server the audit does not read (the
// operator builds the pods from presets or its own runtime), by API group and kind. An object
// of one of them is reported as not understood even when no container in it names an engine.
struct OperatorKind {
  std::string_view group, kind, what;
};
constexpr OperatorKind kServingOperatorKinds[] = {
    {"kaito.sh", "Workspace", "a model server built by the KAITO operator"},
    {"kaito.sh", "InferenceSet", "model servers built by the KAITO operator"},
    {"kaito.sh", "RAGEngine", "a RAG service and embedding model built by the KAITO operator"},
    {"inference.llmaz.io", "Playground", "a model server built by the llmaz operator"},
    {"inference.llmaz.io", "Service", "a model server built by the llmaz operator"},
    {"inference.llmaz.io", "BackendRuntime", "an llmaz backend runtime"},
    {"apps.nvidia.com", "NIMService", "NVIDIA NIM"},
    {"apps.nvidia.com", "NIMPipeline", "NVIDIA NIM"},
    {"nvidia.com", "DynamoGraphDeployment", "an NVIDIA Dynamo inference graph"},
    {"orchestration.aibrix.ai", "StormService", "an aibrix StormService"},
    // llm-d's ModelService (llm-d.ai/v1alpha1): prefill and decode pods built by the
    // model-service controller from a base ConfigMap preset (llm-d-deployer docs).
    {"llm-d.ai", "ModelService", "an llm-d ModelService"},
};

std::string_view serving_operator_kind(std::string_view api, std::string_view kind) {
  std::string_view group = api.substr(0, api.find('/'));
  for (const auto& k : kServingOperatorKinds)
    if (k.kind == kind && group == k.group) return k.what;
  return {};
}

void read_hpa(const Node& obj, ManifestFacts& out) {
  const Node& meta = deref(obj.get("metadata"));
  const Node& spec = deref(obj.get("spec"));
  ScalerFact s;
  s.kind = "HorizontalPodAutoscaler";
  s.name = deref(meta.get("name")).str();
  s.ns = deref(meta.get("namespace")).str();
  s.pos = meta.get("name") ? meta.get("name")->pos : obj.pos;
  s.target = deref(spec.at("scaleTargetRef.name")).str();
  s.target_kind = deref(spec.at("scaleTargetRef.kind")).str();
  if (const Node* m = spec.get("minReplicas")) s.min_replicas = m->integer(), s.min_pos = m->pos;
  if (const Node* cpu = spec.get("targetCPUUtilizationPercentage"))
    s.resource_metrics.push_back({"cpu", cpu->pos});
  for (const auto& m : deref(spec.get("metrics")).seq) {
    std::string type = deref(m.get("type")).str();
    if (type == "Resource" || type == "ContainerResource") {
      const Node& r = deref(m.get(type == "Resource" ? "resource" : "containerResource"));
      s.resource_metrics.push_back({deref(r.get("name")).str(), m.pos});
    } else {
      for (std::string_view k : {"external", "pods", "object"})
        if (const Node* name = m.at(std::string(k) + ".metric.name"))
          s.queries.push_back({name->str(), name->pos, "HPA metric"});
    }
  }
  out.scalers.push_back(std::move(s));
}

void read_keda(const Node& obj, ManifestFacts& out) {
  const Node& meta = deref(obj.get("metadata"));
  const Node& spec = deref(obj.get("spec"));
  ScalerFact s;
  s.kind = "ScaledObject";
  s.name = deref(meta.get("name")).str();
  s.ns = deref(meta.get("namespace")).str();
  s.pos = meta.get("name") ? meta.get("name")->pos : obj.pos;
  s.target = deref(spec.at("scaleTargetRef.name")).str();
  s.annotations = string_map(meta.get("annotations"));
  s.min_default = 0;  // KEDA's default minReplicaCount
  if (const Node* m = spec.get("minReplicaCount"))
    s.min_replicas = m->integer(), s.min_pos = m->pos;
  if (const Node* i = spec.get("idleReplicaCount"))
    s.idle_replicas = i->integer(), s.idle_pos = i->pos;
  for (const auto& t : deref(spec.get("triggers")).seq) {
    std::string type = deref(t.get("type")).str();
    const Node& md = deref(t.get("metadata"));
    if (const Node* mn = md.get("metricName"))
      s.metric_name_fields.push_back({mn->str(), type, md.key_pos("metricName")});
    if (const Node* q = md.get("query")) s.queries.push_back({q->str(), q->pos, "KEDA trigger"});
    if (type == "cpu" || type == "memory") s.resource_metrics.push_back({type, t.pos});
  }
  out.scalers.push_back(std::move(s));
}

void read_lws(const FileCtx& f, const Node& obj, ManifestFacts& out) {
  const Node& spec = deref(obj.get("spec"));
  const Node& lwt = deref(spec.get("leaderWorkerTemplate"));
  long long size = deref(lwt.get("size")).integer().value_or(1);
  if (size < 1) size = 1;
  // LeaderWorkerSet injects these into every pod of a group.
  std::map<std::string, std::string> env = {{"LWS_GROUP_SIZE", std::to_string(size)}};
  const Node* leader_t = lwt.get("leaderTemplate");
  const Node* worker_t = lwt.get("workerTemplate");
  if (!worker_t) return;
  // Without a leaderTemplate the leader runs the worker template too.
  const Node* lt = leader_t ? leader_t : worker_t;
  Workload leader = read_pod_workload(f, obj, "LeaderWorkerSet", deref(lt->get("spec")),
                                      lt->get("metadata"), env);
  if (size > 1 && leader_t) {
    Workload worker = read_pod_workload(f, obj, "LeaderWorkerSet", deref(worker_t->get("spec")),
                                        worker_t->get("metadata"), env);
    form_group(leader, &worker, static_cast<int>(size),
               fmt::format("LeaderWorkerSet size {}: leader + {} worker{}", size, size - 1,
                           size == 2 ? "" : "s"));
    out.workloads.push_back(std::move(leader));
    out.workloads.push_back(std::move(worker));
  } else {
    if (size > 1)
      form_group(leader, nullptr, static_cast<int>(size),
                 fmt::format("LeaderWorkerSet size {}, one template", size));
    out.workloads.push_back(std::move(leader));
  }
}

}  // namespace

long long pod_gpus(const Workload& w) {
  long long n = 0;
  for (const auto& c : w.containers)
    if (c.gpu_limit && *c.gpu_limit > 0) n += *c.gpu_limit;
  return n;
}

void form_group(Workload& leader, Workload* worker, int pods, std::string how) {
  long long lg = pod_gpus(leader);
  long long wg = worker ? pod_gpus(*worker) : lg;
  long long total = lg + wg * (pods - 1);
  leader.role = Role::kLeader;
  leader.group_pods = pods;
  leader.group_gpus = lg > 0 || wg > 0 ? total : 0;
  leader.group_how = how;
  if (worker) {
    worker->role = Role::kWorker;
    worker->group_pods = pods;
    worker->group_gpus = leader.group_gpus;
    worker->group_how = std::move(how);
  }
}

Workload read_pod_workload(const FileCtx& f, const Node& obj, const std::string& kind,
                           const Node& spec, const Node* tmpl_meta,
                           const std::map<std::string, std::string>& env) {
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
    w.replicas_unknown = r->non_integer();
    w.replicas_pos = deref(obj.get("spec")).key_pos("replicas");
  }
  read_pod_spec(spec, w);
  // StatefulSet volumeClaimTemplates are PVC-backed volumes of every pod.
  for (const auto& t : deref(obj.at("spec.volumeClaimTemplates")).seq)
    w.volumes.push_back(Volume{deref(t.at("metadata.name")).str(), false, true});
  for (auto& c : w.containers) resolve_engine(f, c, env);
  return w;
}

void read_kubernetes_object(FileCtx& f, const Node& obj, ManifestFacts& out) {
  std::string kind = deref(obj.get("kind")).str();
  std::string api = deref(obj.get("apiVersion")).str();
  const Node& spec = deref(obj.get("spec"));
  const Node& meta = deref(obj.get("metadata"));
  if (kind == "Pod") {
    out.workloads.push_back(read_pod_workload(f, obj, kind, spec, &meta));
  } else if (kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet" ||
             kind == "ReplicaSet" || kind == "Job") {
    out.workloads.push_back(read_pod_workload(f, obj, kind, deref(spec.at("template.spec")),
                                              spec.at("template.metadata")));
  } else if (kind == "CronJob") {
    out.workloads.push_back(read_pod_workload(f, obj, kind,
                                              deref(spec.at("jobTemplate.spec.template.spec")),
                                              spec.at("jobTemplate.spec.template.metadata")));
  } else if (kind == "LeaderWorkerSet") {
    read_lws(f, obj, out);
  } else if (kind == "Service") {
    f.facts.services.push_back({deref(meta.get("namespace")).str(), "Service",
                                deref(meta.get("name")).str(), std::string(f.rel)});
  } else if (kind == "HorizontalPodAutoscaler") {
    read_hpa(obj, out);
  } else if (kind == "PodDisruptionBudget") {
    f.facts.pdbs.push_back({deref(meta.get("namespace")).str(),
                            string_map(spec.at("selector.matchLabels")), std::string(f.rel)});
  } else if (kind == "ScaledObject" && contains(api, "keda.sh")) {
    read_keda(obj, out);
  } else if (kind == "PrometheusRule") {
    out.rule_groups.push_back(spec.get("groups"));
  } else if (kind == "ConfigMap") {
    out.dashboard_maps.push_back(&obj);
  } else if (kind == "Template" && (starts_with(api, "template.openshift.io") || api == "v1")) {
    // An OpenShift Template: its objects[] are Kubernetes objects (with ${PARAM} slots), the way
    // OpenShift AI ships its ServingRuntimes.
    for (const auto& item : deref(obj.get("objects")).seq)
      if (item.is_map()) read_kubernetes_object(f, item, out);
  } else if (!read_operator_object(f, obj, kind, api, out)) {
    // A kind we do not read: say so when it runs a model server.
    std::string engine;
    Pos at = meta.get("name") ? meta.get("name")->pos : obj.pos;
    Pos where = at;
    find_model_server(f, spec, 0, engine, where);
    std::string_view op = serving_operator_kind(api, kind);
    if (!engine.empty() || !op.empty())
      out.not_understood.push_back(
          {at, unread_kind_message(kind, deref(meta.get("name")).str(), api, engine, op)});
  }
}

void read_unknown_values(FileCtx& f, const Node& doc, ManifestFacts& out) {
  std::string_view rel = f.rel;
  std::string base = to_lower(rel.substr(rel.find_last_of('/') + 1));
  if (!(starts_with(base, "values") || ends_with(base, "values.yaml") ||
        ends_with(base, "values.yml")))
    return;
  std::string what;
  Pos at = doc.pos;
  find_model_server(f, doc, 0, what, at);
  if (what.empty()) return;
  out.not_understood.push_back(
      {at, fmt::format("{} looks like the values of a Helm chart the audit does not read (it "
                       "names the {} image): the chart's templates build the pods, so their "
                       "GPUs, engine flags, probes and capacity were not checked; render it "
                       "(helm template) and audit the output",
                       rel.substr(rel.find_last_of('/') + 1), what)});
}

std::string unread_kind_message(std::string_view kind, std::string_view name, std::string_view api,
                                std::string_view engine, std::string_view operator_what) {
  std::string head = fmt::format("{} '{}' ({}) ", kind, name, api);
  std::string runs = engine.empty() ? std::string() : fmt::format("; its pods run {}", engine);
  if (!operator_what.empty())
    return head + fmt::format(
                      "is {}, a serving operator's kind whose pods the operator builds{}; the "
                      "audit does not read it, so GPUs, parallelism, probes and capacity were "
                      "not checked",
                      operator_what, runs);
  return head + fmt::format(
                    "is a kind the audit does not read{}, so the engine flags, GPUs, "
                    "parallelism, probes and capacity of what it deploys were not checked",
                    runs);
}

std::string outside_catalog_message(std::string_view object, std::string_view server) {
  return fmt::format(
      "{} runs {}, a model server outside the catalog: its flags, GPUs and capacity were not "
      "checked",
      object, server);
}

}  // namespace llmctl::audit::detail
