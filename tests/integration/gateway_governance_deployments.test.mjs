// Per-deployment limits (governance.deployments; docs/GATEWAY.md, "Governance"), on the embedded
// store (one gateway) and on a real redis-server shared by three replicas, with the official
// `openai` SDK at concurrency. The upstream is a small OpenAI-shaped server here that counts
// what each deployment really received and how many requests it held at once, so the checks are
// on what reached the deployments, not on what the gateway says about itself:
//   - rpm: deployment a {rpm: 10}, b {rpm: 5}: of 60 requests exactly 15 are served, a receives
//     exactly 10 and b exactly 5 (a full deployment is skipped to the other one), and the rest
//     get 429 rate_limit_exceeded with Retry-After;
//   - max_parallel: c {max_parallel: 2}, d {max_parallel: 3} behind a slow upstream: never more
//     than 2 and 3 in flight at the upstream, whatever the concurrency.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startListening, stop, stopAll } from './lib/processes.mjs';

const require = createRequire(path.join(process.env.LLMCTL_SOURCE_DIR, 'package.json'));
const { OpenAI } = require('openai');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-govd-'));
let redis = null;
const haveRedis = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

// The upstream: /<deployment>/v1/chat/completions answers after `delayMs` (per deployment),
// counting requests and the most held at once.
function startUpstream(delayMs) {
  const seen = {};
  const server = http.createServer((req, res) => {
    const name = req.url.split('/')[1];
    const s = (seen[name] ??= { requests: 0, inFlight: 0, maxInFlight: 0 });
    s.requests++;
    s.inFlight++;
    s.maxInFlight = Math.max(s.maxInFlight, s.inFlight);
    req.resume();
    req.on('end', () => setTimeout(() => {
      s.inFlight--;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 8, completion_tokens: 2, total_tokens: 10 } }));
    }, delayMs[name] ?? 0));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () =>
    resolve({ server, seen, url: `http://127.0.0.1:${server.address().port}` })));
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startRedis(port) {
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
    '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.end(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not start');
}

const config = (upstream, governance) => `
listen: 127.0.0.1:0
workers: 2
logging:
  request_log:
    path: ""
governance:
${governance}
  deployments:
    a: {rpm: 10}
    b: {rpm: 5}
    c: {max_parallel: 2}
    d: {max_parallel: 3}
models:
  - name: gpt-4o-mini
    max_attempts: 2
    deployments:
${['a', 'b'].map((n) => `      - {name: ${n}, provider: openai-compatible, base_url: ${upstream}/${n}/v1, model: gpt-4o-mini, price: openai/gpt-4o-mini}`).join('\n')}
  - name: slow
    max_attempts: 2
    deployments:
${['c', 'd'].map((n) => `      - {name: ${n}, provider: openai-compatible, base_url: ${upstream}/${n}/v1, model: gpt-4o-mini, price: openai/gpt-4o-mini}`).join('\n')}
`;

const header = (e, name) => (typeof e.headers?.get === 'function' ? e.headers.get(name) : e.headers?.[name]);
const ask = (model) => ({ model, messages: [{ role: 'user', content: 'hello' }], max_tokens: 16 });

// `n` requests at concurrency `width`, spread over the gateways: 'ok' or the SDK error.
async function load(urls, model, n, width) {
  const clients = urls.map((u) => new OpenAI({ baseURL: `${u}/v1`, apiKey: 'sk-none', maxRetries: 0 }));
  const out = [];
  for (let i = 0; i < n; i += width)
    out.push(...await Promise.all(Array.from({ length: Math.min(width, n - i) }, (_, j) =>
      clients[(i + j) % clients.length].chat.completions.create(ask(model)).then(() => 'ok', (e) => e))));
  return out;
}

async function check(label, urls, upstream) {
  // rpm: 60 requests at concurrency 30; a takes 10, b takes 5, the rest are refused.
  const results = await load(urls, 'gpt-4o-mini', 60, 30);
  const ok = results.filter((r) => r === 'ok').length;
  for (const e of results.filter((r) => r !== 'ok')) {
    assert.equal(e.status, 429, String(e));
    assert.equal(e.code, 'rate_limit_exceeded', String(e));
    assert.ok(Number(header(e, 'retry-after')) >= 1, 'Retry-After');
    assert.ok(Number(header(e, 'retry-after-ms')) > 0, 'retry-after-ms');
  }
  assert.equal(upstream.seen.a?.requests, 10, 'deployment a received exactly its rpm');
  assert.equal(upstream.seen.b?.requests, 5, 'deployment b received exactly its rpm');
  assert.equal(ok, 15, 'served == sum of the deployments\' rpm');
  console.log(`[exactness] deployments ${label} rpm a=10 b=5 attempts=60 admitted=${ok} ` +
    `a_received=${upstream.seen.a.requests} b_received=${upstream.seen.b.requests}`);

  // max_parallel behind a 400 ms upstream: 3 waves of 20 at once.
  const slow = await load(urls, 'slow', 60, 20);
  const served = slow.filter((r) => r === 'ok').length;
  for (const e of slow.filter((r) => r !== 'ok')) assert.equal(e.code, 'rate_limit_exceeded', String(e));
  assert.ok(upstream.seen.c.maxInFlight <= 2, `c held ${upstream.seen.c.maxInFlight} at once`);
  assert.ok(upstream.seen.d.maxInFlight <= 3, `d held ${upstream.seen.d.maxInFlight} at once`);
  assert.ok(served >= 5 && served < 60, `served ${served}`);
  console.log(`[exactness] deployments ${label} max_parallel c=2 d=3 attempts=60 admitted=${served} ` +
    `c_max_in_flight=${upstream.seen.c.maxInFlight} d_max_in_flight=${upstream.seen.d.maxInFlight}`);
}

after(async () => {
  await stopAll();
  if (redis && redis.exitCode === null) redis.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('deployment limits on the embedded store: a full deployment is skipped, then 429', async () => {
  const upstream = await startUpstream({ c: 400, d: 400 });
  const cfg = path.join(tmp, 'embedded.yaml');
  fs.writeFileSync(cfg, config(upstream.url, '  store: sqlite'));
  const gw = await startListening(['gateway', '--config', cfg]);
  try {
    await check('embedded', [gw.url], upstream);
  } finally {
    assert.equal(await stop(gw.child), 0, gw.stderr());
    upstream.server.close();
  }
});

test('deployment limits across three replicas sharing Redis', { skip: !haveRedis && 'redis-server is not installed' }, async () => {
  const port = await freePort();
  await startRedis(port);
  const upstream = await startUpstream({ c: 400, d: 400 });
  const cfg = path.join(tmp, 'redis.yaml');
  fs.writeFileSync(cfg, config(upstream.url, `  store: redis\n  redis_url: redis://127.0.0.1:${port}/0`));
  const replicas = [];
  for (let i = 0; i < 3; i++) replicas.push(await startListening(['gateway', '--config', cfg]));
  try {
    await check('redis x3', replicas.map((r) => r.url), upstream);
  } finally {
    for (const r of replicas) assert.equal(await stop(r.child), 0, r.stderr());
    upstream.server.close();
  }
});
