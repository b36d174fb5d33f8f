// The official MCP conformance suite (@modelcontextprotocol/conformance, pinned) against
// `llmctl mcp --http` on a free loopback port. Scenarios that need the suite's fixture tools,
// prompts and resources are listed, with why, in tests/data/agent/conformance-expected-failures.yml;
// the suite exits non-zero on any other failure and on a listed scenario that starts passing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startListening, stopAll } from './lib/processes.mjs';

const src = process.env.LLMCTL_SOURCE_DIR;
const bin = path.join(src, 'node_modules', '.bin', 'conformance');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'llmctl-conformance-'));
after(async () => {
  await stopAll();
  fs.rmSync(work, { recursive: true, force: true });
});

test('conformance suite: every scenario passes except the listed fixture ones', async () => {
  const server = await startListening(['mcp', '--http', '127.0.0.1:0'], { env: {} });
  const url = `${server.url}/mcp`;
  const out = await new Promise((resolve) => {
    const child = spawn(bin, ['server', '--url', url, '--expected-failures',
      path.join(src, 'tests/data/agent/conformance-expected-failures.yml')],
    { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d) => { text += d; });
    child.stderr.on('data', (d) => { text += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 240000);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, text }); });
  });
  const summary = out.text.slice(out.text.indexOf('=== SUMMARY ==='));
  console.log(summary);
  const total = summary.match(/Total: (\d+) passed, (\d+) failed/);
  assert.ok(total, out.text.slice(-3000));
  assert.equal(out.code, 0, out.text.slice(-3000));
  for (const s of ['server-initialize', 'ping', 'logging-set-level', 'tools-list', 'resources-list',
    'prompts-list', 'server-sse-multiple-streams', 'dns-rebinding-protection'])
    assert.match(summary, new RegExp(`✓ ${s}:`), s);
});
