// The gateway's Anthropic support end to end with the official SDKs over loopback: real
// `llmctl mock` upstreams (which speak both APIs) and a real `llmctl gateway`.
//   @anthropic-ai/sdk -> gateway /v1/messages -> anthropic deployment (passthrough)
//   @anthropic-ai/sdk -> gateway /v1/messages -> openai / openai-compatible deployment (translated)
//   openai SDK        -> gateway /v1/chat/completions -> anthropic deployment (translated)
// Whole and streamed answers, tool use (the SDKs' assembled tool input), Anthropic-shaped errors,
// mid-stream cuts (the SDK must raise), and the SQLite request log after SIGTERM: every request
// with its tokens (Anthropic semantics normalised) and cost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startListening, stop, stopAll } from './lib/processes.mjs';

const require = createRequire(path.join(process.env.LLMCTL_SOURCE_DIR, 'package.json'));
const anthropicSdk = require('@anthropic-ai/sdk');
const Anthropic = anthropicSdk.Anthropic ?? anthropicSdk.default;
const AnthropicAPIError = anthropicSdk.APIError;
const { OpenAI, APIError: OpenAIAPIError } = require('openai');
const llmctl = process.env.LLMCTL;


const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-anth-'));
const db = path.join(tmp, 'requests.db');
const UPSTREAM_KEY = 'sk-ant-upstream-secret';
let gw;
let claude;  // @anthropic-ai/sdk client
let openai;  // openai client
let posts = 0;  // proxied requests: the request log must hold exactly these
const seen = new Map();  // request id -> what the client saw, checked against the log

const weatherTool = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] },
};
const weatherFunction = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather for a city', parameters: weatherTool.input_schema },
};

before(async () => {
  // One simulator speaks both APIs; it checks x-api-key on /v1/messages and the bearer key on
  // /v1/chat/completions, so a wrong or missing forwarded key fails the tests.
  const both = await startListening(['mock', '--port', '0', '--ttft-ms', '2', '--tpot-ms', '1',
    '--cache-hit-share', '0.5', '--api-key', UPSTREAM_KEY]);
  const cut = await startListening(['mock', '--port', '0', '--ttft-ms', '1', '--tpot-ms', '1',
    '--disconnect-after', '4']);
  const overloaded = await startListening(['mock', '--port', '0', '--fail-rate', '1', '--fail-status', '529']);
  const limited = await startListening(['mock', '--port', '0', '--rate-limit-rate', '1', '--retry-after', '7']);
  const hanging = await startListening(['mock', '--port', '0', '--hang-rate', '1']);
  // Cuts every stream before its first event; answers 400 "prompt is too long" past 40 tokens.
  const cutEarly = await startListening(['mock', '--port', '0', '--disconnect-after', '0']);
  const small = await startListening(['mock', '--port', '0', '--max-context-tokens', '40']);
  const config = `
listen: 127.0.0.1:0
workers: 2
limits:
  max_body_bytes: 65536
logging:
  request_log:
    path: ${db}
models:
  - name: claude-sonnet-4-5
    deployments:
      - provider: anthropic        # key: ANTHROPIC_API_KEY by default; price from the catalog
        base_url: ${both.url}
        model: claude-sonnet-4-5
  - name: gpt-4o-mini
    deployments:
      - provider: openai
        base_url: ${both.url}/v1
        model: gpt-4o-mini
        api_key_env: LLMCTL_TEST_UPSTREAM_KEY
  - name: compat
    deployments:
      - provider: openai-compatible
        base_url: ${both.url}/v1
        model: some-open-model
        api_key_env: LLMCTL_TEST_UPSTREAM_KEY
        price: none
  - name: claude-cut
    deployments:
      - provider: anthropic
        base_url: ${cut.url}
        model: claude-haiku-4-5
  - name: compat-cut
    deployments:
      - provider: openai-compatible
        base_url: ${cut.url}/v1
        model: m
        price: none
  - name: claude-overloaded
    deployments:
      - provider: anthropic
        base_url: ${overloaded.url}
        model: claude-haiku-4-5
  - name: claude-limited
    deployments:
      - provider: anthropic
        base_url: ${limited.url}
        model: claude-haiku-4-5
  - name: claude-fallback          # one group, both APIs: the anthropic one fails over
    deployments:
      - provider: anthropic
        base_url: ${overloaded.url}
        model: claude-haiku-4-5
      - provider: openai-compatible
        base_url: ${both.url}/v1
        model: fallback-model
        api_key_env: LLMCTL_TEST_UPSTREAM_KEY
        price: none
        weight: 0
  - name: claude-cut-early          # an anthropic stream that dies before its first event
    max_attempts: 1                # no retry of the same deployment: the group's fallback
    fallbacks: [compat]
    deployments:
      - provider: anthropic
        base_url: ${cutEarly.url}
        model: claude-haiku-4-5
  - name: claude-small             # a small context; the long prompt moves to claude-sonnet-4-5
    context_window_fallbacks: [claude-sonnet-4-5]
    deployments:
      - provider: anthropic
        base_url: ${small.url}
        model: claude-haiku-4-5
  - name: claude-hanging
    deployments:
      - provider: anthropic
        base_url: ${hanging.url}
        model: claude-haiku-4-5
        timeouts: {first_byte_ms: 300}
`;
  const file = path.join(tmp, 'gateway.yaml');
  fs.writeFileSync(file, config);
  const env = { ANTHROPIC_API_KEY: UPSTREAM_KEY, LLMCTL_TEST_UPSTREAM_KEY: UPSTREAM_KEY };
  execFileSync(llmctl, ['gateway', '--check', '--config', file], { env: { ...process.env, ...env } });
  gw = await startListening(['gateway', '--config', file], { env });
  // The clients' keys are theirs; the gateway sends each deployment's own key upstream.
  claude = new Anthropic({ baseURL: gw.url, apiKey: 'client-key-not-forwarded', maxRetries: 0 });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key-not-forwarded', maxRetries: 0 });
});

