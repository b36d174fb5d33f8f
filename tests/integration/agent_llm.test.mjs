// `llmctl ask --llm` against `llmctl mock`, whose simulated model answers every request that
// offers tools with a call to the first tool: the loop must show each call, feed the tool's
// error back, and stop at each bound (turns, tokens, dollars) with the numbers it spent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startListening, stopAll } from './lib/processes.mjs';

const llmctl = process.env.LLMCTL;
let base;
before(async () => {
  const mock = await startListening(['mock', '--port', '0', '--ttft-ms', '1', '--tpot-ms', '0']);
  base = `${mock.url}/v1`;
});
after(() => stopAll());

function ask(...flags) {
  const r = spawnSync(llmctl, ['ask', 'plan a llama-3.1-8b deployment for 5 req/s', '--llm', 'llmctl-sim',
    '--base-url', base, '--format', 'json', ...flags], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout ? JSON.parse(r.stdout) : null, err: r.stderr };
}

test('every tool call is shown and its result (here an error) goes back to the model', () => {
  const { code, out } = ask('--usd-per-mtok', '1,2', '--max-iterations', '3');
  assert.equal(code, 1);
  assert.equal(out.stopped, 'max_iterations');
  assert.equal(out.iterations, 3);
  assert.equal(out.tool_calls.length, 3);
  assert.equal(out.tool_calls[0].tool, 'perf');  // the mock calls the first tool offered
  assert.equal(out.tool_calls[0].ok, false);
  assert.ok(out.events.filter((e) => e.startsWith('tool perf(')).length === 3);
  // Dollars from the stated price and the mock's usage.
  const usd = (out.prompt_tokens * 1 + out.completion_tokens * 2) / 1e6;
  assert.ok(Math.abs(out.usd - usd) < 1e-12);
});

test('the token and dollar bounds stop the loop', () => {
  const tokens = ask('--usd-per-mtok', '1,2', '--max-tokens', '400');
  assert.equal(tokens.out.stopped, 'max_tokens');
  assert.ok(tokens.out.prompt_tokens + tokens.out.completion_tokens >= 400);
  const dollars = ask('--usd-per-mtok', '1000,1000', '--max-usd', '0.5');
  assert.equal(dollars.out.stopped, 'max_usd');
  assert.ok(dollars.out.usd >= 0.5);
  assert.ok(dollars.out.iterations < 8);
});

test('no price, no loop: the dollar bound must be enforceable', () => {
  const r = ask();
  assert.equal(r.code, 2);
  assert.match(r.err, /no price for 'llmctl-sim'.*--usd-per-mtok/);
});

test('an unreachable endpoint is an error naming it', () => {
  const r = spawnSync(llmctl, ['ask', 'x', '--llm', 'gpt-4o', '--base-url', 'http://127.0.0.1:9/v1',
    '--format', 'json'], { encoding: 'utf8' });
  const out = JSON.parse(r.stdout);
  assert.equal(out.stopped, 'error');
  assert.match(out.error, /127\.0\.0\.1:9\/v1\/chat\/completions/);
});
