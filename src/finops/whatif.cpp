// What-if savings on the observed traffic, each with its dollars, the assumption it rests on and
// its risk. Every price comes from the catalog through catalog/cost.h. docs/COSTS.md explains
// each method and its limits.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <unordered_map>

#include "catalog/cost.h"
#include "common/strings.h"
#include "finops/grouping.h"
#include "plan/planner.h"

namespace llmctl::finops::detail {
namespace {

std::string money(double v) {
  if (std::abs(v) >= 100) return fmt::format("${:.0f}", v);
  return fmt::format("${:.2f}", v);
}

catalog::Usage usage_of(const UsageTable& t, std::size_t i) {
  catalog::Usage u;
  u.input_tokens = t.input_tokens[i];
  u.cache_read_tokens = t.cache_read_tokens[i];
  u.cache_write_tokens = t.cache_write_tokens[i];
  u.output_tokens = t.output_tokens[i];
  u.reasoning_tokens = std::min(t.reasoning_tokens[i], t.output_tokens[i]);
  return u;
}

const catalog::Price* price_of(const UsageTable& t, const catalog::Catalog& c, std::size_t i) {
  int p = t.price_index[i];
  return p < 0 ? nullptr : &c.prices[static_cast<std::size_t>(p)];
}

bool succeeded(const ErrorTest& is_error, std::size_t i) { return !is_error(i); }

WhatIf not_computed(std::string name, std::string missing, std::string assumption,
                    std::string risk) {
  WhatIf w;
  w.name = std::move(name);
  w.missing = std::move(missing);
  w.assumption = std::move(assumption);
  w.risk = std::move(risk);
  return w;
}

// ------------------------------------------------------------------ exact response cache
WhatIf response_cache(const UsageTable& t, const Report& r, const AnalyzeOptions& o) {
  const char* assumption_fmt =
      "an exact-match response cache keyed on the request fingerprint (model, messages and the "
      "sampling parameters that change the answer) with entries kept {} s; a successful answer "
      "fills the cache and every identical request inside the TTL is served from it at no "
      "token cost";
  std::string assumption =
      fmt::format(fmt::runtime(assumption_fmt), o.what_ifs.response_cache_ttl_s);
  std::string risk =
      "stale answers for prompts whose right answer changes over time; callers that sample "
      "with temperature > 0 to get varied answers get the same one; llmctl's gateway has no "
      "response cache yet, so this needs one in front of it";
  if (!t.has(Column::kRequestFingerprint))
    return not_computed("response_cache",
                        "needs column request_fingerprint (request log v2, written by the "
                        "gateway from the governance release on)",
                        assumption, risk);
  ErrorTest is_error(t);
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < t.size(); ++i)
    if (t.request_fp[i]) rows.push_back(i);
  std::sort(rows.begin(), rows.end(), [&](std::size_t a, std::size_t b) {
    if (t.request_fp[a] != t.request_fp[b]) return t.request_fp[a] < t.request_fp[b];
    return t.ts_ms[a] < t.ts_ms[b];
  });
  const std::int64_t ttl = o.what_ifs.response_cache_ttl_s * 1000;
  double saving = 0;
  long long hits = 0, distinct = 0;
  std::size_t i = 0;
  while (i < rows.size()) {
    std::size_t j = i;
    std::int64_t filled_at = std::numeric_limits<std::int64_t>::min();
    bool filled = false;
    ++distinct;
    while (j < rows.size() && t.request_fp[rows[j]] == t.request_fp[rows[i]]) {
      std::size_t k = rows[j];
      if (filled && t.ts_ms[k] - filled_at <= ttl) {
        saving += t.cost_usd[k];
        hits += t.requests[k];
      } else if (succeeded(is_error, k)) {
        filled = true;
        filled_at = t.ts_ms[k];
      }
      ++j;
    }
    i = j;
  }
  WhatIf w;
  w.name = "response_cache";
  w.computed = true;
  w.saving_usd = saving;
  w.assumption = assumption;
  w.risk = risk;
  w.evidence.push_back(
      fmt::format("{} of {} requests repeat an earlier identical request within "
                  "{} s ({} distinct requests)",
                  hits, rows.size(), o.what_ifs.response_cache_ttl_s, distinct));
  if (rows.size() < t.size())
    w.evidence.push_back(
        fmt::format("{} rows have no fingerprint and are not counted", t.size() - rows.size()));
  finish_what_if(w, r);
  if (hits)
    w.changes.emplace_back("response_cache_ttl_s", std::to_string(o.what_ifs.response_cache_ttl_s));
  return w;
}

// ------------------------------------------------------------------ provider prompt caching
WhatIf prompt_caching(const UsageTable& t, const catalog::Catalog& c, const Report& r) {
  std::string assumption =
      "each request's leading part (system prompt and first user message, the request log's "
      "prefix_fingerprint/prefix_tokens) is cached by the provider when it is at least the "
      "model's minimum cacheable length and was sent within the cache lifetime before "
      "(catalog cache_min_tokens, cache_ttl_s); cached tokens bill at the catalog's cache-read "
      "price, and a provider with a cache-write price pays it on each miss that starts an "
      "entry; only prefixes whose reads outweigh their writes are counted";
  std::string risk =
      "providers cache on a best-effort basis (OpenAI routes by prefix hash; entries can be "
      "evicted early), so the real hit rate is lower; Anthropic needs cache_control breakpoints "
      "in the request, which the client or gateway must add; the prefix must be byte-identical";
  if (!t.has(Column::kPrefixFingerprint) || !t.has(Column::kPrefixTokens))
    return not_computed("prompt_caching",
                        "needs columns prefix_fingerprint and prefix_tokens (request log v2)",
                        assumption, risk);
  // Per (price, prefix): walk in time order, simulate the provider cache.
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < t.size(); ++i)
    if (t.prefix_fp[i] && t.prefix_tokens[i] > 0 && t.price_index[i] >= 0) rows.push_back(i);
  std::sort(rows.begin(), rows.end(), [&](std::size_t a, std::size_t b) {
    if (t.price_index[a] != t.price_index[b]) return t.price_index[a] < t.price_index[b];
    if (t.prefix_fp[a] != t.prefix_fp[b]) return t.prefix_fp[a] < t.prefix_fp[b];
    return t.ts_ms[a] < t.ts_ms[b];
  });
  double saving = 0;
  long long missed_tokens = 0, counted_prefixes = 0, rows_hit = 0;
  std::set<std::string> no_facts;
  std::map<std::string, double> by_model;
  std::size_t i = 0;
  while (i < rows.size()) {
    std::size_t j = i;
    const catalog::Price* p = price_of(t, c, rows[i]);
    while (j < rows.size() && t.price_index[rows[j]] == t.price_index[rows[i]] &&
           t.prefix_fp[rows[j]] == t.prefix_fp[rows[i]])
      ++j;
    if (!p->cache_read_usd_per_mtok || p->cache_min_tokens <= 0) {
      no_facts.insert(p->id);
      i = j;
      continue;
    }
    const double read_price = *p->cache_read_usd_per_mtok;
    const double write_premium =
        p->cache_write_usd_per_mtok ? *p->cache_write_usd_per_mtok - p->input_usd_per_mtok : 0;
    const std::int64_t ttl = (p->cache_ttl_s > 0 ? p->cache_ttl_s : 300) * 1000LL;
    double gain = 0;
    long long missed = 0, hit_rows = 0;
    std::int64_t last_use = std::numeric_limits<std::int64_t>::min() / 2;
    for (std::size_t k = i; k < j; ++k) {
      std::size_t row = rows[k];
      std::int64_t cacheable = t.prefix_tokens[row];
      if (cacheable < p->cache_min_tokens) continue;
      cacheable = std::min(cacheable, t.input_tokens[row]);
      if (t.ts_ms[row] - last_use <= ttl) {
        std::int64_t already = t.cache_read_tokens[row];
        std::int64_t extra = std::max<std::int64_t>(0, cacheable - already);
        gain += static_cast<double>(extra) * (p->input_usd_per_mtok - read_price) * 1e-6;
        missed += extra;
        ++hit_rows;
      } else if (t.cache_write_tokens[row] < cacheable) {
        // A miss starts an entry: the write premium for the part not already written.
        gain -= static_cast<double>(cacheable - t.cache_write_tokens[row]) * write_premium * 1e-6;
      }
      last_use = t.ts_ms[row];
    }
    if (gain > 0) {
      saving += gain;
      missed_tokens += missed;
      rows_hit += hit_rows;
      ++counted_prefixes;
      by_model[p->id] += gain;
    }
    i = j;
  }
  WhatIf w;
  w.name = "prompt_caching";
  w.computed = true;
  w.saving_usd = saving;
  w.assumption = assumption;
  w.risk = risk;
  w.evidence.push_back(fmt::format(
      "{} requests over {} repeated prefixes would read {} more input tokens from the provider "
      "cache",
      rows_hit, counted_prefixes, group_thousands(missed_tokens)));
  for (const auto& [id, usd] : by_model) {
    const catalog::Price* p = c.find_price(id);
    w.evidence.push_back(
        fmt::format("{}: {} (minimum prefix {} tokens, cache read ${}/Mtok vs "
                    "input ${}/Mtok)",
                    id, money(usd), p->cache_min_tokens, format_sig(*p->cache_read_usd_per_mtok, 3),
                    format_sig(p->input_usd_per_mtok, 3)));
    if (p->provider == "anthropic") w.changes.emplace_back("anthropic_cache_control", id);
  }
  if (!no_facts.empty())
    w.evidence.push_back(
        fmt::format("not counted (the catalog has no cache price or minimum "
                    "length): {}",
                    join(std::vector<std::string>(no_facts.begin(), no_facts.end()), ", ")));
  finish_what_if(w, r);
  return w;
}