after(async () => {
  await stopAll(5000);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const ask = { max_tokens: 64, messages: [{ role: 'user', content: 'Tell me about gateways, briefly please.' }] };
const MOCK_TEXT = ' This is a simulated answer from the llmctl mock upstream so tests and benchmarks need no key.';

function checkAnthropicUsage(u) {
  assert.ok(u.input_tokens > 0, JSON.stringify(u));
  assert.ok(u.cache_read_input_tokens > 0, 'the scenario sets a cache hit share');
  assert.ok(u.output_tokens > 0);
}

test('messages -> anthropic deployment (passthrough): whole, with Anthropic usage', async () => {
  posts++;
  const { data, response } = await claude.messages.create({ model: 'claude-sonnet-4-5', ...ask }).withResponse();
  assert.equal(data.type, 'message');
  assert.equal(data.model, 'claude-sonnet-4-5');
  assert.equal(data.content[0].type, 'text');
  assert.equal(data.content[0].text, MOCK_TEXT);
  assert.equal(data.stop_reason, 'end_turn');
  checkAnthropicUsage(data.usage);
  assert.equal(response.headers.get('x-llmctl-deployment'), 'claude-sonnet-4-5/0');
  seen.set(response.headers.get('x-request-id'), { usage: data.usage, price: 'anthropic/claude-sonnet-4-5' });
});

test('messages -> anthropic deployment (passthrough): stream, text and final usage', async () => {
  posts++;
  const stream = claude.messages.stream({ model: 'claude-sonnet-4-5', ...ask });
  let text = '';
  stream.on('text', (t) => { text += t; });
  const msg = await stream.finalMessage();
  assert.equal(text, MOCK_TEXT);
  assert.equal(msg.stop_reason, 'end_turn');
  checkAnthropicUsage(msg.usage);
  seen.set(stream.response?.headers?.get('x-request-id') ?? `stream-${posts}`, { usage: msg.usage, price: 'anthropic/claude-sonnet-4-5' });
});

test('messages -> anthropic deployment (passthrough): streamed tool use', async () => {
  posts++;
  const msg = await claude.messages.stream({
    model: 'claude-sonnet-4-5', max_tokens: 100, tools: [weatherTool],
    messages: [{ role: 'user', content: 'Weather in Oslo?' }],
  }).finalMessage();
  assert.equal(msg.stop_reason, 'tool_use');
  const use = msg.content.find((b) => b.type === 'tool_use');
  assert.ok(use, JSON.stringify(msg.content));
  assert.equal(use.name, 'get_weather');
  assert.deepEqual(use.input, { city: 'mock', days: 1 });
});

for (const model of ['gpt-4o-mini', 'compat']) {
  test(`messages -> ${model} (translated to chat): whole`, async () => {
    posts++;
    const { data, response } = await claude.messages.create({
      model, system: 'You are terse.', temperature: 0.3, stop_sequences: ['\n\n'], ...ask,
    }).withResponse();
    assert.equal(data.type, 'message');
    assert.equal(data.role, 'assistant');
    assert.match(data.id, /^msg_/);
    assert.equal(data.content.length, 1);
    assert.equal(data.content[0].text, MOCK_TEXT);
    assert.equal(data.stop_reason, 'end_turn');
    // OpenAI's prompt_tokens included the cached ones; the Anthropic client gets them apart.
    checkAnthropicUsage(data.usage);
    if (model === 'gpt-4o-mini')
      seen.set(response.headers.get('x-request-id'), { usage: data.usage, price: 'openai/gpt-4o-mini' });
  });

  test(`messages -> ${model} (translated): stream equals the whole answer`, async () => {
    posts++;
    const stream = claude.messages.stream({ model, ...ask });
    const events = [];
    stream.on('streamEvent', (e) => events.push(e.type));
    const msg = await stream.finalMessage();
    assert.equal(msg.content[0].text, MOCK_TEXT);
    assert.equal(msg.stop_reason, 'end_turn');
    checkAnthropicUsage(msg.usage);
    assert.equal(events[0], 'message_start');
    assert.equal(events.at(-1), 'message_stop');
    assert.ok(events.includes('content_block_stop') && events.includes('message_delta'));
  });

  test(`messages -> ${model} (translated): streamed tool use with input_json_delta`, async () => {
    posts++;
    let partial = '';
    const stream = claude.messages.stream({
      model, max_tokens: 100, tools: [weatherTool], tool_choice: { type: 'any' },
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_0', name: 'get_weather', input: { city: 'Bergen' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_0', content: 'rain' }, { type: 'text', text: 'And Oslo?' }] },
      ],
    });
    stream.on('inputJson', (delta) => { partial += delta; });
    const msg = await stream.finalMessage();
    assert.equal(msg.stop_reason, 'tool_use');
    const use = msg.content.find((b) => b.type === 'tool_use');
    assert.ok(use, JSON.stringify(msg.content));
    assert.equal(use.name, 'get_weather');
    assert.deepEqual(use.input, { city: 'mock', days: 1 });
    assert.deepEqual(JSON.parse(partial), use.input);
  });
}

