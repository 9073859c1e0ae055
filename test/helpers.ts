import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

export interface Stack {
  dir: string;
  hub: Proc<{ http: number; mqtt: number }>;
  device: Proc<{ http: number }>;
  creds: { deviceId: string; username: string; password: string; fleetId: string };
  token: string;
  /** GET on the hub's API with the token. */
  api: (path: string) => Promise<Response>;
}

/**
 * A hub (`spoor-hub run`, PGlite) and one device registered on it (`spoor-device run`), as
 * real processes in a temp dir. `procs` collects both so the suite can kill them afterwards.
 */
export async function startStack(opts: { deviceId: string; role: 'admin' | 'reviewer' | 'viewer'; procs: Proc<unknown>[]; device?: Record<string, unknown> }): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), `spoor-${opts.deviceId}-`));
  const hubData = join(dir, 'hub');
  const hub = await startJson<{ http: number; mqtt: number }>([HUB_BIN, 'run', '--data', hubData, '--http-port', '0', '--mqtt-port', '0', '--json']);
  opts.procs.push(hub);
  const creds = cliJson<Stack['creds']>([HUB_BIN, 'devices', 'add', opts.deviceId, '--data', hubData, '--json']);
  const { token } = cliJson<{ token: string }>([HUB_BIN, 'tokens', 'add', '--role', opts.role, '--data', hubData, '--json']);
  const config = join(dir, 'device.json');
  await writeFile(
    config,
    JSON.stringify({
      deviceId: creds.deviceId,
      dataDir: 'device',
      inbox: 'inbox',
      http: { host: '127.0.0.1', port: 0 },
      watch: { stableMs: 150, pollMs: 100 },
      pipeline: { burstWindowSec: 0.5 },
      cloud: { mqttUrl: `mqtt://127.0.0.1:${hub.ready.mqtt}`, username: creds.username, password: creds.password, fleetId: creds.fleetId },
      ...opts.device,
    }),
  );
  const device = await startJson<{ http: number }>([DEVICE_BIN, 'run', '--config', config, '--json']);
  opts.procs.push(device);
  const api = (path: string) => fetch(`http://127.0.0.1:${hub.ready.http}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { dir, hub, device, creds, token, api };
}