// ------------------------------------------------------------------ model tiering
const catalog::Price* cheaper_sibling(const catalog::Catalog& c, const catalog::Price& p) {
  if (p.family.empty()) return nullptr;
  // The best tier among cheaper models of the same provider and family; cost on
  // a typical short request (blended 3:1 input:output) decides "cheaper".
  auto blended = [](const catalog::Price& x) { return catalog::blended_usd_per_mtok(x, 0.75); };
  const catalog::Price* best = nullptr;
  int best_rank = -2;
  for (const auto& q : c.prices) {
    if (&q == &p || q.provider != p.provider || q.family != p.family) continue;
    if (blended(q) >= blended(p) * 0.8) continue;  // at least 20% cheaper
    int rank = plan::tier_rank(q.quality_tier);
    // Ties go to the dearer model: the smaller step down in quality.
    if (rank > best_rank || (rank == best_rank && best && blended(q) > blended(*best))) {
      best = &q;
      best_rank = rank;
    }
  }
  return best;
}

WhatIf model_tiering(const UsageTable& t, const catalog::Catalog& c, const Report& r,
                     const AnalyzeOptions& o) {
  const auto& w_opt = o.what_ifs;
  bool tools_known = t.has(Column::kHasTools);
  std::string assumption = fmt::format(
      "requests with at most {} input and {} output tokens{} would be answered as well by the "
      "best-tier cheaper model of the same provider and model family (catalog `family`, "
      "at least 20% cheaper), priced from the catalog with the same token counts",
      w_opt.tier_max_input_tokens, w_opt.tier_max_output_tokens,
      tools_known ? " that offered no tools"
                  : " (the input does not say whether requests offered tools: assumed none)");
  std::string risk =
      "answer quality: short is not the same as easy; check a sample of these requests on the "
      "cheaper model (an eval) before switching, and keep the larger model as a fallback";
  ErrorTest is_error(t);
  std::unordered_map<int, const catalog::Price*> sibling;
  struct Pair {
    double saving = 0;
    long long requests = 0;
  };
  std::map<std::pair<std::string, std::string>, Pair> pairs;
  double saving = 0;
  long long eligible = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t.requests[i] != 1 || t.price_index[i] < 0) continue;  // per-request rows only
    if (t.input_tokens[i] > w_opt.tier_max_input_tokens ||
        t.output_tokens[i] > w_opt.tier_max_output_tokens)
      continue;
    if (tools_known && t.has_tools[i] == 1) continue;
    if (is_error(i)) continue;
    int pi = t.price_index[i];
    auto it = sibling.find(pi);
    if (it == sibling.end())
      it = sibling.emplace(pi, cheaper_sibling(c, c.prices[static_cast<std::size_t>(pi)])).first;
    if (!it->second) continue;
    catalog::CostOptions opt;
    opt.batch = t.batch[i] && it->second->batch_discount.has_value();
    auto cheaper = catalog::cost_of(*it->second, usage_of(t, i), opt);
    if (!cheaper) continue;
    double d = t.cost_usd[i] - cheaper->total_usd;
    if (d <= 0) continue;
    saving += d;
    ++eligible;
    auto& pr = pairs[{c.prices[static_cast<std::size_t>(pi)].id, it->second->id}];
    pr.saving += d;
    pr.requests += 1;
  }
  WhatIf w;
  w.name = "model_tiering";
  w.computed = true;
  w.saving_usd = saving;
  w.assumption = assumption;
  w.risk = risk;
  w.evidence.push_back(
      fmt::format("{} of {} requests have that shape", eligible, r.totals.requests));
  for (const auto& [k, v] : pairs) {
    w.evidence.push_back(
        fmt::format("{} -> {}: {} requests, {}", k.first, k.second, v.requests, money(v.saving)));
    w.changes.emplace_back(k.first, k.second);
  }
  finish_what_if(w, r);
  return w;
}

