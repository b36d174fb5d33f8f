// provider: vertex end to end, without Google Cloud: the official openai and @anthropic-ai/sdk
// clients talk to a real `llmctl gateway` whose deployments point at a local fake of Vertex AI
// (lib/fake_vertex.mjs: Gemini through generateContent, Claude through rawPredict) and a local
// OAuth token endpoint (lib/fake_oauth.mjs) that VERIFIES each service-account JWT with jose
// (signature with the account's public key, iss, aud, scope, iat/exp).
// Covered: whole and streamed answers, tools, usage (cached and thinking tokens normalised),
// throttling (429), auth failures (a key the endpoint rejects; a stale gcloud token), a cut
// stream, Claude's body rules (anthropic_version in the body, no model), and token refresh:
// with a 3 s token, concurrent requests across two workers share one fetch, and once the token
// is past its refresh point the next burst of concurrent requests fetches exactly one more.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { stopAll } from './lib/processes.mjs';
import { startFakeOAuth } from './lib/fake_oauth.mjs';
import { startFakeVertex } from './lib/fake_vertex.mjs';
import { startPlatformGateway } from './lib/platform_gateway.mjs';

const SA = 'gateway@proj-1.iam.gserviceaccount.com';
const SHORT = 'short-lived@proj-1.iam.gserviceaccount.com';
const ROGUE = 'rogue@proj-1.iam.gserviceaccount.com';
let oauth;
let vertex;
let g;

function keyFile(clientEmail, privateKey, tokenUri) {
  return JSON.stringify({
    type: 'service_account', project_id: 'proj-1', private_key_id: `kid-${clientEmail.split('@')[0]}`,
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }), client_email: clientEmail,
    client_id: '1234567890', token_uri: tokenUri,
  });
}

before(async () => {
  oauth = await startFakeOAuth();
  vertex = await startFakeVertex({ valid: oauth.valid });
  const main = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const short = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  oauth.addServiceAccount(SA, main.publicKey);
  oauth.addServiceAccount(SHORT, short.publicKey, 3);
  // The rogue account is registered with a public key that is not its private key's.
  oauth.addServiceAccount(ROGUE, main.publicKey);
  const dep = (name, model, extra = '') => `
  - name: ${name}
    max_attempts: 1
    deployments:
      - provider: vertex
        base_url: ${vertex.url}/v1
        project: proj-1
        location: us-east5
        model: ${model}
${extra}`;
  const gemini = '        price: google/gemini-2.5-flash\n';
  const claude = '        price: anthropic/claude-sonnet-4-5\n';
  g = await startPlatformGateway({
    prefix: 'vertex',
    workers: 2,
    files: {
      'sa.json': keyFile(SA, main.privateKey, `${oauth.url}/token`),
      'short.json': keyFile(SHORT, short.privateKey, `${oauth.url}/token`),
      'rogue.json': keyFile(ROGUE, other.privateKey, `${oauth.url}/token`),
    },
    // The main key comes from GOOGLE_APPLICATION_CREDENTIALS, the others from credentials_file.
    models: dep('flash', 'gemini-2.5-flash', gemini)
      + dep('sonnet', 'claude-sonnet-4-5@20250929', claude)
      + dep('throttled', 'throttled-model', '        price: none\n')
      + dep('claude-throttled', 'claude-throttled', '        price: none\n')
      + dep('cut', 'cut-model', '        price: none\n')
      + dep('claude-cut', 'claude-cut', '        price: none\n')
      + dep('short', 'gemini-2.5-flash', `${gemini}        credentials_file: {dir}/short.json\n`)
      + dep('rogue', 'gemini-2.5-flash', `${gemini}        credentials_file: {dir}/rogue.json\n`)
      + dep('gcloud', 'gemini-2.5-flash', `${gemini}        access_token_env: VERTEX_ACCESS_TOKEN\n`),
    env: { GOOGLE_APPLICATION_CREDENTIALS: '{dir}/sa.json', VERTEX_ACCESS_TOKEN: 'ya29.stale-gcloud-token' },
  });
});

after(async () => {
  await stopAll(5000);
  await vertex?.close();
  await oauth?.close();
  g?.cleanup();
});

