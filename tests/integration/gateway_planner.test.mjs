// Regression tests of the attempt planner's two resilience fixes (issue #11), through the
// official `openai` SDK (maxRetries: 0, so only the gateway retries) against `llmctl mock`
// faults:
//   - panic threshold: one deployment, no fallback, the upstream failing 50%. A breaker that
//     opens must not fail every request unseen (before the fix: 3 of 120 served): the gateway
//     serves at least about as many as the upstream alone, and never fewer than with no breaker;
//   - the 429 cool-down: a primary that 429s everything with Retry-After: 1 and a healthy
//     fallback. Requests move on at once (before the fix each waited the second out): the p99
//     stays near the healthy group's, and the cool-down is shared, so the primary sees a few
//     requests per second of Retry-After, not every request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startListening, stopAll } from './lib/processes.mjs';

const require = createRequire(path.join(process.env.LLMCTL_SOURCE_DIR, 'package.json'));
const { OpenAI } = require('openai');

const mock = (...flags) => startListening(['mock', '--port', '0', '--ttft-ms', '1', '--tpot-ms', '0', ...flags]);
const stats = async (m) => (await fetch(`${m.url}/mock/stats`)).json();
const ask = (content) => ({ messages: [{ role: 'user', content }] });
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
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
const dep = (name, url) => `      - name: ${name}
        provider: openai-compatible
        base_url: ${url}/v1
        model: m
        price: none
`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-planner-'));
let m;
let gw;
let client;

before(async () => {
  m = {};
  // Three upstreams failing half their requests with the same seed: the same fault sequence.
  [m.alone, m.breaker, m.noBreaker, m.limited, m.healthy] = await Promise.all([
    mock('--fail-rate', '0.5', '--fail-status', '503', '--seed', '11'),
    mock('--fail-rate', '0.5', '--fail-status', '503', '--seed', '11'),
    mock('--fail-rate', '0.5', '--fail-status', '503', '--seed', '11'),
    mock('--rate-limit-rate', '1', '--retry-after', '1'),
    mock(),
  ]);
  const config = `
listen: 127.0.0.1:0
workers: 2
logging:
  access_log: false
models:
  - name: half
    retry: {backoff_base_ms: 2, backoff_max_ms: 5}
    deployments:
${dep('half-a', m.breaker.url)}
  - name: half-no-breaker
    retry: {backoff_base_ms: 2, backoff_max_ms: 5}
    breaker: {enabled: false}
    deployments:
${dep('half-b', m.noBreaker.url)}
  - name: limited
    fallbacks: [healthy]
    deployments:
${dep('limited-c', m.limited.url)}
  - name: healthy
    deployments:
${dep('healthy-d', m.healthy.url)}
`;
  const file = path.join(tmp, 'gw.yaml');
  fs.writeFileSync(file, config);
  gw = await startListening(['gateway', '--config', file]);
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 30000 });
});

after(async () => {
  await stopAll();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('panic threshold: a breaker on the only deployment never serves fewer than no breaker', async (t) => {
  const n = 120;
  const served = async (model) => (await pool(n, 1, async (i) => {
    try {
      const r = await client.chat.completions.create({ model, ...ask(`q${i}`) });
      return r.choices[0].message.content ? 1 : 0;
    } catch {
      return 0;
    }
  })).reduce((a, b) => a + b, 0);
  // The upstream alone, asked directly the same number of times.
  const direct = new OpenAI({ baseURL: `${m.alone.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  let alone = 0;
  for (let i = 0; i < n; ++i) {
    try {
      await direct.chat.completions.create({ model: 'm', ...ask(`q${i}`) });
      ++alone;
    } catch { /* a 503 */ }
  }
  const withBreaker = await served('half');
  const withoutBreaker = await served('half-no-breaker');
  const note = `served of ${n}: upstream alone ${alone}, gateway ${withBreaker}, gateway without breaker ${withoutBreaker}`;
  assert.ok(alone > n * 0.3 && alone < n * 0.7, note);
  assert.ok(withBreaker >= alone * 0.9, note);
  assert.ok(withBreaker >= withoutBreaker * 0.95, note);
  t.diagnostic(note);
  // The breaker did open (so the panic path, not a closed breaker, served them).
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  assert.match(text, /llmctl_gateway_breaker_transitions_total\{deployment="half-a",to="open"\} [1-9]/, note);
});

test('a 429 cools the deployment down for every request, which move on to the fallback at once', async (t) => {
  const time = (model) => pool(100, 4, async (i) => {
    const t0 = performance.now();
    const { response } = await client.chat.completions.create({ model, ...ask(`c${i}`) }).withResponse();
    assert.equal(response.status, 200);
    return { ms: performance.now() - t0, deployment: response.headers.get('x-llmctl-deployment') };
  });
  const healthy = await time('healthy');
  const t0 = performance.now();
  const limited = await time('limited');
  const seconds = (performance.now() - t0) / 1000;
  assert.ok(limited.every((r) => r.deployment === 'healthy-d'));
  const p99 = (rs) => pct(rs.map((r) => r.ms), 0.99);
  const note = `p99 ${p99(limited).toFixed(1)} ms through the rate-limited primary, ` +
    `${p99(healthy).toFixed(1)} ms on the healthy group`;
  // Before the fix each request waited out Retry-After: 1 (p99 1052 ms against 196 ms healthy
  // on a loaded machine). Near the healthy p99, with room for a loaded machine, far below 1 s.
  assert.ok(p99(limited) < Math.min(800, 2 * p99(healthy) + 100), note);
  t.diagnostic(note);
  // Shared: the primary sees about one request per Retry-After second per worker, not all 100.
  const primary = (await stats(m.limited)).requests;
  assert.ok(primary <= 2 * (Math.ceil(seconds) + 1) + 4, `${primary} requests reached the primary in ${seconds.toFixed(1)} s`);
});