// ------------------------------------------------------------------ batch API
bool selector_matches(const UsageTable& t, std::size_t i, const std::string& sel) {
  std::size_t eq = sel.find('=');
  if (eq == std::string::npos) return false;
  std::string field = sel.substr(0, eq), value = sel.substr(eq + 1);
  if (field.starts_with("tag:")) {
    std::string tag = field.substr(4);
    for (const auto& [k, v] : split_tags(t.text(Text::kTags, i)))
      if (k == tag && v == value) return true;
    return false;
  }
  for (std::size_t f = 0; f < kTextColumns; ++f) {
    Text tf = static_cast<Text>(f);
    if (field == text_column_name(tf)) return t.text(tf, i) == value;
  }
  return false;
}

WhatIf batch_api(const UsageTable& t, const catalog::Catalog& c, const Report& r,
                 const AnalyzeOptions& o) {
  std::vector<std::string> sel = o.what_ifs.batch_selectors;
  bool explicit_sel = !sel.empty();
  if (!explicit_sel) sel = {"tag:latency=batch", "tag:latency=offline", "tag:priority=low"};
  std::vector<char> match(t.size(), 0);
  long long matched = 0;
  for (std::size_t i = 0; i < t.size(); ++i)
    for (const auto& s : sel)
      if (selector_matches(t, i, s)) {
        match[i] = 1;
        ++matched;
        break;
      }
  bool upper_bound = false;
  if (matched == 0 && !explicit_sel) {
    // Nothing is marked: the upper bound over requests that did not stream.
    upper_bound = true;
    for (std::size_t i = 0; i < t.size(); ++i) match[i] = t.stream[i] == 0 ? 1 : 0;
  }
  std::string assumption =
      upper_bound
          ? "UPPER BOUND: nothing is marked as latency-tolerant (tag latency=batch, or "
            "--batch-eligible FIELD=VALUE), so every request that did not stream is counted as "
            "if it could wait up to 24 h for the provider's batch API at the catalog's batch "
            "discount"
          : fmt::format(
                "requests matching {} can wait up to 24 h and go through the provider's "
                "batch API at the catalog's batch discount",
                join(sel, " or "));
  std::string risk =
      "results arrive within 24 h, not seconds: only for offline work (evals, backfills, "
      "nightly enrichment); batch jobs need their own submission and retry code";
  if (upper_bound && !t.has(Column::kStream))
    return not_computed("batch_api",
                        "nothing is marked latency-tolerant and the input does not say which "
                        "requests streamed: mark them (tag latency=batch) or pass "
                        "--batch-eligible FIELD=VALUE",
                        assumption, risk);
  double saving = 0;
  long long n = 0, no_batch = 0;
  std::set<std::string> unbatchable;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (!match[i] || t.batch[i] || t.price_index[i] < 0) continue;
    const catalog::Price* p = price_of(t, c, i);
    if (!p->batch_discount) {
      ++no_batch;
      unbatchable.insert(p->id);
      continue;
    }
    catalog::CostOptions opt;
    opt.batch = true;
    auto b = catalog::cost_of(*p, usage_of(t, i), opt);
    if (!b) continue;
    saving += t.cost_usd[i] - b->total_usd;
    n += t.requests[i];
  }
  WhatIf w;
  w.name = "batch_api";
  w.computed = true;
  w.saving_usd = std::max(0.0, saving);
  w.upper_bound = upper_bound;
  w.assumption = assumption;
  w.risk = risk;
  w.evidence.push_back(
      fmt::format("{} requests eligible{}", n, upper_bound ? " (all non-streaming requests)" : ""));
  if (no_batch)
    w.evidence.push_back(
        fmt::format("{} eligible requests use models without a batch price: {}", no_batch,
                    join(std::vector<std::string>(unbatchable.begin(), unbatchable.end()), ", ")));
  finish_what_if(w, r);
  return w;
}

