#include "monitor/signals.h"

#include <algorithm>
#include <set>

#include "common/strings.h"

namespace llmctl::monitor {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The gateway's families, as detection and stale checks see them.
MetricFamilySet gateway_set() {
  MetricFamilySet g{"llmctl-gateway", "gateway", {}};
  auto add = [&](std::string_view name, const char* type) {
    catalog::EngineMetric m;
    m.name = std::string(name);
    m.type = type;
    g.metrics.push_back(std::move(m));
  };
  add(gw::kRequests, "counter");
  add(gw::kErrors, "counter");
  add(gw::kTokens, "counter");
  add(gw::kCost, "counter");
  add(gw::kDuration, "histogram");
  add(gw::kTtft, "histogram");
  add(gw::kTpot, "histogram");
  add(gw::kRetries, "counter");
  add(gw::kFallbacks, "counter");
  add(gw::kUpstreamDuration, "histogram");
  add(gw::kFinishReasons, "counter");
  add(gw::kAnswerChecks, "counter");
  add(gw::kLengthPsi, "gauge");
  add(gw::kInputTokens, "histogram");
  add(gw::kOutputTokens, "histogram");
  add(gw::kFeedback, "counter");  // a summary's _count and _sum
  add(gw::kFeedbackSum, "gauge");
  return g;
}

}  // namespace

std::string family_of(std::string_view name) {
  for (std::string_view suffix : {"_bucket", "_sum", "_count", "_created"})
    if (ends_with(name, suffix)) {
      std::string_view base = name.substr(0, name.size() - suffix.size());
      // `_total_created` is a counter's creation time; the counter is `_total`.
      if (suffix == "_created" && !ends_with(base, "_total")) return std::string(base) + "_total";
      return std::string(base);
    }
  return std::string(name);
}

std::string name_prefix(const MetricFamilySet& s) {
  std::string p;
  bool first = true;
  for (const auto& m : s.metrics) {
    std::vector<std::string> names = m.replaces;
    names.push_back(m.name);
    for (const auto& n : names) {
      if (first) {
        p = n;
        first = false;
        continue;
      }
      std::size_t k = 0;
      while (k < p.size() && k < n.size() && p[k] == n[k]) ++k;
      p.resize(k);
    }
  }
  std::size_t cut = p.find_last_of(":_");
  p = cut == std::string::npos ? "" : p.substr(0, cut + 1);
  return p.size() >= 3 ? p : "";
}

MetricCatalog::MetricCatalog(const catalog::Catalog& cat) {
  for (const auto& e : cat.engines) sets_.push_back({e.id, "engine", e.metrics});
  for (const auto& x : cat.exporters) sets_.push_back({x.id, "exporter", x.metrics});
  sets_.push_back(gateway_set());
}

const MetricFamilySet* MetricCatalog::find(std::string_view id) const {
  for (const auto& s : sets_)
    if (s.id == id) return &s;
  return nullptr;
}

std::vector<std::string> MetricCatalog::names(std::string_view set_id,
                                              std::string_view signal) const {
  std::vector<std::string> out;
  const MetricFamilySet* s = find(set_id);
  if (!s) return out;
  for (const auto& m : s->metrics)
    if (m.signal == signal) {
      out.push_back(m.name);
      for (const auto& old : m.replaces) out.push_back(old);
    }
  return out;
}

std::vector<std::string> MetricCatalog::engine_names(std::string_view signal) const {
  std::vector<std::string> out;
  for (const auto& s : sets_)
    if (s.kind == "engine")
      for (auto& n : names(s.id, signal))
        if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(std::move(n));
  return out;
}

std::vector<std::string> MetricCatalog::all_series_names() const {
  std::set<std::string> out;
  for (const auto& s : sets_)
    for (const auto& m : s.metrics) {
      std::vector<std::string> names = m.replaces;
      names.push_back(m.name);
      for (const auto& n : names) {
        if (m.type == "histogram") {
          out.insert(n + "_bucket");
          out.insert(n + "_sum");
          out.insert(n + "_count");
        } else {
          out.insert(n);
        }
      }
    }
  return {out.begin(), out.end()};
}

const MetricFamilySet* MetricCatalog::owner(std::string_view name, std::string* current,
                                            const catalog::EngineMetric** fact) const {
  const std::string family = family_of(name);
  for (const auto& s : sets_)
    for (const auto& m : s.metrics) {
      bool hit = m.name == name || m.name == family;
      bool old = false;
      for (const auto& r : m.replaces)
        if (r == name || r == family) hit = old = true;
      if (!hit) continue;
      if (current) *current = m.name;
      if (fact) *fact = &m;
      (void)old;
      return &s;
    }
  return nullptr;
}

const MetricFamilySet* MetricCatalog::detect(const std::vector<std::string>& exported) const {
  const MetricFamilySet* best = nullptr;
  int best_hits = 0;
  for (const auto& s : sets_) {
    std::set<std::string> known;
    for (const auto& m : s.metrics) {
      known.insert(m.name);
      known.insert(m.replaces.begin(), m.replaces.end());
    }
    int hits = 0;
    for (const auto& n : exported)
      if (known.count(n) || known.count(family_of(n))) ++hits;
    if (hits > best_hits) best = &s, best_hits = hits;
  }
  return best;
}

}  // namespace llmctl::monitor
