// `llmctl mcp` over stdio, driven by the official MCP TypeScript SDK clients: v1
// (@modelcontextprotocol/sdk, the legacy initialize handshake, 2025-11-25) and v2
// (@modelcontextprotocol/client, the stateless 2026-07-28 revision negotiated by server/discover).
// Every tool is called; its structuredContent is validated against its outputSchema with ajv and
// compared with the CLI's `--format json` output for the same arguments (one function behind
// both). Errors, read-only deploy and --allow-write, progress, cancellation, resources, prompts,
// completions, logging and version negotiation are checked. Raw JSON-RPC checks use a process
// speaking the wire protocol directly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(path.join(process.env.LLMCTL_SOURCE_DIR, 'package.json'));
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StdioClientTransport } = require('@modelcontextprotocol/sdk/client/stdio.js');
const Ajv = require('ajv');

const llmctl = process.env.LLMCTL;
const src = process.env.LLMCTL_SOURCE_DIR;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-mcp-'));
const ajv = new Ajv({ allErrors: true, strict: false });

function cli(args, opts = {}) {
  return JSON.parse(execFileSync(llmctl, args, { encoding: 'utf8', cwd: src, ...opts }));
}

function cliError(args) {
  try {
    execFileSync(llmctl, args, { encoding: 'utf8', cwd: src, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    return e.stderr.trim();
  }
  throw new Error(`llmctl ${args.join(' ')} succeeded`);
}

async function connect(args = [], { cwd = src } = {}) {
  const client = new Client({ name: 'llmctl-test', version: '1.0.0' });
  const transport = new StdioClientTransport({ command: llmctl, args: ['mcp', ...args], cwd,
    stderr: 'pipe' });
  await client.connect(transport);
  return client;
}

let client;
let tools;
before(async () => {
  client = await connect();
  tools = (await client.listTools()).tools;
});
after(async () => {
  await client?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('initialize negotiates 2025-11-25 with the v1 SDK and names the server', () => {
  assert.equal(client.getServerVersion().name, 'llmctl');
  const caps = client.getServerCapabilities();
  for (const c of ['tools', 'resources', 'prompts', 'logging', 'completions']) assert.ok(caps[c], c);
  assert.match(client.getInstructions(), /plan/);
});

test('tools/list: every tool has a description, input and output schemas that compile', () => {
  const names = tools.map((t) => t.name).sort();
  for (const n of ['audit', 'catalog_cost', 'catalog_list', 'catalog_show', 'deploy', 'explain', 'perf', 'plan'])
    assert.ok(names.includes(n), `${n} in ${names}`);
  for (const t of tools) {
    assert.ok(t.description.length > 40, t.name);
    assert.equal(t.inputSchema.type, 'object', t.name);
    assert.equal(t.inputSchema.additionalProperties, false, t.name);
    assert.ok(t.outputSchema, t.name);
    ajv.compile(t.inputSchema);
    ajv.compile(t.outputSchema);
    assert.equal(typeof t.annotations.readOnlyHint, 'boolean');
  }
  assert.equal(tools.find((t) => t.name === 'deploy').annotations.readOnlyHint, false);
  assert.equal(tools.find((t) => t.name === 'plan').annotations.readOnlyHint, true);
});

// One call per tool: the MCP result must validate against the tool's output schema and equal the
// CLI's JSON for the same arguments.
const perfArgs = { model: 'llama-3.1-70b', gpu: 'h100-sxm', gpus: 4, tp: 4, engine: 'trtllm', dtype: 'fp8',
  input_tokens: 1000, output_tokens: 500, qps: 2 };
const cases = [
  ['perf', perfArgs, ['perf', '--model', 'llama-3.1-70b', '--gpu', 'h100-sxm', '--gpus', '4', '--tp', '4',
    '--engine', 'trtllm', '--dtype', 'fp8', '--input-tokens', '1000', '--output-tokens', '500', '--qps', '2']],
  ['plan', { spec_path: 'examples/rag-70b-h100-h200.yaml', top: 3 },
    ['plan', 'examples/rag-70b-h100-h200.yaml', '--top', '3']],
  ['deploy', { spec_path: 'examples/chat-8b-l4-l40s.yaml', out: 'bundle', target: 'k8s' },
    ['deploy', 'examples/chat-8b-l4-l40s.yaml', '--out', 'bundle', '--dry-run']],
  ['audit', { paths: ['tests/data/audit/blind'] }, ['audit', 'tests/data/audit/blind']],
  ['catalog_list', { kind: 'gpus' }, ['catalog', 'list', 'gpus']],
  ['catalog_show', { id: 'openai/gpt-4o' }, ['catalog', 'show', 'openai/gpt-4o']],
  ['catalog_cost', { model: 'gpt-4o', input_tokens: 12000, cache_read_tokens: 4000, output_tokens: 800 },
    ['catalog', 'cost', '--model', 'gpt-4o', '--input-tokens', '12000', '--cache-read-tokens', '4000',
      '--output-tokens', '800']],
  ['explain', { search: 'kv cache' }, ['explain', '--search', 'kv', 'cache']],
  ['costs', { input: 'tests/data/costs/litellm_spend_logs.json', input_format: 'litellm', by: ['model', 'user'],
    what_if: true, anomalies: true },
  ['costs', '--input', 'tests/data/costs/litellm_spend_logs.json', '--input-format', 'litellm', '--by', 'model,user',
    '--what-if', '--anomalies']],
  ['simulate', { model: 'llama-3.1-8b', gpu: 'l4', engine: 'vllm', replicas: 2, qps: 4, input_tokens: 800,
    output_tokens: 200, requests: 400, seed: 7, slo_ttft_ms: 1000 },
  ['simulate', '--model', 'llama-3.1-8b', '--gpu', 'l4', '--engine', 'vllm', '--replicas', '2', '--qps', '4',
    '--input-tokens', '800', '--output-tokens', '200', '--requests', '400', '--seed', '7', '--slo-ttft-ms', '1000']],
  // summary.now_s is the moment of the call: the two runs differ there and only there.
  ['monitor', { metrics_files: ['tests/data/agent/vllm_metrics.prom'], gpu: 'h100-sxm' },
    ['monitor', '--metrics-file', 'tests/data/agent/vllm_metrics.prom', '--gpu', 'h100-sxm', '--fail-on', 'none'],
    ['summary.now_s']],
];
// Drops a dotted path (a value that differs between two runs by design, such as the time).
function without(value, path) {
  const copy = structuredClone(value);
  const keys = path.split('.');
  let o = copy;
  for (const k of keys.slice(0, -1)) o = o?.[k];
  if (o) delete o[keys.at(-1)];
  return copy;
}
test('every tool the server lists has a row in cases (a new tool is called and compared too)', () => {
  const covered = new Set(cases.map(([name]) => name));
  for (const t of tools) assert.ok(covered.has(t.name), `${t.name}: add [name, arguments, CLI arguments] to cases`);
});
for (const [name, args, cliArgs, varying = []] of cases) {
  test(`tools/call ${name}: structured content validates and equals the CLI's JSON`, async () => {
    const r = await client.callTool({ name, arguments: args });
    assert.equal(r.isError, false, JSON.stringify(r.content));
    const tool = tools.find((t) => t.name === name);
    const validate = ajv.compile(tool.outputSchema);
    assert.ok(validate(r.structuredContent), `${name}: ${ajv.errorsText(validate.errors)}`);
    assert.deepEqual(JSON.parse(r.content[0].text), r.structuredContent);
    let expected;
    try {
      expected = cli([...cliArgs, '--format', 'json']);
    } catch (e) {
      expected = JSON.parse(e.stdout);  // audit exits 1 on findings; the JSON is still printed
    }
    const strip = (v) => varying.reduce(without, v);
    assert.deepEqual(strip(r.structuredContent), strip(expected));
  });
}

test('a tool error is isError with the CLI\'s message (argument named, not the flag)', async () => {
  const r = await client.callTool({ name: 'perf', arguments: { ...perfArgs, model: 'nope-9b' } });
  assert.equal(r.isError, true);
  const cliMsg = cliError(['perf', '--model', 'nope-9b', '--gpu', 'h100-sxm', '--gpus', '4', '--tp', '4',
    '--engine', 'trtllm', '--dtype', 'fp8', '--input-tokens', '1000', '--output-tokens', '500', '--qps', '2']);
  assert.equal(`llmctl: --${r.content[0].text}`, cliMsg);
  const bad = await client.callTool({ name: 'perf', arguments: { ...perfArgs, gpus: 'two' } });
  assert.equal(bad.isError, true);
  assert.match(bad.content[0].text, /^gpus: expected an integer >= 1, found "two"/);
  const typo = await client.callTool({ name: 'plan', arguments: { spec_pth: 'x.yaml' } });
  assert.match(typo.content[0].text, /spec_pth: unknown argument \(did you mean 'spec_path'\?\)/);
  const spec = await client.callTool({ name: 'plan', arguments: { spec: { model: 'llama-3.1-8b', traffic: { peak_qps: -1, input_tokens: 100, output_tokens: 10 } } } });
  assert.equal(spec.isError, true);
  assert.match(spec.content[0].text, /traffic\.peak_qps/);
  await assert.rejects(client.callTool({ name: 'no_such_tool', arguments: {} }), /unknown tool 'no_such_tool'/);
});

test('the plan tool takes the spec as an object (an architect\'s requirements)', async () => {
  const spec = { name: 'from-architect', model: 'llama-3.1-8b',
    traffic: { peak_qps: 5, input_tokens: { mean: 800, p95: 2000 }, output_tokens: 200 },
    slo: { ttft_p95_ms: 1500 }, constraints: { gpus: ['l4', 'l40s'] } };
  const schema = cli(['schema', 'plan-spec']);
  assert.ok(ajv.validate(schema, spec), ajv.errorsText());
  const r = await client.callTool({ name: 'plan', arguments: { spec } });
  assert.equal(r.isError, false, r.content[0].text);
  assert.equal(r.structuredContent.spec.name, 'from-architect');
  assert.ok(r.structuredContent.options.length > 0);
});

test('deploy is read-only by default; --allow-write writes only under its folder', async () => {
  const ro = await client.callTool({ name: 'deploy', arguments: { spec_path: 'examples/chat-8b-l4-l40s.yaml', dry_run: false } });
  assert.equal(ro.isError, true);
  assert.match(ro.content[0].text, /writing is off/);
  const dir = path.join(tmp, 'writable');
  const rw = await connect(['--allow-write', dir]);
  try {
    const ok = await rw.callTool({ name: 'deploy', arguments: { spec_path: 'examples/chat-8b-l4-l40s.yaml', out: 'chat', dry_run: false } });
    assert.equal(ok.isError, false, ok.content[0].text);
    assert.equal(ok.structuredContent.written, true);
    assert.ok(fs.existsSync(path.join(dir, 'chat', 'k8s', 'engine-deployment.yaml')));
    const escape = await rw.callTool({ name: 'deploy', arguments: { spec_path: 'examples/chat-8b-l4-l40s.yaml', out: '../escape', dry_run: false } });
    assert.equal(escape.isError, true);
    assert.match(escape.content[0].text, /outside the folder this server may write/);
    assert.ok(!fs.existsSync(path.join(tmp, 'escape')));
    const read = await rw.callTool({ name: 'audit', arguments: { paths: ['/etc'] } });
    assert.match(read.content[0].text, /outside the folder this server may read/);
  } finally {
    await rw.close();
  }
});

// A tree big enough that the audit reports progress many times.
function bigTree(files) {
  const dir = path.join(tmp, `tree-${files}`);
  if (fs.existsSync(dir)) return dir;
  for (let d = 0; d < files / 100; ++d) {
    const sub = path.join(dir, `svc${d}`);
    fs.mkdirSync(sub, { recursive: true });
    for (let f = 0; f < 100; ++f)
      fs.writeFileSync(path.join(sub, `client${f}.py`),
        'from openai import OpenAI\nclient = OpenAI()\nr = client.chat.completions.create(model="gpt-4o", messages=[])\n');
  }
  return dir;
}

// The big trees live in tmp, so these calls go to a server whose --root is tmp.
let tmpClient;
async function inTmp() {
  tmpClient ??= await connect(['--root', tmp], { cwd: tmp });
  return tmpClient;
}
after(() => tmpClient?.close());

test('progress notifications: monotonic, with a total, before the result', async () => {
  const dir = bigTree(2000);
  const progress = [];
  const r = await (await inTmp()).callTool({ name: 'audit', arguments: { paths: [path.basename(dir)] } },
    undefined, { onprogress: (p) => progress.push(p), timeout: 120000 });
  assert.equal(r.isError, false);
  assert.ok(progress.length >= 5, `${progress.length} notifications`);
  for (let i = 1; i < progress.length; ++i) assert.ok(progress[i].progress > progress[i - 1].progress);
  assert.equal(progress[0].total, 2000);
  assert.match(progress[0].message, /of 2000 files/);
  assert.equal(r.structuredContent.summary.files_scanned, 2000);
});

test('cancellation stops the call: no result, and the server answers the next request', async () => {
  const dir = bigTree(20000);
  const ac = new AbortController();
  let seen = 0;
  const started = Date.now();
  const c = await inTmp();
  const call = c.callTool({ name: 'audit', arguments: { paths: [path.basename(dir)] } },
    undefined, { signal: ac.signal, timeout: 120000, onprogress: () => { if (++seen === 1) ac.abort('enough'); } });
  await assert.rejects(call, /abort|enough/i);
  const cancelledAfter = Date.now() - started;
  // The server stopped the walk: a short call right after completes promptly.
  const t0 = Date.now();
  const r = await c.callTool({ name: 'catalog_show', arguments: { id: 'h100-sxm' } });
  assert.equal(r.isError, false);
  assert.ok(Date.now() - t0 < 5000, `next call took ${Date.now() - t0} ms`);
  assert.ok(cancelledAfter < 60000);
});

test('resources: paginated list, templates, catalog entries, knowledge, rules, docs, schema', async () => {
  const first = await client.listResources();
  assert.equal(first.resources.length, 100);
  assert.ok(first.nextCursor);
  const second = await client.listResources({ cursor: first.nextCursor });
  const all = [...first.resources, ...second.resources];
  let cursor = second.nextCursor;
  while (cursor) {
    const page = await client.listResources({ cursor });
    all.push(...page.resources);
    cursor = page.nextCursor;
  }
  const uris = all.map((r) => r.uri);
  assert.equal(new Set(uris).size, uris.length);
  for (const u of ['llmctl://schema/plan-spec', 'llmctl://docs/PLAN.md', 'llmctl://knowledge/api-vs-self-hosted',
    'llmctl://audit/rules/LLM003', 'llmctl://catalog/gpus/h100-sxm', 'llmctl://catalog/prices/openai%2Fgpt-4o'])
    assert.ok(uris.includes(u), u);
  const price = await client.readResource({ uri: 'llmctl://catalog/prices/openai%2Fgpt-4o' });
  assert.equal(JSON.parse(price.contents[0].text).id, 'openai/gpt-4o');
  const k = await client.readResource({ uri: 'llmctl://knowledge/no-caching' });
  assert.match(k.contents[0].text, /LLM009/);
  assert.match(k.contents[0].text, /Source: /);
  const doc = await client.readResource({ uri: 'llmctl://docs/PLAN.md' });
  assert.match(doc.contents[0].text, /llmctl plan/);
  const templates = await client.listResourceTemplates();
  assert.ok(templates.resourceTemplates.some((t) => t.uriTemplate === 'llmctl://catalog/{kind}/{id}'));
  await assert.rejects(client.readResource({ uri: 'llmctl://catalog/gpus/nope' }), /no resource/);
});

test('prompts: the four interaction scripts, with arguments and completions', async () => {
  const { prompts } = await client.listPrompts();
  assert.deepEqual(prompts.map((p) => p.name), ['deploy', 'optimize-costs', 'monitor', 'scale']);
  const p = await client.getPrompt({ name: 'deploy', arguments: { model: 'llama-3.1-70b', qps: '20' } });
  assert.match(p.messages[0].content.text, /Known: model: llama-3.1-70b; qps: 20/);
  assert.match(p.messages[0].content.text, /`plan`/);
  await assert.rejects(client.getPrompt({ name: 'deploy', arguments: { colour: 'red' } }), /takes/);
  const c = await client.complete({ ref: { type: 'ref/prompt', name: 'deploy' }, argument: { name: 'model', value: 'llama-3.1' } });
  assert.deepEqual(c.completion.values.sort(), ['llama-3.1-405b', 'llama-3.1-70b', 'llama-3.1-8b']);
  const g = await client.complete({ ref: { type: 'ref/resource', uri: 'llmctl://catalog/{kind}/{id}' }, argument: { name: 'kind', value: 'g' } });
  assert.deepEqual(g.completion.values, ['gpus']);
});

test('logging: after logging/setLevel the server reports each tool call', async () => {
  const logs = [];
  const { LoggingMessageNotificationSchema } = require('@modelcontextprotocol/sdk/types.js');
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.push(n.params));
  await client.setLoggingLevel('info');
  await client.callTool({ name: 'catalog_show', arguments: { id: 'l4' } });
  await client.callTool({ name: 'catalog_show', arguments: { id: 'nope' } });
  assert.ok(logs.some((l) => l.level === 'info' && /catalog_show finished/.test(l.data)), JSON.stringify(logs));
  assert.ok(logs.some((l) => l.level === 'error' && /no catalog entry 'nope'/.test(l.data)));
});

// Raw JSON-RPC over stdio, for what the SDKs do not expose: older revisions, unknown versions,
// malformed messages, and that a cancelled call gets no response at all.
// Messages are split at newlines as bytes arrive: each chunk is searched once (a 40 MB audit
// result must not be rescanned per chunk), and bytes are decoded only once a line is whole.
// Every child is killed after the tests, so a failed assertion cannot leave the suite waiting.
const rawChildren = [];
after(() => { for (const c of rawChildren) if (c.exitCode === null) c.kill('SIGKILL'); });
function raw(cwd = src) {
  const child = spawn(llmctl, ['mcp'], { cwd, stdio: ['pipe', 'pipe', 'ignore'] });
  rawChildren.push(child);
  let pending = [];
  const waiters = [];
  const messages = [];
  child.stdout.on('data', (d) => {
    let start = 0;
    let nl;
    while ((nl = d.indexOf(10, start)) >= 0) {
      pending.push(d.subarray(start, nl));
      messages.push(JSON.parse(Buffer.concat(pending).toString('utf8')));
      pending = [];
      start = nl + 1;
    }
    if (start < d.length) pending.push(d.subarray(start));
    for (const w of waiters.splice(0)) w();
  });
  const send = (m) => child.stdin.write(JSON.stringify(m) + '\n');
  const next = async (pred, ms = 10000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = messages.findIndex(pred);
      if (i >= 0) return messages.splice(i, 1)[0];
      if (Date.now() > deadline) return null;
      await new Promise((r) => { waiters.push(r); setTimeout(r, 50); });
    }
  };
  return { child, send, next, messages, close: () => { child.stdin.end(); return new Promise((r) => child.on('exit', r)); } };
}

test('older revisions are negotiated: 2024-11-05 gets no outputSchema or structuredContent', async () => {
  const s = raw();
  s.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'old', version: '0' } } });
  const init = await s.next((m) => m.id === 1);
  assert.equal(init.result.protocolVersion, '2024-11-05');
  assert.equal(init.result.capabilities.completions, undefined);
  s.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  s.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
  const list = await s.next((m) => m.id === 2);
  assert.ok(list.result.tools.every((t) => t.outputSchema === undefined && t.title === undefined && t.annotations === undefined));
  s.send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'catalog_show', arguments: { id: 'l4' } } });
  const call = await s.next((m) => m.id === 3);
  assert.equal(call.result.structuredContent, undefined);
  assert.equal(JSON.parse(call.result.content[0].text).id, 'l4');
  await s.close();
});

