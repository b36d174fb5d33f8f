// Names, labels, the engine command line and metric lookups shared by the generators.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "catalog/metric_signals.h"
#include "common/strings.h"
#include "deploy/emit.h"
#include "deploy/internal.h"
#include "plan/format.h"
#include "protocol/gateway_metrics.h"

namespace llmctl::deploy::detail {

std::string engine_name(const Serving& s) { return s.name + "-" + s.engine->id; }
std::string canary_name(const Serving& s) { return engine_name(s) + "-canary"; }
std::string gateway_name(const Serving& s) { return s.name + "-gateway"; }
std::string redis_name(const Serving& s) { return s.name + "-redis"; }
std::string cache_claim_name(const Serving& s) { return s.name + "-model-cache"; }
std::string hf_secret_name(const Serving& s) { return s.name + "-hf-token"; }
std::string api_secret_name(const Serving& s) { return s.name + "-api-keys"; }

json::object labels(const Serving& s, const std::string& component) {
  return json::object{{"app.kubernetes.io/name", s.name},
                      {"app.kubernetes.io/component", component},
                      {"app.kubernetes.io/part-of", s.name},
                      {"app.kubernetes.io/managed-by", "llmctl"}};
}

json::object selector(const Serving& s, const std::string& component) {
  return json::object{{"app.kubernetes.io/name", s.name},
                      {"app.kubernetes.io/component", component}};
}

json::object metadata(const Serving& s, const std::string& name, const std::string& component) {
  return json::object{{"name", name}, {"namespace", s.ns}, {"labels", labels(s, component)}};
}

std::vector<std::string> engine_command(const catalog::Engine& e) { return e.command; }

std::vector<std::string> engine_args(const Serving& s, const std::string& model_path) {
  const catalog::Engine& e = *s.engine;
  std::vector<std::string> args;
  auto flag = [&](const char* concept_name) -> std::string {
    auto it = e.flags.find(concept_name);
    return it == e.flags.end() ? "" : it->second;
  };
  auto add = [&](const char* concept_name, const std::string& value) {
    std::string f = flag(concept_name);
    if (f.empty()) return;
    args.push_back(f);
    if (!value.empty()) args.push_back(value);
  };
  const std::string model = model_path.empty() ? s.model_repo : model_path;
  if (flag("model").empty())
    args.push_back(model);  // positional (trtllm-serve MODEL)
  else
    add("model", model);
  add("served_model_name", s.served_model_name);
  if (!s.revision.empty()) add("revision", s.revision);
  add("tensor_parallel", std::to_string(s.tp));
  if (s.pp > 1) add("pipeline_parallel", std::to_string(s.pp));
  add("max_model_len", std::to_string(s.max_model_len));
  if (!flag("max_input_tokens").empty()) {
    // TGI needs the prompt limit below the total: leave room for the longest output.
    int longest_out =
        static_cast<int>(std::ceil(s.assume.longest_output_over_p95 * s.output_tokens_p95));
    add("max_input_tokens", std::to_string(std::max(1, s.max_model_len - longest_out)));
  }
  if (!flag("gpu_memory_fraction").empty())
    add("gpu_memory_fraction", format_number(s.gpu_memory_fraction));
  add("max_num_seqs", std::to_string(s.max_num_seqs));
  if (s.prefix_caching) add("prefix_caching", "");
  if (s.dtype == "bf16" || s.dtype == "fp16") {
    add("dtype", s.dtype == "bf16" ? "bfloat16" : "float16");
  } else if (s.dtype == "fp8" && s.model->weight_dtypes.empty()) {
    add("quantization", "fp8");  // online FP8 quantisation of the bf16 checkpoint
  }
  add("enable_metrics", "");
  add("host", "0.0.0.0");
  add("port", std::to_string(e.port));
  return args;
}

json::object node_selector(const Serving& s) {
  json::object o;
  if (!s.node_selector.empty()) {
    for (const auto& [k, v] : s.node_selector) o[k] = v;
    return o;
  }
  // nvidia.com/gpu.product as GPU Feature Discovery sets it, from the catalog (data/gpus.yaml
  // cloud_names, kind node-label). SKUs differ by board; deploy.node_selector overrides.
  const std::string product = s.gpu->cloud_name("node-label");
  if (product.empty())
    o["nvidia.com/gpu.present"] = "true";
  else
    o["nvidia.com/gpu.product"] = product;
  return o;
}

json::array gpu_tolerations() {
  return json::array{
      json::object{{"key", "nvidia.com/gpu"}, {"operator", "Exists"}, {"effect", "NoSchedule"}}};
}

// The metric's name comes from the catalog's `signal` of each engine metric (data/README.md): one
// place says which metric is an engine's queue, for deploy, monitor and ask alike.
std::string engine_metric(const catalog::Engine& e, EngineSignal signal) {
  std::string_view wanted;
  switch (signal) {
    case EngineSignal::kQueue:
      wanted = "queue";
      break;
    case EngineSignal::kRunning:
      wanted = "running";
      break;
    case EngineSignal::kKvUsage:
      wanted = "kv_usage";
      break;
    case EngineSignal::kPreemptions:
      wanted = "preemptions";
      break;
    case EngineSignal::kTtft:
      wanted = "ttft";
      break;
    case EngineSignal::kTpot:
      wanted = "tpot";
      break;
    case EngineSignal::kPrefixHits:
      wanted = "prefix_hits";
      break;
    case EngineSignal::kPrefixQueries:
      wanted = "prefix_queries";
      break;
    case EngineSignal::kPromptTokens:
      wanted = "prompt_tokens";
      break;
    case EngineSignal::kGenerationTokens:
      wanted = "generation_tokens";
      break;
  }
  return catalog::current_metric(e, wanted);
}

std::string engine_selector(const Serving& s) {
  return fmt::format("namespace=\"{}\",job=\"{}\"", s.ns, engine_name(s));
}

std::string gateway_selector(const Serving& s) {
  return fmt::format("namespace=\"{}\",job=\"{}\",model=\"{}\"", s.ns, gateway_name(s),
                     s.served_model_name);
}

std::string gpu_selector(const Serving& s) {
  return fmt::format("namespace=\"{}\",pod=~\"{}-.*\"", s.ns, engine_name(s));
}

std::string le_matcher(double bound) {
  std::string v = fmt::format("{}", bound);
  if (std::floor(bound) == bound) return fmt::format("le=~\"{}|{}.0\"", v, v);
  return fmt::format("le=\"{}\"", v);
}

// The gateway's buckets (protocol/gateway_metrics.h): an SLO threshold in a generated rule must
// be a bound the gateway exports, or the `le` series it reads does not exist.
const std::vector<double>& gateway_ttft_bounds() {
  static const std::vector<double> b(protocol::gateway_metrics::kTtftBounds.begin(),
                                     protocol::gateway_metrics::kTtftBounds.end());
  return b;
}

const std::vector<double>& gateway_tpot_bounds() {
  static const std::vector<double> b(protocol::gateway_metrics::kTpotBounds.begin(),
                                     protocol::gateway_metrics::kTpotBounds.end());
  return b;
}

double nearest_bound(const std::vector<double>& bounds, double target_s) {
  double best = bounds.front();
  double best_distance = std::fabs(std::log(best / target_s));
  for (double b : bounds) {
    double d = std::fabs(std::log(b / target_s));
    if (d < best_distance - 1e-12) best = b, best_distance = d;
  }
  return best;
}

std::string gib(int n) { return fmt::format("{}Gi", n); }

json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& x : v) a.push_back(json::string(x));
  return a;
}

void add_yaml(Files& out, const Serving& s, std::string path, std::string summary,
              const std::vector<json::value>& docs, const std::string& comment) {
  std::string body = (comment.empty() ? "" : yaml_comment(comment)) + to_yaml_documents(docs);
  out.push_back(
      {std::move(path), with_header(FileSyntax::kYaml, s.origin, body), std::move(summary)});
}

void add_json(Files& out, const Serving& s, std::string path, std::string summary,
              const json::value& doc) {
  std::string text = to_json_text(doc);
  // Drop the opening "{" line: the header line opens the object instead.
  std::string body = text.substr(text.find('\n') + 1);
  out.push_back(
      {std::move(path), with_header(FileSyntax::kJson, s.origin, body), std::move(summary)});
}

void add_markdown(Files& out, const Serving& s, std::string path, std::string summary,
                  std::string body) {
  out.push_back(
      {std::move(path), with_header(FileSyntax::kMarkdown, s.origin, body), std::move(summary)});
}

}  // namespace llmctl::deploy::detail
