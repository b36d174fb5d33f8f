// Serving inputs that are not Kubernetes objects: vllm-project/production-stack Helm values
// (modelSpec entries, raySpec clusters, keda blocks), docker compose services, SkyPilot tasks and
// dstack services and tasks.
#include <fmt/format.h>

#include <cctype>
#include <set>

#include "audit/facts/manifests.h"
#include "common/strings.h"

namespace llmctl::audit::detail {

// ---- production-stack Helm values ----

void read_helm_values(FileCtx& f, const Node& doc, ManifestFacts& out) {
  const Node& ses = deref(doc.get("servingEngineSpec"));
  // Engine-wide probes: the chart ships them; a values override is the user's setting.
  const Node* startup = ses.get("startupProbe");
  for (const auto& ms : deref(ses.get("modelSpec")).seq) {
    // `enabled: false` entries are documentation (the chart's own example): nothing deploys.
    if (deref(ms.get("enabled")).boolean() == false) continue;
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
      w.replicas_unknown = rc->non_integer();
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
    if (startup && startup->is_map()) {
      c.startup.present = true;
      c.startup.pos = ses.key_pos("startupProbe");
      c.startup.initial_delay = deref(startup->get("initialDelaySeconds")).integer().value_or(0);
      c.startup.failure = deref(startup->get("failureThreshold")).integer().value_or(3);
      c.startup.period = deref(startup->get("periodSeconds")).integer().value_or(10);
    }
    // raySpec: the chart runs the model on a Ray cluster of a head (raySpec.headNode) and
    // replicaCount workers with requestGPU each (helm/templates/ray-cluster.yaml).
    const Node& ray = deref(ms.get("raySpec"));
    if (deref(ray.get("enabled")).boolean().value_or(false)) {
      long long head = deref(ray.at("headNode.requestGPU")).integer().value_or(0);
      long long workers = w.replicas.value_or(1);
      long long per = c.gpu_limit.value_or(0);
      w.role = Role::kLeader;
      w.group_pods = static_cast<int>(1 + workers);
      w.group_gpus = head + workers * per;
      w.group_how = fmt::format("raySpec: head with {} GPU{} + {} worker{} with {} each", head,
                                head == 1 ? "" : "s", workers, workers == 1 ? "" : "s", per);
    }
    // Secrets given as literal strings in values (K8S006 reads these as env of the engine).
    for (std::string_view key : {"hf_token", "vllmApiKey"}) {
      const Node* t = ms.get(key);
      if (!t) t = key == "vllmApiKey" ? ses.get(key) : nullptr;
      if (t && t->is_scalar())
        c.env.push_back(
            EnvVar{key == "hf_token" ? "HF_TOKEN" : "VLLM_API_KEY", t->scalar, true, t->pos});
    }
    w.containers.push_back(std::move(c));
    // The chart's KEDA block scales this modelSpec.
    const Node& keda = deref(ms.get("keda"));
    if (deref(keda.get("enabled")).boolean().value_or(false)) {
      ScalerFact s;
      s.kind = "modelSpec keda";
      s.name = w.name;
      s.target = w.name;
      s.pos = ms.pos;
      s.scales_gpu_engine = true;
      if (const Node* m = keda.get("minReplicaCount"))
        s.min_replicas = m->integer(), s.min_pos = m->pos;
      if (const Node* i = keda.get("idleReplicaCount"))
        s.idle_replicas = i->integer(), s.idle_pos = i->pos;
      const Node& trig = deref(keda.get("triggers"));
      auto trigger = [&](const Node& t) {
        const Node& md = deref(t.get("metadata"));
        if (const Node* mn = md.get("metricName"))
          s.metric_name_fields.push_back(
              {mn->str(), deref(t.get("type")).str(), md.key_pos("metricName")});
        if (const Node* q = md.get("query"))
          s.queries.push_back({q->str(), q->pos, "KEDA trigger"});
      };
      for (const auto& t : trig.seq) trigger(t);
      if (trig.is_map()) trigger(trig);
      out.scalers.push_back(std::move(s));
    }
    out.workloads.push_back(std::move(w));
  }
}

// ---- docker compose ----

void read_compose(FileCtx& f, const Node& doc, ManifestFacts& out) {
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
    // `build:` makes compose build the image from the service's context (the image name is
    // the tag of that build); pull_policy build/never never pulls it.
    const std::string pull_policy = deref(svc.get("pull_policy")).str();
    c.built_locally = svc.get("build") != nullptr || pull_policy == "build";
    c.never_pulled = pull_policy == "never";
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
      std::string driver = deref(d.get("driver")).str();
      if (!gpu && driver != "nvidia" && driver != "amd") continue;
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
    // GPUs passed through as devices: ROCm's /dev/kfd and /dev/dri (AMD; /dev/dri alone is an
    // Intel GPU), or CDI names (amd.com/gpu=all, nvidia.com/gpu=0). The count is not stated.
    for (const auto& d : deref(svc.get("devices")).seq) {
      std::string dev = d.is_scalar() ? d.scalar : deref(d.get("source")).str();
      dev = dev.substr(0, dev.find(':'));
      if (starts_with(dev, "/dev/kfd") || starts_with(dev, "/dev/dri") ||
          contains(dev, ".com/gpu=")) {
        if (!c.gpu_limit) c.gpu_limit = -1, c.gpu_pos = d.pos;
        if (c.gpu_resource.empty()) c.gpu_resource = "devices " + dev;
      }
    }
    std::string runtime = deref(svc.get("runtime")).str();
    if ((runtime == "nvidia" || runtime == "amd") && !c.gpu_limit) c.gpu_limit = -1;
    for (const auto& v : deref(svc.get("volumes")).seq) {
      std::string s = v.is_scalar() ? v.scalar : deref(v.get("target")).str();
      size_t colon = s.find(':');
      std::string target = colon == std::string::npos ? s : s.substr(colon + 1);
      if (size_t c2 = target.find(':'); c2 != std::string::npos) target = target.substr(0, c2);
      c.mounts.emplace_back("volume", target);
    }
    resolve_engine(f, c, {});
    w.containers.push_back(std::move(c));
    out.workloads.push_back(std::move(w));
  }
}

