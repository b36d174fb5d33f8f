// The gateway config's `governance:` block: where keys, counters and budgets live, how the
// gateway behaves when that store is unreachable, and the limits and budgets of teams, users,
// agents, model groups and deployments (keys carry their own). Reference: docs/GATEWAY.md,
// "Governance".
#pragma once

#include <map>
#include <string>

#include "store/governance.h"

namespace llmctl::gateway {

enum class StoreKind { kSqlite, kRedis };
enum class FailMode { kOpen, kClosed };
// kUntilKeyExists: requests without a key pass until the first key is created (so `llmctl up`
// works at once), then a key is required.
enum class RequireKeys { kUntilKeyExists, kAlways, kNever };

struct ScopeLimits {
  store::RateLimits limits;
  store::BudgetLimit budget;
};

struct GovernanceConfig {
  StoreKind store = StoreKind::kSqlite;
  std::string sqlite_path;  // empty: the request log's path
  std::string redis_url;    // secret when it holds a password: never logged
  std::string redis_prefix = "llmctl:";
  int timeout_ms = 100;          // an admission Redis does not answer in time: fail mode
  long long lease_ms = 1800000;  // in-flight entries and reservations of a crashed replica
  FailMode limits_fail = FailMode::kOpen;     // rate limits when the store is unreachable
  FailMode budgets_fail = FailMode::kClosed;  // budgets when the store is unreachable
  RequireKeys require_keys = RequireKeys::kUntilKeyExists;
  int sync_interval_ms = 250;  // how often replicas look for key changes (revocation <= 1 s)
  // The worst case reserved on a budget: output tokens when the request sets no max_tokens,
  // and tokens counted per image part.
  long long reserve_output_tokens = 4096;
  long long reserve_image_tokens = 2500;
  std::string alert_webhook;  // soft-budget crossings are POSTed here (JSON); empty: none
  std::map<std::string, ScopeLimits> teams, users, agents, models, deployments;

  // True when anything here can refuse a request besides keys (config-level scopes).
  bool has_scopes() const {
    return !teams.empty() || !users.empty() || !agents.empty() || !models.empty() ||
           !deployments.empty();
  }
};

std::string_view store_kind_name(StoreKind k);  // sqlite | redis
std::string_view fail_mode_name(FailMode m);    // open | closed

}  // namespace llmctl::gateway