// ------------------------------------------------------------------ max_tokens
WhatIf max_tokens(const UsageTable& t, const catalog::Catalog& c, const Report& r,
                  const AnalyzeOptions& o) {
  double q = o.what_ifs.max_tokens_quantile;
  std::string assumption = fmt::format(
      "per model, max_tokens set to the p{:.0f} of the observed answer lengths plus 10% (rounded "
      "up to 64); answers longer than that would have been cut there, so their extra output "
      "tokens are saved at the model's output price",
      q * 100);
  std::string risk = fmt::format(
      "the longest {:.0f}% of answers are cut (finish_reason length): fine for bounded tasks "
      "(classification, extraction), wrong for open-ended writing; also bounds runaway "
      "generations and the rate-limit tokens reserved per request",
      (1 - q) * 100);
  if (!t.has(Column::kMaxTokens))
    return not_computed("max_tokens",
                        "needs column max_tokens (request log v2, or gen_ai.request.max_tokens "
                        "in OTLP spans) to compare what was allowed with what was used",
                        assumption, risk);
  // Per model: outputs and configured max_tokens.
  std::map<std::int32_t, std::vector<double>> outputs, configured;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t.requests[i] != 1 || t.price_index[i] < 0) continue;
    outputs[t.price_index[i]].push_back(static_cast<double>(t.output_tokens[i]));
    if (t.max_tokens[i] > 0)
      configured[t.price_index[i]].push_back(static_cast<double>(t.max_tokens[i]));
  }
  std::map<std::int32_t, std::int64_t> cap;
  WhatIf w;
  w.name = "max_tokens";
  w.computed = true;
  w.assumption = assumption;
  w.risk = risk;
  for (const auto& [pi, outs] : outputs) {
    if (outs.size() < 50) continue;  // too few answers to set a cap from
    auto conf = configured.find(pi);
    if (conf == configured.end() || conf->second.empty()) continue;
    double used = quantile(outs, q);
    auto proposed = static_cast<std::int64_t>(std::ceil(used * 1.1 / 64.0) * 64);
    proposed = std::max<std::int64_t>(proposed, 64);
    double med_conf = median(conf->second);
    if (med_conf < 2.0 * static_cast<double>(proposed)) continue;  // not "far above"
    cap[pi] = proposed;
    const catalog::Price& p = c.prices[static_cast<std::size_t>(pi)];
    w.evidence.push_back(
        fmt::format("{}: max_tokens median {:.0f}, p{:.0f} of answers {:.0f} tokens: propose {}",
                    p.id, med_conf, q * 100, used, proposed));
    w.changes.emplace_back(p.id, std::to_string(proposed));
  }
  double saving = 0;
  long long cut = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    auto it = cap.find(t.price_index[i]);
    if (it == cap.end() || t.output_tokens[i] <= it->second) continue;
    const catalog::Price* p = price_of(t, c, i);
    double per_token = p->output_usd_per_mtok * 1e-6;
    if (t.batch[i] && p->batch_discount) per_token *= 1 - *p->batch_discount;
    saving += static_cast<double>(t.output_tokens[i] - it->second) * per_token;
    ++cut;
  }
  w.saving_usd = saving;
  if (cap.empty())
    w.evidence.push_back("no model has max_tokens set far (2x or more) above what its answers use");
  else
    w.evidence.push_back(fmt::format("{} answers would have been cut", cut));
  finish_what_if(w, r);
  return w;
}

