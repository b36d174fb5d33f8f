// `llmctl audit --format sarif` against the SARIF 2.1.0 JSON schema (the OASIS schema as shipped
// in @microsoft/jest-sarif), plus the properties GitHub code scanning relies on: rules with
// descriptions, help and default levels; results with ruleId/ruleIndex, a relative
// artifactLocation.uri, a region with startLine/startColumn, and partialFingerprints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(path.join(process.env.LLMCTL_SOURCE_DIR, 'package.json'));
const Ajv = require('ajv-draft-04');
const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const llmctl = process.env.LLMCTL;
const corpus = path.join(process.env.LLMCTL_SOURCE_DIR, 'tests/data/audit');

function sarif(args, cwd) {
  const r = spawnSync(llmctl, ['audit', ...args, '--format', 'sarif'], { cwd, encoding: 'utf8' });
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
  return { log: JSON.parse(r.stdout), status: r.status };
}

// Formats (uri, date-time) are checked by hand below: the schema is draft-04 and ajv's format
// plugin is not needed for what GitHub reads. unicodeRegExp: false because the rtm.5 schema's
// `language` pattern has a stray ']' that only non-unicode regular expressions accept.
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false });
const validate = ajv.compile(schema);

test('the corpus audit is schema-valid SARIF 2.1.0', () => {
  const { log, status } = sarif(['.'], corpus);
  assert.equal(status, 1, 'the corpus has error-level findings');
  const ok = validate(log);
  assert.ok(ok, JSON.stringify(validate.errors?.slice(0, 5), null, 2));
  assert.equal(log.version, '2.1.0');
  assert.equal(log.runs.length, 1);
});

test('rules and results carry what GitHub code scanning reads', () => {
  const { log } = sarif(['.'], corpus);
  const run = log.runs[0];
  const rules = run.tool.driver.rules;
  assert.equal(run.tool.driver.name, 'llmctl-audit');
  assert.ok(rules.length >= 43);
  for (const r of rules) {
    assert.match(r.id, /^(LLM|K8S|CAP|OBS|CICD|GW)\d{3}$/);
    assert.ok(r.shortDescription.text.length > 0, r.id);
    assert.ok(r.fullDescription.text.length > 0, r.id);
    assert.ok(r.help.text.length > 0 && r.help.markdown.length > 0, r.id);
    assert.ok(['error', 'warning', 'note'].includes(r.defaultConfiguration.level), r.id);
  }
  assert.ok(run.results.length > 100, `only ${run.results.length} results`);
  assert.match(run.originalUriBaseIds['%SRCROOT%'].uri, /^file:\/\/\/.*\/$/);
  for (const res of run.results) {
    assert.equal(rules[res.ruleIndex].id, res.ruleId);
    assert.ok(['error', 'warning', 'note'].includes(res.level));
    assert.ok(res.message.text.length > 0);
    const loc = res.locations[0].physicalLocation;
    assert.equal(loc.artifactLocation.uriBaseId, '%SRCROOT%');
    assert.doesNotMatch(loc.artifactLocation.uri, /^(\/|[a-z]+:)/, 'relative uri');
    assert.doesNotThrow(() => new URL(loc.artifactLocation.uri, 'file:///repo/'));
    assert.ok(loc.region.startLine >= 1 && loc.region.startColumn >= 1);
    assert.match(res.partialFingerprints['llmctlFingerprint/v1'], /^[0-9a-f]{16}$/);
  }
  // Every fingerprint is unique within a run (GitHub dedups alerts by them).
  const fps = run.results.map((r) => `${r.ruleId}/${r.partialFingerprints['llmctlFingerprint/v1']}`);
  assert.equal(new Set(fps).size, fps.length);
});

test('an audit without findings is still valid SARIF', () => {
  const { log, status } = sarif(['--rule', 'K8S013', 'k8s'], corpus);
  assert.equal(status, 0);
  assert.ok(validate(log), JSON.stringify(validate.errors?.slice(0, 5)));
  assert.equal(log.runs[0].results.length, 0);
});

test('files the audit could not read are tool execution notifications, schema-valid', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmctl-audit-sarif-'));
  try {
    mkdirSync(path.join(dir, 'chart', 'templates'), { recursive: true });
    writeFileSync(path.join(dir, 'chart', 'templates', 'deploy.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n{{- if .Values.x }}\n');
    writeFileSync(path.join(dir, 'broken.json'), '{"panels": [');
    const { log, status } = sarif(['.'], dir);
    assert.equal(status, 0);
    assert.ok(validate(log), JSON.stringify(validate.errors?.slice(0, 5)));
    const inv = log.runs[0].invocations[0];
    assert.equal(inv.executionSuccessful, true);
    const uris = inv.toolExecutionNotifications
      .map((n) => n.locations[0].physicalLocation.artifactLocation.uri).sort();
    assert.deepEqual(uris, ['broken.json', 'chart/templates/deploy.yaml']);
    for (const n of inv.toolExecutionNotifications) {
      assert.equal(n.descriptor.id, 'skipped-file');
      assert.ok(n.message.text.length > 0);
    }
    assert.equal(log.runs[0].results.length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
