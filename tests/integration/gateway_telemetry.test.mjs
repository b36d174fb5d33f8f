// OpenTelemetry traces and feedback end to end (docs/GATEWAY.md, "Telemetry" and "Feedback"):
// the official `openai` SDK sends requests with a W3C traceparent made by the OpenTelemetry JS
// propagator through a real gateway; its primary deployment answers 503 (the attempt planner
// falls back), the fallback is `llmctl mock` behind a recorder that keeps the headers it saw. A
// small OTLP/HTTP receiver (node) answers the first export 503 (the exporter retries) and keeps
// the rest. What arrived is checked against the OpenTelemetry JS packages, not our own reading:
// every span is rebuilt as the SDK's ReadableSpan and serialised by @opentelemetry/otlp-transformer's
// JsonTraceSerializer, which must give back exactly the JSON the gateway sent (field names,
// types, enums, id and time encodings, span flags); traceparents are read with
// @opentelemetry/core's W3CTraceContextPropagator. Then POST /v1/feedback stores scores with the
// request records (sqlite3 CLI) and refuses bad input naming the field.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startListening, stop, stopAll } from './lib/processes.mjs';

const require = createRequire(path.join(process.env.LLMCTL_SOURCE_DIR, 'package.json'));
const { OpenAI } = require('openai');
const { JsonTraceSerializer } = require('@opentelemetry/otlp-transformer');
const { W3CTraceContextPropagator, TraceState } = require('@opentelemetry/core');
const api = require('@opentelemetry/api');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-otel-'));
const db = path.join(tmp, 'requests.db');
const servers = [];
let gw;
let client;
const exports = [];        // parsed OTLP request bodies, in arrival order
let exportCalls = 0;
const seenUpstream = [];   // {role, traceparent, tracestate}
const propagator = new W3CTraceContextPropagator();

function listen(server) {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

// The OTLP/HTTP receiver: POST /v1/traces, JSON; the first export gets a 503 with Retry-After.
function startReceiver() {
  return listen(http.createServer(async (req, res) => {
    const body = await readBody(req);
    if (req.method !== 'POST' || req.url !== '/v1/traces') { res.writeHead(404).end(); return; }
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers['x-otlp-token'], 'secret-token');  // telemetry.headers
    exportCalls += 1;
    if (exportCalls === 1) { res.writeHead(503, { 'retry-after': '0' }).end(); return; }
    exports.push(JSON.parse(body.toString('utf8')));
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  }));
}

// The upstreams: /bad answers 503; /good records and forwards to the mock.
function startUpstreams(mockUrl) {
  return listen(http.createServer(async (req, res) => {
    const body = await readBody(req);
    const role = req.url.startsWith('/bad') ? 'bad' : 'good';
    seenUpstream.push({ role, traceparent: req.headers.traceparent, tracestate: req.headers.tracestate });
    if (role === 'bad') {
      res.writeHead(503, { 'content-type': 'application/json' })
        .end('{"error":{"message":"overloaded","type":"server_error"}}');
      return;
    }
    const upstream = await fetch(mockUrl + req.url.replace(/^\/good/, ''), {
      method: 'POST', headers: { 'content-type': 'application/json' }, body,
    });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  }));
}

before(async () => {
  const mock = await startListening(['mock', '--port', '0', '--ttft-ms', '1', '--tpot-ms', '0']);
  const receiverPort = await startReceiver();
  const upstreamPort = await startUpstreams(mock.url);
  const cfgPath = path.join(tmp, 'gateway.yaml');
  fs.writeFileSync(cfgPath, `
listen: 127.0.0.1:0
workers: 2
logging:
  access_log: false
  request_log:
    path: ${db}
telemetry:
  otlp_endpoint: http://127.0.0.1:${receiverPort}
  headers: {x-otlp-token: secret-token}
  batch: {delay_ms: 100, max_spans: 4}
  retry: {initial_backoff_ms: 20, max_backoff_ms: 100}
models:
  - name: chat
    max_attempts: 1
    fallbacks: [backup]
    deployments:
      - provider: openai-compatible
        name: primary
        base_url: http://127.0.0.1:${upstreamPort}/bad/v1
        model: primary-model
        price: none
  - name: backup
    deployments:
      - provider: openai-compatible
        name: secondary
        base_url: http://127.0.0.1:${upstreamPort}/good/v1
        model: gpt-4o-mini
        price: openai/gpt-4o-mini
`);
  gw = await startListening(['gateway', '--config', cfgPath]);
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-none', maxRetries: 0 });
});