// ------------------------------------------------------------------ self-hosting
WhatIf self_hosting(const UsageTable& t, const catalog::Catalog& c, const Report& r) {
  std::string assumption;
  std::string risk =
      "quality: the planner picks an open model of the same quality tier, not the same model; "
      "operations: GPUs, upgrades and on-call are yours; the fleet is paid when idle";
  // The tier to match: the quality tier of the model with the most spend.
  std::map<int, double> spend_by_price;
  for (std::size_t i = 0; i < t.size(); ++i)
    if (t.price_index[i] >= 0) spend_by_price[t.price_index[i]] += t.cost_usd[i];
  if (spend_by_price.empty() || r.period.days <= 0 || r.totals.requests <= 0)
    return not_computed("self_hosting", "needs priced requests with timestamps", "", risk);
  auto top = std::max_element(spend_by_price.begin(), spend_by_price.end(),
                              [](const auto& a, const auto& b) { return a.second < b.second; });
  const catalog::Price& top_price = c.prices[static_cast<std::size_t>(top->first)];
  if (top_price.quality_tier.empty())
    return not_computed("self_hosting",
                        fmt::format("the catalog gives {} no quality tier to match", top_price.id),
                        "", risk);
  // Observed traffic.
  double seconds = r.period.days * 86400;
  double avg_qps = static_cast<double>(r.totals.requests) / seconds;
  std::vector<double> in, out;
  std::map<std::int64_t, long long> per_minute;
  bool per_request = true;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t.requests[i] != 1) {
      per_request = false;
      continue;
    }
    in.push_back(static_cast<double>(t.input_tokens[i]));
    out.push_back(static_cast<double>(t.output_tokens[i]));
    per_minute[t.ts_ms[i] / 60000] += 1;
  }
  double peak_qps = 0;
  for (const auto& [m, n] : per_minute) peak_qps = std::max(peak_qps, static_cast<double>(n) / 60);
  std::string peak_note = "busiest minute";
  if (!per_request || peak_qps <= 0) {
    peak_qps = 3 * avg_qps;
    peak_note = "assumed 3x the average (the input is aggregated, so peaks are not visible)";
  }
  peak_qps = std::max(peak_qps, avg_qps);
  plan::Spec spec;
  spec.file = "<observed traffic>";
  spec.name = "observed";
  spec.tier = plan::SpecRef{to_lower(top_price.quality_tier), 0, 0};
  // The what-if is self-hosting: serverless GPUs and provisioned throughput are other what-ifs.
  spec.constraints.serverless = false;
  spec.constraints.provisioned = false;
  spec.traffic.average_qps = avg_qps;
  spec.traffic.peak_qps = peak_qps;
  double mean_in =
      static_cast<double>(r.totals.input_tokens) / static_cast<double>(r.totals.requests);
  double mean_out =
      static_cast<double>(r.totals.output_tokens) / static_cast<double>(r.totals.requests);
  spec.traffic.input_tokens.mean = std::max(1.0, mean_in);
  spec.traffic.output_tokens.mean = std::max(1.0, mean_out);
  if (in.size() >= 20) {
    spec.traffic.input_tokens.p95 = std::max(spec.traffic.input_tokens.mean, quantile(in, 0.95));
    spec.traffic.output_tokens.p95 = std::max(spec.traffic.output_tokens.mean, quantile(out, 0.95));
  }
  spec.traffic.source = "observed usage";
  assumption = fmt::format(
      "the observed traffic ({:.3g} req/s average, {:.3g} req/s peak from the {}, {:.0f} input "
      "and {:.0f} output tokens per request) served by the planner's cheapest self-hosted "
      "option at quality tier '{}' or better (the tier of {}, the model with most spend), "
      "compared with this period's API bill scaled to a month",
      avg_qps, peak_qps, peak_note, mean_in, mean_out, spec.tier->value, top_price.id);
  auto plan = plan::make_plan(c, spec);
  if (!plan)
    return not_computed("self_hosting", "the planner could not plan it: " + plan.error().message,
                        assumption, risk);
  const plan::Option* best = nullptr;
  for (const auto& opt : plan->ranked)
    if (opt.kind == plan::OptionKind::kSelfHosted) {
      best = &opt;
      break;
    }
  double api_monthly = r.totals.cost_usd / r.period.days * 30;
  if (!best)
    return not_computed("self_hosting",
                        plan->rejected.empty()
                            ? fmt::format("the catalog has no open model at quality tier '{}' "
                                          "or better to self-host",
                                          spec.tier->value)
                            : fmt::format("no self-hosted option meets tier '{}' for this "
                                          "traffic ({} options rejected)",
                                          spec.tier->value, plan->rejected.size()),
                        assumption, risk);
  double self_monthly = best->monthly_usd;
  WhatIf w;
  w.name = "self_hosting";
  w.computed = true;
  w.assumption = assumption;
  w.risk = risk;
  double monthly_saving = std::max(0.0, api_monthly - self_monthly);
  w.saving_usd = monthly_saving / 30 * r.period.days;
  w.evidence.push_back(fmt::format("API bill {} /month (observed) vs {} {} /month ({} GPUs)",
                                   money(api_monthly), best->id, money(self_monthly),
                                   best->gpus_billed));
  // Break-even at the observed $/Mtok.
  double tokens = static_cast<double>(r.totals.input_tokens + r.totals.output_tokens);
  if (tokens > 0) {
    double api_usd_per_mtok = r.totals.cost_usd / tokens * 1e6;
    double tpr = tokens / static_cast<double>(r.totals.requests);
    double replica_usd = best->tp * best->pp * best->gpu_usd_per_hour * plan::kHoursPerMonth;
    plan::BreakEven be = plan::break_even(api_usd_per_mtok, tpr, replica_usd, best->capacity.qps,
                                          peak_qps / avg_qps, best->replicas.spare);
    if (be.found) {
      w.evidence.push_back(fmt::format(
          "break-even at {:.3g} req/s average ({:.2f}x today's traffic): {} /month either way",
          be.average_qps, be.average_qps / avg_qps, money(be.monthly_usd)));
      w.changes.emplace_back("break_even_qps", fmt::format("{:.4g}", be.average_qps));
    } else {
      w.evidence.push_back(
          "no break-even: each added replica costs more than the API traffic it carries");
    }
  }
  for (const auto& b : best->because) w.evidence.push_back("because " + b);
  if (w.evidence.size() > 6) w.evidence.resize(6);
  w.changes.emplace_back("self_hosted_option", best->id);
  finish_what_if(w, r);
  return w;
}