// ---- SkyPilot ----

void read_skypilot(FileCtx& f, const Node& doc, ManifestFacts& out) {
  Workload w;
  w.platform = Platform::kSkyPilot;
  w.kind = "task";
  w.name = deref(doc.get("name")).str();
  w.pos = doc.pos;
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
    w.gpu_type_hint = trim(s.substr(0, colon));
    w.gpu_type_pos = p;
    c.gpu_limit = colon == std::string::npos ? 1 : to_int(s.substr(colon + 1)).value_or(-1);
    c.gpu_pos = p;
  };
  if (acc.is_scalar()) {
    parse_acc(acc.scalar, acc.pos);
  } else if (acc.is_map() && !acc.map.empty()) {
    // {L4: 1, A10G: 1} or {H100:8, H200:8} (YAML reads `H100:8` as a key without a value): any
    // of these; the type and count are known only when they agree.
    std::set<std::string> types;
    std::set<long long> counts;
    for (const auto& [k, v] : acc.map) {
      std::string key = k.scalar;
      long long n = v.integer().value_or(1);
      if (v.is_null())
        if (size_t colon = key.find(':'); colon != std::string::npos) {
          n = to_int(key.substr(colon + 1)).value_or(-1);
          key = key.substr(0, colon);
        }
      types.insert(to_lower(trim(key)));
      counts.insert(n);
    }
    if (types.size() == 1) w.gpu_type_hint = *types.begin(), w.gpu_type_pos = acc.pos;
    if (counts.size() == 1 && *counts.begin() > 0)
      c.gpu_limit = *counts.begin(), c.gpu_pos = acc.pos;
  } else if (acc.is_seq() && acc.seq.size() == 1) {
    parse_acc(acc.seq.front().str(), acc.seq.front().pos);
  }
  const long long nodes = deref(doc.get("num_nodes")).integer().value_or(1);
  if (nodes > 1 && c.gpu_limit && *c.gpu_limit > 0) {
    w.role = Role::kLeader;
    w.group_pods = static_cast<int>(nodes);
    w.group_gpus = nodes * *c.gpu_limit;
    w.group_how = fmt::format("num_nodes {} x {} GPUs", nodes, *c.gpu_limit);
  }
  // SkyPilot sets these at run time; only known counts are expanded (a mixed accelerator list
  // leaves the per-node GPU count open).
  if (c.gpu_limit && *c.gpu_limit > 0)
    env["SKYPILOT_NUM_GPUS_PER_NODE"] = std::to_string(*c.gpu_limit);
  env["SKYPILOT_NUM_NODES"] = std::to_string(nodes);
  std::string image = deref(res.get("image_id")).str();
  if (starts_with(image, "docker:")) {
    c.image = image.substr(7);
    c.image_pos = res.get("image_id")->pos;
  }
  const Node& run = deref(doc.get("run"));
  c.pos = run.is_scalar() ? run.pos : doc.pos;
  if (run.is_scalar()) c.argv = shell_tokens(f, run.scalar, run.pos, env);
  resolve_engine(f, c, env);
  w.containers.push_back(std::move(c));
  out.workloads.push_back(std::move(w));
}

// ---- dstack ----
// A service or task (https://dstack.ai/docs/reference/dstack.yml): `image`, `commands` (shell
// lines run in order), `env` (a list of NAME=VALUE / bare NAME taken from the environment, or a
// map), `resources.gpu` ("H100:8", "MI300X:8", "80GB:8", "A100:40GB:2", "H100:1..2", or
// {name, count}), `nodes` for multi-node tasks. dstack sets DSTACK_GPUS_NUM (GPUs of the run),
// DSTACK_GPUS_PER_NODE and DSTACK_NODES_NUM at run time; known counts are expanded.