test('messages -> translated: max_tokens stops with stop_reason max_tokens', async () => {
  posts++;
  const r = await claude.messages.create({ model: 'compat', max_tokens: 3, messages: ask.messages });
  assert.equal(r.stop_reason, 'max_tokens');
  assert.equal(r.usage.output_tokens, 3);
});

test('messages: a group mixing both APIs falls back across them', async () => {
  posts++;
  const { data, response } = await claude.messages.create({ model: 'claude-fallback', ...ask }).withResponse();
  assert.equal(data.content[0].text, MOCK_TEXT);
  assert.equal(data.model, 'claude-fallback', 'the model the client asked for');
  assert.equal(response.headers.get('x-llmctl-upstream-model'), 'fallback-model');
  assert.equal(response.headers.get('x-llmctl-deployment'), 'claude-fallback/1');
});

test('messages stream: an anthropic upstream cut before its first event falls back unseen', async () => {
  posts++;
  const stream = claude.messages.stream({ model: 'claude-cut-early', ...ask });
  let text = '';
  stream.on('text', (t) => { text += t; });
  const { response } = await stream.withResponse();
  const msg = await stream.finalMessage();
  assert.equal(text, MOCK_TEXT);
  assert.equal(msg.model, 'claude-cut-early', 'the model the client asked for');
  assert.equal(response.headers.get('x-llmctl-upstream-model'), 'some-open-model',
    'answered by the fallback group (translated)');
  assert.equal(msg.stop_reason, 'end_turn');
});

test('messages: Anthropic\'s "prompt is too long" lands on the larger-context group', async () => {
  posts += 2;
  // A short prompt fits the small model ...
  const fits = await claude.messages.create({ model: 'claude-small', ...ask }).withResponse();
  assert.equal(fits.response.headers.get('x-llmctl-deployment'), 'claude-small/0');
  // ... a long one is refused there (400) and answered by the context-window fallback.
  const long = { max_tokens: 16, messages: [{ role: 'user', content: 'word '.repeat(200) }] };
  const { data, response } = await claude.messages.create({ model: 'claude-small', ...long }).withResponse();
  assert.equal(response.headers.get('x-llmctl-deployment'), 'claude-sonnet-4-5/0');
  assert.equal(data.model, 'claude-small', 'the model the client asked for');
});