after(async () => {
  await stopAll();
  for (const s of servers) s.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

// A client span context, its traceparent made by the OpenTelemetry propagator.
function clientContext() {
  const bytes = (n) => [...crypto.getRandomValues(new Uint8Array(n))].map((b) => b.toString(16).padStart(2, '0')).join('');
  const sc = { traceId: bytes(16), spanId: bytes(8), traceFlags: api.TraceFlags.SAMPLED, isRemote: false,
    traceState: new TraceState('vendor=abc') };
  const carrier = {};
  propagator.inject(api.trace.setSpanContext(api.ROOT_CONTEXT, sc), carrier, api.defaultTextMapSetter);
  return { sc, headers: carrier };
}

// A traceparent/tracestate pair as the OpenTelemetry propagator reads it.
function extracted(traceparent, tracestate) {
  const carrier = { traceparent };
  if (tracestate) carrier.tracestate = tracestate;
  return api.trace.getSpanContext(propagator.extract(api.ROOT_CONTEXT, carrier, api.defaultTextMapGetter));
}

async function spansOf(traceId, count) {
  for (let i = 0; i < 100; i++) {
    const spans = exports.flatMap((e) => e.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)))
      .filter((s) => s.traceId === traceId);
    if (spans.length >= count) return spans;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`fewer than ${count} spans of trace ${traceId} arrived`);
}

const attrs = (span) => Object.fromEntries(span.attributes.map((a) => [a.key, a.value]));

// An OTLP JSON AnyValue as the JS attribute value the SDK would hold.
function jsValue(v) {
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('boolValue' in v) return v.boolValue;
  if ('arrayValue' in v) return v.arrayValue.values.map(jsValue);
  throw new Error(`unexpected AnyValue ${JSON.stringify(v)}`);
}
const hr = (nanos) => { const n = BigInt(nanos); return [Number(n / 1000000000n), Number(n % 1000000000n)]; };

// Each exported request rebuilt as the SDK's ReadableSpans and serialised again by the SDK.
function reserialise(request) {
  const spans = [];
  for (const rs of request.resourceSpans) {
    const resource = { attributes: Object.fromEntries(rs.resource.attributes.map((a) => [a.key, jsValue(a.value)])) };
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        const remoteParent = (s.flags & 0x200) !== 0;
        spans.push({
          name: s.name,
          kind: s.kind - 1,  // the API's SpanKind has no UNSPECIFIED
          spanContext: () => ({ traceId: s.traceId, spanId: s.spanId, traceFlags: s.flags & 0xff,
            traceState: s.traceState ? new TraceState(s.traceState) : undefined }),
          parentSpanContext: s.parentSpanId ? { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: 1, isRemote: remoteParent } : undefined,
          startTime: hr(s.startTimeUnixNano), endTime: hr(s.endTimeUnixNano),
          status: { code: s.status.code, message: s.status.message },
          attributes: Object.fromEntries(s.attributes.map((a) => [a.key, jsValue(a.value)])),
          links: [], events: [], duration: [0, 0], ended: true, resource,
          instrumentationScope: { name: ss.scope.name, version: ss.scope.version },
          droppedAttributesCount: 0, droppedEventsCount: 0, droppedLinksCount: 0,
        });
      }
    }
  }
  return JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)));
}

// JS has one number type: a whole double reads back as an integer, which the SDK encodes as
// intValue; and the SDK writes intValue as a JSON number where the proto3 JSON mapping (what the
// gateway writes, as the collector's and the Go/Java/Python SDKs' encoders do) makes an int64 a
// decimal string. Normalise our side the same way before comparing, after checking that every
// intValue is such a string.
function normalise(x) {
  if (Array.isArray(x)) return x.map(normalise);
  if (x && typeof x === 'object') {
    if ('doubleValue' in x && Number.isInteger(x.doubleValue)) return { intValue: x.doubleValue };
    if ('intValue' in x) {
      assert.match(x.intValue, /^-?[0-9]+$/, 'intValue: an int64 as a decimal string');
      return { intValue: Number(x.intValue) };
    }
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, normalise(v)]));
  }
  return x;
}

