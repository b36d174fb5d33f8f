// bench/costs_speed: `llmctl costs` grouping against DuckDB on the same rows, same machine, same
// run; and the SQLite request-log read. Prints a table. Usage:
//   costs_speed [--rows N] [--repeat R] [--dir DIR] [--no-duckdb] [--no-sqlite]
// The rows are generated deterministically (a fixed-seed LCG): 40 models x 25 teams, realistic
// token counts, 1% errors.
#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "catalog/loader.h"
#include "finops/pricing.h"
#include "finops/report.h"
#include "finops/request_log_reader.h"

namespace fs = std::filesystem;
using namespace llmctl;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

struct Lcg {
  std::uint64_t s = 0x9E3779B97F4A7C15ull;
  std::uint32_t next() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::uint32_t>(s >> 33);
  }
};

const char* kModels[] = {"gpt-4o",           "gpt-4o-mini",     "gpt-4.1",
                         "gpt-4.1-mini",     "gpt-4.1-nano",    "claude-sonnet-4-5",
                         "claude-haiku-4-5", "gemini-2.5-flash"};

}  // namespace

int main(int argc, char** argv) {
  long long n = 10'000'000;
  int repeat = 5;
  std::string dir = fs::temp_directory_path() / "llmctl-costs-speed";
  bool duckdb = true, sqlite = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--rows" && i + 1 < argc)
      n = std::stoll(argv[++i]);
    else if (a == "--repeat" && i + 1 < argc)
      repeat = std::stoi(argv[++i]);
    else if (a == "--dir" && i + 1 < argc)
      dir = argv[++i];
    else if (a == "--no-duckdb")
      duckdb = false;
    else if (a == "--no-sqlite")
      sqlite = false;
    else {
      fmt::print(stderr,
                 "usage: costs_speed [--rows N] [--repeat R] [--dir DIR] [--no-duckdb] "
                 "[--no-sqlite]\n");
      return 2;
    }
  }
  fs::create_directories(dir);
  const std::string csv_path = dir + "/requests.csv", db_path = dir + "/llmctl.db";
  auto cat = catalog::embedded_catalog();
  if (!cat) return 2;

  // 1. Generate the rows, into the usage table and the CSV DuckDB loads.
  auto t = Clock::now();
  finops::Ingest in;
  in.table.reserve(static_cast<std::size_t>(n));
  std::ofstream csv(csv_path);
  csv << "model,team,status,requests,input_tokens,cache_read_tokens,cache_write_tokens,"
         "output_tokens,cost_usd\n";
  Lcg rng;
  finops::UsageRow row;
  std::string line;
  const std::int64_t t0 = 1764547200000;  // 2025-12-01
  for (long long i = 0; i < n; ++i) {
    std::uint32_t a = rng.next(), b = rng.next();
    int m = static_cast<int>(a % 40);
    row.ts_ms = t0 + i * 250;  // 4 requests per second
    row[finops::Text::kModel] = fmt::format("{}-v{}", kModels[m % 8], m / 8);
    row[finops::Text::kProvider] = "";
    row[finops::Text::kTeam] = fmt::format("team-{:02}", (a >> 8) % 25);
    row.status = (b % 100) == 0 ? 500 : 200;
    row.input_tokens = 200 + (b >> 8) % 6000;
    row.cache_read_tokens = (b % 3 == 0) ? row.input_tokens / 2 : 0;
    row.cache_write_tokens = 0;
    row.output_tokens = 20 + (a >> 16) % 800;
    row.reported_cost_usd = -1;
    in.table.append(row);
    // Price like the catalog would for the base model (so both sides sum real dollars).
    double cost = (static_cast<double>(row.input_tokens) * 2.5 +
                   static_cast<double>(row.output_tokens) * 10) *
                  1e-6;
    in.table.cost_usd.back() = cost;
    if (duckdb) {
      line = fmt::format("{},{},{},1,{},{},0,{},{:.10f}\n", row[finops::Text::kModel],
                         row[finops::Text::kTeam], row.status, row.input_tokens,
                         row.cache_read_tokens, row.output_tokens, cost);
      csv << line;
    }
  }
  csv.close();
  double gen_ms = ms_since(t);

  // 2. llmctl's grouping: best of `repeat`.
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  double best = 1e300, total = 0;
  std::size_t groups = 0;
  for (int k = 0; k < repeat; ++k) {
    t = Clock::now();
    auto g = finops::group_rows(in.table, {"model", "team"}, threads);
    double ms = ms_since(t);
    best = std::min(best, ms);
    groups = g->size();
    total = 0;
    for (const auto& x : *g) total += x.totals.cost_usd;
  }

  // 3. DuckDB on the same rows.
  double duck = -1, duck_total = 0, duck_load = 0;
  std::string duck_threads = "?";
  long long duck_groups = 0;
  if (duckdb) {
    std::string cmd = fmt::format("node {}/bench/costs_speed/duckdb_group.mjs {} {}",
                                  LLMCTL_SOURCE_DIR, csv_path, repeat);
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[512];
    while (p && fgets(buf, sizeof buf, p)) out += buf;
    if (p && pclose(p) == 0) {
      auto grab = [&](const char* key) {
        auto pos = out.find(std::string("\"") + key + "\":");
        return pos == std::string::npos ? -1.0 : std::stod(out.substr(pos + std::strlen(key) + 3));
      };
      duck = grab("best_ms");
      duck_load = grab("load_ms");
      duck_total = grab("total_usd");
      duck_groups = static_cast<long long>(grab("groups"));
      auto tp = out.find("\"threads\":\"");
      if (tp != std::string::npos)
        duck_threads = out.substr(tp + 11, out.find('"', tp + 11) - tp - 11);
    } else {
      fmt::print(stderr, "duckdb side failed: {}\n", out);
    }
  }

  // 4. The SQLite request log: write N rows in the gateway's schema, then read them back.
  double write_ms = -1, read_ms = -1;
  long long read_rows = 0;
  if (sqlite) {
    fs::remove(db_path);
    t = Clock::now();
    sqlite3* db = nullptr;
    sqlite3_open(db_path.c_str(), &db);
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; CREATE TABLE requests (id "
                 "INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, request_id TEXT NOT NULL, endpoint "
                 "TEXT NOT NULL, model TEXT NOT NULL, deployment TEXT, provider TEXT, "
                 "upstream_model TEXT, status INTEGER NOT NULL, error_class TEXT, error_message "
                 "TEXT, stream INTEGER NOT NULL, input_tokens INTEGER NOT NULL, cached_tokens "
                 "INTEGER NOT NULL, output_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT "
                 "NULL, usage_estimated INTEGER NOT NULL, cost_usd REAL NOT NULL, price_id TEXT, "
                 "duration_ms REAL NOT NULL, ttft_ms REAL, upstream_ms REAL NOT NULL, attempts "
                 "INTEGER NOT NULL, route_reason TEXT, team TEXT); CREATE INDEX requests_ts ON "
                 "requests(ts_ms); BEGIN;",
                 nullptr, nullptr, nullptr);
    sqlite3_stmt* ins = nullptr;
    sqlite3_prepare_v2(
        db,
        "INSERT INTO requests (ts_ms, request_id, endpoint, model, deployment, "
        "provider, status, stream, input_tokens, cached_tokens, output_tokens, "
        "reasoning_tokens, usage_estimated, cost_usd, duration_ms, upstream_ms, "
        "attempts, team) VALUES (?,?,'chat',?,'d1','openai',?,0,?,?,?,0,0,?,900,880,1,?)",
        -1, &ins, nullptr);
    const auto& model = in.table.codes(finops::Text::kModel);
    const auto& team = in.table.codes(finops::Text::kTeam);
    for (std::size_t i = 0; i < in.table.size(); ++i) {
      std::string rid = fmt::format("r{}", i);
      const std::string& m = in.table.dict(finops::Text::kModel).at(model[i]);
      const std::string& tm = in.table.dict(finops::Text::kTeam).at(team[i]);
      sqlite3_bind_int64(ins, 1, in.table.ts_ms[i]);
      sqlite3_bind_text(ins, 2, rid.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(ins, 3, m.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_int(ins, 4, in.table.status[i]);
      sqlite3_bind_int64(ins, 5, in.table.input_tokens[i]);
      sqlite3_bind_int64(ins, 6, in.table.cache_read_tokens[i]);
      sqlite3_bind_int64(ins, 7, in.table.output_tokens[i]);
      sqlite3_bind_double(ins, 8, in.table.cost_usd[i]);
      sqlite3_bind_text(ins, 9, tm.c_str(), -1, SQLITE_STATIC);
      sqlite3_step(ins);
      sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    sqlite3_exec(db, "COMMIT;", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    write_ms = ms_since(t);
    // Free the generated table before reading the file back.
    in = finops::Ingest{};
    finops::Ingest back;
    finops::ReadOptions ro;
    ro.name = db_path;
    t = Clock::now();
    bool tty = isatty(2) != 0;
    auto st = finops::read_request_log(db_path, ro, back, [&](long long done, long long all) {
      if (tty)
        fmt::print(stderr, "\rreading {:.0f}%",
                   100.0 * static_cast<double>(done) / static_cast<double>(all));
    });
    read_ms = ms_since(t);
    if (tty) fmt::print(stderr, "\n");
    if (!st.ok()) fmt::print(stderr, "{}\n", st.error().message);
    read_rows = static_cast<long long>(back.table.size());
  }

  fmt::print("costs_speed: {} rows (generated in {:.0f} ms), {} groups, best of {}\n", n, gen_ms,
             groups, repeat);
  fmt::print("{:<44} {:>12} {:>12}\n", "", "time", "rows/s");
  fmt::print("{:<44} {:>9.1f} ms {:>12.3g}\n",
             fmt::format("llmctl group_rows(model, team), {} threads", threads), best,
             static_cast<double>(n) / best * 1000);
  if (duck >= 0) {
    fmt::print("{:<44} {:>9.1f} ms {:>12.3g}\n",
               fmt::format("DuckDB GROUP BY model, team, {} threads", duck_threads), duck,
               static_cast<double>(n) / duck * 1000);
    fmt::print(
        "ratio llmctl / DuckDB: {:.2f} (target <= 1.5: {}); DuckDB CSV load {:.0f} ms "
        "(not timed)\n",
        best / duck, best / duck <= 1.5 ? "met" : "NOT met", duck_load);
    fmt::print("totals agree: llmctl ${:.2f} in {} groups, DuckDB ${:.2f} in {} groups\n", total,
               groups, duck_total, duck_groups);
  }
  if (read_ms >= 0)
    fmt::print(
        "SQLite request log: wrote {} rows in {:.1f} s; read_request_log {} rows in {:.1f} "
        "s ({:.3g} rows/s)\n",
        n, write_ms / 1000, read_rows, read_ms / 1000,
        static_cast<double>(read_rows) / read_ms * 1000);
  return 0;
}
