// DuckDB's side of bench/costs_speed: loads the CSV the C++ side wrote (not timed), then runs the
// same two-key aggregation `repeat` times and prints the best wall time in ms as JSON.
// Usage: node duckdb_group.mjs FILE.csv REPEAT
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(path.resolve(process.env.LLMCTL_SOURCE_DIR ?? '.', 'package.json'));
const { DuckDBInstance } = require('@duckdb/node-api');

const [file, repeatArg] = process.argv.slice(2);
const repeat = Number(repeatArg ?? 5);
const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
const threads = (await con.runAndReadAll("SELECT current_setting('threads')")).getRows()[0][0];
let t = performance.now();
await con.run(`CREATE TABLE requests AS SELECT * FROM read_csv('${file}', header = true, columns = {
  'model': 'VARCHAR', 'team': 'VARCHAR', 'status': 'SMALLINT', 'requests': 'BIGINT',
  'input_tokens': 'BIGINT', 'cache_read_tokens': 'BIGINT', 'cache_write_tokens': 'BIGINT',
  'output_tokens': 'BIGINT', 'cost_usd': 'DOUBLE'})`);
const loadMs = performance.now() - t;
const query = `SELECT model, team, count(*) AS rows, sum(requests), sum(input_tokens),
  sum(cache_read_tokens), sum(cache_write_tokens), sum(output_tokens),
  sum(CASE WHEN status >= 400 THEN requests ELSE 0 END) AS errors, sum(cost_usd) AS cost
  FROM requests GROUP BY model, team ORDER BY cost DESC`;
let best = Infinity;
let groups = 0, total = 0;
for (let i = 0; i < repeat; i++) {
  t = performance.now();
  const r = await con.runAndReadAll(query);
  const ms = performance.now() - t;
  best = Math.min(best, ms);
  const rows = r.getRows();
  groups = rows.length;
  total = rows.reduce((s, row) => s + Number(row[9]), 0);
}
console.log(JSON.stringify({ best_ms: best, load_ms: loadMs, groups, total_usd: total, threads: String(threads) }));
