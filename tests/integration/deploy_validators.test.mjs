// Every object `llmctl deploy` generates, validated by independent schema models: kubernetes-models
// for core objects, @kubernetes-models/keda, /argo-rollouts and /prometheus-operator for the custom
// resources, @action-validator/cli for the GitHub workflow. Bundles: every example (the 70B one
// also with scale-to-zero and explicit choices) and the KServe/Helm/SkyPilot/compose targets
// (parsed; their CRDs and charts have no model package, see docs/DEPLOY.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const sourceDir = process.env.LLMCTL_SOURCE_DIR;
const require = createRequire(path.join(sourceDir, 'package.json'));
const yaml = require('js-yaml');
const llmctl = process.env.LLMCTL;

// apiVersion/kind -> [package, module path under it].
const MODELS = {
  'v1/Namespace': ['kubernetes-models', 'v1/Namespace'],
  'v1/Service': ['kubernetes-models', 'v1/Service'],
  'v1/ConfigMap': ['kubernetes-models', 'v1/ConfigMap'],
  'v1/PersistentVolumeClaim': ['kubernetes-models', 'v1/PersistentVolumeClaim'],
  'apps/v1/Deployment': ['kubernetes-models', 'apps/v1/Deployment'],
  'apps/v1/StatefulSet': ['kubernetes-models', 'apps/v1/StatefulSet'],
  'policy/v1/PodDisruptionBudget': ['kubernetes-models', 'policy/v1/PodDisruptionBudget'],
  'networking.k8s.io/v1/NetworkPolicy': ['kubernetes-models', 'networking.k8s.io/v1/NetworkPolicy'],
  'keda.sh/v1alpha1/ScaledObject': ['@kubernetes-models/keda', 'keda.sh/v1alpha1/ScaledObject'],
  'argoproj.io/v1alpha1/AnalysisTemplate': ['@kubernetes-models/argo-rollouts', 'argoproj.io/v1alpha1/AnalysisTemplate'],
  'argoproj.io/v1alpha1/AnalysisRun': ['@kubernetes-models/argo-rollouts', 'argoproj.io/v1alpha1/AnalysisRun'],
  'monitoring.coreos.com/v1/PrometheusRule': ['@kubernetes-models/prometheus-operator', 'monitoring.coreos.com/v1/PrometheusRule'],
  'monitoring.coreos.com/v1/ServiceMonitor': ['@kubernetes-models/prometheus-operator', 'monitoring.coreos.com/v1/ServiceMonitor'],
};

function model(apiVersion, kind) {
  const entry = MODELS[`${apiVersion}/${kind}`];
  if (!entry) return null;
  const mod = require(`${entry[0]}/${entry[1]}`);
  return mod[kind];
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-deploy-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));
fs.mkdirSync(path.join(work, 'examples'));
for (const e of ['chat-8b-l4-l40s.yaml', 'rag-70b-h100-h200.yaml'])
  fs.copyFileSync(path.join(sourceDir, 'examples', e), path.join(work, 'examples', e));

function deploy(out, args) {
  execFileSync(llmctl, ['deploy', ...args, '--out', out], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, HOME: path.join(work, 'home'), LLMCTL_CATALOG_PATH: '' },
  });
  return path.join(work, out);
}

const evalFlags = ['--eval-command', 'python eval/run.py', '--eval-threshold', '0.8'];
const k8sBundles = {
  chat: deploy('chat', ['examples/chat-8b-l4-l40s.yaml', ...evalFlags]),
  rag: deploy('rag', ['examples/rag-70b-h100-h200.yaml', ...evalFlags]),
  'rag-scale-to-zero': deploy('rag-zero', ['examples/rag-70b-h100-h200.yaml', '--scale-to-zero',
                                           '--cold-start-budget', '1800', '--gateway-replicas', '1']),
  explicit: deploy('explicit', ['--model', 'llama-3.1-8b', '--gpu', 'l4', '--replicas', '2',
                                '--max-replicas', '4', '--fallback', 'openai/gpt-4o-mini']),
};
// The trace example (its default is the best NVIDIA option), when ../shared holds the trace; it
// is deployed from the source tree so the trace path resolves.
const trace = path.join(sourceDir, '..', 'shared', 'data', 'traces', 'azure-llm-2023',
                        'AzureLLMInferenceTrace_conv.csv');
if (fs.existsSync(trace))
  k8sBundles.tier = deploy('tier', [path.join(sourceDir, 'examples', 'tier-strong-azure-trace.yaml'),
                                    ...evalFlags]);
else
  console.log(`# skipped the tier-strong-azure-trace bundle: ${trace} not present`);

function files(dir, ext) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath ?? entry.path, entry.name);
    if (entry.isFile() && full.endsWith(ext)) out.push(full);
  }
  return out.sort();
}

