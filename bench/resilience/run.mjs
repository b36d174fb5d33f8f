// The gateway's behaviour under upstream faults: availability, latency and upstream attempts per
// client request, with the resilience features on (fallback group, breaker, retries under a
// budget) and off (one attempt, no fallback, no breaker), over loopback with `llmctl mock`.
//
//   node bench/resilience/run.mjs                 # LLMCTL=build/release/src/cli/llmctl
//   N=600 C=8 node bench/resilience/run.mjs       # requests per scenario, concurrency
//   node bench/resilience/run.mjs overhead        # happy path: mock, gateway (and LLMCTL_BASE)
//
// Prints markdown tables (docs/GATEWAY.md, "Resilience"). Plain fetch (undici keep-alive) as
// the client, so the client's own retries play no part.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const llmctl = process.env.LLMCTL ?? path.join(root, 'build/release/src/cli/llmctl');
const N = Number(process.env.N ?? 400);
const C = Number(process.env.C ?? 8);
const children = [];

function start(bin, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/^listening on [\d.]+:(\d+)/m);
      if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}` });
    });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${err}`)));
  });
}
const stopAll = async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      const done = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await done;
    }
  }
};
const mock = (...flags) => start(llmctl, ['mock', '--port', '0', '--ttft-ms', '5', '--tpot-ms', '1',
  '--output-tokens', '16', ...flags]);
const stats = async (m) => (await fetch(`${m.url}/mock/stats`)).json();
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};

async function load(url, model, { stream = false, n = N, c = C } = {}) {
  const lat = [];
  let ok = 0;
  let next = 0;
  const body = (i) => JSON.stringify({ model, stream, messages: [{ role: 'user', content: `q ${i}` }] });
  await Promise.all(Array.from({ length: c }, async () => {
    while (next < n) {
      const i = next++;
      const t0 = performance.now();
      try {
        const r = await fetch(`${url}/v1/chat/completions`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: body(i) });
        const text = await r.text();
        // A stream is good only when it ends with [DONE] and carries no error event.
        const good = r.ok && (!stream || (text.includes('data: [DONE]') && !text.includes('"error"')));
        if (good) ok++;
      } catch { /* a reset counts as a failure */ }
      lat.push(performance.now() - t0);
    }
  }));
  return { ok, n, p50: pct(lat, 0.5), p99: pct(lat, 0.99) };
}

const dep = (name, url, extra = '') =>
  `      - {name: ${name}, provider: openai-compatible, base_url: ${url}/v1, model: m, price: none${extra}}\n`;

// One gateway per scenario and mode; `primary` is the faulty upstream, `backup` healthy (the
// fallback group's; with `fallback: false` the group has none, and `backup` sees nothing).
async function scenario(name, primaryFlags, { stream = false, timeouts = '', both = false, fallback = true } = {}) {
  const rows = [];
  for (const mode of ['off', 'on']) {
    const primary = await mock(...primaryFlags);
    const backup = both ? await mock(...primaryFlags) : await mock();
    const resilient = mode === 'on';
    const yaml = `listen: 127.0.0.1:0
workers: 2
logging: {access_log: false}
models:
  - name: svc
    max_attempts: ${resilient ? 2 : 1}
${resilient && fallback ? '    fallbacks: [spare]\n' : ''}    breaker: {enabled: ${resilient}, consecutive_failures: 5, cooldown_ms: 2000}
    retry: {backoff_base_ms: 20, backoff_max_ms: 200, retry_after_max_ms: 2000}
    deployments:
${dep('primary', primary.url, timeouts)}  - name: spare
    deployments:
${dep('backup', backup.url, timeouts)}`;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-resil-bench-')), 'gw.yaml');
    fs.writeFileSync(file, yaml);
    const gw = await start(llmctl, ['gateway', '--config', file]);
    const r = await load(gw.url, 'svc', { stream });
    const attempts = (await stats(primary)).requests + (await stats(backup)).requests;
    rows.push(`| ${name} | ${mode} | ${(100 * r.ok / r.n).toFixed(1)}% | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${(attempts / r.n).toFixed(2)} |`);
    await stopAll();
  }
  return rows;
}

