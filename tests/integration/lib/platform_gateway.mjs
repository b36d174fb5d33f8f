// The setup the managed-platform tests share: a temporary directory, a gateway config with a
// request log, `llmctl gateway --check` on it, the gateway started on a free port, and the
// official openai and @anthropic-ai/sdk clients pointed at it (no client retries: a test sees
// exactly what the gateway answered).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startListening, stop } from './processes.mjs';

const require = createRequire(path.join(process.env.LLMCTL_SOURCE_DIR, 'package.json'));
const anthropicSdk = require('@anthropic-ai/sdk');
export const Anthropic = anthropicSdk.Anthropic ?? anthropicSdk.default;
export const { OpenAI } = require('openai');
const llmctl = process.env.LLMCTL;

// `models`: the YAML of the models list (indented under `models:`); `files`: extra files to
// write in the directory first (name -> text); models and env values may use {dir} for the
// directory.
export async function startPlatformGateway({ prefix, models, env: envIn = {}, files = {}, workers = 1 }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `llmctl-${prefix}-`));
  const env = Object.fromEntries(Object.entries(envIn).map(([k, v]) => [k, v.replaceAll('{dir}', dir)]));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text, { mode: 0o600 });
  const db = path.join(dir, 'requests.db');
  const config = `
listen: 127.0.0.1:0
workers: ${workers}
logging:
  request_log:
    path: ${db}
models:${models.replaceAll('{dir}', dir)}`;
  const file = path.join(dir, 'gateway.yaml');
  fs.writeFileSync(file, config);
  execFileSync(llmctl, ['gateway', '--check', '--config', file], { env: { ...process.env, ...env } });
  const gw = await startListening(['gateway', '--config', file], { env });
  return {
    dir,
    file,
    gw,
    openai: new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0 }),
    claude: new Anthropic({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 }),
    // Stops the gateway (flushing its request log) and returns the rows of `sql`.
    async logRows(sql) {
      await stop(gw.child);
      return JSON.parse(execFileSync('sqlite3', ['-json', db, sql]).toString() || '[]');
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

// `llmctl gateway --check` on a config; returns { status, stderr } instead of throwing.
export function checkConfig(file, env = {}) {
  try {
    execFileSync(llmctl, ['gateway', '--check', '--config', file], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    return { status: 0, stderr: '' };
  } catch (e) {
    return { status: e.status, stderr: e.stderr.toString() };
  }
}
