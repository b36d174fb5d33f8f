#include "gateway/router.h"

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
