// provider: azure-openai end to end: the official openai and @anthropic-ai/sdk clients talk to a
// real `llmctl gateway` whose deployments point at a local fake of Azure OpenAI's data plane
// (lib/fake_azure.mjs): the deployment URL scheme, api-version, the api-key header, Azure's
// extra stream chunk, throttling (429 with retry-after), auth failure (401), a cut stream, and
// the content filter — classified as content_policy and never retried on another deployment;
// Entra ID client credentials against a local token endpoint (lib/fake_oauth.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stopAll } from './lib/processes.mjs';
import { startFakeAzure } from './lib/fake_azure.mjs';
import { startFakeOAuth } from './lib/fake_oauth.mjs';
import { startPlatformGateway } from './lib/platform_gateway.mjs';

const KEY = 'azure-key-0123456789';
let fake;
let oauth;
let g;
let openai;
let claude;

before(async () => {
  oauth = await startFakeOAuth();
  oauth.addEntraApp({ tenant: 'contoso', clientId: 'app-1', secret: 'entra-secret', expiresIn: 3600 });
  fake = await startFakeAzure({ apiKey: KEY, acceptBearer: oauth.valid });
  const entra = (name, secretEnv) => `
  - name: ${name}
    max_attempts: 1
    deployments:
      - name: ${name}-dep
        provider: azure-openai
        base_url: ${fake.url}
        model: gpt-4o-prod
        price: openai/gpt-4o
        entra:
          tenant_id: contoso
          client_id: app-1
          client_secret_env: ${secretEnv}
          authority_host: ${oauth.url}`;
  const dep = (deployment, extra = '') => `
      - name: ${deployment}
        provider: azure-openai
        base_url: ${fake.url}
        model: ${deployment}
        api_key_env: ${extra.includes('WRONG') ? 'AZURE_WRONG_KEY' : 'AZURE_OPENAI_API_KEY'}
        price: openai/gpt-4o
${extra.replace('WRONG', '')}`;
  const models = `
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
    deployments:${dep('wrong-key-dep', 'WRONG')}${entra('entra', 'ENTRA_SECRET')}${entra('entra-wrong', 'ENTRA_WRONG_SECRET')}
`;
  g = await startPlatformGateway({
    prefix: 'azure',
    models,
    env: { AZURE_OPENAI_API_KEY: KEY, AZURE_WRONG_KEY: 'not-the-key', ENTRA_SECRET: 'entra-secret', ENTRA_WRONG_SECRET: 'expired-secret' },
  });
  ({ openai, claude } = g);
});

after(async () => {
  await stopAll(5000);
  await fake?.close();
  await oauth?.close();
  g?.cleanup();
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

test('Entra ID: client credentials -> one bearer token, reused; no api-key sent', async () => {
  for (const content of ['first', 'second']) {
    const r = await openai.chat.completions.create({ model: 'entra', messages: [{ role: 'user', content }] });
    assert.equal(r.choices[0].message.content, `Azure heard: ${content}`);
    assert.equal(last().headers['api-key'], undefined);
    assert.match(last().headers.authorization, /^Bearer tok-/);
  }
  const grants = oauth.tokenRequests('contoso/app-1');
  assert.equal(grants.length, 1);
  assert.equal(grants[0].form.scope, 'https://cognitiveservices.azure.com/.default');
});

test('Entra ID: a rejected secret is a 502 naming the app and AADSTS error, Azure never called', async () => {
  const before = fake.requests.length;
  await assert.rejects(claude.messages.create({ model: 'entra-wrong', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }), (e) => {
    assert.equal(e.status, 502);
    assert.match(e.message, /Entra ID app app-1 in tenant contoso/);
    assert.match(e.message, /invalid_client: AADSTS7000215/);
    return true;
  });
  assert.equal(fake.requests.length, before);
});

test('a cut stream raises in the SDK', async () => {
  await assert.rejects(async () => {
    const stream = await openai.chat.completions.create({ model: 'cut', stream: true, messages: [{ role: 'user', content: 'a b c d e f' }] });
    for await (const _ of stream) { /* drain */ }
  }, /interrupted/);
});

test('the request log names the errors by class', async () => {
  const rows = await g.logRows('SELECT model, provider, status, error_class FROM requests ORDER BY id');
  assert.ok(rows.every((r) => r.provider === 'azure-openai'), JSON.stringify(rows));
  assert.equal(rows.filter((r) => r.error_class === 'content_policy').length, 2, JSON.stringify(rows));
  assert.ok(rows.some((r) => r.error_class === 'rate_limited'));
  assert.ok(rows.some((r) => r.error_class === 'stream_interrupted'));
});