const last = () => vertex.requests[vertex.requests.length - 1];
const weather = { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

test('openai chat -> vertex gemini: URL, a token from a jose-verified JWT, usage', async () => {
  const r = await g.openai.chat.completions.create({ model: 'flash', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello vertex friend' }] });
  assert.equal(r.choices[0].message.content, 'Gemini heard: hello vertex friend');
  assert.equal(last().path, '/v1/projects/proj-1/locations/us-east5/publishers/google/models/gemini-2.5-flash:generateContent');
  assert.ok(oauth.valid(last().token), 'the gateway sent a token the OAuth endpoint issued');
  const grants = oauth.tokenRequests(SA);
  assert.equal(grants.length, 1);
  assert.equal(grants[0].claims.aud, `${oauth.url}/token`);
  assert.equal(grants[0].claims.scope, 'https://www.googleapis.com/auth/cloud-platform');
  assert.equal(r.usage.prompt_tokens, 5);
});

test('anthropic messages -> vertex gemini: thinking and cached tokens normalised; the token is reused', async () => {
  const msg = await g.claude.messages.create({
    model: 'flash', max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 1024 },
    system: 'Use the cache please.', messages: [{ role: 'user', content: 'think about it' }],
  });
  assert.equal(msg.content[0].type, 'thinking');
  assert.equal(msg.content[1].text, 'Gemini heard: think about it');
  assert.equal(msg.usage.input_tokens, 5);
  assert.equal(msg.usage.cache_read_input_tokens, 2);
  assert.equal(msg.usage.output_tokens, 9);
  assert.equal(oauth.tokenRequests(SA).length, 1);
});

test('vertex gemini: streamed text with usage, and a function call', async () => {
  const stream = await g.openai.chat.completions.create({ model: 'flash', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'one two three four five' }] });
  let text = '';
  let usage = null;
  for await (const c of stream) {
    text += c.choices[0]?.delta?.content ?? '';
    if (c.usage) usage = c.usage;
  }
  assert.equal(text, 'Gemini heard: one two three four five');
  assert.equal(usage.prompt_tokens, 5);
  assert.match(last().path, /gemini-2\.5-flash:streamGenerateContent\?alt=sse$/);
  const r = await g.openai.chat.completions.create({ model: 'flash', tools: [weather], messages: [{ role: 'user', content: 'Weather in Paris?' }] });
  assert.equal(r.choices[0].finish_reason, 'tool_calls');
  assert.deepEqual(JSON.parse(r.choices[0].message.tool_calls[0].function.arguments), { city: 'Paris' });
});

test('anthropic on vertex: rawPredict body rules, whole answer with cached tokens', async () => {
  const msg = await g.claude.messages.create({ model: 'sonnet', max_tokens: 100, system: 'Use the cache.', messages: [{ role: 'user', content: 'hello claude on vertex' }] });
  assert.equal(msg.content[0].text, 'Claude heard: hello claude on vertex');
  const req = last();
  assert.equal(req.path, '/v1/projects/proj-1/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict');
  assert.equal(req.body.anthropic_version, 'vertex-2023-10-16');
  assert.equal(req.body.model, undefined);
  assert.equal(req.headers['x-api-key'], undefined, 'no Anthropic key header goes to Google');
  assert.equal(msg.usage.input_tokens, 5);
  assert.equal(msg.usage.cache_read_input_tokens, 2);
  const chat = await g.openai.chat.completions.create({ model: 'sonnet', messages: [{ role: 'system', content: 'Use the cache.' }, { role: 'user', content: 'hello again' }] });
  assert.equal(chat.choices[0].message.content, 'Claude heard: hello again');
  assert.equal(chat.usage.prompt_tokens, 5, 'OpenAI prompt_tokens include the cached ones');
  assert.equal(chat.usage.prompt_tokens_details?.cached_tokens, 2);
});

test('anthropic on vertex: streamed with thinking (both SDKs) and tools', async () => {
  const stream = g.claude.messages.stream({ model: 'sonnet', max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'stream it please' }] });
  const final = await stream.finalMessage();
  assert.equal(final.content[0].type, 'thinking');
  assert.equal(final.content[1].text, 'Claude heard: stream it please');
  assert.equal(final.usage.output_tokens, 9);
  assert.match(last().path, /claude-sonnet-4-5@20250929:streamRawPredict$/);
  assert.equal(last().body.stream, true);
  const s = await g.openai.chat.completions.create({ model: 'sonnet', stream: true, stream_options: { include_usage: true }, tools: [weather], messages: [{ role: 'user', content: 'Weather?' }] });
  let args = '';
  let finish = null;
  let usage = null;
  for await (const c of s) {
    for (const t of c.choices[0]?.delta?.tool_calls ?? []) args += t.function?.arguments ?? '';
    finish = c.choices[0]?.finish_reason ?? finish;
    if (c.usage) usage = c.usage;
  }
  assert.equal(finish, 'tool_calls');
  assert.deepEqual(JSON.parse(args), { city: 'Paris' });
  assert.equal(usage.completion_tokens, 3);
});

