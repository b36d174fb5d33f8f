// The client libraries people use, against `llmctl up` with no key (its simulated model) and
// against a gateway in front of `llmctl mock`: the official `openai` and `@anthropic-ai/sdk`
// SDKs, the Vercel AI SDK (`ai` with `@ai-sdk/openai`, whose default path is the Responses API,
// `.chat`, and `@ai-sdk/anthropic`), LangChain.js (`@langchain/openai`, `@langchain/anthropic`)
// and the OpenAI Agents SDK. Each case is one test; the matrix (client x case -> pass/fail) is
// printed at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startListening, stopAll } from './lib/processes.mjs';

const require = createRequire(path.join(process.env.LLMCTL_SOURCE_DIR, 'package.json'));
const { OpenAI } = require('openai');
const { zodResponseFormat, zodTextFormat } = require('openai/helpers/zod');
const Anthropic = require('@anthropic-ai/sdk').default;
const { z } = require('zod');
const ai = require('ai');
const { createOpenAI } = require('@ai-sdk/openai');
const { createAnthropic } = require('@ai-sdk/anthropic');
const { ChatOpenAI } = require('@langchain/openai');
const { ChatAnthropic } = require('@langchain/anthropic');
const { tool: lcTool } = require('@langchain/core/tools');
const agents = require('@openai/agents');

const MODEL = 'llmctl-sim';
const targets = {};  // name -> base URL of a gateway
const matrix = new Map();  // "client | case" -> { up: ..., mock: ... }

const weatherSchema = z.object({ city: z.string() });
const timeSchema = z.object({ city: z.string(), zone: z.enum(['utc', 'local']) });
const Person = z.object({
  name: z.string(),
  age: z.number().int(),
  role: z.enum(['admin', 'user']),
  address: z.object({ city: z.string(), zip: z.string().nullable() }),
  tags: z.array(z.string()),
});

before(async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-clients-'));
  const env = { OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '' };
  const up = await startListening(['up', '--port', '0', '--workers', '1', '--db', path.join(tmp, 'up.db')], { env });
  targets.up = up.url;
  const mock = await startListening(['mock', '--port', '0', '--ttft-ms', '1', '--tpot-ms', '0']);
  const config = path.join(tmp, 'gw.yaml');
  fs.writeFileSync(config, `listen: 127.0.0.1:0
workers: 1
logging: {access_log: false}
models:
  - name: ${MODEL}
    deployments:
      - provider: openai-compatible
        base_url: ${mock.url}/v1
        model: served-model
        price: none
`);
  targets.mock = (await startListening(['gateway', '--config', config], { env })).url;
});

after(async () => {
  const rows = [...matrix.entries()];
  const width = Math.max(...rows.map(([k]) => k.length));
  const line = (k, up, mock) => `${k.padEnd(width)}  ${up.padEnd(4)}  ${mock}`;
  console.log(`\n${line('client | case', 'up', 'mock')}`);
  for (const [k, v] of rows) console.log(line(k, v.up ?? '-', v.mock ?? '-'));
  await stopAll();
});

function openai(base) { return new OpenAI({ baseURL: `${base}/v1`, apiKey: 'no-key', maxRetries: 0 }); }
function anthropic(base) { return new Anthropic({ baseURL: base, apiKey: 'no-key', maxRetries: 0 }); }

const cases = [];
function client(name, label, fn) { cases.push({ name, label, fn }); }

