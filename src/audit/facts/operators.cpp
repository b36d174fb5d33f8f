// Kinds of the serving operators: KServe (InferenceService, LLMInferenceService, ServingRuntime
// and ClusterServingRuntime), KubeAI Model, and KubeRay clusters (RayCluster, RayService,
// RayJob, aibrix RayClusterFleet) with the Ray Serve LLM applications they run.
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

std::string object_name(const Node& obj) { return deref(obj.at("metadata.name")).str(); }

Pos object_pos(const Node& obj) {
  const Node* n = obj.at("metadata.name");
  return n ? n->pos : obj.pos;
}

// Adds `--flag value` tokens for an operator field that stands for an engine flag.
void push_flag(Container& c, std::string_view flag, const Node* v) {
  if (!v || !v->is_scalar()) return;
  c.argv.push_back(Token{std::string(flag), v->pos});
  c.argv.push_back(Token{v->scalar, v->pos});
}

// Splits a flags string held in one env var (KServe's VLLM_ADDITIONAL_ARGS) into tokens.
void push_env_args(const FileCtx& f, Container& c, std::string_view env_name) {
  for (const auto& e : c.env)
    if (e.name == env_name && e.literal)
      for (auto& t : shell_tokens(f, e.value, e.pos, {})) c.argv.push_back(std::move(t));
}

// ---- KServe ----

void read_isvc(FileCtx& f, const Node& obj, ManifestFacts& out) {
  const Node& pred = deref(obj.at("spec.predictor"));
  if (!pred.is_map()) return;
  Workload w;
  w.platform = Platform::kKServe;
  w.kind = "InferenceService";
  w.name = object_name(obj);
  w.ns = deref(obj.at("metadata.namespace")).str();
  w.pos = object_pos(obj);
  w.annotations = string_map(obj.at("metadata.annotations"));
  w.probes_managed = true;
  w.drain_managed = true;
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
  // Multi-node: a workerSpec adds pods to the predictor's serving group.
  if (const Node* ws = pred.get("workerSpec"); ws && ws->is_map()) {
    Workload worker = w;
    worker.containers.clear();
    read_pod_spec(*ws, worker);
    for (auto& c : worker.containers) resolve_engine(f, c, {}, "vllm");
    long long pp = deref(ws->get("pipelineParallelSize")).integer().value_or(1);
    int pods = static_cast<int>(std::max<long long>(pp, 1));
    if (pods > 1) {
      form_group(w, &worker, pods, fmt::format("KServe workerSpec: {} pods", pods));
      out.workloads.push_back(std::move(worker));
    }
  }
  ScalerFact s;
  s.kind = "InferenceService";
  s.name = w.name;
  s.ns = w.ns;
  s.pos = w.pos;
  s.annotations = w.annotations;
  s.target = w.name;
  if (const Node* mr = pred.get("minReplicas")) s.min_replicas = mr->integer(), s.min_pos = mr->pos;
  for (const auto& c : w.containers)
    s.scales_gpu_engine = s.scales_gpu_engine || (c.engine && !c.cpu_only);
  out.scalers.push_back(std::move(s));
  out.workloads.push_back(std::move(w));
}

