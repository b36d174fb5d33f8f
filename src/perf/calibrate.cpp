// Levenberg-Marquardt fit of the efficiency parameters (see calibrate.h).
#include "perf/calibrate.h"

#include <algorithm>
#include <cmath>

namespace llmctl::perf {

namespace {

constexpr double kBadResidual = 3.0;  // a failed estimate counts as ~20x off

// Each parameter lives in an unconstrained coordinate u: fractions through a logit on (0, 1),
// positive quantities through a log.
enum class Transform { kLogit, kLog };

Transform transform_of(const std::string& name) {
  if (name.rfind("eta_", 0) == 0 || name == "overlap_loss") return Transform::kLogit;
  return Transform::kLog;
}

double to_u(Transform t, double x) {
  switch (t) {
    case Transform::kLogit: {
      const double c = std::clamp(x, 1e-6, 1 - 1e-6);
      return std::log(c / (1 - c));
    }
    case Transform::kLog:
      return std::log(std::max(x, 1e-9));
  }
  return x;
}

double from_u(Transform t, double u) {
  u = std::clamp(u, -30.0, 30.0);
  switch (t) {
    case Transform::kLogit:
      return 1 / (1 + std::exp(-u));
    case Transform::kLog:
      return std::exp(u);
  }
  return u;
}

// Solves A x = b for a small dense symmetric positive definite A (Gaussian elimination with
// partial pivoting; n is the number of free parameters, under ten).
std::vector<double> solve(std::vector<std::vector<double>> a, std::vector<double> b) {
  const size_t n = b.size();
  for (size_t c = 0; c < n; ++c) {
    size_t pivot = c;
    for (size_t r = c + 1; r < n; ++r)
      if (std::fabs(a[r][c]) > std::fabs(a[pivot][c])) pivot = r;
    std::swap(a[c], a[pivot]);
    std::swap(b[c], b[pivot]);
    if (std::fabs(a[c][c]) < 1e-300) continue;
    for (size_t r = c + 1; r < n; ++r) {
      const double f = a[r][c] / a[c][c];
      for (size_t k = c; k < n; ++k) a[r][k] -= f * a[c][k];
      b[r] -= f * b[c];
    }
  }
  std::vector<double> x(n, 0);
  for (size_t i = n; i-- > 0;) {
    double s = b[i];
    for (size_t k = i + 1; k < n; ++k) s -= a[i][k] * x[k];
    x[i] = std::fabs(a[i][i]) < 1e-300 ? 0 : s / a[i][i];
  }
  return x;
}

}  // namespace

const std::vector<std::string>& calibration_metrics() {
  static const std::vector<std::string> kMetrics = {"output_tokens_per_s", "ttft_ms", "itl_ms",
                                                    "prefill_ms", "decode_ms_per_token"};
  return kMetrics;
}

std::optional<double> predicted_metric(const Estimate& e, std::string_view metric) {
  if (metric == "output_tokens_per_s") return e.output_tokens_per_s;
  if (metric == "ttft_ms") return e.ttft_ms;
  if (metric == "itl_ms" || metric == "tpot_ms") return e.tpot_ms;
  if (metric == "prefill_ms") return e.prefill_ms;
  if (metric == "decode_ms_per_token") return e.decode_ms_per_token;
  if (metric == "requests_per_s") return e.requests_per_s;
  return std::nullopt;
}

std::vector<double> row_residuals(const CalibrationRow& row, const EfficiencyParams& params) {
  std::vector<double> out;
  Workload w = row.workload;
  w.explain = false;
  auto est = estimate(row.deployment, w, params);
  for (const auto& [metric, measured] : row.measured) {
    std::optional<double> p;
    if (est.ok() && est->fits) p = predicted_metric(*est, metric);
    if (!p || !(*p > 0) || !(measured > 0) || !std::isfinite(*p))
      out.push_back(kBadResidual);
    else
      out.push_back(std::log(*p / measured));
  }
  return out;
}

std::string engine_key(const CalibrationRow& row,
                       const std::map<std::string, std::string>& generations) {
  if (!row.deployment.engine) return "";
  const std::string& engine = row.deployment.engine->id;
  const auto it = generations.find(engine);
  const std::string& version = row.deployment.engine_version;
  if (it == generations.end() || version.empty() ||
      catalog::compare_versions(version, it->second) < 0)
    return engine;
  return engine + "@" + it->second;
}

EfficiencyParams FitResult::for_row(const CalibrationRow& row) const {
  EfficiencyParams p = params;
  auto apply = [&](const std::map<std::string, std::map<std::string, double>>& m,
                   const std::string& key) {
    auto it = m.find(key);
    if (key.empty() || it == m.end()) return;
    for (const auto& [name, value] : it->second) *p.field(name) = value;
  };
  apply(arch_params, row.deployment.gpu ? row.deployment.gpu->arch : "");
  apply(engine_params, row.deployment.engine ? row.deployment.engine->id : "");
  const std::string key = engine_key(row, engine_generations);
  if (!row.deployment.engine || key != row.deployment.engine->id) apply(engine_params, key);
  apply(group_params, row.group);
  return p;
}

namespace {

enum class Scope { kShared, kArch, kEngine, kGroup };
struct Slot {
  std::string name;
  Scope scope;
  std::string key;  // arch, engine or group
  Transform tf;
};

// One Levenberg-Marquardt fit of `slots` on `rows`, starting from (and pulled towards) their
// values in `base`; every other parameter stays as `base` has it.
FitResult fit_slots(const std::vector<const CalibrationRow*>& rows, const FitResult& base,
                    const std::vector<Slot>& slots, const FitOptions& options) {
  const size_t k = slots.size();
  std::vector<double> u0(k), u(k);
  for (size_t i = 0; i < k; ++i)
    u0[i] = u[i] = to_u(slots[i].tf, *base.params.field(slots[i].name));

  auto result_at = [&](const std::vector<double>& x) {
    FitResult out = base;
    for (size_t i = 0; i < k; ++i) {
      const double v = from_u(slots[i].tf, x[i]);
      switch (slots[i].scope) {
        case Scope::kShared:
          *out.params.field(slots[i].name) = v;
          break;
        case Scope::kArch:
          out.arch_params[slots[i].key][slots[i].name] = v;
          break;
        case Scope::kEngine:
          out.engine_params[slots[i].key][slots[i].name] = v;
          break;
        case Scope::kGroup:
          out.group_params[slots[i].key][slots[i].name] = v;
          break;
      }
    }
    return out;
  };
  // Residual vector: data log-ratios, then the prior pull (one per unknown).
  auto residuals = [&](const std::vector<double>& x) {
    const FitResult p = result_at(x);
    std::vector<double> r;
    for (const CalibrationRow* row : rows) {
      auto rr = row_residuals(*row, p.for_row(*row));
      r.insert(r.end(), rr.begin(), rr.end());
    }
    for (size_t i = 0; i < k; ++i) r.push_back(options.prior_weight * (x[i] - u0[i]));
    return r;
  };
  auto sumsq = [](const std::vector<double>& r) {
    double s = 0;
    for (double v : r) s += v * v;
    return s;
  };

  std::vector<double> r = residuals(u);
  double cost = sumsq(r);
  double lambda = 1e-2;
  int it = 0;
  bool converged = false;
  for (; it < options.max_iterations && k > 0 && !converged; ++it) {
    // Forward-difference Jacobian.
    const size_t m = r.size();
    std::vector<std::vector<double>> jac(m, std::vector<double>(k));
    for (size_t j = 0; j < k; ++j) {
      std::vector<double> x = u;
      const double h = 1e-5 * (1 + std::fabs(u[j]));
      x[j] += h;
      const std::vector<double> rj = residuals(x);
      for (size_t i = 0; i < m; ++i) jac[i][j] = (rj[i] - r[i]) / h;
    }
    std::vector<std::vector<double>> jtj(k, std::vector<double>(k, 0));
    std::vector<double> jtr(k, 0);
    for (size_t i = 0; i < m; ++i)
      for (size_t a = 0; a < k; ++a) {
        jtr[a] += jac[i][a] * r[i];
        for (size_t b = 0; b < k; ++b) jtj[a][b] += jac[i][a] * jac[i][b];
      }
    bool improved = false;
    for (int tries = 0; tries < 12; ++tries) {
      auto a = jtj;
      for (size_t d = 0; d < k; ++d) a[d][d] += lambda * (jtj[d][d] + 1e-9);
      std::vector<double> g(k);
      for (size_t d = 0; d < k; ++d) g[d] = -jtr[d];
      const std::vector<double> step = solve(a, g);
      std::vector<double> x = u;
      for (size_t d = 0; d < k; ++d) x[d] += step[d];
      const std::vector<double> rx = residuals(x);
      const double cx = sumsq(rx);
      if (cx < cost) {
        const double gain = cost - cx;
        u = x, r = rx, cost = cx;
        lambda = std::max(lambda / 3, 1e-9);
        improved = true;
        converged = gain < 1e-10 * (1 + cost);
        break;
      }
      lambda *= 4;
    }
    if (!improved) break;
  }

  FitResult out = result_at(u);
  out.iterations = it;
  const size_t data = r.size() - k;
  out.residuals = static_cast<int>(data);
  out.loss = 0;
  for (size_t i = 0; i < data; ++i) out.loss += r[i] * r[i];
  return out;
}

}  // namespace

FitResult fit_efficiency(const std::vector<const CalibrationRow*>& rows,
                         const EfficiencyParams& prior, const FitOptions& options) {
  // Two stages. First the shared free parameters, each non-reference arch's copies of arch_free
  // and each harness group's copies of group_free, on the reference engine's rows and the
  // groups'. Then each other engine's copies of engine_free on that engine's rows alone, with
  // everything else as the first stage left it: an engine's rows refine its own entry and never
  // move what the reference engine's rows fixed (nor the other way round).
  auto add_unique = [](std::vector<std::string>& v, const std::string& x) {
    if (!x.empty() && std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
  };
  // Without a parameter an engine could fit, its rows stay in the first stage (never dropped).
  const bool engines_fit = std::any_of(options.engine_free.begin(), options.engine_free.end(),
                                       [&](const std::string& n) { return prior.field(n); });
  std::vector<const CalibrationRow*> base_rows;
  std::map<std::string, std::vector<const CalibrationRow*>> engine_rows;
  std::vector<std::string> archs, groups;
  for (const CalibrationRow* row : rows) {
    // A harness group fits its own overheads; its rows say nothing about an engine's.
    const std::string key = engine_key(*row, options.engine_generations);
    const bool own_engine = engines_fit && row->group.empty() && row->deployment.engine &&
                            key != options.reference_engine;
    if (own_engine) {
      engine_rows[key].push_back(row);
      continue;
    }
    base_rows.push_back(row);
    if (row->deployment.gpu && row->deployment.gpu->arch != options.reference_arch)
      add_unique(archs, row->deployment.gpu->arch);
    add_unique(groups, row->group);
  }
  std::vector<Slot> slots;
  for (const auto& n : options.free)
    if (prior.field(n)) slots.push_back({n, Scope::kShared, "", transform_of(n)});
  for (const auto& a : archs)
    for (const auto& n : options.arch_free)
      if (prior.field(n)) slots.push_back({n, Scope::kArch, a, transform_of(n)});
  for (const auto& g : groups)
    for (const auto& n : options.group_free)
      if (prior.field(n)) slots.push_back({n, Scope::kGroup, g, transform_of(n)});
  FitResult start;
  start.params = prior;
  start.engine_generations = options.engine_generations;
  FitResult out = fit_slots(base_rows, start, slots, options);
  for (const auto& [engine, mine] : engine_rows) {
    std::vector<Slot> own;
    for (const auto& n : options.engine_free)
      if (prior.field(n)) own.push_back({n, Scope::kEngine, engine, transform_of(n)});
    const FitResult stage = fit_slots(mine, out, own, options);
    out.engine_params[engine] = stage.engine_params.at(engine);
    out.loss += stage.loss;
    out.residuals += stage.residuals;
    out.iterations += stage.iterations;
  }
  return out;
}

}  // namespace llmctl::perf
