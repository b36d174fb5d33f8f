// The embedded store (governance.store: sqlite): keys and budget spend in a SQLite file — by
// default the gateway's request log (./llmctl.db), so one file holds who may call, what they
// spent and every request. Tables (created when missing):
//
//   llmctl_keys          one row per key (revoked ones too); the secret's SHA-256, never the secret
//   llmctl_budget_spend  (scope, period_start_ms) -> spent_nanos
//   llmctl_meta          keys_version (bumped in the same transaction as every key change)
//
// `llmctl keys ...` and a running gateway may use the file at once (WAL; each write is one short
// transaction; a busy file is retried for 5 s).
//
// Threads: every method may be called from any thread (one connection behind a mutex); none is
// for a request's path.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/keys.h"
#include "store/memory.h"

struct sqlite3;
struct sqlite3_stmt;

namespace llmctl::store {

class SqliteStore final : public KeyStore {
 public:
  // Opens (creating when missing) `path` and its governance tables.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path);
  ~SqliteStore() override;

  Status insert(const KeyRecord& k) override;
  Status replace(const KeyRecord& k, std::int64_t expected_revision) override;
  Result<std::optional<KeyRecord>> get(const std::string& id) override;
  Result<std::vector<KeyRecord>> list() override;
  Result<std::int64_t> version() override;

  // Budget spend (EmbeddedLimiter::load / take_dirty): every row, and an upsert of some.
  Result<std::vector<SpendRow>> load_spend();
  Status save_spend(const std::vector<SpendRow>& rows, std::int64_t now_ms);

  const std::string& path() const { return path_; }

 private:
  SqliteStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status exec(const char* sql);
  Status write_key(const KeyRecord& k, const char* sql, std::int64_t expected_revision);
  Result<std::vector<KeyRecord>> select(const char* sql, const std::string* id);

  std::mutex mu_;
  sqlite3* db_;
  std::string path_;
  // version()'s query, prepared at its first call: the gateway asks every sync interval
  // (governance.sync_interval_ms), and compiling it each time was most of that tick's ~200 us.
  sqlite3_stmt* version_stmt_ = nullptr;
};

}  // namespace llmctl::store
