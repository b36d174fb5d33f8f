#include "store/sqlite_store.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <boost/json.hpp>

namespace llmctl::store {

namespace json = boost::json;

namespace {

constexpr const char* kSchema =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE IF NOT EXISTS llmctl_keys ("
    " id TEXT PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " hash TEXT NOT NULL UNIQUE,"
    " hint TEXT NOT NULL,"
    " team TEXT, user TEXT, project TEXT, agent TEXT,"
    " models TEXT NOT NULL,"  // JSON array of public model names; [] = all
    " expires_ms INTEGER NOT NULL,"
    " rpm INTEGER NOT NULL, tpm INTEGER NOT NULL, max_parallel INTEGER NOT NULL,"
    " budget_nanos INTEGER NOT NULL, soft_budget_nanos INTEGER NOT NULL,"
    " budget_period TEXT NOT NULL,"
    " tags TEXT NOT NULL,"  // JSON object string -> string
    " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, revoked_ms INTEGER NOT NULL,"
    " revision INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS llmctl_budget_spend ("
    " scope TEXT NOT NULL, period_start_ms INTEGER NOT NULL, spent_nanos INTEGER NOT NULL,"
    " updated_ms INTEGER NOT NULL, PRIMARY KEY (scope, period_start_ms));"
    "CREATE TABLE IF NOT EXISTS llmctl_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO llmctl_meta (name, value) VALUES ('keys_version', 0);"
    "INSERT OR IGNORE INTO llmctl_meta (name, value) VALUES ('governance_schema', 1);";

constexpr const char* kColumns =
    "id, name, hash, hint, team, user, project, agent, models, expires_ms, rpm, tpm,"
    " max_parallel, budget_nanos, soft_budget_nanos, budget_period, tags, created_ms,"
    " updated_ms, revoked_ms, revision";

// A prepared statement that finalises itself.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) s_ = nullptr;
  }
  ~Stmt() {
    if (s_) sqlite3_finalize(s_);
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return s_ != nullptr; }
  sqlite3_stmt* get() const { return s_; }
  void text(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void integer(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
  std::string col_text(int i) const {
    const unsigned char* t = sqlite3_column_text(s_, i);
    return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
  }
  std::int64_t col_int(int i) const { return sqlite3_column_int64(s_, i); }
  const char* error() const { return sqlite3_errmsg(db_); }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

std::string models_json(const std::vector<std::string>& models) {
  json::array a;
  for (const auto& m : models) a.emplace_back(m);
  return json::serialize(a);
}

std::string tags_json(const std::map<std::string, std::string>& tags) {
  json::object o;
  for (const auto& [k, v] : tags) o[k] = v;
  return json::serialize(o);
}

void bind_key(Stmt& s, const KeyRecord& k) {
  int i = 0;
  s.text(++i, k.id);
  s.text(++i, k.name);
  s.text(++i, k.hash);
  s.text(++i, k.hint);
  s.text(++i, k.team);
  s.text(++i, k.user);
  s.text(++i, k.project);
  s.text(++i, k.agent);
  s.text(++i, models_json(k.models));
  s.integer(++i, k.expires_ms);
  s.integer(++i, k.limits.rpm);
  s.integer(++i, k.limits.tpm);
  s.integer(++i, k.limits.max_parallel);
  s.integer(++i, k.budget.hard);
  s.integer(++i, k.budget.soft);
  s.text(++i, std::string(period_name(k.budget.period)));
  s.text(++i, tags_json(k.tags));
  s.integer(++i, k.created_ms);
  s.integer(++i, k.updated_ms);
  s.integer(++i, k.revoked_ms);
  s.integer(++i, k.revision);
}

KeyRecord read_key(const Stmt& s) {
  KeyRecord k;
  int i = 0;
  k.id = s.col_text(i++);
  k.name = s.col_text(i++);
  k.hash = s.col_text(i++);
  k.hint = s.col_text(i++);
  k.team = s.col_text(i++);
  k.user = s.col_text(i++);
  k.project = s.col_text(i++);
  k.agent = s.col_text(i++);
  boost::system::error_code ec;
  json::value models = json::parse(s.col_text(i++), ec);
  if (!ec && models.is_array())
    for (const auto& m : models.as_array())
      if (m.is_string()) k.models.emplace_back(m.as_string());
  k.expires_ms = s.col_int(i++);
  k.limits.rpm = s.col_int(i++);
  k.limits.tpm = s.col_int(i++);
  k.limits.max_parallel = s.col_int(i++);
  k.budget.hard = s.col_int(i++);
  k.budget.soft = s.col_int(i++);
  k.budget.period = parse_period(s.col_text(i++)).value_or(Period::kMonth);
  json::value tags = json::parse(s.col_text(i++), ec);
  if (!ec && tags.is_object())
    for (const auto& [key, v] : tags.as_object())
      if (v.is_string()) k.tags[std::string(key)] = std::string(v.as_string());
  k.created_ms = s.col_int(i++);
  k.updated_ms = s.col_int(i++);
  k.revoked_ms = s.col_int(i++);
  k.revision = s.col_int(i++);
  return k;
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e{fmt::format("{}: cannot open: {}", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc))};
    sqlite3_close(db);
    return e;
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<SqliteStore> store(new SqliteStore(db, path));
  if (auto st = store->exec(kSchema); !st.ok()) return st.error();
  return store;
}

SqliteStore::~SqliteStore() {
  sqlite3_finalize(version_stmt_);  // a no-op on null
  sqlite3_close(db_);
}

Status SqliteStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    Error e{fmt::format("{}: {}", path_, err ? err : sqlite3_errmsg(db_))};
    sqlite3_free(err);
    return e;
  }
  return {};
}

Status SqliteStore::write_key(const KeyRecord& k, const char* sql, std::int64_t expected_revision) {
  if (auto st = exec("BEGIN IMMEDIATE"); !st.ok()) return st;
  auto fail = [&](std::string message) -> Status {
    (void)exec("ROLLBACK");
    return Error{fmt::format("{}: {}", path_, message)};
  };
  {
    Stmt s(db_, sql);
    if (!s.ok()) return fail(sqlite3_errmsg(db_));
    bind_key(s, k);
    if (expected_revision >= 0) s.integer(22, expected_revision);
    const int rc = sqlite3_step(s.get());
    if (rc != SQLITE_DONE) {
      if (sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_PRIMARYKEY ||
          sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_UNIQUE)
        return fail(fmt::format("key {} exists already", k.id));
      return fail(s.error());
    }
    if (expected_revision >= 0 && sqlite3_changes(db_) == 0)
      return fail(fmt::format("key {} changed meanwhile (or is gone); read it again", k.id));
  }
  if (auto st = exec("UPDATE llmctl_meta SET value = value + 1 WHERE name = 'keys_version'");
      !st.ok())
    return fail(st.error().message);
  return exec("COMMIT");
}

Status SqliteStore::insert(const KeyRecord& k) {
  std::lock_guard lock(mu_);
  static const std::string sql = fmt::format(
      "INSERT INTO llmctl_keys ({}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", kColumns);
  return write_key(k, sql.c_str(), -1);
}

Status SqliteStore::replace(const KeyRecord& k, std::int64_t expected_revision) {
  std::lock_guard lock(mu_);
  static const std::string sql = fmt::format(
      "UPDATE llmctl_keys SET ({}) = (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
      " WHERE id = ?1 AND revision = ?22",
      kColumns);
  return write_key(k, sql.c_str(), expected_revision);
}

Result<std::vector<KeyRecord>> SqliteStore::select(const char* sql, const std::string* id) {
  Stmt s(db_, sql);
  if (!s.ok()) return Error{fmt::format("{}: {}", path_, sqlite3_errmsg(db_))};
  if (id) s.text(1, *id);
  std::vector<KeyRecord> out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) out.push_back(read_key(s));
  if (rc != SQLITE_DONE) return Error{fmt::format("{}: {}", path_, s.error())};
  return out;
}

