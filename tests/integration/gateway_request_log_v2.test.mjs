// Request log schema v2 end to end (docs/GATEWAY.md, "Request log"): the official `openai` SDK
// through a real gateway to a real `llmctl mock` and to an Anthropic-shaped upstream that reports
// prompt-cache writes; then the SQLite file is read with the sqlite3 CLI. Checks the columns the
// cost analyser, the monitor and the simulator read: finish_reason (stop, length, tool_calls,
// interrupted, error), max_tokens, has_tools, cache_write_tokens, the fingerprints (equal for
// equal requests whatever their stream/user/metadata, different otherwise), system and prefix
// sizes, and attribution from the body and the x-llmctl-* headers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startListening, stop, stopAll } from './lib/processes.mjs';

const require = createRequire(path.join(process.env.LLMCTL_SOURCE_DIR, 'package.json'));
const { OpenAI } = require('openai');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-logv2-'));
const db = path.join(tmp, 'requests.db');
let gw;
let client;
let upstream;  // the Anthropic-shaped upstream

// Answers /v1/messages like Anthropic with a prompt-cache write in its usage.
function startAnthropicUpstream() {
  upstream = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({
        id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-haiku-4-5',
        content: [{ type: 'text', text: 'cached answer' }], stop_reason: 'end_turn', stop_sequence: null,
        usage: { input_tokens: 5, cache_creation_input_tokens: 1200, cache_read_input_tokens: 0, output_tokens: 3 },
      }));
    });
  });
  return new Promise((resolve) => upstream.listen(0, '127.0.0.1', () => resolve(upstream.address().port)));
}

before(async () => {
  const mock = await startListening(['mock', '--port', '0', '--ttft-ms', '1', '--tpot-ms', '0']);
  const cut = await startListening(['mock', '--port', '0', '--ttft-ms', '1', '--tpot-ms', '1',
    '--disconnect-after', '3']);
  const anthropicPort = await startAnthropicUpstream();
  const config = `
listen: 127.0.0.1:0
workers: 1
logging:
  request_log:
    path: ${db}
models:
  - name: gpt-4o-mini
    deployments:
      - provider: openai-compatible
        base_url: ${mock.url}/v1
        model: gpt-4o-mini
        price: openai/gpt-4o-mini
  - name: cut
    deployments:
      - provider: openai-compatible
        base_url: ${cut.url}/v1
        model: cut-model
        price: none
  - name: claude
    deployments:
      - provider: anthropic
        base_url: http://127.0.0.1:${anthropicPort}
        model: claude-haiku-4-5
        api_key_env: LLMCTL_TEST_ANTHROPIC_KEY
`;
  const cfgPath = path.join(tmp, 'gateway.yaml');
  fs.writeFileSync(cfgPath, config);
  gw = await startListening(['gateway', '--config', cfgPath], { env: { LLMCTL_TEST_ANTHROPIC_KEY: 'sk-ant-test' } });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-none', maxRetries: 0 });
});

