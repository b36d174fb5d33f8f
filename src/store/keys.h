// Virtual keys: what a key carries, how a secret is made and checked, and the KeyStore interface
// (SQLite in sqlite_store.h, Redis in redis.h).
//
// A secret is "sk-llmctl-" followed by 40 base62 characters (238 bits from the OS's random
// source). It is shown once, when created or rotated; stores keep only its SHA-256 (hex) and its
// last four characters (the hint shown in listings). A fast hash is right here: the secret is
// random and long, so there is nothing to brute-force; the lookup hashes the presented secret and
// compares digests in constant time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/governance.h"

namespace llmctl::store {

inline constexpr std::string_view kKeyPrefix = "sk-llmctl-";

struct KeyRecord {
  std::string id;    // "key-" + 12 base32 characters; stable across rotations
  std::string name;  // unique among keys that are not revoked
  std::string hash;  // hex SHA-256 of the secret; never the secret
  std::string hint;  // the secret's last four characters
  std::string team, user, project, agent;
  std::vector<std::string> models;  // public model names allowed; empty: all
  std::int64_t expires_ms = 0;      // unix ms; 0: never
  RateLimits limits;
  BudgetLimit budget;
  std::map<std::string, std::string> tags;
  std::int64_t created_ms = 0, updated_ms = 0;
  std::int64_t revoked_ms = 0;  // 0: active
  std::int64_t revision = 0;    // bumped on every change (compare-and-set in KeyStore::replace)

  bool revoked() const { return revoked_ms > 0; }
  bool expired(std::int64_t now_ms) const { return expires_ms > 0 && now_ms >= expires_ms; }
  bool allows_model(std::string_view model) const;
  // The budget and limits as a Scope of kind key.
  Scope scope() const;
};

// Where secrets come from: the OS (getrandom through OpenSSL) or, in tests, a fixed sequence.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void fill(unsigned char* out, std::size_t n) = 0;
};
RandomSource& system_random();

// hex SHA-256 of a secret.
std::string hash_secret(std::string_view secret);
// Constant-time equality of two equally long digests (false when lengths differ).
bool digests_equal(std::string_view a, std::string_view b);
// True when `s` looks like one of our secrets (prefix and length), before any lookup.
bool looks_like_key(std::string_view s);

struct NewSecret {
  std::string secret;  // shown once
  std::string hash, hint;
};
NewSecret make_secret(RandomSource& random);
std::string make_key_id(RandomSource& random);

// JSON of a record (the stores' and the admin API's format). With `with_hash` false the hash is
// left out (what clients see).
std::string key_to_json(const KeyRecord& k, bool with_hash);
// The inverse; errors name the field.
Result<KeyRecord> key_from_json(std::string_view json);

// Persistent keys. Implementations serialise their own writes; every method may block on I/O
// and is for the control plane (CLI, admin API, the gateway's sync thread), never a request.
class KeyStore {
 public:
  virtual ~KeyStore() = default;
  // Adds a new record (its id and hash must be new). Bumps the version.
  virtual Status insert(const KeyRecord& k) = 0;
  // Replaces the record with k.id when its stored revision is `expected_revision` (so two admins
  // editing at once cannot lose a change); k.revision must be expected_revision + 1.
  virtual Status replace(const KeyRecord& k, std::int64_t expected_revision) = 0;
  virtual Result<std::optional<KeyRecord>> get(const std::string& id) = 0;
  // Every record, revoked ones included, oldest first.
  virtual Result<std::vector<KeyRecord>> list() = 0;
  // A number that changes whenever a key changes: replicas poll it and reload on change.
  virtual Result<std::int64_t> version() = 0;
};

// --- operations on a KeyStore (the CLI and the admin API both use these) ---

struct KeyFields {  // what create and update set; unset optionals keep the current value
  std::optional<std::string> name, team, user, project, agent;
  std::optional<std::vector<std::string>> models;
  std::optional<std::int64_t> expires_ms;  // 0 clears
  std::optional<std::int64_t> rpm, tpm, max_parallel;
  std::optional<Nanos> budget, soft_budget;
  std::optional<Period> budget_period;
  std::optional<std::map<std::string, std::string>> tags;
};

struct CreatedKey {
  KeyRecord record;
  std::string secret;  // shown once
};

Result<CreatedKey> create_key(KeyStore& store, const KeyFields& fields, RandomSource& random,
                              std::int64_t now_ms);
// `id_or_name`: a key id, or the name of a key that is not revoked.
Result<KeyRecord> find_key(KeyStore& store, const std::string& id_or_name);
Result<KeyRecord> update_key(KeyStore& store, const std::string& id_or_name,
                             const KeyFields& fields, std::int64_t now_ms);
Result<KeyRecord> revoke_key(KeyStore& store, const std::string& id_or_name, std::int64_t now_ms);
// A new secret for the same key (same id, limits and spend); the old secret stops working.
Result<CreatedKey> rotate_key(KeyStore& store, const std::string& id_or_name, RandomSource& random,
                              std::int64_t now_ms);

}  // namespace llmctl::store
