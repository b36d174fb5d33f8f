// `promtool test rules` unit tests for every alert `llmctl deploy` writes (monitoring/rules.yaml):
// for each alert, input series shaped like what the engine, the gateway and dcgm-exporter export
// (the labels of the rule's own selectors) that must make it fire, and series that must keep it
// silent. The series are written per alert from what the alert means (a KV cache at 99% vs 50%,
// a counter that grows vs one that does not); the numeric thresholds are read from the rule, so
// the firing case sits at twice the threshold and the silent one at half of it.
//
// Bundles: the two examples (vLLM, with and without a hosted fallback) and an explicit SGLang
// deployment (other metric names, no preemption counter). Needs promtool (Debian `prometheus`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';

const llmctl = process.env.LLMCTL;
const src = process.env.LLMCTL_SOURCE_DIR;
const havePromtool = spawnSync('promtool', ['--version']).status === 0;

// {label: value} of the first `metric{...}` selector in an expression (equality matchers, and
// `pod=~"x-.*"` turned into a pod name that matches it).
function selector(expr, metric) {
  const at = expr.indexOf(metric + '{');
  assert.ok(at >= 0, `${metric} not in ${expr}`);
  const body = expr.slice(at + metric.length + 1, expr.indexOf('}', at));
  const out = {};
  for (const m of body.matchAll(/(\w+)(=~|=|!=)"([^"]*)"/g)) {
    if (m[2] === '=') out[m[1]] = m[3];
    else if (m[2] === '=~' && m[3].endsWith('-.*')) out[m[1]] = m[3].slice(0, -3) + '-7d9f8-x2k4q';
    else if (m[2] === '=~') out[m[1]] = m[3].split('|')[0];
  }
  return out;
}
const series = (name, labels) =>
  `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
// The number after the last `>` or `<` comparison of a clause.
function threshold(expr, index = -1) {
  const all = [...expr.matchAll(/[<>]\s*([0-9.e+-]+)/g)].map((m) => Number(m[1]));
  return index < 0 ? all[all.length + index] : all[index];
}
// A counter growing by `perMin` each minute for `minutes` minutes.
const counter = (perMin, minutes = 200) => `0+${perMin}x${minutes}`;
const gauge = (v, minutes = 200) => `${v}x${minutes}`;

// The fire and silent inputs of one alert, or null when this file has no case for it (a failure:
// every alert llmctl deploy writes must have one).
function cases(alert, rules, evalMin) {
  const e = alert.expr;
  const name = alert.alert;
  const burn = name.match(/^Serving(Availability|TTFT|TPOT|TTFTP99|TPOTP99)BurnRate(Fast|Medium|Slow)$/);
  if (burn) {
    const slo = { Availability: 'availability', TTFT: 'ttft', TPOT: 'tpot', TTFTP99: 'ttft_p99', TPOTP99: 'tpot_p99' }[burn[1]];
    const rec = rules.find((r) => r.record === 'llmctl:slo_errors:ratio_rate5m' && r.labels.slo === slo);
    const t = threshold(e);
    const make = (share) => {
      if (slo === 'availability') {
        const l = selector(rec.expr, 'llmctl_gateway_requests_total');
        delete l.code;
        return [
          { series: series('llmctl_gateway_requests_total', { ...l, code: '200', endpoint: 'chat' }), values: counter(Math.round((1 - share) * 10000)) },
          { series: series('llmctl_gateway_requests_total', { ...l, code: '502', endpoint: 'chat' }), values: counter(Math.round(share * 10000)) },
        ];
      }
      const hist = slo.startsWith('ttft') ? 'llmctl_gateway_time_to_first_token_seconds' : 'llmctl_gateway_time_per_output_token_seconds';
      const l = selector(rec.expr, hist + '_count');
      const le = rec.expr.match(/le=~?"([0-9.]+)/)[1];
      return [
        { series: series(hist + '_count', l), values: counter(10000) },
        { series: series(hist + '_bucket', { ...l, le }), values: counter(Math.round((1 - share) * 10000)) },
        { series: series(hist + '_bucket', { ...l, le: '+Inf' }), values: counter(10000) },
      ];
    };
    // `and` keeps the recording rule's labels: slo and llmctl_deployment.
    return { fire: make(Math.min(0.99, t + (1 - t) / 2)), silent: make(t / 2), labels: { slo } };
  }
  if (name === 'ServingKVCacheNearlyFull') {
    const metric = e.match(/\(([\w:]+)\{/)[1];
    const l = { ...selector(e, metric), pod: 'p-1', model_name: 'm' };
    return { fire: [{ series: series(metric, l), values: gauge(0.99) }],
      silent: [{ series: series(metric, l), values: gauge(0.5) }], labels: { pod: 'p-1' } };
  }
  if (name === 'ServingQueueBacklog') {
    const metric = e.match(/sum\(([\w:]+)\{/)[1];
    const t = threshold(e);
    const two = (v) => ['p-1', 'p-2'].map((pod) => ({ series: series(metric, { ...selector(e, metric), pod }), values: gauge(v) }));
    return { fire: two(2 * t), silent: two(t / 2), labels: {} };
  }
  if (name === 'ServingPreemptions') {
    const metric = e.match(/rate\(([\w:]+)\{/)[1];
    const l = { ...selector(e, metric), pod: 'p-1' };
    return { fire: [{ series: series(metric, l), values: counter(3) }],
      silent: [{ series: series(metric, l), values: gauge(42) }], labels: {} };
  }
  if (name === 'ServingEngineTTFTHigh' || name === 'ServingEngineTPOTHigh') {
    const metric = e.match(/rate\(([\w:]+)_bucket\{/)[1];
    const l = { ...selector(e, metric + '_bucket'), pod: 'p-1' };
    const t = threshold(e);
    const bounds = [t / 2, 2 * t, 4 * t];
    // All observations in one bucket: (2t, 4t] fires (p95 ~ 3.9t), (0, t/2] stays silent.
    const hist = (bucket) => [...bounds.map((b, i) => ({ series: series(metric + '_bucket', { ...l, le: String(b) }), values: counter(i >= bucket ? 100 : 0) })),
      { series: series(metric + '_bucket', { ...l, le: '+Inf' }), values: counter(100) }];
    return { fire: hist(2), silent: hist(0), labels: {} };
  }
  if (name === 'ServingReplicasDown' || name === 'ServingGatewayDown') {
    const l = selector(e, 'up');
    const n = threshold(e);
    const pods = (up) => Array.from({ length: n }, (_, i) => ({ series: series('up', { ...l, pod: `p-${i}` }), values: gauge(i < up ? 1 : 0) }));
    return { fire: pods(n - 1), silent: pods(n), labels: {} };
  }
  if (name === 'ServingGpuXidErrors') {
    const l = { ...selector(e, 'DCGM_FI_DEV_XID_ERRORS'), Hostname: 'node-1', gpu: '0', UUID: 'GPU-1', modelName: 'NVIDIA L40S' };
    return { fire: [{ series: series('DCGM_FI_DEV_XID_ERRORS', l), values: gauge(79) }],
      silent: [{ series: series('DCGM_FI_DEV_XID_ERRORS', l), values: gauge(0) }],
      labels: { Hostname: 'node-1', gpu: '0', pod: l.pod } };
  }
  if (name === 'ServingGpuMemoryNearFull') {
    const l = { ...selector(e, 'DCGM_FI_DEV_FB_USED'), Hostname: 'node-1', gpu: '0', UUID: 'GPU-1' };
    const mem = (used) => [{ series: series('DCGM_FI_DEV_FB_USED', l), values: gauge(used) },
      { series: series('DCGM_FI_DEV_FB_FREE', l), values: gauge(1000 - used) }];
    return { fire: mem(997), silent: mem(500), labels: { Hostname: 'node-1', gpu: '0' } };
  }
  if (name === 'ServingGpuUnderused') {
    const l = { ...selector(e, 'DCGM_FI_DEV_GPU_UTIL'), Hostname: 'node-1', gpu: '0' };
    return { fire: [{ series: series('DCGM_FI_DEV_GPU_UTIL', l), values: gauge(2) }],
      silent: [{ series: series('DCGM_FI_DEV_GPU_UTIL', l), values: gauge(80) }], labels: {} };
  }
  if (name === 'ServingGatewayErrorRateHigh') {
    const l = selector(e, 'llmctl_gateway_requests_total');
    delete l.code;
    const mk = (share) => [
      { series: series('llmctl_gateway_requests_total', { ...l, code: '200', endpoint: 'chat' }), values: counter(Math.round((1 - share) * 1000)) },
      { series: series('llmctl_gateway_requests_total', { ...l, code: '503', endpoint: 'chat' }), values: counter(Math.round(share * 1000)) }];
    return { fire: mk(2 * threshold(e)), silent: mk(threshold(e) / 2), labels: {} };
  }
  if (name === 'ServingFallbackRateHigh') {
    const l = selector(e, 'llmctl_gateway_upstream_duration_seconds_count');
    const fallback = l.deployment;
    const self = e.match(/deployment=~"([^|"]+)\|/)[1];
    const t = threshold(e);
    const mk = (share) => [
      { series: series('llmctl_gateway_upstream_duration_seconds_count', { ...l, deployment: fallback }), values: counter(Math.round(share * 1000)) },
      { series: series('llmctl_gateway_upstream_duration_seconds_count', { ...l, deployment: self }), values: counter(Math.round((1 - share) * 1000)) }];
    return { fire: mk(Math.min(0.9, 2 * t)), silent: mk(t / 2), labels: {} };
  }
  if (name === 'ServingSpendBurnFast' || name === 'ServingSpendBurnSlow') {
    const l = selector(e, 'llmctl_gateway_cost_usd_total');
    // Long-window threshold A over W minutes of window; 200 minutes of data cover W=60 fully and
    // stand in for 3 days (increase() sees what there is).
    const a = threshold(e, 0), b = threshold(e, 1);
    // increase() over a window longer than the data sees the data's span, and the condition
    // must already hold when the `for` period starts: at evalMin - for minutes of data.
    const span = evalMin - durationMin(alert.for);
    const longMin = Math.min(name.endsWith('Fast') ? 60 : 3 * 1440, span);
    const shortMin = Math.min(name.endsWith('Fast') ? 5 : 360, span);
    const fire = Math.max((2 * a) / longMin, (2 * b) / shortMin);
    const silent = Math.min(a / (2 * longMin), b / (2 * shortMin));
    return { fire: [{ series: series('llmctl_gateway_cost_usd_total', l), values: counter(fire) }],
      silent: [{ series: series('llmctl_gateway_cost_usd_total', l), values: counter(silent) }], labels: {} };
  }
  if (name === 'ServingCacheHitRatioLow') {
    const t = threshold(e);
    if (e.includes('prefix_cache_hits')) {
      const hits = e.match(/rate\(([\w:]+hits[\w:]*)\{/)[1];
      const queries = e.match(/rate\(([\w:]+queries[\w:]*)\{/)[1];
      const l = { ...selector(e, hits), pod: 'p-1' };
      const mk = (share) => [{ series: series(queries, l), values: counter(1000) },
        { series: series(hits, l), values: counter(Math.round(share * 1000)) }];
      return { fire: mk(t / 2), silent: mk(Math.min(1, 2 * t)), labels: {} };
    }
    const l = selector(e, 'llmctl_gateway_tokens_total');
    delete l.type;
    const mk = (share) => [
      { series: series('llmctl_gateway_tokens_total', { ...l, type: 'input' }), values: counter(Math.round((1 - share) * 1000)) },
      { series: series('llmctl_gateway_tokens_total', { ...l, type: 'cache_read' }), values: counter(Math.round(share * 1000)) }];
    return { fire: mk(t / 2), silent: mk(Math.min(1, 2 * t)), labels: {} };
  }
  return null;
}

const durationMin = (d) => {
  const m = d.match(/^(\d+)([smhd])$/);
  return Number(m[1]) * { s: 1 / 60, m: 1, h: 60, d: 1440 }[m[2]];
};

// One promtool test file per alert, each with a rule file holding only that alert and the
// recording rules it reads, so promtool evaluates a handful of rules per step instead of all.
function promtoolTests(bundleDir) {
  const doc = yaml.load(readFileSync(join(bundleDir, 'monitoring/rules.yaml'), 'utf8'));
  const rules = doc.groups.flatMap((g) => g.rules);
  const alerts = rules.filter((r) => r.alert);
  const files = [];
  const missing = [];
  let groups = 0;
  for (const a of alerts) {
    // Evaluate once the `for` has passed; rates over windows longer than the data use what
    // there is, as on a Prometheus that started recently.
    const evalMin = Math.max(15, Math.ceil(durationMin(a.for)) + 10);
    const c = cases(a, rules, evalMin);
    if (!c) {
      missing.push(a.alert);
      continue;
    }
    const trim = (list) => list.map((s) => ({ ...s, values: s.values.replace(/x200$/, `x${evalMin + 5}`) }));
    const slo = a.expr.match(/slo="(\w+)"/);
    const recordings = slo ? rules.filter((r) => r.record && r.labels.slo === slo[1]) : [];
    const ruleFile = `rules_${a.alert}.yaml`;
    writeFileSync(join(bundleDir, ruleFile), yaml.dump({ groups: [{ name: a.alert, rules: [...recordings, a] }] }, { lineWidth: 400 }));
    const exp = { exp_labels: { ...a.labels, ...c.labels }, exp_annotations: a.annotations };
    const tests = [
      { name: `${a.alert} fires`, interval: '1m', input_series: trim(c.fire),
        alert_rule_test: [{ alertname: a.alert, eval_time: `${evalMin}m`, exp_alerts: [exp] }] },
      { name: `${a.alert} stays silent`, interval: '1m', input_series: trim(c.silent),
        alert_rule_test: [{ alertname: a.alert, eval_time: `${evalMin}m`, exp_alerts: [] }] }];
    groups += tests.length;
    const testFile = `test_${a.alert}.yaml`;
    writeFileSync(join(bundleDir, testFile), yaml.dump({ rule_files: [ruleFile], evaluation_interval: '1m', tests }, { lineWidth: 400 }));
    files.push(testFile);
  }
  return { files, groups, alerts: alerts.map((a) => a.alert), missing };
}

function runPromtool(dir, files) {
  return spawnSync('promtool', ['test', 'rules', ...files], { cwd: dir, encoding: 'utf8' });
}

// The chat example with p99 targets beside its p95s: their burn-rate alerts (a 1% budget).
const p99Dir = mkdtempSync(join(tmpdir(), 'llmctl-p99-spec-'));
const p99Spec = join(p99Dir, 'chat-p99.yaml');
const chatText = readFileSync(`${src}/examples/chat-8b-l4-l40s.yaml`, 'utf8');
assert.ok(/^  availability: 0\.999/m.test(chatText), 'the chat example has no availability line');
writeFileSync(p99Spec, chatText.replace(/^  availability: 0\.999/m, '  ttft_p99_ms: 1500\n  tpot_p99_ms: 90\n  availability: 0.999'));
process.on('exit', () => rmSync(p99Dir, { recursive: true, force: true }));

const bundles = [
  ['chat-8b (vLLM, hosted fallback)', ['deploy', `${src}/examples/chat-8b-l4-l40s.yaml`]],
  ['chat-8b with p99 targets', ['deploy', p99Spec]],
  ['rag-70b (vLLM, TP 2, SLOs)', ['deploy', `${src}/examples/rag-70b-h100-h200.yaml`]],
  ['SGLang, explicit', ['deploy', '--model', 'llama-3.1-8b', '--gpu', 'l40s', '--engine', 'sglang',
    '--replicas', '2', '--ttft-slo-ms', '800', '--tpot-slo-ms', '60']],
];

for (const [label, args] of bundles) {
  test(`promtool test rules: every alert of ${label} fires and stays silent`, { skip: !havePromtool && 'promtool not installed' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmctl-rules-'));
    try {
      execFileSync(llmctl, [...args, '--out', dir], { stdio: 'pipe' });
      const { files, groups, alerts, missing } = promtoolTests(dir);
      assert.deepEqual(missing, [], `alerts without a test case: ${missing.join(', ')}`);
      assert.ok(alerts.length >= 8, `only ${alerts.length} alerts`);
      const r = runPromtool(dir, files);
      assert.equal(r.status, 0, `promtool test rules failed for ${label}:\n${r.stdout}\n${r.stderr}`);
      assert.equal((r.stdout.match(/SUCCESS/g) || []).length, files.length);
      console.log(`${label}: ${alerts.length} alerts x (fires, silent) = ${groups} promtool test groups passed`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('the silent case is not vacuous: a broken threshold makes promtool fail', { skip: !havePromtool && 'promtool not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmctl-rules-'));
  try {
    execFileSync(llmctl, ['deploy', `${src}/examples/chat-8b-l4-l40s.yaml`, '--out', dir], { stdio: 'pipe' });
    promtoolTests(dir);
    // A KV rule whose threshold is 0.4 fires on the silent case (50%); one that reads the old
    // name never fires: the tests must catch both.
    const path = join(dir, 'rules_ServingKVCacheNearlyFull.yaml');
    const rule = readFileSync(path, 'utf8');
    writeFileSync(path, rule.replace(/> 0\.95/, '> 0.4'));
    let r = runPromtool(dir, ['test_ServingKVCacheNearlyFull.yaml']);
    assert.notEqual(r.status, 0, 'promtool passed a rule with a wrong threshold');
    assert.match(r.stdout + r.stderr, /stays silent/);
    writeFileSync(path, rule.replaceAll('vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'));
    r = runPromtool(dir, ['test_ServingKVCacheNearlyFull.yaml']);
    assert.notEqual(r.status, 0, 'promtool passed a rule reading a name the engine does not export');
    assert.match(r.stdout + r.stderr, /fires/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
