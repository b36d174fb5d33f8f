// sim_speed: how fast the fleet simulator runs (issue 12's goal: 1,000,000 requests through a
// 4-replica fleet in <= 10 s on one core, <= 1 GB).
//
//   sim_speed [--requests N] [--replicas R] [--qps X] [--router NAME]
//
// Llama-3.1-8B on H100 (vLLM, BF16), Poisson arrivals, lognormal lengths (prompt mean 512,
// p95 1800; answer mean 128, p95 480), prefix caching on with 16 shared system prompts. The
// floor in the same run: drawing the same requests from the workload generator alone, which any
// simulator must do. Prints wall and CPU seconds, requests and engine events per second, and the
// peak resident memory of the process.
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <string>

#include "catalog/loader.h"
#include "sim/sim.h"
#include "sim/workload.h"

namespace {

double cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double wall_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // KiB on Linux
}

[[noreturn]] void die(const std::string& msg) {
  fmt::print(stderr, "sim_speed: {}\n", msg);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  long long requests = 1000000;
  int replicas = 4;
  double qps = 0;  // 0: ~70% of the fleet's capacity for this mix
  std::string router = "least_outstanding";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--requests")
      requests = std::atoll(next().c_str());
    else if (a == "--replicas")
      replicas = std::atoi(next().c_str());
    else if (a == "--qps")
      qps = std::atof(next().c_str());
    else if (a == "--router")
      router = next();
    else if (a == "--help" || a == "-h") {
      fmt::print("usage: sim_speed [--requests N] [--replicas R] [--qps X] [--router NAME]\n");
      return 0;
    } else
      die("unknown option " + a);
  }
  if (requests < 1 || replicas < 1) die("--requests and --replicas must be positive");
  if (qps <= 0) qps = 9.0 * replicas;

  llmctl::catalog::LoadOptions lo;
  lo.default_overlays = false;
  auto cat = llmctl::catalog::load_catalog(lo);
  if (!cat) die(cat.error().message);

  llmctl::sim::Scenario sc;
  sc.name = "speed";
  llmctl::sim::Pool p;
  p.name = "h100";
  p.deployment.model = cat->find_model("llama-3.1-8b");
  p.deployment.gpu = cat->find_gpu("h100-sxm");
  p.deployment.engine = cat->find_engine("vllm");
  p.deployment.dtype = "bf16";
  p.replicas = replicas;
  sc.pools.push_back(p);
  auto& w = sc.workload;
  w.arrival = llmctl::sim::WorkloadSpec::Arrival::kPoisson;
  w.qps = qps;
  w.requests = requests;
  auto in = llmctl::sim::lognormal_from(512, 1800);
  auto out = llmctl::sim::lognormal_from(128, 480);
  if (!in || !out) die("length distributions");
  w.input = *in;
  w.output = *out;
  w.shared_prefix_tokens = 256;
  w.prefix_groups = 16;
  sc.router = router;
  sc.seed = 7;

  // The floor: the workload alone.
  double t0 = wall_s(), c0 = cpu_s();
  {
    llmctl::sim::Generator gen(w, sc.seed);
    llmctl::sim::Request r;
    long long n = 0, tokens = 0;
    while (gen.next(r)) ++n, tokens += r.output_tokens;
    if (n != requests) die("generator drew " + std::to_string(n));
    if (tokens == 0) die("no tokens");
  }
  const double gen_wall = wall_s() - t0, gen_cpu = cpu_s() - c0;

  t0 = wall_s();
  c0 = cpu_s();
  auto res = llmctl::sim::simulate(*cat, sc);
  const double sim_wall = wall_s() - t0, sim_cpu = cpu_s() - c0;
  if (!res) die(res.error().message);

  fmt::print(
      "sim_speed: {} requests, {} x llama-3.1-8b on h100-sxm (vllm, bf16), {:g} qps, "
      "router {}\n\n",
      requests, replicas, qps, router);
  fmt::print("{:<28} {:>9} {:>9} {:>14} {:>14}\n", "", "wall s", "cpu s", "requests/s", "events/s");
  fmt::print("{:<28} {:>9.2f} {:>9.2f} {:>14.0f} {:>14}\n", "workload generator (floor)", gen_wall,
             gen_cpu, requests / gen_cpu, "-");
  fmt::print("{:<28} {:>9.2f} {:>9.2f} {:>14.0f} {:>14.0f}\n", "simulate (whole fleet)", sim_wall,
             sim_cpu, requests / sim_cpu, res->events / sim_cpu);
  fmt::print(
      "\npeak RSS {:.0f} MiB; completed {} dropped {}; simulated {:.0f} s of traffic "
      "({:.0f}x real time); {:.1f} ms TTFT p99, {:.1f} ms TPOT p50\n",
      peak_rss_mib(), res->completed, res->dropped, res->duration_s, res->duration_s / sim_wall,
      res->ttft.p99, res->tpot.p50);
  fmt::print("goal: <= 10 s and <= 1024 MiB for 1,000,000 requests through 4 replicas: {}\n",
             requests >= 1000000 && sim_cpu <= 10 && peak_rss_mib() <= 1024 ? "met" : "NOT met");
  return 0;
}
