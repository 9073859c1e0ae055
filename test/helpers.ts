import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const HUB_BIN = join(ROOT, 'cloud', 'bin', 'spoor-hub.js');
export const DEVICE_BIN = join(ROOT, 'device', 'bin', 'spoor-device.js');

export interface Proc<T> {
  child: ChildProcess;
  ready: T;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Start a process whose first stdout line is its JSON ready line. */
export async function startJson<T>(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Proc<T>> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const ready = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`not ready in time: ${args.join(' ')}\n${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as T);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready: ${args.join(' ')}\n${stderr}`));
    });
  });
  return { child, ready, stderr: () => stderr, exited };
}

export function cliJson<T>(args: string[]): T {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
