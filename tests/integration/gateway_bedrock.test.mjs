// provider: bedrock end to end without AWS: the official openai and @anthropic-ai/sdk clients
// talk to a real `llmctl gateway`, which signs Converse / ConverseStream requests to a local
// fake Bedrock (lib/fake_bedrock.mjs) that verifies every signature with AWS's own signer
// package and encodes its streams with AWS's own event-stream codec.
// Covered: whole and streamed answers, tools both ways, system prompts, images, usage with
// cache reads and writes (as each client API reports them, and in the request log), throttling
// (429), auth failure (403), a stream cut mid-way and a throttling exception inside a stream,
// an inference-profile id in the path, and credentials from a shared credentials file with a
// session token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startListening, stop, stopAll } from './lib/processes.mjs';
import { startFakeBedrock } from './lib/fake_bedrock.mjs';

const require = createRequire(path.join(process.env.LLMCTL_SOURCE_DIR, 'package.json'));
const anthropicSdk = require('@anthropic-ai/sdk');
const Anthropic = anthropicSdk.Anthropic ?? anthropicSdk.default;
const { OpenAI } = require('openai');
const llmctl = process.env.LLMCTL;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-bedrock-'));
const db = path.join(tmp, 'requests.db');
const PROFILE_ID = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';
let fake;
let gw;
let openai;
let claude;

// A 1x1 PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const weather = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

before(async () => {
  fake = await startFakeBedrock({
    credentials: {
      AKIAENVEXAMPLE: 'env-secret', 'AKIAENVEXAMPLE:token': 'env-session-token',
      AKIAFILEEXAMPLE: 'file-secret',
    },
  });
  const credsFile = path.join(tmp, 'credentials');
  fs.writeFileSync(credsFile, '[default]\naws_access_key_id = AKIAWRONG\naws_secret_access_key = x\n\n'
    + '[tests]\naws_access_key_id = AKIAFILEEXAMPLE\naws_secret_access_key = file-secret\n'
    + '\n[badsecret]\naws_access_key_id = AKIAFILEEXAMPLE\naws_secret_access_key = not-the-secret\n');
  // The profile id is priced from the catalog (bedrock/anthropic.claude-3-5-haiku-..., whose
  // aliases are the cross-region profiles); the fake's other model ids have no price.
  const free = '        price: none\n';
  const dep = (name, model, extra = '') => `
  - name: ${name}
    max_attempts: 1
    deployments:
      - provider: bedrock
        base_url: ${fake.url}
        region: us-east-1
        model: ${model}
${extra}`;
  const config = `
listen: 127.0.0.1:0
workers: 2
logging:
  request_log:
    path: ${db}
models:${dep('claude', PROFILE_ID)}${dep('claude-file', 'anthropic.claude-3-haiku-20240307-v1:0', `        aws_profile: tests\n${free}`)}${dep('throttled', 'throttled-model', free)}${dep('cut', 'cut-model', free)}${dep('stream-throttled', 'stream-throttled-model', free)}${dep('badsig', 'any-model', `        aws_profile: badsecret\n${free}`)}`;
  const file = path.join(tmp, 'gateway.yaml');
  fs.writeFileSync(file, config);
  const env = {
    AWS_ACCESS_KEY_ID: 'AKIAENVEXAMPLE', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_SESSION_TOKEN: 'env-session-token',
    AWS_SHARED_CREDENTIALS_FILE: credsFile,
  };
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

const lastRequest = () => fake.requests[fake.requests.length - 1];

test('the fake checks signatures: the AWS SDK signer passes, a changed body or key fails', async () => {
  const { SignatureV4 } = require('@smithy/signature-v4');
  const { Sha256 } = require('@aws-crypto/sha256-js');
  const u = new URL(fake.url);
  const body = JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'signed by the sdk' }] }] });
  const send = async (secret, sentBody) => {
    const signer = new SignatureV4({ service: 'bedrock', region: 'us-east-1', sha256: Sha256,
      credentials: { accessKeyId: 'AKIAFILEEXAMPLE', secretAccessKey: secret } });
    const req = await signer.sign({ method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port),
      path: '/model/m%3A0/converse', query: {}, headers: { host: u.host, 'content-type': 'application/json' }, body });
    return fetch(`${fake.url}/model/m%3A0/converse`, { method: 'POST', headers: req.headers, body: sentBody });
  };
  assert.equal((await send('file-secret', body)).status, 200);
  const tampered = await send('file-secret', body.replace('sdk', 'SDK'));
  assert.equal(tampered.status, 403);
  assert.match(tampered.headers.get('x-amzn-errortype'), /^InvalidSignatureException/);
  assert.equal((await send('wrong-secret', body)).status, 403);
});

