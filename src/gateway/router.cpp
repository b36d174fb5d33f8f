#include "gateway/router.h"

#include <algorithm>
#include <cmath>

namespace llmctl::gateway {

void WeightedRouter::order(const Config& config, const ModelGroup& group, std::uint64_t random,
                           std::vector<int>& out) const {
  out.clear();
  const auto& deps = group.deployments;
  if (deps.empty()) return;
  double total = 0;
  for (int d : deps) total += config.deployments[static_cast<std::size_t>(d)].weight;
  // A uniform draw in [0, total) from the top 53 bits.
  double x = static_cast<double>(random >> 11) * (1.0 / 9007199254740992.0) * total;
  std::size_t first = 0;
  for (std::size_t i = 0; i < deps.size(); ++i) {
    double w = config.deployments[static_cast<std::size_t>(deps[i])].weight;
    if (w <= 0) continue;
    first = i;
    if (x < w) break;
    x -= w;
  }
  const std::size_t limit = static_cast<std::size_t>(std::max(group.max_attempts, 1));
  out.push_back(deps[first]);
  for (std::size_t i = 0; i < deps.size() && out.size() < limit; ++i)
    if (i != first) out.push_back(deps[i]);
}

}  // namespace llmctl::gateway

// --- strategies ---

namespace llmctl::gateway {

namespace {

constexpr int kRingPoints = 160;          // per unit of weight: ~8% spread of ring shares
constexpr std::uint64_t kExploreIn = 20;  // latency: 1 request in 20 explores

std::uint64_t mix(std::uint64_t x) {  // splitmix64 finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// FNV-1a over a bounded number of characters.
struct PrefixHasher {
  std::uint64_t h = 1469598103934665603ULL;
  std::size_t left;
  explicit PrefixHasher(std::size_t limit) : left(limit) {}
  void feed(std::string_view s) {
    for (char c : s) {
      if (left == 0) return;
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ULL;
      --left;
    }
  }
  void feed_text(const boost::json::value& v) {
    if (v.is_string()) {
      feed(v.as_string());
    } else if (v.is_array()) {
      for (const auto& part : v.as_array()) {
        if (left == 0) return;
        if (part.is_string())
          feed(part.as_string());
        else if (part.is_object())
          if (const auto* t = part.as_object().if_contains("text"); t && t->is_string())
            feed(t->as_string());
      }
    }
  }
};

double weight_of(const Config& c, int d) {
  return c.deployments[static_cast<std::size_t>(d)].weight;
}

bool available(const RouteInput& in, int d) { return !in.signals || in.signals->available(d); }
int outstanding(const RouteInput& in, int d) { return in.signals ? in.signals->outstanding(d) : 0; }

// Available weight-0 deployments in config order, appended as fallbacks.
void append_zero_weight(const Config& c, const ModelGroup& g, const RouteInput& in,
                        std::vector<int>& out) {
  for (int d : g.deployments)
    if (weight_of(c, d) <= 0 && available(in, d)) out.push_back(d);
}

RouteReason weighted(const Config& c, const ModelGroup& g, const RouteInput& in,
                     std::vector<int>& out) {
  double total = 0;
  for (int d : g.deployments)
    if (weight_of(c, d) > 0 && available(in, d)) total += weight_of(c, d);
  if (total > 0) {
    double x = static_cast<double>(in.random >> 11) * (1.0 / 9007199254740992.0) * total;
    int first = -1;
    for (int d : g.deployments) {
      const double w = weight_of(c, d);
      if (w <= 0 || !available(in, d)) continue;
      first = d;
      if (x < w) break;
      x -= w;
    }
    out.push_back(first);
    for (int d : g.deployments)
      if (d != first && weight_of(c, d) > 0 && available(in, d)) out.push_back(d);
  }
  append_zero_weight(c, g, in, out);
  return RouteReason::kWeighted;
}

// Orders the available weighted deployments by `score` (lower first); ties go to the one
// after a random rotation so equal replicas share the load.
template <typename Score>
void by_score(const Config& c, const ModelGroup& g, const RouteInput& in, std::vector<int>& out,
              Score score) {
  const std::size_t n = g.deployments.size();
  const std::size_t start = n ? static_cast<std::size_t>(in.random % n) : 0;
  for (std::size_t k = 0; k < n; ++k) {
    int d = g.deployments[(start + k) % n];
    if (weight_of(c, d) > 0 && available(in, d)) out.push_back(d);
  }
  std::stable_sort(out.begin(), out.end(), [&](int a, int b) { return score(a) < score(b); });
  append_zero_weight(c, g, in, out);
}

RouteReason prefix(const Config& c, const ModelGroup& g, const RouteInput& in,
                   std::vector<int>& out) {
  const auto& ring = g.ring;
  if (ring.empty()) return weighted(c, g, in, out);
  // Bounded load (Mirrokni, Thorup, Zadimoghaddam 2018): with this request counted, no
  // replica may hold more than load_factor x its weighted share of what is in flight.
  double total_weight = 0;
  long long in_flight = 1;
  for (int d : g.deployments)
    if (weight_of(c, d) > 0 && available(in, d)) {
      total_weight += weight_of(c, d);
      in_flight += outstanding(in, d);
    }
  auto it = std::lower_bound(ring.begin(), ring.end(), std::make_pair(in.prefix_hash, -1));
  RouteReason reason = RouteReason::kPrefixHome;
  int chosen = -1;
  std::vector<int>& walk = out;  // unique deployments in ring order, first the home replica
  for (std::size_t k = 0; k < ring.size() && walk.size() < g.deployments.size(); ++k) {
    if (it == ring.end()) it = ring.begin();
    int d = (it++)->second;
    if (std::find(walk.begin(), walk.end(), d) != walk.end()) continue;
    walk.push_back(d);
  }
  std::size_t pos = 0;
  for (std::size_t k = 0; k < walk.size(); ++k) {
    const int d = walk[k];
    if (!available(in, d)) {
      if (k == 0) reason = RouteReason::kPrefixUnavailable;
      continue;
    }
    const double cap = std::ceil(g.affinity.load_factor * static_cast<double>(in_flight) *
                                 weight_of(c, d) / total_weight) +
                       g.affinity.slack;
    if (static_cast<double>(outstanding(in, d) + 1) <= cap) {
      chosen = d;
      pos = k;
      break;
    }
    if (reason == RouteReason::kPrefixHome) reason = RouteReason::kPrefixSpill;
  }
  std::erase_if(walk, [&](int d) { return !available(in, d); });
  if (chosen < 0) {  // all over the bound (only possible with load_factor near 1): least loaded
    if (walk.empty()) {
      append_zero_weight(c, g, in, out);
      return out.empty() ? RouteReason::kNoneAvailable : RouteReason::kWeighted;
    }
    chosen = *std::min_element(walk.begin(), walk.end(), [&](int a, int b) {
      return outstanding(in, a) < outstanding(in, b);
    });
    reason = RouteReason::kPrefixSpill;
  }
  (void)pos;
  std::erase(walk, chosen);
  walk.insert(walk.begin(), chosen);
  append_zero_weight(c, g, in, out);
  return reason;
}

}  // namespace

std::string_view route_reason_name(RouteReason r) {
  switch (r) {
    case RouteReason::kWeighted:
      return "weighted";
    case RouteReason::kLeastOutstanding:
      return "least_outstanding";
    case RouteReason::kLatency:
      return "latency";
    case RouteReason::kLatencyExplore:
      return "latency_explore";
    case RouteReason::kPrefixHome:
      return "prefix_home";
    case RouteReason::kPrefixSpill:
      return "prefix_spill";
    case RouteReason::kPrefixUnavailable:
      return "prefix_home_unavailable";
    case RouteReason::kNoneAvailable:
      return "none_available";
  }
  return "weighted";
}

RouteReason route(const Config& c, const ModelGroup& g, const RouteInput& in,
                  std::vector<int>& out) {
  out.clear();
  RouteReason reason = RouteReason::kWeighted;
  switch (g.routing) {
    case RoutingStrategy::kWeighted:
      reason = weighted(c, g, in, out);
      break;
    case RoutingStrategy::kLeastOutstanding:
      by_score(c, g, in, out, [&](int d) { return (outstanding(in, d) + 1) / weight_of(c, d); });
      reason = RouteReason::kLeastOutstanding;
      break;
    case RoutingStrategy::kLatency: {
      auto ewma = [&](int d) {
        return in.signals ? std::max(0.0, in.signals->ttft_ewma_ms(d)) : 0.0;
      };
      by_score(c, g, in, out, [&](int d) { return ewma(d) * (outstanding(in, d) + 1); });
      reason = RouteReason::kLatency;
      // The random bits above 32 decide exploration; the low bits already chose the rotation.
      if (out.size() > 1 && (in.random >> 32) % kExploreIn == 0) {
        std::size_t pick = 1 + static_cast<std::size_t>((in.random >> 40) % (out.size() - 1));
        std::swap(out[0], out[pick]);
        reason = RouteReason::kLatencyExplore;
      }
      break;
    }
    case RoutingStrategy::kPrefix:
      reason = prefix(c, g, in, out);
      break;
  }
  if (out.empty()) return RouteReason::kNoneAvailable;
  return reason;
}

std::uint64_t prefix_hash(const boost::json::value& body, Endpoint endpoint, int prefix_chars,
                          int messages) {
  PrefixHasher h(static_cast<std::size_t>(std::max(0, prefix_chars)));
  if (!body.is_object()) return mix(h.h);
  const auto& o = body.as_object();
  switch (endpoint) {
    case Endpoint::kMessages:
      // Anthropic's Messages API keeps the system prompt outside `messages`; hashed in the same
      // form as a chat system message so both APIs share a replica for the same prompt.
      if (const auto* sys = o.if_contains("system")) {
        h.feed("system:");
        h.feed_text(*sys);
        h.feed("\n");
      }
      [[fallthrough]];
    case Endpoint::kChat:
      if (const auto* m = o.if_contains("messages"); m && m->is_array())
        for (const auto& msg : m->as_array()) {
          if (h.left == 0 || !msg.is_object()) break;
          const auto* r = msg.as_object().if_contains("role");
          const bool system =
              r && r->is_string() && (r->as_string() == "system" || r->as_string() == "developer");
          if (!system && messages-- <= 0) break;
          if (r && r->is_string()) h.feed(r->as_string());
          h.feed(":");
          if (const auto* ct = msg.as_object().if_contains("content")) h.feed_text(*ct);
          h.feed("\n");
        }
      break;
    case Endpoint::kCompletions:
      if (const auto* p = o.if_contains("prompt")) h.feed_text(*p);
      break;
    case Endpoint::kEmbeddings:
      if (const auto* p = o.if_contains("input")) h.feed_text(*p);
      break;
  }
  return mix(h.h);
}

std::vector<std::pair<std::uint64_t, int>> build_ring(const Config& c, const ModelGroup& g) {
  std::vector<std::pair<std::uint64_t, int>> ring;
  if (g.routing != RoutingStrategy::kPrefix) return ring;
  double max_w = 0;
  for (int d : g.deployments) max_w = std::max(max_w, weight_of(c, d));
  if (max_w <= 0) return ring;
  for (int d : g.deployments) {
    const int points = static_cast<int>(std::lround(kRingPoints * weight_of(c, d) / max_w));
    PrefixHasher base(1 << 20);
    base.feed(c.deployments[static_cast<std::size_t>(d)].name);
    for (int p = 0; p < points; ++p)
      ring.emplace_back(mix(base.h ^ mix(static_cast<std::uint64_t>(p) + 1)), d);
  }
  std::sort(ring.begin(), ring.end());
  return ring;
}

}  // namespace llmctl::gateway
