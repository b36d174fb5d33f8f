// Budget gauges across a config reload, and the soft-budget webhook end to end (docs/GATEWAY.md,
// "Governance"): a real gateway in front of a real `llmctl mock`, requests from the official
// `openai` SDK attributed to teams with x-llmctl-team, and a webhook receiver started here on a
// free loopback port.
//   - reload (SIGHUP): /metrics shows the new budget limits at once (a changed team, a new one,
//     a removed one), not the old config's;
//   - a soft budget crossed by real requests at concurrency POSTs exactly one alert with the
//     documented body, and crossing it further posts nothing more;
//   - a receiver that hangs (accepts, never answers) or is down delays no request (latency
//     measured against the same requests before) and fails none; the gateway still stops at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startListening, stop, stopAll } from './lib/processes.mjs';

const require = createRequire(path.join(process.env.LLMCTL_SOURCE_DIR, 'package.json'));
const { OpenAI } = require('openai');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-gova-'));
const cfgPath = path.join(tmp, 'gateway.yaml');
let mock;
let receiver;
const posts = [];
let hang = false;
const hung = [];

before(async () => {
  mock = await startListening(['mock', '--port', '0', '--ttft-ms', '2', '--tpot-ms', '1',
    '--output-tokens', '16']);
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      posts.push({ path: req.url, type: req.headers['content-type'], body: JSON.parse(body) });
      if (hang) hung.push(res);  // never answered
      else res.end('ok');
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
});

after(async () => {
  await stopAll();
  for (const res of hung) res.destroy();
  receiver.closeAllConnections?.();
  if (receiver.listening) receiver.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const config = (governance) => `
listen: 127.0.0.1:0
workers: 2
logging:
  request_log:
    path: ""
governance:
  alerts: {webhook_url: "http://127.0.0.1:${receiver.address().port}/hooks/budget"}
${governance}
models:
  - name: gpt-4o-mini
    deployments:
      - provider: openai-compatible
        base_url: ${mock.url}/v1
        model: gpt-4o-mini
        price: openai/gpt-4o-mini
`;

const sdk = (gw, team) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-none', maxRetries: 0,
  defaultHeaders: { 'x-llmctl-team': team } });
const ask = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }], max_tokens: 16 };
const metrics = async (gw) => (await fetch(`${gw.url}/metrics`)).text();
const gauge = (text, scope, kind) => {
  const m = text.match(new RegExp(`^llmctl_gateway_budget_limit_usd\\{scope="${scope}",period="[a-z]+",kind="${kind}"\\} (\\S+)$`, 'm'));
  return m ? Number(m[1]) : null;
};
async function until(pred, ms) {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await pred()) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 20));
  }
  return -1;
}
// Latencies (ms) of `n` sequential requests.
async function timed(client, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await client.chat.completions.create(ask);
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
}
const p50 = (xs) => xs[Math.floor(xs.length / 2)];

test('a reload updates the budget gauges in /metrics at once', async () => {
  fs.writeFileSync(cfgPath, config(`  teams:
    search: {budget_usd: 5, soft_budget_usd: 3}
    old: {budget_usd: 1}`));
  const gw = await startListening(['gateway', '--config', cfgPath]);
  assert.ok(await until(async () => gauge(await metrics(gw), 'team:search', 'hard') === 5, 3000) >= 0,
    'the first config\'s gauges');
  assert.equal(gauge(await metrics(gw), 'team:search', 'soft'), 3);
  assert.equal(gauge(await metrics(gw), 'team:old', 'hard'), 1);

  fs.writeFileSync(cfgPath, config(`  teams:
    search: {budget_usd: 7, soft_budget_usd: 6}
    ads: {budget_usd: 2}`));
  const t0 = Date.now();
  gw.child.kill('SIGHUP');
  const took = await until(async () => {
    const m = await metrics(gw);
    return gauge(m, 'team:search', 'hard') === 7 && gauge(m, 'team:search', 'soft') === 6 &&
      gauge(m, 'team:ads', 'hard') === 2 && gauge(m, 'team:old', 'hard') === null;
  }, 3000);
  assert.ok(took >= 0, `gauges after the reload:\n${(await metrics(gw)).split('\n').filter((l) => l.includes('budget_limit')).join('\n')}`);
  // At once: the sync thread is woken by the reload, not left to its 1 s refresh.
  assert.ok(Date.now() - t0 < 900, `the gauges followed after ${Date.now() - t0} ms`);
  assert.match(await metrics(gw), /^llmctl_gateway_config_reload_total\{result="ok"\} 1$/m);
  console.log(`[governance] budget gauges followed a SIGHUP reload after ${Date.now() - t0} ms`);
  assert.equal(await stop(gw.child), 0, gw.stderr());
});