test('errors: throttling is a 429, cut streams are interrupted', async () => {
  await assert.rejects(g.openai.chat.completions.create({ model: 'throttled', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 429 && e.code === 'RESOURCE_EXHAUSTED');
  await assert.rejects(g.claude.messages.create({ model: 'claude-throttled', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 429 && /Quota exceeded/.test(e.message) && e.error?.type === 'error');
  await assert.rejects(g.openai.chat.completions.create({ model: 'claude-throttled', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 429 && e.code === 'RESOURCE_EXHAUSTED');
  for (const [client, model] of [['openai', 'cut'], ['openai', 'claude-cut']]) {
    await assert.rejects(async () => {
      const s = await g[client].chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: 'a b c d e f g h' }] });
      for await (const _ of s) { /* drain */ }
    }, /interrupted|terminated/, model);
  }
});

test('auth failures: a rejected key names the key file; a stale access token is relayed as 401', async () => {
  await assert.rejects(g.openai.chat.completions.create({ model: 'rogue', messages: [{ role: 'user', content: 'x' }] }), (e) => {
    assert.equal(e.status, 502);
    assert.match(e.message, /rogue\.json/);
    assert.match(e.message, /invalid_grant: Invalid JWT Signature/);
    return true;
  });
  assert.equal(oauth.tokenRequests(ROGUE).length, 1);
  await assert.rejects(g.claude.messages.create({ model: 'gcloud', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 401 && /invalid authentication credentials/.test(e.message));
  assert.equal(last().token, 'ya29.stale-gcloud-token');
});

test('token refresh: concurrent requests on two workers share one fetch, then exactly one more after the refresh point', async () => {
  const ask = (i) => g.openai.chat.completions.create({ model: 'short', messages: [{ role: 'user', content: `burst ${i}` }] });
  const first = await Promise.all(Array.from({ length: 8 }, (_, i) => ask(i)));
  assert.equal(first.length, 8);
  assert.equal(oauth.tokenRequests(SHORT).length, 1, 'one fetch for the first burst');
  const firstToken = vertex.requests.filter((r) => r.path.includes('gemini') && r.body?.contents?.[0]?.parts?.[0]?.text?.startsWith('burst'))[0].token;
  // The token lives 3 s: past 1.5 s it is refreshed.
  await new Promise((r) => setTimeout(r, 1700));
  const second = await Promise.all(Array.from({ length: 8 }, (_, i) => ask(i + 8)));
  assert.equal(second.length, 8);
  assert.equal(oauth.tokenRequests(SHORT).length, 2, 'exactly one refresh for the second burst');
  const secondTokens = new Set(vertex.requests.slice(-8).map((r) => r.token));
  assert.equal(secondTokens.size, 1);
  assert.notEqual([...secondTokens][0], firstToken);
});

test('the request log has vertex usage, thinking as reasoning, cache reads and a cost', async () => {
  const rows = await g.logRows("SELECT deployment, provider, input_tokens, cached_tokens, output_tokens, reasoning_tokens, cost_usd, status FROM requests ORDER BY id");
  assert.ok(rows.length > 10, JSON.stringify(rows));
  assert.ok(rows.every((r) => r.provider === 'vertex'), JSON.stringify(rows));
  const thought = rows.find((r) => r.deployment === 'flash/0' && r.reasoning_tokens === 4);
  assert.ok(thought, JSON.stringify(rows));
  assert.equal(thought.input_tokens, 7);
  assert.equal(thought.cached_tokens, 2);
  assert.ok(thought.cost_usd > 0);
  // Two workers flush in their own order: the Messages call (7 in, 2 cached) and the chat one
  // (5 in, 2 cached), input counting the cached tokens (OpenAI semantics).
  const claude = rows.filter((r) => r.deployment === 'sonnet/0' && r.cached_tokens === 2);
  assert.deepEqual(claude.map((r) => r.input_tokens).sort(), [5, 7], JSON.stringify(rows));
  assert.ok(claude.every((r) => r.cost_usd > 0));
  // The streamed Claude answer's spend is recorded, not 0 (LiteLLM's Vertex-Anthropic bug).
  const streamed = rows.filter((r) => r.deployment === 'sonnet/0' && r.output_tokens === 9);
  assert.ok(streamed.length >= 1 && streamed[0].cost_usd > 0, JSON.stringify(rows));
});

test('config errors name the field: no credentials, a user-credentials file', async () => {
  const { checkConfig } = await import('./lib/platform_gateway.mjs');
  const fs = await import('node:fs');
  const file = path.join(g.dir, 'bad.yaml');
  fs.writeFileSync(file, `models:\n  - name: m\n    deployments:\n      - provider: vertex\n        project: p\n        model: gemini-2.5-flash\n        price: none\n`);
  const none = checkConfig(file, { GOOGLE_APPLICATION_CREDENTIALS: '' });
  assert.notEqual(none.status, 0);
  assert.match(none.stderr, /bad\.yaml:4:\d+: models\[0\]\.deployments\[0\]\.credentials_file: provider vertex needs credentials/);
  fs.writeFileSync(path.join(g.dir, 'adc.json'), JSON.stringify({ type: 'authorized_user', client_id: 'x', client_secret: 'y', refresh_token: 'z' }));
  const user = checkConfig(file, { GOOGLE_APPLICATION_CREDENTIALS: path.join(g.dir, 'adc.json') });
  assert.notEqual(user.status, 0);
  assert.match(user.stderr, /adc\.json: type is "authorized_user", expected "service_account"/);
});
