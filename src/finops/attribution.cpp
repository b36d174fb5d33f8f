// Attribution: spend, tokens and requests grouped by any --by fields, with unit economics.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <thread>
#include <unordered_map>

#include "common/strings.h"
#include "finops/grouping.h"
#include "finops/report.h"

namespace llmctl::finops {

namespace {

constexpr Text kGroupable[] = {
    Text::kModel,      Text::kProvider,     Text::kDeployment, Text::kEndpoint,     Text::kKey,
    Text::kTeam,       Text::kUser,         Text::kProject,    Text::kAgent,        Text::kSession,
    Text::kErrorClass, Text::kFinishReason, Text::kPriceId,    Text::kUpstreamModel};
constexpr const char* kTimeFields[] = {"hour", "day", "week", "month"};

std::optional<Text> text_field(std::string_view name) {
  for (Text t : kGroupable)
    if (name == text_column_name(t)) return t;
  if (name == "tags") return Text::kTags;
  return std::nullopt;
}

bool time_field(std::string_view name) {
  for (const char* f : kTimeFields)
    if (name == f) return true;
  return false;
}

}  // namespace

std::string group_fields() {
  std::vector<std::string> names;
  for (Text t : kGroupable) names.emplace_back(text_column_name(t));
  names.emplace_back("tag:NAME");
  names.emplace_back("tags");
  for (const char* f : kTimeFields) names.emplace_back(f);
  return join(names, ", ");
}

Status check_group_fields(const std::vector<std::string>& by) {
  if (by.empty()) return Error{"--by: expected at least one field; fields: " + group_fields()};
  for (const std::string& f : by) {
    if (text_field(f) || time_field(f)) continue;
    if (f.starts_with("tag:") && f.size() > 4) continue;
    std::string hint;
    std::size_t best = 3;
    std::vector<std::string> all = split(group_fields(), ',');
    for (std::string c : all) {
      c = trim(c);
      if (auto d = edit_distance(f, c); d < best) {
        best = d;
        hint = fmt::format(" (did you mean '{}'?)", c);
      }
    }
    return Error{fmt::format("--by: unknown field '{}'{}; fields: {}", f, hint, group_fields())};
  }
  return {};
}

namespace detail {

Result<Grouper> Grouper::make(const UsageTable& t, const std::vector<std::string>& by) {
  if (auto st = check_group_fields(by); !st.ok()) return st.error();
  Grouper g;
  for (const std::string& name : by) {
    Field f;
    if (auto tf = text_field(name)) {
      f.codes = t.codes(*tf).data();
      const Dict& d = t.dict(*tf);
      f.labels.reserve(d.size());
      for (std::size_t i = 0; i < d.size(); ++i)
        f.labels.push_back(d.at(static_cast<std::uint32_t>(i)));
      f.cardinality = std::max<std::uint64_t>(1, d.size());
    } else if (name.starts_with("tag:")) {
      std::string tag = name.substr(4);
      const Dict& d = t.dict(Text::kTags);
      f.codes = t.codes(Text::kTags).data();
      f.labels.emplace_back("");
      std::map<std::string, std::uint32_t> values;
      f.remap.resize(d.size(), 0);
      for (std::size_t i = 1; i < d.size(); ++i)
        for (const auto& [k, v] : split_tags(d.at(static_cast<std::uint32_t>(i))))
          if (k == tag) {
            auto [it, added] = values.emplace(v, static_cast<std::uint32_t>(f.labels.size()));
            if (added) f.labels.push_back(v);
            f.remap[i] = it->second;
          }
      f.cardinality = f.labels.size();
    } else {  // time
      std::int64_t lo = std::numeric_limits<std::int64_t>::max();
      for (std::int64_t ts : t.ts_ms) lo = std::min(lo, ts);
      f.owned.resize(t.size());
      std::map<std::int64_t, std::uint32_t> index;  // bucket start (ms) -> code
      auto bucket = [&](std::int64_t ts) -> std::int64_t {
        if (name == "hour") return ts - (ts % 3600000 + 3600000) % 3600000;
        std::int64_t day = day_of(ts);
        if (name == "day") return day * 86400000;
        if (name == "week") {  // ISO weeks start on Monday; 1970-01-01 was a Thursday
          std::int64_t wd = ((day + 3) % 7 + 7) % 7;  // 0 = Monday
          return (day - wd) * 86400000;
        }
        int y, m, d;
        civil_from_days(day, y, m, d);
        return days_from_civil(y, m, 1) * 86400000;
      };
      (void)lo;
      for (std::size_t i = 0; i < t.size(); ++i) index.emplace(bucket(t.ts_ms[i]), 0);
      f.labels.reserve(index.size());
      for (auto& [start, code] : index) {
        code = static_cast<std::uint32_t>(f.labels.size());
        if (name == "hour")
          f.labels.push_back(iso_time(start).substr(0, 13) + ":00Z");
        else if (name == "month")
          f.labels.push_back(iso_date(start).substr(0, 7));
        else
          f.labels.push_back(iso_date(start));
      }
      for (std::size_t i = 0; i < t.size(); ++i) f.owned[i] = index[bucket(t.ts_ms[i])];
      f.codes = f.owned.data();
      f.cardinality = std::max<std::uint64_t>(1, f.labels.size());
    }
    if (g.space_ > std::numeric_limits<std::uint64_t>::max() / f.cardinality)
      return Error{fmt::format("--by {}: too many distinct combinations to group", join(by, ","))};
    g.space_ *= f.cardinality;
    g.fields_.push_back(std::move(f));
  }
  // `codes` of owned fields point into vectors that moved with the Field: re-point them.
  for (Field& f : g.fields_)
    if (!f.owned.empty()) f.codes = f.owned.data();
  return g;
}

std::vector<std::string> Grouper::labels(std::uint64_t key) const {
  std::vector<std::string> out(fields_.size());
  for (std::size_t i = fields_.size(); i-- > 0;) {
    const Field& f = fields_[i];
    out[i] = f.labels[key % f.cardinality];
    key /= f.cardinality;
  }
  return out;
}

ErrorTest::ErrorTest(const UsageTable& t)
    : t_(t), errors_(t.codes(Text::kErrorClass)), finish_(t.codes(Text::kFinishReason)) {
  long long e = t.dict(Text::kFinishReason).find("error");
  long long in = t.dict(Text::kFinishReason).find("interrupted");
  error_code_ = e > 0 ? static_cast<std::uint32_t>(e) : 0xFFFFFFFFu;
  interrupted_code_ = in > 0 ? static_cast<std::uint32_t>(in) : 0xFFFFFFFFu;
}

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::size_t k = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  k = std::clamp<std::size_t>(k, 1, v.size()) - 1;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::size_t n = v.size();
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n / 2), v.end());
  double hi = v[n / 2];
  if (n % 2) return hi;
  double lo = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n / 2));
  return (lo + hi) / 2;
}

}  // namespace detail

