#include <array>

#include "route/policies.h"
#include "route/route.h"

namespace llmctl::route {

namespace {
constexpr std::array kStrategies = {Strategy::kWeighted,     Strategy::kLeastOutstanding,
                                    Strategy::kLatency,      Strategy::kPrefix,
                                    Strategy::kRoundRobin,   Strategy::kRandom,
                                    Strategy::kLeastKvUsage, Strategy::kCacheAware,
                                    Strategy::kKvScorer,     Strategy::kSession};
}  // namespace

std::string_view reason_name(Reason r) {
  switch (r) {
    case Reason::kWeighted:
      return "weighted";
    case Reason::kLeastOutstanding:
      return "least_outstanding";
    case Reason::kLatency:
      return "latency";
    case Reason::kLatencyExplore:
      return "latency_explore";
    case Reason::kPrefixHome:
      return "prefix_home";
    case Reason::kPrefixSpill:
      return "prefix_spill";
    case Reason::kPrefixUnavailable:
      return "prefix_home_unavailable";
    case Reason::kRoundRobin:
      return "round_robin";
    case Reason::kRandom:
      return "random";
    case Reason::kLeastKvUsage:
      return "least_kv_usage";
    case Reason::kCacheMatch:
      return "cache_match";
    case Reason::kCacheMiss:
      return "cache_miss";
    case Reason::kCacheBalance:
      return "cache_balance";
    case Reason::kScored:
      return "kv_scored";
    case Reason::kSessionHome:
      return "session_home";
    case Reason::kSessionUnavailable:
      return "session_home_unavailable";
    case Reason::kNoneAvailable:
      return "none_available";
  }
  return "weighted";
}

std::string_view strategy_name(Strategy s) {
  switch (s) {
    case Strategy::kWeighted:
      return "weighted";
    case Strategy::kLeastOutstanding:
      return "least_outstanding";
    case Strategy::kLatency:
      return "latency";
    case Strategy::kPrefix:
      return "prefix";
    case Strategy::kRoundRobin:
      return "round_robin";
    case Strategy::kRandom:
      return "random";
    case Strategy::kLeastKvUsage:
      return "least_kv_usage";
    case Strategy::kCacheAware:
      return "cache_aware";
    case Strategy::kKvScorer:
      return "kv_scorer";
    case Strategy::kSession:
      return "session";
  }
  return "weighted";
}

std::optional<Strategy> parse_strategy(std::string_view name) {
  for (Strategy s : kStrategies)
    if (strategy_name(s) == name) return s;
  return std::nullopt;
}

std::span<const Strategy> all_strategies() { return kStrategies; }

std::unique_ptr<const Policy> make_policy(Strategy strategy, std::vector<Member> members,
                                          const Options& options) {
  switch (strategy) {
    case Strategy::kWeighted:
      return detail::make_weighted(std::move(members));
    case Strategy::kLeastOutstanding:
      return detail::make_least_outstanding(std::move(members));
    case Strategy::kLatency:
      return detail::make_latency(std::move(members), options);
    case Strategy::kPrefix:
      return detail::make_prefix(std::move(members), options);
    case Strategy::kRoundRobin:
      return detail::make_round_robin(std::move(members));
    case Strategy::kRandom:
      return detail::make_random(std::move(members));
    case Strategy::kLeastKvUsage:
      return detail::make_least_kv_usage(std::move(members));
    case Strategy::kCacheAware:
      return detail::make_cache_aware(std::move(members), options);
    case Strategy::kKvScorer:
      return detail::make_kv_scorer(std::move(members), options);
    case Strategy::kSession:
      return detail::make_session(std::move(members), options);
  }
  return detail::make_weighted(std::move(members));
}

namespace detail {

void append_zero_weight(const std::vector<Member>& members, const Signals& signals,
                        std::vector<int>& out) {
  for (const auto& m : members)
    if (m.weight <= 0 && signals.available(m.id)) out.push_back(m.id);
}

std::vector<double> weights_by_id(const std::vector<Member>& members) {
  std::vector<double> w;
  for (const auto& m : members) {
    if (static_cast<std::size_t>(m.id) >= w.size()) w.resize(static_cast<std::size_t>(m.id) + 1, 0);
    w[static_cast<std::size_t>(m.id)] = m.weight;
  }
  return w;
}

}  // namespace detail
}  // namespace llmctl::route
