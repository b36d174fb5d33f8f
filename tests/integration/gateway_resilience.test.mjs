// Gateway resilience end to end (issue #5) with the official `openai` SDK (maxRetries: 0, so
// only the gateway retries): real `llmctl mock` upstreams with injected faults, a real
// `llmctl gateway`, upstream attempts counted by each mock's /mock/stats. Covers: zero client
// errors with half the upstream requests failing and a healthy fallback; the circuit breaker's
// open -> half-open -> closed schedule (metrics and admin API); each timeout (connect, first
// byte, idle, total, whole request) at its bound (+-10%) and the per-request override headers
// (connect included);
// active health checks; Retry-After honoured (and not waited for beyond its cap); the retry budget capping amplification in a total outage; a stream that fails
// before its first event falling back transparently; a context-length error landing on the
// larger-context group; prefix affinity and balance across replicas; and the admin API with
// config reload (SIGHUP, file change, invalid file kept out).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import net from 'node:net';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { children, startListening, stop, stopAll } from './lib/processes.mjs';

const require = createRequire(path.join(process.env.LLMCTL_SOURCE_DIR, 'package.json'));
const { OpenAI, APIError } = require('openai');
const llmctl = process.env.LLMCTL;

const mock = (...flags) => startListening(['mock', '--port', '0',
  ...(flags.includes('--tpot-ms') ? [] : ['--ttft-ms', '1', '--tpot-ms', '0']), ...flags]);
const stats = async (m) => (await fetch(`${m.url}/mock/stats`)).json();
const faults = async (m, body) => {
  const r = await fetch(`${m.url}/mock/faults`, { method: 'POST', body: JSON.stringify(body) });
  assert.equal(r.status, 200, await r.text());
};
const metrics = async (gw) => (await fetch(`${gw.url}/metrics`)).text();
function metric(text, name, labels) {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const elapsed = (t0) => performance.now() - t0;
// `n` tasks, `c` at a time.
async function pool(n, c, task) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: c }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await task(i);
    }
  }));
  return out;
}
const ask = (content, extra = {}) => ({ messages: [{ role: 'user', content }], ...extra });

