// Anomalies: spend and token spikes per group against a robust baseline (median and MAD), runaway
// agent sessions (bursts of near-identical calls), and spend on failed or interrupted requests.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "common/strings.h"
#include "finops/grouping.h"

namespace llmctl::finops::detail {
namespace {

constexpr std::size_t kMaxGroups = 50;  // spike detection on the groups with most spend
constexpr std::size_t kMinBuckets = 7;  // a baseline needs at least a week of days
constexpr double kMadScale = 1.4826;    // MAD -> sigma for normal data

std::string money(double v) { return fmt::format("${:.2f}", v); }

// Robust z-score of x against the series without x's own bucket being special: median/MAD of all
// buckets. MAD 0 (a flat series) falls back to 1% of the median so a flat line still has a scale.
double robust_z(double x, double med, double mad) {
  double scale = kMadScale * mad;
  if (scale <= 0) scale = std::max(1e-9, 0.01 * std::abs(med));
  return (x - med) / scale;
}

void spikes(const UsageTable& t, const Report& r, const AnalyzeOptions& o,
            std::vector<Anomaly>& out) {
  auto g = Grouper::make(t, r.by);
  if (!g) return;
  const bool hourly = r.period.days <= 3;
  const std::int64_t width = hourly ? 3600000 : 86400000;
  const std::int64_t first = r.period.start_ms - ((r.period.start_ms % width) + width) % width;
  const std::size_t buckets = static_cast<std::size_t>((r.period.end_ms - 1 - first) / width + 1);
  if (buckets < kMinBuckets || buckets > 24 * 400) return;
  // Which groups: the top ones by spend.
  std::size_t n = std::min(kMaxGroups, r.groups.size());
  std::map<std::vector<std::string>, std::size_t> want;
  for (std::size_t i = 0; i < n; ++i) want.emplace(r.groups[i].key, i);
  std::vector<std::vector<double>> cost(n, std::vector<double>(buckets, 0)),
      tokens(n, std::vector<double>(buckets, 0)), reqs(n, std::vector<double>(buckets, 0));
  std::unordered_map<std::uint64_t, std::size_t> slot;
  for (std::size_t i = 0; i < t.size(); ++i) {
    std::uint64_t k = g->key(i);
    auto it = slot.find(k);
    if (it == slot.end()) {
      auto w = want.find(g->labels(k));
      it = slot.emplace(k, w == want.end() ? SIZE_MAX : w->second).first;
    }
    if (it->second == SIZE_MAX) continue;
    auto b = static_cast<std::size_t>((t.ts_ms[i] - first) / width);
    if (b >= buckets) continue;
    cost[it->second][b] += t.cost_usd[i];
    tokens[it->second][b] += static_cast<double>(t.input_tokens[i] + t.output_tokens[i]);
    reqs[it->second][b] += static_cast<double>(t.requests[i]);
  }
  auto when = [&](std::size_t b) {
    std::int64_t s = first + static_cast<std::int64_t>(b) * width;
    return hourly ? iso_time(s).substr(0, 13) + ":00Z" : iso_date(s);
  };
  for (std::size_t gi = 0; gi < n; ++gi) {
    std::string name = join(r.groups[gi].key, " / ");
    if (name.empty() || name == " / ") name = "(none)";
    // Spend spikes.
    double med = median(cost[gi]);
    std::vector<double> dev;
    for (double x : cost[gi]) dev.push_back(std::abs(x - med));
    double mad = median(dev);
    for (std::size_t b = 0; b < buckets; ++b) {
      double x = cost[gi][b];
      double z = robust_z(x, med, mad);
      if (z >= o.sensitivity && x - med > 0.005) {
        out.push_back({"spend_spike", name, when(b),
                       fmt::format("{} spent vs a median of {} per {} (robust z {:.1f}, "
                                   "threshold {:.1f})",
                                   money(x), money(med), hourly ? "hour" : "day", z, o.sensitivity),
                       x - med, z});
      }
    }
    // Token spikes: tokens per request against its own baseline (a prompt that grew, an agent
    // that stopped trimming its context), priced at the group's average $/token.
    std::vector<double> tpr;
    std::vector<std::size_t> idx;
    for (std::size_t b = 0; b < buckets; ++b)
      if (reqs[gi][b] > 0) {
        tpr.push_back(tokens[gi][b] / reqs[gi][b]);
        idx.push_back(b);
      }
    if (tpr.size() < kMinBuckets) continue;
    double tmed = median(tpr);
    std::vector<double> tdev;
    for (double x : tpr) tdev.push_back(std::abs(x - tmed));
    double tmad = median(tdev);
    double all_tokens = std::accumulate(tokens[gi].begin(), tokens[gi].end(), 0.0);
    double all_cost = std::accumulate(cost[gi].begin(), cost[gi].end(), 0.0);
    double usd_per_token = all_tokens > 0 ? all_cost / all_tokens : 0;
    for (std::size_t j = 0; j < tpr.size(); ++j) {
      double z = robust_z(tpr[j], tmed, tmad);
      if (z < o.sensitivity || tpr[j] <= tmed * 1.2) continue;
      std::size_t b = idx[j];
      double excess = (tpr[j] - tmed) * reqs[gi][b] * usd_per_token;
      out.push_back({"token_spike", name, when(b),
                     fmt::format("{:.0f} tokens per request vs a median of {:.0f} (robust z "
                                 "{:.1f}) over {:.0f} requests",
                                 tpr[j], tmed, z, reqs[gi][b]),
                     excess, z});
    }
  }
}

// Runaway sessions: within one session (or agent, when the source has no sessions), at least
// runaway_calls near-identical calls inside runaway_window_s. Near-identical: the same prefix
// fingerprint when the log has one, else the same model and input size within 10%.
void runaways(const UsageTable& t, const AnalyzeOptions& o, std::vector<Anomaly>& out,
              std::vector<std::string>& notes) {
  Text scope = Text::kSession;
  bool any_session = false;
  for (std::uint32_t c : t.codes(Text::kSession))
    if (c) {
      any_session = true;
      break;
    }
  if (!any_session) {
    scope = Text::kAgent;
    bool any_agent = false;
    for (std::uint32_t c : t.codes(Text::kAgent))
      if (c) {
        any_agent = true;
        break;
      }
    if (!any_agent) {
      notes.push_back(
          "runaway-session detection needs a session_id (request log v2 `session_id`, the "
          "x-llmctl-session header) or an agent column; this input has neither");
      return;
    }
  }
  const auto& scope_codes = t.codes(scope);
  const auto& model = t.codes(Text::kModel);
  bool use_prefix = t.has(Column::kPrefixFingerprint);
  // Similarity key per row.
  auto sim = [&](std::size_t i) -> std::uint64_t {
    if (use_prefix && t.prefix_fp[i]) return t.prefix_fp[i];
    // Input size in ~10% wide logarithmic bins.
    double in = static_cast<double>(std::max<std::int64_t>(1, t.input_tokens[i]));
    auto bin = static_cast<std::uint64_t>(std::floor(std::log(in) / std::log(1.1)));
    return (static_cast<std::uint64_t>(model[i]) << 20) ^ bin ^ 0x9E3779B97F4A7C15ull;
  };
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < t.size(); ++i)
    if (scope_codes[i]) rows.push_back(i);
  std::vector<std::uint64_t> keys(t.size());
  for (std::size_t i : rows) keys[i] = sim(i);
  std::sort(rows.begin(), rows.end(), [&](std::size_t a, std::size_t b) {
    if (scope_codes[a] != scope_codes[b]) return scope_codes[a] < scope_codes[b];
    if (keys[a] != keys[b]) return keys[a] < keys[b];
    return t.ts_ms[a] < t.ts_ms[b];
  });
  const std::int64_t window = o.runaway_window_s * 1000;
  std::size_t i = 0;
  while (i < rows.size()) {
    std::size_t j = i;
    while (j < rows.size() && scope_codes[rows[j]] == scope_codes[rows[i]] &&
           keys[rows[j]] == keys[rows[i]])
      ++j;
    // Sliding window over [i, j): find the bursts, merge overlapping ones.
    std::size_t lo = i;
    std::size_t burst_start = SIZE_MAX, burst_end = 0;
    auto flush = [&] {
      if (burst_start == SIZE_MAX) return;
      double usd = 0;
      for (std::size_t k = burst_start; k < burst_end; ++k) usd += t.cost_usd[rows[k]];
      std::size_t calls = burst_end - burst_start;
      std::size_t first = rows[burst_start], last = rows[burst_end - 1];
      double minutes = static_cast<double>(t.ts_ms[last] - t.ts_ms[first]) / 60000.0;
      out.push_back(
          {"runaway_session", fmt::format("{} {}", text_column_name(scope), t.text(scope, first)),
           fmt::format("{} .. {}", iso_time(t.ts_ms[first]), iso_time(t.ts_ms[last])),
           fmt::format("{} near-identical calls to {} in {:.1f} min ({}; input ~{} tokens)", calls,
                       t.text(Text::kModel, first), minutes,
                       use_prefix && t.prefix_fp[first] ? "same prompt prefix"
                                                        : "same model and input size within 10%",
                       t.input_tokens[first]),
           usd, static_cast<double>(calls)});
      burst_start = SIZE_MAX;
    };
    for (std::size_t hi = i; hi < j; ++hi) {
      while (t.ts_ms[rows[hi]] - t.ts_ms[rows[lo]] > window) ++lo;
      if (hi - lo + 1 >= static_cast<std::size_t>(o.runaway_calls)) {
        if (burst_start == SIZE_MAX || lo > burst_end) {
          flush();
          burst_start = lo;
        }
        burst_end = hi + 1;
      }
    }
    flush();
    i = j;
  }
}

// Error-driven spend: money paid for requests that failed or were cut short, and for answers
// truncated at max_tokens (finish_reason length).
void error_spend(const UsageTable& t, const Report& r, std::vector<Anomaly>& out) {
  ErrorTest is_error(t);
  double failed = 0, truncated = 0;
  long long failed_n = 0, truncated_n = 0, retried = 0;
  long long length_code = t.dict(Text::kFinishReason).find("length");
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (is_error(i)) {
      failed += t.cost_usd[i];
      failed_n += t.requests[i];
    } else if (length_code > 0 && t.codes(Text::kFinishReason)[i] == length_code) {
      truncated += t.cost_usd[i];
      truncated_n += t.requests[i];
    }
    if (t.attempts[i] > 1) ++retried;
  }
  double total = r.totals.cost_usd;
  if (failed > 0)
    out.push_back({"error_spend", "all", "period",
                   fmt::format("{} failed or interrupted requests still cost {} ({:.1f}% of "
                               "spend){}",
                               failed_n, money(failed), total > 0 ? failed / total * 100 : 0,
                               retried ? fmt::format("; {} requests needed retries", retried) : ""),
                   failed, total > 0 ? failed / total : 0});
  if (truncated > 0)
    out.push_back(
        {"error_spend", "all", "period",
         fmt::format("{} answers were cut at max_tokens (finish_reason length) and "
                     "cost {} ({:.1f}% of spend): paid-for answers that are likely "
                     "unusable",
                     truncated_n, money(truncated), total > 0 ? truncated / total * 100 : 0),
         truncated, total > 0 ? truncated / total : 0});
}

}  // namespace

std::vector<Anomaly> find_anomalies(const UsageTable& t, const Report& r, const AnalyzeOptions& o) {
  std::vector<Anomaly> out;
  std::vector<std::string> notes;
  spikes(t, r, o, out);
  runaways(t, o, out, notes);
  error_spend(t, r, out);
  std::stable_sort(out.begin(), out.end(),
                   [](const Anomaly& a, const Anomaly& b) { return a.usd > b.usd; });
  for (auto& n : notes) out.push_back({"not_checked", "", "", n, 0, 0});
  return out;
}

}  // namespace llmctl::finops::detail
