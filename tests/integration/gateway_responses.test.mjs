// The Responses API (/v1/responses) end to end with the official `openai` SDK: a real gateway in
// front of real `llmctl mock` upstreams (chat completions, and Anthropic's Messages API for a
// `provider: anthropic` deployment), plus a small stand-in for OpenAI's own /v1/responses (the
// passthrough path; it records what it was sent). Whole and streamed answers through each
// translation, tools and tool outputs over previous_response_id, GET/DELETE of stored
// responses, the 400s that name what a deployment cannot do, usage in the request log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startListening, stopAll } from './lib/processes.mjs';

const require = createRequire(path.join(process.env.LLMCTL_SOURCE_DIR, 'package.json'));
const { OpenAI } = require('openai');
const llmctl = process.env.LLMCTL;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-resp-'));
const db = path.join(tmp, 'requests.db');
let gw;
let client;
let fakeOpenAI;
const openaiSeen = [];  // bodies the stand-in for OpenAI's /v1/responses received

// A stand-in for OpenAI's /v1/responses: answers whole or streamed with fixed content, as the
// API reference documents its shapes.
function startFakeOpenAI() {
  fakeOpenAI = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const r = JSON.parse(body);
      openaiSeen.push({ path: req.url, auth: req.headers.authorization, body: r });
      const response = {
        id: `resp_upstream_${openaiSeen.length}`, object: 'response', created_at: 1, status: 'completed',
        model: r.model, output: [{ type: 'message', id: 'msg_up', status: 'completed', role: 'assistant',
          content: [{ type: 'output_text', text: 'from openai', annotations: [] }] }],
        usage: { input_tokens: 11, input_tokens_details: { cached_tokens: 0 }, output_tokens: 3,
          output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 14 },
      };
      if (!r.stream) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(response));
        return;
      }
      res.setHeader('content-type', 'text/event-stream');
      let seq = 0;
      const send = (e) => res.write(`event: ${e.type}\ndata: ${JSON.stringify({ ...e, sequence_number: seq++ })}\n\n`);
      send({ type: 'response.created', response: { ...response, status: 'in_progress', output: [], usage: null } });
      send({ type: 'response.output_item.added', output_index: 0, item: { ...response.output[0], status: 'in_progress', content: [] } });
      send({ type: 'response.content_part.added', item_id: 'msg_up', output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
      send({ type: 'response.output_text.delta', item_id: 'msg_up', output_index: 0, content_index: 0, delta: 'from openai' });
      send({ type: 'response.output_text.done', item_id: 'msg_up', output_index: 0, content_index: 0, text: 'from openai' });
      send({ type: 'response.content_part.done', item_id: 'msg_up', output_index: 0, content_index: 0, part: response.output[0].content[0] });
      send({ type: 'response.output_item.done', output_index: 0, item: response.output[0] });
      send({ type: 'response.completed', response });
      res.end();
    });
  });
  return new Promise((resolve) => fakeOpenAI.listen(0, '127.0.0.1', () => resolve(fakeOpenAI.address().port)));
}

