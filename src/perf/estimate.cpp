// estimate(): validation, the memory fit, and the four load modes on top of the step-time model.
//
// Steady state of one replica (docs/PERF.md, "Serving"): b sequences decode together; every
// iteration also carries the prefill tokens of arriving requests, b x I / (O - 1) of them, so an
// iteration lasts tau(b) = iteration_s(b decodes + b I/(O-1) prefill tokens), TPOT = tau(b) and
// the replica completes r(b) = b / ((O - 1) tau(b)) requests per second. r(b) increases with b up
// to the engine's limit b_max = min(KV capacity, scheduler cap, chunk budget): r(b_max) is the
// saturated (offline) rate. Load modes pick b: offline takes b_max, open loop solves r(b) = QPS,
// closed loop solves b + r(b) TTFT(b) = N (Little's law).
//
// Engines that never mix prefill into a decode iteration (SGLang without --enable-mixed-chunk,
// TGI: catalog trait mixed_batches false) run the arriving prompts as prefill batches of their
// own between decode steps, as the simulator does. In the steady state b / (O - 1) requests
// arrive per decode step (as many as complete); with Poisson arrivals a decode step is followed
// by a prefill batch with probability p = 1 - exp(-b / (O - 1)), holding k = b / ((O - 1) p)
// prompts, so TPOT = tau(b) = decode step(b) + p x prefill batch(k x I). A memory-bound engine
// reads its weights twice per cycle where a mixing engine reads them once: TPOT under load is
// higher than vLLM's for the same step costs. At low load (b -> 0) both forms meet.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/strings.h"
#include "perf/internals.h"

