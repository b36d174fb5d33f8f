// Gateway governance across replicas (docs/GATEWAY.md, "Governance"): a real redis-server on a
// free loopback port, three gateway replicas sharing it, a real `llmctl mock` upstream and the
// official `openai` SDK at concurrency 50 spread over the replicas. Checks: rpm exactness across
// replicas, a dollar budget never overspent under concurrent streams then insufficient_quota,
// revocation on one replica in force on the others within 1 s, and Redis killed and restarted
// mid-run (budgets fail closed with 503 meanwhile; the replicas reconnect by themselves).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startListening, stop, stopAll } from './lib/processes.mjs';

const require = createRequire(path.join(process.env.LLMCTL_SOURCE_DIR, 'package.json'));
const { OpenAI } = require('openai');
const llmctl = process.env.LLMCTL;

const ADMIN_TOKEN = 'test-admin-token-redis-7';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-govr-'));
const cfgPath = path.join(tmp, 'gateway.yaml');
let redis = null;
let redisPort = 0;
const replicas = [];
const haveRedis = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// redis-server with an append-only file (fsync always), so a SIGKILL loses no count.
async function startRedis() {
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '',
    '--appendonly', 'yes', '--appendfsync', 'always', '--dir', tmp], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const c = net.connect(redisPort, '127.0.0.1', () => { c.end(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not start');
}
function killRedis() {
  return new Promise((resolve) => {
    redis.once('exit', resolve);
    redis.kill('SIGKILL');
  });
}

// `llmctl keys` writes to Redis directly; the replicas see a change at their next poll
// (sync_interval_ms: 100), so wait a few polls before using a new key.
const keys = async (...args) => {
  const out = JSON.parse(execFileSync(llmctl, ['keys', ...args, '--config', cfgPath, '--format', 'json'],
    { encoding: 'utf8' }));
  await new Promise((r) => setTimeout(r, 500));
  return out;
};
const header = (e, name) => (typeof e.headers?.get === 'function' ? e.headers.get(name) : e.headers?.[name]);
const ask = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }], max_tokens: 16 };
const clients = (key) => replicas.map((r) => new OpenAI({ baseURL: `${r.url}/v1`, apiKey: key, maxRetries: 0 }));
const status = (p) => p.then(() => 200, (e) => e.status ?? String(e));

before(async () => {
  if (!haveRedis) return;
  redisPort = await freePort();
  await startRedis();
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
    path: ""
governance:
  store: redis
  redis_url: redis://127.0.0.1:${redisPort}/0
  sync_interval_ms: 100
  # Exactness is what this file checks: an admission Redis answers after 100 ms (the default)
  # fails open by design, which a slow machine (an ASan build, a loaded CI runner) turns into an
  # extra admission. Unanswered admissions have their own tests (store/redis_test.cpp).
  timeout_ms: 5000
models:
  - name: gpt-4o-mini
    deployments:
      - provider: openai-compatible
        base_url: ${mock.url}/v1
        model: gpt-4o-mini
        price: openai/gpt-4o-mini
`);
  for (let i = 0; i < 3; i++)
    replicas.push(await startListening(['gateway', '--config', cfgPath],
      { env: { LLMCTL_TEST_ADMIN_TOKEN: ADMIN_TOKEN }, admin: true }));
});

after(async () => {
  await stopAll();
  if (redis && redis.exitCode === null) await killRedis();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('three replicas share limits, budgets and revocations through Redis', { skip: !haveRedis && 'redis-server is not installed' }, async () => {
  // rpm 60 over 3 replicas, 150 requests at concurrency 50: exactly 60 pass.
  const app = await keys('create', '--name', 'app', '--rpm', '60');
  let cs = clients(app.key);
  const results = [];
  for (let wave = 0; wave < 3; wave++)
    results.push(...await Promise.all(Array.from({ length: 50 }, (_, i) =>
      cs[i % 3].chat.completions.create(ask).then(() => 'ok', (e) => e))));
  const ok = results.filter((r) => r === 'ok').length;
  for (const e of results.filter((r) => r !== 'ok')) assert.equal(e.code, 'rate_limit_exceeded', String(e));
  assert.equal(ok, 60, 'admitted == rpm across replicas');
  console.log(`[exactness] gateway redis x3 rpm limit=60 attempts=150 admitted=${ok}`);

  // A budget under concurrent streams on all replicas: never overspent, then insufficient_quota.
  const budget = 0.0004;
  const capped = await keys('create', '--name', 'capped', '--budget-usd', String(budget), '--budget-period', 'total');
  cs = clients(capped.key);
  let quota = null;
  let streamed = 0;
  for (let wave = 0; wave < 40 && !quota; wave++) {
    const outs = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
      try {
        const s = await cs[i % 3].chat.completions.create({ ...ask, max_tokens: 64, stream: true });
        for await (const _ of s) { /* drain */ }
        return 'ok';
      } catch (e) {
        return e;
      }
    }));
    streamed += outs.filter((o) => o === 'ok').length;
    quota = outs.find((o) => o !== 'ok' && o.code === 'insufficient_quota') ?? null;
  }
  assert.ok(quota, 'the budget ran out');
  assert.equal(header(quota, 'x-should-retry'), 'false');
  const shown = await (await fetch(`${replicas[1].admin}/admin/keys/${capped.id}`,
    { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
  assert.ok(shown.spend, JSON.stringify(shown));
  assert.equal(shown.spend.reserved_usd, 0);
  const spent = shown.spend.spent_usd;
  assert.ok(spent <= budget, `spent ${spent} > budget ${budget}`);
  assert.ok(spent > budget - 0.0001, `spent ${spent}: refused while the budget had room`);
  console.log(`[exactness] gateway redis x3 budget limit=$${budget} admitted=${streamed} spent=$${spent.toFixed(6)} overspend=$0`);

  // Revoked through replica 0's admin API: refused by every replica within 1 s.
  const other = await keys('create', '--name', 'other');
  const oc = clients(other.key);
  for (const c of oc) assert.equal(await status(c.chat.completions.create(ask)), 200);
  const t0 = Date.now();
  const res = await fetch(`${replicas[0].admin}/admin/keys/${other.id}`,
    { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(res.status, 200);
  const seen = [];
  for (const c of oc) {
    while ((await status(c.chat.completions.create(ask))) !== 401) {
      assert.ok(Date.now() - t0 < 3000, 'revocation never arrived');
      await new Promise((r) => setTimeout(r, 10));
    }
    seen.push(Date.now() - t0);
  }
  assert.ok(Math.max(...seen) <= 1000, `revocation took ${seen} ms`);
  console.log(`[governance] redis x3 revocation in force on every replica after ${Math.max(...seen)} ms`);

  // Redis killed mid-run: a budgeted key fails closed (503) at once, then works after a restart.
  const spender = await keys('create', '--name', 'spender', '--budget-usd', '10');
  const sc = clients(spender.key);
  assert.equal(await status(sc[0].chat.completions.create(ask)), 200);
  await killRedis();
  const during = await Promise.all(sc.map((c) => c.chat.completions.create(ask).then(() => 200, (e) => e)));
  for (const e of during) {
    assert.equal(e.status, 503, String(e));
    assert.equal(e.code, 'governance_unavailable');
  }
  await startRedis();
  for (const c of sc) {
    const t1 = Date.now();
    while ((await status(c.chat.completions.create(ask))) !== 200) {
      assert.ok(Date.now() - t1 < 10000, 'a replica did not reconnect');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  for (const r of replicas) assert.equal(await stop(r.child), 0, r.stderr());
});
