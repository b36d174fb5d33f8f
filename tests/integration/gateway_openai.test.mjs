// The gateway end to end with the official `openai` SDK: real `llmctl mock` upstreams and a real
// `llmctl gateway` on free loopback ports. Covers chat (whole, streamed with and without
// include_usage, tools, n), completions, embeddings, models, OpenAI-shaped errors (400, 404,
// 413, 502, 503 relayed, 504), fallback, a mid-stream upstream disconnect (the SDK must throw,
// not end quietly), /metrics (tokens, cost; promtool when installed) and graceful shutdown
// (SIGTERM drains a live stream; the SQLite request log then holds every request).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startListening, stop, stopAll } from './lib/processes.mjs';

const require = createRequire(path.join(process.env.LLMCTL_SOURCE_DIR, 'package.json'));
const { OpenAI, APIError } = require('openai');
const llmctl = process.env.LLMCTL;


function closedPort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function have(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// An https upstream with a self-signed certificate for the name "localhost" only (made with the
// openssl CLI); it records the SNI name it was asked for. Null when openssl is missing.
let tlsServer = null;
const sniSeen = [];
async function startTlsUpstream() {
  if (!have('openssl')) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-tls-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
  tlsServer = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
    sniSeen.push(req.socket.servername);
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id: 'tls-1', object: 'chat.completion', created: 0, model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: 'over TLS' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }));
    });
  });
  await new Promise((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  return { port: tlsServer.address().port, cert };
}

// ---- the setup: upstream simulators and one gateway ----
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-gw-'));
const db = path.join(tmp, 'requests.db');
let gw;
let client;
let posts = 0;  // proxied requests the test sent: the request log must hold exactly these

before(async () => {
  const healthy = await startListening(['mock', '--port', '0', '--ttft-ms', '5', '--tpot-ms', '1',
    '--cache-hit-share', '0.5', '--api-key', 'sk-upstream-secret', '--models', 'gpt-4o-mini']);
  const cut = await startListening(['mock', '--port', '0', '--ttft-ms', '1', '--tpot-ms', '1',
    '--disconnect-after', '3']);
  const failing = await startListening(['mock', '--port', '0', '--fail-rate', '1', '--fail-status', '503']);
  const hanging = await startListening(['mock', '--port', '0', '--hang-rate', '1']);
  const slow = await startListening(['mock', '--port', '0', '--ttft-ms', '10', '--tpot-ms', '60',
    '--output-tokens', '20']);
  const dead = await closedPort();
  const tls = await startTlsUpstream();
  const config = `
listen: 127.0.0.1:0
workers: 2
limits:
  max_body_bytes: 65536
shutdown:
  drain_timeout_ms: 10000
logging:
  request_log:
    path: ${db}
models:
  - name: gpt-4o-mini
    deployments:
      - provider: openai
        base_url: ${healthy.url}/v1
        model: gpt-4o-mini
        api_key_env: LLMCTL_TEST_UPSTREAM_KEY
  - name: cut
    deployments:
      - provider: openai-compatible
        base_url: ${cut.url}/v1
        model: cut-model
        price: none
  - name: failing
    deployments:
      - provider: openai-compatible
        base_url: ${failing.url}/v1
        model: m
        price: none
  - name: with-fallback
    deployments:
      - provider: openai-compatible
        base_url: ${failing.url}/v1
        model: m
        price: none
        weight: 1
      - provider: openai-compatible
        base_url: ${healthy.url}/v1
        model: gpt-4o-mini
        api_key_env: LLMCTL_TEST_UPSTREAM_KEY
        price: openai/gpt-4o-mini
        weight: 0
  - name: hanging
    deployments:
      - provider: openai-compatible
        base_url: ${hanging.url}/v1
        model: m
        price: none
        timeouts: {first_byte_ms: 300}
  - name: dead
    deployments:
      - provider: openai-compatible
        base_url: http://127.0.0.1:${dead}/v1
        model: m
        price: none
  - name: slow
    deployments:
      - provider: openai-compatible
        base_url: ${slow.url}/v1
        model: m
        price: none
  - name: capped
    deployments:
      - provider: openai-compatible
        base_url: ${slow.url}/v1
        model: m
        price: none
        max_concurrency: 1
        queue_timeout_ms: 100
  - name: llmctl-sim
    deployments:
      - provider: simulated
${tls ? `  - name: tls-ok
    deployments:
      - provider: openai-compatible
        base_url: https://localhost:${tls.port}/v1
        ca_file: ${tls.cert}
        model: m
        price: none
  - name: tls-untrusted
    deployments:
      - provider: openai-compatible
        base_url: https://localhost:${tls.port}/v1
        model: m
        price: none
  - name: tls-wrong-host
    deployments:
      - provider: openai-compatible
        base_url: https://127.0.0.1:${tls.port}/v1
        ca_file: ${tls.cert}
        model: m
        price: none
` : ''}`;
  const file = path.join(tmp, 'gateway.yaml');
  fs.writeFileSync(file, config);
  const env = { LLMCTL_TEST_UPSTREAM_KEY: 'sk-upstream-secret' };
  execFileSync(llmctl, ['gateway', '--check', '--config', file], { env: { ...process.env, ...env } });
  gw = await startListening(['gateway', '--config', file], { env });
  // The SDK's key is the client's; the gateway sends the deployment's own key upstream.
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key-not-forwarded', maxRetries: 0 });
});

after(async () => {
  await stopAll(5000);
  if (tlsServer) tlsServer.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('models: the public model names', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  for (const want of ['gpt-4o-mini', 'cut', 'failing', 'with-fallback', 'llmctl-sim'])
    assert.ok(ids.includes(want), `${want} in ${ids}`);
  const one = await client.models.retrieve('llmctl-sim');
  assert.equal(one.id, 'llmctl-sim');
});

test('chat: whole response with usage and a request id', async () => {
  posts++;
  const { data, response } = await client.chat.completions
    .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say something about gateways.' }] })
    .withResponse();
  assert.ok(data.choices[0].message.content.length > 0);
  assert.equal(data.choices[0].finish_reason, 'stop');
  assert.ok(data.usage.prompt_tokens > 0 && data.usage.completion_tokens > 0);
  assert.ok(data.usage.prompt_tokens_details.cached_tokens > 0, 'the scenario sets a cache hit share');
  assert.ok(response.headers.get('x-request-id'));
});

test('chat: stream with include_usage ends with a usage chunk', async () => {
  posts++;
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'Stream please.' }],
  });
  let text = '';
  let usage = null;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    text += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  assert.ok(chunks > 5, `${chunks} chunks`);
  assert.ok(text.length > 0);
  assert.ok(usage, 'usage chunk relayed');
  assert.ok(usage.completion_tokens > 0);
});

