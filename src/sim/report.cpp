#include "sim/report.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "common/json_writer.h"
#include "common/strings.h"
#include "sim/engine.h"

namespace llmctl::sim {

namespace json = boost::json;

namespace {

json::object latency(const Latency& l) {
  json::object o;
  o["mean"] = round_to(l.mean, 3);
  o["p50"] = round_to(l.p50, 3);
  o["p90"] = round_to(l.p90, 3);
  o["p95"] = round_to(l.p95, 3);
  o["p99"] = round_to(l.p99, 3);
  return o;
}

json::value opt(const std::optional<double>& v, int digits) {
  return v ? json::value(round_to(*v, digits)) : json::value(nullptr);
}

const char* arrival_name(WorkloadSpec::Arrival a) {
  switch (a) {
    case WorkloadSpec::Arrival::kPoisson:
      return "poisson";
    case WorkloadSpec::Arrival::kConstant:
      return "constant";
    case WorkloadSpec::Arrival::kGamma:
      return "gamma";
    case WorkloadSpec::Arrival::kClosedLoop:
      return "closed-loop";
    case WorkloadSpec::Arrival::kTrace:
      return "trace";
  }
  return "";
}

std::string ms(double v) {
  if (v >= 10000) return format_sig(v / 1000, 3) + " s";
  return format_sig(v, 3) + " ms";
}

}  // namespace

std::string describe_pools(const Scenario& sc) {
  std::vector<std::string> parts;
  for (const Pool& p : sc.pools) {
    const auto& d = p.deployment;
    // The engine settings the run sets itself (left out: the engine's defaults), so a reader
    // sees which flags the numbers belong to.
    std::vector<std::string> set;
    if (d.max_num_seqs) set.push_back(fmt::format("max {} sequences", *d.max_num_seqs));
    if (p.max_num_batched_tokens)
      set.push_back(fmt::format("{} tokens a step", *p.max_num_batched_tokens));
    if (p.prefix_caching) set.push_back(*p.prefix_caching ? "prefix cache on" : "prefix cache off");
    if (p.scheduler_recv_interval > 1)
      set.push_back(fmt::format("receive every {} steps", p.scheduler_recv_interval));
    if (p.stream_interval > 1) set.push_back(fmt::format("stream every {}", p.stream_interval));
    if (p.batch_wait_timeout_iters > 0 || p.batch_wait_max_tokens_ratio > 0)
      set.push_back(fmt::format("batch wait {} steps or {:g} of the token budget",
                                p.batch_wait_timeout_iters, p.batch_wait_max_tokens_ratio));
    std::string s =
        fmt::format("{} x {} on {} ({}, {}, TP {}{}{})", p.replicas, d.model->id, d.gpu->id,
                    d.engine->id, d.dtype, d.tp, d.pp > 1 ? fmt::format(", PP {}", d.pp) : "",
                    set.empty() ? "" : "; " + join(set, ", "));
    if (p.autoscaler.enabled)
      s += fmt::format(", autoscaled {}..{} on {} {:g}", p.autoscaler.min_replicas,
                       p.autoscaler.max_replicas, p.autoscaler.metric, p.autoscaler.target);
    parts.push_back(s);
  }
  return join(parts, " + ");
}

std::string describe_workload(const WorkloadSpec& w) {
  std::string load;
  switch (w.arrival) {
    case WorkloadSpec::Arrival::kPoisson:
      load = fmt::format("Poisson {:g} req/s", w.qps);
      break;
    case WorkloadSpec::Arrival::kConstant:
      load = fmt::format("constant {:g} req/s", w.qps);
      break;
    case WorkloadSpec::Arrival::kGamma:
      load = fmt::format("gamma {:g} req/s, CV {:g}", w.qps, w.burstiness_cv);
      break;
    case WorkloadSpec::Arrival::kClosedLoop:
      load = fmt::format("closed loop, {} clients", w.concurrency);
      break;
    case WorkloadSpec::Arrival::kTrace:
      load =
          fmt::format("{} trace {}{}", w.trace ? w.trace->format : "", w.trace ? w.trace->name : "",
                      w.time_scale != 1 ? fmt::format(" x{:g} time", w.time_scale) : "");
      break;
  }
  if (w.arrival != WorkloadSpec::Arrival::kTrace) {
    load +=
        fmt::format("; input {} tokens, output {} tokens", w.input.describe(), w.output.describe());
    if (w.shared_prefix_tokens > 0)
      load += fmt::format(" after a shared prefix of {} tokens ({} groups)", w.shared_prefix_tokens,
                          w.prefix_groups);
    if (w.prompt_pool > 0) load += fmt::format(", prompts drawn from a pool of {}", w.prompt_pool);
  }
  if (w.warmup_requests > 0) load += fmt::format("; {} warm-up requests", w.warmup_requests);
  if (w.requests > 0) load += fmt::format("; {} requests", w.requests);
  if (w.duration_s > 0) load += fmt::format("; {:g} s", w.duration_s);
  return load;
}

json::value result_json(const Scenario& sc, const SimResult& r) {
  json::object o;
  o["requests"] = r.requests;
  o["completed"] = r.completed;
  o["dropped"] = r.dropped;
  o["duration_s"] = round_to(r.duration_s, 3);
  o["ttft_ms"] = latency(r.ttft);
  o["tpot_ms"] = latency(r.tpot);
  o["itl_ms"] = latency(r.itl);
  o["e2e_ms"] = latency(r.e2e);
  o["queue_ms"] = latency(r.queue);
  o["requests_per_s"] = round_to(r.requests_per_s, 4);
  o["output_tokens_per_s"] = round_to(r.output_tokens_per_s, 1);
  o["prefix_cache_hit_rate"] = round_to(r.prefix_cache_hit_rate, 4);
  o["preemptions"] = r.preemptions;
  o["kv_usage_mean"] = round_to(r.kv_usage_mean, 4);
  o["slo_attainment"] = opt(r.slo_attainment, 4);
  o["gpu_hours"] = round_to(r.gpu_hours, 4);
  o["cost_usd"] = opt(r.cost_usd, 4);
  json::object rep;
  rep["min"] = r.replicas_min;
  rep["max"] = r.replicas_max;
  rep["mean"] = round_to(r.replicas_mean, 3);
  rep["final"] = r.replicas_final;
  o["replicas"] = std::move(rep);
  // Details.
  json::object drops;
  for (const auto& [k, v] : r.dropped_by_reason) drops[k] = v;
  o["dropped_by_reason"] = std::move(drops);
  o["input_tokens_per_s"] = round_to(r.input_tokens_per_s, 1);
  o["in_flight_mean"] = round_to(r.in_flight_mean, 4);
  o["goodput_rps"] = opt(r.goodput_rps, 4);
  json::array per;
  for (const ReplicaStats& s : r.per_replica) {
    json::object x;
    x["pool"] = s.pool;
    x["index"] = s.index;
    x["gpu"] = s.gpu;
    x["requests"] = s.requests;
    x["busy_fraction"] = round_to(s.busy_fraction, 4);
    x["kv_usage_mean"] = round_to(s.kv_usage_mean, 4);
    x["prefix_cache_hit_rate"] = round_to(s.prefix_cache_hit_rate, 4);
    x["preemptions"] = s.preemptions;
    x["up_s"] = round_to(s.up_s, 3);
    per.push_back(std::move(x));
  }
  o["per_replica"] = std::move(per);
  json::object scen;
  scen["name"] = sc.name;
  scen["fleet"] = describe_pools(sc);
  scen["workload"] = describe_workload(sc.workload);
  scen["arrival"] = arrival_name(sc.workload.arrival);
  scen["router"] = sc.router;
  scen["seed"] = sc.seed;
  scen["step_jitter_cv"] = sc.step_jitter_cv;
  if (sc.front_end.any())
    scen["front_end"] = {{"per_request_ms", sc.front_end.per_request_ms},
                         {"per_prompt_token_us", sc.front_end.per_prompt_token_us}};
  o["scenario"] = std::move(scen);
  json::array notes;
  for (const auto& n : r.notes) notes.push_back(json::value(n));
  o["notes"] = std::move(notes);
  return o;
}

std::string result_text(const Scenario& sc, const SimResult& r) {
  std::string out;
  out += fmt::format("{}\n", describe_pools(sc));
  out += fmt::format("  workload    {}; router {}; seed {}\n", describe_workload(sc.workload),
                     sc.router, sc.seed);
  out += fmt::format("  requests    {} completed, {} dropped, of {} in {}\n",
                     group_thousands(r.completed), group_thousands(r.dropped),
                     group_thousands(r.requests), ms(r.duration_s * 1e3));
  for (const auto& [k, v] : r.dropped_by_reason)
    out +=
        fmt::format("              {} dropped: {}\n", group_thousands(v), drop_reason_meaning(k));
  out += fmt::format("  {:<10}  {:>10} {:>10} {:>10} {:>10}\n", "latency", "mean", "p50", "p90",
                     "p99");
  // No request completed: no latency was measured (not 0 ms).
  auto cell = [&](double v) { return r.completed > 0 ? ms(v) : std::string("-"); };
  auto row = [&](const char* name, const Latency& l) {
    out += fmt::format("  {:<10}  {:>10} {:>10} {:>10} {:>10}\n", name, cell(l.mean), cell(l.p50),
                       cell(l.p90), cell(l.p99));
  };
  row("TTFT", r.ttft);
  row("TPOT", r.tpot);
  row("ITL", r.itl);
  row("E2E", r.e2e);
  row("queue", r.queue);
  out += fmt::format("  throughput  {} output tokens/s, {} requests/s\n",
                     group_thousands(static_cast<long long>(r.output_tokens_per_s + 0.5)),
                     format_sig(r.requests_per_s, 4));
  if (r.slo_attainment)
    out += fmt::format("  SLO         {:.1f}% of requests met it; goodput {} req/s\n",
                       *r.slo_attainment * 100, format_sig(*r.goodput_rps, 4));
  out += fmt::format(
      "  KV cache    {:.1f}% used on average; prefix cache hit rate {:.1f}%; {} "
      "preemptions\n",
      r.kv_usage_mean * 100, r.prefix_cache_hit_rate * 100, group_thousands(r.preemptions));
  out += fmt::format("  replicas    {} to {} ready (mean {}), {} at the end\n", r.replicas_min,
                     r.replicas_max, format_sig(r.replicas_mean, 3), r.replicas_final);
  out += fmt::format("  cost        {} GPU-hours{}\n", format_sig(r.gpu_hours, 4),
                     r.cost_usd ? fmt::format(", ${}", format_sig(*r.cost_usd, 4)) : "");
  if (r.per_replica.size() > 1 && r.per_replica.size() <= 16) {
    out += "  per replica\n";
    for (const ReplicaStats& s : r.per_replica)
      out += fmt::format("    {}/{} ({}): {} requests, {:.0f}% busy, KV {:.0f}%, hit {:.0f}%\n",
                         s.pool, s.index, s.gpu, group_thousands(s.requests), s.busy_fraction * 100,
                         s.kv_usage_mean * 100, s.prefix_cache_hit_rate * 100);
  }
  for (const auto& n : r.notes) out += fmt::format("  - {}\n", n);
  return out;
}

std::string timeseries_csv(const SimResult& r) {
  std::string out =
      "t_s,replicas_ready,replicas_starting,running,waiting,kv_usage,arrivals,completed,"
      "ttft_mean_ms,ttft_p99_ms,output_tokens_per_s,first_tokens,generated_tokens_per_s\n";
  for (const TimePoint& p : r.timeseries) {
    // An interval without a first token has no TTFT: empty fields, not 0 ms.
    const std::string mean = p.first_tokens ? fmt::format("{:.3f}", p.ttft_mean_ms) : "";
    const std::string p99 = p.first_tokens ? fmt::format("{:.3f}", p.ttft_p99_ms) : "";
    out += fmt::format("{:.3f},{},{},{},{},{:.4f},{},{},{},{},{:.1f},{},{:.1f}\n", p.t_s,
                       p.replicas_ready, p.replicas_starting, p.running, p.waiting, p.kv_usage,
                       p.arrivals, p.completed, mean, p99, p.output_tokens_per_s, p.first_tokens,
                       p.generated_tokens_per_s);
  }
  return out;
}

}  // namespace llmctl::sim
