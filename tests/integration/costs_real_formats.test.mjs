// `llmctl costs` against inputs nobody here wrote: the OpenAI Usage and Costs API answers printed
// in OpenAI's own cookbook, a Claude Console cost download committed by its owner
// (tests/data/costs/real/SOURCE.md), and OTLP/JSON produced by the
// OpenTelemetry JS SDK and its OTLP JSON serializer (the encoder every JS exporter uses), with
// the GenAI semantic-convention attributes instrumentations set, and Langfuse observations of
// every type Langfuse's own API client (@langfuse/core) defines. Expected figures come from the
// inputs themselves (sums of the published numbers) and from @pydantic/genai-prices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(path.join(process.env.LLMCTL_SOURCE_DIR, 'package.json'));
const { calcPrice } = require('@pydantic/genai-prices');
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { JsonTraceSerializer } = require('@opentelemetry/otlp-transformer');
const { ObservationType } = require('@langfuse/core');

const llmctl = process.env.LLMCTL;
const real = path.join(process.env.LLMCTL_SOURCE_DIR, 'tests/data/costs/real');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-costs-real-'));

function json(args) {
  const r = spawnSync(llmctl, ['costs', ...args, '--format', 'json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('OpenAI Usage API answer from the cookbook: every bucket read, tokens and requests exact', () => {
  const file = path.join(real, 'openai_cookbook_usage.json');
  const buckets = JSON.parse(fs.readFileSync(file, 'utf8'));
  const results = buckets.flatMap((b) => b.results);
  const sum = (k) => results.reduce((s, x) => s + x[k], 0);
  const r = json(['--input', file, '--input-format', 'openai-usage', '--by', 'day']);
  assert.equal(r.input.records_read, results.length);
  assert.equal(r.input.rows_rejected, 0);
  assert.equal(r.totals.input_tokens, sum('input_tokens'));
  assert.equal(r.totals.cache_read_tokens, sum('input_cached_tokens'));
  assert.equal(r.totals.output_tokens, sum('output_tokens'));
  assert.equal(r.totals.requests, sum('num_model_requests'));
  // Exported without group_by=model: "model": null. Counted, not priced, and said so.
  assert.equal(r.input.pricing.unpriced_rows, results.length);
  assert.match(r.notes.join('\n'), /name no model/);
  assert.match(r.notes.join('\n'), /audio tokens/);
  // One group per day with usage; the first bucket starts mid-day (17:31 UTC).
  assert.equal(r.groups.length, results.length);
  assert.equal(r.period.start, '2025-01-11T17:31:00Z');
  // ... and ends where the last bucket with usage ends (its end_time), not where it starts.
  // (Trailing buckets without results hold no record, so they do not extend the period.)
  const lastEnd = Math.max(...buckets.filter((b) => b.results.length).map((b) => b.end_time));
  assert.equal(r.period.end, new Date(lastEnd * 1000).toISOString().replace('.000Z', 'Z'));
});

test('OpenAI Costs API answer from the cookbook: dollars as billed, to the cent', () => {
  const file = path.join(real, 'openai_cookbook_costs.json');
  const buckets = JSON.parse(fs.readFileSync(file, 'utf8'));
  const amounts = buckets.flatMap((b) => b.results.map((x) => x.amount.value));
  const r = json(['--input', file, '--input-format', 'openai-costs', '--by', 'day', '--what-if', '--no-self-hosting']);
  assert.equal(r.input.records_read, amounts.length);
  assert.equal(r.input.rows_rejected, 0);
  const want = amounts.reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(r.total_usd - want) < 0.005, `${r.total_usd} vs ${want}`);
  assert.equal(r.groups.length, amounts.length);
  // The biggest day is 2025-01-18 ($21.17).
  assert.equal(r.groups[0].key.day, '2025-01-18');
  // Dollars without tokens: the token what-ifs say what they lack instead of guessing.
  for (const w of r.what_if.filter((x) => ['model_tiering', 'max_tokens'].includes(x.name)))
    assert.ok(!w.computed || w.saving_usd === 0, JSON.stringify(w));
});

