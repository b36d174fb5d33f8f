// No silent drops: every request field of each client API, as the official SDKs' type
// definitions list them (node_modules, not our code), sent through each translation. A stand-in
// upstream records what it receives. Each field must be translated or passed through (the
// upstream request changes), refused with a 400 that names it, or be one the gateway keeps
// itself (listed below with its reason). A field the SDK gains later fails this test until it
// is classified. The table (API -> upstream, field, outcome) is printed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startListening, stopAll } from './lib/processes.mjs';

const root = process.env.LLMCTL_SOURCE_DIR;

// The fields of `iface` in a .d.ts file (top-level members only).
function sdkFields(file, iface) {
  const text = fs.readFileSync(path.join(root, 'node_modules', file), 'utf8');
  const start = text.indexOf(`export interface ${iface} {`);
  assert.ok(start >= 0, `${iface} in ${file}`);
  let depth = 0;
  const out = [];
  for (const line of text.slice(text.indexOf('{', start)).split('\n')) {
    if (/^\s*(\/\*|\*)/.test(line)) continue;  // doc comments may hold braces
    const m = depth === 1 && line.match(/^\s*([a-z_][a-z0-9_]*)\??:/);
    if (m) out.push(m[1]);
    for (const c of line.replace(/\/\/.*|'[^']*'|"[^"]*"/g, '')) {
      if (c === '{') depth++;
      else if (c === '}') depth--;
    }
    if (depth === 0) break;
  }
  assert.ok(out.length > 10, `${iface}: ${out.length} fields`);
  return out;
}

// ---- a stand-in upstream: chat completions and Anthropic messages, recording each body ----
let upstream;
let last = null;
function startUpstream() {
  upstream = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      last = JSON.parse(body);
      res.setHeader('content-type', 'application/json');
      if (req.url.endsWith('/messages')) {
        res.end(JSON.stringify({ id: 'msg_1', type: 'message', role: 'assistant', model: last.model,
          content: [{ type: 'text', text: '{"a":"b"}' }], stop_reason: 'end_turn', stop_sequence: null,
          usage: { input_tokens: 5, output_tokens: 2 } }));
      } else {
        res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: last.model,
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: '{"a":"b"}' } }],
          usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }));
      }
    });
  });
  return new Promise((resolve) => upstream.listen(0, '127.0.0.1', () => resolve(upstream.address().port)));
}

let gw;
before(async () => {
  const port = await startUpstream();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-fields-'));
  const file = path.join(tmp, 'gw.yaml');
  fs.writeFileSync(file, `listen: 127.0.0.1:0
workers: 1
logging: {access_log: false}
models:
  - name: to-chat
    deployments:
      - provider: openai-compatible
        base_url: http://127.0.0.1:${port}/v1
        model: up-chat
        price: none
  - name: to-anthropic
    deployments:
      - provider: anthropic
        base_url: http://127.0.0.1:${port}
        model: claude-up
        price: none
`);
  gw = await startListening(['gateway', '--config', file], { env: { ANTHROPIC_API_KEY: 'sk-test' } });
});
after(async () => {
  await stopAll();
  upstream?.close();
});

const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
const fn = { type: 'function', function: { name: 'f', parameters: schema } };