namespace {

struct Acc {
  std::int64_t rows = 0, requests = 0, in = 0, cr = 0, cw = 0, out = 0, errors = 0;
  double cost = 0;
  void add(const Acc& o) {
    rows += o.rows;
    requests += o.requests;
    in += o.in;
    cr += o.cr;
    cw += o.cw;
    out += o.out;
    errors += o.errors;
    cost += o.cost;
  }
};

constexpr std::uint64_t kDenseLimit = 1 << 20;

// Sums rows [lo, hi) into `dense` (key space small) or `sparse`.
void accumulate(const UsageTable& t, const detail::Grouper& g, const detail::ErrorTest& is_error,
                std::size_t lo, std::size_t hi, std::vector<Acc>& dense,
                std::unordered_map<std::uint64_t, Acc>& sparse) {
  const bool use_dense = !dense.empty();
  const auto* req = t.requests.data();
  const auto* in = t.input_tokens.data();
  const auto* cr = t.cache_read_tokens.data();
  const auto* cw = t.cache_write_tokens.data();
  const auto* out = t.output_tokens.data();
  const auto* cost = t.cost_usd.data();
  for (std::size_t i = lo; i < hi; ++i) {
    std::uint64_t k = g.key(i);
    Acc& a = use_dense ? dense[k] : sparse[k];
    ++a.rows;
    a.requests += req[i];
    a.in += in[i];
    a.cr += cr[i];
    a.cw += cw[i];
    a.out += out[i];
    a.cost += cost[i];
    if (is_error(i)) a.errors += req[i];
  }
}

}  // namespace

