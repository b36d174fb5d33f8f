// Virtual keys as clients see them (the admin API's /admin/keys and `llmctl keys`), and where
// the keys of a gateway config live. No Asio here; admin_call() hides its HTTP client.
//
// A key in JSON: {"id", "name", "hint", "status": active|revoked|expired, "team", "user",
// "project", "agent", "models": [...], "rpm", "tpm", "max_parallel", "budget_usd",
// "soft_budget_usd", "budget_period", "expires" (RFC 3339 or null), "tags": {...}, "created",
// "updated", "revoked"}; create and rotate add "key" (the secret, shown that once). Never the
// hash.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "gateway/config.h"
#include "store/keys.h"

namespace llmctl::gateway {

boost::json::object key_to_api(const store::KeyRecord& k, std::int64_t now_ms);
// The fields of a create or update body (same names as key_to_api; "expires" also takes
// "YYYY-MM-DD" and "never"); unknown fields and wrong types are errors naming the field.
Result<store::KeyFields> key_fields_from_api(const boost::json::object& body);
// "2026-12-31" (midnight UTC), "2026-12-31T12:00:00Z", "never" or "" -> unix ms (0: never).
Result<std::int64_t> parse_expiry(std::string_view text);
std::string rfc3339(std::int64_t unix_ms);

// Where a config keeps its keys (what `llmctl keys --config` needs, without the rest).
struct StoreSettings {
  StoreKind kind = StoreKind::kSqlite;
  std::string sqlite_path;  // the governance path, else the request log's
  std::string redis_url;
  std::string redis_prefix = "llmctl:";
};
StoreSettings store_settings(const Config& c);
// Reads only `governance` and `logging.request_log.path` of a config file, so `llmctl keys`
// works without the deployments' provider keys in the environment.
Result<StoreSettings> read_store_settings(std::string_view yaml_text, const std::string& file,
                                          const Environment& env = process_environment());
Result<std::unique_ptr<store::KeyStore>> open_key_store(const StoreSettings& s);

// One blocking HTTP/1.1 request to an admin API ("http://host:port"); the token goes as a
// Bearer header.
struct AdminAnswer {
  int status = 0;
  std::string body;
};
// The admin API's key routes on a key store (the gateway's admin listener calls this):
//   GET /admin/keys                 {"keys": [...]}
//   POST /admin/keys                create (the answer carries "key", shown once)
//   GET|PATCH|DELETE /admin/keys/K  show, update, revoke (K: id or name)
//   POST /admin/keys/K/rotate       a new secret (in "key")
// Errors are OpenAI-shaped: 400 bad body or field, 404 no such key, 409 a conflict (a name in
// use, a revoked key), 405 another method.
AdminAnswer serve_keys_api(store::KeyStore& ks, std::string_view method, std::string_view target,
                           std::string_view body, std::int64_t now_ms);

Result<AdminAnswer> admin_call(const std::string& base_url, std::string_view method,
                               std::string_view target, const std::string& token,
                               const std::string& body);

}  // namespace llmctl::gateway