before(async () => {
  const mock = await startListening(['mock', '--port', '0', '--ttft-ms', '1', '--tpot-ms', '0']);
  const openaiPort = await startFakeOpenAI();
  const config = `
listen: 127.0.0.1:0
workers: 1
logging:
  access_log: false
  request_log: {path: ${db}, flush_interval_ms: 20}
models:
  - name: sim
    deployments:
      - provider: simulated
  - name: compat
    deployments:
      - provider: openai-compatible
        base_url: ${mock.url}/v1
        model: some-open-model
        price: none
  - name: claude
    deployments:
      - provider: anthropic
        base_url: ${mock.url}
        model: claude-haiku-4-5
  - name: oai
    deployments:
      - provider: openai
        base_url: http://127.0.0.1:${openaiPort}/v1
        model: gpt-4.1-mini
        api_key_env: LLMCTL_TEST_OPENAI_KEY
        price: none
`;
  const file = path.join(tmp, 'gateway.yaml');
  fs.writeFileSync(file, config);
  gw = await startListening(['gateway', '--config', file],
    { env: { ANTHROPIC_API_KEY: 'sk-ant-test', LLMCTL_TEST_OPENAI_KEY: 'sk-openai-test' } });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

after(async () => {
  await stopAll();
  fakeOpenAI?.close();
});

for (const model of ['sim', 'compat', 'claude']) {
  test(`whole response, translated (${model})`, async () => {
    const r = await client.responses.create({ model, input: 'Say hello.', instructions: 'Be brief.',
      max_output_tokens: 40 });
    assert.equal(r.object, 'response');
    assert.match(r.id, /^resp_/);
    assert.equal(r.model, model, 'the alias the client asked for');
    assert.ok(['completed', 'incomplete'].includes(r.status));
    assert.ok(r.output_text.length > 0, 'the SDK finds the text');
    assert.equal(r.output[0].type, 'message');
    assert.ok(r.usage.input_tokens > 0 && r.usage.output_tokens > 0);
    assert.equal(r.usage.total_tokens, r.usage.input_tokens + r.usage.output_tokens);
    assert.equal(r.instructions, 'Be brief.');
  });

  test(`streamed response, translated (${model})`, async () => {
    const stream = client.responses.stream({ model, input: [{ role: 'user', content: 'Count.' }] });
    const types = [];
    let text = '';
    let lastSeq = -1;
    for await (const e of stream) {
      types.push(e.type);
      assert.ok(e.sequence_number > lastSeq, 'sequence numbers increase');
      lastSeq = e.sequence_number;
      if (e.type === 'response.output_text.delta') text += e.delta;
    }
    const final = await stream.finalResponse();
    assert.equal(types[0], 'response.created');
    assert.equal(types[1], 'response.in_progress');
    for (const t of ['response.output_item.added', 'response.content_part.added', 'response.output_text.delta',
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done'])
      assert.ok(types.includes(t), `has ${t}`);
    assert.ok(['response.completed', 'response.incomplete'].includes(types.at(-1)));
    assert.ok(text.length > 0);
    assert.equal(final.output_text, text);
    assert.equal(final.model, model);
    assert.ok(final.usage.input_tokens > 0 && final.usage.output_tokens > 0);
  });

  test(`function tools and outputs over previous_response_id (${model})`, async () => {
    const tools = [{ type: 'function', name: 'get_weather', description: 'Weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'],
        additionalProperties: false }, strict: true }];
    const first = await client.responses.create({ model, input: 'Weather in Paris?', tools });
    const call = first.output.find((o) => o.type === 'function_call');
    assert.ok(call, 'a function call');
    assert.equal(call.name, 'get_weather');
    assert.equal(typeof JSON.parse(call.arguments).city, 'string');
    assert.ok(call.call_id);
    // Continue with the tool's output, streamed this time.
    const stream = client.responses.stream({ model, previous_response_id: first.id, tools,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temp_c": 21}' }] });
    for await (const _ of stream);
    const second = await stream.finalResponse();
    assert.equal(second.previous_response_id, first.id);
    assert.ok(second.output.length > 0);
  });

  test(`streamed function call arguments (${model})`, async () => {
    const tools = [{ type: 'function', name: 'lookup', parameters: { type: 'object',
      properties: { q: { type: 'string' } }, required: ['q'] } }];
    const stream = client.responses.stream({ model, input: 'Look it up.', tools, tool_choice: 'required' });
    let args = '';
    let done = null;
    for await (const e of stream) {
      if (e.type === 'response.function_call_arguments.delta') args += e.delta;
      if (e.type === 'response.function_call_arguments.done') done = e.arguments;
    }
    const final = await stream.finalResponse();
    const call = final.output.find((o) => o.type === 'function_call');
    assert.ok(call);
    assert.equal(done, args);
    assert.equal(call.arguments, args);
    assert.equal(typeof JSON.parse(args).q, 'string');
  });
}

test('GET and DELETE a stored response; store: false is not kept', async () => {
  const r = await client.responses.create({ model: 'sim', input: 'remember me' });
  const got = await client.responses.retrieve(r.id);
  assert.equal(got.id, r.id);
  assert.equal(got.output_text, r.output_text);
  const del = await client.responses.delete(r.id);
  assert.equal(del?.deleted ?? true, true);
  await assert.rejects(client.responses.retrieve(r.id), (e) => e.status === 404);
  const unstored = await client.responses.create({ model: 'sim', input: 'forget me', store: false });
  await assert.rejects(client.responses.retrieve(unstored.id), (e) => e.status === 404);
});

test('what a chat deployment cannot do is a 400 naming the field', async () => {
  for (const [body, field] of [
    [{ tools: [{ type: 'web_search' }] }, 'tools[0].type'],
    [{ tools: [{ type: 'file_search', vector_store_ids: ['vs_1'] }] }, 'tools[0].type'],
    [{ background: true }, 'background'],
    [{ previous_response_id: 'resp_unknown' }, 'previous_response_id'],
    [{ input: [{ type: 'web_search_call', id: 'ws_1', status: 'completed' }] }, 'input[0].type'],
  ]) {
    await assert.rejects(client.responses.create({ model: 'compat', input: 'hi', ...body }), (e) => {
      assert.equal(e.status, 400, JSON.stringify(body));
      assert.ok(e.message.includes(field), `${e.message} names ${field}`);
      return true;
    });
  }
});

test('OpenAI deployments get the request as it is (passthrough), whole and streamed', async () => {
  openaiSeen.length = 0;
  const r = await client.responses.create({ model: 'oai', input: 'hi', tools: [{ type: 'web_search' }] });
  assert.equal(r.output_text, 'from openai');
  assert.equal(r.model, 'oai', 'the alias the client asked for, not the upstream model');
  assert.equal(openaiSeen[0].path, '/v1/responses');
  assert.equal(openaiSeen[0].auth, 'Bearer sk-openai-test');
  assert.equal(openaiSeen[0].body.model, 'gpt-4.1-mini');
  assert.deepEqual(openaiSeen[0].body.tools, [{ type: 'web_search' }], 'built-in tools pass through');
  assert.equal(openaiSeen[0].body.stream_options, undefined);
  const stream = client.responses.stream({ model: 'oai', input: 'hi' });
  const models = [];
  for await (const e of stream) if (e.response) models.push(e.response.model);
  const final = await stream.finalResponse();
  assert.equal(final.output_text, 'from openai');
  assert.deepEqual(models, ['oai', 'oai'], 'response.created and response.completed name the alias');
  assert.equal(final.model, 'oai');
  // A response the gateway made (on another deployment) is unknown to OpenAI: the conversation
  // goes in the input instead of its id.
  const made = await client.responses.create({ model: 'sim', input: 'first turn' });
  await client.responses.create({ model: 'oai', previous_response_id: made.id, input: 'second turn' });
  const sent = openaiSeen.at(-1).body;
  assert.equal(sent.previous_response_id, undefined);
  assert.equal(sent.input[0].content, 'first turn');
  assert.equal(sent.input[1].role, 'assistant');
  assert.equal(sent.input.at(-1).content, 'second turn');
  // OpenAI's own ids pass through untouched.
  await client.responses.create({ model: 'oai', previous_response_id: r.id, input: 'again' });
  assert.equal(openaiSeen.at(-1).body.previous_response_id, r.id);
});

test('usage and cost reach the request log with endpoint responses', async () => {
  await new Promise((r) => setTimeout(r, 300));
  const rows = execFileSync('sqlite3', [db,
    "select model, stream, input_tokens, output_tokens, usage_estimated from requests where endpoint = 'responses' and status = 200"])
    .toString().trim().split('\n').map((l) => l.split('|'));
  assert.ok(rows.length >= 12, `${rows.length} rows`);
  for (const [model, , input, output, estimated] of rows) {
    assert.ok(Number(input) > 0 && Number(output) > 0, `${model}: tokens`);
    assert.equal(estimated, '0', `${model}: reported usage, not an estimate`);
  }
});
