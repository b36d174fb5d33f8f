// The capacity planner: a spec (what to serve, traffic, SLOs, budget, constraints) and the
// catalog in, every option considered out: the ranked feasible ones with the reasons and numbers
// behind them, the dominated ones, the rejected ones with why, and the break-even traffic between
// the best hosted API and the best self-hosted fleet.
//
// Pure: no I/O, no clocks. The spec's trace (if any) must already be applied (trace.h). The
// result points into the catalog, which must outlive it. docs/PLAN.md describes the method.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "common/result.h"
#include "plan/capacity.h"
#include "plan/managed.h"
#include "plan/spec.h"

namespace llmctl::plan {

// The four kinds of option: per-token APIs (on each platform that sells the model), provisioned
// throughput on those platforms, serverless GPUs billed by the second, and GPUs billed by the hour.
enum class OptionKind { kApi, kSelfHosted, kProvisioned, kServerless };
const char* to_string(OptionKind kind);  // api | self-hosted | provisioned | serverless

// A self-hosted option checked by simulating its fleet (plan/verify_sim.h runs it): the
// percentiles the simulator measured, request by request, where the planner's p95 comes from
// means (capacity.h). docs/PLAN.md, "Checked by simulation".
struct SimCheck {
  std::string workload;    // what was simulated, in words
  long long requests = 0;  // measured in each run (warm-up left out)
  int replicas = 0;
  // Each run is the same traffic drawn with another seed; every figure below is the median
  // run's (per figure), and the p95s of every run are kept to show how far one run is from the
  // next. A trace replay is one run.
  int runs = 1;
  std::vector<double> ttft_p95_ms_runs, tpot_p95_ms_runs;
  double ttft_p95_ms = 0, ttft_p99_ms = 0;
  double tpot_p95_ms = 0, tpot_p99_ms = 0;
  double slo_attainment = 1;         // share of requests meeting every SLO
  double prefix_cache_hit_rate = 0;  // prompt tokens found in the replicas' prefix caches
  long long dropped = 0;             // over all runs
  bool meets_slo = true;             // the median p95s within the SLO and nothing dropped
  std::string miss;                  // what missed, with the numbers (empty when met)
  // Autoscaling (billed at the average fleet): the traffic steps from the average to the peak
  // at once, the worst case of the day, and the autoscaler adds replicas as a KEDA/HPA would.
  struct ScaleUp {
    int from_replicas = 0, to_replicas = 0;
    std::optional<double> seconds_to_peak_fleet;  // until `to_replicas` are ready; none: never
    double ttft_p99_ms_worst = 0;                 // the worst interval's p99 TTFT during the step
    double ttft_p95_ms = 0;                       // over the whole step run
    double cold_start_s = 0;                      // one replica's start (weights and engine)
  };
  std::optional<ScaleUp> scale_up;
  std::vector<std::string> notes;  // the simulator's assumptions worth reading
};

// One way to serve the traffic, costed and sized.
struct Option {
  // "api:<price id>", "self:<model>/<gpu>/<dtype>/tp<N>[pp<M>]/<engine>",
  // "provisioned:<units id>/<model>" or
  // "serverless:<provider>/<model>/<gpu>/<dtype>/tp<N>/<engine>"
  std::string id;
  OptionKind kind = OptionKind::kApi;
  std::string model;  // catalog model id (self-hosted, open-model APIs) or the API's model name
  std::string tier;   // quality tier, empty when the catalog does not say
  int quality = -1;   // tier_rank(tier)

  // Hosted API; for provisioned throughput, the platform's per-token entry it replaces.
  const catalog::Price* price = nullptr;
  double cached_input_share = 0;  // of input tokens, priced at the cache-read price
  double batch_share = 0;         // of tokens, priced with the batch discount

  // Provisioned throughput.
  const catalog::ProvisionedModel* provisioned = nullptr;
  const catalog::ProvisionedUnit* units = nullptr;
  const catalog::ProvisionedTerm* term = nullptr;  // the term costed (1-month when priced)
  UnitSizing unit_sizing;

  // Serverless GPUs (with the sizing fields below, from the self-hosted configuration it runs).
  const catalog::ServerlessGpu* serverless = nullptr;
  ServerlessCost serverless_cost;