test('a fallback request continues the client trace: one server span, one client span per attempt', async () => {
  const { sc, headers } = clientContext();
  const { data, response } = await client.chat.completions
    .create({ model: 'chat', max_tokens: 16, messages: [{ role: 'user', content: 'hello' }] }, { headers })
    .withResponse();
  assert.ok(data.choices[0].message.content.length > 0);
  const requestId = response.headers.get('x-request-id');

  const spans = await spansOf(sc.traceId, 3);
  assert.equal(spans.length, 3);
  const server = spans.find((s) => s.kind === 2);
  const clients = spans.filter((s) => s.kind === 3)
    .sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)));
  assert.equal(server.parentSpanId, sc.spanId, 'the server span is the client span\'s child');
  assert.equal(server.flags & 0x300, 0x300, 'its parent is remote');
  assert.equal(server.traceState, 'vendor=abc');
  assert.equal(server.name, 'chat chat');
  assert.equal(clients.length, 2);
  for (const c of clients) assert.equal(c.parentSpanId, server.spanId);
  const sa = attrs(server);
  assert.equal(sa['gen_ai.operation.name'].stringValue, 'chat');
  assert.equal(sa['gen_ai.request.model'].stringValue, 'chat');
  assert.equal(sa['gen_ai.response.model'].stringValue, 'gpt-4o-mini');
  assert.equal(sa['gen_ai.provider.name'].stringValue, 'openai');
  assert.equal(sa['gen_ai.request.max_tokens'].intValue, '16');
  assert.equal(sa['gen_ai.usage.output_tokens'].intValue, String(data.usage.completion_tokens));
  assert.equal(sa['gen_ai.usage.input_tokens'].intValue, String(data.usage.prompt_tokens));
  assert.deepEqual(sa['gen_ai.response.finish_reasons'].arrayValue.values.map((v) => v.stringValue),
    [data.choices[0].finish_reason === 'length' ? 'length' : 'stop']);
  assert.equal(sa['llmctl.request_id'].stringValue, requestId);
  assert.match(sa['llmctl.route_reason'].stringValue, />fallback:backup$/);
  assert.ok(sa['llmctl.cost_usd'].doubleValue > 0, 'priced at openai/gpt-4o-mini');
  assert.equal(sa['llmctl.attempts'].intValue, '2');
  assert.equal(sa['http.response.status_code'].intValue, '200');
  assert.equal(sa['llmctl.quality.empty_answer'].boolValue, false);
  assert.equal(server.status.code, 0);

  const [first, second] = clients;
  const fa = attrs(first), sa2 = attrs(second);
  assert.equal(fa['llmctl.deployment'].stringValue, 'primary');
  assert.equal(fa['error.type'].stringValue, 'upstream_server');
  assert.equal(fa['http.response.status_code'].intValue, '503');
  assert.equal(first.status.code, 2);
  assert.equal(fa['server.address'].stringValue, '127.0.0.1');
  assert.equal(sa2['llmctl.deployment'].stringValue, 'secondary');
  assert.equal(sa2['gen_ai.request.model'].stringValue, 'gpt-4o-mini');
  assert.equal(second.status.code, 0);
  assert.ok(!('error.type' in sa2));

  // Each upstream saw the trace, with its own attempt span as the parent.
  const bad = seenUpstream.filter((s) => s.role === 'bad').at(-1);
  const good = seenUpstream.filter((s) => s.role === 'good').at(-1);
  const b = extracted(bad.traceparent, bad.tracestate);
  const g = extracted(good.traceparent, good.tracestate);
  assert.ok(b && g, 'the OpenTelemetry propagator reads both traceparents');
  assert.equal(b.traceId, sc.traceId);
  assert.equal(g.traceId, sc.traceId);
  assert.equal(b.spanId, first.spanId);
  assert.equal(g.spanId, second.spanId);
  assert.equal(g.traceFlags & 1, 1);
  assert.equal(good.tracestate, 'vendor=abc');

  // The trace id is in the request log too.
  const traceIdOf = () => execFileSync('sqlite3', [db, `SELECT trace_id FROM requests WHERE request_id = '${requestId}'`]).toString().trim();
  let logged = traceIdOf();
  for (let i = 0; i < 40 && logged === ''; i++) {
    await new Promise((r) => setTimeout(r, 50));
    logged = traceIdOf();
  }
  assert.equal(logged, sc.traceId);
});