Result<std::vector<Group>> group_rows(const UsageTable& t, const std::vector<std::string>& by,
                                      int threads) {
  auto g = detail::Grouper::make(t, by);
  if (!g) return g.error();
  detail::ErrorTest is_error(t);
  const bool dense = g->key_space() <= kDenseLimit;
  std::size_t n = t.size();
  threads = std::max(1, std::min<int>(threads, static_cast<int>(n / 100000) + 1));
  std::vector<std::vector<Acc>> dense_parts(threads);
  std::vector<std::unordered_map<std::uint64_t, Acc>> sparse_parts(threads);
  if (dense)
    for (auto& d : dense_parts) d.assign(g->key_space(), Acc{});
  if (threads == 1) {
    accumulate(t, *g, is_error, 0, n, dense_parts[0], sparse_parts[0]);
  } else {
    std::vector<std::thread> pool;
    for (int k = 0; k < threads; ++k) {
      std::size_t lo = n * static_cast<std::size_t>(k) / static_cast<std::size_t>(threads);
      std::size_t hi = n * static_cast<std::size_t>(k + 1) / static_cast<std::size_t>(threads);
      pool.emplace_back(
          [&, k, lo, hi] { accumulate(t, *g, is_error, lo, hi, dense_parts[k], sparse_parts[k]); });
    }
    for (auto& th : pool) th.join();
  }
  std::unordered_map<std::uint64_t, Acc> merged;
  if (dense) {
    for (std::uint64_t k = 0; k < g->key_space(); ++k) {
      Acc a;
      for (const auto& d : dense_parts) a.add(d[k]);
      if (a.rows) merged.emplace(k, a);
    }
  } else {
    for (auto& part : sparse_parts)
      for (const auto& [k, a] : part) merged[k].add(a);
  }
  double total = 0;
  for (const auto& [k, a] : merged) total += a.cost;
  std::vector<Group> groups;
  groups.reserve(merged.size());
  for (const auto& [k, a] : merged) {
    Group gr;
    gr.key = g->labels(k);
    gr.totals.rows = a.rows;
    gr.totals.requests = a.requests;
    gr.totals.input_tokens = a.in;
    gr.totals.cache_read_tokens = a.cr;
    gr.totals.cache_write_tokens = a.cw;
    gr.totals.output_tokens = a.out;
    gr.totals.errors = a.errors;
    gr.totals.cost_usd = a.cost;
    gr.share = total > 0 ? a.cost / total : 0;
    if (a.requests > 0) gr.usd_per_request = a.cost / static_cast<double>(a.requests);
    if (a.out > 0) gr.usd_per_1k_output = a.cost / static_cast<double>(a.out) * 1000;
    gr.cache_read_share = a.in > 0 ? static_cast<double>(a.cr) / static_cast<double>(a.in) : 0;
    groups.push_back(std::move(gr));
  }
  // By spend to the micro-dollar, then by key: sums taken in another order (other thread
  // counts) differ in the last bits, and must not reorder groups that spent the same.
  auto micros = [](const Group& g) { return std::llround(g.totals.cost_usd * 1e6); };
  std::sort(groups.begin(), groups.end(), [&](const Group& a, const Group& b) {
    if (micros(a) != micros(b)) return micros(a) > micros(b);
    return a.key < b.key;
  });
  return groups;
}

}  // namespace llmctl::finops