function run(args) {
  return spawnSync(llmctl, ['costs', ...args], { encoding: 'utf8' });
}

const near = (got, want, what) => assert.ok(Math.abs(got - want) < 0.005, `${what}: ${got} vs ${want}`);

test('Claude Console cost download (display names, dollars, "--" cells): every line read, totals by hand', () => {
  const file = path.join(real, 'anthropic_console_cost_livechat.csv');
  // The file's 24 lines, summed by hand (cost_usd column):
  //   web search (model "--")     2026-02-12                          0.07
  //   Haiku 4.5   2026-02-12  0.09 + 0.01 + 0.02 + 0.03             = 0.15
  //               2026-02-14  0.09 + 0.01 + 0.13 + 0.04             = 0.27
  //               2026-02-15  0.00 + 0.00                           = 0.00   Haiku  0.42
  //   Sonnet 4.5  2026-02-12  0.01 + 2.63 + 0.75 + 1.16 + 1.78      = 6.33
  //               2026-02-14  0.02 + 7.06 + 3.03 + 2.10             = 12.21
  //               2026-02-15  0.00 + 0.49 + 0.22 + 0.23             = 0.94   Sonnet 19.48
  //   total 0.07 + 0.42 + 19.48 = 19.97; by day 6.55, 12.48, 0.94.
  // (The repository's COSTS.md quotes the same: Sonnet ~$19.48, Haiku ~$0.42, search $0.07.)
  const byModel = json(['--input', file, '--input-format', 'anthropic-cost', '--by', 'model']);
  assert.equal(byModel.input.records_read, 24);
  assert.equal(byModel.input.rows_rejected, 0);
  near(byModel.total_usd, 19.97, 'total');
  // Daily buckets from the 12th to the 15th: the period ends where the last day ends.
  assert.equal(byModel.period.end, '2026-02-16T00:00:00Z');
  assert.equal(byModel.period.days, 4);
  const m = Object.fromEntries(byModel.groups.map((g) => [g.key.model, g.cost_usd]));
  // Display names are mapped to the catalog's models through its aliases.
  assert.deepEqual(Object.keys(m).sort(), ['', 'claude-haiku-4-5', 'claude-sonnet-4-5']);
  near(m['claude-sonnet-4-5'], 19.48, 'Sonnet 4.5');
  near(m['claude-haiku-4-5'], 0.42, 'Haiku 4.5');
  near(m[''], 0.07, 'web search');
  const byDay = json(['--input', file, '--input-format', 'anthropic-cost', '--by', 'day']);
  const d = Object.fromEntries(byDay.groups.map((g) => [g.key.day, g.cost_usd]));
  near(d['2026-02-12'], 6.55, '02-12');
  near(d['2026-02-14'], 12.48, '02-14');
  near(d['2026-02-15'], 0.94, '02-15');
  // The Console's columns become tags a user can group by.
  const byTag = json(['--input', file, '--input-format', 'anthropic-cost', '--by', 'tag:cost_type']);
  const t = Object.fromEntries(byTag.groups.map((g) => [g.key['tag:cost_type'], g.cost_usd]));
  near(t.web_search, 0.07, 'cost_type=web_search');
  near(t.token, 19.90, 'cost_type=token');
});