async function faultTable() {
  const rows = ['| scenario | resilience | availability | p50 ms | p99 ms | upstream attempts / request |',
    '|---|---|---|---|---|---|'];
  const dead = ['--fail-rate', '1', '--fail-status', '503'];
  rows.push(...await scenario('healthy upstream', []));
  rows.push(...await scenario('50% of upstream requests 503', ['--fail-rate', '0.5', '--fail-status', '503']));
  rows.push(...await scenario('primary down (100% 503)', dead));
  rows.push(...await scenario('30% 429, Retry-After 1 s', ['--rate-limit-rate', '0.3', '--retry-after', '1']));
  rows.push(...await scenario('100% 429, Retry-After 1 s', ['--rate-limit-rate', '1', '--retry-after', '1']));
  rows.push(...await scenario('50% 503, one deployment, no fallback',
    ['--fail-rate', '0.5', '--fail-status', '503'], { fallback: false }));
  rows.push(...await scenario('20% hang (first byte > 300 ms)', ['--hang-rate', '0.2', '--hang-ms', '5000'],
    { timeouts: ', timeouts: {first_byte_ms: 300}' }));
  rows.push(...await scenario('stream cut before the first event (20%)',
    ['--disconnect-rate', '0.2', '--disconnect-after', '0'], { stream: true }));
  rows.push(...await scenario('stream cut after 3 events (20%)',
    ['--disconnect-rate', '0.2', '--disconnect-after', '3'], { stream: true }));
  rows.push(...await scenario('total outage (both 503)', dead, { both: true }));
  console.log(`N=${N} requests per row, concurrency ${C}, ${llmctl}\n`);
  console.log(rows.join('\n'));
}

// Happy path: the same load straight to the mock and through each gateway binary, interleaved.
async function overhead() {
  const bins = [['this build', llmctl]];
  if (process.env.LLMCTL_BASE) bins.push(['base', process.env.LLMCTL_BASE]);
  const m = await start(llmctl, ['mock', '--port', '0', '--ttft-ms', '0', '--tpot-ms', '0',
    '--output-tokens', '16', '--workers', '1']);
  const gws = [];
  for (const [label, bin] of bins) {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-ovh-')), 'gw.yaml');
    fs.writeFileSync(file, `listen: 127.0.0.1:0\nworkers: 1\nlogging: {access_log: false}\nmodels:\n  - name: svc\n    deployments:\n${dep('d', m.url)}`);
    gws.push([label, await start(bin, ['gateway', '--config', file])]);
  }
  const rows = ['| path | c | p50 ms | p99 ms |', '|---|---|---|---|'];
  for (const c of [1, 16]) {
    const n = c === 1 ? 3000 : 10000;
    for (let round = 0; round < 2; ++round) {
      const direct = await load(m.url, 'svc', { n, c });
      rows.push(`| client → mock (round ${round + 1}) | ${c} | ${direct.p50.toFixed(3)} | ${direct.p99.toFixed(3)} |`);
      for (const [label, gw] of gws) {
        const r = await load(gw.url, 'svc', { n, c });
        rows.push(`| client → gateway (${label}) → mock (round ${round + 1}) | ${c} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} |`);
      }
    }
  }
  // The gateway's own measure: time per request not spent waiting on the upstream.
  for (const [label, gw] of gws) {
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    const v = (name) => Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1]);
    const sum = v('llmctl_gateway_overhead_seconds_sum');
    const count = v('llmctl_gateway_overhead_seconds_count');
    rows.push(`| gateway (${label}): mean llmctl_gateway_overhead_seconds over ${count} requests | | ${(1000 * sum / count).toFixed(3)} | |`);
  }
  console.log(rows.join('\n'));
  await stopAll();
}

try {
  if (process.argv[2] === 'overhead') await overhead();
  else await faultTable();
} finally {
  await stopAll();
}