test('chat: stream without include_usage gets no usage chunk', async () => {
  posts++;
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Stream please.' }],
  });
  let text = '';
  for await (const chunk of stream) {
    assert.ok(chunk.choices.length > 0, 'no usage-only chunk (choices: [])');
    assert.ok(!chunk.usage, 'no usage the client did not ask for');
    text += chunk.choices[0].delta?.content ?? '';
  }
  assert.ok(text.length > 0);
});

const tools = [{
  type: 'function',
  function: {
    name: 'get_weather', description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] },
  },
}];

test('chat: tools are forwarded and a tool call comes back (whole and streamed)', async () => {
  posts++;
  const r = await client.chat.completions.create({
    model: 'gpt-4o-mini', tools, messages: [{ role: 'user', content: 'Weather in Paris?' }],
  });
  const call = r.choices[0].message.tool_calls[0];
  assert.equal(r.choices[0].finish_reason, 'tool_calls');
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(Object.keys(JSON.parse(call.function.arguments)).sort(), ['city', 'days']);

  posts++;
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini', tools, stream: true, messages: [{ role: 'user', content: 'Weather in Paris?' }],
  });
  let name = '';
  let args = '';
  let finish = null;
  for await (const chunk of stream) {
    const d = chunk.choices[0]?.delta;
    for (const tc of d?.tool_calls ?? []) {
      name += tc.function?.name ?? '';
      args += tc.function?.arguments ?? '';
    }
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(name, 'get_weather');
  assert.equal(JSON.parse(args).city, 'mock');
  assert.equal(finish, 'tool_calls');
});