test('Claude Console cost download with two broken lines appended: both named by line and column, the rest kept', () => {
  const text = fs.readFileSync(path.join(real, 'anthropic_console_cost_livechat.csv'), 'utf8');
  const file = path.join(tmp, 'claude_api_cost_broken.csv');
  // Line 26: a cost that is not a number; line 27: a date that is not a date.
  const bad1 = '2026-02-16,Claude Haiku 4.5,Default,chat-key,message,≤ 200k,output,n/a,token,not_available,';
  const bad2 = '16/02/2026,Claude Haiku 4.5,Default,chat-key,message,≤ 200k,output,0.05,token,not_available,';
  fs.writeFileSync(file, text + bad1 + '\n' + bad2 + '\n');
  const r = json(['--input', file, '--input-format', 'anthropic-cost']);
  assert.equal(r.input.records_read, 26);
  assert.equal(r.input.rows_rejected, 2);
  near(r.total_usd, 19.97, 'the 24 good lines');
  const col1 = [...bad1.slice(0, bad1.indexOf('n/a'))].length + 1;  // characters, not bytes
  assert.match(r.input.errors[0], new RegExp(`claude_api_cost_broken\\.csv:26:${col1}: cost_usd: .*"n/a"`));
  assert.match(r.input.errors[1], /claude_api_cost_broken\.csv:27:1: usage_date_utc: .*16\/02\/2026/);
  // --strict turns any rejected line into a failure.
  const strict = run(['--input', file, '--input-format', 'anthropic-cost', '--strict']);
  assert.equal(strict.status, 2, strict.stderr);
  assert.match(strict.stderr, /2 rows rejected/);
});

// GenAI spans as the OpenAI/Anthropic instrumentations record them (semantic conventions
// gen_ai.*), exported through the SDK's own OTLP JSON serializer.
function spans() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-bot', 'deployment.environment.name': 'prod' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('llm-app', '1.0.0');
  const t0 = Date.UTC(2025, 10, 3, 9);
  const calls = [];
  const call = (i, provider_, model, usage, extra = {}) => {
    const start = new Date(t0 + i * 60000);
    const s = tracer.startSpan(`chat ${model}`, {
      kind: 2, startTime: start,
      attributes: {
        'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': provider_, 'gen_ai.request.model': model,
        'gen_ai.response.model': model, 'gen_ai.request.max_tokens': 1024,
        'gen_ai.usage.input_tokens': usage.input, 'gen_ai.usage.output_tokens': usage.output,
        ...(usage.cacheRead ? { 'gen_ai.usage.cache_read.input_tokens': usage.cacheRead } : {}),
        ...(usage.cacheWrite ? { 'gen_ai.usage.cache_creation.input_tokens': usage.cacheWrite } : {}),
        'gen_ai.response.finish_reasons': ['stop'], 'gen_ai.conversation.id': `conv-${i % 3}`, ...extra,
      },
    });
    if (extra['error.type']) s.setStatus({ code: 2, message: 'upstream 529' });
    s.end(new Date(start.getTime() + 1500));
    calls.push({ provider: provider_, model, usage });
  };
  for (let i = 0; i < 6; i++) call(i, 'openai', 'gpt-4o', { input: 1500 + 100 * i, output: 200 + 10 * i, cacheRead: i % 2 ? 1024 : 0 });
  for (let i = 6; i < 10; i++) call(i, 'anthropic', 'claude-sonnet-4-5', { input: 3000, output: 400, cacheRead: 2048, cacheWrite: i === 6 ? 900 : 0 });
  call(10, 'openai', 'gpt-4o-mini', { input: 800, output: 50 }, { 'error.type': 'overloaded' });
  // An HTTP client span in the same export: not an LLM call, skipped and counted.
  tracer.startSpan('GET /v1/models', { startTime: new Date(t0), attributes: { 'http.request.method': 'GET' } }).end(new Date(t0 + 20));
  return { finished: exporter.getFinishedSpans(), calls };
}