for (const [name, dir] of Object.entries(k8sBundles)) {
  test(`${name}: every Kubernetes object validates against its schema model`, () => {
    let validated = 0;
    for (const file of files(dir, '.yaml')) {
      const rel = path.relative(dir, file);
      if (rel === 'monitoring/rules.yaml' || rel === 'gateway/gateway.yaml' || rel === 'ci/github-workflow.yaml') continue;
      for (const doc of yaml.loadAll(fs.readFileSync(file, 'utf8'))) {
        const Model = model(doc.apiVersion, doc.kind);
        assert.ok(Model, `${rel}: no schema model for ${doc.apiVersion} ${doc.kind}`);
        assert.doesNotThrow(() => new Model(doc).validate(), `${rel}: ${doc.kind} ${doc.metadata?.name ?? doc.metadata?.generateName}`);
        validated++;
      }
    }
    assert.ok(validated >= 15, `only ${validated} objects validated`);
  });

  test(`${name}: the GitHub workflow passes action-validator`, () => {
    // The package's own bin script, run with this node (no reliance on node_modules/.bin).
    const pkgPath = require.resolve('@action-validator/cli/package.json');
    const bin = path.join(path.dirname(pkgPath), JSON.parse(fs.readFileSync(pkgPath, 'utf8')).bin['action-validator']);
    const r = spawnSync(process.execPath, [bin, path.join(dir, 'ci', 'github-workflow.yaml')], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const wf = yaml.load(fs.readFileSync(path.join(dir, 'ci', 'github-workflow.yaml'), 'utf8'));
    assert.ok(wf.on.push, 'trigger "on" read as a string key');
    for (const job of Object.values(wf.jobs))
      for (const step of job.steps)
        if (step.uses) assert.match(step.uses, /@[0-9a-f]{40}$/);
  });

  test(`${name}: the dashboard is a Grafana dashboard`, () => {
    const d = JSON.parse(fs.readFileSync(path.join(dir, 'monitoring', 'dashboard.json'), 'utf8'));
    assert.equal(typeof d.title, 'string');
    const panels = d.panels.filter((p) => p.type === 'timeseries');
    assert.ok(panels.length >= 10);
    for (const p of panels) for (const t of p.targets) assert.ok(t.expr.length > 0);
    assert.deepEqual(d.panels.filter((p) => p.type === 'row').map((p) => p.title.split(/[ :]/)[0]),
                     ['Engine', 'GPU', 'Gateway', 'Cost']);
  });
}

test('scale to zero carries the cold-start budget, and one gateway replica needs no Redis', () => {
  const dir = k8sBundles['rag-scale-to-zero'];
  const so = yaml.load(fs.readFileSync(path.join(dir, 'k8s', 'engine-scaledobject.yaml'), 'utf8'));
  assert.equal(so.spec.minReplicaCount, 0);
  assert.equal(so.metadata.annotations['llmctl.io/cold-start-budget'], '1800');
  for (const t of so.spec.triggers) assert.equal(t.metadata.metricName, undefined);
  assert.ok(!fs.existsSync(path.join(dir, 'k8s', 'redis.yaml')));
});

test('several gateway replicas share keys, limits and budgets through the Redis beside them', () => {
  const dir = k8sBundles.rag;
  const gw = yaml.load(fs.readFileSync(path.join(dir, 'gateway', 'gateway.yaml'), 'utf8'));
  assert.deepEqual(gw.governance, { store: 'redis', redis_url_env: 'LLMCTL_REDIS_URL' });
  const dep = yaml.load(fs.readFileSync(path.join(dir, 'k8s', 'gateway-deployment.yaml'), 'utf8'));
  assert.ok(dep.spec.replicas > 1);
  const docs = yaml.loadAll(fs.readFileSync(path.join(dir, 'k8s', 'redis.yaml'), 'utf8'));
  const sts = docs.find((d) => d.kind === 'StatefulSet');
  const svc = docs.find((d) => d.kind === 'Service');
  const env = dep.spec.template.spec.containers[0].env.find((e) => e.name === 'LLMCTL_REDIS_URL');
  assert.equal(env.value, `redis://${svc.metadata.name}:${svc.spec.ports[0].port}`);
  // Keys and spend must survive a restart and never be evicted.
  const args = sts.spec.template.spec.containers[0].args;
  assert.equal(args[args.indexOf('--appendonly') + 1], 'yes');
  assert.equal(args[args.indexOf('--maxmemory-policy') + 1], 'noeviction');
  assert.equal(sts.spec.volumeClaimTemplates[0].metadata.name,
               sts.spec.template.spec.containers[0].volumeMounts[0].name);
  // One replica keeps its own SQLite: no governance section, no Redis.
  const one = yaml.load(fs.readFileSync(path.join(k8sBundles['rag-scale-to-zero'], 'gateway', 'gateway.yaml'), 'utf8'));
  assert.equal(one.governance, undefined);
});

test('other targets generate parseable files', () => {
  for (const target of ['kserve', 'helm-production-stack', 'skypilot', 'compose']) {
    const dir = deploy(`t-${target}`, ['examples/rag-70b-h100-h200.yaml', '--target', target]);
    const yamlFiles = files(dir, '.yaml');
    assert.ok(yamlFiles.length >= (target === 'skypilot' ? 1 : 2), target);
    for (const f of yamlFiles) assert.doesNotThrow(() => yaml.loadAll(fs.readFileSync(f, 'utf8')), f);
  }
  const isvc = yaml.load(fs.readFileSync(path.join(work, 't-kserve', 'kserve', 'inferenceservice.yaml'), 'utf8'));
  assert.equal(isvc.kind, 'InferenceService');
  assert.equal(isvc.spec.predictor.model.modelFormat.name, 'huggingface');
});