// A TCP listener that never accepts, its one-slot queue filled: connects to it hang (the kernel
// drops the SYNs), which is how a connect timeout looks. Needs python3 (node always accepts);
// null without it.
async function blackhole() {
  try {
    execFileSync('sh', ['-c', 'command -v python3'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const py = spawn('python3', ['-c', 'import socket,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\n' +
    's.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(600)'], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(py);
  const port = await new Promise((resolve) => py.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
  const filler = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => filler.once('connect', resolve));
  return { port, filler };
}

const dep = (name, url, extra = '') => `      - name: ${name}
        provider: openai-compatible
        base_url: ${url}/v1
        model: m
        price: none
${extra}`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-resil-'));
const ADMIN_TOKEN = 'test-admin-token-0123456789';
let m; // mocks by role
let gw;
let client;
let hole;

before(async () => {
  m = {};
  [m.flaky, m.backup, m.breaker, m.retryAfter, m.retryAfterLong, m.down, m.context, m.cutEarly,
    m.hang, m.slowStream] = await Promise.all([
    mock('--fail-rate', '0.5', '--fail-status', '503', '--seed', '7'),
    mock(),
    mock('--fail-rate', '1', '--fail-status', '503'),
    mock('--rate-limit-rate', '1', '--retry-after', '1', '--fail-first-n', '1'),
    mock('--rate-limit-rate', '1', '--retry-after', '2'),
    mock('--fail-rate', '1', '--fail-status', '500'),
    mock('--max-context-tokens', '50'),
    mock('--disconnect-after', '0'),
    mock('--hang-rate', '1'),
    mock('--ttft-ms', '1', '--tpot-ms', '3000', '--output-tokens', '5'),
  ]);
  hole = await blackhole();
  const config = `
listen: 127.0.0.1:0
workers: 2
logging:
  access_log: false
admin:
  listen: 127.0.0.1:0
  token_env: LLMCTL_TEST_ADMIN_TOKEN
models:
  - name: flaky
    max_attempts: 1
    fallbacks: [backup]
    deployments:
${dep('flaky-a', m.flaky.url)}
  - name: backup
    deployments:
${dep('backup-b', m.backup.url)}
  - name: brk
    max_attempts: 1
    fallbacks: [backup]
    breaker: {consecutive_failures: 3, failure_rate: 0, cooldown_ms: 2000}
    deployments:
${dep('brk-c', m.breaker.url)}
  - name: ratelimited
    max_attempts: 2
    retry: {backoff_base_ms: 1, backoff_max_ms: 5}
    breaker: {enabled: false}
    deployments:
${dep('rl-d', m.retryAfter.url)}
  - name: ratelimited-long
    max_attempts: 2
    retry: {retry_after_max_ms: 500}
    breaker: {enabled: false}
    deployments:
${dep('rl-e', m.retryAfterLong.url)}
  - name: down
    max_attempts: 4
    breaker: {enabled: false}
    retry: {backoff_base_ms: 1, backoff_max_ms: 2, budget_ratio: 0.1, budget_min_per_s: 1, budget_window_ms: 10000}
    deployments:
${dep('down-f1', m.down.url)}
${dep('down-f2', m.down.url)}
  - name: small-ctx
    context_window_fallbacks: [large-ctx]
    deployments:
${dep('small-h', m.context.url)}
  - name: small-ctx-alone
    deployments:
${dep('small-h2', m.context.url)}
  - name: large-ctx
    deployments:
${dep('large-i', m.backup.url)}
  - name: cut-early
    max_attempts: 1
    fallbacks: [backup]
    deployments:
${dep('cut-j', m.cutEarly.url)}
  - name: hang
    max_attempts: 1
    breaker: {enabled: false}
    deployments:
${dep('hang-k', m.hang.url, '        timeouts: {first_byte_ms: 1000}\n')}
  - name: connect
    max_attempts: 1
    breaker: {enabled: false}
    deployments:
${dep('conn-x', `http://127.0.0.1:${hole ? hole.port : 9}`, '        timeouts: {connect_ms: 800}\n')}
  - name: hang-retried
    max_attempts: 3
    breaker: {enabled: false}
    retry: {backoff_base_ms: 1, backoff_max_ms: 2}
    deployments:
${dep('hang-k3', m.hang.url, '        timeouts: {first_byte_ms: 1000}\n')}
  - name: idle
    max_attempts: 1
    breaker: {enabled: false}
    deployments:
${dep('idle-l', m.slowStream.url, '        timeouts: {idle_ms: 1000}\n')}
  - name: total
    max_attempts: 1
    breaker: {enabled: false}
    deployments:
${dep('total-l', m.slowStream.url, '        timeouts: {idle_ms: 5000, total_ms: 1500}\n')}
  - name: checked
    deployments:
${dep('hc-bad', m.backup.url, '        weight: 100\n        health_check: {interval_ms: 100, path: /nope, unhealthy_after: 2}\n')}
${dep('hc-good', m.backup.url, '        health_check: {interval_ms: 100}\n')}
  - name: affine
    routing: prefix
    affinity: {messages: 0}
    deployments:
${dep('r1', m.backup.url)}
${dep('r2', m.backup.url)}
${dep('r3', m.backup.url)}
${dep('r4', m.backup.url)}
`;
  const file = path.join(tmp, 'gw.yaml');
  fs.writeFileSync(file, config);
  gw = await startListening(['gateway', '--config', file],
    { env: { LLMCTL_TEST_ADMIN_TOKEN: ADMIN_TOKEN }, admin: true });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 30000 });
});

after(async () => {
  hole?.filler.destroy();
  await stopAll();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('half the upstream requests fail, a fallback group is healthy: no client-visible error', async () => {
  const results = await pool(200, 8, async (i) => {
    try {
      if (i % 4 === 0) {
        const s = await client.chat.completions.create({ model: 'flaky', stream: true, ...ask(`s${i}`) });
        let text = '';
        for await (const ch of s) text += ch.choices[0]?.delta?.content ?? '';
        return text.length > 0 ? 'ok' : 'empty';
      }
      const r = await client.chat.completions.create({ model: 'flaky', ...ask(`q${i}`) });
      return r.choices[0].message.content ? 'ok' : 'empty';
    } catch (e) {
      return `error ${e.status ?? ''} ${e.message}`;
    }
  });
  const bad = results.filter((r) => r !== 'ok');
  assert.deepEqual(bad, [], `client-visible failures: ${bad.slice(0, 3)}`);
  const a = await stats(m.flaky);
  assert.ok(a.faults > 0, 'the flaky upstream did fail');
  const text = await metrics(gw);
  assert.ok(metric(text, 'llmctl_gateway_fallbacks_total', 'model="flaky",kind="group"') > 0);
});

test('breaker: opens after 3 failures, half-opens after the cool-down, closes on a good probe', async () => {
  const deployment = async () => {
    const { response } = await client.chat.completions.create({ model: 'brk', ...ask('x') }).withResponse();
    return response.headers.get('x-llmctl-deployment');
  };
  for (let i = 0; i < 3; ++i) assert.equal(await deployment(), 'backup-b');
  const openedAt = performance.now();
  let text = await metrics(gw);
  assert.equal(metric(text, 'llmctl_gateway_breaker_state', 'deployment="brk-c"'), 1);
  assert.equal((await stats(m.breaker)).requests, 3);
  // Open: requests go straight to the fallback; the broken upstream sees nothing.
  for (let i = 0; i < 3; ++i) assert.equal(await deployment(), 'backup-b');
  assert.equal((await stats(m.breaker)).requests, 3);
  const admin = await (await fetch(`${gw.admin}/admin/deployments`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
  const c = admin.deployments.find((d) => d.name === 'brk-c');
  assert.equal(c.breaker.state, 'open');
  assert.equal(c.available, false);
  assert.ok(c.recent_errors.length >= 3 && c.recent_errors[0].class === 'upstream_server');
  // The upstream recovers; before the cool-down (2000 ms; checked at half of it, so a slow
  // machine has margin) nothing reaches it.
  await faults(m.breaker, { fail_rate: 0 });
  await sleep(Math.max(0, openedAt + 1000 - performance.now()));
  assert.equal(await deployment(), 'backup-b');
  assert.equal((await stats(m.breaker)).requests, 3);
  // After it: one probe, which succeeds and closes the breaker.
  await sleep(Math.max(0, openedAt + 2200 - performance.now()));
  assert.equal(await deployment(), 'brk-c');
  // The breaker records the probe once the answer is written, so the client can be first to
  // look: give the gateway's worker a moment (bounded) to record it.
  for (let i = 0; i < 50; ++i) {
    text = await metrics(gw);
    if (metric(text, 'llmctl_gateway_breaker_state', 'deployment="brk-c"') === 0) break;
    await sleep(20);
  }
  assert.equal(metric(text, 'llmctl_gateway_breaker_state', 'deployment="brk-c"'), 0);
  assert.equal(metric(text, 'llmctl_gateway_breaker_transitions_total', 'deployment="brk-c",to="open"'), 1);
  assert.equal(metric(text, 'llmctl_gateway_breaker_transitions_total', 'deployment="brk-c",to="half_open"'), 1);
  assert.equal(metric(text, 'llmctl_gateway_breaker_transitions_total', 'deployment="brk-c",to="closed"'), 1);
  assert.equal(await deployment(), 'brk-c');
});

async function failsAfter(fn) {
  const t0 = performance.now();
  let err;
  try { await fn(); } catch (e) { err = e; }
  return { ms: elapsed(t0), err };
}
// A timer fires no earlier than its bound (10% for clock granularity) and late by however long a
// busy machine takes to schedule the gateway and this client: 10% plus 100 ms. Each bound here
// differs from the value it must not be (the config's default, the unclamped header) by more
// than that slack, so the check still tells them apart.
const within = (ms, bound, what) =>
  assert.ok(ms >= bound * 0.9 && ms <= bound * 1.1 + 100,
    `${what}: ${ms.toFixed(0)} ms, expected ${bound} (-10%, +10% + 100 ms)`);

test('timeouts: first byte, idle between chunks, total, and the per-request header', async () => {
  // first_byte_ms: 1000 -> 504.
  let r = await failsAfter(() => client.chat.completions.create({ model: 'hang', ...ask('x') }));
  assert.equal(r.err?.status, 504);
  within(r.ms, 1000, 'first byte');
  // A shorter deadline by header; a longer one is clamped to the configured 1000.
  r = await failsAfter(() => client.chat.completions.create({ model: 'hang', ...ask('x') },
    { headers: { 'x-llmctl-first-byte-timeout-ms': '700' } }));
  assert.equal(r.err?.status, 504);
  within(r.ms, 700, 'first byte by header');
  r = await failsAfter(() => client.chat.completions.create({ model: 'hang', ...ask('x') },
    { headers: { 'x-llmctl-timeout-ms': '60000', 'x-llmctl-first-byte-timeout-ms': '60000' } }));
  within(r.ms, 1000, 'first byte, header clamped');
  // x-llmctl-timeout-ms bounds the whole request: 3 attempts of 1000 ms would take 3 s.
  r = await failsAfter(() => client.chat.completions.create({ model: 'hang-retried', ...ask('x') },
    { headers: { 'x-llmctl-timeout-ms': '1500' } }));
  assert.equal(r.err?.status, 504);
  within(r.ms, 1500, 'whole request by header');
  // idle_ms: 1000 between chunks (the mock waits 3000 ms after its first token).
  let last = 0;
  r = await failsAfter(async () => {
    const s = await client.chat.completions.create({ model: 'idle', stream: true, ...ask('x') });
    for await (const ch of s) { void ch; last = performance.now(); }
  });
  assert.ok(r.err instanceof APIError || r.err instanceof Error, 'the stream must fail');
  assert.match(String(r.err?.message), /interrupted/);
  within(performance.now() - last, 1000, 'idle');
  // total_ms: 1500 for the whole exchange.
  r = await failsAfter(async () => {
    const s = await client.chat.completions.create({ model: 'total', stream: true, ...ask('x') });
    for await (const ch of s) void ch;
  });
  assert.match(String(r.err?.message), /interrupted/);
  within(r.ms, 1500, 'total');
});

test('timeouts: connect', async (t) => {
  if (!hole) return t.skip('python3 is needed for a listener that never accepts');
  let r = await failsAfter(() => client.chat.completions.create({ model: 'connect', ...ask('x') }));
  assert.equal(r.err?.status, 504);
  within(r.ms, 800, 'connect');
  // x-llmctl-connect-timeout-ms shortens it, and never lengthens it.
  r = await failsAfter(() => client.chat.completions.create({ model: 'connect', ...ask('x') },
    { headers: { 'x-llmctl-connect-timeout-ms': '400' } }));
  assert.equal(r.err?.status, 504);
  within(r.ms, 400, 'connect by header');
  r = await failsAfter(() => client.chat.completions.create({ model: 'connect', ...ask('x') },
    { headers: { 'x-llmctl-connect-timeout-ms': '60000' } }));
  within(r.ms, 800, 'connect, header clamped');
});

test('Retry-After is honoured before retrying the same deployment, and not beyond its cap', async () => {
  let t0 = performance.now();
  const ok = await client.chat.completions.create({ model: 'ratelimited', ...ask('x') });
  const ms = elapsed(t0);
  assert.ok(ok.choices[0].message.content);
  assert.ok(ms >= 1000 && ms < 1500, `waited ${ms.toFixed(0)} ms for Retry-After: 1`);
  assert.equal((await stats(m.retryAfter)).requests, 2);
  // Retry-After: 2 > retry_after_max_ms 500: the 429 is relayed at once with its Retry-After.
  t0 = performance.now();
  const { response } = await client.chat.completions.create({ model: 'ratelimited-long', ...ask('x') })
    .withResponse().catch((e) => ({ response: e }));
  assert.equal(response.status, 429);
  assert.equal(response.headers.get('retry-after'), '2');
  assert.ok(elapsed(t0) < 500);
  assert.equal((await stats(m.retryAfterLong)).requests, 1);
});

test('retry budget: a total outage is not amplified beyond 10% + the minimum', async () => {
  const n = 200;
  const results = await pool(n, 8, async () => {
    try {
      await client.chat.completions.create({ model: 'down', ...ask('x') });
      return 200;
    } catch (e) {
      return e.status;
    }
  });
  assert.ok(results.every((s) => s === 500), `statuses: ${[...new Set(results)]}`);
  const attempts = (await stats(m.down)).requests;
  // Without a budget: 4 attempts each = 800. With it: n + 10% of n + 1/s over the 10 s window.
  assert.ok(attempts >= n && attempts <= n * 1.1 + 10 + 2, `upstream attempts ${attempts} for ${n} requests`);
  const text = await metrics(gw);
  assert.ok(metric(text, 'llmctl_gateway_retry_budget_exhausted_total', 'model="down"') > 0);
  assert.ok(metric(text, 'llmctl_gateway_retries_total', 'model="down"') <= n * 0.1 + 10 + 2);
});

test('stream: an upstream that fails before its first event falls back transparently', async () => {
  const s = await client.chat.completions.create({ model: 'cut-early', stream: true, ...ask('x') });
  let text = '';
  for await (const ch of s) text += ch.choices[0]?.delta?.content ?? '';
  assert.match(text, /simulated answer/);
  assert.ok((await stats(m.cutEarly)).requests >= 1);
});

test('context length: the larger-context group answers; without one the 400 is relayed', async () => {
  const long = 'word '.repeat(100); // ~125 simulator tokens > 50
  const { data, response } = await client.chat.completions.create({ model: 'small-ctx', ...ask(long) }).withResponse();
  assert.ok(data.choices[0].message.content);
  assert.equal(response.headers.get('x-llmctl-deployment'), 'large-i');
  const short = await client.chat.completions.create({ model: 'small-ctx', ...ask('hi') }).withResponse();
  assert.equal(short.response.headers.get('x-llmctl-deployment'), 'small-h');
  await assert.rejects(client.chat.completions.create({ model: 'small-ctx-alone', ...ask(long) }), (e) => {
    assert.equal(e.status, 400);
    assert.equal(e.code, 'context_length_exceeded');
    return true;
  });
  const text = await metrics(gw);
  assert.equal(metric(text, 'llmctl_gateway_fallbacks_total', 'model="small-ctx",kind="context_window"'), 1);
});

test('prefix affinity: one prefix stays on one replica; many prefixes spread evenly', async () => {
  const system = { role: 'system', content: 'You are the support bot of tenant 42. '.repeat(20) };
  const seen = {};
  await pool(40, 4, async (i) => {
    const { response } = await client.chat.completions.create({
      model: 'affine', messages: [system, { role: 'user', content: `question ${i}` }] }).withResponse();
    const d = response.headers.get('x-llmctl-deployment');
    seen[d] = (seen[d] ?? 0) + 1;
  });
  assert.ok(Math.max(...Object.values(seen)) >= 0.95 * 40, `same prefix spread over ${JSON.stringify(seen)}`);
  const counts = { r1: 0, r2: 0, r3: 0, r4: 0 };
  const n = 400;
  await pool(n, 8, async (i) => {
    const { response } = await client.chat.completions.create({
      model: 'affine', messages: [{ role: 'system', content: `tenant ${i}` }, { role: 'user', content: 'q' }] }).withResponse();
    counts[response.headers.get('x-llmctl-deployment')]++;
  });
  const max = Math.max(...Object.values(counts));
  console.log(`# prefix affinity: same prefix ${JSON.stringify(seen)}; 400 prefixes ${JSON.stringify(counts)}`);
  assert.ok(max / (n / 4) <= 1.25, `max/mean ${(max / (n / 4)).toFixed(2)}: ${JSON.stringify(counts)}`);
});

test('active health checks: a deployment failing its check leaves rotation', async () => {
  let text = '';
  for (let i = 0; i < 40; ++i) {
    text = await metrics(gw);
    if (metric(text, 'llmctl_gateway_deployment_healthy', 'deployment="hc-bad"') === 0) break;
    await sleep(50);
  }
  assert.equal(metric(text, 'llmctl_gateway_deployment_healthy', 'deployment="hc-bad"'), 0);
  assert.equal(metric(text, 'llmctl_gateway_deployment_healthy', 'deployment="hc-good"'), 1);
  // Weight 100 against 1, yet every request goes to the healthy one.
  for (let i = 0; i < 20; ++i) {
    const { response } = await client.chat.completions.create({ model: 'checked', ...ask('x') }).withResponse();
    assert.equal(response.headers.get('x-llmctl-deployment'), 'hc-good');
  }
  const admin = await (await fetch(`${gw.admin}/admin/deployments`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
  const bad = admin.deployments.find((d) => d.name === 'hc-bad');
  assert.equal(bad.health.healthy, false);
  assert.match(bad.health.detail, /GET \/nope answered 404/);
});

test('admin API: token required, secrets redacted', async () => {
  assert.equal((await fetch(`${gw.admin}/admin/config`)).status, 401);
  assert.equal((await fetch(`${gw.admin}/admin/config`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
  const r = await fetch(`${gw.admin}/admin/config`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(r.status, 200);
  const body = await r.text();
  assert.ok(!body.includes(ADMIN_TOKEN));
  const cfg = JSON.parse(body);
  assert.equal(cfg.admin.token, '<redacted>');
  assert.equal(cfg.models.find((g) => g.name === 'affine').routing, 'prefix');
  assert.equal(cfg.generation, 1);
});

test('reload: SIGHUP and file change publish a new config; an invalid one is kept out', async () => {
  const file = path.join(tmp, 'reload.yaml');
  const base = (extra) => `listen: 127.0.0.1:0
workers: 1
logging: {access_log: false}
admin: {listen: 127.0.0.1:0, token_env: LLMCTL_TEST_ADMIN_TOKEN}
reload: {interval_ms: 100}
models:
  - name: one
    breaker: {consecutive_failures: 2, cooldown_ms: 60000}
    max_attempts: 1
    deployments:
${dep('one-down', m.down.url)}
${extra}`;
  fs.writeFileSync(file, base(''));
  const g = await startListening(['gateway', '--config', file],
    { env: { LLMCTL_TEST_ADMIN_TOKEN: ADMIN_TOKEN }, admin: true });
  const c = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  const admin = (p, init = {}) => fetch(`${g.admin}${p}`, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  // Open the breaker of one-down: its state must survive the reloads below.
  for (let i = 0; i < 2; ++i) await assert.rejects(c.chat.completions.create({ model: 'one', ...ask('x') }));
  const ids = async () => (await c.models.list()).data.map((x) => x.id).sort();
  assert.deepEqual(await ids(), ['one']);
  // SIGHUP with a second group added.
  fs.writeFileSync(file, base(`  - name: two\n    deployments:\n${dep('two-b', m.backup.url)}`));
  g.child.kill('SIGHUP');
  for (let i = 0; i < 50 && (await ids()).length < 2; ++i) await sleep(50);
  assert.deepEqual(await ids(), ['one', 'two']);
  assert.ok((await c.chat.completions.create({ model: 'two', ...ask('x') })).choices[0].message.content);
  let deps = await (await admin('/admin/deployments')).json();
  assert.equal(deps.deployments.find((d) => d.name === 'one-down').breaker.state, 'open');
  // An invalid file: the old config stays, the error names file:line and field.
  fs.writeFileSync(file, base(`  - name: three\n    routing: fastest\n    deployments:\n${dep('three-b', m.backup.url)}`));
  let text = '';
  for (let i = 0; i < 60; ++i) {
    text = await (await fetch(`${g.url}/metrics`)).text();
    if (metric(text, 'llmctl_gateway_config_reload_total', 'result="error"') >= 1) break;
    await sleep(50);
  }
  assert.equal(metric(text, 'llmctl_gateway_config_reload_total', 'result="error"'), 1);
  const cfg = await (await admin('/admin/config')).json();
  assert.match(cfg.last_reload.last_error, /reload\.yaml:\d+:\d+: models\[1\]\.routing: expected one of/);
  assert.deepEqual(await ids(), ['one', 'two']);
  // The file watcher picks up a fixed file; POST /admin/reload with no change says so.
  // three-b brings the first health check: the checker, asleep while no deployment had one,
  // is woken by the reload and checks it at once (not a minute later, its interval).
  fs.writeFileSync(file, base(`  - name: three\n    deployments:\n${dep('three-b', m.backup.url,
    '        health_check: {interval_ms: 60000, path: /nope, unhealthy_after: 1}\n')}`));
  for (let i = 0; i < 60 && !(await ids()).includes('three'); ++i) await sleep(50);
  assert.deepEqual(await ids(), ['one', 'three']);
  const threeB = async () => (await (await admin('/admin/deployments')).json())
    .deployments.find((d) => d.name === 'three-b');
  for (let i = 0; i < 60 && (await threeB()).health.healthy; ++i) await sleep(50);
  assert.equal((await threeB()).health.healthy, false);
  assert.match((await threeB()).health.detail, /GET \/nope answered 404/);
  const again = await (await admin('/admin/reload', { method: 'POST' })).json();
  assert.equal(again.result, 'unchanged');
  deps = await (await admin('/admin/deployments')).json();
  assert.equal(deps.generation, 3);
  assert.equal(deps.deployments.find((d) => d.name === 'one-down').breaker.state, 'open');
  text = await (await fetch(`${g.url}/metrics`)).text();
  assert.equal(metric(text, 'llmctl_gateway_config_reload_total', 'result="ok"'), 2);
  assert.equal(metric(text, 'llmctl_gateway_breaker_transitions_total', 'deployment="one-down",to="open"'), 1);
  assert.equal(await stop(g.child), 0);
});
