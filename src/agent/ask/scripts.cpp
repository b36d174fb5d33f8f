#include "agent/ask/scripts.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <functional>
#include <optional>

#include "agent/tools/spec_input.h"
#include "catalog/metric_signals.h"
#include "common/strings.h"

namespace llmctl::agent::ask {
namespace {

namespace json = boost::json;

constexpr double kSecondsPerMonth = 730.0 * 3600;  // the planner's month (plan/capacity.h)

// Tools the scripts use that other engineers are still building. When one is registered, the
// script calls it with these arguments; until then the answer says it is not yet available and
// what it would add. Wiring a tool is its registration plus, if its arguments differ, this line.
struct PendingTool {
  const char* name;
  const char* command;
  const char* adds;
  std::function<json::object(const Slots&)> arguments;
};

std::string slot_or(const Slots& s, const std::string& key, const std::string& fallback = "") {
  auto it = s.find(key);
  return it == s.end() ? fallback : it->second;
}

const std::vector<PendingTool>& pending_tools() {
  static const std::vector<PendingTool> tools = {
      {"costs", "llmctl costs",
       "attributes spend by team, feature and model from the gateway's request log or provider "
       "exports, and finds caching, batching and model-tiering savings",
       [](const Slots& s) {
         json::object a{{"what_if", true}, {"anomalies", true}};
         if (s.count("input")) {
           a["input"] = s.at("input");
           a["input_format"] = slot_or(s, "input_format");
         } else {
           a["db"] = slot_or(s, "db", slot_or(s, "path"));
         }
         return a;
       }},
      {"monitor", "llmctl monitor",
       "reads live metrics (Prometheus, engine endpoints, the request log) and diagnoses "
       "saturation, KV-cache pressure, queueing, errors and idle GPUs",
       [](const Slots& s) {
         json::object a;
         if (s.count("prometheus")) a["prometheus"] = s.at("prometheus");
         if (s.count("db")) a["db"] = s.at("db");
         if (s.count("rules")) a["rules"] = json::array{json::value(s.at("rules"))};
         if (s.count("ttft_ms")) a["slo_ttft_p95_ms"] = std::stod(s.at("ttft_ms"));
         if (s.count("tpot_ms")) a["slo_tpot_p95_ms"] = std::stod(s.at("tpot_ms"));
         if (s.count("budget")) a["budget_monthly_usd"] = std::stod(s.at("budget"));
         if (s.count("gpu")) a["gpu"] = s.at("gpu");
         return a;
       }},
  };
  return tools;
}

std::string plain(double v) { return fmt::format("{:.4g}", v); }

// Whole dollars, except below $100 where cents matter (a short log's spend, a per-day figure).
std::string money(double usd) {
  if (std::abs(usd) < 100) return fmt::format("${:.2f}", usd);
  return "$" + group_thousands(static_cast<long long>(std::llround(usd)));
}

double num(const json::value& v, double fallback = 0) {
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  if (v.is_double()) return v.as_double();
  return fallback;
}

double at_num(const json::object& o, std::string_view key, double fallback = 0) {
  const json::value* v = o.if_contains(key);
  return v ? num(*v, fallback) : fallback;
}

std::string at_str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

// Calls a tool and records the step. Returns the output object, or nullptr on failure.
const json::object* call(Answer& a, const Registry& tools, const ToolEnv& env,
                         const std::string& name, json::object args, json::value& keep) {
  Step step;
  step.tool = name;
  step.arguments = args;
  const Tool* tool = tools.find(name);
  if (!tool) {
    step.status = "not-available";
    step.summary = "not in this build";
    a.steps.push_back(std::move(step));
    return nullptr;
  }
  auto r = tool->call(args, env);
  if (!r) {
    step.status = "error";
    step.summary = r.error().message;
    a.failed = true;
    a.steps.push_back(std::move(step));
    return nullptr;
  }
  keep = std::move(*r);
  step.status = "ok";
  a.steps.push_back(std::move(step));
  return keep.is_object() ? &keep.as_object() : nullptr;
}

// Runs a pending tool if it is registered (its output's top-level numbers are reported, and the
// output is kept in `keep`), or says it is not yet available and what it would add. Returns the
// output when the tool ran.
const json::object* pending(Answer& a, const Registry& tools, const ToolEnv& env,
                            const std::string& name, const Slots& slots, json::value& keep) {
  for (const auto& p : pending_tools()) {
    if (name != p.name) continue;
    if (!tools.find(name)) {
      a.steps.push_back({name, "not-available", json::object{}, "not yet available in this build"});
      a.notes.push_back(
          fmt::format("`{}` is not yet available in this build; when it is, this "
                      "answer will include what it adds: it {}.",
                      p.command, p.adds));
      return nullptr;
    }
    const json::object* o = call(a, tools, env, name, p.arguments(slots), keep);
    if (!o) return nullptr;
    std::vector<std::string> parts;
    for (const auto& kv : *o)
      if (kv.value().is_number() || kv.value().is_string() || kv.value().is_bool())
        parts.push_back(fmt::format("{} {}", std::string(kv.key()),
                                    kv.value().is_string() ? std::string(kv.value().as_string())
                                                           : json::serialize(kv.value())));
    a.steps.back().summary = join(parts, ", ");
    return o;
  }
  return nullptr;
}

// Token lengths: stated, or the measured profile of the app type.
struct Lengths {
  double in_mean = 0, in_p95 = 0, out_mean = 0, out_p95 = 0;
  std::string source;
};

std::optional<Lengths> lengths(const Slots& s, const Knowledge& k) {
  Lengths l;
  if (s.count("input_tokens") && s.count("output_tokens")) {
    l.in_mean = std::stod(s.at("input_tokens"));
    l.out_mean = std::stod(s.at("output_tokens"));
    l.source = "as stated (p95 assumed 3x the mean, docs/PLAN.md)";
    return l;
  }
  if (s.count("app"))
    if (const auto* w = find_workload(k, s.at("app"))) {
      l.in_mean = s.count("input_tokens") ? std::stod(s.at("input_tokens")) : w->input_mean;
      l.in_p95 = s.count("input_tokens") ? 0 : w->input_p95;
      l.out_mean = s.count("output_tokens") ? std::stod(s.at("output_tokens")) : w->output_mean;
      l.out_p95 = s.count("output_tokens") ? 0 : w->output_p95;
      l.source = fmt::format("the '{}' workload profile: {} (explain {})", w->id, w->title, w->id);
      return l;
    }
  return std::nullopt;
}

json::object length_spec(double mean, double p95) {
  json::object o{{"mean", mean}};
  if (p95 > 0) o["p95"] = p95;
  return o;
}

// The plan spec a request describes.
json::object build_spec(const std::string& name, const Slots& s, const Lengths& l, double qps,
                        const std::string& model_key) {
  json::object traffic{{"peak_qps", qps},
                       {"input_tokens", length_spec(l.in_mean, l.in_p95)},
                       {"output_tokens", length_spec(l.out_mean, l.out_p95)}};
  json::object spec{{"name", name}};
  spec[model_key == "tier" ? "tier" : "model"] = slot_or(s, model_key);
  spec["traffic"] = std::move(traffic);
  json::object slo;
  if (s.count("ttft_ms")) slo["ttft_p95_ms"] = std::stod(s.at("ttft_ms"));
  if (s.count("tpot_ms")) slo["tpot_p95_ms"] = std::stod(s.at("tpot_ms"));
  if (s.count("ttft_p99_ms")) slo["ttft_p99_ms"] = std::stod(s.at("ttft_p99_ms"));
  if (s.count("tpot_p99_ms")) slo["tpot_p99_ms"] = std::stod(s.at("tpot_p99_ms"));
  if (!slo.empty()) spec["slo"] = std::move(slo);
  if (s.count("budget")) spec["budget"] = json::object{{"monthly_usd", std::stod(s.at("budget"))}};
  if (s.count("gpu")) spec["constraints"] = json::object{{"gpus", json::array{s.at("gpu")}}};
  return spec;
}

const json::object* first_option(const json::object& plan, const std::string& kind) {
  const json::value* options = plan.if_contains("options");
  if (!options || !options->is_array()) return nullptr;
  for (const auto& o : options->as_array())
    if (o.is_object() && (kind.empty() || at_str(o.as_object(), "kind") == kind))
      return &o.as_object();
  return nullptr;
}

std::vector<std::string> strings_of(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  const json::value* v = o.if_contains(key);
  if (v && v->is_array())
    for (const auto& s : v->as_array())
      if (s.is_string()) out.emplace_back(s.as_string());
  return out;
}

// "llama-3.1-70b on 10 x h100-sxm (fp8, TP 2, trtllm)".
std::string describe_self(const json::object& option) {
  const json::object& sh = option.at("self_hosted").as_object();
  return fmt::format("{} on {} x {} ({}, TP {}{}, {})", at_str(option, "model"),
                     static_cast<long long>(at_num(sh, "gpus_billed")), at_str(sh, "gpu"),
                     at_str(sh, "dtype"), static_cast<long long>(at_num(sh, "tp")),
                     at_num(sh, "pp") > 1 ? fmt::format(" x PP {}", at_num(sh, "pp")) : "",
                     at_str(sh, "engine"));
}

void self_numbers(Answer& a, const json::object& option, const std::string& prefix = "") {
  const json::object& sh = option.at("self_hosted").as_object();
  const json::object& replicas = sh.at("replicas").as_object();
  const json::object& peak = sh.at("at_peak").as_object();
  a.numbers[prefix + "option"] = at_str(option, "id");
  a.numbers[prefix + "monthly_usd"] = at_num(option, "monthly_usd");
  a.numbers[prefix + "gpus"] = at_num(sh, "gpus_billed");
  a.numbers[prefix + "replicas"] = at_num(replicas, "billed");
  a.numbers[prefix + "replica_capacity_qps"] = at_num(sh, "replica_capacity_qps");
  a.numbers[prefix + "ttft_p95_ms_at_peak"] = at_num(peak, "ttft_p95_ms");
  a.numbers[prefix + "tpot_p95_ms_at_peak"] = at_num(peak, "tpot_p95_ms");
  a.numbers[prefix + "kv_cache_tokens_per_replica"] = at_num(sh, "kv_cache_tokens");
}

void no_option(Answer& a, const json::object& plan) {
  a.failed = true;
  a.headline = "No option meets the SLO, budget and constraints at this traffic.";
  for (const auto& n : strings_of(plan, "notes")) a.because.push_back(n);
  const json::value* rejected = plan.if_contains("rejected");
  if (rejected && rejected->is_array())
    for (std::size_t i = 0; i < rejected->as_array().size() && i < 5; ++i)
      a.because.push_back(fmt::format("{}: {}", at_str(rejected->as_array()[i].as_object(), "id"),
                                      at_str(rejected->as_array()[i].as_object(), "reason")));
}

// Commands and alerts from the deploy dry run's files.
void apply_and_watch(Answer& a, const json::object& bundle, const std::string& target) {
  std::vector<std::string> folders;
  for (const auto& f : bundle.at("files").as_array()) {
    const json::object& fo = f.as_object();
    std::string path = at_str(fo, "path");
    auto slash = path.find('/');
    std::string folder = slash == std::string::npos ? "" : path.substr(0, slash);
    if (!folder.empty() && std::find(folders.begin(), folders.end(), folder) == folders.end())
      folders.push_back(folder);
    if (path == "monitoring/rules.yaml") {
      for (const auto& line : split(at_str(fo, "content"), '\n')) {
        std::string t = trim(line);
        if (starts_with(t, "- alert:") || starts_with(t, "alert:"))
          a.watch.push_back("alert " + trim(t.substr(t.find(':') + 1)));
      }
    }
  }
  a.apply.push_back("llmctl deploy spec.yaml --out deploy" +
                    (target == "k8s" ? std::string() : " --target " + target) +
                    "   (writes the files listed by this dry run)");
  if (target == "k8s") {
    for (const char* f : {"k8s", "monitoring"})
      if (std::find(folders.begin(), folders.end(), f) != folders.end())
        a.apply.push_back(fmt::format("kubectl apply -f deploy/{}/", f));
    a.apply.push_back("cp deploy/ci/github-workflow.yaml .github/workflows/llm-deploy.yaml");
  } else {
    a.apply.push_back("follow deploy/README.md for the " + target + " apply steps");
  }
}

// The p95 latency an answer's headline gives for a self-hosted option: the plan's simulation of
// it when there is one (queueing included: the analytic p95 can be a third lower, and a sized-up
// option was sized on the simulated one), else the analytic p95 at the peak.
// The plan's simulation of an option (its `simulated` object), or null when it was not checked.
const json::object* plan_simulation(const json::object& self) {
  const json::value* sim = self.if_contains("simulated");
  return sim && sim->is_object() ? &sim->as_object() : nullptr;
}
const json::object& peak_p95s(const json::object& self) {
  if (const json::object* sim = plan_simulation(self)) return *sim;
  return self.at("self_hosted").as_object().at("at_peak").as_object();
}
std::string headline_p95(const json::object& self, bool with_tpot) {
  const json::object& p95 = peak_p95s(self);
  std::string s = fmt::format("p95 TTFT {} ms", format_sig(at_num(p95, "ttft_p95_ms")));
  if (with_tpot) s += fmt::format(", TPOT {} ms", format_sig(at_num(p95, "tpot_p95_ms")));
  return s + (plan_simulation(self) ? " at peak, simulated" : " at peak");
}

// The plan's best self-hosted option, simulated at the peak the plan sized it for: the same
// replicas (without the spare), lengths and SLOs, with queueing, bursts and prefill/decode
// interference that the plan's analytic check averages away. The plan checks its cheapest ranked
// self-hosted options by simulation itself (plan/verify_sim.h); where it did, that check is the
// answer's (one check, one verdict: a second, smaller run could disagree with the plan by
// its sampling noise alone), and its "because" line is already among the plan's. Only an option
// the plan left unchecked is simulated here. Adds the simulated p95s next to the plan's and says
// when the simulation disagrees with the plan's verdict.
void simulate_option(Answer& a, const Registry& tools, const ToolEnv& env, const json::object& self,
                     const Slots& s, const Lengths& l, double peak_qps) {
  const json::object& sh = self.at("self_hosted").as_object();
  const json::object& replicas = sh.at("replicas").as_object();
  const long long peak_replicas = static_cast<long long>(at_num(replicas, "peak"));
  if (const json::object* checked = plan_simulation(self)) {
    const json::object& c = *checked;
    a.numbers["simulated_ttft_p95_ms_at_peak"] = at_num(c, "ttft_p95_ms");
    a.numbers["simulated_tpot_p95_ms_at_peak"] = at_num(c, "tpot_p95_ms");
    a.numbers["simulated_slo_attainment"] = at_num(c, "slo_attainment");
    return;
  }
  if (!tools.find("simulate") || peak_qps <= 0) return;
  json::object args{
      {"model", at_str(self, "model")},
      {"gpu", at_str(sh, "gpu")},
      {"engine", at_str(sh, "engine")},
      {"dtype", at_str(sh, "dtype")},
      {"tp", static_cast<long long>(at_num(sh, "tp"))},
      {"pp", static_cast<long long>(at_num(sh, "pp"))},
      {"replicas", std::max<long long>(1, peak_replicas)},
      {"qps", peak_qps},
      {"router", "least_outstanding"},
      {"input_tokens", static_cast<long long>(l.in_mean + 0.5)},
      {"output_tokens", static_cast<long long>(l.out_mean + 0.5)},
      // Thirty seconds of peak traffic, at least 500 and at most 3,000 requests.
      {"requests", std::clamp<long long>(static_cast<long long>(peak_qps * 30), 500, 3000)},
      {"step_jitter", 0.05},
      {"seed", 1}};
  if (l.in_p95 > l.in_mean) args["input_p95"] = static_cast<long long>(l.in_p95 + 0.5);
  if (l.out_p95 > l.out_mean) args["output_p95"] = static_cast<long long>(l.out_p95 + 0.5);
  if (s.count("ttft_ms")) args["slo_ttft_ms"] = std::stod(s.at("ttft_ms"));
  if (s.count("tpot_ms")) args["slo_tpot_ms"] = std::stod(s.at("tpot_ms"));
  json::value out;
  const json::object* r = call(a, tools, env, "simulate", args, out);
  if (!r) return;
  const double ttft_p95 = at_num(r->at("ttft_ms").as_object(), "p95");
  const double tpot_p95 = at_num(r->at("tpot_ms").as_object(), "p95");
  a.numbers["simulated_ttft_p95_ms_at_peak"] = ttft_p95;
  a.numbers["simulated_tpot_p95_ms_at_peak"] = tpot_p95;
  std::string slo;
  const json::value* att = r->if_contains("slo_attainment");
  if (att && att->is_number()) {
    a.numbers["simulated_slo_attainment"] = att->to_number<double>();
    slo = fmt::format(", {:.1f}% of requests within the SLO", att->to_number<double>() * 100);
  }
  a.steps.back().summary =
      fmt::format("{} replicas at {} req/s: p95 TTFT {} ms, p95 TPOT {} ms{}", peak_replicas,
                  plain(peak_qps), format_sig(ttft_p95), format_sig(tpot_p95), slo);
  a.because.push_back(fmt::format(
      "simulated at the peak ({} requests, Poisson arrivals, the plan's {} replicas): p95 TTFT "
      "{} ms and TPOT {} ms, against the plan's {} and {} ms{}",
      static_cast<long long>(at_num(*r, "requests")), peak_replicas, format_sig(ttft_p95),
      format_sig(tpot_p95), format_sig(at_num(sh.at("at_peak").as_object(), "ttft_p95_ms")),
      format_sig(at_num(sh.at("at_peak").as_object(), "tpot_p95_ms")), slo));
  const bool ttft_miss = s.count("ttft_ms") && ttft_p95 > std::stod(s.at("ttft_ms"));
  const bool tpot_miss = s.count("tpot_ms") && tpot_p95 > std::stod(s.at("tpot_ms"));
  if (ttft_miss || tpot_miss)
    a.notes.push_back(fmt::format(
        "the simulation puts the p95 {} over the SLO at the peak with {} replicas: keep the "
        "spare replica in service at the peak, or size with `llmctl simulate --replicas N` "
        "until it fits",
        ttft_miss ? "TTFT" : "TPOT", peak_replicas));
}

double average_or_peak(const Slots& s, const std::string& key) { return std::stod(s.at(key)); }

Answer deploy_script(const Slots& s, const Registry& tools, const ToolEnv& env,
                     const Knowledge& k) {
  Answer a;
  const Lengths l = *lengths(s, k);
  const double qps = average_or_peak(s, "qps");
  json::object spec = build_spec("ask-deploy", s, l, qps, "model");
  a.spec = spec;
  a.notes.push_back("token lengths: " + l.source);
  if (!s.count("ttft_ms") && !s.count("tpot_ms"))
    a.notes.push_back(
        "no latency SLO stated: each replica is sized at 95% of its saturated throughput; state "
        "one with --ttft-ms/--tpot-ms (explain slo-targets)");
  json::value plan_out;
  // The whole ranking: the first self-hosted option may rank below serverless and API ones.
  const json::object* plan =
      call(a, tools, env, "plan", json::object{{"spec", spec}, {"top", 1000}}, plan_out);
  if (!plan) {
    a.headline = "The plan failed: " + a.steps.back().summary;
    return a;
  }
  const json::object* best = first_option(*plan, "");
  const json::object* self = first_option(*plan, "self-hosted");
  a.steps.back().summary =
      fmt::format("{} options ranked", at_num(plan->at("summary").as_object(), "ranked"));
  if (!self) {
    no_option(a, *plan);
    if (best)
      a.headline =
          fmt::format("No self-hosted option fits; the cheapest way to serve it is {} at {}/month.",
                      at_str(*best, "id"), money(at_num(*best, "monthly_usd")));
    return a;
  }
  self_numbers(a, *self);
  a.numbers["peak_qps"] = qps;
  a.headline =
      fmt::format("Deploy {}: {}/month for {} req/s at peak; {}.", describe_self(*self),
                  money(at_num(*self, "monthly_usd")), plain(qps), headline_p95(*self, true));
  for (const auto& b : strings_of(*self, "because")) a.because.push_back(b);
  if (best && at_str(*best, "kind") == "api") {
    a.numbers["cheapest_api"] = at_str(*best, "id");
    a.numbers["cheapest_api_monthly_usd"] = at_num(*best, "monthly_usd");
    a.because.push_back(fmt::format(
        "a hosted API is cheaper at this traffic: {} at {}/month (self-hosting pays off above "
        "the break-even below)",
        at_str(*best, "id"), money(at_num(*best, "monthly_usd"))));
  }
  const json::value* be = plan->if_contains("break_even");
  if (be && be->is_object())
    a.because.push_back("break-even: " + at_str(be->as_object(), "summary"));

  const std::string target = slot_or(s, "target", "k8s");
  json::value bundle_out;
  const json::object* bundle = call(a, tools, env, "deploy",
                                    json::object{{"spec", spec},
                                                 {"option", at_str(*self, "id")},
                                                 {"target", target},
                                                 {"out", "deploy"},
                                                 {"dry_run", true}},
                                    bundle_out);
  if (!bundle) return a;
  a.steps.back().summary = fmt::format("{} files (dry run)", bundle->at("files").as_array().size());
  apply_and_watch(a, *bundle, target);
  // The chosen engine's own metric names (the catalog's `signal`), not one engine's for all.
  const std::string engine_id =
      self->contains("self_hosted") ? at_str(self->at("self_hosted").as_object(), "engine") : "";
  const catalog::Engine* engine = env.catalog->find_engine(engine_id);
  const std::string queue = engine ? catalog::current_metric(*engine, "queue") : "";
  const std::string kv = engine ? catalog::current_metric(*engine, "kv_usage") : "";
  a.watch.push_back(fmt::format(
      "p95 TTFT at peak is {} ms{}{}; the engine queue{} {}",
      format_sig(at_num(peak_p95s(*self), "ttft_p95_ms")),
      plan_simulation(*self) ? " (simulated)" : "",
      s.count("ttft_ms") ? " against the " + s.at("ttft_ms") + " ms SLO" : "",
      queue.empty() ? "" : " (" + queue + ")",
      spec.contains("traffic") && spec.at("traffic").as_object().if_contains("autoscaling") &&
              spec.at("traffic").as_object().at("autoscaling").is_bool() &&
              spec.at("traffic").as_object().at("autoscaling").as_bool()
          ? "drives autoscaling"
          : "growing means the fixed fleet is short of replicas (autoscaling is off)"));
  a.watch.push_back(fmt::format("KV cache{}: {} tokens per replica; preemptions mean it is full",
                                kv.empty() ? "" : " (" + kv + ")",
                                group_thousands(static_cast<long long>(
                                    a.numbers["kv_cache_tokens_per_replica"].as_double()))));
  for (const auto& n : strings_of(*bundle, "notes")) a.notes.push_back(n);
  simulate_option(a, tools, env, *self, s, l, qps);
  return a;
}

// What a request log or usage export says about the traffic, for the slots the request left out:
// the model that costs the most (the costs tool groups by model by default, largest first), its
// average request rate over the logged period, and its mean lengths per request. The rest of the
// log (other models) is in the costs step's attribution and what-ifs. Returns where the lengths
// came from when it filled them.
std::optional<std::string> fill_from_log(const json::object& costs, const catalog::Catalog& cat,
                                         Slots& s, std::vector<std::string>& notes) {
  std::optional<std::string> lengths_source;
  const json::value* groups = costs.if_contains("groups");
  if (!groups || !groups->is_array() || groups->as_array().empty()) return lengths_source;
  const json::object& top = groups->as_array().front().as_object();
  const json::value* key = top.if_contains("key");
  const double requests = at_num(top, "requests");
  if (!key || !key->is_object() || requests <= 0) return lengths_source;
  const std::string model = at_str(key->as_object(), "model");
  if (model.empty()) return lengths_source;
  const bool stated_model = s.count("current_model") > 0;
  if (!stated_model) {
    if (cat.find_price(model) || cat.find_model(model)) {
      s["current_model"] = model;
      notes.push_back(fmt::format("current model from the log: {} ({}% of the logged spend)", model,
                                  plain(100 * at_num(top, "share"))));
    } else {
      notes.push_back(fmt::format(
          "the log's largest spend is on '{}', a name the catalog does not price (an alias of "
          "the gateway or proxy?): pass --current-model with the provider's model name; the "
          "rate and lengths below are that traffic's",
          model));
    }
  } else if (s.at("current_model") != model) {
    return lengths_source;  // the stated model is not the log's largest: not this group's traffic
  }
  if (!s.count("input_tokens") && !s.count("output_tokens") && !s.count("app")) {
    s["input_tokens"] = plain(at_num(top, "input_tokens") / requests);
    s["output_tokens"] = plain(at_num(top, "output_tokens") / requests);
    lengths_source = fmt::format(
        "the log's mean over {} requests to {} (p95 assumed 3x the mean, "
        "docs/PLAN.md)",
        plain(requests), model);
  }
  const json::value* period = costs.if_contains("period");
  if (!s.count("qps") && period && period->is_object()) {
    const double seconds = at_num(period->as_object(), "days") * 86400;
    // A log shorter than a minute says nothing about a month's rate.
    if (seconds >= 60) {
      s["qps"] = plain(requests / seconds);
      notes.push_back(
          fmt::format("request rate from the log: {} request{} to {} over {} days = "
                      "{} req/s on average",
                      plain(requests), requests == 1 ? "" : "s", model, plain(seconds / 86400),
                      plain(requests / seconds)));
    }
  }
  return lengths_source;
}

Answer costs_script(const Slots& stated, const Registry& tools, const ToolEnv& env,
                    const Knowledge& k) {
  Answer a;
  Slots s = stated;
  // Attribution from logs needs `costs` and a log (--db, --input with --input-format, or a .db
  // --path); the pricing below needs neither, but takes what the request left out from the log.
  const bool usage = s.count("db") || s.count("input") || s.count("path");
  json::value costs_out;
  std::optional<std::string> lengths_from_log;
  if (!tools.find("costs") || usage)
    if (const json::object* c = pending(a, tools, env, "costs", s, costs_out)) {
      lengths_from_log = fill_from_log(*c, *env.catalog, s, a.notes);
      a.numbers["logged_total_usd"] = at_num(*c, "total_usd");
      a.numbers["logged_forecast_usd"] = at_num(*c, "forecast_usd");
      a.steps.back().summary = fmt::format(
          "{} in the log ({} to {}), month-end forecast {}", money(at_num(*c, "total_usd")),
          at_str(c->at("period").as_object(), "start"), at_str(c->at("period").as_object(), "end"),
          money(at_num(*c, "forecast_usd")));
      for (const auto& w : c->at("what_if").as_array()) {
        const json::object& wo = w.as_object();
        const double saving = at_num(wo, "monthly_saving_usd");
        if (saving > 0 && a.because.size() < 4)
          a.because.push_back(
              fmt::format("from the log, {}: saves {}/month ({}% of the logged "
                          "spend; assumes {})",
                          at_str(wo, "name"), money(saving), plain(at_num(wo, "saving_pct")),
                          at_str(wo, "assumption")));
      }
      for (const auto& an : c->at("anomalies").as_array())
        if (a.notes.size() < 8)
          a.notes.push_back(fmt::format(
              "anomaly in the log: {} {} {} ({}): {}", at_str(an.as_object(), "kind"),
              at_str(an.as_object(), "group"), at_str(an.as_object(), "when"),
              money(at_num(an.as_object(), "usd")), at_str(an.as_object(), "evidence")));
    }
  const std::optional<Lengths> stated_lengths = lengths(s, k);
  if (!s.count("current_model") || !s.count("qps") || !stated_lengths) {
    // Only reachable with a log that could not stand in for the missing values (empty, or
    // shorter than a minute): answer with what the log says and name what to add.
    std::vector<std::string> missing;
    if (!s.count("current_model")) missing.push_back("--current-model");
    if (!s.count("qps")) missing.push_back("--qps");
    if (!stated_lengths) missing.push_back("--app (or --input-tokens and --output-tokens)");
    a.headline = fmt::format("The log does not say {}: pass {} to price the alternatives.",
                             join(missing, ", "), missing.size() == 1 ? "it" : "them");
    return a;
  }
  Lengths l = *stated_lengths;
  if (lengths_from_log) l.source = *lengths_from_log;
  const double qps = std::stod(s.at("qps"));
  a.notes.push_back("token lengths: " + l.source);
  a.notes.push_back(
      fmt::format("{} req/s is priced as the month's average, every hour of the month; a peak rate "
                  "overstates the bill in proportion (state the average, or compare with --spend)",
                  plain(qps)));
  // What the current model costs at this traffic: one request priced by the catalog, times the
  // requests in a month.
  const catalog::Catalog& cat = *env.catalog;
  const std::string current = s.at("current_model");
  const catalog::Price* price = cat.find_price(current);
  std::string tier;
  if (price) {
    json::value cost_out;
    const json::object* cost = call(a, tools, env, "catalog_cost",
                                    json::object{{"model", price->id},
                                                 {"input_tokens", std::llround(l.in_mean)},
                                                 {"output_tokens", std::llround(l.out_mean)}},
                                    cost_out);
    if (!cost) return a;
    const double per_request = at_num(*cost, "total_usd");
    const double monthly = per_request * qps * kSecondsPerMonth;
    a.numbers["current"] = price->id;
    a.numbers["current_usd_per_request"] = per_request;
    a.numbers["current_monthly_usd"] = std::round(monthly * 100) / 100;
    a.steps.back().summary = fmt::format("{} per request", format_sig(per_request, 4));
    tier = price->quality_tier;
  }
  json::object spec;
  if (!tier.empty()) {
    Slots t = s;
    t["tier"] = tier;
    spec = build_spec("ask-costs", t, l, qps, "tier");
  } else {
    spec = build_spec("ask-costs", s, l, qps, "current_model");
  }
  a.spec = spec;
  json::value plan_out;
  const json::object* plan = call(a, tools, env, "plan", json::object{{"spec", spec}}, plan_out);
  if (!plan) return a;
  const json::object* best = first_option(*plan, "");
  if (!best) {
    no_option(a, *plan);
    return a;
  }
  const double best_monthly = at_num(*best, "monthly_usd");
  a.numbers["cheapest"] = at_str(*best, "id");
  a.numbers["cheapest_monthly_usd"] = best_monthly;
  a.steps.back().summary =
      fmt::format("cheapest of tier {}: {}", tier.empty() ? "-" : tier, at_str(*best, "id"));
  if (a.numbers.contains("current_monthly_usd")) {
    const double now = a.numbers["current_monthly_usd"].as_double();
    const double saving = now - best_monthly;
    a.numbers["saving_monthly_usd"] = std::round(saving * 100) / 100;
    a.numbers["saving_percent"] = now > 0 ? std::round(1000 * saving / now) / 10 : 0;
    if (saving > 0)
      a.headline = fmt::format(
          "Switching {} to {} saves {}/month ({}%): {} -> {} at {} req/s, same quality tier ({}) "
          "or better.",
          current, at_str(*best, "id"), money(saving),
          format_sig(a.numbers["saving_percent"].as_double()), money(now), money(best_monthly),
          plain(qps), tier);
    else
      a.headline =
          fmt::format("{} is already the cheapest option of its tier ({}) at {} req/s: {}/month.",
                      current, tier, plain(qps), money(now));
  } else {
    a.headline = fmt::format("Cheapest way to serve {} at {} req/s: {} at {}/month.", current,
                             plain(qps), at_str(*best, "id"), money(best_monthly));
  }
  if (s.count("spend") && a.numbers.contains("current_monthly_usd")) {
    // What the user pays is the fact; the catalog's price of the stated traffic is an estimate.
    // Both are said, and the saving is also given against what they pay.
    const double stated = std::stod(s.at("spend"));
    const double priced = a.numbers["current_monthly_usd"].as_double();
    const double ratio = stated > 0 ? priced / stated : 0;
    std::string why = ratio > 1.25  ? " — the stated rate is likely a peak rather than the "
                                      "month's average, or the requests are shorter than assumed"
                      : ratio < 0.8 ? " — the gap means other models, retries or longer requests "
                                      "than stated"
                                    : "";
    a.because.push_back(fmt::format(
        "you said you spend {}/month; at the traffic and lengths above the catalog prices it at "
        "{}/month{}",
        money(stated), money(priced), why));
    if (ratio > 1.25 || ratio < 0.8) {
      a.numbers["stated_monthly_usd"] = stated;
      // A per-token option's bill follows the traffic, so where the stated bill implies less
      // traffic it shrinks in proportion; a self-hosted fleet sized for the stated peak does not.
      const bool per_token = !at_str(*best, "id").starts_with("self:");
      const double best_at_stated =
          per_token ? best_monthly * std::min(1.0, stated / priced) : best_monthly;
      const double saving_vs_stated = stated - best_at_stated;
      a.numbers["saving_vs_stated_monthly_usd"] = std::round(saving_vs_stated * 100) / 100;
      a.headline +=
          fmt::format(" Against the {}/month you said you spend: {} -> {}{}.", money(stated),
                      money(stated), money(best_at_stated),
                      per_token ? " (its per-token bill scaled to the traffic your bill implies)"
                                : " (the fleet sized for the stated peak)");
    }
  }
  for (const auto& b : strings_of(*best, "because")) a.because.push_back(b);
  const json::value* be = plan->if_contains("break_even");
  if (be && be->is_object())
    a.because.push_back("break-even: " + at_str(be->as_object(), "summary"));
  a.apply.push_back("llmctl plan spec.yaml   (the full ranking, with every rejected option)");
  a.apply.push_back(
      "route through a gateway with the new model as primary and the old one as "
      "fallback, then compare quality on an evaluation set (explain "
      "gateway-in-front, eval-gate-before-rollout)");
  a.watch.push_back(
      "cost per request and the share of requests falling back, in the gateway's "
      "request log and /metrics");
  return a;
}

Answer monitor_script(const Slots& s, const Registry& tools, const ToolEnv& env, const Knowledge&) {
  Answer a;
  const bool live = s.count("prometheus") || s.count("db");
  json::value live_out;
  const json::object* diag = nullptr;
  if (!tools.find("monitor") || live) diag = pending(a, tools, env, "monitor", s, live_out);
  std::string live_headline;
  if (diag) {
    const json::object& summary = diag->at("summary").as_object();
    const json::object& counts = summary.at("findings").as_object();
    for (const char* sev : {"critical", "warning", "info"})
      a.numbers[std::string("live_") + sev] = at_num(counts, sev);
    a.steps.back().summary =
        fmt::format("{} critical, {} warning, {} info findings over {} s of {}",
                    at_num(counts, "critical"), at_num(counts, "warning"), at_num(counts, "info"),
                    at_num(summary, "window_s"), at_str(summary, "source"));
    for (const char* sev : {"critical", "warning"})
      for (const auto& f : diag->at("findings").as_array()) {
        const json::object& fo = f.as_object();
        if (at_str(fo, "severity") != sev || a.because.size() >= 8) continue;
        a.because.push_back(
            fmt::format("{} {}: {}", sev, at_str(fo, "target"), at_str(fo, "message")));
        const std::string fix = at_str(fo.at("fix").as_object(), "action");
        if (!fix.empty() && a.apply.size() < 4) a.apply.push_back(fix);
      }
    live_headline = fmt::format("Live: {} critical and {} warning findings.",
                                at_num(counts, "critical"), at_num(counts, "warning"));
  }
  if (s.count("path")) {
    json::value out;
    const json::object* report =
        call(a, tools, env, "audit", json::object{{"paths", json::array{s.at("path")}}}, out);
    if (!report) {
      a.headline = "The audit failed: " + a.steps.back().summary;
      return a;
    }
    const json::object& summary = report->at("summary").as_object();
    const json::object& sev = summary.at("by_severity").as_object();
    a.numbers["files_scanned"] = at_num(summary, "files_scanned");
    a.numbers["findings"] = at_num(summary, "findings");
    for (const auto& kv : sev) a.numbers[std::string(kv.key())] = kv.value();
    a.steps.back().summary = fmt::format("{} findings in {} files", at_num(summary, "findings"),
                                         at_num(summary, "files_scanned"));
    int observability = 0;
    for (const auto& f : report->at("findings").as_array()) {
      const json::object& fo = f.as_object();
      const std::string rule = at_str(fo, "rule");
      bool obs = starts_with(rule, "OBS") || rule == "K8S014" || rule == "K8S015";
      observability += obs;
      if (a.because.size() < 8 && (obs || at_str(fo, "severity") == "error"))
        a.because.push_back(fmt::format("{} {}:{}: {}", rule, at_str(fo, "file"),
                                        static_cast<long long>(at_num(fo, "line")),
                                        at_str(fo, "message")));
    }
    a.numbers["observability_findings"] = observability;
    a.headline = fmt::format(
        "{}{} findings in {} files under {} ({} about monitoring and autoscaling){}",
        live_headline.empty() ? "" : live_headline + " Config: ", at_num(summary, "findings"),
        at_num(summary, "files_scanned"), s.at("path"), observability,
        diag ? "."
        : tools.find("monitor")
            ? "; pass --prometheus URL or --db FILE to diagnose the running system too."
            : "; live metrics are not read in this build.");
    a.apply.push_back(fmt::format("llmctl audit {}   (every finding with its fix)", s.at("path")));
  } else if (diag) {
    a.headline = live_headline +
                 " Give --path DIR to audit the deployment's alerts, dashboards "
                 "and autoscaling too.";
  } else if (!tools.find("monitor")) {
    a.headline =
        "Live diagnosis needs `llmctl monitor`, which is not yet available in this build; give "
        "--path DIR to audit the deployment's alerts, dashboards and autoscaling instead.";
  } else {
    a.headline = "The live diagnosis failed: " + a.steps.back().summary;
  }
  a.apply.push_back(
      "llmctl deploy SPEC.yaml --out deploy   (writes burn-rate alerts, a dashboard and KEDA "
      "autoscaling sized from the plan)");
  a.watch.push_back(
      "engine queue (vllm:num_requests_waiting), KV-cache usage "
      "(vllm:kv_cache_usage_perc), p95 TTFT/TPOT histograms, gateway error rate");
  return a;
}

Answer scale_script(const Slots& s, const Registry& tools, const ToolEnv& env, const Knowledge& k) {
  Answer a;
  const Lengths l = *lengths(s, k);
  double target = s.count("target_qps") ? std::stod(s.at("target_qps")) : 0;
  if (!target && s.count("growth") && s.count("qps"))
    target = std::stod(s.at("qps")) * std::stod(s.at("growth"));
  a.notes.push_back("token lengths: " + l.source);
  json::object spec = build_spec("ask-scale", s, l, target, "model");
  a.spec = spec;
  json::value plan_out;
  const json::object* plan =
      call(a, tools, env, "plan", json::object{{"spec", spec}, {"top", 1000}}, plan_out);
  if (!plan) return a;
  const json::object* self = first_option(*plan, "self-hosted");
  if (!self) {
    no_option(a, *plan);
    return a;
  }
  a.steps.back().summary = fmt::format("at {} req/s: {}", plain(target), at_str(*self, "id"));
  self_numbers(a, *self);
  a.numbers["target_qps"] = target;
  for (const auto& b : strings_of(*self, "because")) a.because.push_back(b);
  std::string from;
  if (s.count("qps") && std::stod(s.at("qps")) != target) {
    const double now_qps = std::stod(s.at("qps"));
    json::object now_spec = build_spec("ask-scale-now", s, l, now_qps, "model");
    // Compare like with like: the same GPU, engine and dtype as the target's best option.
    const json::object& sh = self->at("self_hosted").as_object();
    now_spec["constraints"] = json::object{{"gpus", json::array{at_str(sh, "gpu")}},
                                           {"engines", json::array{at_str(sh, "engine")}},
                                           {"dtypes", json::array{at_str(sh, "dtype")}},
                                           {"api", false}};
    json::value now_out;
    const json::object* now_plan =
        call(a, tools, env, "plan", json::object{{"spec", now_spec}, {"top", 1000}}, now_out);
    if (const json::object* now_self =
            now_plan ? first_option(*now_plan, "self-hosted") : nullptr) {
      self_numbers(a, *now_self, "current_");
      a.numbers["current_qps"] = now_qps;
      a.steps.back().summary =
          fmt::format("at {} req/s: {}", plain(now_qps), at_str(*now_self, "id"));
      from = fmt::format(" (from {} GPUs, {}/month at {} req/s)",
                         at_num(now_self->at("self_hosted").as_object(), "gpus_billed"),
                         money(at_num(*now_self, "monthly_usd")), plain(now_qps));
    }
  }
  a.headline = fmt::format("At {} req/s: {}, {}/month{}; {}.", plain(target), describe_self(*self),
                           money(at_num(*self, "monthly_usd")), from, headline_p95(*self, false));
  a.apply.push_back("llmctl plan spec.yaml   (compare GPUs, engines and APIs at the new traffic)");
  a.apply.push_back(
      "llmctl deploy spec.yaml --out deploy   (KEDA min/max replicas and alerts for the new "
      "fleet)");
  a.watch.push_back(fmt::format("per-replica load: one replica holds {} req/s within the SLO",
                                format_sig(a.numbers["replica_capacity_qps"].as_double())));
  simulate_option(a, tools, env, *self, s, l, target);
  return a;
}

json::array to_array(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

const std::vector<SlotSpec>& slot_specs() {
  static const std::vector<SlotSpec> specs = {
      {"model", "--model", "Which model? (a catalog id or alias, or a size such as 70B)",
       "llama-3.1-70b"},
      {"current_model", "--current-model", "Which model do you use today? (hosted or catalog)",
       "gpt-4o"},
      {"qps", "--qps", "How many requests per second at peak?", "20"},
      {"target_qps", "--target-qps", "To how many requests per second must it scale?", "100"},
      {"app", "--app", "What kind of app? (chat, code-completion, rag, agent, ...)", "chat"},
      {"input_tokens", "--input-tokens", "Mean prompt tokens per request?", "1000"},
      {"output_tokens", "--output-tokens", "Mean output tokens per request?", "250"},
      {"gpu", "--gpu", "Which GPU type must it run on? (empty: any)", "h100-sxm"},
      {"ttft_ms", "--ttft-ms", "p95 time-to-first-token SLO in ms? (empty: none)", "1000"},
      {"tpot_ms", "--tpot-ms", "p95 time-per-output-token SLO in ms? (empty: none)", "50"},
      {"ttft_p99_ms", "--ttft-p99-ms", "p99 time-to-first-token SLO in ms? (empty: none)", "2000"},
      {"tpot_p99_ms", "--tpot-p99-ms", "p99 time-per-output-token SLO in ms? (empty: none)", "80"},
      {"budget", "--budget", "Monthly budget in USD? (empty: none)", "20000"},
      {"target", "--target", "Deployment target? (k8s, kserve, helm-production-stack, ...)", "k8s"},
      {"spend", "--spend", "What do you spend per month today, in USD?", "40000"},
      {"prometheus", "--prometheus", "Prometheus URL?", "http://prometheus:9090"},
      {"path", "--path", "Folder with the deployment (manifests, alerts, gateway config)?",
       "deploy/"},
      {"db", "--db", "The gateway's request log (SQLite)?", "llmctl.db"},
      {"input", "--input", "A usage export instead of the request log?", "usage.jsonl"},
      {"input_format", "--input-format", "Format of --input (openai-usage, litellm, csv, ...)?",
       "openai-usage"},
      {"rules", "--rules", "Alert rule file or dashboard to check against the running engines?",
       "deploy/alerts.yaml"},
  };
  return specs;
}

const SlotSpec* find_slot(std::string_view name) {
  for (const auto& s : slot_specs())
    if (s.name == name) return &s;
  return nullptr;
}

const std::vector<ScriptSpec>& scripts() {
  static const std::vector<ScriptSpec> list = {
      {"deploy",
       "Deploy our LLM app",
       "Plan the cheapest fleet that meets the traffic and SLOs, pick the best self-hosted "
       "option, and generate its deployment bundle (dry run): what to apply and what to watch.",
       {"deploy our 70B chat app for 20 req/s on H100s", "serve llama-3.1-8b at 5 req/s",
        "put our chat model in production on L40S"},
       {"plan", "deploy", "simulate"},
       {"model", "qps", "app", "input_tokens", "output_tokens", "gpu", "ttft_ms", "tpot_ms",
        "ttft_p99_ms", "tpot_p99_ms", "budget", "target"}},
      {"optimize-costs",
       "Optimize our AI costs",
       "Price what the current model costs at your traffic, find the cheapest option of the same "
       "quality tier (hosted or self-hosted) and the saving; with a request log or a usage "
       "export, attribute the logged spend and find anomalies and savings in it (`costs`).",
       {"optimize our AI costs: we use gpt-4o at 10 req/s for chat",
        "we spend $40k a month on claude, how do we cut it", "reduce our LLM bill"},
       {"costs", "catalog_cost", "plan"},
       {"current_model", "qps", "app", "input_tokens", "output_tokens", "spend", "db", "input",
        "input_format"}},
      {"monitor",
       "Monitor our AI system",
       "Diagnose a running system from live metrics and the request log (`monitor`) and audit "
       "its alerts, dashboards and autoscaling configuration.",
       {"monitor our AI system in deploy/", "is our LLM deployment healthy?",
        "set up alerts for our model servers"},
       {"monitor", "audit"},
       {"prometheus", "db", "rules", "path"}},
      {"scale",
       "Scale our GPU infrastructure",
       "Size the fleet for the new traffic (GPUs, replicas, cost) against today's; the plan "
       "simulates its options under the new peak and sizes them up where they miss the SLOs.",
       {"scale our llama-3.1-70b chat from 20 to 100 req/s",
        "how many GPUs do we need for 50 req/s", "we expect 3x traffic at peak season"},
       {"plan", "simulate"},
       {"model", "qps", "target_qps", "app", "input_tokens", "output_tokens", "gpu", "ttft_ms",
        "ttft_p99_ms"}},
  };
  return list;
}

const ScriptSpec* find_script(std::string_view id) {
  for (const auto& s : scripts())
    if (s.id == id) return &s;
  return nullptr;
}

std::vector<MissingSlot> missing_slots(
    const std::string& script, const Slots& s, const Knowledge& k,
    const std::map<std::string, std::vector<std::string>>& ambiguous) {
  std::vector<MissingSlot> out;
  auto need = [&](const std::string& slot, const std::string& why) {
    if (s.count(slot)) return;
    MissingSlot m{slot, why, {}};
    if (auto it = ambiguous.find(slot); it != ambiguous.end()) m.suggestions = it->second;
    out.push_back(std::move(m));
  };
  auto need_lengths = [&]() {
    if (lengths(s, k)) return;
    std::string why =
        s.count("app") ? fmt::format(
                             "there is no measured workload profile for '{}' (explain --search "
                             "workload lists them), so the lengths must be stated",
                             s.at("app"))
                       : "token lengths size the KV cache and the bill; name the app type (chat, "
                         "code-completion) or state the lengths";
    if (!s.count("app") && !s.count("input_tokens") && !s.count("output_tokens")) {
      need("app", why);
      return;
    }
    need("input_tokens", why);
    need("output_tokens", why);
  };
  if (script == "deploy") {
    need("model", "the plan needs a catalog model to size the fleet");
    need("qps", "the fleet is sized for the peak request rate");
    need_lengths();
  } else if (script == "optimize-costs") {
    // A request log or usage export stands in for all three: the model that costs the most, the
    // logged rate and its lengths (costs_script reads them from the log).
    if (s.count("db") || s.count("input") || s.count("path")) return out;
    need("current_model",
         "savings are measured against what you use today (or pass --db / "
         "--input: the log says it)");
    need("qps", "what a model costs depends on the traffic");
    need_lengths();
  } else if (script == "monitor") {
    if (!s.count("prometheus") && !s.count("path") && !s.count("db"))
      need("path",
           "a deployment folder to audit (or --prometheus URL / --db FILE to diagnose the "
           "running system)");
  } else if (script == "scale") {
    need("model", "the plan needs a catalog model to size the fleet");
    if (!s.count("target_qps") && s.count("growth"))
      need("qps", fmt::format("today's peak req/s: the target is {}x that", s.at("growth")));
    else if (!s.count("target_qps"))
      need("target_qps", "the fleet is sized for the traffic it must reach");
    need_lengths();
  }
  return out;
}

Answer run_script(const std::string& script, const Slots& slots, const Registry& tools,
                  const ToolEnv& env, const Knowledge& knowledge) {
  Answer a;
  if (script == "deploy") a = deploy_script(slots, tools, env, knowledge);
  if (script == "optimize-costs") a = costs_script(slots, tools, env, knowledge);
  if (script == "monitor") a = monitor_script(slots, tools, env, knowledge);
  if (script == "scale") a = scale_script(slots, tools, env, knowledge);
  a.script = script;
  a.slots = slots;
  return a;
}

Answer handoff_answer(const std::string& request, const Recognition& r, const Registry& tools,
                      const ToolEnv& env, const Knowledge& knowledge) {
  Answer a;
  a.request = request;
  a.slots = r.slots;
  json::object h{{"to", handoff_name(r.handoff)}, {"asked", request}, {"matched", r.handoff_topic}};
  json::array knows;
  for (const auto& [k, v] : r.slots) knows.push_back(json::object{{"slot", k}, {"value", v}});
  switch (r.handoff) {
    case Handoff::kArchitect: {
      h["kind"] = "architecture-decision";
      h["why"] =
          "choosing between RAG and fine-tuning, a model family or an agent design is an "
          "architecture decision; llmctl sizes, deploys, costs and checks what is decided";
      h["llmctl_knows"] = json::object{
          {"stated", knows},
          {"catalog_models", static_cast<std::int64_t>(env.catalog->models.size())},
          {"hosted_prices", static_cast<std::int64_t>(env.catalog->prices.size())},
          {"see", json::array{"llmctl catalog list models", "llmctl catalog list prices",
                              "llmctl explain --search model"}}};
      h["needs_back"] = json::array{
          "the decision (model or quality tier, RAG or fine-tuned, agent shape)",
          "deployment requirements as a plan spec: traffic (peak req/s, token lengths), SLOs, "
          "budget, constraints — schema: llmctl schema plan-spec",
      };
      h["then"] =
          "llmctl plan SPEC.yaml, then llmctl deploy SPEC.yaml --out deploy (or the plan "
          "and deploy MCP tools with the spec as an object)";
      a.headline =
          "This is an architecture decision: handed to an AI solution architect, with "
          "what llmctl knows and the plan spec it needs back.";
      break;
    }
    case Handoff::kSre: {
      h["kind"] = "collaboration-note";
      h["why"] =
          "SLO targets, on-call and incident process are reliability policy, the SRE's to "
          "set; llmctl supplies the numbers and implements the alerts";
      json::array budgets;
      for (double target : {0.99, 0.995, 0.999, 0.9995, 0.9999})
        budgets.push_back(json::object{
            {"availability", target},
            {"error_budget_minutes_per_month", std::round((1 - target) * 730 * 60 * 10) / 10}});
      json::object numbers{{"error_budgets", budgets}};
      // With a model and traffic, attach what the plan says about latency at peak.
      if (r.slots.count("model") && r.slots.count("qps") && lengths(r.slots, knowledge)) {
        Lengths l = *lengths(r.slots, knowledge);
        json::object spec =
            build_spec("sre-note", r.slots, l, std::stod(r.slots.at("qps")), "model");
        json::value out;
        if (const json::object* plan =
                call(a, tools, env, "plan", json::object{{"spec", spec}}, out))
          if (const json::object* self = first_option(*plan, "self-hosted")) {
            self_numbers(a, *self);
            numbers["plan_at_peak"] = a.numbers;
            a.steps.back().summary = at_str(*self, "id");
          }
      }
      h["llmctl_numbers"] = numbers;
      h["llmctl_provides"] = json::array{
          "multiwindow burn-rate alerts and a runbook per alert (llmctl deploy: monitoring/, "
          "RUNBOOK.md)",
          "N+1 sizing for availability >= 99.9% (llmctl plan)",
          "gateway fallbacks, breakers and timeouts (llmctl gateway)"};
      h["needs_back"] = json::array{"availability and latency SLO targets (slo: in the plan spec)",
                                    "on-call routing and the incident process for the alerts"};
      a.headline =
          "Reliability policy is the SRE's call: here is a collaboration note with "
          "llmctl's numbers (error budgets per availability target) and what it implements.";
      a.numbers = json::object{{"error_budget_minutes_at_99_9", 43.8}};
      break;
    }
    case Handoff::kDevops: {
      h["kind"] = "declined";
      h["why"] = "general CI/CD and infrastructure are outside llmctl's scope";
      h["pointer"] = "a devops specialist (or your platform team's pipeline templates)";
      h["llmctl_can_help_with"] = json::array{
          "the LLM parts of a pipeline: an evaluation gate and canary analysis (llmctl deploy: "
          "ci/)",
          "auditing LLM serving manifests and workflows (llmctl audit)"};
      a.headline =
          "General CI/CD is outside llmctl's scope: ask a devops specialist. llmctl can "
          "add the LLM-specific parts (evaluation gate, canary analysis, audit).";
      break;
    }
    case Handoff::kNone:
      break;
  }
  a.handoff = std::move(h);
  return a;
}

Answer unrecognised_answer(const std::string& request, const Recognition& r) {
  Answer a;
  a.request = request;
  a.slots = r.slots;
  a.suggestions = r.ranking;
  // Closest first; a tie or nothing at all lists every script.
  const bool tie = r.ranking.size() > 1 && r.ranking[0].score == r.ranking[1].score;
  a.headline = r.ranking.front().score > 0 && tie
                   ? fmt::format("The request fits more than one script ({} and {}); say which.",
                                 r.ranking[0].script, r.ranking[1].script)
                   : "The request does not match an interaction script; llmctl does not guess.";
  return a;
}

json::value to_json(const Answer& a) {
  json::object slots;
  for (const auto& [k, v] : a.slots) slots[k] = v;
  json::array missing;
  for (const auto& m : a.missing) {
    const SlotSpec* spec = find_slot(m.slot);
    missing.push_back(json::object{{"slot", m.slot},
                                   {"flag", spec ? spec->flag : ""},
                                   {"question", spec ? spec->question : ""},
                                   {"why", m.why},
                                   {"suggestions", to_array(m.suggestions)}});
  }
  json::array steps;
  for (const auto& s : a.steps)
    steps.push_back(json::object{{"tool", s.tool},
                                 {"status", s.status},
                                 {"arguments", s.arguments},
                                 {"summary", s.summary}});
  json::array suggestions;
  for (const auto& s : a.suggestions) {
    const ScriptSpec* spec = find_script(s.script);
    suggestions.push_back(json::object{
        {"script", s.script}, {"score", s.score}, {"example", spec ? spec->examples.front() : ""}});
  }
  return json::object{{"request", a.request},
                      {"script", a.script.empty() ? json::value(nullptr) : json::value(a.script)},
                      {"slots", slots},
                      {"missing", missing},
                      {"steps", steps},
                      {"headline", a.headline},
                      {"numbers", a.numbers},
                      {"because", to_array(a.because)},
                      {"apply", to_array(a.apply)},
                      {"watch", to_array(a.watch)},
                      {"notes", to_array(a.notes)},
                      {"spec", a.spec},
                      {"handoff", a.handoff},
                      {"suggestions", suggestions},
                      {"complete", !a.failed && a.missing.empty()}};
}

std::string to_text(const Answer& a) {
  std::string out;
  if (!a.script.empty()) out += fmt::format("script: {}\n", a.script);
  for (const auto& s : a.steps)
    out += fmt::format("  -> {} {}: {}\n", s.tool, s.status == "ok" ? "ok" : s.status, s.summary);
  if (!a.steps.empty()) out += "\n";
  if (!a.headline.empty()) out += a.headline + "\n";
  auto list = [&](const char* title, const std::vector<std::string>& items) {
    if (items.empty()) return;
    out += fmt::format("\n{}:\n", title);
    for (const auto& i : items) out += fmt::format("  - {}\n", i);
  };
  std::vector<std::string> because;
  for (const auto& b : a.because) because.push_back("because " + b);
  list("why", because);
  list("apply", a.apply);
  list("watch", a.watch);
  list("notes", a.notes);
  if (!a.handoff.is_null()) {
    const json::object& h = a.handoff.as_object();
    out += fmt::format("\nhand-off to {} ({}):\n", at_str(h, "to"), at_str(h, "kind"));
    out += fmt::format("  why: {}\n", at_str(h, "why"));
    for (const char* key : {"needs_back", "llmctl_provides", "llmctl_can_help_with"})
      if (const json::value* v = h.if_contains(key))
        for (const auto& item : v->as_array())
          out += fmt::format("  {}: {}\n", key, std::string(item.as_string()));
    if (const json::value* n = h.if_contains("llmctl_numbers"))
      for (const auto& b : n->as_object().at("error_budgets").as_array())
        out += fmt::format("  error budget at {:g}%: {:g} min/month\n",
                           100 * num(b.as_object().at("availability")),
                           num(b.as_object().at("error_budget_minutes_per_month")));
    if (const json::value* n = h.if_contains("llmctl_numbers"))
      if (const json::value* p = n->as_object().if_contains("plan_at_peak"))
        out += fmt::format(
            "  plan at the stated traffic: {} — {:g} GPUs, p95 TTFT {:g} ms and TPOT {:g} ms at "
            "peak\n",
            at_str(p->as_object(), "option"), at_num(p->as_object(), "gpus"),
            at_num(p->as_object(), "ttft_p95_ms_at_peak"),
            at_num(p->as_object(), "tpot_p95_ms_at_peak"));
    if (const json::value* t = h.if_contains("then"))
      out += fmt::format("  then: {}\n", std::string(t->as_string()));
    if (const json::value* p = h.if_contains("pointer"))
      out += fmt::format("  ask: {}\n", std::string(p->as_string()));
  }
  if (!a.suggestions.empty()) {
    out += "\nclosest scripts:\n";
    for (const auto& s : a.suggestions) {
      const ScriptSpec* spec = find_script(s.script);
      if (!spec) continue;
      out += fmt::format("  {:<15} {}\n                  llmctl ask \"{}\"\n", s.script,
                         spec->title, spec->examples.front());
    }
  }
  if (!a.spec.is_null()) out += "\nspec (save as spec.yaml):\n" + yaml_from_json(a.spec);
  return out;
}

std::string prompt_text(const ScriptSpec& script, const std::map<std::string, std::string>& args) {
  std::vector<std::string> stated;
  for (const auto& [k, v] : args)
    if (!v.empty()) stated.push_back(fmt::format("{}: {}", k, v));
  std::string out = fmt::format("{}.{}\n\n", script.title,
                                stated.empty() ? "" : " Known: " + join(stated, "; ") + ".");
  out += "Use llmctl's tools, in this order:\n";
  if (script.id == "deploy") {
    out +=
        "1. Build a plan spec (the plan tool's `spec` argument: model, traffic.peak_qps, "
        "traffic.input_tokens and output_tokens, slo, budget, constraints.gpus) from what is "
        "known; ask the user for what is missing.\n"
        "2. Call `plan` with it. Take the best self-hosted option (kind self-hosted), and note "
        "if a hosted API is cheaper and the break-even.\n"
        "3. Call `deploy` with the same spec, option = that option's id, dry_run = true.\n"
        "4. Answer with the option, its monthly cost, GPUs, p95 TTFT/TPOT at peak and its "
        "'because' lines; what to apply (the files) and what to watch (the alerts in "
        "monitoring/rules.yaml).\n";
  } else if (script.id == "optimize-costs") {
    out +=
        "1. Call `catalog_cost` for the current model with the mean input and output tokens; "
        "multiply by requests per month (req/s x 2,628,000).\n"
        "2. Call `plan` with a spec whose tier is the current model's quality tier (catalog_show "
        "gives it) and the same traffic.\n"
        "3. Answer with the current monthly cost, the cheapest option of the same tier or "
        "better, the saving in dollars and percent, and the 'because' lines.\n";
  } else if (script.id == "monitor") {
    out +=
        "1. Call `audit` on the deployment folder (paths) and report findings by severity, "
        "observability rules (OBS*) first.\n"
        "2. Live metrics need `monitor` when the server lists it.\n";
  } else {
    out +=
        "1. Call `plan` with the spec at the target peak req/s, then at today's req/s restricted "
        "to the same GPU, engine and dtype.\n"
        "2. Answer with GPUs, replicas and monthly cost at both, the difference, and the "
        "per-replica capacity that autoscaling should use.\n";
  }
  out += "Report numbers as the tools give them; do not estimate what a tool can compute.";
  return out;
}

}  // namespace llmctl::agent::ask