void read_dstack(FileCtx& f, const Node& doc, ManifestFacts& out) {
  Workload w;
  w.platform = Platform::kDstack;
  w.kind = deref(doc.get("type")).str();
  w.name = deref(doc.get("name")).str();
  w.pos = doc.pos;
  Container c;
  c.name = w.name.empty() ? w.kind : w.name;
  std::map<std::string, std::string> env;
  const Node& envn = deref(doc.get("env"));
  for (const auto& item : envn.seq) {
    std::string s = item.str();
    size_t eq = s.find('=');
    EnvVar ev;
    ev.name = s.substr(0, eq);
    ev.pos = item.pos;
    if (eq != std::string::npos) {
      ev.value = s.substr(eq + 1);
      ev.literal = true;
      env[ev.name] = ev.value;
    }
    c.env.push_back(ev);
  }
  for (const auto& [k, v] : envn.map) {
    EnvVar ev;
    ev.name = k.scalar;
    ev.pos = v.is_scalar() ? v.pos : k.pos;
    if (v.is_scalar() && !v.is_null()) {
      ev.value = v.scalar;
      ev.literal = true;
      env[k.scalar] = v.scalar;
    }
    c.env.push_back(ev);
  }
  const Node& res = deref(doc.get("resources"));
  const Node& gpu = deref(res.get("gpu"));
  auto parse_gpu = [&](const std::string& spec, Pos p) {
    // Parts separated by ':': a name (or a comma list of names), a memory size ("80GB",
    // "24GB.."), a count ("8") or a count range ("1..2": not known here).
    std::string name;
    std::optional<long long> count = 1;
    for (const auto& part : split(spec, ':')) {
      std::string t = trim(part);
      if (t.empty()) continue;
      std::string l = to_lower(t);
      if (std::isdigit(static_cast<unsigned char>(t[0]))) {
        if (ends_with(l, "gb") || contains(l, "gb..")) continue;  // memory, not a count
        count = contains(t, "..") ? std::nullopt : to_int(t);
      } else {
        name = contains(t, ",") ? std::string() : t;
      }
    }
    if (!name.empty()) w.gpu_type_hint = to_lower(name), w.gpu_type_pos = p;
    c.gpu_limit = count ? *count : -1;
    c.gpu_pos = p;
  };
  if (gpu.is_scalar()) {
    parse_gpu(gpu.scalar, gpu.pos);
  } else if (gpu.is_map()) {
    std::string name;
    const Node& names = deref(gpu.get("name"));
    if (names.is_scalar()) name = names.scalar;
    if (names.is_seq() && names.seq.size() == 1) name = names.seq.front().str();
    if (!name.empty()) w.gpu_type_hint = to_lower(name), w.gpu_type_pos = gpu.pos;
    const Node& cnt = deref(gpu.get("count"));
    c.gpu_limit = cnt.is_null() ? 1 : cnt.integer().value_or(-1);
    c.gpu_pos = gpu.pos;
  }
  w.shm_ok = res.get("shm_size") != nullptr;
  const long long nodes = deref(doc.get("nodes")).integer().value_or(1);
  if (nodes > 1 && c.gpu_limit && *c.gpu_limit > 0) {
    w.role = Role::kLeader;
    w.group_pods = static_cast<int>(nodes);
    w.group_gpus = nodes * *c.gpu_limit;
    w.group_how = fmt::format("nodes {} x {} GPUs", nodes, *c.gpu_limit);
  }
  if (c.gpu_limit && *c.gpu_limit > 0) {
    env["DSTACK_GPUS_PER_NODE"] = std::to_string(*c.gpu_limit);
    env["DSTACK_GPUS_NUM"] = std::to_string(*c.gpu_limit * nodes);
  }
  env["DSTACK_NODES_NUM"] = std::to_string(nodes);
  c.image = deref(doc.get("image")).str();
  c.image_pos = doc.get("image") ? doc.get("image")->pos : doc.pos;
  const Node& cmds = deref(doc.get("commands"));
  c.pos = cmds.pos;
  std::string script;
  Pos first = cmds.pos;
  for (const auto& line : cmds.seq) {
    if (script.empty()) first = line.pos;
    script += line.str() + "\n";
  }
  if (cmds.is_scalar()) script = cmds.scalar, first = cmds.pos;
  if (!script.empty()) {
    c.pos = first;
    c.argv = shell_tokens(f, script, first, env);
  }
  resolve_engine(f, c, env);
  w.containers.push_back(std::move(c));
  out.workloads.push_back(std::move(w));
}

}  // namespace llmctl::audit::detail