// ---- openai ----
client('openai', 'chat', async (base) => {
  const r = await openai(base).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
  assert.ok(r.choices[0].message.content.length > 0);
  assert.equal(r.model, MODEL);
});
client('openai', 'chat stream', async (base) => {
  const s = await openai(base).chat.completions.create({ model: MODEL, stream: true,
    messages: [{ role: 'user', content: 'hi' }] });
  let text = '';
  for await (const c of s) {
    assert.ok(!('usage' in c) || c.usage !== null, 'no "usage": null noise');
    text += c.choices[0]?.delta?.content ?? '';
  }
  assert.ok(text.length > 0);
});
client('openai', 'chat parse', async (base) => {
  const r = await openai(base).chat.completions.parse({ model: MODEL,
    messages: [{ role: 'user', content: 'a person' }], response_format: zodResponseFormat(Person, 'person') });
  Person.parse(r.choices[0].message.parsed);
});
client('openai', 'chat tools', async (base) => {
  const r = await openai(base).chat.completions.create({ model: MODEL,
    messages: [{ role: 'user', content: 'weather and time in Paris' }],
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: z.toJSONSchema(weatherSchema) } },
      { type: 'function', function: { name: 'get_time', parameters: z.toJSONSchema(timeSchema) } }] });
  const calls = r.choices[0].message.tool_calls;
  assert.equal(calls.length, 2, 'parallel calls');
  timeSchema.parse(JSON.parse(calls.find((c) => c.function.name === 'get_time').function.arguments));
});
client('openai', 'responses', async (base) => {
  const r = await openai(base).responses.create({ model: MODEL, input: 'hi' });
  assert.ok(r.output_text.length > 0);
  assert.ok(r.usage.input_tokens > 0);
});
client('openai', 'responses stream', async (base) => {
  const s = openai(base).responses.stream({ model: MODEL, input: 'hi' });
  let text = '';
  for await (const e of s) if (e.type === 'response.output_text.delta') text += e.delta;
  assert.equal((await s.finalResponse()).output_text, text);
});
client('openai', 'responses parse', async (base) => {
  const r = await openai(base).responses.parse({ model: MODEL, input: 'a person',
    text: { format: zodTextFormat(Person, 'person') } });
  Person.parse(r.output_parsed);
});
client('openai', 'responses tools', async (base) => {
  const r = await openai(base).responses.create({ model: MODEL, input: 'weather in Paris',
    tools: [{ type: 'function', name: 'get_weather', parameters: z.toJSONSchema(weatherSchema), strict: true }] });
  const call = r.output.find((o) => o.type === 'function_call');
  weatherSchema.parse(JSON.parse(call.arguments));
});