test('openai chat -> bedrock: whole answer, system prompt, usage with cache reads and writes', async () => {
  const r = await openai.chat.completions.create({
    model: 'claude', max_tokens: 50,
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello there bedrock' }],
  });
  assert.equal(r.choices[0].message.content, 'Bedrock heard: hello there bedrock');
  assert.equal(r.choices[0].finish_reason, 'stop');
  const req = lastRequest();
  assert.equal(req.path, '/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse');
  assert.equal(req.modelId, PROFILE_ID);
  assert.deepEqual(req.body.system, [{ text: 'Be brief.' }]);
  assert.deepEqual(req.body.inferenceConfig, { maxTokens: 50 });
  assert.equal(req.headers['x-amz-security-token'], 'env-session-token');
  // 5 words in, 5 out; no cache point in this request.
  assert.equal(r.usage.prompt_tokens, 5);
  assert.equal(r.usage.completion_tokens, 5);
});

test('anthropic messages -> bedrock: cache points both ways, cache usage reported', async () => {
  const msg = await claude.messages.create({
    model: 'claude', max_tokens: 50,
    system: [{ type: 'text', text: 'Long shared context.', cache_control: { type: 'ephemeral' } }],
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.equal(msg.content[0].text, 'Bedrock heard: hi');
  assert.deepEqual(lastRequest().body.system, [{ text: 'Long shared context.' }, { cachePoint: { type: 'default' } }]);
  assert.equal(msg.usage.input_tokens, 4);
  assert.equal(msg.usage.cache_read_input_tokens, 3);
  assert.equal(msg.usage.cache_creation_input_tokens, 2);
  assert.equal(msg.stop_reason, 'end_turn');
});

test('openai chat -> bedrock: streamed text and usage', async () => {
  const stream = await openai.chat.completions.create({
    model: 'claude', stream: true, stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'one two three four five six seven' }],
  });
  let text = '';
  let usage = null;
  let finish = null;
  for await (const chunk of stream) {
    if (chunk.choices[0]?.delta?.content) text += chunk.choices[0].delta.content;
    if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, 'Bedrock heard: one two three four five six seven');
  assert.equal(finish, 'stop');
  assert.equal(usage.prompt_tokens, 7);
  assert.equal(usage.completion_tokens, 9);
  assert.match(lastRequest().path, /\/converse-stream$/);
  assert.equal(lastRequest().headers.accept, 'application/vnd.amazon.eventstream');
});

test('openai chat -> bedrock: tool call streamed, then the tool result round trip', async () => {
  const stream = await openai.chat.completions.create({
    model: 'claude', stream: true, tools: [weather],
    messages: [{ role: 'user', content: 'Weather in Paris?' }],
  });
  const calls = {};
  let finish = null;
  for await (const chunk of stream) {
    for (const c of chunk.choices[0]?.delta?.tool_calls ?? []) {
      calls[c.index] ??= { id: '', name: '', args: '' };
      if (c.id) calls[c.index].id = c.id;
      if (c.function?.name) calls[c.index].name = c.function.name;
      if (c.function?.arguments) calls[c.index].args += c.function.arguments;
    }
    if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
  }
  assert.equal(finish, 'tool_calls');
  assert.equal(calls[0].name, 'get_weather');
  assert.equal(calls[0].id, 'tooluse_fake1');
  assert.deepEqual(JSON.parse(calls[0].args), { city: 'Paris' });
  assert.equal(lastRequest().body.toolConfig.tools[0].toolSpec.name, 'get_weather');

  const r = await openai.chat.completions.create({
    model: 'claude', tools: [weather],
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: calls[0].id, type: 'function', function: { name: 'get_weather', arguments: calls[0].args } }] },
      { role: 'tool', tool_call_id: calls[0].id, content: 'sunny, 21 C' },
    ],
  });
  assert.equal(r.choices[0].message.content, 'Bedrock heard: a tool result');
  const sent = lastRequest().body.messages;
  assert.deepEqual(sent[1].content, [{ toolUse: { toolUseId: 'tooluse_fake1', name: 'get_weather', input: { city: 'Paris' } } }]);
  assert.deepEqual(sent[2].content, [{ toolResult: { toolUseId: 'tooluse_fake1', content: [{ text: 'sunny, 21 C' }] } }]);
});