test('chat: n choices', async () => {
  posts++;
  const r = await client.chat.completions.create({
    model: 'llmctl-sim', n: 3, messages: [{ role: 'user', content: 'Three answers.' }],
  });
  assert.equal(r.choices.length, 3);
});

test('completions and embeddings', async () => {
  posts++;
  const c = await client.completions.create({ model: 'gpt-4o-mini', prompt: 'Once upon', max_tokens: 4 });
  assert.ok(c.choices[0].text.length > 0);
  assert.equal(c.choices[0].finish_reason, 'length');

  posts++;
  const e = await client.embeddings.create({ model: 'llmctl-sim', input: ['alpha', 'beta'] });  // base64 on the wire
  assert.equal(e.data.length, 2);
  const v = Array.from(e.data[0].embedding);
  assert.equal(v.length, 64);
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  assert.ok(Math.abs(norm - 1) < 1e-4, `unit vector, norm ${norm}`);
  posts++;
  const f = await client.embeddings.create({ model: 'llmctl-sim', input: 'alpha', encoding_format: 'float', dimensions: 8 });
  assert.equal(f.data[0].embedding.length, 8);
  assert.ok(e.usage.prompt_tokens > 0);
});

async function expectApiError(promise, status, code) {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof APIError, `APIError, got ${err}`);
    assert.equal(err.status, status, err.message);
    if (code) assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected HTTP ${status}`);
}

test('errors: OpenAI-shaped, with the right status codes', async () => {
  posts++;
  await expectApiError(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
    404, 'model_not_found');
  posts++;
  const bad = await expectApiError(client.chat.completions.create({ model: 'gpt-4o-mini' }), 400);
  assert.equal(bad.param, 'messages');
  posts++;
  await expectApiError(client.chat.completions.create({ model: 'failing', messages: [{ role: 'user', content: 'x' }] }),
    503, 'simulated_failure');  // the upstream's own answer, relayed
  posts++;
  await expectApiError(client.chat.completions.create({ model: 'hanging', messages: [{ role: 'user', content: 'x' }] }),
    504, 'upstream_timeout');
  posts++;
  await expectApiError(client.chat.completions.create({ model: 'dead', messages: [{ role: 'user', content: 'x' }] }),
    502, 'upstream_error');

  posts++;
  const big = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(100000) }] }),
  });
  assert.equal(big.status, 413);
  assert.equal((await big.json()).error.code, 'request_too_large');
  posts--;  // rejected while reading, before the request path: not a logged request

  posts++;
  const badJson = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: '{nope' });
  assert.equal(badJson.status, 400);
  const body = await badJson.json();
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
});

test('fallback: a failing first choice falls back to the next deployment', async () => {
  posts++;
  const r = await client.chat.completions.create({ model: 'with-fallback', messages: [{ role: 'user', content: 'x' }] });
  assert.ok(r.choices[0].message.content.length > 0);
});

test('max_concurrency: a request beyond the cap waits queue_timeout_ms, then gets 503', async () => {
  posts++;
  const first = await client.chat.completions.create({
    model: 'capped', stream: true, max_tokens: 10, messages: [{ role: 'user', content: 'x' }],
  });
  const it = first[Symbol.asyncIterator]();
  await it.next();  // the first request holds the only slot while it streams
  posts++;
  await expectApiError(client.chat.completions.create({ model: 'capped', messages: [{ role: 'user', content: 'x' }] }),
    503, 'upstream_overloaded');
  let chunks = 1;
  while (!(await it.next()).done) chunks++;
  assert.ok(chunks >= 10);
  posts++;  // the slot is free again
  const again = await client.chat.completions.create({ model: 'capped', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] });
  assert.equal(again.choices[0].finish_reason, 'length');
});

test('mid-stream upstream disconnect: the SDK raises an error instead of ending quietly', async () => {
  posts++;
  const stream = await client.chat.completions.create({
    model: 'cut', stream: true, messages: [{ role: 'user', content: 'This stream will be cut.' }],
  });
  let text = '';
  const err = await (async () => {
    try {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    } catch (e) {
      return e;
    }
    return null;
  })();
  assert.ok(err, `the stream ended without an error after "${text}"`);
  assert.ok(err instanceof APIError, `APIError-like, got ${err}`);
  assert.match(err.message, /interrupted/);
  assert.ok(text.length > 0, 'chunks before the cut were relayed');
});

test('TLS upstreams: verified chain, SNI and host name', async (t) => {
  if (!tlsServer) {
    t.skip('openssl CLI not installed: no test certificate');
    return;
  }
  posts++;
  const ok = await client.chat.completions.create({ model: 'tls-ok', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(ok.choices[0].message.content, 'over TLS');
  assert.equal(sniSeen.at(-1), 'localhost', 'SNI names the host');
  posts++;
  const untrusted = await expectApiError(
    client.chat.completions.create({ model: 'tls-untrusted', messages: [{ role: 'user', content: 'x' }] }), 502);
  assert.match(untrusted.message, /certificate verify failed/);
  posts++;
  const wrongHost = await expectApiError(
    client.chat.completions.create({ model: 'tls-wrong-host', messages: [{ role: 'user', content: 'x' }] }), 502);
  assert.match(wrongHost.message, /certificate verify failed/);
  assert.equal(sniSeen.length, 1, 'no request reached the server over an unverified connection');
});

test('health, readiness and metrics (tokens, cost, histograms; promtool)', async () => {
  assert.equal((await fetch(`${gw.url}/healthz`)).status, 200);
  assert.equal((await fetch(`${gw.url}/readyz`)).status, 200);
  const res = await fetch(`${gw.url}/metrics`);
  assert.equal(res.status, 200);
  const text = await res.text();
  const value = (re) => {
    const m = text.match(re);
    return m ? Number(m[1]) : NaN;
  };
  assert.ok(value(/llmctl_gateway_requests_total\{model="gpt-4o-mini",endpoint="chat",code="200"\} (\S+)/) >= 5);
  assert.ok(value(/llmctl_gateway_tokens_total\{model="gpt-4o-mini",type="output"\} (\S+)/) > 0);
  assert.ok(value(/llmctl_gateway_tokens_total\{model="gpt-4o-mini",type="cache_read"\} (\S+)/) > 0);
  assert.ok(value(/llmctl_gateway_cost_usd_total\{model="gpt-4o-mini"\} (\S+)/) > 0, 'priced via the catalog');
  assert.equal(value(/llmctl_gateway_cost_usd_total\{model="llmctl-sim"\} (\S+)/), 0, 'the simulator is free');
  assert.ok(value(/llmctl_gateway_time_to_first_token_seconds_count\{model="gpt-4o-mini"\} (\S+)/) >= 3);
  assert.ok(value(/llmctl_gateway_time_per_output_token_seconds_count\{model="gpt-4o-mini"\} (\S+)/) >= 1);
  assert.ok(value(/llmctl_gateway_errors_total\{model="cut",class="stream_interrupted"\} (\S+)/) >= 1);
  assert.ok(value(/llmctl_gateway_errors_total\{model="hanging",class="timeout"\} (\S+)/) >= 1);
  assert.ok(value(/llmctl_gateway_requests_total\{model="_unknown",endpoint="chat",code="404"\} (\S+)/) >= 1);
  assert.ok(value(/llmctl_gateway_upstream_connection_reuses_total\{deployment="gpt-4o-mini\/0"\} (\S+)/) >= 1,
    'keep-alive connections are reused');
  assert.ok(value(/llmctl_gateway_upstream_queue_timeouts_total\{deployment="capped\/0"\} (\S+)/) >= 1);
  assert.equal(value(/llmctl_gateway_upstream_inflight_requests\{deployment="capped\/0"\} (\S+)/), 0);
  assert.match(text, /llmctl_gateway_time_to_first_token_seconds_bucket\{model="gpt-4o-mini",le="0.001"\}/);
  if (!have('promtool')) {
    console.log('SKIP promtool check: promtool is not installed (Debian package prometheus)');
    return;
  }
  execFileSync('promtool', ['check', 'metrics'], { input: text });
});

test('SIGTERM drains an in-flight stream, then the request log holds every request', async () => {
  posts++;
  // ~1.2 s of streaming (20 tokens x 60 ms); SIGTERM arrives in the middle of it.
  const stream = await client.chat.completions.create({
    model: 'slow', stream: true, messages: [{ role: 'user', content: 'A slow one.' }],
  });
  let chunks = 0;
  let signalled = false;
  let exited = null;
  for await (const chunk of stream) {
    chunks++;
    if (chunks === 3 && !signalled) {
      signalled = true;
      exited = stop(gw.child);
      // While draining the gateway refuses new connections and reports not ready.
    }
    assert.ok(chunk.choices.length > 0);
  }
  assert.ok(chunks >= 20, `the stream finished during the drain (${chunks} chunks)`);
  assert.equal(await exited, 0, `gateway exit code\n${gw.stderr()}`);
  assert.match(gw.stderr(), /draining/);

  if (!have('sqlite3')) {
    console.log('SKIP request-log check: the sqlite3 CLI is not installed (Debian package sqlite3)');
    return;
  }
  const q = (sql) => JSON.parse(execFileSync('sqlite3', ['-json', db, sql], { encoding: 'utf8' }) || '[]');
  assert.equal(q('PRAGMA journal_mode')[0].journal_mode, 'wal');
  const rows = q('SELECT * FROM requests ORDER BY id');
  assert.equal(rows.length, posts, `one row per proxied request:\n${JSON.stringify(rows.map((r) => [r.model, r.status]))}`);
  const priced = rows.filter((r) => r.model === 'gpt-4o-mini' && r.status === 200);
  assert.ok(priced.length >= 5);
  for (const r of priced) {
    assert.equal(r.price_id, 'openai/gpt-4o-mini');
    assert.ok(r.cost_usd > 0);
    assert.equal(r.usage_estimated, 0);
  }
  assert.ok(priced.some((r) => r.cached_tokens > 0));
  const cut = rows.find((r) => r.model === 'cut');
  assert.equal(cut.error_class, 'stream_interrupted');
  assert.equal(cut.status, 200);
  const fallback = rows.find((r) => r.model === 'with-fallback');
  assert.equal(fallback.attempts, 2);
  assert.equal(fallback.deployment, 'with-fallback/1');
  assert.equal(rows.find((r) => r.model === 'hanging').status, 504);
  assert.equal(rows.find((r) => r.model === 'dead').status, 502);
  assert.equal(rows.find((r) => r.model === 'failing').status, 503);
  assert.equal(rows.filter((r) => r.model === 'capped' && r.error_class === 'overloaded').length, 1);
  const slow = rows.find((r) => r.model === 'slow');
  assert.equal(slow.status, 200);
  assert.equal(slow.error_class, null);
  assert.ok(slow.ttft_ms > 0);
  // The upstream key never reaches the log, the access log or the client.
  assert.ok(!JSON.stringify(rows).includes('sk-upstream-secret'));
  assert.ok(!gw.stderr().includes('sk-upstream-secret'));
});
