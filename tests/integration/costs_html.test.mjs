// The HTML report renders in a real browser: headless Chromium (Debian's package) loads the file
// with every network feature off, the DOM it builds holds the charts, and a screenshot is saved
// under the build folder (artifacts/costs-report.png) for a person to look at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const llmctl = process.env.LLMCTL;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-costs-html-'));
const artifacts = path.join(process.env.LLMCTL_BUILD_DIR, 'artifacts');

// A month of a small team's traffic: three models, three teams, a spike on day 20, a loop, and
// repeated requests. Deterministic (no randomness).
function makeLog(file) {
  const cols = 'ts_ms,request_id,endpoint,model,deployment,provider,upstream_model,status,error_class,' +
    'stream,input_tokens,cached_tokens,output_tokens,reasoning_tokens,usage_estimated,cost_usd,price_id,' +
    'duration_ms,upstream_ms,attempts,cache_write_tokens,max_tokens,finish_reason,has_tools,key_name,team,' +
    'session_id,tags,request_fingerprint,prefix_fingerprint,prefix_tokens';
  let sql = `CREATE TABLE requests (id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, request_id TEXT NOT NULL,
    endpoint TEXT NOT NULL, model TEXT NOT NULL, deployment TEXT, provider TEXT, upstream_model TEXT,
    status INTEGER NOT NULL, error_class TEXT, error_message TEXT, stream INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL, usage_estimated INTEGER NOT NULL, cost_usd REAL NOT NULL,
    price_id TEXT, duration_ms REAL NOT NULL, ttft_ms REAL, upstream_ms REAL NOT NULL,
    attempts INTEGER NOT NULL, route_reason TEXT, cache_write_tokens INTEGER, max_tokens INTEGER,
    finish_reason TEXT, has_tools INTEGER, key_id TEXT, key_name TEXT, team TEXT, user TEXT,
    project TEXT, agent TEXT, session_id TEXT, tags TEXT, request_fingerprint TEXT,
    system_fingerprint TEXT, system_tokens INTEGER, prefix_fingerprint TEXT, prefix_tokens INTEGER,
    feedback_score REAL); BEGIN;`;
  const t0 = Date.UTC(2025, 10, 1);
  const models = [['gpt-4.1', 'openai/gpt-4.1'], ['gpt-4o-mini', 'openai/gpt-4o-mini'], ['claude-sonnet-4-5', 'anthropic/claude-sonnet-4-5']];
  const teams = ['search', 'support', 'research'];
  let n = 0;
  for (let day = 0; day < 30; day++) {
    const perDay = 60 + (day % 7 < 5 ? 30 : 0) + (day === 19 ? 400 : 0);
    for (let i = 0; i < perDay; i++, n++) {
      const [model, price] = models[(i + day) % 3];
      const team = teams[i % 3];
      const input = 600 + ((i * 37) % 2400);
      const output = 80 + ((i * 13) % 400);
      const fp = (i % 10 === 0 ? 7 : 100000 + n).toString(16).padStart(16, '0');
      const ts = t0 + day * 86400000 + i * 97000;
      sql += `INSERT INTO requests (${cols}) VALUES (${ts},'r${n}','chat','${model}','d','${price.split('/')[0]}','${model}',200,NULL,${i % 2},${input},0,${output},0,0,0,'${price}',1200,1100,1,0,4096,'stop',${i % 4 === 0 ? 1 : 0},'key-${team}','${team}','s${n}','{"feature":"f${i % 4}"}','${fp}','${(i % 5).toString(16).padStart(16, '0')}',${input > 1500 ? 1200 : 400});`;
    }
  }
  for (let i = 0; i < 40; i++, n++)
    sql += `INSERT INTO requests (${cols}) VALUES (${t0 + 12 * 86400000 + i * 5000},'loop${i}','chat','gpt-4.1','d','openai','gpt-4.1',200,NULL,0,5200,0,60,0,0,0,'openai/gpt-4.1',900,850,1,0,4096,'stop',1,'key-research','research','agent-run-7','{}','${(900000 + i).toString(16).padStart(16, '0')}','000000000000beef',5000);`;
  sql += 'COMMIT;';
  execFileSync('sqlite3', [file], { input: sql });
}

test('the HTML report renders in headless Chromium, with its charts', () => {
  const db = path.join(tmp, 'month.db');
  makeLog(db);
  const html = path.join(tmp, 'report.html');
  const r = spawnSync(llmctl, ['costs', '--db', db, '--what-if', '--anomalies', '--by', 'team,model',
    '--format', 'html', '--out', html], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const page = fs.readFileSync(html, 'utf8');
  // Self-contained: no scripts, no external resources.
  assert.doesNotMatch(page, /<script|<link|src=|url\(|@import/);
  fs.mkdirSync(artifacts, { recursive: true });
  const shot = path.join(artifacts, 'costs-report.png');
  fs.rmSync(shot, { force: true });
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--user-data-dir=${path.join(tmp, 'profile')}`, '--hide-scrollbars'];
  const url = 'file://' + html;
  const dom = spawnSync('chromium', [...flags, '--dump-dom', url], { encoding: 'utf8', timeout: 60000 });
  assert.equal(dom.status, 0, dom.stderr);
  assert.match(dom.stdout, /<h1>LLM costs<\/h1>/);
  assert.match(dom.stdout, /aria-label="Daily spend"/);
  assert.match(dom.stdout, /aria-label="What-if savings"/);
  // The green headline card shows the largest saving that is an estimate, never the batch API's
  // ceiling (every non-streaming request counted as batchable), which this log also has.
  const j = JSON.parse(execFileSync(llmctl, ['costs', '--db', db, '--what-if', '--anomalies', '--by',
    'team,model', '--format', 'json'], { encoding: 'utf8' }));
  const estimates = j.what_if.filter((w) => w.computed !== false && w.saving_usd > 0 &&
    !String(w.assumption).startsWith('UPPER BOUND'));
  assert.ok(j.what_if.some((w) => String(w.assumption).startsWith('UPPER BOUND')), 'no ceiling in the fixture');
  const best = estimates.reduce((a, b) => (b.saving_usd > a.saving_usd ? b : a));
  const card = dom.stdout.match(/<div class="card save">Biggest saving<b>([^<]*)<\/b><span class="muted">([^ ]+) /);
  assert.ok(card, 'no headline saving card');
  assert.equal(card[2], best.name);
  const bars = (dom.stdout.match(/<rect /g) || []).length;
  assert.ok(bars >= 30, `only ${bars} bars in the DOM`);
  const s = spawnSync('chromium', [...flags, '--window-size=1000,2200', `--screenshot=${shot}`, url],
    { encoding: 'utf8', timeout: 60000 });
  assert.equal(s.status, 0, s.stderr);
  const png = fs.readFileSync(shot);
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  assert.equal(png.readUInt32BE(16), 1000);  // IHDR width
  assert.ok(png.length > 20000, `screenshot only ${png.length} bytes`);
  console.log(`screenshot: ${shot} (${png.length} bytes)`);
});
