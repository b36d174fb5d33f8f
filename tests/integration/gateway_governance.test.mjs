// Gateway governance end to end on the embedded store (docs/GATEWAY.md, "Governance"): a real
// gateway in front of a real `llmctl mock`, keys made with `llmctl keys` and the admin API, and
// the official `openai` SDK at concurrency 50. Checks: no key needed until one exists, then 401;
// rpm exactness (admitted == limit, the rest 429 rate_limit_exceeded with Retry-After, and
// OpenAI's x-ratelimit-* headers); a dollar budget under concurrent streams (never overspent,
// then 429 insufficient_quota); revocation in force within 1 s; attribution in the request log;
// no key material in the database or the logs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startListening, stop, stopAll } from './lib/processes.mjs';

const require = createRequire(path.join(process.env.LLMCTL_SOURCE_DIR, 'package.json'));
const { OpenAI } = require('openai');
const llmctl = process.env.LLMCTL;

const ADMIN_TOKEN = 'test-admin-token-governance-42';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-gov-'));
const db = path.join(tmp, 'llmctl.db');
const cfgPath = path.join(tmp, 'gateway.yaml');
let gw;
const secrets = [];

const keys = (...args) => JSON.parse(execFileSync(llmctl, ['keys', ...args, '--config', cfgPath, '--format', 'json'],
  { encoding: 'utf8' }));
const admin = async (method, target, body) => {
  const res = await fetch(`${gw.admin}${target}`, { method, body: body && JSON.stringify(body),
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' } });
  const out = { status: res.status, body: await res.json() };
  // Key changes reach the workers' key tables through the sync thread (woken at once by the
  // admin API, else every sync_interval_ms: 100): give it a few polls.
  if (method !== 'GET') await new Promise((r) => setTimeout(r, 300));
  return out;
};
const sdk = (apiKey) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey, maxRetries: 0 });
const ask = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }], max_tokens: 16 };

before(async () => {
  const mock = await startListening(['mock', '--port', '0', '--ttft-ms', '2', '--tpot-ms', '1',
    '--output-tokens', '16']);
  fs.writeFileSync(cfgPath, `
listen: 127.0.0.1:0
workers: 2
admin:
  listen: 127.0.0.1:0
  token_env: LLMCTL_TEST_ADMIN_TOKEN
logging:
  request_log:
    path: ${db}
governance:
  sync_interval_ms: 100
models:
  - name: gpt-4o-mini
    deployments:
      - provider: openai-compatible
        base_url: ${mock.url}/v1
        model: gpt-4o-mini
        price: openai/gpt-4o-mini
`);
  gw = await startListening(['gateway', '--config', cfgPath],
    { env: { LLMCTL_TEST_ADMIN_TOKEN: ADMIN_TOKEN }, admin: true });
});

after(async () => {
  await stopAll();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function until(pred, ms) {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await pred()) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 10));
  }
  return -1;
}

// A header of an SDK error (openai 6: a fetch Headers object).
const header = (e, name) => (typeof e.headers?.get === 'function' ? e.headers.get(name) : e.headers?.[name]);
const status = (p) => p.then(() => 200, (e) => e.status ?? String(e));

