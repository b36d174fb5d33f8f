// Starting and stopping real llmctl processes (gateway, mock) for the node integration tests.
// Every process started here is remembered; stopAll() in the test's after() stops what is left.
import { spawn } from 'node:child_process';

const llmctl = process.env.LLMCTL;
export const children = [];

// Runs `llmctl ...args` and resolves once it prints "listening on HOST:PORT" (and, with
// `admin`, also "admin listening on HOST:PORT"): { child, port, url, admin, stderr() }.
// Rejects if it exits first or prints nothing within timeoutMs.
export function startListening(args, { env = {}, timeoutMs = 15000, admin: wantAdmin = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(llmctl, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`llmctl ${args.join(' ')}: no listening line\n${stderr}`)), timeoutMs);
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = stdout.match(/^listening on [\d.]+:(\d+)/m);
      const admin = stdout.match(/admin listening on [\d.]+:(\d+)/);
      if (m && (!wantAdmin || admin)) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]), url: `http://127.0.0.1:${m[1]}`,
          admin: admin ? `http://127.0.0.1:${admin[1]}` : null, stderr: () => stderr });
      }
    });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`llmctl ${args.join(' ')} exited ${code} before listening\n${stderr}`));
    });
  });
}

// SIGTERM, then SIGKILL after graceMs; resolves with the exit code (or signal).
export function stop(child, graceMs = 15000) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', (code, signal) => { clearTimeout(kill); resolve(code ?? signal); });
    child.kill('SIGTERM');
  });
}

export const stopAll = (graceMs) => Promise.all(children.map((c) => stop(c, graceMs)));