namespace llmctl::perf {

namespace {

constexpr double kGiB = 1ull << 30;
// Open-loop overload: the queue grows without bound, so TTFT depends on how long one looks.
// We report the mean over the first minute of arrivals, and switch to it at 98% utilisation so
// TTFT stays continuous and increasing in the QPS.
constexpr double kOverloadWindowS = 60;
constexpr double kRhoCap = 0.98;

Status validate_workload(const Workload& w) {
  if (w.input_tokens < 1)
    return Error{fmt::format("input_tokens: expected at least 1, found {}", w.input_tokens)};
  if (w.output_tokens < 1)
    return Error{fmt::format("output_tokens: expected at least 1, found {}", w.output_tokens)};
  if (w.mode != LoadMode::kOffline && !(w.value > 0)) {
    const char* field = w.mode == LoadMode::kQps     ? "qps"
                        : w.mode == LoadMode::kBatch ? "batch"
                                                     : "concurrency";
    return Error{fmt::format("{}: expected a positive number, found {}", field, w.value)};
  }
  return {};
}

// The steady state at decode batch b: tau(b) and r(b) from the header comment.
// How arriving prompts are grouped into prefill batches by an engine that does not mix, at
// decode batch b with m prompts arriving per decode step (Poisson):
//  - prefill whenever a prompt waits (SGLang): a batch after a decode step with probability
//    1 - e^-m, holding m / (1 - e^-m) prompts, none waiting for others;
//  - TGI (waiting_served_ratio w, max_waiting_steps W): a batch once K = ceil(w b) prompts wait,
//    or W decode steps after the first began waiting. With N(s) the prompts waiting s steps
//    after the first (1 + Poisson(m s)) and G = min(arrival of the K-th, W), a batch holds
//    E[N(G)] prompts, which waited E[integral of N over (0, G)] / E[N(G)] steps on average.
//    K is interpolated between floor and ceil of w b so the rate stays continuous in b.
struct Grouping {
  double prompts = 1;     // per prefill batch
  double wait_steps = 0;  // mean decode steps a prompt waits for its batch to start
};
Grouping group_prompts(double m, double b, double ratio, int max_wait_steps) {
  Grouping g;
  if (m <= 0) return g;
  const double eager = m / -std::expm1(-m);
  if (ratio <= 0) {
    g.prompts = eager;
    return g;
  }
  const double window = max_wait_steps > 0 ? max_wait_steps : 1e6;
  auto grouped = [&](int k) {
    Grouping r;
    if (k <= 1) {
      r.prompts = eager;
      return r;
    }
    // P(j more arrivals by step s) by the Poisson recurrence; integrate over [0, window].
    auto below_k = [&](double s, double* weighted) {
      double pj = std::exp(-m * s), mass = 0, w = 0;
      for (int j = 0; j <= k - 2; ++j) {
        mass += pj;
        w += (1 + j) * pj;
        pj *= m * s / (j + 1);
      }
      if (weighted) *weighted = w;
      return mass;
    };
    constexpr int kSteps = 64;
    const double h = window / kSteps;
    double area = 0;
    for (int i = 0; i < kSteps; ++i) {
      double w = 0;
      below_k((i + 0.5) * h, &w);
      area += w * h;
    }
    double w_end = 0;
    const double still_waiting = below_k(window, &w_end);
    r.prompts = k * (1 - still_waiting) + w_end;
    r.wait_steps = area / r.prompts;
    return r;
  };
  const double want = std::max(1.0, ratio * b);
  const int lo = static_cast<int>(std::floor(want)), hi = static_cast<int>(std::ceil(want));
  const Grouping a = grouped(lo), c = grouped(hi);
  const double f = want - lo;
  g.prompts = (1 - f) * a.prompts + f * c.prompts;
  g.wait_steps = (1 - f) * a.wait_steps + f * c.wait_steps;
  return g;
}

struct Steady {
  const Shape* shape;
  const EfficiencyParams* eff;
  double input;    // I
  double decodes;  // O - 1
  double ctx_dec;  // mean context of a decoding sequence
  bool mixed;      // prefill tokens ride in decode iterations (catalog trait mixed_batches)
  double waiting_served_ratio = 0;  // TGI's admission (catalog traits), 0: prefill at once
  int max_waiting_steps = 0;
  Grouping grouping(double b) const {
    return group_prompts(b / decodes, b, waiting_served_ratio, max_waiting_steps);
  }
  double tau(double b) const {
    if (mixed) return iteration_s(*shape, *eff, b, ctx_dec, b * input / decodes, (input + 1) / 2);
    const double decode_step = iteration_s(*shape, *eff, b, ctx_dec, 0, 0);
    const double m = b / decodes;  // arrivals per decode step
    if (m <= 0) return decode_step;
    const Grouping g = grouping(b);
    // m / prompts prefill batches per decode step.
    return decode_step + m / g.prompts * prefill_batch_s(g.prompts);
  }
  // A prefill batch of k prompts, in chunks of at most max_num_tokens (continuous in k, so the
  // rate stays monotone for the solvers).
  double prefill_batch_s(double k) const {
    const double tokens = k * input;
    const double chunks = std::max(1.0, tokens / shape->max_num_tokens);
    return chunks * iteration_s(*shape, *eff, 0, 0, tokens / chunks, (input + 1) / 2);
  }
  double rate(double b) const { return b / (decodes * tau(b)); }
};

// Increasing f on [lo, hi] with f(lo) < 0 < f(hi): the root, by the Illinois variant of regula
// falsi (superlinear, never leaves the bracket). Sixty steps bound the worst case.
template <typename F>
double solve_increasing(F f, double lo, double hi) {
  double flo = f(lo), fhi = f(hi);
  // Answers feed sums of milliseconds: a part in a million is exact enough.
  const double tol = 1e-6 * std::max(std::fabs(flo), std::fabs(fhi));
  int side = 0;
  double x = lo;
  for (int i = 0; i < 60; ++i) {
    x = (lo * fhi - hi * flo) / (fhi - flo);
    const double fx = f(x);
    if (std::fabs(fx) <= tol || hi - lo < 1e-9 * (1 + hi)) break;
    if (fx > 0) {
      hi = x, fhi = fx;
      if (side == 1) flo /= 2;
      side = 1;
    } else {
      lo = x, flo = fx;
      if (side == -1) fhi /= 2;
      side = -1;
    }
  }
  return x;
}

std::string num(double v, int digits = 3) { return format_sig(v, digits); }
std::string count(double v) { return group_thousands(static_cast<long long>(std::llround(v))); }
std::string ms(double seconds) {
  const double m = seconds * 1e3;
  if (m >= 10000) return num(m / 1e3, 3) + " s";
  return num(m, 3) + " ms";
}

}  // namespace

Result<Estimate> estimate(const catalog::Catalog& catalog, const Deployment& deployment,
                          const Workload& workload) {
  if (!deployment.gpu || !deployment.engine)
    return estimate(deployment, workload, EfficiencyParams{});
  return estimate(deployment, workload,
                  efficiency_for(catalog, deployment.engine->id, deployment.gpu->arch,
                                 deployment.engine_version));
}

Result<Estimate> estimate(const Deployment& d, const Workload& w, const EfficiencyParams& eff) {
  if (!d.model) return Error{"model: not set"};
  if (!d.gpu) return Error{"gpu: not set"};
  if (!d.engine) return Error{"engine: not set"};
  const catalog::Model& model = *d.model;
  const catalog::Gpu& gpu = *d.gpu;
  const catalog::Engine& engine = *d.engine;
  const EngineTraits traits = traits_for(engine, gpu);
  if (Status st = validate_deployment(d, traits); !st) return st.error();
  if (Status st = validate_workload(w); !st) return st.error();

  const std::string kv_dtype = default_kv_dtype(d, traits);
  const Budget budget = budget_for(model, gpu, engine, d, traits, kv_dtype);
  Estimate est;
  est.memory = budget.memory;
  est.replicas = d.gpus / (d.tp * d.pp);
  const double I = w.input_tokens;
  const double O = w.output_tokens;
  const bool say = w.explain;

  // KV per sequence on the busiest GPU, at the length the engine budgets for.
  const Shape shape = shape_for(model, gpu, d, traits, kv_dtype);
  const double seq_tokens = traits.reserves_full_sequence ? I + O : I + O / 2;
  const double window =
      shape.window_tokens > 0 ? std::min(seq_tokens, shape.window_tokens) : seq_tokens;
  const double seq_bytes =
      shape.kv_full_bytes_per_token * seq_tokens + shape.kv_window_bytes_per_token * window;
  const double kv_budget_bytes = budget.memory.kv_budget_gib_per_gpu * kGiB;
  const double kv_seqs = seq_bytes > 0 ? std::floor(kv_budget_bytes / seq_bytes) : 0;
  const int seq_cap = d.max_num_seqs.value_or(traits.max_num_seqs);
  const double b_cap = std::min<double>(kv_seqs, seq_cap);
  est.memory.max_concurrency = static_cast<int>(std::max(0.0, b_cap));

  if (say) {
    std::string frac = fmt::format(
        "{} of {} memory", num(d.gpu_memory_fraction.value_or(engine.gpu_memory_fraction), 2),
        engine.memory_fraction_of);
    est.explain.push_back(fmt::format(
        "Weights take {} GiB per GPU ({} in {}, split over TP {} x PP {}); with {} GiB of "
        "activations and {} GiB of CUDA/NCCL overhead, {} ({}) leaves {} GiB per GPU for the KV "
        "cache.",
        num(budget.memory.weights_gib_per_gpu), model.id, d.dtype, d.tp, d.pp,
        num(budget.memory.activation_gib_per_gpu, 2), num(budget.memory.overhead_gib_per_gpu, 2),
        engine.id, frac, num(budget.memory.kv_budget_gib_per_gpu)));
  }

  auto not_fit = [&](std::string reason) {
    est.fits = false;
    est.reason = std::move(reason);
    if (say) est.explain.push_back(est.reason);
    return est;
  };
  if (!budget.fits_weights)
    return not_fit(fmt::format(
        "does not fit: {} GiB of weights per GPU plus {} GiB of activations and overhead exceed "
        "the {} GiB {} may use on a {} GiB {}; add GPUs (tp/pp) or use a smaller dtype",
        num(budget.memory.weights_gib_per_gpu),
        num(budget.memory.activation_gib_per_gpu + budget.memory.overhead_gib_per_gpu, 2),
        num(budget.usable_gib), engine.id, num(gpu.memory_gib), gpu.id));
  if (I + O > model.max_context)
    return not_fit(
        fmt::format("does not fit: input + output = {} tokens exceeds {}'s context of {}",
                    count(I + O), model.id, count(model.max_context)));
  // Whatever the allocation policy, a sequence holds I + O tokens by its last step.
  const double whole = I + O;
  const double whole_bytes =
      shape.kv_full_bytes_per_token * whole +
      shape.kv_window_bytes_per_token *
          (shape.window_tokens > 0 ? std::min(whole, shape.window_tokens) : whole);
  if (kv_seqs < 1 || whole_bytes > kv_budget_bytes)
    return not_fit(fmt::format(
        "does not fit: the KV cache holds {} tokens per replica and one sequence of {} tokens "
        "needs more; add GPUs or shorten the request",
        count(static_cast<double>(est.memory.kv_cache_tokens)), count(whole)));
  est.fits = true;
  if (say)
    est.explain.push_back(fmt::format(
        "KV cache holds {} tokens ({} bytes per token in {}) = {} sequences of {} tokens{}{}.",
        count(static_cast<double>(est.memory.kv_cache_tokens)),
        count(budget.memory.kv_bytes_per_token), kv_dtype, count(kv_seqs), count(seq_tokens),
        traits.reserves_full_sequence
            ? " (input + output, reserved on admission)"
            : " (input + half the output: the mean live length under paged allocation)",
        kv_seqs > seq_cap ? fmt::format("; the scheduler caps it at {}", seq_cap) : ""));

  const double replicas = est.replicas;
  const double T = shape.max_num_tokens;
  const double decodes = O - 1;
  const Steady steady{&shape,
                      &eff,
                      I,
                      std::max(decodes, 1.0),
                      I + O / 2,
                      traits.mixed_batches,
                      traits.waiting_served_ratio,
                      traits.max_waiting_steps};
  // Cost of one prompt when prefill runs in full chunks (the saturated engine's marginal cost).
  const double chunk_s = iteration_s(shape, eff, 0, 0, T, (I + 1) / 2);
  const double prefill_cost_s = chunk_s * I / T;
  const double prefill_alone = prefill_alone_s(shape, eff, I);
  est.prefill_ms = prefill_alone * 1e3;

  // b_max: KV/scheduler cap, and the chunk budget (b decodes + b I/(O-1) prefill tokens <= T;
  // an engine whose prompts run in batches of their own has only b decodes in an iteration).
  const double b_budget =
      decodes > 0 ? (traits.mixed_batches ? T * decodes / (decodes + I) : T) : 0;
  const double b_max = std::max(1e-9, decodes > 0 ? std::min(b_cap, b_budget) : 0);
  const double r_max = decodes > 0 ? steady.rate(b_max) : 1 / prefill_cost_s;
  // The KV cache is the bottleneck when it is what caps the batch and a cache twice as large
  // would raise the saturated rate by more than 15% (a compute-bound engine gains little).
  bool kv_bound = false;
  if (decodes > 0 && kv_seqs < std::min<double>(seq_cap, b_budget)) {
    const double relaxed = std::min({2 * kv_seqs, static_cast<double>(seq_cap), b_budget});
    kv_bound = steady.rate(relaxed) > 1.15 * r_max;
  }
  const double ttft_overhead = eff.ttft_overhead_ms * 1e-3;

  // TTFT of a request arriving at decode batch b with the replica at utilisation rho: the rest
  // of the running iteration, its own prompt's iterations beside b decodes, and M/D/1 waiting
  // for the prefill work queued ahead of it. `busy` is the chance an iteration is running when
  // the request arrives (1 under a closed loop). Open loop: the replica idles only when no
  // request is in flight; with Poisson arrivals the number in flight is Poisson with mean
  // r x (TTFT + decode time), so busy = 1 - exp(-that) (the simulator's behaviour at low load).
  //
  // An engine that does not mix schedules prefill first: an arriving prompt waits only for the
  // step running (a decode step or another prefill batch: the residual of a step drawn by
  // time), then runs in the next prefill batch with the others that arrived meanwhile. Prompts
  // do not queue behind prompts until the decode batch is full (the overload branch).
  auto ttft_at = [&](double b, double rho, double tau, double busy) {
    if (!traits.mixed_batches) {
      const double m = decodes > 0 ? b / decodes : 0;
      const Grouping g = steady.grouping(b);
      const double p = m > 0 ? m / g.prompts : 0;  // prefill batches per decode step
      const double decode_step = iteration_s(shape, eff, b, steady.ctx_dec, 0, 0);
      const double batch = steady.prefill_batch_s(g.prompts);
      const double residual =
          (decode_step * decode_step + p * batch * batch) / (2 * (decode_step + p * batch));
      // Waiting for the batch to start (TGI) spans decode steps of the running batch only: no
      // other prefill runs while a batch is forming.
      return ttft_overhead + busy * (residual + g.wait_steps * decode_step) + batch;
    }
    const double room = std::max(T - b, T / 8);
    const double chunks = std::ceil(I / room);
    const double own = chunks * iteration_s(shape, eff, b, steady.ctx_dec, I / chunks, (I + 1) / 2);
    const double wait = rho / (2 * (1 - rho)) * prefill_cost_s;
    return ttft_overhead + busy * tau / 2 + own + wait;
  };
  auto open_loop_busy = [&](double rate, double ttft_guess, double tau) {
    return -std::expm1(-rate * (ttft_guess + std::max(decodes, 0.0) * tau));
  };

  double b = 0, tau = 0, r = 0, ttft = 0, in_flight = 0;
  std::string load_sentence;
  est.bottleneck.clear();
  switch (w.mode) {
    case LoadMode::kOffline: {
      if (w.requests > 0 && decodes > 0) {
        // A burst of R identical requests: waves of A = min(R, b_cap) and a last partial wave.
        // Each wave first fills (prompts in chunks beside the decodes of those already
        // prefilled), then decodes together; identical lengths keep the waves in lockstep.
        struct Wave {
          double fill_s, fill_iter_s, decode_iter_s, total_s, tokens_in_fill;
        };
        auto wave = [&](double a) {
          Wave v;
          const double per_iter = std::max(T - a / 2, T / 4);
          const double n_fill = std::ceil(a * I / per_iter);
          const double decoding = a * (n_fill - 1) / (2 * n_fill);
          v.fill_iter_s = iteration_s(shape, eff, decoding, I, a * I / n_fill, (I + 1) / 2);
          v.fill_s = n_fill * v.fill_iter_s;
          v.decode_iter_s = iteration_s(shape, eff, a, steady.ctx_dec, 0, 0);
          v.tokens_in_fill = std::min(decodes, (n_fill - 1) / 2);
          v.total_s = v.fill_s + decodes * v.decode_iter_s;
          return v;
        };
        const double R = w.requests / replicas;
        const double A = std::min(R, b_cap);
        const double full = std::floor(R / A + 1e-9);
        const double rest = R - full * A;
        const Wave wf = wave(A);
        double total = full * wf.total_s, ttft_sum = 0, itl_sum = 0;
        auto account = [&](const Wave& v, double count_req, double start_s) {
          ttft_sum += count_req * (start_s + v.fill_s / 2 + v.fill_iter_s / 2);
          itl_sum +=
              count_req *
              (v.tokens_in_fill * v.fill_iter_s + (decodes - v.tokens_in_fill) * v.decode_iter_s) /
              decodes;
        };
        // Full waves start back to back: their mean start is (full - 1) / 2 waves in.
        account(wf, full * A, (full - 1) / 2 * wf.total_s);
        if (rest > 0.5) {
          const Wave wr = wave(rest);
          account(wr, rest, full * wf.total_s);
          total += wr.total_s;
        }
        b = A;
        tau = itl_sum / R;
        r = R / total;
        ttft = ttft_overhead + ttft_sum / R;
        in_flight = A;
        if (kv_bound && R > kv_seqs) est.bottleneck = "kv-capacity";
        if (say)
          load_sentence = fmt::format(
              "Offline burst of {} requests per replica, in waves of {}: filling a wave takes {}, "
              "then {} decode steps of {} each.",
              num(R), count(A), ms(wf.fill_s), count(decodes), ms(wf.decode_iter_s));
        break;
      }
      b = b_max;
      tau = decodes > 0 ? steady.tau(b) : 0;
      r = r_max;
      // Everything arrives at once: the first wave of b_cap requests is prefilled back to back,
      // so the mean request waits for half the prompts ahead of it.
      ttft = ttft_overhead + prefill_alone + (b_cap - 1) / 2 * prefill_cost_s;
      in_flight = b_cap;
      if (kv_bound) est.bottleneck = "kv-capacity";
      if (say)
        load_sentence = fmt::format(
            "Offline, the engine keeps {} requests in flight ({}); {} decode together in each "
            "iteration.",
            count(b_cap),
            kv_bound ? "the KV cache limit"
                     : (b_cap >= seq_cap ? fmt::format("the scheduler cap of {}", seq_cap)
                                         : std::string("the KV cache limit")),
            count(b));
      break;
    }
    case LoadMode::kQps: {
      const double rate = w.value / replicas;
      const double rho = rate / r_max;
      if (rho < kRhoCap) {
        b = decodes > 0
                ? solve_increasing([&](double x) { return steady.rate(x) - rate; }, 0, b_max)
                : 0;
        tau = decodes > 0 ? steady.tau(b) : 0;
        r = rate;
        const double step = decodes > 0 ? tau : chunk_s;
        const double busy = open_loop_busy(rate, ttft_at(b, rho, step, 0), tau);
        ttft = ttft_at(b, rho, step, busy);
      } else {
        const double b0 =
            decodes > 0 ? solve_increasing(
                              [&](double x) { return steady.rate(x) - kRhoCap * r_max; }, 0, b_max)
                        : 0;
        b = b_max;
        tau = decodes > 0 ? steady.tau(b) : 0;
        r = r_max;
        ttft = ttft_at(b0, kRhoCap, decodes > 0 ? steady.tau(b0) : chunk_s, 1) +
               (rate - kRhoCap * r_max) / r_max * kOverloadWindowS / 2;
        est.bottleneck = kv_bound ? "kv-capacity" : "queueing";
      }
      in_flight = r * (ttft + decodes * tau);
      if (say) {
        if (rho < kRhoCap)
          load_sentence = fmt::format(
              "At {} req/s per replica the replica runs at {}% of its {} req/s capacity; {} "
              "requests are in flight on average.",
              num(rate), num(rho * 100, 2), num(r_max), num(in_flight));
        else
          load_sentence = fmt::format(
              "{} req/s per replica exceeds the {} req/s it can serve{}: the queue grows without "
              "bound, so requests queue and TTFT keeps rising (shown: the mean over the first "
              "minute).",
              num(rate), num(r_max),
              kv_bound ? fmt::format(" with {} sequences in the KV cache", count(b_cap)) : "");
      }
      break;
    }
    case LoadMode::kConcurrency: {
      // Closed loop: the engine admits n_adm = min(N, KV/scheduler cap); Little's law over the
      // admitted ones, N_adm = b + r(b) TTFT_engine(b), picks the decode batch b; the rest wait
      // for a slot, so TTFT = N / r - (O - 1) TPOT. Prefill contention is M/D/1 on the prefill
      // share of the replica's time (r x prompt cost).
      const double n = w.value / replicas;
      if (decodes <= 0) {
        // Prompts only: one server of service time = prompt cost; n clients share it.
        ttft = std::max(ttft_overhead + prefill_alone, n * prefill_cost_s);
        r = n / ttft;
        in_flight = n;
        if (n * prefill_cost_s > ttft_overhead + prefill_alone) est.bottleneck = "queueing";
        if (say)
          load_sentence = fmt::format("{} clients share the prefill of {}-token prompts: TTFT {}.",
                                      num(n), count(I), ms(ttft));
        break;
      }
      const double admitted = std::min(n, b_cap);
      auto engine_ttft = [&](double x, double tx, double rx) {
        return ttft_at(x, std::min(rx * prefill_cost_s, kRhoCap), decodes > 0 ? tx : chunk_s, 1);
      };
      auto little = [&](double x) {
        const double tx = decodes > 0 ? steady.tau(x) : chunk_s;
        const double rx = decodes > 0 ? x / (decodes * tx) : x / prefill_cost_s;
        return x + rx * engine_ttft(x, tx, rx) - admitted;
      };
      const bool turns_over = little(b_max) >= 0;
      b = turns_over ? solve_increasing(little, 0, b_max) : b_max;
      tau = decodes > 0 ? steady.tau(b) : 0;
      r = decodes > 0 ? b / (decodes * tau) : b / prefill_cost_s;
      const double own = engine_ttft(b, tau, r);
      ttft = std::max(own, n / r - decodes * tau);
      in_flight = n;
      if (n > kv_seqs) {
        est.bottleneck = "kv-capacity";
      } else if (n > b_cap || !turns_over) {
        est.bottleneck = "queueing";
      }
      if (say) {
        if (!est.bottleneck.empty())
          load_sentence = fmt::format(
              "The workload wants {} requests in flight per replica but the engine runs {} at a "
              "time ({}), so requests queue: TTFT {}.",
              num(n), count(std::min(b_cap, n)),
              n > kv_seqs ? fmt::format("the KV cache holds {} sequences", count(kv_seqs))
              : n > b_cap ? fmt::format("the scheduler caps it at {}", seq_cap)
                          : fmt::format("it turns over {} req/s at most", num(r_max)),
              ms(ttft));
        else
          load_sentence = fmt::format(
              "With {} requests in flight per replica ({} decoding at a time, the rest in "
              "prefill), the KV cache ({} sequences) is not the limit.",
              num(n), num(b), count(kv_seqs));
      }
      break;
    }
    case LoadMode::kBatch: {
      // One batch of N identical requests, alone on the deployment: prefill all prompts, then
      // decode together. Batches larger than the KV cache run in waves.
      const double n = w.value / replicas;
      const double waves = std::ceil(n / b_cap);
      const double m = n / waves;
      const double tokens = m * I;
      const double chunks = std::ceil(tokens / T);
      const double prefill = chunks * iteration_s(shape, eff, 0, 0, tokens / chunks, (I + 1) / 2);
      b = m;
      tau = iteration_s(shape, eff, m, I + O / 2, 0, 0);
      est.prefill_ms = prefill * 1e3;
      ttft = prefill;
      const double total = waves * (prefill + decodes * tau);
      r = n / total;
      in_flight = m;
      if (waves > 1) est.bottleneck = "kv-capacity";
      if (say)
        load_sentence =
            waves > 1
                ? fmt::format(
                      "A batch of {} per replica exceeds the {} sequences the KV cache holds: "
                      "it runs in {} waves.",
                      num(n), count(b_cap), num(waves))
                : fmt::format(
                      "One batch of {} requests per replica: prefill {}, then {} decode steps.",
                      num(n), ms(prefill), count(decodes));
      break;
    }
  }

  est.ttft_ms = ttft * 1e3;
  est.tpot_ms = tau * 1e3;
  est.concurrency = in_flight;
  est.requests_per_s = r * replicas;
  est.output_tokens_per_s = r * O * replicas;
  est.decode_ms_per_token = decodes > 0 || w.mode == LoadMode::kBatch
                                ? iteration_s(shape, eff, b, steady.ctx_dec, 0, 0) * 1e3
                                : 0;
  if (est.bottleneck.empty()) {
    const StageTime mixed = stage_time(shape, eff, b / d.pp, steady.ctx_dec,
                                       decodes > 0 ? b * I / decodes / d.pp : T, (I + 1) / 2);
    est.bottleneck = mixed.flop_s > mixed.mem_s ? "compute" : "memory-bandwidth";
  }

  if (say) {
    const StageTime st = stage_time(shape, eff, b / d.pp, steady.ctx_dec, 0, 0);
    std::string peak_words = count(shape.peak_flops / 1e12);
    if (shape.peak_flops_experts != shape.peak_flops)
      peak_words += fmt::format(" (experts {})", count(shape.peak_flops_experts / 1e12));
    est.explain.push_back(load_sentence);
    if (decodes > 0)
      est.explain.push_back(fmt::format(
          "A decode step for {} sequences takes {}: {} reading {} GB of weights and KV per GPU at "
          "{}% of {} GB/s, {} of math at {}% of {} TFLOPS, {} of TP all-reduce and {} fixed "
          "overhead{}.",
          num(b), ms(est.decode_ms_per_token * 1e-3), ms(st.mem_s * d.pp),
          num(st.mem_s * eff.eta_mem * shape.bandwidth_bytes_per_s / 1e9),
          num(eff.eta_mem * 100, 2), count(gpu.memory_bandwidth_gbps), ms(st.flop_s * d.pp),
          num(eff.eta_flop * 100, 2), peak_words, ms(st.comm_s * d.pp),
          ms(eff.step_overhead_ms * 1e-3),
          w.mode == LoadMode::kBatch ? ""
          : traits.mixed_batches
              ? fmt::format("; with the prefill of arriving requests mixed in, TPOT is {}", ms(tau))
              : fmt::format("; with the arriving requests' prefill batches run between decode "
                            "steps ({} does not mix them), TPOT is {}",
                            engine.id, ms(tau))));
    const StageTime pre = stage_time(shape, eff, 0, 0, I, (I + 1) / 2);
    const double tflop = pre.flops * d.tp * d.pp / 1e12;
    est.explain.push_back(fmt::format(
        "Prefill of {} input tokens takes {} alone ({} TFLOP, {}).", count(I), ms(prefill_alone),
        num(tflop), pre.flop_s > pre.mem_s ? "compute-bound" : "bound by reading the weights"));
    est.explain.push_back(fmt::format(
        "Throughput: {} output tokens/s and {} requests/s over {} replica{}; TTFT {}, TPOT {}. "
        "Bottleneck: {}.",
        count(est.output_tokens_per_s), num(est.requests_per_s), est.replicas,
        est.replicas == 1 ? "" : "s", ms(ttft), ms(tau), est.bottleneck));
  }
  return est;
}

}  // namespace llmctl::perf
