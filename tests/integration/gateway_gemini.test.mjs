// provider: gemini end to end: the official openai and @anthropic-ai/sdk clients talk to a real
// `llmctl gateway` whose deployments point at a local fake of the Gemini API
// (lib/fake_gemini.mjs). Whole and streamed answers, system instructions, function calls and
// responses (Gemini has no call ids: the gateway makes them and maps results back by name),
// thinking and cached tokens in usage, throttling (429), a bad key (Google's 400
// INVALID_ARGUMENT), a cut stream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stopAll } from './lib/processes.mjs';
import { startFakeGemini } from './lib/fake_gemini.mjs';
import { startPlatformGateway } from './lib/platform_gateway.mjs';

const KEY = 'AIzaFakeKey0123456789';
let fake;
let g;
let openai;
let claude;
const weather = { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

before(async () => {
  fake = await startFakeGemini({ apiKey: KEY });
  const dep = (name, model, extra = '') => `
  - name: ${name}
    max_attempts: 1
    deployments:
      - provider: gemini
        base_url: ${fake.url}/v1beta
        model: ${model}
${extra}`;
  g = await startPlatformGateway({
    prefix: 'gemini',
    models: `${dep('flash', 'gemini-2.5-flash')}${dep('throttled', 'throttled-model', '        price: none\n')}${dep('cut', 'cut-model', '        price: none\n')}${dep('badkey', 'gemini-2.5-flash', '        api_key_env: WRONG_GEMINI_KEY\n')}`,
    env: { GEMINI_API_KEY: KEY, WRONG_GEMINI_KEY: 'AIzaWrong' },
  });
  ({ openai, claude } = g);
});

after(async () => {
  await stopAll(5000);
  await fake?.close();
  g?.cleanup();
});

const last = () => fake.requests[fake.requests.length - 1];

test('openai chat -> gemini: whole answer, system instruction, key header, usage', async () => {
  const r = await openai.chat.completions.create({ model: 'flash', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello gemini friend' }] });
  assert.equal(r.choices[0].message.content, 'Gemini heard: hello gemini friend');
  assert.equal(last().path, '/v1beta/models/gemini-2.5-flash:generateContent');
  assert.equal(last().headers['x-goog-api-key'], KEY);
  assert.deepEqual(last().body.systemInstruction, { parts: [{ text: 'Be brief.' }] });
  assert.equal(r.usage.prompt_tokens, 5);
  assert.equal(r.usage.completion_tokens, 5);
});

test('anthropic messages -> gemini: thinking and cached tokens normalised', async () => {
  const msg = await claude.messages.create({
    model: 'flash', max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 1024 },
    system: 'Use the cache please.', messages: [{ role: 'user', content: 'think about it' }],
  });
  assert.deepEqual(last().body.generationConfig.thinkingConfig, { thinkingBudget: 1024, includeThoughts: true });
  assert.equal(msg.content[0].type, 'thinking');
  assert.equal(msg.content[1].text, 'Gemini heard: think about it');
  // 7 prompt words, 2 of them cached; output 5 words + 4 thinking tokens.
  assert.equal(msg.usage.input_tokens, 5);
  assert.equal(msg.usage.cache_read_input_tokens, 2);
  assert.equal(msg.usage.output_tokens, 9);
});

test('openai chat -> gemini: streamed text with usage (SSE with CRLF)', async () => {
  const stream = await openai.chat.completions.create({ model: 'flash', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'one two three four five' }] });
  let text = '';
  let usage = null;
  for await (const c of stream) {
    text += c.choices[0]?.delta?.content ?? '';
    if (c.usage) usage = c.usage;
  }
  assert.equal(text, 'Gemini heard: one two three four five');
  assert.equal(usage.prompt_tokens, 5);
  assert.match(last().path, /:streamGenerateContent\?alt=sse$/);
});

test('function calling round trip: ids made by the gateway, results mapped back by name', async () => {
  const stream = await openai.chat.completions.create({ model: 'flash', stream: true, tools: [weather], messages: [{ role: 'user', content: 'Weather in Paris?' }] });
  const call = { id: '', name: '', args: '' };
  let finish = null;
  for await (const c of stream) {
    for (const t of c.choices[0]?.delta?.tool_calls ?? []) {
      if (t.id) call.id = t.id;
      if (t.function?.name) call.name = t.function.name;
      call.args += t.function?.arguments ?? '';
    }
    finish = c.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(finish, 'tool_calls');
  assert.equal(call.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.args), { city: 'Paris' });
  assert.ok(last().body.tools[0].functionDeclarations[0].parametersJsonSchema);
  const r = await openai.chat.completions.create({
    model: 'flash', tools: [weather],
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: { name: call.name, arguments: call.args } }] },
      { role: 'tool', tool_call_id: call.id, content: 'sunny' },
    ],
  });
  assert.equal(r.choices[0].message.content, 'Gemini heard: a function response');
  assert.deepEqual(last().body.contents[2].parts[0], { functionResponse: { name: 'get_weather', response: { output: 'sunny' } } });
});

test('errors: throttling 429, a bad key, a cut stream', async () => {
  await assert.rejects(openai.chat.completions.create({ model: 'throttled', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 429 && e.code === 'RESOURCE_EXHAUSTED');
  await assert.rejects(claude.messages.create({ model: 'badkey', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 400 && /API key not valid/.test(e.message));
  await assert.rejects(async () => {
    const s = await openai.chat.completions.create({ model: 'cut', stream: true, messages: [{ role: 'user', content: 'a b c d e f g' }] });
    for await (const _ of s) { /* drain */ }
  }, /interrupted/);
});

test('the request log has Gemini usage with thinking as reasoning and a cost', async () => {
  const rows = await g.logRows('SELECT provider, input_tokens, cached_tokens, output_tokens, reasoning_tokens, cost_usd FROM requests ORDER BY id');
  assert.ok(rows.every((r) => r.provider === 'gemini'), JSON.stringify(rows));
  const thought = rows.find((r) => r.reasoning_tokens === 4);
  assert.ok(thought, JSON.stringify(rows));
  assert.equal(thought.input_tokens, 7);
  assert.equal(thought.cached_tokens, 2);
  assert.equal(thought.output_tokens, 9);
  assert.ok(thought.cost_usd > 0);
});