test('an unknown revision gets the latest legacy one; malformed input gets JSON-RPC errors', async () => {
  const s = raw();
  s.send({ jsonrpc: '2.0', id: 'a', method: 'tools/list' });
  assert.equal((await s.next((m) => m.id === 'a')).error.code, -32600);  // not initialized
  s.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '1999-01-01', capabilities: {}, clientInfo: { name: 'x', version: '0' } } });
  assert.equal((await s.next((m) => m.id === 1)).result.protocolVersion, '2025-11-25');
  s.child.stdin.write('{not json\n');
  assert.equal((await s.next((m) => m.error && m.id === null)).error.code, -32700);
  s.send([{ jsonrpc: '2.0', id: 5, method: 'ping' }]);
  assert.equal((await s.next((m) => m.error && m.error.code === -32600)).error.code, -32600);
  s.send({ jsonrpc: '2.0', id: 6, method: 'no/such' });
  assert.equal((await s.next((m) => m.id === 6)).error.code, -32601);
  s.send({ jsonrpc: '2.0', id: 7, method: 'ping' });
  assert.deepEqual((await s.next((m) => m.id === 7)).result, {});
  await s.close();
});

test('a cancelled call sends no response; the same call uncancelled does', async () => {
  const dir = path.basename(bigTree(20000));
  const s = raw(tmp);
  s.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '0' } } });
  await s.next((m) => m.id === 1);
  s.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'audit', arguments: { paths: [dir] }, _meta: { progressToken: 'p2' } } });
  const first = await s.next((m) => m.method === 'notifications/progress' && m.params.progressToken === 'p2', 60000);
  assert.ok(first, 'progress before cancelling');
  s.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 2, reason: 'test' } });
  s.send({ jsonrpc: '2.0', id: 3, method: 'ping' });
  assert.ok(await s.next((m) => m.id === 3));
  assert.equal(await s.next((m) => m.id === 2, 3000), null, 'no response to a cancelled request');
  s.send({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'audit', arguments: { paths: [dir] } } });
  const done = await s.next((m) => m.id === 4, 120000);
  assert.equal(done.result.structuredContent.summary.files_scanned, 20000);
  await s.close();
});