test('chat -> anthropic deployment (translated): whole, with OpenAI usage', async () => {
  posts++;
  const { data, response } = await openai.chat.completions.create({
    model: 'claude-sonnet-4-5', max_tokens: 50,
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say something about gateways.' }],
  }).withResponse();
  assert.equal(data.object, 'chat.completion');
  assert.equal(data.choices[0].message.content, MOCK_TEXT);
  assert.equal(data.choices[0].finish_reason, 'stop');
  const u = data.usage;
  assert.ok(u.prompt_tokens > 0 && u.completion_tokens > 0);
  assert.ok(u.prompt_tokens_details.cached_tokens > 0);
  assert.ok(u.prompt_tokens > u.prompt_tokens_details.cached_tokens, 'prompt_tokens includes the cached ones');
  seen.set(response.headers.get('x-request-id'), {
    usage: { input_tokens: u.prompt_tokens - u.prompt_tokens_details.cached_tokens,
      cache_read_input_tokens: u.prompt_tokens_details.cached_tokens, output_tokens: u.completion_tokens },
    price: 'anthropic/claude-sonnet-4-5',
  });
});

test('chat -> anthropic deployment (translated): tool call, whole', async () => {
  posts++;
  const r = await openai.chat.completions.create({
    model: 'claude-sonnet-4-5', tools: [weatherFunction], tool_choice: 'required',
    messages: [{ role: 'user', content: 'Weather in Oslo?' }],
  });
  assert.equal(r.choices[0].finish_reason, 'tool_calls');
  const call = r.choices[0].message.tool_calls[0];
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'mock', days: 1 });
});

test('chat -> anthropic deployment (translated): streamed tool calls and a usage chunk', async () => {
  posts++;
  const stream = await openai.chat.completions.create({
    model: 'claude-sonnet-4-5', stream: true, stream_options: { include_usage: true },
    tools: [weatherFunction],
    messages: [
      { role: 'user', content: 'Weather in Bergen?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Bergen"}' } }] },
      { role: 'tool', tool_call_id: 'call_0', content: 'rain' },
      { role: 'user', content: 'And Oslo?' },
    ],
  });
  const calls = [];
  let finish = null;
  let usage = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    for (const tc of choice.delta?.tool_calls ?? []) {
      calls[tc.index] ??= { id: '', name: '', args: '' };
      if (tc.id) calls[tc.index].id = tc.id;
      if (tc.function?.name) calls[tc.index].name = tc.function.name;
      calls[tc.index].args += tc.function?.arguments ?? '';
    }
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  assert.equal(finish, 'tool_calls');
  assert.equal(calls.length, 1);
  assert.match(calls[0].id, /^toolu_/);
  assert.equal(calls[0].name, 'get_weather');
  assert.deepEqual(JSON.parse(calls[0].args), { city: 'mock', days: 1 });
  assert.ok(usage && usage.prompt_tokens > 0 && usage.completion_tokens > 0);
  assert.ok(usage.prompt_tokens_details.cached_tokens > 0);
});

test('chat -> anthropic deployment: stream without include_usage gets no usage chunk', async () => {
  posts++;
  const stream = await openai.chat.completions.create({
    model: 'claude-sonnet-4-5', stream: true, messages: [{ role: 'user', content: 'Stream please.' }],
  });
  let text = '';
  let finish = null;
  for await (const chunk of stream) {
    assert.ok(!chunk.usage, 'no usage chunk was asked for');
    text += chunk.choices[0]?.delta?.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(text, MOCK_TEXT);
  assert.equal(finish, 'stop');
});

async function expectAnthropicError(promise, status, type) {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof AnthropicAPIError, `APIError, got ${err}`);
    assert.equal(err.status, status, err.message);
    assert.equal(err.error?.type, 'error', JSON.stringify(err.error));
    assert.equal(err.error?.error?.type, type, JSON.stringify(err.error));
    return err;
  }
  assert.fail(`expected HTTP ${status}`);
}