// One pool of an LLMInferenceService (the main/decode pool or `prefill`): template, worker and
// parallelism; the model comes from spec.model, the image from the LLMInferenceServiceConfig.
void read_llmisvc_pool(FileCtx& f, const Node& obj, const Node& pool, const std::string& label,
                       const std::string& model, Pos model_pos, ManifestFacts& out) {
  const Node* tmpl = pool.get("template");
  if (!tmpl || !tmpl->is_map()) return;
  Workload w;
  w.platform = Platform::kKServe;
  w.kind = "LLMInferenceService";
  w.name = object_name(obj) + label;
  w.ns = deref(obj.at("metadata.namespace")).str();
  w.pos = object_pos(obj);
  w.annotations = string_map(obj.at("metadata.annotations"));
  // The LLMInferenceServiceConfig templates carry the image, the probes and a memory /dev/shm
  // (kserve/kserve:config/llmisvcconfig/config-llm-template.yaml).
  w.probes_managed = true;
  w.drain_managed = true;
  w.shm_ok = true;
  if (const Node* r = pool.get("replicas")) {
    w.replicas = r->integer();
    w.replicas_unknown = r->non_integer();
    w.replicas_pos = r->pos;
  }
  read_pod_spec(*tmpl, w);
  const Node& par = deref(pool.get("parallelism"));
  for (auto& c : w.containers) {
    if (c.name != "main") continue;
    push_env_args(f, c, "VLLM_ADDITIONAL_ARGS");
    c.argv.insert(c.argv.begin(), Token{"serve", c.pos});
    c.argv.insert(c.argv.begin(), Token{"vllm", c.pos});
    c.argv.insert(c.argv.begin() + 2, Token{model, model_pos});
    push_flag(c, "--tensor-parallel-size", par.get("tensor"));
    push_flag(c, "--pipeline-parallel-size", par.get("pipeline"));
    push_flag(c, "--data-parallel-size", par.get("data"));
    resolve_engine(f, c, {}, "vllm");
  }
  const Node* wk = pool.get("worker");
  if (wk && wk->is_map()) {
    Workload worker = w;
    worker.containers.clear();
    read_pod_spec(*wk, worker);
    for (auto& c : worker.containers) resolve_engine(f, c, {}, "vllm");
    long long data = deref(par.get("data")).integer().value_or(0);
    long long local = deref(par.get("dataLocal")).integer().value_or(0);
    long long pp = deref(par.get("pipeline")).integer().value_or(1);
    long long pods = data > 0 && local > 0 ? data / local : std::max<long long>(pp, 1);
    if (pods > 1) {
      form_group(w, &worker, static_cast<int>(pods),
                 fmt::format("LLMInferenceService worker: {} pods", pods));
      out.workloads.push_back(std::move(worker));
    }
  }
  out.workloads.push_back(std::move(w));
}

void read_llmisvc(FileCtx& f, const Node& obj, ManifestFacts& out) {
  const Node& spec = deref(obj.get("spec"));
  const Node& m = deref(spec.get("model"));
  std::string uri = deref(m.get("uri")).str();
  std::string name = deref(m.get("name")).str();
  // hf://org/model names the model; pvc:// and s3:// hold a copy named by spec.model.name.
  bool hub = starts_with(uri, "hf://");
  std::string model = hub ? uri.substr(5) : (name.empty() ? uri : name);
  Pos model_pos = hub ? deref(m.get("uri")).pos : (m.get("name") ? m.get("name")->pos : m.pos);
  read_llmisvc_pool(f, obj, spec, "", model, model_pos, out);
  if (const Node* prefill = spec.get("prefill"); prefill && prefill->is_map())
    read_llmisvc_pool(f, obj, *prefill, " (prefill)", model, model_pos, out);
}

// A runtime is a template for InferenceServices: its probes, images and env are checked; the
// model, resources and parallelism come from each InferenceService.
void read_serving_runtime(FileCtx& f, const Node& obj, const std::string& kind,
                          ManifestFacts& out) {
  const Node& spec = deref(obj.get("spec"));
  Workload w;
  w.platform = Platform::kKServe;
  w.kind = kind;
  w.name = object_name(obj);
  w.pos = object_pos(obj);
  w.drain_managed = true;
  w.runtime_template = true;
  read_pod_spec(spec, w);
  for (auto& c : w.containers) {
    // KServe's Hugging Face server runs vLLM for generative models.
    bool hf = contains(to_lower(c.image), "huggingfaceserver");
    resolve_engine(f, c, {}, hf ? "vllm" : "");
  }
  out.workloads.push_back(std::move(w));
}

// ---- KubeAI ----

