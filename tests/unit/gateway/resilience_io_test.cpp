// The small I/O-facing additions of the resilience work: the request log's route_reason (and
// the migration of version-1 files), the simulator's fault updates, and the admin API's pure
// helpers (redacted config, token comparison).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>

#include "gateway/config.h"
#include "gateway/request_log.h"
#include "mock/mock.h"
#include "test_env.h"

namespace llmctl::gateway {

// Private to the library (control.h includes Asio); declared here for the pure helpers.
std::string config_json(const Config& c);
bool bearer_matches(std::string_view header, std::string_view token);

namespace {

using mock::apply_fault_update;
using mock::MockOptions;
using mock::parse_scenario;

std::int64_t query(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, sql, -1, &st, nullptr);
  std::int64_t v = -1;
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

TEST(RequestLogRouteReason, WrittenAndVersionOneFilesMigrated) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("llmctl-route-" + std::to_string(::getpid()) + ".db"))
                               .string();
  std::filesystem::remove(path);
  {
    // A version-1 file: the table without route_reason.
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db,
                 "CREATE TABLE requests (id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL,"
                 " request_id TEXT NOT NULL, endpoint TEXT NOT NULL, model TEXT NOT NULL,"
                 " deployment TEXT, provider TEXT, upstream_model TEXT, status INTEGER NOT NULL,"
                 " error_class TEXT, error_message TEXT, stream INTEGER NOT NULL,"
                 " input_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL,"
                 " output_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL,"
                 " usage_estimated INTEGER NOT NULL, cost_usd REAL NOT NULL, price_id TEXT,"
                 " duration_ms REAL NOT NULL, ttft_ms REAL, upstream_ms REAL NOT NULL,"
                 " attempts INTEGER NOT NULL); PRAGMA user_version=1;",
                 nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  RequestLogConfig cfg;
  cfg.path = path;
  auto sink = open_sqlite_sink(cfg);
  ASSERT_TRUE(sink.ok()) << sink.error().message;
  RequestRecord r;
  r.request_id = "a";
  r.endpoint = "chat";
  r.model = "m";
  r.route_reason = "prefix_spill>fallback:big";
  std::vector<RequestRecord> batch{r};
  ASSERT_TRUE((*sink)->write(batch).ok());
  EXPECT_EQ(query(path, "PRAGMA user_version"), 2);
  EXPECT_EQ(
      query(path, "SELECT COUNT(*) FROM requests WHERE route_reason = 'prefix_spill>fallback:big'"),
      1);
  sink->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);

  auto line = boost::json::parse(access_log_line(r)).as_object();
  EXPECT_EQ(line.at("route_reason").as_string(), "prefix_spill>fallback:big");
}

TEST(MockFaults, UpdatesAreValidatedFieldByField) {
  MockOptions o;
  ASSERT_TRUE(
      apply_fault_update(R"({"fail_rate":0.25,"fail_status":502,"fail_first_n":3})", o).ok());
  EXPECT_DOUBLE_EQ(o.fail_rate, 0.25);
  EXPECT_EQ(o.fail_status, 502);
  EXPECT_EQ(o.fail_first_n, 3);
  // A bad value or an unknown field changes nothing.
  auto bad = apply_fault_update(R"({"fail_rate":0.5,"fail_status":200})", o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("fail_status"), std::string::npos);
  EXPECT_DOUBLE_EQ(o.fail_rate, 0.25);
  auto unknown = apply_fault_update(R"({"fail_rat":1})", o);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("fail_rat: unknown field"), std::string::npos);
  EXPECT_FALSE(apply_fault_update("[1]", o).ok());
  // The scenario file knows the new keys too.
  auto s = parse_scenario("fail_first_n: 2\nmax_context_tokens: 100\n", "s.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->fail_first_n, 2);
  EXPECT_EQ(s->max_context_tokens, 100);
}

TEST(AdminHelpers, BearerTokenAndRedactedConfig) {
  EXPECT_TRUE(bearer_matches("Bearer 0123456789abcdef", "0123456789abcdef"));
  EXPECT_FALSE(bearer_matches("Bearer 0123456789abcdeX", "0123456789abcdef"));
  EXPECT_FALSE(bearer_matches("Bearer 0123456789abcde", "0123456789abcdef"));
  EXPECT_FALSE(bearer_matches("bearer 0123456789abcdef", "0123456789abcdef"));
  EXPECT_FALSE(bearer_matches("", ""));
  testing::FakeEnvironment env;
  env.vars["KEY"] = "sk-very-secret-upstream-key";
  env.vars["ADMIN"] = "admin-token-0123456789";
  auto c = parse_config(R"(admin: {listen: 127.0.0.1:0, token_env: ADMIN}
models:
  - name: m
    fallbacks: [n]
    deployments:
      - provider: openai
        model: gpt-4o-mini
        api_key_env: KEY
  - name: n
    deployments: [{provider: simulated}]
)",
                        "gw.yaml", testing::embedded_catalog(), env);
  ASSERT_TRUE(c.ok()) << c.error().message;
  const std::string text = config_json(*c);
  EXPECT_EQ(text.find("sk-very-secret"), std::string::npos);
  EXPECT_EQ(text.find("admin-token"), std::string::npos);
  auto v = boost::json::parse(text).as_object();
  const auto& dep = v.at("models").as_array()[0].as_object().at("deployments").as_array()[0];
  EXPECT_EQ(dep.as_object().at("api_key").as_string(), "<redacted>");
  EXPECT_EQ(v.at("models").as_array()[0].as_object().at("fallbacks").as_array()[0].as_string(),
            "n");
  EXPECT_EQ(v.at("admin").as_object().at("token").as_string(), "<redacted>");
}

}  // namespace
}  // namespace llmctl::gateway