test('errors on /v1/messages are Anthropic-shaped with the right status', async () => {
  posts++;
  await expectAnthropicError(claude.messages.create({ model: 'no-such-model', ...ask }), 404, 'not_found_error');
  posts++;
  const missing = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', messages: ask.messages }),
  });
  assert.equal(missing.status, 400);
  const body = await missing.json();
  assert.equal(body.type, 'error');
  assert.equal(body.error.type, 'invalid_request_error');
  assert.match(body.error.message, /max_tokens/);
  posts++;
  await expectAnthropicError(claude.messages.create({ model: 'claude-overloaded', ...ask }), 529, 'overloaded_error');
  posts++;
  const limited = await expectAnthropicError(claude.messages.create({ model: 'claude-limited', ...ask }), 429, 'rate_limit_error');
  assert.equal(limited.headers.get('retry-after'), '7');
  posts++;
  await expectAnthropicError(claude.messages.create({ model: 'claude-hanging', ...ask }), 504, 'timeout_error');
  posts++;
  // What an OpenAI-compatible upstream cannot do is a clear 400, not a silent drop.
  const thinking = await expectAnthropicError(claude.messages.create({
    model: 'compat', thinking: { type: 'enabled', budget_tokens: 1024 }, ...ask,
  }), 400, 'invalid_request_error');
  assert.match(thinking.message, /thinking: is not translated/);
  // Answered while reading, before the request path (and not logged): still Anthropic's shape.
  const big = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x'.repeat(100000) }] }),
  });
  assert.equal(big.status, 413);
  assert.deepEqual((await big.json()).error.type, 'request_too_large');
  const get = await fetch(`${gw.url}/v1/messages`);
  assert.equal(get.status, 405);
  assert.equal((await get.json()).error.type, 'invalid_request_error');  // answered, not logged
});

test('chat -> anthropic deployment: errors are OpenAI-shaped; n > 1 is refused', async () => {
  posts++;
  try {
    await openai.chat.completions.create({ model: 'claude-sonnet-4-5', n: 2, messages: [{ role: 'user', content: 'x' }] });
    assert.fail('expected 400');
  } catch (err) {
    assert.ok(err instanceof OpenAIAPIError, `${err}`);
    assert.equal(err.status, 400);
    assert.match(err.message, /n must be 1/);
  }
  posts++;
  try {
    await openai.chat.completions.create({ model: 'claude-overloaded', messages: [{ role: 'user', content: 'x' }] });
    assert.fail('expected 529');
  } catch (err) {
    assert.ok(err instanceof OpenAIAPIError, `${err}`);
    assert.equal(err.status, 529);
    assert.equal(err.code, 'overloaded_error');
  }
  posts++;
  try {
    await openai.embeddings.create({ model: 'claude-sonnet-4-5', input: 'x' });
    assert.fail('expected 400');
  } catch (err) {
    assert.equal(err.status, 400);
    assert.match(err.message, /no Anthropic equivalent/);
  }
});

test('mid-stream upstream cut: each SDK raises instead of ending quietly', async () => {
  // At once: the mock closes right after its last bytes (both in one epoll event); the gateway
  // once read the bytes, took the socket for drained and waited out the 60 s idle timeout.
  const t0 = Date.now();
  for (const model of ['claude-cut', 'compat-cut']) {
    posts++;
    const stream = claude.messages.stream({ model, ...ask });
    let text = '';
    stream.on('text', (t) => { text += t; });
    await assert.rejects(stream.finalMessage(), (err) => {
      assert.ok(err instanceof AnthropicAPIError, `${model}: ${err}`);
      assert.match(err.message, /interrupted/);
      return true;
    });
    assert.ok(text.length > 0, `${model}: some text arrived before the cut`);
  }
  posts++;
  const stream = await openai.chat.completions.create({
    model: 'claude-cut', stream: true, messages: [{ role: 'user', content: 'This stream will be cut.' }],
  });
  await assert.rejects(async () => { for await (const _ of stream); }, (err) => {
    assert.match(String(err.message ?? err), /interrupted/);
    return true;
  });
  assert.ok(Date.now() - t0 < 10000, `three cut streams took ${Date.now() - t0} ms`);
});

test('metrics count /v1/messages and Anthropic cache tokens', async () => {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const value = (re) => Number((text.match(re) ?? [])[1] ?? NaN);
  assert.ok(value(/llmctl_gateway_requests_total\{model="claude-sonnet-4-5",endpoint="messages",code="200"\} (\S+)/) >= 3, text);
  assert.ok(value(/llmctl_gateway_requests_total\{model="claude-sonnet-4-5",endpoint="chat",code="200"\} (\S+)/) >= 3);
  assert.ok(value(/llmctl_gateway_tokens_total\{model="claude-sonnet-4-5",type="cache_read"\} (\S+)/) > 0);
  assert.ok(value(/llmctl_gateway_cost_usd_total\{model="claude-sonnet-4-5"\} (\S+)/) > 0);
  assert.ok(value(/llmctl_gateway_errors_total\{model="claude-cut",class="stream_interrupted"\} (\S+)/) >= 2);
});