test('without a traceparent a stream starts a new trace', async () => {
  const before = new Set(exports.flatMap((e) => e.resourceSpans[0].scopeSpans[0].spans.map((s) => s.traceId)));
  const stream = await client.chat.completions.create({
    model: 'backup', stream: true, messages: [{ role: 'user', content: 'stream please' }] });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  assert.ok(text.length > 0);
  let fresh;
  for (let i = 0; i < 100 && !fresh; i++) {
    fresh = exports.flatMap((e) => e.resourceSpans[0].scopeSpans[0].spans)
      .find((s) => s.kind === 2 && !before.has(s.traceId) && attrs(s)['gen_ai.request.stream']?.boolValue === true);
    if (!fresh) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(fresh, 'a server span for the stream arrived');
  assert.ok(!('parentSpanId' in fresh), 'a root span');
  assert.equal(fresh.flags, 0x101);
  const a = attrs(fresh);
  assert.ok(a['gen_ai.response.time_to_first_chunk'].doubleValue > 0);
  const up = seenUpstream.filter((s) => s.role === 'good').at(-1);
  assert.equal(extracted(up.traceparent).traceId, fresh.traceId);
});

test('what the gateway sent is what the OpenTelemetry JS serializer makes of the same spans', async () => {
  assert.ok(exports.length >= 1);
  for (const request of exports) {
    assert.deepStrictEqual(reserialise(request), normalise(request));
    const rs = request.resourceSpans[0];
    const res = Object.fromEntries(rs.resource.attributes.map((a) => [a.key, a.value.stringValue]));
    assert.equal(res['service.name'], 'llmctl-gateway');
    assert.ok(rs.scopeSpans[0].spans.length <= 4, 'batch.max_spans');
  }
});

test('the first export was answered 503 and retried; nothing was dropped', async () => {
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  const value = (name) => Number((metrics.match(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm')) ?? [])[1]);
  assert.ok(value('llmctl_otel_export_requests_total{result="retried"}') >= 1);
  assert.equal(value('llmctl_otel_spans_dropped_total{reason="queue_full"}'), 0);
  assert.equal(value('llmctl_otel_spans_dropped_total{reason="export_failed"}'), 0);
  assert.ok(value('llmctl_otel_spans_exported_total') >= 5);
  assert.ok(exportCalls >= 2);
});

test('POST /v1/feedback stores a score with the request record', async () => {
  const { response } = await client.chat.completions
    .create({ model: 'backup', messages: [{ role: 'user', content: 'rate me' }] }).withResponse();
  const id = response.headers.get('x-request-id');
  const post = (body) => fetch(`${gw.url}/v1/feedback`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const ok = await post({ request_id: id, score: 0.25, comment: 'too short' });
  assert.equal(ok.status, 200, await ok.clone().text());
  assert.deepEqual(await ok.json(), { request_id: id, score: 0.25, model: 'backup', stored: true });
  const row = execFileSync('sqlite3', [db, `SELECT feedback_score, feedback_comment, feedback_ts_ms > 0 FROM requests WHERE request_id = '${id}'`]).toString().trim();
  assert.equal(row, '0.25|too short|1');

  const unknown = await post({ request_id: 'no-such-id', score: 1 });
  assert.equal(unknown.status, 404);
  assert.equal((await unknown.json()).error.code, 'request_not_found');
  const bad = await post({ request_id: id, score: 'good' });
  assert.equal(bad.status, 400);
  const err = (await bad.json()).error;
  assert.equal(err.param, 'score');
  assert.match(err.message, /^score: expected a number/);
  const noId = await post({ score: 1 });
  assert.equal((await noId.json()).error.param, 'request_id');
  const extra = await post({ request_id: id, score: 1, stars: 5 });
  assert.match((await extra.json()).error.message, /^stars: unknown field/);
  assert.equal((await fetch(`${gw.url}/v1/feedback`)).status, 405);

  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  assert.match(metrics, /^llmctl_gateway_feedback_score_count\{model="backup"\} 1$/m);
  assert.match(metrics, /^llmctl_gateway_feedback_score_sum\{model="backup"\} 0.25$/m);
  // Every family (quality, drift, feedback, otel) passes Prometheus' own linter.
  execFileSync('promtool', ['check', 'metrics'], { input: metrics });
  assert.match(metrics, /^llmctl_gateway_answer_checks_total\{model="backup",check="empty",result="pass"\} [1-9]/m);
  assert.match(metrics, /^llmctl_gateway_finish_reasons_total\{model="chat",reason="(stop|length)"\} [1-9]/m);
  assert.match(metrics, /^llmctl_gateway_output_tokens_count\{model="backup"\} [1-9]/m);
});

test('stopping the gateway flushes what is queued', async () => {
  const { sc, headers } = clientContext();
  await client.chat.completions.create({ model: 'backup', messages: [{ role: 'user', content: 'last' }] }, { headers });
  await stop(gw);
  const spans = await spansOf(sc.traceId, 2);
  assert.equal(spans.length, 2);
});