// ---- @anthropic-ai/sdk ----
client('@anthropic-ai/sdk', 'messages', async (base) => {
  const r = await anthropic(base).messages.create({ model: MODEL, max_tokens: 64,
    messages: [{ role: 'user', content: 'hi' }] });
  assert.ok(r.content[0].text.length > 0);
  assert.ok(r.usage.input_tokens > 0);
});
client('@anthropic-ai/sdk', 'stream', async (base) => {
  const s = anthropic(base).messages.stream({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
  let text = '';
  s.on('text', (t) => { text += t; });
  const final = await s.finalMessage();
  assert.ok(text.length > 0);
  assert.ok(final.usage.output_tokens > 0);
});
client('@anthropic-ai/sdk', 'tools', async (base) => {
  const r = await anthropic(base).messages.create({ model: MODEL, max_tokens: 256,
    messages: [{ role: 'user', content: 'weather in Paris' }],
    tools: [{ name: 'get_weather', input_schema: z.toJSONSchema(weatherSchema) }] });
  const use = r.content.find((b) => b.type === 'tool_use');
  weatherSchema.parse(use.input);
});
client('@anthropic-ai/sdk', 'structured output', async (base) => {
  const r = await anthropic(base).messages.create({ model: MODEL, max_tokens: 512,
    messages: [{ role: 'user', content: 'a person' }],
    output_config: { format: { type: 'json_schema', schema: z.toJSONSchema(Person) } } });
  Person.parse(JSON.parse(r.content[0].text));
});

// ---- ai + @ai-sdk/openai (Responses by default, .chat) and @ai-sdk/anthropic ----
const aiTools = {
  get_weather: ai.tool({ description: 'weather in a city', inputSchema: weatherSchema,
    execute: async ({ city }) => ({ city, temp_c: 21 }) }),
  get_time: ai.tool({ description: 'time in a city', inputSchema: timeSchema,
    execute: async ({ city }) => ({ city, time: '12:00' }) }),
};
for (const [name, make] of [
  ['@ai-sdk/openai', (base) => createOpenAI({ baseURL: `${base}/v1`, apiKey: 'no-key' })(MODEL)],
  ['@ai-sdk/openai .chat', (base) => createOpenAI({ baseURL: `${base}/v1`, apiKey: 'no-key' }).chat(MODEL)],
  ['@ai-sdk/anthropic', (base) => createAnthropic({ baseURL: `${base}/v1`, apiKey: 'no-key' })(MODEL)],
]) {
  client(name, 'generateText', async (base) => {
    const r = await ai.generateText({ model: make(base), prompt: 'hi', maxRetries: 0 });
    assert.ok(r.text.length > 0);
    assert.ok(r.usage.inputTokens > 0);
  });
  client(name, 'streamText', async (base) => {
    const r = ai.streamText({ model: make(base), prompt: 'hi', maxRetries: 0 });
    let text = '';
    for await (const t of r.textStream) text += t;
    assert.ok(text.length > 0);
    assert.ok((await r.usage).outputTokens > 0);
  });
  client(name, 'generateObject', async (base) => {
    const r = await ai.generateObject({ model: make(base), schema: Person, prompt: 'a person', maxRetries: 0 });
    Person.parse(r.object);
  });
  client(name, 'streamObject', async (base) => {
    const r = ai.streamObject({ model: make(base), schema: Person, prompt: 'a person', maxRetries: 0 });
    for await (const _ of r.partialObjectStream);
    Person.parse(await r.object);
  });
  client(name, 'tools + stopWhen', async (base) => {
    const r = await ai.generateText({ model: make(base), tools: aiTools, stopWhen: ai.stepCountIs(5),
      prompt: 'weather and time in Paris', maxRetries: 0 });
    assert.ok(r.steps.length >= 2 && r.steps.length < 5, `${r.steps.length} steps: the loop finishes`);
    assert.ok(r.steps[0].toolCalls.length >= 1);
    assert.ok(r.text.length > 0);
  });
}

// ---- LangChain ----
const lcTools = [
  lcTool(async ({ city }) => `21C in ${city}`, { name: 'get_weather', description: 'weather in a city', schema: weatherSchema }),
  lcTool(async ({ city }) => `noon in ${city}`, { name: 'get_time', description: 'time in a city', schema: timeSchema }),
];
for (const [name, make] of [
  ['@langchain/openai', (base) => new ChatOpenAI({ model: MODEL, apiKey: 'no-key', configuration: { baseURL: `${base}/v1` }, maxRetries: 0 })],
  ['@langchain/openai responses', (base) => new ChatOpenAI({ model: MODEL, apiKey: 'no-key', useResponsesApi: true, configuration: { baseURL: `${base}/v1` }, maxRetries: 0 })],
  ['@langchain/anthropic', (base) => new ChatAnthropic({ model: MODEL, apiKey: 'no-key', anthropicApiUrl: base, maxRetries: 0 })],
]) {
  client(name, 'invoke + usage', async (base) => {
    const r = await make(base).invoke('hi');
    assert.ok(String(r.content).length > 0 || r.content.length > 0);
    assert.ok(r.usage_metadata.input_tokens > 0 && r.usage_metadata.output_tokens > 0);
  });
  client(name, 'stream + usage', async (base) => {
    let text = '';
    let input = 0;
    for await (const c of await make(base).stream('hi')) {
      text += typeof c.content === 'string' ? c.content : c.content.map((p) => p.text ?? '').join('');
      input += c.usage_metadata?.input_tokens ?? 0;
    }
    assert.ok(text.length > 0);
    assert.ok(input > 0, 'input tokens reported in the stream');
  });
  client(name, 'bindTools', async (base) => {
    const r = await make(base).bindTools(lcTools).invoke('weather in Paris');
    assert.ok(r.tool_calls.length >= 1);
    weatherSchema.parse(r.tool_calls.find((c) => c.name === 'get_weather').args);
  });
  client(name, 'withStructuredOutput', async (base) => {
    const r = await make(base).withStructuredOutput(Person).invoke('a person');
    Person.parse(r);
  });
}

// ---- @openai/agents ----
client('@openai/agents', 'two tools + outputType', async (base) => {
  agents.setTracingDisabled(true);
  agents.setDefaultOpenAIClient(openai(base));
  const Answer = z.object({ summary: z.string(), temp_c: z.number() });
  const used = [];
  const agent = new agents.Agent({
    name: 'weather', model: MODEL, instructions: 'Answer about the weather.', outputType: Answer,
    tools: [
      agents.tool({ name: 'get_weather', description: 'weather in a city', parameters: weatherSchema,
        execute: async ({ city }) => { used.push('get_weather'); return `21C in ${city}`; } }),
      agents.tool({ name: 'get_time', description: 'time in a city', parameters: timeSchema,
        execute: async ({ city }) => { used.push('get_time'); return `noon in ${city}`; } }),
    ],
  });
  const r = await agents.run(agent, 'What are the weather and the time in Paris?', { maxTurns: 5 });
  Answer.parse(r.finalOutput);
  assert.ok(used.length >= 1, 'a tool ran');
});

for (const where of ['up', 'mock'])
  for (const c of cases)
    test(`${where}: ${c.name} | ${c.label}`, async () => {
      const key = `${c.name} | ${c.label}`;
      if (!matrix.has(key)) matrix.set(key, {});
      try {
        await c.fn(targets[where]);
        matrix.get(key)[where] = 'pass';
      } catch (e) {
        matrix.get(key)[where] = 'FAIL';
        throw e;
      }
    });