Result<std::optional<KeyRecord>> SqliteStore::get(const std::string& id) {
  std::lock_guard lock(mu_);
  static const std::string sql = fmt::format("SELECT {} FROM llmctl_keys WHERE id = ?", kColumns);
  auto rows = select(sql.c_str(), &id);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<KeyRecord>();
  return std::optional<KeyRecord>(std::move(rows->front()));
}

Result<std::vector<KeyRecord>> SqliteStore::list() {
  std::lock_guard lock(mu_);
  static const std::string sql =
      fmt::format("SELECT {} FROM llmctl_keys ORDER BY created_ms, id", kColumns);
  return select(sql.c_str(), nullptr);
}

Result<std::int64_t> SqliteStore::version() {
  std::lock_guard lock(mu_);
  if (!version_stmt_ &&
      sqlite3_prepare_v2(db_, "SELECT value FROM llmctl_meta WHERE name = 'keys_version'", -1,
                         &version_stmt_, nullptr) != SQLITE_OK) {
    version_stmt_ = nullptr;
    return Error{fmt::format("{}: {}", path_, sqlite3_errmsg(db_))};
  }
  const int rc = sqlite3_step(version_stmt_);
  const std::int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(version_stmt_, 0) : 0;
  // Reset at once: a statement left stepped holds its read transaction open, and in WAL mode
  // that stops checkpoints from getting past it.
  sqlite3_reset(version_stmt_);
  if (rc != SQLITE_ROW) return Error{fmt::format("{}: {}", path_, sqlite3_errmsg(db_))};
  return v;
}

Result<std::vector<SpendRow>> SqliteStore::load_spend() {
  std::lock_guard lock(mu_);
  Stmt s(db_, "SELECT scope, period_start_ms, spent_nanos FROM llmctl_budget_spend");
  if (!s.ok()) return Error{fmt::format("{}: {}", path_, sqlite3_errmsg(db_))};
  std::vector<SpendRow> out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW)
    out.push_back({s.col_text(0), s.col_int(1), s.col_int(2)});
  if (rc != SQLITE_DONE) return Error{fmt::format("{}: {}", path_, s.error())};
  return out;
}

Status SqliteStore::save_spend(const std::vector<SpendRow>& rows, std::int64_t now_ms) {
  if (rows.empty()) return {};
  std::lock_guard lock(mu_);
  if (auto st = exec("BEGIN IMMEDIATE"); !st.ok()) return st;
  {
    Stmt s(db_,
           "INSERT INTO llmctl_budget_spend (scope, period_start_ms, spent_nanos, updated_ms)"
           " VALUES (?,?,?,?) ON CONFLICT (scope, period_start_ms) DO UPDATE SET"
           " spent_nanos = excluded.spent_nanos, updated_ms = excluded.updated_ms");
    if (!s.ok()) {
      Error e{fmt::format("{}: {}", path_, sqlite3_errmsg(db_))};
      (void)exec("ROLLBACK");
      return e;
    }
    for (const auto& r : rows) {
      s.text(1, r.scope);
      s.integer(2, r.period_start_ms);
      s.integer(3, r.spent);
      s.integer(4, now_ms);
      if (sqlite3_step(s.get()) != SQLITE_DONE) {
        Error e{fmt::format("{}: saving budget spend: {}", path_, s.error())};
        (void)exec("ROLLBACK");
        return e;
      }
      sqlite3_reset(s.get());
    }
  }
  return exec("COMMIT");
}

}  // namespace llmctl::store