// A sample value for each field (one that asks for something, never the neutral default), and
// the fields each API's gateway side keeps itself, with why.
const apis = {
  responses: {
    path: '/v1/responses',
    fields: () => sdkFields('openai/resources/responses/responses.d.ts', 'ResponseCreateParamsBase'),
    base: { model: 'M', input: 'hi' },
    samples: {
      background: true, context_management: [{ type: 'compaction' }], conversation: 'conv_1',
      include: ['file_search_call.results'], input: 'other', instructions: 'Be brief.',
      max_output_tokens: 77, metadata: { team: 'x' }, model: 'M', moderation: { model: 'omni-moderation-latest' },
      parallel_tool_calls: false, previous_response_id: 'resp_unknown', prompt: { id: 'pmpt_1' },
      prompt_cache_key: 'k', prompt_cache_options: { mode: 'explicit', ttl: '30m' },
      prompt_cache_retention: '24h', reasoning: { effort: 'low' }, safety_identifier: 'u-1',
      service_tier: 'flex', store: false, stream: true, stream_options: { include_obfuscation: false },
      temperature: 0.5, text: { format: { type: 'json_schema', name: 'o', schema, strict: true } },
      tool_choice: 'required', tools: [{ type: 'function', name: 'f', parameters: schema }],
      top_logprobs: 2, top_p: 0.5, truncation: 'auto', user: 'u-2',
    },
    with: {  // fields that only mean something beside others: both requests carry these
      tool_choice: { tools: [{ type: 'function', name: 'f', parameters: schema }] },
      parallel_tool_calls: { tools: [{ type: 'function', name: 'f', parameters: schema }] },
    },
    kept: {
      model: 'routes the request; the deployment\'s own model name is sent',
      metadata: 'echoed on the response and written to the request log as tags',
      store: "the gateway's response store (GET /v1/responses/{id}, previous_response_id)",
      stream_options: 'include_obfuscation: the gateway sends no obfuscation padding',
      truncation: "echoed; the gateway never truncates (the upstream's context error and context_window_fallbacks apply)",
    },
  },
  chat: {
    path: '/v1/chat/completions',
    fields: () => sdkFields('openai/resources/chat/completions/completions.d.ts', 'ChatCompletionCreateParamsBase'),
    base: { model: 'M', messages: [{ role: 'user', content: 'hi' }] },
    samples: {
      messages: [{ role: 'user', content: 'other' }], model: 'M', audio: { voice: 'alloy', format: 'mp3' },
      frequency_penalty: 0.5, function_call: 'auto', functions: [{ name: 'f', parameters: schema }],
      logit_bias: { 50256: -100 }, logprobs: true, max_completion_tokens: 77, max_tokens: 78,
      metadata: { team: 'x' }, modalities: ['text', 'audio'], moderation: { model: 'omni-moderation-latest' },
      n: 2, parallel_tool_calls: false, prediction: { type: 'content', content: 'x' }, presence_penalty: 0.5,
      prompt_cache_key: 'k', prompt_cache_options: { mode: 'explicit', ttl: '30m' }, prompt_cache_retention: '24h',
      reasoning_effort: 'low', response_format: { type: 'json_schema', json_schema: { name: 'o', schema } },
      safety_identifier: 'u-1', seed: 7, service_tier: 'default', stop: ['END'], store: true, stream: true,
      stream_options: { include_usage: true }, temperature: 0.5, tool_choice: 'required', tools: [fn],
      top_logprobs: 2, top_p: 0.5, user: 'u-2', verbosity: 'low', web_search_options: {},
    },
    with: {
      tool_choice: { tools: [fn] },
      parallel_tool_calls: { tools: [fn] },
    },
    kept: {
      model: 'routes the request; the deployment\'s own model name is sent',
      metadata: 'written to the request log as tags (OpenAI stores it with a stored completion)',
      store: 'OpenAI-side storage of the completion; the gateway stores none, and the answer is the same',
      stream_options: 'include_usage: the gateway always asks the upstream for usage and gives it to the client only when asked',
    },
  },
  messages: {
    path: '/v1/messages',
    fields: () => sdkFields('@anthropic-ai/sdk/resources/messages/messages.d.ts', 'MessageCreateParamsBase'),
    base: { model: 'M', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] },
    samples: {
      max_tokens: 77, messages: [{ role: 'user', content: 'other' }], model: 'M',
      cache_control: { type: 'ephemeral' }, container: 'c', diagnostics: {}, inference_geo: 'us',
      metadata: { user_id: 'u-1' }, output_config: { format: { type: 'json_schema', schema } },
      service_tier: 'standard_only', speed: 'fast', stop_sequences: ['END'], stream: true, system: 'Be brief.',
      temperature: 0.5, thinking: { type: 'enabled', budget_tokens: 1024 }, tool_choice: { type: 'any' },
      tools: [{ name: 'f', input_schema: schema }], top_k: 5, top_p: 0.5, user_profile_id: 'p', workspace_id: 'w',
    },
    with: {
      tool_choice: { tools: [{ name: 'f', input_schema: schema }] },
    },
    kept: {
      model: 'routes the request; the deployment\'s own model name is sent',
      cache_control: 'OpenAI-compatible servers cache prompt prefixes without markers; the answer is the same',
    },
  },
};

// Which upstreams each API is translated for (same-API passthrough is not a translation).
const routes = [['responses', 'to-chat'], ['responses', 'to-anthropic'], ['chat', 'to-anthropic'], ['messages', 'to-chat']];
const table = [];

async function send(api, model, body) {
  last = null;
  const r = await fetch(`${gw.url}${apis[api].path}`, { method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'k', authorization: 'Bearer k' },
    body: JSON.stringify({ ...body, model }) });
  const text = await r.text();
  return { status: r.status, text, upstream: last };
}

// The upstream body without what varies per request.
const canon = (b) => JSON.stringify(b);

for (const [api, model] of routes) {
  test(`${api} -> ${model}: every SDK field is translated, passed through, refused, or kept`, async () => {
    const spec = apis[api];
    const baseline = await send(api, model, spec.base);
    assert.equal(baseline.status, 200, baseline.text);
    const fields = spec.fields();
    const problems = [];
    for (const field of fields) {
      if (!(field in spec.samples)) {
        problems.push(`${field}: the SDK has this field and the test has no sample for it (classify it)`);
        continue;
      }
      const extra = spec.with?.[field] ?? {};
      const before = Object.keys(extra).length ? await send(api, model, { ...spec.base, ...extra }) : baseline;
      const r = await send(api, model, { ...spec.base, ...extra, [field]: spec.samples[field] });
      let outcome;
      if (r.status === 400) {
        outcome = 'refused';
        if (!r.text.includes(field)) problems.push(`${field}: 400 does not name the field: ${r.text}`);
      } else if (r.status === 200) {
        if (r.upstream && canon(r.upstream) !== canon(before.upstream)) outcome = 'translated';
        else if (spec.kept[field]) outcome = `kept: ${spec.kept[field]}`;
        else {
          outcome = 'DROPPED';
          problems.push(`${field}: accepted and the upstream request did not change (silently dropped)`);
        }
      } else {
        outcome = `status ${r.status}`;
        problems.push(`${field}: status ${r.status}: ${r.text.slice(0, 200)}`);
      }
      table.push([`${api} -> ${model}`, field, outcome]);
    }
    assert.deepEqual(problems, []);
  });
}

test('the table', () => {
  for (const [route, field, outcome] of table) console.log(`${route.padEnd(28)} ${field.padEnd(24)} ${outcome}`);
  assert.ok(table.length > 60);
});
