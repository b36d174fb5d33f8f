// `llmctl ask --llm` against `llmctl mock`, whose simulated model behaves like a real one: it
// calls the tools that fit the request (in parallel), then answers in text once it has their
// results. The loop must show each call, feed the tools' errors back, end with the answer, and
// stop at each bound (turns, tokens, dollars) with the numbers it spent.
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

test('every tool call is shown, its result (here an error) goes back, and the model answers', () => {
  const { code, out } = ask('--usd-per-mtok', '1,2', '--max-iterations', '3');
  assert.equal(code, 0);
  assert.equal(out.stopped, 'answered');
  assert.equal(out.iterations, 2);  // the calls, then the answer after their results
  assert.ok(out.tool_calls.length >= 1);
  assert.equal(out.tool_calls[0].ok, false);
  for (const call of out.tool_calls)
    assert.ok(out.events.some((e) => e.startsWith(`tool ${call.tool}(`)), call.tool);
  assert.ok(out.answer.length > 0);
  // Dollars from the stated price and the mock's usage.
  const usd = (out.prompt_tokens * 1 + out.completion_tokens * 2) / 1e6;
  assert.ok(Math.abs(out.usd - usd) < 1e-12);
});

test('the turn, token and dollar bounds stop the loop', () => {
  const turns = ask('--usd-per-mtok', '1,2', '--max-iterations', '1');
  assert.equal(turns.out.stopped, 'max_iterations');
  assert.equal(turns.out.iterations, 1);
  const tokens = ask('--usd-per-mtok', '1,2', '--max-tokens', '200');
  assert.equal(tokens.out.stopped, 'max_tokens');
  assert.ok(tokens.out.prompt_tokens + tokens.out.completion_tokens >= 200);
  const dollars = ask('--usd-per-mtok', '1000,1000', '--max-usd', '0.2');
  assert.equal(dollars.out.stopped, 'max_usd');
  assert.ok(dollars.out.usd >= 0.2);
  assert.equal(dollars.out.iterations, 1);
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