// ------------------------------------------------------------------ idle GPUs
WhatIf idle_gpu(const catalog::Catalog& c, const Report& r, const AnalyzeOptions& o,
                const std::vector<GpuSample>& samples) {
  std::string assumption = fmt::format(
      "a sample below {:.0f}% utilisation means the deployment's GPUs were idle until the next "
      "sample (capped at twice the median sampling interval); idle GPU-hours could be released "
      "by scaling to zero or a smaller fleet; $/GPU-hour from the metrics or the catalog's "
      "cheapest on-demand price",
      o.what_ifs.idle_utilization * 100);
  std::string risk =
      "cold starts: the first request after a scale-up waits for the model to load (minutes for "
      "large models); keep one replica warm where latency matters";
  if (samples.empty())
    return not_computed("idle_gpu", "needs GPU metrics (--gpu-metrics FILE)", assumption, risk);
  std::map<std::string, std::vector<const GpuSample*>> by_dep;
  for (const auto& s : samples) by_dep[s.deployment].push_back(&s);
  double idle_usd = 0, total_usd = 0;
  WhatIf w;
  w.name = "idle_gpu";
  w.computed = true;
  w.assumption = assumption;
  w.risk = risk;
  std::set<std::string> unknown;
  for (auto& [dep, v] : by_dep) {
    std::sort(v.begin(), v.end(), [](auto* a, auto* b) { return a->ts_ms < b->ts_ms; });
    std::vector<double> gaps;
    for (std::size_t i = 1; i < v.size(); ++i)
      gaps.push_back(static_cast<double>(v[i]->ts_ms - v[i - 1]->ts_ms));
    double step = gaps.empty() ? 60000 : std::max(1.0, median(gaps));
    double dep_idle = 0, dep_total = 0, idle_hours = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const GpuSample& s = *v[i];
      double dt = i + 1 < v.size() ? static_cast<double>(v[i + 1]->ts_ms - s.ts_ms) : step;
      dt = std::min(dt, 2 * step);
      double price = s.usd_per_hour;
      if (price < 0) {
        const catalog::Gpu* g = c.find_gpu(s.gpu);
        auto cp = g ? g->cheapest_price() : std::nullopt;
        if (!cp) {
          unknown.insert(s.gpu);
          continue;
        }
        price = cp->usd_per_hour;
      }
      double usd = dt / 3600000.0 * s.gpus * price;
      dep_total += usd;
      if (s.utilization < o.what_ifs.idle_utilization) {
        dep_idle += usd;
        idle_hours += dt / 3600000.0 * s.gpus;
      }
    }
    idle_usd += dep_idle;
    total_usd += dep_total;
    if (dep_idle > 0)
      w.evidence.push_back(fmt::format("{}: {:.1f} idle GPU-hours, {} of {} GPU spend", dep,
                                       idle_hours, money(dep_idle), money(dep_total)));
  }
  if (!unknown.empty())
    w.evidence.push_back("GPUs without a catalog price (give usd_per_hour): " +
                         join(std::vector<std::string>(unknown.begin(), unknown.end()), ", "));
  w.saving_usd = idle_usd;
  // Percent of the GPU spend, not of the API bill: the two bills differ.
  finish_what_if(w, r);
  w.saving_pct = total_usd > 0 ? idle_usd / total_usd * 100 : 0;
  w.evidence.insert(w.evidence.begin(),
                    fmt::format("GPU spend {} in the metrics, {} of it idle ({:.1f}%; the "
                                "percentage is of the GPU spend)",
                                money(total_usd), money(idle_usd), w.saving_pct));
  return w;
}

}  // namespace

std::vector<WhatIf> find_what_ifs(const UsageTable& t, const catalog::Catalog& c, const Report& r,
                                  const AnalyzeOptions& o, const std::vector<GpuSample>& gpu) {
  std::vector<WhatIf> out;
  out.push_back(response_cache(t, r, o));
  out.push_back(prompt_caching(t, c, r));
  out.push_back(model_tiering(t, c, r, o));
  out.push_back(batch_api(t, c, r, o));
  out.push_back(max_tokens(t, c, r, o));
  if (o.what_ifs.self_hosting) out.push_back(self_hosting(t, c, r));
  out.push_back(idle_gpu(c, r, o, gpu));
  std::stable_sort(out.begin(), out.end(), [](const WhatIf& a, const WhatIf& b) {
    if (a.computed != b.computed) return a.computed;
    return a.saving_usd > b.saving_usd;
  });
  return out;
}

}  // namespace llmctl::finops::detail
