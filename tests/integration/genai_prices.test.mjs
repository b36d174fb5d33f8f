// The catalog's cost function against @pydantic/genai-prices (an independent, maintained price
// table): for every catalog price entry that genai-prices also knows, several usages with cached
// tokens must cost the same to the cent. Known, explained disagreements are listed below with
// both sources; the test also fails if one of them stops disagreeing, so the list stays true.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.env.LLMCTL_SOURCE_DIR, 'package.json'));
const { calcPrice } = require('@pydantic/genai-prices');
const llmctl = process.env.LLMCTL;

// id -> why our catalog and genai-prices disagree (both sources named).
const KNOWN_DIFFERENCES = {};

function run(args) {
  return JSON.parse(execFileSync(llmctl, args, { encoding: 'utf8' }));
}

const prices = run(['catalog', 'list', 'prices', '--format', 'json']).prices;

function usages(p) {
  // Below 200k input tokens: tiered prices (Gemini 2.5 Pro, Claude long context) stay on the
  // base tier that the catalog stores.
  const out = [
    { input_tokens: 150000, output_tokens: 20000 },
    { input_tokens: 150000, cache_read_tokens: 100000, output_tokens: 5000 },
    { input_tokens: 1000, output_tokens: 100000 },
  ];
  if (p.cache_write_usd_per_mtok !== null)
    out.push({ input_tokens: 120000, cache_read_tokens: 60000, cache_write_tokens: 40000, output_tokens: 8000 });
  return out;
}

function ours(p, u) {
  return run(['catalog', 'cost', '--model', p.id,
    '--input-tokens', String(u.input_tokens),
    '--cache-read-tokens', String(u.cache_read_tokens ?? 0),
    '--cache-write-tokens', String(u.cache_write_tokens ?? 0),
    '--output-tokens', String(u.output_tokens), '--format', 'json']).total_usd;
}

test('catalog cost function agrees with @pydantic/genai-prices to the cent', () => {
  let compared = 0;
  const withCache = new Set();
  const mismatches = [];
  const knownSeen = new Set();
  for (const p of prices) {
    for (const u of usages(p)) {
      const theirs = calcPrice(u, p.model, { providerId: p.provider });
      if (!theirs) continue;  // genai-prices does not know this model: nothing to compare
      const mine = ours(p, u);
      const diff = Math.abs(mine - theirs.total_price);
      if (KNOWN_DIFFERENCES[p.id]) {
        if (diff >= 0.005) knownSeen.add(p.id);
        continue;
      }
      compared++;
      if ((u.cache_read_tokens ?? 0) + (u.cache_write_tokens ?? 0) > 0) withCache.add(p.id);
      if (diff >= 0.005)
        mismatches.push(`${p.id} usage=${JSON.stringify(u)}: llmctl $${mine.toFixed(6)} ` +
          `(source: ${p.source}, as of ${p.as_of}) vs genai-prices $${theirs.total_price.toFixed(6)} ` +
          `(model ${theirs.model.id}, provider ${theirs.provider.id})`);
    }
  }
  for (const id of Object.keys(KNOWN_DIFFERENCES))
    assert.ok(knownSeen.has(id), `${id} is listed as a known difference but now agrees: remove it`);
  console.log(`compared ${compared} cases over ${withCache.size} models with cached tokens`);
  assert.deepEqual(mismatches, []);
  assert.ok(compared >= 20, `only ${compared} cases compared; want at least 20`);
  assert.ok(withCache.size >= 5, `only ${withCache.size} models compared with cached tokens`);
});