after(async () => {
  await stopAll();
  upstream?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const system = 'You are a terse assistant for the llmctl tests.';
const messages = (q) => [{ role: 'system', content: system }, { role: 'user', content: q }];

test('request log v2 columns from a real SDK', async () => {
  const headers = { 'x-llmctl-session': 'run-7', 'x-llmctl-agent': 'planner',
    'x-llmctl-project': 'atlas', 'x-llmctl-tags': 'env=prod, ticket=T-1' };
  // r1 and r2 ask the same thing (r2 streamed, with another user and metadata): one fingerprint.
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: messages('hi'), max_tokens: 64,
    user: 'end-user-1', metadata: { feature: 'search' } }, { headers });
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: messages('hi'),
    max_tokens: 64, stream: true, user: 'end-user-2' });
  for await (const _ of stream) { /* drain */ }
  // r3: another question (same system prompt and so the same system fingerprint).
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: messages('and now?'), max_tokens: 2 });
  // r4: tools.
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'weather?' }],
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object',
      properties: { city: { type: 'string' } } } } }] });
  // r5: an interrupted stream.
  await assert.rejects(async () => {
    const s = await client.chat.completions.create({ model: 'cut', messages: messages('cut me'), stream: true });
    for await (const _ of s) { /* drain */ }
  });
  // r6: the Anthropic upstream's cache write.
  await client.chat.completions.create({ model: 'claude', messages: messages('cache this'), max_completion_tokens: 100 });
  // r7: refused by the gateway (a malformed tags header): finish_reason error.
  await assert.rejects(client.chat.completions.create({ model: 'gpt-4o-mini', messages: messages('x') },
    { headers: { 'x-llmctl-tags': 'no-equals-sign' } }), (e) => e.status === 400 && /x-llmctl-tags/.test(e.message));

  // The writer flushes on shutdown.
  assert.equal(await stop(gw.child), 0, gw.stderr());
  const q = (sql) => JSON.parse(execFileSync('sqlite3', ['-json', db, sql], { encoding: 'utf8' }) || '[]');
  assert.equal(q('PRAGMA user_version')[0].user_version, 2);
  const rows = q('SELECT * FROM requests ORDER BY id');
  assert.equal(rows.length, 7, JSON.stringify(rows.map((r) => [r.model, r.status])));
  const [r1, r2, r3, r4, r5, r6, r7] = rows;

  assert.equal(r1.finish_reason, 'stop');
  assert.equal(r1.max_tokens, 64);
  assert.equal(r1.has_tools, 0);
  assert.equal(r1.user, 'end-user-1');
  assert.equal(r1.session_id, 'run-7');
  assert.equal(r1.agent, 'planner');
  assert.equal(r1.project, 'atlas');
  assert.deepEqual(JSON.parse(r1.tags), { env: 'prod', feature: 'search', ticket: 'T-1' });
  assert.equal(r1.key_id, null);  // no keys on this gateway
  assert.match(r1.request_fingerprint, /^[0-9a-f]{16}$/);
  assert.match(r1.system_fingerprint, /^[0-9a-f]{16}$/);
  assert.equal(r1.system_tokens, Math.ceil(system.length / 4));
  assert.ok(r1.prefix_tokens > r1.system_tokens);

  assert.equal(r2.stream, 1);
  assert.equal(r2.finish_reason, 'stop');
  assert.equal(r2.request_fingerprint, r1.request_fingerprint, 'stream, user and metadata do not change the answer');
  assert.equal(r2.prefix_fingerprint, r1.prefix_fingerprint);
  assert.equal(r2.session_id, null);
  assert.equal(r2.tags, null);

  assert.equal(r3.finish_reason, 'length');
  assert.equal(r3.max_tokens, 2);
  assert.notEqual(r3.request_fingerprint, r1.request_fingerprint);
  assert.notEqual(r3.prefix_fingerprint, r1.prefix_fingerprint);
  assert.equal(r3.system_fingerprint, r1.system_fingerprint);

  assert.equal(r4.finish_reason, 'tool_calls');
  assert.equal(r4.has_tools, 1);
  assert.equal(r4.max_tokens, null);
  assert.equal(r4.system_fingerprint, null);
  assert.equal(r4.system_tokens, null);

  assert.equal(r5.error_class, 'stream_interrupted');
  assert.equal(r5.finish_reason, 'interrupted');

  assert.equal(r6.provider, 'anthropic');
  assert.equal(r6.finish_reason, 'stop');
  assert.equal(r6.max_tokens, 100);
  assert.equal(r6.cache_write_tokens, 1200);
  assert.equal(r6.input_tokens, 1205);

  assert.equal(r7.status, 400);
  assert.equal(r7.finish_reason, 'error');

  for (const r of rows) assert.equal(r.feedback_score, null);
});
