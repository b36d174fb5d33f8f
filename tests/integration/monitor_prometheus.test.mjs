// `llmctl monitor --prometheus` against a real Prometheus (Debian `prometheus`) scraping real
// processes: per scenario one `llmctl mock` (the upstream, with its engine /metrics in vLLM's
// exposition and a GPU on /dcgm/metrics), one `llmctl gateway` in front of it, and one Prometheus
// scraping the three endpoints every second. A bounded load goes through the gateway; each
// scenario injects one problem (or none) into the mock; then monitor reads Prometheus' HTTP API
// and must name exactly the injected problem: a matrix of scenario x expected kinds x found kinds,
// with precision and recall, printed.
//
// Slow (about 45 s on a busy 2-core machine): the scenarios run side by side, but Prometheus needs
// the window filled with scrapes. A short scrape interval (1 s) and window (20 s) keep it at that.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { children, startListening, stopAll } from './lib/processes.mjs';

const llmctl = process.env.LLMCTL;
const havePrometheus = spawnSync('prometheus', ['--version']).status === 0;
const tmp = mkdtempSync(join(tmpdir(), 'llmctl-monitor-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const WINDOW_S = 20;
const LOAD_RPS = 5;  // per scenario, through the gateway
// The load runs a little longer than the window: the first seconds are the "before" that a
// change (the prefix cache scenario) is compared with.
const LOAD_S = WINDOW_S + 6;
// Every scenario is judged with the same monitor flags, the healthy one included.
const MONITOR_FLAGS = ['--window', `${WINDOW_S}s`, '--slo-ttft-p95-ms', '300',
  '--slo-tpot-p95-ms', '50', '--budget-monthly-usd', '100', '--format', 'json', '--fail-on', 'none'];

// A rule that reads vLLM's name from before 0.9.2 (kv_cache_usage_perc replaced it).
const STALE_RULES = `groups:
  - name: old-dashboard-era
    rules:
      - alert: KVCacheFull
        expr: vllm:gpu_cache_usage_perc > 0.95
        for: 5m
`;

// name, expected kinds, mock flags, engine conditions (POST /mock/engine), request extras,
// gateway deployment extras, whether load runs, Prometheus rule file.
const scenarios = [
  { name: 'healthy', expect: [] },
  { name: 'kv_near_full', expect: ['kv_saturation'], engine: { kv_usage: 0.99 } },
  { name: 'preemptions', expect: ['preemption'], engine: { preemptions_per_s: 2 } },
  { name: 'queue_growth', expect: ['queue_growth'], engine: { queue_growth_per_s: 1 } },
  { name: 'gpu_idle', expect: ['gpu_idle'], engine: { gpu_idle: true }, load: false },
  { name: '429_burst', expect: ['rate_limited'], mock: ['--rate-limit-rate', '0.3'] },
  { name: 'slow_ttft', expect: ['slo_burn_ttft'], mock: ['--ttft-ms', '600'] },
  // 40% errors: the fast-burn threshold is a 14.4% error share at 99% availability, and with ~100
  // requests in the window a 20% rate sat only 1.4 sigma above it (the mock's seeded draws fell
  // below it in CI).
  { name: 'errors_5xx', expect: ['error_rate'], mock: ['--fail-rate', '0.4'] },
  { name: 'truncation', expect: ['length_truncation'], body: { max_tokens: 8 } },
  // JSON mode cut at max_tokens: the mock's JSON stops mid-value (the gateway's answer checks).
  { name: 'invalid_json', expect: ['invalid_output', 'length_truncation'],
    body: { max_tokens: 4, response_format: { type: 'json_object' } } },
  { name: 'over_budget', expect: ['cost_budget'], price: 'openai/gpt-4o', body: { messages: [{ role: 'user', content: 'a '.repeat(2000) }] } },
  { name: 'stale_rule', expect: ['stale_metrics'], rules: STALE_RULES },
  // Prompts hit the prefix cache (90% of their tokens) until, 4 s in, nothing does any more.
  // monitor compares the window's hit rate with the stretch before it, which holds those 4 s of
  // hits, 2 s without (LOAD_S - WINDOW_S - 4), and however long the monitor starts after the
  // load ends (d); it needs that stretch at 20% or more: share x 4 / (6 + d) >= 0.2. At 60% that
  // is d <= 6 s, which thirteen ASan-instrumented monitors starting at once missed on every
  // ASan run; at 90%, d <= 12 s.
  { name: 'prefix_cache_drop', expect: ['prefix_cache_low'], mock: ['--cache-hit-share', '0.9'],
    change: { after_s: 4, faults: { cache_hit_share: 0 } } },
];

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Twelve servers start at once, each on a port freePort() found free and released: two of them
// can be handed the same port. The one that loses the race exits, and its `/-/ready` would be
// answered by the other scenario's server (whose data it would then read), so readiness counts
// only from the server whose TSDB is this scenario's, and a lost race starts over on a new port.
async function startPrometheus(dir, targets, rules) {
  for (let attempt = 0; attempt < 5; ++attempt) {
    const url = await startPrometheusOnce(dir, targets, rules, attempt);
    if (url) return url;
  }
  throw new Error(`prometheus for ${dir}: could not get a port of its own`);
}

async function startPrometheusOnce(dir, targets, rules, attempt) {
  const port = await freePort();
  const jobs = [
    `  - job_name: gateway\n    static_configs: [{targets: ['${targets.gateway}']}]`,
    `  - job_name: vllm\n    static_configs: [{targets: ['${targets.engine}']}]`,
    `  - job_name: dcgm\n    metrics_path: /dcgm/metrics\n    static_configs: [{targets: ['${targets.engine}']}]`,
  ];
  let config = `global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}\n`;
  if (rules) {
    writeFileSync(join(dir, 'rules.yaml'), rules);
    config += `rule_files: [${join(dir, 'rules.yaml')}]\n`;
  }
  config += `scrape_configs:\n${jobs.join('\n')}\n`;
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const tsdb = join(dir, `data-${attempt}`);
  const child = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${tsdb}`, `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; ++i) {  // 15 s at most
    if (child.exitCode !== null) {
      if (/address already in use/.test(stderr)) return null;
      throw new Error(`prometheus exited ${child.exitCode}\n${stderr}`);
    }
    try {
      if ((await fetch(`${url}/-/ready`)).ok) {
        const flags = (await (await fetch(`${url}/api/v1/status/flags`)).json()).data;
        if (flags['storage.tsdb.path'] === tsdb) return url;
        child.kill('SIGKILL');  // another scenario's server answered on this port
        return null;
      }
    } catch { /* not listening yet */ }
    await sleep(100);
  }
  throw new Error(`prometheus not ready on ${url}\n${stderr}`);
}

// Waits until every target of the server has been scraped successfully.
async function targetsUp(url, n) {
  for (let i = 0; i < 100; ++i) {
    const t = await (await fetch(`${url}/api/v1/targets`)).json();
    const active = t.data.activeTargets;
    if (active.length === n && active.every((a) => a.health === 'up')) return;
    await sleep(100);
  }
  throw new Error(`${url}: targets not up`);
}

async function setUp(s) {
  const dir = join(tmp, s.name);
  mkdirSync(dir);
  const mock = await startListening(['mock', '--port', '0', ...(s.mock ?? [])]);
  if (s.engine) {
    const r = await fetch(`${mock.url}/mock/engine`, { method: 'POST', body: JSON.stringify(s.engine) });
    assert.equal(r.status, 200, await r.text());
  }
  const config = `listen: 127.0.0.1:0
workers: 1
logging: {access_log: false}
models:
  - name: chat
    max_attempts: 1
    breaker: {enabled: false}
    deployments:
      - name: vllm-0
        provider: openai-compatible
        base_url: ${mock.url}/v1
        model: llmctl-sim
        price: ${s.price ?? 'none'}
`;
  writeFileSync(join(dir, 'gateway.yaml'), config);
  const gateway = await startListening(['gateway', '--config', join(dir, 'gateway.yaml')]);
  const prometheus = await startPrometheus(dir,
    { gateway: `127.0.0.1:${gateway.port}`, engine: `127.0.0.1:${mock.port}` }, s.rules);
  return { ...s, mock, gateway, prometheus };
}

// A bounded, paced load: LOAD_RPS requests a second for `seconds`, one at a time.
async function load(s, seconds) {
  const body = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'How is the weather today?' }], ...(s.body ?? {}) });
  const end = performance.now() + seconds * 1000;
  const statuses = {};
  let change = s.change ? performance.now() + s.change.after_s * 1000 : Infinity;
  for (let next = performance.now(); performance.now() < end; next += 1000 / LOAD_RPS) {
    if (performance.now() >= change) {
      const r = await fetch(`${s.mock.url}/mock/faults`, { method: 'POST', body: JSON.stringify(s.change.faults) });
      assert.equal(r.status, 200, await r.text());
      change = Infinity;
    }
    const r = await fetch(`${s.gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await r.arrayBuffer();
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    await sleep(Math.max(0, next + 1000 / LOAD_RPS - performance.now()));
  }
  return statuses;
}

function monitor(args) {
  return new Promise((resolve) => {
    execFile(llmctl, ['monitor', ...args], { timeout: 60000 }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, stdout, stderr });
    });
  });
}

after(async () => {
  await stopAll();
  rmSync(tmp, { recursive: true, force: true });
});

test('llmctl monitor --prometheus names each injected problem and nothing on the healthy run', { skip: !havePrometheus && 'prometheus not installed', timeout: 180000 }, async () => {
  const running = await Promise.all(scenarios.map(setUp));
  await Promise.all(running.map((s) => targetsUp(s.prometheus, 3)));
  // The window filled with scrapes, and a little more so the first scrape is inside it.
  const statuses = await Promise.all(running.map((s) => (s.load === false ? sleep(LOAD_S * 1000) : load(s, LOAD_S))));
  const results = await Promise.all(running.map((s) => monitor(['--prometheus', s.prometheus, ...MONITOR_FLAGS])));

  const rows = [];
  let tp = 0, fp = 0, fn = 0;
  const failures = [];
  running.forEach((s, i) => {
    const r = results[i];
    if (r.code !== 0) failures.push(`${s.name}: monitor exited ${r.code}: ${r.stderr}`);
    let report;
    try {
      report = JSON.parse(r.stdout);
    } catch {
      failures.push(`${s.name}: not JSON: ${r.stdout.slice(0, 300)} ${r.stderr}`);
      return;
    }
    const found = [...new Set(report.findings.map((f) => f.kind))].sort();
    const hit = s.expect.filter((k) => found.includes(k));
    const extra = found.filter((k) => !s.expect.includes(k));
    tp += hit.length;
    fp += extra.length;
    fn += s.expect.length - hit.length;
    rows.push([s.name, s.expect.join(',') || '(none)', found.join(',') || '(none)',
      JSON.stringify(statuses[i] ?? {})]);
    if (hit.length !== s.expect.length || extra.length > 0) {
      failures.push(`${s.name}: expected [${s.expect}] found [${found}]\n` +
        report.findings.map((f) => `  ${f.severity} ${f.kind} ${f.target}: ${f.message}`).join('\n') +
        `\n  notes: ${(report.summary.notes ?? []).join(' | ')}`);
    }
  });
  const precision = tp + fp ? tp / (tp + fp) : 1;
  const recall = tp + fn ? tp / (tp + fn) : 1;
  const width = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length), 8));
  console.log(['scenario', 'expected', 'found'].map((h, c) => h.padEnd(width[c])).join('  ') + '  gateway statuses');
  for (const r of rows) console.log(r.slice(0, 3).map((v, c) => v.padEnd(width[c])).join('  ') + '  ' + r[3]);
  console.log(`precision ${(100 * precision).toFixed(1)}% (${tp}/${tp + fp}), recall ${(100 * recall).toFixed(1)}% (${tp}/${tp + fn}), ${scenarios.length} scenarios, window ${WINDOW_S}s`);
  // The healthy run is not vacuous: monitor read the engine, the GPU and the gateway, with load.
  const healthy = JSON.parse(results[0].stdout).summary.targets;
  const kinds = healthy.map((t) => t.kind).sort();
  assert.deepEqual(kinds, ['gateway', 'gpu', 'vllm'], JSON.stringify(healthy));
  for (const t of healthy.filter((t) => t.kind !== 'gpu')) assert.ok(t.requests_per_s > LOAD_RPS / 2, JSON.stringify(t));
  assert.ok(healthy.find((t) => t.kind === 'gpu').gpu_util_pct > 10);
  assert.deepEqual(failures, []);
  assert.equal(rows.length, scenarios.length);

  // --fail-on gates on severity; the text report carries the evidence and the fix.
  const kv = running.find((s) => s.name === 'kv_near_full');
  const gate = await monitor(['--prometheus', kv.prometheus, '--window', `${WINDOW_S}s`, '--fail-on', 'warning']);
  assert.equal(gate.code, 1, gate.stdout + gate.stderr);
  assert.match(gate.stdout, /kv_saturation +vllm 127\.0\.0\.1:\d+/);
  assert.match(gate.stdout, /avg_over_time\(vllm:kv_cache_usage_perc\{/);
  assert.match(gate.stdout, /\$ llmctl (plan|perf) /);
  const calm = await monitor(['--prometheus', running[0].prometheus, '--window', `${WINDOW_S}s`, '--fail-on', 'info']);
  assert.equal(calm.code, 0, calm.stdout + calm.stderr);
  // A server that does not answer is not a healthy system.
  const dead = await monitor(['--prometheus', `http://127.0.0.1:${await freePort()}`, '--window', '20s', '--timeout', '2s']);
  assert.equal(dead.code, 2, dead.stdout + dead.stderr);
  assert.match(dead.stderr, /judged nothing: .*127\.0\.0\.1/);
});
