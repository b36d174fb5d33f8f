// A Kubernetes pod spec read into the serving shape: containers (command, env, GPUs, probes,
// mounts) and the pod-level settings the serving rules need.
#include <fmt/format.h>

#include "audit/facts/serving.h"
#include "common/strings.h"

namespace llmctl::audit::detail {
namespace {

bool gpu_resource(std::string_view key) {
  return key == "nvidia.com/gpu" || key == "amd.com/gpu" || key == "nvidia.com/gpu.shared" ||
         starts_with(key, "nvidia.com/mig-") || key == "gpu.intel.com/i915" ||
         key == "habana.ai/gaudi";
}

// Accelerators that are not GPUs: the pod gets its device, just not through nvidia.com/gpu.
bool other_accelerator(std::string_view key) {
  return starts_with(key, "aws.amazon.com/neuron") || starts_with(key, "google.com/tpu") ||
         key == "cloud-tpus.google.com/v2" || key == "cloud-tpus.google.com/v3";
}

void read_probe(const Node& cn, std::string_view key, Probe& p) {
  const Node* n = cn.get(key);
  if (!n || !n->is_map()) return;
  p.present = true;
  p.pos = cn.key_pos(key);
  p.initial_delay = deref(n->get("initialDelaySeconds")).integer().value_or(0);
  p.period = deref(n->get("periodSeconds")).integer().value_or(10);
  p.failure = deref(n->get("failureThreshold")).integer().value_or(3);
  p.timeout = deref(n->get("timeoutSeconds")).integer().value_or(1);
  if (const Node* h = n->get("httpGet"))
    p.handler =
        fmt::format("httpGet {} {}", deref(h->get("path")).str(), deref(h->get("port")).str());
  else if (const Node* t = n->get("tcpSocket"))
    p.handler = fmt::format("tcpSocket {}", deref(t->get("port")).str());
  else if (const Node* ex = n->get("exec")) {
    p.handler = "exec";
    for (const auto& a : deref(ex->get("command")).seq) p.handler += " " + a.str();
  } else if (const Node* g = n->get("grpc"))
    p.handler = fmt::format("grpc {}", deref(g->get("port")).str());
}

Container read_container(const Node& cn, Workload& w) {
  Container c;
  c.pos = cn.pos;
  c.name = deref(cn.get("name")).str();
  c.image = deref(cn.get("image")).str();
  c.image_pos = cn.get("image") ? cn.get("image")->pos : cn.pos;
  std::string pull = deref(cn.get("imagePullPolicy")).str();
  c.never_pulled = pull == "IfNotPresent" || pull == "Never";
  for (std::string_view part : {"command", "args"}) {
    const Node& list = deref(cn.get(part));
    if (list.is_seq()) {
      for (const auto& a : list.seq) c.argv.push_back(Token{a.str(), a.pos});
    } else if (list.is_scalar()) {
      c.argv.push_back(Token{list.scalar, list.pos});
    }
  }
  for (const auto& e : deref(cn.get("env")).seq) {
    EnvVar ev;
    ev.name = deref(e.get("name")).str();
    ev.pos = e.pos;
    if (const Node* val = e.get("value"); val && val->is_scalar()) {
      ev.value = val->scalar;
      ev.literal = true;
      ev.pos = val->pos;
    }
    c.env.push_back(ev);
  }
  if (const Node* res = cn.get("resources")) {
    c.resources_pos = cn.key_pos("resources");
    for (std::string_view part : {"limits", "requests"}) {
      const Node& m = deref(res->get(part));
      for (const auto& [k, v] : m.map) {
        const std::string& key = k.scalar;
        if (other_accelerator(key)) c.accelerator = key;
        if (!gpu_resource(key)) continue;
        long long n = v.integer().value_or(-1);
        if (part == "limits") {
          c.gpu_limit = n;
          c.gpu_pos = k.pos;
        } else {
          c.gpu_request = n;
          if (!c.gpu_limit) c.gpu_pos = k.pos;
        }
        c.gpu_resource = key;
        if (key == "nvidia.com/gpu.shared") w.shared_gpu = true;
      }
    }
    if (res->get("claims")) w.resource_claims = true;
  } else {
    c.resources_pos = cn.pos;
  }
  read_probe(cn, "startupProbe", c.startup);
  read_probe(cn, "readinessProbe", c.readiness);
  read_probe(cn, "livenessProbe", c.liveness);
  for (const auto& m : deref(cn.get("volumeMounts")).seq)
    c.mounts.emplace_back(deref(m.get("name")).str(), deref(m.get("mountPath")).str());
  c.pre_stop = cn.at("lifecycle.preStop") != nullptr;
  return c;
}

}  // namespace

void read_pod_spec(const Node& spec, Workload& w) {
  w.spec_pos = spec.pos;
  if (auto g = deref(spec.get("terminationGracePeriodSeconds")).integer()) {
    w.grace = *g;
    w.grace_pos = spec.key_pos("terminationGracePeriodSeconds");
  }
  if (auto b = deref(spec.get("enableServiceLinks")).boolean()) w.service_links = *b;
  w.host_ipc = deref(spec.get("hostIPC")).boolean().value_or(false);
  if (spec.get("resourceClaims")) w.resource_claims = true;
  if (const Node* sel = spec.get("nodeSelector"))
    for (const auto& [k, v] : sel->map) w.node_hints.emplace_back(k.scalar, v.str());
  if (const Node* terms =
          spec.at("affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
                  "nodeSelectorTerms")) {
    for (const auto& term : terms->seq)
      for (const auto& e : deref(term.get("matchExpressions")).seq) {
        const Node& vals = deref(e.get("values"));
        if (vals.is_seq() && vals.seq.size() == 1)
          w.node_hints.emplace_back(deref(e.get("key")).str(), vals.seq[0].str());
        else if (e.get("key") && deref(e.get("key")).str() == "nvidia.com/gpu.sharing-strategy")
          w.node_hints.emplace_back("nvidia.com/gpu.sharing-strategy", "time-slicing");
      }
  }
  for (const auto& v : deref(spec.get("volumes")).seq) {
    Volume vol;
    vol.name = deref(v.get("name")).str();
    if (const Node* ed = v.get("emptyDir")) {
      vol.memory = deref(ed->get("medium")).str() == "Memory";
      vol.data = !vol.memory;
    }
    for (std::string_view k : {"persistentVolumeClaim", "hostPath", "nfs", "csi", "ephemeral",
                               "image", "gcePersistentDisk", "awsElasticBlockStore"})
      if (v.get(k)) vol.data = true;
    w.volumes.push_back(vol);
  }
  for (const auto& cn : deref(spec.get("containers")).seq)
    w.containers.push_back(read_container(cn, w));
  for (const auto& [k, v] : w.node_hints) {
    std::string lv = to_lower(v);
    if ((k == "nvidia.com/gpu.sharing-strategy" && lv != "none") ||
        (k == "nvidia.com/gpu.replicas" && to_int(v).value_or(1) > 1) ||
        (k == "nvidia.com/device-plugin.config" && (contains(lv, "shar") || contains(lv, "slic") ||
                                                    contains(lv, "time") || contains(lv, "mps"))))
      w.shared_gpu = true;
  }
}

}  // namespace llmctl::audit::detail