  // Self-hosted (and serverless).
  const catalog::Model* catalog_model = nullptr;
  const catalog::Gpu* gpu = nullptr;
  const catalog::Engine* engine = nullptr;
  std::string dtype;
  int tp = 1;
  int pp = 1;
  std::string gpu_provider;  // whose $/GPU-hour ("spec" for a constraints override)
  double gpu_usd_per_hour = 0;
  Capacity capacity;  // per replica
  ReplicaCount replicas;
  int gpus_billed = 0;     // billed replicas x tp x pp
  perf::Estimate at_peak;  // one replica at its share of the peak with one replica down
  LatencyP95 p95_at_peak;

  // Both.
  double monthly_usd = 0;
  double usd_per_mtok = 0;            // monthly cost / monthly tokens (input + output)
  std::optional<double> headroom;     // 1 - p95/SLO of the tightest SLO; unknown for APIs
  std::string bottleneck;             // perf's, or "price" for APIs
  std::optional<SimCheck> simulated;  // self-hosted options PlanOptions::verifier checked
  // Self-hosted: the simulated misses that sized this option up, oldest first, each at one
  // replica fewer at the peak than the next (docs/PLAN.md 5a; empty: sized by the analytic model
  // alone), and the per-replica capacity the analytic model gave (capacity.qps before them).
  std::vector<std::string> sized_up;
  double analytic_capacity_qps = 0;
  std::vector<std::string> because;  // reasons, each with its numbers
};

struct Rejected {
  std::string id;
  OptionKind kind = OptionKind::kApi;
  std::string category;  // fit | context | slo | budget | unsupported
  std::string reason;
  std::optional<double> monthly_usd;  // when it was costed (budget rejections)
};

struct Dominated {
  std::string id;
  double monthly_usd = 0;
  std::optional<double> headroom;
  std::string dominated_by;
};

// Options the constraints rule out before evaluation, counted by reason.
struct Exclusion {
  std::string reason;
  int options = 0;
};

struct BreakEvenReport {
  std::string api_id;
  std::string self_hosted_id;
  double api_monthly_usd = 0;          // at the spec's traffic
  double self_hosted_monthly_usd = 0;  // at the spec's traffic
  BreakEven at;                        // traffic where they meet
  std::string summary;                 // one sentence with the numbers
};

// The cheapest option of one kind that met the SLO (budget aside), for the summary.
struct KindBest {
  OptionKind kind = OptionKind::kApi;
  std::string id;
  double monthly_usd = 0;
  bool ranked = false;  // in Plan::ranked (not dominated or over budget)
};

struct Plan {
  Spec spec;  // as planned (trace applied)
  std::vector<std::string> assumptions;
  int options_evaluated = 0;  // enumerated options that reached the model or the price list
  int estimate_calls = 0;
  std::vector<Option> ranked;  // feasible, within budget, not dominated; cheapest first
  std::vector<Dominated> dominated;
  std::vector<Rejected> rejected;
  std::vector<Exclusion> excluded;
  std::optional<BreakEvenReport> break_even;
  std::vector<KindBest> best_by_kind;  // api, provisioned, serverless, self-hosted: those costed
  std::vector<std::string> notes;      // "why not" lines: GPUs or dtypes with no feasible option
  int simulations = 0;                 // options checked by the verifier
};

// One replica of a self-hosted (or serverless) option, as perf and the simulator take it.
perf::Deployment replica_deployment(const Option& option);

// Checks one sized self-hosted option against the spec's traffic and SLO (an error: it could not
// be checked, which the plan says and does not count against the option).
using Verifier = std::function<Result<SimCheck>(const Option&, const Spec&)>;

struct PlanOptions {
  // After ranking, the `simulate_top` cheapest ranked self-hosted options are checked with the
  // verifier. One that misses the SLO is sized up by one replica at the peak (Option::sized_up;
  // the serverless options that run the same configuration at the old load are rejected) and
  // checked again, up to `max_size_ups` times; then it is rejected ("slo", with the simulated
  // numbers). After each miss the ranking is redone, until `simulate_top` options pass or
  // `max_simulations` checks were run. No verifier: no checks (the plan rests on the analytic
  // model alone).
  Verifier verifier;
  int simulate_top = 3;
  int max_simulations = 24;
  int max_size_ups = 3;
};

// Plans with `estimator` as the performance model. Errors are spec errors the catalog reveals
// (an unknown model, GPU, engine, cloud or provider), naming the spec's file:line.
Result<Plan> make_plan(const catalog::Catalog& catalog, const Spec& spec,
                       const Estimator& estimator, const PlanOptions& options = {});

// Plans with the real performance model (perf::estimate).
Result<Plan> make_plan(const catalog::Catalog& catalog, const Spec& spec,
                       const PlanOptions& options = {});

}  // namespace llmctl::plan