void read_kubeai_model(FileCtx& f, const Node& obj, ManifestFacts& out) {
  const Node& spec = deref(obj.get("spec"));
  std::string engine = deref(spec.get("engine")).str();
  std::string name = object_name(obj);
  if (engine != "VLLM") {
    const Node* e = spec.get("engine");
    out.not_understood.push_back({e ? e->pos : object_pos(obj),
                                  outside_catalog_message(fmt::format("KubeAI Model '{}'", name),
                                                          fmt::format("engine {}", engine))});
    return;
  }
  Workload w;
  w.platform = Platform::kKubeAI;
  w.kind = "Model";
  w.name = name;
  w.ns = deref(obj.at("metadata.namespace")).str();
  w.pos = object_pos(obj);
  w.annotations = string_map(obj.at("metadata.annotations"));
  w.probes_managed = true;
  w.drain_managed = true;
  w.cache_ok = spec.get("cacheProfile") != nullptr;
  Container c;
  c.name = name;
  c.pos = object_pos(obj);
  std::string url = deref(spec.get("url")).str();
  Pos url_pos = deref(spec.get("url")).pos;
  std::string model = url;
  for (std::string_view p : {"hf://", "huggingface://"})
    if (starts_with(model, p)) model = model.substr(p.size());
  c.argv = {Token{"vllm", c.pos}, Token{"serve", c.pos}, Token{model, url_pos}};
  for (const auto& a : deref(spec.get("args")).seq) c.argv.push_back(Token{a.str(), a.pos});
  for (const auto& [k, v] : deref(spec.get("env")).map)
    c.env.push_back(EnvVar{k.scalar, v.str(), v.is_scalar(), v.pos});
  // resourceProfile: <profile>:<count>, e.g. nvidia-gpu-h100:8.
  if (const Node* rp = spec.get("resourceProfile")) {
    std::string p = rp->str();
    size_t colon = p.find(':');
    w.gpu_type_hint = p.substr(0, colon);
    w.gpu_type_pos = rp->pos;
    if (starts_with(p, "cpu")) {
      c.cpu_only = true;
    } else {
      c.gpu_limit = colon == std::string::npos ? 1 : to_int(p.substr(colon + 1)).value_or(1);
      c.gpu_pos = rp->pos;
    }
  }
  bool cpu = c.cpu_only;
  resolve_engine(f, c, {}, "vllm");
  c.cpu_only = c.cpu_only || cpu;
  if (c.model.empty()) c.model = model, c.model_pos = url_pos;
  w.containers.push_back(std::move(c));
  ScalerFact s;
  s.kind = "Model";
  s.name = name;
  s.ns = w.ns;
  s.pos = w.pos;
  s.target = name;
  s.annotations = w.annotations;
  s.scales_gpu_engine = !cpu;
  if (const Node* mr = spec.get("minReplicas")) s.min_replicas = mr->integer(), s.min_pos = mr->pos;
  out.scalers.push_back(std::move(s));
  out.workloads.push_back(std::move(w));
}

// ---- KubeRay ----

// GPUs of a Ray group: the container limit, else rayStartParams num-gpus.
long long ray_group_gpus(const Node& group, const Workload& pod) {
  long long g = pod_gpus(pod);
  if (g == 0) g = to_int(deref(group.at("rayStartParams.num-gpus")).str()).value_or(0);
  return g;
}

// Ray Serve LLM (ray.serve.llm) applications in a serve config: each llm_config becomes a vLLM
// container judged against the cluster's GPUs. Other applications are code the audit cannot
// read.
void read_serve_config(FileCtx& f, const Node& obj, const Node& cfg_scalar, Workload base,
                       ManifestFacts& out) {
  auto docs = parse_yaml(cfg_scalar.scalar);
  if (!docs || docs->empty()) return;
  // The serve config is a block scalar: its lines start on the line after the key, indented.
  int first = cfg_scalar.pos.line + 1;
  std::string_view l1 = f.line_text(first);
  int indent = static_cast<int>(l1.find_first_not_of(' '));
  auto outer = [&](Pos p) { return Pos{first + p.line - 1, p.col + std::max(indent, 0)}; };
  for (const auto& app : deref(docs->front().get("applications")).seq) {
    std::string import = deref(app.get("import_path")).str();
    if (!starts_with(import, "ray.serve.llm")) {
      out.not_understood.push_back(
          {outer(app.pos),
           fmt::format("{} '{}' runs a Ray Serve application given as code (import_path {}): "
                       "the audit reads only ray.serve.llm configurations, so its model, engine "
                       "settings and capacity were not checked",
                       deref(obj.get("kind")).str(), object_name(obj), import)});
      continue;
    }
    for (const auto& llm : deref(app.at("args.llm_configs")).seq) {
      Workload w = base;
      Container c;
      c.name = deref(app.get("name")).str();
      c.pos = outer(llm.pos);
      const Node& mlc = deref(llm.get("model_loading_config"));
      const Node* src = mlc.get("model_source");
      if (!src) src = mlc.get("model_id");
      c.argv = {Token{"vllm", c.pos}, Token{"serve", c.pos}};
      if (src) c.argv.push_back(Token{src->str(), outer(src->pos)});
      for (const auto& [k, v] : deref(llm.get("engine_kwargs")).map) {
        if (!v.is_scalar()) continue;
        std::string flag = "--" + k.scalar;
        for (char& ch : flag)
          if (ch == '_') ch = '-';
        c.argv.push_back(Token{flag, outer(k.pos)});
        c.argv.push_back(Token{v.scalar, outer(v.pos)});
      }
      resolve_engine(f, c, {}, "vllm");
      w.containers = {std::move(c)};
      out.workloads.push_back(std::move(w));
    }
  }
}