test('OTLP/JSON from the OpenTelemetry JS SDK: every GenAI span priced as genai-prices prices it', () => {
  const { finished, calls } = spans();
  const decode = (b) => new TextDecoder().decode(b);
  // One ExportTraceServiceRequest, and the file exporter's form (one request per line).
  const single = path.join(tmp, 'traces.json');
  fs.writeFileSync(single, decode(JsonTraceSerializer.serializeRequest(finished)));
  const lines = path.join(tmp, 'traces.jsonl');
  fs.writeFileSync(lines, finished.map((s) => decode(JsonTraceSerializer.serializeRequest([s]))).join('\n') + '\n');
  let want = 0;
  for (const c of calls) {
    const u = { input_tokens: c.usage.input, output_tokens: c.usage.output,
      cache_read_tokens: c.usage.cacheRead ?? 0, cache_write_tokens: c.usage.cacheWrite ?? 0 };
    want += calcPrice(u, c.model, { providerId: c.provider }).total_price;
  }
  for (const file of [single, lines]) {
    const r = json(['--input', file, '--input-format', 'otlp', '--by', 'model,session']);
    assert.equal(r.input.rows_rejected, 0, r.input.errors?.join('\n'));
    assert.equal(r.input.rows_skipped, 1, 'the HTTP span');
    assert.equal(r.totals.requests, calls.length);
    assert.equal(r.totals.input_tokens, calls.reduce((s, c) => s + c.usage.input, 0));
    assert.equal(r.totals.errors, 1);
    assert.equal(r.input.pricing.unpriced_rows, 0);
    assert.ok(Math.abs(r.total_usd - want) < 0.005, `${path.basename(file)}: llmctl $${r.total_usd} vs genai-prices $${want}`);
    assert.deepEqual([...new Set(r.groups.map((g) => g.key.session))].sort(), ['conv-0', 'conv-1', 'conv-2']);
  }
});

// Langfuse tracks usage and cost on generations and embeddings (langfuse-docs, token and cost
// tracking); every other observation type is structure. The types come from Langfuse's own API
// client, so a release that adds one fails here until someone decides how to read it.
test('Langfuse observations of every type @langfuse/core defines: generations and embeddings read, the rest skipped', () => {
  const types = Object.values(ObservationType);
  assert.deepEqual([...types].sort(), ['AGENT', 'CHAIN', 'EMBEDDING', 'EVALUATOR', 'EVENT', 'GENERATION',
    'GUARDRAIL', 'RETRIEVER', 'SPAN', 'TOOL']);
  const usage = {
    GENERATION: { model: 'gpt-4o-mini', usageDetails: { input: 900000, input_cached_tokens: 3000000, output: 250000 } },
    EMBEDDING: { model: 'text-embedding-3-small', usageDetails: { input: 5000000 } },
  };
  const t0 = Date.UTC(2026, 1, 2, 9);
  // The public API v2 page (ObservationV2, fields core,basic,model,usage).
  const data = types.map((type, i) => ({
    id: `obs-${i}`, traceId: 'tr-1', projectId: 'proj', parentObservationId: i ? 'obs-0' : null, type,
    startTime: new Date(t0 + i * 1000).toISOString(), endTime: new Date(t0 + i * 1000 + 400).toISOString(),
    name: type.toLowerCase(), level: 'DEFAULT', environment: 'production', userId: 'u-1', sessionId: 's-1',
    ...(usage[type] ?? {}),
  }));
  const file = path.join(tmp, 'langfuse_observations_v2.json');
  fs.writeFileSync(file, JSON.stringify({ data, meta: { cursor: null } }));
  const r = json(['--input', file, '--input-format', 'langfuse', '--by', 'model']);
  assert.equal(r.input.rows_rejected, 0, r.input.errors?.join('\n'));
  assert.equal(r.input.rows_skipped, types.length - 2);
  assert.equal(r.totals.requests, 2);
  // Langfuse's buckets are exclusive: input excludes the cached tokens.
  assert.equal(r.totals.input_tokens, 900000 + 3000000 + 5000000);
  assert.equal(r.totals.cache_read_tokens, 3000000);
  assert.equal(r.input.pricing.unpriced_rows, 0);
  const want = calcPrice({ input_tokens: 3900000, cache_read_tokens: 3000000, output_tokens: 250000 }, 'gpt-4o-mini',
    { providerId: 'openai' }).total_price + calcPrice({ input_tokens: 5000000 }, 'text-embedding-3-small',
    { providerId: 'openai' }).total_price;
  assert.ok(Math.abs(r.total_usd - want) < 1e-6, `llmctl $${r.total_usd} vs genai-prices $${want}`);
  assert.deepEqual(r.groups.map((g) => g.key.model).sort(), ['gpt-4o-mini', 'text-embedding-3-small']);
});
