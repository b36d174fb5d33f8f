// provider: azure-openai end to end: the official openai and @anthropic-ai/sdk clients talk to a
// real `llmctl gateway` whose deployments point at a local fake of Azure OpenAI's data plane
// (lib/fake_azure.mjs): the deployment URL scheme, api-version, the api-key header, Azure's
// extra stream chunk, throttling (429 with retry-after), auth failure (401), a cut stream, and
// the content filter — classified as content_policy and never retried on another deployment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startListening, stop, stopAll } from './lib/processes.mjs';
import { startFakeAzure } from './lib/fake_azure.mjs';

const require = createRequire(path.join(process.env.LLMCTL_SOURCE_DIR, 'package.json'));
const anthropicSdk = require('@anthropic-ai/sdk');
const Anthropic = anthropicSdk.Anthropic ?? anthropicSdk.default;
const { OpenAI } = require('openai');
const llmctl = process.env.LLMCTL;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-azure-'));
const db = path.join(tmp, 'requests.db');
const KEY = 'azure-key-0123456789';
let fake;
let gw;
let openai;
let claude;

before(async () => {
  fake = await startFakeAzure({ apiKey: KEY });
  const dep = (deployment, extra = '') => `
      - name: ${deployment}
        provider: azure-openai
        base_url: ${fake.url}
        model: ${deployment}
        api_key_env: ${extra.includes('WRONG') ? 'AZURE_WRONG_KEY' : 'AZURE_OPENAI_API_KEY'}
        price: openai/gpt-4o
${extra.replace('WRONG', '')}`;
  const config = `
listen: 127.0.0.1:0
workers: 1
logging:
  request_log:
    path: ${db}
models:
  - name: gpt-4o
    deployments:${dep('gpt-4o-prod')}
  - name: filtered             # the content filter refuses: the weight-0 fallback is not tried
    max_attempts: 2
    deployments:${dep('filtered')}${dep('gpt-4o-prod-fallback', '        weight: 0\n')}
  - name: throttled
    max_attempts: 1
    deployments:${dep('throttled')}
  - name: cut
    deployments:${dep('cut')}
  - name: wrong-key
    deployments:${dep('wrong-key-dep', 'WRONG')}
`;
  const file = path.join(tmp, 'gateway.yaml');
  fs.writeFileSync(file, config);
  const env = { AZURE_OPENAI_API_KEY: KEY, AZURE_WRONG_KEY: 'not-the-key' };
  execFileSync(llmctl, ['gateway', '--check', '--config', file], { env: { ...process.env, ...env } });
  gw = await startListening(['gateway', '--config', file], { env });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
  claude = new Anthropic({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
});

after(async () => {
  await stopAll(5000);
  await fake?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const last = () => fake.requests[fake.requests.length - 1];

test('openai chat -> azure: deployment URL, api-version, api-key, whole answer', async () => {
  const r = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello azure' }] });
  assert.equal(r.choices[0].message.content, 'Azure heard: hello azure');
  assert.equal(last().path, '/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21');
  assert.equal(last().headers['api-key'], KEY);
  assert.equal(last().headers.authorization, undefined);
  assert.equal(r.usage.prompt_tokens, 2);
});

test('openai chat -> azure: stream with Azure\'s choice-less first chunk, usage at the end', async () => {
  const stream = await openai.chat.completions.create({ model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'stream me please' }] });
  let text = '';
  let usage = null;
  for await (const c of stream) {
    text += c.choices[0]?.delta?.content ?? '';
    if (c.usage) usage = c.usage;
  }
  assert.equal(text, 'Azure heard: stream me please');
  assert.equal(usage.prompt_tokens, 3);
});

test('anthropic messages -> azure (translated to chat): whole and streamed', async () => {
  const msg = await claude.messages.create({ model: 'gpt-4o', max_tokens: 20, messages: [{ role: 'user', content: 'from claude sdk' }] });
  assert.equal(msg.content[0].text, 'Azure heard: from claude sdk');
  assert.equal(last().body.max_completion_tokens, 20, 'Azure takes OpenAI\'s own parameters');
  const stream = claude.messages.stream({ model: 'gpt-4o', max_tokens: 20, messages: [{ role: 'user', content: 'streamed from claude' }] });
  let text = '';
  stream.on('text', (t) => { text += t; });
  const final = await stream.finalMessage();
  assert.equal(text, 'Azure heard: streamed from claude');
  assert.ok(final.usage.output_tokens > 0);
});

test('the content filter: relayed as Azure said it, classed content_policy, not retried', async () => {
  const before = fake.requests.length;
  await assert.rejects(openai.chat.completions.create({ model: 'filtered', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 400 && e.code === 'content_filter' && /content management policy/.test(e.message));
  assert.equal(fake.requests.length - before, 1, 'the fallback deployment must not be tried');
  await assert.rejects(claude.messages.create({ model: 'gpt-4o', max_tokens: 5, messages: [{ role: 'user', content: 'forbidden words' }] }),
    (e) => e.status === 400 && /content management policy/.test(e.message));
});

test('throttling: 429 with Azure\'s retry-after', async () => {
  await assert.rejects(openai.chat.completions.create({ model: 'throttled', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 429 && /exceeded token rate limit/.test(e.message) && e.headers.get('retry-after') !== null);
});

test('a wrong key: 401 reaches the client', async () => {
  await assert.rejects(openai.chat.completions.create({ model: 'wrong-key', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 401 && /Access denied/.test(e.message));
});

test('a cut stream raises in the SDK', async () => {
  await assert.rejects(async () => {
    const stream = await openai.chat.completions.create({ model: 'cut', stream: true, messages: [{ role: 'user', content: 'a b c d e f' }] });
    for await (const _ of stream) { /* drain */ }
  }, /interrupted/);
});

test('the request log names the errors by class', async () => {
  await stop(gw.child);
  const rows = JSON.parse(execFileSync('sqlite3', ['-json', db, 'SELECT model, provider, status, error_class FROM requests ORDER BY id']).toString() || '[]');
  assert.ok(rows.every((r) => r.provider === 'azure-openai'), JSON.stringify(rows));
  assert.equal(rows.filter((r) => r.error_class === 'content_policy').length, 2, JSON.stringify(rows));
  assert.ok(rows.some((r) => r.error_class === 'rate_limited'));
  assert.ok(rows.some((r) => r.error_class === 'stream_interrupted'));
});