test('anthropic messages -> bedrock: streamed tool use assembled by the SDK; images as bytes', async () => {
  const msg = await claude.messages.stream({
    model: 'claude', max_tokens: 100,
    tools: [{ name: 'get_weather', description: 'Weather', input_schema: weather.function.parameters }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Where is this?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] }],
  }).finalMessage();
  assert.equal(msg.stop_reason, 'tool_use');
  const use = msg.content.find((b) => b.type === 'tool_use');
  assert.deepEqual(use.input, { city: 'Paris' });
  assert.deepEqual(lastRequest().body.messages[0].content[1], { image: { format: 'png', source: { bytes: PNG } } });
  assert.ok(msg.usage.output_tokens > 0);
});

test('credentials from the shared credentials file profile sign too', async () => {
  const r = await openai.chat.completions.create({ model: 'claude-file', messages: [{ role: 'user', content: 'file creds' }] });
  assert.equal(r.choices[0].message.content, 'Bedrock heard: file creds');
  assert.match(lastRequest().headers.authorization, /Credential=AKIAFILEEXAMPLE\//);
  assert.equal(lastRequest().headers['x-amz-security-token'], undefined);
});

test('a wrong secret: 403 from Bedrock reaches both clients as an authentication error', async () => {
  await assert.rejects(openai.chat.completions.create({ model: 'badsig', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 403 && /signature we calculated does not match/.test(e.message) && e.code === 'InvalidSignatureException');
  assert.equal(lastRequest().rejected, 'InvalidSignatureException');
  await assert.rejects(claude.messages.create({ model: 'badsig', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 403 && e.error?.error?.type === 'permission_error');
});

test('throttling: 429 for both clients', async () => {
  await assert.rejects(openai.chat.completions.create({ model: 'throttled', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 429 && /Too many requests/.test(e.message));
  await assert.rejects(claude.messages.create({ model: 'throttled', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 429 && e.error?.error?.type === 'rate_limit_error');
});

test('a stream cut mid-way raises in both SDKs, never a silent truncation', async () => {
  await assert.rejects(async () => {
    const stream = await openai.chat.completions.create({ model: 'cut', stream: true, messages: [{ role: 'user', content: 'a b c d e f g h i' }] });
    for await (const _ of stream) { /* drain */ }
  }, /interrupted/);
  await assert.rejects(claude.messages.stream({ model: 'cut', max_tokens: 50, messages: [{ role: 'user', content: 'a b c d e f g h i' }] }).finalMessage(),
    /interrupted/);
});

test('a throttlingException event inside a stream raises with its message', async () => {
  await assert.rejects(async () => {
    const stream = await openai.chat.completions.create({ model: 'stream-throttled', stream: true, messages: [{ role: 'user', content: 'a b c d e f' }] });
    for await (const _ of stream) { /* drain */ }
  }, /Too many tokens/);
  await assert.rejects(claude.messages.stream({ model: 'stream-throttled', max_tokens: 50, messages: [{ role: 'user', content: 'a b c d e f' }] }).finalMessage(),
    /Too many tokens/);
});

test('what Converse cannot carry is a 400 naming the field; embeddings are refused', async () => {
  await assert.rejects(claude.messages.create({
    model: 'claude', max_tokens: 5,
    messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }] }],
  }), (e) => e.status === 400 && /image bytes only/.test(e.message));
  await assert.rejects(openai.embeddings.create({ model: 'claude', input: 'x' }),
    (e) => e.status === 400 && /embeddings is not available through Bedrock's Converse API/.test(e.message));
});

test('the request log holds every Bedrock request with Bedrock usage normalised', async () => {
  await stop(gw.child);
  const rows = JSON.parse(execFileSync('sqlite3', ['-json', db,
    "SELECT model, provider, status, input_tokens, cached_tokens, cache_write_tokens, output_tokens, cost_usd FROM requests ORDER BY id"]).toString() || '[]');
  assert.ok(rows.length >= 10, JSON.stringify(rows));
  assert.ok(rows.every((r) => r.provider === 'bedrock'));
  // The Anthropic cache request: 4 new + 3 read + 2 written input tokens, normalised so
  // input_tokens includes the cached ones (OpenAI semantics), and priced.
  const cache = rows.find((r) => r.cache_write_tokens === 2);
  assert.ok(cache, JSON.stringify(rows));
  assert.equal(cache.cached_tokens, 3);
  assert.equal(cache.input_tokens, 9);
  assert.ok(cache.cost_usd > 0);
});
