// GPU diagnoses from a GPU exporter (dcgm-exporter): gpu_idle (with the dollars it wastes),
// gpu_memory, gpu_xid, gpu_throttle; and gpu_idle of an engine that generated nothing in the
// window when no exporter is scraped.
#include <algorithm>
#include <cmath>
#include <map>

#include "monitor/diag_internal.h"

namespace llmctl::monitor::detail {

namespace {

// NVML clocks-event reasons that slow a loaded GPU (nvmlClocksEventReasons): software power cap,
// hardware slowdown, software thermal, hardware thermal, power brake. Idle (0x1), application
// clocks (0x2), sync boost (0x10) and display clocks (0x100) are not throttling.
struct Reason {
  unsigned bit;
  const char* name;
};
constexpr Reason kThrottleReasons[] = {{0x4, "sw_power_cap"},
                                       {0x8, "hw_slowdown"},
                                       {0x20, "sw_thermal_slowdown"},
                                       {0x40, "hw_thermal_slowdown"},
                                       {0x80, "hw_power_brake_slowdown"}};

void gpu_idle(Ctx& c) {
  // Idle GPUs grouped by host and model, so a node of 8 idle GPUs is one finding.
  struct Group {
    std::vector<double> utils;
    std::string model_name, host, query;
  };
  std::map<std::pair<std::string, std::string>, Group> groups;
  for (const auto& g : c.gpus) {
    std::string name;
    const Series* u = c.gpu_series(g, "gpu_util", &name);
    if (!u) continue;
    GaugeStats st = gauge_stats(*u, c.from());
    if (st.avg >= c.th.gpu_idle_util_pct || st.max >= 2 * c.th.gpu_idle_util_pct) continue;
    Group& gr = groups[{g.host, g.model_name}];
    gr.utils.push_back(st.avg);
    gr.model_name = g.model_name;
    gr.host = g.host;
    Labels host;
    if (!label(g.id, "instance").empty())
      host.emplace_back("instance", std::string(label(g.id, "instance")));
    gr.query = fmt::format("avg_over_time({}[{}]) < {}", c.sel(name, host), c.window_text(),
                           c.th.gpu_idle_util_pct);
  }
  for (const auto& [key, gr] : groups) {
    double avg = 0;
    for (double u : gr.utils) avg += u;
    avg /= static_cast<double>(gr.utils.size());
    const double n = static_cast<double>(gr.utils.size());
    auto price = gpu_price(c, gr.model_name);
    Finding f;
    f.kind = "gpu_idle";
    f.severity = Severity::kWarning;
    f.target = fmt::format("{} GPU{} on {}", gr.utils.size(), gr.utils.size() == 1 ? "" : "s",
                           gr.host.empty() ? "?" : gr.host);
    f.message = fmt::format(
        "{} {} at {}% utilisation on average over {}{}", num(n),
        gr.model_name.empty() ? "GPUs" : gr.model_name, num(avg), c.window_text(),
        price ? fmt::format(": ${}/hour (${}/month) paid for idle GPUs",
                            num(n * price->usd_per_hour), num(n * price->usd_per_hour * 730))
              : "");
    f.evidence = {{"idle_gpus", n, "count", gr.query}, {"gpu_util_avg", avg, "percent", ""}};
    if (price) {
      f.evidence.push_back({"wasted_usd_per_hour", n * price->usd_per_hour, "usd/h", price->what});
      f.evidence.push_back({"wasted_usd_per_month", n * price->usd_per_hour * 730, "usd/month",
                            "730 hours a month"});
    } else {
      c.note(
          fmt::format("gpu_idle on {}: no price for GPU \"{}\" (pass --gpu ID or "
                      "--gpu-hour-usd N)",
                      gr.host, gr.model_name));
    }
    f.fix = {
        "Lower the minimum replicas (or let the autoscaler scale to zero) and re-plan with the "
        "measured traffic",
        "llmctl plan SPEC.yaml  # traffic.average_qps from the gateway's request rate; "
        "traffic.autoscaling: true"};
    c.add(std::move(f));
  }
  // Without a GPU exporter: an engine that ran nothing and generated nothing in the window.
  if (!c.gpus.empty() || !c.has_window()) return;
  for (const auto& t : c.engines) {
    std::string gen_name;
    auto gen = c.engine_series(t, "generation_tokens", &gen_name);
    auto running = c.engine_series(t, "running");
    if (gen.empty() || running.empty()) continue;
    double generated = 0, busy = 0;
    bool covered = true;
    for (const Series* s : gen) {
      auto inc = increase_over(c.snap, *s, c.window());
      if (!inc) covered = false;
      generated += inc.value_or(0);
    }
    for (const Series* s : running) busy = std::max(busy, gauge_stats(*s, c.from()).max);
    if (!covered || generated > 0 || busy > 0) continue;
    auto price = gpu_price(c, "");
    Finding f;
    f.kind = "gpu_idle";
    f.severity = Severity::kWarning;
    f.target = t.display;
    f.message = fmt::format(
        "the engine generated no tokens and ran no request in {}: its GPUs are paid for and "
        "idle{}",
        c.window_text(),
        price ? fmt::format(" (${}/hour per GPU, {})", num(price->usd_per_hour), price->what) : "");
    f.evidence = {{"generated_tokens", 0, "tokens",
                   fmt::format("sum(increase({}[{}]))", c.sel(gen_name, {{"instance", t.instance}}),
                               c.window_text())},
                  {"running_max", 0, "requests", ""}};
    if (price)
      f.evidence.push_back({"usd_per_gpu_hour", price->usd_per_hour, "usd/h", price->what});
    f.fix = {
        "Scale this replica in (or to zero with a cold-start budget) and re-plan with the "
        "measured traffic",
        "llmctl plan SPEC.yaml  # traffic.autoscaling: true"};
    c.add(std::move(f));
  }
}

// The engine's memory fraction: vLLM says it in cache_config_info; else the catalog default of
// the engine seen (one kind), else 0.9.
double engine_memory_fraction(const Ctx& c) {
  for (const auto& t : c.engines)
    for (const Series* s : c.engine_series(t, "cache_config"))
      if (auto v = parse_value(label(s->labels, "gpu_memory_utilization"))) return *v;
  if (!c.engines.empty())
    if (const catalog::Engine* e = c.cat.find_engine(c.engines.front().engine))
      return e->gpu_memory_fraction;
  return 0.9;
}

void gpu_memory(Ctx& c) {
  const double fraction = engine_memory_fraction(c);
  const double limit = std::min(c.th.gpu_memory_critical, fraction + c.th.gpu_memory_margin);
  for (const auto& g : c.gpus) {
    std::string used_name, free_name, reserved_name;
    const Series* used = c.gpu_series(g, "gpu_fb_used", &used_name);
    const Series* free = c.gpu_series(g, "gpu_fb_free", &free_name);
    if (!used || !free) continue;
    const Series* reserved = c.gpu_series(g, "gpu_fb_reserved", &reserved_name);
    const double total = used->last() + free->last() + (reserved ? reserved->last() : 0);
    if (total <= 0) continue;
    const double share = used->last() / total;
    if (share <= limit) continue;
    Finding f;
    f.kind = "gpu_memory";
    f.severity = share >= c.th.gpu_memory_critical ? Severity::kCritical : Severity::kWarning;
    f.target = g.display;
    f.message = fmt::format(
        "framebuffer {} used ({} of {} MiB), above the engine's share {} + {}: the next "
        "allocation (a longer batch, another process) can fail with out-of-memory",
        pct(share), num(used->last()), num(total), num(fraction), num(c.th.gpu_memory_margin));
    f.evidence = {
        {"fb_used_share", share, "ratio",
         fmt::format("{0} / ({0} + {1})", c.sel(used_name, g.id), c.sel(free_name, g.id))},
        {"engine_memory_fraction", fraction, "ratio",
         "vllm:cache_config_info gpu_memory_utilization, else the catalog's engine "
         "default"}};
    f.fix = {
        "Find what else holds GPU memory (another process, time-slicing) or lower the "
        "engine's memory fraction; re-check the fit",
        "llmctl perf --model MODEL --gpu GPU --gpus N --engine ENGINE --dtype DTYPE "
        "--input-tokens N --output-tokens N --concurrency N  # memory fit"};
    c.add(std::move(f));
  }
}

void gpu_xid(Ctx& c) {
  for (const auto& g : c.gpus) {
    std::string name;
    const Series* x = c.gpu_series(g, "gpu_xid", &name);
    if (!x) continue;
    GaugeStats st = gauge_stats(*x, c.from());
    const double code = st.last > 0 ? st.last : st.max;
    if (code <= 0) continue;
    Finding f;
    f.kind = "gpu_xid";
    f.severity = Severity::kCritical;
    f.target = g.display;
    f.message = fmt::format(
        "the driver reported XID {}{}: from an application fault to a GPU that needs a reset or "
        "replacement",
        num(code), st.last > 0 ? "" : fmt::format(" within {}", c.window_text()));
    f.evidence = {{"xid", code, "code",
                   fmt::format("max_over_time({}[{}])", c.sel(name, g.id), c.window_text())}};
    f.fix = {
        "Look the code up in NVIDIA's XID catalogue, check the node's kernel log (NVRM "
        "lines), drain the node if the GPU fell off the bus (79) or has memory errors "
        "(48, 63, 64, 94, 95); the fleet runs one replica short meanwhile",
        "kubectl cordon NODE && llmctl plan SPEC.yaml  # N+1: slo.availability >= 0.999"};
    c.add(std::move(f));
  }
}

void gpu_throttle(Ctx& c) {
  for (const auto& g : c.gpus) {
    std::string name;
    const Series* r = c.gpu_series(g, "gpu_clock_reasons", &name);
    std::vector<std::string> active;
    double share = 0;
    if (r) {
      GaugeStats st = gauge_stats(*r, c.from());
      std::map<std::string, double> counts;
      for (double v : st.values) {
        const auto mask = static_cast<unsigned long long>(std::max(0.0, v));
        for (const auto& reason : kThrottleReasons)
          if (mask & reason.bit) counts[reason.name] += 1;
      }
      for (const auto& [reason, n] : counts) {
        const double s = n / static_cast<double>(st.values.size());
        if (s >= c.th.throttle_window_share) {
          active.push_back(reason);
          share = std::max(share, s);
        }
      }
    }
    // The violation counters (time throttled) when enabled: share of wall time.
    std::string vname;
    double violated = 0;
    for (const char* signal : {"gpu_power_violation", "gpu_thermal_violation"}) {
      std::string n;
      const Series* v = c.gpu_series(g, signal, &n);
      if (!v || !c.has_window()) continue;
      auto inc = increase_over(c.snap, *v, c.window());
      // DCGM reports microseconds (nanoseconds in the DCP list): a share above 1 means ns.
      if (!inc) continue;
      double s = *inc / 1e6 / c.window();
      if (s > 1.0) s /= 1000;
      if (s >= c.th.throttle_window_share) {
        violated = std::max(violated, s);
        vname = n;
        active.push_back(std::string(signal).substr(4));
      }
    }
    if (active.empty()) continue;
    Finding f;
    f.kind = "gpu_throttle";
    f.severity = Severity::kWarning;
    f.target = g.display;
    f.message = fmt::format(
        "clocks throttled ({}) for {} of {}: tokens per second drop while latency rises",
        fmt::format("{}", fmt::join(active, ", ")), pct(std::max(share, violated)),
        c.window_text());
    if (r)
      f.evidence.push_back({"throttled_share", share, "ratio",
                            fmt::format("avg_over_time((({} % 256) >= bool 4)[{}:])",
                                        c.sel(name, g.id), c.window_text())});
    if (!vname.empty())
      f.evidence.push_back(
          {"violation_time_share", violated, "ratio",
           fmt::format("rate({}[{}]) / 1e6", c.sel(vname, g.id), c.window_text())});
    f.fix = {
        "Check cooling and power capping on the node (nvidia-smi -q -d PERFORMANCE); a "
        "throttled GPU serves less than the plan assumed",
        "llmctl perf ...  # compare measured tokens/s with the model's estimate"};
    c.add(std::move(f));
  }
}

}  // namespace

std::optional<GpuHourPrice> gpu_price(const Ctx& c, const std::string& model_name) {
  if (c.opt.gpu_hour_usd) return GpuHourPrice{*c.opt.gpu_hour_usd, "--gpu-hour-usd"};
  const catalog::Gpu* g = nullptr;
  if (!model_name.empty()) g = c.cat.find_gpu(model_name);
  if (!g && !c.opt.gpu.empty()) g = c.cat.find_gpu(c.opt.gpu);
  if (!g) return std::nullopt;
  // The cheapest on-demand price the catalog lists: the least this idle GPU can be costing.
  const catalog::GpuPrice* best = nullptr;
  for (const auto& p : g->prices)
    if (p.kind == "on_demand" && (!best || p.usd_per_hour < best->usd_per_hour)) best = &p;
  if (!best) return std::nullopt;
  return GpuHourPrice{best->usd_per_hour, fmt::format("{} on demand at {} (catalog, {})", g->id,
                                                      best->provider, best->as_of)};
}

void diagnose_gpus(Ctx& c) {
  gpu_idle(c);
  gpu_memory(c);
  gpu_xid(c);
  gpu_throttle(c);
}

}  // namespace llmctl::monitor::detail