test('the v2 SDK client negotiates the stateless 2026-07-28 revision and calls tools', async () => {
  const v2 = require('@modelcontextprotocol/client');
  const { StdioClientTransport: V2Stdio } = require('@modelcontextprotocol/client/stdio');
  const c = new v2.Client({ name: 'llmctl-test-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await c.connect(new V2Stdio({ command: llmctl, args: ['mcp'], cwd: src, stderr: 'pipe' }));
  try {
    assert.equal(c.getNegotiatedProtocolVersion(), '2026-07-28');
    const { tools: list } = await c.listTools();
    assert.ok(list.some((t) => t.name === 'plan' && t.outputSchema));
    const r = await c.callTool({ name: 'catalog_cost', arguments: { model: 'gpt-4o', input_tokens: 1000, output_tokens: 100 } });
    assert.equal(r.isError, false);
    assert.equal(r.structuredContent.price.id, 'openai/gpt-4o');
    const res = await c.readResource({ uri: 'llmctl://knowledge/slo-targets' });
    assert.match(res.contents[0].text, /MLPerf/);
  } finally {
    await c.close();
  }
});

test('Streamable HTTP: sessions, SSE progress for tools/call, DELETE, and the v2 client stateless', async () => {
  const { startListening, stop } = await import('./lib/processes.mjs');
  const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const server = await startListening(['mcp', '--http', '127.0.0.1:0', '--root', tmp]);
  try {
    const url = new URL(`${server.url}/mcp`);
    const c = new Client({ name: 'llmctl-http-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(url);
    await c.connect(transport);
    assert.match(transport.sessionId, /^[0-9a-f]{32}$/);
    const dir = path.basename(bigTree(2000));
    const progress = [];
    const r = await c.callTool({ name: 'audit', arguments: { paths: [dir] } }, undefined,
      { onprogress: (p) => progress.push(p), timeout: 120000 });
    assert.equal(r.structuredContent.summary.files_scanned, 2000);
    assert.ok(progress.length >= 5);
    // A request without the session id is 400; an unknown one 404; DELETE ends the session.
    const body = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    assert.equal((await fetch(url, { method: 'POST', headers, body })).status, 400);
    assert.equal((await fetch(url, { method: 'POST', headers: { ...headers, 'mcp-session-id': 'nope' }, body })).status, 404);
    const sid = transport.sessionId;
    await transport.terminateSession();
    assert.equal((await fetch(url, { method: 'POST', headers: { ...headers, 'mcp-session-id': sid }, body })).status, 404);
    assert.equal((await fetch(url, { method: 'GET', headers: { accept: 'text/event-stream' } })).status, 405);
    await c.close();

    const v2 = require('@modelcontextprotocol/client');
    const m = new v2.Client({ name: 'llmctl-http-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await m.connect(new v2.StreamableHTTPClientTransport(url));
    assert.equal(m.getNegotiatedProtocolVersion(), '2026-07-28');
    const res = await m.callTool({ name: 'explain', arguments: { topic: 'llm-d' } });
    assert.equal(res.structuredContent.entries[0].id, 'llm-d');
    await m.close();
  } finally {
    await stop(server.child);
  }
});