// A Ray cluster spec (headGroupSpec + workerGroupSpecs). An engine started in the head's command
// (vllm serve ... --distributed-executor-backend ray) leads a group of every GPU in the cluster.
void read_ray_cluster(FileCtx& f, const Node& obj, const Node& cluster, const Node* serve_config,
                      ManifestFacts& out) {
  const std::string kind = deref(obj.get("kind")).str();
  const Node& head = deref(cluster.get("headGroupSpec"));
  Workload h = read_pod_workload(f, obj, kind, deref(head.at("template.spec")),
                                 head.at("template.metadata"));
  h.platform = Platform::kRay;
  h.drain_managed = true;
  long long total = ray_group_gpus(head, h);
  int pods = 1;
  std::vector<Workload> workers;
  for (const auto& g : deref(cluster.get("workerGroupSpecs")).seq) {
    Workload wk =
        read_pod_workload(f, obj, kind, deref(g.at("template.spec")), g.at("template.metadata"));
    wk.platform = Platform::kRay;
    long long n = deref(g.get("replicas"))
                      .integer()
                      .value_or(deref(g.get("minReplicas")).integer().value_or(1)) *
                  deref(g.get("numOfHosts")).integer().value_or(1);
    total += n * ray_group_gpus(g, wk);
    pods += static_cast<int>(n);
    wk.role = Role::kWorker;
    workers.push_back(std::move(wk));
  }
  std::string how =
      fmt::format("Ray cluster: head + {} worker pod{}", pods - 1, pods == 2 ? "" : "s");
  bool head_engine = false;
  for (const auto& c : h.containers) head_engine = head_engine || (c.engine && !c.model.empty());
  if (head_engine) {
    h.role = Role::kLeader;
    h.group_pods = pods;
    h.group_gpus = total;
    h.group_how = how;
    out.workloads.push_back(std::move(h));
    for (auto& wk : workers) out.workloads.push_back(std::move(wk));
    return;
  }
  // Per-pod rules (images, secrets, GPU limits) on every pod of the cluster.
  h.role = Role::kWorker;
  out.workloads.push_back(h);
  for (auto& wk : workers) out.workloads.push_back(std::move(wk));
  if (serve_config && serve_config->is_scalar()) {
    Workload base;
    base.platform = Platform::kRay;
    base.kind = kind;
    base.name = object_name(obj);
    base.ns = deref(obj.at("metadata.namespace")).str();
    base.pos = object_pos(obj);
    base.probes_managed = true;
    base.drain_managed = true;
    base.role = Role::kLeader;
    base.group_pods = pods;
    base.group_gpus = total;
    base.group_how = how;
    base.replicas_share_group = true;
    base.node_hints = h.node_hints;
    read_serve_config(f, obj, *serve_config, std::move(base), out);
  }
}

}  // namespace

bool read_operator_object(FileCtx& f, const Node& obj, const std::string& kind,
                          const std::string& api, ManifestFacts& out) {
  const Node& spec = deref(obj.get("spec"));
  if (kind == "InferenceService" && contains(api, "serving.kserve.io")) {
    read_isvc(f, obj, out);
  } else if (kind == "LLMInferenceService" && contains(api, "serving.kserve.io")) {
    read_llmisvc(f, obj, out);
  } else if ((kind == "ServingRuntime" || kind == "ClusterServingRuntime") &&
             contains(api, "serving.kserve.io")) {
    read_serving_runtime(f, obj, kind, out);
  } else if (kind == "Model" && contains(api, "kubeai.org")) {
    read_kubeai_model(f, obj, out);
  } else if (kind == "RayCluster" && contains(api, "ray.io")) {
    read_ray_cluster(f, obj, spec, nullptr, out);
  } else if (kind == "RayService" && contains(api, "ray.io")) {
    read_ray_cluster(f, obj, deref(spec.get("rayClusterConfig")), spec.get("serveConfigV2"), out);
  } else if (kind == "RayJob" && contains(api, "ray.io")) {
    read_ray_cluster(f, obj, deref(spec.get("rayClusterSpec")), nullptr, out);
  } else if (kind == "RayClusterFleet" && spec.at("template.spec.headGroupSpec")) {
    read_ray_cluster(f, obj, deref(spec.at("template.spec")), nullptr, out);
  } else {
    return false;
  }
  return true;
}

}  // namespace llmctl::audit::detail
