// `llmctl ask` end to end, one test per interaction script, each checking the numbers that matter
// against an independent computation: the chat profile against the Azure trace itself, the cost
// of the current model against @pydantic/genai-prices, the plan numbers against `llmctl plan` on
// the spec ask printed, the audit counts against `llmctl audit`. Also: missing values listed as
// flags when not on a terminal, unrecognised requests answered with suggestions only, hand-offs
// as data, and `llmctl schema plan-spec` accepting every example spec.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(path.join(process.env.LLMCTL_SOURCE_DIR, 'package.json'));
const { calcPrice } = require('@pydantic/genai-prices');
const Ajv = require('ajv');
const yaml = require('js-yaml');

const llmctl = process.env.LLMCTL;
const src = process.env.LLMCTL_SOURCE_DIR;
const shared = process.env.LLMCTL_SHARED_DIR;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-ask-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(args, { input = '' } = {}) {
  const r = spawnSync(llmctl, args, { cwd: src, encoding: 'utf8', input });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
function ask(request, ...flags) {
  const r = run(['ask', request, ...flags, '--format', 'json']);
  return { code: r.code, a: JSON.parse(r.out), err: r.err };
}
// `llmctl plan` on the spec an answer printed.
function planOf(spec) {
  const file = path.join(tmp, `spec-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, yaml.dump(spec));
  const r = run(['plan', file, '--format', 'json', '--top', '50']);
  assert.ok(r.code === 0 || r.code === 1, r.err);
  return JSON.parse(r.out);
}
const near = (a, b, rel = 1e-6) => assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

// The chat profile must be the Azure conversation trace's own mean and nearest-rank p95.
function azureConv() {
  const rows = fs.readFileSync(path.join(shared, 'data/traces/azure-llm-2023/AzureLLMInferenceTrace_conv.csv'), 'utf8')
    .trim().split(/\r?\n/);
  const head = rows.shift().split(',');
  const ci = head.indexOf('ContextTokens');
  const gi = head.indexOf('GeneratedTokens');
  const inp = rows.map((r) => Number(r.split(',')[ci])).sort((a, b) => a - b);
  const out = rows.map((r) => Number(r.split(',')[gi])).sort((a, b) => a - b);
  const mean = (v) => v.reduce((s, x) => s + x, 0) / v.length;
  const p95 = (v) => v[Math.floor(0.95 * (v.length - 1))];
  return { in_mean: Math.round(mean(inp)), in_p95: p95(inp), out_mean: Math.round(mean(out)), out_p95: p95(out) };
}

test('deploy: the issue\'s request, with the model named, plans, picks and dry-runs the bundle', () => {
  const { code, a } = ask('deploy our 70B chat app for 20 req/s on H100s', '--model', 'llama-3.1-70b');
  assert.equal(code, 0, JSON.stringify(a));
  assert.equal(a.script, 'deploy');
  assert.deepEqual(a.steps.map((s) => [s.tool, s.status]),
    [['plan', 'ok'], ['deploy', 'ok']]);
  // The workload profile is the trace's, computed here independently.
  const az = azureConv();
  assert.deepEqual(a.spec.traffic.input_tokens, { mean: az.in_mean, p95: az.in_p95 });
  assert.deepEqual(a.spec.traffic.output_tokens, { mean: az.out_mean, p95: az.out_p95 });
  assert.equal(a.spec.traffic.peak_qps, 20);
  assert.deepEqual(a.spec.constraints.gpus, ['h100-sxm']);
  // The option is the plan's best self-hosted one, with its numbers.
  const plan = planOf(a.spec);
  const self = plan.options.find((o) => o.kind === 'self-hosted');
  assert.equal(a.numbers.option, self.id);
  near(a.numbers.monthly_usd, self.monthly_usd);
  assert.equal(a.numbers.gpus, self.self_hosted.gpus_billed);
  near(a.numbers.ttft_p95_ms_at_peak, self.self_hosted.at_peak.ttft_p95_ms);
  assert.ok(self.self_hosted.gpu === 'h100-sxm');
  assert.match(a.headline, new RegExp(`\\$${self.monthly_usd.toLocaleString('en-US', { maximumFractionDigits: 0 })}/month`));
  assert.ok(a.because.length >= 3);
  assert.ok(a.apply.some((l) => l.startsWith('kubectl apply -f deploy/k8s/')));
  assert.ok(a.watch.some((w) => w.startsWith('alert ServingKVCacheNearlyFull')));
  // The queue to watch is the chosen engine's own metric, as the catalog names it.
  const cat = JSON.parse(run(['catalog', 'show', self.self_hosted.engine, '--format', 'json']).out);
  const queue = cat.metrics.find((m) => m.signal === 'queue' && !m.removed_in).name;
  assert.ok(a.watch.some((w) => w.includes(`the engine queue (${queue})`)), JSON.stringify(a.watch));
  // The option simulated at the peak is the plan's own check (one check, one verdict): three
  // runs of the same fleet and traffic, seeds 1-3, each three minutes of the peak after a tenth
  // as many warm-up requests; the median run's p95 decides. The CLI gives the same runs.
  const sh = self.self_hosted;
  assert.ok(self.simulated, JSON.stringify(self));
  assert.equal(a.numbers.simulated_ttft_p95_ms_at_peak, self.simulated.ttft_p95_ms);
  assert.equal(a.numbers.simulated_tpot_p95_ms_at_peak, self.simulated.tpot_p95_ms);
  assert.equal(a.numbers.simulated_slo_attainment, self.simulated.slo_attainment);
  assert.ok(a.because.some((b) => b.startsWith(`simulated at peak (Poisson 20 req/s`)), JSON.stringify(a.because));
  assert.equal(self.simulated.runs, 3);
  const cli = [1, 2, 3].map((seed) => JSON.parse(execFileSync(llmctl, ['simulate', '--model',
    self.model, '--gpu', sh.gpu, '--engine', sh.engine, '--dtype', sh.dtype, '--tp', String(sh.tp),
    '--pp', String(sh.pp), '--replicas', String(sh.replicas.peak), '--qps', '20',
    '--router', 'least_outstanding',
    '--input-tokens', String(az.in_mean), '--input-p95', String(az.in_p95),
    '--output-tokens', String(az.out_mean), '--output-p95', String(az.out_p95),
    '--requests', '3600', '--warmup-requests', '360', '--step-jitter', '0.05',
    '--seed', String(seed), '--format', 'json'], { encoding: 'utf8' })));
  cli.forEach((sim, i) => {
    near(self.simulated.ttft_p95_ms_runs[i], sim.ttft_ms.p95, 1e-3);
    near(self.simulated.tpot_p95_ms_runs[i], sim.tpot_ms.p95, 1e-3);
  });
  const median = (v) => [...v].sort((x, y) => x - y)[1];
  near(self.simulated.ttft_p95_ms, median(cli.map((sim) => sim.ttft_ms.p95)), 1e-3);
  near(self.simulated.tpot_p95_ms, median(cli.map((sim) => sim.tpot_ms.p95)), 1e-3);
  assert.equal(a.complete, true);
});

test('optimize-costs: the current model\'s cost equals genai-prices\', the saving equals the plan\'s', () => {
  const { code, a } = ask('we use gpt-4o for our chat app at 10 req/s and spend $40k a month, optimize our AI costs');
  assert.equal(code, 0, JSON.stringify(a));
  assert.equal(a.script, 'optimize-costs');
  assert.equal(a.slots.current_model, 'openai/gpt-4o');
  assert.equal(a.slots.spend, '40000');
  const az = azureConv();
  const ref = calcPrice({ input_tokens: az.in_mean, output_tokens: az.out_mean }, 'gpt-4o', { providerId: 'openai' });
  near(a.numbers.current_usd_per_request, ref.total_price, 1e-9);
  near(a.numbers.current_monthly_usd, ref.total_price * 10 * 730 * 3600, 1e-6);
  const plan = planOf(a.spec);
  assert.equal(a.spec.tier, 'strong');
  assert.equal(a.numbers.cheapest, plan.options[0].id);
  near(a.numbers.cheapest_monthly_usd, plan.options[0].monthly_usd);
  near(a.numbers.saving_monthly_usd, a.numbers.current_monthly_usd - plan.options[0].monthly_usd, 1e-6);
  assert.ok(a.because[0].includes('$40,000/month'));
  // The stated bill is under a third of the catalog's price of 10 req/s (the rate is likely a
  // peak): the saving is given against what is paid too; a self-hosted fleet sized for the stated
  // peak keeps its bill, a per-token option's bill shrinks with the traffic.
  assert.ok(a.because[0].includes('likely a peak'), a.because[0]);
  assert.equal(a.numbers.stated_monthly_usd, 40000);
  const perToken = !a.numbers.cheapest.startsWith('self:');
  const bestAtStated = perToken
    ? plan.options[0].monthly_usd * Math.min(1, 40000 / a.numbers.current_monthly_usd)
    : plan.options[0].monthly_usd;
  near(a.numbers.saving_vs_stated_monthly_usd, 40000 - bestAtStated, 1e-6);
  assert.ok(a.headline.includes('Against the $40,000/month you said you spend'), a.headline);
  // No log or export given: costs is not called (nothing to attribute), the pricing stands alone.
  assert.ok(!a.steps.some((s) => s.tool === 'costs'), JSON.stringify(a.steps));
});

test('optimize-costs with a usage export: the logged spend and forecast equal llmctl costs\'', () => {
  const input = 'tests/data/costs/litellm_spend_logs.json';
  const { code, a } = ask('optimize our AI costs: we use gpt-4o at 2 req/s for chat',
    '--input', input, '--input-format', 'litellm');
  assert.equal(code, 0, JSON.stringify(a));
  assert.deepEqual(a.steps[0].tool, 'costs');
  assert.equal(a.steps[0].status, 'ok', JSON.stringify(a.steps[0]));
  assert.deepEqual(a.steps[0].arguments, { what_if: true, anomalies: true, input, input_format: 'litellm' });
  const r = run(['costs', '--input', input, '--input-format', 'litellm', '--what-if', '--anomalies', '--format', 'json']);
  assert.equal(r.code, 0, r.err);
  const costs = JSON.parse(r.out);
  assert.equal(a.numbers.logged_total_usd, costs.total_usd);
  assert.equal(a.numbers.logged_forecast_usd, costs.forecast_usd);
});

test('monitor: audits the deployment folder; counts equal llmctl audit\'s; live metrics said to be unavailable', () => {
  const bundle = path.join(tmp, 'bundle');
  assert.equal(run(['deploy', 'examples/chat-8b-l4-l40s.yaml', '--out', bundle]).code, 0);
  // Break the rules the way people do: a rate() over a gauge, an alert without for:.
  const rules = path.join(bundle, 'monitoring', 'extra-rules.yaml');
  fs.writeFileSync(rules, 'groups:\n- name: x\n  rules:\n  - alert: QueueGrows\n    expr: rate(vllm:num_requests_waiting[5m]) > 1\n');
  const { code, a } = ask(`is our LLM deployment in ${bundle} healthy?`, '--path', bundle);
  assert.equal(code, 0, JSON.stringify(a));
  assert.equal(a.script, 'monitor');
  const audit = JSON.parse(run(['audit', bundle, '--format', 'json']).out);
  assert.equal(a.numbers.findings, audit.summary.findings);
  assert.equal(a.numbers.files_scanned, audit.summary.files_scanned);
  const obs = audit.findings.filter((f) => f.rule.startsWith('OBS') || f.rule === 'K8S014' || f.rule === 'K8S015');
  assert.equal(a.numbers.observability_findings, obs.length);
  assert.ok(obs.length >= 2, JSON.stringify(audit.findings));
  assert.ok(a.because.some((b) => b.startsWith('OBS002')));
  // No live source given: monitor is not called, and the answer says what would add it.
  assert.deepEqual(a.steps.map((s) => [s.tool, s.status]), [['audit', 'ok']]);
  assert.match(a.headline, /--prometheus URL or --db FILE/);
});

test('monitor with the request log: live findings equal llmctl monitor\'s', () => {
  // The last ten minutes of a gateway whose upstream fails one request in three.
  const db = path.join(tmp, 'requests.db');
  const now = Date.now();
  let sql = `CREATE TABLE requests (id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, request_id TEXT NOT NULL,
    endpoint TEXT NOT NULL, model TEXT NOT NULL, deployment TEXT, provider TEXT, upstream_model TEXT,
    status INTEGER NOT NULL, error_class TEXT, error_message TEXT, stream INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL, usage_estimated INTEGER NOT NULL, cost_usd REAL NOT NULL,
    price_id TEXT, duration_ms REAL NOT NULL, ttft_ms REAL, upstream_ms REAL NOT NULL,
    attempts INTEGER NOT NULL, route_reason TEXT); BEGIN;`;
  for (let i = 0; i < 600; i++) {
    const status = i % 3 === 0 ? 502 : 200;
    sql += `INSERT INTO requests (ts_ms,request_id,endpoint,model,deployment,provider,upstream_model,status,error_class,error_message,stream,input_tokens,cached_tokens,output_tokens,reasoning_tokens,usage_estimated,cost_usd,price_id,duration_ms,ttft_ms,upstream_ms,attempts,route_reason) VALUES (${now - 600000 + i * 1000},'r${i}','chat','gpt-4o','oai','openai','gpt-4o',${status},${status === 200 ? 'NULL' : "'upstream_5xx'"},NULL,0,1000,0,200,0,0,0.0045,'openai/gpt-4o',900,300,880,1,NULL);`;
  }
  execFileSync('sqlite3', [db], { input: sql + 'COMMIT;' });
  const { code, a } = ask('is our LLM system healthy?', '--db', db);
  assert.equal(code, 0, JSON.stringify(a));
  assert.equal(a.script, 'monitor');
  assert.deepEqual(a.steps.map((s) => [s.tool, s.status]), [['monitor', 'ok']], JSON.stringify(a.steps));
  const r = run(['monitor', '--db', db, '--format', 'json', '--fail-on', 'none']);
  assert.equal(r.code, 0, r.err);
  const m = JSON.parse(r.out);
  for (const sev of ['critical', 'warning', 'info']) assert.equal(a.numbers[`live_${sev}`], m.summary.findings[sev], sev);
  assert.ok(m.summary.findings.critical + m.summary.findings.warning > 0, JSON.stringify(m.findings));
  assert.ok(a.because.length > 0);
});

test('optimize-costs with only the request log: model, rate and lengths come from the log', () => {
  // One hour of a gateway log: 3,600 gpt-4o requests (1,000 in / 200 out) and 360 gpt-4o-mini.
  const db = path.join(tmp, 'costs-only-log.db');
  const now = Date.now();
  let sql = `CREATE TABLE requests (id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, request_id TEXT NOT NULL,
    endpoint TEXT NOT NULL, model TEXT NOT NULL, deployment TEXT, provider TEXT, upstream_model TEXT,
    status INTEGER NOT NULL, error_class TEXT, error_message TEXT, stream INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL, usage_estimated INTEGER NOT NULL, cost_usd REAL NOT NULL,
    price_id TEXT, duration_ms REAL NOT NULL, ttft_ms REAL, upstream_ms REAL NOT NULL,
    attempts INTEGER NOT NULL, route_reason TEXT); BEGIN;`;
  const row = (ts, id, model, inTok, outTok, usd) => `INSERT INTO requests (ts_ms,request_id,endpoint,model,deployment,provider,upstream_model,status,error_class,error_message,stream,input_tokens,cached_tokens,output_tokens,reasoning_tokens,usage_estimated,cost_usd,price_id,duration_ms,ttft_ms,upstream_ms,attempts,route_reason) VALUES (${ts},'${id}','chat','${model}','oai','openai','${model}',200,NULL,NULL,0,${inTok},0,${outTok},0,0,${usd},'openai/${model}',900,300,880,1,NULL);`;
  // The first request at now - 3,600 s and the last at now - 1 s: a period of 3,599 s.
  for (let i = 0; i < 3600; i++) sql += row(now - 3600000 + i * 1000, `g${i}`, 'gpt-4o', 1000, 200, 0.0045);
  for (let i = 0; i < 360; i++) sql += row(now - 3599500 + i * 10000, `m${i}`, 'gpt-4o-mini', 500, 100, 0.000135);
  execFileSync('sqlite3', [db], { input: sql + 'COMMIT;' });
  const { code, a } = ask('reduce our LLM bill', '--db', db);
  assert.equal(code, 0, JSON.stringify(a));
  assert.equal(a.script, 'optimize-costs');
  assert.deepEqual(a.steps.map((s) => s.tool), ['costs', 'catalog_cost', 'plan'], JSON.stringify(a.steps));
  // The log's largest spend is gpt-4o; its rate is 3,600 requests over the logged period.
  assert.equal(a.numbers.current, 'openai/gpt-4o');
  const costs = JSON.parse(run(['costs', '--db', db, '--what-if', '--anomalies', '--format', 'json']).out);
  const qps = 3600 / (costs.period.days * 86400);
  assert.ok(Math.abs(a.spec.traffic.peak_qps - qps) / qps < 0.001, JSON.stringify(a.spec.traffic));
  assert.equal(a.spec.traffic.input_tokens.mean, 1000);
  assert.equal(a.spec.traffic.output_tokens.mean, 200);
  assert.ok(a.notes.some((n) => n.startsWith('current model from the log: gpt-4o')), JSON.stringify(a.notes));
  assert.ok(a.numbers.cheapest_monthly_usd > 0);
  assert.equal(a.numbers.logged_total_usd, costs.total_usd);
});

test('scale: GPUs and cost at the target and today, from the same GPU, engine and dtype', () => {
  const { code, a } = ask('scale our llama-3.1-70b chat from 20 to 100 req/s');
  assert.equal(code, 0, JSON.stringify(a));
  assert.equal(a.script, 'scale');
  assert.equal(a.numbers.target_qps, 100);
  assert.equal(a.numbers.current_qps, 20);
  const target = planOf(a.spec).options.find((o) => o.kind === 'self-hosted');
  assert.equal(a.numbers.option, target.id);
  assert.equal(a.numbers.gpus, target.self_hosted.gpus_billed);
  // Today's fleet at the same configuration: one replica's capacity, so GPUs scale with traffic.
  const perReplica = target.self_hosted.replica_capacity_qps;
  const gpusPerReplica = target.self_hosted.gpus_per_replica;
  assert.equal(a.numbers.current_gpus, Math.ceil(20 / perReplica) * gpusPerReplica);
  assert.ok(a.numbers.gpus > a.numbers.current_gpus);
  assert.match(a.headline, /from \d+ GPUs/);
  // Its simulated p95s are the plan's own check of that option, not a second run.
  assert.ok(target.simulated, JSON.stringify(target));
  assert.equal(a.numbers.simulated_ttft_p95_ms_at_peak, target.simulated.ttft_p95_ms);
  assert.ok(a.numbers.simulated_ttft_p95_ms_at_peak > 0);
  assert.ok(!a.steps.some((st) => st.tool === 'simulate'), JSON.stringify(a.steps));
});

test('missing values: listed as flags off a terminal (exit 2), answered when passed', () => {
  const r = run(['ask', 'deploy our 70B chat app for 20 req/s on H100s']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--model MODEL/);
  assert.match(r.err, /candidates: llama-3.1-70b, llama-2-70b, qwen2.5-72b/);
  assert.match(r.err, /for example: llmctl ask "deploy our 70B chat app for 20 req\/s on H100s" --model llama-3.1-70b/);
  const rag = ask('deploy llama-3.1-8b for our rag app at 5 req/s');
  assert.equal(rag.code, 2);
  assert.deepEqual(rag.a.missing.map((m) => m.flag), ['--input-tokens', '--output-tokens']);
  const bad = run(['ask', 'deploy llama-3.1-8b', '--qps', 'lots']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--qps: expected requests per second/);
});

test('an unrecognised request gets the closest scripts, never a guess', () => {
  const { code, a } = ask('what is the weather in Paris?');
  assert.equal(code, 2);
  assert.equal(a.script, null);
  assert.equal(a.steps.length, 0);
  assert.equal(a.suggestions.length, 4);
  const tie = ask('deploy and monitor');
  assert.equal(tie.a.script, null);
  assert.match(tie.a.headline, /more than one script/);
});

test('hand-offs are data: architect, SRE, devops', () => {
  const arch = ask('should we use RAG or fine-tuning for llama-3.1-8b?');
  assert.equal(arch.code, 0);
  assert.equal(arch.a.handoff.to, 'ai-solution-architect');
  assert.equal(arch.a.handoff.kind, 'architecture-decision');
  assert.ok(arch.a.handoff.needs_back.some((n) => n.includes('llmctl schema plan-spec')));
  assert.ok(arch.a.handoff.llmctl_knows.stated.some((s) => s.slot === 'model' && s.value === 'llama-3.1-8b'));
  const sre = ask('what SLO targets and on-call should we set for llama-3.1-8b chat at 5 req/s?');
  assert.equal(sre.a.handoff.to, 'sre-specialist');
  const budgets = Object.fromEntries(sre.a.handoff.llmctl_numbers.error_budgets.map((b) => [b.availability, b.error_budget_minutes_per_month]));
  near(budgets[0.999], 0.001 * 730 * 60, 1e-3);
  assert.ok(sre.a.handoff.llmctl_numbers.plan_at_peak.ttft_p95_ms_at_peak > 0);
  const devops = ask('set up a Jenkins pipeline for our Java service');
  assert.equal(devops.a.handoff.to, 'devops-specialist');
  assert.equal(devops.a.handoff.kind, 'declined');
});

test('llmctl schema plan-spec accepts every example spec and rejects unknown fields', () => {
  const schema = JSON.parse(run(['schema', 'plan-spec']).out);
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  for (const f of fs.readdirSync(path.join(src, 'examples')).filter((f) => f.endsWith('.yaml'))) {
    const spec = yaml.load(fs.readFileSync(path.join(src, 'examples', f), 'utf8'));
    assert.ok(validate(spec), `${f}: ${JSON.stringify(validate.errors)}`);
  }
  assert.equal(validate({ model: 'x', traffic: { peak_qps: 1, input_tokens: 1, output_tokens: 1 }, colour: 'red' }), false);
  assert.equal(validate({ model: 'x', tier: 'strong', traffic: { trace: 't.csv' } }), false);
});

test('explain: a topic, a search, audit rule links, JSON with sources', () => {
  const e = JSON.parse(run(['explain', 'no-caching', '--format', 'json']).out);
  assert.equal(e.entries[0].id, 'no-caching');
  assert.deepEqual(e.entries[0].audit_rules, ['LLM009', 'LLM007']);
  const rules = JSON.parse(run(['audit', '--list-rules', '--format', 'json']).out).rules.map((r) => r.id);
  const all = JSON.parse(run(['explain', 'antipatterns', '--format', 'json']).out).entries;
  for (const ap of all) for (const r of ap.audit_rules) assert.ok(rules.includes(r), `${ap.id}: ${r}`);
  const s = JSON.parse(run(['explain', '--search', 'kv', 'cache', '--format', 'json']).out);
  assert.equal(s.entries[0].id, 'kv-cache-undersized');
  const text = run(['explain', 'gateway']);
  assert.match(text.out, /litellm/);
  const nope = run(['explain', 'kv-cache-undersizd']);
  assert.equal(nope.code, 2);
  assert.match(nope.err, /did you mean 'kv-cache-undersized'/);
});