test('a soft budget POSTs one alert; a hanging or absent receiver delays nothing', async () => {
  // One request costs ~$0.00001 (gpt-4o-mini, 16 output tokens): crossed after a few.
  fs.writeFileSync(cfgPath, config(`  teams:
    search: {soft_budget_usd: 0.00005}
    ads: {soft_budget_usd: 0.00003}
    ops: {soft_budget_usd: 0.00003}`));
  const gw = await startListening(['gateway', '--config', cfgPath]);
  const search = sdk(gw, 'search');
  const outs = await Promise.all(Array.from({ length: 20 }, () => search.chat.completions.create(ask)));
  assert.equal(outs.length, 20);
  assert.ok(await until(() => posts.length > 0, 3000) >= 0, 'no alert arrived');
  await timed(search, 10);  // crossed further: nothing more
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(posts.length, 1, JSON.stringify(posts));
  const [p] = posts;
  assert.equal(p.path, '/hooks/budget');
  assert.equal(p.type, 'application/json');
  assert.deepEqual(Object.keys(p.body).sort(),
    ['budget_usd', 'event', 'replica', 'scope', 'soft_budget_usd', 'spent_usd', 'ts_ms']);
  assert.equal(p.body.event, 'budget_soft_limit_crossed');
  assert.equal(p.body.scope, 'team:search');
  assert.equal(p.body.soft_budget_usd, 0.00005);
  assert.equal(p.body.budget_usd, 0);
  assert.ok(p.body.spent_usd >= 0.00005 && p.body.spent_usd < 0.0001, String(p.body.spent_usd));
  assert.match(p.body.replica, /^[0-9a-f]{8}$/);
  assert.ok(Math.abs(p.body.ts_ms - Date.now()) < 60000);
  console.log(`[governance] soft budget alert: ${JSON.stringify(p.body)}`);

  // The receiver now hangs: the crossing of "ads" holds the alert thread in its POST (up to 5 s)
  // while requests go on; their latency is compared with the same requests just before.
  const ads = sdk(gw, 'ads');
  const before = await timed(sdk(gw, 'none'), 30);
  hang = true;
  await Promise.all(Array.from({ length: 10 }, () => ads.chat.completions.create(ask)));
  assert.ok(await until(() => hung.length > 0, 3000) >= 0, 'the ads alert was not posted');
  const during = await timed(ads, 30);
  console.log(`[governance] latency p50 ${p50(before).toFixed(2)} ms before, ${p50(during).toFixed(2)} ms ` +
    `with the webhook hanging (max ${during[during.length - 1].toFixed(1)} ms)`);
  // Generous bounds for a loaded 2-core machine; a blocked request would take the 5 s timeout.
  assert.ok(p50(during) < p50(before) + 50, 'p50 with the webhook hanging');
  assert.ok(during[during.length - 1] < 2000, 'no request waited for the webhook');

  // The hung POST gives up after its 5 s, counted as failed.
  const failed = (t) => Number(t.match(/^llmctl_gateway_budget_alert_webhooks_total\{result="failed"\} (\d+)$/m)?.[1]);
  assert.ok(await until(async () => failed(await metrics(gw)) === 1, 8000) >= 0, await metrics(gw));
  assert.match(gw.stderr(), /governance alert webhook failed: no answer within 5000 ms/);

  // The receiver down: the POST fails at once, counted; requests still served.
  hang = false;
  for (const res of hung) res.destroy();
  receiver.closeAllConnections?.();
  await new Promise((r) => receiver.close(r));
  const down = await timed(sdk(gw, 'ops'), 30);
  assert.ok(down[down.length - 1] < 2000, 'no request waited for the absent receiver');
  assert.ok(await until(async () => failed(await metrics(gw)) === 2, 3000) >= 0, await metrics(gw));
  const text = await metrics(gw);
  assert.match(text, /^llmctl_gateway_budget_alert_webhooks_total\{result="sent"\} 1$/m);
  assert.match(text, /^llmctl_gateway_budget_alerts_total 3$/m);
  assert.equal(posts.length, 2);
  const t0 = Date.now();
  assert.equal(await stop(gw.child), 0, gw.stderr());
  assert.ok(Date.now() - t0 < 8000, `stopping took ${Date.now() - t0} ms`);
  assert.match(gw.stderr(), /governance alert: .*"scope":"team:ads"/);
});