test('governance: keys, rpm, budget, revocation, attribution, no key material', async () => {
  // 1. No key exists: requests without one pass (llmctl up works at once).
  assert.equal(await status(sdk('sk-anything').chat.completions.create(ask)), 200);

  // 2. The first key (CLI, on the gateway's embedded store): now a key is required.
  const app = keys('create', '--name', 'app', '--team', 'search', '--rpm', '40');
  assert.match(app.key, /^sk-llmctl-/);
  secrets.push(app.key);
  const waited = await until(async () => (await status(sdk('sk-anything').chat.completions.create(ask))) === 401, 2000);
  assert.ok(waited >= 0 && waited <= 1000, `a key was required after ${waited} ms`);
  // No Authorization header at all (the SDK always sends one).
  const bare = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST',
    headers: { 'content-type': 'application/json' }, body: JSON.stringify(ask) });
  assert.equal(bare.status, 401);
  assert.equal((await bare.json()).error.code, 'invalid_api_key');

  // 3. rpm 40 under 100 requests at concurrency 50: exactly 40 pass, the rest 429 with Retry-After.
  const client = sdk(app.key);
  const results = [];
  for (let wave = 0; wave < 2; wave++) {
    results.push(...await Promise.all(Array.from({ length: 50 }, () =>
      client.chat.completions.create(ask).then(() => 'ok', (e) => e))));
  }
  const ok = results.filter((r) => r === 'ok').length;
  const limited = results.filter((r) => r !== 'ok');
  assert.equal(ok, 40, 'admitted == rpm');
  for (const e of limited) {
    assert.equal(e.status, 429, String(e));
    assert.equal(e.code, 'rate_limit_exceeded');
    assert.ok(Number(header(e, 'retry-after')) >= 1);
  }
  console.log(`[exactness] gateway embedded rpm limit=40 attempts=100 admitted=${ok}`);

  // OpenAI's headers on an admitted answer (a second key: the first is spent for a minute).
  const hdr = await admin('POST', '/admin/keys', { name: 'headers', rpm: 5, tpm: 100000 });
  assert.equal(hdr.status, 201, JSON.stringify(hdr.body));
  secrets.push(hdr.body.key);
  const raw = await sdk(hdr.body.key).chat.completions.create(ask).withResponse();
  assert.equal(raw.response.headers.get('x-ratelimit-limit-requests'), '5');
  assert.equal(raw.response.headers.get('x-ratelimit-remaining-requests'), '4');
  assert.equal(raw.response.headers.get('x-ratelimit-limit-tokens'), '100000');
  assert.ok(raw.response.headers.get('x-ratelimit-reset-requests'));

  // 4. A dollar budget under concurrent streams: never overspent, then insufficient_quota.
  const budget = 0.0004;
  const capped = await admin('POST', '/admin/keys', { name: 'capped', team: 'search', budget_usd: budget });
  assert.equal(capped.status, 201, JSON.stringify(capped.body));
  secrets.push(capped.body.key);
  const streamer = sdk(capped.body.key);
  let quota = null;
  let streamed = 0;
  for (let wave = 0; wave < 40 && !quota; wave++) {
    const outs = await Promise.all(Array.from({ length: 50 }, async () => {
      try {
        const s = await streamer.chat.completions.create({ ...ask, max_tokens: 64, stream: true });
        for await (const _ of s) { /* drain */ }
        return 'ok';
      } catch (e) {
        return e;
      }
    }));
    streamed += outs.filter((o) => o === 'ok').length;
    quota = outs.find((o) => o !== 'ok' && o.code === 'insufficient_quota') ?? null;
    for (const o of outs) if (o !== 'ok') assert.equal(o.status, 429, String(o));
  }
  assert.ok(quota, 'the budget ran out');
  assert.equal(quota.status, 429);
  assert.equal(header(quota, 'x-should-retry'), 'false');

  // 5. Revocation through the admin API is in force within 1 s.
  const revoked = await admin('DELETE', `/admin/keys/${hdr.body.id}`);
  assert.equal(revoked.status, 200);
  assert.equal(revoked.body.status, 'revoked');
  const gone = await until(async () => (await status(sdk(hdr.body.key).chat.completions.create(ask))) === 401, 3000);
  assert.ok(gone >= 0 && gone <= 1000, `revoked key still worked after ${gone} ms`);
  console.log(`[governance] revocation in force after ${gone} ms`);

  // The request log: attribution, and the budget's spend (what was charged) under the limit.
  assert.equal(await stop(gw.child), 0, gw.stderr());
  const q = (sql) => JSON.parse(execFileSync('sqlite3', ['-json', db, sql], { encoding: 'utf8' }) || '[]');
  const spent = q(`SELECT COUNT(*) AS n, SUM(cost_usd) AS usd FROM requests WHERE key_id = '${capped.body.id}' AND status = 200`)[0];
  assert.equal(spent.n, streamed);
  assert.ok(spent.usd <= budget, `spent ${spent.usd} > budget ${budget}`);
  // Refused for good only when even the worst case (~$0.00005 here) no longer fits.
  assert.ok(spent.usd > budget - 0.0001, `spent ${spent.usd}: refused while the budget had room`);
  console.log(`[exactness] gateway embedded budget limit=$${budget} admitted=${streamed} spent=$${spent.usd.toFixed(6)} overspend=$0`);
  const rows = q(`SELECT key_name, team, finish_reason FROM requests WHERE key_id = '${app.id}' AND status = 200 LIMIT 1`);
  assert.deepEqual(rows[0], { key_name: 'app', team: 'search', finish_reason: 'stop' });
  assert.equal(q(`SELECT COUNT(*) AS n FROM requests WHERE key_id = '${app.id}' AND status = 429`)[0].n, 60);

  // 6. No key material anywhere: not in the database file (any table), not in the logs.
  const bytes = fs.readFileSync(db).toString('latin1') +
    (fs.existsSync(`${db}-wal`) ? fs.readFileSync(`${db}-wal`).toString('latin1') : '');
  for (const s of secrets) {
    assert.ok(!bytes.includes(s), 'a secret is in the database');
    assert.ok(!bytes.includes(s.slice(10)), 'a secret body is in the database');
    assert.ok(!gw.stderr().includes(s.slice(10)), 'a secret is in the gateway log');
  }
});