test('the request log has every request with tokens and cost (after SIGTERM)', async () => {
  assert.equal(await stop(gw.child), 0, gw.stderr());
  if (!fs.existsSync('/usr/bin/sqlite3') && !fs.existsSync('/usr/local/bin/sqlite3')) {
    console.log('SKIP request-log check: the sqlite3 CLI is not installed (Debian package sqlite3)');
    return;
  }
  const q = (sql) => JSON.parse(execFileSync('sqlite3', ['-json', db, sql], { encoding: 'utf8' }) || '[]');
  const rows = q('SELECT * FROM requests ORDER BY id');
  assert.equal(rows.length, posts, JSON.stringify(rows.map((r) => [r.endpoint, r.model, r.status])));

  // Exact tokens and cost where the client's view is known: input counts every token
  // (uncached + cache reads), and cost uses the catalog price of the deployment.
  const prices = { // $/M tokens from data/prices.yaml (input, cache read, output)
    'anthropic/claude-sonnet-4-5': [3, 0.3, 15],
  };
  let checked = 0;
  for (const [id, want] of seen) {
    const r = rows.find((x) => x.request_id === id);
    if (!r) continue;  // a stream whose id the SDK did not expose
    checked++;
    const u = want.usage;
    assert.equal(r.input_tokens, u.input_tokens + u.cache_read_input_tokens, JSON.stringify(r));
    assert.equal(r.cached_tokens, u.cache_read_input_tokens);
    assert.equal(r.output_tokens, u.output_tokens);
    assert.equal(r.usage_estimated, 0);
    assert.equal(r.price_id, want.price);
    assert.ok(r.cost_usd > 0);
    const p = prices[want.price];
    if (p) {
      const usd = (u.input_tokens * p[0] + u.cache_read_input_tokens * p[1] + u.output_tokens * p[2]) / 1e6;
      assert.ok(Math.abs(r.cost_usd - usd) < 1e-12, `${r.cost_usd} vs ${usd}`);
    }
  }
  assert.ok(checked >= 3, `matched ${checked} request ids`);

  const messages = rows.filter((r) => r.endpoint === 'messages');
  assert.ok(messages.length >= 10);
  for (const r of rows.filter((x) => x.status === 200 && x.error_class === null)) {
    assert.ok(r.input_tokens > 0 && r.output_tokens > 0, JSON.stringify(r));
    assert.equal(r.usage_estimated, 0, JSON.stringify(r));
    assert.ok(r.cached_tokens <= r.input_tokens);
    if (r.price_id) assert.ok(r.cost_usd > 0, JSON.stringify(r));
  }
  const passthrough = rows.filter((r) => r.model === 'claude-sonnet-4-5' && r.status === 200);
  assert.ok(passthrough.every((r) => r.provider === 'anthropic' && r.upstream_model === 'claude-sonnet-4-5'));
  const cuts = rows.filter((r) => r.model.endsWith('-cut'));
  assert.equal(cuts.length, 3);
  for (const r of cuts) {
    assert.equal(r.status, 200);
    assert.equal(r.error_class, 'stream_interrupted', JSON.stringify(r));
  }
  assert.equal(rows.find((r) => r.model === 'claude-overloaded' && r.endpoint === 'messages').status, 529);
  assert.equal(rows.find((r) => r.model === 'claude-limited').status, 429);
  assert.equal(rows.find((r) => r.model === 'claude-hanging').error_class, 'timeout');
  const fallback = rows.find((r) => r.model === 'claude-fallback');
  assert.equal(fallback.attempts, 2);
  assert.equal(fallback.provider, 'openai-compatible');
  assert.equal(fallback.status, 200);
  assert.equal(rows.find((r) => r.model === 'no-such-model').status, 404);
  // The upstream key never reaches the log, the access log or a client.
  assert.ok(!JSON.stringify(rows).includes(UPSTREAM_KEY));
  assert.ok(!gw.stderr().includes(UPSTREAM_KEY));
});
